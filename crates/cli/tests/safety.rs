//! The four safety checkpoints and report handling, through the binary:
//! a blocklisted photo is refused after re-encoding and resizing, a
//! tampered output fails the share check, and a report moves through every
//! state leaving a complete audit log.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

mod common;

use common::{fixtures, Sandbox};

impl Sandbox {
    fn json(&self, args: &[&str], code: i32) -> Value {
        let o = self.run(args);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&o.stdout)))
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_str().expect("utf8").to_string()
    }

    /// A policy that shares without the image classifier (the safety pack
    /// is optional; its own test covers it).
    fn lax_policy(&self) -> String {
        let p = self.path("lax.toml");
        let text = vivify::safety::policy::DEFAULT_POLICY
            .replace("allow_without_classifier = false", "allow_without_classifier = true");
        std::fs::write(&p, text).expect("policy");
        p
    }

    /// A short living moment; returns the report.
    fn alive(&self, photo: &Path, out: &str) -> Value {
        let out = self.path(out);
        self.json(
            &["alive", photo.to_str().expect("utf8"), "-o", &out, "--duration", "1", "--size", "480x360", "--json"],
            0,
        )
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A resized (60 %), re-encoded (JPEG quality 70) copy, and a mirrored one.
fn altered_copies(photo: &Path, dir: &Path) -> (PathBuf, PathBuf) {
    use vivify::picture::image::{resize, Rect, Rgb};
    let p = vivify::picture::photo::Photo::decode(std::fs::read(photo).expect("read")).expect("decode");
    let (w, h) = (p.rgb.width * 3 / 5, p.rgb.height * 3 / 5);
    let full = Rect { x: 0.0, y: 0.0, w: p.rgb.width as f64, h: p.rgb.height as f64 };
    let small = resize(&p.rgb, full, w, h).expect("resize");
    let mut mirrored = Rgb { width: w, height: h, data: small.data.clone() };
    for row in mirrored.data.chunks_exact_mut(w * 3) {
        let px: Vec<[u8; 3]> = row.chunks_exact(3).rev().map(|c| [c[0], c[1], c[2]]).collect();
        row.copy_from_slice(&px.concat());
    }
    let write = |img: &Rgb, name: &str| {
        let mut out = Vec::new();
        jpeg_encoder::Encoder::new(&mut out, 70)
            .encode(&img.data, img.width as u16, img.height as u16, jpeg_encoder::ColorType::Rgb)
            .expect("jpeg");
        let path = dir.join(name);
        std::fs::write(&path, out).expect("write");
        path
    };
    (write(&small, "resized.jpg"), write(&mirrored, "mirrored.jpg"))
}

#[test]
fn a_blocklisted_photo_is_refused_after_reencoding_resizing_and_mirroring() {
    let s = Sandbox::new("safety-blocklist");
    let temple = fixtures().join("photos/temple.jpg");
    let other = fixtures().join("photos/dinner_rot6.jpg");
    let (resized, mirrored) = altered_copies(&temple, &s.dir);
    // Before: the copies pass the photo check.
    let v = s.json(&["moderate", resized.to_str().expect("utf8"), "--json"], 0);
    assert_eq!(v["check"]["verdict"]["decision"], "allow", "{v}");
    let added =
        s.json(&["blocklist", "add", temple.to_str().expect("utf8"), "--category", "violence_graphic", "--json"], 0);
    assert_eq!(added["entries"].as_array().map(Vec::len), Some(3), "file hash, picture and mirror: {added}");
    for copy in [&resized, &mirrored] {
        let v = s.json(&["moderate", copy.to_str().expect("utf8"), "--json"], 6);
        assert_eq!(v["check"]["blocklist"]["kind"], "pdq", "{v}");
        assert!(v["check"]["blocklist"]["distance"].as_u64().is_some_and(|d| d <= 31), "{v}");
        assert_eq!(v["refusal"]["category"], "violence_graphic");
        assert!(v["refusal"]["reference"].as_str().is_some_and(|r| r.starts_with("I-")), "{v}");
        // alive refuses it and writes nothing.
        let out = s.path("refused.mp4");
        let o = s.run(&["alive", copy.to_str().expect("utf8"), "-o", &out, "--duration", "1"]);
        assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
        assert!(stderr(&o).contains("this photo") && !stderr(&o).contains("blocklist entry"), "{}", stderr(&o));
        // A photo asks for nothing: it matches the blocklist.
        let e = stderr(&o);
        assert!(e.contains("matches an entry on the blocklist") && !e.contains("asks for"), "{e}");
        assert!(!Path::new(&out).exists(), "a refused photo leaves no output");
    }
    // The original by its exact hash, and an unrelated photo passes.
    let v = s.json(&["moderate", temple.to_str().expect("utf8"), "--json"], 6);
    assert_eq!(v["check"]["blocklist"]["kind"], "sha256");
    s.json(&["moderate", other.to_str().expect("utf8"), "--json"], 0);
    // Lifting the entries lets the copies through again.
    let list = s.json(&["blocklist", "list", "--json"], 0);
    for e in list.as_array().expect("list") {
        let id = e["id"].to_string();
        assert_eq!(s.run(&["blocklist", "lift", &id]).status.code(), Some(0));
    }
    s.json(&["moderate", mirrored.to_str().expect("utf8"), "--json"], 0);
}

#[test]
fn the_share_check_passes_only_the_exact_checked_labelled_signed_bytes() {
    let s = Sandbox::new("safety-share");
    let lax = s.lax_policy();
    let r = s.alive(&fixtures().join("photos/temple.jpg"), "clip.mp4");
    let item = r["safety"]["items"][0].as_str().expect("item id").to_string();
    assert_eq!(r["safety"]["output"]["verdict"]["decision"], "allow");
    assert!(r["safety"]["output"]["frames"].as_array().is_some_and(|f| f.len() >= 5), "about 4 frames a second + last");
    let clip = s.path("clip.mp4");
    let ok = s.json(&["share", &clip, "--caption", "Evening light over the temple", "--policy", &lax, "--json"], 0);
    assert_eq!(ok["item"]["id"], item.as_str());
    assert!(ok["item"]["shared_at"].is_string());
    let checks: Vec<&str> = ok["steps"].as_array().expect("steps").iter().filter_map(|s| s["check"].as_str()).collect();
    for want in ["same bytes as checked", "caption", "blocklist", "visible AI label", "Content Credentials"] {
        assert!(checks.contains(&want), "{want} missing from {checks:?}");
    }
    // One changed byte: not the checked file any more.
    let tampered = s.path("tampered.mp4");
    let mut bytes = std::fs::read(&clip).expect("read");
    let at = bytes.len() / 2;
    bytes[at] ^= 0x40;
    std::fs::write(&tampered, bytes).expect("write");
    let o = s.run(&["share", &tampered, "--policy", &lax]);
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    assert!(stderr(&o).contains("tampered.mp4") && stderr(&o).contains("not a file vivify checked"), "{}", stderr(&o));
    // A reported file vivify did not make is known, but never checked.
    s.json(&["report", &tampered, "--reason", "spam", "--json"], 0);
    let o = s.run(&["share", &tampered, "--policy", &lax]);
    assert_eq!(o.status.code(), Some(6));
    assert!(stderr(&o).contains("never passed the output check"), "{}", stderr(&o));
    // A caption is checked like a prompt.
    let o = s.run(&["share", &clip, "--caption", "now make her naked", "--policy", &lax]);
    assert_eq!(o.status.code(), Some(6));
    assert!(stderr(&o).contains("caption"), "{}", stderr(&o));
    // Without an image classifier the default policy does not share.
    if r["safety"]["classifier"].is_null() {
        let o = s.run(&["share", &clip]);
        assert_eq!(o.status.code(), Some(6));
        assert!(stderr(&o).contains("No image classifier"), "{}", stderr(&o));
    }
    // Unsigned output has no Content Credentials to show.
    let out = s.path("unsigned.mp4");
    let o = s.run(&[
        "alive",
        &fixtures().join("photos/temple.jpg").display().to_string(),
        "-o",
        &out,
        "--duration",
        "1",
        "--size",
        "320x240",
        "--no-sign",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = s.run(&["share", &out, "--policy", &lax]);
    assert_eq!(o.status.code(), Some(6));
    assert!(stderr(&o).contains("Content Credentials"), "{}", stderr(&o));
}

fn kinds(case: &Value) -> Vec<String> {
    case["events"].as_array().expect("events").iter().filter_map(|e| e["kind"].as_str().map(str::to_string)).collect()
}

#[test]
fn a_report_moves_through_every_state_and_leaves_a_complete_audit_log() {
    let s = Sandbox::new("safety-reports");
    let lax = s.lax_policy();
    let temple = fixtures().join("photos/temple.jpg");
    let r = s.alive(&temple, "clip.mp4");
    let item = r["safety"]["items"][0].as_str().expect("item").to_string();
    let clip = s.path("clip.mp4");
    // open
    let c = s.json(
        &["report", &clip, "--reason", "violence_graphic", "--reporter", "alice", "--details", "gore", "--json"],
        0,
    );
    assert_eq!((c["state"].as_str(), c["priority"].as_i64()), (Some("open"), Some(60)), "{c}");
    let c = s.json(&["report", &item, "--reason", "harassment", "--reporter", "bob", "--json"], 0);
    assert_eq!(c["priority"], 70, "a second reporter raises the priority");
    let case = c["id"].to_string();
    // reviewing
    let c = s.json(&["reports", "next", "--moderator", "mo", "--json"], 0);
    assert_eq!((c["state"].as_str(), c["assigned_to"].as_str()), (Some("reviewing"), Some("mo")));
    // actioned (removed): the item can't be shared, and its photo can't be animated again
    let c = s.json(
        &[
            "reports",
            "decide",
            &case,
            "--moderator",
            "mo",
            "--action",
            "remove",
            "--facts",
            "Frames 10-20 show gore.",
            "--json",
        ],
        0,
    );
    assert_eq!((c["state"].as_str(), c["item"]["status"].as_str()), (Some("actioned"), Some("removed")));
    let st = &c["statement"];
    for field in [
        "decision_visibility",
        "decision_ground",
        "category",
        "automated_detection",
        "automated_decision",
        "decision_facts",
        "appeal_until",
    ] {
        assert!(!st[field].is_null(), "statement of reasons lacks {field}: {st}");
    }
    let o = s.run(&["share", &clip, "--policy", &lax]);
    assert_eq!(o.status.code(), Some(6));
    assert!(stderr(&o).contains("removed"), "{}", stderr(&o));
    let o = s.run(&["alive", temple.to_str().expect("utf8"), "-o", &s.path("again.mp4"), "--duration", "1"]);
    assert_eq!(o.status.code(), Some(6), "the removal blocklisted the source photo: {}", stderr(&o));
    // appeal, decided by a person: reversed, restored, hashes lifted
    let c = s.json(&["appeal", &case, "--reason", "It is stage make-up.", "--json"], 0);
    assert_eq!(c["appeal"], "open");
    let c = s.json(
        &[
            "reports",
            "decide",
            &case,
            "--moderator",
            "kim",
            "--action",
            "reverse",
            "--facts",
            "Stage make-up, not gore.",
            "--json",
        ],
        0,
    );
    assert_eq!((c["appeal"].as_str(), c["item"]["status"].as_str()), (Some("reversed"), Some("visible")));
    s.json(&["share", &clip, "--policy", &lax, "--json"], 0);
    // dismissed: a second clip hidden at once by a child-safety report, then dismissed
    let r2 = s.alive(&fixtures().join("photos/dinner_rot6.jpg"), "dinner.mp4");
    let item2 = r2["safety"]["items"][0].as_str().expect("item").to_string();
    let c2 = s.json(&["report", &item2, "--reason", "sexual_minors", "--json"], 0);
    assert_eq!((c2["hidden"].as_bool(), c2["priority"].as_i64()), (Some(true), Some(100)));
    assert_eq!(c2["item"]["status"], "hidden");
    let case2 = c2["id"].to_string();
    let next = s.json(&["reports", "next", "--moderator", "mo", "--json"], 0);
    assert_eq!(next["id"].to_string(), case2);
    let c2 = s.json(
        &[
            "reports",
            "decide",
            &case2,
            "--moderator",
            "mo",
            "--action",
            "dismiss",
            "--facts",
            "Adults at dinner.",
            "--json",
        ],
        0,
    );
    assert_eq!((c2["state"].as_str(), c2["item"]["status"].as_str()), (Some("dismissed"), Some("visible")));
    assert_eq!(s.json(&["reports", "next", "--moderator", "mo", "--json"], 0), Value::Null, "queue empty");
    // The audit log tells the whole story, in order.
    let full = s.json(&["reports", "show", &case, "--json"], 0);
    let k = kinds(&full);
    let order = [
        "report_received",
        "triaged",
        "assigned",
        "decided",
        "blocklisted",
        "statement_issued",
        "appeal_filed",
        "appeal_decided",
        "blocklist_lifted",
    ];
    let mut at = 0;
    for want in order {
        let pos = k[at..].iter().position(|x| x == want).unwrap_or_else(|| panic!("{want} missing after {at}: {k:?}"));
        at += pos;
    }
    let events = full["events"].as_array().expect("events");
    assert!(events.iter().all(|e| e["at"].is_string() && e["actor"].is_string() && e["automated"].is_boolean()));
    let decided = events.iter().find(|e| e["kind"] == "decided").expect("decided");
    assert_eq!((decided["actor"].as_str(), decided["automated"].as_bool()), (Some("moderator:mo"), Some(false)));
    let appeal = events.iter().find(|e| e["kind"] == "appeal_decided").expect("appeal decided");
    assert_eq!(appeal["actor"], "moderator:kim");
    let notes = events.iter().filter(|e| e["kind"] == "notification_sent").count();
    assert!(notes >= 6, "receipts, decision notices and the appeal answer are logged: {notes}");
    assert!(kinds(&s.json(&["reports", "show", &case2, "--json"], 0)).contains(&"hidden_pending_review".to_string()));
    // The tables agree with the log.
    let check = s.json(&["reports", "check", "--json"], 0);
    assert_eq!(check["problems"].as_array().map(Vec::len), Some(0), "{check}");
    // A second decision on a decided case is a conflict (exit 7) that names
    // who decided; an unknown reason is a usage error.
    let o = s.run(&["reports", "decide", &case2, "--moderator", "mo", "--action", "remove", "--facts", "x"]);
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    assert!(stderr(&o).contains("already decided (dismiss) by moderator:mo"), "{}", stderr(&o));
    let o = s.run(&["report", &item, "--reason", "nudity"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nudity"), "{}", stderr(&o));
}

#[test]
fn moderate_image_reports_hashes_faces_and_verdict() {
    let s = Sandbox::new("safety-moderate-image");
    let v = s.json(&["moderate", fixtures().join("photos/temple.jpg").to_str().expect("utf8"), "--json"], 0);
    let c = &v["check"];
    assert_eq!(c["facts"]["pdq"].as_str().map(str::len), Some(64));
    assert!(c["facts"]["pdq_quality"].as_u64().is_some_and(|q| q >= 50));
    assert_eq!(c["facts"]["sha256"].as_str().map(str::len), Some(64));
    assert!(c["faces"].is_u64());
    assert!(v["refusal"].is_null());
    let o = s.run(&["moderate", "/no/such/photo.jpg", "--json"]);
    assert!(o.status.code().is_some_and(|c| c != 0 && c != 6));
    assert!(stderr(&o).contains("/no/such/photo.jpg"), "{}", stderr(&o));
}

#[test]
fn a_sexual_prompt_on_a_photo_of_people_is_refused_as_intimate_image_abuse() {
    let s = Sandbox::new("safety-faces");
    let out = s.path("never.mp4");
    let people = fixtures().join("photos/solvay1927_crop.jpg");
    let v = s.json(&["moderate", people.to_str().expect("utf8"), "--json"], 0);
    assert!(v["check"]["faces"].as_u64().is_some_and(|n| n >= 1), "{v}");
    let o = s.run(&["alive", people.to_str().expect("utf8"), "-o", &out, "--prompt", "make her n4ked"]);
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("intimate-image") && !e.contains("Try"), "tier 0: no hints: {e}");
    // The same words on a photo without people: sexual content, with a hint.
    let temple = fixtures().join("photos/temple.jpg");
    let o = s.run(&["alive", temple.to_str().expect("utf8"), "-o", &out, "--prompt", "make her n4ked"]);
    assert_eq!(o.status.code(), Some(6));
    assert!(stderr(&o).contains("sexual content") && stderr(&o).contains("Try"), "{}", stderr(&o));
    assert!(!Path::new(&out).exists());
}

#[test]
fn a_flagged_request_is_made_and_lands_in_the_review_queue() {
    let s = Sandbox::new("safety-flag");
    // A policy that lets profanity through, flagged for review.
    let policy = s.path("flag.toml");
    let text = vivify::safety::policy::DEFAULT_POLICY.replace("harassment = \"block\"", "harassment = \"flag\"");
    std::fs::write(&policy, text).expect("policy");
    let out = s.path("cat.mp4");
    let temple = fixtures().join("photos/temple.jpg");
    let r = s.json(
        &[
            "alive",
            temple.to_str().expect("utf8"),
            "-o",
            &out,
            "--prompt",
            "make this fucking sky move",
            "--policy",
            &policy,
            "--duration",
            "1",
            "--size",
            "320x240",
            "--json",
        ],
        0,
    );
    assert_eq!(r["safety"]["prompt"]["decision"], "flag", "{}", r["safety"]);
    let case = r["safety"]["review_case"].as_i64().expect("a case was opened");
    let next = s.json(&["reports", "next", "--moderator", "mo", "--json"], 0);
    assert_eq!(next["id"].as_i64(), Some(case));
    let first = &next["events"][0];
    assert_eq!(
        (first["actor"].as_str().map(|a| a.starts_with("system:")), first["automated"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(next["reports"][0]["reason"], "harassment");
    assert!(next["item"]["status"] == "visible", "a flag does not hide");
}

/// Eight `reports decide` processes fired at one case under review (two
/// moderators' worth of remove and dismiss, two takeovers), then eight
/// `appeal`s and eight appeal decisions: exactly one of each is accepted,
/// the rest exit 7 naming who was first, and `reports check` is clean.
#[test]
fn concurrent_decides_and_appeals_through_the_cli_accept_exactly_one() {
    let s = Sandbox::new("safety-race");
    let file = s.path("upload.mp4");
    std::fs::write(&file, b"an uploaded file that nobody checked").expect("write");
    let c = s.json(&["report", &file, "--reason", "violence_graphic", "--reporter", "ann", "--json"], 0);
    let case = c["id"].to_string();
    s.json(&["reports", "next", "--moderator", "mo", "--json"], 0);
    let fire = |make: &dyn Fn(usize) -> Vec<String>| -> Vec<Output> {
        let children: Vec<_> = (0..8)
            .map(|i| {
                s.cmd()
                    .args(make(i))
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("spawn")
            })
            .collect();
        children.into_iter().map(|c| c.wait_with_output().expect("wait")).collect()
    };
    let codes = |outs: &[Output]| -> Vec<i32> { outs.iter().map(|o| o.status.code().unwrap_or(-1)).collect() };
    // Remove always wins here so the appeals have something to appeal:
    // the dismissals come from the rival, who must take the case over.
    let decides = fire(&|i| {
        let mut a = vec!["reports", "decide", &case, "--facts", "Gore in frames 3-9."]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>();
        let (who, action) = if i < 6 { ("mo", "remove") } else { ("rival", "dismiss") };
        a.extend(["--moderator".into(), who.into(), "--action".into(), action.into()]);
        if i >= 6 {
            a.push("--takeover".into());
        }
        a
    });
    let c = codes(&decides);
    assert_eq!(c.iter().filter(|&&x| x == 0).count(), 1, "{c:?}");
    assert_eq!(c.iter().filter(|&&x| x == 7).count(), 7, "{c:?}");
    let loser = decides.iter().find(|o| o.status.code() == Some(7)).expect("a loser");
    assert!(stderr(loser).contains("already decided"), "{}", stderr(loser));
    let state = s.json(&["reports", "show", &case, "--json"], 0);
    if state["state"] != "actioned" {
        // A rival's dismissal won the race; nothing to appeal, but the
        // decision race itself is what this step asserts.
        assert_eq!(state["state"], "dismissed");
        return;
    }
    let appeals = fire(&|i| vec!["appeal".into(), case.clone(), "--reason".into(), format!("appeal {i}")]);
    let c = codes(&appeals);
    assert_eq!((c.iter().filter(|&&x| x == 0).count(), c.iter().filter(|&&x| x == 7).count()), (1, 7), "{c:?}");
    let outcomes = fire(&|i| {
        let outcome = if i % 2 == 0 { "uphold" } else { "reverse" };
        ["reports", "decide", &case, "--moderator", &format!("judge{i}"), "--action", outcome, "--facts", "Reviewed."]
            .into_iter()
            .map(String::from)
            .collect()
    });
    let c = codes(&outcomes);
    assert_eq!((c.iter().filter(|&&x| x == 0).count(), c.iter().filter(|&&x| x == 7).count()), (1, 7), "{c:?}");
    // The remover may not decide the appeal (checked on a fresh removal).
    let full = s.json(&["reports", "show", &case, "--json"], 0);
    let k = kinds(&full);
    for (kind, n) in [("decided", 1), ("appeal_filed", 1), ("appeal_decided", 1), ("statement_issued", 1)] {
        assert_eq!(k.iter().filter(|x| *x == kind).count(), n, "{kind}: {k:?}");
    }
    let uploader_notices = full["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "notification_sent" && e["data"]["to"] == "uploader")
        .count();
    assert_eq!(uploader_notices, 2, "one removal notice and one appeal answer");
    let check = s.json(&["reports", "check", "--json"], 0);
    assert_eq!(check["problems"].as_array().map(Vec::len), Some(0), "{check}");
}

/// A damaged safety database: the message names the file and what we make
/// of it, then SQLite's own words as the cause, each once (issue 13: errors
/// keep their cause and the CLI prints the chain).
#[test]
fn a_damaged_database_is_reported_with_sqlites_own_words() {
    let s = Sandbox::new("safety-damaged-db");
    std::fs::create_dir_all(s.dir.join("data")).expect("mkdir");
    let db = s.dir.join("data").join("safety.db");
    std::fs::write(&db, vec![0x5Au8; 8192]).expect("write");
    let o = s.run(&["reports", "check"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(&db.display().to_string()), "names the file: {err}");
    assert!(err.contains("not a vivify safety database, or damaged"), "{err}");
    assert!(err.contains("file is not a database"), "SQLite's cause kept: {err}");
    assert_eq!(err.matches("not a vivify safety database").count(), 1, "said once: {err}");
    assert_eq!(std::fs::read(&db).expect("read"), vec![0x5Au8; 8192], "the damaged file is left as it was");
}
