//! The safety database's connections, kept between requests: opening one
//! to PostgreSQL costs a connection and a migration check, a few round
//! trips each, and a share page asks on every view.

use std::ops::{Deref, DerefMut};
use std::sync::Mutex;

use axum::http::StatusCode;
use vivify::safety::store::{Database, Store as SafetyStore};

use crate::error::ApiError;

/// Idle connections kept at most; more may be open while busy.
const KEEP: usize = 8;

/// Open safety stores on one database, handed out one request at a time.
pub struct SafetyPool {
    db: Option<Database>,
    idle: Mutex<Vec<SafetyStore>>,
}

/// A store on loan; it goes back to the pool when dropped, unless its
/// connection broke.
pub struct Pooled<'a> {
    store: Option<SafetyStore>,
    pool: &'a SafetyPool,
}

impl SafetyPool {
    pub fn new(db: Option<Database>) -> SafetyPool {
        SafetyPool { db, idle: Mutex::new(Vec::new()) }
    }

    /// An idle store, or a newly opened one. `what` says what needed it,
    /// for the answer when the studio runs without a safety database.
    pub fn get(&self, what: &str) -> Result<Pooled<'_>, ApiError> {
        let db = self.db.as_ref().ok_or_else(|| {
            ApiError::new(StatusCode::CONFLICT, "conflict", format!("{what} need the safety database (a data folder)"))
        })?;
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let store = match idle {
            Some(s) => s,
            None => SafetyStore::open_at(db).map_err(|e| ApiError::from_library(&e))?,
        };
        Ok(Pooled { store: Some(store), pool: self })
    }
}

impl Drop for SafetyPool {
    /// A PostgreSQL client closes itself by blocking on its own runtime,
    /// which may not happen on the server's async threads (where the last
    /// handle to the pool goes): the idle stores are closed on a thread of
    /// their own.
    fn drop(&mut self) {
        let idle = std::mem::take(self.idle.get_mut().unwrap_or_else(|p| p.into_inner()));
        if !idle.is_empty() {
            let _ = std::thread::Builder::new().name("vivify-safety-close".into()).spawn(move || drop(idle));
        }
    }
}

impl Deref for Pooled<'_> {
    type Target = SafetyStore;
    fn deref(&self) -> &SafetyStore {
        self.store.as_ref().expect("a pooled store is present until dropped")
    }
}

impl DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut SafetyStore {
        self.store.as_mut().expect("a pooled store is present until dropped")
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        let Some(store) = self.store.take() else { return };
        if store.is_usable() {
            let mut idle = self.pool.idle.lock().unwrap_or_else(|p| p.into_inner());
            if idle.len() < KEEP {
                idle.push(store);
            }
        }
    }
}
