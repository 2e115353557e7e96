//! The virtual camera: Ken Burns zoom and pan plus 2.5-D parallax from the
//! depth map, eased, and fitted so the frame edge never shows.
//!
//! An output pixel `o` (pixel-centre coordinates, origin top left) looks at
//! the source point
//!
//! ```text
//! s = centre + (o - size/2) · spread / (1 + dolly · (n - focus)) + shift · (n - focus)
//! ```
//!
//! where `n` is the nearness at that point (0 far, 1 near), `spread` the
//! source pixels per output pixel (1 / zoom), `dolly` how much faster near
//! things grow than far ones, and `shift` the parallax offset. At the rest
//! frame every term but the centre is neutral, so the frame is the photo.

use super::prompt::CameraMove;

/// The camera at one instant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pose {
    pub cx: f32,
    pub cy: f32,
    pub spread: f32,
    pub dolly: f32,
    pub shift: (f32, f32),
    pub focus: f32,
}

/// Smooth start and stop (C¹ at both ends).
pub fn ease(u: f32) -> f32 {
    let u = u.clamp(0.0, 1.0);
    u * u * (3.0 - 2.0 * u)
}

/// A camera path over source planes of `src_w`×`src_h` for an output of
/// `out_w`×`out_h`, starting (at rest) on the crop centred at `rest`.
pub struct Path {
    pub motion: CameraMove,
    pub amount: f32,
    pub parallax: f32,
    pub looped: bool,
    pub duration: f32,
    pub out: (f32, f32),
    pub src: (f32, f32),
    pub rest: (f32, f32),
    /// Nearness that stays put (the subject's).
    pub focus: f32,
}

impl Path {
    /// Progress of the move at time `t`: 0 at the rest frame.
    fn progress(&self, t: f32) -> f32 {
        let u = (t / self.duration).clamp(0.0, 1.0);
        if self.looped {
            0.5 - 0.5 * (std::f32::consts::TAU * u).cos()
        } else {
            ease(u)
        }
    }

    /// The time of the frame that shows the photo as it is.
    pub fn rest_time(&self) -> f32 {
        if self.motion == CameraMove::PullBack && !self.looped {
            self.duration
        } else {
            0.0
        }
    }

    /// The unfitted pose: zoom, travel and parallax for time `t`.
    fn raw(&self, t: f32) -> Pose {
        let s = self.progress(t);
        let w = self.out.0;
        let (mut zoom, mut cx, mut cy, mut dolly, mut shift) = (1.0, self.rest.0, self.rest.1, 0.0, (0.0, 0.0));
        let p = self.parallax * w;
        match self.motion {
            CameraMove::Still => {}
            CameraMove::PushIn => {
                zoom = 1.0 + self.amount * s;
                dolly = 2.0 * self.parallax * s;
            }
            CameraMove::PullBack => {
                let r = 1.0 - s;
                zoom = 1.0 + self.amount * r;
                dolly = 2.0 * self.parallax * r;
            }
            CameraMove::PanLeft | CameraMove::PanRight | CameraMove::PanUp | CameraMove::PanDown => {
                let (dx, dy) = match self.motion {
                    CameraMove::PanLeft => (-1.0, 0.0),
                    CameraMove::PanRight => (1.0, 0.0),
                    CameraMove::PanUp => (0.0, -1.0),
                    _ => (0.0, 1.0),
                };
                let travel = self.amount * w * s;
                cx += dx * travel;
                cy += dy * travel;
                shift = (dx * p * s, dy * p * s);
            }
            CameraMove::Orbit => {
                let u = if self.looped {
                    (t / self.duration).clamp(0.0, 1.0)
                } else {
                    0.5 * ease((t / self.duration).clamp(0.0, 1.0))
                };
                let a = std::f32::consts::TAU * u;
                shift = (p * a.sin(), 0.4 * p * (1.0 - a.cos()));
                zoom = 1.0 + self.amount * s;
            }
        }
        Pose { cx, cy, spread: 1.0 / zoom, dolly, shift, focus: self.focus }
    }

