//! A small nod: the head dips and comes back up once, on faces whose mesh
//! the face pack found.
//!
//! Drawn on the finished frame, like the smile: inside an ellipse round the
//! head (from the mesh's forehead, chin and cheeks) every pixel takes its
//! colour from a little above where it is, so the face moves down; the
//! shift is largest low on the face (the chin travels furthest when a head
//! pitches forward) and fades to nothing at the ellipse's edge, so the
//! hair, neck and background round the head only stretch softly. A few
//! percent of the face's height: within what a 2.5-D warp keeps believable.

use vivify_codec::Frame;

use super::face_mesh::Landmarks;

/// Mesh points: forehead top, chin, and the cheeks' outer edges.
const FOREHEAD: usize = 10;
const CHIN: usize = 152;
const CHEEKS: [usize; 2] = [234, 454];
/// The deepest dip, as a share of the face's height (forehead to chin).
const DIP: f32 = 0.05;
/// Seconds to go down and to come back up.
const DOWN_S: f32 = 0.35;
const UP_S: f32 = 0.45;
/// A laugh's bobs: how many, each one's dip (share of the face's height)
/// and its seconds down and up; and when the laugh starts, as a share of
/// the clip (the eyes narrow then too, see `blink.rs`).
const BOBS: usize = 3;
const BOB_DIP: f32 = 0.02;
const BOB_S: (f32, f32) = (0.18, 0.24);
pub const LAUGH_FROM: f32 = 0.25;
/// The ellipse round the head, in face widths and heights from its middle.
const REACH_X: f32 = 0.8;
const REACH_Y: f32 = 0.8;

/// One face's head: its middle, the face's width and height (source pixels).
#[derive(Clone, Copy, Debug)]
struct Head {
    centre: (f32, f32),
    width: f32,
    height: f32,
}

/// One nod, or a laugh's few small bobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Nod,
    Laugh,
}

impl Style {
    /// The dip, seconds down and up, how many times, and when the first
    /// starts (share of the clip).
    fn shape(self) -> (f32, f32, f32, usize, f32) {
        match self {
            Style::Nod => (DIP, DOWN_S, UP_S, 1, 0.2),
            Style::Laugh => (BOB_DIP, BOB_S.0, BOB_S.1, BOBS, LAUGH_FROM),
        }
    }
}

/// The nods of a clip.
#[derive(Clone, Debug)]
pub struct Nods {
    heads: Vec<(Head, f32)>,
    style: Style,
}

impl Nods {
    /// Nods for `meshes` (points through `to_source` into source pixels):
    /// each head once, the first from a fifth of the clip, the next ones a
    /// little later; none that would not end before the clip does.
    pub fn new(
        meshes: &[Landmarks],
        to_source: impl Fn(f32, f32) -> (f32, f32),
        duration: f32,
        style: Style,
    ) -> Option<Nods> {
        let (_, down, up, times, from) = style.shape();
        let length = (down + up) * times as f32;
        let heads: Vec<(Head, f32)> = meshes
            .iter()
            .enumerate()
            .filter_map(|(i, m)| {
                let at = |k: usize| to_source(m.points[k][0], m.points[k][1]);
                let (top, chin) = (at(FOREHEAD), at(CHIN));
                let (l, r) = (at(CHEEKS[0]), at(CHEEKS[1]));
                let head = Head {
                    centre: ((l.0 + r.0) / 2.0, (top.1 + chin.1) / 2.0),
                    width: (r.0 - l.0).hypot(r.1 - l.1),
                    height: (chin.0 - top.0).hypot(chin.1 - top.1),
                };
                let start = duration * from + 0.3 * i as f32;
                (head.width > 4.0 && head.height > 4.0 && start + length < duration - 0.2).then_some((head, start))
            })
            .collect();
        (!heads.is_empty()).then_some(Nods { heads, style })
    }

    /// How far down face `i` is at `t` (0 up, 1 the deepest dip).
    pub fn depth(&self, i: usize, t: f32) -> f32 {
        let Some(&(_, start)) = self.heads.get(i) else { return 0.0 };
        let (_, down, up, times, _) = self.style.shape();
        let s = t - start;
        if !(0.0..(down + up) * times as f32).contains(&s) {
            return 0.0;
        }
        let s = s % (down + up);
        let d = if s < down { s / down } else { 1.0 - (s - down) / up };
        d * d * (3.0 - 2.0 * d)
    }

