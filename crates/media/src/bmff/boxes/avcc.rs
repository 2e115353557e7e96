use crate::bmff::{find, write_box, Atom, FourCC};
use crate::bytes::{Cursor, PutBe};
use crate::error::{Error, Result};

use super::SampleEntry;

/// `avcC`: the H.264 decoder configuration record (ISO/IEC 14496-15): the
/// profile and level, how long the NAL length prefixes are, and the
/// parameter sets without start codes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AvcConfig {
    pub profile: u8,
    pub compatibility: u8,
    pub level: u8,
    pub nal_length_size: usize,
    pub sps: Vec<Vec<u8>>,
    pub pps: Vec<Vec<u8>>,
}

impl Atom for AvcConfig {
    const KIND: FourCC = FourCC::AVCC;

    fn read(payload: &[u8]) -> Result<Self> {
        let mut c = Cursor::new(payload, "avcC");
        c.u8()?;
        let profile = c.u8()?;
        let compatibility = c.u8()?;
        let level = c.u8()?;
        let nal_length_size = usize::from(c.u8()? & 3) + 1;
        let n_sps = c.u8()? & 0x1f;
        let mut sps = Vec::new();
        for _ in 0..n_sps {
            let l = c.u16()? as usize;
            sps.push(c.take(l)?.to_vec());
        }
        let n_pps = c.u8()?;
        let mut pps = Vec::new();
        for _ in 0..n_pps {
            let l = c.u16()? as usize;
            pps.push(c.take(l)?.to_vec());
        }
        if sps.is_empty() || pps.is_empty() {
            return Err(Error::invalid("avcC", "no SPS or PPS"));
        }
        Ok(AvcConfig { profile, compatibility, level, nal_length_size, sps, pps })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[
            1,
            self.profile,
            self.compatibility,
            self.level,
            0xFC | (self.nal_length_size as u8 - 1),
        ]);
        out.push(0xE0 | self.sps.len() as u8);
        for s in &self.sps {
            out.put_u16(s.len() as u16);
            out.extend_from_slice(s);
        }
        out.push(self.pps.len() as u8);
        for p in &self.pps {
            out.put_u16(p.len() as u16);
            out.extend_from_slice(p);
        }
    }
}

impl AvcConfig {
    /// Finds the `avcC` inside an `avc1`/`avc3` sample entry payload.
    pub fn from_sample_entry(payload: &[u8]) -> Result<AvcConfig> {
        let kids =
            payload.get(VISUAL_ENTRY_FIELDS..).ok_or_else(|| Error::invalid("avc1", "sample entry too short"))?;
        let avcc = find(kids, FourCC::AVCC)?.ok_or_else(|| Error::invalid("avc1", "no avcC box"))?;
        AvcConfig::read(avcc.payload)
    }

    /// An `avc1` sample entry for `width`×`height` pictures with this record.
    pub fn sample_entry(&self, width: u16, height: u16) -> SampleEntry {
        let mut raw = Vec::new();
        write_box(&mut raw, FourCC::AVC1, |o| {
            o.extend_from_slice(&[0; 6]);
            o.put_u16(1); // data reference index
            o.extend_from_slice(&[0; 16]);
            o.put_u16(width);
            o.put_u16(height);
            o.put_u32(0x0048_0000); // 72 dpi, both ways
            o.put_u32(0x0048_0000);
            o.put_u32(0);
            o.put_u16(1); // frame count
            let mut name = [0u8; 32];
            let label = b"vivify H.264";
            name[0] = label.len() as u8;
            name[1..=label.len()].copy_from_slice(label);
            o.extend_from_slice(&name);
            o.put_u16(0x18);
            o.put_u16(0xFFFF);
            self.write(o);
        });
        SampleEntry { kind: FourCC::AVC1, raw }
    }
}

/// Bytes of VisualSampleEntry fields before its child boxes.
pub(crate) const VISUAL_ENTRY_FIELDS: usize = 78;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_survives_a_round_trip_through_its_sample_entry() {
        let cfg = AvcConfig {
            profile: 100,
            compatibility: 0,
            level: 40,
            nal_length_size: 4,
            sps: vec![vec![0x67, 1, 2, 3]],
            pps: vec![vec![0x68, 9]],
        };
        let entry = cfg.sample_entry(1920, 1080);
        assert_eq!(AvcConfig::from_sample_entry(entry.payload()).expect("parse"), cfg);
        assert!(AvcConfig::read(&[1, 100, 0, 40, 0xFF, 0xE0, 0]).is_err(), "no parameter sets");
    }
}
