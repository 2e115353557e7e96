use super::table_len;
use crate::bmff::{full_payload, Atom, FourCC, FullHeader};
use crate::bytes::PutBe;
use crate::error::{Error, Result};

/// One key of a QuickTime `keys` table, e.g. `mdta` +
/// `com.apple.quicktime.content.identifier`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MdtaKey {
    pub namespace: FourCC,
    pub name: Vec<u8>,
}

/// `keys` (movie or track `meta`): the key table that `ilst` items index
/// (1-based).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Keys {
    pub keys: Vec<MdtaKey>,
}

impl Atom for Keys {
    const KIND: FourCC = FourCC::KEYS;

    fn read(payload: &[u8]) -> Result<Self> {
        let (_, mut c) = full_payload(payload, "keys")?;
        let n = c.u32()?;
        let n = table_len(n, 8, c.remaining(), "keys")?;
        let mut keys = Vec::with_capacity(n);
        for _ in 0..n {
            let size = c.u32()? as usize;
            if size < 8 {
                return Err(Error::invalid("keys", format!("key entry of size {size}")));
            }
            let namespace = FourCC(c.array()?);
            let name = c.take(size - 8)?.to_vec();
            keys.push(MdtaKey { namespace, name });
        }
        Ok(Keys { keys })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        FullHeader::default().write(out);
        out.put_u32(self.keys.len() as u32);
        for k in &self.keys {
            out.put_u32(8 + k.name.len() as u32);
            out.extend_from_slice(&k.namespace.0);
            out.extend_from_slice(&k.name);
        }
    }
}
