//! The bundled example: a short clip rendered here (a sunset sky with a
//! drifting sun and rippling water), encoded with our H.264 encoder and muxed
//! by our writer, so the demo needs no downloaded media.

use vivify_codec::h264::H264Encoder;
use vivify_codec::Frame;
use vivify_media::bmff::movie::TrackKind;
use vivify_media::bmff::mux::{write_movie, Brand, OutMovie, OutSample, OutTrack};
use vivify_media::error::{Error, Result};

/// Renders frame `n` of the example scene in I420 (video range).
pub fn render_frame(n: usize, width: usize, height: usize, fps: f64) -> Result<Frame> {
    let mut f = Frame::new(width, height)?;
    let t = n as f64 / fps;
    let horizon = height as f64 * 0.55;
    let sun_x = width as f64 * (0.3 + 0.05 * t);
    let sun_y = horizon * 0.6 - 4.0 * t;
    let sun_r = height as f64 * 0.08;
    for y in 0..height {
        for x in 0..width {
            let (fx, fy) = (x as f64, y as f64);
            let luma = if fy < horizon {
                let d = ((fx - sun_x).powi(2) + (fy - sun_y).powi(2)).sqrt();
                let glow = (1.0 - (d / (sun_r * 4.0)).min(1.0)).powi(2);
                let cloud = 0.5 + 0.5 * ((fx * 0.02 + t * 0.8).sin() * (fy * 0.05).cos());
                60.0 + 80.0 * (fy / horizon) + 70.0 * glow + 12.0 * cloud + if d < sun_r { 60.0 } else { 0.0 }
            } else {
                let depth = (fy - horizon) / (height as f64 - horizon);
                let wave = (fx * 0.08 / (0.3 + depth) + t * 6.0).sin() * (fy * 0.3 - t * 3.0).cos();
                50.0 + 40.0 * (1.0 - depth) + 18.0 * wave
            };
            f.y[y * width + x] = luma.clamp(16.0, 235.0) as u8;
        }
    }
    let cw = f.chroma_width();
    for y in 0..height.div_ceil(2) {
        for x in 0..cw {
            let sky = ((y * 2) as f64) < horizon;
            let warm = (1.0 - (y * 2) as f64 / horizon).clamp(0.0, 1.0);
            f.u[y * cw + x] = if sky { (118.0 - 20.0 * warm) as u8 } else { 140 };
            f.v[y * cw + x] = if sky { (140.0 + 40.0 * warm) as u8 } else { 118 };
        }
    }
    Ok(f)
}

/// Writes the example clip as an MP4 (H.264, no audio).
pub fn example_clip(width: usize, height: usize, fps: u32, seconds: f64) -> Result<Vec<u8>> {
    if fps == 0 {
        return Err(Error::Param("fps must be positive".into()));
    }
    let n = (seconds * f64::from(fps)).round() as usize;
    let mut enc =
        H264Encoder::new(width, height, fps as f32, vivify_codec::color::ColorInfo { full_range: false, bt709: true })?;
    let mut arena = Vec::new();
    let mut samples = Vec::new();
    for i in 0..n {
        let s = enc.encode(&render_frame(i, width, height, f64::from(fps))?)?;
        samples.push(OutSample {
            src: 0,
            offset: arena.len() as u64,
            size: s.data.len() as u32,
            duration: 1,
            cts_offset: 0,
            sync: s.sync || i == 0,
        });
        arena.extend_from_slice(&s.data);
    }
    let cfg = enc.config().cloned().ok_or_else(|| Error::codec("no parameter sets"))?;
    let mut t = OutTrack::new(TrackKind::Video, fps, vec![cfg.sample_entry(width as u16, height as u16)]);
    t.width = width as u32;
    t.height = height as u32;
    t.samples = samples;
    let movie = OutMovie {
        brand: Brand::Mp4,
        moov_first: true,
        timescale: 1000,
        creation_time: 0,
        tracks: vec![t],
        meta: None,
        xmp: None,
    };
    let mut out = Vec::new();
    write_movie(&movie, &[&arena], &mut out)?;
    Ok(out)
}
