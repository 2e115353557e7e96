//! Workers and what they run. Each worker is a thread of its own (renders
//! are CPU work; the async runtime only answers requests). A worker claims
//! the next job from the store, runs it with a [`Progress`] that publishes
//! to the job's watch channel (server-sent events read it) and polls the
//! job's cancel flag, then records the outcome.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use utoipa::ToSchema;
use vivify::Progress;

use crate::error::{refusal_of, ApiError};
use crate::run::RunContext;
use crate::spec::JobSpec;
use crate::store::{Job, JobError, Outcome, Store};
use crate::Settings;
use vivify::error::chain_text;

/// Where a running job is, as the events stream and the job answer say it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProgressSnapshot {
    /// The phase under way ("rendering", "encoding", …).
    pub phase: String,
    pub done: u64,
    /// Steps in the phase (0: not known).
    pub total: u64,
}

/// The live side of running jobs: their progress and their cancel flags.
#[derive(Default)]
pub struct Hub {
    running: Mutex<HashMap<String, Live>>,
    /// Wakes idle workers when a job is queued (or the server stops).
    wake: (Mutex<u64>, Condvar),
    stopping: AtomicBool,
    /// Stopping now: running jobs are cancelled and handed back to the
    /// queue for other workers, not finished.
    handing_back: AtomicBool,
}

struct Live {
    progress: watch::Sender<ProgressSnapshot>,
    cancel: Arc<AtomicBool>,
}

impl Hub {
    /// Progress of a running job, to follow (`None`: not running here).
    pub fn follow(&self, id: &str) -> Option<watch::Receiver<ProgressSnapshot>> {
        self.lock().get(id).map(|l| l.progress.subscribe())
    }

    /// Asks a running job to stop at its next step.
    pub fn cancel(&self, id: &str) {
        if let Some(l) = self.lock().get(id) {
            l.cancel.store(true, Ordering::Relaxed);
        }
    }

    /// A job was queued: one idle worker looks.
    pub fn notify(&self) {
        let (m, cv) = &self.wake;
        *m.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        cv.notify_one();
    }

