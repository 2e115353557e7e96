//! The offline page's calls, run natively on the same sources the browser
//! gives them (files read in slices through a fetch that counts): their
//! outputs must equal the command line's, pass the independent Motion Photo
//! rules and the outside judges, and bad inputs must fail in words.

#[path = "../../vivify/tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use vivify_media::claim::Signing;
use vivify_media::source::ReadAt;
use vivify_wasm::api::{self, Body, Cut, OutFile, Outputs};
use vivify_wasm::sliced::{Fetch, Sliced};

/// A file in memory that counts how often it is asked for bytes.
struct Counted {
    bytes: Vec<u8>,
    calls: AtomicUsize,
}

impl Fetch for Counted {
    fn fetch(&self, offset: u64, buf: &mut [u8]) -> bool {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.bytes.as_slice().read_at(offset, buf).is_ok()
    }
}

fn sliced(bytes: Vec<u8>) -> Sliced<Counted> {
    let len = bytes.len() as u64;
    Sliced::new(Counted { bytes, calls: AtomicUsize::new(0) }, len)
}

fn open(path: &Path) -> Sliced<Counted> {
    sliced(std::fs::read(path).expect("read fixture"))
}

fn file<'a>(out: &'a Outputs, suffix: &str) -> &'a OutFile {
    out.files.iter().find(|f| f.name.ends_with(suffix)).unwrap_or_else(|| panic!("no {suffix} in {:?}", out.files))
}

fn bytes(f: &OutFile) -> &[u8] {
    match &f.body {
        Body::Bytes(b) => b,
        Body::InputRange { .. } => panic!("{} is a range, not bytes", f.name),
    }
}

fn inspect(name: &str, b: &[u8]) -> serde_json::Value {
    api::inspect(name, &b).expect("inspect output")
}

fn pair() -> [std::path::PathBuf; 2] {
    ["HEIC", "MOV"].map(|e| common::sample(&format!("apple_iphone15promax_ios26.1_apple.{e}")))
}

#[test]
fn live_pair_to_motion_photo_equals_the_command_line_and_comes_back_paired() {
    let [still, mov] = pair();
    let (s, m) = (open(&still), open(&mov));
    let out = api::live_to_motion("apple.HEIC", &s, "apple.MOV", &m, false).expect("to motion");
    let mp = file(&out, ".MP.heic");
    assert_eq!(mp.name, "apple.MP.heic");
    assert_eq!(mp.mime, "image/heic");
    // Byte for byte what `vivify convert --to motion --no-sign` writes.
    let dir = common::temp_dir("wasm-to-motion");
    vivify_media::convert::live_to_motion(&still, &mov, &dir, false, false, &Signing::unsigned()).expect("cli path");
    let cli = std::fs::read(dir.join("apple_iphone15promax_ios26.1_apple.MP.heic")).expect("cli output");
    assert!(bytes(mp) == cli.as_slice(), "the page's Motion Photo differs from the command line's");
    let seen = inspect(&mp.name, bytes(mp));
    assert_eq!(seen["report"]["role"], "motion-photo", "{seen}");
    // The movie was read in slices, never whole in one piece.
    assert!(m.fetched() >= 1 && m.fetched() <= mov.metadata().expect("size").len() * 2);

    // And back: the pair keeps the original content identifier.
    let cid = inspect("a.HEIC", &std::fs::read(&still).expect("still"))["report"]["content_id"].clone();
    let back = api::motion_to_live("apple.MP.heic", &bytes(mp)).expect("to live");
    let (s2, m2) = (file(&back, ".HEIC"), file(&back, ".MOV"));
    assert_eq!((s2.name.as_str(), m2.name.as_str()), ("apple.HEIC", "apple.MOV"));
    let (a, b) = (inspect(&s2.name, bytes(s2)), inspect(&m2.name, bytes(m2)));
    assert_eq!(a["report"]["role"], "live-still");
    assert_eq!(b["report"]["role"], "live-movie");
    assert_eq!(a["report"]["content_id"], cid);
    assert_eq!(b["report"]["content_id"], cid);
    let out_dir = common::temp_dir("wasm-back");
    let movp = out_dir.join("apple.MOV");
    std::fs::write(&movp, bytes(m2)).expect("write");
    common::assert_decodes(&movp);
}

