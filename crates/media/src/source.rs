//! Random access to input bytes without loading whole files.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use crate::error::Result;

/// Something we can read at arbitrary offsets: a file, a byte slice, or a
/// window into either (the video inside a motion photo).
pub trait ReadAt {
    /// Total length in bytes.
    fn len(&self) -> u64;
    /// Fills `buf` from `offset`; fails if the range is past the end.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()>;

    /// The file holding the byte at `offset`, and that byte's position in
    /// the file, when this source is a file (lets copies stay in the kernel).
    fn file_at(&self, offset: u64) -> Option<(&File, u64)> {
        let _ = offset;
        None
    }

    /// True when there are no bytes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads `len` bytes at `offset` into a new vector.
    fn read_vec(&self, offset: u64, len: u64) -> io::Result<Vec<u8>> {
        let end = offset.checked_add(len).ok_or_else(|| past_end(offset, len))?;
        if end > self.len() {
            return Err(past_end(offset, len));
        }
        let len = usize::try_from(len).map_err(|_| past_end(offset, len))?;
        let mut buf = vec![0; len];
        self.read_at(offset, &mut buf)?;
        Ok(buf)
    }
}

fn past_end(offset: u64, len: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!("{len} bytes at offset {offset} run past the end of the input"),
    )
}

impl ReadAt for [u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let start = usize::try_from(offset).map_err(|_| past_end(offset, buf.len() as u64))?;
        let end = start.checked_add(buf.len()).filter(|&e| e <= <[u8]>::len(self));
        let end = end.ok_or_else(|| past_end(offset, buf.len() as u64))?;
        buf.copy_from_slice(&self[start..end]);
        Ok(())
    }
}

impl ReadAt for &[u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        (**self).read_at(offset, buf)
    }
}

impl ReadAt for Vec<u8> {
    fn len(&self) -> u64 {
        self.as_slice().len() as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.as_slice().read_at(offset, buf)
    }
}

/// A file opened read-only. Inputs are never opened for writing.
#[derive(Debug)]
pub struct FileSource {
    file: File,
    len: u64,
    /// A spooled copy of standard input that still has a name on disk
    /// (systems that cannot unlink an open file); removed on drop.
    spool: Option<PathBuf>,
}

impl FileSource {
    /// Opens `path` for reading only; anything but a regular file is
    /// refused before it is opened (see [`crate::input`]). Errors name the file.
    pub fn open(path: &Path) -> Result<Self> {
        let (file, len) = crate::input::open(path)?;
        Ok(FileSource { file, len, spool: None })
    }

    /// A second handle on the same open file (for readers that need
    /// `Read + Seek`), so the path is never opened twice.
    pub fn try_clone_file(&self) -> io::Result<File> {
        self.file.try_clone()
    }

    pub(crate) fn spooled(file: File, len: u64, path: PathBuf) -> Self {
        let spool = (!cfg!(unix)).then_some(path);
        FileSource { file, len, spool }
    }
}

impl Drop for FileSource {
    fn drop(&mut self) {
        if let Some(p) = &self.spool {
            let _ = std::fs::remove_file(p);
        }
    }
}

impl ReadAt for FileSource {
    fn len(&self) -> u64 {
        self.len
    }
    fn file_at(&self, offset: u64) -> Option<(&File, u64)> {
        Some((&self.file, offset))
    }
    #[cfg(unix)]
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        use std::os::unix::fs::FileExt;
        self.file.read_exact_at(buf, offset)
    }
    #[cfg(windows)]
    fn read_at(&self, mut offset: u64, mut buf: &mut [u8]) -> io::Result<()> {
        use std::os::windows::fs::FileExt;
        while !buf.is_empty() {
            let n = self.file.seek_read(buf, offset)?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            offset += n as u64;
            buf = &mut buf[n..];
        }
        Ok(())
    }
    /// Elsewhere (WebAssembly, where a browser build reads its files through
    /// other sources anyway): seek then read. Not safe for concurrent readers
    /// of one handle, and nothing on these targets reads from threads.
    #[cfg(not(any(unix, windows)))]
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        use std::io::{Read, Seek, SeekFrom};
        let mut f = &self.file;
        f.seek(SeekFrom::Start(offset))?;
        f.read_exact(buf)
    }
}

/// A window `[base, base + len)` of another source.
pub struct Window<'a> {
    inner: &'a dyn ReadAt,
    base: u64,
    len: u64,
}

impl<'a> Window<'a> {
    /// A window of `inner`; the range is clamped to what `inner` holds.
    pub fn new(inner: &'a dyn ReadAt, base: u64, len: u64) -> Self {
        let base = base.min(inner.len());
        let len = len.min(inner.len() - base);
        Window { inner, base, len }
    }

    /// Offset of this window in the underlying source.
    pub fn base(&self) -> u64 {
        self.base
    }
}

impl ReadAt for Window<'_> {
    fn len(&self) -> u64 {
        self.len
    }
    fn file_at(&self, offset: u64) -> Option<(&File, u64)> {
        self.inner.file_at(self.base + offset)
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let end = offset.checked_add(buf.len() as u64);
        if end.is_none_or(|e| e > self.len) {
            return Err(past_end(offset, buf.len() as u64));
        }
        self.inner.read_at(self.base + offset, buf)
    }
}
