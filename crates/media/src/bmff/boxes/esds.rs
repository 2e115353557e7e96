use crate::bmff::{full_payload, write_box, Atom, FourCC, FullHeader};
use crate::bytes::{Cursor, PutBe};
use crate::error::{Error, Result};

use super::SampleEntry;

/// `esds`: the MPEG-4 elementary stream descriptor of an `mp4a` entry
/// (ISO/IEC 14496-1 descriptors 3 → 4 → 5), kept as what a player needs:
/// the object type (0x40 = MPEG-4 audio), the bitrates and the
/// AudioSpecificConfig.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Esds {
    pub object_type: u8,
    pub max_bitrate: u32,
    pub avg_bitrate: u32,
    /// The decoder-specific info (for AAC, the AudioSpecificConfig).
    pub decoder_specific: Vec<u8>,
}

const ES_DESCRIPTOR: u8 = 3;
const DECODER_CONFIG: u8 = 4;
const DECODER_SPECIFIC: u8 = 5;
const SL_CONFIG: u8 = 6;
/// Stream type 5 (audio) shifted, with the reserved bit set.
const AUDIO_STREAM: u8 = 0x15;

/// A descriptor: tag, then its length in four 7-bit groups (the padded form
/// every muxer accepts), then the body.
fn descriptor(tag: u8, body: &[u8]) -> Vec<u8> {
    let n = body.len() as u32;
    let mut v = vec![
        tag,
        0x80 | ((n >> 21) & 0x7f) as u8,
        0x80 | ((n >> 14) & 0x7f) as u8,
        0x80 | ((n >> 7) & 0x7f) as u8,
        (n & 0x7f) as u8,
    ];
    v.extend_from_slice(body);
    v
}

/// Reads a descriptor header; returns its tag and body.
fn read_descriptor<'a>(c: &mut Cursor<'a>) -> Result<(u8, &'a [u8])> {
    let tag = c.u8()?;
    let mut len = 0usize;
    for _ in 0..4 {
        let b = c.u8()?;
        len = (len << 7) | usize::from(b & 0x7f);
        if b & 0x80 == 0 {
            break;
        }
    }
    if len > c.remaining() {
        return Err(Error::invalid("esds", format!("descriptor {tag} claims {len} bytes, {} follow", c.remaining())));
    }
    Ok((tag, c.take(len)?))
}

impl Atom for Esds {
    const KIND: FourCC = FourCC::ESDS;

    fn read(payload: &[u8]) -> Result<Self> {
        let (_, mut c) = full_payload(payload, "esds")?;
        let (tag, es) = read_descriptor(&mut c)?;
        if tag != ES_DESCRIPTOR {
            return Err(Error::invalid("esds", format!("descriptor {tag} where an ES descriptor belongs")));
        }
        let mut c = Cursor::new(es, "esds ES descriptor");
        c.u16()?; // ES_ID
        let flags = c.u8()?;
        if flags & 0x80 != 0 {
            c.u16()?; // depends on ES_ID
        }
        if flags & 0x40 != 0 {
            let n = c.u8()?;
            c.take(usize::from(n))?; // URL
        }
        if flags & 0x20 != 0 {
            c.u16()?; // OCR ES_ID
        }
        let (tag, dcd) = read_descriptor(&mut c)?;
        if tag != DECODER_CONFIG {
            return Err(Error::invalid("esds", format!("descriptor {tag} where a decoder config belongs")));
        }
        let mut d = Cursor::new(dcd, "esds decoder config");
        let object_type = d.u8()?;
        d.u8()?; // stream type
        d.take(3)?; // buffer size
        let max_bitrate = d.u32()?;
        let avg_bitrate = d.u32()?;
        let decoder_specific = match d.remaining() {
            0 => Vec::new(),
            _ => match read_descriptor(&mut d)? {
                (DECODER_SPECIFIC, dsi) => dsi.to_vec(),
                _ => Vec::new(),
            },
        };
        Ok(Esds { object_type, max_bitrate, avg_bitrate, decoder_specific })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        FullHeader::default().write(out);
        let mut dcd = vec![self.object_type, AUDIO_STREAM, 0, 0, 0];
        dcd.put_u32(self.max_bitrate);
        dcd.put_u32(self.avg_bitrate);
        dcd.extend_from_slice(&descriptor(DECODER_SPECIFIC, &self.decoder_specific));
        let mut es = vec![0, 1, 0]; // ES_ID 1, no flags
        es.extend_from_slice(&descriptor(DECODER_CONFIG, &dcd));
        es.extend_from_slice(&descriptor(SL_CONFIG, &[2])); // predefined: MP4 files
        out.extend_from_slice(&descriptor(ES_DESCRIPTOR, &es));
    }
}

impl Esds {
    /// Finds the `esds` inside an `mp4a` sample entry payload (an MP4
    /// AudioSampleEntry, or a QuickTime sound description of version 1 or 2,
    /// whose extra fields come before the child boxes).
    pub fn from_sample_entry(payload: &[u8]) -> Result<Esds> {
        let mut c = Cursor::new(payload, "mp4a");
        c.skip(8)?; // reserved + data reference index
        let version = c.u16()?;
        let fields = match version {
            0 => 28,
            1 => 28 + 16,
            2 => 28 + 36,
            v => return Err(Error::Unsupported(format!("sound description version {v}"))),
        };
        let kids = payload.get(fields..).ok_or_else(|| Error::invalid("mp4a", "sample entry too short"))?;
        let b = crate::bmff::find(kids, FourCC::ESDS)?.ok_or_else(|| Error::invalid("mp4a", "no esds box"))?;
        Esds::read(b.payload)
    }

    /// An `mp4a` sample entry carrying this descriptor.
    pub fn mp4a_sample_entry(&self, channels: u16, sample_rate: u32) -> SampleEntry {
        let mut raw = Vec::new();
        write_box(&mut raw, FourCC::MP4A, |o| {
            o.extend_from_slice(&[0; 6]);
            o.put_u16(1); // data reference index
            o.extend_from_slice(&[0; 8]);
            o.put_u16(channels);
            o.put_u16(16); // sample size
            o.put_u32(0);
            o.put_u32(sample_rate << 16);
            self.write(o);
        });
        SampleEntry { kind: FourCC::MP4A, raw }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audio_config_survives_a_round_trip() {
        let e =
            Esds { object_type: 0x40, max_bitrate: 128_000, avg_bitrate: 128_000, decoder_specific: vec![0x12, 0x10] };
        let mut p = Vec::new();
        e.write_payload(&mut p);
        assert_eq!(Esds::read(&p).expect("parse"), e);
        let entry = e.mp4a_sample_entry(2, 48_000);
        assert_eq!(Esds::from_sample_entry(entry.payload()).expect("in its entry"), e);
        let cut = &p[..p.len() - 6];
        assert!(Esds::read(cut).is_err(), "a descriptor longer than the box");
    }
}
