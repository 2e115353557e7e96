//! `vivify alive` against ffmpeg's Ken Burns (`zoompan` + libx264
//! veryfast) on the same photo, same size (1080×1920) and length (3 s at
//! 30 fps), in one run. Target from the issue: ≤ 1.0× ffmpeg's wall time
//! (aim 0.5×), peak memory ≤ 500 MiB. Prints ratios; never fails on speed.
//!
//! `cargo bench --bench alive [-- --photo FILE]`

mod common;

use common::{best, peak_rss_kib};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use vivify::alive::{make, AliveOptions, SizeSpec};
use vivify::Quiet;

fn opts(out: &Path, prompt: &str) -> AliveOptions {
    let mut o = AliveOptions::new(out);
    o.size = SizeSpec::Story;
    o.force = true;
    o.prompt = Some(prompt.into());
    o
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let photo = args
        .iter()
        .position(|a| a == "--photo")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/photos/temple.jpg"));
    let dir = std::env::temp_dir().join(format!("vivify-bench-alive-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    if let Some(i) = args.iter().position(|a| a == "--memory-child") {
        make(&photo, &opts(&dir.join("m.mp4"), &args[i + 1]), &Quiet).expect("alive");
        println!("{}", peak_rss_kib().unwrap_or(0));
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let ffmpeg_ok = Command::new("ffmpeg").arg("-version").output().is_ok_and(|o| o.status.success());
    let ff = ffmpeg_ok.then(|| {
        best(3, || {
            let st = Command::new("ffmpeg")
                .args(["-hide_banner", "-loglevel", "error", "-y", "-loop", "1", "-i"])
                .arg(&photo)
                .args([
                    "-vf",
                    // Supersampled 2x first (zoompan positions are whole pixels).
                    "scale=-2:3840,crop=2160:3840,zoompan=z='min(zoom+0.0008,1.07)':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=90:s=1080x1920:fps=30,format=yuv420p",
                    "-t",
                    "3",
                    "-c:v",
                    "libx264",
                    "-preset",
                    "veryfast",
                ])
                .arg(dir.join("ff.mp4"))
                .status()
                .expect("ffmpeg");
            assert!(st.success());
        })
    });
    if ff.is_none() {
        println!("!!! ffmpeg not found: the side-by-side comparison did not run !!!");
    }
    for (label, prompt) in [
        ("default plan", "bring this photo to life"),
        ("sky + grade + snow + fog", "clouds drift left, sky turns to sunset, snow, fog"),
    ] {
        let ours = best(3, || {
            make(&photo, &opts(&dir.join("ours.mp4"), prompt), &Quiet).expect("alive");
        });
        let kib = Command::new(std::env::current_exe().expect("exe"))
            .args(["--photo"])
            .arg(&photo)
            .args(["--memory-child", prompt])
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse::<u64>().ok())
            .unwrap_or(0);
        match ff {
            Some(ff) => println!(
                "alive 1080x1920 3 s ({label}): {:>7.0} ms | ffmpeg zoompan + x264 veryfast: {:>7.0} ms | ratio {:.2} (target <= 1.0, aim 0.5) | peak {:.0} MiB (target <= 500)",
                ours.as_secs_f64() * 1e3,
                ff.as_secs_f64() * 1e3,
                ours.as_secs_f64() / ff.as_secs_f64(),
                kib as f64 / 1024.0
            ),
            None => println!("alive 1080x1920 3 s ({label}): {:>7.0} ms | peak {:.0} MiB", ours.as_secs_f64() * 1e3, kib as f64 / 1024.0),
        }
    }
    breakdown(&photo);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Where the time goes, on one thread: preparing, rendering, encoding.
fn breakdown(photo: &Path) {
    use vivify::alive::{frame_size, plan, prompt, render::Cover, render::Stage, scene::Scene};
    use vivify::codec::h264::H264Encoder;
    use vivify::picture::photo::Photo;
    let p = Photo::decode(std::fs::read(photo).expect("read")).expect("decode");
    let intent = prompt::parse("bring this photo to life");
    let scene = Scene::analyse(&p.rgb, false).expect("scene");
    let pl = plan::build("bring this photo to life", &intent, &scene, 1, false);
    if std::env::var_os("ALIVE_BARE").is_some() {
        let intent = prompt::parse("only, still camera");
        let bare = plan::build("only, still camera", &intent, &scene, 1, false);
        let (w, h, crop, _) =
            frame_size(p.rgb.width, p.rgb.height, SizeSpec::Story, scene.summary.subject).expect("size");
        let stage = Stage::new(&p.rgb, &scene, &bare, crop, w, h, 3.0, 1).expect("stage");
        let mut frame = vivify::codec::Frame::new(w, h).expect("frame");
        let mut cover = Cover { width: 0, near: Vec::new(), sky: Vec::new() };
        let t = Instant::now();
        for i in 0..90 {
            stage.render(i as f32 / 30.0, &mut frame, &mut cover);
        }
        println!("bare render {:.1} ms/frame", t.elapsed().as_secs_f64() * 1e3 / 90.0);
    }
    let (w, h, crop, _) = frame_size(p.rgb.width, p.rgb.height, SizeSpec::Story, scene.summary.subject).expect("size");
    let t = Instant::now();
    let stage = Stage::new(&p.rgb, &scene, &pl, crop, w, h, 3.0, 1).expect("stage");
    let prep = t.elapsed();
    let mut frame = vivify::codec::Frame::new(w, h).expect("frame");
    let mut cover = Cover { width: 0, near: Vec::new(), sky: Vec::new() };
    let mut frames = Vec::new();
    let t = Instant::now();
    for i in 0..90 {
        stage.render(i as f32 / 30.0, &mut frame, &mut cover);
        frames.push(frame.clone());
    }
    let render = t.elapsed();
    let mut enc = H264Encoder::new(w, h, 30.0, vivify::alive::output::RENDER_COLOR).expect("encoder");
    let t = Instant::now();
    for f in &frames {
        enc.encode(f).expect("encode");
    }
    let encode = t.elapsed();
    println!(
        "one thread, 1080x1920: prepare {:.0} ms, render {:.1} ms/frame, OpenH264 encode {:.1} ms/frame",
        prep.as_secs_f64() * 1e3,
        render.as_secs_f64() * 1e3 / 90.0,
        encode.as_secs_f64() * 1e3 / 90.0
    );
}
