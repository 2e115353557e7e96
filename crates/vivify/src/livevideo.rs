//! `vivify live`: a video in, a Live Photo and/or Motion Photo out. The
//! moment is copied sample for sample when an edit list can express the cut,
//! and re-encoded to H.264 otherwise.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::bmff::boxes::DataAtom;
use crate::bmff::movie::{Movie, Track};
use crate::bmff::mux::{write_movie, Brand, OutMovie, OutSample, OutTrack, QT_EPOCH_OFFSET};
use crate::bmff::FourCC;
use crate::codec::h264::{avc1_sample_entry, decode_run, AvcConfig, H264Encoder};
use crate::codec::Frame;
use crate::cut::{blank_out_track, copy_audio, copy_window};
use crate::error::{Error, Result};
use crate::moment::{self, FrameStats, Moment};
use crate::outfile;
use crate::package::live::{self, STILL_SAMPLE};
use crate::package::{motion, new_content_id};
use crate::source::{FileSource, ReadAt};
use crate::still::{encode_still, still_exif, StillFacts};

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

fn is_h264(t: &Track) -> bool {
    matches!(t.codec(), Some(FourCC::AVC1 | FourCC::AVC3))
}

fn is_hevc(t: &Track) -> bool {
    matches!(t.codec(), Some(FourCC::HVC1 | FourCC::HEV1))
}

/// Runs the whole job on one video file.
pub fn make_live(input: &Path, opts: &LiveOptions, progress: &dyn Fn(&str)) -> Result<LiveReport> {
    run(input, opts, progress).map_err(|e| e.in_file(input))
}

