//! `convert` over many files: walking folders, pairing Live Photo halves by
//! their content identifier (never by file name), and converting each with
//! progress, cancellation and a per-file account of what was skipped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::claim::Signing;
use crate::convert::{live_to_motion, motion_to_live, movie_content_id, still_content_id, Converted};
use crate::error::{Error, Result};
use crate::progress::Progress;

/// Which way to convert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Live pairs (found among the files by content identifier) → Motion Photos.
    LiveToMotion,
    /// Motion Photos → Live pairs.
    MotionToLive,
}

/// How to convert a batch.
#[derive(Clone, Debug)]
pub struct BatchOptions {
    pub direction: Direction,
    pub out_dir: PathBuf,
    /// Samsung's SEF trailer as well as Google's XMP (Live → Motion).
    pub samsung: bool,
    pub force: bool,
    pub signing: Signing,
}

/// One input left unconverted, and why.
#[derive(Clone, Debug, Serialize)]
pub struct Skipped {
    pub file: String,
    pub reason: String,
}

/// What a batch did.
#[derive(Debug, Default, Serialize)]
pub struct BatchReport {
    pub converted: Vec<Converted>,
    pub skipped: Vec<Skipped>,
    /// The first conversion that failed (not a file that was merely not a
    /// Live or Motion Photo): its class decides a front end's exit code.
    #[serde(skip)]
    pub first_failure: Option<Error>,
}

/// Converts every Live pair or Motion Photo among `files`, one after the
/// other; each conversion is all or nothing on its own. Cancelling stops
/// before the next file and returns [`Error::Cancelled`] (what was already
/// converted stays).
pub fn convert_all(files: &[PathBuf], opts: &BatchOptions, progress: &dyn Progress) -> Result<BatchReport> {
    let mut report = BatchReport::default();
    let one = |input: &Path, result: Result<Converted>, report: &mut BatchReport| match result {
        Ok(c) => report.converted.push(c),
        Err(e) => {
            report.skipped.push(Skipped { file: input.display().to_string(), reason: e.report() });
            report.first_failure.get_or_insert(e);
        }
    };
    match opts.direction {
        Direction::LiveToMotion => {
            progress.phase("pairing Live Photo halves", 0);
            let (pairs, skipped) = pair_by_content_id(files);
            report
                .skipped
                .extend(skipped.into_iter().map(|(f, reason)| Skipped { file: f.display().to_string(), reason }));
            progress.phase("converting to Motion Photos", pairs.len() as u64);
            for (i, p) in pairs.iter().enumerate() {
                progress.check()?;
                let r = live_to_motion(&p.still, &p.movie, &opts.out_dir, opts.samsung, opts.force, &opts.signing);
                one(&p.still, r, &mut report);
                progress.advance(i as u64 + 1, pairs.len() as u64);
            }
        }
        Direction::MotionToLive => {
            progress.phase("converting to Live Photos", files.len() as u64);
            for (i, f) in files.iter().enumerate() {
                progress.check()?;
                let r = motion_to_live(f, &opts.out_dir, opts.force, &opts.signing);
                one(f, r, &mut report);
                progress.advance(i as u64 + 1, files.len() as u64);
            }
        }
    }
    Ok(report)
}

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
