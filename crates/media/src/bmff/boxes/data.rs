use crate::bmff::{Atom, FourCC};
use crate::bytes::{Cursor, PutBe};
use crate::error::Result;

/// Well-known QuickTime metadata value types (the 24-bit type indicator).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataType {
    Raw,
    Utf8,
    SignedInt,
    UnsignedInt,
    Float32,
    Float64,
    Other(u32),
}

impl DataType {
    pub fn code(self) -> u32 {
        match self {
            DataType::Raw => 0,
            DataType::Utf8 => 1,
            DataType::SignedInt => 21,
            DataType::UnsignedInt => 22,
            DataType::Float32 => 23,
            DataType::Float64 => 24,
            DataType::Other(c) => c,
        }
    }
    pub fn from_code(c: u32) -> Self {
        match c {
            0 => DataType::Raw,
            1 => DataType::Utf8,
            21 => DataType::SignedInt,
            22 => DataType::UnsignedInt,
            23 => DataType::Float32,
            24 => DataType::Float64,
            o => DataType::Other(o),
        }
    }
}

/// `data`: one typed value of a metadata item.
#[derive(Clone, Debug, PartialEq)]
pub struct DataAtom {
    pub kind: DataType,
    pub locale: u32,
    pub value: Vec<u8>,
}

impl DataAtom {
    pub fn utf8(s: &str) -> Self {
        DataAtom { kind: DataType::Utf8, locale: 0, value: s.as_bytes().to_vec() }
    }
    pub fn f32(v: f32) -> Self {
        DataAtom { kind: DataType::Float32, locale: 0, value: v.to_be_bytes().to_vec() }
    }
    pub fn i64(v: i64) -> Self {
        DataAtom { kind: DataType::SignedInt, locale: 0, value: v.to_be_bytes().to_vec() }
    }

    /// The value as text, for display: strings as-is, numbers formatted.
    pub fn display(&self) -> String {
        match self.kind {
            DataType::Utf8 => String::from_utf8_lossy(&self.value).into_owned(),
            DataType::SignedInt | DataType::UnsignedInt if self.value.len() <= 8 => {
                let mut v: u64 = 0;
                for &b in &self.value {
                    v = (v << 8) | u64::from(b);
                }
                if self.kind == DataType::SignedInt && !self.value.is_empty() && self.value[0] & 0x80 != 0 {
                    let shift = 64 - 8 * self.value.len() as u32;
                    (((v << shift) as i64) >> shift).to_string()
                } else {
                    v.to_string()
                }
            }
            DataType::Float32 if self.value.len() == 4 => {
                f32::from_be_bytes([self.value[0], self.value[1], self.value[2], self.value[3]]).to_string()
            }
            DataType::Float64 if self.value.len() == 8 => {
                let mut a = [0u8; 8];
                a.copy_from_slice(&self.value);
                f64::from_be_bytes(a).to_string()
            }
            _ => self.value.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }
}

impl Atom for DataAtom {
    const KIND: FourCC = FourCC::DATA;

    fn read(payload: &[u8]) -> Result<Self> {
        let mut c = Cursor::new(payload, "data atom");
        let type_field = c.u32()?;
        let locale = c.u32()?;
        Ok(DataAtom { kind: DataType::from_code(type_field & 0x00FF_FFFF), locale, value: c.rest().to_vec() })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        out.put_u32(self.kind.code() & 0x00FF_FFFF);
        out.put_u32(self.locale);
        out.extend_from_slice(&self.value);
    }
}
