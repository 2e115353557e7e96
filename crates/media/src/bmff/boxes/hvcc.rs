use crate::bmff::{find, Atom, FourCC};
use crate::bytes::{Cursor, PutBe};
use crate::error::{Error, Result};

use super::avcc::VISUAL_ENTRY_FIELDS;

/// `hvcC`: the HEVC decoder configuration record (ISO/IEC 14496-15), kept
/// as what a decoder needs: the NAL length size and the parameter sets. The
/// 21 leading bytes of profile, tier and level are kept as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HevcConfig {
    /// The record's first 21 bytes (version, profile/tier/level, formats).
    pub header: Vec<u8>,
    pub nal_length_size: u8,
    /// VPS, SPS, PPS (and any SEI) NAL units, without length prefixes, with
    /// each one's NAL unit type byte as its array type.
    pub parameter_sets: Vec<Vec<u8>>,
}

impl Atom for HevcConfig {
    const KIND: FourCC = FourCC::HVCC;

    fn read(payload: &[u8]) -> Result<Self> {
        let mut c = Cursor::new(payload, "hvcC");
        let header = c.take(21)?.to_vec();
        let nal_length_size = (c.u8()? & 3) + 1;
        let arrays = c.u8()?;
        let mut parameter_sets = Vec::new();
        for _ in 0..arrays {
            c.u8()?;
            let n = c.u16()?;
            for _ in 0..n {
                let len = c.u16()? as usize;
                parameter_sets.push(c.take(len)?.to_vec());
            }
        }
        if parameter_sets.is_empty() {
            return Err(Error::invalid("hvcC", "no parameter sets"));
        }
        Ok(HevcConfig { header, nal_length_size, parameter_sets })
    }

    /// One array per parameter set, typed by its NAL unit type.
    fn write_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.header);
        out.push(0xFC | (self.nal_length_size - 1));
        out.push(self.parameter_sets.len() as u8);
        for ps in &self.parameter_sets {
            out.push(ps.first().map_or(0, |b| (b >> 1) & 0x3F));
            out.put_u16(1);
            out.put_u16(ps.len() as u16);
            out.extend_from_slice(ps);
        }
    }
}

impl HevcConfig {
    /// Finds the `hvcC` inside an `hvc1`/`hev1` sample entry payload.
    pub fn from_sample_entry(payload: &[u8]) -> Result<HevcConfig> {
        let kids =
            payload.get(VISUAL_ENTRY_FIELDS..).ok_or_else(|| Error::invalid("hvc1", "sample entry too short"))?;
        let b = find(kids, FourCC::HVCC)?.ok_or_else(|| Error::invalid("hvc1", "no hvcC box"))?;
        HevcConfig::read(b.payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_sets_survive_a_round_trip() {
        let cfg = HevcConfig {
            header: vec![1; 21],
            nal_length_size: 4,
            parameter_sets: vec![vec![0x40, 1, 2], vec![0x42, 3], vec![0x44, 4, 5]],
        };
        let mut payload = Vec::new();
        cfg.write_payload(&mut payload);
        assert_eq!(HevcConfig::read(&payload).expect("parse"), cfg);
        assert!(HevcConfig::read(&payload[..20]).is_err(), "cut short");
    }
}
