//! Prompts read by meaning (with the text pack): a clause the grammar could
//! not use ("a blizzard sweeps the pass", "like a faded home movie") is
//! embedded by the sentence model and compared with the describing phrases
//! of `data/concepts.tsv`; when the closest concept is close enough, that
//! concept's own grammar words are applied, as if the prompt had said them,
//! and the plan notes say how the clause was read.
//!
//! The phrases' vectors are not worked out at run time (two hundred
//! embeddings take seconds): `examples/prompt_banks.rs` stores them in
//! `data/concepts.bank`, tied to the weights that made them, and a test
//! checks the stored bank against the model whenever the pack is installed.

use serde::Serialize;
use vivify_models::text::bank::Bank;
use vivify_models::text::minilm::SentenceModel;

use super::prompt::{self, Intent};

/// The concepts and their describing phrases.
pub const CONCEPTS: &str = include_str!("../data/concepts.tsv");
/// Their vectors (see the module notes).
const BANK: &[u8] = include_bytes!("../data/concepts.bank");

/// A clause is read as its closest concept when its cosine with one of the
/// concept's phrases reaches this. Set on the tuning half of
/// eval/prompt-meaning.tsv (`cargo test --release -p vivify --test
/// prompt_meaning -- --nocapture` prints the sweep). Applying a second
/// concept when it came within 0.02-0.08 of the first was tried and scored
/// worse there (the runner-up is more often wrong than right), so a clause
/// is one concept.
pub const THRESHOLD: f32 = 0.45;

/// At most this many clauses are read by meaning (an embedding each, about
/// 14 ms): the rest of a long prompt is reported as not read.
pub const MAX_CLAUSES: usize = 12;

/// Words that carry no request on their own: a clause whose only unknown
/// words are these is not worth reading by meaning.
const EMPTY_WORDS: &[&str] = &[
    "her", "his", "him", "she", "he", "they", "them", "their", "we", "us", "our", "i", "you", "your", "and", "or",
    "but", "like", "as", "for", "by", "all", "so", "was", "were", "has", "have", "had", "there", "here", "what",
    "feel", "feels", "look", "looks", "kind", "sort", "bit", "way", "then", "now", "out", "off", "around", "through",
];

/// Words that turn a clause into a refusal ("no blizzard, please").
const NEGATIONS: &[&str] = &["no", "not", "without", "dont", "never", "stop", "none"];

/// How one clause was read.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reading {
    /// The clause as the prompt said it.
    pub phrase: String,
    /// The concept it was read as, and the cosine that decided it.
    pub concept: String,
    pub similarity: f32,
    /// The grammar applied (with "no" before each part when the clause was a refusal).
    pub applied: String,
}

/// The sentence model and the concepts' phrases.
pub struct Meaning {
    model: &'static SentenceModel,
    bank: Bank,
    /// Per bank entry: its concept's index in `concepts`.
    owner: Vec<usize>,
    /// Concept names and their grammar.
    concepts: Vec<(String, String)>,
    /// [`THRESHOLD`]; changed only to measure others.
    pub threshold: f32,
}

impl Meaning {
    /// The installed text pack's model (shared, see
    /// `SentenceModel::shared`) with the stored bank; None without the pack.
    pub fn installed() -> Option<vivify_models::Result<Meaning>> {
        SentenceModel::shared().map(|m| m.and_then(Meaning::with_model))
    }

