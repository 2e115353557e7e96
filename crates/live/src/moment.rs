//! Choosing the moment: a 1.5–3 s window with clear but calm motion, and the
//! key frame inside it. Motion is scored from frame differences on a coarse
//! luma grid: local motion counts for a window, global change (camera shake,
//! exposure swings) counts against it, and scene cuts rule a window out.

use serde::Serialize;

/// Statistics of one decoded frame, in presentation order.
#[derive(Clone, Debug)]
pub struct FrameStats {
    /// Movie time in seconds.
    pub time: f64,
    pub grid: Vec<f32>,
    pub sharpness: f32,
    /// Starts on a sync sample (a window starting here can be copied exactly).
    pub sync: bool,
}

/// Per-frame motion measures derived from consecutive grids.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Motion {
    /// Change concentrated in part of the picture (the subject moving).
    pub local: f32,
    /// Change spread over the whole picture (shake, pans, exposure).
    pub global: f32,
    pub cut: bool,
}

/// The chosen moment.
#[derive(Clone, Debug, Serialize)]
pub struct Moment {
    pub start: f64,
    pub end: f64,
    pub still: f64,
    pub reasons: Vec<String>,
}

pub const MIN_WINDOW: f64 = 1.5;
pub const MAX_WINDOW: f64 = 3.0;

fn median(v: &mut [f32]) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Motion between each frame and the one before it.
pub fn motion(frames: &[FrameStats]) -> Vec<Motion> {
    let mut out = vec![Motion::default(); frames.len()];
    for i in 1..frames.len() {
        let (a, b) = (&frames[i - 1].grid, &frames[i].grid);
        if a.len() != b.len() || a.is_empty() {
            continue;
        }
        let mut d: Vec<f32> = a.iter().zip(b).map(|(x, y)| (x - y).abs()).collect();
        let mean = d.iter().sum::<f32>() / d.len() as f32;
        let med = median(&mut d);
        let p90 = d[(d.len() * 9) / 10];
        out[i] = Motion { local: (p90 - med).max(0.0), global: med, cut: mean > 40.0 };
    }
    out
}

/// A score that rises with local motion up to a calm level, then falls:
/// frantic motion makes a poor Live Photo.
fn calm(local: f32) -> f32 {
    const IDEAL: f32 = 6.0;
    if local <= IDEAL {
        local
    } else {
        (2.0 * IDEAL - local).max(-IDEAL)
    }
}

/// Picks the window and key frame. `duration` is the clip length in seconds.
pub fn choose(frames: &[FrameStats], duration: f64) -> Moment {
    let mut reasons = Vec::new();
    if frames.len() < 2 || duration <= MIN_WINDOW {
        reasons.push(format!("the clip is only {duration:.2} s long, so all of it is used"));
        let start = frames.first().map_or(0.0, |f| f.time.min(0.0));
        let still = choose_still(frames, &motion(frames), start, duration, &mut reasons);
        return Moment { start, end: duration, still, reasons };
    }
    let m = motion(frames);
    let mut best: Option<(f32, usize, f64)> = None;
    for (i, f) in frames.iter().enumerate() {
        for len in [1.5, 2.0, 2.5, 3.0] {
            let end = f.time + len;
            if end > duration + 1e-6 {
                continue;
            }
            let idx: Vec<usize> = (i + 1..frames.len()).take_while(|&j| frames[j].time < end).collect();
            if idx.is_empty() {
                continue;
            }
            if idx.iter().any(|&j| m[j].cut) {
                continue;
            }
            let n = idx.len() as f32;
            let local = idx.iter().map(|&j| calm(m[j].local)).sum::<f32>() / n;
            let global = idx.iter().map(|&j| m[j].global).sum::<f32>() / n;
            // Longer windows win only when they keep the motion up; starting
            // on a sync frame lets us copy instead of re-encoding.
            let score = local - 1.5 * global + 0.15 * len as f32 + if f.sync { 0.5 } else { 0.0 };
            if best.is_none_or(|b| score > b.0) {
                best = Some((score, i, len));
            }
        }
    }
    let (score, i, len) = best.unwrap_or((0.0, 0, duration.min(MAX_WINDOW)));
    let start = frames[i].time;
    let end = (start + len).min(duration);
    let cuts = m.iter().filter(|x| x.cut).count();
    reasons
        .push(format!("window {start:.3}–{end:.3} s scored {score:.2} (calm local motion minus 1.5 × global motion)"));
    if frames[i].sync {
        reasons.push("it starts on a key frame, so the video can be copied sample for sample".into());
    }
    if cuts > 0 {
        reasons.push(format!("{cuts} scene cut(s) found and avoided"));
    }
    let still = choose_still(frames, &m, start, end, &mut reasons);
    Moment { start, end, still, reasons }
}

