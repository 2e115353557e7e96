//! Probes and metrics for running many servers: `/healthz` (the process
//! answers), `/readyz` (and its store and object storage do), and `/metrics` in Prometheus's
//! text format. The job figures come from the store, so every API server of
//! a cluster reports the whole cluster's queue, failures and timings.

use std::fmt::Write;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::api::store;
use crate::store::{Histogram, BUCKETS};
use crate::AppState;

/// The process is up and answering.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// The store answers too, and the object storage when there is one: a
/// server that cannot reach either is not ready for traffic (503).
pub async fn readyz(State(app): State<AppState>) -> Response {
    if let Err(e) = store(&app, |s| Ok(s.queued()?)).await {
        return (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {}\n", e.message)).into_response();
    }
    if let Some(objects) = &app.settings.objects {
        // The object the start check wrote: asked about, not read.
        if let Err(e) = objects.size(".vivify-check").await {
            return (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {e}\n")).into_response();
        }
    }
    (StatusCode::OK, "ready\n").into_response()
}

/// The queue, the jobs by state, failures by kind, and how long jobs wait
/// and render (histograms by job kind).
pub async fn metrics(State(app): State<AppState>) -> Result<Response, crate::error::ApiError> {
    let (queued, stats) = store(&app, |s| Ok((s.queued()?, s.stats()?))).await?;
    let mut out = String::new();
    let running = stats.states.iter().find(|(s, _)| s == "running").map_or(0, |(_, n)| *n);
    gauge(&mut out, "vivify_queue_depth", "Jobs waiting for a worker.", queued as u64);
    gauge(&mut out, "vivify_jobs_running", "Jobs a worker holds now.", running);
    let _ = writeln!(
        out,
        "# HELP vivify_jobs_total Jobs in the store by state (they move from queued and running to the rest)."
    );
    let _ = writeln!(out, "# TYPE vivify_jobs_total gauge");
    for (state, n) in &stats.states {
        let _ = writeln!(out, "vivify_jobs_total{{state=\"{}\"}} {n}", label(state));
    }
    let _ = writeln!(out, "# HELP vivify_job_failures_total Failed jobs by the kind of their error.");
    let _ = writeln!(out, "# TYPE vivify_job_failures_total counter");
    for (kind, n) in &stats.failures {
        let _ = writeln!(out, "vivify_job_failures_total{{kind=\"{}\"}} {n}", label(kind));
    }
    histograms(&mut out, "vivify_job_latency_seconds", "From queued to done, by job kind.", &stats.latency);
    histograms(&mut out, "vivify_render_seconds", "From the last start to done, by job kind.", &stats.render);
    gauge(&mut out, "vivify_workers", "Render threads in this server.", app.settings.workers as u64);
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response())
}

fn gauge(out: &mut String, name: &str, help: &str, v: u64) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
}

fn histograms(out: &mut String, name: &str, help: &str, by_kind: &[(String, Histogram)]) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
    for (kind, h) in by_kind {
        let kind = label(kind);
        for (bound, n) in BUCKETS.iter().zip(&h.cumulative) {
            let _ = writeln!(out, "{name}_bucket{{kind=\"{kind}\",le=\"{bound}\"}} {n}");
        }
        let _ = writeln!(out, "{name}_bucket{{kind=\"{kind}\",le=\"+Inf\"}} {}", h.count);
        let _ = writeln!(out, "{name}_sum{{kind=\"{kind}\"}} {}", h.sum);
        let _ = writeln!(out, "{name}_count{{kind=\"{kind}\"}} {}", h.count);
    }
}

/// A label value as the text format wants it (backslash, quote, newline escaped).
fn label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_and_labels_follow_the_text_format() {
        let mut out = String::new();
        let h = Histogram { cumulative: vec![1, 2, 2, 2, 2, 2, 2, 2, 2, 3], sum: 610.5, count: 4 };
        histograms(&mut out, "x_seconds", "help", &[("al\"ive".into(), h)]);
        assert!(out.contains("# TYPE x_seconds histogram"));
        assert!(out.contains("x_seconds_bucket{kind=\"al\\\"ive\",le=\"1\"} 1\n"), "{out}");
        assert!(out.contains("x_seconds_bucket{kind=\"al\\\"ive\",le=\"600\"} 3\n"));
        assert!(out.contains("x_seconds_bucket{kind=\"al\\\"ive\",le=\"+Inf\"} 4\n"));
        assert!(out.contains("x_seconds_sum{kind=\"al\\\"ive\"} 610.5\n"));
    }
}
