//! Decoding the key frame for the still.

use super::read_samples;
use super::Input;
use vivify_codec::Frame;
use vivify_codec::VideoDecoder;
use vivify_media::bmff::movie::{Movie, Track};
use vivify_media::error::{Error, Result};

/// Decodes the frame shown at movie time `t`.
pub(super) fn decode_frame_at(src: &Input, movie: &Movie, v: &Track, t: f64) -> Result<Frame> {
    let cfg = VideoDecoder::for_track(v)?;
    let ts = movie.mvhd.timescale;
    let order = v.presentation_order();
    let target = order
        .iter()
        .copied()
        .rev()
        .find(|&i| v.movie_seconds(v.samples[i].pts(), ts).is_some_and(|m| m <= t + 1e-4))
        .or_else(|| order.first().copied())
        .ok_or_else(|| Error::invalid("video", "no frames"))?;
    let sync = (0..=target).rev().find(|&j| v.samples[j].sync).unwrap_or(0);
    // Everything up to the target in decode order; the final flush releases
    // the frames still held for reordering, the target among them.
    let end = (target + 1).min(v.samples.len());
    let mut in_order: Vec<usize> = (sync..end).collect();
    in_order.sort_by_key(|&i| v.samples[i].pts());
    let want = in_order.iter().position(|&i| i == target).unwrap_or(0);
    let mut found = None;
    let mut k = 0usize;
    cfg.decode_run(&mut read_samples(src, v, sync..end), &mut |f| {
        if k == want {
            found = Some(f);
            return false;
        }
        k += 1;
        true
    })?;
    found.ok_or_else(|| Error::codec(format!("the decoder did not return the frame at {t:.3} s")))
}
