//! Cutting tracks to a time window by copying samples, and expressing the
//! exact start with an edit list instead of re-encoding.

use crate::bmff::boxes::EditEntry;
use crate::bmff::movie::{Movie, Track, TrackKind};
use crate::bmff::mux::{scale, OutSample, OutTrack};
use crate::bmff::FourCC;

/// A track copied into a new movie, and what was kept.
#[derive(Clone, Debug)]
pub struct CopiedTrack {
    pub track: OutTrack,
    /// Movie time (source seconds) of the first presented sample.
    pub start: f64,
    /// Movie time just after the last presented sample.
    pub end: f64,
}

/// The samples `range` of `track` as output samples read from source `src`.
fn out_samples(track: &Track, range: std::ops::RangeInclusive<usize>, src: usize) -> Vec<OutSample> {
    track.samples[range]
        .iter()
        .map(|s| OutSample {
            src,
            offset: s.offset,
            size: s.size,
            duration: s.duration,
            cts_offset: s.cts_offset,
            sync: s.sync,
        })
        .collect()
}

/// A copy of `track` with its tkhd geometry and sample descriptions.
pub fn blank_out_track(track: &Track) -> OutTrack {
    let mut t = OutTrack::new(track.kind(), track.timescale(), track.stsd.entries.clone());
    t.language = track.mdhd.language;
    t.matrix = track.tkhd.matrix;
    t.width = track.tkhd.width >> 16;
    t.height = track.tkhd.height >> 16;
    t.meta = track.meta.clone();
    t
}

/// Copies a whole track, keeping its edit list (rescaled to `out_ts`).
pub fn copy_whole(track: &Track, movie: &Movie, src: usize, out_ts: u32) -> OutTrack {
    let mut t = blank_out_track(track);
    t.samples =
        if track.samples.is_empty() { Vec::new() } else { out_samples(track, 0..=track.samples.len() - 1, src) };
    t.edits = track
        .edits
        .iter()
        .map(|e| EditEntry { segment_duration: scale(e.segment_duration, movie.mvhd.timescale, out_ts), ..*e })
        .collect();
    t
}

/// Copies the samples of `track` presented in `[t0, t1)` (source movie
/// seconds). With `from_sync`, copying starts at the sync sample before the
/// first presented one, and an edit list hides the pre-roll.
pub fn copy_window(
    track: &Track,
    movie: &Movie,
    src: usize,
    t0: f64,
    t1: f64,
    out_ts: u32,
    from_sync: bool,
) -> Option<CopiedTrack> {
    let ts = f64::from(track.timescale());
    let mts = movie.mvhd.timescale;
    let eps = 0.5 / ts;
    let times: Vec<Option<f64>> = track.samples.iter().map(|s| track.movie_seconds(s.pts(), mts)).collect();
    let shown: Vec<usize> =
        (0..track.samples.len()).filter(|&i| times[i].is_some_and(|m| m + eps >= t0 && m + eps < t1)).collect();
    let first_shown =
        *shown.iter().min_by(|&&a, &&b| times[a].partial_cmp(&times[b]).unwrap_or(std::cmp::Ordering::Equal))?;
    let mut first = *shown.iter().min()?;
    let last = *shown.iter().max()?;
    if from_sync {
        while first > 0 && !track.samples[first].sync {
            first -= 1;
        }
    } else if track.kind() == TrackKind::Audio && first > 0 && track.codec() == Some(FourCC::MP4A) {
        // One AAC frame of pre-roll so the decoder's overlap is primed.
        first -= 1;
    }
    let base = track.samples[first].dts;
    let mut t = blank_out_track(track);
    t.samples = out_samples(track, first..=last, src);
    let start = times[first_shown]?;
    let end = shown
        .iter()
        .filter_map(|&i| times[i].map(|m| m + f64::from(track.samples[i].duration) / ts))
        .fold(start, f64::max)
        .min(t1.max(start));
    let media_start = track.samples[first_shown].pts() - base as i64;
    let seg = ((end - start) * f64::from(out_ts)).round().max(1.0) as u64;
    t.edits = vec![EditEntry { segment_duration: seg, media_time: media_start.max(0), rate: 0x10000 }];
    Some(CopiedTrack { track: t, start, end })
}

/// Copies the audio that plays during `[start, end)`, aligned to whole audio
/// frames, with an edit list for the exact start.
pub fn copy_audio(track: &Track, movie: &Movie, src: usize, start: f64, end: f64, out_ts: u32) -> Option<OutTrack> {
    let ts = f64::from(track.timescale());
    let mts = movie.mvhd.timescale;
    let times: Vec<Option<f64>> = track.samples.iter().map(|s| track.movie_seconds(s.pts(), mts)).collect();
    let overlapping: Vec<usize> = (0..track.samples.len())
        .filter(|&i| times[i].is_some_and(|m| m + f64::from(track.samples[i].duration) / ts > start && m < end))
        .collect();
    let mut first = *overlapping.first()?;
    let last = *overlapping.last()?;
    let first_time = times[first]?;
    if track.codec() == Some(FourCC::MP4A) && first > 0 {
        first -= 1;
    }
    let base = track.samples[first].dts;
    let mut t = blank_out_track(track);
    t.samples = out_samples(track, first..=last, src);
    let into = ((start - first_time).max(0.0) * ts).round() as i64;
    let media_time = (track.samples[overlapping[0]].pts() - base as i64) + into;
    let seg = ((end - start) * f64::from(out_ts)).round().max(1.0) as u64;
    t.edits = vec![EditEntry { segment_duration: seg, media_time, rate: 0x10000 }];
    Some(t)
}
