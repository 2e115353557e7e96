//! The HTTP API. Every action of the page is one of these calls first; the
//! OpenAPI document (`/api/openapi.json`) is generated from the
//! annotations here.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::error::ApiError;
use crate::files::{content_type_of, serve_file, OutputFile};
use crate::jobs::{job_dir, ProgressSnapshot};
use crate::spec::{AliveSpec, ConvertSpec, JobSpec, LiveSpec, PreviewSpec};
use crate::store::{valid_id, Job, JobError, JobState, Store, Upload};
use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "vivify studio API",
        description = "Photos brought to life, Live Photos and Motion Photos, on your own machine."
    ),
    paths(
        health,
        create_upload,
        get_upload,
        upload_file,
        inspect_upload,
        upload_ideas,
        upload_motion,
        create_job,
        list_jobs,
        get_job,
        cancel_job,
        job_events,
        job_file,
        crate::shares::create_share,
        crate::shares::get_share,
        crate::shares::share_media,
        crate::shares::report_share,
        crate::shares::appeal_share,
        crate::moderation::login,
        crate::moderation::logout,
        crate::moderation::me,
        crate::moderation::queue,
        crate::moderation::next,
        crate::moderation::case,
        crate::moderation::decide,
        crate::moderation::decide_appeal,
        crate::moderation::audit,
        crate::moderation::review_media
    ),
    components(schemas(
        ApiError_,
        Upload,
        Job,
        JobState,
        JobError,
        JobView,
        ProgressSnapshot,
        OutputFile,
        ServerEvent,
        AliveSpec,
        PreviewSpec,
        LiveSpec,
        ConvertSpec,
        Inspection,
        JobSpec,
        crate::store::Share,
        crate::shares::ShareRequest,
        crate::shares::Shared,
        crate::shares::SharePage,
        crate::shares::ReportRequest,
        crate::shares::ReportReceipt,
        crate::shares::AppealRequest,
        crate::moderation::Login,
        crate::moderation::Me,
        crate::moderation::Decision,
        crate::moderation::AppealDecision,
        Health
    ))
)]
pub struct ApiDoc;

/// The error body (see `crate::error::ApiError`), named for the document.
#[derive(ToSchema)]
#[schema(as = ApiError)]
#[allow(dead_code)]
struct ApiError_ {
    /// Stable, for programs.
    kind: String,
    message: String,
    reference: String,
    #[schema(value_type = Option<Object>)]
    refusal: Option<serde_json::Value>,
}

/// Runs a store call on the blocking pool.
async fn store<T: Send + 'static>(
    app: &AppState,
    f: impl FnOnce(&dyn Store) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let s = app.store.clone();
    tokio::task::spawn_blocking(move || f(&*s)).await.map_err(|e| ApiError::internal(format!("store task: {e}")))?
}

fn check_id(id: &str, what: &str) -> Result<(), ApiError> {
    if valid_id(id) {
        Ok(())
    } else {
        Err(ApiError::not_found(format!("no {what} {id}")))
    }
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub ok: bool,
    pub version: String,
    pub workers: usize,
    pub queued: usize,
    pub queue_limit: usize,
}

/// Whether the studio is up, and how busy.
#[utoipa::path(get, path = "/api/health", responses((status = 200, body = Health)))]
pub async fn health(State(app): State<AppState>) -> Result<Json<Health>, ApiError> {
    let queued = store(&app, |s| Ok(s.queued()?)).await?;
    Ok(Json(Health {
        ok: true,
        version: env!("CARGO_PKG_VERSION").into(),
        workers: app.settings.workers,
        queued,
        queue_limit: app.settings.queue_limit,
    }))
}

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

/// What an upload is.
#[utoipa::path(get, path = "/api/uploads/{id}", params(("id" = String, Path)),
    responses((status = 200, body = Upload), (status = 404, body = ApiError_)))]
pub async fn get_upload(State(app): State<AppState>, Path(id): Path<String>) -> Result<Json<Upload>, ApiError> {
    check_id(&id, "upload")?;
    let u = store(&app, move |s| s.upload(&id)?.ok_or_else(|| ApiError::not_found("no such upload"))).await?;
    Ok(Json(u))
}

