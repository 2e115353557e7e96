//! The safety database: the blocklist, the items vivify checked (so
//! `share` can tell the exact bytes that passed), and the reports with their
//! append-only event log. One SQLite file by default; PostgreSQL when many
//! servers share it (feature `postgres`, `Database::Postgres`).
//!
//! Every change that belongs together (a decision, its events, its
//! blocklist entries) is one transaction, and writers queue up one behind
//! another (SQLite: `BEGIN IMMEDIATE` in WAL mode with `synchronous =
//! FULL`; PostgreSQL: a transaction-scoped advisory lock), so a process
//! killed at any moment leaves either all of it or none, and of two
//! moderators deciding one case exactly one succeeds. The event table
//! refuses UPDATE and DELETE (triggers on both), and the case rows are a
//! cache of the events that [`Store::check_consistency`] rebuilds and
//! compares.

pub mod appeals;
pub mod blocklist;
pub mod cases;
pub mod events;
pub mod items;
#[cfg(feature = "postgres")]
mod pg;
#[cfg(feature = "postgres")]
mod pg_connect;
pub(crate) mod sql;

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, TransactionBehavior};

#[cfg(feature = "postgres")]
pub use pg_connect::{connect_postgres, ConnectError};
use sql::{Lite, Sql};
use vivify_media::error::{Error, Result};

/// The database file inside the data folder.
pub const DB_FILE: &str = "safety.db";

/// The environment variable naming a shared PostgreSQL database
/// (`postgres://…`) for everything vivify keeps; the same one
/// `vivify serve --database` reads.
pub const DATABASE_ENV: &str = "VIVIFY_DATABASE_URL";

/// The folder vivify keeps its data in: `$VIVIFY_DATA_DIR`, else the
/// platform's data folder (`$XDG_DATA_HOME/vivify`, `~/.local/share/vivify`,
/// `~/Library/Application Support/vivify`, `%LOCALAPPDATA%\vivify`).
pub fn data_dir() -> Option<PathBuf> {
    vivify_media::dirs::app_dir("VIVIFY_DATA_DIR", "XDG_DATA_HOME", ".local/share", "LOCALAPPDATA")
}

/// Where a safety database lives.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// An SQLite file.
    File(PathBuf),
    /// A PostgreSQL server (`postgres://user@host/db`); the tables live in
    /// the schema `vivify_safety`, beside the studio's.
    Postgres(String),
}

impl Database {
    /// A `postgres://` or `postgresql://` URL, else a file path.
    pub fn parse(text: &str) -> Database {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Database::Postgres(text.to_string())
        } else {
            Database::File(PathBuf::from(text))
        }
    }

    /// `$VIVIFY_DATABASE_URL` when set, else `safety.db` in the data folder.
    pub fn from_env() -> Result<Database> {
        if let Some(url) = std::env::var(DATABASE_ENV).ok().filter(|u| !u.trim().is_empty()) {
            return match Database::parse(url.trim()) {
                pg @ Database::Postgres(_) => Ok(pg),
                Database::File(_) => Err(Error::Param(format!("{DATABASE_ENV} must be a postgres:// URL"))),
            };
        }
        let dir = data_dir().ok_or_else(|| {
            Error::Param("no data folder: set VIVIFY_DATA_DIR or HOME so the safety database has a home".into())
        })?;
        Ok(Database::File(dir.join(DB_FILE)))
    }
}

/// The path, or the URL without its password: what messages name.
impl std::fmt::Display for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::File(p) => write!(f, "{}", p.display()),
            Database::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl From<PathBuf> for Database {
    fn from(p: PathBuf) -> Database {
        Database::File(p)
    }
}

