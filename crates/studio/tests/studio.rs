//! The studio over real HTTP: uploads, jobs, progress events, files with
//! byte ranges, the queue's limits and restarts, cancelling, and the access
//! rules. Every output that comes back is judged by ffmpeg/ffprobe and
//! ExifTool like the command line's.

#[path = "../../vivify/tests/common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use vivify_studio::store::{SqliteStore, Store};
use vivify_studio::{Server, Settings};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().into()
}

fn start(data: &Path, workers: usize, queue: usize) -> Server {
    let mut s = Settings::new(data);
    s.workers = workers;
    s.queue_limit = queue;
    Server::start(s, "127.0.0.1:0".parse().expect("addr")).expect("studio starts")
}

fn url(server: &Server, path: &str) -> String {
    format!("http://{}{}", server.addr, path)
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn answer(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
    let mut r = r.expect("the request reaches the studio");
    let status = r.status().as_u16();
    let headers =
        r.headers().iter().map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string())).collect();
    let body = r.body_mut().with_config().limit(1 << 30).read_to_vec().expect("read the body");
    Answer { status, headers, body }
}

fn get(server: &Server, path: &str) -> Answer {
    answer(agent().get(url(server, path)).call())
}

fn post_json(server: &Server, path: &str, body: &Value) -> Answer {
    answer(
        agent()
            .post(url(server, path))
            .header("X-Vivify-Request", "1")
            .header("Content-Type", "application/json")
            .send(body.to_string().as_bytes()),
    )
}

fn upload(server: &Server, name: &str, bytes: &[u8]) -> Answer {
    answer(
        agent()
            .post(url(server, &format!("/api/uploads?name={}", name.replace('/', "%2F").replace(' ', "%20"))))
            .header("X-Vivify-Request", "1")
            .header("Content-Type", "application/octet-stream")
            .send(bytes),
    )
}

fn photo() -> Vec<u8> {
    std::fs::read(common::fixtures().join("photos/temple.jpg")).expect("fixture photo")
}

/// A job small enough to render in a second or two.
fn small_job(upload: &str) -> Value {
    json!({"kind": "alive", "upload": upload, "duration": 1.0, "size": "320x240", "fps": 15})
}

