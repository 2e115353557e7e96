use crate::bmff::{children, Atom, FourCC};
use crate::bytes::{Cursor, PutBe};
use crate::error::Result;

/// `tref`: references from this track to others, e.g. `cdsc` (describes)
/// from a metadata track to the video track.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tref {
    pub refs: Vec<(FourCC, Vec<u32>)>,
}

impl Atom for Tref {
    const KIND: FourCC = FourCC::TREF;

    fn read(payload: &[u8]) -> Result<Self> {
        let mut refs = Vec::new();
        for b in children(payload) {
            let b = b?;
            let mut c = Cursor::new(b.payload, "tref");
            let mut ids = Vec::new();
            while c.remaining() >= 4 {
                ids.push(c.u32()?);
            }
            refs.push((b.kind, ids));
        }
        Ok(Tref { refs })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        for (kind, ids) in &self.refs {
            crate::bmff::write_box(out, *kind, |o| {
                for &id in ids {
                    o.put_u32(id);
                }
            });
        }
    }
}
