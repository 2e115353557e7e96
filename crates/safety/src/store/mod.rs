//! The safety database: one SQLite file holding the blocklist, the items
//! vivify checked (so `share` can tell the exact bytes that passed), and the
//! reports with their append-only event log.
//!
//! SQLite in WAL mode with `synchronous = FULL`: every change that belongs
//! together (a decision, its events, its blocklist entries) is one
//! transaction, so a process killed at any moment leaves either all of it or
//! none. The event table refuses UPDATE and DELETE (triggers), and the case
//! rows are a cache of the events that [`Store::check_consistency`] rebuilds
//! and compares.

pub mod appeals;
pub mod blocklist;
pub mod cases;
pub mod events;
pub mod items;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, TransactionBehavior};

use vivify_media::error::{Error, Result};

/// The database file inside the data folder.
pub const DB_FILE: &str = "safety.db";

/// The folder vivify keeps its data in: `$VIVIFY_DATA_DIR`, else the
/// platform's data folder (`$XDG_DATA_HOME/vivify`, `~/.local/share/vivify`,
/// `~/Library/Application Support/vivify`, `%LOCALAPPDATA%\vivify`).
pub fn data_dir() -> Option<PathBuf> {
    vivify_media::dirs::app_dir("VIVIFY_DATA_DIR", "XDG_DATA_HOME", ".local/share", "LOCALAPPDATA")
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

/// An open safety database.
pub struct Store {
    pub(crate) conn: Connection,
    path: PathBuf,
    /// The live PDQ entries, read once and kept until the database changes.
    pub(crate) pdq_cache: std::cell::RefCell<Option<blocklist::PdqCache>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish_non_exhaustive()
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
    /// Opens (creating when missing) the database at `path`.
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
        Ok(Store { conn, path: path.to_path_buf(), pdq_cache: std::cell::RefCell::new(None) })
    }

    /// Opens the database in the data folder ([`data_dir`]).
    pub fn open_default() -> Result<Store> {
        let dir = data_dir().ok_or_else(|| {
            Error::Param("no data folder: set VIVIFY_DATA_DIR or HOME so the safety database has a home".into())
        })?;
        Store::open(&dir.join(DB_FILE))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in one write transaction (taken at once, so two processes
    /// deciding the same case queue up instead of failing half-way).
    pub(crate) fn write<T>(&mut self, f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>) -> Result<T> {
        let e = self.err();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(&e)?;
        let out = f(&tx)?;
        tx.commit().map_err(&e)?;
        Ok(out)
    }

    pub(crate) fn err(&self) -> impl Fn(rusqlite::Error) -> Error + 'static {
        db_error(&self.path)
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
