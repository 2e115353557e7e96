//! What every store must do, run against each backend: SQLite always,
//! PostgreSQL when `VIVIFY_TEST_POSTGRES` names a server (scripts/test
//! starts a throwaway one; without it the Postgres half is skipped loudly,
//! and fails under `VIVIFY_REQUIRE_TOOLS=1`). Each Postgres test gets a
//! database of its own.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use super::{new_id, JobState, Outcome, PgStore, Share, SqliteStore, Store};

const LONG: Duration = Duration::from_secs(60);

fn sqlite() -> Arc<dyn Store> {
    let dir = std::env::temp_dir().join(format!("vivify-studio-contract-{}", new_id().expect("id")));
    std::fs::create_dir_all(&dir).expect("temp dir");
    Arc::new(SqliteStore::open(&dir.join("studio.db")).expect("sqlite store"))
}

/// A fresh database on the test server, or `None` (said loudly).
fn postgres() -> Option<Arc<dyn Store>> {
    postgres_store().map(|s| Arc::new(s) as Arc<dyn Store>)
}

fn postgres_store() -> Option<PgStore> {
    let Ok(url) = std::env::var("VIVIFY_TEST_POSTGRES") else {
        if std::env::var("VIVIFY_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
            panic!("VIVIFY_TEST_POSTGRES is required (VIVIFY_REQUIRE_TOOLS=1): scripts/test starts a throwaway server");
        }
        let line = "the studio store's Postgres tests (set VIVIFY_TEST_POSTGRES; scripts/pg-throwaway starts a server)";
        eprintln!("\n!!! SKIPPED: {line} !!!\n");
        if let Ok(log) = std::env::var("VIVIFY_SKIP_LOG") {
            use std::io::Write;
            if let Ok(mut f) = std::fs::OpenOptions::new().append(true).create(true).open(log) {
                let _ = writeln!(f, "SKIPPED: {line}");
            }
        }
        return None;
    };
    let name = format!("vivify_test_{}", new_id().expect("id"));
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).expect("connect to the test server");
    admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create a test database");
    let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
    Some(PgStore::open(&format!("{base}/{name}")).expect("postgres store"))
}

/// Runs `test` on SQLite and, when there is a server, on Postgres.
fn both(test: impl Fn(Arc<dyn Store>)) {
    test(sqlite());
    if let Some(pg) = postgres() {
        test(pg);
    }
}

fn spec() -> serde_json::Value {
    serde_json::json!({"kind": "alive"})
}

#[test]
fn claims_go_by_priority_then_age_and_each_job_once() {
    both(|s| {
        let a = s.enqueue("alive", &spec(), 10, 10).expect("store").expect("a job");
        let b = s.enqueue("alive", &spec(), 0, 10).expect("store").expect("a job");
        let c = s.enqueue("alive", &spec(), 10, 10).expect("store").expect("a job");
        let order: Vec<String> = std::iter::from_fn(|| s.claim("w", LONG, 3).expect("store").map(|j| j.id)).collect();
        assert_eq!(order, [b.id.clone(), a.id.clone(), c.id.clone()]);
        let j = s.job(&a.id).expect("store").expect("a job");
        assert_eq!((j.state, j.attempts), (JobState::Running, 1));
        assert_eq!(s.jobs(10).expect("store").len(), 3);
    });
}

#[test]
fn a_full_queue_takes_no_more() {
    both(|s| {
        assert!(s.enqueue("alive", &spec(), 0, 2).expect("store").is_some());
        assert!(s.enqueue("alive", &spec(), 0, 2).expect("store").is_some());
        assert!(s.enqueue("alive", &spec(), 0, 2).expect("store").is_none());
        assert_eq!(s.queued().expect("store"), 2);
        s.claim("w", LONG, 3).expect("store").expect("a job");
        assert!(s.enqueue("alive", &spec(), 0, 2).expect("store").is_some(), "a claimed job no longer waits");
    });
}

