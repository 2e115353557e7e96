//! Particles and stars, drawn over the composed frame with soft edges at
//! sub-pixel positions (no jitter). Each particle has a depth: nearer ones
//! are larger and faster, and a particle is hidden where the scene in that
//! place is nearer than it. In a looping clip every speed is rounded so the
//! particle field returns to where it started.

use std::f32::consts::TAU;

use super::plan::ParticlePlan;
use super::prompt::ParticleKind;
use super::render::Cover;
use super::Rng;
use vivify_codec::Frame;
use vivify_picture::image::rgb_to_yuv;

#[derive(Clone, Copy, Debug)]
enum Look {
    /// Opaque soft disc or ellipse.
    Solid { yuv: [f32; 3], alpha: f32 },
    /// Additive glow.
    Glow { yuv: [f32; 3], gain: f32 },
    /// A streak along the motion.
    Streak { yuv: [f32; 3], alpha: f32 },
}

#[derive(Clone, Copy, Debug)]
struct Particle {
    x0: f32,
    y0: f32,
    /// Nearness 0..=1.
    n: f32,
    /// Speed in fractions of the frame per second.
    vx: f32,
    vy: f32,
    /// Sideways sway amplitude (fraction of the width) and frequency (Hz).
    sway: f32,
    sway_hz: f32,
    phase: f32,
    radius: f32,
    /// Ellipse aspect (1 = disc) and spin (turns per second).
    aspect: f32,
    spin: f32,
    blink_hz: f32,
    look: Look,
}

pub struct Particles {
    items: Vec<Particle>,
    stars: Vec<(f32, f32, f32, f32)>,
    width: usize,
    height: usize,
}

fn yuv(r: f32, g: f32, b: f32) -> [f32; 3] {
    rgb_to_yuv(r, g, b)
}

/// Rounds a rate so that it completes whole cycles in `l` seconds.
fn whole(rate: f32, l: f32, looped: bool) -> f32 {
    if !looped {
        return rate;
    }
    let cycles = (rate * l).round();
    let cycles = if cycles == 0.0 && rate != 0.0 { rate.signum() } else { cycles };
    cycles / l
}

