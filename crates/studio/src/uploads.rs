//! Uploads: the request body streams to a temporary file under the data
//! folder with a byte cap (a claimed length over it is refused before a byte
//! is read), then the bytes — never the name or the declared type — say
//! what the file is, and its pixel count and length are held to limits.
//! Only then is it renamed to its id.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use vivify::inspect::{inspect_path, Role};
use vivify::probe::Container;

use crate::error::ApiError;
use crate::store::{new_id, now, Upload};
use crate::Settings;

/// The client's file name reduced to something safe to show and to offer
/// back in a download name: its last path component (either slash), no
/// control characters, at most 100 characters.
pub fn clean_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last.chars().filter(|c| !c.is_control()).take(100).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        "upload".into()
    } else {
        cleaned
    }
}

/// Streams `body` into the uploads folder and describes it.
pub async fn receive(settings: &Settings, name: &str, headers: &HeaderMap, body: Body) -> Result<Upload, ApiError> {
    let cap = settings.limits.upload_bytes;
    let too_large = |what: String| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("{what}; the studio takes files up to {} MB", cap >> 20),
        )
    };
    if let Some(claimed) = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        if claimed > cap {
            return Err(too_large(format!("the upload says it is {claimed} bytes")));
        }
    }
    let id = new_id()?;
    let dir = settings.data.join("uploads");
    let tmp = dir.join(format!(".{id}.part"));
    let mut file = tokio::fs::File::create(&tmp)
        .await
        .map_err(|e| ApiError::internal(format!("{}: cannot create: {e}", tmp.display())))?;
    let mut stream = body.into_data_stream();
    let mut written: u64 = 0;
    let result: Result<(), ApiError> = async {
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| ApiError::bad_request(format!("the upload broke off: {e}")))?;
            written += chunk.len() as u64;
            if written > cap {
                return Err(too_large(format!("the upload is over {cap} bytes")));
            }
            file.write_all(&chunk).await.map_err(|e| ApiError::internal(format!("writing the upload: {e}")))?;
        }
        file.sync_all().await.map_err(|e| ApiError::internal(format!("writing the upload: {e}")))?;
        if written == 0 {
            return Err(ApiError::bad_request("the upload is empty"));
        }
        Ok(())
    }
    .await;
    drop(file);
    if let Err(e) = result {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(e);
    }
    let name = clean_name(name);
    let limits = settings.limits.clone();
    let described = {
        let (tmp, name, id) = (tmp.clone(), name.clone(), id.clone());
        tokio::task::spawn_blocking(move || describe(&tmp, &name, &id, written, &limits))
            .await
            .map_err(|e| ApiError::internal(format!("describing the upload: {e}")))?
    };
    let upload = match described {
        Ok(u) => u,
        Err(e) => {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(e);
        }
    };
    let path = settings.upload_path(&upload.id);
    tokio::fs::rename(&tmp, &path).await.map_err(|e| ApiError::internal(format!("{}: {e}", path.display())))?;
    // With shared storage, up before it is listed: a worker elsewhere may
    // take a job on it the moment the store has it.
    if let Some(objects) = &settings.objects {
        if let Err(e) = objects.put_file_async(&format!("uploads/{}", upload.id), &path).await {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(e.into());
        }
    }
    Ok(upload)
}

/// Upload limits (bytes, pixels, video length).
#[derive(Clone, Debug)]
pub struct UploadLimits {
    pub upload_bytes: u64,
    pub pixels: u64,
    pub video_s: f64,
}

impl Default for UploadLimits {
    fn default() -> Self {
        UploadLimits { upload_bytes: 1 << 30, pixels: vivify::limits::MAX_PIXELS, video_s: 600.0 }
    }
}

