//! Video codecs: H.264 decode and encode through the bundled OpenH264, plus
//! the picture type they exchange.

pub mod frame;
pub mod h264;

pub use frame::Frame;
