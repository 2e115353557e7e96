use crate::bmff::{full_payload, Atom, FourCC, FullHeader};
use crate::bytes::PutBe;
use crate::error::Result;
use crate::limits;

/// One item's property associations: 1-based indices into `ipco`, in the
/// order they apply, each marked essential or not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Association {
    pub item: u32,
    pub properties: Vec<(bool, u16)>,
}

/// `ipma` (HEIF): which properties (size, colour, rotation, codec config)
/// belong to which item.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ipma {
    pub entries: Vec<Association>,
}

impl Ipma {
    /// The property indices (1-based) of `item`, in order.
    pub fn of(&self, item: u32) -> impl Iterator<Item = u16> + '_ {
        self.entries.iter().filter(move |a| a.item == item).flat_map(|a| a.properties.iter().map(|&(_, i)| i))
    }
}

impl Atom for Ipma {
    const KIND: FourCC = FourCC::IPMA;

    fn read(payload: &[u8]) -> Result<Self> {
        let (h, mut m) = full_payload(payload, "ipma")?;
        let n = m.u32()?;
        limits::check("ipma entries", u64::from(n), limits::MAX_ITEMS)?;
        let mut entries = Vec::new();
        for _ in 0..n {
            let item = if h.version < 1 { u32::from(m.u16()?) } else { m.u32()? };
            let k = m.u8()?;
            let mut properties = Vec::with_capacity(usize::from(k));
            for _ in 0..k {
                let (essential, index) = if h.flags & 1 != 0 {
                    let v = m.u16()?;
                    (v & 0x8000 != 0, v & 0x7fff)
                } else {
                    let v = m.u8()?;
                    (v & 0x80 != 0, u16::from(v & 0x7f))
                };
                properties.push((essential, index));
            }
            entries.push(Association { item, properties });
        }
        Ok(Ipma { entries })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        let wide_ids = self.entries.iter().any(|a| a.item > 0xFFFF);
        let wide_index = self.entries.iter().flat_map(|a| &a.properties).any(|&(_, i)| i > 0x7f);
        FullHeader { version: u8::from(wide_ids), flags: u32::from(wide_index) }.write(out);
        out.put_u32(self.entries.len() as u32);
        for a in &self.entries {
            if wide_ids {
                out.put_u32(a.item);
            } else {
                out.put_u16(a.item as u16);
            }
            out.push(a.properties.len() as u8);
            for &(essential, i) in &a.properties {
                if wide_index {
                    out.put_u16(u16::from(essential) << 15 | i);
                } else {
                    out.push(u8::from(essential) << 7 | i as u8);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn associations_survive_a_round_trip() {
        let ipma = Ipma {
            entries: vec![
                Association { item: 1, properties: vec![(true, 1), (false, 2)] },
                Association { item: 2, properties: vec![(false, 200)] },
            ],
        };
        let mut p = Vec::new();
        ipma.write_payload(&mut p);
        assert_eq!(Ipma::read(&p).expect("parse"), ipma);
        assert_eq!(ipma.of(1).collect::<Vec<_>>(), vec![1, 2]);
    }
}
