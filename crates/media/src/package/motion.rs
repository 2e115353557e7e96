//! Motion Photos: finding the video in Google (XMP directory), legacy
//! MicroVideo, Samsung (SEF) and HEIC (`mpvd`) files, and writing new ones.

use crate::bmff::scan::scan;
use crate::bmff::FourCC;
use crate::error::{Error, Result};
use crate::heic::{write_pieces, HeicEdit, Heif, Piece};
use crate::jpeg::edit::{mpf_extent_after_eoi, rewrite, JpegEdit};
use crate::jpeg::Jpeg;
use crate::sef::{self, Sef};
use crate::sink::Sink;
use crate::source::{ReadAt, Window};
use crate::xmp::{self, MotionPhotoFields, Xmp};

/// Which convention located the video.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MotionKind {
    /// Motion Photo 1.0 XMP directory (`Container:Directory`).
    Google,
    /// Legacy `MicroVideoOffset`.
    MicroVideo,
    /// Samsung SEF `MotionPhoto_Data` only.
    Samsung,
    /// HEIC `mpvd` box.
    HeicMpvd,
    /// No metadata; an MP4 found after the image by scanning.
    Scanned,
}

impl MotionKind {
    /// The name `inspect --json` uses.
    pub fn code(self) -> &'static str {
        match self {
            MotionKind::Google => "google",
            MotionKind::MicroVideo => "micro-video",
            MotionKind::Samsung => "samsung",
            MotionKind::HeicMpvd => "heic-mpvd",
            MotionKind::Scanned => "scanned",
        }
    }
}

/// Where a motion photo's video is.
#[derive(Clone, Debug, PartialEq)]
pub struct MotionVideo {
    pub kind: MotionKind,
    pub offset: u64,
    pub len: u64,
    /// `MotionPhotoPresentationTimestampUs` (or MicroVideo's), if given.
    pub timestamp_us: Option<i64>,
    /// A Samsung SEF trailer is present too.
    pub has_sef: bool,
}

/// The length of the MP4 starting at `offset`: the extent of the boxes that
/// parse there (stopping at a SEF trailer or other non-box bytes).
fn mp4_extent(src: &dyn ReadAt, offset: u64, max_len: u64) -> Option<u64> {
    let w = Window::new(src, offset, max_len);
    let s = scan(&w).ok()?;
    if s.boxes.first().map(|b| b.kind) != Some(FourCC::FTYP) {
        return None;
    }
    let end = s.boxes.iter().take_while(|b| b.kind != FourCC::SEFD).map(|b| b.end()).max()?;
    Some(end)
}

