//! Lossless conversion between Live Photo pairs and Motion Photos, and
//! extraction of the still and video from any motion photo.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::bmff::movie::{Movie, Track, TrackKind};
use crate::bmff::mux::{prepare, write_movie, Brand, OutMovie};
use crate::bmff::FourCC;
use crate::claim::{self, Claim, Ingredient, Relationship, Signing};
use crate::cut::copy_whole;
use crate::error::{Error, Result};
use crate::heic::{HeicEdit, Heif};
use crate::jpeg::edit::{mpf_extent_after_eoi, rewrite, JpegEdit};
use crate::jpeg::tiff::Exif;
use crate::jpeg::Jpeg;
use crate::package::live::{self, exif_content_id, live_info, set_exif_content_id, STILL_SAMPLE};
use crate::package::motion::{self, locate_heic, locate_jpeg, MotionVideo};
use crate::package::new_content_id;
use crate::probe::{sniff, Container};
use crate::source::{FileSource, ReadAt, Window};
use crate::xmp::{strip_motion_photo, Xmp};
use crate::{limits, outfile};

/// One file written by a conversion.
#[derive(Clone, Debug, Serialize)]
pub struct Converted {
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub still_time_s: f64,
    pub notes: Vec<String>,
}

fn read_all(path: &Path) -> Result<Vec<u8>> {
    let src = FileSource::open(path)?;
    limits::check("still file size", src.len(), limits::MAX_EMBEDDED_VIDEO)?;
    Ok(src.read_vec(0, src.len())?)
}

/// The content identifier of a still (JPEG or HEIC), if it has one.
pub fn still_content_id(path: &Path) -> Result<Option<String>> {
    let src = FileSource::open(path)?;
    match sniff(&src) {
        Container::Jpeg => content_id_in(Container::Jpeg, &read_all(path)?),
        Container::Heif => {
            let h = Heif::parse(&src)?;
            Ok(h.exif(&src)?.and_then(|t| Exif::parse(&t).ok()).as_ref().and_then(exif_content_id))
        }
        _ => Ok(None),
    }
}

/// The content identifier of a still already in memory.
fn content_id_in(container: Container, data: &[u8]) -> Result<Option<String>> {
    let exif = match container {
        Container::Jpeg => Jpeg::parse(data)?.exif().map(<[u8]>::to_vec),
        Container::Heif => Heif::parse(&data)?.exif(&data)?,
        _ => None,
    };
    Ok(exif.and_then(|t| Exif::parse(&t).ok()).as_ref().and_then(exif_content_id))
}

/// The content identifier of a movie, if it has one.
pub fn movie_content_id(path: &Path) -> Result<Option<String>> {
    let src = FileSource::open(path)?;
    if !matches!(sniff(&src), Container::Mov | Container::Mp4) {
        return Ok(None);
    }
    Ok(live_info(&Movie::parse(&src)?).content_id)
}

fn stem_of(path: &Path) -> String {
    let s = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "photo".into());
    s.strip_suffix(".MP")
        .or_else(|| s.strip_suffix("_MP"))
        .or_else(|| s.strip_suffix(".mp"))
        .map(str::to_string)
        .unwrap_or(s)
}

/// The MP4 of a Motion Photo made from a Live movie read from `src`
/// (source 0). Uncompressed audio is re-encoded to AAC into `arena`
/// (source 1), since Motion Photos carry only AAC; video is copied.
fn mp4_from_live(movie: &Movie, src: &dyn ReadAt, arena: &mut Vec<u8>, notes: &mut Vec<String>) -> Result<OutMovie> {
    let video = movie.video().ok_or_else(|| Error::invalid("Live Photo movie", "no video track"))?;
    let ts = movie.mvhd.timescale;
    let mut tracks = vec![copy_whole(video, movie, 0, ts)];
    tracks[0].meta = None;
    if let Some(a) = movie.audio() {
        let mut t = copy_whole(a, movie, 0, ts);
        t.meta = None;
        match a.codec() {
            Some(FourCC::MP4A) => tracks.push(t),
            Some(c) if crate::audio::is_pcm(c) => match crate::audio::pcm_track_to_aac(&t, ts, &[src], arena, 1) {
                Ok(aac) => {
                    notes.push(format!("audio '{c}' re-encoded to AAC (Motion Photos carry only AAC); video copied"));
                    tracks.push(aac);
                }
                Err(e) => {
                    notes.push(format!("audio '{c}' could not be re-encoded to AAC ({e}); the Motion Photo is silent"))
                }
            },
            c => notes.push(format!(
                "audio is '{}', which Motion Photos cannot carry (AAC only); the Motion Photo is silent",
                c.map(|c| c.to_string()).unwrap_or_default()
            )),
        }
    }
    Ok(OutMovie {
        brand: Brand::Mp4,
        moov_first: true,
        timescale: ts,
        creation_time: movie.mvhd.creation_time,
        tracks,
        meta: None,
        xmp: None,
    })
}

