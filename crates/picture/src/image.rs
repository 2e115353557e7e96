//! Pictures the renderer works on: packed RGB for the photo, single planes for
//! masks and for the Y, U and V of the source, and a resampler.

use vivify_media::error::{Error, Result};
use vivify_media::limits;

/// 8-bit packed RGB.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rgb {
    pub width: usize,
    pub height: usize,
    pub data: Vec<u8>,
}

impl Rgb {
    /// A black picture; fails above the pixel cap.
    pub fn new(width: usize, height: usize) -> Result<Rgb> {
        check_size(width, height)?;
        Ok(Rgb { width, height, data: vec![0; width * height * 3] })
    }

    pub fn pixel(&self, x: usize, y: usize) -> [u8; 3] {
        let o = (y * self.width + x) * 3;
        [self.data[o], self.data[o + 1], self.data[o + 2]]
    }

    /// Turns the picture as Exif orientation `o` (1–8) asks, so it stands
    /// upright.
    pub fn oriented(self, o: u16) -> Rgb {
        if !(2..=8).contains(&o) {
            return self;
        }
        let (w, h) = (self.width, self.height);
        let swap = o >= 5;
        let (nw, nh) = if swap { (h, w) } else { (w, h) };
        let mut out = vec![0u8; self.data.len()];
        for y in 0..nh {
            for x in 0..nw {
                // Where the displayed pixel (x, y) is stored.
                let (sx, sy) = match o {
                    2 => (w - 1 - x, y),
                    3 => (w - 1 - x, h - 1 - y),
                    4 => (x, h - 1 - y),
                    5 => (y, x),
                    6 => (y, h - 1 - x),
                    7 => (w - 1 - y, h - 1 - x),
                    _ => (w - 1 - y, x),
                };
                let s = (sy * w + sx) * 3;
                let d = (y * nw + x) * 3;
                out[d..d + 3].copy_from_slice(&self.data[s..s + 3]);
            }
        }
        Rgb { width: nw, height: nh, data: out }
    }
}

/// Bilinear mix of the 2×2 pixels at `d[0]`, `d[1]`, `d[w]`, `d[w + 1]` with
/// 8-bit fractions; the result is scaled by 256.
#[inline(always)]
fn mix(d: &[u8], w: usize, fx: u32, fy: u32) -> u32 {
    let top = u32::from(d[0]) * (256 - fx) + u32::from(d[1]) * fx;
    let bot = u32::from(d[w]) * (256 - fx) + u32::from(d[w + 1]) * fx;
    (top * (256 - fy) + bot * fy) >> 8
}

/// One 8-bit channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plane {
    pub width: usize,
    pub height: usize,
    pub data: Vec<u8>,
}

impl Plane {
    pub fn filled(width: usize, height: usize, v: u8) -> Plane {
        Plane { width, height, data: vec![v; width * height] }
    }

    /// Bilinear sample at (x, y) in pixel-centre coordinates, clamped to the
    /// picture; returns a value scaled by 256. Positions are taken in 1/256
    /// pixel steps (fixed point), which is finer than any visible motion.
    #[inline]
    pub fn sample_fx(&self, x: f32, y: f32) -> u32 {
        self.sample_fixed((x * 256.0) as i32, (y * 256.0) as i32)
    }

    /// [`Plane::sample_fx`] at a position already in 1/256 pixel.
    #[inline(always)]
    pub fn sample_fixed(&self, xf: i32, yf: i32) -> u32 {
        let w = self.width;
        // Largest fixed-point positions that still have a right and a lower
        // neighbour, so each sample is one bounds check on one slice.
        let max_x = ((w.max(2) - 1) << 8) as i32 - 1;
        let max_y = ((self.height.max(2) - 1) << 8) as i32 - 1;
        let xf = xf.clamp(0, max_x);
        let yf = yf.clamp(0, max_y);
        let (x0, fx) = ((xf >> 8) as usize, (xf & 255) as u32);
        let (y0, fy) = ((yf >> 8) as usize, (yf & 255) as u32);
        let i = y0 * w + x0;
        let Some(d) = self.data.get(i..i + w + 2) else {
            // One-pixel-wide or one-pixel-high planes.
            return u32::from(self.data[i.min(self.data.len() - 1)]) << 8;
        };
        mix(d, w, fx, fy)
    }