    /// Workers finish their current job and stop.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::Relaxed);
        self.wake.1.notify_all();
    }

    /// Workers stop their current job at its next step and hand it back to
    /// the queue (another worker starts it at once), then stop.
    pub fn hand_back(&self) {
        self.handing_back.store(true, Ordering::Relaxed);
        for l in self.lock().values() {
            l.cancel.store(true, Ordering::Relaxed);
        }
        self.stop();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Live>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for a notify, at most `limit` (a job queued by another process
    /// sharing the store is found on the next look anyway).
    fn idle(&self, limit: Duration) {
        let (m, cv) = &self.wake;
        let guard = m.lock().unwrap_or_else(|p| p.into_inner());
        let seen = *guard;
        let _ = cv.wait_timeout_while(guard, limit, |n| *n == seen && !self.stopping.load(Ordering::Relaxed));
    }
}

/// The [`Progress`] a job runs with.
struct JobProgress {
    tx: watch::Sender<ProgressSnapshot>,
    cancel: Arc<AtomicBool>,
}

impl Progress for JobProgress {
    fn phase(&self, name: &str, total: u64) {
        self.tx.send_replace(ProgressSnapshot { phase: name.to_string(), done: 0, total });
    }
    fn advance(&self, done: u64, total: u64) {
        self.tx.send_modify(|s| {
            s.done = done;
            s.total = total;
        });
    }
    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// How often a worker on a shared store records a running job's progress.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// Starts `n` worker threads.
pub fn start_workers(
    n: usize,
    store: Arc<dyn Store>,
    hub: Arc<Hub>,
    settings: Arc<Settings>,
) -> Vec<std::thread::JoinHandle<()>> {
    // Jobs queued by other processes wake idle workers at once where the
    // store can say so (PostgreSQL); else they are found on the next look.
    if n > 0 {
        let (wake, alive) = (hub.clone(), hub.clone());
        store.watch_queue(Box::new(move || wake.notify()), Box::new(move || !alive.stopping.load(Ordering::Relaxed)));
    }
    (0..n)
        .map(|i| {
            let (store, hub, settings) = (store.clone(), hub.clone(), settings.clone());
            let worker = format!("{}/{i}", settings.worker_name);
            std::thread::Builder::new()
                .name(format!("vivify-worker-{i}"))
                .spawn(move || work(&*store, &hub, &settings, &worker))
                .expect("the OS refused a worker thread")
        })
        .collect()
}

fn work(store: &dyn Store, hub: &Hub, settings: &Settings, worker: &str) {
    while !hub.stopping.load(Ordering::Relaxed) {
        let job = match store.claim(worker, settings.lease, settings.max_attempts) {
            Ok(Some(job)) => job,
            Ok(None) => {
                hub.idle(Duration::from_secs(2));
                continue;
            }
            Err(e) => {
                eprintln!("vivify serve: a worker could not read the queue: {e}");
                hub.idle(Duration::from_secs(2));
                continue;
            }
        };
        let (tx, _) = watch::channel(ProgressSnapshot { phase: "starting".into(), ..Default::default() });
        let cancel = Arc::new(AtomicBool::new(job.cancel_requested));
        hub.lock().insert(job.id.clone(), Live { progress: tx.clone(), cancel: cancel.clone() });
        if hub.handing_back.load(Ordering::Relaxed) {
            // Claimed as the hand-back began: it goes back too.
            cancel.store(true, Ordering::Relaxed);
        }
        let progress = JobProgress { tx, cancel: cancel.clone() };
        let lost = AtomicBool::new(false);
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let outcome = std::thread::scope(|scope| {
            // The lease is renewed while the job runs; a cancel asked for in
            // another process arrives here too, and a lost lease (this
            // worker stalled past it and another took the job) stops it.
            // On a shared store the progress goes there too, about once a
            // second, for pages following the job through another server.
            let (job, lost, cancel, live) = (&job, &lost, &cancel, &progress.tx);
            let beat = settings.lease / 3;
            let shared = settings.database.is_some();
            let tick = if shared { beat.min(PROGRESS_EVERY) } else { beat };
            scope.spawn(move || {
                let mut last_beat = std::time::Instant::now();
                let mut written: Option<ProgressSnapshot> = None;
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = done_rx.recv_timeout(tick) {
                    if shared {
                        let now = live.borrow().clone();
                        if written.as_ref() != Some(&now) {
                            let text = serde_json::to_string(&now).unwrap_or_default();
                            if store.set_progress(&job.id, worker, &text).is_ok() {
                                written = Some(now);
                            }
                        }
                    }
                    if last_beat.elapsed() + tick / 2 < beat {
                        continue;
                    }
                    last_beat = std::time::Instant::now();
                    match store.heartbeat(&job.id, worker, settings.lease) {
                        Ok(Some(false)) => {}
                        Ok(Some(true)) => cancel.store(true, Ordering::Relaxed),
                        Ok(None) => {
                            lost.store(true, Ordering::Relaxed);
                            cancel.store(true, Ordering::Relaxed);
                        }
                        Err(e) => eprintln!("vivify serve: job {}: the lease could not be renewed: {e}", job.id),
                    }
                }
            });
            // A bug in one job must not take its worker (and, with one
            // worker, the queue) down with it: a panic ends that job as failed.
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(job, settings, &progress, store)))
                    .unwrap_or_else(|panic| {
                        let what = panic
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_default();
                        eprintln!("vivify serve: job {} stopped on an internal error: {what}", job.id);
                        failed(
                            "internal",
                            format!("the job stopped on an internal error ({what}); please report it"),
                            None,
                        )
                    });
            let _ = done_tx.send(());
            outcome
        });
        // Stopped to hand it back: the job goes back to the queue (unless
        // it finished first, or a cancel was asked for).
        if hub.handing_back.load(Ordering::Relaxed) && matches!(outcome, Outcome::Cancelled) {
            match store.release(&job.id, worker) {
                Ok(true) => eprintln!("vivify serve: job {} handed back to the queue", job.id),
                Ok(false) => {}
                Err(e) => eprintln!("vivify serve: job {} could not be handed back: {e}", job.id),
            }
            hub.lock().remove(&job.id);
            continue;
        }
        // Published only while this worker still holds the job: a worker
        // that lost its lease leaves the result to the one that took over.
        match store.finish(&job.id, worker, &outcome) {
            // With shared storage the published files live there: this
            // worker's copies go, so its disk does not fill with them.
            Ok(true) if settings.objects.is_some() => remove_local_attempt(settings, &job.id, job.attempts),
            Ok(true) => {}
            Ok(false) => {
                let why = if lost.load(Ordering::Relaxed) { "its lease ran out" } else { "it was ended elsewhere" };
                eprintln!("vivify serve: job {} attempt {} not published: {why}", job.id, job.attempts);
                discard_attempt(settings, &job.id, job.attempts);
            }
            Err(e) => eprintln!("vivify serve: job {} ended but could not be recorded: {e}", job.id),
        }
        hub.lock().remove(&job.id);
    }
}

/// The folder one attempt at a job writes into: attempts never share one,
/// so a stalled worker that wakes after its job was taken over cannot touch
/// the files of the attempt that will be published.
pub fn attempt_dir(data: &Path, id: &str, attempt: u32) -> PathBuf {
    data.join("jobs").join(id).join(format!("attempt-{attempt}"))
}