/// Polls a job until it has finished (a hang guard, not a timing claim).
fn wait_done(server: &Server, id: &str) -> Value {
    let start = Instant::now();
    loop {
        let j = get(server, &format!("/api/jobs/{id}")).json();
        if ["done", "failed", "cancelled"].contains(&j["state"].as_str().unwrap_or("")) {
            return j;
        }
        assert!(start.elapsed() < Duration::from_secs(600), "job {id} did not finish: {j}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Reads a job's server-sent events until the stream ends: (event, data).
fn events(server: &Server, id: &str) -> Vec<(String, Value)> {
    let mut r = agent().get(url(server, &format!("/api/jobs/{id}/events"))).call().expect("events");
    assert_eq!(r.status().as_u16(), 200);
    let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    assert!(ct.starts_with("text/event-stream"), "{ct}");
    let reader = BufReader::new(r.body_mut().as_reader());
    let mut out = Vec::new();
    let mut event = String::new();
    for line in reader.lines() {
        let line = line.expect("event line");
        if let Some(e) = line.strip_prefix("event:") {
            event = e.trim().to_string();
        } else if let Some(d) = line.strip_prefix("data:") {
            out.push((event.clone(), serde_json::from_str(d.trim()).expect("event data is JSON")));
        }
    }
    out
}

fn save(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("save");
    p
}

#[test]
fn a_photo_comes_alive_over_http_with_progress_and_every_output() {
    let dir = common::temp_dir("studio-alive");
    let server = start(&dir.join("data"), 1, 8);
    let up = upload(&server, "temple.jpg", &photo());
    assert_eq!(up.status, 201, "{}", String::from_utf8_lossy(&up.body));
    let up = up.json();
    assert_eq!((up["kind"].as_str(), up["format"].as_str()), (Some("photo"), Some("jpeg")));
    assert!(
        up["width"].as_u64().expect("a number field") > 100 && up["height"].as_u64().expect("a number field") > 100
    );
    let id = up["id"].as_str().expect("a string field").to_string();
    assert_eq!(get(&server, &format!("/api/uploads/{id}/file")).body, photo(), "the upload is kept byte for byte");
    let ideas = get(&server, &format!("/api/uploads/{id}/ideas")).json();
    let prompts: Vec<&str> =
        ideas["ideas"].as_array().expect("ideas").iter().filter_map(|i| i["prompt"].as_str()).collect();
    assert!(prompts.contains(&"clouds drift left"), "the chips come from the photo's sky: {ideas}");
    assert!(ideas["default_plan"].as_array().is_some_and(|n| !n.is_empty()));

    let job = post_json(&server, "/api/jobs", &small_job(&id));
    assert_eq!(job.status, 202, "{}", String::from_utf8_lossy(&job.body));
    let job_id = job.json()["id"].as_str().expect("an id").to_string();
    let evs = events(&server, &job_id);
    let progress: Vec<&Value> = evs.iter().filter(|(e, _)| e == "progress").map(|(_, d)| d).collect();
    assert!(progress.iter().any(|p| p["phase"].as_str().is_some_and(|s| !s.is_empty())), "{evs:?}");
    assert!(
        progress.iter().any(|p| p["total"].as_u64().unwrap_or(0) > 0 && p["done"].as_u64().unwrap_or(0) > 0),
        "some phase reported steps: {progress:?}"
    );
    let (last, done) = evs.last().expect("a last event");
    assert_eq!((last.as_str(), done["state"].as_str()), ("state", Some("done")), "{done}");

    let job = wait_done(&server, &job_id);
    let files = job["files"].as_array().expect("an array field");
    let role = |r: &str| files.iter().find(|f| f["role"] == r).unwrap_or_else(|| panic!("no {r} in {files:?}"));
    let out = common::temp_dir("studio-alive-out");
    for (r, ct) in [
        ("video", "video/mp4"),
        ("live_still", "image/jpeg"),
        ("live_video", "video/quicktime"),
        ("motion_photo", "image/jpeg"),
        ("explain_contact", "image/png"),
    ] {
        let f = role(r);
        let name = f["name"].as_str().expect("a string field");
        let a = get(&server, &format!("/api/jobs/{job_id}/files/{name}?download=1"));
        assert_eq!(a.status, 200);
        assert_eq!(a.header("content-type"), Some(ct), "{name}");
        assert_eq!(a.body.len() as u64, f["bytes"].as_u64().expect("a number field"));
        let cd = a.header("content-disposition").unwrap_or("");
        assert!(cd.starts_with("attachment") && cd.contains(&format!("temple.{name}")), "{cd}");
        save(&out, name, &a.body);
    }
    common::assert_decodes(&out.join(role("video")["name"].as_str().expect("a string field")));
    common::assert_decodes(&out.join(role("live_video")["name"].as_str().expect("a string field")));
    // The Live pair shares one content identifier; the Motion Photo says
    // where its video is; both as ExifTool reads them.
    let still = out.join(role("live_still")["name"].as_str().expect("a string field"));
    let mov = out.join(role("live_video")["name"].as_str().expect("a string field"));
    if let (Some(a), Some(b)) =
        (common::exif_tag(&still, &["-ContentIdentifier"]), common::exif_tag(&mov, &["-ContentIdentifier"]))
    {
        assert!(!a.is_empty() && a == b, "content identifiers {a:?} {b:?}");
    }
    let pair =
        get(&server, &format!("/api/jobs/{job_id}/files/{}", role("live_pair_zip")["name"].as_str().expect("a name")));
    let mut names = zip_names(&pair.body);
    names.sort();
    assert_eq!(names, ["temple.alive.JPG", "temple.alive.MOV"]);
    let pvt = get(&server, &format!("/api/jobs/{job_id}/files/{}", role("pvt")["name"].as_str().expect("a name")));
    let mut names = zip_names(&pvt.body);
    names.sort();
    assert_eq!(names, ["temple.alive.pvt/alive.JPG", "temple.alive.pvt/alive.MOV", "temple.alive.pvt/metadata.plist"]);
    let motion = out.join(role("motion_photo")["name"].as_str().expect("a string field"));
    if let Some(v) = common::exif_tag(&motion, &["-MotionPhoto"]) {
        assert_eq!(v, "1");
    }

    // Byte ranges, as a video player asks for them.
    let name = role("video")["name"].as_str().expect("a string field");
    let whole = std::fs::read(out.join(name)).expect("saved video");
    let part = answer(
        agent().get(url(&server, &format!("/api/jobs/{job_id}/files/{name}"))).header("Range", "bytes=100-199").call(),
    );
    assert_eq!(part.status, 206);
    assert_eq!(part.header("content-range"), Some(format!("bytes 100-199/{}", whole.len()).as_str()));
    assert_eq!(part.body, &whole[100..200]);
    let outside = answer(
        agent()
            .get(url(&server, &format!("/api/jobs/{job_id}/files/{name}")))
            .header("Range", format!("bytes={}-", whole.len() + 5))
            .call(),
    );
    assert_eq!(outside.status, 416);
    // Only the job's own files, never a path.
    for bad in ["..%2F..%2Fstudio.db", "alive.mp4.part", "studio.db"] {
        assert_eq!(get(&server, &format!("/api/jobs/{job_id}/files/{bad}")).status, 404, "{bad}");
    }
    server.stop();
}

#[test]
fn hostile_uploads_get_clear_4xx_answers() {
    let dir = common::temp_dir("studio-hostile");
    let data = dir.join("data");
    let server = start(&data, 0, 8);
    let kind = |a: &Answer| a.json()["kind"].as_str().unwrap_or("").to_string();

    let text = upload(&server, "notes.jpg", b"this is not a photo at all, whatever its name says");
    assert_eq!((text.status, kind(&text).as_str()), (415, "unsupported_media"));
    let empty = upload(&server, "x.jpg", b"");
    assert_eq!((empty.status, kind(&empty).as_str()), (400, "bad_request"));

    // A PNG whose header claims 50,000 × 50,000 pixels (a decompression bomb).
    let mut bomb = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bomb.extend_from_slice(&50_000u32.to_be_bytes());
    bomb.extend_from_slice(&50_000u32.to_be_bytes());
    bomb.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    let a = upload(&server, "bomb.png", &bomb);
    assert_eq!((a.status, kind(&a).as_str()), (413, "too_large"), "{}", a.json());
    assert!(a.json()["message"].as_str().expect("a string field").contains("50000x50000"));

    // A JPEG over the photo limit (a real photo's start, padded): refused
    // before anything reads it whole.
    let mut huge = photo();
    huge.resize((vivify::limits::MAX_PHOTO_BYTES + 1) as usize, 0);
    let a = upload(&server, "huge.jpg", &huge);
    assert_eq!((a.status, kind(&a).as_str()), (413, "too_large"), "{}", a.json());
    assert!(a.json()["message"].as_str().expect("a message").contains("photo limit"));

    // A truncated MP4: the first 4 kB of a real one.
    let mp4 = std::fs::read(common::sample("apple_iphone15plus_ios18.2_IMG_3853.MOV")).expect("sample");
    let a = upload(&server, "cut.mov", &mp4[..4096]);
    assert_eq!((a.status, kind(&a).as_str()), (422, "bad_input"), "{}", a.json());
    assert!(a.json()["message"].as_str().expect("a string field").starts_with("cut.mov"));

    // A claimed 2 GB body is refused before a byte of it is read.
    let mut s = std::net::TcpStream::connect(server.addr).expect("connect");
    write!(
        s,
        "POST /api/uploads?name=big.mov HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Vivify-Request: 1\r\nContent-Length: 2147483648\r\n\r\n"
    )
    .expect("send the head");
    s.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !String::from_utf8_lossy(&got).contains('}') {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&got);
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(head.contains("too_large"), "{head}");

    // A name with ../ is only a name: stored by id, shown by its last part.
    let a = upload(&server, "../../escape/../passwd.jpg", &photo());
    assert_eq!(a.status, 201);
    assert_eq!(a.json()["name"], "passwd.jpg");
    let stored: Vec<String> = std::fs::read_dir(data.join("uploads"))
        .expect("uploads folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        stored,
        [a.json()["id"].as_str().expect("an id").to_string()],
        "one file, named by its id, nothing partial"
    );
    assert!(!dir.join("escape").exists() && !dir.join("passwd.jpg").exists());

    // Jobs on things that are not there, or not photos.
    let a = post_json(&server, "/api/jobs", &json!({"kind": "alive", "upload": "0".repeat(32)}));
    assert_eq!((a.status, kind(&a).as_str()), (404, "not_found"));
    let a = post_json(&server, "/api/jobs", &json!({"kind": "alive", "upload": "../../etc"}));
    assert_eq!((a.status, kind(&a).as_str()), (400, "bad_request"));
    let a = post_json(&server, "/api/jobs", &json!({"kind": "alive", "upload": a_upload(&server), "duration": 99}));
    assert_eq!((a.status, kind(&a).as_str()), (400, "bad_request"));
    assert!(a.json()["message"].as_str().expect("a string field").contains("duration"));
    let a = post_json(&server, "/api/jobs", &json!({"kind": "teleport"}));
    assert_eq!((a.status, kind(&a).as_str()), (400, "bad_request"));
    server.stop();
}

fn a_upload(server: &Server) -> String {
    upload(server, "p.jpg", &photo()).json()["id"].as_str().expect("an id").to_string()
}

#[test]
fn a_full_queue_answers_429_and_a_restart_runs_every_accepted_job() {
    let dir = common::temp_dir("studio-queue");
    let data = dir.join("data");
    let server = start(&data, 0, 2);
    let id = a_upload(&server);
    let tiny = json!({"kind": "alive", "upload": id, "duration": 0.5, "size": "160x120", "fps": 10,
                      "live": false, "motion": false, "explain": false});
    let a = post_json(&server, "/api/jobs", &tiny);
    let b = post_json(&server, "/api/jobs", &tiny);
    assert_eq!((a.status, b.status), (202, 202));
    let full = post_json(&server, "/api/jobs", &tiny);
    assert_eq!(full.status, 429);
    assert_eq!(full.json()["kind"], "queue_full");
    let retry: u64 = full.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert!(retry >= 1);
    let health = get(&server, "/api/health").json();
    assert_eq!((health["queued"].as_u64(), health["queue_limit"].as_u64()), (Some(2), Some(2)));
    server.stop();

    // One of them was "running" when the server died: a worker of another
    // process claimed it and never finished.
    let store = SqliteStore::open(&data.join("studio.db")).expect("store");
    let claimed = store.claim("gone", std::time::Duration::from_secs(600), 3).expect("claim").expect("a queued job");
    drop(store);

    let server = start(&data, 1, 2);
    for j in [a.json(), b.json()] {
        let id = j["id"].as_str().expect("a string field");
        let done = wait_done(&server, id);
        assert_eq!(done["state"], "done", "{done}");
        let attempts = done["attempts"].as_u64().expect("a number field");
        assert_eq!(attempts, if id == claimed.id { 2 } else { 1 });
        let f = &done["files"][0];
        assert_eq!(f["role"], "video");
        let bytes = get(&server, &format!("/api/jobs/{id}/files/{}", f["name"].as_str().expect("a string field"))).body;
        let p = save(&dir, &format!("{id}.mp4"), &bytes);
        common::assert_decodes(&p);
    }
    server.stop();
}

#[test]
fn jobs_cancel_while_queued_and_while_running() {
    let dir = common::temp_dir("studio-cancel");
    let data = dir.join("data");
    let server = start(&data, 0, 8);
    let id = a_upload(&server);
    let queued = post_json(&server, "/api/jobs", &small_job(&id)).json();
    let qid = queued["id"].as_str().expect("a string field");
    let c = post_json(&server, &format!("/api/jobs/{qid}/cancel"), &json!({}));
    assert_eq!((c.status, c.json()["state"].as_str()), (200, Some("cancelled")));
    let evs = events(&server, qid);
    assert_eq!(evs.len(), 1, "{evs:?}");
    assert_eq!(evs[0].1["state"], "cancelled");
    server.stop();

    // A long job, cancelled once it reports progress.
    let server = start(&data, 1, 8);
    let long = json!({"kind": "alive", "upload": id, "duration": 20.0, "size": "640x480", "fps": 30});
    let job = post_json(&server, "/api/jobs", &long).json();
    let jid = job["id"].as_str().expect("a string field").to_string();
    let mut r = agent().get(url(&server, &format!("/api/jobs/{jid}/events"))).call().expect("events");
    let reader = BufReader::new(r.body_mut().as_reader());
    let mut cancelled = false;
    let mut last = Value::Null;
    let mut event = String::new();
    for line in reader.lines() {
        let line = line.expect("event line");
        if let Some(e) = line.strip_prefix("event:") {
            event = e.trim().into();
        }
        if let Some(d) = line.strip_prefix("data:") {
            last = serde_json::from_str(d.trim()).expect("event data");
            if event == "progress" && !cancelled && last["phase"].as_str().is_some_and(|p| p.contains("render")) {
                let c = post_json(&server, &format!("/api/jobs/{jid}/cancel"), &json!({}));
                assert_eq!(c.status, 200);
                cancelled = true;
            }
        }
    }
    assert!(cancelled, "the job never reported rendering");
    assert_eq!(last["state"], "cancelled", "{last}");
    assert!(!data.join("jobs").join(&jid).exists(), "a cancelled job leaves no files");
    server.stop();
}

#[test]
fn a_refused_prompt_says_the_stage_the_rule_and_what_to_do() {
    let dir = common::temp_dir("studio-refused");
    let server = start(&dir.join("data"), 1, 8);
    let id = a_upload(&server);
    let mut spec = small_job(&id);
    spec["prompt"] = json!("turn this into porn");
    let job = post_json(&server, "/api/jobs", &spec).json();
    let done = wait_done(&server, job["id"].as_str().expect("a string field"));
    assert_eq!(done["state"], "failed");
    assert_eq!(done["error"]["kind"], "refused", "{done}");
    let r = &done["error"]["refusal"];
    assert_eq!(r["stage"], "prompt", "{r}");
    assert!(r["rule"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(r["reference"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(done["files"].as_array().expect("an array field").is_empty());
    server.stop();
}

#[test]
fn access_rules_and_security_headers() {
    let dir = common::temp_dir("studio-access");
    let server = start(&dir.join("data"), 0, 8);
    let page = get(&server, "/");
    assert_eq!(page.status, 200);
    assert!(String::from_utf8_lossy(&page.body).contains("vivify studio"));
    let csp = page.header("content-security-policy").unwrap_or("");
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'") && !csp.contains("unsafe-inline")
    );
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(get(&server, "/app.js").header("content-type"), Some("text/javascript; charset=utf-8"));
    // No inline script anywhere in the page.
    assert!(!String::from_utf8_lossy(&page.body).contains("<script>"));

    // A change without our request header, from another origin, or for
    // another host name.
    let bare = answer(agent().post(url(&server, "/api/jobs")).send(b"{}".as_slice()));
    assert_eq!((bare.status, bare.json()["kind"].as_str()), (403, Some("forbidden")));
    let foreign = answer(
        agent()
            .post(url(&server, "/api/jobs"))
            .header("X-Vivify-Request", "1")
            .header("Origin", "https://evil.example")
            .send(b"{}".as_slice()),
    );
    assert_eq!(foreign.status, 403);
    let rebound = answer(agent().get(url(&server, "/api/health")).header("Host", "evil.example:8080").call());
    assert_eq!(rebound.status, 403);
    let missing = get(&server, "/api/nothing");
    assert_eq!((missing.status, missing.json()["kind"].as_str()), (404, Some("not_found")));
    assert!(missing.json()["reference"].as_str().is_some_and(|r| r.starts_with("req-")));
    let odd = get(&server, "/api/jobs/..%2F..%2Fetc");
    assert_eq!(odd.status, 404);
    server.stop();

    // Off loopback only with a token; with one, every request carries it.
    let mut s = Settings::new(dir.join("data2"));
    s.workers = 0;
    let e = Server::start(s.clone(), "0.0.0.0:0".parse().expect("addr")).err().expect("refused without a token");
    assert!(e.to_string().contains("--token"), "{e}");
    s.token = Some("short".into());
    assert!(Server::start(s.clone(), "127.0.0.1:0".parse().expect("addr")).is_err(), "a short token is refused");
    let token = "studio-token-0123456789";
    s.token = Some(token.into());
    let server = Server::start(s, "127.0.0.1:0".parse().expect("addr")).expect("starts with a token");
    assert_eq!(get(&server, "/api/health").status, 401);
    assert_eq!(get(&server, "/").status, 401);
    let with =
        answer(agent().get(url(&server, "/api/health")).header("Authorization", format!("Bearer {token}")).call());
    assert_eq!(with.status, 200);
    let wrong = answer(
        agent().get(url(&server, "/api/health")).header("Authorization", "Bearer studio-token-0123456780").call(),
    );
    assert_eq!(wrong.status, 401);
    let link = get(&server, &format!("/?token={token}"));
    assert_eq!(link.status, 303);
    let cookie = link.header("set-cookie").unwrap_or("").to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let pair = cookie.split(';').next().expect("name=value").to_string();
    let by_cookie = answer(agent().get(url(&server, "/api/health")).header("Cookie", &pair).call());
    assert_eq!(by_cookie.status, 200);
    server.stop();
}

#[test]
fn the_openapi_document_describes_every_call() {
    let dir = common::temp_dir("studio-openapi");
    let server = start(&dir.join("data"), 0, 8);
    let doc = get(&server, "/api/openapi.json").json();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "{}", doc["openapi"]);
    let paths = doc["paths"].as_object().expect("an object field");
    for p in [
        "/api/health",
        "/api/uploads",
        "/api/uploads/{id}",
        "/api/uploads/{id}/file",
        "/api/jobs",
        "/api/jobs/{id}",
        "/api/jobs/{id}/cancel",
        "/api/jobs/{id}/events",
        "/api/jobs/{id}/files/{name}",
    ] {
        assert!(paths.contains_key(p), "{p} missing from {:?}", paths.keys().collect::<Vec<_>>());
    }
    for s in ["Upload", "JobView", "AliveSpec", "ApiError", "JobSpec"] {
        assert!(doc["components"]["schemas"].get(s).is_some(), "schema {s}");
    }
    server.stop();
}

/// The entry names of a zip the studio wrote.
fn zip_names(bytes: &[u8]) -> Vec<String> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    (0..z.len()).map(|i| z.by_index(i).expect("entry").name().to_string()).collect()
}

#[test]
fn a_video_becomes_a_live_photo_with_the_moment_and_key_photo_moved() {
    let dir = common::temp_dir("studio-video");
    let server = start(&dir.join("data"), 1, 8);
    let clip = vivify::demo::example_clip(640, 360, 30, 4.0).expect("example clip");
    let up = upload(&server, "clip.mp4", &clip);
    assert_eq!(up.status, 201, "{}", String::from_utf8_lossy(&up.body));
    let up = up.json();
    assert_eq!((up["kind"].as_str(), up["format"].as_str()), (Some("video"), Some("mp4")));
    let length = up["duration_s"].as_f64().expect("a length");
    assert!((length - 4.0).abs() < 0.1, "{length}");
    let id = up["id"].as_str().expect("an id").to_string();
    let ideas = get(&server, &format!("/api/uploads/{id}/ideas"));
    assert_eq!(ideas.status, 400, "ideas are for photos");

    // The filmstrip and the automatic moment.
    let p = post_json(&server, "/api/jobs", &json!({"kind": "video_preview", "upload": id, "frames": 8, "height": 72}));
    assert_eq!(p.status, 202, "{}", String::from_utf8_lossy(&p.body));
    let p = wait_done(&server, p.json()["id"].as_str().expect("an id"));
    assert_eq!(p["state"], "done", "{p}");
    let r = &p["result"];
    let (a, b, k) = (
        r["start_s"].as_f64().unwrap_or(-1.0),
        r["end_s"].as_f64().unwrap_or(-1.0),
        r["still_s"].as_f64().unwrap_or(-1.0),
    );
    assert!(0.0 <= a && a < b && b <= length + 1e-6 && (a..=b).contains(&k), "{a} {b} {k}");
    assert!(!r["reasons"].as_array().expect("reasons").is_empty());
    let frames = r["frames"].as_array().expect("frames");
    assert_eq!(frames.len(), 8);
    let times: Vec<f64> = frames.iter().map(|f| f["time_s"].as_f64().expect("a time")).collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]) && times[7] <= length, "{times:?}");
    let pid = p["id"].as_str().expect("an id");
    for f in frames {
        let a = get(&server, &format!("/api/jobs/{pid}/files/{}", f["name"].as_str().expect("a name")));
        assert_eq!((a.status, a.header("content-type")), (200, Some("image/jpeg")));
        assert!(a.body.starts_with(&[0xFF, 0xD8, 0xFF]));
    }
    let first = save(&dir, "frame.jpg", &get(&server, &format!("/api/jobs/{pid}/files/frame-00.jpg")).body);
    if let Some(h) = common::exif_tag(&first, &["-ImageHeight"]) {
        assert_eq!(h, "72");
    }

    // A moment of our own, the key photo moved inside it, every output.
    let spec =
        json!({"kind": "live", "upload": id, "start": 1.0, "end": 2.5, "still": 2.0, "pvt": true, "samsung": true});
    let j = post_json(&server, "/api/jobs", &spec);
    assert_eq!(j.status, 202, "{}", String::from_utf8_lossy(&j.body));
    let j = wait_done(&server, j.json()["id"].as_str().expect("an id"));
    assert_eq!(j["state"], "done", "{j}");
    let r = &j["result"];
    assert!((r["still_s"].as_f64().expect("still") - 2.0).abs() < 0.04, "{r}");
    assert!((r["start_s"].as_f64().expect("start") - 1.0).abs() < 0.04, "{r}");
    let jid = j["id"].as_str().expect("an id");
    let files = j["files"].as_array().expect("files");
    let get_role = |role: &str| -> (String, Vec<u8>) {
        let f = files.iter().find(|f| f["role"] == role).unwrap_or_else(|| panic!("no {role} in {files:?}"));
        let name = f["name"].as_str().expect("a name").to_string();
        let a = get(&server, &format!("/api/jobs/{jid}/files/{name}?download=1"));
        assert_eq!(a.status, 200);
        let cd = a.header("content-disposition").unwrap_or("").to_string();
        assert!(cd.contains(&format!("clip.{name}")), "{cd}");
        (name, a.body)
    };
    let (still_name, still) = get_role("live_still");
    let (mov_name, mov) = get_role("live_video");
    let still = save(&dir, &still_name, &still);
    let mov = save(&dir, &mov_name, &mov);
    common::assert_decodes(&mov);
    if let (Some(x), Some(y)) =
        (common::exif_tag(&still, &["-ContentIdentifier"]), common::exif_tag(&mov, &["-ContentIdentifier"]))
    {
        assert!(!x.is_empty() && x == y, "{x} {y}");
    }
    let (motion_name, motion) = get_role("motion_photo");
    let motion = save(&dir, &motion_name, &motion);
    if let Some(v) = common::exif_tag(&motion, &["-MotionPhoto"]) {
        assert_eq!(v, "1");
    }
    let (_, pair) = get_role("live_pair_zip");
    let mut names = zip_names(&pair);
    names.sort();
    assert_eq!(names, ["clip.live.JPG", "clip.live.MOV"]);
    let (_, pvt) = get_role("pvt");
    let mut names = zip_names(&pvt);
    names.sort();
    assert_eq!(names, ["clip.live.pvt/live.JPG", "clip.live.pvt/live.MOV", "clip.live.pvt/metadata.plist"]);
    // For a page's player, the MOV is offered as MP4 (same bytes).
    let play = get(&server, &format!("/api/jobs/{jid}/files/{mov_name}?play=1"));
    assert_eq!(play.header("content-type"), Some("video/mp4"));
    assert_eq!(play.body, std::fs::read(&mov).expect("saved MOV"));

    // Moments the API refuses, each in words.
    for (bad, says) in [
        (json!({"kind": "live", "upload": id, "start": 1.0}), "give both"),
        (json!({"kind": "live", "upload": id, "start": 2.0, "end": 1.0}), "start before end"),
        (json!({"kind": "live", "upload": id, "start": 1.0, "end": 2.0, "still": 3.0}), "outside the moment"),
        (json!({"kind": "live", "upload": id, "live": false, "motion": false}), "nothing to make"),
        (json!({"kind": "video_preview", "upload": id, "frames": 500}), "frames"),
        (json!({"kind": "alive", "upload": id}), "needs a photo"),
    ] {
        let a = post_json(&server, "/api/jobs", &bad);
        assert_eq!(a.status, 400, "{bad}");
        let m = a.json()["message"].as_str().unwrap_or("").to_string();
        assert!(m.contains(says), "{bad}: {m}");
    }
    server.stop();
}

#[test]
fn an_iphone_video_gets_a_filmstrip() {
    let dir = common::temp_dir("studio-iphone");
    let server = start(&dir.join("data"), 1, 8);
    let mov = std::fs::read(common::sample("apple_iphone15promax_ios26.1_apple.MOV")).expect("sample");
    let up = upload(&server, "IMG_0001.MOV", &mov).json();
    assert_eq!(
        (up["kind"].as_str(), up["format"].as_str(), up["role"].as_str()),
        (Some("video"), Some("mov"), Some("live_movie"))
    );
    let p = post_json(&server, "/api/jobs", &json!({"kind": "video_preview", "upload": up["id"], "frames": 6}));
    let p = wait_done(&server, p.json()["id"].as_str().expect("an id"));
    assert_eq!(p["state"], "done", "{p}");
    assert_eq!(p["result"]["frames"].as_array().map(Vec::len), Some(6));
    // Its Live Photo keeps the HEVC movie (copied) and adds an H.264 copy
    // of the moment for browsers, which is not offered as a download.
    let j = post_json(&server, "/api/jobs", &json!({"kind": "live", "upload": up["id"], "motion": false}));
    let j = wait_done(&server, j.json()["id"].as_str().expect("an id"));
    assert_eq!(j["state"], "done", "{j}");
    let roles: Vec<&str> = j["files"].as_array().expect("files").iter().filter_map(|f| f["role"].as_str()).collect();
    assert!(roles.contains(&"preview") && roles.contains(&"live_video"), "{roles:?}");
    let jid = j["id"].as_str().expect("an id");
    let codec = |name: &str| {
        let bytes = get(&server, &format!("/api/jobs/{jid}/files/{name}")).body;
        let p = save(&dir, name, &bytes);
        common::assert_decodes(&p);
        vivify::inspect::inspect_path(&p).expect("inspect").video.expect("a video").codec
    };
    assert_eq!(codec("live.MOV"), "hvc1", "the Live Photo's movie is the camera's, copied");
    assert_eq!(codec("live.preview.mp4"), "avc1", "the preview is H.264");
    server.stop();
}

#[test]
fn live_pairs_and_motion_photos_convert_both_ways_and_say_what_they_are() {
    let dir = common::temp_dir("studio-convert");
    let server = start(&dir.join("data"), 1, 8);
    let heic = std::fs::read(common::sample("apple_iphone15promax_ios26.1_apple.HEIC")).expect("sample");
    let mov = std::fs::read(common::sample("apple_iphone15promax_ios26.1_apple.MOV")).expect("sample");
    // Named so that no name pairs them: the content identifier does.
    let still = upload(&server, "IMG_1.HEIC", &heic).json();
    let movie = upload(&server, "another name.MOV", &mov).json();
    let plain = upload(&server, "temple.jpg", &photo()).json();
    assert_eq!((still["role"].as_str(), movie["role"].as_str()), (Some("live_still"), Some("live_movie")));

    let look = |u: &Value| get(&server, &format!("/api/uploads/{}/inspect", u["id"].as_str().expect("an id"))).json();
    let a = look(&still);
    assert_eq!(a["headline"], "Live Photo still (HEIF)", "{a}");
    assert!(a["details"]
        .as_array()
        .expect("details")
        .iter()
        .any(|d| d.as_str().is_some_and(|d| d.starts_with("content identifier: "))));
    assert!(a["credentials"].as_str().is_some_and(|c| !c.is_empty()));
    assert_eq!(a["inspect"]["path"], "IMG_1.HEIC", "the server's path never shows");
    let b = look(&movie);
    assert_eq!(b["headline"], "Live Photo movie (QuickTime)", "{b}");
    assert_eq!(look(&plain)["headline"], "not a Live or Motion Photo (JPEG)");

    let ids: Vec<&str> = [&still, &movie, &plain].iter().map(|u| u["id"].as_str().expect("an id")).collect();
    let j = post_json(&server, "/api/jobs", &json!({"kind": "convert", "to": "motion", "uploads": ids}));
    assert_eq!(j.status, 202, "{}", String::from_utf8_lossy(&j.body));
    let j = wait_done(&server, j.json()["id"].as_str().expect("an id"));
    assert_eq!(j["state"], "done", "{j}");
    let r = &j["result"];
    assert_eq!(r["converted"].as_array().map(Vec::len), Some(1), "{r}");
    let skipped = r["skipped"].as_array().expect("skipped");
    assert!(
        skipped
            .iter()
            .any(|k| k["file"] == "temple.jpg" && k["reason"].as_str().is_some_and(|t| !t.contains("/input/"))),
        "{skipped:?}"
    );
    let f = &j["files"][0];
    assert_eq!((f["name"].as_str(), f["role"].as_str()), (Some("IMG_1.MP.heic"), Some("motion_photo")));
    let jid = j["id"].as_str().expect("an id");
    let got = get(&server, &format!("/api/jobs/{jid}/files/IMG_1.MP.heic?download=1"));
    assert!(got.header("content-disposition").unwrap_or("").contains("filename=\"IMG_1.MP.heic\""));
    let mp = save(&dir, "IMG_1.MP.heic", &got.body);
    assert_eq!(vivify::inspect::inspect_path(&mp).expect("inspect").headline(), "Motion Photo (HEIF)");

    // And back: the Motion Photo to a Live pair.
    let again = upload(&server, "IMG_1.MP.heic", &got.body).json();
    assert_eq!(again["role"], "motion_photo");
    // Its video, on its own, for a page to play.
    let video = get(&server, &format!("/api/uploads/{}/motion", again["id"].as_str().expect("an id")));
    assert_eq!((video.status, video.header("content-type")), (200, Some("video/mp4")));
    common::assert_decodes(&save(&dir, "embedded.mp4", &video.body));
    let part = answer(
        agent()
            .get(url(&server, &format!("/api/uploads/{}/motion", again["id"].as_str().expect("an id"))))
            .header("Range", "bytes=4-11")
            .call(),
    );
    assert_eq!((part.status, part.body.as_slice()), (206, &video.body[4..12]));
    assert_eq!(part.body[..4].to_vec(), b"ftyp".to_vec(), "the window starts at the video's own first box");
    let plain_motion = get(&server, &format!("/api/uploads/{}/motion", plain["id"].as_str().expect("an id")));
    assert_eq!(plain_motion.status, 404);
    let j = post_json(&server, "/api/jobs", &json!({"kind": "convert", "to": "live", "uploads": [again["id"]]}));
    let j = wait_done(&server, j.json()["id"].as_str().expect("an id"));
    assert_eq!(j["state"], "done", "{j}");
    let roles: Vec<&str> = j["files"].as_array().expect("files").iter().filter_map(|f| f["role"].as_str()).collect();
    assert!(roles.contains(&"live_still") && roles.contains(&"live_video"), "{roles:?}");
    let bad = post_json(&server, "/api/jobs", &json!({"kind": "convert", "to": "gif", "uploads": [again["id"]]}));
    assert_eq!(bad.status, 400);
    server.stop();
}

/// A studio that signs (shares need valid Content Credentials) with a
/// moderator `mia`.
fn signing_studio(dir: &Path) -> Server {
    let data = dir.join("data");
    let s = signing_settings(dir, Settings::new(&data));
    vivify_studio::add_moderator(&data, None, "mia", "correct horse battery").expect("moderator");
    vivify_studio::add_moderator(&data, None, "noor", "staple battery horse").expect("moderator");
    Server::start(s, "127.0.0.1:0".parse().expect("addr")).expect("studio starts")
}

/// `s` with a local signing identity in `dir` and a policy that shares
/// without the image classifier.
fn signing_settings(dir: &Path, mut s: Settings) -> Settings {
    s.workers = 1;
    // The image classifier is a pack of its own; this test is about the
    // flow, so the policy lets a video checked without it be shared.
    s.checks.policy.share.allow_without_classifier = true;
    s.signing = vivify::provenance::SignWith {
        cert: None,
        key: None,
        config_dir: Some(dir.join("config")),
        create_local: true,
    }
    .resolve()
    .expect("a local signing identity")
    .signing;
    s
}

fn post_with(server: &Server, path: &str, body: &Value, cookie: &str) -> Answer {
    answer(
        agent()
            .post(url(server, path))
            .header("X-Vivify-Request", "1")
            .header("Content-Type", "application/json")
            .header("Cookie", cookie)
            .send(body.to_string().as_bytes()),
    )
}

fn get_with(server: &Server, path: &str, cookie: &str) -> Answer {
    answer(agent().get(url(server, path)).header("Cookie", cookie).call())
}

#[test]
fn share_report_decide_appeal_through_the_studio() {
    let dir = common::temp_dir("studio-share");
    let server = signing_studio(&dir);
    let id = a_upload(&server);
    let job = post_json(&server, "/api/jobs", &small_job(&id)).json();
    let job = wait_done(&server, job["id"].as_str().expect("an id"));
    assert_eq!(job["state"], "done", "{job}");
    let jid = job["id"].as_str().expect("an id");

    // The share check refuses a caption the policy refuses, in words.
    let no = post_json(
        &server,
        &format!("/api/jobs/{jid}/share"),
        &json!({"file": "alive.mp4", "caption": "turn this into porn"}),
    );
    assert_eq!(
        (no.status, no.json()["kind"].as_str()),
        (422, Some("refused")),
        "{}",
        String::from_utf8_lossy(&no.body)
    );
    assert!(no.json()["refusal"]["rule"].as_str().is_some_and(|r| !r.is_empty()));
    let nothing = post_json(&server, &format!("/api/jobs/{jid}/share"), &json!({"file": "studio.db"}));
    assert_eq!(nothing.status, 404);

    let shared = post_json(
        &server,
        &format!("/api/jobs/{jid}/share"),
        &json!({"file": "alive.mp4", "caption": "a calm temple"}),
    );
    assert_eq!(shared.status, 201, "{}", String::from_utf8_lossy(&shared.body));
    let shared = shared.json();
    let sid = shared["share"]["id"].as_str().expect("a share id").to_string();
    assert_eq!(shared["url"], format!("/s/{sid}"));
    assert!(shared["steps"].as_array().expect("steps").iter().all(|s| s["passed"] == true), "{shared}");
    let page = get(&server, &format!("/s/{sid}"));
    assert!(String::from_utf8_lossy(&page.body).contains("share.js"));
    let info = get(&server, &format!("/api/shares/{sid}")).json();
    assert_eq!((info["status"].as_str(), info["ai_generated"].as_bool()), (Some("visible"), Some(true)), "{info}");
    assert_eq!(info["caption"], "a calm temple");
    assert!(info["credentials"].as_str().is_some_and(|c| !c.is_empty()));
    assert_eq!(info["reasons"].as_array().map(Vec::len), Some(11));
    let media = get(&server, &format!("/api/shares/{sid}/media"));
    assert_eq!((media.status, media.header("content-type")), (200, Some("video/mp4")));
    assert_eq!(media.body, get(&server, &format!("/api/jobs/{jid}/files/alive.mp4")).body);

    // Anyone may report; an urgent reason hides the item at once.
    let bad = post_json(&server, &format!("/api/shares/{sid}/reports"), &json!({"reason": "ugly"}));
    assert_eq!(bad.status, 400);
    let r = post_json(
        &server,
        &format!("/api/shares/{sid}/reports"),
        &json!({"reason": "nonconsensual_intimate", "details": "that is me, I never agreed", "reporter": "sam@example.org"}),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["hidden"], true);
    assert_eq!(get(&server, &format!("/api/shares/{sid}")).json()["status"], "hidden");
    assert_eq!(get(&server, &format!("/api/shares/{sid}/media")).status, 410);
    // Ten reports per address per ten minutes.
    let mut limited = None;
    for _ in 0..12 {
        let a = post_json(&server, &format!("/api/shares/{sid}/reports"), &json!({"reason": "spam"}));
        if a.status == 429 {
            limited = Some(a);
            break;
        }
        assert_eq!(a.status, 201);
    }
    let limited = limited.expect("the eleventh report is refused");
    assert_eq!(limited.json()["kind"], "rate_limited");
    assert!(limited.header("retry-after").is_some());

    // A moderator signs in, takes the case, removes the item.
    assert_eq!(get(&server, "/api/moderation/cases").status, 401);
    let wrong = post_json(&server, "/api/login", &json!({"name": "mia", "password": "wrong password here"}));
    assert_eq!(wrong.status, 401);
    let unknown = post_json(&server, "/api/login", &json!({"name": "nobody", "password": "correct horse battery"}));
    assert_eq!(unknown.status, 401);
    let login = post_json(&server, "/api/login", &json!({"name": "mia", "password": "correct horse battery"}));
    assert_eq!(login.status, 200);
    let set = login.header("set-cookie").unwrap_or("").to_string();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
    let cookie = set.split(';').next().expect("name=value").to_string();
    assert_eq!(get_with(&server, "/api/me", &cookie).json()["moderator"], "mia");
    let queue = get_with(&server, "/api/moderation/cases", &cookie).json();
    assert_eq!(queue.as_array().map(Vec::len), Some(1), "{queue}");
    let case = post_with(&server, "/api/moderation/next", &json!({}), &cookie).json();
    let case_id = case["id"].as_i64().expect("a case id");
    assert_eq!(case["state"], "reviewing");
    assert!(case["reports"].as_array().is_some_and(|r| r.len() >= 2));
    assert_eq!(case["shares"][0]["id"], sid.as_str());
    let review = get_with(&server, case["shares"][0]["review_media"].as_str().expect("media"), &cookie);
    assert_eq!(review.status, 200, "a moderator sees the hidden item");
    let no_facts = post_with(
        &server,
        &format!("/api/moderation/cases/{case_id}/decide"),
        &json!({"action": "remove", "facts": " "}),
        &cookie,
    );
    assert_eq!(no_facts.status, 400);
    let decided = post_with(
        &server,
        &format!("/api/moderation/cases/{case_id}/decide"),
        &json!({"action": "remove", "category": "nonconsensual_intimate", "facts": "the person shown says they did not agree"}),
        &cookie,
    );
    assert_eq!(decided.status, 200, "{}", String::from_utf8_lossy(&decided.body));
    assert_eq!(decided.json()["state"], "actioned");
    assert!(decided.json()["statement"].is_object(), "a statement of reasons");
    let again = post_with(
        &server,
        &format!("/api/moderation/cases/{case_id}/decide"),
        &json!({"action": "dismiss", "facts": "second thoughts"}),
        &cookie,
    );
    assert_eq!((again.status, again.json()["kind"].as_str()), (409, Some("conflict")));
    assert_eq!(get(&server, &format!("/api/shares/{sid}")).json()["status"], "removed");
    assert_eq!(get(&server, &format!("/api/shares/{sid}/media")).status, 410);

    // The uploader appeals; a moderator reverses; the item is back.
    let appeal = post_json(
        &server,
        &format!("/api/shares/{sid}/appeal"),
        &json!({"reason": "this is a temple, nobody is in it"}),
    );
    assert_eq!(appeal.status, 200, "{}", String::from_utf8_lossy(&appeal.body));
    let appeal_decision = json!({"outcome": "reverse", "facts": "the photo shows a building and a crowd far away"});
    let own = post_with(&server, &format!("/api/moderation/cases/{case_id}/appeal"), &appeal_decision, &cookie);
    assert_eq!(own.status, 409, "the moderator who removed it may not judge the appeal");
    let noor = post_json(&server, "/api/login", &json!({"name": "noor", "password": "staple battery horse"}));
    let noor = noor.header("set-cookie").unwrap_or("").split(';').next().expect("name=value").to_string();
    let reversed = post_with(&server, &format!("/api/moderation/cases/{case_id}/appeal"), &appeal_decision, &noor);
    assert_eq!(reversed.status, 200, "{}", String::from_utf8_lossy(&reversed.body));
    assert_eq!(get(&server, &format!("/api/shares/{sid}")).json()["status"], "visible");
    assert_eq!(get(&server, &format!("/api/shares/{sid}/media")).status, 200);

    // Every step is in the audit log, newest first.
    let log = get_with(&server, "/api/moderation/audit", &cookie).json();
    let kinds: Vec<&str> = log.as_array().expect("events").iter().filter_map(|e| e["kind"].as_str()).collect();
    for k in ["report_received", "decided", "appeal_decided"] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    let (appealed, reported) =
        (kinds.iter().position(|k| *k == "appeal_decided"), kinds.iter().position(|k| *k == "report_received"));
    assert!(appealed < reported, "newest first: {kinds:?}");
    let out = post_with(&server, "/api/logout", &json!({}), &cookie);
    assert_eq!(out.status, 204);
    assert_eq!(get_with(&server, "/api/me", &cookie).json()["moderator"], Value::Null, "the session ended");
    assert_eq!(get_with(&server, "/api/moderation/cases", &cookie).status, 401);
    server.stop();
}

/// A fresh database on the test server (`VIVIFY_TEST_POSTGRES`), or `None`
/// after saying loudly that the Postgres checks did not run.
fn postgres_database() -> Option<String> {
    let Ok(url) = std::env::var("VIVIFY_TEST_POSTGRES") else {
        if std::env::var("VIVIFY_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
            panic!("VIVIFY_TEST_POSTGRES is required (VIVIFY_REQUIRE_TOOLS=1): scripts/test starts a throwaway server");
        }
        common::skipped("the studio on PostgreSQL (set VIVIFY_TEST_POSTGRES; scripts/pg-throwaway starts a server)");
        return None;
    };
    // One database a test: tests run side by side.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("vivify_studio_{}_{n}", std::process::id());
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).expect("connect to the test server");
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).expect("an old test database goes");
    admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("a test database");
    Some(format!("{}/{name}", url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b)))
}