    /// The stored bank, checked to have been made with `model`'s weights.
    pub fn with_model(model: &'static SentenceModel) -> vivify_models::Result<Meaning> {
        let bad = |problem: String| vivify_models::Error::Model { model: "alive/data/concepts.bank".into(), problem };
        let bank = Bank::from_bytes(BANK).map_err(bad)?;
        if !model.weights_sha256.is_empty() && bank.model_sha256 != model.weights_sha256 {
            return Err(bad(format!(
                "made with weights {} but the text pack holds {}; rebuild it with scripts/build-prompt-banks",
                bank.model_sha256, model.weights_sha256
            )));
        }
        if bank.dims != model.dims() {
            return Err(bad(format!("{} values a vector, the model gives {}", bank.dims, model.dims())));
        }
        let rows = concept_rows();
        if rows.len() != bank.labels.len() || rows.iter().zip(&bank.labels).any(|(r, l)| &r.2 != l) {
            return Err(bad("it does not hold data/concepts.tsv's phrases; run scripts/build-prompt-banks".into()));
        }
        let mut concepts: Vec<(String, String)> = Vec::new();
        let mut owner = Vec::new();
        for (name, grammar, _) in rows {
            let i = match concepts.iter().position(|(n, _)| *n == name) {
                Some(i) => i,
                None => {
                    concepts.push((name, grammar));
                    concepts.len() - 1
                }
            };
            owner.push(i);
        }
        Ok(Meaning { model, bank, owner, concepts, threshold: THRESHOLD })
    }

    /// The stored bank (to check it against a fresh one).
    pub fn bank(&self) -> &Bank {
        &self.bank
    }

    pub fn model(&self) -> &SentenceModel {
        self.model
    }

    /// Every concept with its best cosine to `text`, closest first.
    pub fn scores(&self, text: &str) -> Vec<(String, f32)> {
        let sims = self.bank.similarities(&self.model.embed(text));
        let mut best = vec![f32::NEG_INFINITY; self.concepts.len()];
        for (i, s) in sims.iter().enumerate() {
            best[self.owner[i]] = best[self.owner[i]].max(*s);
        }
        let mut out: Vec<(String, f32)> = self.concepts.iter().map(|(n, _)| n.clone()).zip(best).collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1));
        out
    }

    fn grammar(&self, concept: &str) -> &str {
        self.concepts.iter().find(|(n, _)| n == concept).map_or("", |(_, g)| g.as_str())
    }

    /// Reads the clauses of `text` the grammar left unused and applies the
    /// concepts they mean to `intent` (which `prompt::parse` made from the
    /// same text), recording each in `intent.readings`. What the prompt
    /// said in grammar words stays as it was.
    pub fn read(&self, text: &str, intent: &mut Intent) {
        let mut embedded = 0;
        for clause in clauses(text) {
            let unknown: Vec<String> = prompt::parse(&clause)
                .ignored
                .into_iter()
                .filter(|w| !EMPTY_WORDS.contains(&w.as_str()) && !w.chars().all(|c| c.is_ascii_digit()))
                .collect();
            if unknown.is_empty() {
                continue;
            }
            if embedded == MAX_CLAUSES {
                intent.unsupported.push(format!(
                    "only the first {MAX_CLAUSES} clauses with unknown words are read by meaning; the rest are not"
                ));
                break;
            }
            embedded += 1;
            let Some((concept, similarity)) = self.scores(&clause).into_iter().next() else { continue };
            if similarity < self.threshold {
                continue;
            }
            let negated = clause.split(|c: char| !c.is_alphanumeric() && c != '\'').any(|w| {
                let w = w.to_lowercase().replace('\'', "");
                NEGATIONS.contains(&w.as_str())
            });
            let grammar = self.grammar(&concept);
            let applied = if negated {
                grammar.split(", ").map(|g| format!("no {g}")).collect::<Vec<_>>().join(", ")
            } else {
                grammar.to_string()
            };
            absorb(intent, prompt::parse(&applied));
            intent.readings.push(Reading { phrase: clause.clone(), concept, similarity, applied });
            // Its words are no longer ignored: they were read.
            for w in &unknown {
                if let Some(i) = intent.ignored.iter().position(|x| x == w) {
                    intent.ignored.remove(i);
                }
            }
        }
    }
}

/// The concept file's rows: (concept, grammar, phrase).
pub fn concept_rows() -> Vec<(String, String, String)> {
    CONCEPTS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some((f.next()?.to_string(), f.next()?.to_string(), f.next()?.to_string()))
        })
        .collect()
}

