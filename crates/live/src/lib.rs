//! `vivify live`: a video in, a Live Photo and/or Motion Photo out. The
//! moment is copied sample for sample when an edit list can express the cut,
//! and re-encoded to H.264 otherwise.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

use serde::Serialize;

use vivify_media::bmff::boxes::DataAtom;
use vivify_media::bmff::movie::{Movie, Track};
use vivify_media::bmff::mux::{prepare, write_movie, Brand, OutMovie, OutTrack, QT_EPOCH_OFFSET};
use vivify_media::bmff::FourCC;
use vivify_media::cut::{copy_audio, copy_window};
use vivify_media::error::{Error, Result};
use vivify_media::progress::Progress;
pub mod moment;

use moment::{FrameStats, Moment};

mod analyse;
mod cutplan;
mod keyframe;
mod preview;
mod reencode;

pub use cutplan::{cut_plan, CutPlan};
pub use preview::{preview, Preview, Thumb, MAX_THUMBS};

use analyse::{analyse_decoded, analysis_range};
use keyframe::decode_frame_at;
use reencode::reencode;
use vivify_media::outfile;
use vivify_media::package::live::{self, STILL_SAMPLE};
use vivify_media::package::{motion, new_content_id};
use vivify_media::source::{FileSource, ReadAt};
use vivify_picture::still::{adopt_still, encode_still, still_exif, StillFacts};

use vivify_media::claim::{self, Claim, Ingredient, Relationship, SourceType};

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

/// Where the still of a Live Photo comes from.
#[derive(Clone, Copy, Debug)]
pub enum KeyFrame<'a> {
    /// Decoded here from the video (H.264 through OpenH264, HEVC in Rust).
    Decode,
    /// A JPEG of the key frame made elsewhere, upright as it is shown: a
    /// browser that decodes H.264 itself. Its own metadata is replaced.
    Jpeg(&'a [u8]),
}

/// The files of one run, in memory: what [`make_live`] writes, or what a
/// page hands out as downloads.
pub struct LiveFiles {
    /// The input's name without its extension; outputs are named after it.
    pub stem: String,
    /// The Live Photo: its still (`STEM.JPG`) and movie (`STEM.MOV`); also
    /// what a `.pvt` package holds.
    pub live: Option<(Vec<u8>, Vec<u8>)>,
    /// The Motion Photo (`STEM.MP.jpg`).
    pub motion: Option<Vec<u8>>,
    /// What was made and why (`outputs` empty until written).
    pub report: LiveReport,
}

/// Runs the job on a video open anywhere (a browser's file, say) and keeps
/// the results in memory. `opts.out_dir` and `opts.force` are not used;
/// with `opts.start`, `opts.end` and `opts.still` all given, no frame is
/// decoded for the analysis.
pub fn make_live_files(
    name: &Path,
    src: &Input,
    opts: &LiveOptions,
    key: KeyFrame<'_>,
    progress: &dyn Progress,
) -> Result<LiveFiles> {
    make_files(name, src, false, opts, key, progress).map_err(|e| e.in_file(name))
}

fn stem_of(input: &Path) -> String {
    input.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "live".into())
}

