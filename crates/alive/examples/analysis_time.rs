//! Where the scene analysis of one photo spends its time, on one thread:
//! the analysis picture (downscale), the finder, the superpixels and the
//! classifier, and the whole `Scene::analyse` (faces on the other core);
//! with the face pack installed, also loading its models, the person matte
//! and the face mesh of each face.
//!
//! ```text
//! cargo run --release -p vivify-alive --example analysis_time -- PHOTO [RUNS]
//! ```

use std::time::Instant;

use vivify_alive::scene::{analysis_picture, find_sky, Scene};
use vivify_picture::photo::Photo;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let photo =
        Photo::open(std::path::Path::new(args.get(1).expect("usage: analysis_time PHOTO [RUNS]"))).expect("photo");
    let runs: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5);
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let time = |f: &dyn Fn()| {
        median(
            (0..runs)
                .map(|_| {
                    let t = Instant::now();
                    f();
                    t.elapsed().as_secs_f64() * 1e3
                })
                .collect(),
        )
    };
    let a = analysis_picture(&photo.rgb).expect("analysis picture");
    println!(
        "{}x{} photo, analysis picture {}x{}, median of {runs}:",
        photo.rgb.width, photo.rgb.height, a.width, a.height
    );
    println!("  analysis picture   {:7.1} ms", time(&|| drop(analysis_picture(&photo.rgb))));
    println!("  sky (finder+model) {:7.1} ms", time(&|| drop(find_sky(&a, false))));
    // 0 when vivify-picture is built without its `faces` feature (this
    // crate alone does not turn it on; the `vivify` crate does).
    println!("  faces              {:7.1} ms", time(&|| drop(vivify_picture::faces::detect(&photo.rgb))));
    println!(
        "  whole analyse      {:7.1} ms (faces on the other core)",
        time(&|| drop(Scene::analyse(&photo.rgb, false)))
    );
    let (Some(Ok(matte)), Some(Ok(mesh))) =
        (vivify_alive::people::PersonMatte::installed(), vivify_alive::face_mesh::FaceMesh::installed())
    else {
        println!("  (face pack not installed: scripts/install-model-packs face)");
        return;
    };
    let load = time(&|| {
        drop(vivify_alive::people::PersonMatte::installed());
        drop(vivify_alive::face_mesh::FaceMesh::installed());
    });
    println!("  face pack: load    {load:7.1} ms (person matte and face mesh, hashes not checked)");
    println!("  person matte       {:7.1} ms", time(&|| drop(matte.matte(&a))));
    let faces = vivify_picture::faces::detect(&photo.rgb);
    if let Some(f) = faces.first() {
        println!(
            "  face mesh, 1 face  {:7.1} ms ({} faces found)",
            time(&|| drop(mesh.landmarks(&photo.rgb, f.rect))),
            faces.len()
        );
    }
    println!("  analyse with matte {:7.1} ms", time(&|| drop(Scene::analyse_with(&photo.rgb, false, Some(&matte)))));
}
