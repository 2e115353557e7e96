//! HEIF/HEIC: the item structure in `meta` (`pitm`, `iinf`, `iloc`, `iref`,
//! `idat`), reading the primary image's Exif and XMP, and rewriting the file
//! with new metadata and an optional Motion Photo `mpvd` box.

mod edit;
mod iloc;

pub use edit::{plan, rewrite, write_pieces, HeicEdit, Piece};
pub use iloc::{Iloc, ItemLocation};

use crate::bmff::scan::{load_payload, scan, Scan, TopBox};
use crate::bmff::{children, full_payload, FourCC};
use crate::bytes::Cursor;
use crate::error::{Error, Result};
use crate::limits;
use crate::source::ReadAt;

/// One entry of `iinf`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemInfo {
    pub id: u32,
    pub item_type: FourCC,
    pub name: String,
    pub content_type: Option<String>,
}

/// A parsed HEIF file (the structure, not the pixels).
#[derive(Clone, Debug)]
pub struct Heif {
    pub layout: Scan,
    pub meta_box: TopBox,
    pub meta: Vec<u8>,
    pub primary: u32,
    pub items: Vec<ItemInfo>,
    pub iloc: Iloc,
    /// (reference type, from item, to items).
    pub refs: Vec<(FourCC, u32, Vec<u32>)>,
    /// Absolute file offset of the `idat` payload, if any.
    pub idat_offset: Option<u64>,
}

impl Heif {
    pub fn parse(src: &dyn ReadAt) -> Result<Heif> {
        let layout = scan(src)?;
        let meta_box = *layout.first(FourCC::META).ok_or_else(|| Error::invalid("HEIF", "no top-level 'meta' box"))?;
        let meta = load_payload(src, &meta_box, limits::MAX_HEADER_BOX)?;
        let (_, mut c) = full_payload(&meta, "meta")?;
        let body_start = c.pos();
        let body = c.rest();
        let mut heif = Heif {
            layout,
            meta_box,
            meta: Vec::new(),
            primary: 0,
            items: Vec::new(),
            iloc: Iloc::default(),
            refs: Vec::new(),
            idat_offset: None,
        };
        for b in children(body) {
            let b = b?;
            match b.kind {
                FourCC::PITM => {
                    let (h, mut c) = full_payload(b.payload, "pitm")?;
                    heif.primary = if h.version == 0 { u32::from(c.u16()?) } else { c.u32()? };
                }
                FourCC::IINF => heif.items = read_iinf(b.payload)?,
                FourCC::ILOC => heif.iloc = Iloc::read(b.payload)?,
                FourCC::IREF => heif.refs = read_iref(b.payload)?,
                FourCC::IDAT => {
                    heif.idat_offset = Some(meta_box.payload_offset() + (body_start + b.offset + b.header_len) as u64);
                }
                _ => {}
            }
        }
        heif.meta = meta;
        Ok(heif)
    }

    pub fn item(&self, id: u32) -> Option<&ItemInfo> {
        self.items.iter().find(|i| i.id == id)
    }

    /// Items that describe (`cdsc`) the primary image, or any item of the
    /// kind when no reference exists.
    fn metadata_item(&self, pred: impl Fn(&ItemInfo) -> bool) -> Option<u32> {
        let described: Vec<u32> = self
            .refs
            .iter()
            .filter(|(k, _, to)| *k == FourCC::CDSC && to.contains(&self.primary))
            .map(|(_, from, _)| *from)
            .collect();
        self.items
            .iter()
            .filter(|i| pred(i))
            .find(|i| described.contains(&i.id))
            .or_else(|| self.items.iter().find(|i| pred(i)))
            .map(|i| i.id)
    }

    pub fn exif_item(&self) -> Option<u32> {
        self.metadata_item(|i| i.item_type == FourCC::EXIF)
    }

    pub fn xmp_item(&self) -> Option<u32> {
        self.metadata_item(|i| i.item_type == FourCC::MIME && i.content_type.as_deref() == Some("application/rdf+xml"))
    }

    /// Reads an item's bytes (all extents concatenated).
    pub fn item_data(&self, src: &dyn ReadAt, id: u32) -> Result<Vec<u8>> {
        let loc = self.iloc.get(id).ok_or_else(|| Error::invalid("HEIF", format!("item {id} has no location")))?;
        let base = match loc.construction_method {
            0 => 0,
            1 => self.idat_offset.ok_or_else(|| Error::invalid("HEIF", "item stored in idat but there is no idat"))?,
            m => return Err(Error::Unsupported(format!("HEIF item construction method {m}"))),
        };
        let total: u64 = loc.extents.iter().map(|e| e.1).sum();
        limits::check("HEIF metadata item size", total, limits::MAX_METADATA_BYTES)?;
        let mut out = Vec::new();
        for &(off, len) in &loc.extents {
            let len = if len == 0 { src.len().saturating_sub(base + loc.base_offset + off) } else { len };
            out.extend_from_slice(&src.read_vec(base + loc.base_offset + off, len)?);
        }
        Ok(out)
    }