/// Settings of one server of a cluster on `database`, its workers named `name`.
fn on_postgres(data: &Path, database: &str, workers: usize, name: &str) -> Settings {
    let mut s = Settings::new(data);
    s.workers = workers;
    s.use_postgres(database);
    s.worker_name = name.into();
    s
}

#[test]
fn an_api_server_and_a_worker_server_share_one_postgres_queue() {
    let Some(database) = postgres_database() else { return };
    let dir = common::temp_dir("studio-postgres");
    let data = dir.join("data");
    let settings = |workers: usize, name: &str| {
        let mut s = on_postgres(&data, &database, workers, name);
        // Short leases, so the cancel below reaches the worker within a second.
        s.lease = Duration::from_secs(3);
        s
    };
    let api = Server::start(settings(0, "api"), "127.0.0.1:0".parse().expect("addr")).expect("api starts");
    let worker = Server::start(settings(1, "worker"), "127.0.0.1:0".parse().expect("addr")).expect("worker starts");
    let id = a_upload(&api);
    let tiny = json!({"kind": "alive", "upload": id, "duration": 0.5, "size": "160x120", "fps": 10,
                      "live": false, "motion": false, "explain": false});
    let ids: Vec<String> =
        (0..3).map(|_| post_json(&api, "/api/jobs", &tiny).json()["id"].as_str().expect("an id").to_string()).collect();
    for id in &ids {
        let done = wait_done(&api, id);
        assert_eq!((done["state"].as_str(), done["attempts"].as_u64()), (Some("done"), Some(1)), "{done}");
        let f = done["files"][0]["name"].as_str().expect("a file");
        let bytes = get(&api, &format!("/api/jobs/{id}/files/{f}")).body;
        common::assert_decodes(&save(&dir, &format!("{id}.mp4"), &bytes));
    }
    // The API's event stream shows the progress the other server's worker
    // records in the store; a cancel asked of the API reaches that job
    // through the store (the worker's heartbeat brings it back). Long
    // enough to render for several seconds (progress is stored each second).
    let long = json!({"kind": "alive", "upload": id, "duration": 30.0, "size": "1280x720", "fps": 30});
    let jid = post_json(&api, "/api/jobs", &long).json()["id"].as_str().expect("an id").to_string();
    let start = Instant::now();
    let mut r = agent().get(url(&api, &format!("/api/jobs/{jid}/events"))).call().expect("events");
    let reader = BufReader::new(r.body_mut().as_reader());
    let (mut event, mut last, mut rendering) = (String::new(), Value::Null, Vec::new());
    for line in reader.lines() {
        let line = line.expect("event line");
        if let Some(e) = line.strip_prefix("event:") {
            event = e.trim().into();
        }
        let Some(d) = line.strip_prefix("data:") else { continue };
        last = serde_json::from_str(d.trim()).expect("event data");
        if event == "progress" && last["phase"].as_str().is_some_and(|p| p.contains("render")) {
            rendering.push(last["done"].as_u64().unwrap_or(0));
            // Two reports a second apart or more: it moves, then stop it.
            if rendering.len() == 2 {
                assert_eq!(post_json(&api, &format!("/api/jobs/{jid}/cancel"), &json!({})).status, 200);
            }
        }
    }
    assert!(rendering.len() >= 2, "the API relayed the worker's progress: {rendering:?}");
    assert!(rendering[1] > rendering[0], "{rendering:?}");
    assert_eq!(last["state"], "cancelled", "{last}");
    assert!(start.elapsed() < Duration::from_secs(60), "the cancel took {:?}", start.elapsed());
    api.stop();
    worker.stop();
}

