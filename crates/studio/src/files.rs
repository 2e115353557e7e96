//! A job's output files: what each one is, its media type, and serving it
//! with byte ranges (video players seek with `Range`; a phone's player
//! will not play without it), from this server's disk or, with shared
//! storage, streamed from there.

use std::path::Path;

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::Settings;

/// One file a job wrote.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct OutputFile {
    /// Its name in the job (`alive.mp4`, `alive.MOV`, …).
    pub name: String,
    /// `video`, `live_still`, `live_video`, `live_pair_zip`, `pvt`,
    /// `motion_photo`, `explain_contact`, `explain_masks`, `thumbnail` or
    /// `preview` (an H.264 copy of an HEVC movie for browsers).
    pub role: String,
    pub bytes: u64,
    pub content_type: String,
}

/// The media type we answer with for a file name.
pub fn content_type_of(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    match lower.rsplit('.').next().unwrap_or("") {
        "mp4" => "video/mp4",
        "mov" => "video/quicktime",
        "jpg" | "jpeg" => "image/jpeg",
        "heic" => "image/heic",
        "png" => "image/png",
        "zip" => "application/zip",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

/// The type a page's player is given: a QuickTime movie is answered as
/// `video/mp4` (the same ISO-BMFF bytes; browsers play them under that type
/// and refuse `video/quicktime`).
pub fn playable_type_of(name: &str) -> &'static str {
    match content_type_of(name) {
        "video/quicktime" => "video/mp4",
        other => other,
    }
}

fn role_of(name: &str, all: &[String]) -> &'static str {
    let lower = name.to_ascii_lowercase();
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    if lower.ends_with(".preview.mp4") {
        "preview"
    } else if lower.ends_with(".pair.zip") {
        "live_pair_zip"
    } else if lower.ends_with(".pvt.zip") {
        "pvt"
    } else if lower.starts_with("frame-") && lower.ends_with(".jpg") {
        "thumbnail"
    } else if lower.ends_with(".contact.png") {
        "explain_contact"
    } else if lower.ends_with(".masks.png") {
        "explain_masks"
    } else if lower.ends_with(".mp.jpg") || lower.ends_with(".mp.heic") {
        "motion_photo"
    } else if lower.ends_with(".mov") {
        "live_video"
    } else if lower.ends_with(".mp4") {
        "video"
    } else if all.iter().any(|o| o.eq_ignore_ascii_case(&format!("{stem}.MOV"))) {
        "live_still"
    } else {
        "other"
    }
}

/// Describes the files at `paths` (inside `dir`) by name, role and size.
pub fn describe_outputs(dir: &Path, paths: &[String]) -> Vec<OutputFile> {
    let names: Vec<String> =
        paths.iter().filter_map(|p| Path::new(p).file_name().map(|n| n.to_string_lossy().into_owned())).collect();
    names
        .iter()
        .map(|n| OutputFile {
            name: n.clone(),
            role: role_of(n, &names).into(),
            bytes: std::fs::metadata(dir.join(n)).map(|m| m.len()).unwrap_or(0),
            content_type: content_type_of(n).into(),
        })
        .collect()
}

/// A range that asks for bytes the file does not have.
#[derive(Debug, PartialEq, Eq)]
pub struct Unsatisfiable;

/// A `Range: bytes=…` header's one range against a file of `len` bytes:
/// `Ok(None)` for no (or an unusable) header, which means the whole file;
/// `Err(Unsatisfiable)` when the range lies outside the file (416).
pub fn parse_range(value: Option<&str>, len: u64) -> Result<Option<(u64, u64)>, Unsatisfiable> {
    let Some(spec) = value.and_then(|v| v.trim().strip_prefix("bytes=")) else {
        return Ok(None);
    };
    // Several ranges would need a multipart answer: the whole file is
    // allowed instead (RFC 9110 lets a server ignore Range).
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Ok(None);
    };
    let (a, b) = (a.trim(), b.trim());
    let range = match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ok(None),
        // The last b bytes.
        (true, false) => {
            let n: u64 = b.parse().map_err(|_| Unsatisfiable)?;
            if n == 0 || len == 0 {
                return Err(Unsatisfiable);
            }
            (len.saturating_sub(n), len - 1)
        }
        (false, _) => {
            let start: u64 = a.parse().map_err(|_| Unsatisfiable)?;
            let end: u64 = if b.is_empty() { len.saturating_sub(1) } else { b.parse().map_err(|_| Unsatisfiable)? };
            if start >= len || end < start {
                return Err(Unsatisfiable);
            }
            (start, end.min(len - 1))
        }
    };
    Ok(Some(range))
}