/// Live pair → Motion Photo (`STEM.MP.jpg` or `STEM.MP.heic`), video copied.
///
/// The still's XMP (and so any source type it declares) is kept; with
/// `signing`, the Motion Photo gets Content Credentials naming the still as
/// parent and the movie as a component.
pub fn live_to_motion(
    still: &Path,
    mov: &Path,
    out_dir: &Path,
    samsung: bool,
    force: bool,
    signing: &Signing,
) -> Result<Converted> {
    let msrc = FileSource::open(mov)?;
    let movie = Movie::parse(&msrc).map_err(|e| e.in_file(mov))?;
    let info = live_info(&movie);
    let mut notes = Vec::new();
    let still_time = match info.still_time {
        Some(t) => t,
        None => {
            let t = movie.video().map_or(0.0, |v| v.media_seconds() / 2.0);
            notes.push(format!("no still-image-time track; using the middle, {t:.3} s"));
            t
        }
    };
    let mut arena = Vec::new();
    let mp4 = mp4_from_live(&movie, &msrc, &mut arena, &mut notes)?;
    let sources: [&dyn ReadAt; 2] = [&msrc, &arena];
    let prepared = prepare(&mp4, &sources)?;
    let ts_us = (still_time * 1e6).round() as i64;
    let ssrc = FileSource::open(still)?;
    let stem = stem_of(still);
    // The video streams from the MOV straight into the output file.
    let claim = if signing.is_signing() {
        let step = ("c2pa.repackaged", "Live Photo pair repackaged as a Motion Photo without re-encoding".to_string());
        let parent = Ingredient::new(still, None, Relationship::ParentOf)?;
        let movie_part = Ingredient::new(mov, None, Relationship::ComponentOf)?;
        Some(Claim::derived(parent, None, &[step]).with_component(movie_part))
    } else {
        None
    };
    let write = |out: &Path, layout: &motion::MotionLayout, still_src: &dyn ReadAt, mime: &str| {
        let body = |w: &mut dyn crate::sink::Sink| layout.write(still_src, w, |w| prepared.write_to(&sources, w));
        match &claim {
            Some(c) => claim::write_output(out, force, mime, signing, c, body),
            None => outfile::write_atomic(out, force, body),
        }
    };
    let (out, replaced) = match sniff(&ssrc) {
        Container::Jpeg => {
            let data = read_all(still)?;
            let layout = motion::jpeg_layout(&data, prepared.len(), ts_us, samsung).map_err(|e| e.in_file(still))?;
            let out = out_dir.join(format!("{stem}.MP.jpg"));
            outfile::refuse_input(&out, &[still, mov])?;
            write(&out, &layout, &data.as_slice(), "image/jpeg")?;
            (out, layout.replaced_xmp)
        }
        Container::Heif => {
            let heif = Heif::parse(&ssrc).map_err(|e| e.in_file(still))?;
            let layout =
                motion::heic_layout(&ssrc, &heif, prepared.len(), ts_us, samsung).map_err(|e| e.in_file(still))?;
            let out = out_dir.join(format!("{stem}.MP.heic"));
            outfile::refuse_input(&out, &[still, mov])?;
            write(&out, &layout, &ssrc, "image/heic")?;
            (out, layout.replaced_xmp)
        }
        _ => return Err(Error::Unsupported("the still is neither JPEG nor HEIC".into()).in_file(still)),
    };
    if replaced {
        notes.push("the still's XMP had several descriptions; it was replaced by the Motion Photo XMP".into());
    }
    Ok(Converted {
        inputs: vec![still.display().to_string(), mov.display().to_string()],
        outputs: vec![out.display().to_string()],
        still_time_s: still_time,
        notes,
    })
}

