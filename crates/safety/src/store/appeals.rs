//! Appeals against removals: filed by the uploader within the appeal
//! period, once per decision, and decided only by a named person; reversing
//! restores the item and lifts the blocklist entries of that removal.

use serde_json::json;

use super::cases::{last_event, notify, person, read_folded, AppealOutcome, CaseView, SYSTEM};
use super::events::{append, AppealState, CaseState};
use super::sql::vals;
use super::Store;
use crate::statement::APPEAL_DAYS;
use vivify_media::error::{Error, Result};

impl Store {
    /// The uploader appeals a removal (within [`APPEAL_DAYS`]).
    pub fn appeal(&mut self, case_id: i64, by: &str, reason: &str) -> Result<CaseView> {
        let actor = person("user", by)?;
        if reason.trim().is_empty() || reason.len() > 5000 {
            return Err(Error::Param("an appeal needs a reason (--reason, up to 5000 characters)".into()));
        }
        self.case(case_id)?;
        // Every check inside the write transaction: of several appeals filed
        // at once exactly one is accepted.
        self.write(|tx| {
            let now = read_folded(tx, case_id)?;
            if now.state != CaseState::Actioned {
                return Err(Error::Param(format!(
                    "case {case_id} is {}: only removals can be appealed",
                    now.state.as_str()
                )));
            }
            if now.appeal != AppealState::None {
                let filed = last_event(tx, case_id, "appeal_filed")?;
                return Err(Error::Conflict(format!(
                    "case {case_id} was already appealed{} ({}); one appeal per decision",
                    filed.map(|(who, at, _)| format!(" by {who} at {at}")).unwrap_or_default(),
                    now.appeal.as_str()
                )));
            }
            let decided = last_event(tx, case_id, "decided")?.map(|(_, at, _)| at).unwrap_or_default();
            let deadline = last_event(tx, case_id, "statement_issued")?
                .and_then(|(_, _, d)| d.get("statement")?.get("appeal_until")?.as_str().map(str::to_string))
                .unwrap_or_default();
            // Timestamps are fixed-width UTC, so text order is time order.
            if !deadline.is_empty() && super::now() > deadline {
                return Err(Error::Param(format!(
                    "case {case_id}: the appeal period ({APPEAL_DAYS} days from {decided}) ended on {deadline}"
                )));
            }
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
        let item = self.case(case_id)?.item;
        self.write(|tx| {
            let now = read_folded(tx, case_id)?;
            if now.appeal != AppealState::Open {
                let done = last_event(tx, case_id, "appeal_decided")?;
                return Err(match (now.appeal, done) {
                    (AppealState::Upheld | AppealState::Reversed, Some((who, at, _))) => Error::Conflict(format!(
                        "the appeal on case {case_id} was already decided ({}) by {who} at {at}",
                        now.appeal.as_str()
                    )),
                    _ => Error::Param(format!("case {case_id} has no open appeal ({})", now.appeal.as_str())),
                });
            }
            // DSA Art. 20: the review is not left to whoever made the decision.
            if let Some((who, at, _)) = last_event(tx, case_id, "decided")? {
                if who == actor {
                    return Err(Error::Conflict(format!(
                        "{} made the decision on case {case_id} (at {at}); another moderator must decide its appeal",
                        moderator.trim()
                    )));
                }
            }
            let word = if outcome == AppealOutcome::Reverse { "reversed" } else { "upheld" };
            append(tx, case_id, &actor, false, "appeal_decided", json!({ "outcome": word, "facts": facts.trim() }))?;
            if outcome == AppealOutcome::Reverse {
                let lifted = tx.exec(
                    "UPDATE blocklist SET lifted_at = ?1 WHERE case_id = ?2 AND lifted_at IS NULL",
                    vals![super::now(), case_id],
                )?;
                append(tx, case_id, SYSTEM, true, "blocklist_lifted", json!({ "entries": lifted }))?;
            }
            let text = match outcome {
                AppealOutcome::Reverse => format!("Your appeal succeeded: item {} is restored. {}", item.id, facts.trim()),
                AppealOutcome::Uphold => format!(
                    "Your appeal was reviewed by a person and the removal of item {} stands: {} You may turn to a certified out-of-court dispute settlement body or a court.",
                    item.id,
                    facts.trim()
                ),
            };
            notify(tx, case_id, "uploader", &text)?;
            Ok(())
        })?;
        self.case(case_id)
    }
}
