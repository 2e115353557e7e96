//! Re-encoding a window to H.264 when copying cannot express the cut.

use super::read_samples;
use super::Input;
use vivify_codec::color::ColorInfo;
use vivify_codec::h264::H264Encoder;
use vivify_codec::Frame;
use vivify_codec::VideoDecoder;
use vivify_media::bmff::boxes::AvcConfig;
use vivify_media::bmff::movie::{Movie, Track};
use vivify_media::bmff::mux::{OutSample, OutTrack};
use vivify_media::cut::blank_out_track;
use vivify_media::error::{Error, Result};
use vivify_picture::parallel::in_parallel;

/// Decodes from the key frame before `start` and encodes `[start, end)` to
/// H.264. Samples go into `arena` (source 1).
pub(super) fn reencode(
    src: &Input,
    movie: &Movie,
    v: &Track,
    start: f64,
    end: f64,
    color: ColorInfo,
    arena: &mut Vec<u8>,
) -> Result<(OutTrack, f64, f64)> {
    let cfg = VideoDecoder::for_track(v)?;
    let ts = movie.mvhd.timescale;
    let shown: Vec<(usize, f64)> = {
        let mut s: Vec<(usize, f64)> = (0..v.samples.len())
            .filter_map(|i| v.movie_seconds(v.samples[i].pts(), ts).map(|t| (i, t)))
            .filter(|&(_, t)| t + 1e-4 >= start && t + 1e-4 < end)
            .collect();
        s.sort_by(|a, b| a.1.total_cmp(&b.1));
        s
    };
    let (first_i, last_i) = match (shown.iter().map(|x| x.0).min(), shown.iter().map(|x| x.0).max()) {
        (Some(a), Some(b)) => (a, b),
        _ => return Err(Error::Param(format!("no video frames between {start:.3} s and {end:.3} s"))),
    };
    let _ = (first_i, last_i);
    let (w, h) = vivify_media::inspect::entry_size(v);
    let (ew, eh) = ((w as usize) & !1, (h as usize) & !1);
    if !vivify_codec::h264::encodable(ew, eh) {
        // Checked before any frame is decoded: the copy path has no limit,
        // re-encoding has OpenH264's.
        return Err(Error::Unsupported(format!(
            "the moment must be re-encoded (it does not start near a key frame, or --reencode was given), \
             but {ew}x{eh} is above the H.264 encoder's {}x{} limit; choose a start at a key frame",
            vivify_codec::h264::MAX_ENCODE_LONG,
            vivify_codec::h264::MAX_ENCODE_SHORT
        )));
    }
    let fps = shown.len() as f64 / (end - start).max(1e-3);
    let idx: Vec<usize> = shown.iter().map(|x| x.0).collect();
    let spec = Spec { width: ew, height: eh, fps, color };
    // Two independent encoders, each starting with a key frame, use both
    // cores; the halves join cleanly when their parameter sets match.
    let (samples, config) = if idx.len() >= 40 {
        let (a, b) = idx.split_at(idx.len() / 2);
        let mut halves = in_parallel(vec![a, b], |part| encode_span(&cfg, src, v, part, spec))?.into_iter();
        let (Some((mut sa, ca)), Some((sb, cb))) = (halves.next(), halves.next()) else {
            return Err(Error::codec("an encoder thread returned nothing"));
        };
        if ca.sps == cb.sps && ca.pps == cb.pps {
            sa.extend(sb);
            (sa, ca)
        } else {
            encode_span(&cfg, src, v, &idx, spec)?
        }
    } else {
        encode_span(&cfg, src, v, &idx, spec)?
    };
    let mut t = blank_out_track(v);
    t.entries = vec![config.sample_entry(ew as u16, eh as u16)];
    // tkhd holds the size before the rotation matrix is applied.
    t.width = ew as u32;
    t.height = eh as u32;
    let vts = f64::from(v.timescale());
    for (n, (data, sync, i)) in samples.iter().enumerate() {
        let this = v.movie_seconds(v.samples[*i].pts(), ts).unwrap_or(start);
        let next = samples
            .get(n + 1)
            .and_then(|x| v.movie_seconds(v.samples[x.2].pts(), ts))
            .unwrap_or(this + f64::from(v.samples[*i].duration) / vts);
        let duration = ((next - this) * vts).round().max(1.0) as u32;
        t.samples.push(OutSample {
            src: usize::MAX,
            offset: arena.len() as u64,
            size: data.len() as u32,
            duration,
            cts_offset: 0,
            sync: *sync,
        });
        arena.extend_from_slice(data);
    }
    if t.samples.is_empty() {
        return Err(Error::codec("no frames were decoded in the window"));
    }
    let first_t = shown[0].1;
    let last_t = first_t + t.samples.iter().map(|s| f64::from(s.duration)).sum::<f64>() / vts;
    Ok((t, first_t, last_t))
}

