use super::Times;
use crate::bmff::boxes::Matrix;
use crate::bmff::{full_payload, Atom, FourCC};
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
        let t = Times::read(h.version, &mut c)?;
        let (creation_time, modification_time, timescale, duration) =
            (t.creation, t.modification, t.timescale, t.duration);
        // rate, volume, reserved, matrix, QuickTime preview/poster/selection fields.
        c.skip(4 + 2 + 10 + 36 + 24)?;
        let next_track_id = c.u32()?;
        Ok(Mvhd { creation_time, modification_time, timescale, duration, next_track_id })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        Times {
            creation: self.creation_time,
            modification: self.modification_time,
            timescale: self.timescale,
            duration: self.duration,
        }
        .write(out);
        out.put_u32(0x0001_0000); // rate 1.0
        out.put_u16(0x0100); // volume 1.0
        out.extend_from_slice(&[0; 10]);
        Matrix::IDENTITY.write(out);
        out.extend_from_slice(&[0; 24]);
        out.put_u32(self.next_track_id);
    }
}
