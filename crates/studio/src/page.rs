//! The page: static files compiled into the binary (no Node, no build
//! step, no outside script), answered with their types and a short cache.

use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

use crate::AppState;

const INDEX: &str = include_str!("../page/index.html");
const APP_JS: &str = include_str!("../page/app.js");
const VIEWER_JS: &str = include_str!("../page/viewer.js");
const VIDEO_JS: &str = include_str!("../page/video.js");
const TOOLS_JS: &str = include_str!("../page/tools.js");
const APP_CSS: &str = include_str!("../page/app.css");
const ICON: &str = include_str!("../page/icon.svg");
const SHARE_HTML: &str = include_str!("../page/share.html");
const SHARE_JS: &str = include_str!("../page/share.js");
const MODERATE_HTML: &str = include_str!("../page/moderate.html");
const MODERATE_JS: &str = include_str!("../page/moderate.js");
// The offline page (issue 17): its WebAssembly runs in the browser, so it
// works with the network off and as plain files; bundle.js is built by
// scripts/build-offline.
const OFFLINE_HTML: &str = include_str!("../offline/index.html");
const OFFLINE_JS: &str = include_str!("../offline/offline.js");
const OFFLINE_CSS: &str = include_str!("../offline/offline.css");
const OFFLINE_SW: &str = include_str!("../offline/sw.js");
/// Gzipped by build.rs.
const OFFLINE_BUNDLE_GZ: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/bundle.js.gz"));

fn asset(body: &'static str, content_type: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], body)
}

/// The offline bundle, gzipped as it is kept, or unpacked for a client that
/// does not say it takes gzip.
async fn bundle(headers: HeaderMap) -> Response {
    let gzip_ok = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|e| e.split(';').next().is_some_and(|name| name.trim().eq_ignore_ascii_case("gzip")));
    let common = [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")];
    if gzip_ok {
        return (common, [(header::CONTENT_ENCODING, "gzip"), (header::VARY, "accept-encoding")], OFFLINE_BUNDLE_GZ)
            .into_response();
    }
    let mut plain = Vec::new();
    match std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(OFFLINE_BUNDLE_GZ), &mut plain) {
        Ok(_) => (common, [(header::VARY, "accept-encoding")], plain).into_response(),
        Err(e) => crate::error::ApiError::internal(format!("the offline bundle does not unpack: {e}")).into_response(),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { asset(INDEX, "text/html; charset=utf-8") }))
        .route("/app.js", get(|| async { asset(APP_JS, "text/javascript; charset=utf-8") }))
        .route("/viewer.js", get(|| async { asset(VIEWER_JS, "text/javascript; charset=utf-8") }))
        .route("/video.js", get(|| async { asset(VIDEO_JS, "text/javascript; charset=utf-8") }))
        .route("/tools.js", get(|| async { asset(TOOLS_JS, "text/javascript; charset=utf-8") }))
        .route("/app.css", get(|| async { asset(APP_CSS, "text/css; charset=utf-8") }))
        .route("/icon.svg", get(|| async { asset(ICON, "image/svg+xml") }))
        // One page for every share; its script reads the id from the path.
        .route("/s/{id}", get(|| async { asset(SHARE_HTML, "text/html; charset=utf-8") }))
        .route("/share.js", get(|| async { asset(SHARE_JS, "text/javascript; charset=utf-8") }))
        .route("/moderate", get(|| async { asset(MODERATE_HTML, "text/html; charset=utf-8") }))
        .route("/moderate.js", get(|| async { asset(MODERATE_JS, "text/javascript; charset=utf-8") }))
        // Relative links in the offline page need the trailing slash.
        .route("/offline", get(|| async { Redirect::permanent("/offline/") }))
        .route("/offline/", get(|| async { asset(OFFLINE_HTML, "text/html; charset=utf-8") }))
        .route("/offline/index.html", get(|| async { asset(OFFLINE_HTML, "text/html; charset=utf-8") }))
        .route("/offline/offline.js", get(|| async { asset(OFFLINE_JS, "text/javascript; charset=utf-8") }))
        .route("/offline/offline.css", get(|| async { asset(OFFLINE_CSS, "text/css; charset=utf-8") }))
        .route("/offline/sw.js", get(|| async { asset(OFFLINE_SW, "text/javascript; charset=utf-8") }))
        .route("/offline/bundle.js", get(bundle))
}
