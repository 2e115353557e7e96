//! Lights that flicker and twinkle: street and window lights at dusk,
//! candles, fairy lights, stars.
//!
//! In a dim photo a light is a small spot much brighter than what is round
//! it. Each one found gets its own slow twinkle or quick candle flicker (a
//! sum of three sines at unrelated rates, so no two lights keep step), drawn
//! over the composed frame where the camera has carried the spot.

use std::f32::consts::TAU;

use super::sky::Analysis;
use super::Rng;
use vivify_codec::Frame;

/// Brightest mean luma (0..=1) of a photo whose lights are worth animating:
/// in daylight bright spots are reflections, not lights.
pub const DIM_SCENE: f32 = 0.3;
/// Most lights animated (the strongest first).
const MAX_LIGHTS: usize = 80;

/// A light in the photo, in fractions of its width and height.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct Light {
    pub x: f32,
    pub y: f32,
    /// Radius as a fraction of the photo's width.
    pub r: f32,
    /// Warm (candle, lamp) rather than white or cold.
    pub warm: bool,
    /// How far it stands out from its surroundings (0..=1).
    pub contrast: f32,
}

/// Mean of `v` over the square of radius `r` round (x, y), clipped.
fn box_mean(v: &[f32], w: usize, h: usize, x: usize, y: usize, r: usize) -> f32 {
    let (x0, x1) = (x.saturating_sub(r), (x + r).min(w - 1));
    let (y0, y1) = (y.saturating_sub(r), (y + r).min(h - 1));
    let mut s = 0.0;
    for yy in y0..=y1 {
        s += v[yy * w + x0..=yy * w + x1].iter().sum::<f32>();
    }
    s / ((x1 - x0 + 1) * (y1 - y0 + 1)) as f32
}

/// The lights of a dim photo (none when it is not dim).
pub fn find(a: &Analysis) -> Vec<Light> {
    let (w, h) = (a.width, a.height);
    let mean = a.luma.iter().sum::<f32>() / a.luma.len().max(1) as f32;
    if mean > DIM_SCENE || w < 8 || h < 8 {
        return Vec::new();
    }
    let mut found = Vec::new();
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let i = y * w + x;
            let l = a.luma[i];
            if l < 0.75 {
                continue;
            }
            // A local maximum (ties broken towards the top left).
            let peak = (y - 1..=y + 1).all(|yy| {
                (x - 1..=x + 1).all(|xx| {
                    let j = yy * w + xx;
                    j == i || a.luma[j] < l || (a.luma[j] == l && j > i)
                })
            });
            if !peak {
                continue;
            }
            // Small: what lies round the spot is much darker (inside a lit
            // window or a bright wall it is not).
            let contrast = l - box_mean(&a.luma, w, h, x, y, 5);
            if contrast < 0.22 {
                continue;
            }
            // ... and the spot is small: the corner of a window is not a light.
            let (x0, x1, y0, y1) = (x.saturating_sub(3), (x + 3).min(w - 1), y.saturating_sub(3), (y + 3).min(h - 1));
            let lit = (y0..=y1).flat_map(|yy| (x0..=x1).map(move |xx| yy * w + xx)).filter(|&j| a.luma[j] > 0.6 * l);
            if lit.count() > 12 {
                continue;
            }
            let c = a.rgb[i];
            let spread = (0..4).filter(|k| {
                let (dx, dy) = [(2, 0), (-2, 0), (0, 2), (0, -2)][*k];
                let (xx, yy) = ((x as isize + dx).clamp(0, w as isize - 1), (y as isize + dy).clamp(0, h as isize - 1));
                a.luma[yy as usize * w + xx as usize] > 0.5 * l
            });
            let r = (1.0 + spread.count() as f32 * 0.5) / w as f32;
            found.push(Light {
                x: (x as f32 + 0.5) / w as f32,
                y: (y as f32 + 0.5) / h as f32,
                r,
                warm: c[0] > c[2] * 1.25,
                contrast: contrast.min(1.0),
            });
        }
    }
    found.sort_by(|a, b| b.contrast.total_cmp(&a.contrast));
    // Keep lights apart (at least 4 analysis pixels).
    let mut kept: Vec<Light> = Vec::new();
    let gap = 4.0 / w as f32;
    for l in found {
        if kept.iter().all(|k| (k.x - l.x).abs() > gap || (k.y - l.y).abs() > gap * w as f32 / h as f32) {
            kept.push(l);
            if kept.len() == MAX_LIGHTS {
                break;
            }
        }
    }
    kept
}

/// One light as the renderer draws it: where it is in the source planes,
/// and its flicker.
#[derive(Clone, Copy, Debug)]
pub struct Flicker {
    /// Position in source pixels.
    pub x: f32,
    pub y: f32,
    /// Radius of the halo in output pixels.
    radius: f32,
    rates: [f32; 3],
    phases: [f32; 3],
    depth: f32,
}

