//! Image classifiers: a small trait so a learned model can score pictures
//! per category. The one vivify knows how to run is NudeNet's 320n detector
//! (feature `nsfw`, run with the pure-Rust `tract`); its weights are not in
//! this repository or crate — `scripts/install-safety-pack` fetches the
//! `nudenet` wheel from PyPI by name and version and checks it by hash. With
//! no classifier installed the other checks still run, and the share check
//! refuses unless the policy allows sharing without one.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::taxonomy::Category;
use vivify_media::error::{Error, Result};
use vivify_picture::image::Rgb;

/// Scores pictures per category, 0 (no sign) to 1 (certain).
pub trait ImageClassifier: Send + Sync {
    /// Name and version, for verdicts and the audit log.
    fn name(&self) -> String;
    fn classify(&self, rgb: &Rgb) -> Result<Vec<(Category, f32)>>;
}

/// The file name of NudeNet's model in the data folder.
pub const NUDENET_FILE: &str = "nudenet-320n.onnx";
/// SHA-256 of `nudenet/320n.onnx` in the PyPI wheel `nudenet==3.4.2`.
pub const NUDENET_SHA256: &str = "c15d8273adad2d0a92f014cc69ab2d6c311a06777a55545f2c4eb46f51911f0f";

/// Where the model is looked for: `$VIVIFY_NSFW_MODEL`, else
/// `DATA/models/nudenet-320n.onnx`.
pub fn model_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("VIVIFY_NSFW_MODEL").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(p));
    }
    super::store::data_dir().map(|d| d.join("models").join(NUDENET_FILE))
}

/// The installed classifier, if any. With the `nsfw` feature, a model file
/// that is present but not the expected one is an error (never silently
/// skipped); without the feature the model cannot run and is left alone.
pub fn installed() -> Result<Option<Arc<dyn ImageClassifier>>> {
    let Some(path) = model_path().filter(|p| p.exists()) else { return Ok(None) };
    if !cfg!(feature = "nsfw") {
        // A build without the runner goes on without it; the share check
        // then says how to get it.
        return Ok(None);
    }
    load(&path).map(Some)
}

/// Loads the classifier from a model file.
#[cfg(feature = "nsfw")]
pub fn load(path: &Path) -> Result<Arc<dyn ImageClassifier>> {
    check_hash(path)?;
    Ok(Arc::new(super::nudenet::NudeNet::load(path)?))
}

/// Without the `nsfw` feature a model file cannot be run.
#[cfg(not(feature = "nsfw"))]
pub fn load(path: &Path) -> Result<Arc<dyn ImageClassifier>> {
    Err(Error::Unsupported(format!(
        "{}: an image classifier is installed, but this vivify was built without the `nsfw` feature to run it",
        path.display()
    )))
}

/// Refuses a model file that is not the published one.
#[cfg_attr(not(feature = "nsfw"), allow(dead_code))]
fn check_hash(path: &Path) -> Result<()> {
    let got = super::store::sha256_file(path)?;
    if got != NUDENET_SHA256 {
        return Err(Error::Invalid {
            what: "image classifier model",
            reason: format!(
                "{} has SHA-256 {got}, not the one of nudenet 3.4.2's 320n.onnx; run scripts/install-safety-pack again",
                path.display()
            ),
        });
    }
    Ok(())
}