fn make_files(
    input: &Path,
    src: &Input,
    from_file: bool,
    opts: &LiveOptions,
    key: KeyFrame<'_>,
    progress: &dyn Progress,
) -> Result<LiveFiles> {
    let stem = stem_of(input);
    let movie = Movie::parse(src)?;
    let (video, duration) = video_of(&movie)?;
    let mut warnings = Vec::new();
    // 1. The moment; nothing to analyse when the caller fixed all of it.
    step(progress, "analysing motion")?;
    let fixed = opts.start.is_some() && opts.end.is_some() && opts.still.is_some();
    let (frames, analysed_until, coarse_note) = if fixed {
        (Vec::new(), duration, None)
    } else {
        let (range, until, note) = analysis_range(src, &movie, video, duration, opts)?;
        (analyse_decoded(src, &movie, video, range)?, until, note)
    };
    let mut moment = pick_moment(&frames, analysed_until, opts)?;
    if let Some(n) = coarse_note {
        moment.reasons.insert(0, n);
    }
    // 2. Cut.
    step(progress, "cutting")?;
    let mut arena: Vec<u8> = Vec::new();
    let start = moment.start;
    let end = moment.end;
    let preroll = preroll_seconds(&movie, video, start);
    let copy = !opts.reencode && preroll <= MAX_COPY_PREROLL_S;
    let facts = facts_of(&movie, video);
    let color = vivify_codec::color::color_info(video, facts.make.as_deref() == Some("Apple"));
    let (mut vtrack, clip_start, clip_end) = if copy {
        let c = copy_window(video, &movie, 0, start, end, live::MOV_TIMESCALE, true)
            .ok_or_else(|| Error::Param(format!("no video frames between {start:.3} s and {end:.3} s")))?;
        (c.track, c.start, c.end)
    } else {
        reencode(src, &movie, video, start, end, color, &mut arena)?
    };
    vtrack.meta = None;
    // 3. Audio, never dropped silently.
    let mut audio_desc = "none".to_string();
    let mut atrack = None;
    if let Some(a) = movie.audio() {
        if opts.mute {
            audio_desc = "left out (--mute)".into();
        } else {
            atrack = copy_audio(a, &movie, 0, clip_start, clip_end, live::MOV_TIMESCALE);
            audio_desc = format!("{} copied", a.codec().map(|c| c.to_string()).unwrap_or_default());
        }
    }
    // 4. The still frame.
    step(progress, "decoding the key frame")?;
    let still_t = moment.still.clamp(clip_start, (clip_end - 1e-3).max(clip_start));
    let cid = new_content_id();
    // What the outputs are: camera footage stays a capture; footage of
    // unknown origin gets no source-type claim (never an AI label).
    let kind = facts.make.is_some().then_some(SourceType::DigitalCapture);
    let plain_still = match key {
        KeyFrame::Decode => {
            let frame = decode_frame_at(src, &movie, video, still_t)?;
            encode_still(&frame, color, &still_exif(&facts, &cid))?
        }
        // Already upright: the Exif must not turn it again.
        KeyFrame::Jpeg(jpeg) => adopt_still(jpeg, &still_exif(&StillFacts { rotation: 0, ..facts.clone() }, &cid))?,
    };
    let still_jpg = vivify_media::jpeg::edit::with_xmp(&plain_still, &claim::xmp_packet(None, kind))?;
    let still_in_clip = still_t - clip_start;
    let source = if opts.signing.is_signing() {
        let bytes = (!from_file).then(|| src.read_vec(0, src.len())).transpose()?.map(std::sync::Arc::new);
        Some(Ingredient::new(input, bytes, Relationship::ParentOf)?)
    } else {
        None
    };
    let trimmed = ("c2pa.edited", format!("trimmed to the moment {:.3}–{:.3} s", clip_start, clip_end));
    let video_step = if copy {
        ("c2pa.repackaged", "video copied without re-encoding".to_string())
    } else {
        ("c2pa.transcoded", "video re-encoded to H.264".to_string())
    };
    let claim = |steps: &[(&'static str, String)]| source.clone().map(|s| Claim::derived(s, kind, steps));
    let sign = |bytes: Vec<u8>, mime: &str, title: &str, steps: &[(&'static str, String)]| -> Result<Vec<u8>> {
        match claim(steps) {
            Some(c) => opts.signing.sign_bytes(bytes, mime, title, &c),
            None => Ok(bytes),
        }
    };
    let still_ticks = (still_in_clip * f64::from(live::MOV_TIMESCALE)).round() as u64;
    let creation = movie.mvhd.creation_time;
    // 5. Live Photo.
    let arena_off = arena.len() as u64;
    arena.extend_from_slice(&STILL_SAMPLE);
    let arena_src: &dyn ReadAt = &arena;
    let sources: [&dyn ReadAt; 2] = [src, arena_src];
    let remap = |t: &OutTrack, copied_src: usize| -> OutTrack {
        let mut t = t.clone();
        for s in &mut t.samples {
            if s.src == usize::MAX {
                s.src = 1;
            } else {
                s.src = copied_src;
            }
        }
        t
    };
    let v_for_out = remap(&vtrack, 0);
    let a_for_out = atrack.as_ref().map(|a| remap(a, 0));
    let mut live_pair = None;
    if opts.live || opts.pvt {
        step(progress, "writing the Live Photo")?;
        let mut tracks = vec![v_for_out.clone()];
        tracks.extend(a_for_out.clone());
        // Carry the capture facts into the MOV too, in the keys Apple reads.
        let mut meta = movie.meta.clone().unwrap_or_default();
        if let (None, Some(loc)) = (meta.get(KEY_LOCATION), &facts.location) {
            meta.set(KEY_LOCATION, DataAtom::utf8(loc));
        }
        if let (None, Some(date)) = (meta.get(KEY_CREATION_DATE), &facts.creation_date) {
            meta.set(KEY_CREATION_DATE, DataAtom::utf8(date));
        }
        let mut mov = live::live_movie(tracks, still_ticks, &cid, Some(&meta), 1, arena_off, creation);
        mov.xmp = Some(claim::xmp_packet(None, kind));
        let as_live = ("c2pa.repackaged", "made the video half of an Apple Live Photo".to_string());
        let mov_bytes = movie_bytes(&mov, &sources)?;
        let mov_bytes = sign(
            mov_bytes,
            "video/quicktime",
            &format!("{stem}.MOV"),
            &[trimmed.clone(), video_step.clone(), as_live],
        )?;
        let key = ("c2pa.edited", format!("the key frame at {still_t:.3} s, as the still of an Apple Live Photo"));
        let live_still = sign(still_jpg.clone(), "image/jpeg", &format!("{stem}.JPG"), &[key])?;
        live_pair = Some((live_still, mov_bytes));
    }
    // 6. Motion Photo: MP4 with H.264/HEVC and AAC only.
    let mut motion_photo = None;
    if opts.motion {
        step(progress, "writing the Motion Photo")?;
        let mut tracks = vec![v_for_out];
        // Motion Photos carry only AAC: PCM is re-encoded into its own arena
        // (source 2); anything else is left out with a warning.
        let mut aac_arena = Vec::new();
        if let Some(a) = a_for_out {
            let kind = a.entries.first().map(|e| e.kind);
            if kind == Some(FourCC::MP4A) {
                tracks.push(a);
            } else if kind.is_some_and(vivify_media::audio::is_pcm) {
                match vivify_media::audio::pcm_track_to_aac(&a, live::MOV_TIMESCALE, &sources, &mut aac_arena, 2) {
                    Ok(t) => tracks.push(t),
                    Err(e) => warnings.push(format!("Motion Photo: the {audio_desc} audio could not be re-encoded to AAC ({e}); it has no sound (the Live Photo keeps it)")),
                }
            } else {
                warnings.push(format!("Motion Photo: {audio_desc} audio is not AAC, which the format requires; the Motion Photo has no sound (the Live Photo keeps it)"));
            }
        }
        let aac_src: &dyn ReadAt = &aac_arena;
        let sources: [&dyn ReadAt; 3] = [sources[0], sources[1], aac_src];
        let mp4 = OutMovie {
            brand: Brand::Mp4,
            moov_first: true,
            timescale: live::MOV_TIMESCALE,
            creation_time: creation,
            tracks,
            meta: None,
            xmp: None,
        };
        let prepared = prepare(&mp4, &sources)?;
        let ts_us = (still_in_clip * 1e6).round() as i64;
        let layout = motion::jpeg_layout(&still_jpg, prepared.len(), ts_us, opts.samsung)?;
        let as_motion =
            ("c2pa.repackaged", format!("made a Motion Photo: the key frame at {still_t:.3} s with the clip appended"));
        let mut bytes = Vec::new();
        layout.write(&still_jpg.as_slice(), &mut bytes, |w| prepared.write_to(&sources, w))?;
        motion_photo = Some(sign(
            bytes,
            "image/jpeg",
            &format!("{stem}.MP.jpg"),
            &[trimmed.clone(), video_step.clone(), as_motion],
        )?);
    }
    let report = LiveReport {
        input: input.display().to_string(),
        content_id: cid,
        start_s: round3(clip_start),
        end_s: round3(clip_end),
        still_s: round3(still_t),
        still_in_clip_s: round3(still_in_clip),
        video_copied: copy,
        audio: audio_desc,
        outputs: Vec::new(),
        reasons: moment.reasons,
        warnings,
    };
    Ok(LiveFiles { stem, live: live_pair, motion: motion_photo, report })
}

/// Writes what a run made into `opts.out_dir` (names checked free before
/// the run; the caller makes them appear together or not at all).
fn write_files(files: LiveFiles, opts: &LiveOptions) -> Result<LiveReport> {
    let LiveFiles { stem, live, motion, mut report } = files;
    std::fs::create_dir_all(&opts.out_dir)?;
    if let Some((still, mov)) = &live {
        if opts.live {
            let jpg_path = opts.out_dir.join(format!("{stem}.JPG"));
            let mov_path = opts.out_dir.join(format!("{stem}.MOV"));
            outfile::check_free(&jpg_path, opts.force)?;
            outfile::check_free(&mov_path, opts.force)?;
            outfile::write_bytes(&jpg_path, opts.force, still)?;
            outfile::write_bytes(&mov_path, opts.force, mov)?;
            report.outputs.push(jpg_path.display().to_string());
            report.outputs.push(mov_path.display().to_string());
        }
        if opts.pvt {
            let dir = opts.out_dir.join(format!("{stem}.pvt"));
            report.outputs.push(write_pvt(&dir, &stem, still, mov, opts.force)?.display().to_string());
        }
    }
    if let Some(bytes) = &motion {
        let path = opts.out_dir.join(format!("{stem}.MP.jpg"));
        outfile::write_bytes(&path, opts.force, bytes)?;
        report.outputs.push(path.display().to_string());
    }
    Ok(report)
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

fn movie_bytes(m: &OutMovie, sources: &[&dyn ReadAt]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    write_movie(m, sources, &mut out)?;
    Ok(out)
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
