//! Atomic output: write to a temporary file beside the target, then rename.
//! Existing files are only replaced when the caller says so.
//!
//! Outputs that belong together (a Live Photo's still and movie, `--as
//! all`) are written inside [`all_or_nothing`]: every part goes to its own
//! temporary file first, and only when all are written are they renamed,
//! the earlier ones undone if a later rename fails. Temporary files are
//! known to the process ([`remove_temporaries`] is what a SIGTERM handler
//! calls), and ones a killed run left behind are removed by the next run
//! that writes into the same folder once they are an hour old.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};
use crate::sink::{FileSink, Sink};

/// Temporary files of ours older than this are left-overs of a killed run.
pub const STALE_AFTER: Duration = Duration::from_secs(3600);
const TEMP_SUFFIX: &str = ".vivify-tmp";

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

/// Temporary files this process has open now.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// Folders already cleaned of stale temporaries by this process.
static CLEANED: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

fn register(p: &Path) {
    if let Ok(mut l) = LIVE.lock() {
        l.push(p.to_path_buf());
    }
}

fn forget(p: &Path) {
    if let Ok(mut l) = LIVE.lock() {
        l.retain(|x| x != p);
    }
}

fn discard(p: &Path) {
    if fs::symlink_metadata(p).is_ok_and(|m| m.is_dir()) {
        let _ = fs::remove_dir_all(p);
    } else {
        let _ = fs::remove_file(p);
    }
    forget(p);
}

/// Removes every temporary file this process is writing, for a signal
/// handler about to exit; no final name is touched. Hold the returned guard
/// until the process exits: while it is held no new temporary file can be
/// started (each is registered before it is created).
pub fn remove_temporaries() -> Option<std::sync::MutexGuard<'static, Vec<PathBuf>>> {
    let mut live = LIVE.lock().ok()?;
    for p in live.drain(..) {
        if fs::symlink_metadata(&p).is_ok_and(|m| m.is_dir()) {
            let _ = fs::remove_dir_all(&p);
        } else {
            let _ = fs::remove_file(&p);
        }
    }
    Some(live)
}

/// Our name for a temporary file beside `path`: `.NAME.xxxxxxxx.vivify-tmp`.
pub(crate) fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tag = uuid::Uuid::new_v4().simple().to_string();
    path.with_file_name(format!(".{name}.{}{TEMP_SUFFIX}", &tag[..8]))
}

/// Whether a file name is one [`temp_path`] makes.
pub fn is_our_temp_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix('.').and_then(|n| n.strip_suffix(TEMP_SUFFIX)) else { return false };
    let Some((stem, tag)) = rest.rsplit_once('.') else { return false };
    !stem.is_empty() && tag.len() == 8 && tag.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Removes our temporary files in `dir` that are older than [`STALE_AFTER`]
/// (a run killed with SIGKILL cannot remove its own). Returns how many.
pub fn remove_stale(dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(dir) else { return 0 };
    let now = SystemTime::now();
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        if !name.to_str().is_some_and(is_our_temp_name) {
            continue;
        }
        // Only regular files, and only by their age: a run still writing
        // one touches it far more often than once an hour.
        let Ok(meta) = e.metadata() else { continue };
        let old = meta.modified().ok().and_then(|m| now.duration_since(m).ok()).is_some_and(|age| age > STALE_AFTER);
        if meta.is_file() && old && fs::remove_file(e.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

fn clean_once(dir: &Path) {
    let key = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir.to_path_buf() };
    let first = match CLEANED.lock() {
        Ok(mut set) => set.get_or_insert_with(HashSet::new).insert(key.clone()),
        Err(_) => false,
    };
    if first {
        remove_stale(&key);
    }
}

/// A written temporary file waiting for its final name.
struct Staged {
    tmp: PathBuf,
    target: PathBuf,
    force: bool,
}

thread_local! {
    /// The open [`all_or_nothing`] group of this thread, if any.
    static GROUP: RefCell<Option<Vec<Staged>>> = const { RefCell::new(None) };
}

/// Runs `f`, in which every atomic write only stages its temporary file;
/// when `f` succeeds all of them are renamed into place together, and when
/// it fails (or a rename does) none of them is left behind. With `force`,
/// a replaced file is moved aside first and put back if a later part fails.
/// Nested calls join the outer group.
pub fn all_or_nothing<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    if GROUP.with(|g| g.borrow().is_some()) {
        return f();
    }
    struct Guard;
    impl Drop for Guard {
        // Also on a panic: staged files are removed, the group closed.
        fn drop(&mut self) {
            if let Some(staged) = GROUP.with(|g| g.borrow_mut().take()) {
                for s in staged {
                    discard(&s.tmp);
                }
            }
        }
    }
    GROUP.with(|g| *g.borrow_mut() = Some(Vec::new()));
    let guard = Guard;
    let out = f();
    let staged = GROUP.with(|g| g.borrow_mut().take()).unwrap_or_default();
    drop(guard);
    match out {
        Ok(v) => commit(staged).map(|()| v),
        Err(e) => {
            for s in staged {
                discard(&s.tmp);
            }
            Err(e)
        }
    }
}

