//! vivify: Live Photos, Motion Photos and living moments, done in Rust.
//!
//! This crate is the whole toolkit behind one library: it re-exports each
//! layer of the workspace under one name, lowest first, and adds the bundled
//! demo. The `vivify` command line only translates arguments into calls of
//! these. A program that needs less depends on a layer directly, e.g.
//! `vivify-media` alone to inspect and convert Live and Motion Photos with
//! no C code, no SQLite and no cryptography.
#![forbid(unsafe_code)]

pub use vivify_media::{
    audio, batch, bmff, bytes, claim, convert, cut, dirs, error, heic, input, inspect, jpeg, limits, outfile, package,
    probe, progress, sef, sink, source, xmp,
};
pub use vivify_media::{Error, ErrorClass, Progress, Quiet, Result};

/// Photo → living moment (vivify-alive).
pub use vivify_alive as alive;
/// Video decoding and encoding (vivify-codec).
pub use vivify_codec as codec;
/// Video → Live Photo and Motion Photo (vivify-live).
pub use vivify_live as livevideo;
/// The optional model packs and their runtime (vivify-models).
pub use vivify_models as models;
/// Pixels, photo decoding, faces (vivify-picture).
pub use vivify_picture as picture;
/// Signing and verifying Content Credentials (vivify-provenance).
pub use vivify_provenance as provenance;
/// The safety checkpoints and report handling (vivify-safety).
pub use vivify_safety as safety;

pub mod demo;
