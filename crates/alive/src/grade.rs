//! Colour grades the sky can move to ("golden hour", "sunset", "night"…),
//! worked out once as Y'CbCr targets so the per-pixel work is a few
//! multiply-adds. The sky takes the target's colours while keeping its own
//! light and dark (clouds survive); the rest of the scene gets a weaker
//! matching tint so it sits under the new sky.

use super::prompt::Grade;
use vivify_picture::image::rgb_to_yuv;

/// A grade at full strength.
struct Look {
    /// Sky colour at the top and at the horizon (RGB).
    top: [f32; 3],
    horizon: [f32; 3],
    /// Multiplier on the scene's RGB.
    scene: [f32; 3],
}

fn look(g: Grade) -> Look {
    match g {
        Grade::GoldenHour => {
            Look { top: [110.0, 150.0, 205.0], horizon: [255.0, 196.0, 120.0], scene: [1.08, 0.98, 0.80] }
        }
        Grade::Sunset => Look { top: [80.0, 70.0, 140.0], horizon: [255.0, 128.0, 64.0], scene: [1.0, 0.80, 0.66] },
        Grade::BlueHour => Look { top: [22.0, 42.0, 112.0], horizon: [96.0, 112.0, 176.0], scene: [0.62, 0.70, 0.95] },
        Grade::Night => Look { top: [6.0, 10.0, 34.0], horizon: [26.0, 36.0, 72.0], scene: [0.30, 0.36, 0.55] },
        Grade::Storm => Look { top: [58.0, 62.0, 72.0], horizon: [112.0, 116.0, 126.0], scene: [0.72, 0.75, 0.80] },
        Grade::Pink => Look { top: [140.0, 112.0, 200.0], horizon: [255.0, 164.0, 192.0], scene: [1.05, 0.90, 0.98] },
    }
}

/// Per-clip grade constants in Y'CbCr.
#[derive(Clone, Copy, Debug)]
pub struct GradeYuv {
    pub top: [f32; 3],
    pub horizon: [f32; 3],
    /// Scene: luma gain and chroma offsets.
    pub scene_gain: f32,
    pub scene_du: f32,
    pub scene_dv: f32,
}

impl GradeYuv {
    pub fn new(g: Grade) -> GradeYuv {
        let l = look(g);
        let grey = rgb_to_yuv(128.0, 128.0, 128.0);
        let tinted = rgb_to_yuv(128.0 * l.scene[0], 128.0 * l.scene[1], 128.0 * l.scene[2]);
        GradeYuv {
            top: rgb_to_yuv(l.top[0], l.top[1], l.top[2]),
            horizon: rgb_to_yuv(l.horizon[0], l.horizon[1], l.horizon[2]),
            scene_gain: (tinted[0] - 16.0) / (grey[0] - 16.0),
            scene_du: tinted[1] - grey[1],
            scene_dv: tinted[2] - grey[2],
        }
    }

    /// Target sky colour at height `v` (0 top, 1 horizon).
    #[inline]
    pub fn sky_at(&self, v: f32) -> [f32; 3] {
        let v = v.clamp(0.0, 1.0);
        [
            self.top[0] + (self.horizon[0] - self.top[0]) * v,
            self.top[1] + (self.horizon[1] - self.top[1]) * v,
            self.top[2] + (self.horizon[2] - self.top[2]) * v,
        ]
    }
}