/// For the signal and kill tests only: with `VIVIFY_HOLD_BEFORE_RENAME` set
/// to a path, the writer creates that file once its temporaries are written
/// and waits until the file is removed, so a test can signal the process at
/// exactly this point instead of guessing with timers.
fn hold_for_tests() {
    let Some(marker) = std::env::var_os("VIVIFY_HOLD_BEFORE_RENAME") else { return };
    let marker = PathBuf::from(marker);
    if fs::write(&marker, b"held").is_err() {
        return;
    }
    while marker.exists() {
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn commit(staged: Vec<Staged>) -> Result<()> {
    hold_for_tests();
    let discard_all = |from: usize, staged: &[Staged]| staged[from..].iter().for_each(|s| discard(&s.tmp));
    for s in &staged {
        if let Err(e) = check_free(&s.target, s.force) {
            discard_all(0, &staged);
            return Err(e);
        }
    }
    // (final name, the file it replaced, moved aside)
    let mut done: Vec<(PathBuf, Option<PathBuf>)> = Vec::new();
    for (i, s) in staged.iter().enumerate() {
        let step = || -> std::io::Result<Option<PathBuf>> {
            let aside = if fs::symlink_metadata(&s.target).is_ok() {
                let b = temp_path(&s.target);
                fs::rename(&s.target, &b)?;
                register(&b);
                Some(b)
            } else {
                None
            };
            if let Err(e) = fs::rename(&s.tmp, &s.target) {
                if let Some(b) = &aside {
                    let _ = fs::rename(b, &s.target);
                    forget(b);
                }
                return Err(e);
            }
            forget(&s.tmp);
            Ok(aside)
        };
        match step() {
            Ok(aside) => done.push((s.target.clone(), aside)),
            Err(e) => {
                // Undo the parts already in place, newest first.
                for (target, aside) in done.into_iter().rev() {
                    let _ = fs::remove_file(&target);
                    if let Some(b) = aside {
                        let _ = fs::rename(&b, &target);
                        forget(&b);
                    }
                }
                discard_all(i, &staged);
                return Err(Error::from(e).in_file(&s.target));
            }
        }
    }
    for (_, aside) in done {
        if let Some(b) = aside {
            discard(&b);
        }
    }
    Ok(())
}

/// Writes `body` into a new temporary file of ours at `tmp` (registered,
/// so a signal handler removes it), removing it again on error.
pub(crate) fn write_temp(tmp: &Path, body: impl FnOnce(File) -> Result<()>) -> Result<()> {
    if let Some(dir) = tmp.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|e| Error::from(e).in_file(dir))?;
    }
    register(tmp);
    let result = (|| {
        let file = fs::OpenOptions::new().read(true).write(true).create_new(true).open(tmp)?;
        // No fsync: the rename alone guarantees that readers never see a
        // partial file, and inputs are never touched, so a crash loses at
        // most the new output. Syncing would double the cost of a conversion.
        body(file)
    })();
    if result.is_err() {
        discard(tmp);
    }
    result
}

/// Forgets (and removes) a temporary file made by [`write_temp`] (the
/// signer's unsigned copy; unused in builds without C2PA).
pub(crate) fn remove_temp(tmp: &Path) {
    discard(tmp);
}

