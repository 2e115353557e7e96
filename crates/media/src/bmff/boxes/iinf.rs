use crate::bmff::{children, full_payload, write_full_box, Atom, FourCC, FullHeader};
use crate::bytes::PutBe;
use crate::error::{Error, Result};
use crate::limits;

/// One `infe` entry of `iinf`: an item's id, type and name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemInfo {
    pub id: u32,
    pub item_type: FourCC,
    pub name: String,
    /// For `mime` items, the content type (XMP is `application/rdf+xml`).
    pub content_type: Option<String>,
}

/// `iinf` (HEIF): the item list. Entries of versions 0 and 1 carry no item
/// type and are skipped (HEIC does not use them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Iinf {
    pub items: Vec<ItemInfo>,
}

impl Atom for Iinf {
    const KIND: FourCC = FourCC::IINF;

    fn read(payload: &[u8]) -> Result<Self> {
        let (h, mut c) = full_payload(payload, "iinf")?;
        let _count = if h.version == 0 { u32::from(c.u16()?) } else { c.u32()? };
        let mut items = Vec::new();
        for b in children(c.rest()) {
            let b = b?;
            if b.kind != FourCC::INFE {
                continue;
            }
            if items.len() as u64 >= limits::MAX_ITEMS {
                return Err(Error::Limits("too many HEIF items".into()));
            }
            let (h, mut e) = full_payload(b.payload, "infe")?;
            if h.version < 2 {
                continue;
            }
            let id = if h.version == 2 { u32::from(e.u16()?) } else { e.u32()? };
            e.skip(2)?; // protection index
            let item_type = FourCC(e.array()?);
            let mut parts = e.rest().split(|&b| b == 0);
            let name = String::from_utf8_lossy(parts.next().unwrap_or(&[])).into_owned();
            let content_type = if item_type == FourCC::MIME {
                parts.next().map(|s| String::from_utf8_lossy(s).into_owned())
            } else {
                None
            };
            items.push(ItemInfo { id, item_type, name, content_type });
        }
        Ok(Iinf { items })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        let wide = self.items.len() > 0xFFFF;
        FullHeader { version: u8::from(wide), flags: 0 }.write(out);
        if wide {
            out.put_u32(self.items.len() as u32);
        } else {
            out.put_u16(self.items.len() as u16);
        }
        for it in &self.items {
            it.write(out);
        }
    }
}

impl ItemInfo {
    /// Writes the `infe` box (version 2, or 3 for ids above 16 bits).
    pub fn write(&self, out: &mut Vec<u8>) {
        let v3 = self.id > 0xFFFF;
        write_full_box(out, FourCC::INFE, if v3 { 3 } else { 2 }, 0, |x| {
            if v3 {
                x.put_u32(self.id);
            } else {
                x.put_u16(self.id as u16);
            }
            x.put_u16(0);
            x.extend_from_slice(&self.item_type.0);
            x.extend_from_slice(self.name.as_bytes());
            x.push(0);
            if let Some(ct) = &self.content_type {
                x.extend_from_slice(ct.as_bytes());
                x.push(0);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_survive_a_round_trip() {
        let iinf = Iinf {
            items: vec![
                ItemInfo { id: 1, item_type: FourCC(*b"hvc1"), name: String::new(), content_type: None },
                ItemInfo {
                    id: 70_000,
                    item_type: FourCC::MIME,
                    name: String::new(),
                    content_type: Some("application/rdf+xml".into()),
                },
            ],
        };
        let mut p = Vec::new();
        iinf.write_payload(&mut p);
        assert_eq!(Iinf::read(&p).expect("parse"), iinf);
    }
}
