//! Decoding the primary picture of a HEIC file: a single `hvc1` item or a
//! `grid` of tiles (what iPhones write: 512×512 tiles), each tile an HEVC
//! intra picture decoded by `rust_h265`, assembled, cropped to the grid's
//! output size, and turned by the `irot`/`imir` properties.

use vivify_codec::color::ColorInfo;
use vivify_codec::hevc::decode_run;
use vivify_codec::Frame;
use vivify_media::bmff::boxes::{Colr, HevcConfig};
use vivify_media::bmff::Atom;
use vivify_media::bmff::FourCC;
use vivify_media::bytes::Cursor;
use vivify_media::error::{Error, Result};
use vivify_media::heic::{Heif, Property};
use vivify_media::limits;
use vivify_media::source::ReadAt;

/// Most tiles we decode for one picture (a 100 MP grid of 256² tiles).
const MAX_TILES: usize = 1600;

/// Colour from a `colr nclx` among `props` (matrix and range), if any.
fn nclx(props: &[Property]) -> Option<ColorInfo> {
    props.iter().filter(|p| p.kind == FourCC::COLR).find_map(|p| match Colr::read(&p.payload) {
        Ok(c @ Colr { full_range: Some(full), .. }) => Some(ColorInfo { bt709: c.is_bt709(), full_range: full }),
        _ => None,
    })
}

/// Colour of a coded picture from its `colr nclx`; without one, HEIC
/// stills are full-range BT.601 (what iPhones write).
fn colour(props: &[Property]) -> ColorInfo {
    nclx(props).unwrap_or(ColorInfo { bt709: false, full_range: true })
}

/// Decodes one `hvc1` item.
fn decode_tile(src: &dyn ReadAt, heif: &Heif, id: u32, props: &[Property]) -> Result<Frame> {
    let hvcc =
        props.iter().find(|p| p.kind == FourCC::HVCC).ok_or_else(|| Error::invalid("HEIF", "tile without hvcC"))?;
    let cfg = HevcConfig::read(&hvcc.payload)?;
    let data = heif.item_data(src, id)?;
    let mut frame = None;
    decode_run(&cfg, &mut std::iter::once(Ok(data)), &mut |f| {
        frame = Some(f);
        false
    })?;
    frame.ok_or_else(|| Error::invalid("HEIF", format!("item {id} decoded to no picture")))
}

/// The grid description of a `grid` item.
fn grid_layout(data: &[u8]) -> Result<(usize, usize, usize, usize)> {
    let mut c = Cursor::new(data, "grid");
    c.u8()?;
    let flags = c.u8()?;
    let rows = usize::from(c.u8()?) + 1;
    let cols = usize::from(c.u8()?) + 1;
    let (w, h) = if flags & 1 != 0 {
        (c.u32()? as usize, c.u32()? as usize)
    } else {
        (usize::from(c.u16()?), usize::from(c.u16()?))
    };
    Ok((rows, cols, w, h))
}

/// How the primary picture is coded, read from the item properties alone.
pub struct PrimaryLayout {
    /// Output size (the grid's, or the single item's coded size).
    pub grid: Option<(usize, usize, usize, usize)>,
    /// The coded items: the primary itself, or the grid's tiles in order.
    tiles: Vec<(u32, Vec<Property>)>,
    color: ColorInfo,
}

impl PrimaryLayout {
    pub fn tile_count(&self) -> usize {
        self.tiles.len()
    }
}

/// Reads the primary item's layout without decoding anything.
pub fn primary_layout(src: &dyn ReadAt, heif: &Heif) -> Result<PrimaryLayout> {
    let id = heif.primary;
    let item = heif.item(id).ok_or_else(|| Error::invalid("HEIF", "no primary item"))?;
    let props = heif.properties(id)?;
    match &item.item_type.0 {
        b"hvc1" => Ok(PrimaryLayout { grid: None, color: colour(&props), tiles: vec![(id, props)] }),
        b"grid" => {
            let (rows, cols, w, h) = grid_layout(&heif.item_data(src, id)?)?;
            limits::check("HEIF grid size in pixels", (w as u64) * (h as u64), limits::MAX_PIXELS)?;
            let tiles: Vec<u32> = heif
                .refs
                .iter()
                .filter(|r| &r.kind.0 == b"dimg" && r.from == id)
                .flat_map(|r| r.to.iter().copied())
                .collect();
            if tiles.len() != rows * cols || tiles.len() > MAX_TILES || w == 0 || h == 0 {
                return Err(Error::invalid("HEIF", format!("grid of {rows}x{cols} has {} tiles", tiles.len())));
            }
            let tiles: Vec<(u32, Vec<Property>)> =
                tiles.into_iter().map(|t| Ok((t, heif.properties(t)?))).collect::<Result<_>>()?;
            let color = colour(&tiles[0].1).clone_from_primary(&props);
            Ok(PrimaryLayout { grid: Some((rows, cols, w, h)), tiles, color })
        }
        other => Err(Error::Unsupported(format!(
            "HEIF primary item of type '{}' (hvc1 and grid are decoded)",
            String::from_utf8_lossy(other)
        ))),
    }
}