/// Answers with the file at `path`, the part `Range` asks for, as
/// `content_type`; with `download`, as an attachment named `download`.
pub async fn serve_file(
    path: &Path,
    content_type: &str,
    headers: &HeaderMap,
    download: Option<&str>,
) -> Result<Response, ApiError> {
    serve_window(path, None, content_type, headers, download).await
}

/// [`serve_file`] for `len` bytes from `offset` of the file as if they
/// were a file of their own (a Motion Photo's embedded video).
pub async fn serve_window(
    path: &Path,
    window: Option<(u64, u64)>,
    content_type: &str,
    headers: &HeaderMap,
    download: Option<&str>,
) -> Result<Response, ApiError> {
    let mut file = tokio::fs::File::open(path).await.map_err(|_| ApiError::not_found("no such file"))?;
    let size = file.metadata().await.map_err(|e| ApiError::internal(format!("{}: {e}", path.display())))?.len();
    let (base, len) = match window {
        Some((offset, len)) if offset.checked_add(len).is_some_and(|end| end <= size) => (offset, len),
        Some(_) => return Err(ApiError::internal(format!("{}: the window lies outside the file", path.display()))),
        None => (0, size),
    };
    let part = match Part::of(len, content_type, headers, download) {
        Ok(p) => p,
        Err(Unsatisfiable) => return Ok(not_satisfiable(len)),
    };
    file.seek(std::io::SeekFrom::Start(base + part.start)).await.map_err(|e| ApiError::internal(e.to_string()))?;
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file.take(part.count)));
    part.answer(body)
}

/// What a ranged answer sends: its status and headers, and which bytes.
struct Part {
    builder: axum::http::response::Builder,
    status: StatusCode,
    start: u64,
    count: u64,
}

impl Part {
    /// The part of a `len`-byte file the request's `Range` asks for; `Err`
    /// for a range outside it (answered by [`not_satisfiable`]).
    fn of(len: u64, content_type: &str, headers: &HeaderMap, download: Option<&str>) -> Result<Part, Unsatisfiable> {
        let range = parse_range(headers.get(header::RANGE).and_then(|v| v.to_str().ok()), len);
        let mut builder = Response::builder()
            .header(header::CONTENT_TYPE, content_type)
            .header(header::ACCEPT_RANGES, "bytes")
            .header(header::CACHE_CONTROL, "private, max-age=3600");
        if let Some(name) = download {
            // Plain ASCII name, quoted; the UTF-8 form for everything else.
            let ascii: String =
                name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' { c } else { '_' }).collect();
            let value = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", percent(name));
            if let Ok(v) = HeaderValue::from_str(&value) {
                builder = builder.header(header::CONTENT_DISPOSITION, v);
            }
        }
        let (status, start, count) = match range {
            Err(Unsatisfiable) => return Err(Unsatisfiable),
            Ok(None) => (StatusCode::OK, 0, len),
            Ok(Some((a, b))) => {
                builder = builder.header(header::CONTENT_RANGE, format!("bytes {a}-{b}/{len}"));
                (StatusCode::PARTIAL_CONTENT, a, b - a + 1)
            }
        };
        Ok(Part { builder, status, start, count })
    }

    fn answer(self, body: Body) -> Result<Response, ApiError> {
        self.builder
            .status(self.status)
            .header(header::CONTENT_LENGTH, self.count)
            .body(body)
            .map_err(|e| ApiError::internal(e.to_string()))
    }
}

/// The 416 answer to a range outside a `len`-byte file.
fn not_satisfiable(len: u64) -> Response {
    (StatusCode::RANGE_NOT_SATISFIABLE, [(header::CONTENT_RANGE, format!("bytes */{len}"))]).into_response()
}

