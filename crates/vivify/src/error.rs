//! One error type for the whole library, grouped by whose fault the failure is.

use std::path::{Path, PathBuf};

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
    /// The input is well formed but uses something we do not handle.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A size, count or duration read from the input is above a safety cap.
    #[error("limit exceeded: {0}")]
    Limits(String),
    /// The caller asked for something impossible (bad time range, bad option).
    #[error("{0}")]
    Param(String),
    /// An encoder or decoder failed.
    #[error("codec: {0}")]
    Codec(String),
    /// Someone else changed the state first (a case decided or appealed by
    /// another process), or the step is not this person's to take (a case
    /// assigned to another moderator, an appeal against one's own decision).
    #[error("{0}")]
    Conflict(String),
    /// An output already exists and overwriting was not allowed.
    #[error("{} already exists (use --force to replace it)", .0.display())]
    Exists(PathBuf),
    /// Reading or writing failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A signing certificate or key is missing, malformed, expired or unfit
    /// for Content Credentials.
    #[error("signing credentials: {0}")]
    Credentials(String),
    /// Content Credentials could not be made or read.
    #[error("content credentials: {0}")]
    Provenance(String),
    /// The safety database could not be read or written.
    #[error("safety database: {0}")]
    Store(String),
    /// The request was refused by the safety policy.
    #[error("refused: {0}")]
    Refused(Box<crate::safety::Refusal>),
    /// The caller cancelled the work.
    #[error("cancelled; nothing was written")]
    Cancelled,
    /// Another error, tied to the file it happened in.
    #[error("{}: {inner}", path.display())]
    InFile { path: PathBuf, inner: Box<Error> },
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
    pub(crate) fn invalid(what: &'static str, reason: impl Into<String>) -> Self {
        Error::Invalid { what, reason: reason.into() }
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
            Error::Invalid { .. } | Error::Unsupported(_) | Error::Limits(_) | Error::Credentials(_) => {
                ErrorClass::BadInput
            }
            Error::Param(_) => ErrorClass::Usage,
            Error::Refused(_) => ErrorClass::Refused,
            Error::Conflict(_) => ErrorClass::Conflict,
            Error::Exists(_) => ErrorClass::Exists,
            Error::InFile { inner, .. } => inner.class(),
            // Reading past the end of an input means the input is cut short;
            // outputs never report this kind.
            Error::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => ErrorClass::BadInput,
            Error::Codec(_) | Error::Io(_) | Error::Cancelled | Error::Provenance(_) | Error::Store(_) => {
                ErrorClass::Failure
            }
        }
    }
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
