//! vivify studio: the web app and HTTP API over everything vivify does
//! (`vivify serve`, issue 16).
//!
//! Like the command line, the studio only translates: requests become job
//! specs, workers turn specs into the same library calls the CLI makes, and
//! the library's reports and errors become JSON. What it adds is what a
//! server needs: a persistent queue ([`store`]), workers and live progress
//! ([`jobs`]), uploads held to limits ([`uploads`]), files served with byte
//! ranges ([`files`]), and access rules ([`security`]).
#![forbid(unsafe_code)]

pub mod api;
pub mod error;
pub mod files;
pub mod jobs;
pub mod metrics;
pub mod moderation;
pub mod objects;
mod package;
mod page;
pub mod ratelimit;
pub mod run;
pub mod safety;
pub mod security;
pub mod shares;
pub mod spec;
pub mod store;
pub mod uploads;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

pub use error::{ApiError, StudioError};
use jobs::Hub;
use store::{PgStore, SqliteStore, Store};
pub use uploads::UploadLimits;
use vivify::safety::store::Database;

/// How the studio runs: where it keeps things, who may use it, how much
/// work it takes on, and what every job is checked and signed with.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Uploads, job outputs and the job store live here.
    pub data: PathBuf,
    /// Required of every request when set (and needed off loopback).
    pub token: Option<String>,
    /// Render threads (0: the API only; jobs wait for another process).
    pub workers: usize,
    /// Jobs that may wait before new ones get 429.
    pub queue_limit: usize,
    pub limits: UploadLimits,
    pub signing: vivify::provenance::Signing,
    pub checks: vivify::safety::Checks,
    /// How long a worker holds a job between heartbeats; a job whose lease
    /// runs out is taken over by another worker.
    pub lease: std::time::Duration,
    /// Starts a job may have before a lapsed lease fails it.
    pub max_attempts: u32,
    /// This process's workers are named `NAME/0`, `NAME/1`, … in the store.
    pub worker_name: String,
    /// A PostgreSQL URL shared by many servers; `None`: `studio.db` in `data`.
    pub database: Option<String>,
    /// Shared object storage for uploads and outputs (`--storage`); `None`:
    /// the data folder holds them. With it, `data` is this process's
    /// working space and cache.
    pub objects: Option<Arc<objects::Objects>>,
    /// How a share's viewer gets the file: through this server, or sent to
    /// a pre-signed URL of the object store (S3 only).
    pub share_links: ShareLinks,
}

/// How shared files reach their viewers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ShareLinks {
    /// Through the API (byte ranges, from the disk or the object store).
    #[default]
    Api,
    /// A redirect to a pre-signed URL of the object store, valid for
    /// [`PRESIGNED_FOR`]: the file's bytes never pass through the API.
    Presigned,
}

/// How long a pre-signed share URL works.
pub const PRESIGNED_FOR: std::time::Duration = std::time::Duration::from_secs(15 * 60);

impl Settings {
    /// Defaults for a data folder: one worker per core, 32 waiting jobs,
    /// the built-in policy, the safety database in the folder, no signing.
    pub fn new(data: impl Into<PathBuf>) -> Settings {
        let data = data.into();
        // Items, reports and cases live with the studio's data.
        let checks = vivify::safety::Checks {
            db: Some(Database::File(data.join(vivify::safety::store::DB_FILE))),
            ..vivify::safety::Checks::default()
        };
        Settings {
            data,
            token: None,
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            queue_limit: 32,
            limits: UploadLimits::default(),
            signing: vivify::provenance::Signing::unsigned(),
            checks,
            lease: std::time::Duration::from_secs(30),
            max_attempts: 3,
            worker_name: default_worker_name(),
            database: None,
            objects: None,
            share_links: ShareLinks::Api,
        }
    }

    /// Keeps everything in the PostgreSQL database at `url`, shared by many
    /// servers and workers: jobs, uploads, shares and moderators, and the
    /// safety database (items, reports, cases, the audit log, the blocklist).
    pub fn use_postgres(&mut self, url: &str) {
        self.database = Some(url.to_string());
        self.checks.db = Some(Database::Postgres(url.to_string()));
    }

    pub fn upload_path(&self, id: &str) -> PathBuf {
        uploads::upload_path(&self.data, id)
    }
}

/// `HOST-PID`: unique among the processes sharing a store.
fn default_worker_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into());
    format!("{host}-{}", std::process::id())
}

/// What every handler sees.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub store: Arc<dyn Store>,
    pub hub: Arc<Hub>,
    pub limits: Arc<ratelimit::RateLimit>,
    /// Connections to the safety database (items, reports, cases).
    pub safety: Arc<safety::SafetyPool>,
}