    /// Source extent reached by a pose over all nearness values.
    fn extent(&self, p: &Pose) -> (f32, f32, f32, f32) {
        let (hw, hh) = (self.out.0 * 0.5, self.out.1 * 0.5);
        let mut lo = (f32::MAX, f32::MAX);
        let mut hi = (f32::MIN, f32::MIN);
        for n in [0.0f32, 0.5, 1.0] {
            let k = p.spread / (1.0 + p.dolly * (n - p.focus)).max(0.2);
            let ox = p.shift.0 * (n - p.focus);
            let oy = p.shift.1 * (n - p.focus);
            lo.0 = lo.0.min(p.cx - hw * k + ox);
            hi.0 = hi.0.max(p.cx + hw * k + ox);
            lo.1 = lo.1.min(p.cy - hh * k + oy);
            hi.1 = hi.1.max(p.cy + hh * k + oy);
        }
        (lo.0, lo.1, hi.0, hi.1)
    }

    fn fits(&self, p: &Pose) -> bool {
        let (x0, y0, x1, y1) = self.extent(p);
        x0 >= -1e-3 && y0 >= -1e-3 && x1 <= self.src.0 + 1e-3 && y1 <= self.src.1 + 1e-3
    }

    /// Moves the centre inside the picture as far as the spread allows.
    fn clamp_centre(&self, p: &mut Pose) {
        let (x0, y0, x1, y1) = self.extent(p);
        if x0 < 0.0 {
            p.cx -= x0;
        } else if x1 > self.src.0 {
            p.cx -= x1 - self.src.0;
        }
        if y0 < 0.0 {
            p.cy -= y0;
        } else if y1 > self.src.1 {
            p.cy -= y1 - self.src.1;
        }
    }

    /// The pose at `t`, zoomed in just enough (and re-centred) that every
    /// output pixel maps inside the source.
    pub fn pose(&self, t: f32) -> Pose {
        let mut p = self.raw(t);
        self.clamp_centre(&mut p);
        if self.fits(&p) {
            return p;
        }
        // Smallest extra zoom that fits, by bisection (continuous in t, so
        // the move stays smooth).
        let (mut lo, mut hi) = (1.0f32, 4.0f32);
        for _ in 0..30 {
            let mid = 0.5 * (lo + hi);
            let mut q = p;
            q.spread = p.spread / mid;
            self.clamp_centre(&mut q);
            if self.fits(&q) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        p.spread /= hi;
        self.clamp_centre(&mut p);
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(motion: CameraMove, looped: bool) -> Path {
        Path {
            motion,
            amount: 0.06,
            parallax: 0.015,
            looped,
            duration: 3.0,
            out: (400.0, 300.0),
            src: (400.0, 300.0),
            rest: (200.0, 150.0),
            focus: 0.5,
        }
    }

    #[test]
    fn rest_frame_is_identity_and_moves_stay_inside() {
        for m in [CameraMove::PushIn, CameraMove::PanLeft, CameraMove::PanDown, CameraMove::Orbit, CameraMove::Still] {
            for looped in [false, true] {
                let p = path(m, looped);
                let r = p.pose(p.rest_time());
                assert!((r.spread - 1.0).abs() < 1e-4 && r.shift == (0.0, 0.0), "{m:?} {r:?}");
                for i in 0..=90 {
                    let q = p.pose(i as f32 / 30.0);
                    assert!(p.fits(&q), "{m:?} frame {i}: {:?}", p.extent(&q));
                }
            }
        }
        let p = path(CameraMove::PullBack, false);
        assert_eq!(p.rest_time(), 3.0);
        assert!((p.pose(3.0).spread - 1.0).abs() < 1e-4);
    }

    #[test]
    fn looped_path_returns_to_start() {
        for m in [CameraMove::PushIn, CameraMove::PanRight, CameraMove::Orbit] {
            let p = path(m, true);
            let (a, b) = (p.pose(0.0), p.pose(3.0));
            assert!((a.cx - b.cx).abs() < 1e-3 && (a.spread - b.spread).abs() < 1e-5, "{m:?}");
        }
    }
}