/// The one atomic-write procedure: `fill` makes the temporary file (or
/// folder) beside `path`, which stays as it was on any error; then it is
/// renamed over — at once, or with the rest of its [`all_or_nothing`] group.
fn atomic_with(path: &Path, force: bool, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    check_free(path, force)?;
    let dir = path.parent().unwrap_or(Path::new(""));
    if !dir.as_os_str().is_empty() {
        fs::create_dir_all(dir).map_err(|e| Error::from(e).in_file(dir))?;
    }
    clean_once(dir);
    let tmp = temp_path(path);
    let result = (|| {
        fill(&tmp)?;
        let staged = Staged { tmp: tmp.clone(), target: path.to_path_buf(), force };
        let deferred = GROUP.with(|g| g.borrow_mut().as_mut().map(|v| v.push(staged)).is_some());
        if deferred {
            return Ok(());
        }
        commit(vec![Staged { tmp: tmp.clone(), target: path.to_path_buf(), force }])
    })();
    if result.is_err() {
        discard(&tmp);
    }
    // Errors name the output, never our temporary file.
    result.map_err(|e: Error| e.in_file(path))
}

fn atomic(path: &Path, force: bool, body: impl FnOnce(File) -> Result<()>) -> Result<()> {
    atomic_with(path, force, |tmp| write_temp(tmp, body))
}

/// Makes the folder `path` atomically: `body` fills a new temporary folder
/// (plain writes are fine inside it), which is then renamed into place.
pub fn write_dir(path: &Path, force: bool, body: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    atomic_with(path, force, |tmp| {
        register(tmp);
        fs::create_dir(tmp)?;
        body(tmp)
    })
}

/// Writes `path` atomically through `body`. On any error the temporary file
/// is removed and `path` is left as it was.
pub fn write_atomic(path: &Path, force: bool, body: impl FnOnce(&mut dyn Sink) -> Result<()>) -> Result<()> {
    atomic(path, force, |file| {
        let mut w = FileSink::new(file);
        body(&mut w)?;
        // Flushed, then closed here.
        let _ = w.into_file()?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("vivify-outfile-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).expect("mkdir");
        d
    }

    #[test]
    fn temp_names_are_recognised_and_nothing_else() {
        let t = temp_path(Path::new("/x/clip.mp4"));
        assert!(is_our_temp_name(&t.file_name().expect("name").to_string_lossy()));
        for other in [".clip.mp4.vivify-tmp", "clip.mp4.12345678.vivify-tmp", ".clip.mp4.1234567g.vivify-tmp", ".x"] {
            assert!(!is_our_temp_name(other), "{other}");
        }
    }

    #[test]
    fn a_group_that_fails_leaves_nothing_and_one_that_succeeds_leaves_everything() {
        let d = dir("group");
        let (a, b) = (d.join("a.jpg"), d.join("b.mov"));
        let r: Result<()> = all_or_nothing(|| {
            write_bytes(&a, false, b"still")?;
            assert!(!a.exists(), "staged, not yet renamed");
            Err(Error::Param("the movie failed".into()))
        });
        assert!(r.is_err());
        assert_eq!(fs::read_dir(&d).expect("list").count(), 0, "no part and no temporary left");
        all_or_nothing(|| {
            write_bytes(&a, false, b"still")?;
            write_bytes(&b, false, b"movie")
        })
        .expect("group");
        assert_eq!((fs::read(&a).expect("a"), fs::read(&b).expect("b")), (b"still".to_vec(), b"movie".to_vec()));
        // A part whose name is taken fails the group before anything moves.
        let r = all_or_nothing(|| {
            write_bytes(&d.join("c.jpg"), false, b"new")?;
            write_bytes(&b, false, b"new movie")
        });
        assert!(matches!(r, Err(Error::Exists(_))), "{r:?}");
        assert!(!d.join("c.jpg").exists());
        assert_eq!(fs::read_dir(&d).expect("list").count(), 2);
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn stale_temporaries_are_removed_and_fresh_ones_kept() {
        let d = dir("stale");
        let old = temp_path(&d.join("clip.mp4"));
        let fresh = temp_path(&d.join("clip.MOV"));
        let other = d.join(".notes.txt");
        for p in [&old, &fresh, &other] {
            fs::write(p, b"x").expect("write");
        }
        let two_hours_ago = SystemTime::now() - Duration::from_secs(7200);
        File::options().write(true).open(&old).expect("open").set_modified(two_hours_ago).expect("age");
        File::options().write(true).open(&other).expect("open").set_modified(two_hours_ago).expect("age");
        assert_eq!(remove_stale(&d), 1);
        assert!(!old.exists() && fresh.exists() && other.exists());
        let _ = fs::remove_dir_all(&d);
    }
}
