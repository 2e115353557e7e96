//! What the studio keeps between requests and across restarts: uploads,
//! jobs, shares, moderators and their sessions. One trait, two backends: the
//! embedded SQLite file (one machine, the default) and PostgreSQL (many
//! servers and workers sharing one queue).

#[cfg(test)]
mod contract;
mod postgres;
mod sqlite;

use std::time::Duration;

pub use postgres::PgStore;
use serde::{Deserialize, Serialize};
pub use sqlite::SqliteStore;
use utoipa::ToSchema;

use crate::error::StudioError;

/// A job's place in its life. `Queued` → `Running` → one of the last three;
/// a queued job can be cancelled straight away, a running one when its
/// worker next polls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl JobState {
    pub fn code(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<JobState> {
        [JobState::Queued, JobState::Running, JobState::Done, JobState::Failed, JobState::Cancelled]
            .into_iter()
            .find(|st| st.code() == s)
    }

    /// Nothing more will happen to the job.
    pub fn finished(self) -> bool {
        matches!(self, JobState::Done | JobState::Failed | JobState::Cancelled)
    }
}

/// An uploaded file, stored under the data folder by its id (never by the
/// name the client gave, which is kept for display and download names).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Upload {
    pub id: String,
    /// The client's file name, reduced to its last component.
    pub name: String,
    /// What the bytes are (`photo` or `video`), sniffed from them.
    pub kind: String,
    /// The container the bytes hold: jpeg, png, heif, mp4, mov.
    pub format: String,
    /// What `inspect` found: `plain`, `live_still`, `live_movie`,
    /// `motion_photo`.
    pub role: String,
    pub width: u32,
    pub height: u32,
    /// A video's length (a Motion Photo's embedded one too).
    pub duration_s: Option<f64>,
    pub bytes: u64,
    pub created_at: String,
}

/// A file published through the share check, at `/s/ID`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Share {
    pub id: String,
    pub job_id: String,
    /// The job's file that was shared.
    pub file: String,
    /// The safety database's item (its status decides whether the share
    /// page shows it).
    pub item_id: String,
    pub caption: Option<String>,
    pub created_at: String,
}

/// Why a job ended badly, in the words the API answers with.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct JobError {
    /// Stable: see [`crate::error::ApiError`]'s kinds.
    pub kind: String,
    pub message: String,
    /// For a safety refusal: the stage, rule and what to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusal: Option<serde_json::Value>,
}

/// A job as stored.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Job {
    pub id: String,
    /// What the job does (`alive`, …).
    pub kind: String,
    pub state: JobState,
    /// The request that made it.
    #[schema(value_type = Object)]
    pub spec: serde_json::Value,
    /// Lower runs first (interactive work before batches).
    pub priority: i32,
    /// How many times a worker started it (a restart mid-run starts it again).
    pub attempts: u32,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// What the work reported (outputs, plan, checks) once done.
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
    pub error: Option<JobError>,
    /// A cancel was asked for while it ran.
    pub cancel_requested: bool,
}

/// Where a job ended.
#[derive(Clone, Debug)]
pub enum Outcome {
    Done(serde_json::Value),
    Failed(JobError),
    Cancelled,
}

/// The studio's persistent state. Every method is short (no waiting on
/// work): the server calls it from a blocking-task pool.
pub trait Store: Send + Sync {
    fn add_upload(&self, upload: &Upload) -> Result<(), StudioError>;
    fn upload(&self, id: &str) -> Result<Option<Upload>, StudioError>;

