//! Turning a [`Stage`] into files: frames rendered and encoded to H.264 on
//! both cores, the ambience encoded to AAC, and the MP4, Live Photo pair or
//! Motion Photo written atomically.

use std::sync::atomic::{AtomicU64, Ordering};

use super::label::Label;
use super::render::{Cover, Stage};
use super::Progress;
use vivify_codec::color::ColorInfo;
use vivify_codec::h264::H264Encoder;
use vivify_codec::Frame;
use vivify_media::bmff::boxes::AvcConfig;
use vivify_media::bmff::boxes::EditEntry;
use vivify_media::bmff::movie::TrackKind;
use vivify_media::bmff::mux::{scale, Brand, OutMovie, OutSample, OutTrack};
use vivify_media::error::{Error, Result};
use vivify_safety::output::FrameSampler;

/// The encoded video: samples in `arena` (one source for the writer).
pub struct EncodedVideo {
    pub track: OutTrack,
    pub arena: Vec<u8>,
}

/// Our renders are BT.709, video range: what H.264 players assume for HD.
pub const RENDER_COLOR: ColorInfo = ColorInfo { full_range: false, bt709: true };

/// Encoded frames (sample bytes, key frame) and the parameter sets they use.
type Span = (Vec<(Vec<u8>, bool)>, AvcConfig);

/// Renders and encodes frames `range` with one encoder (a fresh key frame first).
#[allow(clippy::too_many_arguments)]
fn encode_span(
    stage: &Stage,
    label: Option<&Label>,
    fps: u32,
    range: std::ops::Range<usize>,
    progress: &dyn Progress,
    done: &AtomicU64,
    total: u64,
    sampler: Option<&FrameSampler<'_>>,
) -> Result<Span> {
    let mut enc = H264Encoder::new(stage.width, stage.height, fps as f32, RENDER_COLOR)?;
    let mut frame = Frame::new(stage.width, stage.height)?;
    let mut cover = Cover { width: 0, near: Vec::new(), sky: Vec::new() };
    let mut out = Vec::with_capacity(range.len());
    for i in range {
        if progress.cancelled() {
            return Err(Error::Cancelled);
        }
        stage.render(i as f32 / fps as f32, &mut frame, &mut cover);
        if let Some(l) = label {
            l.apply(&mut frame);
        }
        if let Some(s) = sampler {
            s.look(i, &frame);
        }
        let s = enc.encode(&frame)?;
        out.push((s.data, s.sync));
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        progress.advance(n, total);
    }
    let cfg = enc.config().cloned().ok_or_else(|| Error::codec("the encoder wrote no parameter sets"))?;
    Ok((out, cfg))
}

/// Renders and encodes `frames` frames at `fps`, the visible label (when
/// given) burnt into each; `sampler` sees the frames the output check
/// samples, as they are encoded. With enough frames, two
/// encoders run at once on the two halves, each starting with a key frame;
/// the halves join when their parameter sets match (they do for equal
/// settings), else the clip is encoded again in one piece.
pub fn encode(
    stage: &Stage,
    label: Option<&Label>,
    fps: u32,
    frames: usize,
    progress: &dyn Progress,
    sampler: Option<&FrameSampler<'_>>,
) -> Result<EncodedVideo> {
    let done = AtomicU64::new(0);
    let total = frames as u64;
    let half = if frames >= 24 { frames / 2 } else { frames };
    let parts: Vec<std::ops::Range<usize>> = [0..half, half..frames].into_iter().filter(|r| !r.is_empty()).collect();
    let mut results = vivify_picture::parallel::in_parallel(parts, |r| {
        encode_span(stage, label, fps, r, progress, &done, total, sampler)
    })?;
    let (mut samples, config) = results.remove(0);
    for (more, cfg) in results {
        if cfg.sps != config.sps || cfg.pps != config.pps {
            done.store(0, Ordering::Relaxed);
            let (all, cfg) = encode_span(stage, label, fps, 0..frames, progress, &done, total, sampler)?;
            return Ok(assemble(stage, fps, all, cfg));
        }
        samples.extend(more);
    }
    Ok(assemble(stage, fps, samples, config))
}

fn assemble(stage: &Stage, fps: u32, samples: Vec<(Vec<u8>, bool)>, config: AvcConfig) -> EncodedVideo {
    let mut arena = Vec::new();
    let mut out = Vec::with_capacity(samples.len());
    for (i, (data, sync)) in samples.into_iter().enumerate() {
        out.push(OutSample {
            src: 0,
            offset: arena.len() as u64,
            size: data.len() as u32,
            duration: 1,
            cts_offset: 0,
            sync: sync || i == 0,
        });
        arena.extend_from_slice(&data);
    }
    let mut t =
        OutTrack::new(TrackKind::Video, fps, vec![config.sample_entry(stage.width as u16, stage.height as u16)]);
    t.width = stage.width as u32;
    t.height = stage.height as u32;
    t.samples = out;
    EncodedVideo { track: t, arena }
}

/// The ambience encoded once (AAC-LC), shared by every output.
pub struct EncodedAudio {
    /// The track without an edit list; samples in `arena` (source 1).
    track: OutTrack,
    pub arena: Vec<u8>,
    priming: i64,
    samples: u64,
    rate: u32,
}

impl EncodedAudio {
    /// Encodes planar PCM at `rate`.
    pub fn new(planes: &[Vec<f32>], rate: u32) -> Result<EncodedAudio> {
        let mut arena = Vec::new();
        let (track, priming) = vivify_media::audio::aac_track(planes, rate, &mut arena, 1)?;
        let samples = planes.first().map_or(0, |p| p.len() as u64);
        Ok(EncodedAudio { track, arena, priming, samples, rate })
    }

    /// The track for a movie of timescale `movie_ts`: the edit list skips the
    /// encoder priming and ends with the video (`seconds` long).
    pub fn track(&self, seconds: f64, movie_ts: u32) -> OutTrack {
        let mut t = self.track.clone();
        let dur = (seconds * f64::from(movie_ts)).round() as u64;
        let available = scale(self.samples, self.rate, movie_ts);
        t.edits = vec![EditEntry { segment_duration: dur.min(available), media_time: self.priming, rate: 0x10000 }];
        t
    }
}

/// A plain MP4 (moov first, so it plays while downloading).
pub fn mp4(tracks: Vec<OutTrack>, timescale: u32) -> OutMovie {
    OutMovie { brand: Brand::Mp4, moov_first: true, timescale, creation_time: 0, tracks, meta: None, xmp: None }
}