/// What the bytes at `path` are, or why the studio will not take them.
fn describe(path: &Path, name: &str, id: &str, bytes: u64, limits: &UploadLimits) -> Result<Upload, ApiError> {
    let unsupported = |m: String| ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media", m);
    let bad = |m: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_input", format!("{name}: {m}"));
    let mut head = [0u8; 64];
    let n = {
        use std::io::Read;
        let mut f = std::fs::File::open(path).map_err(|e| ApiError::internal(e.to_string()))?;
        f.read(&mut head).map_err(|e| ApiError::internal(e.to_string()))?
    };
    let head = &head[..n];
    let png = head.starts_with(b"\x89PNG\r\n\x1a\n");
    let container = vivify::probe::sniff(&head);
    // A photo is read whole wherever it is used: held to the photo cap
    // before anything reads it (a JPEG inspection reads it all).
    let photo_like = png || container == Container::Jpeg;
    if photo_like && bytes > vivify::limits::MAX_PHOTO_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "{name}: a photo of {bytes} bytes is over the {} MB photo limit",
                vivify::limits::MAX_PHOTO_BYTES >> 20
            ),
        ));
    }
    let mut up = Upload {
        id: id.to_string(),
        name: name.to_string(),
        kind: String::new(),
        format: String::new(),
        role: "plain".into(),
        width: 0,
        height: 0,
        duration_s: None,
        bytes,
        created_at: now(),
    };
    if png {
        // IHDR is the first chunk: width and height at bytes 16..24.
        if head.len() < 24 || &head[12..16] != b"IHDR" {
            return Err(bad("the PNG has no image header".into()));
        }
        up.kind = "photo".into();
        up.format = "png".into();
        up.width = u32::from_be_bytes([head[16], head[17], head[18], head[19]]);
        up.height = u32::from_be_bytes([head[20], head[21], head[22], head[23]]);
    } else {
        if container == Container::Unknown {
            return Err(unsupported(format!(
                "{name}: not a photo or video the studio reads (JPEG, PNG, HEIC, MP4 or MOV, judged by its bytes)"
            )));
        }
        let report = inspect_path(path).map_err(|e| bad(vivify::error::chain_text(&e)))?;
        up.format = match container {
            Container::Jpeg => "jpeg",
            Container::Heif => "heif",
            Container::Mov => "mov",
            _ => "mp4",
        }
        .into();
        up.role = match report.role {
            Role::LiveStill => "live_still",
            Role::LiveMovie => "live_movie",
            Role::MotionPhoto => "motion_photo",
            Role::Plain => "plain",
        }
        .into();
        if let Some(img) = &report.image {
            up.kind = "photo".into();
            (up.width, up.height) = (img.width, img.height);
        } else if let Some(v) = &report.video {
            up.kind = "video".into();
            (up.width, up.height) = (v.width, v.height);
        } else {
            return Err(bad("the movie has no video track".into()));
        }
        up.duration_s = report.video.as_ref().map(|v| v.duration_s);
    }
    let pixels = u64::from(up.width) * u64::from(up.height);
    if pixels == 0 {
        return Err(bad("the picture has no pixels".into()));
    }
    if pixels > limits.pixels {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("{name}: {}x{} is over the studio's {} megapixels", up.width, up.height, limits.pixels / 1_000_000),
        ));
    }
    if let Some(d) = up.duration_s.filter(|_| up.kind == "video") {
        if d > limits.video_s {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("{name}: the video lasts {d:.0} s; the studio takes up to {:.0} s", limits.video_s),
            ));
        }
    }
    Ok(up)
}

/// Where an upload's bytes live (ids are checked before they get here).
pub fn upload_path(data: &Path, id: &str) -> PathBuf {
    data.join("uploads").join(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_folders_and_controls() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\Users\\me\\beach.jpg"), "beach.jpg");
        assert_eq!(clean_name("..\u{0}"), "upload");
        assert_eq!(clean_name(".hidden.jpg"), "hidden.jpg");
        assert_eq!(clean_name("a\nb.jpg"), "ab.jpg");
        assert_eq!(clean_name(&"x".repeat(300)).len(), 100);
    }
}