    /// Draws the frame at `t`'s nods into `out`; `to_out` carries a source
    /// point to where the frame shows it.
    pub fn draw(&self, t: f32, out: &mut Frame, to_out: impl Fn((f32, f32)) -> (f32, f32)) {
        for (i, (head, _)) in self.heads.iter().enumerate() {
            let d = self.depth(i, t);
            if d <= 0.005 {
                continue;
            }
            // The head as the frame shows it (the camera's move scales it).
            let c = to_out(head.centre);
            let edge = to_out((head.centre.0 + head.width, head.centre.1 + head.height));
            let (w, h) = ((edge.0 - c.0).abs(), (edge.1 - c.1).abs());
            dip(out, c, w, h, d * self.style.shape().0 * h);
        }
    }
}

/// Moves the head round `c` (face `w` × `h` frame pixels) down by up to
/// `shift` pixels: most at the chin, fading to none at the ellipse's edge.
fn dip(out: &mut Frame, c: (f32, f32), w: f32, h: f32, shift: f32) {
    if w < 4.0 || h < 4.0 || shift < 0.02 {
        return;
    }
    let (rx, ry) = (w * REACH_X, h * REACH_Y);
    let pull = |fx: f32, fy: f32| {
        let (u, v) = ((fx - c.0) / rx, (fy - c.1) / ry);
        let r = (u * u + v * v).sqrt();
        // Full inside 0.55 of the ellipse, eased to none at its edge.
        let k = ((1.0 - r) / 0.45).clamp(0.0, 1.0);
        let fade = k * k * (3.0 - 2.0 * k);
        // Lower on the face moves further (the chin most).
        let low = (0.6 + 0.4 * (v + 1.0) / 2.0).clamp(0.0, 1.0);
        shift * fade * low
    };
    // Straight down: the content is taken from above.
    super::face_warp::displace(out, c, (rx, ry), |fx, fy| (0.0, pull(fx, fy)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_head_dips_and_what_is_outside_it_stays() {
        // A dark bar (rows 40–44) across a face-sized middle of light skin.
        let (w, h) = (100, 120);
        let mut f = Frame::new(w, h).expect("frame");
        f.y.fill(200);
        for y in 40..45 {
            for x in 40..60 {
                f.y[y * w + x] = 30;
            }
        }
        let before = f.y.clone();
        dip(&mut f, (50.0, 50.0), 40.0, 50.0, 3.0);
        let darkest_top = (0..h).find(|&y| f.y[y * w + 50] < 100).expect("bar");
        assert!(darkest_top > 40, "the bar moved down: {darkest_top}");
        // Outside the ellipse (40 × 0.8 = 32 px across from the middle) nothing moved.
        assert_eq!(f.y[50 * w + 5], before[50 * w + 5]);
        assert_eq!(f.y[5 * w + 50], before[5 * w + 50]);
    }

    #[test]
    fn a_nod_goes_down_comes_back_once_and_ends_inside_the_clip() {
        let mut m = Landmarks { points: vec![[0.5, 0.5, 0.0]; 468], presence: 1.0 };
        m.points[FOREHEAD] = [0.5, 0.3, 0.0];
        m.points[CHIN] = [0.5, 0.7, 0.0];
        m.points[CHEEKS[0]] = [0.35, 0.5, 0.0];
        m.points[CHEEKS[1]] = [0.65, 0.5, 0.0];
        let n = Nods::new(&[m.clone()], |x, y| (x * 100.0, y * 100.0), 3.0, Style::Nod).expect("nod");
        let start = 0.6;
        assert_eq!(n.depth(0, start - 0.01), 0.0);
        assert!(n.depth(0, start + DOWN_S) > 0.99);
        assert_eq!(n.depth(0, start + DOWN_S + UP_S + 0.01), 0.0);
        assert_eq!(n.depth(0, start + 2.0), 0.0);
        assert!(Nods::new(&[m.clone()], |x, y| (x * 100.0, y * 100.0), 0.5, Style::Nod).is_none());
        // A laugh bobs three times, then rests.
        let l = Nods::new(&[m], |x, y| (x * 100.0, y * 100.0), 3.0, Style::Laugh).expect("laugh");
        let (start, period) = (0.75, BOB_S.0 + BOB_S.1);
        for k in 0..3 {
            assert!(l.depth(0, start + k as f32 * period + BOB_S.0) > 0.99, "bob {k}");
        }
        assert_eq!(l.depth(0, start + 3.0 * period + 0.01), 0.0);
    }
}