fn run(input: &Path, opts: &LiveOptions, progress: &dyn Fn(&str)) -> Result<LiveReport> {
    let src = FileSource::open(input)?;
    let movie = Movie::parse(&src)?;
    let video = movie
        .video()
        .ok_or_else(|| Error::Unsupported("the file has no video track".into()))?;
    if !is_h264(video) && !is_hevc(video) {
        return Err(Error::Unsupported(format!(
            "video codec '{}' (H.264 and HEVC are supported)",
            video.codec().map(|c| c.to_string()).unwrap_or_default()
        )));
    }
    let (w, h) = crate::inspect::entry_size(video);
    crate::limits::check(
        "picture size in pixels",
        u64::from(w) * u64::from(h),
        crate::limits::MAX_PIXELS,
    )?;
    let duration = video_duration(&movie, video);
    if duration <= 0.0 {
        return Err(Error::invalid("video", "the video track has no frames"));
    }
    let mut warnings = Vec::new();
    // 1. The moment.
    progress("analysing motion");
    let mut coarse_note = None;
    let (frames, analysed_until) = if is_h264(video) {
        let (range, until, note) = analysis_range(&movie, video, duration, opts);
        coarse_note = note;
        (analyse_h264(&src, &movie, video, range)?, until)
    } else {
        (analyse_by_size(&movie, video), duration)
    };
    let mut moment = pick_moment(&frames, analysed_until, opts)?;
    if let Some(n) = coarse_note {
        moment.reasons.insert(0, n);
    }
    if !is_h264(video) {
        moment.reasons.insert(
            0,
            "HEVC: motion estimated from compressed frame sizes (no built-in HEVC decoder)".into(),
        );
    }
    // 2. Cut.
    progress("cutting");
    let mut arena: Vec<u8> = Vec::new();
    let start = moment.start;
    let end = moment.end;
    let preroll = preroll_seconds(&movie, video, start);
    let copy = !opts.reencode && (preroll <= MAX_COPY_PREROLL_S || is_hevc(video));
    if is_hevc(video) && opts.reencode {
        return Err(Error::Unsupported("re-encoding HEVC needs an HEVC decoder, which this build does not have; drop --reencode to copy the HEVC samples".into()));
    }
    let (mut vtrack, clip_start, clip_end) = if copy {
        let c = copy_window(video, &movie, 0, start, end, live::MOV_TIMESCALE, true).ok_or_else(
            || {
                Error::Param(format!(
                    "no video frames between {start:.3} s and {end:.3} s"
                ))
            },
        )?;
        (c.track, c.start, c.end)
    } else {
        reencode(&src, &movie, video, start, end, &mut arena)?
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
            audio_desc = format!(
                "{} copied",
                a.codec().map(|c| c.to_string()).unwrap_or_default()
            );
        }
    }
    // 4. The still frame.
    progress("decoding the key frame");
    let still_t = moment
        .still
        .clamp(clip_start, (clip_end - 1e-3).max(clip_start));
    let frame = if is_h264(video) {
        decode_frame_at(&src, &movie, video, still_t)?
    } else {
        decode_hevc_frame(input, still_t)?
    };
    let facts = facts_of(&movie, video);
    let cid = new_content_id();
    let still_jpg = encode_still(&frame, true, &still_exif(&facts, &cid))?;
    let still_in_clip = still_t - clip_start;
    let still_ticks = (still_in_clip * f64::from(live::MOV_TIMESCALE)).round() as u64;
    let creation = movie.mvhd.creation_time;
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "live".into());
    let mut outputs = Vec::new();
    std::fs::create_dir_all(&opts.out_dir)?;
    // 5. Live Photo.
    let arena_off = arena.len() as u64;
    arena.extend_from_slice(&STILL_SAMPLE);
    let arena_src: &dyn ReadAt = &arena;
    let sources: [&dyn ReadAt; 2] = [&src, arena_src];
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
    if opts.live || opts.pvt {
        progress("writing the Live Photo");
        let mut tracks = vec![v_for_out.clone()];
        tracks.extend(a_for_out.clone());
        let mov = live::live_movie(
            tracks,
            still_ticks,
            &cid,
            movie.meta.as_ref(),
            1,
            arena_off,
            creation,
        );
        let mov_bytes = movie_bytes(&mov, &sources)?;
        if opts.live {
            let jpg_path = opts.out_dir.join(format!("{stem}.JPG"));
            let mov_path = opts.out_dir.join(format!("{stem}.MOV"));
            outfile::check_free(&jpg_path, opts.force)?;
            outfile::check_free(&mov_path, opts.force)?;
            outfile::write_bytes(&jpg_path, opts.force, &still_jpg)?;
            outfile::write_bytes(&mov_path, opts.force, &mov_bytes)?;
            outputs.push(jpg_path.display().to_string());
            outputs.push(mov_path.display().to_string());
        }
        if opts.pvt {
            let dir = opts.out_dir.join(format!("{stem}.pvt"));
            outputs.push(
                write_pvt(&dir, &stem, &still_jpg, &mov_bytes, opts.force)?
                    .display()
                    .to_string(),
            );
        }
    }
    // 6. Motion Photo: MP4 with H.264/HEVC and AAC only.
    if opts.motion {
        progress("writing the Motion Photo");
        let mut tracks = vec![v_for_out];
        if let Some(a) = a_for_out {
            if a.entries.first().map(|e| e.kind) == Some(FourCC::MP4A) {
                tracks.push(a);
            } else {
                warnings.push(format!("Motion Photo: {audio_desc} audio is not AAC, which the format requires; the Motion Photo has no sound (the Live Photo keeps it)"));
            }
        }
        let mp4 = OutMovie {
            brand: Brand::Mp4,
            moov_first: true,
            timescale: live::MOV_TIMESCALE,
            creation_time: creation,
            tracks,
            meta: None,
        };
        let mp4_bytes = movie_bytes(&mp4, &sources)?;
        let ts_us = (still_in_clip * 1e6).round() as i64;
        let (file, _) = motion::build_jpeg(&still_jpg, &mp4_bytes, ts_us, opts.samsung)?;
        let path = opts.out_dir.join(format!("{stem}.MP.jpg"));
        outfile::write_bytes(&path, opts.force, &file)?;
        outputs.push(path.display().to_string());
    }
    Ok(LiveReport {
        input: input.display().to_string(),
        content_id: cid,
        start_s: round3(clip_start),
        end_s: round3(clip_end),
        still_s: round3(still_t),
        still_in_clip_s: round3(still_in_clip),
        video_copied: copy,
        audio: audio_desc,
        outputs,
        reasons: moment.reasons,
        warnings,
    })
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
    if dir.exists() && !force {
        return Err(Error::Exists(dir.to_path_buf()));
    }
    std::fs::create_dir_all(dir)?;
    outfile::write_bytes(&dir.join(format!("{stem}.JPG")), true, still)?;
    outfile::write_bytes(&dir.join(format!("{stem}.MOV")), true, mov)?;
    let plist = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\">\n<dict>\n\t<key>PFVideoComplementMetadataVersionKey</key>\n\t<string>1</string>\n</dict>\n</plist>\n";
    outfile::write_bytes(&dir.join("metadata.plist"), true, plist.as_bytes())?;
    Ok(dir.to_path_buf())
}

