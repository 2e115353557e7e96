use super::table_len;
use crate::bmff::{full_payload, Atom, FourCC, FullHeader};
use crate::bytes::PutBe;
use crate::error::Result;

/// `stco` / `co64`: chunk offsets. Reads either; writes `co64` only when an
/// offset needs more than 32 bits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChunkOffsets {
    pub offsets: Vec<u64>,
}

impl ChunkOffsets {
    pub fn read_co64(payload: &[u8]) -> Result<Self> {
        let (_, mut c) = full_payload(payload, "co64")?;
        let n = c.u32()?;
        let n = table_len(n, 8, c.remaining(), "co64")?;
        let mut offsets = Vec::with_capacity(n);
        for _ in 0..n {
            offsets.push(c.u64()?);
        }
        Ok(ChunkOffsets { offsets })
    }

    pub fn needs_64bit(&self) -> bool {
        self.offsets.iter().any(|&o| o > u64::from(u32::MAX))
    }

    /// Writes `stco` or `co64`, whichever the offsets need.
    pub fn write_any(&self, out: &mut Vec<u8>) {
        if self.needs_64bit() {
            crate::bmff::write_box(out, FourCC::CO64, |o| {
                FullHeader::default().write(o);
                o.put_u32(self.offsets.len() as u32);
                for &v in &self.offsets {
                    o.put_u64(v);
                }
            });
        } else {
            self.write(out);
        }
    }
}

impl Atom for ChunkOffsets {
    const KIND: FourCC = FourCC::STCO;

    fn read(payload: &[u8]) -> Result<Self> {
        let (_, mut c) = full_payload(payload, "stco")?;
        let n = c.u32()?;
        let n = table_len(n, 4, c.remaining(), "stco")?;
        let mut offsets = Vec::with_capacity(n);
        for _ in 0..n {
            offsets.push(u64::from(c.u32()?));
        }
        Ok(ChunkOffsets { offsets })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        FullHeader::default().write(out);
        out.put_u32(self.offsets.len() as u32);
        for &v in &self.offsets {
            out.put_u32(v as u32);
        }
    }
}
