//! vivify-wasm: the media layer compiled to WebAssembly for the offline page.
//!
//! A page registers its files with the worker that runs this module; these
//! calls read them in slices and hand back downloads: inspect, extract, Live pair ⇄ Motion
//! Photo, and a video's moment → Live pair / Motion Photo with the video
//! copied (the key photo decoded by the browser, or here for HEVC).
//! [`api`] holds the calls on any source, so they are tested natively;
//! `bind` is the thin wasm-bindgen layer the page calls.
#![forbid(unsafe_code)]

pub mod api;
mod bind;
mod blob;
pub mod sliced;
