//! Errors of the model packs and their runtime.

use std::path::PathBuf;

/// What went wrong with a model pack or a model.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A pack's file could not be read.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A pack is there but not as its manifest says (missing file, other
    /// bytes, unreadable manifest).
    #[error("the {pack} model pack in {dir} is damaged: {problem}; run scripts/install-model-packs {pack} again")]
    Damaged { pack: String, dir: PathBuf, problem: String },
    /// A pack that is needed is not installed.
    #[error("the {pack} model pack is not installed ({adds}); run scripts/install-model-packs {pack}")]
    Missing { pack: String, adds: String },
    /// A model file is not what its reader expects.
    #[error("{model}: {problem}")]
    Model { model: String, problem: String },
}

pub type Result<T> = std::result::Result<T, Error>;
