//! vivify-picture: pixels. RGB planes and resizing, photos decoded from
//! JPEG, PNG and HEIC (the grid of HEVC tiles), face boxes, the key photo
//! encoded as JPEG, and the parallel helper the layers above share.

pub mod faces;
pub mod heic_image;
pub mod image;
pub mod parallel;
pub mod photo;
pub mod still;
