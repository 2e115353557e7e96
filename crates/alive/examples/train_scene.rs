//! Trains the sky and water region classifier on the **tuning** half of the
//! evaluation set and writes its weights to `crates/alive/src/scene_weights.rs`
//! (issue 14). The test half is never read. Deterministic: the same photos
//! and labels give the same weights, bit for bit.
//!
//! ```text
//! scripts/fetch-eval-photos
//! cargo run --release -p vivify-alive --example train_scene
//! ```
//!
//! Each superpixel of each photo is one sample; its targets are the shares
//! of its pixels inside the sky and water labels. Every photo weighs the
//! same in the loss (a region's weight is its share of its photo), and the
//! two classes are balanced against their absence. The network is
//! `FEATURES → HIDDEN (tanh) → 2 (sigmoid)`, fitted by full-batch Adam on
//! cross-entropy with a little weight decay.

// Index loops read like the formulas they implement here.
#![allow(clippy::needless_range_loop)]

#[path = "common/evalset.rs"]
mod evalset;

use std::fmt::Write as _;

use evalset::{entries, label_masks, root};
use vivify_alive::classify::{self, HIDDEN};
use vivify_alive::regions::{self, FEATURES};
use vivify_alive::scene::analysis_picture;
use vivify_picture::photo::Photo;

/// Training length and weight decay, chosen by `--folds 4` on the tuning
/// half (see docs/EVAL.md); `--epochs` and `--decay` try others.
const EPOCHS: usize = 1000;
const RATE: f32 = 0.01;
const DECAY: f32 = 1e-2;

fn arg<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::args().skip_while(|a| a != name).nth(1).and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Sample {
    x: [f32; FEATURES],
    t: [f32; 2],
    weight: f32,
    photo: usize,
}

/// What cross-validation needs of one photo: its regions and label masks.
struct Held {
    id: String,
    regions: vivify_alive::regions::Regions,
    /// Share of each region the hand-made finder calls sky.
    finder_sky: Vec<f32>,
    /// The finder's own sky mask, per pixel (None when it found none).
    finder_pixels: Option<Vec<bool>>,
    /// The analysis picture (for the plausibility checks).
    analysis: vivify_alive::sky::Analysis,
    sky: Vec<bool>,
    water: Vec<bool>,
    first_sample: usize,
}

/// Network parameters and the feature standardisation they expect.
struct Model {
    p: Vec<f32>,
    mean: [f32; FEATURES],
    scale: [f32; FEATURES],
    loss: f32,
}

const SIZES: [usize; 4] = [HIDDEN * FEATURES, HIDDEN, 2 * HIDDEN, 2];
const O_B1: usize = SIZES[0];
const O_W2: usize = SIZES[0] + SIZES[1];
const O_B2: usize = SIZES[0] + SIZES[1] + SIZES[2];

/// A model's parameters in the shapes [`classify::Weights`] borrows, so
/// that cross-validation scores exactly what `alive` would run.
struct Arrays {
    mean: [f32; FEATURES],
    scale: [f32; FEATURES],
    w1: [[f32; FEATURES]; HIDDEN],
    b1: [f32; HIDDEN],
    w2: [[f32; HIDDEN]; 2],
    b2: [f32; 2],
}

impl Model {
    fn arrays(&self) -> Arrays {
        let p = &self.p;
        let mut a = Arrays {
            mean: self.mean,
            scale: self.scale,
            w1: [[0.0; FEATURES]; HIDDEN],
            b1: [0.0; HIDDEN],
            w2: [[0.0; HIDDEN]; 2],
            b2: [p[O_B2], p[O_B2 + 1]],
        };
        for (j, row) in a.w1.iter_mut().enumerate() {
            row.copy_from_slice(&p[j * FEATURES..(j + 1) * FEATURES]);
        }
        a.b1.copy_from_slice(&p[O_B1..O_B1 + HIDDEN]);
        for (k, row) in a.w2.iter_mut().enumerate() {
            row.copy_from_slice(&p[O_W2 + k * HIDDEN..O_W2 + (k + 1) * HIDDEN]);
        }
        a
    }
}

impl Arrays {
    fn weights(&self) -> classify::Weights<'_> {
        classify::Weights {
            mean: &self.mean,
            scale: &self.scale,
            w1: &self.w1,
            b1: &self.b1,
            w2: &self.w2,
            b2: &self.b2,
        }
    }
}

/// A small deterministic generator for the initial weights.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
}

