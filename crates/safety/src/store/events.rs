//! The append-only event log of a case, and the fold that turns a case's
//! events into its state. The `cases` row is that fold, written in the same
//! transaction as each event; [`Store::check_consistency`] refolds every
//! case from its events and compares.

use serde::Serialize;
use serde_json::Value;

use super::sql::{vals, Row, Sql};
use super::{now, Store};
use vivify_media::error::{Error, Result};

/// One entry in the audit log.
#[derive(Clone, Debug, Serialize)]
pub struct Event {
    pub id: i64,
    pub case_id: i64,
    pub at: String,
    /// `user:NAME`, `moderator:NAME` or `system:vivify-safety VERSION`.
    pub actor: String,
    /// Whether a program, not a person, took this step.
    pub automated: bool,
    pub kind: String,
    pub data: Value,
}

/// Where a case is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    Open,
    Reviewing,
    Actioned,
    Dismissed,
}

/// Where an appeal against a removal is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealState {
    None,
    Open,
    Upheld,
    Reversed,
}

macro_rules! text_enum {
    ($t:ty { $($v:ident = $s:literal),* }) => {
        impl $t {
            pub fn as_str(self) -> &'static str {
                match self { $(<$t>::$v => $s),* }
            }
            pub fn parse(s: &str) -> Option<$t> {
                match s { $($s => Some(<$t>::$v),)* _ => None }
            }
        }
    };
}
text_enum!(CaseState { Open = "open", Reviewing = "reviewing", Actioned = "actioned", Dismissed = "dismissed" });
text_enum!(AppealState { None = "none", Open = "open", Upheld = "upheld", Reversed = "reversed" });

/// The state of a case, as its events leave it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Folded {
    pub state: CaseState,
    pub priority: i64,
    pub assigned_to: Option<String>,
    pub appeal: AppealState,
    /// Hidden from sharing (pending review, or removed).
    pub hidden: bool,
}

impl Folded {
    pub fn new() -> Folded {
        Folded { state: CaseState::Open, priority: 0, assigned_to: None, appeal: AppealState::None, hidden: false }
    }

    /// Applies one event. Unknown kinds change nothing (comments, notices).
    pub fn apply(&mut self, kind: &str, data: &Value) {
        let text = |k: &str| data.get(k).and_then(Value::as_str).map(str::to_string);
        match kind {
            "report_received" if self.state == CaseState::Dismissed => {
                self.state = CaseState::Open;
                self.assigned_to = None;
            }
            "triaged" => self.priority = data.get("priority").and_then(Value::as_i64).unwrap_or(self.priority),
            "hidden_pending_review" => self.hidden = true,
            "assigned" => {
                self.state = CaseState::Reviewing;
                self.assigned_to = text("moderator");
            }
            "taken_over" => self.assigned_to = text("moderator"),
            "decided" => match text("action").as_deref() {
                Some("remove") => {
                    self.state = CaseState::Actioned;
                    self.hidden = true;
                }
                _ => {
                    self.state = CaseState::Dismissed;
                    self.hidden = false;
                }
            },
            "appeal_filed" => self.appeal = AppealState::Open,
            "appeal_decided" => {
                if text("outcome").as_deref() == Some("reversed") {
                    self.appeal = AppealState::Reversed;
                    self.hidden = false;
                } else {
                    self.appeal = AppealState::Upheld;
                }
            }
            _ => {}
        }
    }

    /// What the item's status is while the case is in this state.
    pub fn item_status(&self) -> &'static str {
        match (self.hidden, self.state) {
            (false, _) => "visible",
            (true, CaseState::Actioned) => "removed",
            (true, _) => "hidden",
        }
    }
}

impl Default for Folded {
    fn default() -> Folded {
        Folded::new()
    }
}

/// Appends an event and writes the case row and the item status it implies.
pub(crate) fn append(
    tx: &mut dyn Sql,
    case_id: i64,
    actor: &str,
    automated: bool,
    kind: &str,
    data: Value,
) -> Result<i64> {
    let mut folded = super::cases::read_folded(tx, case_id)?;
    let id = super::cases::returned_id(tx.row(
        "INSERT INTO events (case_id, at, actor, automated, kind, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        vals![case_id, now(), actor, automated, kind, data.to_string()],
    )?)?;
    folded.apply(kind, &data);
    tx.exec(
        "UPDATE cases SET state = ?1, priority = ?2, assigned_to = ?3, appeal = ?4, hidden = ?5, last_event = ?6
         WHERE id = ?7",
        vals![
            folded.state.as_str(),
            folded.priority,
            folded.assigned_to.as_deref(),
            folded.appeal.as_str(),
            folded.hidden,
            id,
            case_id
        ],
    )?;
    tx.exec(
        "UPDATE items SET status = ?1 WHERE id = (SELECT item_id FROM cases WHERE id = ?2)",
        vals![folded.item_status(), case_id],
    )?;
    Ok(id)
}

