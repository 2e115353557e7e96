//! Photo → living moment, end to end: masks against drawn scenes with known
//! sky and water, motion where the plan says and nowhere else, the first
//! frame equal to the photo, loops that close, no frame edge, sound that is
//! there and does not clip; outside tools decode and read everything.

mod common;

use common::scenes::{self, Drawn};
use vivify::alive::image::Rgb;
use vivify::alive::scene::Scene;

fn drawn_rgb(d: &Drawn) -> Rgb {
    Rgb { width: d.width, height: d.height, data: d.rgb.clone() }
}

/// Intersection over union of a soft mask (at analysis size) against a drawn
/// boolean mask.
fn iou(mask: &vivify::alive::image::Field, truth: &[bool], w: usize, h: usize) -> f32 {
    let (mut inter, mut union) = (0.0f32, 0.0f32);
    for y in 0..h {
        for x in 0..w {
            let m = mask.sample(
                (x as f32 + 0.5) * mask.width as f32 / w as f32 - 0.5,
                (y as f32 + 0.5) * mask.height as f32 / h as f32 - 0.5,
            ) > 0.5;
            let t = truth[y * w + x];
            inter += f32::from(u8::from(m && t));
            union += f32::from(u8::from(m || t));
        }
    }
    inter / union.max(1.0)
}

#[test]
fn scene_masks_match_a_drawn_seascape() {
    let d = scenes::seascape(640, 480);
    if let Some(dir) = std::env::var_os("VIVIFY_DUMP") {
        std::fs::write(std::path::Path::new(&dir).join("seascape.png"), scenes::png(&d)).expect("dump");
    }
    let s = Scene::analyse(&drawn_rgb(&d), false).expect("analyse");
    let sky = iou(&s.sky, &d.sky, d.width, d.height);
    let water = iou(&s.water, &d.water, d.width, d.height);
    assert!(sky > 0.9, "sky IoU {sky}");
    assert!(water > 0.8, "water IoU {water}");
    let hz = s.summary.horizon.expect("horizon");
    assert!((hz - 0.45).abs() < 0.05, "horizon at {hz}");
}