#[test]
fn extract_hands_the_video_out_as_a_range_of_the_input() {
    let path = common::sample("samsung_s23ultra_motionphoto.heic");
    let data = std::fs::read(&path).expect("sample");
    let out = api::extract("s23.heic", &data.as_slice()).expect("extract");
    let still = file(&out, ".heic");
    assert_eq!(inspect(&still.name, bytes(still))["report"]["role"], "plain", "the still keeps no Motion Photo marks");
    let video = file(&out, ".mp4");
    let Body::InputRange { input: 0, offset, len } = video.body else { panic!("video is not a range of the input") };
    let clip = &data[offset as usize..(offset + len) as usize];
    assert_eq!(&clip[4..8], b"ftyp");
    let dir = common::temp_dir("wasm-extract");
    std::fs::write(dir.join("s23.mp4"), clip).expect("write");
    common::assert_decodes(&dir.join("s23.mp4"));
}

fn cut_of(plan: &serde_json::Value) -> Cut {
    let t = |k: &str| plan[k].as_f64().unwrap_or_else(|| panic!("{k} in {plan}"));
    Cut {
        start_s: t("start_s"),
        end_s: t("end_s"),
        still_s: t("still_s"),
        live: true,
        motion: true,
        samsung: true,
        mute: false,
    }
}

#[test]
fn a_video_is_cut_on_key_frames_with_the_browsers_key_photo() {
    let src = open(&common::fixtures().join("h264_aac.mp4"));
    let plan = api::cut_plan("h264_aac.mp4", &src).expect("plan");
    assert_eq!(plan["codec"], "H.264");
    assert!(plan["codec_string"].as_str().is_some_and(|c| c.starts_with("avc1.")), "{plan}");
    let keys: Vec<f64> = plan["key_frames_s"].as_array().expect("keys").iter().filter_map(|k| k.as_f64()).collect();
    let cut = cut_of(&plan);
    assert!(keys.contains(&cut.start_s), "the suggested clip starts on a key frame: {plan}");
    assert!(cut.end_s - cut.start_s <= 3.0 + 1e-9 && cut.start_s <= cut.still_s && cut.still_s <= cut.end_s);
    // A key photo "from the browser": any upright JPEG.
    let picture = common::scenes::jpeg(&common::scenes::seascape(320, 180));
    let out = api::video_to_live("h264_aac.mp4", &src, cut, Some(&picture)).expect("cut");
    let (jpg, mov, mp) = (file(&out, ".JPG"), file(&out, ".MOV"), file(&out, ".MP.jpg"));
    let (a, b) = (inspect(&jpg.name, bytes(jpg)), inspect(&mov.name, bytes(mov)));
    assert_eq!(a["report"]["content_id"], b["report"]["content_id"]);
    assert!(a["report"]["content_id"].is_string());
    assert_eq!(a["report"]["image"]["width"], 320, "the browser's picture is the still");
    assert!(
        a["report"]["image"]["orientation"].as_u64().is_none_or(|o| o == 1),
        "an upright picture is not turned again"
    );
    assert_eq!(out.report["video_copied"], true);
    let broken = common::motion_rules::check_jpeg(bytes(mp), true);
    assert!(broken.is_empty(), "the Motion Photo breaks reader rules: {broken:?}");
    let dir = common::temp_dir("wasm-cut");
    for f in [mov, mp] {
        std::fs::write(dir.join(&f.name), bytes(f)).expect("write");
    }
    common::assert_decodes(&dir.join("h264_aac.MOV"));
    if let Some(tag) = common::exif_tag(&dir.join("h264_aac.MOV"), &["-ee", "-StillImageTime"]) {
        assert_eq!(tag, "-1");
    }
}

#[test]
fn without_a_key_photo_hevc_is_decoded_here() {
    let [_, mov] = pair();
    let src = open(&mov);
    let plan = api::cut_plan("apple.MOV", &src).expect("plan");
    assert_eq!(plan["codec"], "HEVC");
    assert!(plan["codec_string"].as_str().is_some_and(|c| c.starts_with("hvc1.")), "{plan}");
    let out = api::video_to_live("apple.MOV", &src, cut_of(&plan), None).expect("cut");
    let jpg = file(&out, ".JPG");
    let seen = inspect(&jpg.name, bytes(jpg));
    let (w, h) = (seen["report"]["image"]["width"].as_u64(), seen["report"]["image"]["height"].as_u64());
    let (pw, ph) = (plan["width"].as_u64(), plan["height"].as_u64());
    // Stored as coded, turned by its Orientation to the plan's upright size.
    assert!((w, h) == (pw, ph) || (w, h) == (ph, pw), "{seen} vs {plan}");
}

