//! JPEG: a segment walker that finds Exif, XMP (standard and extended), MPF,
//! the frame size, the end of the primary image and any bytes after it.

pub mod edit;
pub mod makernote;
pub mod mpf;
pub mod tiff;

use crate::bytes::Cursor;
use crate::error::{Error, Result};

pub const EXIF_SIG: &[u8] = b"Exif\0\0";
pub const XMP_SIG: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
pub const XMP_EXT_SIG: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";
pub const MPF_SIG: &[u8] = b"MPF\0";

/// One marker segment before the image data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub marker: u8,
    /// Offset of the 0xFF of the marker.
    pub offset: usize,
    /// The payload after the 2-byte length.
    pub payload: std::ops::Range<usize>,
}

/// A parsed JPEG (borrowing the bytes).
#[derive(Clone, Debug)]
pub struct Jpeg<'a> {
    pub data: &'a [u8],
    /// Segments up to (not including) the first SOS.
    pub segments: Vec<Segment>,
    /// Offset of the first SOS marker: everything from here to `eoi_end` is image data.
    pub scan_start: usize,
    /// Offset just after the primary image's EOI marker.
    pub eoi_end: usize,
    pub width: u16,
    pub height: u16,
}

impl<'a> Jpeg<'a> {
    /// Walks the segments of `data`, which must start with SOI.
    pub fn parse(data: &'a [u8]) -> Result<Jpeg<'a>> {
        if data.len() < 4 || data[0] != 0xFF || data[1] != 0xD8 {
            return Err(Error::invalid("JPEG", "does not start with the SOI marker FF D8"));
        }
        let mut pos = 2usize;
        let mut segments = Vec::new();
        let mut scan_start = None;
        let (mut width, mut height) = (0, 0);
        loop {
            // Skip fill bytes.
            while pos < data.len() && data[pos] == 0xFF && data.get(pos + 1) == Some(&0xFF) {
                pos += 1;
            }
            if pos + 2 > data.len() {
                return Err(Error::invalid("JPEG", "ends before the EOI marker"));
            }
            if data[pos] != 0xFF {
                return Err(Error::invalid(
                    "JPEG",
                    format!("expected a marker at offset {pos}, found 0x{:02X}", data[pos]),
                ));
            }
            let marker = data[pos + 1];
            match marker {
                0xD9 => {
                    if scan_start.is_none() {
                        return Err(Error::invalid("JPEG", "EOI before any image data"));
                    }
                    let eoi_end = pos + 2;
                    let scan_start = scan_start.unwrap_or(eoi_end);
                    return Ok(Jpeg { data, segments, scan_start, eoi_end, width, height });
                }
                0xD0..=0xD7 | 0x01 => {
                    pos += 2;
                    continue;
                }
                _ => {}
            }
            let mut c = Cursor::new(&data[pos + 2..], "JPEG segment");
            let len = c.u16()? as usize;
            if len < 2 || pos + 2 + len > data.len() {
                return Err(Error::invalid(
                    "JPEG",
                    format!("segment 0x{marker:02X} at offset {pos} has a bad length {len}"),
                ));
            }
            let payload = pos + 4..pos + 2 + len;
            if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) && width == 0 {
                let p = &data[payload.clone()];
                if p.len() >= 5 {
                    height = u16::from_be_bytes([p[1], p[2]]);
                    width = u16::from_be_bytes([p[3], p[4]]);
                }
            }
            if marker == 0xDA {
                scan_start.get_or_insert(pos);
                pos = skip_entropy_data(data, payload.end);
                continue;
            }
            if scan_start.is_none() {
                segments.push(Segment { marker, offset: pos, payload });
            }
            pos += 2 + len;
        }
    }