/// The primary picture as RGB (before `irot`/`imir`), with its size.
pub fn decode_primary(src: &(dyn ReadAt + Sync), heif: &Heif) -> Result<(usize, usize, Vec<u8>)> {
    let layout = primary_layout(src, heif)?;
    let frame = match layout.grid {
        None => decode_tile(src, heif, layout.tiles[0].0, &layout.tiles[0].1)?,
        Some((rows, cols, w, h)) => {
            let tiles = &layout.tiles;
            // Tiles decode independently: half on each core.
            let half = tiles.len().div_ceil(2);
            let jobs: Vec<std::ops::Range<usize>> = vec![0..half, half..tiles.len()];
            let decoded = crate::parallel::in_parallel(jobs, |r| {
                r.map(|i| decode_tile(src, heif, tiles[i].0, &tiles[i].1)).collect::<Result<Vec<Frame>>>()
            })?;
            let decoded: Vec<Frame> = decoded.into_iter().flatten().collect();
            let (tw, th) = (decoded[0].width, decoded[0].height);
            if decoded.iter().any(|f| f.width != tw || f.height != th) || tw * cols < w || th * rows < h {
                return Err(Error::invalid("HEIF", "grid tiles of different sizes or too small"));
            }
            let mut canvas = Frame::new((w & !1).max(2), (h & !1).max(2))?;
            let (cw, ocw) = (tw.div_ceil(2), canvas.chroma_width());
            for (i, t) in decoded.iter().enumerate() {
                let (x0, y0) = ((i % cols) * tw, (i / cols) * th);
                for y in 0..th.min(canvas.height.saturating_sub(y0)) {
                    let n = tw.min(canvas.width.saturating_sub(x0));
                    let d = (y0 + y) * canvas.width + x0;
                    canvas.y[d..d + n].copy_from_slice(&t.y[y * tw..y * tw + n]);
                }
                for y in 0..(th / 2).min(canvas.height.div_ceil(2).saturating_sub(y0 / 2)) {
                    let n = cw.min(ocw.saturating_sub(x0 / 2));
                    let d = (y0 / 2 + y) * ocw + x0 / 2;
                    canvas.u[d..d + n].copy_from_slice(&t.u[y * cw..y * cw + n]);
                    canvas.v[d..d + n].copy_from_slice(&t.v[y * cw..y * cw + n]);
                }
            }
            canvas
        }
    };
    let (w, h) = (frame.width, frame.height);
    let rgb = frame.to_rgb(layout.color);
    Ok((w, h, rgb))
}

/// The primary item's `irot` and `imir` in the order they apply, each as
/// the Exif orientation code of the same turn or flip.
pub fn primary_transforms(heif: &Heif) -> Vec<u16> {
    let Ok(props) = heif.properties(heif.primary) else { return Vec::new() };
    props
        .iter()
        .filter_map(|p| match (&p.kind.0, p.payload.first()) {
            // irot turns anticlockwise; Exif names the clockwise turn needed.
            (b"irot", Some(a)) => Some([1, 8, 3, 6][usize::from(a & 3)]),
            // Axis 0 is vertical (a left-right flip), axis 1 horizontal.
            (b"imir", Some(a)) => Some(if a & 1 == 0 { 2 } else { 4 }),
            _ => None,
        })
        .collect()
}

trait FromPrimary {
    fn clone_from_primary(self, primary: &[Property]) -> ColorInfo;
}

impl FromPrimary for ColorInfo {
    /// The grid item's own `colr`, when it has one, wins over the tiles'.
    fn clone_from_primary(self, primary: &[Property]) -> ColorInfo {
        nclx(primary).unwrap_or(self)
    }
}
