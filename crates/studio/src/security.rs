//! Who may talk to the studio, and what every answer says about itself.
//!
//! - Without a token the studio listens on loopback only and answers only
//!   requests whose `Host` is a loopback name (a web page elsewhere cannot
//!   rebind a name of its own to 127.0.0.1 and read our answers).
//! - With a token (required off loopback) every request carries it, as
//!   `Authorization: Bearer …` or as the `vivify_token` cookie that
//!   `/?token=…` sets (`HttpOnly`, `SameSite=Strict`).
//! - Requests that change anything must come from our own page or a
//!   program: they carry `X-Vivify-Request` (or `Authorization`), which a
//!   cross-site form or `fetch` cannot send without a CORS preflight we
//!   never grant, and an `Origin`, when present, of our own.
//! - Every answer forbids framing, MIME sniffing and inline script.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::error::ApiError;
use crate::AppState;

/// The header our page sends with every request that changes something.
pub const REQUEST_HEADER: &str = "x-vivify-request";
pub const TOKEN_COOKIE: &str = "vivify_token";

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; \
                   media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
                   form-action 'self'; frame-ancestors 'none'";

/// The offline page may compile WebAssembly and start its worker from a
/// Blob, and may connect nowhere at all: the browser itself then refuses any
/// request that could carry a file away.
const OFFLINE_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; \
                           style-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'none'; \
                           object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/// Its service worker fetches the page's own files to keep them.
const OFFLINE_SW_CSP: &str = "default-src 'none'; connect-src 'self'";

/// Adds the security headers to every answer.
pub async fn headers(req: Request, next: Next) -> Response {
    let csp = match req.uri().path() {
        "/offline/sw.js" => OFFLINE_SW_CSP,
        p if p.starts_with("/offline/") => OFFLINE_CSP,
        _ => CSP,
    };
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    r
}

/// Byte-for-byte equal in time independent of where they differ.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ")
}

/// A loopback name, with or without a port.
fn loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    name.eq_ignore_ascii_case("localhost") || name == "::1" || name.starts_with("127.")
}

/// Token, host and cross-site checks before any handler runs.
pub async fn guard(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    match &app.settings.token {
        None => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
            if !loopback_host(host) {
                return ApiError::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "this studio answers only on localhost; start it with --token to serve other names",
                )
                .into_response();
            }
        }
        // Share pages are for anyone the link reaches, and moderators
        // sign in with their own password: neither needs the token.
        Some(_) if public(req.method(), req.uri().path()) => {}
        Some(token) => {
            // The page's sign-in link: /?token=… sets the cookie once.
            if req.method() == Method::GET && req.uri().path() == "/" {
                if let Some(given) = req.uri().query().and_then(|q| {
                    q.split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == "token").map(|(_, v)| v)
                }) {
                    if same_secret(given.as_bytes(), token.as_bytes()) {
                        let mut r = Redirect::to("/").into_response();
                        let c = format!("{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict");
                        if let Ok(v) = HeaderValue::from_str(&c) {
                            r.headers_mut().insert(header::SET_COOKIE, v);
                        }
                        return r;
                    }
                }
            }
            let presented = bearer(headers).or_else(|| cookie(headers, TOKEN_COOKIE));
            if !presented.is_some_and(|p| same_secret(p.as_bytes(), token.as_bytes())) {
                return ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "this studio needs its access token: open the link `vivify serve` printed, or send Authorization: Bearer TOKEN",
                )
                .into_response();
            }
        }
    }
    let changes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if changes {
        if let Some(refusal) = cross_site(headers) {
            return ApiError::new(StatusCode::FORBIDDEN, "forbidden", refusal).into_response();
        }
    }
    next.run(req).await
}

/// Paths open without the access token: share pages (reading and
/// reporting), the moderators' page and its calls (they have their own
/// sign-in), and the static files those pages load.
fn public(method: &Method, path: &str) -> bool {
    let get = *method == Method::GET || *method == Method::HEAD;
    let share_call = path.strip_prefix("/api/shares/").map(|rest| rest.split('/').collect::<Vec<_>>());
    match share_call.as_deref() {
        Some([_id]) | Some([_id, "media"]) => return get,
        Some([_id, "reports"]) => return *method == Method::POST,
        Some(_) => return false,
        None => {}
    }
    if path.starts_with("/api/moderation/") || ["/api/login", "/api/logout", "/api/me"].contains(&path) {
        return true;
    }
    // Liveness and readiness probes say nothing but "up" and "ready".
    get && (path.starts_with("/s/")
        || ["/moderate", "/app.css", "/share.js", "/moderate.js", "/icon.svg", "/healthz", "/readyz"].contains(&path))
}

/// Why a state-changing request looks like it came from another site.
fn cross_site(headers: &HeaderMap) -> Option<String> {
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return Some("requests from other sites are refused".into());
    }
    if let (Some(origin), Some(host)) = (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        let origin_host = origin.split_once("://").map_or(origin, |(_, h)| h);
        if origin != "null" && !origin_host.eq_ignore_ascii_case(host) {
            return Some(format!("a request from {origin} is refused here"));
        }
        if origin == "null" {
            return Some("a request from an opaque origin is refused".into());
        }
    }
    if headers.get(REQUEST_HEADER).is_none() && headers.get(header::AUTHORIZATION).is_none() {
        return Some(format!(
            "requests that change something carry the {REQUEST_HEADER} header (any value) or an Authorization header"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_only() {
        for h in ["localhost", "localhost:8080", "127.0.0.1:1", "[::1]:80", "[::1]", "LOCALHOST"] {
            assert!(loopback_host(h), "{h}");
        }
        for h in ["evil.example", "evil.example:8080", "192.168.1.2:80", "localhost.evil.example", ""] {
            assert!(!loopback_host(h), "{h}");
        }
    }

    #[test]
    fn cross_site_changes_are_refused() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(cross_site(&h).is_some(), "no marker header");
        h.insert(REQUEST_HEADER, HeaderValue::from_static("1"));
        assert!(cross_site(&h).is_none());
        h.insert(header::ORIGIN, HeaderValue::from_static("http://127.0.0.1:8080"));
        assert!(cross_site(&h).is_none());
        h.insert(header::ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(cross_site(&h).is_some());
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(cross_site(&h).is_some());
        h.remove(header::ORIGIN);
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(cross_site(&h).is_some());
    }

    #[test]
    fn only_share_pages_and_moderation_skip_the_token() {
        for (m, p) in [
            (Method::GET, "/s/0123"),
            (Method::GET, "/api/shares/0123"),
            (Method::GET, "/api/shares/0123/media"),
            (Method::POST, "/api/shares/0123/reports"),
            (Method::POST, "/api/login"),
            (Method::GET, "/api/moderation/cases"),
            (Method::GET, "/moderate"),
            (Method::GET, "/share.js"),
        ] {
            assert!(public(&m, p), "{m} {p}");
        }
        for (m, p) in [
            (Method::POST, "/api/shares/0123/appeal"),
            (Method::POST, "/api/shares/0123"),
            (Method::GET, "/api/shares/0123/reports"),
            (Method::GET, "/"),
            (Method::GET, "/api/jobs"),
            (Method::POST, "/api/jobs/0123/share"),
            (Method::GET, "/api/uploads/0123/file"),
        ] {
            assert!(!public(&m, p), "{m} {p}");
        }
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"abcd"));
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; vivify_token=xyz; b=2"));
        assert_eq!(cookie(&h, TOKEN_COOKIE), Some("xyz"));
    }
}
