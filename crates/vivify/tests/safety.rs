//! The prompt check on the repository's labelled prompt set: precision and
//! recall printed, the classic false-positive traps allowed, obfuscated
//! harmful prompts refused, categories right.

mod common;

use vivify::safety::prompt::check_prompt;
use vivify::safety::{Decision, Policy};

/// Scores of one part of the labelled set.
#[derive(Default)]
struct Score {
    tp: usize,
    fp: usize,
    fneg: usize,
    tn: usize,
    right_category: usize,
    mistakes: Vec<String>,
}

impl Score {
    fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }
    fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fneg).max(1) as f64
    }
    fn category(&self) -> f64 {
        self.right_category as f64 / (self.tp + self.fneg).max(1) as f64
    }
    fn print(&self, name: &str) {
        eprintln!(
            "prompt check, {name}: {} prompts, precision {:.3}, recall {:.3}, category accuracy {:.3} \
             (tp {}, fp {}, fn {}, tn {})",
            self.tp + self.fp + self.fneg + self.tn,
            self.precision(),
            self.recall(),
            self.category(),
            self.tp,
            self.fp,
            self.fneg,
            self.tn
        );
        for m in &self.mistakes {
            eprintln!("  {m}");
        }
    }
}

/// One part of the labelled set: its name, whether the lexicon has been
/// tuned on it, and its score.
struct Part {
    name: String,
    tuned: bool,
    score: Score,
}