fn main() {
    let mut samples = Vec::new();
    let mut held = Vec::new();
    let mut photos = 0;
    for e in entries().into_iter().filter(|e| e.split == "tune") {
        let Some(label) = e.label() else { continue };
        let photo = Photo::open(&e.photo()).unwrap_or_else(|err| panic!("{}: {err}", e.photo().display()));
        let a = analysis_picture(&photo.rgb).expect("analysis picture");
        let r = regions::segment(&a);
        let features = regions::describe(&a, &r);
        let (sky, water) = label_masks(&label, a.width, a.height);
        let mut counts = vec![[0f32; 3]; r.count];
        for (i, &l) in r.label.iter().enumerate() {
            let c = &mut counts[l as usize];
            c[0] += 1.0;
            c[1] += f32::from(u8::from(sky[i]));
            c[2] += f32::from(u8::from(water[i]));
        }
        let total = (a.width * a.height) as f32;
        let first_sample = samples.len();
        for (f, c) in features.iter().zip(&counts) {
            // Empty regions stay as samples of weight 0 so that region k is sample first + k.
            let t = if c[0] > 0.0 { [c[1] / c[0], c[2] / c[0]] } else { [0.0, 0.0] };
            samples.push(Sample { x: *f, t, weight: c[0] / total, photo: photos });
        }
        // The finder alone: `Scene::analyse` would bring in the built-in
        // classifier, trained on the held-out photos too.
        let finder_sky = classify::region_shares(&r, &vivify_alive::sky::find(&a, false).sky);
        let finder_pixels = vivify_alive::sky::grow(&a);
        held.push(Held {
            id: e.id.clone(),
            regions: r,
            finder_sky,
            finder_pixels,
            analysis: a,
            sky,
            water,
            first_sample,
        });
        photos += 1;
    }
    assert!(!samples.is_empty(), "no labelled tuning photos: run scripts/fetch-eval-photos");
    let folds = arg("--folds", 0usize);
    if folds > 0 {
        cross_validate(&samples, &held, folds);
        return;
    }
    let model = train(&samples, |_| true);
    let (a, loss) = (model.arrays(), model.loss);
    let mut out = String::new();
    let _ = writeln!(out, "//! Sky and water classifier weights, written by `cargo run --release -p vivify-alive");
    let _ = writeln!(out, "//! --example train_scene` from the tuning half of the evaluation set ({photos} photos,");
    let _ = writeln!(out, "//! {} regions; final loss {loss:.4}). Do not edit by hand.", samples.len());
    let _ = writeln!(out, "#![allow(clippy::all, clippy::pedantic)]\nuse crate::regions::FEATURES;");
    let _ = writeln!(out, "pub const HIDDEN: usize = {HIDDEN};");
    let list = |v: &[f32]| v.iter().map(|x| format!("{x:?}")).collect::<Vec<_>>().join(", ");
    let _ = writeln!(out, "pub const MEAN: [f32; FEATURES] = [{}];", list(&a.mean));
    let _ = writeln!(out, "pub const SCALE: [f32; FEATURES] = [{}];", list(&a.scale));
    let _ = writeln!(out, "pub const W1: [[f32; FEATURES]; HIDDEN] = [");
    for row in &a.w1 {
        let _ = writeln!(out, "    [{}],", list(row));
    }
    let _ = writeln!(out, "];\npub const B1: [f32; HIDDEN] = [{}];", list(&a.b1));
    let _ = writeln!(out, "pub const W2: [[f32; HIDDEN]; 2] = [");
    for row in &a.w2 {
        let _ = writeln!(out, "    [{}],", list(row));
    }
    let _ = writeln!(out, "];\npub const B2: [f32; 2] = [{}];", list(&a.b2));
    let path = root().join("crates/alive/src/scene_weights.rs");
    std::fs::write(&path, out).expect("write weights");
    println!("{} photos, {} regions, loss {loss:.4}: wrote {}", photos, samples.len(), path.display());
}

