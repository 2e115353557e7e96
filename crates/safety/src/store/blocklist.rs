//! The local blocklist: exact file hashes (SHA-256) and perceptual hashes
//! (PDQ) of pictures that must not be animated or shared again. Entries come
//! from moderators' removals or `vivify blocklist add`; lifting one (an
//! appeal reversed) keeps the row with a `lifted_at` date.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::{now, Store};
use crate::pdq::Pdq;
use crate::Category;
use vivify_media::error::{Error, Result};

/// Largest PDQ distance that still counts as the same picture (Meta's rule
/// in ThreatExchange).
pub const PDQ_MATCH_DISTANCE: u32 = 31;

/// A blocklist entry that matched.
#[derive(Clone, Debug, Serialize)]
pub struct Hit {
    pub entry: i64,
    pub category: Category,
    /// `sha256` or `pdq`.
    pub kind: String,
    /// Bits apart (0 for an exact hash).
    pub distance: u32,
    pub source: String,
}

/// A live PDQ entry, as kept in memory for lookups.
pub(crate) struct PdqRow {
    id: i64,
    hash: Pdq,
    category: String,
    source: String,
}

/// The live PDQ entries and the database state they were read at.
pub(crate) struct PdqCache {
    stamp: (i64, u64),
    rows: Vec<PdqRow>,
}

/// One blocklist row for `blocklist list`.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    pub id: i64,
    pub kind: String,
    pub value: String,
    pub category: String,
    pub source: String,
    pub case_id: Option<i64>,
    pub added_at: String,
    pub lifted_at: Option<String>,
}

/// Adds an entry inside a transaction (decisions add theirs with the case).
pub(crate) fn insert(
    tx: &rusqlite::Transaction<'_>,
    kind: &str,
    value: &str,
    category: Category,
    source: &str,
    case_id: Option<i64>,
) -> rusqlite::Result<i64> {
    // Manual entries are not repeated; a case's entries are its own, so an
    // appeal can lift exactly them.
    let existing: Option<i64> = if case_id.is_some() {
        None
    } else {
        tx.query_row(
            "SELECT id FROM blocklist WHERE kind = ?1 AND value = ?2 AND lifted_at IS NULL",
            params![kind, value],
            |r| r.get(0),
        )
        .optional()?
    };
    if let Some(id) = existing {
        return Ok(id);
    }
    tx.execute(
        "INSERT INTO blocklist (kind, value, category, source, case_id, added_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![kind, value, category.code(), source, case_id, now()],
    )?;
    Ok(tx.last_insert_rowid())
}

impl Store {
    /// Adds a file hash and the PDQ hashes of a picture.
    pub fn block(&mut self, sha256: Option<&str>, pdqs: &[Pdq], category: Category, source: &str) -> Result<Vec<i64>> {
        let e = self.err();
        self.write(|tx| {
            let mut ids = Vec::new();
            if let Some(s) = sha256 {
                ids.push(insert(tx, "sha256", s, category, source, None).map_err(&e)?);
            }
            for p in pdqs {
                ids.push(insert(tx, "pdq", &p.to_hex(), category, source, None).map_err(&e)?);
            }
            Ok(ids)
        })
    }