/// Every route: the page, the API, the OpenAPI document.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/health", get(api::health))
        .route("/healthz", get(metrics::healthz))
        .route("/readyz", get(metrics::readyz))
        .route("/metrics", get(metrics::metrics))
        .route("/api/openapi.json", get(api::openapi))
        .route("/api/uploads", post(api::uploads::create_upload))
        .route("/api/uploads/{id}", get(api::uploads::get_upload))
        .route("/api/uploads/{id}/file", get(api::uploads::upload_file))
        .route("/api/uploads/{id}/inspect", get(api::uploads::inspect_upload))
        .route("/api/uploads/{id}/ideas", get(api::uploads::upload_ideas))
        .route("/api/uploads/{id}/motion", get(api::uploads::upload_motion))
        .route("/api/jobs", post(api::jobs::create_job).get(api::jobs::list_jobs))
        .route("/api/jobs/{id}", get(api::jobs::get_job))
        .route("/api/jobs/{id}/cancel", post(api::jobs::cancel_job))
        .route("/api/jobs/{id}/events", get(api::jobs::job_events))
        .route("/api/jobs/{id}/files/{name}", get(api::jobs::job_file))
        .route("/api/jobs/{id}/share", post(shares::create_share))
        .route("/api/shares/{id}", get(shares::get_share))
        .route("/api/shares/{id}/media", get(shares::share_media))
        .route("/api/shares/{id}/reports", post(shares::report_share))
        .route("/api/shares/{id}/appeal", post(shares::appeal_share))
        .route("/api/login", post(moderation::login))
        .route("/api/logout", post(moderation::logout))
        .route("/api/me", get(moderation::me))
        .route("/api/moderation/cases", get(moderation::queue))
        .route("/api/moderation/next", post(moderation::next))
        .route("/api/moderation/cases/{id}", get(moderation::case))
        .route("/api/moderation/cases/{id}/decide", post(moderation::decide))
        .route("/api/moderation/cases/{id}/appeal", post(moderation::decide_appeal))
        .route("/api/moderation/audit", get(moderation::audit))
        .route("/api/moderation/shares/{id}/media", get(moderation::review_media))
        // Uploads stream to disk under their own cap; nothing else needs
        // a large body.
        .layer(axum::extract::DefaultBodyLimit::max(1 << 20));
    Router::new()
        .merge(page::routes())
        .merge(api)
        .fallback(|| async { ApiError::not_found("no such page or API call") })
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::guard))
        .layer(axum::middleware::from_fn(security::headers))
        .with_state(state)
}

fn loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// A running studio: its address, and a way to stop it.
pub struct Server {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    workers: Vec<std::thread::JoinHandle<()>>,
    hub: Arc<Hub>,
}

