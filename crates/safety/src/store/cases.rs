//! Reports and the cases they open: intake with triage (priority by reason
//! and by how many people reported; urgent reasons hide the item at once),
//! a moderator's queue, and decisions with statements of reasons (appeals
//! are in `appeals.rs`). Every step is one transaction of events.

use serde::Serialize;
use serde_json::{json, Value};

use super::events::{append, AppealState, CaseState, Event, Folded};
use super::items::Item;
use super::sql::{vals, Sql};
use super::{blocklist, Store};
use crate::statement::{statement, Grounds, Restriction};
use crate::taxonomy::{Category, Tier};
use vivify_media::error::{Error, Result};

/// Distinct reporters that hide an item pending review whatever the reason.
pub const HIDE_AT_REPORTERS: i64 = 3;

pub(super) const SYSTEM: &str = concat!("system:vivify-safety ", env!("CARGO_PKG_VERSION"));

/// A report as filed.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub id: i64,
    pub case_id: i64,
    pub reporter: String,
    pub reason: String,
    pub details: String,
    pub created_at: String,
}

/// A new report.
#[derive(Clone, Debug)]
pub struct NewReport {
    /// Who reports (a name or e-mail; `anonymous` allowed, needed for nothing
    /// but telling them the outcome).
    pub reporter: String,
    pub reason: Category,
    pub details: String,
    /// Filed by vivify's own checks (a flagged output), not by a person.
    pub automated: bool,
}

/// A moderator's decision on a case under review.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Remove,
    Dismiss,
}

/// A person's decision on an appeal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppealOutcome {
    Uphold,
    Reverse,
}

/// Everything about a case.
#[derive(Clone, Debug, Serialize)]
pub struct CaseView {
    pub id: i64,
    pub item: Item,
    #[serde(flatten)]
    pub folded: Folded,
    pub reports: Vec<Report>,
    pub events: Vec<Event>,
    /// The latest statement of reasons, if any.
    pub statement: Option<Value>,
}

pub(crate) fn read_folded(conn: &mut dyn Sql, case_id: i64) -> Result<Folded> {
    let r = conn
        .row("SELECT state, priority, assigned_to, appeal, hidden FROM cases WHERE id = ?1", vals![case_id])?
        .ok_or_else(|| Error::Param(format!("case {case_id} does not exist")))?;
    Ok(Folded {
        state: CaseState::parse(&r.text(0)?).unwrap_or(CaseState::Open),
        priority: r.int(1)?,
        assigned_to: r.opt_text(2)?,
        appeal: AppealState::parse(&r.text(3)?).unwrap_or(AppealState::None),
        hidden: r.flag(4)?,
    })
}

