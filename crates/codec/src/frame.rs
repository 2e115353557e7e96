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
        let limited = !color.full_range;
        let (kr, kb) = if color.bt709 { (0.2126f32, 0.0722f32) } else { (0.299f32, 0.114f32) };
        let kg = 1.0 - kr - kb;
        let (rv, bu) = (2.0 * (1.0 - kr), 2.0 * (1.0 - kb));
        let (gu, gv) = (bu * kb / kg, rv * kr / kg);
        for row in 0..self.height {
            for col in 0..self.width {
                let ci = (row / 2) * cw + col / 2;
                let (mut y, mut u, mut v) = (
                    f32::from(self.y[row * self.width + col]),
                    f32::from(self.u[ci]) - 128.0,
                    f32::from(self.v[ci]) - 128.0,
                );
                if limited {
                    y = (y - 16.0) * (255.0 / 219.0);
                    u *= 255.0 / 224.0;
                    v *= 255.0 / 224.0;
                }
                let o = (row * self.width + col) * 3;
                out[o] = (y + rv * v).round().clamp(0.0, 255.0) as u8;
                out[o + 1] = (y - gu * u - gv * v).round().clamp(0.0, 255.0) as u8;
                out[o + 2] = (y + bu * u).round().clamp(0.0, 255.0) as u8;
            }
        }
        out
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
