//! Superpixels and what describes them, for the learned sky and water
//! classifier ([`crate::classify`]).
//!
//! The analysis picture is over-segmented with SLIC (simple linear iterative
//! clustering: k-means on colour and position, each centre searching only a
//! window twice its grid step), so that each region is small, compact and
//! of one colour. Each region is then described by numbers a small model can
//! weigh: its colour, brightness and texture, where it sits, how it compares
//! with the picture and with the top of the picture.

use crate::sky::Analysis;

/// Regions wanted in the analysis picture.
const REGIONS: usize = 400;
/// Weight of distance in space against distance in colour (higher = rounder regions).
const COMPACTNESS: f32 = 0.12;
const ITERATIONS: usize = 8;
/// Numbers describing one region; see [`describe`].
pub const FEATURES: usize = 20;

/// The over-segmentation: a region index per pixel.
pub struct Regions {
    pub width: usize,
    pub height: usize,
    pub label: Vec<u32>,
    pub count: usize,
}

/// SLIC superpixels of the analysis picture.
pub fn segment(a: &Analysis) -> Regions {
    let (w, h) = (a.width, a.height);
    let step = (((w * h) as f32 / REGIONS as f32).sqrt()).max(2.0);
    // Centres on a grid: [r, g, b, x, y].
    let mut centres: Vec<[f32; 5]> = Vec::new();
    let mut y = step / 2.0;
    while y < h as f32 {
        let mut x = step / 2.0;
        while x < w as f32 {
            let i = (y as usize).min(h - 1) * w + (x as usize).min(w - 1);
            let c = a.rgb[i];
            centres.push([c[0], c[1], c[2], x, y]);
            x += step;
        }
        y += step;
    }
    let mut label = vec![0u32; w * h];
    let mut best = vec![f32::INFINITY; w * h];
    let spatial = COMPACTNESS / step;
    for _ in 0..ITERATIONS {
        best.iter_mut().for_each(|b| *b = f32::INFINITY);
        for (k, c) in centres.iter().enumerate() {
            let x0 = (c[3] - step).max(0.0) as usize;
            let x1 = ((c[3] + step) as usize + 1).min(w);
            let y0 = (c[4] - step).max(0.0) as usize;
            let y1 = ((c[4] + step) as usize + 1).min(h);
            for yy in y0..y1 {
                for xx in x0..x1 {
                    let i = yy * w + xx;
                    let p = a.rgb[i];
                    let dc = (p[0] - c[0]).powi(2) + (p[1] - c[1]).powi(2) + (p[2] - c[2]).powi(2);
                    let ds = (xx as f32 - c[3]).powi(2) + (yy as f32 - c[4]).powi(2);
                    let d = dc + ds * spatial * spatial;
                    if d < best[i] {
                        best[i] = d;
                        label[i] = k as u32;
                    }
                }
            }
        }
        let mut sums = vec![[0f32; 6]; centres.len()];
        for (i, &l) in label.iter().enumerate() {
            let s = &mut sums[l as usize];
            let p = a.rgb[i];
            s[0] += p[0];
            s[1] += p[1];
            s[2] += p[2];
            s[3] += (i % w) as f32;
            s[4] += (i / w) as f32;
            s[5] += 1.0;
        }
        for (c, s) in centres.iter_mut().zip(&sums) {
            if s[5] > 0.0 {
                *c = [s[0] / s[5], s[1] / s[5], s[2] / s[5], s[3] / s[5], s[4] / s[5]];
            }
        }
    }
    Regions { width: w, height: h, label, count: centres.len() }
}

/// Per-region sums gathered in one pass.
#[derive(Clone, Copy, Default)]
struct Acc {
    n: f32,
    rgb: [f32; 3],
    luma: f32,
    luma2: f32,
    texture: f32,
    x: f32,
    y: f32,
    min_y: f32,
    /// Luma change from the pixel above (positive: brighter downwards).
    dy: f32,
    top: f32,
}

