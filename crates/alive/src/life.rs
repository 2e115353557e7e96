//! How much of a clip lives: the share of the frame that moves or changes
//! beyond what the camera alone does.
//!
//! The clip is rendered at a small size as planned, with the light layers
//! left out (drifting shadows, flickering lights: [`Plan::without_light`]),
//! and with every layer of life left out (also sky drift, water, particles,
//! sway, steam, fog: [`Plan::without_life`]); all three share the camera
//! path. Breathing, the passing light over the subject and colour grades
//! stay in every render, because on their own they do not make a photo look
//! alive (issue 14's report). A pixel lives when, at some sampled moment,
//! the planned render differs there from the lifeless one by at least
//! [`LIVING_LUMA`] luma levels; it moves when the render without the light
//! layers does.

use super::plan::Plan;
use super::render::{Cover, Stage};
use super::scene::Scene;
use vivify_codec::Frame;
use vivify_media::error::Result;
use vivify_picture::image::{Rect, Rgb};

/// Luma difference (of 219 levels) a viewer notices in a moving clip.
pub const LIVING_LUMA: u8 = 8;

/// Least share of the frame that must live with the default prompt (see
/// docs/EVAL.md for why this much).
pub const ALIVE_SHARE: f32 = 0.10;

/// Moments sampled over the clip.
const SAMPLES: usize = 12;

/// Shares (0..=1) of the output frame that live.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct Liveliness {
    /// Changes at some moment, by motion or light.
    pub living: f32,
    /// Moves at some moment (light layers left out).
    pub moving: f32,
}

/// How much of the frame lives, rendering `crop` of `photo` at
/// `width`×`height`.
#[allow(clippy::too_many_arguments)]
pub fn liveliness(
    photo: &Rgb,
    scene: &Scene,
    plan: &Plan,
    crop: Rect,
    width: usize,
    height: usize,
    duration: f32,
    seed: u64,
) -> Result<Liveliness> {
    let stage = |p: &Plan| Stage::new(photo, scene, p, crop, width, height, duration, seed);
    let (full, unlit, still) = (stage(plan)?, stage(&plan.without_light())?, stage(&plan.without_life())?);
    let (mut a, mut b, mut c) = (Frame::new(width, height)?, Frame::new(width, height)?, Frame::new(width, height)?);
    let mut cover = Cover { width: 0, near: Vec::new(), sky: Vec::new() };
    let (mut lives, mut moves) = (vec![false; width * height], vec![false; width * height]);
    for k in 0..SAMPLES {
        // Skip t = 0: the first frame is the photo in all of them.
        let t = duration * (k + 1) as f32 / SAMPLES as f32 * 0.999;
        full.render(t, &mut a, &mut cover);
        unlit.render(t, &mut b, &mut cover);
        still.render(t, &mut c, &mut cover);
        for (((l, m), (&p, &q)), &r) in lives.iter_mut().zip(&mut moves).zip(a.y.iter().zip(&b.y)).zip(&c.y) {
            *l |= p.abs_diff(r) >= LIVING_LUMA;
            *m |= q.abs_diff(r) >= LIVING_LUMA;
        }
    }
    let share = |v: &[bool]| v.iter().filter(|&&x| x).count() as f32 / v.len() as f32;
    Ok(Liveliness { living: share(&lives), moving: share(&moves) })
}