/// Two API servers on one PostgreSQL database: a report filed through one
/// reaches a moderator signed in on the other, whose removal the first
/// server's share page shows at once. Nothing of the safety database is in
/// the data folder.
#[test]
fn reports_and_decisions_on_postgres_are_seen_by_every_server() {
    let Some(database) = postgres_database() else { return };
    let dir = common::temp_dir("studio-pg-safety");
    let data = dir.join("data");
    let settings = |workers: usize, name: &str| {
        let mut s = signing_settings(&dir, on_postgres(&data, &database, workers, name));
        s.workers = workers;
        s
    };
    vivify_studio::add_moderator(&data, Some(&database), "mia", "correct horse battery").expect("moderator");
    // Server a renders; b only answers.
    let a = Server::start(settings(1, "a"), "127.0.0.1:0".parse().expect("addr")).expect("server a starts");
    let b = Server::start(settings(0, "b"), "127.0.0.1:0".parse().expect("addr")).expect("server b starts");
    let id = a_upload(&a);
    let job = post_json(&b, "/api/jobs", &small_job(&id)).json();
    let job = wait_done(&b, job["id"].as_str().expect("an id"));
    let jid = job["id"].as_str().expect("an id");
    let shared = post_json(&b, &format!("/api/jobs/{jid}/share"), &json!({"file": "alive.mp4"}));
    assert_eq!(shared.status, 201, "{}", String::from_utf8_lossy(&shared.body));
    let sid = shared.json()["share"]["id"].as_str().expect("a share id").to_string();
    assert_eq!(get(&a, &format!("/api/shares/{sid}")).json()["status"], "visible");
    let r = post_json(&a, &format!("/api/shares/{sid}/reports"), &json!({"reason": "hate", "details": "on server a"}));
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let login = post_json(&b, "/api/login", &json!({"name": "mia", "password": "correct horse battery"}));
    assert_eq!(login.status, 200);
    let cookie = login.header("set-cookie").and_then(|c| c.split(';').next()).expect("a cookie").to_string();
    let case = post_with(&b, "/api/moderation/next", &json!({}), &cookie).json();
    assert_eq!(case["reports"][0]["details"], "on server a", "{case}");
    let case_id = case["id"].as_i64().expect("a case id");
    let decided = post_with(
        &b,
        &format!("/api/moderation/cases/{case_id}/decide"),
        &json!({"action": "remove", "facts": "hateful symbols in the frames"}),
        &cookie,
    );
    assert_eq!(decided.status, 200, "{}", String::from_utf8_lossy(&decided.body));
    assert_eq!(get(&a, &format!("/api/shares/{sid}")).json()["status"], "removed");
    assert_eq!(get(&a, &format!("/api/shares/{sid}/media")).status, 410);
    // The same session works on the other server (sessions are in the store).
    let log = get_with(&a, &format!("/api/moderation/cases/{case_id}"), &cookie).json();
    let kinds: Vec<&str> =
        log["events"].as_array().expect("events").iter().filter_map(|e| e["kind"].as_str()).collect();
    assert!(kinds.contains(&"report_received") && kinds.contains(&"decided"), "{kinds:?}");
    assert!(!data.join(vivify::safety::store::DB_FILE).exists(), "the safety database is in PostgreSQL");
    a.stop();
    b.stop();
}

