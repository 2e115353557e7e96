//! Rewriting a JPEG's metadata segments without touching its image data,
//! keeping MPF offsets (gain maps after the primary image) correct. Any C2PA
//! manifest is dropped: it signed bytes that no longer exist.

use super::{assemble, exif_payload, mpf, xmp_payload, Jpeg, EXIF_SIG, MPF_SIG, XMP_EXT_SIG, XMP_SIG};
use crate::error::Result;

/// What to change in a JPEG.
#[derive(Clone, Debug, Default)]
pub struct JpegEdit {
    /// New Exif TIFF bytes (replaces or inserts the Exif APP1).
    pub exif_tiff: Option<Vec<u8>>,
    /// `Some(Some(x))` sets the XMP packet, `Some(None)` removes XMP.
    pub xmp: Option<Option<Vec<u8>>>,
    /// How many bytes after EOI to keep (gain maps); the rest is dropped.
    pub keep_after_eoi: usize,
    /// Bytes to append at the very end.
    pub append: Vec<u8>,
}

/// Applies `edit` and returns the new file.
pub fn rewrite(jpeg: &Jpeg<'_>, edit: &JpegEdit) -> Result<Vec<u8>> {
    let mut segs: Vec<(u8, Vec<u8>)> = Vec::new();
    let mut exif_done = false;
    let mut xmp_done = false;
    let mut mpf_index = None;
    for s in &jpeg.segments {
        let p = jpeg.payload(s);
        let is_exif = s.marker == 0xE1 && p.starts_with(EXIF_SIG);
        let is_xmp = s.marker == 0xE1 && p.starts_with(XMP_SIG);
        let is_ext = s.marker == 0xE1 && p.starts_with(XMP_EXT_SIG);
        if is_exif && edit.exif_tiff.is_some() {
            if !exif_done {
                segs.push((0xE1, exif_payload(edit.exif_tiff.as_deref().unwrap_or_default())));
                exif_done = true;
            }
            continue;
        }
        if (is_xmp || is_ext) && edit.xmp.is_some() {
            if let (false, Some(Some(x))) = (xmp_done, &edit.xmp) {
                segs.push((0xE1, xmp_payload(x)));
            }
            xmp_done = true;
            continue;
        }
        // C2PA manifests (JUMBF in APP11, "JP" common identifier) signed the
        // old bytes; after an edit they could only fail, so they go.
        if s.marker == 0xEB && p.starts_with(b"JP") {
            continue;
        }
        if s.marker == 0xE2 && p.starts_with(MPF_SIG) {
            mpf_index = Some(segs.len());
        }
        segs.push((s.marker, p.to_vec()));
    }
    // Insert what was not there, after APP0/Exif like cameras do.
    let after_app0 = segs.iter().take_while(|(m, _)| *m == 0xE0).count();
    if let (false, Some(t)) = (exif_done, &edit.exif_tiff) {
        segs.insert(after_app0, (0xE1, exif_payload(t)));
        if let Some(i) = mpf_index.as_mut() {
            if *i >= after_app0 {
                *i += 1;
            }
        }
    }
    if let (false, Some(Some(x))) = (xmp_done, &edit.xmp) {
        let at = segs.iter().position(|(m, p)| *m == 0xE1 && p.starts_with(EXIF_SIG)).map_or(after_app0, |i| i + 1);
        segs.insert(at, (0xE1, xmp_payload(x)));
        if let Some(i) = mpf_index.as_mut() {
            if *i >= at {
                *i += 1;
            }
        }
    }
    let keep = edit.keep_after_eoi.min(jpeg.trailer().len());
    // MPF offsets count from the MPF TIFF header to each extra image; fix them
    // for bytes inserted or removed between the two.
    if let (Some(i), Some((old_mpf, _))) = (mpf_index, jpeg.mpf()) {
        let new_mpf = 2 + segs[..i].iter().map(|(_, p)| p.len() + 4).sum::<usize>() + 4 + MPF_SIG.len();
        let new_header_end = 2 + segs.iter().map(|(_, p)| p.len() + 4).sum::<usize>();
        let old_header_end = jpeg.scan_start;
        let delta = (new_header_end as i64 - new_mpf as i64) - (old_header_end as i64 - old_mpf as i64);
        if delta != 0 && keep > 0 {
            let _ = mpf::shift_offsets(&mut segs[i].1[MPF_SIG.len()..], delta);
        }
    }
    let mut trailer = jpeg.trailer()[..keep].to_vec();
    trailer.extend_from_slice(&edit.append);
    assemble(&segs, &jpeg.data[jpeg.scan_start..jpeg.eoi_end], &trailer)
}

/// End of the last MPF image after the primary (0 when none), as a count of
/// bytes after EOI: what must be kept to keep gain maps.
pub fn mpf_extent_after_eoi(jpeg: &Jpeg<'_>) -> usize {
    let Some((mpf_off, tiff)) = jpeg.mpf() else {
        return 0;
    };
    let Ok(m) = mpf::Mpf::parse(tiff) else {
        return 0;
    };
    let end = m
        .images
        .iter()
        .filter(|i| i.offset != 0)
        .map(|i| mpf_off + i.offset as usize + i.size as usize)
        .max()
        .unwrap_or(0);
    end.saturating_sub(jpeg.eoi_end).min(jpeg.trailer().len())
}

/// `jpeg` with its XMP packet replaced by `xmp`.
pub fn with_xmp(jpeg: &[u8], xmp: &[u8]) -> Result<Vec<u8>> {
    let parsed = Jpeg::parse(jpeg)?;
    rewrite(&parsed, &JpegEdit { xmp: Some(Some(xmp.to_vec())), ..JpegEdit::default() })
}
