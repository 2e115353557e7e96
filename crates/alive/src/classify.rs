//! The learned sky and water classifier: a small two-layer network over the
//! features of each superpixel ([`crate::regions`]), trained here on the
//! tuning half of the evaluation set by `examples/train_scene.rs`. Its
//! weights (`scene_weights.rs`, a few kilobytes) are ours and are rebuilt,
//! bit for bit, by running that example again.

use crate::regions::{Regions, FEATURES};
use crate::scene_weights as wts;
use vivify_picture::image::Field;

/// Hidden units of the network.
pub const HIDDEN: usize = wts::HIDDEN;

/// The network's weights, as the trainer writes them.
pub struct Weights<'a> {
    pub mean: &'a [f32; FEATURES],
    pub scale: &'a [f32; FEATURES],
    pub w1: &'a [[f32; FEATURES]; HIDDEN],
    pub b1: &'a [f32; HIDDEN],
    pub w2: &'a [[f32; HIDDEN]; 2],
    pub b2: &'a [f32; 2],
}

/// The weights built into this binary.
pub const BUILT_IN: Weights<'static> =
    Weights { mean: &wts::MEAN, scale: &wts::SCALE, w1: &wts::W1, b1: &wts::B1, w2: &wts::W2, b2: &wts::B2 };

/// Sky and water probability of one region.
pub fn region(w: &Weights<'_>, f: &[f32; FEATURES]) -> [f32; 2] {
    let mut x = [0f32; FEATURES];
    for i in 0..FEATURES {
        x[i] = (f[i] - w.mean[i]) * w.scale[i];
    }
    let mut hidden = [0f32; HIDDEN];
    for (j, hj) in hidden.iter_mut().enumerate() {
        let s: f32 = w.w1[j].iter().zip(&x).map(|(a, b)| a * b).sum::<f32>() + w.b1[j];
        *hj = s.tanh();
    }
    let mut out = [0f32; 2];
    for (k, o) in out.iter_mut().enumerate() {
        let s: f32 = w.w2[k].iter().zip(&hidden).map(|(a, b)| a * b).sum::<f32>() + w.b2[k];
        *o = 1.0 / (1.0 + (-s).exp());
    }
    out
}

/// Sky and water masks (1 inside, 0 outside) at analysis size, from the
/// features of each region.
pub fn fields(w: &Weights<'_>, r: &Regions, features: &[[f32; FEATURES]]) -> (Field, Field) {
    let probs: Vec<[f32; 2]> = features.iter().map(|f| region(w, f)).collect();
    let (sky_regions, water_regions) = decide(r, &probs);
    let mut sky = Field::new(r.width, r.height, 0.0);
    let mut water = Field::new(r.width, r.height, 0.0);
    for (i, &l) in r.label.iter().enumerate() {
        sky.data[i] = f32::from(u8::from(sky_regions[l as usize]));
        water.data[i] = f32::from(u8::from(water_regions[l as usize]));
    }
    (sky, water)
}

/// Smallest share of the picture a sky or water area may have; smaller
/// specks are the classifier's noise, not something to animate.
const MIN_SHARE: f32 = 0.02;

/// Regions sharing an edge, for each region.
fn neighbours(r: &Regions) -> Vec<Vec<u32>> {
    let mut n: Vec<Vec<u32>> = vec![Vec::new(); r.count];
    let mut link = |a: u32, b: u32| {
        if a != b && !n[a as usize].contains(&b) {
            n[a as usize].push(b);
            n[b as usize].push(a);
        }
    };
    for y in 0..r.height {
        for x in 0..r.width {
            let i = y * r.width + x;
            if x + 1 < r.width {
                link(r.label[i], r.label[i + 1]);
            }
            if y + 1 < r.height {
                link(r.label[i], r.label[i + r.width]);
            }
        }
    }
    n
}

