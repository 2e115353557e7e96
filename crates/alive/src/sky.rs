//! Sky and water masks without a model.
//!
//! The sky is grown from the top edge through smooth pixels whose colour
//! changes little from neighbour to neighbour (so gradients of sunsets and
//! overcast skies are followed), then pixels that look like that sky but are
//! cut off from it (gaps between branches) are added. The horizon is the
//! median of the per-column skyline. Water is grown the same way from just
//! under the horizon through smooth pixels that are bluish or mirror the sky.

use std::collections::VecDeque;

use vivify_picture::image::Field;

/// Analysis picture: linear-ish RGB in 0..=1 plus luma and local texture.
pub struct Analysis {
    pub width: usize,
    pub height: usize,
    pub rgb: Vec<[f32; 3]>,
    pub luma: Vec<f32>,
    /// Local gradient strength (Sobel on luma, blurred).
    pub texture: Vec<f32>,
}

impl Analysis {
    pub fn new(width: usize, height: usize, rgb8: &[u8]) -> Analysis {
        let rgb: Vec<[f32; 3]> = rgb8
            .chunks_exact(3)
            .map(|p| [f32::from(p[0]) / 255.0, f32::from(p[1]) / 255.0, f32::from(p[2]) / 255.0])
            .collect();
        let luma: Vec<f32> = rgb.iter().map(|c| 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]).collect();
        let mut grad = Field::new(width, height, 0.0);
        let at = |x: isize, y: isize| {
            let x = x.clamp(0, width as isize - 1) as usize;
            let y = y.clamp(0, height as isize - 1) as usize;
            luma[y * width + x]
        };
        for y in 0..height as isize {
            for x in 0..width as isize {
                let gx = at(x + 1, y - 1) + 2.0 * at(x + 1, y) + at(x + 1, y + 1)
                    - at(x - 1, y - 1)
                    - 2.0 * at(x - 1, y)
                    - at(x - 1, y + 1);
                let gy = at(x - 1, y + 1) + 2.0 * at(x, y + 1) + at(x + 1, y + 1)
                    - at(x - 1, y - 1)
                    - 2.0 * at(x, y - 1)
                    - at(x + 1, y - 1);
                grad.data[y as usize * width + x as usize] = (gx * gx + gy * gy).sqrt() * 0.25;
            }
        }
        let texture = grad.blurred(1).data;
        Analysis { width, height, rgb, luma, texture }
    }

    fn saturation(&self, i: usize) -> f32 {
        let c = self.rgb[i];
        let max = c[0].max(c[1]).max(c[2]);
        let min = c[0].min(c[1]).min(c[2]);
        if max <= 1e-4 {
            0.0
        } else {
            (max - min) / max
        }
    }
}

