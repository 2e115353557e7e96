//! What a job is asked to do, as the API takes it: one request type per
//! kind, checked when the job is queued (so a bad request is a 400 at once,
//! not a failed job later). `run.rs` turns each into library calls.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::run::{self, RunContext};
use crate::store::{valid_id, Store, Upload};

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

/// A video's filmstrip and the moment vivify would choose.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewSpec {
    /// The uploaded video.
    pub upload: String,
    /// Frames in the strip, 1 to 48.
    #[serde(default = "default_frames")]
    pub frames: usize,
    /// Their height in pixels, 32 to 360.
    #[serde(default = "default_thumb_height")]
    pub height: usize,
}

fn default_frames() -> usize {
    12
}
fn default_thumb_height() -> usize {
    96
}

/// A video made into a Live Photo and/or Motion Photo.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LiveSpec {
    /// The uploaded video.
    pub upload: String,
    /// The moment, in seconds of the video: both or neither (then vivify
    /// chooses).
    #[serde(default)]
    pub start: Option<f64>,
    #[serde(default)]
    pub end: Option<f64>,
    /// The key photo's time, inside the moment (default: the sharpest calm
    /// frame).
    #[serde(default)]
    pub still: Option<f64>,
    /// A Live Photo pair (JPEG + MOV, also as one zip).
    #[serde(default = "yes")]
    pub live: bool,
    /// A Motion Photo.
    #[serde(default = "yes")]
    pub motion: bool,
    /// The Motion Photo with Samsung's trailer too.
    #[serde(default)]
    pub samsung: bool,
    /// The pair as a `.pvt` package (zipped).
    #[serde(default)]
    pub pvt: bool,
    /// Leave the sound out.
    #[serde(default)]
    pub mute: bool,
}

/// Live pairs → Motion Photos, or Motion Photos → Live pairs, without
/// re-encoding the video.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConvertSpec {
    /// The uploaded files (1 to 64): Live pairs are found among them by
    /// their content identifier, never by name.
    pub uploads: Vec<String>,
    /// `motion` (Live pairs → Motion Photos) or `live` (Motion Photos →
    /// Live pairs).
    pub to: String,
    /// Motion Photos with Samsung's trailer too.
    #[serde(default)]
    pub samsung: bool,
}

/// Most files one conversion takes.
pub const MAX_CONVERT_FILES: usize = 64;

/// A job request, as sent and as stored: `kind` says which, the rest is
/// that kind's options.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobSpec {
    /// Photo → living moment.
    Alive(AliveSpec),
    /// A video's filmstrip and automatic moment, before making a Live Photo.
    VideoPreview(PreviewSpec),
    /// Video → Live Photo and/or Motion Photo.
    Live(LiveSpec),
    /// Live pairs ⇄ Motion Photos.
    Convert(ConvertSpec),
}

// The document's schema of a request, written out: the derived one joins
// each kind's object (which allows no other fields) with the `kind` field
// in an `allOf` that nothing can satisfy. Here `kind` goes inside each
// kind's object.
impl utoipa::PartialSchema for JobSpec {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
        use utoipa::openapi::RefOr;
        let with_kind = |kind: &str, schema: RefOr<Schema>| -> RefOr<Schema> {
            let RefOr::T(Schema::Object(mut o)) = schema else { return schema };
            let tag = ObjectBuilder::new().schema_type(Type::String).enum_values(Some([kind])).build();
            o.properties.insert("kind".into(), tag.into());
            o.required.insert(0, "kind".into());
            RefOr::T(Schema::Object(o))
        };
        OneOfBuilder::new()
            .item(with_kind("alive", <AliveSpec as utoipa::PartialSchema>::schema()))
            .item(with_kind("video_preview", <PreviewSpec as utoipa::PartialSchema>::schema()))
            .item(with_kind("live", <LiveSpec as utoipa::PartialSchema>::schema()))
            .item(with_kind("convert", <ConvertSpec as utoipa::PartialSchema>::schema()))
            .description(Some("A job request: `kind` says which, the other fields are that kind's options."))
            .into()
    }
}

impl ToSchema for JobSpec {}

