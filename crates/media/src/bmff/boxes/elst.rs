use super::table_len;
use crate::bmff::{full_payload, Atom, FourCC, FullHeader};
use crate::bytes::PutBe;
use crate::error::Result;

/// One edit: `segment_duration` (movie timescale) of media starting at
/// `media_time` (media timescale); `media_time == -1` is an empty edit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EditEntry {
    pub segment_duration: u64,
    pub media_time: i64,
    /// Playback rate, 16.16 fixed point (0x10000 = 1.0).
    pub rate: i32,
}

/// `elst`: edit list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Elst {
    pub entries: Vec<EditEntry>,
}

impl Atom for Elst {
    const KIND: FourCC = FourCC::ELST;

    fn read(payload: &[u8]) -> Result<Self> {
        let (h, mut c) = full_payload(payload, "elst")?;
        let n = c.u32()?;
        let size = if h.version == 1 { 20 } else { 12 };
        let n = table_len(n, size, c.remaining(), "elst")?;
        let mut entries = Vec::with_capacity(n);
        for _ in 0..n {
            let (segment_duration, media_time) =
                if h.version == 1 { (c.u64()?, c.i64()?) } else { (u64::from(c.u32()?), i64::from(c.i32()?)) };
            let rate = c.i32()?;
            entries.push(EditEntry { segment_duration, media_time, rate });
        }
        Ok(Elst { entries })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        let v1 = self.entries.iter().any(|e| {
            e.segment_duration > u64::from(u32::MAX) || e.media_time > i64::from(i32::MAX) || e.media_time < -1
        });
        FullHeader { version: u8::from(v1), flags: 0 }.write(out);
        out.put_u32(self.entries.len() as u32);
        for e in &self.entries {
            if v1 {
                out.put_u64(e.segment_duration);
                out.put_i64(e.media_time);
            } else {
                out.put_u32(e.segment_duration as u32);
                out.put_i32(e.media_time as i32);
            }
            out.put_i32(e.rate);
        }
    }
}
