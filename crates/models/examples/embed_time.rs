//! What the text pack costs: loading the sentence model (weights,
//! tokenizer) and embedding prompts, on one thread (issue 15 asks for a
//! pack load of at most 300 ms and a prompt embedding of at most 20 ms).
//!
//! ```text
//! cargo run --release -p vivify-models --example embed_time [RUNS]
//! ```

use std::time::Instant;

use vivify_models::text::minilm::SentenceModel;

const PROMPTS: [&str; 5] = [
    "make it feel like a cozy winter evening",
    "the tide is coming in",
    "like a dream at dawn",
    "clouds drift slowly, the sky turns to sunset",
    "gentle rain on the lake with soft thunder far away",
];

fn main() {
    let runs: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(5);
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let mut loads = Vec::new();
    let mut model = None;
    for _ in 0..runs {
        let t = Instant::now();
        match SentenceModel::installed() {
            Some(Ok(m)) => model = Some(m),
            Some(Err(e)) => {
                eprintln!("text pack: {e}");
                std::process::exit(1);
            }
            None => {
                eprintln!("the text pack is not installed (scripts/install-model-packs text)");
                std::process::exit(1);
            }
        }
        loads.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let Some(model) = model else { return };
    let per_prompt: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            for p in PROMPTS {
                std::hint::black_box(model.embed(p));
            }
            t.elapsed().as_secs_f64() * 1e3 / PROMPTS.len() as f64
        })
        .collect();
    println!("text pack, median of {runs}: load {:.1} ms, one prompt {:.1} ms", median(loads), median(per_prompt));
}