/// Finds the video in a JPEG motion photo, trying the Google directory, then
/// MicroVideo, then Samsung's SEF, then a scan for `ftyp` after the image.
pub fn locate_jpeg(data: &[u8], jpeg: &Jpeg<'_>) -> Option<MotionVideo> {
    let len = data.len() as u64;
    let x = jpeg.xmp().and_then(|b| Xmp::parse(b).ok());
    let sef = Sef::parse(data).ok().flatten();
    let has_sef = sef.is_some();
    let ts = x.as_ref().and_then(|x| {
        x.camera_i64("MotionPhotoPresentationTimestampUs").or_else(|| x.camera_i64("MicroVideoPresentationTimestampUs"))
    });
    if let Some(x) = &x {
        let is_mp = x.camera("MotionPhoto").map(str::trim) == Some("1");
        let video_item = x.items.iter().find(|i| {
            i.semantic.as_deref() == Some("MotionPhoto") && i.mime.as_deref().is_some_and(|m| m.starts_with("video/"))
        });
        if let (true, Some(item)) = (is_mp, video_item) {
            // Sum the lengths of this item and every later one: the video
            // starts that far before the end of the file.
            let pos = x.items.iter().position(|i| std::ptr::eq(i, item)).unwrap_or(0);
            let tail: u64 = x.items[pos..].iter().map(|i| i.length.unwrap_or(0)).sum();
            if tail > 0 && tail <= len {
                let start = len - tail;
                // Samsung's Length also covers the trailer; trust the boxes.
                if let Some(l) = mp4_extent(&data, start, tail) {
                    return Some(MotionVideo {
                        kind: MotionKind::Google,
                        offset: start,
                        len: l,
                        timestamp_us: ts,
                        has_sef,
                    });
                }
            }
        }
        if x.camera("MicroVideo").map(str::trim) == Some("1") {
            if let Some(off) = x.camera_i64("MicroVideoOffset").filter(|&o| o > 0 && (o as u64) <= len) {
                let start = len - off as u64;
                if let Some(l) = mp4_extent(&data, start, off as u64) {
                    return Some(MotionVideo {
                        kind: MotionKind::MicroVideo,
                        offset: start,
                        len: l,
                        timestamp_us: ts,
                        has_sef,
                    });
                }
            }
        }
    }
    if let Some(s) = &sef {
        if let Some(r) = s.record(sef::MOTION_PHOTO_DATA) {
            if let Some(l) = mp4_extent(&data, r.data_offset as u64, r.data_len as u64) {
                return Some(MotionVideo {
                    kind: MotionKind::Samsung,
                    offset: r.data_offset as u64,
                    len: l,
                    timestamp_us: ts,
                    has_sef,
                });
            }
        }
    }
    let trailer = jpeg.trailer();
    let at = trailer.windows(4).position(|w| w == b"ftyp")?.checked_sub(4)?;
    let start = (jpeg.eoi_end + at) as u64;
    let l = mp4_extent(&data, start, len - start)?;
    Some(MotionVideo { kind: MotionKind::Scanned, offset: start, len: l, timestamp_us: ts, has_sef })
}

/// Finds the video in a HEIC motion photo: `mpvd` first, then SEF `mpv2`.
pub fn locate_heic(src: &dyn ReadAt, heif: &Heif, x: Option<&Xmp>) -> Option<MotionVideo> {
    let ts = x.and_then(|x| x.camera_i64("MotionPhotoPresentationTimestampUs"));
    let has_sef = heif.layout.first(FourCC::SEFD).is_some()
        || heif.layout.first(FourCC::MPVD).is_some_and(|m| {
            let w = Window::new(src, m.payload_offset(), m.payload_len());
            scan(&w).is_ok_and(|s| s.first(FourCC::SEFD).is_some())
        });
    if let Some(m) = heif.layout.first(FourCC::MPVD) {
        if let Some(l) = mp4_extent(src, m.payload_offset(), m.payload_len()) {
            return Some(MotionVideo {
                kind: MotionKind::HeicMpvd,
                offset: m.payload_offset(),
                len: l,
                timestamp_us: ts,
                has_sef,
            });
        }
    }
    let sefd = heif.layout.first(FourCC::SEFD)?;
    let payload = src.read_vec(sefd.payload_offset(), sefd.payload_len().min(1 << 20)).ok()?;
    let s = Sef::parse(&payload).ok()??;
    let r = s.record(sef::MOTION_PHOTO_DATA)?;
    let d = payload.get(r.data_offset..r.data_offset + r.data_len)?;
    if d.len() >= 12 && &d[..4] == b"mpv2" {
        let off = u64::from(u32::from_be_bytes([d[4], d[5], d[6], d[7]]));
        let len = u64::from(u32::from_be_bytes([d[8], d[9], d[10], d[11]]));
        return Some(MotionVideo { kind: MotionKind::Samsung, offset: off, len, timestamp_us: ts, has_sef });
    }
    None
}

/// A Motion Photo laid out for streaming: `pieces` (over the still's
/// source), then the video's bytes, then `suffix`.
#[derive(Clone, Debug)]
pub struct MotionLayout {
    pub pieces: Vec<Piece>,
    pub suffix: Vec<u8>,
    /// The still's old XMP could not be merged and was replaced.
    pub replaced_xmp: bool,
}