/// The prompt's clauses for reading by meaning: split at punctuation and at
/// "then"/"while", but not at "and" ("thunder and lightning" is one idea).
pub fn clauses(text: &str) -> Vec<String> {
    let text: String = text.chars().take(prompt::MAX_PROMPT_CHARS).collect();
    let mut out = Vec::new();
    for part in text.split([',', ';', '.', '!', '?', ':', '\n']) {
        let mut cur: Vec<&str> = Vec::new();
        for w in part.split_whitespace() {
            if matches!(w.to_lowercase().as_str(), "then" | "while") {
                if !cur.is_empty() {
                    out.push(cur.join(" "));
                }
                cur.clear();
            } else {
                cur.push(w);
            }
        }
        if !cur.is_empty() {
            out.push(cur.join(" "));
        }
    }
    out
}

/// Adds what `extra` asks for to `into` where `into` says nothing of it.
fn absorb(into: &mut Intent, extra: Intent) {
    fn fill<T>(a: &mut Option<T>, b: Option<T>) {
        if a.is_none() {
            *a = b;
        }
    }
    fill(&mut into.clouds, extra.clouds);
    fill(&mut into.grade, extra.grade);
    fill(&mut into.stars, extra.stars);
    fill(&mut into.water, extra.water);
    fill(&mut into.fog, extra.fog);
    fill(&mut into.glow, extra.glow);
    fill(&mut into.light_leak, extra.light_leak);
    fill(&mut into.haze, extra.haze);
    fill(&mut into.wind, extra.wind);
    fill(&mut into.sway, extra.sway);
    fill(&mut into.steam, extra.steam);
    fill(&mut into.flicker, extra.flicker);
    fill(&mut into.shadows, extra.shadows);
    fill(&mut into.camera, extra.camera);
    fill(&mut into.parallax, extra.parallax);
    fill(&mut into.breathe, extra.breathe);
    fill(&mut into.blink, extra.blink);
    fill(&mut into.wink, extra.wink);
    fill(&mut into.smile, extra.smile);
    fill(&mut into.glance, extra.glance);
    fill(&mut into.nod, extra.nod);
    fill(&mut into.laugh, extra.laugh);
    for (k, a) in extra.particles {
        if !into.particles.iter().any(|(p, _)| *p == k) {
            into.particles.push((k, a));
        }
    }
    for s in extra.sounds {
        if !into.sounds.contains(&s) {
            into.sounds.push(s);
        }
    }
    into.mute |= extra.mute;
    into.looped |= extra.looped;
    into.tempo *= extra.tempo;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clauses_split_at_punctuation_and_then_but_not_and() {
        assert_eq!(
            clauses("thunder and lightning, then calm. A cozy cabin while snow falls"),
            vec!["thunder and lightning", "calm", "A cozy cabin", "snow falls"]
        );
    }

    #[test]
    fn every_concept_row_has_grammar_the_grammar_reads() {
        let rows = concept_rows();
        assert!(rows.len() >= 100, "{}", rows.len());
        for (name, grammar, phrase) in &rows {
            let it = prompt::parse(grammar);
            assert!(it.ignored.is_empty() && !it.layers().is_empty(), "{name}: {grammar:?} → {:?}", it.ignored);
            assert!(!phrase.is_empty());
        }
    }

    #[test]
    fn absorbing_keeps_what_the_prompt_said() {
        let mut it = prompt::parse("gentle snow, pan left");
        absorb(&mut it, prompt::parse("heavy snow, strong wind, zoom in"));
        let snow = it.particles.iter().find(|(k, _)| *k == prompt::ParticleKind::Snow).expect("snow");
        assert!(snow.1.strength < 1.0, "the prompt's gentle snow stays gentle");
        assert_eq!(it.camera.map(|c| c.0), Some(prompt::CameraMove::PanLeft));
        assert!(it.wind.is_some_and(|w| w.on));
    }
}
