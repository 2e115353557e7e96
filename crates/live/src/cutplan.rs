//! What a page needs to cut a video at its key frames without decoding a
//! frame: the key frames, the picture's facts, and a moment suggested from
//! the compressed stream alone (a browser build cannot afford `preview`'s
//! decoded analysis of every frame).

use serde::Serialize;
use vivify_media::bmff::movie::{Movie, Track};
use vivify_media::error::Result;

use super::moment::{MAX_WINDOW, MIN_WINDOW};
use super::{is_hevc, round3, video_of, Input};

/// Most key frames listed (a long screen recording may have thousands).
const MAX_KEY_FRAMES: usize = 4096;

/// A video seen from its sample tables.
#[derive(Clone, Debug, Serialize)]
pub struct CutPlan {
    pub duration_s: f64,
    /// Upright size of the picture.
    pub width: u32,
    pub height: u32,
    /// Clockwise degrees the player turns the picture.
    pub rotation: u16,
    /// "H.264" or "HEVC".
    pub codec: &'static str,
    /// The RFC 6381 codec string, for asking a browser whether it decodes it.
    pub codec_string: String,
    pub frames_per_second: f64,
    /// Movie times of the key frames: a copied clip starts on one.
    pub key_frames_s: Vec<f64>,
    /// The audio's codec, if the video has sound.
    pub audio: Option<String>,
    /// The suggested moment.
    pub start_s: f64,
    pub end_s: f64,
    pub still_s: f64,
    pub reasons: Vec<String>,
}

/// Reads `src`'s tables and suggests a moment: of the windows of up to
/// 3 s that start on a key frame, the one whose other frames carry the most
/// bytes each (changing pictures cost bits; a still scene compresses to
/// little), its key photo in the middle.
pub fn cut_plan(src: &Input) -> Result<CutPlan> {
    let movie = Movie::parse(src)?;
    let (video, duration) = video_of(&movie)?;
    let ts = movie.mvhd.timescale;
    let times: Vec<Option<f64>> = video.samples.iter().map(|s| video.movie_seconds(s.pts(), ts)).collect();
    let mut keys: Vec<f64> = video
        .samples
        .iter()
        .zip(&times)
        .filter(|(s, _)| s.sync)
        .filter_map(|(_, t)| *t)
        .filter(|t| *t >= 0.0)
        .collect();
    keys.sort_by(f64::total_cmp);
    keys.dedup();
    keys.truncate(MAX_KEY_FRAMES);
    let (w, h) = vivify_media::inspect::entry_size(video);
    let rotation = video.rotation();
    let (width, height) = if rotation % 180 == 90 { (h, w) } else { (w, h) };
    let frames_per_second = video.samples.len() as f64 / duration.max(1e-6);
    let (start, end, mut reasons) = busiest_window(video, &times, &keys, duration);
    let still = middle_frame(&times, start, end);
    reasons.push(format!("key photo in the middle of the clip, {still:.2} s"));
    Ok(CutPlan {
        duration_s: round3(duration),
        width,
        height,
        rotation,
        codec: if is_hevc(video) { "HEVC" } else { "H.264" },
        codec_string: codec_string(video),
        frames_per_second: round3(frames_per_second),
        key_frames_s: keys.iter().map(|&k| round3(k)).collect(),
        audio: movie.audio().and_then(Track::codec).map(|c| c.to_string()),
        start_s: round3(start),
        end_s: round3(end),
        still_s: round3(still),
        reasons,
    })
}

