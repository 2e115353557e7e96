//! vivify: Live Photos, Motion Photos and living moments, done in Rust.
//!
//! The library holds all the work; the `vivify` command line only translates
//! arguments into calls of [`api`].

pub mod bmff;
pub mod bytes;
pub mod error;
pub mod limits;
pub mod source;

pub use error::{Error, ErrorClass, Result};
pub mod alive;
pub mod batch;
pub mod codec;
pub mod convert;
pub mod cut;
pub mod demo;
pub mod dirs;
pub mod heic;
pub mod input;
pub mod inspect;
pub mod jpeg;
pub mod livevideo;
pub mod moment;
pub mod outfile;
pub mod package;
pub mod probe;
pub mod provenance;
pub mod safety;
pub mod sef;
pub mod sink;
pub mod still;
pub mod xmp;