impl MotionLayout {
    /// Writes the whole file; `video` writes exactly the announced video bytes.
    pub fn write(
        &self,
        still: &dyn ReadAt,
        out: &mut dyn Sink,
        video: impl FnOnce(&mut dyn Sink) -> Result<u64>,
    ) -> Result<()> {
        write_pieces(still, &self.pieces, out)?;
        video(out)?;
        out.write_all(&self.suffix)?;
        Ok(())
    }
}

/// Lays out a JPEG Motion Photo around a video of `video_len` bytes.
/// Trailing bytes after the still's image are dropped.
pub fn jpeg_layout(still: &[u8], video_len: u64, timestamp_us: i64, samsung: bool) -> Result<MotionLayout> {
    let jpeg = Jpeg::parse(still)?;
    if mpf_extent_after_eoi(&jpeg) > 0 {
        return Err(Error::Unsupported(
            "stills with an MPF gain map or depth image after the primary are not yet supported as Motion Photo stills"
                .into(),
        ));
    }
    let (pre, post) = if samsung { sef::jpeg_trailer(video_len as usize) } else { (Vec::new(), Vec::new()) };
    let fields = MotionPhotoFields {
        timestamp_us,
        primary_mime: "image/jpeg",
        primary_padding: pre.len() as u64,
        video_length: video_len + post.len() as u64,
        video_padding: 0,
    };
    let old = jpeg.xmp().map(|b| String::from_utf8_lossy(b).into_owned()).filter(|o| Xmp::parse(o.as_bytes()).is_ok());
    let (packet, replaced_xmp) = xmp::merge_motion_photo(old.as_deref(), &fields);
    let edit = JpegEdit { exif_tiff: None, xmp: Some(Some(packet.into_bytes())), keep_after_eoi: 0, append: pre };
    let head = rewrite(&jpeg, &edit)?;
    Ok(MotionLayout { pieces: vec![Piece::Bytes(head)], suffix: post, replaced_xmp })
}

/// Lays out a HEIC Motion Photo: the video in a final `mpvd` box (with a
/// Samsung `sefd` inside it when asked), XMP Padding = the `mpvd` header and
/// Length = the `mpvd` payload.
pub fn heic_layout(
    src: &dyn ReadAt,
    heif: &Heif,
    video_len: u64,
    timestamp_us: i64,
    samsung: bool,
) -> Result<MotionLayout> {
    let sefd_len = if samsung { 8 + sef::heic_sefd_payload(0, 0).len() as u64 } else { 0 };
    let payload_len = video_len + sefd_len;
    let header_len = if payload_len + 8 > u64::from(u32::MAX) { 16 } else { 8 };
    let fields = MotionPhotoFields {
        timestamp_us,
        primary_mime: "image/heic",
        primary_padding: header_len,
        video_length: payload_len,
        video_padding: 0,
    };
    let old =
        heif.xmp(src)?.map(|b| String::from_utf8_lossy(&b).into_owned()).filter(|o| Xmp::parse(o.as_bytes()).is_ok());
    let (packet, replaced_xmp) = xmp::merge_motion_photo(old.as_deref(), &fields);
    let edit =
        HeicEdit { exif_tiff: None, xmp: Some(packet.into_bytes()), drop_xmp: false, drop_motion: true, mpvd: None };
    let (pieces, at) = crate::heic::plan(src, heif, &edit, Some(payload_len))?;
    let mut suffix = Vec::new();
    if let (true, Some(at)) = (samsung, at) {
        let body = sef::heic_sefd_payload(at, video_len);
        crate::bmff::write_box(&mut suffix, FourCC::SEFD, |o| o.extend_from_slice(&body));
    }
    Ok(MotionLayout { pieces, suffix, replaced_xmp })
}
