use crate::bmff::{full_payload, Atom, FourCC, FullHeader};
use crate::bytes::PutBe;
use crate::error::Result;

/// `ispe` (HEIF item property): the picture's width and height.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ispe {
    pub width: u32,
    pub height: u32,
}

impl Atom for Ispe {
    const KIND: FourCC = FourCC(*b"ispe");

    fn read(payload: &[u8]) -> Result<Self> {
        let (_, mut c) = full_payload(payload, "ispe")?;
        Ok(Ispe { width: c.u32()?, height: c.u32()? })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        FullHeader::default().write(out);
        out.put_u32(self.width);
        out.put_u32(self.height);
    }
}