fn dist(a: [f32; 3], b: [f32; 3]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

/// How much a pixel's colour alone looks like sky (blue, bright grey,
/// warm sunset glow, or dark night), 0..=1.
fn sky_colour(a: &Analysis, i: usize) -> f32 {
    let [r, g, b] = a.rgb[i];
    let l = a.luma[i];
    let s = a.saturation(i);
    if b > r + 0.03 && b + 0.08 >= g && l > 0.2 {
        1.0
    } else if s < 0.18 && l > 0.5 {
        0.85
    } else if r > b && l > 0.3 && s > 0.15 && g < r && warm_hue(r, g, b) < 33.0 {
        // Orange, pink and red glow; saturated yellow is far more often a
        // surface (a table, a wall) than a sky.
        0.6
    } else if l < 0.18 {
        0.45
    } else {
        0.15
    }
}

/// Hue in degrees for a colour with red as its largest part (0 red, 60 yellow,
/// negative towards magenta).
fn warm_hue(r: f32, g: f32, b: f32) -> f32 {
    let min = g.min(b);
    if r - min <= 1e-4 {
        return 0.0;
    }
    60.0 * (g - b) / (r - min)
}

fn smooth(a: &Analysis, i: usize, limit: f32) -> f32 {
    let t = a.texture[i];
    (1.0 - (t - limit * 0.4) / (limit * 0.6)).clamp(0.0, 1.0)
}

/// RMS of the sky's luma around the best plane `a + b·x + c·y` through it.
fn plane_residual(a: &Analysis, mask: &[bool]) -> f32 {
    let (w, h) = (a.width as f64, a.height as f64);
    // Normal equations for least squares on (1, x, y).
    let mut m = [[0f64; 3]; 3];
    let mut v = [0f64; 3];
    for (i, _) in mask.iter().enumerate().filter(|(_, s)| **s) {
        let p = [1.0, (i % a.width) as f64 / w, (i / a.width) as f64 / h];
        let l = f64::from(a.luma[i]);
        for r in 0..3 {
            for c in 0..3 {
                m[r][c] += p[r] * p[c];
            }
            v[r] += p[r] * l;
        }
    }
    let Some(coef) = solve3(m, v) else { return 0.0 };
    let (mut sum, mut n) = (0.0, 0.0);
    for (i, _) in mask.iter().enumerate().filter(|(_, s)| **s) {
        let fit = coef[0] + coef[1] * (i % a.width) as f64 / w + coef[2] * (i / a.width) as f64 / h;
        sum += (f64::from(a.luma[i]) - fit).powi(2);
        n += 1.0;
    }
    (sum / f64::max(n, 1.0)).sqrt() as f32
}

/// Solves a 3×3 system by Cramer's rule (None when singular).
fn solve3(m: [[f64; 3]; 3], v: [f64; 3]) -> Option<[f64; 3]> {
    let det = |m: &[[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let d = det(&m);
    if d.abs() < 1e-12 {
        return None;
    }
    let mut out = [0f64; 3];
    for (k, o) in out.iter_mut().enumerate() {
        let mut mk = m;
        for r in 0..3 {
            mk[r][k] = v[r];
        }
        *o = det(&mk) / d;
    }
    Some(out)
}

/// What the sky looks like, for choosing motion and sound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SkyKind {
    None,
    Blue,
    Overcast,
    Sunset,
    Night,
}

/// Masks found in one picture.
pub struct SkyWater {
    pub sky: Field,
    pub water: Field,
    /// Horizon row as a fraction of the height.
    pub horizon: f32,
    pub horizon_found: bool,
    pub sky_kind: SkyKind,
    /// Mean sky colour (0..=1 RGB).
    pub sky_colour: [f32; 3],
    /// Brightest point of the sky as fractions of width and height.
    pub sun: Option<(f32, f32)>,
}

/// Finds sky, horizon and water with the hand-made finder alone.
/// `want_water` relaxes the water test when the user asked for water motion.
pub fn find(a: &Analysis, want_water: bool) -> SkyWater {
    match grow(a) {
        Some(sky) => with_sky(a, &sky, want_water),
        None => SkyWater::none(a.width, a.height),
    }
}

impl SkyWater {
    /// No sky, no water.
    pub fn none(w: usize, h: usize) -> SkyWater {
        SkyWater {
            sky: Field::new(w, h, 0.0),
            water: Field::new(w, h, 0.0),
            horizon: 0.4,
            horizon_found: false,
            sky_kind: SkyKind::None,
            sky_colour: [0.0; 3],
            sun: None,
        }
    }
}

/// The hand-made sky finder: sky grown from the top edge, gaps between
/// branches added, then checked for plausibility. None when what it grew
/// is too small or does not behave like a sky.
pub fn grow(a: &Analysis) -> Option<Vec<bool>> {
    let (w, h) = (a.width, a.height);
    let n = w * h;
    let mut sky = vec![false; n];
    let mut queue = VecDeque::new();
    for (x, s) in sky.iter_mut().enumerate().take(w) {
        if sky_colour(a, x) * smooth(a, x, 0.06) > 0.3 {
            *s = true;
            queue.push_back(x);
        }
    }
    while let Some(i) = queue.pop_front() {
        let (x, y) = (i % w, i / w);
        let mut visit = |j: usize| {
            if !sky[j] && smooth(a, j, 0.06) > 0.25 && sky_colour(a, j) > 0.14 && dist(a.rgb[i], a.rgb[j]) < 0.05 {
                sky[j] = true;
                queue.push_back(j);
            }
        };
        if x > 0 {
            visit(i - 1);
        }
        if x + 1 < w {
            visit(i + 1);
        }
        if y + 1 < h {
            visit(i + w);
        }
        if y > 0 {
            visit(i - w);
        }
    }
    let count = sky.iter().filter(|&&s| s).count();
    if count * 100 < n {
        // Less than 1 % of the picture: no usable sky.
        return None;
    }
    // Sky model: mean and spread of the grown region.
    let mean = mean_colour(a, &sky);
    let spread = ((0..n).filter(|&i| sky[i]).map(|i| dist(a.rgb[i], mean).powi(2)).sum::<f32>() / count as f32).sqrt();
    let lowest = (0..n).filter(|&i| sky[i]).map(|i| i / w).max().unwrap_or(0);
    // Gaps between branches and behind wires: sky-coloured, smooth, not
    // below the lowest connected sky.
    for (i, s) in sky.iter_mut().enumerate().take(lowest * w) {
        if !*s && dist(a.rgb[i], mean) < 2.0 * spread + 0.04 && smooth(a, i, 0.09) > 0.3 {
            *s = true;
        }
    }
    plausible(a, &sky).then_some(sky)
}

/// Mean colour of the analysis picture under `mask` (black when it is empty).
fn mean_colour(a: &Analysis, mask: &[bool]) -> [f32; 3] {
    let mut mean = [0f32; 3];
    let mut count = 0usize;
    for (c, _) in a.rgb.iter().zip(mask).filter(|(_, &m)| m) {
        for (m, v) in mean.iter_mut().zip(c) {
            *m += v;
        }
        count += 1;
    }
    mean.map(|m| m / count.max(1) as f32)
}

/// Whether a mask behaves like a sky (the finder's own checks, also asked
/// of a sky the classifier found alone).
pub fn plausible(a: &Analysis, sky: &[bool]) -> bool {
    let (w, h) = (a.width, a.height);
    let Some(mean) = sky.iter().any(|&s| s).then(|| mean_colour(a, sky)) else {
        return false;
    };
    // A sky lies over the scene: its columns end well above the bottom
    // (a bright sign or wall reaching down the frame is not one), and its
    // light changes smoothly (a plane fitted to its luma leaves little; a
    // row of shirts or a patterned ceiling leaves a lot).
    let mut ends: Vec<usize> = (0..w).filter_map(|x| (0..h).rev().find(|&y| sky[y * w + x])).collect();
    ends.sort_unstable();
    if ends.get(ends.len() / 2).is_some_and(|&e| e * 10 > h * 7) || plane_residual(a, sky) > 0.12 {
        return false;
    }
    // A warm region with no change of colour from its top to its bottom is
    // a surface (a table, a wall), not a sunset: real warm skies shade from
    // the glow at the horizon to a cooler, darker top.
    if mean[0] > mean[2] + 0.04 {
        let rows: Vec<usize> = (0..h).filter(|&y| (0..w).any(|x| sky[y * w + x])).collect();
        let band = |ys: &[usize]| {
            let mut m = [0f32; 3];
            let mut c = 0.0;
            for &y in ys {
                for x in (0..w).filter(|&x| sky[y * w + x]) {
                    for (mm, v) in m.iter_mut().zip(a.rgb[y * w + x]) {
                        *mm += v;
                    }
                    c += 1.0;
                }
            }
            m.map(|v| v / f32::max(c, 1.0))
        };
        let third = (rows.len() / 3).max(1);
        let (top, bottom) = (band(&rows[..third.min(rows.len())]), band(&rows[rows.len().saturating_sub(third)..]));
        if dist(top, bottom) < 0.06 {
            return false;
        }
    }
    true
}

/// Horizon, kind of sky, sun and water for a sky mask (from the finder or
/// the classifier).
pub fn with_sky(a: &Analysis, sky: &[bool], want_water: bool) -> SkyWater {
    let (w, h) = (a.width, a.height);
    let n = w * h;
    let mut result = SkyWater::none(w, h);
    let count = sky.iter().filter(|&&s| s).count();
    if count == 0 {
        return result;
    }
    let mean = mean_colour(a, sky);
    // Skyline per column: the first row from the top that is not sky.
    let mut lines: Vec<usize> =
        (0..w).filter(|&x| sky[x]).map(|x| (0..h).find(|&y| !sky[y * w + x]).unwrap_or(h)).collect();
    lines.sort_unstable();
    if let Some(&m) = lines.get(lines.len() / 2) {
        result.horizon = (m as f32 / h as f32).clamp(0.05, 0.95);
        result.horizon_found = true;
    }
    let sky_field = Field { width: w, height: h, data: sky.iter().map(|&s| if s { 1.0 } else { 0.0 }).collect() };
    result.sky = sky_field.blurred(1);
    result.sky_colour = mean;
    let ml = 0.2126 * mean[0] + 0.7152 * mean[1] + 0.0722 * mean[2];
    let msat = (mean[0].max(mean[1]).max(mean[2]) - mean[0].min(mean[1]).min(mean[2]))
        / mean[0].max(mean[1]).max(mean[2]).max(1e-3);
    result.sky_kind = if ml < 0.2 {
        SkyKind::Night
    } else if mean[0] > mean[2] + 0.04 {
        SkyKind::Sunset
    } else if msat < 0.15 {
        SkyKind::Overcast
    } else {
        SkyKind::Blue
    };
    // The sun: the centroid of the brightest sky pixels.
    let peak = (0..n).filter(|&i| sky[i]).map(|i| a.luma[i]).fold(0.0, f32::max);
    if peak > 0.8 {
        let bright: Vec<usize> = (0..n).filter(|&i| sky[i] && a.luma[i] > peak - 0.03).collect();
        if !bright.is_empty() && bright.len() * 20 < count {
            let cx = bright.iter().map(|&i| (i % w) as f32).sum::<f32>() / bright.len() as f32;
            let cy = bright.iter().map(|&i| (i / w) as f32).sum::<f32>() / bright.len() as f32;
            result.sun = Some(((cx + 0.5) / w as f32, (cy + 0.5) / h as f32));
        }
    }
    result.water = find_water(a, sky, mean, result.horizon, want_water);
    result
}

fn find_water(a: &Analysis, sky: &[bool], sky_mean: [f32; 3], horizon: f32, relaxed: bool) -> Field {
    let (w, h) = (a.width, a.height);
    let hz = ((horizon * h as f32) as usize).min(h - 1);
    let limit = if relaxed { 0.12 } else { 0.07 };
    let candidate = |i: usize| {
        if sky[i] || i / w < hz {
            return false;
        }
        let [r, g, b] = a.rgb[i];
        let bluish = b > r + 0.02 && b + 0.1 > g;
        let mirror = dist(a.rgb[i], sky_mean) < 0.22;
        let warm_skin = r > g + 0.06 && r > b + 0.1;
        // Asked-for water may also be grey or green-grey (lakes, rivers
        // under cloud), but never warm.
        let greyish = relaxed && a.saturation(i) < 0.25 && r <= b + 0.08;
        smooth(a, i, limit) > 0.2 && (bluish || mirror || greyish) && !warm_skin
    };
    let mut water = vec![false; w * h];
    let mut queue = VecDeque::new();
    // Seeds: a band just under the horizon (skipping the rows the horizon
    // edge itself makes look textured), where the sea meets the sky.
    let (band0, band1) = ((hz + 2).min(h), (hz + 2 + (h / 12).max(3)).min(h));
    for y in band0..band1 {
        for x in 0..w {
            let i = y * w + x;
            if candidate(i) {
                water[i] = true;
                queue.push_back(i);
            }
        }
    }
    while let Some(i) = queue.pop_front() {
        let (x, y) = (i % w, i / w);
        for j in
            [(x > 0).then(|| i - 1), (x + 1 < w).then(|| i + 1), (y + 1 < h).then(|| i + w), (y > hz).then(|| i - w)]
                .into_iter()
                .flatten()
        {
            if !water[j] && candidate(j) && dist(a.rgb[i], a.rgb[j]) < 0.08 {
                water[j] = true;
                queue.push_back(j);
            }
        }
    }
    let count = water.iter().filter(|&&v| v).count();
    // A real body of water spans much of the width near the horizon and
    // covers a fair part of the picture.
    let top_rows =
        (band0..(hz + h / 10).min(h)).map(|y| (0..w).filter(|&x| water[y * w + x]).count()).max().unwrap_or(0);
    let min_share = if relaxed { 0.01 } else { 0.04 };
    // Even when asked for, water must meet the horizon over a fair width.
    let min_top = if relaxed { 2 } else { 3 };
    // Water lies in the lower part of a photo: it reaches below 60 % of the height.
    let lowest = (0..w * h).rev().find(|&i| water[i]).map_or(0, |i| i / w);
    if (count as f32) < min_share * (w * h) as f32 || top_rows * 10 < w * min_top || lowest * 10 < h * 6 {
        return Field::new(w, h, 0.0);
    }
    Field { width: w, height: h, data: water.iter().map(|&v| if v { 1.0 } else { 0.0 }).collect() }.blurred(1)
}
