use crate::bmff::{full_payload, Atom, FourCC, FullHeader};
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
        let (creation_time, modification_time, timescale, duration) = if h.version == 1 {
            (c.u64()?, c.u64()?, c.u32()?, c.u64()?)
        } else {
            (u64::from(c.u32()?), u64::from(c.u32()?), c.u32()?, u64::from(c.u32()?))
        };
        if timescale == 0 {
            return Err(Error::invalid("mdhd", "timescale is 0"));
        }
        let language = c.u16()?;
        Ok(Mdhd { creation_time, modification_time, timescale, duration, language })
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
        out.put_u16(self.language);
        out.put_u16(0);
    }
}