impl Flicker {
    /// Prepares `lights` placed at `pos` (source pixels) with halo radii
    /// `radius` (output pixels); `strength` scales the flicker.
    pub fn new(
        lights: &[(Light, (f32, f32), f32)],
        strength: f32,
        duration: f32,
        looped: bool,
        seed: u64,
    ) -> Vec<Flicker> {
        let mut rng = Rng::new(seed ^ 0x11_6475);
        lights
            .iter()
            .map(|&(l, (x, y), radius)| {
                // Candles flicker fast; other lights twinkle slowly.
                let base = if l.warm { 2.5 } else { 0.6 };
                let mut rates = [0f32; 3];
                for (k, r) in rates.iter_mut().enumerate() {
                    let hz = base * (1.0 + k as f32 * 1.7) * (0.7 + 0.6 * rng.unit());
                    *r = if looped { ((hz * duration).round().max(1.0)) / duration } else { hz };
                }
                let phases = [rng.unit() * TAU, rng.unit() * TAU, rng.unit() * TAU];
                Flicker { x, y, radius, rates, phases, depth: strength * (0.5 + 0.5 * l.contrast) }
            })
            .collect()
    }

    /// Brightness change at `t` (about −1..=1, times the depth).
    fn level(&self, t: f32) -> f32 {
        let s = |k: usize| (TAU * self.rates[k] * t + self.phases[k]).sin();
        self.depth * (0.55 * s(0) + 0.3 * s(1) + 0.15 * s(2))
    }

    /// Draws the flicker round output position (`ox`, `oy`) into `out`;
    /// `wake` fades it in from the still photo.
    pub fn draw(&self, t: f32, wake: f32, (ox, oy): (f32, f32), out: &mut Frame) {
        let g = self.level(t) * wake;
        if g == 0.0 {
            return;
        }
        let (w, h) = (out.width as isize, out.height as isize);
        let r = self.radius;
        let reach = (r * 2.5).ceil() as isize;
        let (cx, cy) = (ox.round() as isize, oy.round() as isize);
        let inv = 1.0 / (r * r);
        for y in (cy - reach).max(0)..(cy + reach + 1).min(h) {
            for x in (cx - reach).max(0)..(cx + reach + 1).min(w) {
                let (dx, dy) = (x as f32 + 0.5 - ox, y as f32 + 0.5 - oy);
                let d2 = (dx * dx + dy * dy) * inv;
                if d2 > 6.25 {
                    continue;
                }
                let fall = (-d2).exp();
                let i = y as usize * out.width + x as usize;
                let v = f32::from(out.y[i]);
                // The spot brightens and dims; its halo swells with it.
                let lit = v + (v - 16.0) * 0.5 * g * fall + 60.0 * g.max(0.0) * fall;
                out.y[i] = lit.clamp(16.0, 235.0) as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dim_picture_with_bright_dots_has_lights_a_bright_one_none() {
        let (w, h) = (64, 48);
        let mut rgb = vec![20u8; w * h * 3];
        for (x, y) in [(10, 10), (40, 20), (30, 40)] {
            let i = (y * w + x) * 3;
            rgb[i..i + 3].copy_from_slice(&[255, 220, 160]);
        }
        let lights = find(&Analysis::new(w, h, &rgb));
        assert_eq!(lights.len(), 3, "{lights:?}");
        assert!(lights.iter().all(|l| l.warm));
        let day = vec![200u8; w * h * 3];
        assert!(find(&Analysis::new(w, h, &day)).is_empty());
        // A big lit window is not a light.
        let mut window = vec![20u8; w * h * 3];
        for y in 10..30 {
            for x in 10..40 {
                let i = (y * w + x) * 3;
                window[i..i + 3].copy_from_slice(&[240, 240, 240]);
            }
        }
        assert!(find(&Analysis::new(w, h, &window)).is_empty());
    }

    #[test]
    fn flicker_changes_the_spot_over_time_and_not_far_from_it() {
        let l = Light { x: 0.5, y: 0.5, r: 0.01, warm: true, contrast: 0.8 };
        let f = Flicker::new(&[(l, (32.0, 32.0), 3.0)], 1.0, 3.0, true, 7);
        let mut lows_and_highs = (255u8, 0u8);
        for k in 0..30 {
            let mut frame = Frame::new(64, 64).expect("frame");
            frame.y.iter_mut().for_each(|v| *v = 120);
            f[0].draw(k as f32 * 0.1, 1.0, (32.0, 32.0), &mut frame);
            let centre = frame.y[32 * 64 + 32];
            lows_and_highs = (lows_and_highs.0.min(centre), lows_and_highs.1.max(centre));
            assert_eq!(frame.y[2 * 64 + 2], 120, "far pixels stay");
        }
        assert!(lows_and_highs.1 - lows_and_highs.0 > 30, "{lows_and_highs:?}");
    }
}
