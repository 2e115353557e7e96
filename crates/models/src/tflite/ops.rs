//! The float kernels, on NHWC tensors (batch 1). Written for clarity with
//! inner loops over contiguous channels, which the compiler vectorises.

use super::model::{Activation, Padding, Window};

/// Input size, window and stride → (output size, padding before).
pub fn out_and_pad(len: usize, window: usize, stride: usize, dilation: usize, padding: Padding) -> (usize, usize) {
    let span = (window - 1) * dilation + 1;
    match padding {
        Padding::Valid => ((len.saturating_sub(span)) / stride + 1, 0),
        Padding::Same => {
            let out = len.div_ceil(stride);
            let total = ((out - 1) * stride + span).saturating_sub(len);
            (out, total / 2)
        }
    }
}

/// Dot product with eight running sums (so it vectorises).
#[inline]
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut s = [0f32; 8];
    let (ac, bc) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ar, br) = (ac.remainder(), bc.remainder());
    for (x, y) in ac.zip(bc) {
        for k in 0..8 {
            s[k] += x[k] * y[k];
        }
    }
    let mut t = s.iter().sum::<f32>();
    for (x, y) in ar.iter().zip(br) {
        t += x * y;
    }
    t
}

/// The taps of `win` (`kh`×`kw`, its strides and dilations, padding
/// `pt`, `pl` before) at output pixel (`oy`, `ox`) that fall inside an
/// `h`×`w` picture: each as the tap's index (`ky·kw + kx`) and the input
/// pixel's.
#[inline]
fn taps(
    (oy, ox): (usize, usize),
    (h, w): (usize, usize),
    (kh, kw): (usize, usize),
    win: &Window,
    (pt, pl): (usize, usize),
) -> impl Iterator<Item = (usize, usize)> + '_ {
    let row = move |ky: usize| {
        let iy = (oy * win.stride.1 + ky * win.dilation.1) as isize - pt as isize;
        (0..h as isize).contains(&iy).then_some((ky, iy as usize))
    };
    (0..kh).filter_map(row).flat_map(move |(ky, iy)| {
        (0..kw).filter_map(move |kx| {
            let ix = (ox * win.stride.0 + kx * win.dilation.0) as isize - pl as isize;
            (0..w as isize).contains(&ix).then(|| (ky * kw + kx, iy * w + ix as usize))
        })
    })
}

/// The padding before a window of `kh`×`kw` over an `h`×`w` picture.
fn padding_of((h, w): (usize, usize), (kh, kw): (usize, usize), win: &Window) -> (usize, usize) {
    let (_, pt) = out_and_pad(h, kh, win.stride.1, win.dilation.1, win.padding);
    let (_, pl) = out_and_pad(w, kw, win.stride.0, win.dilation.0, win.padding);
    (pt, pl)
}

/// Shape of a 4-D NHWC tensor as (h, w, c), batch 1.
pub fn hwc(shape: &[usize]) -> Option<(usize, usize, usize)> {
    match *shape {
        [1, h, w, c] if h > 0 && w > 0 && c > 0 => Some((h, w, c)),
        _ => None,
    }
}

/// 2-D convolution. `filter` is [co][kh][kw][ci].
#[allow(clippy::too_many_arguments)]
pub fn conv(
    input: &[f32],
    (h, w, ci): (usize, usize, usize),
    filter: &[f32],
    (co, kh, kw): (usize, usize, usize),
    bias: Option<&[f32]>,
    win: &Window,
    act: Activation,
    (oh, ow): (usize, usize),
) -> Vec<f32> {
    let pad = padding_of((h, w), (kh, kw), win);
    let mut out = vec![0f32; oh * ow * co];
    for oy in 0..oh {
        for ox in 0..ow {
            let acc = &mut out[(oy * ow + ox) * co..(oy * ow + ox + 1) * co];
            if let Some(b) = bias {
                acc.copy_from_slice(b);
            }
            for (tap, pixel) in taps((oy, ox), (h, w), (kh, kw), win, pad) {
                let px = &input[pixel * ci..][..ci];
                for (c, a) in acc.iter_mut().enumerate() {
                    *a += dot(px, &filter[(c * kh * kw + tap) * ci..][..ci]);
                }
            }
            acc.iter_mut().for_each(|a| *a = act.apply(*a));
        }
    }
    out
}

