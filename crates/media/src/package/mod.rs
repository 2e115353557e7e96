//! Packaging formats: Apple Live Photo (still + MOV) and Google/Samsung
//! Motion Photo (still with the video appended).

pub mod live;
pub mod motion;

/// A new upper-case UUID, the form every iPhone writes.
pub fn new_content_id() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string().to_uppercase()
}
