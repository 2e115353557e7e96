//! Blinks: the upper eyelids close and open again, on faces whose mesh the
//! face pack found (see `face_mesh.rs`).
//!
//! A blink is drawn on the finished frame, round each eye where the camera
//! shows it: the eye's lid lines (from the mesh, carried into the frame by
//! the same mapping the lights and steam use) say where the upper lid is
//! and where the lower one; for a closure `c` the upper lid comes down
//! `c` of the way, the skin above it stretched down after it, and what lies
//! below the lid stays where it is. A lid closes in about 100 ms and opens
//! in about 150 ms; people do not blink together. A wink ("wink" in the
//! prompt) is the same lid on one eye only (the one on the picture's left),
//! held shut for about a third of a second, once.

use vivify_codec::Frame;

use super::face_mesh::Landmarks;
use super::face_warp::{line_at, planes, EyeLids};

/// Seconds a lid takes to close, stays shut, and takes to open.
const CLOSE_S: f32 = 0.10;
const SHUT_S: f32 = 0.04;
const OPEN_S: f32 = 0.15;
/// Seconds between two blinks of one person (a relaxed rate, about 15 a
/// minute, kept regular so a short clip shows one).
const EVERY_S: f32 = 3.6;
/// How far above the lid line the skin that slides down reaches, as a
/// share of the eye's width.
const SKIN: f32 = 0.3;
/// Thickness of the lid's margin, as a share of the eye's opening.
const LASH: f32 = 0.25;

/// Seconds a winking lid takes to close, stays shut, and takes to open.
const WINK_S: (f32, f32, f32) = (0.12, 0.30, 0.20);

/// Seconds eyes narrowed by a laugh take to narrow, stay so, and open;
/// and how far the lids come down (a share of the eye's opening).
const SQUINT_S: (f32, f32, f32) = (0.2, 1.0, 0.3);
const SQUINT: f32 = 0.35;

/// Both eyes now and then, one eye once, or both narrowed once (a laugh).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Blink,
    Wink,
    Squint,
}

impl Style {
    /// Seconds to close, to stay shut and to open.
    fn timing(self) -> (f32, f32, f32) {
        match self {
            Style::Blink => (CLOSE_S, SHUT_S, OPEN_S),
            Style::Wink => WINK_S,
            Style::Squint => SQUINT_S,
        }
    }

    /// When the first face's lids start to move, as a share of the clip.
    fn starts_at(self) -> f32 {
        if self == Style::Squint {
            super::nod::LAUGH_FROM
        } else {
            0.4
        }
    }
}

/// The blinks (or winks) of a clip.
#[derive(Clone, Debug)]
pub struct Blinks {
    /// Each face's eyes (lids in source pixels) and when it first blinks.
    faces: Vec<([EyeLids; 2], f32)>,
    duration: f32,
    style: Style,
}

impl Blinks {
    /// Blinks for `meshes`, whose points (fractions of the photo) become
    /// source pixels through `to_source`, over a clip of `duration`
    /// seconds. The first face blinks a little before the middle, each
    /// next one a fraction of a second later; none blinks across the clip's
    /// end (so a loop never cuts one).
    pub fn new(
        meshes: &[Landmarks],
        to_source: impl Fn(f32, f32) -> (f32, f32),
        duration: f32,
        style: Style,
    ) -> Option<Blinks> {
        let (close, shut, open) = style.timing();
        let length = close + shut + open;
        let faces: Vec<([EyeLids; 2], f32)> = meshes
            .iter()
            .enumerate()
            .map(|(i, m)| (EyeLids::of(m, &to_source), duration * style.starts_at() + 0.37 * i as f32))
            .filter(|(_, start)| start + length < duration - 0.2)
            .collect();
        (!faces.is_empty()).then_some(Blinks { faces, duration, style })
    }

    /// How shut the lids of face `i` are at `t` (0 open, 1 shut).
    pub fn closure(&self, i: usize, t: f32) -> f32 {
        let Some(&(_, first)) = self.faces.get(i) else { return 0.0 };
        let (close, shut, open) = self.style.timing();
        let length = close + shut + open;
        let mut start = first;
        while start + length < self.duration - 0.2 {
            let s = t - start;
            if (0.0..length).contains(&s) {
                let c = if s < close {
                    s / close
                } else if s < close + shut {
                    1.0
                } else {
                    1.0 - (s - close - shut) / open
                };
                // Eased: lids start and stop softly.
                let eased = c * c * (3.0 - 2.0 * c);
                return if self.style == Style::Squint { eased * SQUINT } else { eased };
            }
            if self.style != Style::Blink {
                break; // a wink or a laugh is not repeated
            }
            start += EVERY_S;
        }
        0.0
    }

    /// Draws the frame at `t`'s blinks into `out`; `to_out` carries a
    /// source point to where the frame shows it.
    pub fn draw(&self, t: f32, out: &mut Frame, to_out: impl Fn((f32, f32)) -> (f32, f32)) {
        for (i, (eyes, _)) in self.faces.iter().enumerate() {
            let c = self.closure(i, t);
            if c <= 0.01 {
                continue;
            }
            let winking = if self.style == Style::Wink { 1 } else { 2 };
            for eye in eyes.iter().take(winking) {
                let lids = eye.moved(&to_out);
                close_lid(out, &lids.upper, &lids.lower, c);
            }
        }
    }
}