impl Particles {
    pub fn new(
        plans: &[ParticlePlan],
        stars: bool,
        width: usize,
        height: usize,
        duration: f32,
        looped: bool,
        seed: u64,
    ) -> Particles {
        let mut rng = Rng::new(seed ^ 0x5A17);
        // Sizes follow the frame, with a floor so small clips still show them.
        let scale = (width.min(height) as f32 / 1080.0).max(0.6);
        let area = ((width * height) as f32 / (1080.0 * 1920.0)).sqrt().clamp(0.2, 2.0);
        let mut items = Vec::new();
        let l = duration.max(0.1);
        for p in plans {
            let base = match p.kind {
                ParticleKind::Snow => 320.0,
                ParticleKind::Rain => 700.0,
                ParticleKind::Petals => 80.0,
                ParticleKind::Leaves => 60.0,
                ParticleKind::Fireflies => 60.0,
                ParticleKind::Embers => 80.0,
                ParticleKind::Dust => 150.0,
            };
            let count = (base * p.density * area).round() as usize;
            for _ in 0..count {
                // Nearness: some particles are nearer than anything in the
                // photo (n > 1), so indoor and close-up scenes, which are
                // near everywhere, still show them in front.
                let n = 0.15 + 1.05 * rng.unit();
                let depth_speed = 0.35 + 0.9 * n;
                let (mut vx, mut vy, sway, sway_hz, radius, aspect, spin, blink_hz, look) = match p.kind {
                    ParticleKind::Snow => (
                        p.wind,
                        0.10 * depth_speed,
                        0.012,
                        0.3 + 0.3 * rng.unit(),
                        (1.4 + 3.6 * n) * scale,
                        1.0,
                        0.0,
                        0.0,
                        Look::Solid { yuv: yuv(250.0, 250.0, 255.0), alpha: 0.55 + 0.4 * n },
                    ),
                    ParticleKind::Rain => (
                        // A slight slant, more with wind; thin, faint,
                        // motion-blurred streaks read as rain, solid lines do not.
                        p.wind * 3.0 + 0.12,
                        1.4 * depth_speed,
                        0.0,
                        0.0,
                        (0.35 + 0.6 * n) * scale,
                        1.0,
                        0.0,
                        0.0,
                        Look::Streak { yuv: yuv(200.0, 208.0, 222.0), alpha: 0.08 + 0.2 * n },
                    ),
                    ParticleKind::Petals => (
                        p.wind + 0.02,
                        0.08 * depth_speed,
                        0.03,
                        0.25 + 0.2 * rng.unit(),
                        (3.0 + 6.0 * n) * scale,
                        0.55,
                        0.3 + 0.4 * rng.unit(),
                        0.0,
                        Look::Solid { yuv: yuv(255.0, 186.0, 205.0), alpha: 0.9 },
                    ),
                    ParticleKind::Leaves => (
                        p.wind + 0.03,
                        0.11 * depth_speed,
                        0.04,
                        0.2 + 0.2 * rng.unit(),
                        (4.0 + 8.0 * n) * scale,
                        0.45,
                        0.2 + 0.4 * rng.unit(),
                        0.0,
                        Look::Solid {
                            yuv: if rng.unit() < 0.5 { yuv(206.0, 110.0, 36.0) } else { yuv(170.0, 128.0, 40.0) },
                            alpha: 0.95,
                        },
                    ),
                    ParticleKind::Fireflies => (
                        0.0,
                        0.0,
                        0.03,
                        0.15 + 0.15 * rng.unit(),
                        (4.0 + 5.0 * n) * scale,
                        1.0,
                        0.0,
                        0.3 + 0.5 * rng.unit(),
                        Look::Glow { yuv: yuv(215.0, 255.0, 120.0), gain: 0.9 },
                    ),
                    ParticleKind::Embers => (
                        p.wind,
                        -0.09 * depth_speed,
                        0.015,
                        0.5 + 0.5 * rng.unit(),
                        (1.2 + 2.2 * n) * scale,
                        1.0,
                        0.0,
                        1.5 + 2.0 * rng.unit(),
                        Look::Glow { yuv: yuv(255.0, 150.0, 50.0), gain: 0.8 },
                    ),
                    ParticleKind::Dust => (
                        p.wind + 0.004,
                        0.006,
                        0.01,
                        0.1 + 0.1 * rng.unit(),
                        (0.8 + 1.6 * n) * scale,
                        1.0,
                        0.0,
                        0.0,
                        Look::Glow { yuv: yuv(255.0, 244.0, 220.0), gain: 0.35 },
                    ),
                };
                vx *= p.speed;
                vy *= p.speed;
                items.push(Particle {
                    x0: rng.unit(),
                    y0: rng.unit(),
                    n,
                    vx: whole(vx, l, looped),
                    vy: whole(vy, l, looped),
                    sway,
                    sway_hz: whole(sway_hz, l, looped),
                    phase: rng.unit(),
                    radius: radius.max(0.6),
                    aspect,
                    spin: whole(spin, l, looped),
                    blink_hz: whole(blink_hz, l, looped),
                    look,
                });
            }
        }
        // Far particles first so near ones cover them.
        items.sort_by(|a, b| a.n.total_cmp(&b.n));
        let star_count = if stars { (260.0 * area) as usize } else { 0 };
        let stars = (0..star_count)
            .map(|_| (rng.unit(), rng.unit() * 0.7, 0.4 + 0.6 * rng.unit(), whole(0.3 + rng.unit(), l, looped)))
            .collect();
        Particles { items, stars, width, height }
    }