/// The shared storage each test runs on: a folder every server could mount
/// (always) and S3 (when `VIVIFY_TEST_S3` names a server; moto from
/// scripts/s3-throwaway). Each gets a prefix of its own.
fn storages(dir: &Path) -> Vec<vivify_studio::objects::Objects> {
    use vivify_studio::objects::Objects;
    if !cfg!(feature = "object-storage") {
        if std::env::var("VIVIFY_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
            panic!(
                "feature object-storage is required (VIVIFY_REQUIRE_TOOLS=1): scripts/test builds with vivify-cli/s3"
            );
        }
        common::skipped("the studio on object storage (build with --features vivify-studio/s3)");
        return Vec::new();
    }
    let mut out = vec![Objects::open(&format!("file://{}", dir.join("shared").display())).expect("a folder store")];
    match std::env::var("VIVIFY_TEST_S3") {
        Ok(endpoint) if cfg!(feature = "s3") => {
            let prefix = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let opts = [
                ("endpoint", endpoint.as_str()),
                ("allow_http", "true"),
                ("access_key_id", "test"),
                ("secret_access_key", "test"),
                ("region", "us-east-1"),
            ];
            out.push(Objects::open_with(&format!("s3://vivify-test/{prefix}"), &opts).expect("S3 storage"));
        }
        _ if std::env::var("VIVIFY_REQUIRE_TOOLS").is_ok_and(|v| v == "1") => {
            panic!("VIVIFY_TEST_S3 and feature s3 are required (VIVIFY_REQUIRE_TOOLS=1): scripts/test has both")
        }
        _ => common::skipped(
            "the studio on S3 storage (build with --features vivify-studio/s3, set VIVIFY_TEST_S3; scripts/s3-throwaway starts moto)",
        ),
    }
    out
}

