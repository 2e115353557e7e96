use super::table_len;
use crate::bmff::{full_payload, Atom, FourCC, FullHeader};
use crate::bytes::PutBe;
use crate::error::Result;

/// `ctts`: composition offsets (presentation − decode time), run-length coded.
/// Version 1 offsets are signed; version 0 offsets are read as signed too,
/// because real writers put negative values there.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ctts {
    pub entries: Vec<(u32, i32)>,
}

impl Ctts {
    pub fn from_offsets(offsets: impl IntoIterator<Item = i32>) -> Self {
        let mut entries: Vec<(u32, i32)> = Vec::new();
        for o in offsets {
            match entries.last_mut() {
                Some((n, v)) if *v == o => *n += 1,
                _ => entries.push((1, o)),
            }
        }
        Ctts { entries }
    }
}

impl Atom for Ctts {
    const KIND: FourCC = FourCC::CTTS;

    fn read(payload: &[u8]) -> Result<Self> {
        let (_, mut c) = full_payload(payload, "ctts")?;
        let n = c.u32()?;
        let n = table_len(n, 8, c.remaining(), "ctts")?;
        let mut entries = Vec::with_capacity(n);
        for _ in 0..n {
            entries.push((c.u32()?, c.i32()?));
        }
        Ok(Ctts { entries })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        let any_negative = self.entries.iter().any(|&(_, o)| o < 0);
        FullHeader { version: u8::from(any_negative), flags: 0 }.write(out);
        out.put_u32(self.entries.len() as u32);
        for &(n, o) in &self.entries {
            out.put_u32(n);
            out.put_i32(o);
        }
    }
}