/// [`conv`] with the filter laid out [kh][kw][ci][co]: each input value is
/// spread over all output channels at once (a loop the compiler
/// vectorises), which beats a dot product per channel when the channels
/// are few, as in the face models.
#[allow(clippy::too_many_arguments)]
pub fn conv_packed(
    input: &[f32],
    (h, w, ci): (usize, usize, usize),
    filter: &[f32],
    (co, kh, kw): (usize, usize, usize),
    bias: Option<&[f32]>,
    win: &Window,
    act: Activation,
    (oh, ow): (usize, usize),
) -> Vec<f32> {
    let pad = padding_of((h, w), (kh, kw), win);
    let mut out = vec![0f32; oh * ow * co];
    for oy in 0..oh {
        for ox in 0..ow {
            let acc = &mut out[(oy * ow + ox) * co..(oy * ow + ox + 1) * co];
            if let Some(b) = bias {
                acc.copy_from_slice(b);
            }
            for (tap, pixel) in taps((oy, ox), (h, w), (kh, kw), win, pad) {
                let px = &input[pixel * ci..][..ci];
                let weights = &filter[tap * ci * co..][..ci * co];
                for (&x, row) in px.iter().zip(weights.chunks_exact(co)) {
                    for (a, &k) in acc.iter_mut().zip(row) {
                        *a += x * k;
                    }
                }
            }
            acc.iter_mut().for_each(|a| *a = act.apply(*a));
        }
    }
    out
}

/// Depthwise convolution. `filter` is [1][kh][kw][c·mult]; output channel
/// `c·mult + m` reads input channel `c`.
#[allow(clippy::too_many_arguments)]
pub fn depthwise(
    input: &[f32],
    (h, w, ci): (usize, usize, usize),
    filter: &[f32],
    (co, kh, kw): (usize, usize, usize),
    bias: Option<&[f32]>,
    win: &Window,
    act: Activation,
    (oh, ow): (usize, usize),
) -> Vec<f32> {
    let mult = co / ci.max(1);
    let pad = padding_of((h, w), (kh, kw), win);
    let mut out = vec![0f32; oh * ow * co];
    for oy in 0..oh {
        for ox in 0..ow {
            let acc = &mut out[(oy * ow + ox) * co..(oy * ow + ox + 1) * co];
            if let Some(b) = bias {
                acc.copy_from_slice(b);
            }
            for (tap, pixel) in taps((oy, ox), (h, w), (kh, kw), win, pad) {
                let px = &input[pixel * ci..][..ci];
                let f = &filter[tap * co..][..co];
                if mult == 1 {
                    for ((a, &x), &k) in acc.iter_mut().zip(px).zip(f) {
                        *a += x * k;
                    }
                } else {
                    for (o, (a, &k)) in acc.iter_mut().zip(f).enumerate() {
                        *a += px[o / mult] * k;
                    }
                }
            }
            acc.iter_mut().for_each(|a| *a = act.apply(*a));
        }
    }
    out
}

/// Transposed convolution plus bias. `filter` is [co][kh][kw][ci]; each
/// input pixel spreads its weighted value over a kh×kw patch of the output.
#[allow(clippy::too_many_arguments)]
pub fn transpose_conv(
    input: &[f32],
    (h, w, ci): (usize, usize, usize),
    filter: &[f32],
    (co, kh, kw): (usize, usize, usize),
    bias: &[f32],
    win: &Window,
    (oh, ow): (usize, usize),
) -> Vec<f32> {
    let (sy, sx) = (win.stride.1, win.stride.0);
    let (pt, pl) = match win.padding {
        Padding::Valid => (0, 0),
        Padding::Same => (((h - 1) * sy + kh).saturating_sub(oh) / 2, ((w - 1) * sx + kw).saturating_sub(ow) / 2),
    };
    let mut out = vec![0f32; oh * ow * co];
    for iy in 0..h {
        for ix in 0..w {
            let px = &input[(iy * w + ix) * ci..][..ci];
            for ky in 0..kh {
                let oy = (iy * sy + ky) as isize - pt as isize;
                if oy < 0 || oy >= oh as isize {
                    continue;
                }
                for kx in 0..kw {
                    let ox = (ix * sx + kx) as isize - pl as isize;
                    if ox < 0 || ox >= ow as isize {
                        continue;
                    }
                    let o = (oy as usize * ow + ox as usize) * co;
                    for c in 0..co {
                        out[o + c] += dot(px, &filter[((c * kh + ky) * kw + kx) * ci..][..ci]);
                    }
                }
            }
        }
    }
    for px in out.chunks_exact_mut(co) {
        for (v, b) in px.iter_mut().zip(bias) {
            *v += b;
        }
    }
    out
}

