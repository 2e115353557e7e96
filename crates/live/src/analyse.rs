//! Motion analysis for choosing the moment, from decoded frame statistics.

use super::Input;
use super::{read_samples, LiveOptions};
use crate::moment::{self, FrameStats};
use vivify_codec::Frame;
use vivify_codec::{DecoderSession, VideoDecoder};
use vivify_media::bmff::movie::{Movie, Track};
use vivify_media::error::Result;
use vivify_picture::parallel::in_parallel;

/// Clips up to this long are decoded whole for the motion analysis.
const FULL_ANALYSIS_S: f64 = 5.0;

/// How far the decoded region reaches past the coarse window, so the fine
/// scoring can still move it a little.
const FINE_MARGIN_S: f64 = 0.5;

/// Frames decoded after each key frame in the coarse pass.
const PROBE_FRAMES: usize = 2;

/// Which samples to decode for the analysis, and the movie time up to which
/// windows may reach. Long clips get a coarse pass first: the first few
/// frames after every key frame are decoded (each GOP on its own, so this is
/// cheap) and their motion ranks the windows; then only the best region is
/// decoded whole and scored precisely.
pub(super) fn analysis_range(
    src: &Input,
    movie: &Movie,
    v: &Track,
    duration: f64,
    opts: &LiveOptions,
) -> Result<(std::ops::Range<usize>, f64, Option<String>)> {
    let ts = movie.mvhd.timescale;
    let region = match (opts.start, opts.end) {
        (None, None) if duration > FULL_ANALYSIS_S => coarse_window(src, movie, v, duration)?.map(|(s, e)| {
            // Coarse windows start on key frames, so decoding from there costs no
            // pre-roll; the fine pass may still move the window later.
            let (a, b) = (s, (e + FINE_MARGIN_S).min(duration));
            (a, b, format!("clip longer than {FULL_ANALYSIS_S} s: the start of every GOP was sampled to rank windows, then {a:.2}–{b:.2} s decoded and scored"))
        }),
        (None, None) => None,
        (s, e) => {
            let a = s.unwrap_or(0.0);
            Some((a, e.unwrap_or(a + moment::MAX_WINDOW).min(duration), String::new()))
        }
    };
    let Some((a, b, note)) = region else {
        return Ok((0..v.samples.len(), duration, None));
    };
    let times: Vec<Option<f64>> = v.samples.iter().map(|s| v.movie_seconds(s.pts(), ts)).collect();
    let first = times.iter().position(|t| t.is_some_and(|t| t + 1e-4 >= a)).unwrap_or(0);
    let lo = (0..=first).rev().find(|&j| v.samples[j].sync).unwrap_or(0);
    let last = times.iter().rposition(|t| t.is_some_and(|t| t < b)).unwrap_or(v.samples.len().saturating_sub(1));
    let hi = (last + 1).min(v.samples.len());
    Ok((lo..hi, b, (!note.is_empty()).then_some(note)))
}

/// The coarse pass: motion at the start of each GOP, decoded in parallel.
/// `None` when the clip has too few key frames to sample (then it is
/// decoded whole).
fn coarse_window(src: &Input, movie: &Movie, v: &Track, duration: f64) -> Result<Option<(f64, f64)>> {
    let syncs: Vec<usize> = (0..v.samples.len()).filter(|&i| v.samples[i].sync).collect();
    if syncs.len() < 3 {
        return Ok(None);
    }
    let cfg = VideoDecoder::for_track(v)?;
    let ts = movie.mvhd.timescale;
    let frame_dur = duration / v.samples.len().max(1) as f64;
    let probes: Vec<(std::ops::Range<usize>, f64)> = syncs
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let next = syncs.get(k + 1).copied().unwrap_or(v.samples.len());
            let end = syncs.get(k + 1).and_then(|&n| v.movie_seconds(v.samples[n].pts(), ts)).unwrap_or(duration);
            (i..(i + PROBE_FRAMES).min(next), end)
        })
        .collect();
    let half = probes.len() / 2;
    let parts = in_parallel(vec![&probes[..half], &probes[half..]], |part| {
        let mut session = cfg.session()?;
        let mut out = Vec::new();
        for (range, end) in part {
            let frames = decode_stats(&mut session, src, v, ts, range.clone())?;
            out.extend(moment::gop_motion(&frames, *end, frame_dur));
        }
        Ok(out)
    })?;
    let gops: Vec<moment::GopMotion> = parts.into_iter().flatten().collect();
    Ok(moment::choose_coarse(&gops, duration))
}

/// Decodes every frame of `range` (two GOP ranges in parallel) and keeps
/// statistics only.
pub(super) fn analyse_decoded(
    src: &Input,
    movie: &Movie,
    v: &Track,
    range: std::ops::Range<usize>,
) -> Result<Vec<FrameStats>> {
    let cfg = VideoDecoder::for_track(v)?;
    let syncs: Vec<usize> = range.clone().filter(|&i| v.samples[i].sync).collect();
    let split = syncs.get(syncs.len() / 2).copied().filter(|&s| s > range.start).unwrap_or(range.end);
    let ranges = [range.start..split, split..range.end];
    let ts = movie.mvhd.timescale;
    let jobs: Vec<_> = ranges.into_iter().filter(|r| !r.is_empty()).collect();
    let parts = in_parallel(jobs, |r| decode_stats(&mut cfg.session()?, src, v, ts, r))?;
    let mut frames: Vec<FrameStats> = parts.into_iter().flatten().collect();
    frames.sort_by(|a, b| a.time.total_cmp(&b.time));
    Ok(frames)
}

/// Decodes `range` (decode order, from a key frame) and returns the
/// statistics of each picture, in presentation order.
fn decode_stats(
    session: &mut DecoderSession,
    src: &Input,
    v: &Track,
    ts: u32,
    range: std::ops::Range<usize>,
) -> Result<Vec<FrameStats>> {
    let mut order: Vec<usize> = range.clone().collect();
    order.sort_by_key(|&i| v.samples[i].pts());
    let mut out = Vec::new();
    let mut k = 0usize;
    session.run(&mut read_samples(src, v, range), &mut |f: Frame| {
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
}