    /// The first live entry matching the exact hash or any of `pdqs`
    /// (nearest PDQ first).
    pub fn blocklisted(&self, sha256: Option<&str>, pdqs: &[Pdq]) -> Result<Option<Hit>> {
        let e = self.err();
        if let Some(s) = sha256 {
            let hit = self
                .conn
                .query_row(
                    "SELECT id, category, source FROM blocklist WHERE kind = 'sha256' AND value = ?1 AND lifted_at IS NULL",
                    [s],
                    |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)),
                )
                .optional()
                .map_err(&e)?;
            if let Some((entry, c, source)) = hit {
                let category = Category::from_code(&c).unwrap_or(Category::Other);
                return Ok(Some(Hit { entry, category, kind: "sha256".into(), distance: 0, source }));
            }
        }
        if pdqs.is_empty() {
            return Ok(None);
        }
        self.refresh_pdq_cache()?;
        let cache = self.pdq_cache.borrow();
        let mut best: Option<&PdqRow> = None;
        let mut best_d = u32::MAX;
        for row in cache.iter().flat_map(|c| &c.rows) {
            // 4 XOR + popcount per entry and probe: about 1 ms per 100,000.
            let d = pdqs.iter().map(|p| p.distance(&row.hash)).min().unwrap_or(u32::MAX);
            if d <= PDQ_MATCH_DISTANCE && d < best_d {
                best = Some(row);
                best_d = d;
            }
        }
        Ok(best.map(|r| Hit {
            entry: r.id,
            category: Category::from_code(&r.category).unwrap_or(Category::Other),
            kind: "pdq".into(),
            distance: best_d,
            source: r.source.clone(),
        }))
    }

    /// Reads the live PDQ entries again when the database changed since
    /// (here, or in another process: SQLite's `data_version`).
    fn refresh_pdq_cache(&self) -> Result<()> {
        let e = self.err();
        let version: i64 = self.conn.query_row("PRAGMA data_version", [], |r| r.get(0)).map_err(&e)?;
        let stamp = (version, self.conn.total_changes());
        if self.pdq_cache.borrow().as_ref().is_some_and(|c| c.stamp == stamp) {
            return Ok(());
        }
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, value, category, source FROM blocklist WHERE kind = 'pdq' AND lifted_at IS NULL",
            )
            .map_err(&e)?;
        let mut rows = stmt.query([]).map_err(&e)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(&e)? {
            let value: String = r.get(1).map_err(&e)?;
            let Some(hash) = Pdq::from_hex(&value) else { continue };
            out.push(PdqRow {
                id: r.get(0).map_err(&e)?,
                hash,
                category: r.get(2).map_err(&e)?,
                source: r.get(3).map_err(&e)?,
            });
        }
        *self.pdq_cache.borrow_mut() = Some(PdqCache { stamp, rows: out });
        Ok(())
    }

    /// Every entry, newest first.
    pub fn blocklist(&self) -> Result<Vec<Entry>> {
        let e = self.err();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, kind, value, category, source, case_id, added_at, lifted_at FROM blocklist ORDER BY id DESC",
            )
            .map_err(&e)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Entry {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    value: r.get(2)?,
                    category: r.get(3)?,
                    source: r.get(4)?,
                    case_id: r.get(5)?,
                    added_at: r.get(6)?,
                    lifted_at: r.get(7)?,
                })
            })
            .map_err(&e)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(&e)
    }

    /// Lifts one entry by id (it stays listed, with the date).
    pub fn unblock(&mut self, id: i64) -> Result<()> {
        let e = self.err();
        let n = self.write(|tx| {
            tx.execute("UPDATE blocklist SET lifted_at = ?1 WHERE id = ?2 AND lifted_at IS NULL", params![now(), id])
                .map_err(&e)
        })?;
        if n == 0 {
            return Err(Error::Param(format!("blocklist entry {id} does not exist or is already lifted")));
        }
        Ok(())
    }
}

impl Store {
    /// Adds a file: its SHA-256, and for a picture its PDQ hash and the
    /// mirror image's (when the picture has enough detail to hash).
    pub fn block_file(
        &mut self,
        path: &std::path::Path,
        category: Category,
        source: &str,
        policy: &crate::Policy,
    ) -> Result<Vec<i64>> {
        let sha = super::sha256_file(path)?;
        let len = vivify_media::input::regular_file(path)?;
        let mut pdqs = Vec::new();
        if len <= vivify_media::limits::MAX_PHOTO_BYTES {
            let bytes = vivify_media::input::read(path, vivify_media::limits::MAX_PHOTO_BYTES, "photo file size")?;
            if let Ok(photo) = vivify_picture::photo::Photo::decode(bytes) {
                pdqs = crate::image::PictureFacts::of(&photo.rgb, None, None)?.trusted_pdqs(policy);
            }
        }
        self.block(Some(&sha), &pdqs, category, source)
    }
}
