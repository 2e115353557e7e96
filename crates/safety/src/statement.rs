//! Statements of reasons (EU DSA Art. 17): what was restricted, on which
//! rule, the facts, whether automation took part, and how to appeal. The
//! field names follow the DSA Transparency Database so a platform can
//! export them as they are.

use serde_json::{json, Value};

use super::taxonomy::Category;

/// How long after a decision an appeal is accepted (DSA Art. 20: at least six months).
pub const APPEAL_DAYS: i64 = 183;

/// What a statement is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restriction {
    /// Hidden at once, pending a person's review (urgent reports).
    HiddenPendingReview,
    /// Removed by a moderator.
    Removed,
}

/// The facts a statement needs.
pub struct Grounds<'a> {
    pub item_id: &'a str,
    pub category: Category,
    pub restriction: Restriction,
    pub facts: &'a str,
    /// Whether a program found the content (a report counts as a person).
    pub automated_detection: bool,
    /// Whether a program, not a person, decided.
    pub automated_decision: bool,
    /// From a user notice (Art. 16) or the service's own initiative.
    pub from_notice: bool,
    pub case_id: i64,
    pub unix_time: i64,
}

/// The statement, with DSA Transparency Database field names plus a
/// `text` a person reads.
pub fn statement(g: &Grounds<'_>) -> Value {
    let date = super::store::timestamp(g.unix_time);
    let appeal_until = super::store::timestamp(g.unix_time + APPEAL_DAYS * 86_400);
    let visibility = match g.restriction {
        Restriction::HiddenPendingReview => "DECISION_VISIBILITY_CONTENT_DISABLED",
        Restriction::Removed => "DECISION_VISIBILITY_CONTENT_REMOVED",
    };
    let what = match g.restriction {
        Restriction::HiddenPendingReview => "was hidden until a moderator reviews it",
        Restriction::Removed => "was removed",
    };
    let how = match (g.automated_detection, g.automated_decision) {
        (_, true) => "found and restricted automatically; a person will review it",
        (true, false) => "found by an automated check and decided by a person",
        (false, false) => "reported by people and decided by a person",
    };
    let redress = match g.restriction {
        Restriction::HiddenPendingReview => {
            "No action is needed from you: a moderator will decide, and you will be told the outcome.".to_string()
        }
        Restriction::Removed => format!(
            "You can appeal until {appeal_until} with `vivify appeal {} --reason \"...\"`; a person (not a program) decides. \
             You may also turn to a certified out-of-court dispute settlement body or a court.",
            g.case_id
        ),
    };
    let text = format!(
        "Item {} {what} on {date} under {} ({}). Facts: {} It was {how}. {redress}",
        g.item_id,
        g.category.clause(),
        g.category.words(),
        g.facts.trim(),
    );
    json!({
        "puid": g.item_id,
        "decision_visibility": [visibility],
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": format!("docs/POLICY.md {}", g.category.clause()),
        "incompatible_content_explanation": g.category.words(),
        "category": g.category.dsa(),
        "content_type": ["CONTENT_TYPE_SYNTHETIC_MEDIA", "CONTENT_TYPE_VIDEO"],
        "source_type": if g.from_notice { "SOURCE_ARTICLE_16" } else { "SOURCE_VOLUNTARY" },
        "automated_detection": if g.automated_detection { "Yes" } else { "No" },
        "automated_decision": if g.automated_decision { "AUTOMATED_DECISION_FULLY" } else { "AUTOMATED_DECISION_NOT_AUTOMATED" },
        "decision_facts": g.facts.trim(),
        "application_date": date,
        "territorial_scope": "worldwide",
        "appeal_until": if g.restriction == Restriction::Removed { Value::String(appeal_until) } else { Value::Null },
        "redress": redress,
        "text": text,
    })
}