/// An upload's bytes.
#[utoipa::path(get, path = "/api/uploads/{id}/file", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 206), (status = 404, body = ApiError_)))]
pub async fn upload_file(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check_id(&id, "upload")?;
    let id2 = id.clone();
    let u = store(&app, move |s| s.upload(&id2)?.ok_or_else(|| ApiError::not_found("no such upload"))).await?;
    let ct = match u.format.as_str() {
        "jpeg" => "image/jpeg",
        "png" => "image/png",
        "heif" => "image/heic",
        "mov" => "video/quicktime",
        _ => "video/mp4",
    };
    serve_file(&app.settings.upload_path(&id), ct, &headers, None).await
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
    check_id(&id, "upload")?;
    let id2 = id.clone();
    let u = store(&app, move |s| s.upload(&id2)?.ok_or_else(|| ApiError::not_found("no such upload"))).await?;
    let path = app.settings.upload_path(&id);
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
            Err(e) => (local(crate::error::chain_text(&e)), Vec::new(), None),
        };
        let (credentials, verify) = match vivify::provenance::verify::verify(&path, &[]) {
            Ok(mut v) => {
                v.file = shown.display().to_string();
                (local(v.verdict.clone()), serde_json::to_value(&v).ok())
            }
            Err(e) => (local(crate::error::chain_text(&e)), None),
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
    check_id(&id, "upload")?;
    let id2 = id.clone();
    let u = store(&app, move |s| s.upload(&id2)?.ok_or_else(|| ApiError::not_found("no such upload"))).await?;
    if u.kind != "photo" {
        return Err(ApiError::bad_request(format!("{} is a {}; ideas are for photos", u.name, u.kind)));
    }
    let path = app.settings.upload_path(&id);
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

/// A job with where it is now.
#[derive(Serialize, ToSchema)]
pub struct JobView {
    #[serde(flatten)]
    pub job: Job,
    /// While running: the phase and its steps.
    pub progress: Option<ProgressSnapshot>,
    /// Once done: the files it wrote.
    pub files: Vec<OutputFile>,
}

fn view(app: &AppState, job: Job) -> JobView {
    let progress =
        if job.state == JobState::Running { app.hub.follow(&job.id).map(|rx| rx.borrow().clone()) } else { None };
    let files = job
        .result
        .as_ref()
        .and_then(|r| r.get("files"))
        .and_then(|f| serde_json::from_value(f.clone()).ok())
        .unwrap_or_default();
    JobView { job, progress, files }
}

/// Queues a job. A full queue answers 429 with `Retry-After`.
#[utoipa::path(post, path = "/api/jobs", request_body = JobSpec,
    responses((status = 202, body = JobView), (status = 400, body = ApiError_), (status = 404, body = ApiError_), (status = 429, body = ApiError_)))]
pub async fn create_job(
    State(app): State<AppState>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<JobView>), ApiError> {
    let spec: JobSpec =
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("the job request: {e}")))?;
    let limit = app.settings.queue_limit;
    let workers = app.settings.workers;
    let job = store(&app, move |s| {
        spec.validate(s)?;
        let value = serde_json::to_value(&spec).map_err(|e| ApiError::internal(e.to_string()))?;
        match s.enqueue(spec.kind(), &value, spec.priority(), limit)? {
            Some(job) => Ok(job),
            None => {
                let mut e = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "queue_full",
                    format!("{limit} jobs are already waiting; try again shortly"),
                );
                // About one clip every few seconds a worker.
                e.retry_after = Some((limit as u64 * 5 / workers.max(1) as u64).clamp(5, 600));
                Err(e)
            }
        }
    })
    .await?;
    app.hub.notify();
    Ok((StatusCode::ACCEPTED, Json(view(&app, job))))
}

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// At most this many, newest first (default 50, at most 500).
    limit: Option<usize>,
}

/// The newest jobs.
#[utoipa::path(get, path = "/api/jobs", params(ListQuery), responses((status = 200, body = Vec<JobView>)))]
pub async fn list_jobs(
    State(app): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<JobView>>, ApiError> {
    let limit = q.limit.unwrap_or(50).min(500);
    let jobs = store(&app, move |s| Ok(s.jobs(limit)?)).await?;
    Ok(Json(jobs.into_iter().map(|j| view(&app, j)).collect()))
}

async fn load_job(app: &AppState, id: &str) -> Result<Job, ApiError> {
    check_id(id, "job")?;
    let id = id.to_string();
    store(app, move |s| s.job(&id)?.ok_or_else(|| ApiError::not_found(format!("no job {id}")))).await
}

/// A job, its progress and its files.
#[utoipa::path(get, path = "/api/jobs/{id}", params(("id" = String, Path)),
    responses((status = 200, body = JobView), (status = 404, body = ApiError_)))]
pub async fn get_job(State(app): State<AppState>, Path(id): Path<String>) -> Result<Json<JobView>, ApiError> {
    let job = load_job(&app, &id).await?;
    Ok(Json(view(&app, job)))
}

/// Cancels a job: a queued one at once, a running one at its next step.
#[utoipa::path(post, path = "/api/jobs/{id}/cancel", params(("id" = String, Path)),
    responses((status = 200, body = JobView), (status = 404, body = ApiError_)))]