    /// Two samples in one column position at two rows (`yf0`, `yf1`),
    /// sharing the horizontal address and weight work.
    #[inline(always)]
    pub fn sample_fixed_rows(&self, xf: i32, yf0: i32, yf1: i32) -> (u32, u32) {
        let w = self.width;
        let max_x = ((w.max(2) - 1) << 8) as i32 - 1;
        let max_y = ((self.height.max(2) - 1) << 8) as i32 - 1;
        let xf = xf.clamp(0, max_x);
        let (x0, fx) = ((xf >> 8) as usize, (xf & 255) as u32);
        let (yf0, yf1) = (yf0.clamp(0, max_y), yf1.clamp(0, max_y));
        let (i0, i1) = ((yf0 >> 8) as usize * w + x0, (yf1 >> 8) as usize * w + x0);
        match (self.data.get(i0..i0 + w + 2), self.data.get(i1..i1 + w + 2)) {
            (Some(a), Some(b)) => (mix(a, w, fx, (yf0 & 255) as u32), mix(b, w, fx, (yf1 & 255) as u32)),
            _ => (self.sample_fixed(xf, yf0), self.sample_fixed(xf, yf1)),
        }
    }

    /// Samples this plane and `other` (same size) at one fixed-point
    /// position, sharing the address and weight work (Cb and Cr).
    #[inline(always)]
    pub fn sample_pair_fixed(&self, other: &Plane, xf: i32, yf: i32) -> (u32, u32) {
        let w = self.width;
        let max_x = ((w.max(2) - 1) << 8) as i32 - 1;
        let max_y = ((self.height.max(2) - 1) << 8) as i32 - 1;
        let xf = xf.clamp(0, max_x);
        let yf = yf.clamp(0, max_y);
        let (x0, fx) = ((xf >> 8) as usize, (xf & 255) as u32);
        let (y0, fy) = ((yf >> 8) as usize, (yf & 255) as u32);
        let i = y0 * w + x0;
        let (Some(a), Some(b)) = (self.data.get(i..i + w + 2), other.data.get(i..i + w + 2)) else {
            return (self.sample_fixed(xf, yf), other.sample_fixed(xf, yf));
        };
        (mix(a, w, fx, fy), mix(b, w, fx, fy))
    }

    /// Bilinear sample as a float in 0..=255.
    #[inline]
    pub fn sample(&self, x: f32, y: f32) -> f32 {
        self.sample_fx(x, y) as f32 * (1.0 / 256.0)
    }

    /// Nearest sample, clamped.
    #[inline]
    pub fn at(&self, x: f32, y: f32) -> u8 {
        let xi = ((x + 0.5) as i32).clamp(0, self.width as i32 - 1) as usize;
        let yi = ((y + 0.5) as i32).clamp(0, self.height as i32 - 1) as usize;
        self.data[yi * self.width + xi]
    }
}

/// A float channel for analysis (values usually 0..=1).
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub width: usize,
    pub height: usize,
    pub data: Vec<f32>,
}

impl Field {
    pub fn new(width: usize, height: usize, v: f32) -> Field {
        Field { width, height, data: vec![v; width * height] }
    }

    #[inline]
    pub fn get(&self, x: usize, y: usize) -> f32 {
        self.data[y * self.width + x]
    }

    /// Bilinear sample in pixel-centre coordinates, clamped.
    pub fn sample(&self, x: f32, y: f32) -> f32 {
        let x = x.clamp(0.0, (self.width - 1) as f32);
        let y = y.clamp(0.0, (self.height - 1) as f32);
        let (x0, y0) = (x as usize, y as usize);
        let (x1, y1) = ((x0 + 1).min(self.width - 1), (y0 + 1).min(self.height - 1));
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let top = self.get(x0, y0) * (1.0 - fx) + self.get(x1, y0) * fx;
        let bot = self.get(x0, y1) * (1.0 - fx) + self.get(x1, y1) * fx;
        top * (1.0 - fy) + bot * fy
    }

