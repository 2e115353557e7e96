use super::{Dtyp, Keyd};
use crate::bmff::{children, Atom, FourCC};
use crate::bytes::{Cursor, PutBe};
use crate::error::Result;

/// One key of a timed-metadata sample entry. The box that holds it is typed
/// by `local_id`, the number that prefixes each value in the samples.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MebxKey {
    pub local_id: u32,
    pub keyd: Option<Keyd>,
    pub dtyp: Option<Dtyp>,
}

impl MebxKey {
    /// The key's name as text.
    pub fn name(&self) -> String {
        self.keyd.as_ref().map(|k| String::from_utf8_lossy(&k.name).into_owned()).unwrap_or_default()
    }
}

/// `mebx`: the boxed-metadata sample entry of a timed-metadata track. Its
/// `keys` child has no version/flags, unlike the movie-level one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mebx {
    pub data_reference_index: u16,
    pub keys: Vec<MebxKey>,
}

impl Atom for Mebx {
    const KIND: FourCC = FourCC::MEBX;

    fn read(payload: &[u8]) -> Result<Self> {
        let mut c = Cursor::new(payload, "mebx");
        c.skip(6)?;
        let data_reference_index = c.u16()?;
        let mut keys = Vec::new();
        for b in children(c.rest()) {
            let b = b?;
            if b.kind != FourCC::KEYS {
                continue;
            }
            for k in children(b.payload) {
                let k = k?;
                let mut key = MebxKey { local_id: u32::from_be_bytes(k.kind.0), keyd: None, dtyp: None };
                for part in children(k.payload) {
                    let part = part?;
                    match part.kind {
                        FourCC::KEYD => key.keyd = Some(Keyd::read(part.payload)?),
                        FourCC::DTYP => key.dtyp = Some(Dtyp::read(part.payload)?),
                        _ => {}
                    }
                }
                keys.push(key);
            }
        }
        Ok(Mebx { data_reference_index, keys })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[0; 6]);
        out.put_u16(self.data_reference_index);
        crate::bmff::write_box(out, FourCC::KEYS, |o| {
            for k in &self.keys {
                crate::bmff::write_box(o, FourCC(k.local_id.to_be_bytes()), |o| {
                    if let Some(kd) = &k.keyd {
                        kd.write(o);
                    }
                    if let Some(dt) = &k.dtyp {
                        dt.write(o);
                    }
                });
            }
        });
    }
}

/// Splits a boxed-metadata sample into (local key id, value) pairs.
pub fn sample_items(sample: &[u8]) -> Result<Vec<(u32, &[u8])>> {
    let mut c = Cursor::new(sample, "mebx sample");
    let mut items = Vec::new();
    while c.remaining() >= 8 {
        let size = c.u32()? as usize;
        let id = c.u32()?;
        let value = c.take(size.saturating_sub(8))?;
        items.push((id, value));
    }
    Ok(items)
}
