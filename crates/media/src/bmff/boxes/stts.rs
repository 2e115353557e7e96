use super::table_len;
use crate::bmff::{full_payload, Atom, FourCC, FullHeader};
use crate::bytes::PutBe;
use crate::error::Result;

/// `stts`: decoding time deltas, run-length coded as (count, delta).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stts {
    pub entries: Vec<(u32, u32)>,
}

impl Stts {
    /// Run-length codes a list of per-sample durations.
    pub fn from_durations(durations: impl IntoIterator<Item = u32>) -> Self {
        let mut entries: Vec<(u32, u32)> = Vec::new();
        for d in durations {
            match entries.last_mut() {
                Some((n, delta)) if *delta == d => *n += 1,
                _ => entries.push((1, d)),
            }
        }
        Stts { entries }
    }
}

impl Atom for Stts {
    const KIND: FourCC = FourCC::STTS;

    fn read(payload: &[u8]) -> Result<Self> {
        let (_, mut c) = full_payload(payload, "stts")?;
        let n = c.u32()?;
        let n = table_len(n, 8, c.remaining(), "stts")?;
        let mut entries = Vec::with_capacity(n);
        for _ in 0..n {
            entries.push((c.u32()?, c.u32()?));
        }
        Ok(Stts { entries })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        FullHeader::default().write(out);
        out.put_u32(self.entries.len() as u32);
        for &(n, d) in &self.entries {
            out.put_u32(n);
            out.put_u32(d);
        }
    }
}