    /// Queues a job unless `queued_limit` jobs are already waiting; `None`
    /// when the queue is full.
    fn enqueue(
        &self,
        kind: &str,
        spec: &serde_json::Value,
        priority: i32,
        queued_limit: usize,
    ) -> Result<Option<Job>, StudioError>;
    fn job(&self, id: &str) -> Result<Option<Job>, StudioError>;
    /// The newest jobs first.
    fn jobs(&self, limit: usize) -> Result<Vec<Job>, StudioError>;
    /// Jobs waiting for a worker.
    fn queued(&self) -> Result<usize, StudioError>;
    /// Takes the next job for `worker` and leases it for `lease`: a queued
    /// one (lowest priority number, then oldest), or a running one whose
    /// lease ran out (its worker died or stalled), which then starts again.
    /// A job whose lease ran out after `max_attempts` starts is failed
    /// instead, with the reason kept; one whose cancel was asked for is
    /// cancelled. `None` when nothing waits.
    fn claim(&self, worker: &str, lease: Duration, max_attempts: u32) -> Result<Option<Job>, StudioError>;
    /// Extends `worker`'s lease on a running job. `None`: the lease is lost
    /// (the job ended, or another worker took it over); else whether a
    /// cancel was asked for (from any process sharing the store).
    fn heartbeat(&self, id: &str, worker: &str, lease: Duration) -> Result<Option<bool>, StudioError>;
    /// Records how far a running job is (JSON), while `worker` holds it, so
    /// a page following the job through another server sees it move.
    fn set_progress(&self, id: &str, worker: &str, progress: &str) -> Result<(), StudioError>;
    /// The progress the running job's worker last recorded.
    fn progress(&self, id: &str) -> Result<Option<String>, StudioError>;
    /// Publishes how a running job ended, only while `worker` still holds
    /// it: true when recorded. So each job's result is published at most
    /// once, by the one worker that holds it.
    fn finish(&self, id: &str, worker: &str, outcome: &Outcome) -> Result<bool, StudioError>;
    /// Hands a running job back to the queue (its worker is stopping), so
    /// another worker starts it now rather than when the lease runs out; a
    /// job whose cancel was asked for is cancelled instead. False when
    /// `worker` no longer held it.
    fn release(&self, id: &str, worker: &str) -> Result<bool, StudioError>;
    /// Cancels a queued job at once, or marks a running one to stop; the
    /// job after the change (`None`: no such job).
    fn cancel(&self, id: &str) -> Result<Option<Job>, StudioError>;
    /// On the start of a server that alone uses the store: jobs that were
    /// running when it last stopped go back to the queue at once rather
    /// than when their leases run out. Returns how many.
    fn requeue_interrupted(&self) -> Result<usize, StudioError>;

    /// Calls `on_work` whenever any process queues a job or hands one back,
    /// until `keep` answers false; false when this store cannot tell (then
    /// idle workers look every 2 s, which for one process sharing a file is
    /// enough: its own queueing wakes them directly).
    fn watch_queue(&self, on_work: Box<dyn Fn() + Send>, keep: Box<dyn Fn() -> bool + Send>) -> bool {
        let _ = (on_work, keep);
        false
    }

    /// Counts and timings of every job, for `/metrics`.
    fn stats(&self) -> Result<JobStats, StudioError>;

    fn add_share(&self, share: &Share) -> Result<(), StudioError>;
    fn share(&self, id: &str) -> Result<Option<Share>, StudioError>;
    /// The shares of one safety item (for a moderator's case view).
    fn shares_of_item(&self, item_id: &str) -> Result<Vec<Share>, StudioError>;

    /// Adds or replaces a moderator's password hash (PHC string).
    fn set_moderator(&self, name: &str, hash: &str) -> Result<(), StudioError>;
    fn moderator_hash(&self, name: &str) -> Result<Option<String>, StudioError>;
    /// A signed-in moderator's session, valid until `expires` (Unix seconds).
    fn add_session(&self, id: &str, moderator: &str, expires: i64) -> Result<(), StudioError>;
    /// The moderator of a session still valid at `now`.
    fn session(&self, id: &str, now: i64) -> Result<Option<String>, StudioError>;
    fn end_session(&self, id: &str) -> Result<(), StudioError>;
}

/// The time now as `YYYY-MM-DDTHH:MM:SSZ` (the safety database's clock
/// format, so the two stores' times read alike).
pub(crate) use vivify::safety::store::now;

