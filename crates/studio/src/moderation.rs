//! Moderators: accounts with argon2-hashed passwords (added with `vivify
//! serve --add-moderator NAME`), sessions in an `HttpOnly`, `SameSite=Strict`
//! cookie, and the moderation calls over the safety database's cases: the
//! queue, taking the next case, a case with its item, reports and history,
//! decisions with their reasons, appeals, and the audit log.

use std::net::SocketAddr;
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vivify::safety::store::cases::{Action, AppealOutcome};
use vivify::safety::store::events::CaseState;
use vivify::safety::store::Store as SafetyStore;
use vivify::safety::Category;

use crate::error::{ApiError, StudioError};
use crate::store::{new_id, Store};
use crate::AppState;

pub const SESSION_COOKIE: &str = "vivify_session";
/// A session lasts a working day.
const SESSION_SECONDS: i64 = 12 * 3600;
const LOGINS_PER_WINDOW: usize = 10;
const LOGIN_WINDOW: Duration = Duration::from_secs(600);

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// 16 random bytes as a salt.
fn fresh_salt() -> Result<SaltString, StudioError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| StudioError::Internal(format!("no randomness: {e}")))?;
    SaltString::encode_b64(&b).map_err(|e| StudioError::Internal(format!("salt: {e}")))
}

/// Hashes `password` for `name` into `store` (argon2id, a fresh salt).
pub fn add_moderator(store: &dyn Store, name: &str, password: &str) -> Result<(), StudioError> {
    let name = name.trim();
    if name.is_empty() || name.len() > 100 || name.chars().any(char::is_control) {
        return Err(StudioError::Config("a moderator needs a name of 1 to 100 characters".into()));
    }
    if password.chars().count() < 12 {
        return Err(StudioError::Config("a moderator's password needs at least 12 characters".into()));
    }
    let salt = fresh_salt()?;
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| StudioError::Internal(format!("hashing the password: {e}")))?
        .to_string();
    store.set_moderator(name, &hash)
}

/// A hash to check unknown names against, so that they take as long as
/// known ones.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        fresh_salt()
            .ok()
            .and_then(|salt| {
                Argon2::default().hash_password(b"no moderator has this name", &salt).ok().map(|h| h.to_string())
            })
            .unwrap_or_default()
    })
}

/// The signed-in moderator of a request (401 without a valid session).
pub struct Moderator(pub String);

impl FromRequestParts<AppState> for Moderator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Self::Rejection> {
        let id = crate::security::cookie(&parts.headers, SESSION_COOKIE).map(str::to_string);
        let who = match id {
            Some(id) if crate::store::valid_id(&id) => {
                let store = app.store.clone();
                tokio::task::spawn_blocking(move || store.session(&id, unix_now()))
                    .await
                    .map_err(|e| ApiError::internal(e.to_string()))??
            }
            _ => None,
        };
        who.map(Moderator).ok_or_else(|| {
            ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "sign in as a moderator first (/moderate)")
        })
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    pub name: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    /// `null` when nobody is signed in.
    pub moderator: Option<String>,
}

fn session_cookie(value: &str, max_age: i64) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}"))
        .ok()
}

/// Signs a moderator in (ten attempts per address per ten minutes).
#[utoipa::path(post, path = "/api/login", request_body = Login,
    responses((status = 200, body = Me), (status = 401), (status = 429)))]
