use super::{DataAtom, Hdlr, Ilst, IlstItem, Keys, MdtaKey};
use crate::bmff::{children, Atom, FourCC};
use crate::error::Result;

/// QuickTime `meta` with `mdta` keys. Unlike the ISO `meta`, QuickTime's has
/// no version/flags; we read both forms and always write QuickTime's, which
/// is what ExifTool and Apple expect.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QtMeta {
    pub keys: Keys,
    pub items: Ilst,
}

impl QtMeta {
    /// All (key name, first value) pairs.
    pub fn entries(&self) -> Vec<(String, &DataAtom)> {
        let mut out = Vec::new();
        for it in &self.items.items {
            let idx = it.key_index as usize;
            if idx == 0 {
                continue;
            }
            if let (Some(k), Some(v)) = (self.keys.keys.get(idx - 1), it.values.first()) {
                out.push((String::from_utf8_lossy(&k.name).into_owned(), v));
            }
        }
        out
    }

    /// The first value stored under `key`.
    pub fn get(&self, key: &str) -> Option<&DataAtom> {
        self.entries().into_iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Sets `key` (in the `mdta` namespace) to `value`, replacing any value.
    pub fn set(&mut self, key: &str, value: DataAtom) {
        let pos = self.keys.keys.iter().position(|k| k.name == key.as_bytes());
        let index = match pos {
            Some(p) => p as u32 + 1,
            None => {
                self.keys.keys.push(MdtaKey { namespace: FourCC::MDTA, name: key.as_bytes().to_vec() });
                self.keys.keys.len() as u32
            }
        };
        self.items.items.retain(|it| it.key_index != index);
        self.items.items.push(IlstItem { key_index: index, values: vec![value] });
    }

    /// Removes `key` and its values (the key stays in the table, unused).
    pub fn remove(&mut self, key: &str) {
        if let Some(p) = self.keys.keys.iter().position(|k| k.name == key.as_bytes()) {
            let index = p as u32 + 1;
            self.items.items.retain(|it| it.key_index != index);
        }
    }
}

impl Atom for QtMeta {
    const KIND: FourCC = FourCC::META;

    fn read(payload: &[u8]) -> Result<Self> {
        // ISO form: 4 bytes of version/flags, then 'hdlr' at offset 8.
        let body = if payload.len() >= 12 && &payload[4..8] != b"hdlr" && &payload[8..12] == b"hdlr" {
            &payload[4..]
        } else {
            payload
        };
        let mut meta = QtMeta::default();
        for b in children(body) {
            let b = b?;
            match b.kind {
                FourCC::KEYS => meta.keys = Keys::read(b.payload)?,
                FourCC::ILST => meta.items = Ilst::read(b.payload)?,
                _ => {}
            }
        }
        Ok(meta)
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        Hdlr { name: vec![0], ..Hdlr::iso(FourCC::MDTA, "") }.write(out);
        self.keys.write(out);
        self.items.write(out);
    }
}
