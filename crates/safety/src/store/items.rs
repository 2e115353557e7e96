//! Items: the files vivify made and checked. The row keeps the file's
//! SHA-256 (so `share` knows the exact bytes that passed), the hashes of the
//! source photo and of the sampled frames (so a removal can blocklist them
//! and the share check can look them up again), and the output verdict.

use serde::{Deserialize, Serialize};

use super::sql::{vals, Row};
use super::{now, Store};
use vivify_media::error::{Error, Result};

/// What the checks learned about an output, kept with it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ItemFacts {
    /// SHA-256 of the photo it was made from.
    pub source_sha256: Option<String>,
    /// PDQ hashes (hex) of the source photo and its mirror image.
    pub source_pdq: Vec<String>,
    /// PDQ hashes (hex) of the frames the output check sampled.
    pub frame_pdq: Vec<String>,
    /// Faces in the source photo.
    pub faces: usize,
    /// The image classifier that looked at the photo and frames, if any.
    pub classifier: Option<String>,
    /// The visible "AI-generated" label was burnt into the frames.
    pub label: bool,
    /// The digital source type the file declares.
    pub source_type: String,
    /// The output check's decision (`allow` or `flag`) and reference.
    pub decision: String,
    pub reference: String,
    /// Worst score per category over the sampled frames (0–1), when an
    /// image classifier ran.
    #[serde(default)]
    pub scores: Vec<(String, f32)>,
}

/// A checked file.
#[derive(Clone, Debug, Serialize)]
pub struct Item {
    /// Short id people quote: the first 12 hex digits of the SHA-256.
    pub id: String,
    pub sha256: String,
    /// `video`, `live_photo`, `live_movie`, `motion_photo`, or `external`
    /// for a reported file vivify did not make.
    pub kind: String,
    pub path: String,
    pub facts: ItemFacts,
    pub created_at: String,
    /// `visible`, `hidden` (pending review) or `removed`.
    pub status: String,
    pub shared_at: Option<String>,
}

/// The id of a file with this SHA-256.
pub fn item_id(sha256: &str) -> String {
    sha256.chars().take(12).collect()
}

fn item_from_row(r: &Row) -> Result<Item> {
    Ok(Item {
        id: r.text(0)?,
        sha256: r.text(1)?,
        kind: r.text(2)?,
        path: r.text(3)?,
        facts: serde_json::from_str(&r.text(4)?).unwrap_or_default(),
        created_at: r.text(5)?,
        status: r.text(6)?,
        shared_at: r.opt_text(7)?,
    })
}

const ITEM_COLUMNS: &str = "id, sha256, kind, path, facts, created_at, status, shared_at";

impl Store {
    /// Records a checked file (again: the facts are replaced, the status kept).
    pub fn record_item(&mut self, sha256: &str, kind: &str, path: &str, facts: &ItemFacts) -> Result<Item> {
        let json = serde_json::to_string(facts).map_err(|e| Error::store_from("item facts", e))?;
        let id = item_id(sha256);
        self.write(|tx| {
            tx.exec(
                "INSERT INTO items (id, sha256, kind, path, facts, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (sha256) DO UPDATE SET facts = excluded.facts, path = excluded.path",
                vals![&id, sha256, kind, path, json, now()],
            )
        })?;
        self.item(&id)?.ok_or_else(|| Error::store(format!("item {id} vanished after it was written")))
    }

    /// The item with this id (or a longer prefix of its SHA-256).
    pub fn item(&self, id: &str) -> Result<Option<Item>> {
        let id = id.trim().to_ascii_lowercase();
        if id.len() < 12 || !id.chars().all(|c| c.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let sql = format!("SELECT {ITEM_COLUMNS} FROM items WHERE id = ?1 AND sha256 LIKE ?2");
        let row = self.read(|c| c.row(&sql, vals![item_id(&id), format!("{id}%")]))?;
        row.as_ref().map(item_from_row).transpose()
    }

    /// The item whose bytes have this SHA-256.
    pub fn item_by_sha256(&self, sha256: &str) -> Result<Option<Item>> {
        let sql = format!("SELECT {ITEM_COLUMNS} FROM items WHERE sha256 = ?1");
        let row = self.read(|c| c.row(&sql, vals![sha256]))?;
        row.as_ref().map(item_from_row).transpose()
    }

    /// Notes that the item passed the share check.
    pub fn mark_shared(&mut self, id: &str) -> Result<()> {
        self.write(|tx| tx.exec("UPDATE items SET shared_at = ?1 WHERE id = ?2", vals![now(), id]).map(drop))
    }
}

impl Store {
    /// The item a report names: a file (known by its bytes, or recorded now
    /// as `external` with its hashes) or an item id.
    pub fn subject(&mut self, file_or_id: &str, policy: &crate::Policy) -> Result<Item> {
        let path = std::path::Path::new(file_or_id);
        // Anything on disk by that name is the subject; a FIFO or a device
        // is refused by name rather than read.
        if std::fs::metadata(path).is_ok() {
            let len = vivify_media::input::regular_file(path)?;
            let sha = super::sha256_file(path)?;
            if let Some(item) = self.item_by_sha256(&sha)? {
                return Ok(item);
            }
            let mut facts = ItemFacts { decision: "unchecked".into(), ..ItemFacts::default() };
            // A picture also gets its perceptual hashes, so a removal
            // catches re-encoded and resized copies.
            if len <= vivify_media::limits::MAX_PHOTO_BYTES {
                let bytes = vivify_media::input::read(path, vivify_media::limits::MAX_PHOTO_BYTES, "photo file size")?;
                if let Ok(photo) = vivify_picture::photo::Photo::decode(bytes) {
                    let f = crate::image::PictureFacts::of(&photo.rgb, None, None)?;
                    facts.source_pdq = f.trusted_pdqs(policy).iter().map(|p| p.to_hex()).collect();
                }
            }
            return self.record_item(&sha, "external", &path.display().to_string(), &facts);
        }
        self.item(file_or_id)?.ok_or_else(|| {
            Error::Param(format!("'{file_or_id}' is neither a file nor the id of an item vivify recorded"))
        })
    }
}
