//! Motion analysis for choosing the moment: decoded frame statistics for
//! H.264, compressed frame sizes where no decoder is available.

use super::Input;
use super::{read_samples, LiveOptions};
use crate::bmff::movie::{Movie, Track};
use crate::codec::Frame;
use crate::codec::VideoDecoder;
use crate::error::{Error, Result};
use crate::moment::{self, FrameStats};

/// Clips up to this long are decoded whole for the motion analysis.
const FULL_ANALYSIS_S: f64 = 5.0;

/// How far the decoded region reaches around the coarse window, so the
/// fine scoring can still move it a little.
const FINE_MARGIN_S: f64 = 0.3;

/// Which samples to decode for the analysis, and the movie time up to which
/// windows may reach. Long clips are ranked first by compressed frame sizes
/// (free), then only the best region is decoded and scored precisely.
pub(super) fn analysis_range(
    movie: &Movie,
    v: &Track,
    duration: f64,
    opts: &LiveOptions,
) -> (std::ops::Range<usize>, f64, Option<String>) {
    let ts = movie.mvhd.timescale;
    let region = match (opts.start, opts.end) {
        (None, None) if duration > FULL_ANALYSIS_S => {
            let coarse = moment::choose(&analyse_by_size(movie, v), duration);
            let (a, b) = ((coarse.start - FINE_MARGIN_S).max(0.0), (coarse.end + FINE_MARGIN_S).min(duration));
            Some((a, b, format!("clip longer than {FULL_ANALYSIS_S} s: windows ranked by compressed frame sizes, then {a:.2}–{b:.2} s decoded and scored")))
        }
        (None, None) => None,
        (s, e) => {
            let a = s.unwrap_or(0.0);
            Some((a, e.unwrap_or(a + moment::MAX_WINDOW).min(duration), String::new()))
        }
    };
    let Some((a, b, note)) = region else {
        return (0..v.samples.len(), duration, None);
    };
    let times: Vec<Option<f64>> = v.samples.iter().map(|s| v.movie_seconds(s.pts(), ts)).collect();
    let first = times.iter().position(|t| t.is_some_and(|t| t + 1e-4 >= a)).unwrap_or(0);
    let lo = (0..=first).rev().find(|&j| v.samples[j].sync).unwrap_or(0);
    let last = times.iter().rposition(|t| t.is_some_and(|t| t < b)).unwrap_or(v.samples.len().saturating_sub(1));
    let hi = (last + 16).min(v.samples.len());
    (lo..hi, b, (!note.is_empty()).then_some(note))
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
                    cfg.decode_run(&mut read_samples(src, v, r), &mut |f: Frame| {
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
            .map(|h| h.join().unwrap_or_else(|_| Err(Error::Codec("decoder thread panicked".into()))))
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
    let mean = v.samples.iter().map(|s| f64::from(s.size)).sum::<f64>() / v.samples.len().max(1) as f64;
    let mut frames: Vec<FrameStats> = v
        .samples
        .iter()
        .filter_map(|s| {
            let t = v.movie_seconds(s.pts(), ts)?;
            let level = if s.sync { 0.0 } else { (f64::from(s.size) / mean.max(1.0) * 8.0) as f32 };
            Some(FrameStats { time: t, grid: vec![level, 0.0, 0.0, 0.0], sharpness: 1.0, sync: s.sync })
        })
        .collect();
    frames.sort_by(|a, b| a.time.total_cmp(&b.time));
    frames
}
