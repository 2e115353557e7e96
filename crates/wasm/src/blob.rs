//! A file the page registered (a `File` or `Blob`), read in slices: only the
//! bytes a parser asks for cross into wasm memory. The worker that runs us
//! defines `vivifyFiles.read_into`, which reads a `Blob.slice` with the
//! synchronous `FileReaderSync` that only workers have.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use vivify_media::source::ReadAt;
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = vivifyFiles)]
    fn read_into(handle: u32, offset: f64, buf: &mut [u8]) -> bool;
    /// Keeps a panic's message for the page (a trap alone says nothing).
    #[wasm_bindgen(js_namespace = vivifyFiles)]
    fn panicked(message: &str);
}

/// Sends panic messages to the worker before the module traps.
#[wasm_bindgen(start)]
fn start() {
    std::panic::set_hook(Box::new(|info| panicked(&info.to_string())));
}

/// Small reads (box headers, one after another) are served from one cached
/// block, so parsing a movie's tables costs a few slices, not thousands.
const BLOCK: u64 = 64 * 1024;

/// A registered file. Holds a number, not a JS object, so it is `Sync` like
/// every other source (nothing in a browser build reads from threads).
pub struct BlobSource {
    handle: u32,
    len: u64,
    block: Mutex<Option<(u64, Vec<u8>)>>,
    fetched: AtomicU64,
}

impl BlobSource {
    /// `len` is the `Blob`'s size as JS gives it (a double, exact to 2^53).
    pub fn new(handle: u32, len: f64) -> BlobSource {
        let len = if len.is_finite() && len >= 0.0 { len as u64 } else { 0 };
        BlobSource { handle, len, block: Mutex::new(None), fetched: AtomicU64::new(0) }
    }

    /// Bytes copied out of the file so far (to show that a big video was
    /// read in part).
    pub fn fetched(&self) -> u64 {
        self.fetched.load(Ordering::Relaxed)
    }

    fn fetch(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        if !read_into(self.handle, offset as f64, buf) {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file could not be read (gone, or shorter than it was)",
            ));
        }
        self.fetched.fetch_add(buf.len() as u64, Ordering::Relaxed);
        Ok(())
    }
}

impl ReadAt for BlobSource {
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
        let mut cached = self.block.lock().unwrap_or_else(|p| p.into_inner());
        if cached.as_ref().map(|(s, _)| *s) != Some(start) {
            let mut block = vec![0; (self.len - start).min(BLOCK) as usize];
            self.fetch(start, &mut block)?;
            *cached = Some((start, block));
        }
        if let Some((_, block)) = cached.as_ref() {
            buf.copy_from_slice(&block[(offset - start) as usize..(end - start) as usize]);
        }
        Ok(())
    }
}
