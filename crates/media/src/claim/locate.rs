//! Whether a file holds a C2PA manifest store at all, decided by us before
//! the `c2pa` crate is asked to validate it. Only a file that holds a
//! manifest can have invalid credentials: a damaged file without one has
//! none, and a damaged file we cannot search is damaged input, not a
//! forgery.
//!
//! Every embedded manifest store is a JUMBF superbox whose description box
//! carries the C2PA type UUID (C2PA 2.x, "Manifest store"), whatever the
//! container (JPEG APP11, PNG `caBX`, ISO-BMFF `uuid` box). Searching the
//! bytes for it finds a store even where the container around it is broken.

use crate::source::ReadAt;

/// The JUMBF type UUID of a C2PA manifest store: `c2pa` then
/// 0011-0010-8000-00AA00389B71.
const STORE_TYPE: [u8; 16] = *b"c2pa\x00\x11\x00\x10\x80\x00\x00\xaa\x00\x38\x9b\x71";
/// The `uuid` box type of C2PA data in ISO-BMFF files.
const BMFF_UUID: [u8; 16] =
    [0xd8, 0xfe, 0xc3, 0xd6, 0x1b, 0x0e, 0x48, 0x3c, 0x92, 0x97, 0x58, 0x28, 0x87, 0x7e, 0xc4, 0x81];
/// Files up to this size are searched byte for byte; larger ones by their
/// top-level ISO-BMFF boxes.
pub const SCAN_BYTES: u64 = 512 << 20;
const CHUNK: usize = 1 << 20;

/// What the search found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Presence {
    Found,
    Absent,
    /// The file is too large to search byte for byte and its boxes do not
    /// walk to the end: whether it holds a manifest cannot be told.
    Unknown(String),
}

/// Looks for a C2PA manifest store in `src`.
pub fn manifest_presence(src: &dyn ReadAt) -> Presence {
    if src.len() <= SCAN_BYTES {
        return match scan_bytes(src) {
            Ok(true) => Presence::Found,
            Ok(false) => Presence::Absent,
            Err(e) => Presence::Unknown(format!("the file could not be read to the end ({e})")),
        };
    }
    walk_boxes(src)
}

fn scan_bytes(src: &dyn ReadAt) -> std::io::Result<bool> {
    let overlap = STORE_TYPE.len() - 1;
    let mut buf = vec![0u8; CHUNK + overlap];
    let mut kept = 0;
    let mut at = 0u64;
    while at < src.len() {
        let n = (src.len() - at).min(CHUNK as u64) as usize;
        src.read_at(at, &mut buf[kept..kept + n])?;
        let window = &buf[..kept + n];
        if window.windows(STORE_TYPE.len()).any(|w| w == STORE_TYPE) {
            return Ok(true);
        }
        // Keep the tail so a signature across two chunks is still seen.
        kept = overlap.min(window.len());
        let from = window.len() - kept;
        buf.copy_within(from..from + kept, 0);
        at += n as u64;
    }
    Ok(false)
}

/// Top-level boxes of a large ISO-BMFF file; C2PA stores live in a
/// top-level `uuid` box.
fn walk_boxes(src: &dyn ReadAt) -> Presence {
    let unknown = |why: String| Presence::Unknown(format!("{why}; the file is too large to search byte for byte"));
    let mut at = 0u64;
    let mut count = 0u32;
    while at < src.len() {
        count += 1;
        if count > 100_000 {
            return unknown("more than 100000 top-level boxes".into());
        }
        let mut head = [0u8; 32];
        let n = (src.len() - at).min(32) as usize;
        if n < 8 || src.read_at(at, &mut head[..n]).is_err() {
            return unknown(format!("a box header at byte {at} runs past the end"));
        }
        let size32 = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as u64;
        let (size, body): (u64, usize) = match size32 {
            0 => (src.len() - at, 8),
            1 if n >= 16 => {
                let mut large = [0u8; 8];
                large.copy_from_slice(&head[8..16]);
                (u64::from_be_bytes(large), 16)
            }
            s => (s, 8),
        };
        if size < body as u64 || at.checked_add(size).is_none_or(|end| end > src.len()) {
            return unknown(format!("the box at byte {at} has an impossible size {size}"));
        }
        if &head[4..8] == b"uuid" && n >= body + 16 && head[body..body + 16] == BMFF_UUID {
            return Presence::Found;
        }
        at += size;
    }
    Presence::Absent
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_split_across_chunks_is_found() {
        let mut data = vec![0u8; CHUNK * 2 + 100];
        let at = CHUNK - 5;
        data[at..at + 16].copy_from_slice(&STORE_TYPE);
        assert_eq!(manifest_presence(&data), Presence::Found);
        data[at] = b'x';
        assert_eq!(manifest_presence(&data), Presence::Absent);
    }
}
