use super::DataAtom;
use crate::bmff::{children, Atom, FourCC};
use crate::error::Result;

/// One `ilst` item: the box type is the 1-based index into `keys`.
#[derive(Clone, Debug, PartialEq)]
pub struct IlstItem {
    pub key_index: u32,
    pub values: Vec<DataAtom>,
}

/// `ilst`: metadata item list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ilst {
    pub items: Vec<IlstItem>,
}

impl Atom for Ilst {
    const KIND: FourCC = FourCC::ILST;

    fn read(payload: &[u8]) -> Result<Self> {
        let mut items = Vec::new();
        for b in children(payload) {
            let b = b?;
            let key_index = u32::from_be_bytes(b.kind.0);
            let mut values = Vec::new();
            for d in children(b.payload) {
                let d = d?;
                if d.kind == FourCC::DATA {
                    values.push(DataAtom::read(d.payload)?);
                }
            }
            items.push(IlstItem { key_index, values });
        }
        Ok(Ilst { items })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        for it in &self.items {
            crate::bmff::write_box(out, FourCC(it.key_index.to_be_bytes()), |o| {
                for v in &it.values {
                    v.write(o);
                }
            });
        }
    }
}
