//! The prompt check by meaning (with the text pack): the prompt's sentence
//! vector (all-MiniLM-L6-v2) goes through a softmax regression trained here
//! on labelled prompts (`examples/train_prompt_check.rs`, run by
//! `scripts/train-prompt-check`; weights in `data/prompt-classifier.json`).
//! The prompt's harm is 1 - p(allow), its category the likeliest harmful
//! class; a harm that reaches that category's threshold refuses the
//! prompt. It runs beside the lexicon and the rules, after them: what they
//! catch keeps their rule name; what only the meaning catches is named
//! `prompt.classifier.CATEGORY` with its score.
//!
//! The thresholds come from the weights file (chosen by cross-validation on
//! the training prompts) and may be overridden per category in the policy
//! (`[prompt.thresholds]`); `[prompt] meaning = false` turns the check off.

use std::sync::OnceLock;

use serde::Deserialize;
use vivify_models::text::minilm::SentenceModel;

use super::policy::Policy;
use super::taxonomy::Category;
use vivify_media::error::{Error, Result};

/// The trained weights (see the module notes).
pub const WEIGHTS: &str = include_str!("../data/prompt-classifier.json");

/// What the training example writes.
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
pub struct Weights {
    /// SHA-256 of the sentence model's weights the vectors came from.
    pub model_sha256: String,
    /// "allow" and the category codes, in the order of `weights` and `bias`.
    pub classes: Vec<String>,
    /// One row of `dims` values per class.
    pub weights: Vec<Vec<f32>>,
    pub bias: Vec<f32>,
    /// Category code → the harm (1 - p(allow)) from which a prompt whose
    /// likeliest harmful class it is gets refused.
    pub thresholds: std::collections::BTreeMap<String, f32>,
    /// How the weights were made, for people reading the file.
    #[serde(default)]
    pub trained: String,
}

/// The sentence model and the classifier on its vectors.
pub struct PromptModel {
    model: &'static SentenceModel,
    weights: Weights,
    /// Per class: its category (None for "allow").
    categories: Vec<Option<Category>>,
}

impl PromptModel {
    /// Checks that the weights fit the model.
    pub fn new(model: &'static SentenceModel, weights: Weights) -> std::result::Result<PromptModel, String> {
        if !model.weights_sha256.is_empty() && weights.model_sha256 != model.weights_sha256 {
            return Err(format!(
                "the prompt classifier was trained on vectors of weights {}, but the text pack holds {}; retrain it with scripts/train-prompt-check",
                weights.model_sha256, model.weights_sha256
            ));
        }
        let n = weights.classes.len();
        if n < 2 || weights.bias.len() != n || weights.weights.len() != n {
            return Err(format!("{n} classes with {} bias values", weights.bias.len()));
        }
        if weights.weights.iter().any(|w| w.len() != model.dims()) {
            return Err(format!("weights rows are not {} values long", model.dims()));
        }
        let mut categories = Vec::with_capacity(n);
        for c in &weights.classes {
            categories.push(match c.as_str() {
                "allow" => None,
                code => Some(Category::from_code(code).ok_or_else(|| format!("unknown class {code}"))?),
            });
        }
        Ok(PromptModel { model, weights, categories })
    }

    /// The prompt's harm (1 - the probability of "allow") and the likeliest
    /// harmful category.
    pub fn harm(&self, text: &str) -> (Category, f32) {
        let v = self.model.embed(text);
        let logits: Vec<f32> = self
            .weights
            .weights
            .iter()
            .zip(&self.weights.bias)
            .map(|(w, b)| b + w.iter().zip(&v).map(|(a, x)| a * x).sum::<f32>())
            .collect();
        let top = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let exp: Vec<f32> = logits.iter().map(|l| (l - top).exp()).collect();
        let sum: f32 = exp.iter().sum();
        let mut best = (Category::Other, f32::NEG_INFINITY);
        let mut allow = 0.0;
        for (c, e) in self.categories.iter().zip(&exp) {
            match c {
                None => allow = e / sum,
                Some(c) if *e > best.1 => best = (*c, *e),
                Some(_) => {}
            }
        }
        (best.0, 1.0 - allow)
    }

    /// The threshold of `c`: the policy's, else the trained one.
    pub fn threshold(&self, c: Category, policy: &Policy) -> f32 {
        let code = c.code();
        policy.prompt.thresholds.get(code).or_else(|| self.weights.thresholds.get(code)).copied().unwrap_or(0.5)
    }

    /// The category and the harm, when the harm reaches that category's threshold.
    pub fn judge(&self, text: &str, policy: &Policy) -> Option<(Category, f32)> {
        let (c, harm) = self.harm(text);
        (harm >= self.threshold(c, policy)).then_some((c, harm))
    }
}

/// A typing slip for training and measuring: two letters swapped in the
/// middle of the text's longest word (texts without a word of four
/// letters come back unchanged).
pub fn misspelled(text: &str) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    let Some((at, _)) = words.iter().enumerate().max_by_key(|(_, w)| w.chars().count()) else {
        return text.into();
    };
    let mut chars: Vec<char> = words[at].chars().collect();
    if chars.len() < 4 {
        return text.into();
    }
    let m = chars.len() / 2;
    chars.swap(m - 1, m);
    let mut out: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    out[at] = chars.into_iter().collect();
    out.join(" ")
}

/// The split rule of the labelled prompts: FNV-1a (64 bits) of the text;
/// odd is the test split.
pub fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// Labelled prompts of a text (`label TAB prompt` lines; `#` lines and
/// lines without a tab are skipped).
pub fn labelled(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .map(|(c, p)| (c.to_string(), p.to_string()))
        .collect()
}

/// One split of the labelled prompts in `dir/*.tsv` (files in name order):
/// the test split (odd [`fnv1a`]) or the training one.
pub fn labelled_split(dir: &std::path::Path, test: bool) -> std::io::Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "tsv") {
            files.push(path);
        }
    }
    files.sort();
    let mut out = Vec::new();
    for f in files {
        out.extend(labelled(&std::fs::read_to_string(f)?).into_iter().filter(|(_, p)| (fnv1a(p) % 2 == 1) == test));
    }
    Ok(out)
}

/// The installed text pack's model with the committed weights: None
/// without the pack; an error when the pack or the weights are unusable
/// (the check fails closed rather than running without what is installed).
pub fn installed() -> Result<Option<&'static PromptModel>> {
    static MODEL: OnceLock<std::result::Result<Option<PromptModel>, String>> = OnceLock::new();
    let loaded = MODEL.get_or_init(|| {
        let Some(model) = SentenceModel::shared() else { return Ok(None) };
        let model = model.map_err(|e| e.to_string())?;
        let weights: Weights =
            serde_json::from_str(WEIGHTS).map_err(|e| format!("data/prompt-classifier.json: {e}"))?;
        PromptModel::new(model, weights).map(Some)
    });
    match loaded {
        Ok(m) => Ok(m.as_ref()),
        Err(e) => Err(Error::Invalid { what: "prompt check by meaning", reason: e.clone() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_weights_name_every_harmful_class_with_a_threshold() {
        let w: Weights = serde_json::from_str(WEIGHTS).expect("weights");
        assert_eq!(w.classes[0], "allow");
        for c in &w.classes[1..] {
            assert!(Category::from_code(c).is_some(), "{c}");
            let t = w.thresholds.get(c).copied().unwrap_or(0.0);
            assert!((0.5..1.0).contains(&t), "{c}: {t}");
        }
        assert!(w.weights.iter().all(|r| r.len() == w.weights[0].len()));
    }
}
