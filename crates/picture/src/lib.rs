//! vivify-picture: pixels. RGB planes and resizing, photos decoded from
//! JPEG, PNG and HEIC (the grid of HEVC tiles), face boxes, the key photo
//! encoded as JPEG, and the parallel helper the layers above share.

// The workspace denies `unsafe`; every crate but this one forbids it. Here
// one module, `rows`, holds the compositor's AVX2 sampling loop (the hottest
// code of a render), its soundness argued beside it and its output held to
// the safe path's by tests.
pub mod faces;
pub mod heic_image;
pub mod image;
pub mod parallel;
pub mod photo;
pub mod rows;
pub mod still;