/// The connected areas of regions that are `member`s (`n`: each region's
/// neighbours), each as its region indexes.
fn components(n: &[Vec<u32>], member: impl Fn(usize) -> bool) -> Vec<Vec<usize>> {
    let mut seen = vec![false; n.len()];
    let mut out = Vec::new();
    for start in 0..n.len() {
        if seen[start] || !member(start) {
            continue;
        }
        let mut stack = vec![start];
        seen[start] = true;
        let mut comp = Vec::new();
        while let Some(k) = stack.pop() {
            comp.push(k);
            for &m in &n[k] {
                let m = m as usize;
                if !seen[m] && member(m) {
                    seen[m] = true;
                    stack.push(m);
                }
            }
        }
        out.push(comp);
    }
    out
}

/// Final sky and water regions from their probabilities: connected areas
/// of likely regions, each big enough to matter; sky areas must reach the
/// top of the picture (sky seen through leaves joins that area through the
/// likely regions between), water areas must not lie above the sky.
pub fn decide(r: &Regions, probs: &[[f32; 2]]) -> (Vec<bool>, Vec<bool>) {
    let n = neighbours(r);
    let mut area = vec![0f32; r.count];
    let mut top = vec![false; r.count];
    let mut y_sum = vec![0f32; r.count];
    for (i, &l) in r.label.iter().enumerate() {
        area[l as usize] += 1.0;
        y_sum[l as usize] += (i / r.width) as f32;
        if i < r.width {
            top[l as usize] = true;
        }
    }
    let total = (r.width * r.height) as f32;
    let likely = |class: usize| move |k: usize| probs[k][class] > 0.5;
    let mut sky = vec![false; r.count];
    for comp in components(&n, likely(0)) {
        let share = comp.iter().map(|&k| area[k]).sum::<f32>() / total;
        if share >= MIN_SHARE && comp.iter().any(|&k| top[k]) {
            comp.iter().for_each(|&k| sky[k] = true);
        }
    }
    let sky_area: f32 = (0..r.count).filter(|&k| sky[k]).map(|k| area[k]).sum();
    let sky_y =
        if sky_area > 0.0 { (0..r.count).filter(|&k| sky[k]).map(|k| y_sum[k]).sum::<f32>() / sky_area } else { -1.0 };
    let mut water = vec![false; r.count];
    for comp in components(&n, likely(1)) {
        let a: f32 = comp.iter().map(|&k| area[k]).sum();
        let mean_y = comp.iter().map(|&k| y_sum[k]).sum::<f32>() / a;
        if a / total >= MIN_SHARE && mean_y > sky_y {
            comp.iter().filter(|&&k| !sky[k]).for_each(|&k| water[k] = true);
        }
    }
    (sky, water)
}

/// Pixels in each region.
fn region_areas(r: &Regions) -> Vec<f32> {
    let mut area = vec![0f32; r.count];
    for &l in &r.label {
        area[l as usize] += 1.0;
    }
    area
}

/// Share of the picture in regions the finder calls sky (`finder` is
/// [`region_shares`] of its mask).
fn finder_share(area: &[f32], finder: &[f32], total: f32) -> f32 {
    area.iter().zip(finder).filter(|(_, &f)| f > 0.5).map(|(a, _)| a).sum::<f32>() / total
}

/// Share of each region the hand-made sky finder calls sky.
pub fn region_shares(r: &Regions, sky: &Field) -> Vec<f32> {
    let mut sum = vec![0f32; r.count];
    for (&l, &v) in r.label.iter().zip(&sky.data) {
        sum[l as usize] += v;
    }
    sum.iter().zip(region_areas(r)).map(|(s, c)| if c > 0.0 { s / c } else { 0.0 }).collect()
}

