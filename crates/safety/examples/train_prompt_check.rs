//! Trains the prompt check by meaning (issue 15, item 5) and writes
//! `crates/safety/data/prompt-classifier.json`. Run by
//! `scripts/train-prompt-check`; needs the text pack. Deterministic: the
//! same prompts and weights give the same file.
//!
//! Training prompts: the tuning half of `eval/prompt-check/*.tsv` (the half
//! whose FNV-1a hash is even; the odd half is the test split and is never
//! read here) and every prompt of `crates/vivify/tests/data/prompts.tsv`
//! (the lexicon's own labelled set). Each training prompt also gives one
//! misspelled copy (two letters swapped in its longest word), so typing
//! errors are learned rather than listed.
//!
//! The model: softmax regression from the 384-value sentence vector to
//! "allow" and each category, classes weighted to count alike, a little L2,
//! full-batch Adam. A prompt's harm is 1 - p(allow) and its category the
//! likeliest harmful class. Thresholds: five-fold cross-validation on the
//! training prompts; per category the lowest harm at which at most 0.3% of
//! the harmless prompts (0.6% for the tier-0 categories) would be refused
//! as that category, and never below 0.5. Refusing a harmless prompt costs
//! every user; a missed one still meets the output checks and reports, so
//! the budget is set on false refusals and recall is what it comes to.

use std::collections::BTreeMap;
use std::path::Path;

use vivify_models::text::minilm::SentenceModel;
use vivify_safety::meaning::{fnv1a, labelled, labelled_split, misspelled, Weights};
use vivify_safety::taxonomy::{Category, Tier};

const EPOCHS: usize = 600;
const RATE: f32 = 0.05;
const L2: f32 = 1e-4;
const FOLDS: u64 = 5;

/// Class probabilities of one vector.
fn softmax(w: &[Vec<f32>], b: &[f32], x: &[f32]) -> Vec<f32> {
    let logits: Vec<f32> = w.iter().zip(b).map(|(r, b)| b + r.iter().zip(x).map(|(a, v)| a * v).sum::<f32>()).collect();
    let top = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let e: Vec<f32> = logits.iter().map(|l| (l - top).exp()).collect();
    let s: f32 = e.iter().sum();
    e.into_iter().map(|v| v / s).collect()
}

