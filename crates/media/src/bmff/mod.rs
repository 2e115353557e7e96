//! ISO base media file format (MP4, QuickTime MOV, HEIF) reading and writing.
//!
//! Boxes are parsed from byte slices: the small header boxes (`moov`, HEIF
//! `meta`) are loaded whole (under [`crate::limits::MAX_HEADER_BOX`]) and media
//! data is read sample by sample through [`crate::source::ReadAt`]. Every box
//! kind we interpret lives in its own file under [`boxes`] and implements
//! [`Atom`], which pairs `read` with `write`.

/// The extended type of the top-level `uuid` box holding a C2PA manifest
/// store (d8fec3d6-1b0e-483c-9297-5828877ec481).
pub const C2PA_UUID: [u8; 16] =
    [0xD8, 0xFE, 0xC3, 0xD6, 0x1B, 0x0E, 0x48, 0x3C, 0x92, 0x97, 0x58, 0x28, 0x87, 0x7E, 0xC4, 0x81];

pub mod boxes;
mod fourcc;
pub mod movie;
pub mod mux;
pub mod scan;

pub use fourcc::FourCC;

use crate::bytes::Cursor;
use crate::error::{Error, Result};

/// One box kind with its parser and serialiser. `read` gets the payload after
/// the box header (and after version/flags for full boxes, see [`FullHeader`]);
/// `write` appends the payload only, [`write_box`] adds the header.
pub trait Atom: Sized {
    const KIND: FourCC;
    fn read(payload: &[u8]) -> Result<Self>;
    fn write_payload(&self, out: &mut Vec<u8>);

    /// Serialises the whole box, header included.
    fn write(&self, out: &mut Vec<u8>) {
        write_box(out, Self::KIND, |o| self.write_payload(o));
    }
    /// The whole box as a new vector.
    fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::new();
        self.write(&mut v);
        v
    }
}

/// A box found in a byte slice.
#[derive(Clone, Copy, Debug)]
pub struct RawBox<'a> {
    pub kind: FourCC,
    /// Offset of the box header within the slice it was found in.
    pub offset: usize,
    /// Bytes of header (8, 16, or 24 for 'uuid' with a large size).
    pub header_len: usize,
    /// The payload after the header.
    pub payload: &'a [u8],
}

impl RawBox<'_> {
    /// Total size of the box, header included.
    pub fn size(&self) -> usize {
        self.header_len + self.payload.len()
    }
}

/// Iterates over the boxes packed in `data`. A box whose size runs past the
/// end is an error; trailing bytes too short for a header end the iteration
/// (QuickTime allows a 4-byte zero terminator in some containers).
pub struct Children<'a> {
    data: &'a [u8],
    pos: usize,
    failed: bool,
}

/// Iterates over the child boxes of a container payload.
pub fn children(data: &[u8]) -> Children<'_> {
    Children { data, pos: 0, failed: false }
}

impl<'a> Iterator for Children<'a> {
    type Item = Result<RawBox<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.data.len() - self.pos < 8 {
            return None;
        }
        let rest = &self.data[self.pos..];
        let r = parse_header(rest, rest.len() as u64).and_then(|(kind, header_len, size)| {
            let size = usize::try_from(size).map_err(|_| Error::invalid("box", "size does not fit in memory"))?;
            if size > rest.len() {
                return Err(Error::invalid(
                    "box",
                    format!("'{kind}' at offset {} claims {size} bytes but only {} remain", self.pos, rest.len()),
                ));
            }
            let b = RawBox { kind, offset: self.pos, header_len, payload: &rest[header_len..size] };
            self.pos += size;
            Ok(b)
        });
        if r.is_err() {
            self.failed = true;
        }
        Some(r)
    }
}

/// Parses a box header at the start of `data`. `available` is how many bytes
/// the enclosing container has from here (a size of 0 means "to the end").
/// Returns (kind, header length, total size).
pub fn parse_header(data: &[u8], available: u64) -> Result<(FourCC, usize, u64)> {
    let mut c = Cursor::new(data, "box header");
    let size32 = c.u32()?;
    let kind = FourCC(c.array()?);
    let (header_len, size) = match size32 {
        0 => (8usize, available),
        1 => {
            let large = c.u64()?;
            (16, large)
        }
        n => (8, u64::from(n)),
    };
    let header_len = if kind == FourCC::UUID { header_len + 16 } else { header_len };
    if size < header_len as u64 {
        return Err(Error::invalid("box", format!("'{kind}' has size {size}, smaller than its own header")));
    }
    if data.len() < header_len {
        return Err(Error::invalid("box", format!("'{kind}' header is cut short")));
    }
    Ok((kind, header_len, size))
}

/// Finds the first child of kind `kind`.
pub fn find<'a>(data: &'a [u8], kind: FourCC) -> Result<Option<RawBox<'a>>> {
    for b in children(data) {
        let b = b?;
        if b.kind == kind {
            return Ok(Some(b));
        }
    }
    Ok(None)
}

/// Follows a path of box kinds from `data`, e.g. `[mdia, minf, stbl]`.
pub fn find_path<'a>(data: &'a [u8], path: &[FourCC]) -> Result<Option<&'a [u8]>> {
    let mut cur = data;
    for &k in path {
        match find(cur, k)? {
            Some(b) => cur = b.payload,
            None => return Ok(None),
        }
    }
    Ok(Some(cur))
}

/// Version and flags of a full box.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FullHeader {
    pub version: u8,
    pub flags: u32,
}

impl FullHeader {
    pub fn read(c: &mut Cursor<'_>) -> Result<Self> {
        let version = c.u8()?;
        let flags = c.u24()?;
        Ok(FullHeader { version, flags })
    }
    pub fn write(&self, out: &mut Vec<u8>) {
        out.push(self.version);
        out.extend_from_slice(&self.flags.to_be_bytes()[1..]);
    }
}

/// Writes a box: reserves the header, lets `body` append the payload, then
/// fills in the size (switching to a 64-bit size if the payload needs it).
pub fn write_box(out: &mut Vec<u8>, kind: FourCC, body: impl FnOnce(&mut Vec<u8>)) {
    let start = out.len();
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&kind.0);
    body(out);
    let size = out.len() - start;
    if let Ok(s) = u32::try_from(size) {
        out[start..start + 4].copy_from_slice(&s.to_be_bytes());
    } else {
        // Rare: a header box over 4 GiB. Insert the large-size field.
        let large = (size as u64 + 8).to_be_bytes();
        out[start..start + 4].copy_from_slice(&1u32.to_be_bytes());
        let at = start + 8;
        out.splice(at..at, large);
    }
}

/// Writes a full box (version + flags before the payload).
pub fn write_full_box(out: &mut Vec<u8>, kind: FourCC, version: u8, flags: u32, body: impl FnOnce(&mut Vec<u8>)) {
    write_box(out, kind, |o| {
        FullHeader { version, flags }.write(o);
        body(o);
    })
}

/// Splits a full box payload into its header and the rest.
pub fn full_payload<'a>(payload: &'a [u8], what: &'static str) -> Result<(FullHeader, Cursor<'a>)> {
    let mut c = Cursor::new(payload, what);
    let h = FullHeader::read(&mut c)?;
    Ok((h, c))
}
