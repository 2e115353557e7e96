//! The HTTP API: `uploads` (files in, what they are, ideas), `jobs` (the
//! queue, progress, results), and, in their own modules, `shares` and
//! `moderation`. Every action of the page is one of these calls first; the
//! OpenAPI document (`/api/openapi.json`) is generated from the
//! annotations here.

pub mod jobs;
pub mod uploads;

use axum::extract::State;
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::error::ApiError;
use crate::files::OutputFile;
use crate::jobs::ProgressSnapshot;
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
        uploads::create_upload,
        uploads::get_upload,
        uploads::upload_file,
        uploads::inspect_upload,
        uploads::upload_ideas,
        uploads::upload_motion,
        jobs::create_job,
        jobs::list_jobs,
        jobs::get_job,
        jobs::cancel_job,
        jobs::job_events,
        jobs::job_file,
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
        jobs::JobView,
        ProgressSnapshot,
        OutputFile,
        jobs::ServerEvent,
        AliveSpec,
        PreviewSpec,
        LiveSpec,
        ConvertSpec,
        uploads::Inspection,
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
pub(crate) struct ApiError_ {
    /// Stable, for programs.
    kind: String,
    message: String,
    reference: String,
    #[schema(value_type = Option<Object>)]
    refusal: Option<serde_json::Value>,
}

/// Runs a store call on the blocking pool.
pub(crate) async fn store<T: Send + 'static>(
    app: &AppState,
    f: impl FnOnce(&dyn Store) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let s = app.store.clone();
    tokio::task::spawn_blocking(move || f(&*s)).await.map_err(|e| ApiError::internal(format!("store task: {e}")))?
}

pub(crate) fn check_id(id: &str, what: &str) -> Result<(), ApiError> {
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

/// The OpenAPI 3.1 document of this API.
pub async fn openapi() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}
