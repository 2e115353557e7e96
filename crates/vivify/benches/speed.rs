//! Speed and memory against plain copies and ffmpeg, printed side by side.
//! Run with `cargo bench`. Targets (from the issue): Live → Motion ≤ 2× a
//! copy of the same bytes; video → Live ≤ 1.5× ffmpeg trim + libx264
//! veryfast; peak memory ≤ 300 MiB on a 10 s 1080p input. This prints
//! ratios; it does not fail, because timings are not tests.

mod common;

use common::{best, peak_rss_kib};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use vivify::convert::live_to_motion;
use vivify::livevideo::{make_live, LiveOptions};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn work() -> PathBuf {
    let d = std::env::temp_dir().join(format!("vivify-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("mkdir");
    d
}

fn live_opts(dir: &Path, reencode: bool) -> LiveOptions {
    LiveOptions { motion: false, reencode, force: true, ..LiveOptions::new(dir) }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // Child mode: one run in a fresh process, then report the peak RSS.
    if let Some(i) = args.iter().position(|a| a == "--memory-child") {
        let input = PathBuf::from(&args[i + 1]);
        let dir = work();
        make_live(&input, &live_opts(&dir, args.iter().any(|a| a == "--reencode")), &vivify::Quiet).expect("live");
        println!("{}", peak_rss_kib().unwrap_or(0));
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let samples = root().join("tests/fixtures/samples");
    let dir = work();

    // 1. Live -> Motion vs copying the same bytes: a pair without sound
    //    (a pure remux) and one with iPhone PCM sound (re-encoded to AAC).
    for (name, label) in [
        ("apple_iphone15promax_ios26.1_apple", "remux only"),
        ("apple_iphone15plus_ios18.2_IMG_3853", "remux + PCM->AAC"),
    ] {
        let still = samples.join(format!("{name}.HEIC"));
        let mov = samples.join(format!("{name}.MOV"));
        let convert = best(15, || {
            let _ = std::fs::remove_file(dir.join(format!("{name}.MP.heic")));
            live_to_motion(&still, &mov, &dir, false, true, &vivify::provenance::Signing::unsigned()).expect("convert");
        });
        let copy = best(15, || {
            std::fs::copy(&still, dir.join("copy.heic")).expect("copy");
            std::fs::copy(&mov, dir.join("copy.mov")).expect("copy");
        });
        println!(
            "Live -> Motion ({label}): {:>8.1} ms | copy of the same bytes: {:>8.1} ms | ratio {:.2} (target <= 2.0)",
            ms(convert),
            ms(copy),
            ratio(convert, copy)
        );
    }

    // 2. Video -> Live vs ffmpeg on a 10 s 1080p clip.
    let input = dir.join("bench_1080p_10s.mp4");
    let made = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1920x1080:rate=30:duration=10",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=300:sample_rate=48000:duration=10",
        ])
        .args(["-c:v", "libx264", "-preset", "veryfast", "-g", "30", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"])
        .arg(&input)
        .status();
    if !made.is_ok_and(|s| s.success()) {
        println!("video -> Live: SKIPPED (ffmpeg with libx264 is needed to make the input and the baseline)");
        return;
    }
    let mut window = (0.0, 3.0);
    let ours_copy = best(3, || {
        let r = make_live(&input, &live_opts(&dir, false), &vivify::Quiet).expect("live");
        window = (r.start_s, r.end_s);
    });
    let ours_encode = best(3, || {
        make_live(&input, &live_opts(&dir, true), &vivify::Quiet).expect("live");
    });
    let ffmpeg = best(3, || {
        let st = Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-ss", &window.0.to_string(), "-i"])
            .arg(&input)
            .args(["-t", &(window.1 - window.0).to_string(), "-c:v", "libx264", "-preset", "veryfast", "-c:a", "copy"])
            .arg(dir.join("ffmpeg_cut.mp4"))
            .status()
            .expect("ffmpeg");
        assert!(st.success());
    });
    println!("video -> Live, 10 s 1080p, auto moment + copy:      {:>8.1} ms | ffmpeg trim + x264 veryfast: {:>8.1} ms | ratio {:.2} (target <= 1.5)", ms(ours_copy), ms(ffmpeg), ratio(ours_copy, ffmpeg));
    println!("video -> Live, 10 s 1080p, auto moment + re-encode: {:>8.1} ms | ffmpeg trim + x264 veryfast: {:>8.1} ms | ratio {:.2} (target <= 1.5)", ms(ours_encode), ms(ffmpeg), ratio(ours_encode, ffmpeg));

    // 3. Peak memory in a fresh process.
    let exe = std::env::current_exe().expect("exe");
    for (label, extra) in [("copy", None), ("re-encode", Some("--reencode"))] {
        let mut cmd = Command::new(&exe);
        cmd.arg("--memory-child").arg(&input);
        if let Some(e) = extra {
            cmd.arg(e);
        }
        let out = cmd.output().expect("child");
        let kib: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0);
        println!("peak memory, video -> Live ({label}), 10 s 1080p: {:.1} MiB (target <= 300)", kib as f64 / 1024.0);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-9)
}
