//! Where output bytes go. A [`Sink`] is a writer that can also copy a range
//! of an input; into a file, from a file, that copy stays in the kernel
//! (`copy_file_range` through `std::io::copy`), which makes a remux nearly
//! as fast as copying the files.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};

use crate::error::Result;
use crate::source::ReadAt;

/// A writer that can copy ranges of a source.
pub trait Sink: Write {
    /// Appends `len` bytes of `src` starting at `offset`.
    fn copy_range(&mut self, src: &dyn ReadAt, offset: u64, len: u64) -> Result<()> {
        copy_through_buffer(src, offset, len, self)
    }
}

fn copy_through_buffer<W: Write + ?Sized>(src: &dyn ReadAt, offset: u64, len: u64, out: &mut W) -> Result<()> {
    let mut buf = vec![0u8; len.min(1 << 20) as usize];
    let mut done = 0u64;
    while done < len {
        let n = (len - done).min(buf.len() as u64) as usize;
        src.read_at(offset + done, &mut buf[..n])?;
        out.write_all(&buf[..n])?;
        done += n as u64;
    }
    Ok(())
}

impl Sink for Vec<u8> {
    fn copy_range(&mut self, src: &dyn ReadAt, offset: u64, len: u64) -> Result<()> {
        let at = self.len();
        let n = usize::try_from(len).map_err(|_| io::Error::other("range does not fit in memory"))?;
        self.resize(at + n, 0);
        src.read_at(offset, &mut self[at..])?;
        Ok(())
    }
}

/// A buffered file that copies file ranges in the kernel.
pub struct FileSink {
    w: BufWriter<File>,
}

impl FileSink {
    pub fn new(file: File) -> Self {
        FileSink { w: BufWriter::with_capacity(1 << 20, file) }
    }

    pub fn into_file(self) -> io::Result<File> {
        self.w.into_inner().map_err(|e| e.into_error())
    }
}

impl Write for FileSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.w.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.w.write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

impl Sink for FileSink {
    fn copy_range(&mut self, src: &dyn ReadAt, offset: u64, len: u64) -> Result<()> {
        // Small ranges are cheaper through the buffer than as a syscall.
        let Some((file, at)) = src.file_at(offset).filter(|_| len >= 64 * 1024) else {
            return copy_through_buffer(src, offset, len, self);
        };
        self.w.flush()?;
        // Inputs are read everywhere else with positioned reads, so moving
        // the shared cursor here disturbs nothing.
        let mut f: &File = file;
        f.seek(SeekFrom::Start(at))?;
        let copied = io::copy(&mut f.take(len), self.w.get_mut())?;
        if copied != len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("input ended after {copied} of {len} bytes"),
            )
            .into());
        }
        Ok(())
    }
}
