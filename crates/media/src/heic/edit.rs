//! Rewriting a HEIF file: replace the Exif or XMP item, drop a Motion Photo
//! video, append an `mpvd` box. Every `iloc` extent that points at a moved
//! byte is remapped, so the image data itself is copied untouched.

use super::Heif;
use crate::bmff::boxes::{Iref, ItemInfo, ItemLocation, ItemRef};
use crate::bmff::scan::TopBox;
use crate::bmff::Atom;
use crate::bmff::{children, full_payload, write_box, write_full_box, FourCC};
use crate::bytes::PutBe;
use crate::error::{Error, Result};
use crate::sink::Sink;
use crate::source::ReadAt;

/// What to change.
#[derive(Clone, Debug, Default)]
pub struct HeicEdit {
    /// New Exif TIFF for the primary image (the 4-byte prefix and "Exif\0\0" are added).
    pub exif_tiff: Option<Vec<u8>>,
    /// New XMP packet for the primary image (an item is added if none exists).
    pub xmp: Option<Vec<u8>>,
    /// Remove the XMP item (ignored when `xmp` is set).
    pub drop_xmp: bool,
    /// Drop `mpvd` and top-level `sefd` boxes.
    pub drop_motion: bool,
    /// Append this as the payload of a final `mpvd` box.
    pub mpvd: Option<Vec<u8>>,
}

/// Decisions shared by both passes of the meta rebuild.
struct Plan<'a> {
    heif: &'a Heif,
    /// (old start, old end, new start) of each kept box.
    map: Vec<(u64, u64, u64)>,
    /// Items whose data was re-stored: (id, absolute offset, length).
    new_locs: Vec<(u32, u64, u64)>,
    xmp_id: Option<u32>,
    new_xmp_item: bool,
    drop_xmp: bool,
    strict: bool,
}

/// One part of a rewritten file: bytes copied from the source, or new bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Copy { offset: u64, len: u64 },
    Bytes(Vec<u8>),
}

