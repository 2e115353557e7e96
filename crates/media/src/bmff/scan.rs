//! Top-level box scan over a random-access source.

use super::{parse_header, FourCC};
use crate::error::{Error, Result};
use crate::source::ReadAt;

/// A top-level box found in a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TopBox {
    pub kind: FourCC,
    pub offset: u64,
    pub header_len: u64,
    pub size: u64,
}

impl TopBox {
    pub fn payload_offset(&self) -> u64 {
        self.offset + self.header_len
    }
    pub fn payload_len(&self) -> u64 {
        self.size - self.header_len
    }
    pub fn end(&self) -> u64 {
        self.offset + self.size
    }
}

/// Result of scanning: the boxes, and where non-box bytes start if the file
/// has a trailer we could not read as boxes (e.g. Samsung SEF after `mpvd`).
#[derive(Clone, Debug, Default)]
pub struct Scan {
    pub boxes: Vec<TopBox>,
    pub trailing_from: Option<u64>,
}

impl Scan {
    pub fn first(&self, kind: FourCC) -> Option<&TopBox> {
        self.boxes.iter().find(|b| b.kind == kind)
    }
}

const MAX_TOP_BOXES: usize = 100_000;

/// True when `kind` looks like a box type (printable ASCII, as all real ones
/// are). Used to stop at trailers instead of reading garbage as boxes.
fn plausible(kind: FourCC) -> bool {
    kind.0.iter().all(|&b| (0x20..0x7f).contains(&b) || b == 0xa9)
}

/// Scans the top-level boxes of `src`. Fails if the very first box is not a
/// plausible box; later garbage is reported as `trailing_from`.
pub fn scan(src: &dyn ReadAt) -> Result<Scan> {
    let len = src.len();
    let mut pos = 0u64;
    let mut out = Scan::default();
    while pos < len {
        if len - pos < 8 {
            out.trailing_from = Some(pos);
            break;
        }
        let mut head = [0u8; 32];
        let n = (len - pos).min(32) as usize;
        src.read_at(pos, &mut head[..n])?;
        let parsed = parse_header(&head[..n], len - pos);
        let ok = match parsed {
            Ok((kind, header_len, size)) if plausible(kind) && size <= len - pos => Some((kind, header_len, size)),
            _ => None,
        };
        let Some((kind, header_len, size)) = ok else {
            if out.boxes.is_empty() {
                return Err(Error::invalid("ISO-BMFF", "the file does not start with a box".to_string()));
            }
            out.trailing_from = Some(pos);
            break;
        };
        out.boxes.push(TopBox { kind, offset: pos, header_len: header_len as u64, size });
        if out.boxes.len() > MAX_TOP_BOXES {
            return Err(Error::Limits(format!("more than {MAX_TOP_BOXES} top-level boxes")));
        }
        pos += size;
    }
    Ok(out)
}

/// Loads the payload of a top-level box, refusing boxes over `cap` bytes.
pub fn load_payload(src: &dyn ReadAt, b: &TopBox, cap: u64) -> Result<Vec<u8>> {
    crate::limits::check(&format!("'{}' box size", b.kind), b.payload_len(), cap)?;
    Ok(src.read_vec(b.payload_offset(), b.payload_len())?)
}
