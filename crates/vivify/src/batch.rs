//! Batch helpers for `convert`: walking folders and pairing Live Photo
//! halves by their content identifier (never by file name).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::convert::{movie_content_id, still_content_id};

/// Files under `inputs` (folders expanded, recursively when asked; `.pvt`
/// packages are kept as one entry), in a stable order.
pub fn collect_files(inputs: &[PathBuf], recursive: bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in inputs {
        walk(p, recursive, true, &mut out);
    }
    out
}

fn walk(p: &Path, recursive: bool, top: bool, out: &mut Vec<PathBuf>) {
    if !p.is_dir() {
        out.push(p.to_path_buf());
        return;
    }
    // A `.pvt` package is a Live pair in a folder: its files are always
    // taken (the pairing by content identifier finds the two halves).
    let package = p.extension().is_some_and(|e| e.eq_ignore_ascii_case("pvt"));
    if !top && !recursive && !package {
        return;
    }
    let Ok(rd) = std::fs::read_dir(p) else {
        out.push(p.to_path_buf());
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    if package {
        entries.retain(|e| e.file_name().is_some_and(|n| n != "metadata.plist"));
    }
    entries.sort();
    for e in entries {
        walk(&e, recursive, false, out);
    }
}

/// A still and a movie sharing a content identifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LivePair {
    pub content_id: String,
    pub still: PathBuf,
    pub movie: PathBuf,
}

/// Pairs stills and movies by content identifier. Returns the pairs and the
/// files left over, each with the reason.
pub fn pair_by_content_id(files: &[PathBuf]) -> (Vec<LivePair>, Vec<(PathBuf, String)>) {
    let mut stills: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut movies: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut skipped = Vec::new();
    for f in files {
        let (map, id) = match (movie_content_id(f), still_content_id(f)) {
            (Ok(Some(c)), _) => (&mut movies, c),
            (_, Ok(Some(c))) => (&mut stills, c),
            (Err(e), _) if !f.is_dir() && std::fs::metadata(f).is_err() => {
                skipped.push((f.clone(), e.to_string()));
                continue;
            }
            _ => {
                skipped.push((f.clone(), "no Live Photo content identifier".into()));
                continue;
            }
        };
        if let Some(first) = map.get(&id) {
            skipped.push((f.clone(), format!("{} already has content identifier {id}", first.display())));
        } else {
            map.insert(id, f.clone());
        }
    }
    let mut pairs = Vec::new();
    for (id, still) in stills {
        match movies.remove(&id) {
            Some(movie) => pairs.push(LivePair { content_id: id, still, movie }),
            None => skipped.push((still, format!("no movie with content identifier {id}"))),
        }
    }
    for (id, movie) in movies {
        skipped.push((movie, format!("no still with content identifier {id}")));
    }
    pairs.sort_by(|a, b| a.still.cmp(&b.still));
    (pairs, skipped)
}
