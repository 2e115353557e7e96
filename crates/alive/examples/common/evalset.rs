//! The evaluation set, shared by the `eval` and `train_scene` examples:
//! the photo list (`eval/photos.tsv`), the cache the photos are fetched to,
//! and the labels (`eval/labels/ID.json`) drawn as masks.

use std::path::{Path, PathBuf};

use serde_json::Value;

pub struct Entry {
    pub id: String,
    pub split: String,
    pub ext: String,
    /// Where the photo comes from (`deb:…`, `wheel:…`, `repo:`) and the
    /// file inside it.
    pub source: String,
    pub member: String,
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Where `scripts/fetch-eval-photos` put the photos.
pub fn cache() -> PathBuf {
    std::env::var_os("VIVIFY_EVAL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/vivify-eval"))
        .join("photos")
}

impl Entry {
    pub fn photo(&self) -> PathBuf {
        cache().join(format!("{}.{}", self.id, self.ext))
    }

    /// The photo's file in this repository, for photos that come from it
    /// (tests use these without fetching anything).
    #[allow(dead_code)]
    pub fn repo_file(&self) -> Option<PathBuf> {
        (self.source == "repo:").then(|| root().join(&self.member))
    }

    /// The label, or None when the photo has none yet.
    pub fn label(&self) -> Option<Value> {
        let path = root().join("eval/labels").join(format!("{}.json", self.id));
        let text = std::fs::read_to_string(&path).ok()?;
        Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
    }
}

pub fn entries() -> Vec<Entry> {
    let text = std::fs::read_to_string(root().join("eval/photos.tsv")).expect("eval/photos.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("id\t") && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let ext = Path::new(f[3]).extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
            Entry {
                id: f[0].to_string(),
                split: f[1].to_string(),
                ext,
                source: f[2].to_string(),
                member: f[3].to_string(),
            }
        })
        .collect()
}

type Polygon = Vec<(f32, f32)>;

fn polygons(v: &Value) -> Vec<Polygon> {
    v.as_array()
        .map(|ps| {
            ps.iter()
                .filter_map(|p| p.as_array())
                .map(|p| {
                    p.iter().filter_map(|pt| Some((pt.get(0)?.as_f64()? as f32, pt.get(1)?.as_f64()? as f32))).collect()
                })
                .collect()
        })
        .unwrap_or_default()
}

fn inside(poly: &Polygon, x: f32, y: f32) -> bool {
    let mut c = false;
    let n = poly.len();
    for i in 0..n {
        let (xi, yi) = poly[i];
        let (xj, yj) = poly[(i + n - 1) % n];
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            c = !c;
        }
    }
    c
}

/// One class of a label as a mask of `w`×`h`.
fn rasterise(polys: &[Polygon], w: usize, h: usize) -> Vec<bool> {
    let mut m = vec![false; w * h];
    for y in 0..h {
        for x in 0..w {
            let (fx, fy) = ((x as f32 + 0.5) / w as f32, (y as f32 + 0.5) / h as f32);
            m[y * w + x] = polys.iter().any(|p| inside(p, fx, fy));
        }
    }
    m
}

/// The sky and water masks of a label at `w`×`h`.
pub fn label_masks(label: &Value, w: usize, h: usize) -> (Vec<bool>, Vec<bool>) {
    (rasterise(&polygons(&label["sky"]), w, h), rasterise(&polygons(&label["water"]), w, h))
}
