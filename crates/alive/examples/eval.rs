//! Measures scene analysis against the labelled evaluation photos (issue 14).
//!
//! `scripts/fetch-eval-photos` puts the photos in the cache; labels are ours,
//! in `eval/labels/ID.json`: sky and water as polygons in fractions of the
//! upright photo's width and height (a pixel is in a class when its centre
//! is inside any of the class's polygons). Run:
//!
//! ```text
//! cargo run --release -p vivify-alive --example eval -- [--split tune|test|all] [--method heuristic|model] [--json]
//! ```
//!
//! For each class it prints presence recall and precision (a class is
//! present when it covers at least 1% of the photo), the false-positive rate
//! on photos without it, mean IoU over photos that have it, and the mean
//! boundary F-score (boundaries matched within 1% of the diagonal); then one
//! line per photo that went wrong.

#[path = "common/evalset.rs"]
mod evalset;

use evalset::{entries, label_masks};
use serde_json::{json, Value};
use vivify_alive::scene::{analysis_picture, Scene};
use vivify_alive::{classify, regions};
use vivify_picture::image::Field;
use vivify_picture::photo::Photo;

/// Share of the photo above which a class counts as present.
const PRESENT: f32 = 0.01;

/// Pixels of the class with a 4-neighbour outside it.
fn boundary(m: &[bool], w: usize, h: usize) -> Vec<bool> {
    let mut b = vec![false; w * h];
    for y in 0..h {
        for x in 0..w {
            let v = m[y * w + x];
            let differs = (x > 0 && !m[y * w + x - 1])
                || (x + 1 < w && !m[y * w + x + 1])
                || (y > 0 && !m[(y - 1) * w + x])
                || (y + 1 < h && !m[(y + 1) * w + x]);
            b[y * w + x] = v && differs;
        }
    }
    b
}

/// Which pixels lie within `r` (square neighbourhood) of a set pixel.
fn dilate(m: &[bool], w: usize, h: usize, r: usize) -> Vec<bool> {
    let mut rows = vec![false; w * h];
    for y in 0..h {
        let row = &m[y * w..(y + 1) * w];
        let mut next = vec![usize::MAX; w];
        let mut upcoming = usize::MAX;
        for x in (0..w).rev() {
            if row[x] {
                upcoming = x;
            }
            next[x] = upcoming;
        }
        let mut last: Option<usize> = None;
        for x in 0..w {
            if row[x] {
                last = Some(x);
            }
            let near_left = last.is_some_and(|l| x - l <= r);
            let near_right = next[x] != usize::MAX && next[x] - x <= r;
            rows[y * w + x] = near_left || near_right;
        }
    }
    let mut out = vec![false; w * h];
    for y in 0..h {
        let (lo, hi) = (y.saturating_sub(r), (y + r).min(h - 1));
        for x in 0..w {
            out[y * w + x] = (lo..=hi).any(|yy| rows[yy * w + x]);
        }
    }
    out
}

/// Boundary F-score of `pred` against `label`, matched within `r` pixels.
fn boundary_f(pred: &[bool], label: &[bool], w: usize, h: usize, r: usize) -> f32 {
    let (bp, bl) = (boundary(pred, w, h), boundary(label, w, h));
    let (np, nl) = (bp.iter().filter(|&&b| b).count(), bl.iter().filter(|&&b| b).count());
    if np == 0 && nl == 0 {
        return 1.0;
    }
    if np == 0 || nl == 0 {
        return 0.0;
    }
    let (dp, dl) = (dilate(&bp, w, h, r), dilate(&bl, w, h, r));
    let precision = bp.iter().zip(&dl).filter(|(&b, &d)| b && d).count() as f32 / np as f32;
    let recall = bl.iter().zip(&dp).filter(|(&b, &d)| b && d).count() as f32 / nl as f32;
    if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    }
}

#[derive(Default)]
struct Tally {
    tp: usize,
    fp: usize,
    missed: usize,
    tn: usize,
    iou: Vec<f32>,
    bf: Vec<f32>,
}

impl Tally {
    fn add(&mut self, label: &[bool], pred: &[bool], w: usize, h: usize) -> Value {
        let n = label.len() as f32;
        let ls = label.iter().filter(|&&b| b).count() as f32 / n;
        let ps = pred.iter().filter(|&&b| b).count() as f32 / n;
        let (lp, pp) = (ls >= PRESENT, ps >= PRESENT);
        match (lp, pp) {
            (true, true) => self.tp += 1,
            (true, false) => self.missed += 1,
            (false, true) => self.fp += 1,
            (false, false) => self.tn += 1,
        }
        let inter = label.iter().zip(pred).filter(|(&a, &b)| a && b).count() as f32;
        let union = label.iter().zip(pred).filter(|(&a, &b)| a || b).count() as f32;
        let iou = if union == 0.0 { 1.0 } else { inter / union };
        let r = (((w * w + h * h) as f32).sqrt() * 0.01).ceil() as usize;
        let bf = boundary_f(pred, label, w, h, r);
        if lp {
            self.iou.push(iou);
            self.bf.push(bf);
        }
        let verdict = match (lp, pp) {
            (true, false) => "missed",
            (false, true) => "false",
            (true, true) if iou < 0.5 => "poor",
            _ => "ok",
        };
        json!({"label_share": ls, "predicted_share": ps, "iou": iou, "boundary_f": bf, "verdict": verdict})
    }