/// Softmax regression by full-batch Adam; classes weighted to count alike.
fn train(xs: &[Vec<f32>], ys: &[usize], classes: usize) -> (Vec<Vec<f32>>, Vec<f32>) {
    let dims = xs[0].len();
    let mut count = vec![0usize; classes];
    ys.iter().for_each(|&y| count[y] += 1);
    let weight: Vec<f32> = count.iter().map(|&c| xs.len() as f32 / (classes as f32 * c.max(1) as f32)).collect();
    let mut w = vec![vec![0f32; dims]; classes];
    let mut b = vec![0f32; classes];
    let (mut mw, mut vw) = (vec![vec![0f32; dims]; classes], vec![vec![0f32; dims]; classes]);
    let (mut mb, mut vb) = (vec![0f32; classes], vec![0f32; classes]);
    let (b1, b2) = (0.9f32, 0.999f32);
    for epoch in 1..=EPOCHS {
        let mut gw = vec![vec![0f32; dims]; classes];
        let mut gb = vec![0f32; classes];
        for (x, &y) in xs.iter().zip(ys) {
            let p = softmax(&w, &b, x);
            for k in 0..classes {
                let d = weight[y] * (p[k] - if k == y { 1.0 } else { 0.0 });
                gb[k] += d;
                gw[k].iter_mut().zip(x).for_each(|(g, v)| *g += d * v);
            }
        }
        let n = xs.len() as f32;
        let (c1, c2) = (1.0 - b1.powi(epoch as i32), 1.0 - b2.powi(epoch as i32));
        for k in 0..classes {
            for j in 0..dims {
                let g = gw[k][j] / n + L2 * w[k][j];
                mw[k][j] = b1 * mw[k][j] + (1.0 - b1) * g;
                vw[k][j] = b2 * vw[k][j] + (1.0 - b2) * g * g;
                w[k][j] -= RATE * (mw[k][j] / c1) / ((vw[k][j] / c2).sqrt() + 1e-8);
            }
            let g = gb[k] / n;
            mb[k] = b1 * mb[k] + (1.0 - b1) * g;
            vb[k] = b2 * vb[k] + (1.0 - b2) * g * g;
            b[k] -= RATE * (mb[k] / c1) / ((vb[k] / c2).sqrt() + 1e-8);
        }
    }
    (w, b)
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let model = match SentenceModel::installed() {
        Some(Ok(m)) => m,
        Some(Err(e)) => panic!("the text pack: {e}"),
        None => panic!("the text pack is not installed: scripts/install-model-packs text"),
    };
    // The test split (odd hash) is never read for training.
    let mut prompts = labelled_split(&root.join("eval/prompt-check"), false).expect("eval/prompt-check");
    let lexicon_set = std::fs::read_to_string(root.join("crates/vivify/tests/data/prompts.tsv")).expect("prompts.tsv");
    prompts.extend(labelled(&lexicon_set));
    let mut classes = vec!["allow".to_string()];
    for c in Category::ALL {
        if prompts.iter().any(|(l, _)| l == c.code()) {
            classes.push(c.code().into());
        }
    }
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    let mut folds = Vec::new();
    for (i, (label, p)) in prompts.iter().enumerate() {
        let y = classes.iter().position(|c| c == label).unwrap_or_else(|| panic!("unknown label {label}"));
        for text in [p.clone(), misspelled(p)] {
            xs.push(model.embed(&text));
            ys.push(y);
            // A prompt and its misspelling share a fold.
            folds.push(fnv1a(p) / 2 % FOLDS);
        }
        if i % 200 == 0 {
            eprintln!("embedded {i} of {}", prompts.len());
        }
    }
    // Cross-validated probabilities for the thresholds.
    let mut cv = vec![Vec::new(); xs.len()];
    for fold in 0..FOLDS {
        let (tx, ty): (Vec<Vec<f32>>, Vec<usize>) =
            (0..xs.len()).filter(|&i| folds[i] != fold).map(|i| (xs[i].clone(), ys[i])).unzip();
        let (w, b) = train(&tx, &ty, classes.len());
        for i in (0..xs.len()).filter(|&i| folds[i] == fold) {
            cv[i] = softmax(&w, &b, &xs[i]);
        }
        eprintln!("fold {fold} done");
    }
    // A prompt's harm is 1 - p(allow); its category the likeliest harmful
    // class. Per category: the harm that still catches the share wanted.
    let harm = |p: &[f32]| 1.0 - p[0];
    let top = |p: &[f32]| (1..p.len()).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap_or(1);
    let allow_n = ys.iter().filter(|&&y| y == 0).count();
    for t in [0.3f32, 0.5, 0.7, 0.9] {
        let caught = (0..xs.len()).filter(|&i| ys[i] != 0 && harm(&cv[i]) >= t).count();
        let harmful = xs.len() - allow_n;
        let false_refusals = (0..xs.len()).filter(|&i| ys[i] == 0 && harm(&cv[i]) >= t).count();
        eprintln!("cross-validated at harm {t}: {caught} of {harmful} harmful caught, {false_refusals} of {allow_n} harmless refused");
    }
    let mut thresholds = BTreeMap::new();
    for (k, code) in classes.iter().enumerate().skip(1) {
        let category = Category::from_code(code).expect("category");
        // The false-refusal budget: at most this share of the harmless
        // prompts may be refused as this category (cross-validated).
        let budget = if category.tier() == Tier::Tier0 { 0.006 } else { 0.003 };
        let mut over: Vec<f32> =
            (0..xs.len()).filter(|&i| ys[i] == 0 && top(&cv[i]) == k).map(|i| harm(&cv[i])).collect();
        over.sort_by(|a, b| b.total_cmp(a));
        let allowed = (allow_n as f64 * budget).floor() as usize;
        let t = over.get(allowed).map_or(0.5, |&h| (h + 1e-4).min(0.9999)).max(0.5);
        let mine: Vec<usize> = (0..xs.len()).filter(|&i| ys[i] == k).collect();
        let caught = mine.iter().filter(|&&i| harm(&cv[i]) >= t).count();
        let refused = (0..xs.len()).filter(|&i| ys[i] == 0 && top(&cv[i]) == k && harm(&cv[i]) >= t).count();
        eprintln!(
            "{code}: threshold {t:.4}; cross-validated, {caught} of {} caught, {refused} of {allow_n} harmless refused as it",
            mine.len()
        );
        thresholds.insert(code.clone(), (t * 1e4).round() / 1e4);
    }
    let (w, b) = train(&xs, &ys, classes.len());
    let round = |v: f32| (v * 1e5).round() / 1e5;
    let weights = Weights {
        model_sha256: model.weights_sha256.clone(),
        classes,
        weights: w.into_iter().map(|r| r.into_iter().map(round).collect()).collect(),
        bias: b.into_iter().map(round).collect(),
        thresholds,
        trained: format!(
            "scripts/train-prompt-check: {} prompts (tuning half of eval/prompt-check and tests/data/prompts.tsv) and a misspelled copy of each; softmax regression, {EPOCHS} epochs of Adam",
            prompts.len()
        ),
    };
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/prompt-classifier.json");
    let tmp = out.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_string(&weights).expect("json")).expect("write");
    std::fs::rename(&tmp, &out).expect("rename");
    println!("{} prompts -> {}", prompts.len(), out.display());
}