impl Piece {
    pub fn len(&self) -> u64 {
        match self {
            Piece::Copy { len, .. } => *len,
            Piece::Bytes(b) => b.len() as u64,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Writes pieces to `out`.
pub fn write_pieces(src: &dyn ReadAt, pieces: &[Piece], out: &mut dyn Sink) -> Result<u64> {
    for p in pieces {
        match p {
            Piece::Bytes(b) => out.write_all(b)?,
            Piece::Copy { offset, len } => out.copy_range(src, *offset, *len)?,
        }
    }
    Ok(pieces.iter().map(Piece::len).sum())
}

/// Writes the edited file into a new vector. Returns the bytes and, when an
/// `mpvd` was appended, the absolute offset of its payload.
pub fn rewrite(src: &dyn ReadAt, heif: &Heif, edit: &HeicEdit) -> Result<(Vec<u8>, Option<u64>)> {
    let (pieces, at) = plan(src, heif, edit, edit.mpvd.as_ref().map(|v| v.len() as u64))?;
    let mut out = Vec::with_capacity(
        (pieces.iter().map(Piece::len).sum::<u64>() + edit.mpvd.as_ref().map_or(0, |v| v.len() as u64)) as usize,
    );
    write_pieces(src, &pieces, &mut out)?;
    if let Some(v) = &edit.mpvd {
        out.extend_from_slice(v);
    }
    Ok((out, at))
}

/// Plans the edited file as pieces. With `mpvd_len`, the last piece is the
/// header of an `mpvd` box whose `mpvd_len` payload bytes the caller writes
/// next; the second value is that payload's absolute offset.
pub fn plan(
    src: &dyn ReadAt,
    heif: &Heif,
    edit: &HeicEdit,
    mpvd_len: Option<u64>,
) -> Result<(Vec<Piece>, Option<u64>)> {
    let strip = edit.drop_motion || mpvd_len.is_some();
    // A C2PA manifest signed the old bytes; after any edit it could only
    // ever fail, so it goes (a signer adds a new one, keeping the old as an
    // ingredient).
    let is_c2pa = |b: &TopBox| {
        b.kind == FourCC::UUID
            && b.payload_len() >= 16
            && src.read_vec(b.payload_offset(), 16).is_ok_and(|u| u == crate::bmff::C2PA_UUID)
    };
    let kept: Vec<TopBox> = heif
        .layout
        .boxes
        .iter()
        .copied()
        .filter(|b| !(is_c2pa(b) || strip && matches!(b.kind, FourCC::MPVD | FourCC::SEFD)))
        .collect();
    let exif_id = heif.exif_item();
    let mut xmp_id = heif.xmp_item();
    let mut new_xmp_item = false;
    if edit.xmp.is_some() && xmp_id.is_none() {
        xmp_id = Some(heif.items.iter().map(|i| i.id).max().unwrap_or(0) + 1);
        new_xmp_item = true;
    }
    // New item data goes into one new mdat after the kept boxes.
    let mut extra = Vec::new();
    let mut rel_locs = Vec::new();
    if let Some(tiff) = &edit.exif_tiff {
        let id = exif_id.ok_or_else(|| Error::Unsupported("adding an Exif item to a HEIF that has none".into()))?;
        let off = extra.len() as u64;
        extra.put_u32(6);
        extra.extend_from_slice(b"Exif\0\0");
        extra.extend_from_slice(tiff);
        rel_locs.push((id, off, extra.len() as u64 - off));
    }
    if let (Some(x), Some(id)) = (&edit.xmp, xmp_id) {
        let off = extra.len() as u64;
        extra.extend_from_slice(x);
        rel_locs.push((id, off, x.len() as u64));
    }
    let mut plan = Plan {
        heif,
        map: Vec::new(),
        new_locs: rel_locs.clone(),
        xmp_id,
        new_xmp_item,
        drop_xmp: edit.drop_xmp && edit.xmp.is_none(),
        strict: false,
    };
    let mut meta = build_meta(&plan)?;
    // The meta size does not depend on offset values unless they cross 4 GiB;
    // iterate until the layout is stable.
    for _ in 0..4 {
        let (map, extra_at) = layout(&kept, heif, meta.len() as u64);
        plan.map = map;
        plan.new_locs = rel_locs.iter().map(|&(id, o, l)| (id, extra_at + o, l)).collect();
        plan.strict = true;
        let next = build_meta(&plan)?;
        let stable = next.len() == meta.len();
        meta = next;
        if stable {
            break;
        }
    }
    let mut pieces = Vec::new();
    for b in &kept {
        if b.offset == heif.meta_box.offset {
            pieces.push(Piece::Bytes(meta.clone()));
        } else {
            pieces.push(Piece::Copy { offset: b.offset, len: b.size });
        }
    }
    if !extra.is_empty() {
        let mut mdat = Vec::new();
        write_box(&mut mdat, FourCC::MDAT, |o| o.extend_from_slice(&extra));
        pieces.push(Piece::Bytes(mdat));
    }
    let mut mpvd_payload = None;
    if let Some(len) = mpvd_len {
        let at: u64 = pieces.iter().map(Piece::len).sum();
        let mut h = Vec::new();
        match u32::try_from(len + 8) {
            Ok(size) => {
                h.extend_from_slice(&size.to_be_bytes());
                h.extend_from_slice(b"mpvd");
            }
            Err(_) => {
                h.extend_from_slice(&1u32.to_be_bytes());
                h.extend_from_slice(b"mpvd");
                h.extend_from_slice(&(len + 16).to_be_bytes());
            }
        }
        mpvd_payload = Some(at + h.len() as u64);
        pieces.push(Piece::Bytes(h));
    }
    Ok((pieces, mpvd_payload))
}

/// Where each kept box lands, and where the payload of the new mdat starts.
fn layout(kept: &[TopBox], heif: &Heif, meta_len: u64) -> (Vec<(u64, u64, u64)>, u64) {
    let mut pos = 0u64;
    let mut map = Vec::new();
    for b in kept {
        if b.offset == heif.meta_box.offset {
            pos += meta_len;
        } else {
            map.push((b.offset, b.end(), pos));
            pos += b.size;
        }
    }
    (map, pos + 8)
}

fn remap(map: &[(u64, u64, u64)], old: u64) -> Option<u64> {
    map.iter().find(|&&(s, e, _)| old >= s && old < e).map(|&(s, _, n)| n + (old - s))
}

fn build_meta(p: &Plan<'_>) -> Result<Vec<u8>> {
    let heif = p.heif;
    let (h, c) = full_payload(&heif.meta, "meta")?;
    let body = c.rest_slice();
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let mut saw_iref = false;
    for b in children(body) {
        let b = b?;
        let mut part = Vec::new();
        match b.kind {
            FourCC::ILOC => write_iloc(p, &mut part)?,
            FourCC::IINF if p.new_xmp_item || p.drop_xmp => write_iinf(p, b.payload, &mut part)?,
            FourCC::IREF => {
                saw_iref = true;
                if p.new_xmp_item || p.drop_xmp {
                    write_iref(p, &mut part);
                } else {
                    part.extend_from_slice(&body[b.offset..b.offset + b.size()]);
                }
            }
            _ => part.extend_from_slice(&body[b.offset..b.offset + b.size()]),
        }
        parts.push(part);
    }
    if p.new_xmp_item && !saw_iref {
        let mut part = Vec::new();
        write_iref(p, &mut part);
        parts.push(part);
    }
    let mut out = Vec::new();
    write_full_box(&mut out, FourCC::META, h.version, h.flags, |o| {
        for part in &parts {
            o.extend_from_slice(part);
        }
    });
    Ok(out)
}

fn write_iloc(p: &Plan<'_>, out: &mut Vec<u8>) -> Result<()> {
    let mut iloc = p.heif.iloc.clone();
    if p.drop_xmp {
        iloc.items.retain(|i| Some(i.item_id) != p.xmp_id);
    }
    for it in &mut iloc.items {
        if let Some(&(_, off, len)) = p.new_locs.iter().find(|l| l.0 == it.item_id) {
            *it = ItemLocation { construction_method: 0, base_offset: 0, extents: vec![(off, len)], ..it.clone() };
            continue;
        }
        if it.construction_method != 0 || it.data_reference_index != 0 {
            continue;
        }
        let base = it.base_offset;
        it.base_offset = 0;
        for e in &mut it.extents {
            let abs = base + e.0;
            e.0 = match remap(&p.map, abs) {
                Some(n) => n,
                None if p.strict => {
                    return Err(Error::Unsupported(format!(
                        "HEIF item {} has data at offset {abs}, outside any box we keep",
                        it.item_id
                    )));
                }
                None => abs,
            };
        }
    }
    if p.new_xmp_item {
        if let Some(&(id, off, len)) = p.new_locs.iter().find(|l| Some(l.0) == p.xmp_id) {
            iloc.items.push(ItemLocation {
                item_id: id,
                construction_method: 0,
                data_reference_index: 0,
                base_offset: 0,
                extents: vec![(off, len)],
            });
        }
    }
    iloc.write(out);
    Ok(())
}

fn write_iinf(p: &Plan<'_>, payload: &[u8], out: &mut Vec<u8>) -> Result<()> {
    let (h, mut c) = full_payload(payload, "iinf")?;
    if h.version == 0 {
        c.u16()?;
    } else {
        c.u32()?;
    }
    let entries = c.rest();
    let mut infes: Vec<&[u8]> = Vec::new();
    for e in children(entries) {
        let e = e?;
        if p.drop_xmp && infe_id(e.payload) == p.xmp_id {
            continue;
        }
        infes.push(&entries[e.offset..e.offset + e.size()]);
    }
    let count = infes.len() + usize::from(p.new_xmp_item);
    let wide = count > 0xFFFF || p.xmp_id.is_some_and(|id| id > 0xFFFF);
    write_full_box(out, FourCC::IINF, u8::from(wide), 0, |i| {
        if wide {
            i.put_u32(count as u32);
        } else {
            i.put_u16(count as u16);
        }
        for e in &infes {
            i.extend_from_slice(e);
        }
        if let (true, Some(id)) = (p.new_xmp_item, p.xmp_id) {
            let xmp = ItemInfo {
                id,
                item_type: FourCC::MIME,
                name: String::new(),
                content_type: Some("application/rdf+xml".into()),
            };
            xmp.write(i);
        }
    });
    Ok(())
}

fn infe_id(payload: &[u8]) -> Option<u32> {
    match *payload.first()? {
        2 => payload.get(4..6).map(|b| u32::from(u16::from_be_bytes([b[0], b[1]]))),
        3 => payload.get(4..8).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]])),
        _ => None,
    }
}

fn write_iref(p: &Plan<'_>, out: &mut Vec<u8>) {
    let mut iref = Iref { refs: p.heif.refs.clone() };
    if p.drop_xmp {
        iref.refs.retain(|r| Some(r.from) != p.xmp_id);
    }
    if let (true, Some(id)) = (p.new_xmp_item, p.xmp_id) {
        iref.refs.push(ItemRef { kind: FourCC::CDSC, from: id, to: vec![p.heif.primary] });
    }
    iref.write(out);
}
