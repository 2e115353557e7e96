//! A file read in slices: only the bytes a parser asks for are copied, and
//! the many small reads of a parse or a copy come from a few cached blocks.
//! The browser build fetches through JavaScript ([`crate::blob`]); tests
//! fetch from memory and count.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use vivify_media::source::ReadAt;

/// Small reads (box headers one after another, audio and video samples
/// taken from interleaved chunks) are served from a few cached blocks, so
/// parsing a movie's tables or copying a clip costs a few slices, not one
/// per sample.
const BLOCK: u64 = 64 * 1024;
/// Blocks kept, most recently used first: a copy reads two or three tracks
/// at once from nearby chunks.
const BLOCKS: usize = 8;

/// Fills a buffer from an offset of the underlying file; false when the
/// file is shorter (or gone).
pub trait Fetch {
    fn fetch(&self, offset: u64, buf: &mut [u8]) -> bool;
}

/// A file read in slices through `F`, small reads served from cached
/// blocks, every byte fetched counted.
pub struct Sliced<F> {
    fetcher: F,
    len: u64,
    blocks: Mutex<Vec<(u64, Vec<u8>)>>,
    fetched: AtomicU64,
}

impl<F: Fetch> Sliced<F> {
    pub fn new(fetcher: F, len: u64) -> Sliced<F> {
        Sliced { fetcher, len, blocks: Mutex::new(Vec::new()), fetched: AtomicU64::new(0) }
    }

    /// What fetches the bytes.
    pub fn fetcher(&self) -> &F {
        &self.fetcher
    }

    /// Bytes copied out of the file so far (to show that a big video was
    /// read in part).
    pub fn fetched(&self) -> u64 {
        self.fetched.load(Ordering::Relaxed)
    }

    fn fetch(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        if !self.fetcher.fetch(offset, buf) {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file could not be read (gone, or shorter than it was)",
            ));
        }
        self.fetched.fetch_add(buf.len() as u64, Ordering::Relaxed);
        Ok(())
    }
}

impl<F: Fetch + Sync> ReadAt for Sliced<F> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let end = offset.checked_add(buf.len() as u64).filter(|&e| e <= self.len).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{} bytes at offset {offset} run past the end of the file", buf.len()),
            )
        })?;
        let start = offset / BLOCK * BLOCK;
        if buf.len() as u64 > BLOCK / 4 || end > start + BLOCK {
            return self.fetch(offset, buf);
        }
        let mut blocks = self.blocks.lock().unwrap_or_else(|p| p.into_inner());
        match blocks.iter().position(|(s, _)| *s == start) {
            Some(i) => blocks[..=i].rotate_right(1),
            None => {
                let mut block = vec![0; (self.len - start).min(BLOCK) as usize];
                self.fetch(start, &mut block)?;
                blocks.truncate(BLOCKS - 1);
                blocks.insert(0, (start, block));
            }
        }
        let block = &blocks[0].1;
        buf.copy_from_slice(&block[(offset - start) as usize..(end - start) as usize]);
        Ok(())
    }
}
