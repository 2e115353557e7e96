//! The page: static files compiled into the binary (no Node, no build
//! step, no outside script), answered with their types and a short cache.

use axum::http::header;
use axum::response::{IntoResponse, Redirect};
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
const OFFLINE_BUNDLE: &str = include_str!("../offline/bundle.js");

fn asset(body: &'static str, content_type: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], body)
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
        .route("/offline/bundle.js", get(|| async { asset(OFFLINE_BUNDLE, "text/javascript; charset=utf-8") }))
}
