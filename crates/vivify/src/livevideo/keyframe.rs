//! Decoding the key frame for the still.

use std::path::Path;

use super::read_samples;
use crate::bmff::movie::{Movie, Track};
use crate::codec::h264::{decode_run, AvcConfig};
use crate::codec::Frame;
use crate::error::{Error, Result};
use crate::source::FileSource;

/// Decodes the frame shown at movie time `t`.
pub(super) fn decode_frame_at(src: &FileSource, movie: &Movie, v: &Track, t: f64) -> Result<Frame> {
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
pub(super) fn decode_hevc_frame(input: &Path, t: f64) -> Result<Frame> {
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
