use super::table_len;
use crate::bmff::{full_payload, Atom, FourCC, FullHeader};
use crate::bytes::PutBe;
use crate::error::Result;

/// `stss`: 1-based numbers of the sync (key) samples. Absent = all sync.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stss {
    pub samples: Vec<u32>,
}

impl Atom for Stss {
    const KIND: FourCC = FourCC::STSS;

    fn read(payload: &[u8]) -> Result<Self> {
        let (_, mut c) = full_payload(payload, "stss")?;
        let n = c.u32()?;
        let n = table_len(n, 4, c.remaining(), "stss")?;
        let mut samples = Vec::with_capacity(n);
        for _ in 0..n {
            samples.push(c.u32()?);
        }
        Ok(Stss { samples })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        FullHeader::default().write(out);
        out.put_u32(self.samples.len() as u32);
        for &s in &self.samples {
            out.put_u32(s);
        }
    }
}