pub async fn login(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Json(req): Json<Login>,
) -> Result<Response, ApiError> {
    if let Err(wait) = app.limits.allow(peer.ip(), "login", LOGINS_PER_WINDOW, LOGIN_WINDOW) {
        let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many sign-in attempts; wait");
        e.retry_after = Some(wait);
        return Err(e);
    }
    let store = app.store.clone();
    let name = req.name.trim().to_string();
    let session = tokio::task::spawn_blocking(move || -> Result<Option<String>, ApiError> {
        let stored = store.moderator_hash(&name)?;
        // An unknown name costs the same hash as a known one.
        let text = stored.clone().unwrap_or_else(|| dummy_hash().to_string());
        let ok = PasswordHash::new(&text)
            .map(|h| Argon2::default().verify_password(req.password.as_bytes(), &h).is_ok())
            .unwrap_or(false);
        if !(ok && stored.is_some()) {
            return Ok(None);
        }
        let id = new_id()?;
        store.add_session(&id, &name, unix_now() + SESSION_SECONDS)?;
        Ok(Some(id))
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    let Some(id) = session else {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "wrong name or password"));
    };
    let mut r = Json(Me { moderator: Some(req.name.trim().to_string()) }).into_response();
    if let Some(c) = session_cookie(&id, SESSION_SECONDS) {
        r.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(r)
}

/// Signs out.
#[utoipa::path(post, path = "/api/logout", responses((status = 204)))]
pub async fn logout(State(app): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(id) = crate::security::cookie(&headers, SESSION_COOKIE).map(str::to_string) {
        let store = app.store.clone();
        tokio::task::spawn_blocking(move || store.end_session(&id))
            .await
            .map_err(|e| ApiError::internal(e.to_string()))??;
    }
    let mut r = StatusCode::NO_CONTENT.into_response();
    if let Some(c) = session_cookie("", 0) {
        r.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(r)
}

/// Who is signed in (a page asks before it shows the sign-in form).
#[utoipa::path(get, path = "/api/me", responses((status = 200, body = Me)))]
pub async fn me(m: Result<Moderator, ApiError>) -> Json<Me> {
    Json(Me { moderator: m.ok().map(|m| m.0) })
}

async fn with_safety<T: Send + 'static>(
    app: &AppState,
    f: impl FnOnce(&mut SafetyStore) -> vivify::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    let pool = app.safety.clone();
    tokio::task::spawn_blocking(move || {
        let mut s = pool.get("moderation tools")?;
        f(&mut s).map_err(|e| ApiError::from_library(&e))
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?
}

#[derive(Deserialize, IntoParams)]
pub struct QueueQuery {
    /// `open`, `reviewing`, `actioned`, `dismissed` (default: every state).
    state: Option<String>,
}

/// The cases, most urgent first.
#[utoipa::path(get, path = "/api/moderation/cases", params(QueueQuery), responses((status = 200, body = Vec<Object>), (status = 401)))]
pub async fn queue(
    State(app): State<AppState>,
    Moderator(_): Moderator,
    Query(q): Query<QueueQuery>,
) -> Result<Json<Vec<serde_json::Value>>, ApiError> {
    let state = match q.state.as_deref() {
        None | Some("") => None,
        Some(s) => Some(CaseState::parse(s).ok_or_else(|| ApiError::bad_request(format!("state '{s}'")))?),
    };
    let cases = with_safety(&app, move |s| s.cases(state)).await?;
    Ok(Json(
        cases
            .into_iter()
            .map(|(id, f, item)| {
                serde_json::json!({"id": id, "item": item, "state": f.state, "priority": f.priority,
                "assigned_to": f.assigned_to, "appeal": f.appeal, "hidden": f.hidden})
            })
            .collect(),
    ))
}

/// A case with what a moderator needs: the item and its shared files, the
/// checks it passed, the reports and the history. The store is read on the
/// blocking pool, as every store call is (PostgreSQL's client blocks).
async fn case_json(
    app: &AppState,
    case: vivify::safety::store::cases::CaseView,
) -> Result<serde_json::Value, ApiError> {
    let store = app.store.clone();
    let item = case.item.id.clone();
    let shares = tokio::task::spawn_blocking(move || store.shares_of_item(&item))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
    let mut v = serde_json::to_value(&case).map_err(|e| ApiError::internal(e.to_string()))?;
    v["shares"] = shares
        .iter()
        .map(|s| {
            serde_json::json!({"id": s.id, "page": format!("/s/{}", s.id), "file": s.file,
                "review_media": format!("/api/moderation/shares/{}/media", s.id), "caption": s.caption})
        })
        .collect();
    Ok(v)
}

/// Takes the next case (one's own under review first, else the most urgent
/// open one); `null` when the queue is empty.
#[utoipa::path(post, path = "/api/moderation/next", responses((status = 200, body = Object), (status = 401)))]
pub async fn next(State(app): State<AppState>, Moderator(m): Moderator) -> Result<Json<serde_json::Value>, ApiError> {
    let case = with_safety(&app, move |s| s.next_case(&m)).await?;
    Ok(Json(match case {
        Some(c) => case_json(&app, c).await?,
        None => serde_json::Value::Null,
    }))
}

/// One case.
#[utoipa::path(get, path = "/api/moderation/cases/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 401), (status = 404)))]
pub async fn case(
    State(app): State<AppState>,
    Moderator(_): Moderator,
    Path(id): Path<i64>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let c = with_safety(&app, move |s| s.case(id)).await?;
    Ok(Json(case_json(&app, c).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// `remove` or `dismiss`.
    pub action: String,
    /// For a removal: the rule broken (a category code).
    #[serde(default)]
    pub category: Option<String>,
    /// The facts the decision rests on (the statement of reasons).
    pub facts: String,
    /// Take the case over from another moderator.
    #[serde(default)]
    pub takeover: bool,
}

/// Decides a case under review (409 when someone else decided it first).
#[utoipa::path(post, path = "/api/moderation/cases/{id}/decide", params(("id" = i64, Path)), request_body = Decision,
    responses((status = 200, body = Object), (status = 400), (status = 401), (status = 409)))]
pub async fn decide(
    State(app): State<AppState>,
    Moderator(m): Moderator,
    Path(id): Path<i64>,
    Json(d): Json<Decision>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let action = match d.action.as_str() {
        "remove" => Action::Remove,
        "dismiss" => Action::Dismiss,
        other => return Err(ApiError::bad_request(format!("action '{other}': remove or dismiss"))),
    };
    let category = match d.category.as_deref() {
        None | Some("") => None,
        Some(c) => Some(Category::from_code(c).ok_or_else(|| ApiError::bad_request(format!("category '{c}'")))?),
    };
    let c = with_safety(&app, move |s| s.decide(id, &m, action, category, &d.facts, d.takeover)).await?;
    Ok(Json(case_json(&app, c).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealDecision {
    /// `uphold` (the removal stands) or `reverse` (the item comes back).
    pub outcome: String,
    pub facts: String,
}

/// Decides an appeal.
#[utoipa::path(post, path = "/api/moderation/cases/{id}/appeal", params(("id" = i64, Path)), request_body = AppealDecision,
    responses((status = 200, body = Object), (status = 400), (status = 401), (status = 409)))]
pub async fn decide_appeal(
    State(app): State<AppState>,
    Moderator(m): Moderator,
    Path(id): Path<i64>,
    Json(d): Json<AppealDecision>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let outcome = match d.outcome.as_str() {
        "uphold" => AppealOutcome::Uphold,
        "reverse" => AppealOutcome::Reverse,
        other => return Err(ApiError::bad_request(format!("outcome '{other}': uphold or reverse"))),
    };
    let c = with_safety(&app, move |s| s.decide_appeal(id, &m, outcome, &d.facts)).await?;
    Ok(Json(case_json(&app, c).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    /// At most this many events, newest first (default 200, at most 2000).
    limit: Option<usize>,
}

/// The audit log: every step of every case, newest first.
#[utoipa::path(get, path = "/api/moderation/audit", params(AuditQuery), responses((status = 200, body = Vec<Object>), (status = 401)))]
pub async fn audit(
    State(app): State<AppState>,
    Moderator(_): Moderator,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Vec<serde_json::Value>>, ApiError> {
    let limit = q.limit.unwrap_or(200).min(2000);
    let events = with_safety(&app, move |s| s.recent_events(limit)).await?;
    Ok(Json(events.iter().filter_map(|e| serde_json::to_value(e).ok()).collect()))
}

/// A shared file for a moderator, whatever its status (hidden and removed
/// items must still be seen to be judged).
#[utoipa::path(get, path = "/api/moderation/shares/{id}/media", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 401), (status = 404)))]
pub async fn review_media(
    State(app): State<AppState>,
    Moderator(_): Moderator,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if !crate::store::valid_id(&id) {
        return Err(ApiError::not_found("no such share"));
    }
    let app2 = app.clone();
    let (share, path) = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let share = app2.store.share(&id)?.ok_or_else(|| ApiError::not_found("no such share"))?;
        let path = crate::shares::shared_file(&app2, &share)?;
        Ok((share, path))
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    let ct = crate::files::playable_type_of(&share.file);
    crate::files::serve_stored(&app.settings, &path, ct, &headers, None).await
}
