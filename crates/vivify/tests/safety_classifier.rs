//! The optional image classifier (feature `nsfw`, model from
//! `scripts/install-safety-pack`): it loads only the published model, runs
//! on real photos, finds the people in them and does not call everyday
//! photos explicit.
#![cfg(feature = "nsfw")]

mod common;

use std::path::PathBuf;

use vivify::safety::classifier::{self, NUDENET_SHA256};
use vivify::safety::nudenet::{NudeNet, LABELS};
use vivify::safety::{Category, ImageClassifier};

fn model() -> Option<PathBuf> {
    match classifier::model_path().filter(|p| p.is_file()) {
        Some(p) => Some(p),
        None if std::env::var("VIVIFY_REQUIRE_TOOLS").is_ok_and(|v| v == "1") => {
            panic!("the safety pack is required (VIVIFY_REQUIRE_TOOLS=1): run scripts/install-safety-pack")
        }
        None => {
            common::skipped("no safety pack model (scripts/install-safety-pack); classifier tests did not run");
            None
        }
    }
}

fn photo(name: &str) -> vivify::picture::image::Rgb {
    let bytes = std::fs::read(common::fixtures().join("photos").join(name)).expect("read");
    vivify::picture::photo::Photo::decode(bytes).expect("decode").rgb
}

#[test]
fn the_classifier_sees_people_and_calls_everyday_photos_safe() {
    let Some(path) = model() else { return };
    assert_eq!(vivify::safety::store::sha256_file(&path).expect("hash"), NUDENET_SHA256);
    let net = NudeNet::load(&path).expect("load");
    let face = |s: &[f32; 18]| {
        let i = |l: &str| LABELS.iter().position(|x| *x == l).expect("label");
        s[i("FACE_FEMALE")].max(s[i("FACE_MALE")])
    };
    let mut faces = Vec::new();
    for name in ["temple.jpg", "dinner_rot6.jpg", "solvay1927_crop.jpg"] {
        let rgb = photo(name);
        let scores = net.class_scores(&rgb).expect("scores");
        let sexual = net.classify(&rgb).expect("classify");
        assert_eq!(sexual[0].0, Category::Sexual);
        assert!(sexual[0].1 < 0.35, "{name}: an everyday photo scored {:.2}", sexual[0].1);
        eprintln!("{name}: face {:.2}, exposed {:.2}", face(&scores), sexual[0].1);
        faces.push(face(&scores));
    }
    // The group photo shows people; the temple and the dinner plate none.
    assert!(faces[2] > 0.3 && faces[2] > faces[0] && faces[2] > faces[1], "faces: {faces:?}");
}

#[test]
fn a_model_file_that_is_not_the_published_one_is_refused() {
    let Some(path) = model() else { return };
    let dir = common::temp_dir("classifier-hash");
    let mut bytes = std::fs::read(&path).expect("read");
    bytes[1000] ^= 1;
    let bad = dir.join("nudenet-320n.onnx");
    std::fs::write(&bad, bytes).expect("write");
    let e = classifier::load(&bad).err().expect("a changed model is refused");
    assert!(e.to_string().contains("nudenet-320n.onnx") && e.to_string().contains("SHA-256"), "{e}");
}

/// Our tract runner against ONNX Runtime on the same model and photos
/// (`scripts/nudenet_check.py`, Pillow for the published pre-processing):
/// every class score within 0.1 (the resize filters differ slightly).
#[test]
fn tract_agrees_with_onnx_runtime() {
    let Some(path) = model() else { return };
    let py = std::env::var_os("VIVIFY_C2PA_PYTHON").map(PathBuf::from).filter(|p| {
        std::process::Command::new(p).args(["-c", "import onnxruntime, PIL"]).output().is_ok_and(|o| o.status.success())
    });
    let Some(py) = py else {
        assert!(std::env::var("VIVIFY_REQUIRE_TOOLS").ok().as_deref() != Some("1"), "onnxruntime is required");
        common::skipped("onnxruntime + pillow not found; the classifier was not checked against them");
        return;
    };
    let names = ["temple.jpg", "solvay1927_crop.jpg"];
    let files: Vec<PathBuf> = names.iter().map(|n| common::fixtures().join("photos").join(n)).collect();
    let out = std::process::Command::new(&py)
        .arg(common::fixtures().join("../../scripts/nudenet_check.py"))
        .arg(&path)
        .args(&files)
        .output()
        .expect("run nudenet_check.py");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let reference: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let net = NudeNet::load(&path).expect("load");
    for (name, file) in names.iter().zip(&files) {
        let ours = net.class_scores(&photo(name)).expect("scores");
        let theirs = reference[file.to_str().expect("utf8")].as_array().expect("scores");
        for (i, t) in theirs.iter().enumerate() {
            let t = t.as_f64().expect("number") as f32;
            assert!((ours[i] - t).abs() <= 0.1, "{name} {}: ours {:.3}, ONNX Runtime {t:.3}", LABELS[i], ours[i]);
        }
    }
}
