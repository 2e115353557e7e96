//! The page: static files compiled into the binary (no Node, no build
//! step, no outside script), answered with their types and a short cache.

use axum::http::header;
use axum::response::IntoResponse;
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
}