/// Upper bounds (seconds) of the timing histograms: a clip takes seconds,
/// a queue can make it wait minutes.
pub const BUCKETS: [f64; 10] = [1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0];

/// A histogram over [`BUCKETS`]: how many were at most each bound.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Histogram {
    pub cumulative: Vec<u64>,
    pub sum: f64,
    pub count: u64,
}

/// What `/metrics` reports of the jobs in a store (the whole cluster's, as
/// every server shares it).
#[derive(Clone, Debug, Default)]
pub struct JobStats {
    /// Jobs in each state.
    pub states: Vec<(String, u64)>,
    /// Failed jobs by error kind.
    pub failures: Vec<(String, u64)>,
    /// Queued to finished, of jobs done, by kind.
    pub latency: Vec<(String, Histogram)>,
    /// Started (the last attempt) to finished, of jobs done, by kind.
    pub render: Vec<(String, Histogram)>,
}

/// The SQL that buckets a duration (`seconds`, an SQL expression over the
/// `jobs` table) of done jobs by kind: kind, count, sum, then one
/// cumulative count a bucket. Both backends speak it.
pub(crate) fn histogram_sql(seconds: &str) -> String {
    let buckets: Vec<String> = BUCKETS.iter().map(|b| format!("sum(CASE WHEN d <= {b} THEN 1 ELSE 0 END)")).collect();
    format!(
        "SELECT kind, count(*), coalesce(sum(d), 0), {} FROM (SELECT kind, {seconds} AS d FROM jobs
         WHERE state = 'done' AND started_at IS NOT NULL AND finished_at IS NOT NULL) AS t GROUP BY kind ORDER BY kind",
        buckets.join(", ")
    )
}

/// Unix milliseconds now (the SQLite store's lease clock).
pub(crate) fn unix_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// A lease in whole milliseconds, at least one.
pub(crate) fn lease_ms(lease: Duration) -> i64 {
    i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 4).max(1)
}

/// The error a job gets when its lease ran out once too often.
pub(crate) fn gave_up(max_attempts: u32) -> String {
    let e = JobError {
        kind: "gave_up".into(),
        message: format!(
            "the job was started {max_attempts} times and its worker stopped each time before it finished; not tried again"
        ),
        refusal: None,
    };
    serde_json::to_string(&e).unwrap_or_default()
}

/// State, result and error columns for an outcome (JSON as text).
pub(crate) fn outcome_columns(outcome: &Outcome) -> (&'static str, Option<String>, Option<String>) {
    match outcome {
        Outcome::Done(r) => ("done", Some(r.to_string()), None),
        Outcome::Failed(e) => ("failed", None, Some(serde_json::to_string(e).unwrap_or_default())),
        Outcome::Cancelled => ("cancelled", None, None),
    }
}

/// A fresh identifier: 16 random bytes as 32 hex digits (unguessable: the
/// id is what lets a client see a job or an upload).
pub(crate) fn new_id() -> Result<String, StudioError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| StudioError::Internal(format!("no randomness: {e}")))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Ids are what we made: 32 lowercase hex digits. Anything else is refused
/// before it reaches a path or a query.
pub fn valid_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_to_the_second() {
        let t = now();
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.ends_with('Z') && t.as_bytes()[10] == b'T', "{t}");
    }

    #[test]
    fn ids_are_32_hex_digits_and_differ() {
        let (a, b) = (new_id().expect("an id"), new_id().expect("an id"));
        assert!(valid_id(&a) && valid_id(&b));
        assert_ne!(a, b);
        assert!(!valid_id("../etc/passwd"));
        assert!(!valid_id(&a.to_uppercase()));
    }

    #[test]
    fn job_states_round_trip_their_codes() {
        for s in [JobState::Queued, JobState::Running, JobState::Done, JobState::Failed, JobState::Cancelled] {
            assert_eq!(JobState::parse(s.code()), Some(s));
        }
        assert!(JobState::parse("paused").is_none());
    }
}