    /// The primary image's Exif TIFF bytes (after the 4-byte offset prefix).
    pub fn exif(&self, src: &dyn ReadAt) -> Result<Option<Vec<u8>>> {
        let Some(id) = self.exif_item() else {
            return Ok(None);
        };
        let data = self.item_data(src, id)?;
        let mut c = Cursor::new(&data, "HEIF Exif item");
        let skip = c.u32()? as usize;
        let start = 4usize
            .checked_add(skip)
            .filter(|&s| s <= data.len())
            .ok_or_else(|| Error::invalid("HEIF Exif item", "TIFF offset past the end"))?;
        Ok(Some(data[start..].to_vec()))
    }

    pub fn xmp(&self, src: &dyn ReadAt) -> Result<Option<Vec<u8>>> {
        match self.xmp_item() {
            Some(id) => Ok(Some(self.item_data(src, id)?)),
            None => Ok(None),
        }
    }

    /// The primary image's size from its `ispe` property, if found.
    pub fn primary_size(&self) -> Option<(u32, u32)> {
        let (_, c) = full_payload(&self.meta, "meta").ok()?;
        let iprp = crate::bmff::find(c.rest_slice(), FourCC::IPRP).ok()??;
        let ipco = crate::bmff::find(iprp.payload, FourCC::IPCO).ok()??;
        let ipma = crate::bmff::find(iprp.payload, FourCC::IPMA).ok()??;
        let props: Vec<_> = children(ipco.payload).filter_map(|b| b.ok()).collect();
        let (h, mut m) = full_payload(ipma.payload, "ipma").ok()?;
        let n = m.u32().ok()?;
        for _ in 0..n.min(100_000) {
            let id = if h.version < 1 { u32::from(m.u16().ok()?) } else { m.u32().ok()? };
            let k = m.u8().ok()?;
            for _ in 0..k {
                let idx =
                    if h.flags & 1 != 0 { (m.u16().ok()? & 0x7fff) as usize } else { (m.u8().ok()? & 0x7f) as usize };
                if id == self.primary {
                    if let Some(p) = idx.checked_sub(1).and_then(|i| props.get(i)) {
                        if &p.kind.0 == b"ispe" && p.payload.len() >= 12 {
                            let w = u32::from_be_bytes([p.payload[4], p.payload[5], p.payload[6], p.payload[7]]);
                            let hh = u32::from_be_bytes([p.payload[8], p.payload[9], p.payload[10], p.payload[11]]);
                            return Some((w, hh));
                        }
                    }
                }
            }
        }
        None
    }
}

fn read_iinf(payload: &[u8]) -> Result<Vec<ItemInfo>> {
    let (h, mut c) = full_payload(payload, "iinf")?;
    let _count = if h.version == 0 { u32::from(c.u16()?) } else { c.u32()? };
    let mut items = Vec::new();
    for b in children(c.rest()) {
        let b = b?;
        if b.kind != FourCC::INFE {
            continue;
        }
        if items.len() as u64 >= limits::MAX_ITEMS {
            return Err(Error::Limits("too many HEIF items".into()));
        }
        let (h, mut e) = full_payload(b.payload, "infe")?;
        if h.version < 2 {
            continue; // v0/v1 entries carry no item type; not used by HEIC.
        }
        let id = if h.version == 2 { u32::from(e.u16()?) } else { e.u32()? };
        e.skip(2)?;
        let item_type = FourCC(e.array()?);
        let rest = e.rest();
        let mut parts = rest.split(|&b| b == 0);
        let name = String::from_utf8_lossy(parts.next().unwrap_or(&[])).into_owned();
        let content_type = if item_type == FourCC::MIME {
            parts.next().map(|s| String::from_utf8_lossy(s).into_owned())
        } else {
            None
        };
        items.push(ItemInfo { id, item_type, name, content_type });
    }
    Ok(items)
}

fn read_iref(payload: &[u8]) -> Result<Vec<(FourCC, u32, Vec<u32>)>> {
    let (h, c) = full_payload(payload, "iref")?;
    let mut refs = Vec::new();
    let wide = h.version != 0;
    for b in children(c.rest_slice()) {
        let b = b?;
        let mut r = Cursor::new(b.payload, "iref entry");
        let from = if wide { r.u32()? } else { u32::from(r.u16()?) };
        let n = r.u16()?;
        let mut to = Vec::new();
        for _ in 0..n {
            to.push(if wide { r.u32()? } else { u32::from(r.u16()?) });
        }
        refs.push((b.kind, from, to));
    }
    Ok(refs)
}
