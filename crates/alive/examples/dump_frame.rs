use vivify_alive::render::{Cover, Stage};
use vivify_alive::scene::Scene;
use vivify_alive::{frame_size, plan, prompt, SizeSpec};
use vivify_picture::photo::Photo;
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let p = Photo::open(std::path::Path::new(&a[1])).unwrap();
    let scene = Scene::analyse(&p.rgb, false).unwrap();
    let text = a.get(3).map(|s| s.as_str()).unwrap_or(vivify_alive::DEFAULT_PROMPT);
    let pl = plan::build(text, &prompt::parse(text), &scene, 1, false);
    let (w, h, crop, _) = frame_size(p.rgb.width, p.rgb.height, SizeSpec::Story, scene.summary.subject).unwrap();
    let stage = Stage::new(&p.rgb, &scene, &pl, crop, w, h, 3.0, 1).unwrap();
    let mut f = vivify_codec::Frame::new(w, h).unwrap();
    let mut c = Cover { width: 0, near: Vec::new(), sky: Vec::new() };
    let mut out = Vec::new();
    for t in [0.5f32, 1.5, 2.9] {
        stage.render(t, &mut f, &mut c);
        out.extend_from_slice(&f.y);
        out.extend_from_slice(&f.u);
        out.extend_from_slice(&f.v);
    }
    std::fs::write(&a[2], out).unwrap();
}
