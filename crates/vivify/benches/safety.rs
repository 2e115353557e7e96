//! What the safety checks cost, against budgets that keep them invisible
//! next to making a clip: prompt check per prompt (≤ 1 ms; ≤ 5 ms for the
//! longest allowed), photo hashes
//! (≤ 150 ms for 1600×1200), a blocklist lookup among 100,000 PDQ hashes
//! (≤ 50 ms; the first in a process reads the list, ≤ 250 ms), the image classifier per picture when installed (≤ 300 ms),
//! and `alive` with every checkpoint and the record against `alive` without
//! a safety database (≤ 1.10×), and with the text pack the prompt check by
//! meaning per prompt (≤ 20 ms). Prints ratios; never fails on speed.
//!
//! `cargo bench --bench safety` (add `--features nsfw` and the safety pack
//! for the classifier line).

mod common;

use std::path::Path;

use common::best;
use vivify::alive::{make, AliveOptions};
use vivify::picture::photo::Photo;
use vivify::safety::image::PictureFacts;
use vivify::safety::pdq::Pdq;
use vivify::safety::store::Store;
use vivify::safety::{prompt::check_prompt, Category, Checks, Policy};
use vivify::Quiet;

fn line(what: &str, took: std::time::Duration, budget_ms: f64) {
    let ms = took.as_secs_f64() * 1e3;
    println!("{what:<48} {ms:>9.3} ms | budget {budget_ms:>6.1} ms | ratio {:.2}", ms / budget_ms);
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The words and rules; the check by meaning has its own line below.
    let mut policy = Policy::default();
    policy.prompt.meaning = false;
    let prompts: Vec<String> = std::fs::read_to_string(root.join("tests/data/prompts.tsv"))
        .expect("prompts")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split('\t').nth(1).map(str::to_string))
        .collect();
    let all = best(5, || {
        for p in &prompts {
            let _ = check_prompt(p, Some(1), &policy);
        }
    });
    line("prompt check (per prompt, labelled set)", all / prompts.len().max(1) as u32, 1.0);
    // The longest prompts allowed: ordinary words, and single letters (every
    // pattern tried at every one of ~250 starts, and the spaced-letters join).
    let words = "her dress the man takes off a photo at the bridge with blood and ".repeat(8);
    let long_words: String = words.chars().take(policy.prompt.max_chars).collect();
    let letters: String = "a b ".repeat(200).chars().take(policy.prompt.max_chars).collect();
    for (what, text) in
        [("prompt check, 500 characters of words", &long_words), ("prompt check, 500 characters of letters", &letters)]
    {
        let took = best(5, || {
            let _ = check_prompt(text, Some(1), &policy);
        });
        line(what, took, 5.0);
    }

    // With the text pack: the check by meaning on prompts the words let
    // through (one sentence embedding and the classifier each; issue 15's
    // budget for the embedding is 20 ms).
    if let Ok(Some(_)) = vivify::safety::meaning::installed() {
        let with_meaning = Policy::default();
        let allowed: Vec<&String> =
            prompts.iter().filter(|p| check_prompt(p, None, &policy).is_ok_and(|v| v.category.is_none())).collect();
        let took = best(3, || {
            for p in &allowed {
                let _ = check_prompt(p, None, &with_meaning);
            }
        });
        line("prompt check by meaning (per allowed prompt)", took / allowed.len().max(1) as u32, 20.0);
    } else {
        println!("prompt check by meaning: text pack not installed, not measured");
    }

    let photo_path = root.join("../../tests/fixtures/photos/temple.jpg");
    let photo = Photo::decode(std::fs::read(&photo_path).expect("read")).expect("decode");
    let hashed = best(5, || {
        PictureFacts::of(&photo.rgb, None, None).expect("hash");
    });
    line("photo hashes: PDQ + mirror, 1600x1200", hashed, 150.0);

    let dir = std::env::temp_dir().join(format!("vivify-bench-safety-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let mut store = Store::open(&dir.join("safety.db")).expect("db");
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..100 {
        let batch: Vec<Pdq> = (0..1000).map(|_| Pdq([next(), next(), next(), next()])).collect();
        store.block(None, &batch, Category::Sexual, "bench").expect("block");
    }
    let facts = PictureFacts::of(&photo.rgb, Some("00".into()), None).expect("facts");
    let fresh = Store::open(&dir.join("safety.db")).expect("db");
    let t = std::time::Instant::now();
    facts.lookup(Some(&fresh), &policy).expect("lookup");
    line("first lookup in a process (reads 100,000 hashes)", t.elapsed(), 250.0);
    let lookup = best(5, || {
        facts.lookup(Some(&store), &policy).expect("lookup");
    });
    line("later lookups among 100,000 PDQ hashes", lookup, 50.0);

    match vivify::safety::classifier::installed() {
        Ok(Some(c)) => {
            let took = best(5, || {
                c.classify(&photo.rgb).expect("classify");
            });
            line(&format!("image classifier ({})", c.name()), took, 300.0);
        }
        Ok(None) => println!("image classifier: not installed (scripts/install-safety-pack, --features nsfw)"),
        Err(e) => println!("image classifier: {e}"),
    }

    let mut bare = AliveOptions::new(dir.join("bare.mp4"));
    bare.force = true;
    let mut checked = bare.clone();
    checked.output = dir.join("checked.mp4");
    checked.checks = Checks { policy: Policy::default(), db: Some(dir.join("alive.db").into()), classifier: None };
    let without = best(3, || {
        make(&photo_path, &bare, &Quiet).expect("alive");
    });
    let with = best(3, || {
        make(&photo_path, &checked, &Quiet).expect("alive");
    });
    println!(
        "alive 3 s with photo/output checks + record: {:>7.0} ms | without: {:>7.0} ms | ratio {:.2} (target <= 1.10)",
        with.as_secs_f64() * 1e3,
        without.as_secs_f64() * 1e3,
        with.as_secs_f64() / without.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