    fn summary(&self) -> Value {
        let ratio = |a: usize, b: usize| if b == 0 { Value::Null } else { json!(a as f32 / b as f32) };
        let mean = |v: &[f32]| if v.is_empty() { Value::Null } else { json!(v.iter().sum::<f32>() / v.len() as f32) };
        json!({
            "photos_with": self.tp + self.missed,
            "photos_without": self.fp + self.tn,
            "presence_recall": ratio(self.tp, self.tp + self.missed),
            "presence_precision": ratio(self.tp, self.tp + self.fp),
            "false_rate": ratio(self.fp, self.fp + self.tn),
            "mean_iou": mean(&self.iou),
            "mean_boundary_f": mean(&self.bf),
        })
    }
}

fn mask(f: &Field) -> Vec<bool> {
    f.data.iter().map(|&v| v > 0.5).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let split = args.iter().position(|a| a == "--split").and_then(|i| args.get(i + 1)).map_or("all", String::as_str);
    let as_json = args.iter().any(|a| a == "--json");
    // `heuristic`: the scene analysis `alive` uses; `model`: the learned
    // region classifier alone.
    let method =
        args.iter().position(|a| a == "--method").and_then(|i| args.get(i + 1)).map_or("heuristic", String::as_str);
    let (mut sky, mut water) = (Tally::default(), Tally::default());
    let mut photos = Vec::new();
    let mut unlabelled = Vec::new();
    for e in entries().into_iter().filter(|e| split == "all" || e.split == split) {
        let Some(label) = e.label() else {
            unlabelled.push(e.id.clone());
            continue;
        };
        let path = e.photo();
        let photo = Photo::open(&path)
            .unwrap_or_else(|err| panic!("{}: {err} (run scripts/fetch-eval-photos)", path.display()));
        let (found_sky, found_water) = match method {
            "model" => {
                let a = analysis_picture(&photo.rgb).expect("analysis picture");
                let r = regions::segment(&a);
                classify::fields(&classify::BUILT_IN, &r, &regions::describe(&a, &r))
            }
            _ => {
                let scene = Scene::analyse(&photo.rgb, false).expect("analyse");
                (scene.sky, scene.water)
            }
        };
        let (w, h) = (found_sky.width, found_sky.height);
        let (label_sky, label_water) = label_masks(&label, w, h);
        let s = sky.add(&label_sky, &mask(&found_sky), w, h);
        let wa = water.add(&label_water, &mask(&found_water), w, h);
        photos.push(json!({"id": e.id, "split": e.split, "sky": s, "water": wa}));
    }
    let report = json!({
        "split": split,
        "method": method,
        "sky": sky.summary(),
        "water": water.summary(),
        "photos": photos,
        "unlabelled": unlabelled,
    });
    if as_json {
        println!("{}", serde_json::to_string_pretty(&report).expect("json"));
        return;
    }
    let f = |v: &Value| v.as_f64().map_or_else(|| "–".to_string(), |x| format!("{x:.2}"));
    println!("split {split}, {method}: {} labelled photos, {} not labelled yet", photos.len(), unlabelled.len());
    println!(
        "{:<6} {:>5} {:>8} {:>7} {:>10} {:>6} {:>9} {:>8}",
        "class", "with", "without", "recall", "precision", "false", "mean IoU", "mean BF"
    );
    for name in ["sky", "water"] {
        let t = &report[name];
        println!(
            "{:<6} {:>5} {:>8} {:>7} {:>10} {:>6} {:>9} {:>8}",
            name,
            t["photos_with"].to_string(),
            t["photos_without"].to_string(),
            f(&t["presence_recall"]),
            f(&t["presence_precision"]),
            f(&t["false_rate"]),
            f(&t["mean_iou"]),
            f(&t["mean_boundary_f"])
        );
    }
    for p in &photos {
        for class in ["sky", "water"] {
            let c = &p[class];
            if c["verdict"] != "ok" {
                println!(
                    "  {:<22} {:<5} {:<6} label {:.2} found {:.2} IoU {:.2}",
                    p["id"].as_str().unwrap_or(""),
                    class,
                    c["verdict"].as_str().unwrap_or(""),
                    c["label_share"].as_f64().unwrap_or(0.0),
                    c["predicted_share"].as_f64().unwrap_or(0.0),
                    c["iou"].as_f64().unwrap_or(0.0)
                );
            }
        }
    }
}
