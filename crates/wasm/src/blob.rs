//! A file the page registered (a `File` or `Blob`), read in slices. The
//! worker that runs this module defines `vivifyFiles.read_into`, which
//! reads a `Blob.slice` with the synchronous `FileReaderSync` that only
//! workers have.

use wasm_bindgen::prelude::wasm_bindgen;

use crate::sliced::{Fetch, Sliced};

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

/// A registered file's number. A number, not a JS object, so the source is
/// `Sync` like every other (nothing in a browser build reads from threads).
pub struct Handle(u32);

impl Fetch for Handle {
    fn fetch(&self, offset: u64, buf: &mut [u8]) -> bool {
        read_into(self.0, offset as f64, buf)
    }
}

/// A registered file as a source; `size` is the `Blob`'s size as JS gives
/// it (a double, exact to 2^53).
pub fn source(handle: u32, size: f64) -> Sliced<Handle> {
    let len = if size.is_finite() && size >= 0.0 { size as u64 } else { 0 };
    Sliced::new(Handle(handle), len)
}