    /// Box blur of radius `r`, separable, edges clamped.
    pub fn blurred(&self, r: usize) -> Field {
        if r == 0 {
            return self.clone();
        }
        let (w, h) = (self.width, self.height);
        let mut tmp = vec![0f32; w * h];
        let norm = 1.0 / (2 * r + 1) as f32;
        for y in 0..h {
            let row = &self.data[y * w..(y + 1) * w];
            for (x, t) in tmp[y * w..(y + 1) * w].iter_mut().enumerate() {
                let mut s = 0.0;
                for k in 0..=2 * r {
                    let xi = (x + k).saturating_sub(r).min(w - 1);
                    s += row[xi];
                }
                *t = s * norm;
            }
        }
        let mut out = vec![0f32; w * h];
        for y in 0..h {
            for x in 0..w {
                let mut s = 0.0;
                for k in 0..=2 * r {
                    let yi = (y + k).saturating_sub(r).min(h - 1);
                    s += tmp[yi * w + x];
                }
                out[y * w + x] = s * norm;
            }
        }
        Field { width: w, height: h, data: out }
    }

    /// Maximum over a (2r+1)² square: grows bright regions by `r`.
    pub fn dilated(&self, r: usize) -> Field {
        let (w, h) = (self.width, self.height);
        let mut tmp = vec![0f32; w * h];
        for y in 0..h {
            for x in 0..w {
                let (a, b) = (x.saturating_sub(r), (x + r).min(w - 1));
                tmp[y * w + x] = self.data[y * w + a..=y * w + b].iter().copied().fold(f32::MIN, f32::max);
            }
        }
        let mut out = vec![0f32; w * h];
        for y in 0..h {
            let (a, b) = (y.saturating_sub(r), (y + r).min(h - 1));
            for x in 0..w {
                out[y * w + x] = (a..=b).map(|yy| tmp[yy * w + x]).fold(f32::MIN, f32::max);
            }
        }
        Field { width: w, height: h, data: out }
    }

    /// Resamples the window `(x, y, w, h)` (fractions of the field) to
    /// `w`×`h` as an 8-bit plane (value × 255).
    pub fn to_plane_window(&self, (fx0, fy0, fw, fh): (f64, f64, f64, f64), w: usize, h: usize) -> Plane {
        let sx = (fw * self.width as f64 / w as f64) as f32;
        let sy = (fh * self.height as f64 / h as f64) as f32;
        let (ox, oy) = ((fx0 * self.width as f64) as f32, (fy0 * self.height as f64) as f32);
        // Bilinear as `Field::sample` does it, with where each column and
        // row reads the field worked out once.
        let taps = |p: f32, size: usize| {
            let p = p.clamp(0.0, (size - 1) as f32);
            let p0 = p as usize;
            (p0, (p0 + 1).min(size - 1), p - p0 as f32)
        };
        let cols: Vec<(usize, usize, f32)> =
            (0..w).map(|x| taps(ox + (x as f32 + 0.5) * sx - 0.5, self.width)).collect();
        let mut data = vec![0u8; w * h];
        for (y, out) in data.chunks_exact_mut(w.max(1)).enumerate() {
            let (y0, y1, fy) = taps(oy + (y as f32 + 0.5) * sy - 0.5, self.height);
            let (top, bottom) =
                (&self.data[y0 * self.width..][..self.width], &self.data[y1 * self.width..][..self.width]);
            for (o, &(x0, x1, fx)) in out.iter_mut().zip(&cols) {
                let t = top[x0] * (1.0 - fx) + top[x1] * fx;
                let b = bottom[x0] * (1.0 - fx) + bottom[x1] * fx;
                *o = ((t * (1.0 - fy) + b * fy) * 255.0 + 0.5).clamp(0.0, 255.0) as u8;
            }
        }
        Plane { width: w, height: h, data }
    }
}

pub fn check_size(width: usize, height: usize) -> Result<()> {
    if width == 0 || height == 0 {
        return Err(Error::Param(format!("picture size {width}x{height} is empty")));
    }
    limits::check("picture size in pixels", (width as u64) * (height as u64), limits::MAX_PIXELS)
}