/// The sharpest, least blurred frame near the middle of `[start, end)`.
pub fn choose_still(frames: &[FrameStats], m: &[Motion], start: f64, end: f64, reasons: &mut Vec<String>) -> f64 {
    let mid = (start + end) / 2.0;
    let half = ((end - start) / 4.0).max(0.2);
    let max_sharp = frames.iter().map(|f| f.sharpness).fold(1e-3f32, f32::max);
    let mut best: Option<(f32, usize)> = None;
    for (i, f) in frames.iter().enumerate() {
        if (f.time - mid).abs() > half || f.time < start || f.time >= end {
            continue;
        }
        // Motion around a frame means motion blur; distance from the middle
        // means a less representative picture.
        let blur = m.get(i).map_or(0.0, |x| x.local + x.global) + m.get(i + 1).map_or(0.0, |x| x.local + x.global);
        let score = f.sharpness / max_sharp - 0.02 * blur - 0.3 * ((f.time - mid).abs() / half) as f32;
        if best.is_none_or(|b| score > b.0) {
            best = Some((score, i));
        }
    }
    match best {
        Some((_, i)) => {
            reasons.push(format!(
                "key frame at {:.3} s: sharpness {:.1} (best near the middle {mid:.3} s)",
                frames[i].time, frames[i].sharpness
            ));
            frames[i].time
        }
        None => {
            reasons.push(format!("key frame at the middle, {mid:.3} s"));
            mid
        }
    }
}

/// Motion measured at the start of one GOP (a few frames after a key frame),
/// standing for the whole GOP in the coarse pass over long clips.
#[derive(Clone, Copy, Debug)]
pub struct GopMotion {
    pub start: f64,
    pub end: f64,
    pub local: f32,
    pub global: f32,
    pub cut: bool,
}

/// Summarises the probe frames of one GOP (in presentation order). Frame
/// differences are divided by how many frame intervals they span.
pub fn gop_motion(frames: &[FrameStats], end: f64, frame_dur: f64) -> Option<GopMotion> {
    let first = frames.first()?;
    let m = motion(frames);
    let (mut local, mut global, mut n, mut cut) = (0f32, 0f32, 0f32, false);
    for i in 1..frames.len() {
        let gap = ((frames[i].time - frames[i - 1].time) / frame_dur.max(1e-6)).round().max(1.0) as f32;
        local += m[i].local / gap;
        global += m[i].global / gap;
        cut |= m[i].cut && gap <= 1.0;
        n += 1.0;
    }
    (n > 0.0).then(|| GopMotion { start: first.time, end, local: local / n, global: global / n, cut })
}

/// Picks a window from per-GOP motion, with the same scoring as [`choose`].
pub fn choose_coarse(gops: &[GopMotion], duration: f64) -> Option<(f64, f64)> {
    let mut best: Option<(f32, f64, f64)> = None;
    for g in gops {
        for len in [1.5, 2.0, 2.5, 3.0] {
            let end = g.start + len;
            if end > duration + 1e-6 {
                continue;
            }
            let inside: Vec<&GopMotion> = gops.iter().filter(|x| x.start < end && x.end > g.start).collect();
            if inside.is_empty() || inside.iter().any(|x| x.cut) {
                continue;
            }
            let n = inside.len() as f32;
            let local = inside.iter().map(|x| calm(x.local)).sum::<f32>() / n;
            let global = inside.iter().map(|x| x.global).sum::<f32>() / n;
            let score = local - 1.5 * global + 0.15 * len as f32;
            if best.is_none_or(|b| score > b.0) {
                best = Some((score, g.start, end));
            }
        }
    }
    best.map(|(_, s, e)| (s, e))
}
