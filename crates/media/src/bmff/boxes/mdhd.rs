use super::Times;
use crate::bmff::{full_payload, Atom, FourCC};
use crate::bytes::PutBe;
use crate::error::{Error, Result};

/// `mdhd`: media header (the track's own timescale and duration).
#[derive(Clone, Debug, PartialEq)]
pub struct Mdhd {
    pub creation_time: u64,
    pub modification_time: u64,
    pub timescale: u32,
    pub duration: u64,
    /// ISO-639-2 packed language code (0x55C4 = "und").
    pub language: u16,
}

impl Atom for Mdhd {
    const KIND: FourCC = FourCC::MDHD;

    fn read(payload: &[u8]) -> Result<Self> {
        let (h, mut c) = full_payload(payload, "mdhd")?;
        let t = Times::read(h.version, &mut c)?;
        let (creation_time, modification_time, timescale, duration) =
            (t.creation, t.modification, t.timescale, t.duration);
        if timescale == 0 {
            return Err(Error::invalid("mdhd", "timescale is 0"));
        }
        let language = c.u16()?;
        Ok(Mdhd { creation_time, modification_time, timescale, duration, language })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        Times {
            creation: self.creation_time,
            modification: self.modification_time,
            timescale: self.timescale,
            duration: self.duration,
        }
        .write(out);
        out.put_u16(self.language);
        out.put_u16(0);
    }
}
