//! Sharing and reporting. A job's file is published only through the share
//! check (same bytes as checked, caption, blocklist, label, valid
//! credentials); its page `/s/ID` shows it with the "AI-generated" label and
//! what its credentials say, and anyone may report it there (no sign-in,
//! limited per address). What the safety database says about the item
//! decides whether the page still shows it.

use std::net::SocketAddr;
use std::time::Duration;

use crate::safety::Pooled;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vivify::safety::Category;

use crate::error::ApiError;
use crate::files::{content_type_of, ensure_local_blocking, key_of, playable_type_of, serve_stored};
use crate::jobs::job_files;
use crate::store::{new_id, now, valid_id, Share};
use crate::AppState;

/// Reports one address may file in ten minutes.
const REPORTS_PER_WINDOW: usize = 10;
const REPORT_WINDOW: Duration = Duration::from_secs(600);

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareRequest {
    /// Which of the job's files (its name in the job).
    pub file: String,
    /// Shown on the share page; checked like a prompt.
    #[serde(default)]
    pub caption: Option<String>,
}

/// A share that passed the check.
#[derive(Serialize, ToSchema)]
pub struct Shared {
    pub share: Share,
    /// Where it is: `/s/ID`.
    pub url: String,
    /// What the share check looked at, step by step.
    #[schema(value_type = Vec<Object>)]
    pub steps: Vec<serde_json::Value>,
    pub reference: String,
}

/// What a share page shows.
#[derive(Serialize, ToSchema)]
pub struct SharePage {
    pub id: String,
    pub caption: Option<String>,
    pub created_at: String,
    /// `visible`, `hidden` (pending review after a report) or `removed`.
    pub status: String,
    /// The file, while visible.
    pub media_url: Option<String>,
    pub content_type: String,
    /// The file says it was made with AI (its label and credentials).
    pub ai_generated: bool,
    /// What the Content Credentials say, in one sentence.
    pub credentials: String,
    /// Who signed them.
    pub signer: Option<String>,
    /// The reasons a report can give: code and words.
    #[schema(value_type = Vec<Object>)]
    pub reasons: Vec<serde_json::Value>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// One of the share page's reasons (`hate`, `privacy`, …).
    pub reason: String,
    #[serde(default)]
    pub details: String,
    /// A name or address to hear the outcome (optional).
    #[serde(default)]
    pub reporter: String,
}

/// What a reporter is told.
#[derive(Serialize, ToSchema)]
pub struct ReportReceipt {
    pub reference: String,
    pub message: String,
    /// The item was hidden at once (an urgent reason, or many reporters).
    pub hidden: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealRequest {
    pub reason: String,
}

fn safety_store(app: &AppState) -> Result<Pooled<'_>, ApiError> {
    app.safety.get("sharing and reports")
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, ApiError> + Send + 'static) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| ApiError::internal(format!("task: {e}")))?
}

fn load_share(app: &AppState, id: &str) -> Result<Share, ApiError> {
    if !valid_id(id) {
        return Err(ApiError::not_found(format!("no share {id}")));
    }
    app.store.share(id)?.ok_or_else(|| ApiError::not_found(format!("no share {id}")))
}

/// Publishes one of a finished job's files, if the share check clears it.
#[utoipa::path(post, path = "/api/jobs/{id}/share", params(("id" = String, Path)), request_body = ShareRequest,
    responses((status = 201, body = Shared), (status = 404), (status = 422, description = "refused by the share check")))]
