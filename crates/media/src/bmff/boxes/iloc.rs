use crate::bmff::{Atom, FourCC, FullHeader};
use crate::bytes::{Cursor, PutBe};
use crate::error::{Error, Result};
use crate::limits;

/// Location of one item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemLocation {
    pub item_id: u32,
    /// 0 = file offset, 1 = inside `idat`, 2 = from another item.
    pub construction_method: u8,
    pub data_reference_index: u16,
    pub base_offset: u64,
    /// (offset, length) pairs; absolute when `base_offset` is folded in.
    pub extents: Vec<(u64, u64)>,
}

/// `iloc` (HEIF): where each item's bytes are (file offsets, or relative to
/// `idat`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Iloc {
    pub version: u8,
    pub items: Vec<ItemLocation>,
}

impl Atom for Iloc {
    const KIND: FourCC = FourCC::ILOC;

    fn read(payload: &[u8]) -> Result<Iloc> {
        let mut c = Cursor::new(payload, "iloc");
        let version = c.u8()?;
        c.skip(3)?;
        if version > 2 {
            return Err(Error::Unsupported(format!("iloc version {version}")));
        }
        let a = c.u8()?;
        let b = c.u8()?;
        let (offset_size, length_size, base_offset_size) = ((a >> 4) as usize, (a & 15) as usize, (b >> 4) as usize);
        let index_size = if version >= 1 { (b & 15) as usize } else { 0 };
        for s in [offset_size, length_size, base_offset_size, index_size] {
            if ![0, 4, 8].contains(&s) {
                return Err(Error::invalid("iloc", format!("field size {s} is not 0, 4 or 8")));
            }
        }
        let count = if version < 2 { u32::from(c.u16()?) } else { c.u32()? };
        limits::check("iloc item count", u64::from(count), limits::MAX_ITEMS)?;
        let mut items = Vec::new();
        for _ in 0..count {
            let item_id = if version < 2 { u32::from(c.u16()?) } else { c.u32()? };
            let construction_method = if version >= 1 { (c.u16()? & 15) as u8 } else { 0 };
            let data_reference_index = c.u16()?;
            let base_offset = c.uint_n(base_offset_size)?;
            let n = c.u16()?;
            let mut extents = Vec::new();
            for _ in 0..n {
                if index_size > 0 {
                    c.uint_n(index_size)?;
                }
                let off = c.uint_n(offset_size)?;
                let len = c.uint_n(length_size)?;
                extents.push((off, len));
            }
            items.push(ItemLocation { item_id, construction_method, data_reference_index, base_offset, extents });
        }
        Ok(Iloc { version, items })
    }

    /// Base offsets are folded into the extents; fields are 8 bytes wide
    /// only when a value needs it.
    fn write_payload(&self, o: &mut Vec<u8>) {
        let big = self
            .items
            .iter()
            .flat_map(|i| i.extents.iter())
            .any(|&(o, l)| o > u64::from(u32::MAX) || l > u64::from(u32::MAX));
        let size = if big { 8 } else { 4 };
        let wide_ids = self.items.iter().any(|i| i.item_id > 0xFFFF);
        let version = if wide_ids { 2 } else { 1 };
        FullHeader { version, flags: 0 }.write(o);
        {
            o.put_u8(((size as u8) << 4) | size as u8);
            o.put_u8(0); // no base offset, no index
            if version < 2 {
                o.put_u16(self.items.len() as u16);
            } else {
                o.put_u32(self.items.len() as u32);
            }
            for it in &self.items {
                if version < 2 {
                    o.put_u16(it.item_id as u16);
                } else {
                    o.put_u32(it.item_id);
                }
                o.put_u16(u16::from(it.construction_method));
                o.put_u16(it.data_reference_index);
                o.put_u16(it.extents.len() as u16);
                for &(off, len) in &it.extents {
                    o.put_uint_n(it.base_offset + off, size);
                    o.put_uint_n(len, size);
                }
            }
        }
    }
}

impl Iloc {
    pub fn get(&self, id: u32) -> Option<&ItemLocation> {
        self.items.iter().find(|i| i.item_id == id)
    }
}