/// A database URL with any password replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (auth, host) = match rest.rfind('@') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => return url.to_string(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***{host}"),
        None => url.to_string(),
    }
}

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocklist (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('sha256', 'pdq')),
    value TEXT NOT NULL,
    category TEXT NOT NULL,
    source TEXT NOT NULL,
    case_id INTEGER,
    added_at TEXT NOT NULL,
    lifted_at TEXT
);
CREATE INDEX IF NOT EXISTS blocklist_value ON blocklist (kind, value);
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    facts TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'visible' CHECK (status IN ('visible', 'hidden', 'removed')),
    shared_at TEXT
);
CREATE TABLE IF NOT EXISTS cases (
    id INTEGER PRIMARY KEY,
    item_id TEXT NOT NULL UNIQUE REFERENCES items (id),
    state TEXT NOT NULL,
    priority INTEGER NOT NULL,
    assigned_to TEXT,
    appeal TEXT NOT NULL,
    hidden INTEGER NOT NULL,
    last_event INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    reporter TEXT NOT NULL,
    reason TEXT NOT NULL,
    details TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    automated INTEGER NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS events_append_only_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_append_only_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
"#;

/// Schema version this code writes; older files are refused rather than guessed at.
const SCHEMA_VERSION: &str = "1";

/// The open connection.
enum Conn {
    Lite(Connection),
    #[cfg(feature = "postgres")]
    Pg(::postgres::Client),
    /// Handed back to the process's idle connections (while dropping).
    #[cfg(feature = "postgres")]
    Gone,
}

#[cfg(feature = "postgres")]
impl Drop for Store {
    /// A PostgreSQL connection goes back to the process's idle ones for the
    /// next store to open.
    fn drop(&mut self) {
        if let (Conn::Pg(_), Database::Postgres(url)) = (self.conn.get_mut(), &self.location) {
            if let Conn::Pg(c) = std::mem::replace(self.conn.get_mut(), Conn::Gone) {
                pg::give_back(url, c);
            }
        }
    }
}

/// The error for a store used after its connection was handed back.
#[cfg(feature = "postgres")]
fn gone() -> Error {
    Error::store("safety database: the connection was closed")
}

/// An open safety database.
pub struct Store {
    conn: RefCell<Conn>,
    location: Database,
    /// The live PDQ entries, read once and kept until the database changes.
    pub(crate) pdq_cache: RefCell<Option<blocklist::PdqCache>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("location", &self.location).finish_non_exhaustive()
    }
}

pub(crate) fn db_error(path: &Path) -> impl Fn(rusqlite::Error) -> Error + 'static {
    let path = path.to_path_buf();
    move |e| {
        // SQLite finds out on the first statement, whichever that is.
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) {
            Error::store_from(format!("{}: not a vivify safety database, or damaged", path.display()), e)
        } else {
            Error::store_from(path.display().to_string(), e)
        }
    }
}

