//! MPF (CIPA DC-007 multi-picture format) in APP2: the index of extra images
//! (gain maps, depth) stored after the primary image. Offsets count from the
//! MPF TIFF header, so they change when bytes are inserted before the images.

use super::tiff::{read_ifd, Ifd};
use crate::bytes::{Cursor, Endian};
use crate::error::{Error, Result};

const TAG_MP_ENTRY: u16 = 0xB002;

/// One image listed in MPF.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MpImage {
    pub attributes: u32,
    pub size: u32,
    /// Offset from the MPF TIFF header (0 for the primary image).
    pub offset: u32,
}

/// A parsed MPF index.
#[derive(Clone, Debug)]
pub struct Mpf {
    pub endian: Endian,
    pub index: Ifd,
    pub images: Vec<MpImage>,
}

impl Mpf {
    pub fn parse(tiff: &[u8]) -> Result<Mpf> {
        let endian = match tiff.get(..2) {
            Some(b"II") => Endian::Little,
            Some(b"MM") => Endian::Big,
            _ => return Err(Error::invalid("MPF", "TIFF header is not II or MM")),
        };
        let mut c = Cursor::with_endian(tiff, "MPF", endian);
        c.skip(4)?;
        let off = c.u32()? as usize;
        let (index, _) = read_ifd(tiff, off, endian, 0)?;
        let mut images = Vec::new();
        if let Some(e) = index.get(TAG_MP_ENTRY) {
            let mut c = Cursor::with_endian(&e.value, "MPF entry", endian);
            while c.remaining() >= 16 {
                let attributes = c.u32()?;
                let size = c.u32()?;
                let offset = c.u32()?;
                c.skip(4)?;
                images.push(MpImage { attributes, size, offset });
            }
        }
        Ok(Mpf { endian, index, images })
    }
}

/// Rewrites the MP entry offsets in an MPF APP2 payload (after "MPF\0") in
/// place, adding `delta` to every non-zero offset. Used when bytes are
/// inserted or removed between the MPF header and the extra images.
pub fn shift_offsets(tiff: &mut [u8], delta: i64) -> Result<()> {
    let mpf = Mpf::parse(tiff)?;
    let endian = mpf.endian;
    // Locate the entry's value bytes in the buffer by re-walking the IFD.
    let ro = tiff.to_vec();
    let mut c = Cursor::with_endian(&ro, "MPF", endian);
    c.skip(4)?;
    let ifd_off = c.u32()? as usize;
    c.seek(ifd_off)?;
    let n = c.u16()?;
    for _ in 0..n {
        let tag = c.u16()?;
        let _typ = c.u16()?;
        let count = c.u32()? as usize;
        let value_off = c.u32()? as usize;
        if tag != TAG_MP_ENTRY {
            continue;
        }
        for i in 0..count / 16 {
            let at = value_off + i * 16 + 8;
            let Some(slot) = tiff.get_mut(at..at + 4) else {
                return Err(Error::invalid("MPF", "MP entry lies outside the segment"));
            };
            let old = match endian {
                Endian::Big => u32::from_be_bytes([slot[0], slot[1], slot[2], slot[3]]),
                Endian::Little => u32::from_le_bytes([slot[0], slot[1], slot[2], slot[3]]),
            };
            if old == 0 {
                continue;
            }
            let new = u32::try_from(i64::from(old) + delta)
                .map_err(|_| Error::invalid("MPF", "offset out of range after the edit"))?;
            slot.copy_from_slice(&match endian {
                Endian::Big => new.to_be_bytes(),
                Endian::Little => new.to_le_bytes(),
            });
        }
    }
    Ok(())
}