/// What is wrong with `ev` happening to a case in state `before`: the steps
/// the store refuses (a second decision, a second appeal, a decision by
/// someone the case is not assigned to) must never be in a log.
fn step_problem(case_id: i64, before: &Folded, ev: &Event, decider: Option<&str>) -> Option<String> {
    let who = ev.actor.strip_prefix("moderator:");
    let at = format!("case {case_id}, event {} ({} by {} at {})", ev.id, ev.kind, ev.actor, ev.at);
    match ev.kind.as_str() {
        "decided" if before.state != CaseState::Reviewing => {
            Some(format!("{at}: a decision on a case that was {} (two decisions?)", before.state.as_str()))
        }
        "decided" if who != before.assigned_to.as_deref() => Some(format!(
            "{at}: decided by someone the case was not assigned to ({})",
            before.assigned_to.as_deref().unwrap_or("nobody")
        )),
        "appeal_filed" if before.state != CaseState::Actioned || before.appeal != AppealState::None => Some(format!(
            "{at}: an appeal on a case that was {} with appeal {} (two appeals for one decision?)",
            before.state.as_str(),
            before.appeal.as_str()
        )),
        "appeal_decided" if before.appeal != AppealState::Open => {
            Some(format!("{at}: an appeal decision with no open appeal ({})", before.appeal.as_str()))
        }
        "appeal_decided" if decider == Some(ev.actor.as_str()) => {
            Some(format!("{at}: the appeal was decided by the moderator who made the decision"))
        }
        _ => None,
    }
}

fn event_from_row(r: &Row) -> Result<Event> {
    Ok(Event {
        id: r.int(0)?,
        case_id: r.int(1)?,
        at: r.text(2)?,
        actor: r.text(3)?,
        automated: r.flag(4)?,
        kind: r.text(5)?,
        data: serde_json::from_str(&r.text(6)?).unwrap_or(Value::Null),
    })
}

/// What [`Store::check_consistency`] found.
#[derive(Clone, Debug, Serialize)]
pub struct Consistency {
    pub cases: usize,
    pub events: usize,
    /// Empty when every case row equals the fold of its events, every
    /// item status follows, and SQLite's own integrity check passes.
    pub problems: Vec<String>,
}

impl Store {
    /// The audit log of one case, oldest first.
    pub fn events(&self, case_id: i64) -> Result<Vec<Event>> {
        let rows = self.read(|c| {
            c.rows(
                "SELECT id, case_id, at, actor, automated, kind, data FROM events WHERE case_id = ?1 ORDER BY id",
                vals![case_id],
            )
        })?;
        rows.iter().map(event_from_row).collect()
    }

    /// The newest `limit` events of every case, newest first: the audit log
    /// a moderator reads.
    pub fn recent_events(&self, limit: usize) -> Result<Vec<Event>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.read(|c| {
            c.rows(
                "SELECT id, case_id, at, actor, automated, kind, data FROM events ORDER BY id DESC LIMIT ?1",
                vals![limit],
            )
        })?;
        rows.iter().map(event_from_row).collect()
    }

    /// Refolds every case from its events and compares with the stored rows.
    pub fn check_consistency(&self) -> Result<Consistency> {
        let mut problems: Vec<String> = self.integrity_problem()?.into_iter().collect();
        let ids = self.read(|c| c.rows("SELECT id FROM cases ORDER BY id", &[]))?;
        let ids = ids.iter().map(|r| r.int(0)).collect::<Result<Vec<i64>>>()?;
        let mut events = 0;
        for id in &ids {
            let log = self.events(*id)?;
            events += log.len();
            let mut folded = Folded::new();
            let mut decider: Option<&str> = None;
            for ev in &log {
                problems.extend(step_problem(*id, &folded, ev, decider));
                if ev.kind == "decided" {
                    decider = Some(&ev.actor);
                }
                folded.apply(&ev.kind, &ev.data);
            }
            let (stored, last, status, rows, live) = self.read(|c| {
                let one = |c: &mut dyn Sql, sql: &str| -> Result<Row> {
                    c.row(sql, vals![*id])?.ok_or_else(|| Error::store(format!("case {id} vanished during the check")))
                };
                Ok((
                    super::cases::read_folded(c, *id)?,
                    one(c, "SELECT last_event FROM cases WHERE id = ?1")?.int(0)?,
                    one(c, "SELECT i.status FROM items i JOIN cases c ON c.item_id = i.id WHERE c.id = ?1")?.text(0)?,
                    one(c, "SELECT COUNT(*) FROM blocklist WHERE case_id = ?1")?.int(0)?,
                    one(c, "SELECT COUNT(*) FROM blocklist WHERE case_id = ?1 AND lifted_at IS NULL")?.int(0)?,
                ))
            })?;
            if stored != folded {
                problems.push(format!("case {id}: stored {stored:?} but its events say {folded:?}"));
            }
            if log.first().map(|ev| ev.kind.as_str()) != Some("report_received") {
                problems.push(format!("case {id}: the log does not start with the report"));
            }
            if log.last().map(|ev| ev.id) != Some(last) {
                problems.push(format!("case {id}: the row was written from event {last}, not the last one"));
            }
            if status != folded.item_status() {
                problems.push(format!("case {id}: item is {status} but the case says {}", folded.item_status()));
            }
            let added = log.iter().filter(|ev| ev.kind == "blocklisted").count();
            if added as i64 != rows {
                problems.push(format!("case {id}: {added} blocklist events but {rows} blocklist rows"));
            }
            let removed = folded.state == CaseState::Actioned && folded.appeal != AppealState::Reversed;
            if live > 0 && !removed {
                problems.push(format!(
                    "case {id}: {live} blocklist entries still active though the case is {}{}",
                    folded.state.as_str(),
                    if folded.appeal == AppealState::Reversed { " and its removal was reversed" } else { "" }
                ));
            }
        }
        Ok(Consistency { cases: ids.len(), events, problems })
    }
}
