use crate::bmff::{Atom, FourCC};
use crate::bytes::Cursor;
use crate::error::Result;

/// `keyd`: key namespace and name inside a `mebx` key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keyd {
    pub namespace: FourCC,
    pub name: Vec<u8>,
}

impl Atom for Keyd {
    const KIND: FourCC = FourCC::KEYD;

    fn read(payload: &[u8]) -> Result<Self> {
        let mut c = Cursor::new(payload, "keyd");
        let namespace = FourCC(c.array()?);
        Ok(Keyd { namespace, name: c.rest().to_vec() })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.namespace.0);
        out.extend_from_slice(&self.name);
    }
}