fn video_duration(movie: &Movie, v: &Track) -> f64 {
    let times: Vec<f64> = v
        .samples
        .iter()
        .filter_map(|s| {
            v.movie_seconds(s.pts(), movie.mvhd.timescale)
                .map(|t| t + f64::from(s.duration) / f64::from(v.timescale()))
        })
        .collect();
    times.into_iter().fold(0.0, f64::max)
}

fn facts_of(movie: &Movie, v: &Track) -> StillFacts {
    let get = |k: &str| {
        movie
            .meta
            .as_ref()
            .and_then(|m| m.get(k))
            .map(DataAtom::display)
    };
    let creation_date = get("com.apple.quicktime.creationdate").or_else(|| {
        let secs = movie.mvhd.creation_time.checked_sub(QT_EPOCH_OFFSET)?;
        (secs > 0).then(|| unix_to_iso(secs))
    });
    StillFacts {
        rotation: v.rotation(),
        creation_date,
        location: get("com.apple.quicktime.location.ISO6709"),
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
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
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
                return Err(Error::Param(format!(
                    "bad range {start:.3}–{end:.3} s for a {duration:.3} s video"
                )));
            }
            let end = end.min(duration);
            let mut reasons = vec![format!("window {start:.3}–{end:.3} s as asked")];
            let still = match opts.still {
                Some(t) => t,
                None => {
                    moment::choose_still(frames, &moment::motion(frames), start, end, &mut reasons)
                }
            };
            if !(start..=end).contains(&still) {
                return Err(Error::Param(format!(
                    "--still {still:.3} s is outside the window {start:.3}–{end:.3} s"
                )));
            }
            Ok(Moment {
                start,
                end,
                still,
                reasons,
            })
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

fn read_samples<'a>(
    src: &'a dyn ReadAt,
    v: &'a Track,
    range: std::ops::Range<usize>,
) -> impl Iterator<Item = Result<Vec<u8>>> + 'a {
    v.samples[range]
        .iter()
        .map(move |s| Ok(src.read_vec(s.offset, u64::from(s.size))?))
}

/// Decodes every frame (two GOP ranges in parallel) and keeps statistics only.
/// Clips up to this long are decoded whole for the motion analysis.
const FULL_ANALYSIS_S: f64 = 5.0;

/// Which samples to decode for the analysis, and the movie time up to which
/// windows may reach. Long clips are ranked first by compressed frame sizes
/// (free), then only the best region is decoded and scored precisely.
fn analysis_range(
    movie: &Movie,
    v: &Track,
    duration: f64,
    opts: &LiveOptions,
) -> (std::ops::Range<usize>, f64, Option<String>) {
    let ts = movie.mvhd.timescale;
    let region = match (opts.start, opts.end) {
        (None, None) if duration > FULL_ANALYSIS_S => {
            let coarse = moment::choose(&analyse_by_size(movie, v), duration);
            let (a, b) = (
                (coarse.start - 0.5).max(0.0),
                (coarse.end + 0.5).min(duration),
            );
            Some((a, b, format!("clip longer than {FULL_ANALYSIS_S} s: windows ranked by compressed frame sizes, then {a:.2}–{b:.2} s decoded and scored")))
        }
        (None, None) => None,
        (s, e) => {
            let a = s.unwrap_or(0.0);
            Some((
                a,
                e.unwrap_or(a + moment::MAX_WINDOW).min(duration),
                String::new(),
            ))
        }
    };
    let Some((a, b, note)) = region else {
        return (0..v.samples.len(), duration, None);
    };
    let times: Vec<Option<f64>> = v
        .samples
        .iter()
        .map(|s| v.movie_seconds(s.pts(), ts))
        .collect();
    let first = times
        .iter()
        .position(|t| t.is_some_and(|t| t + 1e-4 >= a))
        .unwrap_or(0);
    let lo = (0..=first).rev().find(|&j| v.samples[j].sync).unwrap_or(0);
    let last = times
        .iter()
        .rposition(|t| t.is_some_and(|t| t < b))
        .unwrap_or(v.samples.len().saturating_sub(1));
    let hi = (last + 16).min(v.samples.len());
    (lo..hi, b, (!note.is_empty()).then_some(note))
}

