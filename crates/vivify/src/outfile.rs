//! Atomic output: write to a temporary file beside the target, then rename.
//! Existing files are only replaced when the caller says so.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::sink::{FileSink, Sink};

/// Refuses to go on when `path` exists and `force` is off.
pub fn check_free(path: &Path, force: bool) -> Result<()> {
    if !force && fs::symlink_metadata(path).is_ok() {
        return Err(Error::Exists(path.to_path_buf()));
    }
    Ok(())
}

/// Refuses an output that is one of the inputs (even with `--force`):
/// inputs are never replaced or modified.
pub fn refuse_input(output: &Path, inputs: &[&Path]) -> Result<()> {
    let Ok(out) = fs::canonicalize(output) else { return Ok(()) };
    for i in inputs {
        if fs::canonicalize(i).is_ok_and(|c| c == out) {
            return Err(Error::Param(format!(
                "{} is an input; choose another output folder with -o",
                output.display()
            )));
        }
    }
    Ok(())
}

pub(crate) fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tag = uuid::Uuid::new_v4().simple().to_string();
    path.with_file_name(format!(".{name}.{}.vivify-tmp", &tag[..8]))
}

/// The one atomic-write procedure: `body` fills a new temporary file beside
/// `path` (which stays as it was on any error), then it is renamed over.
fn atomic(path: &Path, force: bool, body: impl FnOnce(File) -> Result<()>) -> Result<()> {
    check_free(path, force)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|e| Error::from(e).in_file(dir))?;
    }
    let tmp = temp_path(path);
    let result = (|| {
        let file = fs::OpenOptions::new().read(true).write(true).create_new(true).open(&tmp)?;
        // No fsync: the rename alone guarantees that readers never see a
        // partial file, and inputs are never touched, so a crash loses at
        // most the new output. Syncing would double the cost of a conversion.
        body(file)?;
        check_free(path, force)?;
        fs::rename(&tmp, path)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(|e: Error| e.in_file(path))
}

/// Writes `path` atomically through `body`. On any error the temporary file
/// is removed and `path` is left as it was.
pub fn write_atomic(path: &Path, force: bool, body: impl FnOnce(&mut dyn Sink) -> Result<()>) -> Result<()> {
    atomic(path, force, |file| {
        let mut w = FileSink::new(file);
        body(&mut w)?;
        drop(w.into_file()?);
        Ok(())
    })
}

/// Writes a byte buffer atomically.
pub fn write_bytes(path: &Path, force: bool, bytes: &[u8]) -> Result<()> {
    write_atomic(path, force, |w| Ok(w.write_all(bytes)?))
}

/// Like [`write_atomic`], but `body` gets the temporary file itself (to
/// read back and seek in, as a signer embedding a manifest needs).
pub fn write_atomic_file(path: &Path, force: bool, body: impl FnOnce(&mut File) -> Result<()>) -> Result<()> {
    atomic(path, force, |mut file| body(&mut file))
}
