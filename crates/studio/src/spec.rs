//! What a job is asked to do, as the API takes it, and how each kind turns
//! into a library call. Checked when the job is queued (so a bad request
//! is a 400 at once, not a failed job later) and again when it runs.

use std::path::Path;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::files::{describe_outputs, OutputFile};
use crate::package;
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

/// What a running job has: its settings, its folder, its progress, and the
/// store (for the uploads' names).
pub struct RunContext<'a> {
    pub settings: &'a Settings,
    pub dir: &'a Path,
    pub progress: &'a dyn vivify::Progress,
    pub store: &'a dyn Store,
}

impl RunContext<'_> {
    fn upload(&self, id: &str) -> Option<Upload> {
        self.store.upload(id).ok().flatten()
    }

    /// An upload's name without its extension (`beach` for `beach.jpg`).
    fn stem(&self, id: &str) -> String {
        stem_of(&self.upload(id).map_or_else(|| "vivify".to_string(), |u| u.name))
    }

    /// The upload `id` linked into `dir` as `name` (copied where links
    /// cannot be made): the library names outputs after their input.
    fn link_upload(&self, id: &str, dir: &Path, name: &str) -> vivify::Result<std::path::PathBuf> {
        std::fs::create_dir_all(dir)?;
        let to = dir.join(name);
        let from = self.settings.upload_path(id);
        if std::fs::hard_link(&from, &to).is_err() {
            std::fs::copy(&from, &to)?;
        }
        Ok(to)
    }
}

