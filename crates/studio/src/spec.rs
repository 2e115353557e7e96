//! What a job is asked to do, as the API takes it, and how each kind turns
//! into a library call. Checked when the job is queued (so a bad request
//! is a 400 at once, not a failed job later) and again when it runs.

use std::path::Path;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::files::{describe_outputs, OutputFile};
use crate::store::{valid_id, Store, Upload};
use crate::Settings;

/// A photo brought to life.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AliveSpec {
    /// The uploaded photo (`POST /api/uploads`).
    pub upload: String,
    /// What should happen ("clouds drift, gentle zoom in"); checked by the
    /// prompt check like on the command line.
    #[serde(default)]
    pub prompt: Option<String>,
    /// Seconds, 0.5 to 30.
    #[serde(default = "default_duration")]
    pub duration: f32,
    /// `auto` (long side ≤ 1920), `story` (1080×1920), `source` or `WxH`.
    #[serde(default = "default_size")]
    pub size: String,
    /// Frames a second, 1 to 60.
    #[serde(default = "default_fps")]
    pub fps: u32,
    /// The last frame leads back into the first.
    #[serde(default)]
    pub looped: bool,
    /// The same seed, photo and prompt make the same clip.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// No ambient sound.
    #[serde(default)]
    pub mute: bool,
    /// Also a Live Photo pair (key photo + MOV).
    #[serde(default = "yes")]
    pub live: bool,
    /// Also a Motion Photo.
    #[serde(default = "yes")]
    pub motion: bool,
    /// Also the explain sheets (masks, depth, plan notes).
    #[serde(default = "yes")]
    pub explain: bool,
}

fn default_duration() -> f32 {
    3.0
}
fn default_size() -> String {
    "auto".into()
}
fn default_fps() -> u32 {
    30
}
fn default_seed() -> u64 {
    1
}
fn yes() -> bool {
    true
}

/// A job request, as sent and as stored: `kind` says which, the rest is
/// that kind's options.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobSpec {
    /// Photo → living moment.
    Alive(AliveSpec),
}

impl JobSpec {
    pub fn kind(&self) -> &'static str {
        match self {
            JobSpec::Alive(_) => "alive",
        }
    }

    /// Interactive work (one photo, someone waiting) before batches.
    pub fn priority(&self) -> i32 {
        0
    }

    /// The request is sound and its upload exists and is the right kind.
    pub fn validate(&self, store: &dyn Store) -> Result<Upload, ApiError> {
        match self {
            JobSpec::Alive(s) => {
                let upload = upload_of(store, &s.upload)?;
                if upload.kind != "photo" {
                    return Err(ApiError::bad_request(format!(
                        "upload {} ({}) is a {}; bringing to life needs a photo (JPEG, PNG or HEIC)",
                        upload.id, upload.name, upload.kind
                    )));
                }
                if !(0.5..=30.0).contains(&s.duration) {
                    return Err(ApiError::bad_request(format!("duration {}: choose 0.5 to 30 seconds", s.duration)));
                }
                if !(1..=60).contains(&s.fps) {
                    return Err(ApiError::bad_request(format!("fps {}: choose 1 to 60", s.fps)));
                }
                s.size.parse::<vivify::alive::SizeSpec>().map_err(|e| ApiError::bad_request(format!("size {e}")))?;
                if s.prompt.as_deref().is_some_and(|p| p.chars().count() > 1000) {
                    return Err(ApiError::bad_request("the prompt is longer than 1000 characters"));
                }
                Ok(upload)
            }
        }
    }

    /// Runs the job, writing into `dir`; what it made, as the job's result.
    pub fn run(
        &self,
        settings: &Settings,
        dir: &Path,
        progress: &dyn vivify::Progress,
    ) -> vivify::Result<serde_json::Value> {
        match self {
            JobSpec::Alive(s) => run_alive(s, settings, dir, progress),
        }
    }
}

fn upload_of(store: &dyn Store, id: &str) -> Result<Upload, ApiError> {
    if !valid_id(id) {
        return Err(ApiError::bad_request(format!("'{id}' is not an upload id")));
    }
    store.upload(id)?.ok_or_else(|| ApiError::not_found(format!("no upload {id}")))
}

fn run_alive(
    s: &AliveSpec,
    settings: &Settings,
    dir: &Path,
    progress: &dyn vivify::Progress,
) -> vivify::Result<serde_json::Value> {
    use vivify::alive::{make, AliveOptions};
    let photo = settings.upload_path(&s.upload);
    let mut opts = AliveOptions::new(dir.join("alive.mp4"));
    opts.prompt = s.prompt.clone().filter(|p| !p.trim().is_empty());
    opts.duration = s.duration;
    opts.size = s.size.parse().map_err(vivify::Error::Param)?;
    opts.fps = s.fps;
    opts.looped = s.looped;
    opts.seed = s.seed;
    opts.mute = s.mute;
    opts.live = s.live;
    opts.motion = s.motion;
    opts.explain = s.explain.then(|| dir.to_path_buf());
    opts.signing = settings.signing.clone();
    opts.checks = settings.checks.clone();
    let report = make(&photo, &opts, progress)?;
    let files: Vec<OutputFile> = describe_outputs(dir, &report.outputs);
    let mut v = serde_json::to_value(&report).map_err(|e| vivify::Error::Param(e.to_string()))?;
    if let Some(o) = v.as_object_mut() {
        // Paths on the server mean nothing to a client: files by name.
        o.remove("outputs");
        o.remove("input");
        o.insert("files".into(), serde_json::to_value(&files).unwrap_or_default());
    }
    Ok(v)
}
