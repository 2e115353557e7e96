//! Renders three frames (0.5 s, 1.5 s and 2.9 s into a 3 s story-sized
//! clip) of a photo and writes their raw I420 planes one after another, so a
//! change to the compositor can be checked against the frames it rendered
//! before (same bytes, or how far apart) without the encoder in between.
//!
//! ```text
//! cargo run --release -p vivify-alive --example render_frames -- PHOTO OUT.yuv [PROMPT]
//! cmp before.yuv after.yuv
//! ```

use vivify_alive::render::{Cover, Stage};
use vivify_alive::scene::Scene;
use vivify_alive::{frame_size, plan, prompt, SizeSpec};
use vivify_codec::Frame;
use vivify_picture::photo::Photo;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(photo), Some(out)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: render_frames PHOTO OUT.yuv [PROMPT]");
        std::process::exit(2);
    };
    let p = Photo::open(std::path::Path::new(photo)).expect("a readable photo");
    let scene = Scene::analyse(&p.rgb, false).expect("scene analysis");
    let text = args.get(3).map_or(vivify_alive::DEFAULT_PROMPT, String::as_str);
    let pl = plan::build(text, &prompt::parse(text), &scene, 1, false);
    let (w, h, crop, _) = frame_size(p.rgb.width, p.rgb.height, SizeSpec::Story, scene.summary.subject).expect("size");
    let stage = Stage::new(&p.rgb, &scene, &pl, crop, w, h, 3.0, 1).expect("stage");
    let mut frame = Frame::new(w, h).expect("frame");
    let mut cover = Cover { width: 0, near: Vec::new(), sky: Vec::new() };
    let mut bytes = Vec::new();
    for t in [0.5f32, 1.5, 2.9] {
        stage.render(t, &mut frame, &mut cover);
        for plane in [&frame.y, &frame.u, &frame.v] {
            bytes.extend_from_slice(plane);
        }
    }
    std::fs::write(out, bytes).expect("writing the frames");
    println!("{w}x{h}, 3 frames, I420");
}