pub(super) fn person(role: &str, name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.len() > 200 || name.starts_with("system") || name.chars().any(char::is_control) {
        return Err(Error::Param(format!(
            "a {role} needs a person's name (not empty, not 'system', under 200 characters)"
        )));
    }
    Ok(format!("{role}:{name}"))
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// The id an `INSERT … RETURNING id` gave back.
pub(super) fn returned_id(row: Option<super::sql::Row>) -> Result<i64> {
    row.ok_or_else(|| Error::store("a row was written without an id"))?.int(0)
}

/// Priority 0–100: the worst reason's tier, raised by each further reporter.
fn priority(worst: Tier, reporters: i64) -> i64 {
    match worst {
        Tier::Tier0 => 100,
        Tier::Tier1 => (60 + 10 * (reporters - 1)).min(99),
        Tier::Tier2 => (30 + 10 * (reporters - 1)).min(99),
    }
}

fn tier_rank(t: Tier) -> u8 {
    match t {
        Tier::Tier0 => 0,
        Tier::Tier1 => 1,
        Tier::Tier2 => 2,
    }
}

/// The most serious reason among a case's reports.
fn worst_reason(tx: &mut dyn Sql, case_id: i64) -> Result<Category> {
    let reasons = tx.rows("SELECT reason FROM reports WHERE case_id = ?1", vals![case_id])?;
    let mut worst = Category::Other;
    for r in reasons {
        let c = Category::from_code(&r.text(0)?).unwrap_or(Category::Other);
        if tier_rank(c.tier()) < tier_rank(worst.tier()) {
            worst = c;
        }
    }
    Ok(worst)
}

pub(super) fn notify(tx: &mut dyn Sql, case_id: i64, to: &str, text: &str) -> Result<()> {
    append(tx, case_id, SYSTEM, true, "notification_sent", json!({ "to": to, "text": text }))?;
    Ok(())
}

/// The newest event of `kind` in a case: who, when, and its data.
pub(super) fn last_event(conn: &mut dyn Sql, case_id: i64, kind: &str) -> Result<Option<(String, String, Value)>> {
    let row = conn.row(
        "SELECT actor, at, data FROM events WHERE case_id = ?1 AND kind = ?2 ORDER BY id DESC LIMIT 1",
        vals![case_id, kind],
    )?;
    row.map(|r| Ok((r.text(0)?, r.text(1)?, serde_json::from_str(&r.text(2)?).unwrap_or(Value::Null)))).transpose()
}

fn reporters(tx: &mut dyn Sql, case_id: i64) -> Result<Vec<String>> {
    let rows = tx.rows("SELECT DISTINCT reporter FROM reports WHERE case_id = ?1 ORDER BY reporter", vals![case_id])?;
    rows.iter().map(|r| r.text(0)).collect()
}

impl Store {
    /// Files a report on an item: opens (or joins, or reopens) its case,
    /// sets the priority, and hides the item at once for urgent reasons.
    pub fn report(&mut self, item_id: &str, r: &NewReport) -> Result<CaseView> {
        let item = self.item(item_id)?.ok_or_else(|| Error::Param(format!("no item {item_id} is known here")))?;
        if r.details.len() > 5000 {
            return Err(Error::Param("report details: at most 5000 characters".into()));
        }
        let reporter = match r.reporter.trim() {
            _ if r.automated => "system".to_string(),
            "" => "anonymous".to_string(),
            name => name.to_string(),
        };
        let actor = if r.automated { SYSTEM.to_string() } else { format!("user:{reporter}") };
        let case_id = self.write(|tx| {
            let existing = tx.row("SELECT id FROM cases WHERE item_id = ?1", vals![&item.id])?;
            let case_id = match existing {
                Some(row) => row.int(0)?,
                None => returned_id(tx.row(
                    "INSERT INTO cases (item_id, state, priority, appeal, hidden, last_event)
                     VALUES (?1, 'open', 0, 'none', FALSE, 0) RETURNING id",
                    vals![&item.id],
                )?)?,
            };
            let report_id = returned_id(tx.row(
                "INSERT INTO reports (case_id, reporter, reason, details, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 RETURNING id",
                vals![case_id, &reporter, r.reason.code(), &r.details, super::now()],
            )?)?;
            let before = read_folded(tx, case_id)?;
            append(
                tx,
                case_id,
                &actor,
                r.automated,
                "report_received",
                json!({ "report": report_id, "reason": r.reason.code(), "details": r.details }),
            )?;
            if !r.automated {
                notify(
                    tx,
                    case_id,
                    &actor,
                    &format!(
                        "We received your report {report_id} on item {} and will tell you what we decide.",
                        item.id
                    ),
                )?;
            }
            let worst = worst_reason(tx, case_id)?;
            let count = reporters(tx, case_id)?.len() as i64;
            let p = priority(worst.tier(), count);
            append(
                tx,
                case_id,
                SYSTEM,
                true,
                "triaged",
                json!({ "priority": p, "reporters": count, "worst_reason": worst.code() }),
            )?;
            let urgent = worst.tier() == Tier::Tier0 || count >= HIDE_AT_REPORTERS;
            let now = read_folded(tx, case_id)?;
            if urgent && !now.hidden && before.state != CaseState::Actioned {
                let why = if worst.tier() == Tier::Tier0 {
                    format!("A report names {}, which is hidden at once until a moderator looks.", worst.words())
                } else {
                    format!("{count} different people reported it.")
                };
                let st = statement(&Grounds {
                    item_id: &item.id,
                    category: worst,
                    restriction: Restriction::HiddenPendingReview,
                    facts: &why,
                    automated_detection: false,
                    automated_decision: true,
                    from_notice: true,
                    case_id,
                    unix_time: unix_now(),
                });
                let text = st["text"].as_str().unwrap_or_default().to_string();
                append(tx, case_id, SYSTEM, true, "hidden_pending_review", json!({ "statement": st }))?;
                notify(tx, case_id, "uploader", &text)?;
            }
            Ok(case_id)
        })?;
        self.case(case_id)
    }

    /// One case with its item, reports and audit log.
    pub fn case(&self, case_id: i64) -> Result<CaseView> {
        let item_id = self.read(|c| c.row("SELECT item_id FROM cases WHERE id = ?1", vals![case_id]))?;
        let item_id = item_id.ok_or_else(|| Error::Param(format!("case {case_id} does not exist")))?.text(0)?;
        let item = self.item(&item_id)?.ok_or_else(|| Error::store(format!("case {case_id} names a missing item")))?;
        let (folded, rows) = self.read(|c| {
            let folded = read_folded(c, case_id)?;
            let rows = c.rows(
                "SELECT id, case_id, reporter, reason, details, created_at FROM reports WHERE case_id = ?1 ORDER BY id",
                vals![case_id],
            )?;
            Ok((folded, rows))
        })?;
        let reports = rows
            .iter()
            .map(|r| {
                Ok(Report {
                    id: r.int(0)?,
                    case_id: r.int(1)?,
                    reporter: r.text(2)?,
                    reason: r.text(3)?,
                    details: r.text(4)?,
                    created_at: r.text(5)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let events = self.events(case_id)?;
        let statement = events.iter().rev().find_map(|ev| ev.data.get("statement").cloned());
        Ok(CaseView { id: case_id, item, folded, reports, events, statement })
    }

    /// Cases, most urgent first; `state` narrows the list.
    pub fn cases(&self, state: Option<CaseState>) -> Result<Vec<(i64, Folded, String)>> {
        self.read(|c| {
            let rows = c.rows(
                "SELECT id, item_id FROM cases WHERE CAST(?1 AS TEXT) IS NULL OR state = ?1 ORDER BY priority DESC, id",
                vals![state.map(CaseState::as_str)],
            )?;
            rows.iter()
                .map(|r| {
                    let id = r.int(0)?;
                    Ok((id, read_folded(c, id)?, r.text(1)?))
                })
                .collect()
        })
    }

    /// Gives `moderator` the next case: theirs under review first, else the
    /// most urgent open one (oldest first among equals). `None`: queue empty.
    pub fn next_case(&mut self, moderator: &str) -> Result<Option<CaseView>> {
        let actor = person("moderator", moderator)?;
        let name = moderator.trim().to_string();
        let picked = self.write(|tx| {
            let mine = tx.row(
                "SELECT id FROM cases WHERE state = 'reviewing' AND assigned_to = ?1 ORDER BY priority DESC, id LIMIT 1",
                vals![&name],
            )?;
            if let Some(r) = mine {
                return Ok(Some(r.int(0)?));
            }
            let open = tx.row("SELECT id FROM cases WHERE state = 'open' ORDER BY priority DESC, id LIMIT 1", &[])?;
            let open = open.map(|r| r.int(0)).transpose()?;
            if let Some(id) = open {
                append(tx, id, &actor, false, "assigned", json!({ "moderator": name }))?;
            }
            Ok(open)
        })?;
        picked.map(|id| self.case(id)).transpose()
    }

    /// A moderator's decision on a case under review. A removal blocklists
    /// the item's hashes (file, source photo and sampled frames), issues a
    /// statement of reasons and tells the uploader and the reporters.
    ///
    /// The case must be assigned to `moderator`; with `takeover` a case under
    /// another moderator's review is taken over first (logged as its own
    /// event). Every check runs inside the write transaction, so of several
    /// processes deciding one case exactly one succeeds and the others get
    /// [`Error::Conflict`] naming who decided it and when.
    pub fn decide(
        &mut self,
        case_id: i64,
        moderator: &str,
        action: Action,
        category: Option<Category>,
        facts: &str,
        takeover: bool,
    ) -> Result<CaseView> {
        let actor = person("moderator", moderator)?;
        let name = moderator.trim().to_string();
        if facts.trim().is_empty() {
            return Err(Error::Param("a decision needs the facts it rests on (--facts)".into()));
        }
        let item = self.case(case_id)?.item;
        self.write(|tx| {
            let now = read_folded(tx, case_id)?;
            match now.state {
                CaseState::Reviewing => {}
                CaseState::Open => {
                    return Err(Error::Param(format!(
                        "case {case_id} is open; only a case under review can be decided (take it with `reports next`)"
                    )))
                }
                CaseState::Actioned | CaseState::Dismissed => {
                    let last = last_event(tx, case_id, "decided")?;
                    return Err(Error::Conflict(format!(
                        "case {case_id} was already decided{}; nothing was changed",
                        last.map(|(who, at, data)| format!(
                            " ({}) by {who} at {at}",
                            data.get("action").and_then(Value::as_str).unwrap_or("?")
                        ))
                        .unwrap_or_default()
                    )));
                }
            }
            if now.assigned_to.as_deref() != Some(name.as_str()) {
                let holder = now.assigned_to.clone().unwrap_or_default();
                if !takeover {
                    return Err(Error::Conflict(format!(
                        "case {case_id} is under review by {holder}, not {name}; \
                         take it over with --takeover (logged) or leave it to them"
                    )));
                }
                append(tx, case_id, &actor, false, "taken_over", json!({ "moderator": name, "from": holder }))?;
            }
            let worst = worst_reason(tx, case_id)?;
            let category = category.unwrap_or(worst);
            let word = if action == Action::Remove { "remove" } else { "dismiss" };
            append(
                tx,
                case_id,
                &actor,
                false,
                "decided",
                json!({ "action": word, "category": category.code(), "facts": facts.trim() }),
            )?;
            let reporters = reporters(tx, case_id)?;
            if action == Action::Remove {
                let f = &item.facts;
                let mut hashes: Vec<(&str, String)> = vec![("sha256", item.sha256.clone())];
                hashes.extend(f.source_sha256.iter().map(|s| ("sha256", s.clone())));
                hashes.extend(f.source_pdq.iter().chain(&f.frame_pdq).map(|p| ("pdq", p.clone())));
                hashes.sort_unstable();
                hashes.dedup();
                for (kind, value) in hashes {
                    let entry =
                        blocklist::insert(tx, kind, &value, category, &format!("case {case_id}"), Some(case_id))?;
                    append(
                        tx,
                        case_id,
                        SYSTEM,
                        true,
                        "blocklisted",
                        json!({ "entry": entry, "kind": kind, "value": value }),
                    )?;
                }
                let automated = f.decision == "flag" || reporters.iter().any(|r| r == "system");
                let from_notice = reporters.iter().any(|r| r != "system");
                let st = statement(&Grounds {
                    item_id: &item.id,
                    category,
                    restriction: Restriction::Removed,
                    facts,
                    automated_detection: automated,
                    automated_decision: false,
                    from_notice,
                    case_id,
                    unix_time: unix_now(),
                });
                let text = st["text"].as_str().unwrap_or_default().to_string();
                append(tx, case_id, &actor, false, "statement_issued", json!({ "statement": st }))?;
                notify(tx, case_id, "uploader", &text)?;
            }
            for r in reporters.iter().filter(|r| r.as_str() != "system") {
                let outcome = match action {
                    Action::Remove => {
                        format!("Item {} was removed after your report ({}).", item.id, category.words())
                    }
                    Action::Dismiss => format!(
                        "We reviewed item {} after your report and found no breach of our rules; it stays up.",
                        item.id
                    ),
                };
                notify(tx, case_id, &format!("user:{r}"), &outcome)?;
            }
            Ok(())
        })?;
        self.case(case_id)
    }
}