/// `beach` for `beach.jpg`.
pub fn stem_of(name: &str) -> String {
    name.rsplit_once('.').map_or(name, |(s, _)| s).to_string()
}

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

    /// Runs the job, writing into `ctx.dir`; what it made, as the job's result.
    pub fn run(&self, ctx: &RunContext) -> vivify::Result<serde_json::Value> {
        match self {
            JobSpec::Alive(s) => run_alive(s, ctx),
            JobSpec::VideoPreview(s) => run_preview(s, ctx),
            JobSpec::Live(s) => run_live(s, ctx),
            JobSpec::Convert(s) => run_convert(s, ctx),
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

/// A library report as the job's result: paths on the server mean nothing
/// to a client, so the files by name instead.
fn result_of(report: &impl Serialize, files: &[OutputFile]) -> vivify::Result<serde_json::Value> {
    let mut v = serde_json::to_value(report).map_err(|e| vivify::Error::Internal(e.to_string()))?;
    if let Some(o) = v.as_object_mut() {
        o.remove("outputs");
        o.remove("input");
        o.insert("files".into(), serde_json::to_value(files).unwrap_or_default());
    }
    Ok(v)
}

fn run_alive(s: &AliveSpec, ctx: &RunContext) -> vivify::Result<serde_json::Value> {
    use vivify::alive::{make, AliveOptions};
    let photo = ctx.settings.upload_path(&s.upload);
    let mut opts = AliveOptions::new(ctx.dir.join("alive.mp4"));
    opts.prompt = s.prompt.clone().filter(|p| !p.trim().is_empty());
    opts.duration = s.duration;
    opts.size = s.size.parse().map_err(vivify::Error::Param)?;
    opts.fps = s.fps;
    opts.looped = s.looped;
    opts.seed = s.seed;
    opts.mute = s.mute;
    opts.live = s.live;
    opts.motion = s.motion;
    opts.explain = s.explain.then(|| ctx.dir.to_path_buf());
    opts.signing = ctx.settings.signing.clone();
    opts.checks = ctx.settings.checks.clone();
    let report = make(&photo, &opts, ctx.progress)?;
    let mut names = file_names(&report.outputs);
    if s.live {
        let stem = format!("{}.alive", ctx.stem(&s.upload));
        names.push(package::zip_pair(ctx.dir, "alive", &stem)?);
        names.push(package::zip_pvt(ctx.dir, "alive", &stem)?);
    }
    result_of(&report, &describe_outputs(ctx.dir, &names))
}

fn run_preview(s: &PreviewSpec, ctx: &RunContext) -> vivify::Result<serde_json::Value> {
    let video = ctx.settings.upload_path(&s.upload);
    let p = vivify::livevideo::preview(&video, s.frames, s.height, ctx.progress)?;
    let mut names = Vec::new();
    let mut frames = Vec::new();
    for (i, t) in p.frames.iter().enumerate() {
        let name = format!("frame-{i:02}.jpg");
        std::fs::write(ctx.dir.join(&name), &t.jpeg)?;
        frames.push(serde_json::json!({"time_s": t.time_s, "name": name}));
        names.push(name);
    }
    let mut v = result_of(&p, &describe_outputs(ctx.dir, &names))?;
    v["frames"] = serde_json::Value::Array(frames);
    Ok(v)
}

fn run_live(s: &LiveSpec, ctx: &RunContext) -> vivify::Result<serde_json::Value> {
    use vivify::livevideo::{make_live, LiveOptions};
    // The library names its outputs after the input: it gets the upload
    // as `live.EXT` in a folder of its own beside the outputs.
    let ext = match ctx.upload(&s.upload).map(|u| u.format) {
        Some(f) if f == "mov" => "MOV",
        _ => "mp4",
    };
    let input_dir = ctx.dir.join("input");
    let input = ctx.link_upload(&s.upload, &input_dir, &format!("live.{ext}"))?;
    let mut opts = LiveOptions::new(ctx.dir);
    (opts.start, opts.end, opts.still) = (s.start, s.end, s.still);
    (opts.live, opts.motion, opts.samsung, opts.pvt, opts.mute) = (s.live, s.motion, s.samsung, s.pvt, s.mute);
    opts.signing = ctx.settings.signing.clone();
    let report = make_live(&input, &opts, ctx.progress);
    let report = report.and_then(|r| {
        let preview = browser_preview(&input, &r, s.mute, ctx)?;
        Ok((r, preview))
    });
    let _ = std::fs::remove_dir_all(&input_dir);
    let (report, preview) = report?;
    let stem = format!("{}.live", ctx.stem(&s.upload));
    let mut names: Vec<String> = preview.into_iter().collect();
    for name in file_names(&report.outputs) {
        if name.ends_with(".pvt") {
            names.push(package::zip_folder(ctx.dir, &name, &format!("{stem}.pvt"))?);
        } else {
            names.push(name);
        }
    }
    if s.live {
        names.push(package::zip_pair(ctx.dir, "live", &stem)?);
    }
    result_of(&report, &describe_outputs(ctx.dir, &names))
}

/// Browsers here have no HEVC decoder: when the Live Photo's movie was
/// copied as HEVC, the same moment again as H.264 (`live.preview.mp4`,
/// unsigned, not a download) for the page's player. `None` otherwise.
fn browser_preview(
    input: &Path,
    report: &vivify::livevideo::LiveReport,
    mute: bool,
    ctx: &RunContext,
) -> vivify::Result<Option<String>> {
    use vivify::livevideo::{make_live, LiveOptions};
    let mov = ctx.dir.join("live.MOV");
    let hevc = vivify::inspect::inspect_path(&mov)
        .ok()
        .and_then(|r| r.video)
        .is_some_and(|v| matches!(v.codec.as_str(), "hvc1" | "hev1"));
    if !hevc {
        return Ok(None);
    }
    let work = ctx.dir.join("preview-work");
    let mut opts = LiveOptions::new(&work);
    (opts.start, opts.end, opts.still) = (Some(report.start_s), Some(report.end_s), Some(report.still_s));
    (opts.live, opts.motion, opts.reencode, opts.mute) = (true, false, true, mute);
    ctx.progress.phase("making a preview browsers can play", 0);
    make_live(input, &opts, ctx.progress)?;
    let name = "live.preview.mp4".to_string();
    std::fs::rename(work.join("live.MOV"), ctx.dir.join(&name))?;
    std::fs::remove_dir_all(&work)?;
    Ok(Some(name))
}

/// The last components of the library's output paths.
fn file_names(paths: &[String]) -> Vec<String> {
    paths.iter().filter_map(|p| Path::new(p).file_name().map(|n| n.to_string_lossy().into_owned())).collect()
}

fn run_convert(s: &ConvertSpec, ctx: &RunContext) -> vivify::Result<serde_json::Value> {
    use vivify::batch::{convert_all, BatchOptions, Direction};
    // The inputs under their own (cleaned) names, so the outputs carry
    // them; two uploads of the same name get a number.
    let input_dir = ctx.dir.join("input");
    let mut files = Vec::new();
    let mut taken = std::collections::HashSet::new();
    for id in &s.uploads {
        let name = ctx.upload(id).map_or_else(|| format!("{id}.bin"), |u| u.name);
        let mut candidate = name.clone();
        let mut n = 2;
        while !taken.insert(candidate.to_ascii_lowercase()) {
            let (stem, ext) = name.rsplit_once('.').unwrap_or((&name, ""));
            candidate = format!("{stem}-{n}.{ext}");
            n += 1;
        }
        files.push(ctx.link_upload(id, &input_dir, &candidate)?);
    }
    let opts = BatchOptions {
        direction: if s.to == "live" { Direction::MotionToLive } else { Direction::LiveToMotion },
        out_dir: ctx.dir.to_path_buf(),
        samsung: s.samsung,
        force: false,
        signing: ctx.settings.signing.clone(),
    };
    let report = convert_all(&files, &opts, ctx.progress);
    let _ = std::fs::remove_dir_all(&input_dir);
    let report = report?;
    // Paths inside the job's folder mean nothing outside: names only.
    let prefix = format!("{}/", input_dir.display());
    let local = |t: &str| t.replace(&prefix, "");
    let converted: Vec<serde_json::Value> = report
        .converted
        .iter()
        .map(|c| {
            serde_json::json!({
                "inputs": c.inputs.iter().map(|p| local(p)).collect::<Vec<_>>(),
                "outputs": file_names(&c.outputs),
                "still_time_s": c.still_time_s,
                "notes": c.notes.iter().map(|n| local(n)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let skipped: Vec<serde_json::Value> = report
        .skipped
        .iter()
        .map(|k| serde_json::json!({"file": local(&k.file), "reason": local(&k.reason)}))
        .collect();
    let names: Vec<String> = report.converted.iter().flat_map(|c| file_names(&c.outputs)).collect();
    Ok(serde_json::json!({
        "converted": converted,
        "skipped": skipped,
        "files": describe_outputs(ctx.dir, &names),
    }))
}