    /// Draws the particles for time `t`; `wake` fades them in from the still,
    /// `night` (0..=1) lights the stars.
    pub fn draw(&self, t: f32, wake: f32, night: f32, out: &mut Frame, cover: &Cover) {
        let (w, h) = (self.width as f32, self.height as f32);
        if night > 0.0 {
            for &(x, y, b, hz) in &self.stars {
                let tw = 0.75 + 0.25 * (TAU * (hz * t + x * 7.0)).sin();
                let (px, py) = (x * w, y * h);
                let ci = (py as usize / 2).min(self.height.div_ceil(2) - 1) * cover.width
                    + (px as usize / 2).min(cover.width - 1);
                let sky = f32::from(cover.sky[ci]) / 255.0;
                if sky > 0.6 {
                    let g = b * tw * night * sky;
                    self.glow(
                        out,
                        cover,
                        px,
                        py,
                        (0.7 + b * 0.8) * (w / 1080.0).max(0.5),
                        [235.0, 128.0, 128.0],
                        g,
                        2.0,
                    );
                }
            }
        }
        if wake <= 0.0 {
            return;
        }
        for p in &self.items {
            let sway = p.sway * (TAU * (p.sway_hz * t + p.phase)).sin();
            let x = (p.x0 + p.vx * t + sway).rem_euclid(1.0) * (w + 40.0) - 20.0;
            let y = (p.y0 + p.vy * t).rem_euclid(1.0) * (h + 40.0) - 20.0;
            let blink =
                if p.blink_hz > 0.0 { (0.5 + 0.5 * (TAU * (p.blink_hz * t + p.phase)).sin()).powi(2) } else { 1.0 };
            match p.look {
                Look::Solid { yuv, alpha } => {
                    let angle = TAU * (p.spin * t + p.phase);
                    self.solid(out, cover, p, x, y, angle, yuv, alpha * wake);
                }
                Look::Glow { yuv, gain } => self.glow_occluded(out, cover, p, x, y, yuv, gain * blink * wake),
                Look::Streak { yuv, alpha } => {
                    let len = (0.02 + 0.03 * p.n) * h;
                    let (dx, dy) = (p.vx * w, p.vy * h);
                    let norm = (dx * dx + dy * dy).sqrt().max(1e-3);
                    self.streak(out, cover, p, (x, y), (x - dx / norm * len, y - dy / norm * len), yuv, alpha * wake);
                }
            }
        }
    }

    fn hidden(&self, cover: &Cover, p: &Particle, x: usize, y: usize) -> bool {
        let ci = (y / 2) * cover.width + x / 2;
        cover.near.get(ci).is_some_and(|&n| f32::from(n) / 255.0 > p.n + 0.08)
    }

