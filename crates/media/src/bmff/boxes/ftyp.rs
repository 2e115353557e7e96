use crate::bmff::{Atom, FourCC};
use crate::bytes::Cursor;
use crate::error::Result;

/// `ftyp`: file type and compatible brands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ftyp {
    pub major: FourCC,
    pub minor: u32,
    pub compatible: Vec<FourCC>,
}

impl Atom for Ftyp {
    const KIND: FourCC = FourCC::FTYP;

    fn read(payload: &[u8]) -> Result<Self> {
        let mut c = Cursor::new(payload, "ftyp");
        let major = FourCC(c.array()?);
        let minor = c.u32()?;
        let mut compatible = Vec::new();
        while c.remaining() >= 4 {
            compatible.push(FourCC(c.array()?));
        }
        Ok(Ftyp { major, minor, compatible })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.major.0);
        out.extend_from_slice(&self.minor.to_be_bytes());
        for b in &self.compatible {
            out.extend_from_slice(&b.0);
        }
    }
}
