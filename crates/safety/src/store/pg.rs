//! The safety database on PostgreSQL, for many servers sharing one (feature
//! `postgres`). The tables are those of the SQLite file, in a schema of
//! their own (`vivify_safety`, set as the connection's search path, so every
//! statement reads the same on both backends). Migrations are versioned in
//! `vivify_safety.migrations` and run on open under an advisory lock, so
//! servers starting together apply each one once. Writers take a
//! transaction-scoped advisory lock: safety writes are few (reports,
//! decisions, recorded items) and this keeps SQLite's one-writer-at-a-time
//! rule, on which every check-then-act in `cases.rs` relies.

use bytes::BytesMut;
use postgres::types::{IsNull, ToSql, Type};
use std::sync::Mutex;

use postgres::{Client, GenericClient};

use super::redact;
use super::sql::{Row, Sql, Val};
use vivify_media::error::{Error, Result};

/// Every migration, in order: (version, what it does, SQL). Never edit one
/// that has shipped; add the next.
const MIGRATIONS: &[(i32, &str, &str)] = &[(
    1,
    "blocklist, items, cases, reports, the append-only event log",
    r#"
CREATE TABLE blocklist (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('sha256', 'pdq')),
    value TEXT NOT NULL,
    category TEXT NOT NULL,
    source TEXT NOT NULL,
    case_id BIGINT,
    added_at TEXT NOT NULL,
    lifted_at TEXT
);
CREATE INDEX blocklist_value ON blocklist (kind, value);
CREATE INDEX blocklist_case ON blocklist (case_id);
CREATE TABLE items (
    id TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    facts TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'visible' CHECK (status IN ('visible', 'hidden', 'removed')),
    shared_at TEXT
);
CREATE TABLE cases (
    id BIGSERIAL PRIMARY KEY,
    item_id TEXT NOT NULL UNIQUE REFERENCES items (id),
    state TEXT NOT NULL,
    priority BIGINT NOT NULL,
    assigned_to TEXT,
    appeal TEXT NOT NULL,
    hidden BOOLEAN NOT NULL,
    last_event BIGINT NOT NULL
);
CREATE INDEX cases_queue ON cases (state, priority DESC, id);
CREATE TABLE reports (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    reporter TEXT NOT NULL,
    reason TEXT NOT NULL,
    details TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX reports_case ON reports (case_id);
CREATE TABLE events (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    automated BOOLEAN NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX events_case ON events (case_id, id);
CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event log is append-only';
END
$$;
CREATE TRIGGER events_no_change BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();
"#,
)];

/// Advisory lock keys (arbitrary, fixed; the studio's are …0001 and …0002).
const MIGRATION_LOCK: i64 = 0x7669_7669_6679_0011;
const WRITE_LOCK: i64 = 0x7669_7669_6679_0012;

fn db(e: postgres::Error) -> Error {
    // The server's own words (constraint, trigger, connection) when it sent them.
    let text = match e.as_db_error() {
        Some(d) => format!("safety database (postgres): {}", d.message()),
        None => format!("safety database (postgres): {e}"),
    };
    Error::store_from(text, e)
}

/// Connections a process keeps for the next store it opens, at most.
const KEEP: usize = 8;

/// Idle connections by URL: every job's checks open the safety database
/// (the photo check, the output record), and a connection (a server
/// process, and over TLS a handshake) costs more than the work.
static IDLE: Mutex<Vec<(String, Client)>> = Mutex::new(Vec::new());

/// URLs whose schema this process has brought up to date already.
static MIGRATED: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// A connection to `url` with the search path on the safety schema, brought
/// to the newest migration (once a process): an idle one when there is one.
pub(super) fn connect(url: &str) -> Result<Client> {
    let idle = {
        let mut idle = IDLE.lock().unwrap_or_else(|p| p.into_inner());
        idle.iter().rposition(|(u, _)| u == url).map(|i| idle.swap_remove(i).1)
    };
    if let Some(c) = idle.filter(|c| !c.is_closed()) {
        return Ok(c);
    }
    let mut c = super::connect_postgres(url)
        .map_err(|e| Error::store_from(format!("{}: cannot connect to the safety database", redact(url)), e))?;
    c.batch_execute("SET search_path TO vivify_safety").map_err(db)?;
    if MIGRATED.lock().unwrap_or_else(|p| p.into_inner()).iter().any(|u| u == url) {
        return Ok(c);
    }
    c.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK]).map_err(db)?;
    let migrated = migrate(&mut c);
    let unlocked = c.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]).map_err(db);
    migrated?;
    unlocked?;
    MIGRATED.lock().unwrap_or_else(|p| p.into_inner()).push(url.to_string());
    Ok(c)
}

