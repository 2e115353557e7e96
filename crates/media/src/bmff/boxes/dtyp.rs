use crate::bmff::{Atom, FourCC};
use crate::bytes::{Cursor, PutBe};
use crate::error::Result;

/// `dtyp`: the data type of a `mebx` key. Namespace 0 carries a well-known
/// type code (65 = int8, 71 = dimensions, ...); other namespaces carry a
/// reverse-DNS type name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dtyp {
    WellKnown(u32),
    Named { namespace: u32, name: Vec<u8> },
}

impl Atom for Dtyp {
    const KIND: FourCC = FourCC::DTYP;

    fn read(payload: &[u8]) -> Result<Self> {
        let mut c = Cursor::new(payload, "dtyp");
        let namespace = c.u32()?;
        if namespace == 0 {
            Ok(Dtyp::WellKnown(c.u32()?))
        } else {
            Ok(Dtyp::Named { namespace, name: c.rest().to_vec() })
        }
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        match self {
            Dtyp::WellKnown(code) => {
                out.put_u32(0);
                out.put_u32(*code);
            }
            Dtyp::Named { namespace, name } => {
                out.put_u32(*namespace);
                out.extend_from_slice(name);
            }
        }
    }
}