/// An API server and a worker process with data folders of their own,
/// sharing only PostgreSQL and the object storage: the upload reaches the
/// worker, the worker's files reach the API (streamed by range, not copied
/// to its disk first), a share is checked and served, and on S3 a share's
/// viewer can be sent to a pre-signed URL instead.
#[test]
fn servers_without_a_shared_folder_meet_in_object_storage() {
    for (n, objects) in storages(&common::temp_dir("studio-objects")).into_iter().enumerate() {
        let Some(database) = postgres_database() else { return };
        let dir = common::temp_dir(&format!("studio-objects-{n}"));
        let objects = std::sync::Arc::new(objects);
        let presign = objects.can_presign();
        let settings = |data: &Path, workers: usize, name: &str| {
            let mut s = signing_settings(&dir, on_postgres(data, &database, workers, name));
            s.workers = workers;
            s.objects = Some(objects.clone());
            if presign {
                s.share_links = vivify_studio::ShareLinks::Presigned;
            }
            s
        };
        let (api_data, worker_data) = (dir.join("api"), dir.join("worker"));
        let api = Server::start(settings(&api_data, 0, "api"), "127.0.0.1:0".parse().expect("addr")).expect("api");
        let pool = vivify_studio::Workers::start(settings(&worker_data, 1, "w")).expect("a worker");
        assert_eq!(get(&api, "/readyz").status, 200, "ready: the database and the store answer");
        let id = a_upload(&api);
        assert_eq!(objects.list("uploads").expect("list"), [id.as_str()], "{}", objects.url());
        let job = post_json(&api, "/api/jobs", &small_job(&id)).json();
        let job = wait_done(&api, job["id"].as_str().expect("an id"));
        assert_eq!(job["state"], "done", "{job}");
        let jid = job["id"].as_str().expect("an id").to_string();
        let stored = objects.list(&format!("jobs/{jid}")).expect("list");
        assert!(stored.contains(&"attempt-1/alive.mp4".to_string()), "{stored:?}");
        assert!(worker_data.join("uploads").join(&id).is_file(), "the worker fetched the upload");
        // Just after it published (a hang guard, not a timing claim).
        let start = Instant::now();
        while worker_data.join("jobs").join(&jid).exists() {
            assert!(start.elapsed() < Duration::from_secs(30), "the worker kept its copies after publishing");
            std::thread::sleep(Duration::from_millis(20));
        }
        let local = api_data.join("jobs").join(&jid).join("attempt-1").join("alive.mp4");
        assert!(!local.exists(), "the API has not got the file yet");
        // Served by range from the store.
        let whole = get(&api, &format!("/api/jobs/{jid}/files/alive.mp4"));
        assert_eq!(whole.status, 200);
        common::assert_decodes(&save(&dir, &format!("{n}.mp4"), &whole.body));
        let r = answer(
            agent().get(url(&api, &format!("/api/jobs/{jid}/files/alive.mp4"))).header("Range", "bytes=100-199").call(),
        );
        assert_eq!((r.status, r.body.as_slice()), (206, &whole.body[100..200]));
        let len = whole.body.len();
        assert_eq!(r.header("content-range"), Some(format!("bytes 100-199/{len}").as_str()));
        assert!(!local.exists(), "streamed, not copied to the API's disk");
        // Shared: the share check reads the file, so it comes down then.
        let shared = post_json(&api, &format!("/api/jobs/{jid}/share"), &json!({"file": "alive.mp4"}));
        assert_eq!(shared.status, 201, "{}", String::from_utf8_lossy(&shared.body));
        let sid = shared.json()["share"]["id"].as_str().expect("a share id").to_string();
        let media = get(&api, &format!("/api/shares/{sid}/media"));
        if presign {
            assert_eq!(media.status, 307);
            let to = media.header("location").expect("a location").to_string();
            assert!(to.contains("X-Amz-Signature="), "{to}");
            let mut got = Vec::new();
            let r = ureq::get(&to).call().expect("GET the signed URL");
            r.into_body().as_reader().read_to_end(&mut got).expect("body");
            assert!(got == whole.body, "the pre-signed URL gives the shared file");
        } else {
            assert_eq!((media.status, media.body.len()), (200, len));
        }
        pool.stop();
        api.stop();
    }
}

