//! A soft smile: the mouth corners and the cheeks above them lift and
//! widen a little, on faces whose mesh the face pack found.
//!
//! Drawn on the finished frame round each mouth, like the blinks: a smooth
//! displacement centred on each mouth corner (a Gaussian a third of the
//! mouth's width across) moves that corner up and out by a few percent of
//! the mouth's width, pulling the cheek with it and leaving the middle of
//! the lips where it is. The lips never part, so no teeth are invented.
//! The smile grows over a second after the clip wakes, holds, and (in a
//! loop) relaxes before the end.

use vivify_codec::Frame;

use super::face_mesh::{Landmarks, MOUTH};

/// How far each corner moves at the full smile, as shares of the mouth's
/// width: up, and outwards.
const LIFT: f32 = 0.10;
const WIDEN: f32 = 0.05;
/// How far the pull reaches beyond the corners and off the mouth's line,
/// as a share of half the mouth's width.
const REACH: f32 = 0.6;
/// When the smile grows (seconds from the start) and for how long.
const GROW_FROM: f32 = 0.6;
const GROW_S: f32 = 1.0;

/// The smiles of a clip.
#[derive(Clone, Debug)]
pub struct Smiles {
    /// Each face's mouth corners (left, right) in source pixels.
    mouths: Vec<[(f32, f32); 2]>,
    duration: f32,
    looped: bool,
    strength: f32,
}

impl Smiles {
    /// Smiles for `meshes` (points through `to_source` into source pixels),
    /// at `strength` (1 = the full soft smile).
    pub fn new(
        meshes: &[Landmarks],
        to_source: impl Fn(f32, f32) -> (f32, f32),
        duration: f32,
        looped: bool,
        strength: f32,
    ) -> Option<Smiles> {
        let mouths: Vec<[(f32, f32); 2]> = meshes
            .iter()
            .map(|m| {
                let at = |i: usize| to_source(m.points[i][0], m.points[i][1]);
                [at(MOUTH[0]), at(MOUTH[1])]
            })
            .collect();
        (!mouths.is_empty() && strength > 0.0 && duration > GROW_FROM + 0.3).then_some(Smiles {
            mouths,
            duration,
            looped,
            strength: strength.min(1.5),
        })
    }

    /// How much of the smile shows at `t` (0..=strength).
    pub fn amount(&self, t: f32) -> f32 {
        let grow = ((t - GROW_FROM) / GROW_S).clamp(0.0, 1.0);
        let mut a = grow * grow * (3.0 - 2.0 * grow);
        if self.looped {
            // Back to the photo's own face by the loop's end.
            let fade = ((self.duration - t) / GROW_S).clamp(0.0, 1.0);
            a *= fade * fade * (3.0 - 2.0 * fade);
        }
        a * self.strength
    }

    /// Draws the frame at `t`'s smiles into `out`; `to_out` carries a
    /// source point to where the frame shows it.
    pub fn draw(&self, t: f32, out: &mut Frame, to_out: impl Fn((f32, f32)) -> (f32, f32)) {
        let s = self.amount(t);
        if s <= 0.005 {
            return;
        }
        for m in &self.mouths {
            let (l, r) = (to_out(m[0]), to_out(m[1]));
            lift_corners(out, l, r, s);
        }
    }
}

/// Moves the mouth corners `l` and `r` (frame pixels) up and apart by
/// `s` of the full smile, with everything near them (a `displace` warp). The
/// lift grows with the square of the distance from the mouth's middle
/// along its line (none in the middle, all at the corners), fades beyond
/// the corners and away from the line.
fn lift_corners(out: &mut Frame, l: (f32, f32), r: (f32, f32), s: f32) {
    let width = (r.0 - l.0).hypot(r.1 - l.1);
    if width < 4.0 {
        return;
    }
    let half = width / 2.0;
    let centre = ((l.0 + r.0) / 2.0, (l.1 + r.1) / 2.0);
    // Along the mouth (left to right) and across it (upwards in the frame
    // for an upright face).
    let (ax, ay) = ((r.0 - l.0) / width, (r.1 - l.1) / width);
    let (nx, ny) = (ay, -ax);
    let (lift, widen) = (LIFT * width * s, WIDEN * width * s);
    let pull = |fx: f32, fy: f32| {
        let (px, py) = (fx - centre.0, fy - centre.1);
        let (u, v) = ((px * ax + py * ay) / half, (px * nx + py * ny) / half);
        let beyond = (u.abs() - 1.0).max(0.0);
        let along = u.abs().min(1.0) * (-beyond * beyond / (2.0 * REACH * REACH)).exp();
        let across = (-v * v / (2.0 * REACH * REACH * 2.0)).exp();
        let (up, apart) = (lift * along * along * across, widen * along * across * u.signum());
        (nx * up + ax * apart, ny * up + ay * apart)
    };
    let reach = half * (1.0 + 3.0 * REACH);
    super::face_warp::displace(out, centre, (reach, reach), pull);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_corner_rises_and_the_middle_of_the_lips_stays() {
        // A dark horizontal mouth line (row 30, columns 20–60) on skin.
        let (w, h) = (80, 60);
        let mut f = Frame::new(w, h).expect("frame");
        f.y.fill(200);
        for x in 20..=60 {
            f.y[30 * w + x] = 40;
        }
        let before = f.y.clone();
        lift_corners(&mut f, (20.0, 30.0), (60.0, 30.0), 1.0);
        // The line's ends now sit higher: the dark is found above row 30
        // near the corners, and the middle is where it was.
        let darkest_row = |x: usize| (0..h).min_by_key(|&y| f.y[y * w + x]).expect("rows");
        assert!(darkest_row(22) < 30 && darkest_row(58) < 30, "{} {}", darkest_row(22), darkest_row(58));
        assert_eq!(darkest_row(40), 30);
        // Far from the mouth nothing moved.
        assert_eq!(f.y[5 * w + 5], before[5 * w + 5]);
    }

    #[test]
    fn the_smile_grows_holds_and_in_a_loop_lets_go() {
        let m = Landmarks { points: vec![[0.5, 0.5, 0.0]; 468], presence: 1.0 };
        let once = Smiles::new(std::slice::from_ref(&m), |x, y| (x, y), 3.0, false, 1.0).expect("smiles");
        assert_eq!(once.amount(0.0), 0.0);
        assert!(once.amount(1.0) > 0.2 && once.amount(1.0) < 0.8);
        assert!((once.amount(2.9) - 1.0).abs() < 1e-6);
        let looped = Smiles::new(&[m], |x, y| (x, y), 3.0, true, 1.0).expect("smiles");
        assert!(looped.amount(2.99) < 0.01);
    }
}