/// A crop rectangle in source pixels (fractional).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// Filter taps of one output coordinate.
struct Taps {
    start: usize,
    weights: Vec<f32>,
}

/// Triangle (tent) filter taps mapping `len_out` outputs onto the source
/// span `[from, from + span)` of a `len_in` axis. When shrinking, the tent
/// widens with the scale so every source pixel contributes (no aliasing).
fn taps(len_in: usize, from: f64, span: f64, len_out: usize) -> Vec<Taps> {
    let scale = span / len_out as f64;
    let support = scale.max(1.0);
    (0..len_out)
        .map(|i| {
            let centre = from + (i as f64 + 0.5) * scale - 0.5;
            let lo = (centre - support).floor().max(0.0) as usize;
            let hi = ((centre + support).ceil().max(0.0) as usize).min(len_in - 1);
            let mut weights: Vec<f32> =
                (lo..=hi).map(|s| (1.0 - (s as f64 - centre).abs() / support).max(0.0) as f32).collect();
            let sum: f32 = weights.iter().sum();
            if sum > 0.0 {
                weights.iter_mut().for_each(|w| *w /= sum);
            } else {
                // Centre outside the picture: take the nearest edge pixel.
                let nearest = centre.round().clamp(0.0, (len_in - 1) as f64) as usize;
                return Taps { start: nearest, weights: vec![1.0] };
            }
            Taps { start: lo, weights }
        })
        .collect()
}

/// Resamples the `crop` of `src` to `w`×`h` with a tent filter.
///
/// The two passes can go in either order. Rows first (each output pixel a
/// gather along its source row) is the older order and stays for small
/// shrinks, so their results do not change. A shrink by 8× or more goes
/// columns first: each output row is a weighted sum of whole source rows,
/// a loop the compiler vectorises, and the gather along the rows then
/// works on few rows. On a 12 MP photo shrunk for analysis that is several
/// times faster; the result differs from the other order only by float
/// rounding (at most one level here and there).
pub fn resize(src: &Rgb, crop: Rect, w: usize, h: usize) -> Result<Rgb> {
    check_size(w, h)?;
    if (crop.w / w as f64).min(crop.h / h as f64) >= 8.0 {
        return resize_columns_first(src, crop, w, h);
    }
    resize_tent(src, crop, w, h)
}

/// [`resize`] for large shrinks: the vertical pass over whole rows first.
fn resize_columns_first(src: &Rgb, crop: Rect, w: usize, h: usize) -> Result<Rgb> {
    let hx = taps(src.width, crop.x, crop.w, w);
    let hy = taps(src.height, crop.y, crop.h, h);
    let x_lo = hx.iter().map(|t| t.start).min().unwrap_or(0);
    let x_hi = hx.iter().map(|t| t.start + t.weights.len()).max().unwrap_or(0).min(src.width);
    let span = (x_hi - x_lo) * 3;
    let mut out = vec![0u8; w * h * 3];
    let mut acc = vec![0f32; span];
    for (t, out) in hy.iter().zip(out.chunks_exact_mut(w * 3)) {
        acc.fill(0.0);
        for (k, &wgt) in t.weights.iter().enumerate() {
            let row = (t.start + k) * src.width * 3;
            for (a, &v) in acc.iter_mut().zip(&src.data[row + x_lo * 3..row + x_hi * 3]) {
                *a += f32::from(v) * wgt;
            }
        }
        for (t, o) in hx.iter().zip(out.chunks_exact_mut(3)) {
            let mut sum = [0f32; 3];
            for (k, &wgt) in t.weights.iter().enumerate() {
                let i = (t.start + k - x_lo) * 3;
                sum[0] += acc[i] * wgt;
                sum[1] += acc[i + 1] * wgt;
                sum[2] += acc[i + 2] * wgt;
            }
            for (o, v) in o.iter_mut().zip(sum) {
                *o = (v + 0.5).clamp(0.0, 255.0) as u8;
            }
        }
    }
    Ok(Rgb { width: w, height: h, data: out })
}

