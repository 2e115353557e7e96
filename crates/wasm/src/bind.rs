//! The JavaScript face of [`crate::api`]: sizes come as doubles (a `Blob`'s
//! size), results as JSON text or a [`Made`] the page turns into downloads.
//! Errors become exceptions whose text names the file and the problem.

use wasm_bindgen::prelude::*;

use crate::api::{self, Body, Cut, Outputs};
use crate::blob::source;

fn fail(e: &vivify_media::Error) -> JsError {
    JsError::new(&vivify_media::error::chain_text(e))
}

fn text(v: &serde_json::Value) -> String {
    v.to_string()
}

/// Downloads made by a call.
#[wasm_bindgen]
pub struct Made {
    out: Outputs,
    fetched: f64,
}

#[wasm_bindgen]
impl Made {
    /// How many files.
    pub fn count(&self) -> usize {
        self.out.files.len()
    }
    pub fn name(&self, i: usize) -> String {
        self.out.files.get(i).map(|f| f.name.clone()).unwrap_or_default()
    }
    pub fn mime(&self, i: usize) -> String {
        self.out.files.get(i).map(|f| f.mime.to_string()).unwrap_or_default()
    }
    /// The file's bytes, or nothing when it is a range of an input.
    pub fn bytes(&self, i: usize) -> Option<Vec<u8>> {
        match self.out.files.get(i).map(|f| &f.body) {
            Some(Body::Bytes(b)) => Some(b.clone()),
            _ => None,
        }
    }
    /// `[input, offset, length]` when the file is a range of an input.
    pub fn range(&self, i: usize) -> Option<Vec<f64>> {
        match self.out.files.get(i).map(|f| &f.body) {
            Some(Body::InputRange { input, offset, len }) => Some(vec![*input as f64, *offset as f64, *len as f64]),
            _ => None,
        }
    }
    /// The call's report, as JSON.
    pub fn report(&self) -> String {
        text(&self.out.report)
    }
    /// Bytes read from the inputs.
    pub fn fetched(&self) -> f64 {
        self.fetched
    }
}

/// `inspect`, as JSON: `{headline, details, report}`.
#[wasm_bindgen]
pub fn inspect(handle: u32, size: f64, name: &str) -> Result<String, JsError> {
    let src = source(handle, size);
    api::inspect(name, &src).map(|v| text(&v)).map_err(|e| fail(&e.in_file(std::path::Path::new(name))))
}

#[wasm_bindgen]
pub fn live_to_motion(
    still: u32,
    still_size: f64,
    still_name: &str,
    mov: u32,
    mov_size: f64,
    mov_name: &str,
    samsung: bool,
) -> Result<Made, JsError> {
    let (s, m) = (source(still, still_size), source(mov, mov_size));
    let out = api::live_to_motion(still_name, &s, mov_name, &m, samsung).map_err(|e| fail(&e))?;
    Ok(Made { out, fetched: (s.fetched() + m.fetched()) as f64 })
}

#[wasm_bindgen]
pub fn motion_to_live(handle: u32, size: f64, name: &str) -> Result<Made, JsError> {
    let src = source(handle, size);
    let out = api::motion_to_live(name, &src).map_err(|e| fail(&e))?;
    Ok(Made { out, fetched: src.fetched() as f64 })
}

#[wasm_bindgen]
pub fn extract(handle: u32, size: f64, name: &str) -> Result<Made, JsError> {
    let src = source(handle, size);
    let out = api::extract(name, &src).map_err(|e| fail(&e))?;
    Ok(Made { out, fetched: src.fetched() as f64 })
}

/// A video's key frames and suggested moment, as JSON.
#[wasm_bindgen]
pub fn cut_plan(handle: u32, size: f64, name: &str) -> Result<String, JsError> {
    let src = source(handle, size);
    api::cut_plan(name, &src).map(|v| text(&v)).map_err(|e| fail(&e))
}

/// A video's moment → Live pair and/or Motion Photo (see
/// [`api::video_to_live`]); `key_jpeg` may be empty.
#[allow(clippy::too_many_arguments)]
#[wasm_bindgen]
pub fn video_to_live(
    handle: u32,
    size: f64,
    name: &str,
    start_s: f64,
    end_s: f64,
    still_s: f64,
    live: bool,
    motion: bool,
    samsung: bool,
    mute: bool,
    key_jpeg: &[u8],
) -> Result<Made, JsError> {
    let src = source(handle, size);
    let cut = Cut { start_s, end_s, still_s, live, motion, samsung, mute };
    let key = (!key_jpeg.is_empty()).then_some(key_jpeg);
    let out = api::video_to_live(name, &src, cut, key).map_err(|e| fail(&e))?;
    Ok(Made { out, fetched: src.fetched() as f64 })
}
