use crate::bmff::{find, Atom, FourCC};
use crate::bytes::{Cursor, PutBe};
use crate::error::{Error, Result};

use super::avcc::VISUAL_ENTRY_FIELDS;

/// `colr` with an `nclx` (ISO/IEC 23091-2) or QuickTime `nclc` colour
/// description: primaries, transfer, matrix, and (`nclx` only) the range.
/// ICC profiles (`rICC`/`prof`) are not described here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Colr {
    pub primaries: u16,
    pub transfer: u16,
    pub matrix: u16,
    /// `Some(true)` for full range (0–255); `None` for `nclc`, which has no flag.
    pub full_range: Option<bool>,
}

impl Colr {
    /// Matrix coefficients code 1: BT.709.
    pub fn is_bt709(&self) -> bool {
        Colr::matrix_is_bt709(self.matrix)
    }

    /// Whether a matrix coefficients code (ISO/IEC 23091-2, also used by the
    /// H.264 VUI) means BT.709.
    pub fn matrix_is_bt709(matrix: u16) -> bool {
        matrix == 1
    }

    /// The colour description among the child boxes of a visual sample entry.
    pub fn in_sample_entry(payload: &[u8]) -> Option<Colr> {
        let kids = payload.get(VISUAL_ENTRY_FIELDS..)?;
        let b = find(kids, FourCC::COLR).ok()??;
        Colr::read(b.payload).ok()
    }
}

impl Atom for Colr {
    const KIND: FourCC = FourCC::COLR;

    fn read(payload: &[u8]) -> Result<Self> {
        let mut c = Cursor::new(payload, "colr");
        let kind = c.take(4)?;
        if kind != b"nclx" && kind != b"nclc" {
            return Err(Error::Unsupported(format!("colr of type {}", String::from_utf8_lossy(kind))));
        }
        let nclx = kind == b"nclx";
        let primaries = c.u16()?;
        let transfer = c.u16()?;
        let matrix = c.u16()?;
        let full_range = if nclx { Some(c.u8()? & 0x80 != 0) } else { None };
        Ok(Colr { primaries, transfer, matrix, full_range })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        match self.full_range {
            Some(full) => {
                out.extend_from_slice(b"nclx");
                out.put_u16(self.primaries);
                out.put_u16(self.transfer);
                out.put_u16(self.matrix);
                out.push(if full { 0x80 } else { 0 });
            }
            None => {
                out.extend_from_slice(b"nclc");
                out.put_u16(self.primaries);
                out.put_u16(self.transfer);
                out.put_u16(self.matrix);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nclx_keeps_its_range_and_nclc_has_none() {
        let full = Colr { primaries: 1, transfer: 1, matrix: 1, full_range: Some(true) };
        let mut p = Vec::new();
        full.write_payload(&mut p);
        assert_eq!(Colr::read(&p).expect("nclx"), full);
        let qt = Colr { primaries: 6, transfer: 6, matrix: 6, full_range: None };
        p.clear();
        qt.write_payload(&mut p);
        assert_eq!(Colr::read(&p).expect("nclc"), qt);
        assert!(!qt.is_bt709() && full.is_bt709());
        assert!(Colr::read(b"prof\0\0").is_err(), "ICC profiles are not described");
    }
}
