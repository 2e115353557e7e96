//! Uploads: files in (streamed, sniffed, held to limits), their bytes, what
//! they are in words, prompt ideas for photos, a Motion Photo's video.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{check_id, store, ApiError_};
use crate::error::ApiError;
use crate::files::{ensure_local, serve_stored};
use crate::store::Upload;
use crate::AppState;

#[derive(Deserialize, IntoParams)]
pub struct UploadQuery {
    /// The file's name on the client (only its last part is kept).
    name: Option<String>,
}

/// Uploads a photo or video: the request body is the file's bytes.
#[utoipa::path(post, path = "/api/uploads", params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Upload), (status = 413, body = ApiError_), (status = 415, body = ApiError_), (status = 422, body = ApiError_)))]
pub async fn create_upload(
    State(app): State<AppState>,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Upload>), ApiError> {
    let name = q.name.unwrap_or_else(|| "upload".into());
    let upload = crate::uploads::receive(&app.settings, &name, &headers, body).await?;
    let u = upload.clone();
    store(&app, move |s| Ok(s.add_upload(&u)?)).await?;
    Ok((StatusCode::CREATED, Json(upload)))
}

/// The upload `id` (404 for anything that is not one of ours).
async fn load_upload(app: &AppState, id: &str) -> Result<Upload, ApiError> {
    check_id(id, "upload")?;
    let id = id.to_string();
    store(app, move |s| s.upload(&id)?.ok_or_else(|| ApiError::not_found("no such upload"))).await
}

/// What an upload is.
#[utoipa::path(get, path = "/api/uploads/{id}", params(("id" = String, Path)),
    responses((status = 200, body = Upload), (status = 404, body = ApiError_)))]
pub async fn get_upload(State(app): State<AppState>, Path(id): Path<String>) -> Result<Json<Upload>, ApiError> {
    Ok(Json(load_upload(&app, &id).await?))
}

/// An upload's bytes.
#[utoipa::path(get, path = "/api/uploads/{id}/file", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 206), (status = 404, body = ApiError_)))]
pub async fn upload_file(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let u = load_upload(&app, &id).await?;
    let ct = match u.format.as_str() {
        "jpeg" => "image/jpeg",
        "png" => "image/png",
        "heif" => "image/heic",
        "mov" => "video/quicktime",
        _ => "video/mp4",
    };
    serve_stored(&app.settings, &app.settings.upload_path(&id), ct, &headers, None).await
}

/// What a file is, in words: what `vivify inspect` and `vivify verify` say.
#[derive(Serialize, ToSchema)]
pub struct Inspection {
    /// The upload's name.
    pub name: String,
    /// "Motion Photo (JPEG)", "Live Photo movie (QuickTime)", …
    pub headline: String,
    /// One line per fact and per broken format rule.
    pub details: Vec<String>,
    /// The Content Credentials, in one sentence.
    pub credentials: String,
    /// The whole inspect report (`vivify inspect --json`).
    #[schema(value_type = Option<Object>)]
    pub inspect: Option<serde_json::Value>,
    /// The whole verify report (`vivify verify --json`).
    #[schema(value_type = Option<Object>)]
    pub verify: Option<serde_json::Value>,
}

/// What an upload is and what its credentials say.
#[utoipa::path(get, path = "/api/uploads/{id}/inspect", params(("id" = String, Path)),
    responses((status = 200, body = Inspection), (status = 404, body = ApiError_)))]
pub async fn inspect_upload(State(app): State<AppState>, Path(id): Path<String>) -> Result<Json<Inspection>, ApiError> {
    let u = load_upload(&app, &id).await?;
    let path = app.settings.upload_path(&id);
    ensure_local(&app.settings, &path).await?;
    let shown = std::path::PathBuf::from(&u.name);
    let view = tokio::task::spawn_blocking(move || {
        // Messages name the file as its owner knows it, not our path.
        let local = |t: String| t.replace(&path.display().to_string(), &u.name);
        let (headline, details, inspect) = match vivify::inspect::inspect_path(&path) {
            Ok(mut r) => {
                r.path = u.name.clone();
                (r.headline(), r.details().into_iter().map(local).collect(), serde_json::to_value(&r).ok())
            }
            Err(_) if u.format == "png" => ("a PNG picture, not a Live or Motion Photo".to_string(), Vec::new(), None),
            Err(e) => (local(vivify::error::chain_text(&e)), Vec::new(), None),
        };
        let (credentials, verify) = match vivify::provenance::verify::verify(&path, &[]) {
            Ok(mut v) => {
                v.file = shown.display().to_string();
                (local(v.verdict.clone()), serde_json::to_value(&v).ok())
            }
            Err(e) => (local(vivify::error::chain_text(&e)), None),
        };
        Inspection { name: u.name.clone(), headline, details, credentials, inspect, verify }
    })
    .await
    .map_err(|e| ApiError::internal(format!("inspect task: {e}")))?;
    Ok(Json(view))
}

/// A Motion Photo's embedded video, as an MP4 of its own (byte ranges), so
/// a page can play it.
#[utoipa::path(get, path = "/api/uploads/{id}/motion", params(("id" = String, Path)),
    responses((status = 200, content_type = "video/mp4", body = Vec<u8>), (status = 206), (status = 404, body = ApiError_)))]
pub async fn upload_motion(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check_id(&id, "upload")?;
    let path = app.settings.upload_path(&id);
    ensure_local(&app.settings, &path).await?;
    let p2 = path.clone();
    let window = tokio::task::spawn_blocking(move || {
        vivify::inspect::inspect_path(&p2).ok().and_then(|r| r.motion).map(|m| (m.video_offset, m.video_length))
    })
    .await
    .map_err(|e| ApiError::internal(format!("inspect task: {e}")))?
    .ok_or_else(|| ApiError::not_found(format!("upload {id} is not a Motion Photo")))?;
    crate::files::serve_window(&path, Some(window), "video/mp4", &headers, None).await
}

/// Prompt ideas for a photo, from what its scene holds (the page's chips).
#[utoipa::path(get, path = "/api/uploads/{id}/ideas", params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 400, body = ApiError_), (status = 404, body = ApiError_)))]
pub async fn upload_ideas(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let u = load_upload(&app, &id).await?;
    if u.kind != "photo" {
        return Err(ApiError::bad_request(format!("{} is a {}; ideas are for photos", u.name, u.kind)));
    }
    let path = app.settings.upload_path(&id);
    ensure_local(&app.settings, &path).await?;
    let ideas = tokio::task::spawn_blocking(move || vivify::alive::ideas::ideas(&path))
        .await
        .map_err(|e| ApiError::internal(format!("ideas task: {e}")))?
        .map_err(|e| {
            let mut a = ApiError::from_library(&e);
            a.message = a.message.replace(&app.settings.upload_path(&id).display().to_string(), &u.name);
            a
        })?;
    Ok(Json(serde_json::to_value(ideas).map_err(|e| ApiError::internal(e.to_string()))?))
}
