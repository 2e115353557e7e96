//! TIFF structures as used by Exif: IFD0 with the Exif, GPS and Interop
//! sub-IFDs and IFD1 (thumbnail). Values are kept as raw bytes in the file's
//! byte order, so a rewrite relocates them without reinterpreting them.

use crate::bytes::{Cursor, Endian};
use crate::error::{Error, Result};

pub const TAG_EXIF_IFD: u16 = 0x8769;
pub const TAG_GPS_IFD: u16 = 0x8825;
pub const TAG_INTEROP_IFD: u16 = 0xA005;
pub const TAG_MAKER_NOTE: u16 = 0x927C;
pub const TAG_ORIENTATION: u16 = 0x0112;
pub const TAG_THUMB_OFFSET: u16 = 0x0201;
pub const TAG_THUMB_LENGTH: u16 = 0x0202;

/// Size in bytes of one value of TIFF type `t` (0 for unknown types).
pub fn type_size(t: u16) -> usize {
    match t {
        1 | 2 | 6 | 7 => 1,
        3 | 8 => 2,
        4 | 9 | 11 | 13 => 4,
        5 | 10 | 12 | 16 | 17 | 18 => 8,
        _ => 0,
    }
}

/// One IFD entry with its value bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub tag: u16,
    pub typ: u16,
    pub count: u32,
    pub value: Vec<u8>,
}

/// One image file directory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ifd {
    pub entries: Vec<Entry>,
}

impl Ifd {
    pub fn get(&self, tag: u16) -> Option<&Entry> {
        self.entries.iter().find(|e| e.tag == tag)
    }
    pub fn set(&mut self, e: Entry) {
        match self.entries.iter_mut().find(|x| x.tag == e.tag) {
            Some(x) => *x = e,
            None => {
                self.entries.push(e);
                self.entries.sort_by_key(|x| x.tag);
            }
        }
    }
    pub fn remove(&mut self, tag: u16) {
        self.entries.retain(|e| e.tag != tag);
    }
}

/// A parsed Exif TIFF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exif {
    pub endian: Endian,
    pub ifd0: Ifd,
    pub exif: Ifd,
    pub gps: Option<Ifd>,
    pub interop: Option<Ifd>,
    pub ifd1: Option<Ifd>,
    pub thumbnail: Option<Vec<u8>>,
}

const MAX_ENTRIES: u16 = 2000;

impl Exif {
    /// An empty big-endian Exif.
    pub fn new() -> Self {
        Exif {
            endian: Endian::Big,
            ifd0: Ifd::default(),
            exif: Ifd::default(),
            gps: None,
            interop: None,
            ifd1: None,
            thumbnail: None,
        }
    }

    /// Parses TIFF bytes (starting at "II*\0" or "MM\0*").
    pub fn parse(tiff: &[u8]) -> Result<Exif> {
        let endian = match tiff.get(..2) {
            Some(b"II") => Endian::Little,
            Some(b"MM") => Endian::Big,
            _ => return Err(Error::invalid("Exif", "TIFF header is not II or MM")),
        };
        let mut c = Cursor::with_endian(tiff, "Exif", endian);
        c.skip(2)?;
        if c.u16()? != 42 {
            return Err(Error::invalid("Exif", "TIFF magic is not 42"));
        }
        let ifd0_off = c.u32()? as usize;
        let (mut ifd0, next) = read_ifd(tiff, ifd0_off, endian, 0)?;
        let mut exif = Exif::new();
        exif.endian = endian;
        if let Some(off) = take_pointer(&mut ifd0, TAG_EXIF_IFD, endian) {
            let (mut e, _) = read_ifd(tiff, off, endian, 0)?;
            if let Some(ioff) = take_pointer(&mut e, TAG_INTEROP_IFD, endian) {
                exif.interop = read_ifd(tiff, ioff, endian, 0).ok().map(|x| x.0);
            }
            exif.exif = e;
        }
        if let Some(off) = take_pointer(&mut ifd0, TAG_GPS_IFD, endian) {
            exif.gps = read_ifd(tiff, off, endian, 0).ok().map(|x| x.0);
        }
        if next != 0 {
            if let Ok((mut ifd1, _)) = read_ifd(tiff, next, endian, 0) {
                let off = ifd1.get(TAG_THUMB_OFFSET).and_then(|e| e.as_u32(endian));
                let len = ifd1.get(TAG_THUMB_LENGTH).and_then(|e| e.as_u32(endian));
                if let (Some(off), Some(len)) = (off, len) {
                    exif.thumbnail =
                        tiff.get(off as usize..(off as usize).saturating_add(len as usize)).map(<[u8]>::to_vec);
                }
                ifd1.remove(TAG_THUMB_OFFSET);
                ifd1.remove(TAG_THUMB_LENGTH);
                exif.ifd1 = Some(ifd1);
            }
        }
        exif.ifd0 = ifd0;
        Ok(exif)
    }

    /// The MakerNote bytes, if any.
    pub fn maker_note(&self) -> Option<&[u8]> {
        self.exif.get(TAG_MAKER_NOTE).map(|e| e.value.as_slice())
    }

