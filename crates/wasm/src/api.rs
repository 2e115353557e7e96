//! What the page can do, on any [`ReadAt`]: the same calls run natively in
//! the tests (on byte slices) and in the browser (on registered files).

use std::path::Path;

use serde::Serialize;
use vivify_live::{KeyFrame, LiveOptions};
use vivify_media::convert::{self, LiveToMotion};
use vivify_media::error::Result;
use vivify_media::source::ReadAt;
use vivify_media::Quiet;

/// An input the cutting code can share (as `vivify_live` asks).
pub type Input = dyn ReadAt + Sync;

/// What a download holds.
#[derive(Debug)]
pub enum Body {
    /// Bytes made here.
    Bytes(Vec<u8>),
    /// A range of an input, handed out as it is (the page slices its file,
    /// so the bytes never pass through wasm).
    InputRange { input: usize, offset: u64, len: u64 },
}

/// One download.
#[derive(Debug)]
pub struct OutFile {
    pub name: String,
    pub mime: &'static str,
    pub body: Body,
}

/// What a call made, and its report (JSON for the page).
#[derive(Debug)]
pub struct Outputs {
    pub files: Vec<OutFile>,
    pub report: serde_json::Value,
}

fn bytes(name: String, mime: &'static str, b: Vec<u8>) -> OutFile {
    OutFile { name, mime, body: Body::Bytes(b) }
}

fn json(v: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// What a file is: `inspect`'s report with its headline and lines.
pub fn inspect(name: &str, src: &dyn ReadAt) -> Result<serde_json::Value> {
    let r = vivify_media::inspect::inspect_source(Path::new(name), src)?;
    Ok(serde_json::json!({ "headline": r.headline(), "details": r.details(), "report": json(&r) }))
}

/// Live pair → Motion Photo (`samsung`: with Samsung's trailer too).
pub fn live_to_motion(
    still_name: &str,
    still: &dyn ReadAt,
    mov_name: &str,
    mov: &dyn ReadAt,
    samsung: bool,
) -> Result<Outputs> {
    let plan = LiveToMotion::plan(Path::new(still_name), still, Path::new(mov_name), mov, samsung)?;
    let mut out = Vec::new();
    plan.write(&mut out)?;
    let name = plan.file_name(&convert::stem_of(Path::new(still_name)));
    let report = serde_json::json!({ "still_time_s": plan.still_time_s, "notes": plan.notes });
    Ok(Outputs { files: vec![bytes(name, plan.mime(), out)], report })
}

/// Motion Photo → Live pair.
pub fn motion_to_live(name: &str, src: &dyn ReadAt) -> Result<Outputs> {
    let pair = convert::motion_to_live_pair(src).map_err(|e| e.in_file(Path::new(name)))?;
    let [still_name, mov_name] = pair.file_names(&convert::stem_of(Path::new(name)));
    let report = serde_json::json!({ "still_time_s": pair.still_time_s, "notes": pair.notes });
    let still_mime = pair.still_mime();
    Ok(Outputs {
        files: vec![bytes(still_name, still_mime, pair.still), bytes(mov_name, "video/quicktime", pair.mov)],
        report,
    })
}

/// A motion photo's still and video; the video is a range of the input.
pub fn extract(name: &str, src: &dyn ReadAt) -> Result<Outputs> {
    let parts = convert::extract_parts(src).map_err(|e| e.in_file(Path::new(name)))?;
    let stem = convert::stem_of(Path::new(name));
    let (ext, mime) = if parts.heic { ("heic", "image/heic") } else { ("jpg", "image/jpeg") };
    let video = OutFile {
        name: format!("{stem}.mp4"),
        mime: "video/mp4",
        body: Body::InputRange { input: 0, offset: parts.video_offset, len: parts.video_len },
    };
    let report = serde_json::json!({ "video_offset": parts.video_offset, "video_len": parts.video_len });
    Ok(Outputs { files: vec![bytes(format!("{stem}.{ext}"), mime, parts.still), video], report })
}

/// A video's key frames, facts and suggested moment, nothing decoded.
pub fn cut_plan(name: &str, src: &Input) -> Result<serde_json::Value> {
    Ok(json(&vivify_live::cut_plan(src).map_err(|e| e.in_file(Path::new(name)))?))
}

/// The moment to cut and what to make of it.
#[derive(Clone, Copy, Debug)]
pub struct Cut {
    pub start_s: f64,
    pub end_s: f64,
    pub still_s: f64,
    pub live: bool,
    pub motion: bool,
    pub samsung: bool,
    pub mute: bool,
}

/// A video's moment → Live pair and/or Motion Photo, video copied from the
/// key frame before `start_s` (never re-encoded here). `key_jpeg` is the
/// key frame as the browser decoded it, upright; without it the frame is
/// decoded here, which this build can do for HEVC only.
pub fn video_to_live(name: &str, src: &Input, cut: Cut, key_jpeg: Option<&[u8]>) -> Result<Outputs> {
    let mut opts = LiveOptions::new("");
    opts.start = Some(cut.start_s);
    opts.end = Some(cut.end_s);
    opts.still = Some(cut.still_s);
    opts.live = cut.live;
    opts.motion = cut.motion;
    opts.samsung = cut.samsung;
    opts.mute = cut.mute;
    let key = key_jpeg.map_or(KeyFrame::Decode, KeyFrame::Jpeg);
    let made = vivify_live::make_live_files(Path::new(name), src, &opts, key, &Quiet)?;
    let mut files = Vec::new();
    if let Some((still, mov)) = made.live {
        files.push(bytes(format!("{}.JPG", made.stem), "image/jpeg", still));
        files.push(bytes(format!("{}.MOV", made.stem), "video/quicktime", mov));
    }
    if let Some(m) = made.motion {
        files.push(bytes(format!("{}.MP.jpg", made.stem), "image/jpeg", m));
    }
    Ok(Outputs { files, report: json(&made.report) })
}