/// Closes one eye by `c` in the frame, column by column: the lid's margin
/// (lashes and the eye's dark upper outline, just above the lid line)
/// moves down whole to where the lid now ends, and the band of lid skin
/// above it (as tall as a share of the eye's width) stretches after it;
/// below the lowered lid nothing moves. Luma and
/// chroma alike. (Covering the eye with skin taken from above and moving
/// only the lashes was tried: the eye's dark outline, which lies just
/// outside the mesh's lid line, then stayed and read as an empty eye.)
fn close_lid(out: &mut Frame, upper: &[(f32, f32)], lower: &[(f32, f32)], c: f32) {
    let xs = upper.iter().chain(lower).map(|p| p.0);
    let (x_min, x_max) = xs.fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
    if !(x_max - x_min).is_finite() || x_max - x_min < 2.0 {
        return;
    }
    let skin = (x_max - x_min) * SKIN;
    for (plane, pw, ph, scale) in planes(out) {
        let x0 = ((x_min * scale).floor().max(0.0) as usize).min(pw);
        let x1 = ((x_max * scale).ceil().max(0.0) as usize + 1).min(pw);
        for x in x0..x1 {
            // The column's centre in frame pixels.
            let fx = (x as f32 + 0.5) / scale - 0.5;
            let (Some(yu), Some(yl)) = (line_at(upper, fx), line_at(lower, fx)) else { continue };
            if yl - yu <= 0.2 {
                continue;
            }
            let (yu, yl, top) = (yu * scale, yl * scale, (yu - skin) * scale);
            let shut = yu + c * (yl - yu) * 0.95;
            let y_from = (top.floor().max(0.0)) as usize;
            let y_to = ((shut.ceil().max(0.0)) as usize).min(ph);
            if y_from >= y_to {
                continue;
            }
            let column: Vec<f32> = (0..ph).map(|y| f32::from(plane[y * pw + x])).collect();
            let at = |y: f32| {
                let y = y.clamp(0.0, (ph - 1) as f32);
                let (i, f) = (y.floor() as usize, y - y.floor());
                column[i] + (column[(i + 1).min(ph - 1)] - column[i]) * f
            };
            // The lid's margin (its lashes and the eye's dark upper
            // outline) moves down whole; the skin above it stretches.
            let lash = (LASH * (yl - yu)).max(1.5 * scale).min(yu - top);
            for y in y_from..y_to {
                let fy = y as f32 + 0.5;
                if fy < top {
                    continue;
                }
                let from = if fy >= shut - lash {
                    fy - (shut - yu)
                } else {
                    top + (fy - top) * (yu - lash - top) / (shut - lash - top).max(1e-3)
                };
                plane[y * pw + x] = (at(from - 0.5) + 0.5) as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blink_closes_fast_opens_slower_and_stays_inside_the_clip() {
        let mesh = Landmarks { points: vec![[0.5, 0.5, 0.0]; 468], presence: 1.0 };
        let b = Blinks::new(&[mesh.clone(), mesh.clone()], |x, y| (x * 100.0, y * 100.0), 3.0, Style::Blink)
            .expect("blinks");
        let start = 1.2;
        assert!(b.closure(0, start - 0.01) == 0.0 && b.closure(0, start + CLOSE_S + 0.01) > 0.99);
        assert!(b.closure(0, start + CLOSE_S + SHUT_S + OPEN_S + 0.01) == 0.0);
        // Half closed sooner on the way down than on the way up.
        assert!(b.closure(0, start + 0.05) > 0.4 && b.closure(0, start + CLOSE_S + SHUT_S + 0.05) > 0.6);
        // The second face later.
        assert!(b.closure(1, start + 0.12) == 0.0 && b.closure(1, start + 0.37 + 0.12) > 0.99);
        // Too short a clip: no blink at all.
        let m = Landmarks { points: vec![[0.5, 0.5, 0.0]; 468], presence: 1.0 };
        assert!(Blinks::new(&[m], |x, y| (x, y), 0.3, Style::Blink).is_none());
        // A wink stays shut longer, and comes once.
        let w = Blinks::new(&[mesh], |x, y| (x, y), 6.0, Style::Wink).expect("wink");
        let start = 2.4;
        assert!(w.closure(0, start + WINK_S.0 + 0.25) > 0.99 && b.closure(0, 1.2 + CLOSE_S + 0.25) == 0.0);
        assert!(w.closure(0, start + 0.05 + EVERY_S) == 0.0);
    }

    #[test]
    fn a_shut_lid_covers_the_eye_with_the_skin_above_it() {
        // A dark eye (rows 20–29) under light skin, columns 10–49.
        let (w, h) = (60, 50);
        let mut f = Frame::new(w, h).expect("frame");
        for y in 0..h {
            for x in 0..w {
                f.y[y * w + x] = if (20..30).contains(&y) && (12..48).contains(&x) { 30 } else { 200 };
            }
        }
        let upper = vec![(10.0, 25.0), (20.0, 20.0), (40.0, 20.0), (50.0, 25.0)];
        let lower = vec![(10.0, 25.0), (20.0, 30.0), (40.0, 30.0), (50.0, 25.0)];
        let before = f.y.clone();
        close_lid(&mut f, &upper, &lower, 1.0);
        // The middle of the eye is skin now; outside the eye nothing moved.
        assert!(f.y[25 * w + 30] > 150, "{}", f.y[25 * w + 30]);
        assert_eq!(f.y[45 * w + 30], before[45 * w + 30]);
        assert_eq!(f.y[25 * w + 5], before[25 * w + 5]);
        // Half shut: the top half of the eye is covered, the bottom is not.
        let mut g = Frame::new(w, h).expect("frame");
        g.y.copy_from_slice(&before);
        close_lid(&mut g, &upper, &lower, 0.5);
        assert!(g.y[22 * w + 30] > 150 && g.y[28 * w + 30] < 60);
    }
}
