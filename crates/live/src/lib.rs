//! `vivify live`: a video in, a Live Photo and/or Motion Photo out. The
//! moment is copied sample for sample when an edit list can express the cut,
//! and re-encoded to H.264 otherwise.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

use serde::Serialize;

use vivify_media::bmff::boxes::DataAtom;
use vivify_media::bmff::movie::{Movie, Track};
use vivify_media::bmff::mux::QT_EPOCH_OFFSET;
use vivify_media::bmff::FourCC;
use vivify_media::error::{Error, Result};
use vivify_media::outfile;
use vivify_media::progress::Progress;
use vivify_media::source::{FileSource, ReadAt};
use vivify_picture::still::StillFacts;

pub mod moment;

use moment::{FrameStats, Moment};

mod analyse;
mod cutplan;
mod keyframe;
mod make;
mod preview;
mod reencode;

pub use cutplan::{cut_plan, CutPlan};
pub use make::{make_live_files, KeyFrame, LiveFiles};
pub use preview::{preview, Preview, Thumb, MAX_THUMBS};

use analyse::{analyse_decoded, analysis_range};
use make::{make_files, write_files};

/// What to make.
#[derive(Clone, Debug)]
pub struct LiveOptions {
    pub out_dir: PathBuf,
    pub start: Option<f64>,
    pub end: Option<f64>,
    pub still: Option<f64>,
    pub live: bool,
    pub motion: bool,
    pub pvt: bool,
    pub samsung: bool,
    pub mute: bool,
    pub reencode: bool,
    pub force: bool,
    /// The identity that signs Content Credentials into every output.
    pub signing: vivify_media::claim::Signing,
}

impl LiveOptions {
    /// Both a Live pair and a Motion Photo into `out_dir`, moment and key
    /// frame chosen automatically, nothing replaced.
    pub fn new(out_dir: impl Into<PathBuf>) -> Self {
        LiveOptions {
            out_dir: out_dir.into(),
            start: None,
            end: None,
            still: None,
            live: true,
            motion: true,
            pvt: false,
            samsung: false,
            mute: false,
            reencode: false,
            force: false,
            signing: vivify_media::claim::Signing::unsigned(),
        }
    }
}

/// What was made and why.
#[derive(Clone, Debug, Serialize)]
pub struct LiveReport {
    pub input: String,
    pub content_id: String,
    pub start_s: f64,
    pub end_s: f64,
    pub still_s: f64,
    /// Still time inside the new clip.
    pub still_in_clip_s: f64,
    pub video_copied: bool,
    pub audio: String,
    pub outputs: Vec<String>,
    pub reasons: Vec<String>,
    pub warnings: Vec<String>,
}

/// Pre-roll beyond which copying from the previous key frame is not worth it.
const MAX_COPY_PREROLL_S: f64 = 1.0;

const KEY_LOCATION: &str = "com.apple.quicktime.location.ISO6709";
const KEY_CREATION_DATE: &str = "com.apple.quicktime.creationdate";

fn is_h264(t: &Track) -> bool {
    matches!(t.codec(), Some(FourCC::AVC1 | FourCC::AVC3))
}

fn is_hevc(t: &Track) -> bool {
    matches!(t.codec(), Some(FourCC::HVC1 | FourCC::HEV1))
}

/// Starts the next phase, unless the caller asked to stop: each phase is
/// seconds of work, and nothing is under its final name until the end.
fn step(progress: &dyn Progress, name: &str) -> Result<()> {
    progress.check()?;
    progress.phase(name, 0);
    Ok(())
}

/// Runs the whole job on one video file.
pub fn make_live(input: &Path, opts: &LiveOptions, progress: &dyn Progress) -> Result<LiveReport> {
    run(input, opts, progress).map_err(|e| e.in_file(input))
}

/// An input the analysis threads can share.
pub(crate) type Input = dyn ReadAt + Sync;

/// Runs the job on a video already in memory or open elsewhere (stdin);
/// `name` names it in messages and output files.
pub fn make_live_from(name: &Path, src: &Input, opts: &LiveOptions, progress: &dyn Progress) -> Result<LiveReport> {
    outfile::all_or_nothing(|| run_on(name, src, false, opts, progress)).map_err(|e| e.in_file(name))
}

fn run(input: &Path, opts: &LiveOptions, progress: &dyn Progress) -> Result<LiveReport> {
    let src = FileSource::open(input)?;
    // Every output of the run appears together or not at all.
    outfile::all_or_nothing(|| run_on(input, &src, true, opts, progress))
}

fn run_on(
    input: &Path,
    src: &Input,
    from_file: bool,
    opts: &LiveOptions,
    progress: &dyn Progress,
) -> Result<LiveReport> {
    // Refuse before any work (and before writing anything) when an output
    // exists, so a run never leaves half its outputs behind.
    let stem = stem_of(input);
    for p in planned_outputs(&opts.out_dir, &stem, opts) {
        vivify_media::outfile::refuse_input(&p, &[input])?;
        vivify_media::outfile::check_free(&p, opts.force)?;
    }
    let files = make_files(input, src, from_file, opts, KeyFrame::Decode, progress)?;
    write_files(files, opts)
}

fn stem_of(input: &Path) -> String {
    input.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "live".into())
}

