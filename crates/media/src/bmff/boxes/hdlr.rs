use crate::bmff::{full_payload, Atom, FourCC, FullHeader};
use crate::error::Result;

/// `hdlr`: handler reference. QuickTime fills `component_type` ('mhlr' or
/// 'dhlr') and `manufacturer`; ISO files leave both zero.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hdlr {
    pub component_type: FourCC,
    pub handler: FourCC,
    pub manufacturer: FourCC,
    pub flags: u32,
    pub flags_mask: u32,
    /// Name bytes as stored: a C string in ISO files, a Pascal string in QuickTime.
    pub name: Vec<u8>,
}

impl Hdlr {
    /// An ISO-style handler with a NUL-terminated name.
    pub fn iso(handler: FourCC, name: &str) -> Self {
        let mut n = name.as_bytes().to_vec();
        n.push(0);
        Hdlr { component_type: FourCC([0; 4]), handler, manufacturer: FourCC([0; 4]), flags: 0, flags_mask: 0, name: n }
    }

    /// A QuickTime-style handler with a Pascal-string name.
    pub fn quicktime(component_type: FourCC, handler: FourCC, name: &str) -> Self {
        let bytes = name.as_bytes();
        let len = bytes.len().min(255);
        let mut n = vec![len as u8];
        n.extend_from_slice(&bytes[..len]);
        Hdlr { component_type, handler, manufacturer: FourCC(*b"appl"), flags: 1, flags_mask: 0, name: n }
    }
}

impl Atom for Hdlr {
    const KIND: FourCC = FourCC::HDLR;

    fn read(payload: &[u8]) -> Result<Self> {
        let (_, mut c) = full_payload(payload, "hdlr")?;
        let component_type = FourCC(c.array()?);
        let handler = FourCC(c.array()?);
        let manufacturer = FourCC(c.array()?);
        let flags = c.u32()?;
        let flags_mask = c.u32()?;
        let name = c.rest().to_vec();
        Ok(Hdlr { component_type, handler, manufacturer, flags, flags_mask, name })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        FullHeader::default().write(out);
        out.extend_from_slice(&self.component_type.0);
        out.extend_from_slice(&self.handler.0);
        out.extend_from_slice(&self.manufacturer.0);
        out.extend_from_slice(&self.flags.to_be_bytes());
        out.extend_from_slice(&self.flags_mask.to_be_bytes());
        out.extend_from_slice(&self.name);
    }
}