pub async fn cancel_job(State(app): State<AppState>, Path(id): Path<String>) -> Result<Json<JobView>, ApiError> {
    check_id(&id, "job")?;
    let id2 = id.clone();
    let job = store(&app, move |s| s.cancel(&id2)?.ok_or_else(|| ApiError::not_found("no such job"))).await?;
    app.hub.cancel(&id);
    Ok(Json(view(&app, job)))
}

/// One server-sent event, as the document describes the stream.
#[derive(ToSchema)]
#[allow(dead_code)]
struct ServerEvent {
    /// `progress` or `state`.
    event: String,
    /// JSON: a `ProgressSnapshot` for `progress`, the `JobView` for `state`.
    data: String,
}

/// Server-sent events: `progress` while the job runs, then one `state`
/// event with the finished job, then the stream ends.
#[utoipa::path(get, path = "/api/jobs/{id}/events", params(("id" = String, Path)),
    responses((status = 200, content_type = "text/event-stream", body = ServerEvent), (status = 404, body = ApiError_)))]
pub async fn job_events(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    load_job(&app, &id).await?;
    let stream = futures_util::stream::unfold((app, id, false, None), |(app, id, ended, last)| async move {
        if ended {
            return None;
        }
        let mut last: Option<ProgressSnapshot> = last;
        loop {
            let job = match load_job(&app, &id).await {
                Ok(j) => j,
                Err(_) => return None,
            };
            if job.state.finished() {
                let v = view(&app, job);
                let ev = Event::default().event("state").json_data(&v).unwrap_or_default();
                return Some((Ok(ev), (app, id, true, last)));
            }
            if let Some(mut rx) = app.hub.follow(&id) {
                let now = rx.borrow_and_update().clone();
                if last.as_ref() != Some(&now) {
                    let ev = Event::default().event("progress").json_data(&now).unwrap_or_default();
                    return Some((Ok(ev), (app, id, false, Some(now))));
                }
                // Wait for the next report, or look again in a while.
                let _ = tokio::time::timeout(Duration::from_millis(500), rx.changed()).await;
            } else {
                if last.is_none() {
                    let ev = Event::default().event("state").json_data(view(&app, job)).unwrap_or_default();
                    last = Some(ProgressSnapshot { phase: "queued".into(), ..Default::default() });
                    return Some((Ok(ev), (app, id, false, last)));
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

#[derive(Deserialize, IntoParams)]
pub struct FileQuery {
    /// `1` (or `true`): answer as an attachment with a download name.
    download: Option<String>,
    /// `1`: for playing in a page: a QuickTime movie is answered as
    /// `video/mp4` (the same bytes; browsers play ISO-BMFF movies under
    /// that type and refuse `video/quicktime`).
    play: Option<String>,
}

/// One of a finished job's files, with byte ranges.
#[utoipa::path(get, path = "/api/jobs/{id}/files/{name}", params(("id" = String, Path), ("name" = String, Path), FileQuery),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 206), (status = 404, body = ApiError_), (status = 416)))]
pub async fn job_file(
    State(app): State<AppState>,
    Path((id, name)): Path<(String, String)>,
    Query(q): Query<FileQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let job = load_job(&app, &id).await?;
    let v = view(&app, job);
    // Only names the job listed: never a path from the request.
    let file = v
        .files
        .iter()
        .find(|f| f.name == name)
        .ok_or_else(|| ApiError::not_found(format!("job {id} has no file {name}")))?;
    let download = match q.download.as_deref() {
        Some("1" | "true") => Some(download_name(&app, &v.job, &file.name).await),
        _ => None,
    };
    let mut content_type = content_type_of(&file.name);
    if q.play.as_deref() == Some("1") && content_type == "video/quicktime" {
        content_type = "video/mp4";
    }
    serve_file(&job_dir(&app.settings.data, &id).join(&file.name), content_type, &headers, download.as_deref()).await
}

/// `beach.alive.mp4` for the job on `beach.jpg`; a conversion's files are
/// already named after their inputs.
async fn download_name(app: &AppState, job: &Job, file: &str) -> String {
    if job.kind == "convert" {
        return file.to_string();
    }
    let upload = job.spec.get("upload").and_then(|u| u.as_str()).map(str::to_string);
    let stem = match upload {
        Some(u) if valid_id(&u) => store(app, move |s| Ok(s.upload(&u)?)).await.ok().flatten().map(|u| {
            let n = u.name;
            n.rsplit_once('.').map_or(n.clone(), |(s, _)| s.to_string())
        }),
        _ => None,
    }
    .unwrap_or_else(|| "vivify".into());
    format!("{stem}.{file}")
}

/// The OpenAPI 3.1 document of this API.
pub async fn openapi() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}