#[test]
fn a_lapsed_lease_is_taken_over_and_only_the_holder_publishes() {
    both(|s| {
        let job = s.enqueue("alive", &spec(), 0, 9).expect("store").expect("a job");
        let first = s.claim("stalled", Duration::from_millis(300), 3).expect("store").expect("claimed");
        assert_eq!(first.attempts, 1);
        // Held: nobody else gets it.
        let held = s.enqueue("alive", &spec(), 5, 9).expect("store").expect("another job");
        assert_eq!(s.claim("other", LONG, 3).expect("store").map(|j| j.id), Some(held.id.clone()));
        std::thread::sleep(Duration::from_millis(350));
        // Lapsed: the next worker takes it over, as a new attempt.
        let again = s.claim("rescuer", LONG, 3).expect("store").expect("taken over");
        assert_eq!((again.id.as_str(), again.attempts), (job.id.as_str(), 2));
        assert_eq!(s.heartbeat(&job.id, "stalled", LONG).expect("store"), None, "the stalled worker lost it");
        let late = Outcome::Done(serde_json::json!({"by": "stalled"}));
        assert!(!s.finish(&job.id, "stalled", &late).expect("store"), "a lost lease publishes nothing");
        let done = Outcome::Done(serde_json::json!({"by": "rescuer"}));
        assert!(s.finish(&job.id, "rescuer", &done).expect("store"));
        assert!(!s.finish(&job.id, "rescuer", &done).expect("store"), "published once");
        let j = s.job(&job.id).expect("store").expect("the job");
        assert_eq!((j.state, j.result), (JobState::Done, Some(serde_json::json!({"by": "rescuer"}))));
    });
}

#[test]
fn heartbeats_keep_the_lease_and_carry_cancels() {
    both(|s| {
        let job = s.enqueue("alive", &spec(), 0, 9).expect("store").expect("a job");
        s.claim("w", Duration::from_millis(200), 3).expect("store").expect("claimed");
        assert_eq!(s.heartbeat(&job.id, "w", LONG).expect("store"), Some(false));
        assert_eq!(s.heartbeat(&job.id, "someone else", LONG).expect("store"), None);
        std::thread::sleep(Duration::from_millis(250));
        assert!(s.claim("other", LONG, 3).expect("store").is_none(), "the renewed lease still holds");
        let marked = s.cancel(&job.id).expect("store").expect("the job");
        assert_eq!((marked.state, marked.cancel_requested), (JobState::Running, true));
        assert_eq!(s.heartbeat(&job.id, "w", LONG).expect("store"), Some(true), "the cancel reaches the worker");
        assert!(s.finish(&job.id, "w", &Outcome::Cancelled).expect("store"));
        assert_eq!(s.heartbeat(&job.id, "w", LONG).expect("store"), None, "an ended job has no lease");
    });
}

