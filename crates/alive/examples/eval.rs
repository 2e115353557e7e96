//! Measures scene analysis against the labelled evaluation photos (issue 14).
//!
//! `scripts/fetch-eval-photos` puts the photos in the cache; labels are ours,
//! in `eval/labels/ID.json`: sky and water as polygons in fractions of the
//! upright photo's width and height (a pixel is in a class when its centre
//! is inside any of the class's polygons). Run:
//!
//! ```text
//! cargo run --release -p vivify-alive --example eval -- [--split tune|test|all] [--method alive|finder|model] [--json]
//! cargo run --release -p vivify-alive --example eval -- --motion [--split …] [--prompt TEXT] [--json]
//! ```
//!
//! `--motion` renders every photo with the default prompt (or `--prompt`)
//! and reports the share of the frame that lives beyond the camera's own
//! motion (`vivify_alive::life`), and which layers made it live.
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
use vivify_alive::{classify, life, plan, prompt, regions};
use vivify_picture::image::{Field, Rect};
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

/// Long side of the motion renders (the share does not depend on size).
const MOTION_SIDE: f64 = 480.0;

fn motion_report(split: &str, prompt: &str, as_json: bool) {
    let mut rows = Vec::new();
    for e in entries().into_iter().filter(|e| split == "all" || e.split == split) {
        let path = e.photo();
        let photo = Photo::open(&path)
            .unwrap_or_else(|err| panic!("{}: {err} (run scripts/fetch-eval-photos)", path.display()));
        let (pw, ph) = (photo.rgb.width, photo.rgb.height);
        let scene = Scene::analyse(&photo.rgb, false).expect("analyse");
        let plan = plan::build(prompt, &prompt::parse(prompt), &scene, 0, true);
        let k = MOTION_SIDE / pw.max(ph) as f64;
        let even = |v: usize| ((v as f64 * k / 2.0).round() as usize * 2).max(32);
        let crop = Rect { x: 0.0, y: 0.0, w: pw as f64, h: ph as f64 };
        let live = life::liveliness(&photo.rgb, &scene, &plan, crop, even(pw), even(ph), 3.0, 0).expect("render");
        let mut layers = Vec::new();
        if plan.clouds.is_some() {
            layers.push("clouds");
        }
        if plan.water.is_some() {
            layers.push("water");
        }
        if plan.sway > 0.0 {
            layers.push("sway");
        }
        if plan.flicker > 0.0 {
            layers.push("lights");
        }
        if plan.steam.is_some() {
            layers.push("steam");
        }
        if !plan.particles.is_empty() || plan.stars {
            layers.push("particles");
        }
        if plan.fog > 0.0 {
            layers.push("fog");
        }
        if plan.shadows.is_some() {
            layers.push("shadows");
        }
        rows.push(
            json!({"id": e.id, "split": e.split, "living": live.living, "moving": live.moving, "layers": layers}),
        );
    }
    let sorted = |key: &str| {
        let mut v: Vec<f64> = rows.iter().filter_map(|r| r[key].as_f64()).collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let (living, moving) = (sorted("living"), sorted("moving"));
    let threshold = f64::from(life::ALIVE_SHARE);
    let under = living.iter().filter(|&&s| s < threshold).count();
    let only_light = moving.iter().filter(|&&s| s < threshold).count();
    let median = |v: &[f64]| v.get(v.len() / 2).copied().unwrap_or(0.0);
    let report = json!({
        "split": split, "prompt": prompt, "threshold": life::ALIVE_SHARE,
        "photos": rows.len(),
        "living": {"min": living.first(), "median": median(&living), "under_threshold": under},
        "moving": {"min": moving.first(), "median": median(&moving), "under_threshold": only_light},
        "photos_detail": rows,
    });
    if as_json {
        println!("{}", serde_json::to_string_pretty(&report).expect("json"));
        return;
    }
    println!(
        "split {split}, prompt {prompt:?}: {} photos; living share min {:.3} median {:.3}, {under} under {threshold:.2}; \
         moving share min {:.3} median {:.3}, {only_light} under {threshold:.2}",
        rows.len(),
        living.first().copied().unwrap_or(0.0),
        median(&living),
        moving.first().copied().unwrap_or(0.0),
        median(&moving),
    );
    println!("  {:<24} {:>6} {:>6}  layers", "photo", "living", "moving");
    for r in &rows {
        let (l, m) = (r["living"].as_f64().unwrap_or(0.0), r["moving"].as_f64().unwrap_or(0.0));
        let mark = if l < threshold { "  <-- under" } else { "" };
        let layers: Vec<&str> = r["layers"].as_array().into_iter().flatten().filter_map(|v| v.as_str()).collect();
        println!("  {:<24} {l:>6.3} {m:>6.3}  {}{mark}", r["id"].as_str().unwrap_or(""), layers.join(" "));
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let split = args.iter().position(|a| a == "--split").and_then(|i| args.get(i + 1)).map_or("all", String::as_str);
    let as_json = args.iter().any(|a| a == "--json");
    if args.iter().any(|a| a == "--motion") {
        let prompt = args
            .iter()
            .position(|a| a == "--prompt")
            .and_then(|i| args.get(i + 1))
            .map_or(vivify_alive::DEFAULT_PROMPT, String::as_str);
        motion_report(split, prompt, as_json);
        return;
    }
    // `alive`: the scene analysis `alive` uses (the finder checked and
    // helped by the classifier); `finder`: the hand-made finder alone (what
    // `alive` used before); `model`: the learned region classifier alone.
    let method =
        args.iter().position(|a| a == "--method").and_then(|i| args.get(i + 1)).map_or("alive", String::as_str);
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
            "finder" => {
                let a = analysis_picture(&photo.rgb).expect("analysis picture");
                let found = vivify_alive::sky::find(&a, false);
                (found.sky, found.water)
            }
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
