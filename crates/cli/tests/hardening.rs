//! Regression tests for what an outside stress test found (issue 12):
//! inputs that are not regular files, phone photos at full size, exit codes
//! for damaged input, `verify` on damaged files without credentials,
//! `extract` of a truncated Motion Photo, all-or-nothing outputs, signals
//! and stale temporaries, memory at the pixel cap. The moderation race has
//! its own test in `safety.rs`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{fixtures, Sandbox};

/// A sandbox with an empty `out` folder for the outputs.
fn sandbox(name: &str) -> Sandbox {
    let sb = Sandbox::new(&format!("hardening-{name}"));
    std::fs::create_dir_all(sb.dir.join("out")).expect("mkdir");
    sb
}

impl Sandbox {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Files in the output folder, hidden temporaries included.
    fn outputs(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.path("out"))
            .expect("list")
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect();
        v.sort();
        v
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8")
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// True when CI demands the outside tools.
fn required() -> bool {
    std::env::var("VIVIFY_REQUIRE_TOOLS").is_ok_and(|v| v == "1")
}

fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .and_then(|p| std::env::split_paths(&p).map(|d| d.join(name)).find(|c| c.is_file()))
        .or_else(|| Some(PathBuf::from(format!("/usr/bin/{name}"))).filter(|p| p.is_file()));
    if found.is_none() {
        assert!(!required(), "{name} is required in CI");
        let what = format!("{name} not found; the checks that use it did not run");
        eprintln!("\n!!! SKIPPED: {what} !!!\n");
        if let Some(log) = std::env::var_os("VIVIFY_SKIP_LOG") {
            use std::io::Write;
            if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(log) {
                let _ = writeln!(f, "{what}");
            }
        }
    }
    found
}

/// Runs vivify under GNU time; returns the output and the peak RSS in KiB
/// (None when `time` is not installed: the run still happens).
fn run_measured(sb: &Sandbox, args: &[&str]) -> (Output, Option<u64>) {
    let Some(time) = tool("time") else { return (sb.run(args), None) };
    let report = sb.path("rss.txt");
    let o = Command::new(time)
        .args(["-f", "%M", "-o", s(&report), env!("CARGO_BIN_EXE_vivify")])
        .args(args)
        .env("VIVIFY_CONFIG_DIR", sb.dir.join("config"))
        .env("VIVIFY_DATA_DIR", sb.dir.join("data"))
        .output()
        .expect("run time");
    let kib = std::fs::read_to_string(&report).ok().and_then(|t| t.lines().last()?.trim().parse().ok());
    (o, kib)
}

