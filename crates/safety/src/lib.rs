//! Safety: one taxonomy ([`taxonomy`]), a policy file ([`policy`]), the four
//! checkpoints — [`prompt`], photo ([`image`]), [`output`] and [`share`] —
//! and report handling in the safety database ([`store`]). A refused request
//! becomes [`Refusal`] (exit code 6) that says which step, which rule, what
//! happened to the data and what the person can do — never scores or word
//! lists, and no hints at all for child-safety refusals.
#![forbid(unsafe_code)]

pub mod classifier;
pub mod image;
mod inflect;
pub mod lexicon;
pub mod meaning;
pub mod normalize;
#[cfg(feature = "nsfw")]
pub mod nudenet;
pub mod output;
pub mod pdq;
pub mod policy;
pub mod prompt;
pub mod share;
pub mod statement;
pub mod store;
pub mod taxonomy;

use std::sync::Arc;

use serde::Serialize;

pub use classifier::ImageClassifier;

pub use policy::Policy;
pub use taxonomy::{Category, Tier};

/// What the checks inside `alive` use: the policy, the safety database
/// (blocklist, and where checked outputs are recorded for `share`), and the
/// image classifier when one is installed.
#[derive(Clone, Default)]
pub struct Checks {
    pub policy: Policy,
    /// `None`: no blocklist, nothing recorded (library use without a data folder).
    pub db: Option<store::Database>,
    pub classifier: Option<Arc<dyn ImageClassifier>>,
}

impl std::fmt::Debug for Checks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checks")
            .field("policy", &self.policy.version)
            .field("db", &self.db)
            .field("classifier", &self.classifier.as_ref().map(|c| c.name()))
            .finish()
    }
}

/// Where a check ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Prompt,
    Photo,
    Output,
    Share,
}

impl Stage {
    fn letter(self) -> char {
        match self {
            Stage::Prompt => 'P',
            Stage::Photo => 'I',
            Stage::Output => 'V',
            Stage::Share => 'S',
        }
    }
}

/// What a check decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Allow,
    /// Allowed, and recorded for review.
    Flag,
    Block,
}

impl Decision {
    /// The stricter of two decisions (a blocklist hit is at least flagged,
    /// even where the policy allows its category).
    pub(crate) fn max_with(self, floor: Decision) -> Decision {
        match (self, floor) {
            (Decision::Block, _) | (_, Decision::Block) => Decision::Block,
            (Decision::Flag, _) | (_, Decision::Flag) => Decision::Flag,
            _ => Decision::Allow,
        }
    }
}

/// The result of one check.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    pub stage: Stage,
    pub decision: Decision,
    pub category: Option<Category>,
    pub tier: Option<Tier>,
    /// The rule that decided (e.g. `prompt.combination.minor_sexual`).
    pub rule: Option<String>,
    /// The reference people quote when they ask for a review.
    pub reference: String,
    pub detector: String,
    pub automated: bool,
    /// What matched, for moderators and the audit log; never shown in refusals.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// Which part of the check decided (prompts: "rule", "lexicon",
    /// "word list" or "classifier").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<&'static str>,
    /// The classifier's probability for the category, when it decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
}

pub(crate) fn reference(stage: Stage) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string().to_uppercase();
    format!("{}-{}", stage.letter(), &id[..6])
}

impl Verdict {
    pub fn allow(stage: Stage) -> Verdict {
        Verdict {
            stage,
            decision: Decision::Allow,
            category: None,
            tier: None,
            rule: None,
            reference: reference(stage),
            detector: concat!("vivify-safety ", env!("CARGO_PKG_VERSION")).into(),
            automated: true,
            evidence: Vec::new(),
            part: None,
            score: None,
        }
    }

    pub fn new(stage: Stage, decision: Decision, category: Category, rule: String, evidence: Vec<String>) -> Verdict {
        Verdict {
            decision,
            category: Some(category),
            tier: Some(category.tier()),
            rule: Some(rule),
            evidence,
            ..Verdict::allow(stage)
        }
    }

    /// The refusal for a blocked verdict.
    pub fn refusal(&self) -> Option<Refusal> {
        (self.decision == Decision::Block).then(|| Refusal::from_verdict(self))
    }
}

/// A request refused by policy, in words a person understands.
#[derive(Clone, Debug, Serialize)]
pub struct Refusal {
    pub stage: Stage,
    pub category: Category,
    pub clause: String,
    pub rule: String,
    pub reference: String,
    /// What happened to their data.
    pub data: String,
    /// What they can do (empty for child-safety refusals).
    pub next: String,
    pub message: String,
}

impl Refusal {
    /// A refusal that is about the request, not about content (a changed
    /// file, a missing label): `message` says what, `next` what to do.
    pub fn plain(stage: Stage, rule: &str, message: String, next: &str) -> Refusal {
        Refusal {
            stage,
            category: Category::Other,
            clause: "docs/POLICY.md".into(),
            rule: rule.into(),
            reference: reference(stage),
            data: "Nothing was shared.".into(),
            next: next.into(),
            message,
        }
    }

    pub(crate) fn from_verdict(v: &Verdict) -> Refusal {
        let category = v.category.unwrap_or(Category::Other);
        let clause = format!("docs/POLICY.md {}", category.clause());
        let data = match v.stage {
            Stage::Prompt | Stage::Photo => "Nothing was generated and nothing was stored.",
            Stage::Output => "The video was deleted before anyone saw it.",
            Stage::Share => "Nothing was shared.",
        }
        .to_string();
        let (message, next) = if category.tier() == Tier::Tier0 {
            (
                "This request can't be processed because it may violate our child-safety or intimate-image rules."
                    .into(),
                String::new(),
            )
        } else {
            let what = match v.stage {
                Stage::Prompt => "this prompt",
                Stage::Photo => "this photo",
                Stage::Output => "the video made from this request",
                Stage::Share if v.rule.as_deref().is_some_and(|r| r.starts_with("prompt")) => "this caption",
                Stage::Share => "this file for sharing",
            };
            let next = match v.stage {
                Stage::Prompt => "Try describing motion, mood or scenery instead.",
                Stage::Photo => {
                    "Choose another photo; if you think this is a mistake, ask for a review quoting the reference."
                }
                Stage::Output => "Try a different prompt.",
                Stage::Share if v.rule.as_deref().is_some_and(|r| r.starts_with("prompt")) => {
                    "Write a different caption."
                }
                Stage::Share => "Make the video again with vivify, or ask for a review quoting the reference.",
            };
            // Only words ask for something; pictures and files match or show it.
            let rule = v.rule.as_deref().unwrap_or_default();
            let why = if rule.contains(".blocklist.") {
                format!("it matches an entry on the blocklist for {}", category.words())
            } else if matches!(v.stage, Stage::Prompt) || rule.starts_with("prompt") {
                format!("it asks for {}", category.words())
            } else {
                format!("it shows {}", category.words())
            };
            (format!("We can't use {what}: {why} ({clause})."), next.to_string())
        };
        Refusal {
            stage: v.stage,
            category,
            clause,
            rule: v.rule.clone().unwrap_or_default(),
            reference: v.reference.clone(),
            data,
            next,
            message,
        }
    }
}

impl std::error::Error for Refusal {}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.message, self.data)?;
        if !self.next.is_empty() {
            write!(f, " {}", self.next)?;
        }
        write!(f, " Ref {}.", self.reference)
    }
}