fn busiest_window(video: &Track, times: &[Option<f64>], keys: &[f64], duration: f64) -> (f64, f64, Vec<String>) {
    let first = keys.first().copied().unwrap_or(0.0);
    let fallback = (first, (first + MAX_WINDOW).min(duration));
    let mut best: Option<(f64, f64, f64)> = None;
    for &k in keys {
        let end = (k + MAX_WINDOW).min(duration);
        if end - k < MIN_WINDOW && best.is_some() {
            continue;
        }
        let sizes: Vec<u64> = video
            .samples
            .iter()
            .zip(times)
            .filter(|(s, t)| !s.sync && t.is_some_and(|t| t >= k && t < end))
            .map(|(s, _)| u64::from(s.size))
            .collect();
        if sizes.is_empty() {
            continue;
        }
        let per_frame = sizes.iter().sum::<u64>() as f64 / sizes.len() as f64;
        if best.is_none_or(|(_, _, b)| per_frame > b) {
            best = Some((k, end, per_frame));
        }
    }
    match best {
        Some((s, e, bytes)) if keys.len() > 1 => (
            s,
            e,
            vec![format!(
                "{s:.2}–{e:.2} s: of the clips that start on a key frame, its frames carry the most data ({:.0} kB each), a sign of motion (judged from the compressed frames, nothing decoded)",
                bytes / 1000.0
            )],
        ),
        _ => (fallback.0, fallback.1, vec![format!("{:.2}–{:.2} s: the first clip the key frames allow", fallback.0, fallback.1)]),
    }
}

/// The frame time nearest the middle of `start..end`.
fn middle_frame(times: &[Option<f64>], start: f64, end: f64) -> f64 {
    let mid = (start + end) / 2.0;
    times
        .iter()
        .flatten()
        .copied()
        .filter(|t| (start..end).contains(t))
        .min_by(|a, b| (a - mid).abs().total_cmp(&(b - mid).abs()))
        .unwrap_or(start)
}

/// `avc1.PPCCLL` or `hvc1.P.C.Tlll`-style strings from the sample entry.
fn codec_string(video: &Track) -> String {
    let Some(entry) = video.stsd.entries.first() else { return String::new() };
    let payload = entry.payload();
    if is_hevc(video) {
        match vivify_media::bmff::boxes::HevcConfig::from_sample_entry(payload) {
            Ok(c) => hevc_string(&entry.kind.to_string(), &c.header),
            Err(_) => entry.kind.to_string(),
        }
    } else {
        match vivify_media::bmff::boxes::AvcConfig::from_sample_entry(payload) {
            Ok(c) => format!("{}.{:02x}{:02x}{:02x}", entry.kind, c.profile, c.compatibility, c.level),
            Err(_) => entry.kind.to_string(),
        }
    }
}

/// ISO/IEC 14496-15 annex E: `hvc1.[A-C]?profile.compat.(L|H)level.constraints`,
/// the compatibility flags bit-reversed, trailing zero constraint bytes left out.
fn hevc_string(kind: &str, header: &[u8]) -> String {
    let Some(h) = header.get(..13) else { return kind.to_string() };
    let space = ["", "A", "B", "C"][usize::from(h[1] >> 6)];
    let tier = if h[1] & 0x20 != 0 { "H" } else { "L" };
    let compat = u32::from_be_bytes([h[2], h[3], h[4], h[5]]).reverse_bits();
    let mut constraints: Vec<String> = h[6..12].iter().map(|b| format!("{b:X}")).collect();
    while constraints.last().is_some_and(|c| c == "0") {
        constraints.pop();
    }
    let mut out = format!("{kind}.{space}{}.{compat:X}.{tier}{}", h[1] & 0x1f, h[12]);
    for c in constraints {
        out.push('.');
        out.push_str(&c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::hevc_string;

    #[test]
    fn hevc_codec_strings_follow_the_annex() {
        // Main profile, compatible with Main and Main 10, level 4.0 (120),
        // progressive-source constraint byte 0x90: as iPhones record.
        let mut h = vec![1, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 120];
        assert_eq!(hevc_string("hvc1", &h), "hvc1.1.6.L120.90");
        h[1] = 0x22; // high tier, Main 10
        h[6] = 0;
        assert_eq!(hevc_string("hev1", &h), "hev1.2.6.H120");
        assert_eq!(hevc_string("hvc1", &h[..5]), "hvc1");
    }
}