/// [`resize`] with the tent filter alone.
fn resize_tent(src: &Rgb, crop: Rect, w: usize, h: usize) -> Result<Rgb> {
    let hx = taps(src.width, crop.x, crop.w, w);
    let hy = taps(src.height, crop.y, crop.h, h);
    // Rows first: only the source rows the crop touches.
    let y_lo = hy.iter().map(|t| t.start).min().unwrap_or(0);
    let y_hi = hy.iter().map(|t| t.start + t.weights.len()).max().unwrap_or(0).min(src.height);
    let rows = y_hi - y_lo;
    let mut tmp = vec![0f32; rows * w * 3];
    for r in 0..rows {
        let srow = &src.data[(y_lo + r) * src.width * 3..(y_lo + r + 1) * src.width * 3];
        for (x, t) in hx.iter().enumerate() {
            let mut acc = [0f32; 3];
            for (k, wgt) in t.weights.iter().enumerate() {
                let o = (t.start + k) * 3;
                acc[0] += f32::from(srow[o]) * wgt;
                acc[1] += f32::from(srow[o + 1]) * wgt;
                acc[2] += f32::from(srow[o + 2]) * wgt;
            }
            tmp[(r * w + x) * 3..(r * w + x) * 3 + 3].copy_from_slice(&acc);
        }
    }
    // Then columns, a whole output row at a time: each tap adds a scaled
    // row of `tmp` (a loop the compiler vectorises).
    let mut out = vec![0u8; w * h * 3];
    let mut acc = vec![0f32; w * 3];
    for (t, out) in hy.iter().zip(out.chunks_exact_mut(w * 3)) {
        acc.fill(0.0);
        for (k, &wgt) in t.weights.iter().enumerate() {
            let r = t.start + k - y_lo;
            for (a, &v) in acc.iter_mut().zip(&tmp[r * w * 3..(r + 1) * w * 3]) {
                *a += v * wgt;
            }
        }
        for (o, a) in out.iter_mut().zip(&acc) {
            *o = (a + 0.5).clamp(0.0, 255.0) as u8;
        }
    }
    Ok(Rgb { width: w, height: h, data: out })
}

/// The source in Y'CbCr, BT.709 video range: Y at full size, Cb and Cr at
/// half size (4:2:0 sited at the centre of each 2×2 block).
pub struct Yuv {
    pub y: Plane,
    pub u: Plane,
    pub v: Plane,
}

/// BT.709 RGB → Y'CbCr (video range) for one pixel, as floats.
#[inline]
pub fn rgb_to_yuv(r: f32, g: f32, b: f32) -> [f32; 3] {
    let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    let u = (b - y) / 1.8556;
    let v = (r - y) / 1.5748;
    [16.0 + y * (219.0 / 255.0), 128.0 + u * (224.0 / 255.0), 128.0 + v * (224.0 / 255.0)]
}

/// Y'CbCr (BT.709 video range) → RGB.
#[inline]
pub fn yuv_to_rgb(y: f32, u: f32, v: f32) -> [f32; 3] {
    let y = (y - 16.0) * (255.0 / 219.0);
    let u = (u - 128.0) * (255.0 / 224.0);
    let v = (v - 128.0) * (255.0 / 224.0);
    [y + 1.5748 * v, y - 0.187_324 * u - 0.468_124 * v, y + 1.8556 * u]
}