/// Fits the network on the samples of the photos `use_photo` accepts.
fn train(samples: &[Sample], use_photo: impl Fn(usize) -> bool) -> Model {
    // Balance each class against its absence.
    let mut class_weight = [[1f32; 2]; 2];
    for k in 0..2 {
        let pos: f32 = samples.iter().filter(|s| use_photo(s.photo)).map(|s| s.weight * s.t[k]).sum();
        let neg: f32 = samples.iter().filter(|s| use_photo(s.photo)).map(|s| s.weight * (1.0 - s.t[k])).sum();
        if pos > 0.0 {
            class_weight[k] = [0.5 * (pos + neg) / neg, 0.5 * (pos + neg) / pos];
        }
    }
    // Standardise the features.
    let n = samples.iter().filter(|s| use_photo(s.photo)).count() as f32;
    let mut mean = [0f32; FEATURES];
    let mut scale = [1f32; FEATURES];
    for i in 0..FEATURES {
        mean[i] = samples.iter().filter(|s| use_photo(s.photo)).map(|s| s.x[i]).sum::<f32>() / n;
        let var = samples.iter().filter(|s| use_photo(s.photo)).map(|s| (s.x[i] - mean[i]).powi(2)).sum::<f32>() / n;
        scale[i] = if var > 1e-8 { 1.0 / var.sqrt() } else { 0.0 };
    }
    let train: Vec<&Sample> = samples.iter().filter(|s| use_photo(s.photo)).collect();
    let xs: Vec<[f32; FEATURES]> = train
        .iter()
        .map(|s| {
            let mut x = [0f32; FEATURES];
            for i in 0..FEATURES {
                x[i] = (s.x[i] - mean[i]) * scale[i];
            }
            x
        })
        .collect();
    // Parameters in one vector: w1, b1, w2, b2.
    let total: usize = SIZES.iter().sum();
    let mut rng = Lcg(0x5EED_0014);
    let mut p: Vec<f32> = (0..total).map(|_| rng.next() * 0.3).collect();
    let (mut m, mut v) = (vec![0f32; total], vec![0f32; total]);
    let (o_b1, o_w2, o_b2) = (O_B1, O_W2, O_B2);
    let weight_sum: f32 = samples.iter().filter(|s| use_photo(s.photo)).map(|s| s.weight).sum();
    let mut loss = 0.0;
    let (epochs, decay) = (arg("--epochs", EPOCHS), arg("--decay", DECAY));
    for epoch in 1..=epochs {
        let mut g = vec![0f32; total];
        loss = 0.0;
        for (s, x) in train.iter().zip(&xs) {
            let mut hidden = [0f32; HIDDEN];
            for j in 0..HIDDEN {
                let row = &p[j * FEATURES..(j + 1) * FEATURES];
                hidden[j] = (row.iter().zip(x).map(|(a, b)| a * b).sum::<f32>() + p[o_b1 + j]).tanh();
            }
            let mut dh = [0f32; HIDDEN];
            for k in 0..2 {
                let row = &p[o_w2 + k * HIDDEN..o_w2 + (k + 1) * HIDDEN];
                let z = row.iter().zip(&hidden).map(|(a, b)| a * b).sum::<f32>() + p[o_b2 + k];
                let y = 1.0 / (1.0 + (-z).exp());
                let t = s.t[k];
                let cw = t * class_weight[k][1] + (1.0 - t) * class_weight[k][0];
                let wgt = s.weight * cw / weight_sum;
                loss -= wgt * (t * y.max(1e-7).ln() + (1.0 - t) * (1.0 - y).max(1e-7).ln());
                let dz = wgt * (y - t);
                for j in 0..HIDDEN {
                    g[o_w2 + k * HIDDEN + j] += dz * hidden[j];
                    dh[j] += dz * p[o_w2 + k * HIDDEN + j];
                }
                g[o_b2 + k] += dz;
            }
            for j in 0..HIDDEN {
                let da = dh[j] * (1.0 - hidden[j] * hidden[j]);
                for (i, xi) in x.iter().enumerate() {
                    g[j * FEATURES + i] += da * xi;
                }
                g[o_b1 + j] += da;
            }
        }
        // Adam with decoupled weight decay.
        let (b1, b2) = (0.9f32, 0.999f32);
        for i in 0..total {
            m[i] = b1 * m[i] + (1.0 - b1) * g[i];
            v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
            let mh = m[i] / (1.0 - b1.powi(epoch as i32));
            let vh = v[i] / (1.0 - b2.powi(epoch as i32));
            p[i] -= RATE * (mh / (vh.sqrt() + 1e-8) + decay * p[i]);
        }
    }
    Model { p, mean, scale, loss }
}