/// Runs with a deadline: a hang fails the test instead of blocking CI.
fn run_within(sb: &Sandbox, args: &[&str], limit: Duration) -> Output {
    let mut child = sb.cmd().args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn vivify");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("{args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(unix)]
#[test]
fn fifos_devices_folders_and_huge_sparse_files_are_refused_at_once() {
    let sb = sandbox("not-regular");
    let fifo = sb.path("pipe.jpg");
    assert!(Command::new("mkfifo").arg(&fifo).status().expect("mkfifo").success());
    let zero = sb.path("zero.jpg");
    std::os::unix::fs::symlink("/dev/zero", &zero).expect("symlink");
    let folder = sb.path("folder.jpg");
    std::fs::create_dir(&folder).expect("mkdir");
    let sparse = sb.path("sparse.jpg");
    std::fs::File::create(&sparse).expect("create").set_len(2 << 30).expect("2 GB sparse");
    let out = sb.path("out");
    for input in [&fifo, &zero, &folder, &sparse] {
        for cmd in ["inspect", "verify", "alive", "moderate", "extract", "live", "share", "report"] {
            if cmd == "report" && input == &sparse {
                continue; // any regular file can be reported (it is recorded by its hash)
            }
            let mut args = vec![cmd, s(input)];
            match cmd {
                "extract" | "live" => args.extend(["-o", s(&out)]),
                "report" => args.extend(["--reason", "spam"]),
                _ => {}
            }
            // A hang (FIFO open, /dev/zero read) would pass any exit code
            // check only after the deadline; the deadline catches it.
            let o = run_within(&sb, &args, Duration::from_secs(20));
            let name = input.file_name().and_then(|n| n.to_str()).expect("name");
            assert_eq!(o.status.code(), Some(3), "{args:?}: {}", err(&o));
            assert!(err(&o).contains(name), "{args:?} must name the file: {}", err(&o));
        }
        // Memory and time of one of them, measured by GNU time.
        let (o, rss) = run_measured(&sb, &["alive", s(input), "-o", s(&out.join("x.mp4"))]);
        assert_eq!(o.status.code(), Some(3));
        if let Some(kib) = rss {
            assert!(kib < 100 * 1024, "{}: {kib} KiB peak", input.display());
        }
    }
    assert!(sb.outputs().is_empty(), "{:?}", sb.outputs());
    // A FIFO inside a folder given to inspect or convert is never opened.
    let pvt = sb.path("pair.pvt");
    std::fs::create_dir(&pvt).expect("mkdir");
    assert!(Command::new("mkfifo").arg(pvt.join("IMG.MOV")).status().expect("mkfifo").success());
    for args in [vec!["inspect", s(&pvt)], vec!["convert", s(&pvt), "--to", "motion", "-o", s(&out)]] {
        let o = run_within(&sb, &args, Duration::from_secs(20));
        assert_eq!(o.status.code(), Some(3), "{args:?}: {}", err(&o));
    }
}

#[test]
fn standard_input_is_spooled_and_capped_not_held() {
    let sb = sandbox("stdin");
    let clip = fixtures().join("h264_noaudio.mp4");
    let o = sb
        .cmd()
        .args(["inspect", "-", "--json"])
        .stdin(std::fs::File::open(&clip).expect("open"))
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(v[0]["video"]["frames"].as_u64().is_some_and(|f| f > 10), "{v}");
}

/// A JPEG of `w`×`h` with smooth content (sky over ground), for size tests.
fn photo(path: &Path, w: u16, h: u16) {
    let mut px = Vec::with_capacity(usize::from(w) * usize::from(h) * 3);
    for y in 0..h {
        for x in 0..w {
            let sky = y < h / 2;
            let t = (u32::from(x) * 255 / u32::from(w)) as u8;
            px.extend_from_slice(&if sky { [90, 140, 220u8.saturating_sub(t / 4)] } else { [60 + t / 3, 110, 50] });
        }
    }
    jpeg_encoder::Encoder::new_file(path, 85)
        .expect("jpeg")
        .encode(&px, w, h, jpeg_encoder::ColorType::Rgb)
        .expect("encode");
}

#[test]
fn twelve_megapixel_photos_at_source_size_make_a_valid_clip() {
    let sb = sandbox("source-size");
    for (w, h) in [(4000u16, 3000u16), (4032, 3024)] {
        let p = sb.path(&format!("phone_{w}x{h}.jpg"));
        photo(&p, w, h);
        let out = sb.path(&format!("out/clip_{w}.mp4"));
        let o = sb.run(&[
            "alive",
            s(&p),
            "-o",
            s(&out),
            "--size",
            "source",
            "--duration",
            "0.5",
            "--fps",
            "6",
            "--mute",
            "--json",
        ]);
        assert!(o.status.success(), "{w}x{h}: {}", err(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        assert_eq!((v["width"].as_u64(), v["height"].as_u64()), (Some(2880), Some(2160)), "{v}");
        let warned = v["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .any(|w| w.as_str().is_some_and(|t| t.contains("encoder")));
        assert!(warned, "the report says the size was reduced: {v}");
        if let Some(ffprobe) = tool("ffprobe") {
            let o = Command::new(ffprobe)
                .args(["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries"])
                .args(["stream=width,height,nb_read_frames", "-of", "csv=p=0", s(&out)])
                .output()
                .expect("ffprobe");
            assert!(o.status.success(), "{}", err(&o));
            assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "2880,2160,3");
        }
    }
}

#[test]
fn damaged_input_found_by_any_layer_is_exit_3() {
    let sb = sandbox("exit3");
    // HEVC damaged inside a HEIC: the decoder's complaint is the input's fault.
    let heic = std::fs::read(fixtures().join("samples/apple_iphone11pro_ios13.4.1_IMG_2927.HEIC")).expect("heic");
    let mut bad = heic.clone();
    let n = bad.len();
    for i in (n / 3..n * 2 / 3).step_by(97) {
        bad[i] ^= 0x5A;
    }
    let p = sb.path("damaged.HEIC");
    std::fs::write(&p, &bad).expect("write");
    let o = sb.run(&["moderate", s(&p)]);
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    assert!(err(&o).contains("damaged.HEIC"), "{}", err(&o));
}

/// A Motion Photo made here, cut short: `extract` refuses (3) and writes
/// nothing, agreeing with `inspect`'s MP-VIDEO.
#[test]
fn extract_of_a_truncated_motion_photo_refuses_and_writes_nothing() {
    let sb = sandbox("extract");
    let made = sb.path("made");
    let o = sb.run(&["live", s(&fixtures().join("h264_aac.mp4")), "-o", s(&made), "--format", "motion", "--no-sign"]);
    assert!(o.status.success(), "{}", err(&o));
    let mp = std::fs::read_dir(&made)
        .expect("list")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(".MP.jpg"));
    let whole = std::fs::read(mp.expect("motion photo")).expect("read");
    let cut = sb.path("cut.MP.jpg");
    std::fs::write(&cut, &whole[..whole.len() * 2 / 3]).expect("write");
    let o = sb.run(&["extract", s(&cut), "-o", s(&sb.path("out"))]);
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    assert!(err(&o).contains("cut.MP.jpg"), "{}", err(&o));
    assert!(sb.outputs().is_empty(), "{:?}", sb.outputs());
    let o = sb.run(&["inspect", s(&cut)]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("MP-VIDEO"), "{}", String::from_utf8_lossy(&o.stdout));
}

#[test]
fn verify_says_none_for_damaged_files_without_credentials() {
    let sb = sandbox("verify");
    let empty = sb.path("empty.mov");
    std::fs::write(&empty, b"\0\0\0\x08free").expect("write");
    // A JPEG whose APP2 segment claims far more bytes than there are.
    let mut jpeg = std::fs::read(fixtures().join("photos/temple.jpg")).expect("jpeg");
    let app2 = [0xFF, 0xE2, 0xFF, 0xF0, b'I', b'C', b'C'];
    jpeg.splice(2..2, app2);
    let bad_app2 = sb.path("bad_app2.jpg");
    std::fs::write(&bad_app2, &jpeg).expect("write");
    for f in [&empty, &bad_app2] {
        let o = sb.run(&["verify", s(f)]);
        assert_eq!(o.status.code(), Some(5), "{}: {}{}", f.display(), String::from_utf8_lossy(&o.stdout), err(&o));
        assert!(!String::from_utf8_lossy(&o.stdout).contains("INVALID"));
    }
}

/// `alive --as all` on HEICs cut at several points: every run either makes
/// all four outputs or leaves the folder empty (no half set, no temporaries).
#[test]
fn multi_file_outputs_are_all_or_nothing() {
    let sb = sandbox("all-or-nothing");
    let heic = std::fs::read(fixtures().join("samples/apple_iphone11pro_ios13.4.1_IMG_2927.HEIC")).expect("heic");
    let mut failures = 0;
    for keep in [0.999, 0.98, 0.9] {
        let p = sb.path("cut.HEIC");
        std::fs::write(&p, &heic[..(heic.len() as f64 * keep) as usize]).expect("write");
        let out = sb.path("out/clip.mp4");
        let o = sb.run(&[
            "alive",
            s(&p),
            "-o",
            s(&out),
            "--as",
            "all",
            "--duration",
            "0.5",
            "--size",
            "320x240",
            "--force",
        ]);
        let files = sb.outputs();
        if o.status.success() {
            assert_eq!(files.len(), 4, "{files:?}");
        } else {
            failures += 1;
            assert!(files.is_empty(), "cut at {keep}: exit {:?} left {files:?}: {}", o.status.code(), err(&o));
        }
        for f in files {
            let _ = std::fs::remove_file(sb.path("out").join(f));
        }
    }
    assert!(failures > 0, "no cut failed: the test no longer reaches the half-written case");
    // A movie name that is taken: the still is not written either.
    let pvt = sb.path("made");
    let o = sb.run(&[
        "live",
        s(&fixtures().join("h264_noaudio.mp4")),
        "-o",
        s(&pvt),
        "--pvt",
        "--format",
        "live",
        "--no-sign",
    ]);
    assert!(o.status.success(), "{}", err(&o));
    let package = std::fs::read_dir(&pvt).expect("list").flatten().map(|e| e.path()).find(|p| p.is_dir()).expect("pvt");
    let movie = std::fs::read_dir(&package)
        .expect("list")
        .flatten()
        .map(|e| e.file_name())
        .find(|n| n.to_string_lossy().ends_with(".MOV"));
    std::fs::write(sb.path("out").join(movie.expect("movie")), b"taken").expect("write");
    let o = sb.run(&["extract", s(&package), "-o", s(&sb.path("out"))]);
    assert_eq!(o.status.code(), Some(8), "{}", err(&o));
    assert_eq!(sb.outputs().len(), 1, "only the file that was there: {:?}", sb.outputs());
}

#[cfg(unix)]
fn signal(pid: u32, sig: &str) {
    assert!(Command::new("kill").args([sig, &pid.to_string()]).status().expect("kill").success());
}

/// Holds a `live` run just before its renames (the test hook), then sends
/// SIGTERM: exit 143, no temporaries, no outputs. Then SIGKILL at the same
/// point leaves temporaries, which the next run removes once they are old.
#[cfg(unix)]
#[test]
fn sigterm_removes_temporaries_and_the_next_run_cleans_what_sigkill_left() {
    let sb = sandbox("signals");
    let out = sb.path("out");
    let marker = sb.path("held");
    let start = |sb: &Sandbox| {
        sb.cmd()
            .args(["live", s(&fixtures().join("h264_noaudio.mp4")), "-o", s(&out), "--format", "both", "--force"])
            .env("VIVIFY_HOLD_BEFORE_RENAME", &marker)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let wait_marker = || {
        let t = Instant::now();
        while !marker.exists() {
            assert!(t.elapsed() < Duration::from_secs(120), "the run never reached its renames");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let temps = |sb: &Sandbox| sb.outputs().into_iter().filter(|n| n.ends_with(".vivify-tmp")).count();
    let mut child = start(&sb);
    wait_marker();
    assert!(temps(&sb) >= 2, "the parts are written as temporaries: {:?}", sb.outputs());
    signal(child.id(), "-TERM");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(143));
    assert!(sb.outputs().is_empty(), "SIGTERM leaves nothing: {:?}", sb.outputs());
    let _ = std::fs::remove_file(&marker);
    // SIGKILL cannot clean up; the next run does, once the files are old.
    let mut child = start(&sb);
    wait_marker();
    signal(child.id(), "-KILL");
    let _ = child.wait();
    let _ = std::fs::remove_file(&marker);
    let left: Vec<PathBuf> =
        sb.outputs().into_iter().filter(|n| n.ends_with(".vivify-tmp")).map(|n| out.join(n)).collect();
    assert!(!left.is_empty());
    let old = std::time::SystemTime::now() - Duration::from_secs(2 * 3600);
    for p in &left {
        std::fs::File::options().write(true).open(p).expect("open").set_modified(old).expect("age");
    }
    let o = sb.run(&["live", s(&fixtures().join("h264_noaudio.mp4")), "-o", s(&out), "--format", "live", "--force"]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(temps(&sb), 0, "stale temporaries removed: {:?}", sb.outputs());
}

/// A 10000×10000 PNG (exactly the 100 MP cap) is checked within 1 GiB.
#[test]
fn a_photo_at_the_pixel_cap_stays_within_one_gib() {
    let sb = sandbox("pixel-cap");
    let p = sb.path("big.png");
    {
        let f = std::io::BufWriter::new(std::fs::File::create(&p).expect("create"));
        let mut enc = png::Encoder::new(f, 10_000, 10_000);
        enc.set_color(png::ColorType::Rgb);
        let mut w = enc.write_header().expect("header");
        let mut stream = w.stream_writer().expect("stream");
        let row: Vec<u8> = (0..30_000u32).map(|i| (i / 97) as u8).collect();
        for _ in 0..10_000 {
            std::io::Write::write_all(&mut stream, &row).expect("row");
        }
        stream.finish().expect("finish");
    }
    let out = sb.path("out/big.mp4");
    for args in [
        vec!["moderate", s(&p), "--json"],
        vec!["alive", s(&p), "-o", s(&out), "--duration", "0.5", "--fps", "6", "--mute", "--json"],
    ] {
        let (o, rss) = run_measured(&sb, &args);
        assert!(o.status.success(), "{args:?}: {}", err(&o));
        if let Some(kib) = rss {
            assert!(kib < 1024 * 1024, "{args:?}: {kib} KiB peak for a 100 MP photo");
            eprintln!("{} on a 100 MP PNG: {} MiB peak RSS", args[0], kib / 1024);
        }
    }
}

/// The small things: `-o` naming a file, an output folder that cannot be
/// made, an empty folder to `inspect`, a `.pvt` folder to `convert`.
#[test]
fn outputs_and_folders_are_named_in_errors_and_pvt_folders_convert() {
    let sb = sandbox("small");
    let clip = fixtures().join("h264_noaudio.mp4");
    let file = sb.path("a-file");
    std::fs::write(&file, b"x").expect("write");
    let o = sb.run(&["convert", s(&clip), "--to", "motion", "-o", s(&file)]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("a-file") && err(&o).contains("folder"), "{}", err(&o));
    // An output under a file (not a folder): the error names the output,
    // never our temporary file.
    let bad = file.join("clip.mp4");
    let o = sb.run(&["alive", s(&fixtures().join("photos/temple.jpg")), "-o", s(&bad), "--duration", "0.5"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(err(&o).contains("a-file") && !err(&o).contains("vivify-tmp"), "{}", err(&o));
    let empty = sb.path("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let o = sb.run(&["inspect", s(&empty)]);
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    assert!(err(&o).contains("no files"), "{}", err(&o));
    let o = sb.run(&["convert", s(&empty), "--to", "motion", "-o", s(&sb.path("out"))]);
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    // A .pvt package converts like its two files.
    let made = sb.path("made");
    let o = sb.run(&["live", s(&clip), "-o", s(&made), "--pvt", "--format", "live", "--no-sign"]);
    assert!(o.status.success(), "{}", err(&o));
    let pvt = made.join("h264_noaudio.pvt");
    let o = sb.run(&["convert", s(&pvt), "--to", "motion", "-o", s(&sb.path("out")), "--no-sign", "--json"]);
    assert!(o.status.success(), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["converted"].as_array().map(Vec::len), Some(1), "{v}");
}