/// The feature vector of every region, `FEATURES` numbers each, in region order.
pub fn describe(a: &Analysis, r: &Regions) -> Vec<[f32; FEATURES]> {
    let (w, h) = (a.width, a.height);
    let mut acc = vec![Acc { min_y: 1.0, ..Acc::default() }; r.count];
    for (i, &l) in r.label.iter().enumerate() {
        let s = &mut acc[l as usize];
        let (x, y) = (i % w, i / w);
        let p = a.rgb[i];
        s.n += 1.0;
        for (sum, v) in s.rgb.iter_mut().zip(p) {
            *sum += v;
        }
        s.luma += a.luma[i];
        s.luma2 += a.luma[i] * a.luma[i];
        s.texture += a.texture[i];
        s.x += x as f32 / w as f32;
        let fy = y as f32 / h as f32;
        s.y += fy;
        s.min_y = s.min_y.min(fy);
        if y > 0 {
            s.dy += a.luma[i] - a.luma[i - w];
        }
        if y == 0 {
            s.top += 1.0;
        }
    }
    let n = (w * h) as f32;
    let mean_luma = a.luma.iter().sum::<f32>() / n;
    // The colour of the top tenth of the picture: what sky, if any, looks like here.
    let top_rows = (h / 10).max(1);
    let mut top = [0f32; 3];
    for p in &a.rgb[..top_rows * w] {
        for (t, v) in top.iter_mut().zip(p) {
            *t += v;
        }
    }
    top.iter_mut().for_each(|t| *t /= (top_rows * w) as f32);
    let mut lumas: Vec<f32> = acc.iter().filter(|s| s.n > 0.0).map(|s| s.luma / s.n).collect();
    lumas.sort_by(f32::total_cmp);
    acc.iter()
        .map(|s| {
            let k = s.n.max(1.0);
            let [r, g, b] = [s.rgb[0] / k, s.rgb[1] / k, s.rgb[2] / k];
            let l = s.luma / k;
            let sd = (s.luma2 / k - l * l).max(0.0).sqrt();
            let max = r.max(g).max(b);
            let min = r.min(g).min(b);
            let sat = if max > 1e-4 { (max - min) / max } else { 0.0 };
            let rank = lumas.partition_point(|&v| v < l) as f32 / lumas.len().max(1) as f32;
            let to_top = ((r - top[0]).powi(2) + (g - top[1]).powi(2) + (b - top[2]).powi(2)).sqrt();
            [
                r,
                g,
                b,
                l,
                sat,
                b - (r + g) / 2.0,
                (s.texture / k * 10.0).min(3.0),
                sd * 4.0,
                s.x / k,
                s.y / k,
                s.min_y,
                (s.top / k * 10.0).min(1.0),
                l - mean_luma,
                mean_luma,
                (s.dy / k * 20.0).clamp(-2.0, 2.0),
                rank,
                to_top,
                top[2] - (top[0] + top[1]) / 2.0,
                (r - g) * 2.0,
                1.0,
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_flat_halves_split_along_their_edge() {
        let (w, h) = (64, 48);
        let mut rgb8 = Vec::new();
        for y in 0..h {
            for _ in 0..w {
                rgb8.extend_from_slice(if y < h / 2 { &[80, 140, 230] } else { &[60, 120, 40] });
            }
        }
        let a = Analysis::new(w, h, &rgb8);
        let r = segment(&a);
        // No region holds pixels of both halves.
        let mut half = vec![None; r.count];
        for (i, &l) in r.label.iter().enumerate() {
            let top = i / w < h / 2;
            let seen = half[l as usize].get_or_insert(top);
            assert_eq!(*seen, top, "region {l} crosses the edge");
        }
        let f = describe(&a, &r);
        let blue_top = f.iter().zip(&half).filter(|(_, t)| **t == Some(true)).all(|(v, _)| v[5] > 0.2 && v[9] < 0.5);
        assert!(blue_top, "regions of the top half are blue and high");
    }
}
