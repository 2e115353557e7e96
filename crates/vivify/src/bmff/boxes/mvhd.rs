use crate::bmff::boxes::Matrix;
use crate::bmff::{full_payload, Atom, FourCC, FullHeader};
use crate::bytes::PutBe;
use crate::error::Result;

/// `mvhd`: movie header (timescale, duration, next track id).
#[derive(Clone, Debug, PartialEq)]
pub struct Mvhd {
    pub creation_time: u64,
    pub modification_time: u64,
    pub timescale: u32,
    pub duration: u64,
    pub next_track_id: u32,
}

impl Atom for Mvhd {
    const KIND: FourCC = FourCC::MVHD;

    fn read(payload: &[u8]) -> Result<Self> {
        let (h, mut c) = full_payload(payload, "mvhd")?;
        let (creation_time, modification_time, timescale, duration) = if h.version == 1 {
            (c.u64()?, c.u64()?, c.u32()?, c.u64()?)
        } else {
            (u64::from(c.u32()?), u64::from(c.u32()?), c.u32()?, u64::from(c.u32()?))
        };
        // rate, volume, reserved, matrix, QuickTime preview/poster/selection fields.
        c.skip(4 + 2 + 10 + 36 + 24)?;
        let next_track_id = c.u32()?;
        Ok(Mvhd { creation_time, modification_time, timescale, duration, next_track_id })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        let v1 = self.duration > u64::from(u32::MAX) || self.creation_time > u64::from(u32::MAX);
        FullHeader { version: u8::from(v1), flags: 0 }.write(out);
        if v1 {
            out.put_u64(self.creation_time);
            out.put_u64(self.modification_time);
            out.put_u32(self.timescale);
            out.put_u64(self.duration);
        } else {
            out.put_u32(self.creation_time as u32);
            out.put_u32(self.modification_time as u32);
            out.put_u32(self.timescale);
            out.put_u32(self.duration as u32);
        }
        out.put_u32(0x0001_0000); // rate 1.0
        out.put_u16(0x0100); // volume 1.0
        out.extend_from_slice(&[0; 10]);
        Matrix::IDENTITY.write(out);
        out.extend_from_slice(&[0; 24]);
        out.put_u32(self.next_track_id);
    }
}