impl Server {
    /// Opens the data folder, puts interrupted jobs back in the queue,
    /// starts the workers and listens on `listen`.
    pub fn start(settings: Settings, listen: SocketAddr) -> Result<Server, StudioError> {
        if !loopback(&listen) && settings.token.as_deref().is_none_or(str::is_empty) {
            return Err(StudioError::Config(format!(
                "listening on {listen} (not loopback) needs an access token: --token TOKEN, or listen on 127.0.0.1"
            )));
        }
        if let Some(t) = &settings.token {
            if t.len() < 16 || !t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
                return Err(StudioError::Config(
                    "the access token must be at least 16 letters, digits, '-' or '_'".into(),
                ));
            }
        }
        // On PostgreSQL other servers share the data folder: nothing of
        // theirs is tidied away here.
        let store = prepare(&settings, settings.database.is_none())?;
        let settings = Arc::new(settings);
        let hub = Arc::new(Hub::default());
        let listener = std::net::TcpListener::bind(listen)
            .map_err(|e| StudioError::io(format!("cannot listen on {listen}"), e))?;
        listener.set_nonblocking(true).map_err(|e| StudioError::io("listener", e))?;
        let addr = listener.local_addr().map_err(|e| StudioError::io("listener", e))?;
        let workers = jobs::start_workers(settings.workers, store.clone(), hub.clone(), settings.clone());
        let safety = Arc::new(safety::SafetyPool::new(settings.checks.db.clone()));
        let state = AppState { settings, store, hub: hub.clone(), limits: Arc::default(), safety };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<(), StudioError>>();
        let thread = std::thread::Builder::new()
            .name("vivify-http".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(StudioError::io("the async runtime", e)));
                        return;
                    }
                };
                rt.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            let _ = ready_tx.send(Err(StudioError::io("listener", e)));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    let app = router(state);
                    let app = app.into_make_service_with_connect_info::<SocketAddr>();
                    let _ = axum::serve(listener, app)
                        .with_graceful_shutdown(async move {
                            let _ = stopped.await;
                        })
                        .await;
                });
            })
            .map_err(|e| StudioError::io("the HTTP thread", e))?;
        ready_rx.recv().map_err(|_| StudioError::Internal("the HTTP thread ended before it listened".into()))??;
        Ok(Server { addr, stop: Some(stop), thread: Some(thread), workers, hub })
    }

    /// Stops taking requests, lets each worker finish its job, and returns.
    pub fn stop(mut self) {
        self.shutdown();
    }

    /// Stops taking requests; running jobs stop at their next step and go
    /// back to the queue for other workers (a quick, graceful stop).
    pub fn hand_back(mut self) {
        self.hub.hand_back();
        self.shutdown();
    }

    /// Blocks until the HTTP side ends (it does not on its own: for the
    /// CLI, which stops on a signal by calling [`Server::stop`] elsewhere).
    fn shutdown(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        self.hub.stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The data folder's layout and the store, opened. With `single` (a server
/// that owns its data folder: the SQLite store), what a previous stop cut
/// off is tidied: partial uploads go, and interrupted jobs go back to the
/// queue at once rather than when their leases run out.
fn prepare(settings: &Settings, single: bool) -> Result<Arc<dyn Store>, StudioError> {
    for sub in ["uploads", "jobs"] {
        let d = settings.data.join(sub);
        std::fs::create_dir_all(&d).map_err(|e| StudioError::io(d.display().to_string(), e))?;
    }
    if let Some(objects) = &settings.objects {
        objects.check()?;
        if settings.share_links == ShareLinks::Presigned && !objects.can_presign() {
            return Err(StudioError::Config(format!(
                "--share-links presigned needs S3 storage; {} cannot sign URLs",
                objects.url()
            )));
        }
    } else if settings.share_links == ShareLinks::Presigned {
        return Err(StudioError::Config("--share-links presigned needs --storage s3://…".into()));
    }
    let store = open_store(&settings.data, settings.database.as_deref())?;
    if single {
        // Uploads cut off by the last stop (no other server writes here).
        clear_partial_uploads(&settings.data.join("uploads"));
        // With no workers here, jobs marked running belong to a worker
        // process: their leases, not this start, decide.
        if settings.workers > 0 {
            let requeued = store.requeue_interrupted()?;
            if requeued > 0 {
                eprintln!("vivify serve: {requeued} job(s) interrupted by the last stop run again");
            }
        }
    }
    Ok(store)
}

/// Workers with no HTTP port (`vivify serve --role worker`): they take jobs
/// from the shared store, render them into the shared data folder, and
/// publish the results there.
pub struct Workers {
    hub: Arc<Hub>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Workers {
    /// Starts `settings.workers` workers (at least one) on the store.
    pub fn start(mut settings: Settings) -> Result<Workers, StudioError> {
        settings.workers = settings.workers.max(1);
        let store = prepare(&settings, false)?;
        let hub = Arc::new(Hub::default());
        let settings = Arc::new(settings);
        let threads = jobs::start_workers(settings.workers, store, hub.clone(), settings);
        Ok(Workers { hub, threads })
    }

    /// Lets each worker finish its job, then returns.
    pub fn stop(self) {
        self.hub.stop();
        self.join();
    }

    /// Running jobs stop at their next step and go back to the queue.
    pub fn hand_back(self) {
        self.hub.hand_back();
        self.join();
    }

    fn join(self) {
        for t in self.threads {
            let _ = t.join();
        }
    }
}

/// Adds (or resets) a moderator of the studio whose data folder is `data`.
pub fn add_moderator(data: &Path, database: Option<&str>, name: &str, password: &str) -> Result<(), StudioError> {
    std::fs::create_dir_all(data).map_err(|e| StudioError::io(data.display().to_string(), e))?;
    let store = open_store(data, database)?;
    moderation::add_moderator(&*store, name, password)
}

/// The store: PostgreSQL at `database` when given, else the SQLite file
/// in the data folder.
pub fn open_store(data: &Path, database: Option<&str>) -> Result<Arc<dyn Store>, StudioError> {
    Ok(match database {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Arc::new(PgStore::open(url)?)
        }
        Some(other) => {
            return Err(StudioError::Config(format!(
            "--database {}: only postgres:// URLs are understood (leave it out for the SQLite file in the data folder)",
            other.split('@').next_back().unwrap_or(other)
        )))
        }
        None => Arc::new(SqliteStore::open(&data.join("studio.db"))?),
    })
}

/// Uploads cut off by a stop leave `.ID.part` files: nothing refers to them.
fn clear_partial_uploads(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().ends_with(".part") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}
