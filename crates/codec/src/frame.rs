//! A decoded picture in 8-bit I420 (planar Y, U, V; chroma halved both ways).

use vivify_media::error::{Error, Result};
use vivify_media::limits;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub width: usize,
    pub height: usize,
    pub y: Vec<u8>,
    pub u: Vec<u8>,
    pub v: Vec<u8>,
}

impl Frame {
    /// A black frame; fails above the pixel cap.
    pub fn new(width: usize, height: usize) -> Result<Frame> {
        if width == 0 || height == 0 {
            return Err(Error::Param(format!("picture size {width}x{height} is empty")));
        }
        limits::check("picture size in pixels", (width * height) as u64, limits::MAX_PIXELS)?;
        let (cw, ch) = (width.div_ceil(2), height.div_ceil(2));
        Ok(Frame { width, height, y: vec![16; width * height], u: vec![128; cw * ch], v: vec![128; cw * ch] })
    }

    pub fn chroma_width(&self) -> usize {
        self.width.div_ceil(2)
    }

    /// Converts to packed RGB with the video's matrix and range.
    pub fn to_rgb(&self, color: super::color::ColorInfo) -> Vec<u8> {
        let mut out = vec![0u8; self.width * self.height * 3];
        let cw = self.chroma_width();
        let m = Matrix::new(color);
        for row in 0..self.height {
            for col in 0..self.width {
                let ci = (row / 2) * cw + col / 2;
                let o = (row * self.width + col) * 3;
                let y = f32::from(self.y[row * self.width + col]);
                out[o..o + 3].copy_from_slice(&m.rgb(y, self.u[ci], self.v[ci]));
            }
        }
        out
    }

    /// Packed RGB at 1/`step` of the size both ways (rounded up; `step` is
    /// 2, 4, 8…): each pixel the mean of the `step`×`step` luma and the
    /// chroma it covers. A fraction of the work of [`Frame::to_rgb`], for
    /// checks that look at a picture's content rather than its finest
    /// detail.
    pub fn to_rgb_reduced(&self, color: super::color::ColorInfo, step: usize) -> (usize, usize, Vec<u8>) {
        let step = step.next_power_of_two().max(2);
        let (ow, oh) = (self.width.div_ceil(step), self.height.div_ceil(step));
        let (cw, ch) = (self.chroma_width(), self.height.div_ceil(2));
        let cstep = step / 2;
        let mut out = vec![0u8; ow * oh * 3];
        let m = Matrix::new(color);
        // Sums per output column, gathered a source row at a time (one
        // addition per sample), and how many samples each holds.
        let (mut luma, mut u, mut v) = (vec![0u32; ow], vec![0u32; ow], vec![0u32; ow]);
        let counts = |size: usize, step: usize| -> Vec<u32> {
            (0..ow).map(|x| (size.saturating_sub(x * step)).min(step).max(1) as u32).collect()
        };
        let (columns, chroma_columns) = (counts(self.width, step), counts(cw, cstep));
        let mut inv = vec![(0f32, 0f32); ow];
        for oy in 0..oh {
            luma.fill(0);
            u.fill(0);
            v.fill(0);
            let rows = oy * step..(oy * step + step).min(self.height);
            let n_rows = rows.len() as u32;
            for r in rows {
                let line = &self.y[r * self.width..(r + 1) * self.width];
                add_runs(&mut luma, line, step);
            }
            let crows = oy * cstep..(oy * cstep + cstep).min(ch);
            let n_crows = crows.len() as u32;
            for r in crows {
                let line = r * cw..(r + 1) * cw;
                add_runs(&mut u, &self.u[line.clone()], cstep);
                add_runs(&mut v, &self.v[line], cstep);
            }
            // One over the samples in each output pixel (fewer at the edges).
            for (ox, (il, ic)) in inv.iter_mut().enumerate() {
                *il = 1.0 / (n_rows * columns[ox]) as f32;
                *ic = 1.0 / (n_crows * chroma_columns[ox]) as f32;
            }
            let line = &mut out[oy * ow * 3..(oy + 1) * ow * 3];
            for ((px, (&l, (&su, &sv))), &(il, ic)) in
                line.chunks_exact_mut(3).zip(luma.iter().zip(u.iter().zip(&v))).zip(&inv)
            {
                // Chroma means rounded to the nearest level.
                let (cu, cv) = ((su as f32 * ic + 0.5) as u8, (sv as f32 * ic + 0.5) as u8);
                px.copy_from_slice(&m.rgb(l as f32 * il, cu, cv));
            }
        }
        (ow, oh, out)
    }