/// Scores the lines of the set, one score per part: the first part, then
/// each part that begins with a "# Part" or "# Held out" line (see the
/// set's header for what they mean).
fn score_set() -> Vec<Part> {
    // The words and rules alone: the classifier of the text pack is
    // measured by tests/prompt_check_meaning.rs.
    let mut policy = Policy::default();
    policy.prompt.meaning = false;
    let text = include_str!("data/prompts.tsv");
    let mut parts = vec![Part { name: "tuned set".into(), tuned: true, score: Score::default() }];
    for line in text.lines() {
        for (prefix, tuned) in [("# Part ", true), ("# Held out ", false)] {
            if let Some(rest) = line.strip_prefix(prefix) {
                let n = rest.split(':').next().unwrap_or_default().trim();
                let name = if tuned { format!("part {n} (tuned on)") } else { format!("held-out set {n}") };
                parts.push(Part { name, tuned, score: Score::default() });
            }
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let s = &mut parts.last_mut().expect("the first part").score;
        let (want, prompt) = line.split_once('\t').expect("label TAB prompt");
        let v = check_prompt(prompt, None, &policy).expect("check");
        let blocked = v.decision == Decision::Block;
        let got = v.category.map_or("allow", |c| c.code());
        match (want == "allow", blocked) {
            (true, false) => s.tn += 1,
            (true, true) => {
                s.fp += 1;
                s.mistakes.push(format!("false positive: {prompt:?} → {got}"));
            }
            (false, true) => s.tp += 1,
            (false, false) => {
                s.fneg += 1;
                s.mistakes.push(format!("missed: {prompt:?} (want {want})"));
            }
        }
        if want != "allow" && got == want {
            s.right_category += 1;
        } else if want != "allow" && blocked {
            s.mistakes.push(format!("category: {prompt:?} → {got}, want {want}"));
        }
    }
    parts
}

#[test]
fn labelled_prompt_set_precision_and_recall() {
    let parts = score_set();
    let mut tuned = Score::default();
    for part in &parts {
        part.score.print(&part.name);
        if part.tuned {
            tuned.tp += part.score.tp;
            tuned.fp += part.score.fp;
            tuned.fneg += part.score.fneg;
            tuned.tn += part.score.tn;
            tuned.right_category += part.score.right_category;
            tuned.mistakes.extend(part.score.mistakes.iter().cloned());
        }
    }
    tuned.print("all tuned-on parts together");
    // What the lexicon was tuned on must stay caught and make no false
    // positive (a regression guard); held-out parts are reported, and show
    // what word rules miss in phrasing nobody wrote rules for.
    assert_eq!(tuned.fp, 0, "{:?}", tuned.mistakes);
    assert!(tuned.recall() >= 0.95, "{:?}", tuned.mistakes);
    assert!(tuned.category() >= 0.9, "{:?}", tuned.mistakes);
    let held: Vec<&Part> = parts.iter().filter(|p| !p.tuned).collect();
    assert!(!held.is_empty(), "the set keeps a held-out part");
    for part in held {
        assert!(part.score.tp > 0, "{} catches nothing: {:?}", part.name, part.score.mistakes);
    }
}

#[test]
fn refusals_name_the_rule_but_never_the_words() {
    let policy = Policy::default();
    let v = check_prompt("make her naked", None, &policy).expect("check");
    let r = v.refusal().expect("refused");
    let text = r.to_string();
    assert!(text.contains("sexual content") && text.contains("§3") && text.contains("Ref P-"), "{text}");
    assert!(!text.contains("naked"), "{text}");
    // On a photo with faces it is intimate content of a real person: tier 0, no hints.
    let v = check_prompt("make her naked", Some(1), &policy).expect("check");
    assert_eq!(v.category.map(|c| c.code()), Some("nonconsensual_intimate"));
    let r = v.refusal().expect("refused");
    assert!(r.next.is_empty() && !r.to_string().contains("Try"), "{r}");
    // Too long is a usage error, not a policy decision.
    assert!(check_prompt(&"a".repeat(600), None, &policy).is_err());
}

/// Our PDQ against the reference implementation (pdqhash) on real photos,
/// scaled copies and mirrors.
#[test]
fn pdq_matches_the_reference_implementation() {
    use vivify::picture::photo::Photo;
    use vivify::safety::pdq::{hash_with_mirror, Pdq};
    let py = std::env::var_os("VIVIFY_SAFETY_PYTHON")
        .or_else(|| std::env::var_os("VIVIFY_C2PA_PYTHON"))
        .map(std::path::PathBuf::from)
        .or_else(|| {
            let home = std::path::PathBuf::from(std::env::var_os("HOME")?);
            Some(home.join(".cache/vivify-tools/c2pa-venv/bin/python"))
        })
        .filter(|p| {
            std::process::Command::new(p).args(["-c", "import pdqhash"]).output().is_ok_and(|o| o.status.success())
        });
    let Some(py) = py else {
        assert!(std::env::var("VIVIFY_REQUIRE_TOOLS").ok().as_deref() != Some("1"), "pdqhash is required");
        common::skipped("pdqhash (pip install pdqhash 'numpy<2') not found; PDQ not checked against the reference");
        return;
    };
    let dir = std::env::temp_dir().join(format!("vivify-pdq-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/photos");
    for name in ["temple.jpg", "dinner_rot6.jpg"] {
        let p = Photo::open(&fixtures.join(name)).expect("photo");
        let rgb = &p.rgb;
        let raw = dir.join(format!("{name}.rgb"));
        std::fs::write(&raw, &rgb.data).expect("write");
        let out = std::process::Command::new(&py)
            .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pdq_check.py"))
            .args([rgb.width.to_string(), rgb.height.to_string()])
            .arg(&raw)
            .output()
            .expect("run pdq_check.py");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let line = String::from_utf8_lossy(&out.stdout);
        let (hex, quality) = line.trim().split_once(' ').expect("hash quality");
        let reference = Pdq::from_hex(hex).expect("hex");
        let (ours, _) = hash_with_mirror(rgb);
        let d = ours.hash.distance(&reference);
        eprintln!("{name}: PDQ distance to the reference {d} bits; quality {} vs {quality}", ours.quality);
        assert!(d <= 2, "{name}: {d} bits from the reference hash");
        assert!((ours.quality as i64 - quality.parse::<i64>().expect("quality")).abs() <= 2);
    }
}