#[test]
fn a_long_video_is_read_in_part() {
    let Some(ffmpeg) = common::ffmpeg() else { return };
    let dir = common::temp_dir("wasm-long");
    let long = dir.join("long.mp4");
    let ok = std::process::Command::new(ffmpeg)
        .args(["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-f", "lavfi", "-i"])
        .args([
            "sine=frequency=440:sample_rate=48000",
            "-t",
            "60",
            "-c:v",
            "libx264",
            "-g",
            "60",
            "-pix_fmt",
            "yuv420p",
        ])
        .args(["-c:a", "aac", "-y"])
        .arg(&long)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "ffmpeg made the long clip");
    let src = open(&long);
    let plan = api::cut_plan("long.mp4", &src).expect("plan");
    let out = api::video_to_live(
        "long.mp4",
        &src,
        cut_of(&plan),
        Some(&common::scenes::jpeg(&common::scenes::seascape(64, 48))),
    )
    .expect("cut");
    assert_eq!(out.files.len(), 3);
    let size = src.len();
    eprintln!("one cut of a 60 s video: {} of {size} bytes read in {} slices", src.fetched(), src_calls(&src));
    // Two copies (Live movie, Motion Photo) of a 3 s clip of 60 s and the
    // tables: about a seventh.
    assert!(src.fetched() < size / 4, "read {} of {size} bytes", src.fetched());
    let calls = src_calls(&src);
    assert!(calls < 400, "{calls} slices for one cut: the block cache is not working");
}

fn src_calls(s: &Sliced<Counted>) -> usize {
    s.fetcher().calls.load(Ordering::Relaxed)
}

#[test]
fn bad_inputs_fail_in_words_naming_the_file() {
    let text = b"just some words, not a photo".to_vec();
    let e = api::motion_to_live("notes.jpg", &text.as_slice()).expect_err("text is no Motion Photo").to_string();
    assert!(e.contains("notes.jpg"), "{e}");
    let e = api::extract("notes.jpg", &text.as_slice()).expect_err("nothing to extract").to_string();
    assert!(e.contains("notes.jpg"), "{e}");
    let src = open(&common::fixtures().join("h264_aac.mp4"));
    let plan = api::cut_plan("clip.mp4", &src).expect("plan");
    let e = api::video_to_live("clip.mp4", &src, cut_of(&plan), Some(b"not a jpeg")).expect_err("bad key photo");
    let msg = vivify_media::error::chain_text(&e);
    assert!(msg.contains("clip.mp4") && msg.contains("key frame JPEG"), "{msg}");
    let mut cut = cut_of(&plan);
    cut.start_s = 50.0;
    cut.end_s = 52.0;
    cut.still_s = 51.0;
    let msg =
        vivify_media::error::chain_text(&api::video_to_live("clip.mp4", &src, cut, None).expect_err("past the end"));
    assert!(msg.contains("clip.mp4") && msg.contains("range"), "{msg}");
    // A movie cut short: an error, not a panic.
    let mov = std::fs::read(&pair()[1]).expect("mov");
    let short = &mov[..mov.len() / 3];
    let [still, _] = pair();
    let s = open(&still);
    assert!(api::live_to_motion("a.HEIC", &s, "a.MOV", &short, false).is_err());
}

#[test]
fn mutated_videos_never_panic() {
    let clean = std::fs::read(common::fixtures().join("h264_aac.mp4")).expect("fixture");
    let picture = common::scenes::jpeg(&common::scenes::seascape(32, 24));
    let mut rng = common::Rng(0x5eed_0017);
    for i in 0..1500 {
        let mut d = clean.clone();
        for _ in 0..1 + rng.below(8) {
            let at = rng.below(d.len());
            d[at] = rng.next() as u8;
        }
        if i % 7 == 0 {
            d.truncate(rng.below(d.len()));
        }
        let src = sliced(d);
        if let Ok(plan) = api::cut_plan("m.mp4", &src) {
            if i % 5 == 0 {
                let cut = Cut {
                    start_s: plan["start_s"].as_f64().unwrap_or(0.0),
                    end_s: plan["end_s"].as_f64().unwrap_or(1.0),
                    still_s: plan["still_s"].as_f64().unwrap_or(0.5),
                    live: true,
                    motion: true,
                    samsung: false,
                    mute: false,
                };
                let _ = api::video_to_live("m.mp4", &src, cut, Some(&picture));
            }
        }
    }
}