/// The still and the video of a motion photo, located.
pub struct MotionParts {
    pub container: Container,
    pub data: Vec<u8>,
    pub video: MotionVideo,
}

/// Reads a motion photo (JPEG or HEIC) and finds its video.
pub fn open_motion(path: &Path) -> Result<MotionParts> {
    let data = read_all(path)?;
    let container = sniff(&data.as_slice());
    let video = match container {
        Container::Jpeg => locate_jpeg(&data, &Jpeg::parse(&data)?),
        Container::Heif => {
            let h = Heif::parse(&data.as_slice())?;
            let x = h.xmp(&data.as_slice())?.and_then(|b| Xmp::parse(&b).ok());
            locate_heic(&data.as_slice(), &h, x.as_ref())
        }
        _ => return Err(Error::Unsupported("not a JPEG or HEIC motion photo".into())),
    };
    let video = video.ok_or_else(|| Error::Unsupported("no embedded video found (not a motion photo)".into()))?;
    Ok(MotionParts { container, data, video })
}

/// The still of a motion photo on its own: trailer gone, Motion Photo XMP
/// removed, and (when `content_id` is given) the Apple MakerNote set.
pub fn still_without_motion(parts: &MotionParts, content_id: Option<&str>) -> Result<Vec<u8>> {
    let data = parts.data.as_slice();
    match parts.container {
        Container::Jpeg => {
            let j = Jpeg::parse(data)?;
            let mut exif_tiff = None;
            if let Some(cid) = content_id {
                let mut exif = j.exif().and_then(|t| Exif::parse(t).ok()).unwrap_or_default();
                if exif_content_id(&exif).as_deref() != Some(cid) {
                    set_exif_content_id(&mut exif, cid);
                    exif_tiff = Some(exif.to_bytes());
                }
            }
            let xmp = j.xmp().map(|b| strip_motion_photo(&String::from_utf8_lossy(b)).map(String::into_bytes));
            let keep = mpf_extent_after_eoi(&j).min(parts.video.offset.saturating_sub(j.eoi_end as u64) as usize);
            rewrite(&j, &JpegEdit { exif_tiff, xmp, keep_after_eoi: keep, append: Vec::new() })
        }
        _ => {
            let src = &data;
            let heif = Heif::parse(src)?;
            let mut edit = HeicEdit { drop_motion: true, ..HeicEdit::default() };
            if let Some(cid) = content_id {
                let exif = heif.exif(src)?.map(|t| Exif::parse(&t)).transpose()?;
                let mut exif = exif.ok_or_else(|| {
                    Error::Unsupported("this HEIC has no Exif item to carry the content identifier".into())
                })?;
                if exif_content_id(&exif).as_deref() != Some(cid) {
                    set_exif_content_id(&mut exif, cid);
                    edit.exif_tiff = Some(exif.to_bytes());
                }
            }
            match heif.xmp(src)?.map(|b| strip_motion_photo(&String::from_utf8_lossy(&b))) {
                Some(Some(x)) => edit.xmp = Some(x.into_bytes()),
                Some(None) => edit.drop_xmp = true,
                None => {}
            }
            Ok(crate::heic::rewrite(src, &heif, &edit)?.0)
        }
    }
}

/// The presentation timestamp to use: the XMP one, or (per the spec) the
/// frame just before the middle of the video.
fn still_seconds(parts: &MotionParts, movie: &Movie, notes: &mut Vec<String>) -> f64 {
    if let Some(t) = parts.video.timestamp_us.filter(|&t| t >= 0) {
        return t as f64 / 1e6;
    }
    let Some(v) = movie.video() else { return 0.0 };
    let mid = v.media_seconds() / 2.0;
    let times: Vec<f64> = v.samples.iter().filter_map(|s| v.movie_seconds(s.pts(), movie.mvhd.timescale)).collect();
    let t = times.iter().copied().filter(|&t| t <= mid).fold(0.0, f64::max);
    notes.push(format!("no presentation timestamp; using the frame before the middle, {t:.3} s"));
    t
}