    /// Orientation (1–8) from IFD0.
    pub fn orientation(&self) -> Option<u16> {
        self.ifd0.get(TAG_ORIENTATION).and_then(|e| e.as_u32(self.endian)).map(|v| v as u16)
    }

    /// An ASCII value from IFD0 or the Exif IFD.
    pub fn ascii(&self, tag: u16) -> Option<String> {
        let e = self.ifd0.get(tag).or_else(|| self.exif.get(tag))?;
        (e.typ == 2).then(|| String::from_utf8_lossy(e.value.split(|&b| b == 0).next().unwrap_or(&[])).into_owned())
    }

    /// Serialises the whole structure to TIFF bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let e = self.endian;
        let mut out = Vec::new();
        out.extend_from_slice(if e == Endian::Big { b"MM\0*" } else { b"II*\0" });
        put32(&mut out, 8, e);
        // Readers expect IFD0 at 8; we lay out IFD0, Exif, Interop, GPS, IFD1
        // and the thumbnail in that order. Pointer entries are rebuilt here
        // (stale ones from the input are dropped first), and they are
        // inline 4-byte values, so every size is known before any offset.
        let thumb = self.thumbnail.as_deref().filter(|t| !t.is_empty());
        let mut ifd0 = without_pointers(&self.ifd0);
        let mut exif = without_pointers(&self.exif);
        let interop = self.interop.as_ref().map(without_pointers);
        let gps = self.gps.as_ref().map(without_pointers);
        let mut ifd1 = self.ifd1.as_ref().map(without_pointers);
        ifd0.set(Entry::long(TAG_EXIF_IFD, 0, e));
        if gps.is_some() {
            ifd0.set(Entry::long(TAG_GPS_IFD, 0, e));
        }
        if interop.is_some() {
            exif.set(Entry::long(TAG_INTEROP_IFD, 0, e));
        }
        if let (Some(i1), Some(_)) = (ifd1.as_mut(), thumb) {
            i1.set(Entry::long(TAG_THUMB_OFFSET, 0, e));
            i1.set(Entry::long(TAG_THUMB_LENGTH, 0, e));
        }
        let ifd0_off = 8;
        let exif_off = ifd0_off + ifd_size(&ifd0);
        let interop_off = exif_off + ifd_size(&exif);
        let gps_off = interop_off + interop.as_ref().map_or(0, ifd_size);
        let ifd1_off = gps_off + gps.as_ref().map_or(0, ifd_size);
        let thumb_off = ifd1_off + ifd1.as_ref().map_or(0, ifd_size);

        ifd0.set(Entry::long(TAG_EXIF_IFD, exif_off as u32, e));
        if gps.is_some() {
            ifd0.set(Entry::long(TAG_GPS_IFD, gps_off as u32, e));
        }
        if interop.is_some() {
            exif.set(Entry::long(TAG_INTEROP_IFD, interop_off as u32, e));
        }
        write_ifd_at(&mut out, &ifd0, ifd0_off, 0, if ifd1.is_some() { ifd1_off as u32 } else { 0 }, e);
        write_ifd_at(&mut out, &exif, exif_off, 0, 0, e);
        if let Some(i) = &interop {
            write_ifd_at(&mut out, i, interop_off, 0, 0, e);
        }
        if let Some(g) = &gps {
            write_ifd_at(&mut out, g, gps_off, 0, 0, e);
        }
        if let Some(mut i1) = ifd1 {
            if let Some(t) = thumb {
                i1.set(Entry::long(TAG_THUMB_OFFSET, thumb_off as u32, e));
                i1.set(Entry::long(TAG_THUMB_LENGTH, t.len() as u32, e));
            }
            write_ifd_at(&mut out, &i1, ifd1_off, 0, 0, e);
            if let Some(t) = thumb {
                out.extend_from_slice(t);
            }
        }
        out
    }
}

fn without_pointers(ifd: &Ifd) -> Ifd {
    Ifd { entries: ifd.entries.iter().filter(|x| !is_pointer(x.tag)).cloned().collect() }
}

impl Default for Exif {
    fn default() -> Self {
        Exif::new()
    }
}

impl Entry {
    pub fn long(tag: u16, v: u32, e: Endian) -> Entry {
        Entry { tag, typ: 4, count: 1, value: to_bytes32(v, e).to_vec() }
    }
    pub fn short(tag: u16, v: u16, e: Endian) -> Entry {
        let b = if e == Endian::Big { v.to_be_bytes() } else { v.to_le_bytes() };
        Entry { tag, typ: 3, count: 1, value: b.to_vec() }
    }
    pub fn ascii(tag: u16, s: &str) -> Entry {
        let mut v = s.as_bytes().to_vec();
        v.push(0);
        Entry { tag, typ: 2, count: v.len() as u32, value: v }
    }
    pub fn undefined(tag: u16, v: Vec<u8>) -> Entry {
        Entry { tag, typ: 7, count: v.len() as u32, value: v }
    }
    /// RATIONAL values (numerator, denominator).
    pub fn rationals(tag: u16, vals: &[(u32, u32)], e: Endian) -> Entry {
        let mut v = Vec::new();
        for &(n, d) in vals {
            v.extend_from_slice(&to_bytes32(n, e));
            v.extend_from_slice(&to_bytes32(d, e));
        }
        Entry { tag, typ: 5, count: vals.len() as u32, value: v }
    }