impl JobSpec {
    pub fn kind(&self) -> &'static str {
        match self {
            JobSpec::Alive(_) => "alive",
            JobSpec::VideoPreview(_) => "video_preview",
            JobSpec::Live(_) => "live",
            JobSpec::Convert(_) => "convert",
        }
    }

    /// Lower runs first: a filmstrip (someone waits to choose) before the
    /// renders. Every kind here is interactive; batches would come after.
    pub fn priority(&self) -> i32 {
        match self {
            JobSpec::VideoPreview(_) => 0,
            _ => 10,
        }
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
            JobSpec::VideoPreview(s) => {
                let upload = video_upload(store, &s.upload)?;
                if !(1..=vivify::livevideo::MAX_THUMBS).contains(&s.frames) || !(32..=360).contains(&s.height) {
                    return Err(ApiError::bad_request(format!(
                        "frames {} and height {}: choose 1 to {} frames, 32 to 360 pixels",
                        s.frames,
                        s.height,
                        vivify::livevideo::MAX_THUMBS
                    )));
                }
                Ok(upload)
            }
            JobSpec::Live(s) => {
                let upload = video_upload(store, &s.upload)?;
                if !(s.live || s.motion || s.pvt) {
                    return Err(ApiError::bad_request("nothing to make: choose live, motion or pvt"));
                }
                let length = upload.duration_s.unwrap_or(f64::MAX);
                match (s.start, s.end) {
                    (None, None) => {}
                    (Some(a), Some(b)) if a >= 0.0 && b > a && a < length && b - a <= 10.0 => {}
                    (a, b) => {
                        return Err(ApiError::bad_request(format!(
                            "start {a:?} and end {b:?}: give both, start before end, at most 10 s apart, inside the {length:.2} s video"
                        )))
                    }
                }
                if let (Some(t), Some(a), Some(b)) = (s.still, s.start, s.end) {
                    if !(a..=b).contains(&t) {
                        return Err(ApiError::bad_request(format!(
                            "still {t:.3} s is outside the moment {a:.3}–{b:.3} s"
                        )));
                    }
                }
                Ok(upload)
            }
            JobSpec::Convert(s) => Self::validate_convert(s, store),
        }
    }

    fn validate_convert(s: &ConvertSpec, store: &dyn Store) -> Result<Upload, ApiError> {
        if s.to != "motion" && s.to != "live" {
            return Err(ApiError::bad_request(format!("to '{}': choose motion or live", s.to)));
        }
        if s.uploads.is_empty() || s.uploads.len() > MAX_CONVERT_FILES {
            return Err(ApiError::bad_request(format!("choose 1 to {MAX_CONVERT_FILES} uploads to convert")));
        }
        let mut first = None;
        for id in &s.uploads {
            let u = upload_of(store, id)?;
            first.get_or_insert(u);
        }
        first.ok_or_else(|| ApiError::bad_request("no uploads"))
    }

    /// The uploads the job reads.
    pub fn uploads(&self) -> Vec<&str> {
        match self {
            JobSpec::Alive(s) => vec![s.upload.as_str()],
            JobSpec::VideoPreview(s) => vec![s.upload.as_str()],
            JobSpec::Live(s) => vec![s.upload.as_str()],
            JobSpec::Convert(s) => s.uploads.iter().map(String::as_str).collect(),
        }
    }

    /// Runs the job, writing into `ctx.dir`; what it made, as the job's result.
    pub fn run(&self, ctx: &RunContext) -> vivify::Result<serde_json::Value> {
        match self {
            JobSpec::Alive(s) => run::alive(s, ctx),
            JobSpec::VideoPreview(s) => run::preview(s, ctx),
            JobSpec::Live(s) => run::live(s, ctx),
            JobSpec::Convert(s) => run::convert(s, ctx),
        }
    }
}

fn upload_of(store: &dyn Store, id: &str) -> Result<Upload, ApiError> {
    if !valid_id(id) {
        return Err(ApiError::bad_request(format!("'{id}' is not an upload id")));
    }
    store.upload(id)?.ok_or_else(|| ApiError::not_found(format!("no upload {id}")))
}

fn video_upload(store: &dyn Store, id: &str) -> Result<Upload, ApiError> {
    let upload = upload_of(store, id)?;
    if upload.kind != "video" {
        return Err(ApiError::bad_request(format!(
            "upload {} ({}) is a {}; this needs a video (MP4 or MOV)",
            upload.id, upload.name, upload.kind
        )));
    }
    Ok(upload)
}
