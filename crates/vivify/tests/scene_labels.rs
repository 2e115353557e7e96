//! Scene analysis against labels drawn by looking at real photos (issue
//! 14): the evaluation set's photos that live in this repository (phone
//! HEICs in tests/fixtures/samples) must meet IoU floors, a photo whose
//! label has no sky must get none, and the sky never covers a face. The
//! whole set (`cargo run -p vivify-alive --example eval`) needs its photos
//! fetched; these need nothing.

#[allow(dead_code)] // the examples use more of it than these tests
#[path = "../../alive/examples/common/evalset.rs"]
mod evalset;

use vivify::alive::life::{self, ALIVE_SHARE};
use vivify::alive::scene::Scene;
use vivify::alive::{plan, prompt, DEFAULT_PROMPT};
use vivify::picture::image::{Field, Rect};
use vivify::picture::photo::Photo;

/// A class counts as present in a photo from this share on (as in `eval`).
const PRESENT: f32 = 0.01;
/// Floors for the repository's labelled photos.
const SKY_IOU_FLOOR: f32 = 0.85;

fn share_iou(found: &Field, label: &[bool]) -> (f32, f32) {
    let pred: Vec<bool> = found.data.iter().map(|&v| v > 0.5).collect();
    let inter = pred.iter().zip(label).filter(|(&a, &b)| a && b).count() as f32;
    let union = pred.iter().zip(label).filter(|(&a, &b)| a || b).count() as f32;
    let share = pred.iter().filter(|&&p| p).count() as f32 / pred.len() as f32;
    (share, if union == 0.0 { 1.0 } else { inter / union })
}

fn repo_photos() -> Vec<(String, Photo, serde_json::Value)> {
    let found: Vec<_> = evalset::entries()
        .into_iter()
        .filter_map(|e| {
            let file = e.repo_file()?;
            let label = e.label().unwrap_or_else(|| panic!("{} has no label", e.id));
            let photo = Photo::open(&file).unwrap_or_else(|err| panic!("{}: {err}", file.display()));
            Some((e.id, photo, label))
        })
        .collect();
    assert!(found.len() >= 4, "the evaluation set lists {} photos from this repository", found.len());
    found
}

#[test]
fn labelled_phone_photos_meet_their_floors() {
    let mut with_sky = 0;
    for (id, photo, label) in repo_photos() {
        let scene = Scene::analyse(&photo.rgb, false).expect("analyse");
        let (w, h) = (scene.sky.width, scene.sky.height);
        let (sky, water) = evalset::label_masks(&label, w, h);
        for (class, found, truth) in [("sky", &scene.sky, &sky), ("water", &scene.water, &water)] {
            let labelled = truth.iter().filter(|&&t| t).count() as f32 / truth.len() as f32;
            let (share, iou) = share_iou(found, truth);
            if labelled >= PRESENT {
                let floor = if class == "sky" { SKY_IOU_FLOOR } else { 0.7 };
                assert!(iou >= floor, "{id}: {class} IoU {iou:.3} under {floor}");
                with_sky += usize::from(class == "sky");
            } else {
                // No such pixels in the label: none may be found.
                assert!(share < PRESENT, "{id}: {class} found on {share:.3} of a photo that has none");
            }
        }
    }
    assert!(with_sky >= 1, "no photo with sky was checked");
}

/// Share of the face boxes' pixels that the sky mask covers.
fn sky_on_faces(scene: &Scene) -> f32 {
    let (w, h) = (scene.sky.width as f64, scene.sky.height as f64);
    let (mut on, mut n) = (0.0f32, 0usize);
    for f in &scene.summary.faces {
        let Rect { x, y, w: fw, h: fh } = f.rect;
        for py in (y * h) as usize..((y + fh) * h).ceil() as usize {
            for px in (x * w) as usize..((x + fw) * w).ceil() as usize {
                if px < scene.sky.width && py < scene.sky.height {
                    on += scene.sky.get(px, py);
                    n += 1;
                }
            }
        }
    }
    on / n.max(1) as f32
}

#[test]
fn the_sky_never_covers_a_face() {
    let mut faces = 0;
    let fixtures = evalset::root().join("tests/fixtures/photos");
    let mut photos: Vec<Photo> = ["temple.jpg", "solvay1927_crop.jpg"]
        .iter()
        .map(|n| Photo::open(&fixtures.join(n)).expect("fixture photo"))
        .collect();
    photos.extend(repo_photos().into_iter().map(|(_, p, _)| p));
    for p in &photos {
        let scene = Scene::analyse(&p.rgb, false).expect("analyse");
        faces += scene.summary.faces.len();
        let on = sky_on_faces(&scene);
        assert!(on == 0.0, "the sky covers {on:.3} of the face boxes");
    }
    assert!(faces >= 3, "only {faces} faces were found to check");
}

#[test]
fn the_default_prompt_never_gives_a_dead_clip() {
    let fixtures = evalset::root().join("tests/fixtures/photos");
    let mut photos: Vec<(String, Photo)> = ["temple.jpg", "solvay1927_crop.jpg", "dinner_rot6.jpg"]
        .iter()
        .map(|n| (n.to_string(), Photo::open(&fixtures.join(n)).expect("fixture photo")))
        .collect();
    photos.extend(repo_photos().into_iter().map(|(id, p, _)| (id, p)));
    for (id, p) in &photos {
        let scene = Scene::analyse(&p.rgb, false).expect("analyse");
        let plan = plan::build(DEFAULT_PROMPT, &prompt::parse(DEFAULT_PROMPT), &scene, 0, true);
        let (pw, ph) = (p.rgb.width, p.rgb.height);
        let k = 240.0 / pw.max(ph) as f64;
        let even = |v: usize| ((v as f64 * k / 2.0).round() as usize * 2).max(32);
        let crop = Rect { x: 0.0, y: 0.0, w: pw as f64, h: ph as f64 };
        let live = life::liveliness(&p.rgb, &scene, &plan, crop, even(pw), even(ph), 3.0, 0).expect("render");
        assert!(live.living >= ALIVE_SHARE, "{id}: only {:.3} of the frame lives", live.living);
    }
}
