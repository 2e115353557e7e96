//! Appeals against removals: filed by the uploader within the appeal
//! period, once per decision, and decided only by a named person; reversing
//! restores the item and lifts the blocklist entries of that removal.

use rusqlite::params;
use serde_json::{json, Value};

use super::cases::{notify, person, AppealOutcome, CaseView, SYSTEM};
use super::events::{append, AppealState, CaseState};
use super::Store;
use crate::error::{Error, Result};
use crate::safety::statement::APPEAL_DAYS;

impl Store {
    /// The uploader appeals a removal (within [`APPEAL_DAYS`]).
    pub fn appeal(&mut self, case_id: i64, by: &str, reason: &str) -> Result<CaseView> {
        let actor = person("user", by)?;
        if reason.trim().is_empty() || reason.len() > 5000 {
            return Err(Error::Param("an appeal needs a reason (--reason, up to 5000 characters)".into()));
        }
        let case = self.case(case_id)?;
        if case.folded.state != CaseState::Actioned {
            return Err(Error::Param(format!(
                "case {case_id} is {}: only removals can be appealed",
                case.folded.state.as_str()
            )));
        }
        if case.folded.appeal != AppealState::None {
            return Err(Error::Param(format!("case {case_id} was already appealed ({})", case.folded.appeal.as_str())));
        }
        let decided =
            case.events.iter().rev().find(|ev| ev.kind == "decided").map(|ev| ev.at.clone()).unwrap_or_default();
        let deadline = case
            .statement
            .as_ref()
            .and_then(|s| s.get("appeal_until"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_default();
        // Timestamps are fixed-width UTC, so text order is time order.
        if !deadline.is_empty() && super::now() > deadline {
            return Err(Error::Param(format!(
                "case {case_id}: the appeal period ({APPEAL_DAYS} days from {decided}) ended on {deadline}"
            )));
        }
        self.write(|tx| {
            append(tx, case_id, &actor, false, "appeal_filed", json!({ "reason": reason.trim() }))?;
            notify(
                tx,
                case_id,
                &actor,
                "We received your appeal; a person who can reverse the decision will review it.",
            )?;
            Ok(())
        })?;
        self.case(case_id)
    }

    /// A person decides an appeal. Reversing restores the item and lifts the
    /// blocklist entries the removal added.
    pub fn decide_appeal(
        &mut self,
        case_id: i64,
        moderator: &str,
        outcome: AppealOutcome,
        facts: &str,
    ) -> Result<CaseView> {
        let actor = person("moderator", moderator)?;
        if facts.trim().is_empty() {
            return Err(Error::Param("an appeal decision needs its reasons (--facts)".into()));
        }
        let case = self.case(case_id)?;
        if case.folded.appeal != AppealState::Open {
            return Err(Error::Param(format!("case {case_id} has no open appeal ({})", case.folded.appeal.as_str())));
        }
        let e = self.err();
        self.write(|tx| {
            let word = if outcome == AppealOutcome::Reverse { "reversed" } else { "upheld" };
            append(tx, case_id, &actor, false, "appeal_decided", json!({ "outcome": word, "facts": facts.trim() }))?;
            if outcome == AppealOutcome::Reverse {
                let lifted = tx
                    .execute(
                        "UPDATE blocklist SET lifted_at = ?1 WHERE case_id = ?2 AND lifted_at IS NULL",
                        params![super::now(), case_id],
                    )
                    .map_err(&e)?;
                append(tx, case_id, SYSTEM, true, "blocklist_lifted", json!({ "entries": lifted }))?;
            }
            let text = match outcome {
                AppealOutcome::Reverse => format!("Your appeal succeeded: item {} is restored. {}", case.item.id, facts.trim()),
                AppealOutcome::Uphold => format!(
                    "Your appeal was reviewed by a person and the removal of item {} stands: {} You may turn to a certified out-of-court dispute settlement body or a court.",
                    case.item.id,
                    facts.trim()
                ),
            };
            notify(tx, case_id, "uploader", &text)?;
            Ok(())
        })?;
        self.case(case_id)
    }
}
