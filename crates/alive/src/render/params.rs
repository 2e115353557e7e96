//! What a frame needs that depends on time but not on the pixel: drifts,
//! ripples, wind, grade strength, lights and the drifting shade.

use std::f32::consts::TAU;

use super::{fitting_period, noise_at, wake_integral, Stage, SHADE_TILE};
use crate::camera::{ease, Pose};

/// A soft light (sun glow or light leak) in output coordinates.
pub(super) struct Blob {
    pub(super) x: f32,
    pub(super) y: f32,
    pub(super) inv_r2: f32,
    pub(super) strength: f32,
    pub(super) du: f32,
    pub(super) dv: f32,
}

/// Everything that depends on time but not on the pixel.
pub(super) struct FrameParams {
    /// Sky drift of the two phases (source pixels at the top) and the weight of the first.
    pub(super) sky_a: (f32, f32),
    pub(super) sky_b: (f32, f32),
    pub(super) sky_w: f32,
    /// The horizon's source row and the reciprocal of its distance from the
    /// top (the sky drifts slower towards it).
    pub(super) horizon: f32,
    pub(super) inv_horizon: f32,
    pub(super) water_a: (f32, f32),
    pub(super) water_b: (f32, f32),
    pub(super) water_w: f32,
    pub(super) ripple_amp: f32,
    /// Ripple strength relative to a calm sea (sets the glints' brightness).
    pub(super) shimmer: f32,
    pub(super) ripple_phase: f32,
    pub(super) ripple_wave: f32,
    pub(super) grade: f32,
    pub(super) breathe: f32,
    pub(super) sweep: f32,
    /// The light sweep's brightness along the frame's diagonals: entry `s`
    /// is for the blocks with cx + cy = s (the band runs along them).
    pub(super) sweep_band: Vec<f32>,
    pub(super) fog: f32,
    pub(super) haze: f32,
    pub(super) fog_scale: f32,
    pub(super) fog_drift: f32,
    pub(super) blobs: Vec<Blob>,
    /// Wind over the foliage: largest sway (source pixels), the angular
    /// rate of its first harmonic (the second runs twice as fast) at `t`,
    /// and the spatial rates of both (radians per source pixel).
    pub(super) sway_amp: f32,
    pub(super) sway_phase: f32,
    pub(super) sway_k: (f32, f32),
    /// Luma gain of drifting light and shadow per tile of
    /// [`SHADE_TILE`] source pixels (empty when there is none).
    pub(super) shade: Vec<f32>,
    pub(super) shade_cols: usize,
    pub(super) shade_rows: usize,
    /// Whether any grade, light or fog is drawn this frame.
    pub(super) any_finish: bool,
    /// Whether the finish touches blocks outside the subject (everything
    /// but the light sweep does): fast-path blocks off the subject skip it.
    pub(super) finish_everywhere: bool,
    /// The grade is the only whole-frame effect: fast-path blocks apply it
    /// as a per-block affine map instead of going through `finish`.
    pub(super) grade_only: bool,
}