#[test]
fn progress_is_kept_by_the_holder_while_the_job_runs() {
    both(|s| {
        let job = s.enqueue("alive", &spec(), 0, 9).expect("store").expect("a job");
        assert_eq!(s.progress(&job.id).expect("store"), None, "a queued job has none");
        s.claim("w", Duration::from_millis(200), 3).expect("store").expect("claimed");
        assert_eq!(s.progress(&job.id).expect("store"), None, "a new attempt starts with none");
        s.set_progress(&job.id, "w", r#"{"phase":"rendering","done":3,"total":30}"#).expect("store");
        s.set_progress(&job.id, "someone else", r#"{"phase":"forged","done":0,"total":0}"#).expect("store");
        assert_eq!(
            s.progress(&job.id).expect("store").as_deref(),
            Some(r#"{"phase":"rendering","done":3,"total":30}"#)
        );
        // Taken over after the lease lapsed: the old worker's progress goes.
        std::thread::sleep(Duration::from_millis(250));
        s.claim("rescuer", LONG, 3).expect("store").expect("taken over");
        assert_eq!(s.progress(&job.id).expect("store"), None);
        s.set_progress(&job.id, "w", r#"{"phase":"stale","done":9,"total":9}"#).expect("store");
        assert_eq!(s.progress(&job.id).expect("store"), None, "the old holder no longer writes");
        assert!(s.finish(&job.id, "rescuer", &Outcome::Done(serde_json::json!({}))).expect("store"));
        assert_eq!(s.progress(&job.id).expect("store"), None, "an ended job has none");
    });
}

#[test]
fn out_of_attempts_the_job_fails_with_the_reason_kept() {
    both(|s| {
        let job = s.enqueue("alive", &spec(), 0, 9).expect("store").expect("a job");
        for attempt in 1..=2 {
            let j = s.claim(&format!("w{attempt}"), Duration::from_millis(1), 2).expect("store").expect("claimed");
            assert_eq!(j.attempts, attempt);
            std::thread::sleep(Duration::from_millis(30));
        }
        assert!(s.claim("w3", LONG, 2).expect("store").is_none(), "no third start");
        let j = s.job(&job.id).expect("store").expect("the job");
        assert_eq!(j.state, JobState::Failed);
        let e = j.error.expect("the reason");
        assert_eq!(e.kind, "gave_up");
        assert!(e.message.contains("2 times"), "{}", e.message);
        // A lapsed job whose cancel was asked for is cancelled, not rerun.
        let k = s.enqueue("alive", &spec(), 0, 9).expect("store").expect("a job");
        s.claim("w", Duration::from_millis(1), 5).expect("store").expect("claimed");
        s.cancel(&k.id).expect("store");
        std::thread::sleep(Duration::from_millis(30));
        assert!(s.claim("w", LONG, 5).expect("store").is_none());
        assert_eq!(s.job(&k.id).expect("store").expect("the job").state, JobState::Cancelled);
    });
}

#[test]
fn a_stopping_worker_hands_its_job_back() {
    both(|s| {
        let a = s.enqueue("alive", &spec(), 0, 9).expect("store").expect("a job");
        s.claim("leaving", LONG, 3).expect("store").expect("claimed");
        assert!(!s.release(&a.id, "someone else").expect("store"), "only the holder hands it back");
        assert!(s.release(&a.id, "leaving").expect("store"));
        let j = s.job(&a.id).expect("store").expect("the job");
        assert_eq!((j.state, j.started_at), (JobState::Queued, None));
        let again = s.claim("staying", LONG, 3).expect("store").expect("taken at once");
        assert_eq!((again.id, again.attempts), (a.id.clone(), 2));
        assert!(!s.finish(&a.id, "leaving", &Outcome::Cancelled).expect("store"));
        // Handed back after a cancel was asked for: it ends cancelled.
        s.cancel(&a.id).expect("store");
        assert!(s.release(&a.id, "staying").expect("store"));
        assert_eq!(s.job(&a.id).expect("store").expect("the job").state, JobState::Cancelled);
    });
}

#[test]
fn stats_count_states_failures_and_timings() {
    both(|s| {
        for _ in 0..4 {
            s.enqueue("alive", &spec(), 0, 9).expect("store");
        }
        s.enqueue("live", &spec(), 0, 9).expect("store");
        let mut claimed = Vec::new();
        while let Some(j) = s.claim("w", LONG, 3).expect("store") {
            claimed.push(j);
        }
        let failed = super::JobError { kind: "refused".into(), message: "no".into(), refusal: None };
        s.finish(&claimed[0].id, "w", &Outcome::Done(serde_json::json!({}))).expect("store");
        s.finish(&claimed[1].id, "w", &Outcome::Done(serde_json::json!({}))).expect("store");
        s.finish(&claimed[2].id, "w", &Outcome::Failed(failed)).expect("store");
        s.finish(&claimed[4].id, "w", &Outcome::Done(serde_json::json!({}))).expect("store");
        let st = s.stats().expect("stats");
        let states: Vec<(&str, u64)> = st.states.iter().map(|(k, n)| (k.as_str(), *n)).collect();
        assert_eq!(states, [("done", 3), ("failed", 1), ("running", 1)]);
        assert_eq!(st.failures, [("refused".to_string(), 1)]);
        let render: Vec<(&str, u64)> = st.render.iter().map(|(k, h)| (k.as_str(), h.count)).collect();
        assert_eq!(render, [("alive", 2), ("live", 1)]);
        for (_, h) in st.render.iter().chain(&st.latency) {
            assert_eq!(h.cumulative.len(), super::BUCKETS.len());
            assert!(h.cumulative.windows(2).all(|w| w[0] <= w[1]) && h.cumulative.last() <= Some(&h.count));
            assert!(h.sum >= 0.0 && h.sum < 60.0 * h.count as f64, "{h:?}");
        }
    });
}

#[test]
fn cancelling_a_queued_job_ends_it() {
    both(|s| {
        let a = s.enqueue("alive", &spec(), 0, 9).expect("store").expect("a job");
        assert_eq!(s.cancel(&a.id).expect("store").expect("the job").state, JobState::Cancelled);
        assert!(s.claim("w", LONG, 3).expect("store").is_none());
        assert!(s.cancel(&"0".repeat(32)).expect("store").is_none());
    });
}

#[test]
fn workers_racing_for_jobs_never_share_one() {
    both(|s| {
        for _ in 0..120 {
            s.enqueue("alive", &spec(), 0, 1000).expect("store").expect("a job");
        }
        let taken: Vec<Vec<String>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..6)
                .map(|w| {
                    let s = &s;
                    scope.spawn(move || {
                        let name = format!("w{w}");
                        std::iter::from_fn(|| s.claim(&name, LONG, 3).expect("store").map(|j| j.id)).collect()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("worker")).collect()
        });
        let all: Vec<&String> = taken.iter().flatten().collect();
        let distinct: HashSet<&&String> = all.iter().collect();
        assert_eq!((all.len(), distinct.len()), (120, 120), "every job once, none twice");
    });
}

#[test]
fn shares_moderators_and_sessions_are_kept() {
    both(|s| {
        let share = Share {
            id: new_id().expect("id"),
            job_id: "j".repeat(32),
            file: "alive.mp4".into(),
            item_id: "item-1".into(),
            caption: Some("a temple".into()),
            created_at: super::now(),
        };
        s.add_share(&share).expect("store");
        assert_eq!(s.share(&share.id).expect("store").map(|x| x.caption), Some(Some("a temple".into())));
        assert_eq!(s.shares_of_item("item-1").expect("store").len(), 1);
        s.set_moderator("mia", "hash-1").expect("store");
        s.set_moderator("mia", "hash-2").expect("store");
        assert_eq!(s.moderator_hash("mia").expect("store").as_deref(), Some("hash-2"));
        s.add_session("sess", "mia", 2_000).expect("store");
        assert_eq!(s.session("sess", 1_000).expect("store").as_deref(), Some("mia"));
        assert_eq!(s.session("sess", 3_000).expect("store"), None, "expired");
        s.end_session("sess").expect("store");
        assert_eq!(s.session("sess", 1_000).expect("store"), None);
    });
}

#[test]
fn many_callers_share_a_capped_set_of_connections() {
    let Some(s) = postgres_store() else { return };
    s.enqueue("alive", &spec(), 0, 10).expect("store");
    std::thread::scope(|scope| {
        for _ in 0..48 {
            scope.spawn(|| {
                for _ in 0..10 {
                    assert_eq!(s.jobs(5).expect("store").len(), 1);
                }
            });
        }
    });
    let open = s.open_connections();
    assert!((1..=super::postgres::MAX_CONNECTIONS).contains(&open), "{open} connections open");
}

#[test]
fn postgres_wakes_listeners_when_any_server_queues() {
    let Some(s) = postgres_store() else { return };
    let listening = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let (tx, rx) = std::sync::mpsc::channel();
    let keep = listening.clone();
    let tx = std::sync::Mutex::new(tx);
    assert!(s.watch_queue(
        Box::new(move || {
            let _ = tx.lock().map(|t| t.send(()));
        }),
        Box::new(move || keep.load(std::sync::atomic::Ordering::Relaxed)),
    ));
    // Queued through another connection (as another server would): heard.
    // The first enqueue may land before the listener is connected; queue
    // until one is heard, a few at most.
    let mut heard = false;
    for _ in 0..20 {
        s.enqueue("alive", &spec(), 0, 100).expect("store");
        if rx.recv_timeout(Duration::from_millis(500)).is_ok() {
            heard = true;
            break;
        }
    }
    assert!(heard, "no notification for a queued job");
    listening.store(false, std::sync::atomic::Ordering::Relaxed);
    assert!(!sqlite().watch_queue(Box::new(|| {}), Box::new(|| true)), "SQLite cannot tell");
}
