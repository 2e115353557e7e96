//! HEIF/HEIC: the item structure in `meta` (`pitm`, `iinf`, `iloc`, `iref`,
//! `idat`), reading the primary image's Exif and XMP, and rewriting the file
//! with new metadata and an optional Motion Photo `mpvd` box.

mod edit;

pub use edit::{plan, rewrite, write_pieces, HeicEdit, Piece};

use crate::bmff::boxes::{Iinf, Iloc, Ipma, Iref, Ispe, ItemInfo, ItemRef, Pitm};
use crate::bmff::scan::{load_payload, scan, Scan, TopBox};
use crate::bmff::{children, full_payload, Atom, FourCC};
use crate::bytes::Cursor;
use crate::error::{Error, Result};
use crate::limits;
use crate::source::ReadAt;

/// One item property from `ipco` (kind and payload), as associated by `ipma`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Property {
    pub kind: FourCC,
    pub payload: Vec<u8>,
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
    pub refs: Vec<ItemRef>,
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
                FourCC::PITM => heif.primary = Pitm::read(b.payload)?.item,
                FourCC::IINF => heif.items = Iinf::read(b.payload)?.items,
                FourCC::ILOC => heif.iloc = Iloc::read(b.payload)?,
                FourCC::IREF => heif.refs = Iref::read(b.payload)?.refs,
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
            .filter(|r| r.kind == FourCC::CDSC && r.to.contains(&self.primary))
            .map(|r| r.from)
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
        let props = self.properties(self.primary).ok()?;
        let ispe = props.iter().find(|p| p.kind == Ispe::KIND)?;
        Ispe::read(&ispe.payload).ok().map(|i| (i.width, i.height))
    }

    /// The properties associated with item `id`, in the order they apply.
    pub fn properties(&self, id: u32) -> Result<Vec<Property>> {
        let (_, c) = full_payload(&self.meta, "meta")?;
        let iprp = crate::bmff::find(c.rest_slice(), FourCC::IPRP)?.ok_or_else(|| Error::invalid("HEIF", "no iprp"))?;
        let ipco = crate::bmff::find(iprp.payload, FourCC::IPCO)?.ok_or_else(|| Error::invalid("HEIF", "no ipco"))?;
        let props: Vec<_> = children(ipco.payload).collect::<Result<Vec<_>>>()?;
        let mut out = Vec::new();
        for b in children(iprp.payload) {
            let b = b?;
            if b.kind != FourCC::IPMA {
                continue;
            }
            for index in Ipma::read(b.payload)?.of(id) {
                if let Some(p) = usize::from(index).checked_sub(1).and_then(|i| props.get(i)) {
                    out.push(Property { kind: p.kind, payload: p.payload.to_vec() });
                }
            }
        }
        Ok(out)
    }
}
