//! Our built-in decoders against ffmpeg's on the same streams: the pure-Rust
//! HEVC decoder must match it bit for bit on iPhone video, OpenH264 must match
//! it to within invisible differences on B-frame H.264.

mod common;

use std::path::Path;

use vivify::bmff::movie::Movie;
use vivify::codec::{Frame, VideoDecoder};
use vivify::source::{FileSource, ReadAt};

/// The first `n` pictures (presentation order) decoded by us.
fn ours(path: &Path, n: usize) -> Vec<Frame> {
    let src = FileSource::open(path).expect("open");
    let movie = Movie::parse(&src).expect("parse");
    let v = movie.video().expect("video");
    let dec = VideoDecoder::for_track(v).expect("decoder");
    // Decode a whole GOP run so reordering settles, keep the first n.
    let end = v.samples.iter().skip(1).position(|s| s.sync).map_or(v.samples.len(), |p| p + 1);
    let mut samples = v.samples[..end].iter().map(|s| Ok(src.read_vec(s.offset, u64::from(s.size))?));
    let mut out = Vec::new();
    dec.decode_run(&mut samples, &mut |f| {
        out.push(f);
        out.len() < n
    })
    .expect("decode");
    out
}

/// The first `n` pictures decoded by ffmpeg, as raw planar 4:2:0 in `pix_fmt`.
fn theirs(path: &Path, n: usize, pix_fmt: &str) -> Option<Vec<u8>> {
    let ff = common::ffmpeg()?;
    let out = std::process::Command::new(ff)
        .args(["-v", "error", "-noautorotate", "-i"])
        .arg(path)
        .args(["-frames:v", &n.to_string(), "-f", "rawvideo", "-pix_fmt", pix_fmt, "-"])
        .output()
        .expect("ffmpeg");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Some(out.stdout)
}

fn psnr(a: &[u8], b: &[u8]) -> f64 {
    let mse = a.iter().zip(b).map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2)).sum::<f64>() / a.len() as f64;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0 * 255.0 / mse).log10()
    }
}

fn compare(path: &Path, n: usize, pix_fmt: &str) -> Option<f64> {
    let ours = ours(path, n);
    assert_eq!(ours.len(), n);
    let raw = theirs(path, n, pix_fmt)?;
    let mut worst = f64::INFINITY;
    let mut at = 0usize;
    for f in &ours {
        let size = f.y.len() + f.u.len() + f.v.len();
        let theirs = &raw[at..at + size];
        let mut mine = f.y.clone();
        mine.extend_from_slice(&f.u);
        mine.extend_from_slice(&f.v);
        worst = worst.min(psnr(&mine, theirs));
        at += size;
    }
    Some(worst)
}

#[test]
fn hevc_decoder_is_bit_exact_with_ffmpeg_on_iphone_video() {
    // iPhone HEVC is full range: ask ffmpeg for the untouched yuvj420p planes.
    let path = common::sample("apple_iphone15plus_ios18.2_IMG_3853.MOV");
    if let Some(worst) = compare(&path, 12, "yuvj420p") {
        assert!(worst.is_infinite(), "rust_h265 differs from ffmpeg: worst frame {worst:.1} dB");
    }
}

#[test]
fn h264_decoder_matches_ffmpeg_on_b_frames() {
    let path = common::fixtures().join("h264_aac.mp4");
    if let Some(worst) = compare(&path, 30, "yuv420p") {
        // OpenH264 with B-frames is near-exact, not bit-exact (our reference measured 85–105 dB).
        assert!(worst > 60.0, "OpenH264 vs ffmpeg: worst frame {worst:.1} dB");
    }
}
