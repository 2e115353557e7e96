//! What each layer of the default plan costs the compositor, on one thread:
//! renders the story-sized clip of a photo with the full plan and with one
//! layer left out at a time, and prints milliseconds per frame.
//!
//! ```text
//! cargo run --release -p vivify-alive --example render_cost -- PHOTO [VARIANT] [FRAMES]
//! ```
//!
//! Wall times on a shared machine are noisy; for exact comparisons run one
//! variant under `valgrind --tool=callgrind` and compare instruction counts
//! (VARIANT is one of the names it prints, FRAMES 0 gives the set-up alone).

use std::time::Instant;

use vivify_alive::render::{Cover, Stage};
use vivify_alive::scene::Scene;
use vivify_alive::{frame_size, plan, prompt, SizeSpec};
use vivify_picture::photo::Photo;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).expect("usage: render_cost PHOTO [VARIANT] [FRAMES]");
    let only = args.get(2);
    let frames: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(45);
    let p = Photo::open(std::path::Path::new(path)).expect("photo");
    let scene = Scene::analyse(&p.rgb, false).expect("scene");
    let text = vivify_alive::DEFAULT_PROMPT;
    let full = plan::build(text, &prompt::parse(text), &scene, 1, false);
    let (w, h, crop, _) = frame_size(p.rgb.width, p.rgb.height, SizeSpec::Story, scene.summary.subject).expect("size");
    let mut variants: Vec<(&str, plan::Plan)> =
        vec![("full", full.clone()), ("no life", full.without_life()), ("no light", full.without_light())];
    let mut v = full.clone();
    v.sway = 0.0;
    variants.push(("no sway", v));
    let mut v = full.clone();
    v.shadows = None;
    variants.push(("no shadows", v));
    let mut v = full.clone();
    v.clouds = None;
    variants.push(("no clouds", v));
    for note in &full.notes {
        println!("plan: {note}");
    }
    for (name, pl) in variants {
        if only.is_some_and(|o| o != name) {
            continue;
        }
        let stage = Stage::new(&p.rgb, &scene, &pl, crop, w, h, 3.0, 1).expect("stage");
        let mut frame = vivify_codec::Frame::new(w, h).expect("frame");
        let mut cover = Cover { width: 0, near: Vec::new(), sky: Vec::new() };
        let t = Instant::now();
        for i in 0..frames {
            stage.render(i as f32 / 15.0, &mut frame, &mut cover);
        }
        println!("{name:<12} {:.1} ms/frame ({w}x{h})", t.elapsed().as_secs_f64() * 1e3 / frames.max(1) as f64);
    }
}
