//! Caps on every size that comes from a file, so hostile input cannot make us
//! allocate or loop without bound.

use crate::error::{Error, Result};

/// Largest `moov` (or HEIC `meta`) box we load into memory.
pub const MAX_HEADER_BOX: u64 = 64 << 20;
/// Largest number of samples in one track.
pub const MAX_SAMPLES: u64 = 2_000_000;
/// Largest number of entries in any sample or edit table.
pub const MAX_TABLE_ENTRIES: u64 = 4_000_000;
/// Largest number of tracks in a movie.
pub const MAX_TRACKS: usize = 64;
/// Box nesting depth we follow.
pub const MAX_DEPTH: usize = 16;
/// Largest photo file we read into memory.
pub const MAX_PHOTO_BYTES: u64 = 256 << 20;
/// Largest picture we decode or encode, in pixels (100 MP).
pub const MAX_PIXELS: u64 = 100_000_000;
/// Longest input video we work on, in seconds.
pub const MAX_DURATION_S: f64 = 4.0 * 3600.0;
/// Largest single video or audio sample.
pub const MAX_SAMPLE_BYTES: u64 = 64 << 20;
/// Largest XMP, Exif or SEF blob we parse.
pub const MAX_METADATA_BYTES: u64 = 16 << 20;
/// Largest embedded video we load into memory (motion photo payloads).
pub const MAX_EMBEDDED_VIDEO: u64 = 1 << 30;
/// Largest number of items in a HEIF `meta`.
pub const MAX_ITEMS: u64 = 100_000;

/// Fails with a clear message when `value` is above `cap`.
pub fn check(what: &str, value: u64, cap: u64) -> Result<()> {
    if value > cap {
        Err(Error::Limits(format!("{what} is {value}, above the cap of {cap}")))
    } else {
        Ok(())
    }
}
