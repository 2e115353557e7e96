//! The text pack's side: reading sentences the way its sentence model
//! (all-MiniLM-L6-v2) was trained to read them.

pub mod bank;
pub mod minilm;
pub mod wordpiece;
