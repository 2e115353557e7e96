//! Opening inputs. Only regular files are read: a FIFO would block `open`
//! for ever, `/dev/zero` or `/dev/urandom` never end, and a folder is not a
//! file. The kind is checked from the metadata *before* opening, the open
//! itself cannot block (`O_NONBLOCK` on Unix, in case the path was swapped
//! for a FIFO in between), and the opened handle is checked once more.
//! Every whole-file read is capped, and standard input is spooled to an
//! unlinked temporary file rather than memory.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

use crate::error::{Error, Result};
use crate::source::FileSource;

/// What a non-regular file is, in words for an error message.
fn kind_of(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a folder, not a file";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe (FIFO), not a regular file";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device, not a regular file";
        }
        if t.is_socket() {
            return "a socket, not a regular file";
        }
    }
    "not a regular file"
}

fn not_regular(path: &Path, meta: &Metadata) -> Error {
    Error::invalid("input", kind_of(meta)).in_file(path)
}

/// Checks that `path` (after following symlinks) is a regular file, without
/// opening it; returns its length.
pub fn regular_file(path: &Path) -> Result<u64> {
    let meta = fs::metadata(path).map_err(|e| unreadable(e).in_file(path))?;
    if !meta.is_file() {
        return Err(not_regular(path, &meta));
    }
    Ok(meta.len())
}

/// A missing or forbidden input is the input's fault (exit 3), in plain
/// words; any other failure to look at it stays an I/O failure.
fn unreadable(e: io::Error) -> Error {
    match e.kind() {
        io::ErrorKind::NotFound => Error::Unreadable("no such file".into()),
        io::ErrorKind::PermissionDenied => Error::Unreadable("not allowed to read it (permission denied)".into()),
        _ => Error::from(e),
    }
}

/// Opens a regular file for reading only; anything else is refused before
/// it is opened. Returns the file and its length.
pub fn open(path: &Path) -> Result<(File, u64)> {
    regular_file(path)?;
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Has no effect on a regular file; keeps a FIFO swapped in after the
        // check from blocking the open.
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| unreadable(e).in_file(path))?;
    let meta = file.metadata().map_err(|e| Error::from(e).in_file(path))?;
    if !meta.is_file() {
        return Err(not_regular(path, &meta));
    }
    Ok((file, meta.len()))
}

/// Reads a whole regular file of at most `cap` bytes (`what` names it in
/// the error when it is larger).
pub fn read(path: &Path, cap: u64, what: &str) -> Result<Vec<u8>> {
    let (file, len) = open(path)?;
    crate::limits::check(what, len, cap).map_err(|e| e.in_file(path))?;
    let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    // The file may grow after the check; never read past the cap.
    file.take(cap + 1).read_to_end(&mut buf).map_err(|e| Error::from(e).in_file(path))?;
    crate::limits::check(what, buf.len() as u64, cap).map_err(|e| e.in_file(path))?;
    Ok(buf)
}

/// Copies `reader` (standard input) into an unlinked temporary file, at
/// most `cap` bytes, and returns it as a random-access source. Nothing is
/// left on disk whatever happens to the process.
pub fn spool(reader: &mut dyn Read, cap: u64, name: &str) -> Result<FileSource> {
    let path = std::env::temp_dir().join(format!(
        ".vivify-spool.{}.{}.vivify-tmp",
        std::process::id(),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    ));
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| Error::from(e).in_file(&path))?;
    // On Unix the name goes at once (the open handle keeps the data); on
    // other systems it goes when the copy fails or the source is dropped.
    #[cfg(unix)]
    let _ = fs::remove_file(&path);
    let copied = io::copy(&mut reader.take(cap + 1), &mut file);
    let result = match copied {
        Ok(n) if n > cap => Err(Error::Limits(format!("{name} is larger than {cap} bytes"))),
        Ok(n) => Ok(FileSource::spooled(file, n, path.clone())),
        Err(e) => Err(Error::from(e).in_file(Path::new(name))),
    };
    #[cfg(not(unix))]
    if result.is_err() {
        let _ = fs::remove_file(&path);
    }
    result
}

/// Reads `reader` into memory, at most `cap` bytes (for inputs that must be
/// held whole anyway, such as a photo whose bytes become a Live still).
pub fn read_capped(reader: &mut dyn Read, cap: u64, name: &str) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    reader.take(cap + 1).read_to_end(&mut buf).map_err(|e| Error::from(e).in_file(Path::new(name)))?;
    if buf.len() as u64 > cap {
        return Err(Error::Limits(format!("{name} is larger than {cap} bytes")));
    }
    Ok(buf)
}
