//! The safety database: report handling rules, the append-only log, and
//! crash safety (a process killed with SIGKILL in the middle of decisions
//! leaves every case equal to the fold of its events). Each test runs on an
//! SQLite file and, when `VIVIFY_TEST_POSTGRES` names a server, on a
//! PostgreSQL database of its own.

mod common;

use std::io::{BufRead, BufReader};

use std::process::{Command, Stdio};

use vivify::safety::store::cases::{Action, AppealOutcome, NewReport};
use vivify::safety::store::events::{AppealState, CaseState};
use vivify::safety::store::items::ItemFacts;
use vivify::safety::store::{Database, Store};
use vivify::safety::Category;

fn facts(n: usize, seed: u64) -> ItemFacts {
    let mut rng = common::Rng(seed | 1);
    ItemFacts {
        source_sha256: Some(format!("{:064x}", seed)),
        frame_pdq: (0..n).map(|_| (0..4).map(|_| format!("{:016x}", rng.next())).collect()).collect(),
        decision: "allow".into(),
        label: true,
        ..ItemFacts::default()
    }
}

fn item(store: &mut Store, k: u64, frames: usize) -> String {
    let sha = vivify::safety::store::sha256_hex(&k.to_le_bytes());
    store.record_item(&sha, "video", &format!("clip{k}.mp4"), &facts(frames, k)).expect("item").id
}

/// The databases a test runs on: a new SQLite file, and a new PostgreSQL
/// database when there is a test server (skipped loudly when not).
fn databases(name: &str) -> Vec<Database> {
    let dir = common::temp_dir(name);
    let mut out = vec![Database::File(dir.join("safety.db"))];
    out.extend(postgres_database(name).map(Database::Postgres));
    out
}

fn open(db: &Database) -> Store {
    Store::open_at(db).unwrap_or_else(|e| panic!("open {db}: {e}"))
}

/// Runs raw SQL with the store's own tables in reach, as someone with the
/// database in hand (not through vivify) could.
fn raw(db: &Database, sql: &str) -> Result<u64, String> {
    match db {
        Database::File(path) => {
            let conn = rusqlite::Connection::open(path).map_err(|e| e.to_string())?;
            conn.execute(sql, []).map(|n| n as u64).map_err(|e| e.to_string())
        }
        Database::Postgres(url) => {
            let mut c = postgres::Client::connect(url, postgres::NoTls).map_err(|e| e.to_string())?;
            c.batch_execute("SET search_path TO vivify_safety").map_err(|e| e.to_string())?;
            c.execute(sql, &[]).map_err(|e| e.as_db_error().map_or_else(|| e.to_string(), |d| d.message().to_string()))
        }
    }
}

fn report(store: &mut Store, id: &str, who: &str, reason: Category) -> vivify::safety::store::cases::CaseView {
    store
        .report(id, &NewReport { reporter: who.into(), reason, details: "seen in the feed".into(), automated: false })
        .expect("report")
}

#[test]
fn reports_are_triaged_hidden_when_urgent_decided_and_appealed() {
    for db in databases("store-flow") {
        triage_decide_and_appeal(&mut open(&db));
    }
}

