//! `inspect`: what a file is (Live still or movie, Motion Photo flavour,
//! plain), its identifiers, timing and streams, and every rule from the
//! format references that it breaks.

use std::path::Path;

use serde::Serialize;

use crate::bmff::movie::{Movie, Track, TrackKind};
use crate::bmff::FourCC;
use crate::error::{Error, Result};
use crate::heic::Heif;
use crate::jpeg::tiff::Exif;
use crate::jpeg::Jpeg;
use crate::package::live::{exif_content_id, live_info};
use crate::package::motion::{locate_heic, locate_jpeg, MotionKind, MotionVideo};
use crate::probe::{sniff, Container};
use crate::source::{FileSource, ReadAt, Window};
use crate::xmp::Xmp;

mod rules;

pub use rules::{Issue, Severity};

/// What role a file plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    LiveStill,
    LiveMovie,
    MotionPhoto,
    Plain,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct VideoInfo {
    pub codec: String,
    pub width: u32,
    pub height: u32,
    pub duration_s: f64,
    pub rotation: u16,
    pub frames: usize,
    pub fps: f64,
    pub sync_frames: usize,
    pub has_b_frames: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AudioInfo {
    pub codec: String,
    pub sample_rate: u32,
    pub duration_s: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ImageInfo {
    pub width: u32,
    pub height: u32,
    pub orientation: Option<u16>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MotionInfo {
    pub kind: MotionKind,
    pub video_offset: u64,
    pub video_length: u64,
    pub timestamp_us: Option<i64>,
    pub samsung_trailer: bool,
}

/// Everything `inspect` reports about one file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub path: String,
    pub container: Container,
    pub role: Role,
    pub content_id: Option<String>,
    /// Live movie: time of the still-image-time sample. Motion Photo: the
    /// presentation timestamp in seconds.
    pub still_time_s: Option<f64>,
    pub image: Option<ImageInfo>,
    pub motion: Option<MotionInfo>,
    pub video: Option<VideoInfo>,
    pub audio: Option<AudioInfo>,
    pub issues: Vec<Issue>,
}

impl Report {
    /// What the file is, in a few words: "Motion Photo (JPEG)".
    pub fn headline(&self) -> String {
        let role = match self.role {
            Role::LiveStill => "Live Photo still",
            Role::LiveMovie => "Live Photo movie",
            Role::MotionPhoto => "Motion Photo",
            Role::Plain => "not a Live or Motion Photo",
        };
        let container = match self.container {
            Container::Jpeg => "JPEG",
            Container::Heif => "HEIF",
            Container::Mov => "QuickTime",
            Container::Mp4 => "MP4",
            Container::Unknown => "unknown",
        };
        format!("{role} ({container})")
    }

    /// One line per fact and per broken rule, as `inspect` prints them
    /// under the headline.
    pub fn details(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(c) = &self.content_id {
            out.push(format!("content identifier: {c}"));
        }
        if let Some(t) = self.still_time_s {
            out.push(format!("still time: {t:.3} s"));
        }
        if let Some(i) = &self.image {
            let orientation = i.orientation.map_or_else(|| "none".to_string(), |o| o.to_string());
            out.push(format!("image: {}x{}, orientation {orientation}", i.width, i.height));
        }
        if let Some(m) = &self.motion {
            let ts = m.timestamp_us.map_or_else(|| "none".to_string(), |t| format!("{t} µs"));
            let sef = if m.samsung_trailer { ", Samsung SEF trailer" } else { "" };
            out.push(format!(
                "motion photo ({}): video at byte {} ({} bytes), presentation timestamp {ts}{sef}",
                m.kind.code(),
                m.video_offset,
                m.video_length
            ));
        }
        if let Some(v) = &self.video {
            out.push(format!(
                "video: {} {}x{}, {:.3} s, {} frames ({:.2} fps), rotation {}°",
                v.codec, v.width, v.height, v.duration_s, v.frames, v.fps, v.rotation
            ));
        }
        if let Some(a) = &self.audio {
            out.push(format!("audio: {} {} Hz, {:.3} s", a.codec, a.sample_rate, a.duration_s));
        }
        for i in &self.issues {
            let tag = if i.severity == Severity::Error { "error" } else { "warning" };
            out.push(format!("{tag} [{}]: {}", i.rule, i.message));
        }
        out
    }

    fn new(path: &Path, container: Container) -> Report {
        Report {
            path: path.display().to_string(),
            container,
            role: Role::Plain,
            content_id: None,
            still_time_s: None,
            image: None,
            motion: None,
            video: None,
            audio: None,
            issues: Vec::new(),
        }
    }
}

/// Inspects one file.
pub fn inspect_path(path: &Path) -> Result<Report> {
    let src = FileSource::open(path)?;
    inspect_source(path, &src).map_err(|e| e.in_file(path))
}

/// Inspects bytes already open as `src`; `path` is used for naming rules.
pub fn inspect_source(path: &Path, src: &dyn ReadAt) -> Result<Report> {
    let container = sniff(src);
    let mut r = Report::new(path, container);
    match container {
        Container::Jpeg => inspect_jpeg(src, &mut r)?,
        Container::Heif => inspect_heif(src, &mut r)?,
        Container::Mov | Container::Mp4 => inspect_movie(src, &mut r)?,
        Container::Unknown => return Err(Error::Unsupported("not a JPEG, HEIF, MOV or MP4 file".into())),
    }
    Ok(r)
}

fn inspect_jpeg(src: &dyn ReadAt, r: &mut Report) -> Result<()> {
    crate::limits::check("JPEG file size", src.len(), crate::limits::MAX_EMBEDDED_VIDEO)?;
    let data = src.read_vec(0, src.len())?;
    let jpeg = Jpeg::parse(&data)?;
    let exif = jpeg.exif().and_then(|t| Exif::parse(t).ok());
    r.image = Some(ImageInfo {
        width: u32::from(jpeg.width),
        height: u32::from(jpeg.height),
        orientation: exif.as_ref().and_then(Exif::orientation),
    });
    r.content_id = exif.as_ref().and_then(exif_content_id);
    if r.content_id.is_some() {
        r.role = Role::LiveStill;
        rules::live_still_cid_form(r);
    }
    let xmp_text = jpeg.xmp().map(|b| String::from_utf8_lossy(b).into_owned());
    let x = jpeg.xmp().and_then(|b| Xmp::parse(b).ok());
    if let Some(mv) = locate_jpeg(&data, &jpeg) {
        describe_motion(src, &mv, r);
        rules::motion_jpeg(r, &data, &jpeg, xmp_text.as_deref(), x.as_ref(), &mv);
    } else if x.as_ref().is_some_and(|x| x.camera("MotionPhoto").is_some() || x.camera("MicroVideo").is_some()) {
        r.issues.push(Issue::error("MP-VIDEO", "XMP marks a motion photo but no video was found after the image"));
    }
    Ok(())
}

fn inspect_heif(src: &dyn ReadAt, r: &mut Report) -> Result<()> {
    let heif = Heif::parse(src)?;
    let exif = heif.exif(src).ok().flatten().and_then(|t| Exif::parse(&t).ok());
    let (w, h) = heif.primary_size().unwrap_or((0, 0));
    r.image = Some(ImageInfo { width: w, height: h, orientation: exif.as_ref().and_then(Exif::orientation) });
    r.content_id = exif.as_ref().and_then(exif_content_id);
    if r.content_id.is_some() {
        r.role = Role::LiveStill;
        rules::live_still_cid_form(r);
    }
    let xmp_bytes = heif.xmp(src).ok().flatten();
    let x = xmp_bytes.as_deref().and_then(|b| Xmp::parse(b).ok());
    if let Some(mv) = locate_heic(src, &heif, x.as_ref()) {
        describe_motion(src, &mv, r);
        rules::motion_heic(r, src, &heif, x.as_ref(), &mv);
    }
    Ok(())
}

fn describe_motion(src: &dyn ReadAt, mv: &MotionVideo, r: &mut Report) {
    r.role = Role::MotionPhoto;
    r.still_time_s = mv.timestamp_us.filter(|&t| t >= 0).map(|t| t as f64 / 1e6);
    r.motion = Some(MotionInfo {
        kind: mv.kind,
        video_offset: mv.offset,
        video_length: mv.len,
        timestamp_us: mv.timestamp_us,
        samsung_trailer: mv.has_sef,
    });
    let w = Window::new(src, mv.offset, mv.len);
    match Movie::parse(&w) {
        Ok(m) => {
            describe_streams(&m, r);
            rules::motion_video(r, &m);
        }
        Err(e) => r.issues.push(Issue::error("MP-VIDEO", format!("the embedded video does not parse: {e}"))),
    }
}

fn inspect_movie(src: &dyn ReadAt, r: &mut Report) -> Result<()> {
    let movie = Movie::parse(src)?;
    describe_streams(&movie, r);
    let info = live_info(&movie);
    r.content_id = info.content_id.clone();
    r.still_time_s = info.still_time;
    if info.content_id.is_some() {
        r.role = Role::LiveMovie;
        rules::live_movie(r, &movie, &info);
    }
    Ok(())
}

/// Width and height stored in a visual sample entry.
pub fn entry_size(track: &Track) -> (u32, u32) {
    let p = track.stsd.entries.first().map(|e| e.payload()).unwrap_or(&[]);
    if p.len() >= 28 {
        (u32::from(u16::from_be_bytes([p[24], p[25]])), u32::from(u16::from_be_bytes([p[26], p[27]])))
    } else {
        (track.tkhd.width >> 16, track.tkhd.height >> 16)
    }
}

fn describe_streams(movie: &Movie, r: &mut Report) {
    if let Some(v) = movie.video() {
        let (w, h) = entry_size(v);
        let dur = v.media_seconds();
        r.video = Some(VideoInfo {
            codec: v.codec().map(|c| c.to_string()).unwrap_or_default(),
            width: w,
            height: h,
            duration_s: round3(dur),
            rotation: v.rotation(),
            frames: v.samples.len(),
            fps: if dur > 0.0 { round3(v.samples.len() as f64 / dur) } else { 0.0 },
            sync_frames: v.samples.iter().filter(|s| s.sync).count(),
            has_b_frames: v.samples.iter().any(|s| s.cts_offset != v.samples[0].cts_offset),
        });
    }
    if let Some(a) = movie.audio() {
        r.audio = Some(AudioInfo {
            codec: a.codec().map(|c| c.to_string()).unwrap_or_default(),
            sample_rate: a.timescale(),
            duration_s: round3(a.media_seconds()),
        });
    }
    if movie.tracks.iter().any(|t| t.kind() == TrackKind::Video && t.codec() == Some(FourCC::HEV1)) {
        r.issues.push(Issue::warning(
            "VID-HEV1",
            "HEVC stored as 'hev1' (parameter sets in-band); Apple players want 'hvc1'",
        ));
    }
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}
