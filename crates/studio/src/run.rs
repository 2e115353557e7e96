//! What each kind of job runs: the same library calls the command line
//! makes, writing into the job's folder, and the result a client reads
//! (the library's report, with the files by name instead of server paths).

use std::path::Path;

use serde::Serialize;

use crate::files::{describe_outputs, OutputFile};
use crate::package;
use crate::spec::{AliveSpec, ConvertSpec, LiveSpec, PreviewSpec};
use crate::store::{Store, Upload};
use crate::Settings;

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

pub fn alive(s: &AliveSpec, ctx: &RunContext) -> vivify::Result<serde_json::Value> {
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

pub fn preview(s: &PreviewSpec, ctx: &RunContext) -> vivify::Result<serde_json::Value> {
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

pub fn live(s: &LiveSpec, ctx: &RunContext) -> vivify::Result<serde_json::Value> {
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

pub fn convert(s: &ConvertSpec, ctx: &RunContext) -> vivify::Result<serde_json::Value> {
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