fn triage_decide_and_appeal(s: &mut Store) {
    // Priority by reason and reporter count; three people hide the item.
    let spam = item(s, 1, 4);
    let c = report(s, &spam, "a", Category::Spam);
    assert_eq!((c.folded.priority, c.folded.hidden), (30, false));
    report(s, &spam, "b", Category::Spam);
    let c = report(s, &spam, "b", Category::Spam);
    assert_eq!((c.folded.priority, c.folded.hidden), (40, false), "the same reporter twice counts once");
    let c = report(s, &spam, "c", Category::Spam);
    assert!(c.folded.hidden && c.item.status == "hidden", "{:?}", c.folded);
    assert!(c.statement.is_some(), "a restriction comes with a statement of reasons");
    // A child-safety report is hidden at once and jumps the queue.
    let urgent = item(s, 2, 4);
    let u = report(s, &urgent, "d", Category::SexualMinors);
    assert!(u.folded.hidden && u.folded.priority == 100);
    let next = s.next_case("mo").expect("next").expect("a case");
    assert_eq!(next.id, u.id, "most urgent first");
    assert_eq!(next.folded.state, CaseState::Reviewing);
    // The same moderator gets their own case back before a new one.
    assert_eq!(s.next_case("mo").expect("next").expect("case").id, u.id);
    // Only a case under review is decided; decisions need facts and a person.
    assert!(s.decide(c.id, "mo", Action::Remove, None, "x", false).is_err(), "open case");
    assert!(s.decide(u.id, "mo", Action::Remove, None, " ", false).is_err(), "no facts");
    assert!(s.decide(u.id, "system", Action::Remove, None, "x", false).is_err(), "not a person");
    let done = s.decide(u.id, "mo", Action::Remove, None, "The clip sexualises a child.", false).expect("decide");
    assert_eq!(done.folded.state, CaseState::Actioned);
    assert_eq!(done.item.status, "removed");
    let st = done.statement.expect("statement");
    assert_eq!(st["automated_decision"], "AUTOMATED_DECISION_NOT_AUTOMATED");
    assert_eq!(st["category"], Category::SexualMinors.dsa());
    assert!(st["appeal_until"].as_str().is_some_and(|d| d > "2026"));
    // The removal blocklisted the clip, its source photo and its frames.
    let hashes: Vec<_> = s.blocklist().expect("list").into_iter().filter(|e| e.case_id == Some(u.id)).collect();
    assert_eq!(hashes.len(), 2 + 4, "{hashes:?}");
    let frame = vivify::safety::pdq::Pdq::from_hex(&facts(4, 2).frame_pdq[0]).expect("hex");
    assert!(s.blocklisted(None, &[frame]).expect("lookup").is_some());
    // An appeal is decided by a person; reversing lifts the hashes.
    assert!(s.decide_appeal(u.id, "kim", AppealOutcome::Reverse, "x").is_err(), "no appeal yet");
    let a = s.appeal(u.id, "uploader", "This is my own drawing of an adult.").expect("appeal");
    assert_eq!(a.folded.appeal, AppealState::Open);
    assert!(s.appeal(u.id, "uploader", "again").is_err(), "one appeal per decision");
    assert!(s.decide_appeal(u.id, "system:auto", AppealOutcome::Reverse, "x").is_err());
    let own = s.decide_appeal(u.id, "mo", AppealOutcome::Reverse, "I was wrong.");
    assert!(matches!(own, Err(vivify::Error::Conflict(_))), "the remover may not decide the appeal: {own:?}");
    let r = s.decide_appeal(u.id, "kim", AppealOutcome::Reverse, "A drawing of an adult; allowed.").expect("reverse");
    assert_eq!((r.folded.appeal, r.item.status.as_str()), (AppealState::Reversed, "visible"));
    assert!(s.blocklisted(None, &[frame]).expect("lookup").is_none(), "lifted");
    // Dismissing the spam case restores the hidden item.
    assert_eq!(s.next_case("mo").expect("next").expect("case").id, c.id);
    let d = s.decide(c.id, "mo", Action::Dismiss, None, "An advert, but allowed.", false).expect("dismiss");
    assert_eq!((d.folded.state, d.item.status.as_str()), (CaseState::Dismissed, "visible"));
    // A new report reopens a dismissed case.
    let again = report(s, &spam, "e", Category::Harassment);
    assert_eq!(again.folded.state, CaseState::Open);
    let check = s.check_consistency().expect("check");
    assert!(check.problems.is_empty(), "{:?}", check.problems);
    assert!(check.events > 20);
}

#[test]
fn a_case_is_decided_by_its_moderator_or_after_a_logged_takeover() {
    for db in databases("store-takeover") {
        decided_by_its_moderator(&mut open(&db));
    }
}

