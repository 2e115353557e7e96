//! PostgreSQL, for many API servers and workers sharing one queue
//! (`vivify serve --database postgres://…`). The same tables as the SQLite
//! store; jobs are claimed with `FOR UPDATE SKIP LOCKED` (workers never
//! wait on each other's rows) and leased until a time on the database's own
//! clock, so workers on machines whose clocks disagree still agree on who
//! holds what. Migrations are versioned in `vivify_migrations` and run on
//! start under an advisory lock, so servers starting together apply each
//! one once.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

use postgres::{Client, Row, Transaction};
use vivify::safety::store::connect_postgres;

use super::{
    gave_up, histogram_sql, new_id, now, outcome_columns, Histogram, Job, JobError, JobState, JobStats, Outcome, Share,
    Store, Upload, BUCKETS,
};
use crate::error::StudioError;

/// Every migration, in order: (version, what it does, SQL). Never edit one
/// that has shipped; add the next.
const MIGRATIONS: &[(i32, &str, &str)] = &[
    (
        1,
        "uploads, leased jobs, shares, moderators, sessions",
        r#"
CREATE TABLE uploads (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    format TEXT NOT NULL,
    role TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    duration_s DOUBLE PRECISION,
    bytes BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE jobs (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    spec TEXT NOT NULL,
    priority INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    result TEXT,
    error TEXT,
    cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
    worker TEXT,
    lease_until TIMESTAMPTZ
);
CREATE INDEX jobs_queue ON jobs (state, priority, seq);
CREATE INDEX jobs_leases ON jobs (lease_until) WHERE state = 'running';
CREATE TABLE shares (
    id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL,
    file TEXT NOT NULL,
    item_id TEXT NOT NULL,
    caption TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX shares_item ON shares (item_id);
CREATE TABLE moderators (
    name TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    moderator TEXT NOT NULL,
    expires BIGINT NOT NULL
);
"#,
    ),
    (
        2,
        "a running job's progress, for pages following it through another server",
        "ALTER TABLE jobs ADD COLUMN progress TEXT;",
    ),
];

/// Advisory lock keys (arbitrary, fixed): migrations, and enqueueing (so
/// the queue limit holds across servers).
const MIGRATION_LOCK: i64 = 0x7669_7669_6679_0001;
const ENQUEUE_LOCK: i64 = 0x7669_7669_6679_0002;

const JOB_COLUMNS: &str =
    "id, kind, state, spec, priority, attempts, created_at, started_at, finished_at, result, error, cancel_requested";
const SHARE_COLUMNS: &str = "id, job_id, file, item_id, caption, created_at";

/// Connections a server keeps open at most; callers beyond it wait for one
/// (the blocking-task pool may run hundreds of calls at once, and a
/// PostgreSQL server takes 100 connections by default).
pub(super) const MAX_CONNECTIONS: usize = 16;

/// Connections are opened when needed, up to [`MAX_CONNECTIONS`], and kept
/// for the next call.
pub struct PgStore {
    url: String,
    pool: Mutex<Pool>,
    freed: Condvar,
}

#[derive(Default)]
struct Pool {
    idle: Vec<Client>,
    /// Open connections, idle or in use.
    open: usize,
}

fn db(e: postgres::Error) -> StudioError {
    // The server's own words (constraint, syntax, connection) when it sent them.
    match e.as_db_error() {
        Some(d) => StudioError::Store(format!("postgres: {}", d.message())),
        None => StudioError::Store(format!("postgres: {e}")),
    }
}

fn json<T: serde::de::DeserializeOwned>(text: Option<String>, what: &str) -> Result<Option<T>, StudioError> {
    text.map(|t| serde_json::from_str(&t).map_err(|e| StudioError::Store(format!("a job's {what} does not read: {e}"))))
        .transpose()
}

fn job_from(r: &Row) -> Result<Job, StudioError> {
    let state: String = r.get(2);
    Ok(Job {
        id: r.get(0),
        kind: r.get(1),
        state: JobState::parse(&state).ok_or_else(|| StudioError::Store(format!("a job in state {state}")))?,
        spec: json(Some(r.get(3)), "request")?.unwrap_or(serde_json::Value::Null),
        priority: r.get(4),
        attempts: u32::try_from(r.get::<_, i32>(5)).unwrap_or(0),
        created_at: r.get(6),
        started_at: r.get(7),
        finished_at: r.get(8),
        result: json(r.get(9), "result")?,
        error: json::<JobError>(r.get(10), "error")?,
        cancel_requested: r.get(11),
    })
}

fn share_from(r: &Row) -> Share {
    Share { id: r.get(0), job_id: r.get(1), file: r.get(2), item_id: r.get(3), caption: r.get(4), created_at: r.get(5) }
}

fn seconds(d: Duration) -> f64 {
    d.as_secs_f64().max(0.001)
}

impl Drop for PgStore {
    /// A client closes itself by blocking on its own runtime, which an async
    /// thread may not do, and the last handle to the store can go on one
    /// (a request still being answered when the server stops): the idle
    /// connections are closed on a thread of their own.
    fn drop(&mut self) {
        let idle = std::mem::take(&mut self.pool.get_mut().unwrap_or_else(|p| p.into_inner()).idle);
        if !idle.is_empty() {
            let _ = std::thread::Builder::new().name("vivify-pg-close".into()).spawn(move || drop(idle));
        }
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/db`) and brings the
    /// schema up to date; a database migrated by a newer vivify is refused.
    pub fn open(url: &str) -> Result<PgStore, StudioError> {
        let store = PgStore { url: url.to_string(), pool: Mutex::new(Pool::default()), freed: Condvar::new() };
        store.with(|c| {
            let mut tx = c.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
            tx.batch_execute(
                "CREATE TABLE IF NOT EXISTS vivify_migrations (
                     version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
            )?;
            let done: Option<i32> = tx.query_one("SELECT max(version) FROM vivify_migrations", &[])?.get(0);
            let done = done.unwrap_or(0);
            let known = MIGRATIONS.last().map_or(0, |m| m.0);
            if done > known {
                return Ok(Err(StudioError::Store(format!(
                    "the database was migrated by a newer vivify (version {done}, this one knows {known})"
                ))));
            }
            for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > done) {
                tx.batch_execute(sql)?;
                tx.execute("INSERT INTO vivify_migrations (version, name) VALUES ($1, $2)", &[version, name])?;
            }
            tx.commit()?;
            Ok(Ok(()))
        })??;
        Ok(store)
    }

    /// Runs `f` on a pooled connection (opened when none is idle and fewer
    /// than [`MAX_CONNECTIONS`] are open; else it waits for one). A
    /// connection that broke is dropped; the next call opens another.
    fn with<T>(&self, f: impl FnOnce(&mut Client) -> Result<T, postgres::Error>) -> Result<T, StudioError> {
        let mut client = self.take()?;
        let out = f(&mut client);
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        if client.is_closed() {
            pool.open -= 1;
        } else {
            pool.idle.push(client);
        }
        drop(pool);
        self.freed.notify_one();
        out.map_err(db)
    }

    fn take(&self) -> Result<Client, StudioError> {
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            while let Some(c) = pool.idle.pop() {
                if !c.is_closed() {
                    return Ok(c);
                }
                pool.open -= 1;
            }
            if pool.open < MAX_CONNECTIONS {
                pool.open += 1;
                drop(pool);
                return connect_postgres(&self.url).map_err(|e| {
                    self.pool.lock().unwrap_or_else(|p| p.into_inner()).open -= 1;
                    self.freed.notify_one();
                    StudioError::Store(format!("postgres: cannot connect: {e}"))
                });
            }
            pool = self.freed.wait(pool).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Connections open now (idle or in use).
    #[cfg(test)]
    pub(super) fn open_connections(&self) -> usize {
        self.pool.lock().unwrap_or_else(|p| p.into_inner()).open
    }

    /// As [`PgStore::with`], in one transaction.
    fn tx<T>(&self, f: impl FnOnce(&mut Transaction<'_>) -> Result<T, postgres::Error>) -> Result<T, StudioError> {
        self.with(|c| {
            let mut tx = c.transaction()?;
            let out = f(&mut tx)?;
            tx.commit()?;
            Ok(out)
        })
    }

    fn one_job(&self, sql: &str, params: &[&(dyn postgres::types::ToSql + Sync)]) -> Result<Option<Job>, StudioError> {
        self.with(|c| c.query_opt(sql, params))?.as_ref().map(job_from).transpose()
    }
}

impl Store for PgStore {
    fn add_upload(&self, u: &Upload) -> Result<(), StudioError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO uploads (id, name, kind, format, role, width, height, duration_s, bytes, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                &[
                    &u.id,
                    &u.name,
                    &u.kind,
                    &u.format,
                    &u.role,
                    &i32::try_from(u.width).unwrap_or(i32::MAX),
                    &i32::try_from(u.height).unwrap_or(i32::MAX),
                    &u.duration_s,
                    &i64::try_from(u.bytes).unwrap_or(i64::MAX),
                    &u.created_at,
                ],
            )
            .map(|_| ())
        })
    }

    fn upload(&self, id: &str) -> Result<Option<Upload>, StudioError> {
        let row = self.with(|c| {
            c.query_opt(
                "SELECT id, name, kind, format, role, width, height, duration_s, bytes, created_at FROM uploads WHERE id = $1",
                &[&id],
            )
        })?;
        Ok(row.map(|r| Upload {
            id: r.get(0),
            name: r.get(1),
            kind: r.get(2),
            format: r.get(3),
            role: r.get(4),
            width: u32::try_from(r.get::<_, i32>(5)).unwrap_or(0),
            height: u32::try_from(r.get::<_, i32>(6)).unwrap_or(0),
            duration_s: r.get(7),
            bytes: u64::try_from(r.get::<_, i64>(8)).unwrap_or(0),
            created_at: r.get(9),
        }))
    }

    fn enqueue(
        &self,
        kind: &str,
        spec: &serde_json::Value,
        priority: i32,
        queued_limit: usize,
    ) -> Result<Option<Job>, StudioError> {
        let id = new_id()?;
        let limit = i64::try_from(queued_limit).unwrap_or(i64::MAX);
        let row = self.tx(|tx| {
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&ENQUEUE_LOCK])?;
            let waiting: i64 = tx.query_one("SELECT count(*) FROM jobs WHERE state = 'queued'", &[])?.get(0);
            if waiting >= limit {
                return Ok(None);
            }
            // Workers listening anywhere hear of it when this commits.
            tx.execute("NOTIFY vivify_jobs", &[])?;
            tx.query_opt(
                &format!(
                    "INSERT INTO jobs (id, kind, state, spec, priority, created_at) VALUES ($1, $2, 'queued', $3, $4, $5)
                     RETURNING {JOB_COLUMNS}"
                ),
                &[&id, &kind, &spec.to_string(), &priority, &now()],
            )
        })?;
        row.as_ref().map(job_from).transpose()
    }

    fn job(&self, id: &str) -> Result<Option<Job>, StudioError> {
        self.one_job(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"), &[&id])
    }

    fn jobs(&self, limit: usize) -> Result<Vec<Job>, StudioError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows =
            self.with(|c| c.query(&format!("SELECT {JOB_COLUMNS} FROM jobs ORDER BY seq DESC LIMIT $1"), &[&limit]))?;
        rows.iter().map(job_from).collect()
    }

    fn queued(&self) -> Result<usize, StudioError> {
        let n: i64 = self.with(|c| c.query_one("SELECT count(*) FROM jobs WHERE state = 'queued'", &[]))?.get(0);
        Ok(usize::try_from(n).unwrap_or(0))
    }

    fn claim(&self, worker: &str, lease: Duration, max_attempts: u32) -> Result<Option<Job>, StudioError> {
        let max = i32::try_from(max_attempts).unwrap_or(i32::MAX);
        let secs = seconds(lease);
        let row = self.tx(|tx| {
            // Lapsed leases first: a cancel asked for ends the job; a job
            // out of attempts fails, saying so; the rest are claimable.
            tx.execute(
                "UPDATE jobs SET state = 'cancelled', finished_at = $1, worker = NULL, lease_until = NULL
                 WHERE state = 'running' AND lease_until < now() AND cancel_requested",
                &[&now()],
            )?;
            tx.execute(
                "UPDATE jobs SET state = 'failed', finished_at = $1, worker = NULL, lease_until = NULL, error = $3
                 WHERE state = 'running' AND lease_until < now() AND attempts >= $2",
                &[&now(), &max, &gave_up(max_attempts)],
            )?;
            tx.query_opt(
                &format!(
                    "UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = $1, worker = $2, progress = NULL,
                         lease_until = now() + make_interval(secs => $3)
                     WHERE seq = (SELECT seq FROM jobs
                                  WHERE state = 'queued' OR (state = 'running' AND lease_until < now())
                                  ORDER BY priority, seq
                                  LIMIT 1 FOR UPDATE SKIP LOCKED)
                     RETURNING {JOB_COLUMNS}"
                ),
                &[&now(), &worker, &secs],
            )
        })?;
        row.as_ref().map(job_from).transpose()
    }

    fn heartbeat(&self, id: &str, worker: &str, lease: Duration) -> Result<Option<bool>, StudioError> {
        let row = self.with(|c| {
            c.query_opt(
                "UPDATE jobs SET lease_until = now() + make_interval(secs => $3)
                 WHERE id = $1 AND worker = $2 AND state = 'running'
                 RETURNING cancel_requested",
                &[&id, &worker, &seconds(lease)],
            )
        })?;
        Ok(row.map(|r| r.get(0)))
    }

    fn set_progress(&self, id: &str, worker: &str, progress: &str) -> Result<(), StudioError> {
        self.with(|c| {
            c.execute(
                "UPDATE jobs SET progress = $3 WHERE id = $1 AND worker = $2 AND state = 'running'",
                &[&id, &worker, &progress],
            )
        })?;
        Ok(())
    }

    fn progress(&self, id: &str) -> Result<Option<String>, StudioError> {
        let row =
            self.with(|c| c.query_opt("SELECT progress FROM jobs WHERE id = $1 AND state = 'running'", &[&id]))?;
        Ok(row.and_then(|r| r.get(0)))
    }

    fn finish(&self, id: &str, worker: &str, outcome: &Outcome) -> Result<bool, StudioError> {
        let (state, result, error) = outcome_columns(outcome);
        let n = self.with(|c| {
            c.execute(
                "UPDATE jobs SET state = $3, result = $4, error = $5, finished_at = $6, lease_until = NULL
                 WHERE id = $1 AND worker = $2 AND state = 'running'",
                &[&id, &worker, &state, &result, &error, &now()],
            )
        })?;
        Ok(n == 1)
    }

    fn release(&self, id: &str, worker: &str) -> Result<bool, StudioError> {
        let n = self.tx(|c| {
            c.execute("NOTIFY vivify_jobs", &[])?;
            c.execute(
                "UPDATE jobs SET state = CASE WHEN cancel_requested THEN 'cancelled' ELSE 'queued' END,
                     finished_at = CASE WHEN cancel_requested THEN $3 END,
                     started_at = NULL, worker = NULL, lease_until = NULL
                 WHERE id = $1 AND worker = $2 AND state = 'running'",
                &[&id, &worker, &now()],
            )
        })?;
        Ok(n == 1)
    }

    fn cancel(&self, id: &str) -> Result<Option<Job>, StudioError> {
        let row = self.tx(|tx| {
            tx.execute(
                "UPDATE jobs SET state = 'cancelled', finished_at = $2 WHERE id = $1 AND state = 'queued'",
                &[&id, &now()],
            )?;
            tx.execute("UPDATE jobs SET cancel_requested = TRUE WHERE id = $1 AND state = 'running'", &[&id])?;
            tx.query_opt(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"), &[&id])
        })?;
        row.as_ref().map(job_from).transpose()
    }

    /// Nothing to do: many servers share this store, so one starting cannot
    /// tell an interrupted job from another's running one; lapsed leases
    /// bring interrupted jobs back instead.
    fn requeue_interrupted(&self) -> Result<usize, StudioError> {
        Ok(0)
    }

    /// A thread of its own on a connection of its own, `LISTEN`ing: a job
    /// queued by any server wakes an idle worker here at once.
    fn watch_queue(&self, on_work: Box<dyn Fn() + Send>, keep: Box<dyn Fn() -> bool + Send>) -> bool {
        let url = self.url.clone();
        std::thread::Builder::new()
            .name("vivify-listen".into())
            .spawn(move || {
                use postgres::fallible_iterator::FallibleIterator;
                let mut client: Option<Client> = None;
                while keep() {
                    let Some(c) = client.as_mut().filter(|c| !c.is_closed()) else {
                        client = connect_postgres(&url)
                            .ok()
                            .and_then(|mut c| c.batch_execute("LISTEN vivify_jobs").map(|()| c).ok());
                        if client.is_none() {
                            // The database is away: the 2 s looks go on meanwhile.
                            std::thread::sleep(Duration::from_secs(2));
                        }
                        continue;
                    };
                    let heard = c.notifications().timeout_iter(Duration::from_secs(1)).next();
                    match heard {
                        Ok(Some(_)) => on_work(),
                        Ok(None) => {}
                        Err(_) => client = None,
                    }
                }
            })
            .is_ok()
    }

    fn stats(&self) -> Result<JobStats, StudioError> {
        let span = |a: &str, b: &str| format!("extract(epoch from ({b}::timestamptz - {a}::timestamptz))::float8");
        let count = |r: &Row, i: usize| u64::try_from(r.get::<_, i64>(i)).unwrap_or(0);
        let pairs = |sql: &str| -> Result<Vec<(String, u64)>, StudioError> {
            Ok(self.with(|c| c.query(sql, &[]))?.iter().map(|r| (r.get(0), count(r, 1))).collect())
        };
        let histograms = |seconds: &str| -> Result<Vec<(String, Histogram)>, StudioError> {
            let rows = self.with(|c| c.query(&histogram_sql(seconds), &[]))?;
            Ok(rows
                .iter()
                .map(|r| {
                    let cumulative = (0..BUCKETS.len()).map(|i| count(r, 3 + i)).collect();
                    (r.get(0), Histogram { cumulative, sum: r.get(2), count: count(r, 1) })
                })
                .collect())
        };
        Ok(JobStats {
            states: pairs("SELECT state, count(*) FROM jobs GROUP BY state ORDER BY state")?,
            failures: pairs(
                "SELECT coalesce(error::json ->> 'kind', 'unknown'), count(*) FROM jobs
                 WHERE state = 'failed' GROUP BY 1 ORDER BY 1",
            )?,
            latency: histograms(&span("created_at", "finished_at"))?,
            render: histograms(&span("started_at", "finished_at"))?,
        })
    }

    fn add_share(&self, sh: &Share) -> Result<(), StudioError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO shares (id, job_id, file, item_id, caption, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                &[&sh.id, &sh.job_id, &sh.file, &sh.item_id, &sh.caption, &sh.created_at],
            )
            .map(|_| ())
        })
    }

    fn share(&self, id: &str) -> Result<Option<Share>, StudioError> {
        let row = self.with(|c| c.query_opt(&format!("SELECT {SHARE_COLUMNS} FROM shares WHERE id = $1"), &[&id]))?;
        Ok(row.as_ref().map(share_from))
    }

    fn shares_of_item(&self, item_id: &str) -> Result<Vec<Share>, StudioError> {
        let rows = self.with(|c| {
            c.query(&format!("SELECT {SHARE_COLUMNS} FROM shares WHERE item_id = $1 ORDER BY created_at"), &[&item_id])
        })?;
        Ok(rows.iter().map(share_from).collect())
    }

    fn set_moderator(&self, name: &str, hash: &str) -> Result<(), StudioError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO moderators (name, hash, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (name) DO UPDATE SET hash = excluded.hash",
                &[&name, &hash, &now()],
            )
            .map(|_| ())
        })
    }

    fn moderator_hash(&self, name: &str) -> Result<Option<String>, StudioError> {
        Ok(self.with(|c| c.query_opt("SELECT hash FROM moderators WHERE name = $1", &[&name]))?.map(|r| r.get(0)))
    }

    fn add_session(&self, id: &str, moderator: &str, expires: i64) -> Result<(), StudioError> {
        self.tx(|tx| {
            // Expired sessions go whenever a new one starts.
            tx.execute("DELETE FROM sessions WHERE expires < $1", &[&(expires - 86_400 * 30)])?;
            tx.execute(
                "INSERT INTO sessions (id, moderator, expires) VALUES ($1, $2, $3)",
                &[&id, &moderator, &expires],
            )
            .map(|_| ())
        })
    }

    fn session(&self, id: &str, now: i64) -> Result<Option<String>, StudioError> {
        let row =
            self.with(|c| c.query_opt("SELECT moderator FROM sessions WHERE id = $1 AND expires > $2", &[&id, &now]))?;
        Ok(row.map(|r| r.get(0)))
    }

    fn end_session(&self, id: &str) -> Result<(), StudioError> {
        self.with(|c| c.execute("DELETE FROM sessions WHERE id = $1", &[&id]).map(|_| ()))
    }
}