/// A path under the data folder as a storage key (`jobs/ID/attempt-1/x.mp4`).
pub fn key_of(data: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(data).ok()?;
    let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Makes sure `path` (under the data folder) is on this server's disk:
/// without shared storage it is or it is not; with it, a file this server
/// lacks is brought down (the data folder is a cache of the store).
pub async fn ensure_local(settings: &Settings, path: &Path) -> Result<(), ApiError> {
    match remote(settings, path) {
        Some((objects, key)) if !objects.fetch_async(&key, path).await? => Err(ApiError::not_found("no such file")),
        _ => Ok(()),
    }
}

/// [`ensure_local`] for threads outside the runtime.
pub fn ensure_local_blocking(settings: &Settings, path: &Path) -> Result<(), ApiError> {
    match remote(settings, path) {
        Some((objects, key)) if !objects.fetch(&key, path)? => Err(ApiError::not_found("no such file")),
        _ => Ok(()),
    }
}

/// The shared storage and key to read `path` from, when this server lacks
/// the file and there is shared storage.
fn remote<'a>(settings: &'a Settings, path: &Path) -> Option<(&'a crate::objects::Objects, String)> {
    let objects = settings.objects.as_deref().filter(|_| !path.is_file())?;
    Some((objects, key_of(&settings.data, path)?))
}

/// [`serve_file`] for a stored file: from this server's disk when it has
/// it, else streamed from shared storage, range by range, without first
/// bringing the whole file down.
pub async fn serve_stored(
    settings: &Settings,
    path: &Path,
    content_type: &str,
    headers: &HeaderMap,
    download: Option<&str>,
) -> Result<Response, ApiError> {
    let Some((objects, key)) = remote(settings, path) else {
        return serve_file(path, content_type, headers, download).await;
    };
    let len = objects.size(&key).await?.ok_or_else(|| ApiError::not_found("no such file"))?;
    let part = match Part::of(len, content_type, headers, download) {
        Ok(p) => p,
        Err(Unsatisfiable) => return Ok(not_satisfiable(len)),
    };
    if part.count == 0 {
        return part.answer(Body::empty());
    }
    let stream = objects.stream(&key, part.start, part.count).await?;
    part.answer(Body::from_stream(stream))
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_rfc_9110() {
        assert_eq!(parse_range(None, 100), Ok(None));
        assert_eq!(parse_range(Some("bytes=0-9"), 100), Ok(Some((0, 9))));
        assert_eq!(parse_range(Some("bytes=90-"), 100), Ok(Some((90, 99))));
        assert_eq!(parse_range(Some("bytes=-10"), 100), Ok(Some((90, 99))));
        assert_eq!(parse_range(Some("bytes=-1000"), 100), Ok(Some((0, 99))));
        assert_eq!(parse_range(Some("bytes=50-1000"), 100), Ok(Some((50, 99))));
        assert_eq!(parse_range(Some("bytes=100-"), 100), Err(Unsatisfiable));
        assert_eq!(parse_range(Some("bytes=9-3"), 100), Err(Unsatisfiable));
        assert_eq!(parse_range(Some("bytes=-0"), 100), Err(Unsatisfiable));
        assert_eq!(parse_range(Some("bytes=0-1,5-6"), 100), Ok(None));
        assert_eq!(parse_range(Some("items=0-1"), 100), Ok(None));
        assert_eq!(parse_range(Some("bytes=x-1"), 100), Err(Unsatisfiable));
    }

    #[test]
    fn roles_and_types_come_from_the_names() {
        let all: Vec<String> =
            ["alive.mp4", "alive.jpg", "alive.MOV", "alive.MP.jpg", "alive.contact.png"].map(String::from).into();
        assert_eq!(role_of("alive.jpg", &all), "live_still");
        assert_eq!(role_of("alive.MOV", &all), "live_video");
        assert_eq!(role_of("alive.MP.jpg", &all), "motion_photo");
        assert_eq!(role_of("alive.contact.png", &all), "explain_contact");
        assert_eq!(content_type_of("alive.MOV"), "video/quicktime");
        assert_eq!(content_type_of("x.heic"), "image/heic");
        assert_eq!(percent("a b/é"), "a%20b%2F%C3%A9");
    }
}
