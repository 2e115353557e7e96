//! Eyes that glance: once in a clip, the eyes of the faces the face pack
//! read look aside for a moment and come back.
//!
//! Drawn on the finished frame like the blinks: between each eye's lid
//! lines (from the face mesh) the eyeball's content shifts sideways, most
//! in the middle of the opening and not at all at the lids or the corners,
//! so the iris moves and the lids stay.

use vivify_codec::Frame;

use super::face_mesh::Landmarks;
use super::face_warp::{line_at, planes, EyeLids};

/// How far the iris moves at the glance's height, as a share of the eye's
/// width, and when (share of the clip) and how long the glance lasts.
const SHIFT: f32 = 0.14;
const AT: f32 = 0.62;
const GO_S: f32 = 0.18;
const HOLD_S: f32 = 0.55;
const BACK_S: f32 = 0.25;

/// The glance of a clip.
#[derive(Clone, Debug)]
pub struct Glances {
    /// Every eye's lids, in source pixels.
    eyes: Vec<EyeLids>,
    start: f32,
    /// -1 looks to the picture's left, 1 to its right.
    side: f32,
}

impl Glances {
    /// A glance for `meshes` (points through `to_source` into source
    /// pixels) in a clip of `duration` seconds; `seed` picks the side.
    pub fn new(
        meshes: &[Landmarks],
        to_source: impl Fn(f32, f32) -> (f32, f32),
        duration: f32,
        seed: u64,
    ) -> Option<Glances> {
        let start = duration * AT;
        if meshes.is_empty() || start + GO_S + HOLD_S + BACK_S > duration - 0.1 {
            return None;
        }
        let eyes = meshes.iter().flat_map(|m| EyeLids::of(m, &to_source)).collect();
        Some(Glances { eyes, start, side: if seed.is_multiple_of(2) { -1.0 } else { 1.0 } })
    }

    /// How far aside the eyes look at `t` (0..=1).
    pub fn amount(&self, t: f32) -> f32 {
        let s = t - self.start;
        let a = if s <= 0.0 {
            0.0
        } else if s < GO_S {
            s / GO_S
        } else if s < GO_S + HOLD_S {
            1.0
        } else {
            (1.0 - (s - GO_S - HOLD_S) / BACK_S).max(0.0)
        };
        a * a * (3.0 - 2.0 * a)
    }

    /// Which way the eyes look (-1 left, 1 right, in the picture).
    pub fn side(&self) -> f32 {
        self.side
    }

    /// Draws the frame at `t`'s glance into `out`; `to_out` carries a
    /// source point to where the frame shows it.
    pub fn draw(&self, t: f32, out: &mut Frame, to_out: impl Fn((f32, f32)) -> (f32, f32)) {
        let a = self.amount(t);
        if a <= 0.01 {
            return;
        }
        for eye in &self.eyes {
            let lids = eye.moved(&to_out);
            shift_eyeball(out, &lids.upper, &lids.lower, a * self.side);
        }
    }
}

/// Shifts what lies between the lids sideways by `side` × [`SHIFT`] of the
/// eye's width at most (negative: to the left), row by row.
fn shift_eyeball(out: &mut Frame, upper: &[(f32, f32)], lower: &[(f32, f32)], side: f32) {
    let xs = upper.iter().chain(lower).map(|p| p.0);
    let (x_min, x_max) = xs.fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
    let ys = upper.iter().chain(lower).map(|p| p.1);
    let (y_min, y_max) = ys.fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), y| (a.min(y), b.max(y)));
    let width = x_max - x_min;
    if !width.is_finite() || width < 3.0 {
        return;
    }
    let shift = side * SHIFT * width;
    for (plane, pw, ph, scale) in planes(out) {
        let x0 = ((x_min * scale).floor().max(0.0) as usize).min(pw);
        let x1 = ((x_max * scale).ceil().max(0.0) as usize + 1).min(pw);
        let y0 = ((y_min * scale).floor().max(0.0) as usize).min(ph);
        let y1 = ((y_max * scale).ceil().max(0.0) as usize + 1).min(ph);
        for y in y0..y1 {
            let row: Vec<f32> = plane[y * pw..(y + 1) * pw].iter().map(|&v| f32::from(v)).collect();
            let at = |x: f32| {
                let x = x.clamp(0.0, (pw - 1) as f32);
                let (i, f) = (x.floor() as usize, x - x.floor());
                row[i] + (row[(i + 1).min(pw - 1)] - row[i]) * f
            };
            let fy = (y as f32 + 0.5) / scale - 0.5;
            for x in x0..x1 {
                let fx = (x as f32 + 0.5) / scale - 0.5;
                let (Some(yu), Some(yl)) = (line_at(upper, fx), line_at(lower, fx)) else { continue };
                if fy <= yu || fy >= yl {
                    continue;
                }
                // Most in the middle of the opening, none at the lids or
                // the corners.
                let across = ((fy - yu) / (yl - yu) * std::f32::consts::PI).sin();
                let u = ((fx - x_min) / width * 2.0 - 1.0).abs();
                let along = (1.0 - u * u * u * u).max(0.0);
                let d = shift * across * along;
                plane[y * pw + x] = (at((fx - d + 0.5) * scale - 0.5) + 0.5) as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_iris_moves_and_the_lids_and_corners_stay() {
        // An eye: white between the lids (rows 20–30, columns 10–50) with a
        // dark iris at columns 27–33; skin (150) elsewhere.
        let (w, h) = (60, 50);
        let mut f = Frame::new(w, h).expect("frame");
        for y in 0..h {
            for x in 0..w {
                let inside = (20..=30).contains(&y) && (10..=50).contains(&x);
                f.y[y * w + x] = if !inside {
                    150
                } else if (27..=33).contains(&x) {
                    20
                } else {
                    235
                };
            }
        }
        let before = f.y.clone();
        let upper = vec![(10.0, 25.0), (20.0, 19.5), (40.0, 19.5), (50.0, 25.0)];
        let lower = vec![(10.0, 25.0), (20.0, 30.5), (40.0, 30.5), (50.0, 25.0)];
        shift_eyeball(&mut f, &upper, &lower, 1.0);
        // The iris's middle row: darkest column moved right by ~5 px.
        let darkest = |v: &[u8]| (0..w).min_by_key(|&x| v[25 * w + x]).expect("columns");
        let moved = darkest(&f.y) as i64 - darkest(&before) as i64;
        assert!((3..=7).contains(&moved), "moved {moved}");
        // Skin above the lid and the corners did not change.
        assert_eq!(f.y[10 * w + 30], before[10 * w + 30]);
        assert_eq!(f.y[25 * w + 10], before[25 * w + 10]);
    }

    #[test]
    fn one_glance_out_and_back() {
        let m = Landmarks { points: vec![[0.5, 0.5, 0.0]; 468], presence: 1.0 };
        let g = Glances::new(&[m], |x, y| (x, y), 3.0, 3).expect("a glance");
        assert_eq!(g.amount(1.0), 0.0);
        assert!((g.amount(1.86 + GO_S + 0.1) - 1.0).abs() < 1e-6);
        assert_eq!(g.amount(2.95), 0.0);
        assert_eq!(g.side(), 1.0);
    }
}