/// Pre-signed share links need S3: asked for without it, the server does not
/// start, and says why.
#[test]
fn presigned_share_links_without_s3_are_refused_at_start() {
    let dir = common::temp_dir("studio-presign-config");
    let mut s = Settings::new(dir.join("data"));
    s.workers = 0;
    s.share_links = vivify_studio::ShareLinks::Presigned;
    let Err(e) = Server::start(s.clone(), "127.0.0.1:0".parse().expect("addr")) else {
        panic!("started with pre-signed links and no storage")
    };
    assert!(e.to_string().contains("--share-links presigned needs --storage s3://"), "{e}");
    if cfg!(feature = "object-storage") {
        let folder = format!("file://{}", dir.join("shared").display());
        s.objects = Some(std::sync::Arc::new(vivify_studio::objects::Objects::open(&folder).expect("a folder store")));
        let Err(e) = Server::start(s, "127.0.0.1:0".parse().expect("addr")) else {
            panic!("started with pre-signed links on a folder")
        };
        assert!(e.to_string().contains("cannot sign URLs"), "{e}");
    }
}

#[test]
fn the_offline_page_is_served_with_its_bundle_and_a_policy_that_connects_nowhere() {
    let dir = common::temp_dir("studio-offline");
    let server = start(&dir.join("data"), 0, 2);
    let plain = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("offline/bundle.js")).expect("the bundle");
    let page = get(&server, "/offline/");
    assert_eq!(page.status, 200);
    assert!(String::from_utf8_lossy(&page.body).contains("bundle.js"));
    let csp = page.header("content-security-policy").expect("a policy").to_string();
    assert!(csp.contains("connect-src 'none'") && csp.contains("worker-src 'self' blob:"), "{csp}");
    assert_eq!(get(&server, "/offline").status, 308, "the bare path redirects to the folder");
    // Sent gzipped to a client that takes it, plain to one that does not:
    // the same bytes as the file in offline/ either way.
    let r = agent().get(url(&server, "/offline/bundle.js")).header("Accept-Encoding", "gzip, br").call().expect("gzip");
    assert_eq!(r.headers().get("content-encoding").and_then(|v| v.to_str().ok()), Some("gzip"));
    let mut gz = Vec::new();
    r.into_body().as_reader().read_to_end(&mut gz).expect("body");
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice()).read_to_end(&mut unpacked).expect("gunzip");
    assert!(unpacked == plain, "the gzipped bundle is the bundle");
    assert!(gz.len() * 2 < plain.len(), "{} gzipped of {}", gz.len(), plain.len());
    let r = get(&server, "/offline/bundle.js");
    assert_eq!(r.header("content-encoding"), None);
    assert!(r.body == plain, "the plain bundle is the bundle");
    let sw = get(&server, "/offline/sw.js");
    assert!(sw.header("content-security-policy").is_some_and(|c| c.contains("connect-src 'self'")));
    server.stop();
}

