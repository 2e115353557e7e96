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

/// The name outputs are given: the file stem without `.MP`/`_MP`.
pub fn stem_of(path: &Path) -> String {
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

/// A Live pair's Motion Photo, laid out and ready to write: the movie's
/// video is copied (PCM sound re-encoded to AAC), the still's XMP kept.
/// Works on any [`ReadAt`] (files, bytes, a browser's `Blob`); the movie is
/// read in pieces, never whole.
pub struct LiveToMotion<'a> {
    still: &'a dyn ReadAt,
    /// A JPEG still, read once for its layout and written from here.
    jpeg: Option<Vec<u8>>,
    mov: &'a dyn ReadAt,
    mp4: OutMovie,
    arena: Vec<u8>,
    layout: motion::MotionLayout,
    /// The still is HEIC (so is the Motion Photo); JPEG otherwise.
    pub heic: bool,
    /// Where the key photo sits in the movie, in seconds.
    pub still_time_s: f64,
    pub notes: Vec<String>,
}

impl<'a> LiveToMotion<'a> {
    /// Reads the pair's structure; `still_name` and `mov_name` name the
    /// halves in errors.
    pub fn plan(
        still_name: &Path,
        still: &'a dyn ReadAt,
        mov_name: &Path,
        mov: &'a dyn ReadAt,
        samsung: bool,
    ) -> Result<LiveToMotion<'a>> {
        let movie = Movie::parse(mov).map_err(|e| e.in_file(mov_name))?;
        let info = live_info(&movie);
        let mut notes = Vec::new();
        let still_time_s = match info.still_time {
            Some(t) => t,
            None => {
                let t = movie.video().map_or(0.0, |v| v.media_seconds() / 2.0);
                notes.push(format!("no still-image-time track; using the middle, {t:.3} s"));
                t
            }
        };
        let mut arena = Vec::new();
        let mp4 = mp4_from_live(&movie, mov, &mut arena, &mut notes).map_err(|e| e.in_file(mov_name))?;
        let video_len = prepare(&mp4, &[mov, &arena])?.len();
        let ts_us = (still_time_s * 1e6).round() as i64;
        let (layout, jpeg, heic) = match sniff(still) {
            Container::Jpeg => {
                limits::check("still file size", still.len(), limits::MAX_EMBEDDED_VIDEO)
                    .map_err(|e| e.in_file(still_name))?;
                let data = still.read_vec(0, still.len())?;
                let layout =
                    motion::jpeg_layout(&data, video_len, ts_us, samsung).map_err(|e| e.in_file(still_name))?;
                (layout, Some(data), false)
            }
            Container::Heif => {
                let heif = Heif::parse(still).map_err(|e| e.in_file(still_name))?;
                let layout =
                    motion::heic_layout(still, &heif, video_len, ts_us, samsung).map_err(|e| e.in_file(still_name))?;
                (layout, None, true)
            }
            _ => return Err(Error::Unsupported("the still is neither JPEG nor HEIC".into()).in_file(still_name)),
        };
        if layout.replaced_xmp {
            notes.push("the still's XMP had several descriptions; it was replaced by the Motion Photo XMP".into());
        }
        Ok(LiveToMotion { still, jpeg, mov, mp4, arena, layout, heic, still_time_s, notes })
    }

    /// `STEM.MP.jpg` or `STEM.MP.heic`.
    pub fn file_name(&self, stem: &str) -> String {
        format!("{stem}.MP.{}", if self.heic { "heic" } else { "jpg" })
    }

    pub fn mime(&self) -> &'static str {
        if self.heic {
            "image/heic"
        } else {
            "image/jpeg"
        }
    }

    /// Writes the Motion Photo; the video streams from the movie.
    pub fn write(&self, out: &mut dyn crate::sink::Sink) -> Result<()> {
        let sources: [&dyn ReadAt; 2] = [self.mov, &self.arena];
        let prepared = prepare(&self.mp4, &sources)?;
        let still: &dyn ReadAt = match &self.jpeg {
            Some(data) => data,
            None => self.still,
        };
        self.layout.write(still, out, |w| prepared.write_to(&sources, w))
    }
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
    let ssrc = FileSource::open(still)?;
    let plan = LiveToMotion::plan(still, &ssrc, mov, &msrc, samsung)?;
    let out = out_dir.join(plan.file_name(&stem_of(still)));
    outfile::refuse_input(&out, &[still, mov])?;
    // The video streams from the MOV straight into the output file.
    let body = |w: &mut dyn crate::sink::Sink| plan.write(w);
    if signing.is_signing() {
        let step = ("c2pa.repackaged", "Live Photo pair repackaged as a Motion Photo without re-encoding".to_string());
        let parent = Ingredient::new(still, None, Relationship::ParentOf)?;
        let movie_part = Ingredient::new(mov, None, Relationship::ComponentOf)?;
        let claim = Claim::derived(parent, None, &[step]).with_component(movie_part);
        claim::write_output(&out, force, plan.mime(), signing, &claim, body)?;
    } else {
        outfile::write_atomic(&out, force, body)?;
    }
    Ok(Converted {
        inputs: vec![still.display().to_string(), mov.display().to_string()],
        outputs: vec![out.display().to_string()],
        still_time_s: plan.still_time_s,
        notes: plan.notes,
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
    let src = FileSource::open(path)?;
    open_motion_source(&src)
}

/// As [`open_motion`], from any source (read whole: the still is parsed in
/// memory; capped like every still).
pub fn open_motion_source(src: &dyn ReadAt) -> Result<MotionParts> {
    limits::check("still file size", src.len(), limits::MAX_EMBEDDED_VIDEO)?;
    let data = src.read_vec(0, src.len())?;
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

/// A Live pair made from a Motion Photo, in memory.
pub struct LivePair {
    /// The still: the Motion Photo's own, trailer and Motion XMP gone, the
    /// content identifier in Apple's MakerNote.
    pub still: Vec<u8>,
    /// The movie: the video (and sound) copied, a still-image-time track added.
    pub mov: Vec<u8>,
    /// The still is HEIC; JPEG otherwise.
    pub heic: bool,
    pub still_time_s: f64,
    pub notes: Vec<String>,
}

impl LivePair {
    /// `STEM.JPG` or `STEM.HEIC`, and `STEM.MOV`.
    pub fn file_names(&self, stem: &str) -> [String; 2] {
        [format!("{stem}.{}", if self.heic { "HEIC" } else { "JPG" }), format!("{stem}.MOV")]
    }

    pub fn still_mime(&self) -> &'static str {
        if self.heic {
            "image/heic"
        } else {
            "image/jpeg"
        }
    }
}

/// Motion Photo → Live pair in memory, video copied (any source; the
/// Motion Photo is read whole, as its still must be parsed).
pub fn motion_to_live_pair(src: &dyn ReadAt) -> Result<LivePair> {
    let parts = open_motion_source(src)?;
    let data: &[u8] = &parts.data;
    let window = Window::new(&data, parts.video.offset, parts.video.len);
    let movie = Movie::parse(&window)?;
    let mut notes = Vec::new();
    let still_t = still_seconds(&parts, &movie, &mut notes);
    // Keep the still's own identifier (a round trip keeps its pairing).
    let cid = content_id_in(parts.container, &parts.data).ok().flatten().unwrap_or_else(new_content_id);
    let still = still_without_motion(&parts, Some(&cid))?;
    let video = movie.video().ok_or_else(|| Error::invalid("motion photo video", "no video track"))?;
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
    let declared = crate::xmp::read::read_xmp(&data)
        .and_then(|x| Xmp::parse(&x).ok())
        .and_then(|x| x.get(crate::xmp::provenance::NS_IPTC_EXT, "DigitalSourceType").map(str::to_string));
    mov.xmp = Some(claim::xmp_packet_uri(None, declared.as_deref()));
    let mut mov_bytes = Vec::new();
    write_movie(&mov, &[&window, &arena], &mut mov_bytes)?;
    Ok(LivePair { still, mov: mov_bytes, heic: parts.container == Container::Heif, still_time_s: still_t, notes })
}

/// Motion Photo → Live pair (`STEM.jpg|heic` + `STEM.MOV`), video copied.
///
/// With `signing`, both halves get Content Credentials naming the Motion
/// Photo as their parent.
pub fn motion_to_live(path: &Path, out_dir: &Path, force: bool, signing: &Signing) -> Result<Converted> {
    let src = FileSource::open(path)?;
    let pair = motion_to_live_pair(&src).map_err(|e| e.in_file(path))?;
    let [still_name, mov_name] = pair.file_names(&stem_of(path));
    let still_path = out_dir.join(still_name);
    let mov_path = out_dir.join(mov_name);
    for p in [&still_path, &mov_path] {
        outfile::refuse_input(p, &[path])?;
        outfile::check_free(p, force)?;
    }
    // The pair appears together or not at all.
    outfile::all_or_nothing(|| {
        if signing.is_signing() {
            let parent = Ingredient::new(path, None, Relationship::ParentOf)?;
            for (p, mime, what, bytes) in [
                (
                    &still_path,
                    pair.still_mime(),
                    "the still of a Motion Photo, as the still of a Live Photo",
                    &pair.still,
                ),
                (
                    &mov_path,
                    "video/quicktime",
                    "the video of a Motion Photo, as a Live Photo movie (not re-encoded)",
                    &pair.mov,
                ),
            ] {
                let claim = Claim::derived(parent.clone(), None, &[("c2pa.repackaged", what.to_string())]);
                claim::write_output_bytes(p, force, mime, signing, &claim, bytes)?;
            }
            Ok(())
        } else {
            outfile::write_bytes(&still_path, force, &pair.still)?;
            outfile::write_bytes(&mov_path, force, &pair.mov)
        }
    })?;
    Ok(Converted {
        inputs: vec![path.display().to_string()],
        outputs: vec![still_path.display().to_string(), mov_path.display().to_string()],
        still_time_s: pair.still_time_s,
        notes: pair.notes,
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

/// The still of a motion photo on its own and where its video lies in the
/// file (a range of the input: handing it out copies nothing).
pub struct ExtractedParts {
    pub still: Vec<u8>,
    /// The still is HEIC; JPEG otherwise.
    pub heic: bool,
    pub video_offset: u64,
    pub video_len: u64,
    /// The whole motion photo as read (its video at `video_offset`).
    pub file: Vec<u8>,
}

impl ExtractedParts {
    /// The video's bytes (clamped to the file, as the checks read it).
    pub fn video(&self) -> &[u8] {
        let start = (self.video_offset as usize).min(self.file.len());
        let end = start.saturating_add(self.video_len as usize).min(self.file.len());
        &self.file[start..end]
    }
}

/// Splits a motion photo from any source; the video is checked to play.
pub fn extract_parts(src: &dyn ReadAt) -> Result<ExtractedParts> {
    let parts = open_motion_source(src)?;
    let still = still_without_motion(&parts, None)?;
    let (o, l) = (parts.video.offset, parts.video.len);
    check_extracted_movie(&Window::new(&parts.data.as_slice(), o, l))?;
    let heic = parts.container == Container::Heif;
    Ok(ExtractedParts { still, heic, video_offset: o, video_len: l, file: parts.data })
}

/// Writes the still and the video of a motion photo or `.pvt` package.
pub fn extract(path: &Path, out_dir: &Path, force: bool) -> Result<Extracted> {
    if path.is_dir() {
        return extract_pvt(path, out_dir, force);
    }
    let src = FileSource::open(path)?;
    let parts = extract_parts(&src).map_err(|e| e.in_file(path))?;
    let stem = stem_of(path);
    let ext = if parts.heic { "heic" } else { "jpg" };
    let still_path = out_dir.join(format!("{stem}.{ext}"));
    let video_path = out_dir.join(format!("{stem}.mp4"));
    for p in [&still_path, &video_path] {
        outfile::refuse_input(p, &[path])?;
        outfile::check_free(p, force)?;
    }
    outfile::all_or_nothing(|| {
        outfile::write_bytes(&still_path, force, &parts.still)?;
        outfile::write_bytes(&video_path, force, parts.video())
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