    /// Mean luma over a grid of `cells`×`cells` blocks (for motion scoring).
    pub fn luma_grid(&self, cells: usize) -> Vec<f32> {
        let mut out = vec![0f32; cells * cells];
        let step_y = (self.height / cells).max(1);
        let step_x = (self.width / cells).max(1);
        for gy in 0..cells {
            for gx in 0..cells {
                let mut sum = 0u64;
                let mut n = 0u64;
                // Sample every 4th pixel: plenty for a block mean.
                for y in (gy * step_y..((gy + 1) * step_y).min(self.height)).step_by(4) {
                    for x in (gx * step_x..((gx + 1) * step_x).min(self.width)).step_by(4) {
                        sum += u64::from(self.y[y * self.width + x]);
                        n += 1;
                    }
                }
                out[gy * cells + gx] = if n > 0 { sum as f32 / n as f32 } else { 0.0 };
            }
        }
        out
    }

    /// Sharpness: mean absolute Laplacian of luma over the central area.
    pub fn sharpness(&self) -> f32 {
        let (w, h) = (self.width, self.height);
        if w < 8 || h < 8 {
            return 0.0;
        }
        let mut sum = 0u64;
        let mut n = 0u64;
        // Every third pixel of every third row: plenty for ranking frames.
        for y in (h / 8..h - h / 8).step_by(3) {
            for x in (w / 8..w - w / 8).step_by(3) {
                if y == 0 || x == 0 || y + 1 >= h || x + 1 >= w {
                    continue;
                }
                let c = i32::from(self.y[y * w + x]) * 4;
                let l = i32::from(self.y[y * w + x - 1])
                    + i32::from(self.y[y * w + x + 1])
                    + i32::from(self.y[(y - 1) * w + x])
                    + i32::from(self.y[(y + 1) * w + x]);
                sum += (c - l).unsigned_abs() as u64;
                n += 1;
            }
        }
        if n == 0 {
            0.0
        } else {
            sum as f32 / n as f32
        }
    }
}

/// Adds each run of `step` samples of `line` to its entry of `sums` (the
/// last run may be shorter); runs of one and two, the common cases, without
/// a loop per run.
fn add_runs(sums: &mut [u32], line: &[u8], step: usize) {
    match step {
        1 => sums.iter_mut().zip(line).for_each(|(s, &v)| *s += u32::from(v)),
        2 => {
            let pairs = line.chunks_exact(2);
            let last = pairs.remainder().first().copied();
            let n = pairs.len();
            for (s, p) in sums.iter_mut().zip(pairs) {
                *s += u32::from(p[0]) + u32::from(p[1]);
            }
            if let (Some(v), Some(s)) = (last, sums.get_mut(n)) {
                *s += u32::from(v);
            }
        }
        _ => {
            for (s, run) in sums.iter_mut().zip(line.chunks(step)) {
                *s += run.iter().map(|&v| u32::from(v)).sum::<u32>();
            }
        }
    }
}

/// Y'CbCr to R'G'B' coefficients for one matrix and range.
struct Matrix {
    limited: bool,
    rv: f32,
    gu: f32,
    gv: f32,
    bu: f32,
}

impl Matrix {
    fn new(color: super::color::ColorInfo) -> Matrix {
        let (kr, kb) = if color.bt709 { (0.2126f32, 0.0722f32) } else { (0.299f32, 0.114f32) };
        let kg = 1.0 - kr - kb;
        let (rv, bu) = (2.0 * (1.0 - kr), 2.0 * (1.0 - kb));
        Matrix { limited: !color.full_range, rv, gu: bu * kb / kg, gv: rv * kr / kg, bu }
    }