/// What the encoders produce.
#[derive(Clone, Copy)]
struct Spec {
    width: usize,
    height: usize,
    fps: f64,
    color: ColorInfo,
}

/// Decodes from the key frame before `wanted[0]` and encodes the frames
/// `wanted` (sample indices in presentation order) with a fresh encoder.
#[allow(clippy::type_complexity)]
fn encode_span(
    cfg: &VideoDecoder,
    src: &Input,
    v: &Track,
    wanted: &[usize],
    spec: Spec,
) -> Result<(Vec<(Vec<u8>, bool, usize)>, AvcConfig)> {
    let first = wanted.iter().copied().min().unwrap_or(0);
    let last = wanted.iter().copied().max().unwrap_or(0);
    let sync = (0..=first).rev().find(|&j| v.samples[j].sync).unwrap_or(0);
    let stop = (last + 1).min(v.samples.len());
    let mut order: Vec<usize> = (sync..stop).collect();
    order.sort_by_key(|&i| v.samples[i].pts());
    let want: std::collections::HashSet<usize> = wanted.iter().copied().collect();
    let mut enc = H264Encoder::new(spec.width, spec.height, spec.fps as f32, spec.color)?;
    let mut out: Vec<(Vec<u8>, bool, usize)> = Vec::new();
    let mut k = 0usize;
    let mut err = None;
    cfg.decode_run(&mut read_samples(src, v, sync..stop), &mut |f| {
        let i = order.get(k).copied();
        k += 1;
        if let Some(i) = i.filter(|i| want.contains(i)) {
            let f =
                if f.width != spec.width || f.height != spec.height { crop(&f, spec.width, spec.height) } else { f };
            match enc.encode(&f) {
                Ok(s) => out.push((s.data, s.sync, i)),
                Err(e) => {
                    err = Some(e);
                    return false;
                }
            }
        }
        out.len() < want.len()
    })?;
    if let Some(e) = err {
        return Err(e);
    }
    let config = enc.config().cloned().ok_or_else(|| Error::codec("the H.264 encoder produced no parameter sets"))?;
    Ok((out, config))
}

fn crop(f: &Frame, w: usize, h: usize) -> Frame {
    let mut out = Frame {
        width: w,
        height: h,
        y: vec![0; w * h],
        u: vec![0; w.div_ceil(2) * h.div_ceil(2)],
        v: vec![0; w.div_ceil(2) * h.div_ceil(2)],
    };
    for r in 0..h {
        out.y[r * w..r * w + w].copy_from_slice(&f.y[r * f.width..r * f.width + w]);
    }
    let (cw, sw) = (w.div_ceil(2), f.chroma_width());
    for r in 0..h.div_ceil(2) {
        out.u[r * cw..r * cw + cw].copy_from_slice(&f.u[r * sw..r * sw + cw]);
        out.v[r * cw..r * cw + cw].copy_from_slice(&f.v[r * sw..r * sw + cw]);
    }
    out
}
