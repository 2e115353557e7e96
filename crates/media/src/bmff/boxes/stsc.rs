use super::table_len;
use crate::bmff::{full_payload, Atom, FourCC, FullHeader};
use crate::bytes::PutBe;
use crate::error::Result;

/// One run of chunks sharing a samples-per-chunk count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StscEntry {
    pub first_chunk: u32,
    pub samples_per_chunk: u32,
    pub sample_description_index: u32,
}

/// `stsc`: sample-to-chunk map.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stsc {
    pub entries: Vec<StscEntry>,
}

impl Atom for Stsc {
    const KIND: FourCC = FourCC::STSC;

    fn read(payload: &[u8]) -> Result<Self> {
        let (_, mut c) = full_payload(payload, "stsc")?;
        let n = c.u32()?;
        let n = table_len(n, 12, c.remaining(), "stsc")?;
        let mut entries = Vec::with_capacity(n);
        for _ in 0..n {
            entries.push(StscEntry {
                first_chunk: c.u32()?,
                samples_per_chunk: c.u32()?,
                sample_description_index: c.u32()?,
            });
        }
        Ok(Stsc { entries })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        FullHeader::default().write(out);
        out.put_u32(self.entries.len() as u32);
        for e in &self.entries {
            out.put_u32(e.first_chunk);
            out.put_u32(e.samples_per_chunk);
            out.put_u32(e.sample_description_index);
        }
    }
}
