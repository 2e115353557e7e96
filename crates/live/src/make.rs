//! One run made in memory: the moment, the cut (copied or re-encoded), the
//! key photo (decoded here or a browser's JPEG) and the Live and Motion
//! outputs as bytes, which `make_live` then writes and the browser build
//! hands out as downloads.

use std::path::Path;

use vivify_media::bmff::boxes::DataAtom;
use vivify_media::bmff::movie::Movie;
use vivify_media::bmff::mux::{prepare, write_movie, Brand, OutMovie, OutTrack};
use vivify_media::bmff::FourCC;
use vivify_media::claim::{self, Claim, Ingredient, Relationship, SourceType};
use vivify_media::cut::{copy_audio, copy_window};
use vivify_media::error::{Error, Result};
use vivify_media::outfile;
use vivify_media::package::live::{self, STILL_SAMPLE};
use vivify_media::package::{motion, new_content_id};
use vivify_media::progress::Progress;
use vivify_media::source::ReadAt;
use vivify_picture::still::{adopt_still, encode_still, still_exif, StillFacts};

use crate::analyse::{analyse_decoded, analysis_range};
use crate::keyframe::decode_frame_at;
use crate::reencode::reencode;
use crate::{
    facts_of, pick_moment, preroll_seconds, round3, stem_of, step, video_of, write_pvt, Input, LiveOptions, LiveReport,
    KEY_CREATION_DATE, KEY_LOCATION, MAX_COPY_PREROLL_S,
};

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

pub(crate) fn make_files(
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
pub(crate) fn write_files(files: LiveFiles, opts: &LiveOptions) -> Result<LiveReport> {
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

fn movie_bytes(m: &OutMovie, sources: &[&dyn ReadAt]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    write_movie(m, sources, &mut out)?;
    Ok(out)
}
