//! The local blocklist: exact file hashes (SHA-256) and perceptual hashes
//! (PDQ) of pictures that must not be animated or shared again. Entries come
//! from moderators' removals or `vivify blocklist add`; lifting one (an
//! appeal reversed) keeps the row with a `lifted_at` date.

use serde::Serialize;

use super::sql::{vals, Sql};
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
    tx: &mut dyn Sql,
    kind: &str,
    value: &str,
    category: Category,
    source: &str,
    case_id: Option<i64>,
) -> Result<i64> {
    // Manual entries are not repeated; a case's entries are its own, so an
    // appeal can lift exactly them.
    if case_id.is_none() {
        let existing = tx
            .row("SELECT id FROM blocklist WHERE kind = ?1 AND value = ?2 AND lifted_at IS NULL", vals![kind, value])?;
        if let Some(r) = existing {
            return r.int(0);
        }
    }
    let row = tx.row(
        "INSERT INTO blocklist (kind, value, category, source, case_id, added_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         RETURNING id",
        vals![kind, value, category.code(), source, case_id, now()],
    )?;
    row.ok_or_else(|| Error::store("a blocklist entry was written without an id"))?.int(0)
}

impl Store {
    /// Adds a file hash and the PDQ hashes of a picture.
    pub fn block(&mut self, sha256: Option<&str>, pdqs: &[Pdq], category: Category, source: &str) -> Result<Vec<i64>> {
        self.write(|tx| {
            let mut ids = Vec::new();
            if let Some(s) = sha256 {
                ids.push(insert(tx, "sha256", s, category, source, None)?);
            }
            for p in pdqs {
                ids.push(insert(tx, "pdq", &p.to_hex(), category, source, None)?);
            }
            Ok(ids)
        })
    }

    /// The first live entry matching the exact hash or any of `pdqs`
    /// (nearest PDQ first).
    pub fn blocklisted(&self, sha256: Option<&str>, pdqs: &[Pdq]) -> Result<Option<Hit>> {
        if let Some(s) = sha256 {
            let hit = self.read(|c| {
                c.row(
                    "SELECT id, category, source FROM blocklist WHERE kind = 'sha256' AND value = ?1 AND lifted_at IS NULL",
                    vals![s],
                )
            })?;
            if let Some(r) = hit {
                let category = Category::from_code(&r.text(1)?).unwrap_or(Category::Other);
                return Ok(Some(Hit {
                    entry: r.int(0)?,
                    category,
                    kind: "sha256".into(),
                    distance: 0,
                    source: r.text(2)?,
                }));
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
    /// (here, or in another process: [`Store::change_stamp`]).
    fn refresh_pdq_cache(&self) -> Result<()> {
        let stamp = self.change_stamp()?;
        if self.pdq_cache.borrow().as_ref().is_some_and(|c| c.stamp == stamp) {
            return Ok(());
        }
        let rows = self.read(|c| {
            c.rows("SELECT id, value, category, source FROM blocklist WHERE kind = 'pdq' AND lifted_at IS NULL", &[])
        })?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let Some(hash) = Pdq::from_hex(&r.text(1)?) else { continue };
            out.push(PdqRow { id: r.int(0)?, hash, category: r.text(2)?, source: r.text(3)? });
        }
        *self.pdq_cache.borrow_mut() = Some(PdqCache { stamp, rows: out });
        Ok(())
    }

    /// Every entry, newest first.
    pub fn blocklist(&self) -> Result<Vec<Entry>> {
        let rows = self.read(|c| {
            c.rows(
                "SELECT id, kind, value, category, source, case_id, added_at, lifted_at FROM blocklist ORDER BY id DESC",
                &[],
            )
        })?;
        rows.iter()
            .map(|r| {
                Ok(Entry {
                    id: r.int(0)?,
                    kind: r.text(1)?,
                    value: r.text(2)?,
                    category: r.text(3)?,
                    source: r.text(4)?,
                    case_id: r.opt_int(5)?,
                    added_at: r.text(6)?,
                    lifted_at: r.opt_text(7)?,
                })
            })
            .collect()
    }

    /// Lifts one entry by id (it stays listed, with the date).
    pub fn unblock(&mut self, id: i64) -> Result<()> {
        let n = self.write(|tx| {
            tx.exec("UPDATE blocklist SET lifted_at = ?1 WHERE id = ?2 AND lifted_at IS NULL", vals![now(), id])
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