impl FrameParams {
    pub(super) fn new(st: &Stage, t: f32, wake: f32, pose: &Pose) -> FrameParams {
        let l = st.duration;
        let w = st.width as f32;
        let plan = &st.plan;
        // Two copies drift forward half a period apart; each fades out
        // before it jumps back, so the motion never stops and loops.
        let two_phase = |period: f32, v: (f32, f32), scale: f32| {
            let ph = (t / period).fract();
            let pb = (ph + 0.5).fract();
            let wa = 1.0 - (2.0 * ph - 1.0).abs();
            let span = period * scale;
            ((v.0 * span * ph, v.1 * span * ph), (v.0 * span * pb, v.1 * span * pb), wa)
        };
        // Sky drift in source pixels.
        let (sky_a, sky_b, sky_w) = match plan.clouds {
            None => ((0.0, 0.0), (0.0, 0.0), 1.0),
            Some(c) => {
                let v = (c.velocity.0 * w, c.velocity.1 * w);
                if st.path.looped {
                    two_phase(l, v, 1.0)
                } else {
                    let d = wake_integral(t);
                    ((v.0 * d, v.1 * d), (0.0, 0.0), 1.0)
                }
            }
        };
        let (water_a, water_b, water_w, ripple_amp, ripple_phase, ripple_wave) = match plan.water {
            None => ((0.0, 0.0), (0.0, 0.0), 1.0, 0.0, 0.0, 0.0),
            Some(wp) => {
                let period = fitting_period(l, 2.0);
                let v = (wp.flow.0 * w * wake, wp.flow.1 * w * wake);
                let (a, b, wa) = two_phase(period, v, 1.0);
                let cycles = (l * 0.8).round().max(1.0);
                (a, b, wa, 0.0035 * w * wp.strength * wake, TAU * cycles * t / l, 0.02 * w)
            }
        };
        let grade = match plan.grade {
            None => 0.0,
            Some(g) => g.strength * if st.path.looped { 0.5 - 0.5 * (TAU * t / l).cos() } else { ease(t / (0.85 * l)) },
        };
        let breathe = if plan.breathe > 0.0 {
            let period = fitting_period(l, 3.2);
            -0.006 * plan.breathe * (TAU * t / period).sin() * wake
        } else {
            0.0
        };
        let u = (t / l).clamp(0.0, 1.0);
        let sweep_pos = if st.path.looped { 0.5 + 0.8 * (TAU * u).sin() } else { -0.3 + 1.6 * u };
        // Where a source point lands in the output (ignoring parallax).
        let to_out = |p: (f32, f32)| {
            ((p.0 - pose.cx) / pose.spread + w * 0.5, (p.1 - pose.cy) / pose.spread + st.height as f32 * 0.5)
        };
        let mut blobs = Vec::new();
        if plan.glow > 0.0 {
            let (x, y) = to_out(st.sun);
            let r = 0.28 * w.max(st.height as f32 * 0.6);
            let pulse = 1.0 + 0.08 * (TAU * t / fitting_period(l, 2.5)).sin();
            let s = 0.35 * plan.glow * pulse * (0.6 + 0.4 * grade.max(wake));
            blobs.push(Blob { x, y, inv_r2: 1.0 / (r * r), strength: s * wake.max(0.0), du: -14.0, dv: 16.0 });
        }
        if plan.light_leak > 0.0 {
            let x = if st.path.looped { w * (0.5 + 0.7 * (TAU * u).sin()) } else { w * (-0.2 + 1.4 * u) };
            let r = 0.45 * w;
            let s = 0.3 * plan.light_leak * wake;
            blobs.push(Blob { x, y: 0.12 * st.height as f32, inv_r2: 1.0 / (r * r), strength: s, du: -20.0, dv: 26.0 });
        }
        let sway_period = fitting_period(l, 2.2);
        let (shade, shade_cols, shade_rows) = match plan.shadows {
            Some(sp) => {
                let (sw, sh) = (st.src.y.width, st.src.y.height);
                let (cols, rows) = (sw.div_ceil(SHADE_TILE) + 2, sh.div_ceil(SHADE_TILE) + 2);
                // Noise texels per source pixel, so one blob is `scale` of the width.
                let k = 4.0 / (sp.scale * w);
                // The pattern moves a whole number of texture tiles over a
                // loop, so it comes back to where it started.
                let travel = if st.path.looped { 64.0 * (sp.speed * l / 64.0).round().max(1.0) } else { sp.speed * l };
                let drift = travel * t / l;
                let amp = sp.strength * wake;
                let mut g = Vec::with_capacity(cols * rows);
                for r in 0..rows {
                    for c in 0..cols {
                        let (x, y) = ((c * SHADE_TILE) as f32 * k + drift, (r * SHADE_TILE) as f32 * k + 0.3 * drift);
                        let n =
                            0.7 * noise_at(&st.fog_noise, x, y) + 0.3 * noise_at(&st.fog_noise, x * 2.1 + 9.0, y * 2.1);
                        // Soft-edged patches: light where the noise is high, shade where low.
                        let v = ((n - 0.5) * 3.0).clamp(-1.0, 1.0);
                        g.push(1.0 + amp * v);
                    }
                }
                (g, cols, rows)
            }
            None => (Vec::new(), 0, 0),
        };
        let sweep_scale = 1.0 / (w + st.height as f32);
        let sweep_band = if plan.light_sweep > 0.0 {
            let diagonals = st.width.div_ceil(2) + st.height.div_ceil(2);
            (0..diagonals)
                .map(|s| {
                    // Block centres on diagonal s: bx + by = 2s + 2.
                    let pos = (2 * s + 2) as f32 * sweep_scale - sweep_pos;
                    // Beyond this the band adds under a thousandth of a level.
                    if pos * pos * 40.0 < 12.0 {
                        (-pos * pos * 40.0).exp()
                    } else {
                        0.0
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        FrameParams {
            shade,
            shade_cols,
            shade_rows,
            sway_amp: 0.0045 * w * plan.sway * wake,
            sway_phase: TAU * t / sway_period,
            sway_k: (TAU / (0.6 * w), TAU / (0.23 * w)),
            sky_a,
            sky_b,
            sky_w,
            horizon: st.horizon,
            inv_horizon: 1.0 / st.horizon.max(1.0),
            water_a,
            water_b,
            water_w,
            ripple_amp,
            shimmer: ripple_amp / (0.0035 * w).max(1e-3),
            ripple_phase,
            ripple_wave,
            grade,
            breathe,
            sweep: plan.light_sweep * 0.25 * wake,
            sweep_band,
            fog: plan.fog * 0.6 * if st.path.looped { 1.0 } else { 0.4 + 0.6 * wake },
            fog_scale: 64.0 / w * 0.6,
            // One tile of noise per clip, so looped fog lines up.
            fog_drift: 64.0 * t / l,
            any_finish: grade > 0.0 || !blobs.is_empty() || plan.light_sweep > 0.0 || plan.fog > 0.0 || plan.haze > 0.0,
            finish_everywhere: grade > 0.0 || !blobs.is_empty() || plan.fog > 0.0 || plan.haze > 0.0,
            grade_only: grade > 0.0
                && blobs.is_empty()
                && plan.light_sweep <= 0.0
                && plan.fog <= 0.0
                && plan.haze <= 0.0,
            // The haze settles in with the motion, so the first frame stays the photo.
            haze: plan.haze * if st.path.looped { 1.0 } else { wake },
            blobs,
        }
    }

    /// Sky offsets at source row `sy`: the top drifts fastest, the horizon
    /// slowest, as a cloud layer seen in perspective does.
    #[inline]
    pub(super) fn sky_offsets(&self, sy: f32) -> (f32, f32, f32, f32, f32) {
        let k = 0.35 + 0.65 * ((self.horizon - sy) * self.inv_horizon).clamp(0.0, 1.0);
        (self.sky_a.0 * k, self.sky_a.1 * k, self.sky_b.0 * k, self.sky_b.1 * k, self.sky_w)
    }

    /// The light-and-shadow gain at source position (`x`, `y`), bilinear
    /// between the tiles' corners so no tile edge shows.
    #[inline]
    pub(super) fn shade_at(&self, x: f32, y: f32) -> f32 {
        let (gx, gy) = (x.max(0.0) / SHADE_TILE as f32, y.max(0.0) / SHADE_TILE as f32);
        let (c, r) = ((gx as usize).min(self.shade_cols - 2), (gy as usize).min(self.shade_rows - 2));
        let (ax, ay) = ((gx - c as f32).min(1.0), (gy - r as f32).min(1.0));
        let i = r * self.shade_cols + c;
        let top = self.shade[i] + (self.shade[i + 1] - self.shade[i]) * ax;
        let j = i + self.shade_cols;
        let bottom = self.shade[j] + (self.shade[j + 1] - self.shade[j]) * ax;
        top + (bottom - top) * ay
    }

    /// The column part of the wind at source column `x`: sine and cosine
    /// of both harmonics' spatial phase.
    pub(super) fn wind_col(&self, x: f32) -> [f32; 4] {
        let (a, b) = (self.sway_k.0 * x, self.sway_k.1 * x);
        [a.sin(), a.cos(), b.sin(), b.cos()]
    }

    /// The row part of the wind at source row `y` (its time phase, and a
    /// slant so gusts cross the picture at an angle).
    pub(super) fn wind_row(&self, y: f32) -> [f32; 4] {
        let a = self.sway_phase - 0.4 * self.sway_k.0 * y;
        let b = 2.0 * self.sway_phase + 0.3 * self.sway_k.1 * y + 1.3;
        [a.sin(), a.cos(), b.sin(), b.cos()]
    }

    /// Wind displacement (source pixels) from the two parts:
    /// sin(A − B) = sin A cos B − cos A sin B, and so on.
    #[inline]
    pub(super) fn wind(&self, col: [f32; 4], row: [f32; 4]) -> (f32, f32) {
        let s1 = row[0] * col[1] - row[1] * col[0];
        let c1 = row[1] * col[1] + row[0] * col[0];
        let s2 = row[2] * col[3] - row[3] * col[2];
        (self.sway_amp * (0.7 * s1 + 0.3 * s2), self.sway_amp * 0.3 * c1)
    }

    #[inline]
    pub(super) fn water_offsets(&self) -> (f32, f32, f32, f32, f32) {
        (self.water_a.0, self.water_a.1, self.water_b.0, self.water_b.1, self.water_w)
    }

    /// Ripple displacement and shimmer at a source point below the horizon:
    /// crests run across the picture and crowd together towards the horizon.
    #[inline]
    pub(super) fn ripple(&self, x: f32, y: f32, horizon: f32, height: f32) -> (f32, f32, f32) {
        if self.ripple_amp == 0.0 {
            return (0.0, 0.0, 0.0);
        }
        let p = ((y - horizon) / (height - horizon).max(1.0)).clamp(0.02, 1.0);
        let wave = self.ripple_wave * (0.15 + p);
        let a = self.ripple_amp * (0.2 + p);
        let ph = TAU * (y / wave + x / (wave * 7.0)) - self.ripple_phase;
        let s1 = ph.sin();
        let s2 = (ph * 0.61 + x / (wave * 3.0) + 1.7 - self.ripple_phase * 0.39).sin();
        (
            0.4 * a * s2,
            a * s1,
            // Glints on the wavelets, in luma levels: the same at every
            // output size (the amplitude itself is in pixels).
            4.0 * (a / (self.ripple_amp + 1e-3)) * (ph + 0.9).cos() * self.shimmer.min(2.0),
        )
    }
}