    pub fn payload(&self, s: &Segment) -> &'a [u8] {
        &self.data[s.payload.clone()]
    }

    /// APP segments of `marker` whose payload starts with `sig`.
    pub fn app_with<'s>(&'s self, marker: u8, sig: &'s [u8]) -> impl Iterator<Item = &'s Segment> + 's {
        self.segments.iter().filter(move |s| s.marker == marker && self.data[s.payload.clone()].starts_with(sig))
    }

    /// The TIFF bytes of the Exif APP1, if any.
    pub fn exif(&self) -> Option<&'a [u8]> {
        self.app_with(0xE1, EXIF_SIG).next().map(|s| &self.payload(s)[EXIF_SIG.len()..])
    }

    /// The standard XMP packet, if any.
    pub fn xmp(&self) -> Option<&'a [u8]> {
        self.app_with(0xE1, XMP_SIG).next().map(|s| &self.payload(s)[XMP_SIG.len()..])
    }

    /// The extended XMP, reassembled from its chunks (the first GUID seen wins).
    pub fn extended_xmp(&self) -> Option<Vec<u8>> {
        let mut guid: Option<&[u8]> = None;
        let mut out: Vec<u8> = Vec::new();
        let mut total = 0usize;
        for s in self.app_with(0xE1, XMP_EXT_SIG) {
            let p = &self.payload(s)[XMP_EXT_SIG.len()..];
            if p.len() < 40 {
                continue;
            }
            let (g, rest) = p.split_at(32);
            if guid.is_some_and(|x| x != g) {
                continue;
            }
            guid = Some(g);
            let full = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
            let off = u32::from_be_bytes([rest[4], rest[5], rest[6], rest[7]]) as usize;
            if full as u64 > crate::limits::MAX_METADATA_BYTES {
                return None;
            }
            total = full;
            let chunk = &rest[8..];
            if out.len() < full {
                out.resize(full, 0);
            }
            if off <= full && chunk.len() <= full - off {
                out[off..off + chunk.len()].copy_from_slice(chunk);
            }
        }
        guid.map(|_| {
            out.truncate(total);
            out
        })
    }

    /// The MPF APP2 segment: (offset of its TIFF header in the file, TIFF bytes).
    pub fn mpf(&self) -> Option<(usize, &'a [u8])> {
        self.app_with(0xE2, MPF_SIG)
            .next()
            .map(|s| (s.payload.start + MPF_SIG.len(), &self.payload(s)[MPF_SIG.len()..]))
    }

    /// Bytes after the primary image's EOI (gain maps, videos, trailers).
    pub fn trailer(&self) -> &'a [u8] {
        &self.data[self.eoi_end..]
    }
}

/// Returns the offset of the first marker after entropy-coded data that
/// starts at `pos` (skipping stuffed 0xFF00 and restart markers).
fn skip_entropy_data(data: &[u8], mut pos: usize) -> usize {
    while pos + 1 < data.len() {
        if data[pos] == 0xFF {
            let next = data[pos + 1];
            if next != 0x00 && !(0xD0..=0xD7).contains(&next) && next != 0xFF {
                return pos;
            }
        }
        pos += 1;
    }
    data.len()
}

/// Builds a JPEG from header segments (marker, payload) and the image data
/// (from SOS through EOI), plus anything to append after EOI.
pub fn assemble(segments: &[(u8, Vec<u8>)], image_data: &[u8], trailer: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(image_data.len() + trailer.len() + 4096);
    out.extend_from_slice(&[0xFF, 0xD8]);
    for (marker, payload) in segments {
        if payload.len() > 65533 {
            return Err(Error::Limits(format!(
                "JPEG segment 0x{marker:02X} would be {} bytes, above 65533",
                payload.len()
            )));
        }
        out.push(0xFF);
        out.push(*marker);
        out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(payload);
    }
    out.extend_from_slice(image_data);
    out.extend_from_slice(trailer);
    Ok(out)
}

/// An APP1 payload carrying `tiff` as Exif.
pub fn exif_payload(tiff: &[u8]) -> Vec<u8> {
    let mut p = EXIF_SIG.to_vec();
    p.extend_from_slice(tiff);
    p
}

/// An APP1 payload carrying an XMP packet.
pub fn xmp_payload(xmp: &[u8]) -> Vec<u8> {
    let mut p = XMP_SIG.to_vec();
    p.extend_from_slice(xmp);
    p
}
