//! The Apple MakerNote: `"Apple iOS\0"`, `00 01`, a byte-order mark, then a
//! TIFF IFD whose out-of-line offsets count from the first byte of "Apple".
//! Tag 0x0011 holds the Live Photo content identifier.

use super::tiff::{read_ifd, write_ifd_at, Entry, Ifd};
use crate::bytes::Endian;
use crate::error::{Error, Result};

pub const APPLE_HEADER: &[u8] = b"Apple iOS\0";
pub const TAG_CONTENT_ID: u16 = 0x0011;
pub const TAG_VERSION: u16 = 0x0001;

/// A parsed Apple MakerNote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppleMakerNote {
    pub version_word: u16,
    pub endian: Endian,
    pub ifd: Ifd,
}

impl AppleMakerNote {
    /// True when `bytes` start like an Apple MakerNote.
    pub fn is_apple(bytes: &[u8]) -> bool {
        bytes.starts_with(APPLE_HEADER)
    }

    pub fn parse(bytes: &[u8]) -> Result<Self> {
        if !Self::is_apple(bytes) || bytes.len() < 16 {
            return Err(Error::invalid("Apple MakerNote", "missing the \"Apple iOS\" header"));
        }
        let version_word = u16::from_be_bytes([bytes[10], bytes[11]]);
        let endian = match &bytes[12..14] {
            b"MM" => Endian::Big,
            b"II" => Endian::Little,
            _ => return Err(Error::invalid("Apple MakerNote", "byte order is neither MM nor II")),
        };
        // Offsets are relative to the start of the note, which is our slice.
        let (ifd, _) = read_ifd(bytes, 14, endian, 0)?;
        Ok(AppleMakerNote { version_word, endian, ifd })
    }

    /// A minimal note: version 16 and the content identifier.
    pub fn with_content_id(uuid: &str) -> Self {
        let mut ifd = Ifd::default();
        ifd.set(Entry { tag: TAG_VERSION, typ: 9, count: 1, value: 16i32.to_be_bytes().to_vec() });
        ifd.set(Entry::ascii(TAG_CONTENT_ID, uuid));
        AppleMakerNote { version_word: 1, endian: Endian::Big, ifd }
    }

    /// The content identifier (tag 0x0011), if present.
    pub fn content_id(&self) -> Option<String> {
        let e = self.ifd.get(TAG_CONTENT_ID)?;
        let s = e.value.split(|&b| b == 0).next()?;
        Some(String::from_utf8_lossy(s).into_owned())
    }

    pub fn set_content_id(&mut self, uuid: &str) {
        self.ifd.set(Entry::ascii(TAG_CONTENT_ID, uuid));
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = APPLE_HEADER.to_vec();
        out.extend_from_slice(&self.version_word.to_be_bytes());
        out.extend_from_slice(if self.endian == Endian::Big { b"MM" } else { b"II" });
        let at = out.len();
        write_ifd_at(&mut out, &self.ifd, at, 0, 0, self.endian);
        out
    }
}