/// The classifier and the hand-made finder together, for the sky: where
/// the finder found sky, its sky plus every area the classifier calls sky
/// that touches it (the finder stops at clouds and hazy edges, the
/// classifier does not); where it found none, only a large, confident area
/// of the classifier's (the finder's caution against walls and backdrops
/// is worth keeping). `finder` is [`region_shares`] of the finder's mask.
pub fn combine_sky(r: &Regions, probs: &[[f32; 2]], finder: &[f32]) -> Vec<bool> {
    let (model, _) = decide(r, probs);
    let n = neighbours(r);
    let area = region_areas(r);
    let total = (r.width * r.height) as f32;
    let found: Vec<bool> = finder.iter().map(|&v| v > 0.5).collect();
    let found_share = finder_share(&area, finder, total);
    let mut out = if found_share >= FINDER_SKY { found.clone() } else { vec![false; r.count] };
    for comp in components(&n, |k| model[k]) {
        let a: f32 = comp.iter().map(|&k| area[k]).sum();
        let keep = if found_share >= FINDER_SKY {
            comp.iter().any(|&k| found[k] || n[k].iter().any(|&m| found[m as usize]))
        } else {
            let confidence = comp.iter().map(|&k| probs[k][0] * area[k]).sum::<f32>() / a;
            a / total >= LONE_SKY_SHARE && confidence >= LONE_SKY_CONFIDENCE
        };
        if keep {
            comp.iter().for_each(|&k| out[k] = true);
        }
    }
    out
}

/// The classifier's sky, kept only when the picture as a whole looks like
/// it has one: the hand-made finder agrees there is sky (`finder` share of
/// at least `FINDER_SKY`), or the classifier's sky is large (`share`),
/// sure (`confidence`, its area-weighted mean probability) and spans most
/// of the top edge (`top`). Otherwise no sky at all.
pub fn gated_sky(r: &Regions, probs: &[[f32; 2]], finder: &[f32], gate: SkyGate) -> Vec<bool> {
    let (model, _) = decide(r, probs);
    let area = region_areas(r);
    let total = (r.width * r.height) as f32;
    let finder_share = finder_share(&area, finder, total);
    let sky_area: f32 = (0..r.count).filter(|&k| model[k]).map(|k| area[k]).sum();
    if sky_area == 0.0 {
        return model;
    }
    let confidence = (0..r.count).filter(|&k| model[k]).map(|k| probs[k][0] * area[k]).sum::<f32>() / sky_area;
    let top = r.label[..r.width].iter().filter(|&&l| model[l as usize]).count() as f32 / r.width as f32;
    let strong = sky_area / total >= gate.share && confidence >= gate.confidence && top >= gate.top;
    if finder_share >= FINDER_SKY || strong {
        model
    } else {
        vec![false; r.count]
    }
}

/// Both must agree: where the finder and the classifier both see sky, the
/// finder's sky (its edges are finer than superpixels) with the
/// classifier's areas that touch it; where only the finder does, none (the
/// classifier vetoes walls and backdrops); where only the classifier does,
/// its sky if it passes `gate`.
pub fn agreed_sky(r: &Regions, probs: &[[f32; 2]], finder: &[f32], gate: SkyGate) -> Vec<bool> {
    let (model, _) = decide(r, probs);
    if !model.iter().any(|&m| m) {
        return model;
    }
    let total = (r.width * r.height) as f32;
    if finder_share(&region_areas(r), finder, total) >= FINDER_SKY {
        combine_sky(r, probs, finder)
    } else {
        gated_sky(r, probs, finder, gate)
    }
}

/// How the sky of a photo was decided (for plan notes and `--explain`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkyVerdict {
    /// Neither the finder nor the classifier sees sky.
    None,
    /// Both see sky: the finder's mask (its edges are pixel-fine).
    Agreed,
    /// The finder saw sky, the classifier none: taken for a wall, a
    /// backdrop or a ceiling, and dropped.
    Vetoed,
    /// The finder missed it; the classifier's sky is large and sure.
    Rescued,
    /// Only the classifier sees sky, and not surely enough.
    Doubtful,
}

/// The gate a classifier-only sky must pass (chosen by 4-fold
/// cross-validation on the tuning photos: `train_scene --folds 4`).
pub const RESCUE_GATE: SkyGate = SkyGate { share: 0.15, confidence: 0.85, top: 0.6 };

