//! The embedded store: one SQLite file in the data folder (WAL, so readers
//! never wait on the writer). Claiming is one write transaction (taken at
//! once), so two workers never take the same job; leases are Unix
//! milliseconds of this machine's clock (every process using the file is on
//! it).

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension, Row};

use std::time::Duration;

use super::{
    gave_up, histogram_sql, lease_ms, new_id, now, outcome_columns, unix_ms, Histogram, Job, JobError, JobState,
    JobStats, Outcome, Share, Store, Upload, BUCKETS,
};
use crate::error::StudioError;

/// The schema's version after every migration below; a database from a
/// newer vivify is refused rather than misread.
const SCHEMA_VERSION: i64 = 4;

/// Version 3: jobs are leased to a worker until a time (issue 18).
const LEASES: &str = "ALTER TABLE jobs ADD COLUMN worker TEXT; ALTER TABLE jobs ADD COLUMN lease_until INTEGER;";

/// Version 4: a running job's progress, for pages following it through
/// another process.
const PROGRESS: &str = "ALTER TABLE jobs ADD COLUMN progress TEXT;";

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS uploads (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    format TEXT NOT NULL,
    role TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    duration_s REAL,
    bytes INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
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
    cancel_requested INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_queue ON jobs (state, priority, seq);
CREATE TABLE IF NOT EXISTS shares (
    id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL,
    file TEXT NOT NULL,
    item_id TEXT NOT NULL,
    caption TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS shares_item ON shares (item_id);
CREATE TABLE IF NOT EXISTS moderators (
    name TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    moderator TEXT NOT NULL,
    expires INTEGER NOT NULL
);
"#;

const JOB_COLUMNS: &str =
    "id, kind, state, spec, priority, attempts, created_at, started_at, finished_at, result, error, cancel_requested";

pub struct SqliteStore {
    conn: Mutex<Connection>,
}

fn db(e: rusqlite::Error) -> StudioError {
    StudioError::Store(e.to_string())
}

fn json_column<T: serde::de::DeserializeOwned>(row: &Row, i: usize) -> rusqlite::Result<Option<T>> {
    let text: Option<String> = row.get(i)?;
    text.map(|t| {
        serde_json::from_str(&t)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
    })
    .transpose()
}

fn job_from(row: &Row) -> rusqlite::Result<Job> {
    let state: String = row.get(2)?;
    Ok(Job {
        id: row.get(0)?,
        kind: row.get(1)?,
        state: JobState::parse(&state).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, format!("state {state}").into())
        })?,
        spec: json_column(row, 3)?.unwrap_or(serde_json::Value::Null),
        priority: row.get(4)?,
        attempts: row.get(5)?,
        created_at: row.get(6)?,
        started_at: row.get(7)?,
        finished_at: row.get(8)?,
        result: json_column(row, 9)?,
        error: json_column::<JobError>(row, 10)?,
        cancel_requested: row.get::<_, i64>(11)? != 0,
    })
}

impl SqliteStore {
    /// Opens (creating) the store at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore, StudioError> {
        let conn = Connection::open(path).map_err(|e| StudioError::Store(format!("{}: {e}", path.display())))?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(db)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(db)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(db)?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(db)?;
        if version > SCHEMA_VERSION {
            return Err(StudioError::Store(format!(
                "{}: made by a newer vivify (schema {version}, this one knows {SCHEMA_VERSION})",
                path.display()
            )));
        }
        // Each step and its version number commit together.
        let mut conn = conn;
        let steps: [(i64, &str); 3] = [(2, SCHEMA), (3, LEASES), (4, PROGRESS)];
        for (to, sql) in steps.into_iter().filter(|(to, _)| *to > version) {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(db)?;
            tx.execute_batch(sql).map_err(db)?;
            tx.pragma_update(None, "user_version", to).map_err(db)?;
            tx.commit().map_err(db)?;
        }
        Ok(SqliteStore { conn: Mutex::new(conn) })
    }

    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> Result<T, StudioError> {
        // A panic while the lock was held cannot leave SQLite half-written
        // (every change is one statement or one transaction): carry on.
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut conn).map_err(db)
    }
}

fn share_from(r: &Row) -> rusqlite::Result<Share> {
    Ok(Share {
        id: r.get(0)?,
        job_id: r.get(1)?,
        file: r.get(2)?,
        item_id: r.get(3)?,
        caption: r.get(4)?,
        created_at: r.get(5)?,
    })
}

const SHARE_COLUMNS: &str = "id, job_id, file, item_id, caption, created_at";