/// Motion Photo → Live pair (`STEM.jpg|heic` + `STEM.MOV`), video copied.
///
/// With `signing`, both halves get Content Credentials naming the Motion
/// Photo as their parent.
pub fn motion_to_live(path: &Path, out_dir: &Path, force: bool, signing: &Signing) -> Result<Converted> {
    let parts = open_motion(path).map_err(|e| e.in_file(path))?;
    let data: &[u8] = &parts.data;
    let window = Window::new(&data, parts.video.offset, parts.video.len);
    let movie = Movie::parse(&window).map_err(|e| e.in_file(path))?;
    let mut notes = Vec::new();
    let still_t = still_seconds(&parts, &movie, &mut notes);
    // Keep the still's own identifier (a round trip keeps its pairing).
    let cid = content_id_in(parts.container, &parts.data).ok().flatten().unwrap_or_else(new_content_id);
    let still = still_without_motion(&parts, Some(&cid)).map_err(|e| e.in_file(path))?;
    let video = movie.video().ok_or_else(|| Error::invalid("motion photo video", "no video track").in_file(path))?;
    let mut tracks = vec![copy_whole(video, &movie, 0, live::MOV_TIMESCALE)];
    tracks.extend(
        movie
            .tracks
            .iter()
            .filter(|t| t.kind() == TrackKind::Audio)
            .take(1)
            .map(|a: &Track| copy_whole(a, &movie, 0, live::MOV_TIMESCALE)),
    );
    let ticks = (still_t * f64::from(live::MOV_TIMESCALE)).round() as u64;
    let arena: Vec<u8> = STILL_SAMPLE.to_vec();
    // Android keeps the place in udta (©xyz/loci); Apple reads it from mdta.
    let mut meta = crate::bmff::boxes::QtMeta::default();
    if let Some(loc) = &movie.udta_location {
        meta.set("com.apple.quicktime.location.ISO6709", crate::bmff::boxes::DataAtom::utf8(loc));
    }
    let mut mov = live::live_movie(tracks, ticks, &cid, Some(&meta), 1, 0, movie.mvhd.creation_time);
    // The movie half says what the Motion Photo said it was.
    let data_src: &[u8] = &parts.data;
    let declared = crate::xmp::read::read_xmp(&data_src)
        .and_then(|x| Xmp::parse(&x).ok())
        .and_then(|x| x.get(crate::xmp::provenance::NS_IPTC_EXT, "DigitalSourceType").map(str::to_string));
    mov.xmp = Some(claim::xmp_packet_uri(None, declared.as_deref()));
    let mut mov_bytes = Vec::new();
    write_movie(&mov, &[&window, &arena], &mut mov_bytes)?;
    let stem = stem_of(path);
    let ext = if parts.container == Container::Heif { "HEIC" } else { "JPG" };
    let still_path = out_dir.join(format!("{stem}.{ext}"));
    let mov_path = out_dir.join(format!("{stem}.MOV"));
    for p in [&still_path, &mov_path] {
        outfile::refuse_input(p, &[path])?;
        outfile::check_free(p, force)?;
    }
    // The pair appears together or not at all.
    outfile::all_or_nothing(|| {
        if signing.is_signing() {
            let parent = Ingredient::new(path, None, Relationship::ParentOf)?;
            let still_mime = if parts.container == Container::Heif { "image/heic" } else { "image/jpeg" };
            for (p, mime, what, bytes) in [
                (&still_path, still_mime, "the still of a Motion Photo, as the still of a Live Photo", &still),
                (
                    &mov_path,
                    "video/quicktime",
                    "the video of a Motion Photo, as a Live Photo movie (not re-encoded)",
                    &mov_bytes,
                ),
            ] {
                let claim = Claim::derived(parent.clone(), None, &[("c2pa.repackaged", what.to_string())]);
                claim::write_output_bytes(p, force, mime, signing, &claim, bytes)?;
            }
            Ok(())
        } else {
            outfile::write_bytes(&still_path, force, &still)?;
            outfile::write_bytes(&mov_path, force, &mov_bytes)
        }
    })?;
    Ok(Converted {
        inputs: vec![path.display().to_string()],
        outputs: vec![still_path.display().to_string(), mov_path.display().to_string()],
        still_time_s: still_t,
        notes,
    })
}