    #[allow(clippy::too_many_arguments)]
    fn solid(&self, out: &mut Frame, cover: &Cover, p: &Particle, x: f32, y: f32, angle: f32, c: [f32; 3], alpha: f32) {
        let r = p.radius;
        let (ca, sa) = (angle.cos(), angle.sin());
        // Tumbling: the short axis breathes as the particle turns.
        let b = r * (p.aspect + (1.0 - p.aspect) * (angle * 0.5).sin().abs());
        self.each_pixel(
            out,
            cover,
            p,
            x,
            y,
            r + 1.0,
            |dx, dy| {
                let u = dx * ca + dy * sa;
                let v = -dx * sa + dy * ca;
                let d = ((u / r).powi(2) + (v / b.max(0.5)).powi(2)).sqrt();
                ((1.0 - d) * r.min(b).max(1.0) + 0.5).clamp(0.0, 1.0) * alpha
            },
            c,
            false,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn glow_occluded(&self, out: &mut Frame, cover: &Cover, p: &Particle, x: f32, y: f32, c: [f32; 3], gain: f32) {
        let r = p.radius;
        self.each_pixel(out, cover, p, x, y, r * 3.0, |dx, dy| gain * (-(dx * dx + dy * dy) / (r * r)).exp(), c, true);
    }

    #[allow(clippy::too_many_arguments)]
    fn glow(&self, out: &mut Frame, cover: &Cover, x: f32, y: f32, r: f32, c: [f32; 3], gain: f32, reach: f32) {
        let p = Particle {
            x0: 0.0,
            y0: 0.0,
            n: 1.0,
            vx: 0.0,
            vy: 0.0,
            sway: 0.0,
            sway_hz: 0.0,
            phase: 0.0,
            radius: r,
            aspect: 1.0,
            spin: 0.0,
            blink_hz: 0.0,
            look: Look::Glow { yuv: c, gain },
        };
        self.each_pixel(
            out,
            cover,
            &p,
            x,
            y,
            r * reach,
            |dx, dy| gain * (-(dx * dx + dy * dy) / (r * r)).exp(),
            c,
            true,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn streak(
        &self,
        out: &mut Frame,
        cover: &Cover,
        p: &Particle,
        a: (f32, f32),
        b: (f32, f32),
        c: [f32; 3],
        alpha: f32,
    ) {
        let (mx, my) = ((a.0 + b.0) * 0.5, (a.1 + b.1) * 0.5);
        let half = (((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()) * 0.5 + p.radius + 1.0;
        let (ex, ey) = (b.0 - a.0, b.1 - a.1);
        let len2 = (ex * ex + ey * ey).max(1e-6);
        self.each_pixel(
            out,
            cover,
            p,
            mx,
            my,
            half,
            |dx, dy| {
                // Distance from the pixel to the segment a–b.
                let (px, py) = (mx + dx - a.0, my + dy - a.1);
                let s = ((px * ex + py * ey) / len2).clamp(0.0, 1.0);
                let d = ((px - s * ex).powi(2) + (py - s * ey).powi(2)).sqrt();
                ((p.radius + 0.5 - d).clamp(0.0, 1.0)) * alpha
            },
            c,
            false,
        );
    }

    /// Visits the pixels within `reach` of (`x`, `y`), mixing colour `c` by
    /// the coverage `cov(dx, dy)`; chroma once per 2×2 block.
    #[allow(clippy::too_many_arguments)]
    fn each_pixel(
        &self,
        out: &mut Frame,
        cover: &Cover,
        p: &Particle,
        x: f32,
        y: f32,
        reach: f32,
        cov: impl Fn(f32, f32) -> f32,
        c: [f32; 3],
        additive: bool,
    ) {
        let (w, h) = (self.width, self.height);
        let x0 = (x - reach).floor().max(0.0) as usize;
        let y0 = (y - reach).floor().max(0.0) as usize;
        let x1 = ((x + reach).ceil().max(0.0) as usize).min(w);
        let y1 = ((y + reach).ceil().max(0.0) as usize).min(h);
        let cw = out.chroma_width();
        for py in y0..y1 {
            for px in x0..x1 {
                if self.hidden(cover, p, px, py) {
                    continue;
                }
                let a = cov(px as f32 + 0.5 - x, py as f32 + 0.5 - y).min(1.0);
                if a <= 0.002 {
                    continue;
                }
                let i = py * w + px;
                let yv = f32::from(out.y[i]);
                let ny = if additive { yv + (235.0 - yv) * a * ((c[0] - 16.0) / 219.0) } else { yv + (c[0] - yv) * a };
                out.y[i] = ny.clamp(16.0, 235.0) as u8;
                if px % 2 == 0 && py % 2 == 0 {
                    let ci = (py / 2) * cw + px / 2;
                    let ca = if additive { a * 0.6 } else { a };
                    let (u, v) = (f32::from(out.u[ci]), f32::from(out.v[ci]));
                    out.u[ci] = (u + (c[1] - u) * ca).clamp(16.0, 240.0) as u8;
                    out.v[ci] = (v + (c[2] - v) * ca).clamp(16.0, 240.0) as u8;
                }
            }
        }
    }
}