impl Store {
    /// Opens (creating when missing) the SQLite database at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::from(e).in_file(dir))?;
        }
        let err = db_error(path);
        let conn = Connection::open(path).map_err(&err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(&err)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(&err)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(&err)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(&err)?;
        conn.execute_batch(SCHEMA).map_err(|e| {
            Error::store_from(format!("{}: not a vivify safety database, or damaged", path.display()), e)
        })?;
        let version: Option<String> =
            conn.query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| r.get(0)).ok();
        match version.as_deref() {
            None => {
                conn.execute("INSERT INTO meta (key, value) VALUES ('schema', ?1)", [SCHEMA_VERSION]).map_err(&err)?;
            }
            Some(SCHEMA_VERSION) => {}
            Some(other) => {
                return Err(Error::store(format!(
                    "{}: schema version {other} is not one this vivify knows ({SCHEMA_VERSION})",
                    path.display()
                )))
            }
        }
        Ok(Store::with(Conn::Lite(conn), Database::File(path.to_path_buf())))
    }

    /// Opens the database at `db`: an SQLite file, or a PostgreSQL server
    /// (its tables are made or migrated on the first open).
    pub fn open_at(db: &Database) -> Result<Store> {
        match db {
            Database::File(path) => Store::open(path),
            #[cfg(feature = "postgres")]
            Database::Postgres(url) => Ok(Store::with(Conn::Pg(pg::connect(url)?), db.clone())),
            #[cfg(not(feature = "postgres"))]
            Database::Postgres(url) => Err(Error::Param(format!(
                "{}: this vivify was built without PostgreSQL support (feature `postgres` of vivify-safety)",
                redact(url)
            ))),
        }
    }

    /// Opens the database [`Database::from_env`] names.
    pub fn open_default() -> Result<Store> {
        Store::open_at(&Database::from_env()?)
    }

    fn with(conn: Conn, location: Database) -> Store {
        Store { conn: RefCell::new(conn), location, pdq_cache: RefCell::new(None) }
    }

    /// Where this database lives.
    pub fn location(&self) -> &Database {
        &self.location
    }

    /// Whether the connection still works (a PostgreSQL server can drop
    /// it); a pool keeps only stores that say yes.
    pub fn is_usable(&self) -> bool {
        match &*self.conn.borrow() {
            Conn::Lite(_) => true,
            #[cfg(feature = "postgres")]
            Conn::Pg(c) => !c.is_closed(),
            #[cfg(feature = "postgres")]
            Conn::Gone => false,
        }
    }

    /// Runs `f` on the connection, outside any transaction. `f` must not
    /// call back into the store.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
        let mut conn = self.conn.borrow_mut();
        match &mut *conn {
            Conn::Lite(c) => {
                let err = self.lite_err();
                f(&mut Lite { conn: c, err: &err })
            }
            #[cfg(feature = "postgres")]
            Conn::Pg(c) => f(&mut pg::Pg(c)),
            #[cfg(feature = "postgres")]
            Conn::Gone => Err(gone()),
        }
    }

    /// Runs `f` in one write transaction, taken at once, so two processes
    /// deciding the same case queue up instead of failing half-way.
    pub(crate) fn write<T>(&mut self, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
        let err = self.lite_err();
        match self.conn.get_mut() {
            Conn::Lite(c) => {
                let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(&err)?;
                let out = f(&mut Lite { conn: &tx, err: &err })?;
                tx.commit().map_err(&err)?;
                Ok(out)
            }
            #[cfg(feature = "postgres")]
            Conn::Pg(c) => pg::write(c, f),
            #[cfg(feature = "postgres")]
            Conn::Gone => Err(gone()),
        }
    }

    /// A value that changes whenever the blocklist may have changed, here
    /// or in another process.
    pub(crate) fn change_stamp(&self) -> Result<(i64, u64)> {
        match &mut *self.conn.borrow_mut() {
            Conn::Lite(c) => {
                let version: i64 = c.query_row("PRAGMA data_version", [], |r| r.get(0)).map_err(self.lite_err())?;
                Ok((version, c.total_changes()))
            }
            #[cfg(feature = "postgres")]
            Conn::Pg(c) => pg::blocklist_stamp(c),
            #[cfg(feature = "postgres")]
            Conn::Gone => Err(gone()),
        }
    }

    /// The backend's own integrity check: `None` when it passes.
    pub(crate) fn integrity_problem(&self) -> Result<Option<String>> {
        match &mut *self.conn.borrow_mut() {
            Conn::Lite(c) => {
                let integrity: String =
                    c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).map_err(self.lite_err())?;
                Ok((integrity != "ok").then(|| format!("SQLite integrity check: {integrity}")))
            }
            // PostgreSQL checks its pages itself; the fold below is ours.
            #[cfg(feature = "postgres")]
            Conn::Pg(_) | Conn::Gone => Ok(None),
        }
    }

    fn lite_err(&self) -> impl Fn(rusqlite::Error) -> Error + 'static {
        match &self.location {
            Database::File(p) => db_error(p),
            Database::Postgres(_) => db_error(Path::new("safety database")),
        }
    }
}

/// Now as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn now() -> String {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    timestamp(t)
}

/// A Unix time as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn timestamp(unix: i64) -> String {
    let (y, mo, d, h, mi, s) = vivify_provenance::der::civil(unix);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// The SHA-256 of bytes, as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(bytes);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of a file, read in pieces (videos can be large).
pub fn sha256_file(path: &Path) -> Result<String> {
    use sha2::Digest;
    use std::io::Read;
    let (mut f, _) = vivify_media::input::open(path)?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::from(e).in_file(path))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}
