//! One file per box kind. Each type implements [`super::Atom`].

mod ctts;
mod data;
mod dtyp;
mod elst;
mod ftyp;
mod hdlr;
mod ilst;
mod keyd;
mod keys;
mod mdhd;
mod mebx;
mod meta;
mod mvhd;
mod stco;
mod stsc;
mod stsd;
mod stss;
mod stsz;
mod stts;
mod tkhd;
mod tref;

pub use ctts::Ctts;
pub use data::{DataAtom, DataType};
pub use dtyp::Dtyp;
pub use elst::{EditEntry, Elst};
pub use ftyp::Ftyp;
pub use hdlr::Hdlr;
pub use ilst::{Ilst, IlstItem};
pub use keyd::Keyd;
pub use keys::{Keys, MdtaKey};
pub use mdhd::Mdhd;
pub use mebx::{sample_items, Mebx, MebxKey};
pub use meta::QtMeta;
pub use mvhd::Mvhd;
pub use stco::ChunkOffsets;
pub use stsc::{Stsc, StscEntry};
pub use stsd::{SampleEntry, Stsd};
pub use stss::Stss;
pub use stsz::Stsz;
pub use stts::Stts;
pub use tkhd::{Matrix, Tkhd};
pub use tref::Tref;

use crate::error::Result;
use crate::limits;

/// Checks an entry count read from a table against the global cap and
/// against the bytes actually present, before anything is allocated.
pub(crate) fn table_len(count: u32, entry_size: usize, remaining: usize, what: &str) -> Result<usize> {
    limits::check(what, u64::from(count), limits::MAX_TABLE_ENTRIES)?;
    let count = count as usize;
    if count.saturating_mul(entry_size) > remaining {
        return Err(crate::Error::invalid(
            "ISO-BMFF table",
            format!("{what} claims {count} entries but only {remaining} bytes follow"),
        ));
    }
    Ok(count)
}