pub async fn create_share(
    State(app): State<AppState>,
    Path(job_id): Path<String>,
    Json(req): Json<ShareRequest>,
) -> Result<(StatusCode, Json<Shared>), ApiError> {
    blocking(move || {
        if !valid_id(&job_id) {
            return Err(ApiError::not_found(format!("no job {job_id}")));
        }
        let job = app.store.job(&job_id)?.ok_or_else(|| ApiError::not_found(format!("no job {job_id}")))?;
        let listed = job
            .result
            .as_ref()
            .and_then(|r| r.get("files"))
            .and_then(|f| f.as_array())
            .is_some_and(|files| files.iter().any(|f| f["name"] == req.file.as_str()));
        if !listed {
            return Err(ApiError::not_found(format!("job {job_id} has no file {}", req.file)));
        }
        let path = job_files(&app.settings, &job).join(&req.file);
        ensure_local_blocking(&app.settings, &path)?;
        let mut safety = safety_store(&app)?;
        let caption = req.caption.as_deref().map(str::trim).filter(|c| !c.is_empty());
        let cleared = vivify::safety::share::check_share(&path, caption, &mut safety, &app.settings.checks.policy)
            .map_err(|e| ApiError::from_library(&e))?;
        let share = Share {
            id: new_id()?,
            job_id,
            file: req.file,
            item_id: cleared.item.id.clone(),
            caption: caption.map(str::to_string),
            created_at: now(),
        };
        app.store.add_share(&share)?;
        let steps = cleared.steps.iter().filter_map(|s| serde_json::to_value(s).ok()).collect();
        Ok((
            StatusCode::CREATED,
            Json(Shared { url: format!("/s/{}", share.id), share, steps, reference: cleared.reference }),
        ))
    })
    .await
}

/// Where a shared file is: in its job's last attempt.
pub(crate) fn shared_file(app: &AppState, share: &Share) -> Result<std::path::PathBuf, ApiError> {
    let job = app.store.job(&share.job_id)?.ok_or_else(|| ApiError::not_found(format!("no job {}", share.job_id)))?;
    Ok(job_files(&app.settings, &job).join(&share.file))
}

/// What the share page shows.
#[utoipa::path(get, path = "/api/shares/{id}", params(("id" = String, Path)),
    responses((status = 200, body = SharePage), (status = 404)))]
pub async fn get_share(State(app): State<AppState>, Path(id): Path<String>) -> Result<Json<SharePage>, ApiError> {
    blocking(move || {
        let share = load_share(&app, &id)?;
        let safety = safety_store(&app)?;
        let item = safety.item(&share.item_id).map_err(|e| ApiError::from_library(&e))?;
        let status = item.map_or_else(|| "removed".to_string(), |i| i.status);
        let path = shared_file(&app, &share)?;
        ensure_local_blocking(&app.settings, &path)?;
        let v = vivify::provenance::verify::verify(&path, &[]).ok();
        let reasons = Category::ALL.iter().map(|c| serde_json::json!({"code": c.code(), "words": c.words()})).collect();
        Ok(Json(SharePage {
            media_url: (status == "visible").then(|| format!("/api/shares/{}/media", share.id)),
            content_type: content_type_of(&share.file).to_string(),
            ai_generated: v.as_ref().is_some_and(|v| v.generated),
            credentials: v.as_ref().map_or_else(|| "could not be read".to_string(), |v| v.verdict.clone()),
            signer: v
                .as_ref()
                .and_then(|v| v.signer.as_ref())
                .and_then(|s| s.common_name.clone().or_else(|| s.issuer.clone())),
            id: share.id,
            caption: share.caption,
            created_at: share.created_at,
            status,
            reasons,
        }))
    })
    .await
}

