use crate::bmff::{full_payload, Atom, FourCC, FullHeader};
use crate::bytes::PutBe;
use crate::error::Result;

/// `pitm` (HEIF): which item is the primary image.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pitm {
    pub item: u32,
}

impl Atom for Pitm {
    const KIND: FourCC = FourCC::PITM;

    fn read(payload: &[u8]) -> Result<Self> {
        let (h, mut c) = full_payload(payload, "pitm")?;
        let item = if h.version == 0 { u32::from(c.u16()?) } else { c.u32()? };
        Ok(Pitm { item })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        let wide = self.item > 0xFFFF;
        FullHeader { version: u8::from(wide), flags: 0 }.write(out);
        if wide {
            out.put_u32(self.item);
        } else {
            out.put_u16(self.item as u16);
        }
    }
}