/// Max or average pooling (the average over the window's cells inside the
/// picture only, as TFLite does).
pub fn pool(
    input: &[f32],
    (h, w, c): (usize, usize, usize),
    win: &Window,
    act: Activation,
    (oh, ow): (usize, usize),
    max: bool,
) -> Vec<f32> {
    let (fw, fh) = win.size;
    let pad = padding_of((h, w), (fh, fw), win);
    let mut out = vec![0f32; oh * ow * c];
    for oy in 0..oh {
        for ox in 0..ow {
            let acc = &mut out[(oy * ow + ox) * c..][..c];
            acc.fill(if max { f32::NEG_INFINITY } else { 0.0 });
            let mut n = 0usize;
            for (_, pixel) in taps((oy, ox), (h, w), (fh, fw), win, pad) {
                n += 1;
                let px = &input[pixel * c..][..c];
                if max {
                    acc.iter_mut().zip(px).for_each(|(a, &v)| *a = a.max(v));
                } else {
                    acc.iter_mut().zip(px).for_each(|(a, &v)| *a += v);
                }
            }
            let scale = if max || n == 0 { 1.0 } else { 1.0 / n as f32 };
            acc.iter_mut().for_each(|a| *a = act.apply(*a * scale));
        }
    }
    out
}

/// Elementwise `f(a, b)` with NumPy broadcasting of `b`'s (and `a`'s)
/// shape to `out_shape` (each dimension equal or 1, aligned on the right).
pub fn broadcast(
    a: &[f32],
    a_shape: &[usize],
    b: &[f32],
    b_shape: &[usize],
    out_shape: &[usize],
    f: impl Fn(f32, f32) -> f32,
) -> Option<Vec<f32>> {
    if a_shape == b_shape && a.len() == b.len() {
        return Some(a.iter().zip(b).map(|(&x, &y)| f(x, y)).collect());
    }
    let rank = out_shape.len();
    let strides = |shape: &[usize]| -> Option<Vec<usize>> {
        if shape.len() > rank {
            return None;
        }
        let lead = rank - shape.len();
        let mut s = vec![0usize; rank];
        let mut step = 1;
        for d in (0..shape.len()).rev() {
            let out = out_shape[lead + d];
            if shape[d] == out {
                s[lead + d] = step;
            } else if shape[d] != 1 {
                return None;
            }
            step *= shape[d];
        }
        Some(s)
    };
    let (sa, sb) = (strides(a_shape)?, strides(b_shape)?);
    let total: usize = out_shape.iter().product();
    let mut out = Vec::with_capacity(total);
    let mut idx = vec![0usize; rank];
    for _ in 0..total {
        let (mut ia, mut ib) = (0, 0);
        for d in 0..rank {
            ia += idx[d] * sa[d];
            ib += idx[d] * sb[d];
        }
        out.push(f(*a.get(ia)?, *b.get(ib)?));
        for d in (0..rank).rev() {
            idx[d] += 1;
            if idx[d] < out_shape[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    Some(out)
}

/// Bilinear resize of an NHWC picture, TFLite's way.
pub fn resize_bilinear(
    input: &[f32],
    (h, w, c): (usize, usize, usize),
    (oh, ow): (usize, usize),
    align_corners: bool,
    half_pixel: bool,
) -> Vec<f32> {
    let scale = |inp: usize, out: usize| {
        if align_corners && out > 1 {
            (inp - 1) as f32 / (out - 1) as f32
        } else {
            inp as f32 / out as f32
        }
    };
    let (fy, fx) = (scale(h, oh), scale(w, ow));
    let source = |o: usize, f: f32, len: usize| {
        let s = if half_pixel { ((o as f32 + 0.5) * f - 0.5).max(0.0) } else { o as f32 * f };
        let lo = (s.floor() as usize).min(len - 1);
        let hi = (lo + 1).min(len - 1);
        (lo, hi, s - s.floor())
    };
    let mut out = vec![0f32; oh * ow * c];
    for oy in 0..oh {
        let (y0, y1, dy) = source(oy, fy, h);
        for ox in 0..ow {
            let (x0, x1, dx) = source(ox, fx, w);
            let at = |y: usize, x: usize| &input[(y * w + x) * c..][..c];
            let (p00, p01, p10, p11) = (at(y0, x0), at(y0, x1), at(y1, x0), at(y1, x1));
            let o = &mut out[(oy * ow + ox) * c..][..c];
            for k in 0..c {
                let top = p00[k] + (p01[k] - p00[k]) * dx;
                let bottom = p10[k] + (p11[k] - p10[k]) * dx;
                o[k] = top + (bottom - top) * dy;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_padding_matches_tflite() {
        // 128 wide, 5-wide window, stride 2: 64 out, 1 column of padding before.
        assert_eq!(out_and_pad(128, 5, 2, 1, Padding::Same), (64, 1));
        assert_eq!(out_and_pad(192, 3, 1, 1, Padding::Same), (192, 1));
        assert_eq!(out_and_pad(192, 2, 2, 1, Padding::Valid), (96, 0));
    }

    #[test]
    fn a_three_by_three_convolution_sums_its_window() {
        // 3×3 single channel of ones, 3×3 kernel of ones, same padding.
        let win = Window { padding: Padding::Same, stride: (1, 1), dilation: (1, 1), size: (0, 0) };
        let out = conv(&[1.0; 9], (3, 3, 1), &[1.0; 9], (1, 3, 3), Some(&[0.5]), &win, Activation::None, (3, 3));
        assert_eq!(out, vec![4.5, 6.5, 4.5, 6.5, 9.5, 6.5, 4.5, 6.5, 4.5]);
    }

    #[test]
    fn the_packed_convolution_matches_the_plain_one() {
        // 5×4 picture, 3 channels in, 4 out, 3×3 window, stride 2, same padding.
        let (h, w, ci, co, k) = (5, 4, 3, 4, 3);
        let input: Vec<f32> = (0..h * w * ci).map(|i| ((i * 37 % 11) as f32 - 5.0) / 7.0).collect();
        let filter: Vec<f32> = (0..co * k * k * ci).map(|i| ((i * 53 % 13) as f32 - 6.0) / 9.0).collect();
        let mut packed = vec![0f32; filter.len()];
        for c in 0..co {
            for t in 0..k * k {
                for i in 0..ci {
                    packed[(t * ci + i) * co + c] = filter[(c * k * k + t) * ci + i];
                }
            }
        }
        let bias = [0.1, -0.2, 0.3, 0.0];
        let win = Window { padding: Padding::Same, stride: (2, 2), dilation: (1, 1), size: (0, 0) };
        let (oh, ow) = (out_and_pad(h, k, 2, 1, Padding::Same).0, out_and_pad(w, k, 2, 1, Padding::Same).0);
        let plain = conv(&input, (h, w, ci), &filter, (co, k, k), Some(&bias), &win, Activation::Relu6, (oh, ow));
        let fast = conv_packed(&input, (h, w, ci), &packed, (co, k, k), Some(&bias), &win, Activation::Relu6, (oh, ow));
        assert!(plain.iter().zip(&fast).all(|(a, b)| (a - b).abs() < 1e-5), "{plain:?} {fast:?}");
    }

    #[test]
    fn broadcasting_a_channel_vector() {
        let a = [1.0, 2.0, 3.0, 4.0];
        let out = broadcast(&a, &[1, 1, 2, 2], &[10.0, 20.0], &[2], &[1, 1, 2, 2], |x, y| x + y).expect("test setup");
        assert_eq!(out, vec![11.0, 22.0, 13.0, 24.0]);
        assert!(broadcast(&a, &[1, 1, 2, 2], &[1.0, 2.0, 3.0], &[3], &[1, 1, 2, 2], |x, y| x + y).is_none());
    }
}