/// The shared file, while it is visible (410 once hidden or removed).
#[utoipa::path(get, path = "/api/shares/{id}/media", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 206), (status = 404), (status = 410)))]
pub async fn share_media(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let app2 = app.clone();
    let (share, path) = blocking(move || {
        let share = load_share(&app2, &id)?;
        let item = safety_store(&app2)?.item(&share.item_id).map_err(|e| ApiError::from_library(&e))?;
        match item.map(|i| i.status) {
            Some(s) if s == "visible" => {
                let path = shared_file(&app2, &share)?;
                Ok((share, path))
            }
            Some(s) => Err(ApiError::new(StatusCode::GONE, "gone", format!("this item is {s} after a report"))),
            None => Err(ApiError::new(StatusCode::GONE, "gone", "this item was removed")),
        }
    })
    .await?;
    if app.settings.share_links == crate::ShareLinks::Presigned {
        // The viewer fetches the bytes from the object store itself.
        if let (Some(objects), Some(key)) = (&app.settings.objects, key_of(&app.settings.data, &path)) {
            if let Some(url) = objects.presigned(&key, crate::PRESIGNED_FOR).await? {
                return Response::builder()
                    .status(StatusCode::TEMPORARY_REDIRECT)
                    .header(axum::http::header::LOCATION, url)
                    .header(axum::http::header::CACHE_CONTROL, "no-store")
                    .body(axum::body::Body::empty())
                    .map_err(|e| ApiError::internal(e.to_string()));
            }
        }
    }
    let content_type = playable_type_of(&share.file);
    serve_stored(&app.settings, &path, content_type, &headers, None).await
}

/// Reports a shared item. No sign-in; ten reports per address per ten
/// minutes.
#[utoipa::path(post, path = "/api/shares/{id}/reports", params(("id" = String, Path)), request_body = ReportRequest,
    responses((status = 201, body = ReportReceipt), (status = 400), (status = 404), (status = 429)))]
pub async fn report_share(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    Json(req): Json<ReportRequest>,
) -> Result<(StatusCode, Json<ReportReceipt>), ApiError> {
    let reason = Category::from_code(&req.reason)
        .ok_or_else(|| ApiError::bad_request(format!("reason '{}': choose one the share page lists", req.reason)))?;
    if req.details.chars().count() > 5000 || req.reporter.chars().count() > 200 {
        return Err(ApiError::bad_request("details up to 5000 characters, a name up to 200"));
    }
    if let Err(wait) = app.limits.allow(peer.ip(), "report", REPORTS_PER_WINDOW, REPORT_WINDOW) {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many reports from this address; try again later",
        );
        e.retry_after = Some(wait);
        return Err(e);
    }
    blocking(move || {
        let share = load_share(&app, &id)?;
        let mut safety = safety_store(&app)?;
        let report = vivify::safety::store::cases::NewReport {
            reporter: req.reporter.trim().to_string(),
            reason,
            details: req.details,
            automated: false,
        };
        let case = safety.report(&share.item_id, &report).map_err(|e| ApiError::from_library(&e))?;
        let hidden = case.folded.hidden;
        Ok((
            StatusCode::CREATED,
            Json(ReportReceipt {
                reference: format!("case {}", case.id),
                message: if hidden {
                    "Thank you. The item is hidden while a person reviews your report.".into()
                } else {
                    "Thank you. A person will review your report.".into()
                },
                hidden,
            }),
        ))
    })
    .await
}

/// The uploader appeals the removal of a shared item.
#[utoipa::path(post, path = "/api/shares/{id}/appeal", params(("id" = String, Path)), request_body = AppealRequest,
    responses((status = 200, description = "the case, with the appeal"), (status = 404), (status = 409)))]
pub async fn appeal_share(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Json(req): Json<AppealRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    blocking(move || {
        let share = load_share(&app, &id)?;
        let mut safety = safety_store(&app)?;
        let cases = safety.cases(None).map_err(|e| ApiError::from_library(&e))?;
        let case_id = cases
            .iter()
            .rev()
            .find(|(_, _, item)| *item == share.item_id)
            .map(|(id, _, _)| *id)
            .ok_or_else(|| ApiError::not_found("no decision about this item to appeal"))?;
        let case = safety.appeal(case_id, "studio uploader", &req.reason).map_err(|e| ApiError::from_library(&e))?;
        Ok(Json(serde_json::json!({"case": case.id, "appeal": case.folded.appeal})))
    })
    .await
}
