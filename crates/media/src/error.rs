//! One error type for the whole library, grouped by whose fault the failure is.

use std::path::{Path, PathBuf};

/// Any error from below us (a codec library, SQLite, the C2PA SDK), kept as
/// the cause so nothing it said is lost.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong in vivify.
///
/// The variants are grouped so that a front end can choose an exit code or an
/// HTTP status without string matching: [`Error::Invalid`], [`Error::Unsupported`]
/// and [`Error::Limits`] are the input's fault, [`Error::Param`] the caller's,
/// [`Error::Io`] and [`Error::Codec`] the environment's.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The bytes do not follow the format they claim to be.
    #[error("invalid {what}: {reason}")]
    Invalid { what: &'static str, reason: String },
    /// An input that is not there, or that we may not read.
    #[error("{0}")]
    Unreadable(String),
    /// The input is well formed but uses something we do not handle.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A size, count or duration read from the input is above a safety cap.
    #[error("limit exceeded: {0}")]
    Limits(String),
    /// The caller asked for something impossible (bad time range, bad option).
    #[error("{0}")]
    Param(String),
    /// An encoder or decoder failed; `source` is what the codec said.
    #[error("codec: {what}")]
    Codec {
        what: String,
        #[source]
        source: Option<BoxError>,
    },
    /// Someone else changed the state first (a case decided or appealed by
    /// another process), or the step is not this person's to take (a case
    /// assigned to another moderator, an appeal against one's own decision).
    #[error("{0}")]
    Conflict(String),
    /// An output already exists and overwriting was not allowed.
    #[error("{} already exists (use --force to replace it)", .0.display())]
    Exists(PathBuf),
    /// Reading or writing failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A signing certificate or key is missing, malformed, expired or unfit
    /// for Content Credentials.
    #[error("signing credentials: {0}")]
    Credentials(String),
    /// Content Credentials could not be made or read; `source` is what the
    /// C2PA SDK or the key encoder said.
    #[error("content credentials: {what}")]
    Provenance {
        what: String,
        #[source]
        source: Option<BoxError>,
    },
    /// The safety database could not be read or written; `source` is what
    /// SQLite said.
    #[error("safety database: {what}")]
    Store {
        what: String,
        #[source]
        source: Option<BoxError>,
    },
    /// The request was refused by the safety policy. The refusal itself (a
    /// `vivify_safety::Refusal`, which the safety layer downcasts to) says
    /// which rule, why and what the person can do.
    #[error("refused: {0}")]
    Refused(BoxError),
    /// A bug: a worker thread panicked, a lock was poisoned.
    #[error("internal error: {0}")]
    Internal(String),
    /// The caller cancelled the work.
    #[error("cancelled; nothing was written")]
    Cancelled,
    /// Another error, tied to the file it happened in. Its text includes
    /// the inner error's, and its cause is the inner error's cause.
    #[error("{}: {inner}", path.display())]
    InFile {
        path: PathBuf,
        #[source]
        inner: Box<Error>,
    },
}

/// Broad class of an error, used for exit codes and API status codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorClass {
    /// The input file is broken, unsupported or too large.
    BadInput,
    /// The request was wrong.
    Usage,
    /// The safety policy refused the request.
    Refused,
    /// The moderation state does not allow this step by this person now.
    Conflict,
    /// An output already exists and `--force` was not given.
    Exists,
    /// Anything else (I/O, encoder failures).
    Failure,
}

impl Error {
    /// The bytes of `what` break its format because of `reason`.
    pub fn invalid(what: &'static str, reason: impl Into<String>) -> Self {
        Error::Invalid { what, reason: reason.into() }
    }

    /// A codec failure we found ourselves (no library error behind it).
    pub fn codec(what: impl Into<String>) -> Self {
        Error::Codec { what: what.into(), source: None }
    }

    /// A codec failure, keeping what the codec library said as the cause.
    pub fn codec_from(what: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Codec { what: what.into(), source: Some(source.into()) }
    }

    /// A safety database failure found by our own checks.
    pub fn store(what: impl Into<String>) -> Self {
        Error::Store { what: what.into(), source: None }
    }

    /// A safety database failure, keeping what SQLite said as the cause.
    pub fn store_from(what: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Store { what: what.into(), source: Some(source.into()) }
    }

    /// A Content Credentials failure, keeping the cause.
    pub fn provenance_from(what: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Provenance { what: what.into(), source: Some(source.into()) }
    }

    /// The whole story in one line: this error, then each cause not already
    /// part of the text before it, joined by ": ".
    pub fn report(&self) -> String {
        chain_text(self)
    }

    /// Attaches the file the error is about, unless one is attached already.
    pub fn in_file(self, path: &Path) -> Self {
        match self {
            Error::InFile { .. } | Error::Exists(_) | Error::Cancelled | Error::Refused(_) | Error::Conflict(_) => self,
            other => Error::InFile { path: path.to_path_buf(), inner: Box::new(other) },
        }
    }

    /// Which kind of fault this is.
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::Invalid { .. }
            | Error::Unreadable(_)
            | Error::Unsupported(_)
            | Error::Limits(_)
            | Error::Credentials(_) => ErrorClass::BadInput,
            Error::Param(_) => ErrorClass::Usage,
            Error::Refused(_) => ErrorClass::Refused,
            Error::Conflict(_) => ErrorClass::Conflict,
            Error::Exists(_) => ErrorClass::Exists,
            Error::InFile { inner, .. } => inner.class(),
            // Reading past the end of an input means the input is cut short;
            // outputs never report this kind.
            Error::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => ErrorClass::BadInput,
            Error::Codec { .. }
            | Error::Io(_)
            | Error::Cancelled
            | Error::Provenance { .. }
            | Error::Store { .. }
            | Error::Internal(_) => ErrorClass::Failure,
        }
    }
}

/// `err` and its causes in one line, each cause once: a wrapper whose text
/// already holds its inner error's (like [`Error::InFile`]) adds nothing.
pub fn chain_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut cause = std::error::Error::source(err);
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.ends_with(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = c.source();
    }
    text
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cause_of_a_codec_error_is_kept_and_told_once() {
        let io = std::io::Error::other("bitstream ends inside a slice");
        let e = Error::codec_from("H.264 decode", io).in_file(Path::new("clip.mp4"));
        let cause = std::error::Error::source(&e).and_then(std::error::Error::source).map(ToString::to_string);
        assert_eq!(cause.as_deref(), Some("bitstream ends inside a slice"));
        assert_eq!(e.report(), "clip.mp4: codec: H.264 decode: bitstream ends inside a slice");
        assert_eq!(e.class(), ErrorClass::Failure);
    }
}