    #[inline(always)]
    fn rgb(&self, y: f32, u: u8, v: u8) -> [u8; 3] {
        let (mut y, mut u, mut v) = (y, f32::from(u) - 128.0, f32::from(v) - 128.0);
        if self.limited {
            y = (y - 16.0) * (255.0 / 219.0);
            u *= 255.0 / 224.0;
            v *= 255.0 / 224.0;
        }
        // Clamped first, then rounded by adding a half: the same as
        // rounding and clamping, without a call to `roundf` per channel.
        let px = |c: f32| (c.clamp(0.0, 255.0) + 0.5) as u8;
        [px(y + self.rv * v), px(y - self.gu * u - self.gv * v), px(y + self.bu * u)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::color::ColorInfo;

    fn frame(w: usize, h: usize, luma: impl Fn(usize, usize) -> u8) -> Frame {
        let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
        Frame {
            width: w,
            height: h,
            y: (0..w * h).map(|i| luma(i % w, i / w)).collect(),
            u: (0..cw * ch).map(|i| (16 + i * 37 % 225) as u8).collect(),
            v: (0..cw * ch).map(|i| (240 - i * 53 % 225) as u8).collect(),
        }
    }

    #[test]
    fn reduced_rgb_is_the_full_conversion_where_each_block_is_flat() {
        for color in [ColorInfo { full_range: false, bt709: true }, ColorInfo { full_range: true, bt709: false }] {
            for step in [2, 4] {
                for (w, h) in [(16usize, 12usize), (15, 9), (1, 1), (2, 3), (7, 5)] {
                    // Luma flat over each step×step block, chroma over each
                    // (step/2)×(step/2) one, so the means are exact.
                    let (cw, ch, cs) = (w.div_ceil(2), h.div_ceil(2), step / 2);
                    let f = Frame {
                        width: w,
                        height: h,
                        y: (0..w * h).map(|i| (16 + (i % w / step * 31 + i / w / step * 17) % 220) as u8).collect(),
                        u: (0..cw * ch).map(|i| (16 + (i % cw / cs * 37 + i / cw / cs * 11) % 225) as u8).collect(),
                        v: (0..cw * ch).map(|i| (240 - (i % cw / cs * 53 + i / cw / cs * 7) % 225) as u8).collect(),
                    };
                    let full = f.to_rgb(color);
                    let (rw, rh, small) = f.to_rgb_reduced(color, step);
                    assert_eq!((rw, rh), (w.div_ceil(step), h.div_ceil(step)));
                    for ry in 0..rh {
                        for rx in 0..rw {
                            let (o, p) = ((ry * rw + rx) * 3, (ry * step * w + rx * step) * 3);
                            assert_eq!(small[o..o + 3], full[p..p + 3], "{w}x{h}/{step} at {rx},{ry}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn reduced_luma_is_the_mean_of_its_block() {
        // A checkerboard of 16 and 216 averages to 116: grey, not either.
        let f = frame(4, 4, |x, y| if (x + y) % 2 == 0 { 16 } else { 216 });
        let grey = Frame { u: vec![128; 4], v: vec![128; 4], ..f.clone() };
        let (_, _, half) = grey.to_rgb_reduced(ColorInfo { full_range: true, bt709: true }, 2);
        assert!(half.iter().all(|&c| c == 116), "{half:?}");
    }

    #[test]
    fn conversion_rounds_then_clamps_like_the_textbook_formula() {
        let color = ColorInfo { full_range: false, bt709: true };
        let m = Matrix::new(color);
        for y in (0..=255u8).step_by(5) {
            for u in (0..=255u8).step_by(15) {
                for v in (0..=255u8).step_by(15) {
                    let (yy, uu, vv) = (
                        (f32::from(y) - 16.0) * 255.0 / 219.0,
                        (f32::from(u) - 128.0) * 255.0 / 224.0,
                        (f32::from(v) - 128.0) * 255.0 / 224.0,
                    );
                    let r = (yy + 1.5748 * vv).round().clamp(0.0, 255.0) as u8;
                    let b = (yy + 1.8556 * uu).round().clamp(0.0, 255.0) as u8;
                    let got = m.rgb(f32::from(y), u, v);
                    assert!(got[0].abs_diff(r) <= 1 && got[2].abs_diff(b) <= 1, "{y} {u} {v}: {got:?} vs {r} {b}");
                }
            }
        }
    }
}