#[test]
fn a_stopping_worker_hands_its_job_back_and_metrics_tell_the_cluster() {
    let Some(database) = postgres_database() else { return };
    let dir = common::temp_dir("studio-handback");
    let data = dir.join("data");
    let settings = |workers: usize, name: &str| on_postgres(&data, &database, workers, name);
    let api = Server::start(settings(0, "api"), "127.0.0.1:0".parse().expect("addr")).expect("api starts");
    assert_eq!(get(&api, "/healthz").status, 200);
    assert_eq!(get(&api, "/readyz").status, 200);
    let id = a_upload(&api);
    let long = json!({"kind": "alive", "upload": id, "duration": 10.0, "size": "1920x1080", "fps": 30,
                      "live": false, "motion": false, "explain": false});
    let jid = post_json(&api, "/api/jobs", &long).json()["id"].as_str().expect("an id").to_string();
    let pool = vivify_studio::Workers::start(settings(1, "leaving")).expect("workers start");
    let start = Instant::now();
    while get(&api, &format!("/api/jobs/{jid}")).json()["state"] != "running" {
        assert!(start.elapsed() < Duration::from_secs(60), "the worker never took the job");
        std::thread::sleep(Duration::from_millis(20));
    }
    pool.hand_back();
    let back = get(&api, &format!("/api/jobs/{jid}")).json();
    assert_eq!((back["state"].as_str(), back["attempts"].as_u64()), (Some("queued"), Some(1)), "{back}");
    assert!(!data.join("jobs").join(&jid).exists(), "the handed-back attempt left no files");
    // Another worker takes it straight away (no lease to wait out).
    let pool = vivify_studio::Workers::start(settings(1, "staying")).expect("workers start");
    let done = wait_done(&api, &jid);
    assert_eq!((done["state"].as_str(), done["attempts"].as_u64()), (Some("done"), Some(2)), "{done}");
    pool.stop();
    let m = String::from_utf8(get(&api, "/metrics").body).expect("text");
    for line in [
        "vivify_queue_depth 0",
        "vivify_jobs_running 0",
        "vivify_jobs_total{state=\"done\"} 1",
        "vivify_render_seconds_count{kind=\"alive\"} 1",
        "vivify_job_latency_seconds_bucket{kind=\"alive\",le=\"+Inf\"} 1",
    ] {
        assert!(m.lines().any(|l| l == line), "no line {line} in\n{m}");
    }
    api.stop();
}

#[test]
fn a_worker_told_to_stop_finishes_its_job_first() {
    let dir = common::temp_dir("studio-finish");
    let data = dir.join("data");
    let api = start(&data, 0, 8);
    let id = a_upload(&api);
    // Seconds of work, so the stop comes while it runs.
    let job = json!({"kind": "alive", "upload": id, "duration": 10.0, "size": "1920x1080", "fps": 30,
                     "live": false, "motion": false, "explain": false});
    let jid = post_json(&api, "/api/jobs", &job).json()["id"].as_str().expect("an id").to_string();
    let mut s = Settings::new(&data);
    s.workers = 1;
    s.worker_name = "finisher".into();
    let pool = vivify_studio::Workers::start(s).expect("workers start");
    let start = Instant::now();
    while get(&api, &format!("/api/jobs/{jid}")).json()["state"] != "running" {
        assert!(start.elapsed() < Duration::from_secs(60), "the worker never took the job");
        std::thread::sleep(Duration::from_millis(10));
    }
    // Returns once the running job is done, and published.
    let stopping = Instant::now();
    pool.stop();
    let waited = stopping.elapsed();
    let after = get(&api, &format!("/api/jobs/{jid}")).json();
    eprintln!("the stop waited {waited:?} for the job to finish");
    assert_eq!((after["state"].as_str(), after["attempts"].as_u64()), (Some("done"), Some(1)), "{after}");
    api.stop();
}
