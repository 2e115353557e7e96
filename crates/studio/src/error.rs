//! Errors: `StudioError` for starting and running the server, `ApiError`
//! for what a request gets back (JSON with a stable `kind`, the message,
//! and a reference to quote when asking for help).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// Why the studio could not start or keep going.
#[derive(Debug, thiserror::Error)]
pub enum StudioError {
    #[error("the job store failed: {0}")]
    Store(String),
    #[error("{0}")]
    Config(String),
    #[error("{what}: {source}")]
    Io { what: String, source: std::io::Error },
    #[error("{0}")]
    Internal(String),
    /// Shared object storage (`--storage`) failed: the object and why.
    #[error("storage: {0}")]
    Storage(String),
}

impl StudioError {
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        StudioError::Io { what: what.into(), source }
    }
}

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    /// Stable, for programs: `bad_request`, `not_found`, `too_large`,
    /// `unsupported_media`, `bad_input`, `queue_full`, `refused`,
    /// `conflict`, `unauthorized`, `forbidden`, `cancelled`, `unavailable`
    /// (shared storage out of reach), `internal`.
    pub kind: &'static str,
    /// For people: what went wrong and, where it helps, what to do.
    pub message: String,
    /// Quote this when asking about the error (a refusal's reference, or a
    /// request reference the server log carries too).
    pub reference: String,
    /// A safety refusal: stage, rule, what happened to the data, what to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub refusal: Option<Box<serde_json::Value>>,
    /// Seconds to wait before trying again (a full queue).
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            kind,
            message: message.into(),
            reference: crate::store::new_id().map(|id| format!("req-{}", &id[..12])).unwrap_or_default(),
            refusal: None,
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", what)
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        let e = ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message);
        eprintln!("vivify serve: {} ({})", e.message, e.reference);
        e
    }

    /// What the library said, sorted by its fault class.
    pub fn from_library(e: &vivify::Error) -> ApiError {
        use vivify::ErrorClass;
        let message = vivify::error::chain_text(e);
        match e.class() {
            ErrorClass::BadInput => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_input", message),
            ErrorClass::Usage => ApiError::bad_request(message),
            ErrorClass::Exists | ErrorClass::Conflict => ApiError::new(StatusCode::CONFLICT, "conflict", message),
            ErrorClass::Refused => {
                let refusal = refusal_of(e);
                let mut a = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "refused", message);
                if let Some(r) = &refusal {
                    a.reference = r.get("reference").and_then(|v| v.as_str()).unwrap_or_default().to_string();
                }
                a.refusal = refusal.map(Box::new);
                a
            }
            ErrorClass::Failure if matches!(e, vivify::Error::Cancelled) => {
                ApiError::new(StatusCode::CONFLICT, "cancelled", message)
            }
            ErrorClass::Failure => ApiError::internal(message),
        }
    }
}

/// A safety refusal inside a library error, as JSON for the client.
pub fn refusal_of(e: &vivify::Error) -> Option<serde_json::Value> {
    match e {
        vivify::Error::Refused(r) => {
            r.downcast_ref::<vivify::safety::Refusal>().and_then(|r| serde_json::to_value(r).ok())
        }
        vivify::Error::InFile { inner, .. } => refusal_of(inner),
        _ => None,
    }
}

impl From<StudioError> for ApiError {
    fn from(e: StudioError) -> ApiError {
        match e {
            // Shared storage out of reach: worth trying again shortly.
            StudioError::Storage(_) => {
                let mut a = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", e.to_string());
                a.retry_after = Some(5);
                a
            }
            other => ApiError::internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let retry = self.retry_after;
        let mut r = (status, axum::Json(self)).into_response();
        if let Some(s) = retry {
            if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        r
    }
}
