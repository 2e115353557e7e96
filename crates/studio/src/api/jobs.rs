//! Jobs: queueing (429 when full), listing, progress as server-sent
//! events, cancelling, and the files a job wrote.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;

use super::{check_id, store, ApiError_};
use crate::error::ApiError;
use crate::files::{content_type_of, playable_type_of, serve_stored, OutputFile};
use crate::jobs::{job_files, ProgressSnapshot};
use crate::spec::JobSpec;
use crate::store::{valid_id, Job, JobState};
use crate::AppState;
use std::convert::Infallible;
use std::time::Duration;

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
pub(crate) struct ServerEvent {
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
                // Rendered by another server: the progress its worker
                // records in the shared store.
                if job.state == JobState::Running {
                    let jid = id.clone();
                    let text = store(&app, move |s| Ok(s.progress(&jid)?)).await.ok().flatten();
                    let now = text.and_then(|t| serde_json::from_str::<ProgressSnapshot>(&t).ok());
                    if let Some(now) = now.filter(|n| last.as_ref() != Some(n)) {
                        let ev = Event::default().event("progress").json_data(&now).unwrap_or_default();
                        return Some((Ok(ev), (app, id, false, Some(now))));
                    }
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
    let content_type =
        if q.play.as_deref() == Some("1") { playable_type_of(&file.name) } else { content_type_of(&file.name) };
    let path = job_files(&app.settings, &v.job).join(&file.name);
    serve_stored(&app.settings, &path, content_type, &headers, download.as_deref()).await
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
