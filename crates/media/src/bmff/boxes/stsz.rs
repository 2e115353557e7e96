use super::table_len;
use crate::bmff::{full_payload, Atom, FourCC, FullHeader};
use crate::bytes::PutBe;
use crate::error::{Error, Result};
use crate::limits;

/// `stsz` (or compact `stz2` on read): sample sizes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stsz {
    /// Non-zero when every sample has this size.
    pub constant: u32,
    pub count: u32,
    /// Per-sample sizes when `constant == 0`.
    pub sizes: Vec<u32>,
}

impl Stsz {
    pub fn size_of(&self, i: usize) -> u32 {
        if self.constant != 0 {
            self.constant
        } else {
            self.sizes.get(i).copied().unwrap_or(0)
        }
    }

    /// Reads the compact `stz2` variant (4, 8 or 16-bit fields).
    pub fn read_compact(payload: &[u8]) -> Result<Self> {
        let (_, mut c) = full_payload(payload, "stz2")?;
        c.skip(3)?;
        let field = c.u8()?;
        let count = c.u32()?;
        limits::check("stz2 sample count", u64::from(count), limits::MAX_SAMPLES)?;
        let bytes_needed = match field {
            4 => (count as usize).div_ceil(2),
            8 => count as usize,
            16 => count as usize * 2,
            other => return Err(Error::invalid("stz2", format!("field size {other} is not 4, 8 or 16"))),
        };
        let data = c.take(bytes_needed)?;
        let sizes = (0..count as usize)
            .map(|i| match field {
                4 => u32::from(if i % 2 == 0 { data[i / 2] >> 4 } else { data[i / 2] & 15 }),
                8 => u32::from(data[i]),
                _ => u32::from(u16::from_be_bytes([data[2 * i], data[2 * i + 1]])),
            })
            .collect();
        Ok(Stsz { constant: 0, count, sizes })
    }
}

impl Atom for Stsz {
    const KIND: FourCC = FourCC::STSZ;

    fn read(payload: &[u8]) -> Result<Self> {
        let (_, mut c) = full_payload(payload, "stsz")?;
        let constant = c.u32()?;
        let count = c.u32()?;
        limits::check("stsz sample count", u64::from(count), limits::MAX_SAMPLES)?;
        let mut sizes = Vec::new();
        if constant == 0 {
            let n = table_len(count, 4, c.remaining(), "stsz")?;
            sizes.reserve_exact(n);
            for _ in 0..n {
                sizes.push(c.u32()?);
            }
        }
        Ok(Stsz { constant, count, sizes })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        FullHeader::default().write(out);
        out.put_u32(self.constant);
        out.put_u32(self.count);
        if self.constant == 0 {
            for &s in &self.sizes {
                out.put_u32(s);
            }
        }
    }
}