fn decided_by_its_moderator(s: &mut Store) {
    let id = item(s, 3, 2);
    let c = report(s, &id, "a", Category::Hate);
    s.next_case("ann").expect("next").expect("case");
    let other = s.decide(c.id, "bob", Action::Remove, None, "Hateful.", false);
    let Err(vivify::Error::Conflict(why)) = other else { panic!("bob is not on the case: {other:?}") };
    assert!(why.contains("ann") && why.contains("--takeover"), "{why}");
    let d = s.decide(c.id, "bob", Action::Remove, None, "Hateful.", true).expect("takeover");
    assert_eq!(d.folded.state, CaseState::Actioned);
    let kinds: Vec<&str> = d.events.iter().map(|e| e.kind.as_str()).collect();
    let t = kinds.iter().position(|k| *k == "taken_over").expect("takeover logged");
    assert!(t < kinds.iter().position(|k| *k == "decided").expect("decided"));
    // The loser of a race is told who decided and when.
    let late = s.decide(c.id, "ann", Action::Dismiss, None, "Fine.", true);
    let Err(vivify::Error::Conflict(why)) = late else { panic!("already decided: {late:?}") };
    assert!(why.contains("moderator:bob") && why.contains("remove"), "{why}");
    assert!(s.check_consistency().expect("check").problems.is_empty());
}

/// Eight decisions and eight appeals fired at one case from eight
/// connections at once: exactly one of each is accepted, the others get a
/// conflict, and the log holds one decision and one appeal.
#[test]
fn concurrent_decisions_and_appeals_on_one_case_accept_exactly_one() {
    for db in databases("store-race") {
        one_decision_and_one_appeal_win(&db);
    }
}

fn one_decision_and_one_appeal_win(db: &Database) {
    let case_id = {
        let mut s = open(db);
        let id = item(&mut s, 11, 3);
        let c = report(&mut s, &id, "a", Category::ViolenceGraphic);
        s.next_case("mo").expect("next").expect("case");
        c.id
    };
    let race = |f: &(dyn Fn(usize, &mut Store) -> vivify::Result<()> + Sync)| -> Vec<vivify::Result<()>> {
        let barrier = std::sync::Barrier::new(8);
        std::thread::scope(|sc| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let barrier = &barrier;
                    sc.spawn(move || {
                        let mut s = open(db);
                        barrier.wait();
                        f(i, &mut s)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("thread")).collect()
        })
    };
    let decisions = race(&|i, s| {
        let action = if i % 2 == 0 { Action::Remove } else { Action::Dismiss };
        // Two of the eight are other moderators trying to take the case over.
        let (who, takeover) = if i >= 6 { ("rival", true) } else { ("mo", false) };
        s.decide(case_id, who, action, None, "Graphic violence.", takeover).map(drop)
    });
    let won = decisions.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{decisions:?}");
    assert!(decisions.iter().filter_map(|r| r.as_ref().err()).all(|e| matches!(e, vivify::Error::Conflict(_))));
    let mut s = open(db);
    if s.case(case_id).expect("case").folded.state == CaseState::Dismissed {
        // The dismissal won; remove a second case so the appeals have one.
        let id = item(&mut s, 12, 3);
        report(&mut s, &id, "a", Category::ViolenceGraphic);
        s.next_case("mo").expect("next").expect("case");
    }
    let removed = s.cases(Some(CaseState::Actioned)).expect("cases").first().map(|c| c.0);
    let removed = match removed {
        Some(id) => id,
        None => {
            let id = s.cases(Some(CaseState::Reviewing)).expect("cases")[0].0;
            s.decide(id, "mo", Action::Remove, None, "Graphic violence.", false).expect("remove");
            id
        }
    };
    let appeals = race(&|i, s| s.appeal(removed, "uploader", &format!("appeal {i}")).map(drop));
    assert_eq!(appeals.iter().filter(|r| r.is_ok()).count(), 1, "{appeals:?}");
    assert!(appeals.iter().filter_map(|r| r.as_ref().err()).all(|e| matches!(e, vivify::Error::Conflict(_))));
    let outcomes = race(&|i, s| {
        let o = if i % 2 == 0 { AppealOutcome::Uphold } else { AppealOutcome::Reverse };
        s.decide_appeal(removed, &format!("judge{i}"), o, "Reviewed.").map(drop)
    });
    assert_eq!(outcomes.iter().filter(|r| r.is_ok()).count(), 1, "{outcomes:?}");
    let c = s.case(removed).expect("case");
    for (kind, n) in [("decided", 1), ("appeal_filed", 1), ("appeal_decided", 1), ("statement_issued", 1)] {
        assert_eq!(c.events.iter().filter(|e| e.kind == kind).count(), n, "{kind}");
    }
    let check = s.check_consistency().expect("check");
    assert!(check.problems.is_empty(), "{:?}", check.problems);
}