    /// The first value as an unsigned number (BYTE, SHORT, LONG).
    pub fn as_u32(&self, e: Endian) -> Option<u32> {
        let mut c = Cursor::with_endian(&self.value, "Exif value", e);
        match self.typ {
            1 | 7 => c.u8().ok().map(u32::from),
            3 | 8 => c.u16().ok().map(u32::from),
            4 | 9 | 13 => c.u32().ok(),
            _ => None,
        }
    }
}

fn to_bytes32(v: u32, e: Endian) -> [u8; 4] {
    if e == Endian::Big {
        v.to_be_bytes()
    } else {
        v.to_le_bytes()
    }
}

fn put32(out: &mut Vec<u8>, v: u32, e: Endian) {
    out.extend_from_slice(&to_bytes32(v, e));
}

fn take_pointer(ifd: &mut Ifd, tag: u16, e: Endian) -> Option<usize> {
    let v = ifd.get(tag).and_then(|x| x.as_u32(e));
    ifd.remove(tag);
    v.map(|v| v as usize)
}

/// Reads the IFD at `off`; returns it and the next-IFD offset. Entries whose
/// values lie outside the data are dropped rather than failing the whole file.
pub fn read_ifd(data: &[u8], off: usize, e: Endian, base_shift: usize) -> Result<(Ifd, usize)> {
    let mut c = Cursor::with_endian(data, "Exif IFD", e);
    c.seek(off)?;
    let n = c.u16()?;
    if n > MAX_ENTRIES {
        return Err(Error::Limits(format!("IFD with {n} entries (cap {MAX_ENTRIES})")));
    }
    let mut ifd = Ifd::default();
    for _ in 0..n {
        let tag = c.u16()?;
        let typ = c.u16()?;
        let count = c.u32()?;
        let raw = c.array::<4>()?;
        let size = (type_size(typ) as u64) * u64::from(count);
        if type_size(typ) == 0 || size > crate::limits::MAX_METADATA_BYTES {
            continue;
        }
        let size = size as usize;
        let value = if size <= 4 {
            raw[..size].to_vec()
        } else {
            let o = if e == Endian::Big { u32::from_be_bytes(raw) } else { u32::from_le_bytes(raw) } as usize;
            let o = o.wrapping_add(base_shift);
            match data.get(o..o.saturating_add(size)) {
                Some(v) => v.to_vec(),
                None => continue,
            }
        };
        ifd.entries.push(Entry { tag, typ, count, value });
    }
    let next = c.u32().unwrap_or(0) as usize;
    Ok((ifd, next))
}

/// Bytes an IFD takes, its out-of-line data included.
fn ifd_size(ifd: &Ifd) -> usize {
    2 + 12 * ifd.entries.len()
        + 4
        + ifd.entries.iter().filter(|x| x.value.len() > 4).map(|x| x.value.len().next_multiple_of(2)).sum::<usize>()
}

fn is_pointer(tag: u16) -> bool {
    matches!(tag, TAG_EXIF_IFD | TAG_GPS_IFD | TAG_INTEROP_IFD | TAG_THUMB_OFFSET | TAG_THUMB_LENGTH)
}

/// Writes an IFD at `at` (which must equal `out.len()`), with its data after it.
/// `base` is added to data offsets (non-zero for MakerNote-relative layouts).
pub fn write_ifd_at(out: &mut Vec<u8>, ifd: &Ifd, at: usize, base: usize, next: u32, e: Endian) {
    let mut entries = ifd.entries.clone();
    entries.sort_by_key(|x| x.tag);
    let n = entries.len();
    let mut data_off = at + 2 + 12 * n + 4;
    let mut data = Vec::new();
    let mut head = Vec::new();
    head.extend_from_slice(&(if e == Endian::Big { (n as u16).to_be_bytes() } else { (n as u16).to_le_bytes() }));
    for en in &entries {
        let tb = if e == Endian::Big { en.tag.to_be_bytes() } else { en.tag.to_le_bytes() };
        let ty = if e == Endian::Big { en.typ.to_be_bytes() } else { en.typ.to_le_bytes() };
        head.extend_from_slice(&tb);
        head.extend_from_slice(&ty);
        head.extend_from_slice(&to_bytes32(en.count, e));
        if en.value.len() <= 4 {
            let mut v = [0u8; 4];
            v[..en.value.len()].copy_from_slice(&en.value);
            head.extend_from_slice(&v);
        } else {
            head.extend_from_slice(&to_bytes32((data_off - base) as u32, e));
            data.extend_from_slice(&en.value);
            if en.value.len() % 2 == 1 {
                data.push(0);
            }
            data_off += en.value.len().next_multiple_of(2);
        }
    }
    head.extend_from_slice(&to_bytes32(next, e));
    out.extend_from_slice(&head);
    out.extend_from_slice(&data);
}