impl Yuv {
    pub fn from_rgb(src: &Rgb) -> Yuv {
        let (w, h) = (src.width, src.height);
        let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
        let mut y = vec![0u8; w * h];
        let mut u = vec![0u8; cw * ch];
        let mut v = vec![0u8; cw * ch];
        for row in 0..h {
            for col in 0..w {
                let [r, g, b] = src.pixel(col, row);
                let [yy, _, _] = rgb_to_yuv(f32::from(r), f32::from(g), f32::from(b));
                y[row * w + col] = (yy + 0.5) as u8;
            }
        }
        for cy in 0..ch {
            for cx in 0..cw {
                let mut acc = [0f32; 3];
                let mut n = 0.0;
                for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    let (px, py) = (cx * 2 + dx, cy * 2 + dy);
                    if px < w && py < h {
                        let p = src.pixel(px, py);
                        for c in 0..3 {
                            acc[c] += f32::from(p[c]);
                        }
                        n += 1.0;
                    }
                }
                let [_, uu, vv] = rgb_to_yuv(acc[0] / n, acc[1] / n, acc[2] / n);
                u[cy * cw + cx] = (uu + 0.5).clamp(0.0, 255.0) as u8;
                v[cy * cw + cx] = (vv + 0.5).clamp(0.0, 255.0) as u8;
            }
        }
        Yuv {
            y: Plane { width: w, height: h, data: y },
            u: Plane { width: cw, height: ch, data: u },
            v: Plane { width: cw, height: ch, data: v },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orientation_six_turns_clockwise() {
        // 2×1 picture: red, green. Orientation 6 displays it turned 90° clockwise.
        let p = Rgb { width: 2, height: 1, data: vec![255, 0, 0, 0, 255, 0] };
        let o = p.oriented(6);
        assert_eq!((o.width, o.height), (1, 2));
        assert_eq!(o.pixel(0, 0), [255, 0, 0]);
        assert_eq!(o.pixel(0, 1), [0, 255, 0]);
        let p = Rgb { width: 2, height: 1, data: vec![255, 0, 0, 0, 255, 0] };
        let o = p.oriented(8);
        assert_eq!(o.pixel(0, 0), [0, 255, 0]);
    }

    #[test]
    fn resize_keeps_flat_colour_and_halves_cleanly() {
        let mut p = Rgb::new(16, 4).expect("size");
        for (i, px) in p.data.chunks_mut(3).enumerate() {
            px.copy_from_slice(if i % 2 == 0 { &[200, 100, 50] } else { &[100, 50, 25] });
        }
        let r = resize(&p, Rect { x: 0.0, y: 0.0, w: 16.0, h: 4.0 }, 8, 2).expect("resize");
        // Away from the edges, pairs of alternating pixels average out.
        for y in 0..2 {
            for x in 1..7 {
                let px = r.pixel(x, y);
                assert!((i32::from(px[0]) - 150).abs() <= 1, "{x},{y}: {px:?}");
            }
        }
        let flat = Rgb { width: 7, height: 5, data: [9u8, 99, 199].repeat(35) };
        let r = resize(&flat, Rect { x: 0.5, y: 0.25, w: 6.0, h: 4.5 }, 3, 11).expect("resize");
        assert!(r.data.chunks(3).all(|p| p == [9, 99, 199]));
    }

    #[test]
    fn large_shrinks_columns_first_match_the_rows_first_tent() {
        // A busy 400×300 picture shrunk 10× (whole and a crop): the fast
        // order differs from the older one by float rounding at most.
        let mut p = Rgb::new(400, 300).expect("size");
        for (i, px) in p.data.chunks_mut(3).enumerate() {
            let (x, y) = (i % 400, i / 400);
            px.copy_from_slice(&[((x * 7 + y * 3) % 256) as u8, ((x * y) % 251) as u8, ((x ^ y) % 256) as u8]);
        }
        let whole = Rect { x: 0.0, y: 0.0, w: 400.0, h: 300.0 };
        let crop = Rect { x: 37.5, y: 20.25, w: 320.0, h: 240.0 };
        for (crop, w, h) in [(whole, 40, 30), (crop, 32, 24), (whole, 21, 13)] {
            let fast = resize(&p, crop, w, h).expect("resize");
            let slow = resize_tent(&p, crop, w, h).expect("resize");
            let worst = fast.data.iter().zip(&slow.data).map(|(a, b)| a.abs_diff(*b)).max();
            assert!(worst.is_some_and(|d| d <= 1), "{w}x{h}: off by {worst:?}");
        }
    }

    #[test]
    fn yuv_round_trip_is_close() {
        for rgb in [[0f32, 0.0, 0.0], [255.0, 255.0, 255.0], [30.0, 120.0, 220.0]] {
            let [y, u, v] = rgb_to_yuv(rgb[0], rgb[1], rgb[2]);
            let back = yuv_to_rgb(y, u, v);
            for c in 0..3 {
                assert!((back[c] - rgb[c]).abs() < 0.5, "{rgb:?} → {back:?}");
            }
        }
    }
}