impl Store for SqliteStore {
    fn add_upload(&self, u: &Upload) -> Result<(), StudioError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO uploads (id, name, kind, format, role, width, height, duration_s, bytes, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    u.id,
                    u.name,
                    u.kind,
                    u.format,
                    u.role,
                    u.width,
                    u.height,
                    u.duration_s,
                    u.bytes as i64,
                    u.created_at
                ],
            )
            .map(|_| ())
        })
    }

    fn upload(&self, id: &str) -> Result<Option<Upload>, StudioError> {
        self.with(|c| {
            c.query_row(
                "SELECT id, name, kind, format, role, width, height, duration_s, bytes, created_at FROM uploads WHERE id = ?1",
                [id],
                |r| {
                    Ok(Upload {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        kind: r.get(2)?,
                        format: r.get(3)?,
                        role: r.get(4)?,
                        width: r.get(5)?,
                        height: r.get(6)?,
                        duration_s: r.get(7)?,
                        bytes: r.get::<_, i64>(8)? as u64,
                        created_at: r.get(9)?,
                    })
                },
            )
            .optional()
        })
    }

    fn enqueue(
        &self,
        kind: &str,
        spec: &serde_json::Value,
        priority: i32,
        queued_limit: usize,
    ) -> Result<Option<Job>, StudioError> {
        let id = new_id()?;
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let waiting: i64 = tx.query_row("SELECT count(*) FROM jobs WHERE state = 'queued'", [], |r| r.get(0))?;
            if waiting as usize >= queued_limit {
                return Ok(None);
            }
            tx.execute(
                "INSERT INTO jobs (id, kind, state, spec, priority, created_at) VALUES (?1, ?2, 'queued', ?3, ?4, ?5)",
                params![id, kind, spec.to_string(), priority, now()],
            )?;
            let job = tx.query_row(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1"), [&id], job_from)?;
            tx.commit()?;
            Ok(Some(job))
        })
    }

    fn job(&self, id: &str) -> Result<Option<Job>, StudioError> {
        self.with(|c| c.query_row(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1"), [id], job_from).optional())
    }

    fn jobs(&self, limit: usize) -> Result<Vec<Job>, StudioError> {
        self.with(|c| {
            let mut st = c.prepare(&format!("SELECT {JOB_COLUMNS} FROM jobs ORDER BY seq DESC LIMIT ?1"))?;
            let rows = st.query_map([limit as i64], job_from)?;
            rows.collect()
        })
    }

    fn queued(&self) -> Result<usize, StudioError> {
        self.with(|c| c.query_row("SELECT count(*) FROM jobs WHERE state = 'queued'", [], |r| r.get::<_, i64>(0)))
            .map(|n| n as usize)
    }

    fn claim(&self, worker: &str, lease: Duration, max_attempts: u32) -> Result<Option<Job>, StudioError> {
        let now_s = unix_ms();
        let until = now_s + lease_ms(lease);
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            // Lapsed leases first: a cancel asked for ends the job; a job
            // out of attempts fails, saying so; the rest wait again.
            tx.execute(
                "UPDATE jobs SET state = 'cancelled', finished_at = ?2, worker = NULL, lease_until = NULL
                 WHERE state = 'running' AND lease_until < ?1 AND cancel_requested = 1",
                params![now_s, now()],
            )?;
            tx.execute(
                "UPDATE jobs SET state = 'failed', finished_at = ?3, worker = NULL, lease_until = NULL, error = ?4
                 WHERE state = 'running' AND lease_until < ?1 AND attempts >= ?2",
                params![now_s, max_attempts, now(), gave_up(max_attempts)],
            )?;
            let job = tx
                .query_row(
                    &format!(
                        "UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = ?1, worker = ?2, progress = NULL,
                         lease_until = ?3
                         WHERE seq = (SELECT seq FROM jobs
                                      WHERE state = 'queued' OR (state = 'running' AND lease_until < ?4)
                                      ORDER BY priority, seq LIMIT 1)
                         RETURNING {JOB_COLUMNS}"
                    ),
                    params![now(), worker, until, now_s],
                    job_from,
                )
                .optional()?;
            tx.commit()?;
            Ok(job)
        })
    }

    fn heartbeat(&self, id: &str, worker: &str, lease: Duration) -> Result<Option<bool>, StudioError> {
        let until = unix_ms() + lease_ms(lease);
        self.with(|c| {
            c.query_row(
                "UPDATE jobs SET lease_until = ?3 WHERE id = ?1 AND worker = ?2 AND state = 'running'
                 RETURNING cancel_requested",
                params![id, worker, until],
                |r| r.get::<_, i64>(0),
            )
            .optional()
            .map(|o| o.map(|c| c != 0))
        })
    }

    fn set_progress(&self, id: &str, worker: &str, progress: &str) -> Result<(), StudioError> {
        self.with(|c| {
            c.execute(
                "UPDATE jobs SET progress = ?3 WHERE id = ?1 AND worker = ?2 AND state = 'running'",
                params![id, worker, progress],
            )
        })?;
        Ok(())
    }

    fn progress(&self, id: &str) -> Result<Option<String>, StudioError> {
        let row = self.with(|c| {
            c.query_row("SELECT progress FROM jobs WHERE id = ?1 AND state = 'running'", [id], |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()
        })?;
        Ok(row.flatten())
    }

    fn finish(&self, id: &str, worker: &str, outcome: &Outcome) -> Result<bool, StudioError> {
        let (state, result, error) = outcome_columns(outcome);
        self.with(|c| {
            c.execute(
                "UPDATE jobs SET state = ?3, result = ?4, error = ?5, finished_at = ?6, lease_until = NULL
                 WHERE id = ?1 AND worker = ?2 AND state = 'running'",
                params![id, worker, state, result, error, now()],
            )
            .map(|n| n == 1)
        })
    }

    fn release(&self, id: &str, worker: &str) -> Result<bool, StudioError> {
        self.with(|c| {
            c.execute(
                "UPDATE jobs SET state = CASE WHEN cancel_requested = 1 THEN 'cancelled' ELSE 'queued' END,
                     finished_at = CASE WHEN cancel_requested = 1 THEN ?3 END,
                     started_at = NULL, worker = NULL, lease_until = NULL
                 WHERE id = ?1 AND worker = ?2 AND state = 'running'",
                params![id, worker, now()],
            )
            .map(|n| n == 1)
        })
    }

    fn cancel(&self, id: &str) -> Result<Option<Job>, StudioError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            tx.execute(
                "UPDATE jobs SET state = 'cancelled', finished_at = ?2 WHERE id = ?1 AND state = 'queued'",
                params![id, now()],
            )?;
            tx.execute("UPDATE jobs SET cancel_requested = 1 WHERE id = ?1 AND state = 'running'", [id])?;
            let job =
                tx.query_row(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1"), [id], job_from).optional()?;
            tx.commit()?;
            Ok(job)
        })
    }

    fn stats(&self) -> Result<JobStats, StudioError> {
        let span =
            |a: &str, b: &str| format!("(CAST(strftime('%s', {b}) AS REAL) - CAST(strftime('%s', {a}) AS REAL))");
        self.with(|c| {
            let pairs = |sql: &str| -> rusqlite::Result<Vec<(String, u64)>> {
                let mut st = c.prepare(sql)?;
                let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))?;
                rows.collect()
            };
            let histograms = |seconds: &str| -> rusqlite::Result<Vec<(String, Histogram)>> {
                let mut st = c.prepare(&histogram_sql(seconds))?;
                let rows = st.query_map([], |r| {
                    let cumulative = (0..BUCKETS.len())
                        .map(|i| r.get::<_, i64>(3 + i).map(|n| n as u64))
                        .collect::<Result<_, _>>()?;
                    Ok((r.get(0)?, Histogram { cumulative, sum: r.get(2)?, count: r.get::<_, i64>(1)? as u64 }))
                })?;
                rows.collect()
            };
            Ok(JobStats {
                states: pairs("SELECT state, count(*) FROM jobs GROUP BY state ORDER BY state")?,
                failures: pairs(
                    "SELECT coalesce(json_extract(error, '$.kind'), 'unknown'), count(*) FROM jobs
                     WHERE state = 'failed' GROUP BY 1 ORDER BY 1",
                )?,
                latency: histograms(&span("created_at", "finished_at"))?,
                render: histograms(&span("started_at", "finished_at"))?,
            })
        })
    }

    fn add_share(&self, sh: &Share) -> Result<(), StudioError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO shares (id, job_id, file, item_id, caption, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![sh.id, sh.job_id, sh.file, sh.item_id, sh.caption, sh.created_at],
            )
            .map(|_| ())
        })
    }

    fn share(&self, id: &str) -> Result<Option<Share>, StudioError> {
        self.with(|c| {
            c.query_row(&format!("SELECT {SHARE_COLUMNS} FROM shares WHERE id = ?1"), [id], share_from).optional()
        })
    }

    fn shares_of_item(&self, item_id: &str) -> Result<Vec<Share>, StudioError> {
        self.with(|c| {
            let mut st =
                c.prepare(&format!("SELECT {SHARE_COLUMNS} FROM shares WHERE item_id = ?1 ORDER BY created_at"))?;
            let rows = st.query_map([item_id], share_from)?;
            rows.collect()
        })
    }

    fn set_moderator(&self, name: &str, hash: &str) -> Result<(), StudioError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO moderators (name, hash, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO UPDATE SET hash = excluded.hash",
                params![name, hash, now()],
            )
            .map(|_| ())
        })
    }

    fn moderator_hash(&self, name: &str) -> Result<Option<String>, StudioError> {
        self.with(|c| c.query_row("SELECT hash FROM moderators WHERE name = ?1", [name], |r| r.get(0)).optional())
    }

    fn add_session(&self, id: &str, moderator: &str, expires: i64) -> Result<(), StudioError> {
        self.with(|c| {
            // Expired sessions go whenever a new one starts.
            c.execute("DELETE FROM sessions WHERE expires < ?1", [expires - 86_400 * 30])?;
            c.execute(
                "INSERT INTO sessions (id, moderator, expires) VALUES (?1, ?2, ?3)",
                params![id, moderator, expires],
            )
            .map(|_| ())
        })
    }

    fn session(&self, id: &str, now: i64) -> Result<Option<String>, StudioError> {
        self.with(|c| {
            c.query_row("SELECT moderator FROM sessions WHERE id = ?1 AND expires > ?2", params![id, now], |r| r.get(0))
                .optional()
        })
    }

    fn end_session(&self, id: &str) -> Result<(), StudioError> {
        self.with(|c| c.execute("DELETE FROM sessions WHERE id = ?1", [id]).map(|_| ()))
    }

    fn requeue_interrupted(&self) -> Result<usize, StudioError> {
        self.with(|c| {
            // A job whose cancel was asked for before the stop stays
            // cancelled rather than running again.
            c.execute(
                "UPDATE jobs SET state = 'cancelled', finished_at = ?1 WHERE state = 'running' AND cancel_requested = 1",
                [now()],
            )?;
            c.execute(
                "UPDATE jobs SET state = 'queued', started_at = NULL, worker = NULL, lease_until = NULL
                 WHERE state = 'running'",
                [],
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONG: Duration = Duration::from_secs(60);

    #[test]
    fn a_restart_requeues_what_ran_and_keeps_what_ended() {
        let dir = std::env::temp_dir().join(format!("vivify-studio-store-{}", new_id().expect("id")));
        std::fs::create_dir_all(&dir).expect("store");
        let s = SqliteStore::open(&dir.join("studio.db")).expect("store");
        let spec = serde_json::json!({});
        let a = s.enqueue("alive", &spec, 0, 9).expect("store").expect("a job");
        let b = s.enqueue("alive", &spec, 0, 9).expect("store").expect("a job");
        let c = s.enqueue("alive", &spec, 0, 9).expect("store").expect("a job");
        for _ in 0..3 {
            s.claim("w", LONG, 3).expect("store").expect("a job");
        }
        assert!(s.finish(&a.id, "w", &Outcome::Done(serde_json::json!({"ok": true}))).expect("store"));
        s.cancel(&c.id).expect("store");
        drop(s);
        let s = SqliteStore::open(&dir.join("studio.db")).expect("store");
        assert_eq!(s.requeue_interrupted().expect("store"), 1);
        assert_eq!(s.job(&a.id).expect("store").expect("a job").result, Some(serde_json::json!({"ok": true})));
        assert_eq!(s.job(&b.id).expect("store").expect("a job").state, JobState::Queued);
        assert_eq!(s.job(&c.id).expect("store").expect("a job").state, JobState::Cancelled);
        let again = s.claim("w2", LONG, 3).expect("store").expect("a job");
        assert_eq!((again.id, again.attempts), (b.id, 2));
        std::fs::remove_dir_all(dir).expect("store");
    }

    #[test]
    fn a_version_2_file_gains_the_lease_and_progress_columns() {
        let dir = std::env::temp_dir().join(format!("vivify-studio-store-{}", new_id().expect("id")));
        std::fs::create_dir_all(&dir).expect("store");
        let path = dir.join("studio.db");
        {
            let c = Connection::open(&path).expect("sqlite");
            c.execute_batch(SCHEMA).expect("v2 schema");
            c.pragma_update(None, "user_version", 2).expect("version");
            c.execute(
                "INSERT INTO jobs (id, kind, state, spec, priority, created_at) VALUES ('old', 'alive', 'queued', '{}', 0, 'then')",
                [],
            )
            .expect("a v2 job");
        }
        let s = SqliteStore::open(&path).expect("migrated");
        let j = s.claim("w", LONG, 3).expect("store").expect("the old job");
        assert_eq!(j.id, "old");
        assert_eq!(s.heartbeat("old", "w", LONG).expect("store"), Some(false));
        s.set_progress("old", "w", "{}").expect("the progress column");
        drop(s);
        let c = Connection::open(&path).expect("sqlite");
        let v: i64 = c.pragma_query_value(None, "user_version", |r| r.get(0)).expect("version");
        assert_eq!(v, SCHEMA_VERSION);
        std::fs::remove_dir_all(dir).expect("store");
    }
}
