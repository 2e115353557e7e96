//! vivify-media: the containers of Live Photos and Motion Photos, read and
//! written byte for byte.
//!
//! ISO-BMFF (every box in [`bmff::boxes`]), JPEG, HEIF, XMP and Samsung's
//! SEF trailer; the Live and Motion Photo packages built from them;
//! `inspect` and its rules, Live ⇄ Motion conversion and extraction; safe
//! input and atomic output files; the claims that describe an output (signed
//! by a layer above through [`claim::Seal`]) and the one progress type.
//!
//! This is the lowest layer of the workspace: it holds no C code, starts no
//! threads and builds for `wasm32-unknown-unknown`.
#![forbid(unsafe_code)]

pub mod audio;
pub mod batch;
pub mod bmff;
pub mod bytes;
pub mod claim;
pub mod convert;
pub mod cut;
pub mod dirs;
pub mod error;
pub mod heic;
pub mod input;
pub mod inspect;
pub mod jpeg;
pub mod limits;
pub mod outfile;
pub mod package;
pub mod probe;
pub mod progress;
pub mod sef;
pub mod sink;
pub mod source;
pub mod xmp;

pub use error::{Error, ErrorClass, Result};
pub use progress::{Progress, Quiet};
