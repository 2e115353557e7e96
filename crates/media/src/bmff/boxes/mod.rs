//! One file per box kind, QuickTime, MP4, codec configuration and HEIF
//! alike. Each type implements [`super::Atom`].

mod avcc;
mod colr;
mod ctts;
mod data;
mod dtyp;
mod elst;
mod esds;
mod ftyp;
mod hdlr;
mod hvcc;
mod iinf;
mod iloc;
mod ilst;
mod ipma;
mod iref;
mod ispe;
mod keyd;
mod keys;
mod mdhd;
mod mebx;
mod meta;
mod mvhd;
mod pitm;
mod stco;
mod stsc;
mod stsd;
mod stss;
mod stsz;
mod stts;
mod tkhd;
mod tref;

pub use avcc::AvcConfig;
pub use colr::Colr;
pub use ctts::Ctts;
pub use data::{DataAtom, DataType};
pub use dtyp::Dtyp;
pub use elst::{EditEntry, Elst};
pub use esds::Esds;
pub use ftyp::Ftyp;
pub use hdlr::Hdlr;
pub use hvcc::HevcConfig;
pub use iinf::{Iinf, ItemInfo};
pub use iloc::{Iloc, ItemLocation};
pub use ilst::{Ilst, IlstItem};
pub use ipma::{Association, Ipma};
pub use iref::{Iref, ItemRef};
pub use ispe::Ispe;
pub use keyd::Keyd;
pub use keys::{Keys, MdtaKey};
pub use mdhd::Mdhd;
pub use mebx::{sample_items, Mebx, MebxKey};
pub use meta::QtMeta;
pub use mvhd::Mvhd;
pub use pitm::Pitm;
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

/// The creation/modification/timescale/duration fields shared by `mvhd` and
/// `mdhd`: 32-bit in version 0, 64-bit times and duration in version 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Times {
    pub creation: u64,
    pub modification: u64,
    pub timescale: u32,
    pub duration: u64,
}

impl Times {
    pub(crate) fn read(version: u8, c: &mut crate::bytes::Cursor<'_>) -> Result<Times> {
        Ok(if version == 1 {
            Times { creation: c.u64()?, modification: c.u64()?, timescale: c.u32()?, duration: c.u64()? }
        } else {
            Times {
                creation: u64::from(c.u32()?),
                modification: u64::from(c.u32()?),
                timescale: c.u32()?,
                duration: u64::from(c.u32()?),
            }
        })
    }

    /// Writes version + flags and the fields, choosing version 1 only when needed.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        use crate::bytes::PutBe;
        let v1 = self.duration > u64::from(u32::MAX) || self.creation > u64::from(u32::MAX);
        crate::bmff::FullHeader { version: u8::from(v1), flags: 0 }.write(out);
        if v1 {
            out.put_u64(self.creation);
            out.put_u64(self.modification);
            out.put_u32(self.timescale);
            out.put_u64(self.duration);
        } else {
            out.put_u32(self.creation as u32);
            out.put_u32(self.modification as u32);
            out.put_u32(self.timescale);
            out.put_u32(self.duration as u32);
        }
    }
}