fn analyse_h264(
    src: &FileSource,
    movie: &Movie,
    v: &Track,
    range: std::ops::Range<usize>,
) -> Result<Vec<FrameStats>> {
    let entry = v
        .stsd
        .entries
        .first()
        .ok_or_else(|| Error::invalid("stsd", "no sample description"))?;
    let cfg = AvcConfig::from_sample_entry(entry.payload())?;
    let syncs: Vec<usize> = range.clone().filter(|&i| v.samples[i].sync).collect();
    let split = syncs
        .get(syncs.len() / 2)
        .copied()
        .filter(|&s| s > range.start)
        .unwrap_or(range.end);
    let ranges = [range.start..split, split..range.end];
    let ts = movie.mvhd.timescale;
    let results: Vec<Result<Vec<FrameStats>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = ranges
            .iter()
            .filter(|r| !r.is_empty())
            .map(|r| {
                let r = r.clone();
                let cfg = &cfg;
                scope.spawn(move || -> Result<Vec<FrameStats>> {
                    let mut order: Vec<usize> = r.clone().collect();
                    order.sort_by_key(|&i| v.samples[i].pts());
                    let mut out = Vec::new();
                    let mut k = 0usize;
                    decode_run(cfg, &mut read_samples(src, v, r), &mut |f: Frame| {
                        if let Some(&i) = order.get(k) {
                            if let Some(t) = v.movie_seconds(v.samples[i].pts(), ts) {
                                out.push(FrameStats {
                                    time: t,
                                    grid: f.luma_grid(16),
                                    sharpness: f.sharpness(),
                                    sync: v.samples[i].sync,
                                });
                            }
                        }
                        k += 1;
                        true
                    })?;
                    Ok(out)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::Codec("decoder thread panicked".into())))
            })
            .collect()
    });
    let mut frames = Vec::new();
    for r in results {
        frames.extend(r?);
    }
    frames.sort_by(|a, b| a.time.total_cmp(&b.time));
    Ok(frames)
}

/// Without a decoder, sample sizes stand in for motion (bigger predicted
/// frames mean more change); sharpness is unknown.
fn analyse_by_size(movie: &Movie, v: &Track) -> Vec<FrameStats> {
    let ts = movie.mvhd.timescale;
    let mean =
        v.samples.iter().map(|s| f64::from(s.size)).sum::<f64>() / v.samples.len().max(1) as f64;
    let mut frames: Vec<FrameStats> = v
        .samples
        .iter()
        .filter_map(|s| {
            let t = v.movie_seconds(s.pts(), ts)?;
            let level = if s.sync {
                0.0
            } else {
                (f64::from(s.size) / mean.max(1.0) * 8.0) as f32
            };
            Some(FrameStats {
                time: t,
                grid: vec![level, 0.0, 0.0, 0.0],
                sharpness: 1.0,
                sync: s.sync,
            })
        })
        .collect();
    frames.sort_by(|a, b| a.time.total_cmp(&b.time));
    frames
}

/// Decodes the frame shown at movie time `t`.
fn decode_frame_at(src: &FileSource, movie: &Movie, v: &Track, t: f64) -> Result<Frame> {
    let entry = v
        .stsd
        .entries
        .first()
        .ok_or_else(|| Error::invalid("stsd", "no sample description"))?;
    let cfg = AvcConfig::from_sample_entry(entry.payload())?;
    let ts = movie.mvhd.timescale;
    let order = v.presentation_order();
    let target = order
        .iter()
        .copied()
        .rev()
        .find(|&i| {
            v.movie_seconds(v.samples[i].pts(), ts)
                .is_some_and(|m| m <= t + 1e-4)
        })
        .or_else(|| order.first().copied())
        .ok_or_else(|| Error::invalid("video", "no frames"))?;
    let sync = (0..=target).rev().find(|&j| v.samples[j].sync).unwrap_or(0);
    // Decode far enough past the target for B-frame reordering to release it.
    let end = (target + 16).min(v.samples.len());
    let mut in_order: Vec<usize> = (sync..end).collect();
    in_order.sort_by_key(|&i| v.samples[i].pts());
    let want = in_order.iter().position(|&i| i == target).unwrap_or(0);
    let mut found = None;
    let mut k = 0usize;
    decode_run(&cfg, &mut read_samples(src, v, sync..end), &mut |f| {
        if k == want {
            found = Some(f);
            return false;
        }
        k += 1;
        true
    })?;
    found.ok_or_else(|| Error::Codec(format!("the decoder did not return the frame at {t:.3} s")))
}

