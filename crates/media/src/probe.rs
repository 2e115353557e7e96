//! Telling file kinds apart from their first bytes (the extension is only a hint).

use crate::bmff::boxes::Ftyp;
use crate::bmff::{Atom, FourCC};
use crate::source::ReadAt;

/// What the bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Container {
    Jpeg,
    Heif,
    /// QuickTime movie (brand `qt  ` or no `ftyp`).
    Mov,
    Mp4,
    Unknown,
}

const MOVIE_BOXES: &[&[u8; 4]] = &[b"wide", b"mdat", b"moov", b"free", b"skip", b"pnot", b"uuid"];

/// Sniffs the container from the start of `src`.
pub fn sniff(src: &dyn ReadAt) -> Container {
    let mut head = [0u8; 64];
    let n = src.len().min(64) as usize;
    if src.read_at(0, &mut head[..n]).is_err() || n < 12 {
        return Container::Unknown;
    }
    let head = &head[..n];
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Container::Jpeg;
    }
    let kind = &head[4..8];
    if kind == b"ftyp" {
        let size = (u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize).clamp(8, n);
        let Ok(f) = Ftyp::read(&head[8..size]) else {
            return Container::Unknown;
        };
        let heif_brands = [
            FourCC::HEIC,
            FourCC::MIF1,
            FourCC(*b"heix"),
            FourCC(*b"avif"),
            FourCC(*b"msf1"),
            FourCC(*b"heim"),
            FourCC(*b"heis"),
        ];
        if heif_brands.contains(&f.major) || (f.major != FourCC::QT && f.compatible.contains(&FourCC::MIF1)) {
            return Container::Heif;
        }
        return if f.major == FourCC::QT { Container::Mov } else { Container::Mp4 };
    }
    if MOVIE_BOXES.iter().any(|b| kind == &b[..]) {
        return Container::Mov;
    }
    Container::Unknown
}