/// Removes an attempt's folder, and the job's folder when nothing else is
/// left in it (a job that made nothing leaves nothing); with shared
/// storage, its objects too.
fn discard_attempt(settings: &Settings, id: &str, attempt: u32) {
    remove_local_attempt(settings, id, attempt);
    if let Some(objects) = &settings.objects {
        if let Err(e) = objects.delete_folder(&attempt_key(id, attempt)) {
            eprintln!("vivify serve: job {id} attempt {attempt}: its stored files could not be removed: {e}");
        }
    }
}

/// Removes this server's copy of an attempt's folder, and the job's folder
/// when nothing else is left in it.
fn remove_local_attempt(settings: &Settings, id: &str, attempt: u32) {
    let dir = attempt_dir(&settings.data, id, attempt);
    let _ = std::fs::remove_dir_all(&dir);
    if let Some(job) = dir.parent() {
        let _ = std::fs::remove_dir(job);
    }
}

/// An attempt's folder as a storage key.
fn attempt_key(id: &str, attempt: u32) -> String {
    format!("jobs/{id}/attempt-{attempt}")
}

/// The folder holding a job's files: its last attempt's (data folders from
/// before leases kept them in the job's own folder). With shared storage
/// always the attempt's, whether this server has its files yet or not.
pub fn job_files(settings: &Settings, job: &Job) -> PathBuf {
    let d = attempt_dir(&settings.data, &job.id, job.attempts);
    if d.is_dir() || settings.objects.is_some() {
        d
    } else {
        settings.data.join("jobs").join(&job.id)
    }
}

/// With shared storage: the uploads a job reads, brought to this worker.
fn fetch_uploads(spec: &JobSpec, settings: &Settings) -> Result<(), String> {
    let Some(objects) = &settings.objects else { return Ok(()) };
    for id in spec.uploads() {
        let local = settings.upload_path(id);
        match objects.fetch(&format!("uploads/{id}"), &local) {
            Ok(true) => {}
            Ok(false) => return Err(format!("upload {id} is not in the shared storage ({})", objects.url())),
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(())
}

/// With shared storage: every file of a finished attempt goes up before
/// the job is published, so whichever server is asked can serve it.
fn send_attempt(settings: &Settings, id: &str, attempt: u32, dir: &Path) -> Result<(), String> {
    let Some(objects) = &settings.objects else { return Ok(()) };
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| format!("{}: {e}", d.display()))?.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let rel =
                crate::files::key_of(dir, &path).ok_or_else(|| format!("{}: outside the attempt", path.display()))?;
            objects.put_file(&format!("{}/{rel}", attempt_key(id, attempt)), &path).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn run(job: &Job, settings: &Settings, progress: &JobProgress, store: &dyn Store) -> Outcome {
    let spec: JobSpec = match serde_json::from_value(job.spec.clone()) {
        Ok(s) => s,
        Err(e) => return failed("bad_request", format!("the job's request cannot be read: {e}"), None),
    };
    let dir = attempt_dir(&settings.data, &job.id, job.attempts);
    // Earlier attempts ended without a result (their leases ran out): their
    // files go, and this attempt starts from nothing.
    for earlier in 1..=job.attempts {
        let d = attempt_dir(&settings.data, &job.id, earlier);
        if d.exists() {
            if let Err(e) = std::fs::remove_dir_all(&d) {
                return failed("internal", format!("{}: cannot clear: {e}", d.display()), None);
            }
        }
        if earlier < job.attempts {
            if let Some(objects) = &settings.objects {
                let _ = objects.delete_folder(&attempt_key(&job.id, earlier));
            }
        }
    }
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return failed("internal", format!("{}: cannot create: {e}", dir.display()), None);
    }
    if let Err(why) = fetch_uploads(&spec, settings) {
        discard_attempt(settings, &job.id, job.attempts);
        return failed("unavailable", why, None);
    }
    let result = spec.run(&RunContext { settings, dir: &dir, progress, store });
    match result {
        Ok(v) => match send_attempt(settings, &job.id, job.attempts, &dir) {
            Ok(()) => Outcome::Done(v),
            Err(why) => {
                discard_attempt(settings, &job.id, job.attempts);
                failed("unavailable", format!("the job's files could not be stored: {why}"), None)
            }
        },
        Err(e) if matches!(e, vivify::Error::Cancelled) || progress.cancelled() => {
            discard_attempt(settings, &job.id, job.attempts);
            Outcome::Cancelled
        }
        Err(e) => {
            discard_attempt(settings, &job.id, job.attempts);
            let api = ApiError::from_library(&e);
            failed(api.kind, chain_text(&e), refusal_of(&e))
        }
    }
}

fn failed(kind: &str, message: String, refusal: Option<serde_json::Value>) -> Outcome {
    Outcome::Failed(JobError { kind: kind.into(), message, refusal })
}