/// HEVC stills come from an `ffmpeg` on PATH when one is there.
fn decode_hevc_frame(input: &Path, t: f64) -> Result<Frame> {
    let out = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-ss", &format!("{t:.4}"), "-i"])
        .arg(input)
        .args(["-frames:v", "1", "-noautorotate", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"])
        .output()
        .map_err(|_| Error::Unsupported("decoding an HEVC key frame needs ffmpeg on PATH (not found); the built-in decoder handles H.264 only".into()))?;
    if !out.status.success() || out.stdout.is_empty() {
        return Err(Error::Codec(format!(
            "ffmpeg could not decode the HEVC frame: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let probe = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height",
            "-of",
            "csv=p=0",
        ])
        .arg(input)
        .output()?;
    let dims = String::from_utf8_lossy(&probe.stdout);
    let mut it = dims
        .trim()
        .split(',')
        .filter_map(|x| x.trim().parse::<usize>().ok());
    let (w, h) = (it.next().unwrap_or(0), it.next().unwrap_or(0));
    let mut f = Frame::new(w, h)?;
    let (ys, cs) = (w * h, f.u.len());
    if out.stdout.len() < ys + 2 * cs {
        return Err(Error::Codec("ffmpeg returned a short frame".into()));
    }
    f.y.copy_from_slice(&out.stdout[..ys]);
    f.u.copy_from_slice(&out.stdout[ys..ys + cs]);
    f.v.copy_from_slice(&out.stdout[ys + cs..ys + 2 * cs]);
    Ok(f)
}

/// Decodes from the key frame before `start` and encodes `[start, end)` to
/// H.264. Samples go into `arena` (source 1).
fn reencode(
    src: &FileSource,
    movie: &Movie,
    v: &Track,
    start: f64,
    end: f64,
    arena: &mut Vec<u8>,
) -> Result<(OutTrack, f64, f64)> {
    let entry = v
        .stsd
        .entries
        .first()
        .ok_or_else(|| Error::invalid("stsd", "no sample description"))?;
    let cfg = AvcConfig::from_sample_entry(entry.payload())?;
    let ts = movie.mvhd.timescale;
    let shown: Vec<(usize, f64)> = {
        let mut s: Vec<(usize, f64)> = (0..v.samples.len())
            .filter_map(|i| v.movie_seconds(v.samples[i].pts(), ts).map(|t| (i, t)))
            .filter(|&(_, t)| t + 1e-4 >= start && t + 1e-4 < end)
            .collect();
        s.sort_by(|a, b| a.1.total_cmp(&b.1));
        s
    };
    let (first_i, last_i) = match (
        shown.iter().map(|x| x.0).min(),
        shown.iter().map(|x| x.0).max(),
    ) {
        (Some(a), Some(b)) => (a, b),
        _ => {
            return Err(Error::Param(format!(
                "no video frames between {start:.3} s and {end:.3} s"
            )))
        }
    };
    let _ = (first_i, last_i);
    let (w, h) = crate::inspect::entry_size(v);
    let (ew, eh) = ((w as usize) & !1, (h as usize) & !1);
    let fps = shown.len() as f64 / (end - start).max(1e-3);
    let idx: Vec<usize> = shown.iter().map(|x| x.0).collect();
    // Two independent encoders, each starting with a key frame, use both
    // cores; the halves join cleanly when their parameter sets match.
    let (samples, config) = if idx.len() >= 40 {
        let (a, b) = idx.split_at(idx.len() / 2);
        let (ra, rb) = std::thread::scope(|sc| {
            let ha = sc.spawn(|| encode_span(&cfg, src, v, a, ew, eh, fps));
            let hb = sc.spawn(|| encode_span(&cfg, src, v, b, ew, eh, fps));
            (join(ha), join(hb))
        });
        let ((mut sa, ca), (sb, cb)) = (ra?, rb?);
        if ca.sps == cb.sps && ca.pps == cb.pps {
            sa.extend(sb);
            (sa, ca)
        } else {
            encode_span(&cfg, src, v, &idx, ew, eh, fps)?
        }
    } else {
        encode_span(&cfg, src, v, &idx, ew, eh, fps)?
    };
    let mut t = blank_out_track(v);
    t.entries = vec![avc1_sample_entry(ew as u16, eh as u16, &config)];
    // tkhd holds the size before the rotation matrix is applied.
    t.width = ew as u32;
    t.height = eh as u32;
    let vts = f64::from(v.timescale());
    for (n, (data, sync, i)) in samples.iter().enumerate() {
        let this = v.movie_seconds(v.samples[*i].pts(), ts).unwrap_or(start);
        let next = samples
            .get(n + 1)
            .and_then(|x| v.movie_seconds(v.samples[x.2].pts(), ts))
            .unwrap_or(this + f64::from(v.samples[*i].duration) / vts);
        let duration = ((next - this) * vts).round().max(1.0) as u32;
        t.samples.push(OutSample {
            src: usize::MAX,
            offset: arena.len() as u64,
            size: data.len() as u32,
            duration,
            cts_offset: 0,
            sync: *sync,
        });
        arena.extend_from_slice(data);
    }
    if t.samples.is_empty() {
        return Err(Error::Codec("no frames were decoded in the window".into()));
    }
    let first_t = shown[0].1;
    let last_t = first_t + t.samples.iter().map(|s| f64::from(s.duration)).sum::<f64>() / vts;
    Ok((t, first_t, last_t))
}

fn join<T>(h: std::thread::ScopedJoinHandle<'_, Result<T>>) -> Result<T> {
    h.join()
        .unwrap_or_else(|_| Err(Error::Codec("encoder thread panicked".into())))
}

/// Decodes from the key frame before `wanted[0]` and encodes the frames
/// `wanted` (sample indices in presentation order) with a fresh encoder.
#[allow(clippy::type_complexity)]
fn encode_span(
    cfg: &AvcConfig,
    src: &FileSource,
    v: &Track,
    wanted: &[usize],
    ew: usize,
    eh: usize,
    fps: f64,
) -> Result<(Vec<(Vec<u8>, bool, usize)>, AvcConfig)> {
    let first = wanted.iter().copied().min().unwrap_or(0);
    let last = wanted.iter().copied().max().unwrap_or(0);
    let sync = (0..=first).rev().find(|&j| v.samples[j].sync).unwrap_or(0);
    let stop = (last + 16).min(v.samples.len());
    let mut order: Vec<usize> = (sync..stop).collect();
    order.sort_by_key(|&i| v.samples[i].pts());
    let want: std::collections::HashSet<usize> = wanted.iter().copied().collect();
    let mut enc = H264Encoder::new(ew, eh, fps as f32)?;
    let mut out: Vec<(Vec<u8>, bool, usize)> = Vec::new();
    let mut k = 0usize;
    let mut err = None;
    decode_run(cfg, &mut read_samples(src, v, sync..stop), &mut |f| {
        let i = order.get(k).copied();
        k += 1;
        if let Some(i) = i.filter(|i| want.contains(i)) {
            let f = if f.width != ew || f.height != eh {
                crop(&f, ew, eh)
            } else {
                f
            };
            match enc.encode(&f) {
                Ok(s) => out.push((s.data, s.sync, i)),
                Err(e) => {
                    err = Some(e);
                    return false;
                }
            }
        }
        out.len() < want.len()
    })?;
    if let Some(e) = err {
        return Err(e);
    }
    let config = enc
        .config()
        .cloned()
        .ok_or_else(|| Error::Codec("the H.264 encoder produced no parameter sets".into()))?;
    Ok((out, config))
}

fn crop(f: &Frame, w: usize, h: usize) -> Frame {
    let mut out = Frame {
        width: w,
        height: h,
        y: vec![0; w * h],
        u: vec![0; w.div_ceil(2) * h.div_ceil(2)],
        v: vec![0; w.div_ceil(2) * h.div_ceil(2)],
    };
    for r in 0..h {
        out.y[r * w..r * w + w].copy_from_slice(&f.y[r * f.width..r * f.width + w]);
    }
    let (cw, sw) = (w.div_ceil(2), f.chroma_width());
    for r in 0..h.div_ceil(2) {
        out.u[r * cw..r * cw + cw].copy_from_slice(&f.u[r * sw..r * sw + cw]);
        out.v[r * cw..r * cw + cw].copy_from_slice(&f.v[r * sw..r * sw + cw]);
    }
    out
}
