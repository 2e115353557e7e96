//! The `vivify` binary: exit codes, messages that name the file, --json.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// The binary, with its config folder (signing identity) and data folder
/// (safety database) in temporary folders, never the user's.
fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vivify"));
    c.env("VIVIFY_CONFIG_DIR", std::env::temp_dir().join(format!("vivify-cli-config-{}", std::process::id())));
    c.env("VIVIFY_DATA_DIR", std::env::temp_dir().join(format!("vivify-cli-data-{}", std::process::id())));
    c
}

fn vivify(args: &[&str]) -> Output {
    bin().args(args).output().expect("run vivify")
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("vivify-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir");
    d
}

#[test]
fn usage_error_exits_2() {
    let o = vivify(&["live"]);
    assert_eq!(o.status.code(), Some(2));
    let o = vivify(&["convert", "x", "--to", "sideways"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn serve_refuses_a_database_it_cannot_speak_and_a_role_it_does_not_know() {
    let d = temp("serve-db");
    let o = vivify(&[
        "serve",
        "--data",
        d.to_str().expect("utf-8"),
        "--role",
        "worker",
        "--database",
        "mysql://u:secret@h/db",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("only postgres:// URLs"), "{err}");
    assert!(!err.contains("secret"), "the password is not repeated: {err}");
    let o = vivify(&["serve", "--role", "janitor"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn help_documents_exit_codes() {
    let o = vivify(&["--help"]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.contains("3 invalid, unsupported, missing or unreadable input"), "{s}");
}

#[test]
fn garbage_input_exits_3_and_names_the_file() {
    let d = temp("garbage");
    let f = d.join("not-a-video.mp4");
    std::fs::write(&f, b"this is not a movie at all, just text\n").expect("write");
    for args in [vec!["inspect"], vec!["live", "-o"], vec!["extract", "-o"]] {
        let mut a: Vec<&str> = args.clone();
        if a.len() == 2 {
            a.push(d.to_str().expect("utf8"));
        }
        a.insert(1, f.to_str().expect("utf8"));
        let o = vivify(&a);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(3), "{a:?}: {err}");
        assert!(err.contains("not-a-video.mp4"), "{a:?}: message must name the file: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "one-line error expected: {err}");
    }
}

#[test]
fn truncated_movie_is_invalid_input_not_a_panic() {
    let d = temp("trunc");
    let full = std::fs::read(fixtures().join("h264_aac.mp4")).expect("read");
    let f = d.join("cut.mp4");
    std::fs::write(&f, &full[..full.len() / 3]).expect("write");
    let o = vivify(&["live", f.to_str().expect("utf8"), "-o", d.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(3), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_missing_input_is_bad_input_named_once() {
    for cmd in ["inspect", "alive", "live", "verify"] {
        let o = vivify(&[cmd, "/nonexistent/nothing.jpg"]);
        assert_eq!(o.status.code(), Some(3), "{cmd}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("/nonexistent/nothing.jpg: no such file"), "{cmd}: {err}");
        assert_eq!(err.matches("no such file").count(), 1, "{cmd}: {err}");
    }
}

#[test]
fn live_json_and_refusal_to_overwrite() {
    let d = temp("json");
    let input = fixtures().join("h264_noaudio.mp4");
    let o =
        vivify(&["live", input.to_str().expect("utf8"), "-o", d.to_str().expect("utf8"), "--json", "--format", "live"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["outputs"].as_array().map(Vec::len), Some(2));
    assert!(v["content_id"].as_str().is_some_and(|c| c.len() == 36));
    let o = vivify(&["live", input.to_str().expect("utf8"), "-o", d.to_str().expect("utf8"), "--format", "live"]);
    assert_eq!(o.status.code(), Some(8), "an existing output is exit 8");
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    let o = vivify(&[
        "live",
        input.to_str().expect("utf8"),
        "-o",
        d.to_str().expect("utf8"),
        "--format",
        "live",
        "--force",
    ]);
    assert!(o.status.success());
}

#[test]
fn inspect_json_lists_issues() {
    let d = temp("inspect");
    let input = fixtures().join("h264_noaudio.mp4");
    let o = vivify(&["live", input.to_str().expect("utf8"), "-o", d.to_str().expect("utf8"), "--format", "motion"]);
    assert!(o.status.success());
    let mp = d.join("h264_noaudio.MP.jpg");
    let o = vivify(&["inspect", "--json", mp.to_str().expect("utf8")]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v[0]["role"], "motion-photo");
    assert_eq!(v[0]["issues"].as_array().map(Vec::len), Some(0), "{v}");
}

#[test]
fn explain_says_why() {
    let d = temp("explain");
    let input = fixtures().join("scene_cut.mp4");
    let o = vivify(&["live", input.to_str().expect("utf8"), "-o", d.to_str().expect("utf8"), "--explain"]);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("scene cut") && err.contains("key frame"), "{err}");
}

#[test]
fn convert_pairs_by_content_identifier_in_folders() {
    let d = temp("convert");
    let pairs = d.join("in/nested");
    std::fs::create_dir_all(&pairs).expect("mkdir");
    let input = fixtures().join("h264_aac.mp4");
    let o = vivify(&["live", input.to_str().expect("utf8"), "-o", pairs.to_str().expect("utf8"), "--format", "live"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Rename the movie so only the content identifier can pair them.
    std::fs::rename(pairs.join("h264_aac.MOV"), pairs.join("something_else.MOV")).expect("rename");
    std::fs::write(d.join("in/notes.txt"), b"not media").expect("write");
    // A second still with the same identifier is reported, not paired twice.
    std::fs::copy(pairs.join("h264_aac.JPG"), pairs.join("z_copy.JPG")).expect("copy");
    let out = d.join("out");
    let o = vivify(&[
        "convert",
        d.join("in").to_str().expect("utf8"),
        "--to",
        "motion",
        "-r",
        "-o",
        out.to_str().expect("utf8"),
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["converted"].as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!(v["skipped"].as_array().map(Vec::len), Some(2), "{v}");
    assert!(v["skipped"].to_string().contains("already has content identifier"), "{v}");
    assert!(out.join("h264_aac.MP.jpg").is_file());
    // Without -r the nested pair is not seen: nothing converted, exit 3.
    let o = vivify(&[
        "convert",
        d.join("in").to_str().expect("utf8"),
        "--to",
        "motion",
        "-o",
        d.join("out2").to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stdout).contains("0 converted"));
}

#[test]
fn dash_reads_standard_input() {
    use std::io::Write;
    use std::process::Stdio;
    let mov = fixtures().join("samples/apple_iphone15plus_ios18.2_IMG_3853.MOV");
    let mut child =
        bin().args(["inspect", "--json", "-"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("spawn");
    child.stdin.take().expect("stdin").write_all(&std::fs::read(mov).expect("read")).expect("write");
    let o = child.wait_with_output().expect("wait");
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v[0]["content_id"], "71DCA213-5710-4A6C-BC6D-CE6306AEB8D8");
    assert_eq!(v[0]["still_time_s"], 0.9);
}

#[test]
fn an_input_is_never_replaced_even_with_force() {
    let d = temp("input-guard");
    let clip = d.join("clip.MOV");
    std::fs::copy(fixtures().join("rotated90.mov"), &clip).expect("copy");
    let before = std::fs::read(&clip).expect("read");
    let o =
        vivify(&["live", clip.to_str().expect("utf8"), "-o", d.to_str().expect("utf8"), "--format", "live", "--force"]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is an input"));
    assert_eq!(std::fs::read(&clip).expect("read"), before);
    assert!(!d.join("clip.JPG").exists(), "nothing may be written when a run is refused");
}

fn photo(name: &str) -> PathBuf {
    fixtures().join("photos").join(name)
}

#[test]
fn alive_makes_a_clip_and_reports_its_plan_as_json() {
    let d = temp("alive-json");
    let out = d.join("t.mp4");
    let o = vivify(&[
        "alive",
        photo("temple.jpg").to_str().expect("utf8"),
        "-p",
        "clouds drift left, gentle zoom in, xylophone",
        "--size",
        "320x240",
        "--duration",
        "1",
        "-o",
        out.to_str().expect("utf8"),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(j["width"], 320);
    assert_eq!(j["frames"], 30);
    assert_eq!(j["plan"]["camera"]["motion"], "push-in");
    assert!(j["plan"]["ignored"].as_array().expect("ignored").iter().any(|w| w == "xylophone"));
    // Scripts read these (issue 14): the shares of sky and water found.
    let share = |k: &str| j["scene"][k].as_f64().unwrap_or_else(|| panic!("scene.{k} missing: {}", j["scene"]));
    assert!(share("sky_share") > 0.2 && share("water_share") < 0.01, "{}", j["scene"]);
    assert!(out.is_file());
    // Again without --force: refused, the clip untouched.
    let before = std::fs::read(&out).expect("read");
    let o = vivify(&["alive", photo("temple.jpg").to_str().expect("utf8"), "-o", out.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(8));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"));
    assert_eq!(std::fs::read(&out).expect("read"), before);
}

#[test]
fn alive_explain_writes_a_contact_sheet_and_the_masks() {
    let d = temp("alive-explain");
    let out = d.join("e.mp4");
    let o = vivify(&[
        "alive",
        photo("temple.jpg").to_str().expect("utf8"),
        "--size",
        "320x240",
        "--duration",
        "1",
        "--explain",
        "-o",
        out.to_str().expect("utf8"),
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(text.contains("plan for") && text.contains("scene: sky"), "{text}");
    for name in ["e.contact.png", "e.masks.png"] {
        let b = std::fs::read(d.join(name)).expect(name);
        assert!(b.starts_with(b"\x89PNG\r\n\x1a\n"), "{name} is not a PNG");
    }
}

#[test]
fn alive_bad_input_and_bad_options() {
    let d = temp("alive-bad");
    let f = d.join("broken.jpg");
    let mut bytes = std::fs::read(photo("temple.jpg")).expect("read");
    bytes.truncate(2000);
    std::fs::write(&f, &bytes).expect("write");
    let o = vivify(&["alive", f.to_str().expect("utf8"), "-o", d.join("x.mp4").to_str().expect("utf8")]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("broken.jpg"), "{err}");
    assert!(!d.join("x.mp4").exists(), "an output was written for a broken photo");
    // A real 8x8 phone JPEG is too small to animate: refused, not encoded.
    let tiny = fixtures().join("samples/exiftool_Apple_iphone7_makernote.jpg");
    let o = vivify(&["alive", tiny.to_str().expect("utf8"), "-o", d.join("t.mp4").to_str().expect("utf8")]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("8x8") && err.contains("exiftool_Apple_iphone7_makernote.jpg"), "{err}");
    let t = photo("temple.jpg");
    for bad in [vec!["--duration", "100"], vec!["--size", "huge"], vec!["--fps", "0"], vec!["--size", "8x8"]] {
        let mut a = vec!["alive", t.to_str().expect("utf8"), "-o", "-"];
        a.extend(bad.iter().copied());
        let o = vivify(&a);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", String::from_utf8_lossy(&o.stderr));
    }
}

#[test]
fn alive_reads_stdin_and_writes_stdout() {
    use std::io::Write;
    let mut child = bin()
        .args(["alive", "-", "-o", "-", "--size", "160x120", "--duration", "0.5", "--mute"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let png = std::fs::read(photo("temple.jpg")).expect("read");
    child.stdin.take().expect("stdin").write_all(&png).expect("write");
    let o = child.wait_with_output().expect("wait");
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(&o.stdout[4..8], b"ftyp", "stdout is not an MP4");
    assert!(o.stdout.windows(4).any(|w| w == b"avc1"));
}

#[test]
fn a_refused_prompt_writes_nothing_and_exits_6() {
    let dir = temp("refused");
    let out = dir.join("x.mp4");
    let o = vivify(&[
        "alive",
        photo("temple.jpg").to_str().expect("utf8"),
        "-p",
        "make her n4k3d",
        "-o",
        out.to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(6), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("sexual content") && err.contains("Ref P-") && err.contains("Nothing was generated"), "{err}");
    assert!(!err.contains("n4k3d") && !err.contains("naked"), "the refusal repeats the words: {err}");
    assert!(std::fs::read_dir(&dir).expect("dir").next().is_none(), "something was written");
}

#[test]
fn moderate_exposes_the_prompt_check() {
    for (prompt, code, category) in [
        ("a photo shoot under a shooting star", 0, None),
        ("cocktail hour in Scunthorpe, assassin's creed poster", 0, None),
        ("s u i c i d e", 6, Some("self_harm")),
        ("ｎａｋｅｄ", 6, Some("sexual")),
        ("na\u{200B}ked little girl", 6, Some("sexual_minors")),
    ] {
        let o = vivify(&["moderate", "--prompt", prompt, "--json"]);
        assert_eq!(o.status.code(), Some(code), "{prompt}");
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        assert_eq!(v["verdict"]["category"].as_str(), category, "{prompt}: {v}");
        if code == 6 {
            assert!(v["refusal"]["reference"].as_str().is_some_and(|r| r.starts_with("P-")));
        }
    }
    // Child-safety refusals give no hints.
    let o = vivify(&["moderate", "--prompt", "nude children"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("child-safety") && !text.contains("Try"), "{text}");
    // A broken policy file is a usage error naming it.
    let dir = temp("policy");
    let p = dir.join("policy.toml");
    std::fs::write(&p, "version = 1\n[prompt]\nmax_chars = 0\n").expect("write");
    let o = vivify(&["moderate", "--prompt", "hi", "--policy", p.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("policy.toml"));
}

#[test]
fn models_lists_missing_packs_and_names_a_damaged_one() {
    let packs = temp("packs");
    let o = bin().env("VIVIFY_PACKS_DIR", &packs).args(["models", "--json"]).output().expect("run");
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let states: Vec<&str> =
        v["packs"].as_array().expect("packs").iter().map(|p| p["state"].as_str().expect("state")).collect();
    assert_eq!(states, ["missing", "missing"]);
    assert_eq!(v["packs"][0]["install"], "scripts/install-model-packs face");
    // A face pack whose one file has other bytes than its manifest says:
    // listed as installed, damaged under --verify (exit 3).
    let dir = packs.join("face");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let mut files = Vec::new();
    for name in [
        "face_detection_short_range.tflite",
        "face_landmark.tflite",
        "iris_landmark.tflite",
        "selfie_segmentation.tflite",
    ] {
        std::fs::write(dir.join(name), b"abc").expect("write");
        // SHA-256 of "abd", not of "abc".
        let sha = "a52d159f262b2c6ddb724a61840befc36eb30c88877a4030b65cbe86298449c9";
        files.push(serde_json::json!({"name": name, "sha256": sha, "bytes": 3}));
    }
    let manifest = serde_json::json!({"pack": "face", "package": "mediapipe", "version": "0.10.14",
        "wheel": "w.whl", "wheel_sha256": "00", "licence": "Apache-2.0", "files": files});
    std::fs::write(dir.join("manifest.json"), manifest.to_string()).expect("write");
    let o = bin().env("VIVIFY_PACKS_DIR", &packs).args(["models"]).output().expect("run");
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(text.contains("face  installed: mediapipe 0.10.14") && text.contains("text  not installed"), "{text}");
    let o = bin().env("VIVIFY_PACKS_DIR", &packs).args(["models", "--verify"]).output().expect("run");
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(3), "{text}");
    assert!(text.contains("DAMAGED") && text.contains("face_detection_short_range.tflite has SHA-256"), "{text}");
    let _ = std::fs::remove_dir_all(&packs);
}

#[test]
fn alive_cuts_a_person_out_only_with_the_face_pack() {
    // Without packs (an empty packs folder): no layer, and the JSON says
    // what the face pack would do.
    let d = temp("alive-packs");
    let empty = temp("alive-no-packs");
    let run = |packs: &Path| {
        let out = d.join("p.mp4");
        let o = bin()
            .env("VIVIFY_PACKS_DIR", packs)
            .args(["alive", photo("astronaut.jpg").to_str().expect("utf8"), "--size", "256x256", "--duration", "1"])
            .args(["-o", out.to_str().expect("utf8"), "--force", "--json"])
            .output()
            .expect("run");
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        let j: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        j["scene"].clone()
    };
    let scene = run(&empty);
    if scene["faces"].as_array().is_none_or(|f| f.is_empty()) {
        return; // built without the face detector: no person to cut out
    }
    let without = &scene["layers"];
    assert_eq!(without["split"], false, "{without}");
    assert!(without["reason"].as_str().expect("reason").contains("install-model-packs face"), "{without}");
    // With the face pack, where scripts/test and CI put it (the second,
    // pack-less pass of .ci/run points VIVIFY_PACKS_DIR at an empty folder).
    let packs = std::env::var_os("VIVIFY_PACKS_DIR").map(PathBuf::from);
    let Some(packs) = packs.filter(|p| p.join("face/manifest.json").is_file()) else {
        eprintln!("\n!!! SKIPPED: no face pack in VIVIFY_PACKS_DIR; alive was not run with it !!!\n");
        assert!(std::env::var("VIVIFY_REQUIRE_TOOLS").ok().as_deref() != Some("1"), "the face pack is required");
        return;
    };
    let with = &run(&packs)["layers"];
    assert_eq!(with["split"], true, "{with}");
    assert!(with["reason"].as_str().expect("reason").contains("person matte"), "{with}");
}

#[test]
fn alive_reads_a_prompt_by_meaning_only_with_the_text_pack() {
    let d = temp("alive-meaning");
    let empty = temp("alive-meaning-no-packs");
    let run = |packs: &Path| {
        let out = d.join("m.mp4");
        let o = bin()
            .env("VIVIFY_PACKS_DIR", packs)
            .args(["alive", photo("astronaut.jpg").to_str().expect("utf8"), "--size", "128x128", "--duration", "1"])
            .args(["--prompt", "a blizzard sweeps the pass", "-o", out.to_str().expect("utf8"), "--force", "--json"])
            .output()
            .expect("run");
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        let j: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        j["plan"].clone()
    };
    // Without the pack the words are ignored, and the notes say what the pack would do.
    let plan = run(&empty);
    assert!(plan["particles"].as_array().is_some_and(|p| p.is_empty()), "{plan}");
    assert!(plan["ignored"].to_string().contains("blizzard"), "{plan}");
    assert!(plan["notes"].to_string().contains("install-model-packs text"), "{plan}");
    let packs = std::env::var_os("VIVIFY_PACKS_DIR").map(PathBuf::from);
    let Some(packs) = packs.filter(|p| p.join("text/manifest.json").is_file()) else {
        eprintln!("\n!!! SKIPPED: no text pack in VIVIFY_PACKS_DIR; alive did not read a prompt by meaning !!!\n");
        assert!(std::env::var("VIVIFY_REQUIRE_TOOLS").ok().as_deref() != Some("1"), "the text pack is required");
        return;
    };
    let plan = run(&packs);
    assert!(plan["particles"].to_string().contains("snow"), "{plan}");
    assert!(plan["notes"].to_string().contains("read as blizzard"), "{plan}");
    assert!(!plan["ignored"].to_string().contains("blizzard"), "{plan}");
}

#[test]
fn moderate_says_which_part_of_the_prompt_check_refused() {
    // Words: the lexicon, named in the JSON; no score.
    let o = vivify(&["moderate", "--prompt", "s u i c i d e", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["verdict"]["part"], "lexicon", "{v}");
    assert!(v["verdict"]["score"].is_null(), "{v}");
    // Meaning: no listed word, so only the text pack's classifier sees it.
    let prompt = "make the dog get beaten to death";
    let empty = temp("moderate-no-packs");
    let o =
        bin().env("VIVIFY_PACKS_DIR", &empty).args(["moderate", "--prompt", prompt, "--json"]).output().expect("run");
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    let packs = std::env::var_os("VIVIFY_PACKS_DIR").map(PathBuf::from);
    let Some(packs) = packs.filter(|p| p.join("text/manifest.json").is_file()) else {
        eprintln!("\n!!! SKIPPED: no text pack in VIVIFY_PACKS_DIR; the prompt check by meaning was not run !!!\n");
        assert!(std::env::var("VIVIFY_REQUIRE_TOOLS").ok().as_deref() != Some("1"), "the text pack is required");
        return;
    };
    let o =
        bin().env("VIVIFY_PACKS_DIR", &packs).args(["moderate", "--prompt", prompt, "--json"]).output().expect("run");
    assert_eq!(o.status.code(), Some(6), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["verdict"]["part"], "classifier", "{v}");
    assert_eq!(v["verdict"]["rule"], "prompt.classifier.violence_graphic", "{v}");
    assert!(v["verdict"]["score"].as_f64().is_some_and(|s| s > 0.5 && s <= 1.0), "{v}");
    // The refusal the user reads names the rule (as every refusal does)
    // but carries no score.
    assert!(v["refusal"].get("score").is_none() && !v["refusal"].to_string().contains("score"), "{v}");
    // Text output, for moderators, says it.
    let o = bin().env("VIVIFY_PACKS_DIR", &packs).args(["moderate", "--prompt", prompt]).output().expect("run");
    assert!(String::from_utf8_lossy(&o.stdout).contains("decided by the classifier"));
}
