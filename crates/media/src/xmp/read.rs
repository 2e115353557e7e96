//! The XMP packet of a whole file, whatever its container: JPEG APP1, the
//! HEIF `mime` item, the MP4 `uuid` box or QuickTime `udta/XMP_`, and PNG
//! `iTXt`. Damage anywhere means "no packet", never an error: callers use
//! this to describe files, not to validate them.

use crate::bmff::scan::scan;
use crate::bmff::FourCC;
use crate::source::{ReadAt, Window};

/// The XMP `uuid` box of MP4 files (top level).
const XMP_UUID: [u8; 16] =
    [0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8, 0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF, 0xAC];
const MAX_XMP: u64 = crate::limits::MAX_METADATA_BYTES;

/// The XMP packet of a file of any container we know.
pub fn read_xmp(src: &dyn ReadAt) -> Option<Vec<u8>> {
    use crate::probe::{sniff, Container};
    let head = src.read_vec(0, src.len().min(16)).ok()?;
    if head.starts_with(b"\x89PNG") {
        return png_xmp(src);
    }
    match sniff(src) {
        Container::Jpeg => {
            let data = src.read_vec(0, src.len().min(crate::limits::MAX_PHOTO_BYTES)).ok()?;
            crate::jpeg::Jpeg::parse(&data).ok()?.xmp().map(<[u8]>::to_vec)
        }
        Container::Heif => crate::heic::Heif::parse(src).ok()?.xmp(src).ok()?,
        Container::Mov | Container::Mp4 => movie_xmp(src),
        Container::Unknown => None,
    }
}

fn movie_xmp(src: &dyn ReadAt) -> Option<Vec<u8>> {
    let s = scan(src).ok()?;
    for b in &s.boxes {
        if b.kind == FourCC::UUID && b.payload_len() > 16 && b.payload_len() <= MAX_XMP + 16 {
            let p = src.read_vec(b.payload_offset(), b.payload_len()).ok()?;
            if p[..16] == XMP_UUID {
                return Some(p[16..].to_vec());
            }
        }
    }
    let moov = s.first(FourCC::MOOV)?;
    let inner = Window::new(src, moov.payload_offset(), moov.payload_len());
    let udta = *scan(&inner).ok()?.first(FourCC(*b"udta"))?;
    let in_udta = Window::new(&inner, udta.payload_offset(), udta.payload_len());
    let x = *scan(&in_udta).ok()?.first(FourCC(*b"XMP_"))?;
    if x.payload_len() > MAX_XMP {
        return None;
    }
    in_udta.read_vec(x.payload_offset(), x.payload_len()).ok()
}

fn png_xmp(src: &dyn ReadAt) -> Option<Vec<u8>> {
    let mut pos = 8u64;
    while pos + 12 <= src.len() {
        let h = src.read_vec(pos, 8).ok()?;
        let len = u64::from(u32::from_be_bytes([h[0], h[1], h[2], h[3]]));
        if &h[4..8] == b"iTXt" && len <= MAX_XMP {
            let body = src.read_vec(pos + 8, len).ok()?;
            let key = b"XML:com.adobe.xmp\0";
            if body.starts_with(key) {
                // keyword, NUL, compression flag, method, language NUL, translated NUL, text
                let rest = &body[key.len() + 2..];
                let lang_end = rest.iter().position(|&b| b == 0)?;
                let rest = &rest[lang_end + 1..];
                let tr_end = rest.iter().position(|&b| b == 0)?;
                return Some(rest[tr_end + 1..].to_vec());
            }
        }
        if &h[4..8] == b"IEND" {
            break;
        }
        pos += 12 + len;
    }
    None
}