/// The sky of a photo from the hand-made finder's mask (`finder`, per
/// pixel, None when it found none) and the classifier's region
/// probabilities: the finder's sky where the classifier also sees sky,
/// none where it does not, the classifier's own sky where the finder saw
/// none but the classifier's passes [`RESCUE_GATE`] and `plausible` (the
/// finder's own checks that a mask behaves like a sky).
pub fn judge_sky(
    r: &Regions,
    probs: &[[f32; 2]],
    finder: Option<&[bool]>,
    plausible: &dyn Fn(&[bool]) -> bool,
) -> (Option<Vec<bool>>, SkyVerdict) {
    let finder_share = finder.map_or(0.0, |f| f.iter().filter(|&&b| b).count() as f32 / f.len().max(1) as f32);
    let (model, _) = decide(r, probs);
    let model_sees = model.iter().any(|&m| m);
    match finder {
        Some(f) if finder_share >= FINDER_SKY => {
            if model_sees {
                (Some(f.to_vec()), SkyVerdict::Agreed)
            } else {
                (None, SkyVerdict::Vetoed)
            }
        }
        _ if !model_sees => (None, SkyVerdict::None),
        _ => {
            // The gate has no use for the finder's few pixels here.
            let none = vec![0.0; r.count];
            let gated = gated_sky(r, probs, &none, RESCUE_GATE);
            let mask: Vec<bool> = r.label.iter().map(|&l| gated[l as usize]).collect();
            if mask.iter().any(|&g| g) && plausible(&mask) {
                (Some(mask), SkyVerdict::Rescued)
            } else {
                (None, SkyVerdict::Doubtful)
            }
        }
    }
}

/// Thresholds of [`gated_sky`].
#[derive(Clone, Copy, Debug)]
pub struct SkyGate {
    pub share: f32,
    pub confidence: f32,
    pub top: f32,
}

/// Sky share from which the finder's verdict counts (as `Scene::has_sky`).
const FINDER_SKY: f32 = 0.03;
/// Without the finder, the classifier's sky must be this large and sure.
const LONE_SKY_SHARE: f32 = 0.1;
const LONE_SKY_CONFIDENCE: f32 = 0.85;

#[cfg(test)]
mod tests {
    use super::*;

    /// A 10×10 picture cut in 100 one-pixel regions.
    fn grid() -> Regions {
        Regions { width: 10, height: 10, label: (0..100).collect(), count: 100 }
    }

    #[test]
    fn sky_must_reach_the_top_and_specks_and_water_above_it_are_dropped() {
        let r = grid();
        let mut probs = vec![[0.0f32, 0.0]; 100];
        // Sky: the top three rows. A sky-like blob cut off from the top (rows 6–7).
        probs[..30].iter_mut().for_each(|p| p[0] = 0.9);
        probs[60..80].iter_mut().for_each(|p| p[0] = 0.9);
        // Water: rows 8–9; a single water-like pixel (a speck) in row 4.
        probs[80..].iter_mut().for_each(|p| p[1] = 0.9);
        probs[45][1] = 0.9;
        let (sky, water) = decide(&r, &probs);
        assert!((0..30).all(|k| sky[k]) && (30..100).all(|k| !sky[k]), "only the area touching the top is sky");
        assert!((80..100).all(|k| water[k]) && !water[45], "the speck is not water");
        // Water lying higher than the sky is not water.
        let mut upside = vec![[0.0f32, 0.0]; 100];
        for (k, p) in upside.iter_mut().enumerate() {
            let (row, col) = (k / 10, k % 10);
            if col >= 5 && row < 6 {
                p[0] = 0.9;
            } else if col < 5 && row < 2 {
                p[1] = 0.9;
            }
        }
        let (_, water) = decide(&r, &upside);
        assert!(water.iter().all(|w| !w), "water above the sky");
    }
}