/// Every path `run` may write for `stem`.
fn planned_outputs(dir: &Path, stem: &str, opts: &LiveOptions) -> Vec<PathBuf> {
    let mut v = Vec::new();
    if opts.live {
        v.push(dir.join(format!("{stem}.JPG")));
        v.push(dir.join(format!("{stem}.MOV")));
    }
    if opts.pvt {
        v.push(dir.join(format!("{stem}.pvt")));
    }
    if opts.motion {
        v.push(dir.join(format!("{stem}.MP.jpg")));
    }
    v
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Writes a `.pvt` package: still, movie and the metadata.plist that marks it.
pub fn write_pvt(dir: &Path, stem: &str, still: &[u8], mov: &[u8], force: bool) -> Result<PathBuf> {
    let plist = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\">\n<dict>\n\t<key>PFVideoComplementMetadataVersionKey</key>\n\t<string>1</string>\n</dict>\n</plist>\n";
    // The package appears whole or not at all: filled under a temporary
    // name, then renamed.
    outfile::write_dir(dir, force, |tmp| {
        std::fs::write(tmp.join(format!("{stem}.JPG")), still)?;
        std::fs::write(tmp.join(format!("{stem}.MOV")), mov)?;
        std::fs::write(tmp.join("metadata.plist"), plist.as_bytes())?;
        Ok(())
    })?;
    Ok(dir.to_path_buf())
}

/// The movie's video track, when we can decode it, and its length.
fn video_of(movie: &Movie) -> Result<(&Track, f64)> {
    let video = movie.video().ok_or_else(|| Error::Unsupported("the file has no video track".into()))?;
    if !is_h264(video) && !is_hevc(video) {
        return Err(Error::Unsupported(format!(
            "video codec '{}' (H.264 and HEVC are supported)",
            video.codec().map(|c| c.to_string()).unwrap_or_default()
        )));
    }
    let (w, h) = vivify_media::inspect::entry_size(video);
    vivify_media::limits::check(
        "picture size in pixels",
        u64::from(w) * u64::from(h),
        vivify_media::limits::MAX_PIXELS,
    )?;
    let duration = video_duration(movie, video);
    if duration <= 0.0 {
        return Err(Error::invalid("video", "the video track has no frames"));
    }
    Ok((video, duration))
}

fn video_duration(movie: &Movie, v: &Track) -> f64 {
    let times: Vec<f64> = v
        .samples
        .iter()
        .filter_map(|s| {
            v.movie_seconds(s.pts(), movie.mvhd.timescale).map(|t| t + f64::from(s.duration) / f64::from(v.timescale()))
        })
        .collect();
    times.into_iter().fold(0.0, f64::max)
}

fn facts_of(movie: &Movie, v: &Track) -> StillFacts {
    let get = |k: &str| movie.meta.as_ref().and_then(|m| m.get(k)).map(DataAtom::display);
    let creation_date = get(KEY_CREATION_DATE).or_else(|| {
        let secs = movie.mvhd.creation_time.checked_sub(QT_EPOCH_OFFSET)?;
        (secs > 0).then(|| unix_to_iso(secs))
    });
    StillFacts {
        rotation: v.rotation(),
        creation_date,
        location: get(KEY_LOCATION).or_else(|| movie.udta_location.clone()),
        make: get("com.apple.quicktime.make"),
        model: get("com.apple.quicktime.model"),
    }
}

/// Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
fn unix_to_iso(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil-from-days (Howard Hinnant's algorithm, re-derived here).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

fn pick_moment(frames: &[FrameStats], duration: f64, opts: &LiveOptions) -> Result<Moment> {
    match (opts.start, opts.end) {
        (None, None) => {
            let mut m = moment::choose(frames, duration);
            if let Some(s) = opts.still {
                m.still = s;
                m.reasons.push(format!("key frame at {s:.3} s as asked"));
            }
            Ok(m)
        }
        (s, e) => {
            let start = s.unwrap_or(0.0);
            let end = e.unwrap_or((start + moment::MAX_WINDOW).min(duration));
            if !(start >= 0.0 && end > start && start < duration) {
                return Err(Error::Param(format!("bad range {start:.3}–{end:.3} s for a {duration:.3} s video")));
            }
            let end = end.min(duration);
            let mut reasons = vec![format!("window {start:.3}–{end:.3} s as asked")];
            let still = match opts.still {
                Some(t) => t,
                None => moment::choose_still(frames, &moment::motion(frames), start, end, &mut reasons),
            };
            if !(start..=end).contains(&still) {
                return Err(Error::Param(format!("--still {still:.3} s is outside the window {start:.3}–{end:.3} s")));
            }
            Ok(Moment { start, end, still, reasons })
        }
    }
}

fn preroll_seconds(movie: &Movie, v: &Track, start: f64) -> f64 {
    let ts = movie.mvhd.timescale;
    let first = v
        .samples
        .iter()
        .enumerate()
        .filter_map(|(i, s)| v.movie_seconds(s.pts(), ts).map(|t| (i, t)))
        .find(|&(_, t)| t + 1e-4 >= start);
    let Some((i, t)) = first else { return 0.0 };
    let sync = (0..=i).rev().find(|&j| v.samples[j].sync).unwrap_or(0);
    let sync_t = v.movie_seconds(v.samples[sync].pts(), ts).unwrap_or(0.0);
    (t - sync_t).max(0.0)
}

pub(crate) fn read_samples<'a>(
    src: &'a dyn ReadAt,
    v: &'a Track,
    range: std::ops::Range<usize>,
) -> impl Iterator<Item = Result<Vec<u8>>> + 'a {
    v.samples[range].iter().map(move |s| Ok(src.read_vec(s.offset, u64::from(s.size))?))
}