/// A movie `extract` hands out must play: it parses (a `moov` that reads),
/// has a video track, and every sample lies inside the bytes. A truncated
/// Motion Photo fails here instead of yielding a file no player opens.
fn check_extracted_movie(video: &dyn ReadAt) -> Result<()> {
    let movie = Movie::parse(video).map_err(|e| match e {
        Error::Invalid { reason, .. } => Error::invalid("embedded video", reason),
        other => other,
    })?;
    let track = movie.video().ok_or_else(|| Error::invalid("embedded video", "it has no video track"))?;
    if track.samples.is_empty() {
        return Err(Error::invalid("embedded video", "its video track has no samples"));
    }
    for t in &movie.tracks {
        if let Some(s) =
            t.samples.iter().find(|s| s.offset.checked_add(u64::from(s.size)).is_none_or(|e| e > video.len()))
        {
            return Err(Error::invalid(
                "embedded video",
                format!(
                    "a sample at byte {} runs past the end of the video ({} bytes): the file is cut short",
                    s.offset,
                    video.len()
                ),
            ));
        }
    }
    Ok(())
}

/// What `extract` wrote.
#[derive(Clone, Debug, Serialize)]
pub struct Extracted {
    pub still: String,
    pub video: String,
}

/// Writes the still and the video of a motion photo or `.pvt` package.
pub fn extract(path: &Path, out_dir: &Path, force: bool) -> Result<Extracted> {
    if path.is_dir() {
        return extract_pvt(path, out_dir, force);
    }
    let parts = open_motion(path).map_err(|e| e.in_file(path))?;
    let still = still_without_motion(&parts, None).map_err(|e| e.in_file(path))?;
    let stem = stem_of(path);
    let ext = if parts.container == Container::Heif { "heic" } else { "jpg" };
    let still_path = out_dir.join(format!("{stem}.{ext}"));
    let video_path = out_dir.join(format!("{stem}.mp4"));
    let (o, l) = (parts.video.offset as usize, parts.video.len as usize);
    for p in [&still_path, &video_path] {
        outfile::refuse_input(p, &[path])?;
        outfile::check_free(p, force)?;
    }
    let video = &parts.data[o..o + l];
    check_extracted_movie(&video).map_err(|e| e.in_file(path))?;
    outfile::all_or_nothing(|| {
        outfile::write_bytes(&still_path, force, &still)?;
        outfile::write_bytes(&video_path, force, video)
    })?;
    Ok(Extracted { still: still_path.display().to_string(), video: video_path.display().to_string() })
}

fn extract_pvt(dir: &Path, out_dir: &Path, force: bool) -> Result<Extracted> {
    let mut still: Option<PathBuf> = None;
    let mut movie: Option<PathBuf> = None;
    for e in std::fs::read_dir(dir).map_err(|e| Error::from(e).in_file(dir))? {
        let p = e?.path();
        let Ok(src) = FileSource::open(&p) else {
            continue;
        };
        match sniff(&src) {
            Container::Jpeg | Container::Heif => still = Some(p),
            Container::Mov | Container::Mp4 => movie = Some(p),
            _ => {}
        }
    }
    let (Some(s), Some(m)) = (still, movie) else {
        return Err(Error::invalid(".pvt package", "it must hold a still and a movie").in_file(dir));
    };
    let mut out = Vec::new();
    for p in [&s, &m] {
        let target = out_dir.join(p.file_name().unwrap_or_default());
        outfile::refuse_input(&target, &[p.as_path()])?;
        outfile::check_free(&target, force)?;
        out.push(target);
    }
    check_extracted_movie(&FileSource::open(&m)?).map_err(|e| e.in_file(&m))?;
    outfile::all_or_nothing(|| {
        for (p, target) in [&s, &m].into_iter().zip(&out) {
            outfile::write_bytes(target, force, &read_all(p)?)?;
        }
        Ok(())
    })?;
    Ok(Extracted { still: out[0].display().to_string(), video: out[1].display().to_string() })
}
