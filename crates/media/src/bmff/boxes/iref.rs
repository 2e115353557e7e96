use crate::bmff::{children, full_payload, write_box, Atom, FourCC, FullHeader};
use crate::bytes::{Cursor, PutBe};
use crate::error::Result;

/// One reference: its type (`cdsc`, `dimg`, `thmb`, …), from one item to others.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemRef {
    pub kind: FourCC,
    pub from: u32,
    pub to: Vec<u32>,
}

/// `iref` (HEIF): references between items (metadata describing the
/// primary image, a grid's tiles, thumbnails).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Iref {
    pub refs: Vec<ItemRef>,
}

impl Atom for Iref {
    const KIND: FourCC = FourCC::IREF;

    fn read(payload: &[u8]) -> Result<Self> {
        let (h, c) = full_payload(payload, "iref")?;
        let wide = h.version != 0;
        let mut refs = Vec::new();
        for b in children(c.rest_slice()) {
            let b = b?;
            let mut r = Cursor::new(b.payload, "iref entry");
            let from = if wide { r.u32()? } else { u32::from(r.u16()?) };
            let n = r.u16()?;
            let mut to = Vec::new();
            for _ in 0..n {
                to.push(if wide { r.u32()? } else { u32::from(r.u16()?) });
            }
            refs.push(ItemRef { kind: b.kind, from, to });
        }
        Ok(Iref { refs })
    }

    /// Version 1 (32-bit ids) only when an id needs it.
    fn write_payload(&self, out: &mut Vec<u8>) {
        let wide = self.refs.iter().any(|r| r.from > 0xFFFF || r.to.iter().any(|&t| t > 0xFFFF));
        FullHeader { version: u8::from(wide), flags: 0 }.write(out);
        let put = |e: &mut Vec<u8>, v: u32| if wide { e.put_u32(v) } else { e.put_u16(v as u16) };
        for r in &self.refs {
            write_box(out, r.kind, |e| {
                put(e, r.from);
                e.put_u16(r.to.len() as u16);
                for &t in &r.to {
                    put(e, t);
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_and_wide_ids_survive_a_round_trip() {
        for to in [vec![1, 2], vec![1, 80_000]] {
            let iref = Iref { refs: vec![ItemRef { kind: FourCC::CDSC, from: 5, to }] };
            let mut p = Vec::new();
            iref.write_payload(&mut p);
            assert_eq!(Iref::read(&p).expect("parse"), iref);
        }
    }
}
