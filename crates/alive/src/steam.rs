//! Steam and smoke: soft translucent puffs that rise from a source, widen,
//! wander sideways and fade, one stream after another so the column never
//! empties. Drawn over the composed frame where the camera has carried the
//! source (the top of the subject: the cup, the bowl, the candle).

use std::f32::consts::{PI, TAU};

use super::Rng;
use vivify_codec::Frame;

/// Seconds a puff lives, from the source to gone.
const LIFE_S: f32 = 2.4;

#[derive(Clone, Copy, Debug)]
struct Puff {
    /// Where in its life the puff is at t = 0 (0..1).
    birth: f32,
    /// Start across the source (−0.5..0.5 of its width).
    across: f32,
    wander_phase: f32,
    wander_hz: f32,
    size: f32,
}

/// A column of steam. Lengths are in output pixels.
pub struct Steam {
    puffs: Vec<Puff>,
    /// Width of the source.
    width: f32,
    /// How high a puff rises in its life.
    rise: f32,
    /// Starting radius of a puff.
    radius: f32,
    /// Peak opacity.
    alpha: f32,
    /// Sideways drift over a life (wind).
    drift: f32,
    life: f32,
}

impl Steam {
    /// A column from a source `width` wide in a frame `frame_h` high;
    /// `strength` 1 is a hot drink, 2 a smoking fire.
    pub fn new(width: f32, frame_h: f32, strength: f32, drift: f32, duration: f32, looped: bool, seed: u64) -> Steam {
        let mut rng = Rng::new(seed ^ 0x57EA);
        let n = (28.0 * strength.clamp(0.3, 3.0)).round() as usize;
        // In a loop the puffs' cycle fits the clip a whole number of times.
        let life = if looped { duration / (duration / LIFE_S).round().max(1.0) } else { LIFE_S };
        let puffs = (0..n)
            .map(|k| Puff {
                // Evenly spread births (with a little jitter) keep the column full.
                birth: ((k as f32 + 0.5 * rng.unit()) / n as f32).fract(),
                across: rng.signed() * 0.5,
                wander_phase: rng.unit() * TAU,
                wander_hz: {
                    let hz = 0.35 + 0.5 * rng.unit();
                    if looped {
                        (hz * duration).round().max(1.0) / duration
                    } else {
                        hz
                    }
                },
                size: 0.7 + 0.6 * rng.unit(),
            })
            .collect();
        Steam {
            puffs,
            width: width.max(4.0),
            rise: 0.32 * frame_h,
            // At least 1.5 pixels, at most 4 % of the frame's height (a
            // small frame may make that the smaller one).
            radius: (width * 0.12).min(frame_h * 0.04).max(1.5),
            alpha: (0.16 * strength).min(0.4),
            drift,
            life,
        }
    }

    /// Draws the column at `t` from the source centre `(sx, sy)` (output
    /// pixels); `wake` fades it in from the still photo.
    pub fn draw(&self, t: f32, wake: f32, (sx, sy): (f32, f32), out: &mut Frame) {
        if wake <= 0.0 {
            return;
        }
        for p in &self.puffs {
            let age = (t / self.life + p.birth).fract();
            let wander = (TAU * p.wander_hz * t + p.wander_phase).sin() * self.width * 0.35 * age;
            let x = sx + p.across * self.width * (1.0 - 0.5 * age) + wander + self.drift * age;
            let y = sy - self.rise * age;
            let r = self.radius * p.size * (1.0 + 2.2 * age);
            // Fades in quickly at the source and out slowly as it rises.
            let a = self.alpha * wake * (PI * age.powf(0.6)).sin().max(0.0) * (1.0 - age);
            puff(out, x, y, r, a);
        }
    }
}

/// Blends one soft white puff into the frame.
fn puff(out: &mut Frame, x: f32, y: f32, r: f32, alpha: f32) {
    if alpha <= 0.002 {
        return;
    }
    let (w, h) = (out.width as isize, out.height as isize);
    let reach = (r * 2.0).ceil() as isize;
    let (cx, cy) = (x.round() as isize, y.round() as isize);
    let inv = 1.0 / (r * r);
    for py in (cy - reach).max(0)..(cy + reach + 1).min(h) {
        for px in (cx - reach).max(0)..(cx + reach + 1).min(w) {
            let (dx, dy) = (px as f32 + 0.5 - x, py as f32 + 0.5 - y);
            let d2 = (dx * dx + dy * dy) * inv;
            if d2 > 4.0 {
                continue;
            }
            let a = alpha * (-d2 * 1.2).exp();
            let i = py as usize * out.width + px as usize;
            let v = f32::from(out.y[i]);
            out.y[i] = (v + (225.0 - v) * a + 0.5).clamp(16.0, 235.0) as u8;
            if px % 2 == 0 && py % 2 == 0 {
                let ci = (py as usize / 2) * out.width.div_ceil(2) + px as usize / 2;
                let (u, vv) = (f32::from(out.u[ci]), f32::from(out.v[ci]));
                out.u[ci] = (u + (128.0 - u) * a).round() as u8;
                out.v[ci] = (vv + (128.0 - vv) * a).round() as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_frames_and_sources_draw_without_trouble() {
        for (width, h) in [(0.0, 32.0), (400.0, 32.0), (3.0, 2000.0)] {
            let s = Steam::new(width, h, 3.0, 5.0, 0.5, false, 9);
            let mut f = Frame::new(32, 32).expect("frame");
            for t in [0.0, 0.2, 0.49] {
                s.draw(t, 1.0, (16.0, 30.0), &mut f);
                s.draw(t, 1.0, (-100.0, 1e6), &mut f);
            }
        }
    }

    #[test]
    fn steam_rises_above_its_source_and_moves() {
        let s = Steam::new(40.0, 200.0, 1.0, 0.0, 3.0, true, 1);
        let render = |t: f32| {
            let mut f = Frame::new(200, 200).expect("frame");
            f.y.iter_mut().for_each(|v| *v = 40);
            s.draw(t, 1.0, (100.0, 150.0), &mut f);
            f
        };
        let (a, b) = (render(0.5), render(1.3));
        let lit_above = (0..140).any(|y| a.y[y * 200 + 100] > 50);
        assert!(lit_above, "steam shows above the source");
        let below = (160..200).all(|y| (0..200).all(|x| a.y[y * 200 + x] == 40));
        assert!(below, "nothing falls below the source");
        let changed = a.y.iter().zip(&b.y).filter(|(p, q)| p.abs_diff(**q) >= 3).count();
        assert!(changed > 200, "the column moves over time ({changed} pixels changed)");
        // A loop returns to where it started.
        let (c, d) = (render(0.0), render(3.0));
        let drift = c.y.iter().zip(&d.y).filter(|(p, q)| p.abs_diff(**q) >= 3).count();
        assert!(drift < changed / 4, "looped steam comes back: {drift}");
    }
}