/// `reports check` finds what a lost race used to leave behind: two
/// decisions, two appeals, and blocklist entries outliving a reversal.
#[test]
fn the_consistency_check_finds_double_decisions_appeals_and_stale_entries() {
    for db in databases("store-check-races") {
        planted_races_are_found(&db);
    }
}

fn planted_races_are_found(db: &Database) {
    let mut s = open(db);
    let id = item(&mut s, 21, 2);
    let c = report(&mut s, &id, "a", Category::Hate);
    s.next_case("mo").expect("next");
    s.decide(c.id, "mo", Action::Remove, None, "Hateful.", false).expect("remove");
    s.appeal(c.id, "uploader", "It is satire.").expect("appeal");
    s.decide_appeal(c.id, "kim", AppealOutcome::Reverse, "Satire.").expect("reverse");
    assert!(s.check_consistency().expect("check").problems.is_empty());
    drop(s);
    for (kind, data) in [("decided", r#"{"action":"dismiss"}"#), ("appeal_filed", r#"{"reason":"again"}"#)] {
        raw(
            db,
            &format!(
                "INSERT INTO events (case_id, at, actor, automated, kind, data)
                 VALUES ({}, '2026-01-01T00:00:00Z', 'moderator:x', FALSE, '{kind}', '{data}')",
                c.id
            ),
        )
        .expect("plant");
    }
    raw(db, &format!("UPDATE blocklist SET lifted_at = NULL WHERE case_id = {}", c.id)).expect("unlift");
    let problems = open(db).check_consistency().expect("check").problems;
    let text = problems.join("\n");
    assert!(text.contains("two decisions"), "{text}");
    assert!(text.contains("two appeals"), "{text}");
    assert!(text.contains("blocklist entries still active"), "{text}");
}

#[test]
fn the_event_log_refuses_updates_and_deletes() {
    for db in databases("store-append-only") {
        let mut s = open(&db);
        let id = item(&mut s, 7, 1);
        report(&mut s, &id, "a", Category::Hate);
        drop(s);
        let upd = raw(&db, "UPDATE events SET kind = 'nothing' WHERE id = 1");
        assert!(upd.as_ref().is_err_and(|e| e.contains("append-only")), "{db}: {upd:?}");
        assert!(raw(&db, "DELETE FROM events").is_err(), "{db}");
        if matches!(db, Database::Postgres(_)) {
            assert!(raw(&db, "TRUNCATE events CASCADE").is_err_and(|e| e.contains("append-only")), "{db}");
        }
        // Tampering with the case row behind the log's back is found.
        raw(&db, "UPDATE cases SET state = 'dismissed'").expect("raw update");
        let check = open(&db).check_consistency().expect("check");
        assert_eq!(check.problems.len(), 1, "{db}: {:?}", check.problems);
    }
}

#[test]
fn a_database_that_is_not_ours_is_refused_by_name() {
    let dir = common::temp_dir("store-foreign");
    let db = dir.join("other.db");
    std::fs::write(&db, b"this is not sqlite at all, but it is long enough to look like a header....").expect("write");
    let e = Store::open(&db).expect_err("not a database");
    assert!(e.to_string().contains("other.db"), "{e}");
}

/// Cases set up for the crash test: each reported and under review.
const CRASH_CASES: u64 = 400;
/// Frame hashes per item: each removal writes this many blocklist rows and
/// events, so a kill usually lands inside a decision's transaction.
const CRASH_FRAMES: usize = 120;

fn fill_crash_db(db: &Database) {
    let mut s = open(db);
    for k in 0..CRASH_CASES {
        let id = item(&mut s, 1000 + k, CRASH_FRAMES);
        report(&mut s, &id, "a", Category::Sexual);
    }
}

/// The child of the crash test: takes and decides cases until killed,
/// saying so after each commit. Run only by `kill_9_during_decisions`.
#[test]
#[ignore = "run as a child process by kill_9_during_decisions"]
fn crash_child_decides_forever() {
    let Some(db) = std::env::var_os("VIVIFY_CRASH_DB") else { return };
    let mut s = open(&Database::parse(&db.to_string_lossy()));
    while let Some(c) = s.next_case("mo").expect("next") {
        println!("deciding {}", c.id);
        s.decide(c.id, "mo", Action::Remove, None, "Removed in the crash test.", false).expect("decide");
        println!("decided {}", c.id);
    }
}

#[test]
fn kill_9_during_decisions_leaves_the_database_consistent() {
    for db in databases("store-crash") {
        fill_crash_db(&db);
        kill_children_deciding(&db);
    }
}

fn kill_children_deciding(db: &Database) {
    let url = match db {
        Database::File(p) => p.display().to_string(),
        Database::Postgres(url) => url.clone(),
    };
    let exe = std::env::current_exe().expect("test binary");
    let mut decided_total = 0;
    for round in 0..4 {
        let mut child = Command::new(&exe)
            .args(["--exact", "crash_child_decides_forever", "--ignored", "--nocapture", "--test-threads", "1"])
            .env("VIVIFY_CRASH_DB", &url)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn child");
        let out = child.stdout.take().expect("stdout");
        let mut seen = 0;
        for line in BufReader::new(out).lines() {
            let line = line.expect("line");
            if line.starts_with("decided ") {
                seen += 1;
            }
            // Kill as a decision starts: its transaction is under way.
            if line.starts_with("deciding ") && seen == 5 + round * 7 {
                child.kill().expect("SIGKILL");
                break;
            }
        }
        child.wait().expect("reap");
        decided_total += seen;
        let s = open(db);
        let check = s.check_consistency().expect("check");
        assert!(check.problems.is_empty(), "round {round}: {:?}", check.problems);
        let actioned = s.cases(Some(CaseState::Actioned)).expect("cases").len();
        // The decision in flight when the kill came is all there or not at all.
        assert!(
            actioned == decided_total || actioned == decided_total + 1,
            "round {round}: {actioned} actioned, {decided_total} reported"
        );
        let reviewing = s.cases(Some(CaseState::Reviewing)).expect("cases").len();
        eprintln!(
            "round {round}: {seen} decisions seen, {actioned} actioned in all, {reviewing} taken but not decided"
        );
        decided_total = actioned;
        for (id, _, _) in s.cases(Some(CaseState::Actioned)).expect("cases") {
            let rows = s.blocklist().expect("list").into_iter().filter(|e| e.case_id == Some(id)).count();
            assert_eq!(rows, 2 + CRASH_FRAMES, "case {id}: the removal's blocklist entries are all there");
        }
    }
    assert!(decided_total >= 5 + 12 + 19 + 26);
}

/// A safety database with flipped bytes: opened and read, or refused with an
/// error — never a panic (its JSON facts and event data come from disk too).
#[test]
fn a_damaged_database_is_refused_or_read_without_panicking() {
    let dir = common::temp_dir("store-mutants");
    let db = dir.join("safety.db");
    {
        let mut s = Store::open(&db).expect("open");
        for k in 0..6 {
            let id = item(&mut s, 500 + k, 6);
            report(&mut s, &id, "a", Category::Hate);
        }
        s.next_case("mo").expect("next").expect("case");
    }
    let base = std::fs::read(&db).expect("read");
    let mut rng = common::Rng(0xDA7A_BA5E);
    let mutant = dir.join("mutant.db");
    let mut opened = 0;
    for round in 0..300 {
        let mut m = base.clone();
        for _ in 0..1 + rng.below(8) {
            let i = rng.below(m.len());
            m[i] = rng.next() as u8;
        }
        let _ = std::fs::remove_file(dir.join("mutant.db-wal"));
        let _ = std::fs::remove_file(dir.join("mutant.db-shm"));
        std::fs::write(&mutant, &m).expect("write");
        let r = std::panic::catch_unwind(|| {
            let Ok(s) = Store::open(&mutant) else { return false };
            let _ = s.check_consistency();
            let _ = s.cases(None);
            for id in 1..=6 {
                let _ = s.case(id);
            }
            let _ = s.blocklisted(Some("00"), &[vivify::safety::pdq::Pdq([1, 2, 3, 4])]);
            true
        });
        assert!(r.is_ok(), "round {round} panicked");
        opened += usize::from(r.unwrap_or(false));
    }
    assert!(opened > 0, "no mutant opened; the test is not reaching the readers");
}

/// Lookups keep the PDQ entries in memory; entries added or lifted by
/// another process (or this one) are seen at the next lookup.
#[test]
fn blocklist_lookups_see_changes_from_other_connections() {
    for db in databases("store-cache") {
        lookups_see_other_connections(&db);
    }
}

fn lookups_see_other_connections(db: &Database) {
    let mut a = open(db);
    let mut b = open(db);
    let h = vivify::safety::pdq::Pdq([0x0123_4567_89ab_cdef, 42, 7, 99]);
    let near = vivify::safety::pdq::Pdq([0x0123_4567_89ab_cdee, 42, 7, 99]);
    assert!(a.blocklisted(None, &[near]).expect("lookup").is_none());
    let ids = b.block(None, &[h], Category::Hate, "other process").expect("block");
    let hit = a.blocklisted(None, &[near]).expect("lookup").expect("seen from a");
    assert_eq!((hit.distance, hit.category), (1, Category::Hate));
    b.unblock(ids[0]).expect("lift");
    assert!(a.blocklisted(None, &[near]).expect("lookup").is_none(), "lift seen from a");
    a.block(None, &[h], Category::Spam, "here").expect("block");
    assert_eq!(a.blocklisted(None, &[h]).expect("lookup").expect("own write").distance, 0);
}

/// A new, empty PostgreSQL database on the test server
/// (`VIVIFY_TEST_POSTGRES`; scripts/test starts a throwaway one), named
/// after the test; `None`, said loudly, without a server (a failure under
/// `VIVIFY_REQUIRE_TOOLS=1`).
fn postgres_database(name: &str) -> Option<String> {
    let Ok(url) = std::env::var("VIVIFY_TEST_POSTGRES") else {
        if std::env::var("VIVIFY_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
            panic!("VIVIFY_TEST_POSTGRES is required (VIVIFY_REQUIRE_TOOLS=1): scripts/test starts a throwaway server");
        }
        common::skipped(&format!(
            "{name}: the PostgreSQL half (set VIVIFY_TEST_POSTGRES; scripts/pg-throwaway starts a server)"
        ));
        return None;
    };
    let db: String = format!("vivify_{name}_{}", std::process::id())
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
        .collect();
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).expect("connect to the test server");
    // Two statements: a multi-statement string is one transaction, which
    // neither may run in.
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db}")).expect("drop an old test database");
    admin.batch_execute(&format!("CREATE DATABASE {db}")).expect("a test database");
    Some(format!("{}/{db}", url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b)))
}