/// Trains on all but one fold of the tuning photos and scores the fold left
/// out, for every fold: the way to choose the network's size and training
/// without ever looking at the test half.
fn cross_validate(samples: &[Sample], held: &[Held], k: usize) {
    // Classes: sky, water (the network alone), sky (network and finder
    // together), then the network's sky behind each picture-level gate.
    let gates: Vec<classify::SkyGate> = [(0.1, 0.8, 0.5), (0.15, 0.85, 0.6), (0.2, 0.9, 0.7), (0.1, 0.9, 0.8)]
        .iter()
        .map(|&(share, confidence, top)| classify::SkyGate { share, confidence, top })
        .collect();
    let n = 7 + gates.len();
    let mut iou = vec![Vec::new(); n];
    let mut false_pos = vec![0usize; n];
    let mut absent = vec![0usize; n];
    let mut missed = vec![0usize; n];
    let names: Vec<String> = ["sky".to_string(), "water".into(), "sky (with finder)".into()]
        .into_iter()
        .chain(gates.iter().map(|g| format!("sky (gate {:.2}/{:.2}/{:.1})", g.share, g.confidence, g.top)))
        .chain(std::iter::once("sky (both agree, or a strong classifier sky)".to_string()))
        .chain(std::iter::once("sky (second gate, edges refined)".to_string()))
        .chain(std::iter::once("sky (finder, vetoed or rescued by the classifier)".to_string()))
        .chain(std::iter::once("sky (the same, a rescued sky must look like one: alive)".to_string()))
        .collect();
    for fold in 0..k {
        let arrays = train(samples, |ph| ph % k != fold).arrays();
        let weights = arrays.weights();
        for (ph, h) in held.iter().enumerate().filter(|(ph, _)| ph % k == fold) {
            let probs: Vec<[f32; 2]> = samples[h.first_sample..]
                .iter()
                .take_while(|s| s.photo == ph)
                .map(|s| classify::region(&weights, &s.x))
                .collect();
            let decided = classify::decide(&h.regions, &probs);
            let mut by_class =
                vec![decided.0.clone(), decided.1.clone(), classify::combine_sky(&h.regions, &probs, &h.finder_sky)];
            by_class.extend(gates.iter().map(|g| classify::gated_sky(&h.regions, &probs, &h.finder_sky, *g)));
            by_class.push(classify::agreed_sky(&h.regions, &probs, &h.finder_sky, gates[1]));
            // The second gate with its boundary refined on the photo's edges.
            let gated = classify::gated_sky(&h.regions, &probs, &h.finder_sky, gates[1]);
            let coarse = vivify_picture::image::Field {
                width: h.regions.width,
                height: h.regions.height,
                data: h.regions.label.iter().map(|&l| f32::from(u8::from(gated[l as usize]))).collect(),
            };
            let a = &h.analysis;
            let luma = vivify_picture::image::Field { width: a.width, height: a.height, data: a.luma.clone() };
            let fine =
                vivify_alive::guided::filter(&coarse, &luma, arg("--guide-r", 4usize), arg("--guide-eps", 1e-3f32));
            let mut by_pixel: Vec<Vec<bool>> = by_class
                .iter()
                .map(|by_region| h.regions.label.iter().map(|&r| by_region[r as usize]).collect())
                .collect();
            by_pixel.push(fine.data.iter().map(|&v| v > 0.5).collect());
            // What `alive` runs: the finder vetoed or rescued by the
            // classifier, without and with the plausibility checks on a
            // rescued sky.
            let always = |_: &[bool]| true;
            let plausible = |m: &[bool]| vivify_alive::sky::plausible(&h.analysis, m);
            for check in [&always as &dyn Fn(&[bool]) -> bool, &plausible] {
                let (judged, _) = classify::judge_sky(&h.regions, &probs, h.finder_pixels.as_deref(), check);
                by_pixel.push(judged.unwrap_or_else(|| vec![false; h.regions.label.len()]));
            }
            for (c, pred) in by_pixel.into_iter().enumerate() {
                let label = if c == 1 { &h.water } else { &h.sky };
                let n = label.len() as f32;
                let (lp, pp) = (
                    label.iter().filter(|&&b| b).count() as f32 / n >= 0.01,
                    pred.iter().filter(|&&b| b).count() as f32 / n >= 0.01,
                );
                let inter = label.iter().zip(&pred).filter(|(&a, &b)| a && b).count() as f32;
                let union = label.iter().zip(&pred).filter(|(&a, &b)| a || b).count() as f32;
                let name = &names[c];
                if lp {
                    let v = if union > 0.0 { inter / union } else { 1.0 };
                    iou[c].push(v);
                    missed[c] += usize::from(!pp);
                    if v < 0.5 {
                        eprintln!("  fold {fold}: {} {name} IoU {v:.2}", h.id);
                    }
                } else {
                    absent[c] += 1;
                    false_pos[c] += usize::from(pp);
                    if pp {
                        eprintln!("  fold {fold}: {} false {name}", h.id);
                    }
                }
            }
        }
    }
    for (c, name) in names.iter().enumerate() {
        let mean = iou[c].iter().sum::<f32>() / iou[c].len().max(1) as f32;
        println!(
            "{k}-fold on the tuning half, {name}: mean IoU {mean:.2} over {} photos, missed {}, false {} of {}",
            iou[c].len(),
            missed[c],
            false_pos[c],
            absent[c]
        );
    }
}