/// Keeps a store's connection for the next open, when it still works and
/// there is room. One that goes is closed on a thread of its own: closing
/// blocks on the client's runtime, which an async thread may not do.
pub(super) fn give_back(url: &str, c: Client) {
    if c.is_closed() {
        return;
    }
    let mut idle = IDLE.lock().unwrap_or_else(|p| p.into_inner());
    if idle.len() < KEEP {
        idle.push((url.to_string(), c));
    } else {
        drop(idle);
        let _ = std::thread::Builder::new().name("vivify-pg-close".into()).spawn(move || drop(c));
    }
}

fn migrate(c: &mut Client) -> Result<()> {
    c.batch_execute(
        "CREATE SCHEMA IF NOT EXISTS vivify_safety;
         CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, what TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    )
    .map_err(db)?;
    let newest: i32 = c.query_one("SELECT COALESCE(MAX(version), 0) FROM migrations", &[]).map_err(db)?.get(0);
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if newest > known {
        return Err(Error::store(format!(
            "the safety database is at schema version {newest}, newer than this vivify knows ({known}); upgrade vivify"
        )));
    }
    for (version, what, sql) in MIGRATIONS.iter().filter(|m| m.0 > newest) {
        let mut tx = c.transaction().map_err(db)?;
        tx.batch_execute(sql).map_err(db)?;
        tx.execute("INSERT INTO migrations (version, what) VALUES ($1, $2)", &[version, what]).map_err(db)?;
        tx.commit().map_err(db)?;
    }
    Ok(())
}

/// One write transaction, after the writers' lock.
pub(super) fn write<T>(c: &mut Client, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
    let mut tx = c.transaction().map_err(db)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK]).map_err(db)?;
    let out = f(&mut Pg(&mut tx))?;
    tx.commit().map_err(db)?;
    Ok(out)
}

/// Entries are only ever added (ids grow) or lifted (lifted_at is set once),
/// so the newest id and the count of lifted ones change with every change.
pub(super) fn blocklist_stamp(c: &mut Client) -> Result<(i64, u64)> {
    let r = c
        .query_one("SELECT COALESCE(MAX(id), 0), COUNT(lifted_at) FROM blocklist WHERE kind = 'pdq'", &[])
        .map_err(db)?;
    Ok((r.get(0), r.get::<_, i64>(1) as u64))
}

/// A client or a transaction.
pub(super) struct Pg<'a, C: GenericClient>(pub(super) &'a mut C);

/// `?1` → `$1`: the statements are written in SQLite's spelling, and no
/// statement here has a `?` anywhere else.
fn dollars(sql: &str) -> String {
    sql.replace('?', "$")
}

fn params(vals: &[Val]) -> Vec<&(dyn ToSql + Sync)> {
    vals.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

impl<C: GenericClient> Sql for Pg<'_, C> {
    fn exec(&mut self, sql: &str, vals: &[Val]) -> Result<u64> {
        self.0.execute(dollars(sql).as_str(), &params(vals)).map_err(db)
    }

    fn rows(&mut self, sql: &str, vals: &[Val]) -> Result<Vec<Row>> {
        let rows = self.0.query(dollars(sql).as_str(), &params(vals)).map_err(db)?;
        rows.iter().map(read_row).collect()
    }
}

fn read_row(r: &postgres::Row) -> Result<Row> {
    let mut out = Vec::with_capacity(r.len());
    for (i, col) in r.columns().iter().enumerate() {
        let v = match *col.type_() {
            Type::INT8 => r.try_get::<_, Option<i64>>(i).map(|v| v.map(Val::Int)),
            Type::INT4 => r.try_get::<_, Option<i32>>(i).map(|v| v.map(|v| Val::Int(v.into()))),
            Type::BOOL => r.try_get::<_, Option<bool>>(i).map(|v| v.map(Val::from)),
            Type::TEXT | Type::VARCHAR | Type::NAME => r.try_get::<_, Option<String>>(i).map(|v| v.map(Val::Text)),
            ref other => {
                return Err(Error::store(format!(
                    "safety database (postgres): column {} is {other}, which vivify never writes",
                    col.name()
                )))
            }
        }
        .map_err(db)?;
        out.push(v.unwrap_or(Val::Null));
    }
    Ok(Row(out))
}

impl ToSql for Val {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Val::Null => Ok(IsNull::Yes),
            Val::Int(v) => match *ty {
                Type::INT8 => v.to_sql(ty, out),
                Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
                Type::BOOL => (*v != 0).to_sql(ty, out),
                ref other => Err(format!("a number cannot go where PostgreSQL wants {other}").into()),
            },
            Val::Text(s) => s.as_str().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}
