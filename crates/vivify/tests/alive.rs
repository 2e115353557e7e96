//! Photo → living moment, end to end: masks against drawn scenes with known
//! sky and water, motion where the plan says and nowhere else, the first
//! frame equal to the photo, loops that close, no frame edge, sound that is
//! there and does not clip; outside tools decode and read everything.

mod common;

use common::scenes::{self, Drawn};
use vivify::alive::scene::Scene;
use vivify::picture::image::Rgb;

fn drawn_rgb(d: &Drawn) -> Rgb {
    Rgb { width: d.width, height: d.height, data: d.rgb.clone() }
}

/// Intersection over union of a soft mask (at analysis size) against a drawn
/// boolean mask.
fn iou(mask: &vivify::picture::image::Field, truth: &[bool], w: usize, h: usize) -> f32 {
    let (mut inter, mut union) = (0.0f32, 0.0f32);
    for y in 0..h {
        for x in 0..w {
            let m = mask.sample(
                (x as f32 + 0.5) * mask.width as f32 / w as f32 - 0.5,
                (y as f32 + 0.5) * mask.height as f32 / h as f32 - 0.5,
            ) > 0.5;
            let t = truth[y * w + x];
            inter += f32::from(u8::from(m && t));
            union += f32::from(u8::from(m || t));
        }
    }
    inter / union.max(1.0)
}

#[test]
fn scene_masks_match_a_drawn_seascape() {
    let d = scenes::seascape(640, 480);
    if let Some(dir) = std::env::var_os("VIVIFY_DUMP") {
        std::fs::write(std::path::Path::new(&dir).join("seascape.png"), scenes::png(&d)).expect("dump");
    }
    let s = Scene::analyse(&drawn_rgb(&d), false).expect("analyse");
    let sky = iou(&s.sky, &d.sky, d.width, d.height);
    let water = iou(&s.water, &d.water, d.width, d.height);
    assert!(sky > 0.9, "sky IoU {sky}");
    assert!(water > 0.8, "water IoU {water}");
    let hz = s.summary.horizon.expect("horizon");
    assert!((hz - 0.45).abs() < 0.05, "horizon at {hz}");
}

use std::path::{Path, PathBuf};
use std::process::Command;

use vivify::alive::render::{Cover, Stage};
use vivify::alive::{frame_size, make, plan, prompt, AliveOptions, AliveReport, SizeSpec};
use vivify::codec::Frame;
use vivify::Quiet;

fn photo(name: &str) -> PathBuf {
    common::fixtures().join("photos").join(name)
}

/// Writes the drawn seascape as PNG into `dir`.
fn seascape_file(dir: &Path, w: usize, h: usize) -> (PathBuf, Drawn) {
    let d = scenes::seascape(w, h);
    let p = dir.join("seascape.png");
    std::fs::write(&p, scenes::png(&d)).expect("write png");
    (p, d)
}

fn run(input: &Path, out: &Path, prompt: &str, tweak: impl FnOnce(&mut AliveOptions)) -> AliveReport {
    let mut o = AliveOptions::new(out);
    o.prompt = Some(prompt.into());
    o.force = true;
    tweak(&mut o);
    make(input, &o, &Quiet).expect("alive")
}

/// Frames decoded by ffmpeg in `pix_fmt` (gray or rgb24), or None without ffmpeg.
fn decode(file: &Path, pix_fmt: &str, w: usize, h: usize) -> Option<Vec<Vec<u8>>> {
    let ff = common::ffmpeg()?;
    let out = Command::new(ff)
        .args(["-v", "error", "-i"])
        .arg(file)
        .args(["-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", pix_fmt, "-"])
        .output()
        .expect("ffmpeg");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let size = w * h * if pix_fmt == "gray" { 1 } else { 3 };
    assert_eq!(out.stdout.len() % size, 0, "odd decoded size");
    Some(out.stdout.chunks(size).map(<[u8]>::to_vec).collect())
}

/// The photo as ffmpeg sees it, cropped and scaled to `w`×`h`, in RGB.
fn reference(file: &Path, crop: vivify::picture::image::Rect, w: usize, h: usize) -> Option<Vec<u8>> {
    let ff = common::ffmpeg()?;
    let vf =
        format!("crop={:.3}:{:.3}:{:.3}:{:.3}:exact=1,scale={w}:{h}:flags=bilinear", crop.w, crop.h, crop.x, crop.y);
    let out = Command::new(ff)
        .args(["-v", "error", "-i"])
        .arg(file)
        .args(["-vf", &vf, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        .output()
        .expect("ffmpeg");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Some(out.stdout)
}

fn psnr(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    let mse = a.iter().zip(b).map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2)).sum::<f64>() / a.len() as f64;
    10.0 * (255.0f64 * 255.0 / mse.max(1e-9)).log10()
}

fn mean_abs(a: &[u8], b: &[u8]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (i32::from(*x) - i32::from(*y)).unsigned_abs() as f64).sum::<f64>() / a.len() as f64
}

fn ffprobe_json(file: &Path) -> Option<serde_json::Value> {
    let fp = common::ffprobe()?;
    let out = Command::new(fp)
        .args(["-v", "error", "-count_frames", "-show_streams", "-show_format", "-of", "json"])
        .arg(file)
        .output()
        .expect("ffprobe");
    assert!(out.status.success());
    Some(serde_json::from_slice(&out.stdout).expect("json"))
}

#[test]
fn real_photos_are_read_upright_and_analysed() {
    let temple = vivify::picture::photo::Photo::open(&photo("temple.jpg")).expect("temple");
    let s = Scene::analyse(&temple.rgb, false).expect("analyse");
    assert!(s.summary.sky_share > 0.25, "temple sky {}", s.summary.sky_share);
    assert!(s.summary.water_share < 0.005, "temple has no water, found {}", s.summary.water_share);
    assert!(s.summary.horizon.is_some());
    // Stored landscape with orientation 6: shown portrait.
    let dinner = vivify::picture::photo::Photo::open(&photo("dinner_rot6.jpg")).expect("dinner");
    assert_eq!((dinner.rgb.width, dinner.rgb.height, dinner.orientation), (960, 1280, 6));
    let s = Scene::analyse(&dinner.rgb, false).expect("analyse");
    assert!(s.summary.sky_share < 0.03 && s.summary.water_share < 0.005, "{:?}", s.summary);
}

#[test]
fn same_photo_prompt_and_seed_give_the_same_frames() {
    let dir = common::temp_dir("alive-determinism");
    let (png, _) = seascape_file(&dir, 320, 240);
    let p = "clouds drift left, snow, waves";
    run(&png, &dir.join("a.mp4"), p, |o| o.duration = 1.0);
    run(&png, &dir.join("b.mp4"), p, |o| o.duration = 1.0);
    run(&png, &dir.join("c.mp4"), p, |o| {
        o.duration = 1.0;
        o.seed = 2;
    });
    let (a, b, c) = (
        std::fs::read(dir.join("a.mp4")).expect("a"),
        std::fs::read(dir.join("b.mp4")).expect("b"),
        std::fs::read(dir.join("c.mp4")).expect("c"),
    );
    assert_eq!(a, b, "same inputs, different files");
    assert_ne!(a, c, "another seed changed nothing");
    if let (Some(fa), Some(fb)) =
        (decode(&dir.join("a.mp4"), "gray", 320, 240), decode(&dir.join("b.mp4"), "gray", 320, 240))
    {
        assert_eq!(fa.len(), 30);
        assert_eq!(fa, fb, "decoded frames differ");
    }
}

/// Renders frames in memory through the library API.
fn frames_of(d: &Drawn, text: &str, duration: f32, fps: u32, looped: bool) -> (Vec<Frame>, Scene) {
    let rgb = drawn_rgb(d);
    let mut intent = prompt::parse(text);
    intent.looped |= looped;
    let scene = Scene::analyse(&rgb, false).expect("scene");
    let pl = plan::build(text, &intent, &scene, 1, false);
    let (w, h, crop, _) = frame_size(d.width, d.height, SizeSpec::Auto, scene.summary.subject).expect("size");
    let stage = Stage::new(&rgb, &scene, &pl, crop, w, h, duration, 1).expect("stage");
    let mut cover = Cover { width: 0, near: Vec::new(), sky: Vec::new() };
    let n = (duration * fps as f32).round() as usize;
    let frames = (0..n)
        .map(|i| {
            let mut f = Frame::new(w, h).expect("frame");
            stage.render(i as f32 / fps as f32, &mut f, &mut cover);
            f
        })
        .collect();
    (frames, scene)
}

/// True at pixels at least `r` pixels inside the true region.
fn eroded(mask: &[bool], w: usize, h: usize, r: usize) -> Vec<bool> {
    (0..w * h)
        .map(|i| {
            let (x, y) = (i % w, i / w);
            (y.saturating_sub(r)..=(y + r).min(h - 1))
                .all(|yy| (x.saturating_sub(r)..=(x + r).min(w - 1)).all(|xx| mask[yy * w + xx]))
        })
        .collect()
}

#[test]
fn a_sky_only_plan_moves_the_sky_and_nothing_else() {
    let d = scenes::seascape(480, 360);
    let (frames, _) = frames_of(&d, "only the clouds drift left", 2.0, 30, false);
    let (w, h) = (d.width, d.height);
    let inside = eroded(&d.sky, w, h, 8);
    let not_sky: Vec<bool> = d.sky.iter().map(|s| !s).collect();
    let outside = eroded(&not_sky, w, h, 8);
    let (first, last) = (&frames[0], &frames[frames.len() - 1]);
    let diff = |m: &[bool]| {
        let idx: Vec<usize> = (0..w * h).filter(|&i| m[i]).collect();
        let sum: f64 = idx.iter().map(|&i| (i32::from(first.y[i]) - i32::from(last.y[i])).unsigned_abs() as f64).sum();
        let max = idx.iter().map(|&i| (i32::from(first.y[i]) - i32::from(last.y[i])).unsigned_abs()).max().unwrap_or(0);
        (sum / idx.len().max(1) as f64, max)
    };
    let (sky_mean, _) = diff(&inside);
    let (rest_mean, rest_max) = diff(&outside);
    let sky_px: Vec<usize> = (0..w * h).filter(|&i| inside[i]).collect();
    let changed = sky_px.iter().filter(|&&i| first.y[i] != last.y[i]).count() as f64 / sky_px.len() as f64;
    assert!(
        sky_mean > 0.5 && changed > 0.25,
        "the clouds hardly moved: mean {sky_mean}, {:.0} % changed",
        changed * 100.0
    );
    assert_eq!(rest_max, 0, "pixels outside the sky changed (mean {rest_mean})");
    // Between neighbouring frames too, the ground never changes.
    for pair in frames.windows(2) {
        assert!(outside.iter().enumerate().filter(|(_, m)| **m).all(|(i, _)| pair[0].y[i] == pair[1].y[i]));
    }
}

#[test]
fn water_moves_under_a_water_plan_and_the_land_stays() {
    let d = scenes::seascape(480, 360);
    let (frames, _) = frames_of(&d, "only waves", 2.0, 30, false);
    let (w, h) = (d.width, d.height);
    let water = eroded(&d.water, w, h, 8);
    let land: Vec<bool> = (0..w * h).map(|i| !d.water[i] && !d.sky[i]).collect();
    let land = eroded(&land, w, h, 10);
    let (a, b) = (&frames[0], &frames[45]);
    let moved = (0..w * h).filter(|&i| water[i]).filter(|&i| a.y[i] != b.y[i]).count() as f64
        / water.iter().filter(|m| **m).count() as f64;
    assert!(moved > 0.3, "only {:.0} % of the water changed", moved * 100.0);
    assert!((0..w * h).filter(|&i| land[i]).all(|i| a.y[i] == b.y[i]), "land moved");
}

#[test]
fn the_first_frame_is_the_photo() {
    let dir = common::temp_dir("alive-first-frame");
    let src = photo("temple.jpg");
    for (size, name) in [(SizeSpec::Source, "source"), (SizeSpec::Story, "story")] {
        let out = dir.join(format!("{name}.mp4"));
        let r = run(&src, &out, "bring this photo to life, snow", |o| {
            o.size = size;
            o.duration = 1.0;
        });
        assert_eq!(r.rest_time_s, 0.0);
        let Some(frames) = decode(&out, "rgb24", r.width, r.height) else { return };
        let Some(want) = reference(&src, r.crop, r.width, r.height) else { return };
        // The visible label is the one thing added to the first frame: it
        // must show there, and everything else must be the photo.
        let (lx, ly, lw, lh) = r.label.expect("a visible label");
        let (mut first, mut last) = (frames[0].clone(), frames[frames.len() - 1].clone());
        let mut inside = (0.0, 0usize);
        for y in ly..ly + lh {
            let row = (y * r.width + lx) * 3..(y * r.width + lx + lw) * 3;
            for i in row.clone() {
                inside.0 += (f64::from(first[i]) - f64::from(want[i])).abs();
                inside.1 += 1;
            }
            first[row.clone()].copy_from_slice(&want[row.clone()]);
            last[row.clone()].copy_from_slice(&want[row]);
        }
        assert!(inside.0 / inside.1 as f64 > 20.0, "{name}: the label does not show");
        let p = psnr(&first, &want);
        assert!(p >= 35.0, "{name}: first frame PSNR {p:.1} dB against the photo");
        // And it is not just any frame: the last one differs more.
        let p_last = psnr(&last, &want);
        assert!(p_last < p - 1.0, "{name}: last frame {p_last:.1} dB, first {p:.1} dB");
    }
}

#[test]
fn a_looped_clip_flows_back_into_its_first_frame() {
    // Rendered frames: the step from the last frame back to the first is an
    // ordinary step, for every layer at once.
    let d = scenes::seascape(320, 240);
    let text = "clouds drift left, waves, snow, zoom in";
    let (frames, _) = frames_of(&d, text, 2.0, 30, true);
    let mut steps: Vec<f64> = frames.windows(2).map(|p| mean_abs(&p[0].y, &p[1].y)).collect();
    steps.sort_by(f64::total_cmp);
    let median = steps[steps.len() / 2];
    let wrap = mean_abs(&frames[frames.len() - 1].y, &frames[0].y);
    assert!(median > 0.1, "the loop barely moves: {median}");
    assert!(wrap <= 1.5 * median, "last → first {wrap:.3} vs a normal step {median:.3}");
    // The same through the encoder and ffmpeg's decoder: the wrap is no
    // bigger than the largest step inside the clip (which includes the
    // change of coding noise where a new key frame starts).
    let dir = common::temp_dir("alive-loop");
    let (png, d) = seascape_file(&dir, 320, 240);
    let out = dir.join("loop.mp4");
    let r = run(&png, &out, text, |o| {
        o.looped = true;
        o.duration = 2.0;
    });
    assert!(r.plan.looped);
    let Some(frames) = decode(&out, "gray", d.width, d.height) else { return };
    let max_step = frames.windows(2).map(|p| mean_abs(&p[0], &p[1])).fold(0.0, f64::max);
    let wrap = mean_abs(&frames[frames.len() - 1], &frames[0]);
    assert!(wrap <= 1.25 * max_step, "decoded: last → first {wrap:.2}, largest step {max_step:.2}");
}

/// A frame edge shows as an outer line that repeats its neighbour (edge
/// clamping) or as a dark band.
fn edge_problem(f: &[u8], w: usize, h: usize) -> Option<String> {
    let row = |y: usize| f[y * w..(y + 1) * w].to_vec();
    let col = |x: usize| (0..h).map(|y| f[y * w + x]).collect::<Vec<u8>>();
    let lines = [
        ("top", row(0), row(1)),
        ("bottom", row(h - 1), row(h - 2)),
        ("left", col(0), col(1)),
        ("right", col(w - 1), col(w - 2)),
    ];
    for (name, outer, inner) in lines {
        let flat = outer.windows(2).all(|p| p[0].abs_diff(p[1]) <= 1);
        let dark = outer.iter().map(|&v| u32::from(v)).sum::<u32>() / outer.len() as u32 <= 18;
        if (flat && mean_abs(&outer, &inner) < 0.05) || dark {
            return Some(name.to_string());
        }
    }
    None
}

#[test]
fn no_frame_edge_ever_shows() {
    let dir = common::temp_dir("alive-edges");
    let src = photo("dinner_rot6.jpg");
    for (i, p) in ["pan left", "pan up, parallax", "orbit", "zoom out", "bring this photo to life", "cinematic"]
        .iter()
        .enumerate()
    {
        let out = dir.join(format!("e{i}.mp4"));
        let r = run(&src, &out, p, |o| {
            o.size = SizeSpec::Exact(360, 480);
            o.duration = 2.0;
            o.mute = true;
        });
        let Some(frames) = decode(&out, "gray", r.width, r.height) else { return };
        for (n, f) in frames.iter().enumerate() {
            assert!(
                edge_problem(f, r.width, r.height).is_none(),
                "'{p}' frame {n}: {:?} edge shows",
                edge_problem(f, r.width, r.height)
            );
        }
    }
}

#[test]
fn outputs_have_the_size_rate_length_and_sound_asked_for() {
    let dir = common::temp_dir("alive-probe");
    let (png, _) = seascape_file(&dir, 640, 480);
    let out = dir.join("probe.mp4");
    let r = run(&png, &out, "waves, wind", |o| {
        o.duration = 2.5;
        o.fps = 24;
        o.size = SizeSpec::Exact(401, 301);
    });
    assert_eq!((r.width, r.height, r.frames), (400, 300, 60));
    // moov before mdat: plays while it downloads.
    let bytes = std::fs::read(&out).expect("read");
    let find = |tag: &[u8]| bytes.windows(4).position(|w| w == tag).expect("box");
    assert!(find(b"moov") < find(b"mdat"), "not fast-start");
    let Some(j) = ffprobe_json(&out) else { return };
    common::assert_decodes(&out);
    let streams = j["streams"].as_array().expect("streams");
    let v = streams.iter().find(|s| s["codec_type"] == "video").expect("video");
    assert_eq!(v["codec_name"], "h264");
    assert_eq!(v["pix_fmt"], "yuv420p");
    assert_eq!((v["width"].as_u64(), v["height"].as_u64()), (Some(400), Some(300)));
    assert_eq!(v["r_frame_rate"], "24/1");
    assert_eq!(v["nb_read_frames"], "60");
    assert_eq!(v["color_range"], "tv");
    assert_eq!(v["color_space"], "bt709");
    let a = streams.iter().find(|s| s["codec_type"] == "audio").expect("audio");
    assert_eq!(a["codec_name"], "aac");
    let dur: f64 = j["format"]["duration"].as_str().expect("duration").parse().expect("number");
    assert!((dur - 2.5).abs() < 0.05, "duration {dur}");
    // The sound: present, sensibly loud, never clipped.
    let Some(ff) = common::ffmpeg() else { return };
    let pcm = Command::new(ff)
        .args(["-v", "error", "-i"])
        .arg(&out)
        .args(["-map", "0:a:0", "-f", "f32le", "-ac", "2", "-ar", "48000", "-"])
        .output()
        .expect("ffmpeg");
    let s: Vec<f32> = pcm.stdout.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    let seconds = s.len() as f64 / 2.0 / 48_000.0;
    assert!((seconds - 2.5).abs() < 0.05, "audio lasts {seconds} s");
    let rms = (s.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / s.len() as f64).sqrt();
    let db = 20.0 * rms.log10();
    let peak = s.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!((-27.0..=-15.0).contains(&db), "loudness {db:.1} dBFS");
    assert!(peak < 0.99, "clipping: peak {peak}");
}

#[test]
fn live_and_motion_outputs_carry_the_untouched_photo() {
    let dir = common::temp_dir("alive-live");
    let src = photo("temple.jpg");
    let out = dir.join("temple.mp4");
    let r = run(&src, &out, "clouds drift left, sky turns golden", |o| {
        o.live = true;
        o.motion = true;
        o.duration = 2.0;
        o.size = SizeSpec::Exact(800, 600);
    });
    let cid = r.content_id.clone().expect("content id");
    let (jpg, mov, mp) = (dir.join("temple.JPG"), dir.join("temple.MOV"), dir.join("temple.MP.jpg"));
    // The key photo's image data is the original's, byte for byte.
    let orig = std::fs::read(&src).expect("orig");
    let still = std::fs::read(&jpg).expect("still");
    let tail = |b: &[u8]| {
        let sos = b.windows(2).rposition(|w| w == [0xFF, 0xDA]).expect("SOS");
        b[sos..].to_vec()
    };
    assert_eq!(tail(&orig), tail(&still), "the key photo was re-encoded");
    // The pair is linked as Apple links it, and the motion photo is well formed.
    let info = vivify::bmff::movie::Movie::parse(&std::fs::read(&mov).expect("mov")).expect("parse mov");
    let live = vivify::package::live::live_info(&info);
    assert_eq!(live.content_id.as_deref(), Some(cid.as_str()));
    // The photo's make and model travel into the movie's keys.
    let model = info.meta.as_ref().and_then(|m| m.get("com.apple.quicktime.model")).map(|d| d.display());
    assert_eq!(model.as_deref(), Some("iPhone 15 Plus"));
    let mpb = std::fs::read(&mp).expect("mp");
    let problems = common::motion_rules::check_jpeg(&mpb, false);
    assert!(problems.is_empty(), "{problems:?}");
    // Our own linter (the rules of the Live/Motion Photo work) finds nothing.
    for f in [&jpg, &mov, &mp] {
        let r = vivify::inspect::inspect_path(f).expect("inspect");
        assert!(r.issues.is_empty(), "{}: {:?}", f.display(), r.issues);
    }
    common::assert_decodes(&mov);
    if let Some(v) = common::exif_tag(&mov, &["-Keys:ContentIdentifier"]) {
        assert_eq!(v, cid);
        assert_eq!(common::exif_tag(&jpg, &["-Apple:ContentIdentifier"]).as_deref(), Some(cid.as_str()));
        assert_eq!(common::exif_tag(&mov, &["-ee", "-StillImageTime"]).as_deref(), Some("-1"));
        let video = common::exif_binary(&mp, "MotionPhotoVideo").expect("video");
        let embedded = dir.join("embedded.mp4");
        std::fs::write(&embedded, &video).expect("write");
        common::assert_decodes(&embedded);
    }
}

#[test]
fn the_plan_reports_what_it_could_not_use() {
    let dir = common::temp_dir("alive-plan");
    let r = run(&photo("temple.jpg"), &dir.join("t.mp4"), "waves crash, make them talk, xylophone", |o| {
        o.duration = 0.5;
        o.size = SizeSpec::Exact(160, 120);
    });
    assert!(r.plan.water.is_none());
    assert!(r.plan.notes.iter().any(|n| n.contains("no water was found")), "{:?}", r.plan.notes);
    assert!(r.plan.ignored.iter().any(|w| w == "xylophone"), "{:?}", r.plan.ignored);
    assert!(r.plan.ignored.iter().any(|w| w.contains("'talk'") && w.contains("not")), "{:?}", r.plan.ignored);
    assert!(r.warnings.iter().any(|w| w.starts_with("ignored:")));
    // A portrait-like photo without sky: the subject breathes.
    let r = run(&photo("dinner_rot6.jpg"), &dir.join("d.mp4"), "bring this photo to life", |o| {
        o.duration = 0.5;
        o.size = SizeSpec::Exact(120, 160);
    });
    assert!(r.plan.clouds.is_none() && r.plan.water.is_none());
    assert!(r.plan.breathe > 0.0, "{:?}", r.plan);
    assert!(r.plan.sound.iter().all(|b| b.kind == prompt::SoundKind::Room));
}

#[test]
fn iphone_heic_photos_decode_upright_and_match_their_live_video() {
    use vivify::picture::image::{resize, Rect};
    use vivify::picture::photo::Photo;
    let open = |n: &str| Photo::open(&common::sample(n)).expect(n);
    let p = open("apple_iphone15plus_ios18.2_IMG_3853.HEIC");
    assert_eq!((p.rgb.width, p.rgb.height), (5712, 4284));
    let s = Scene::analyse(&p.rgb, false).expect("analyse");
    assert!(s.summary.sky_share > 0.25, "{:?}", s.summary);
    // The rotated Live Photo of a plate of food: portrait, no sky.
    let p2 = open("apple_iphone15promax_ios26.1_apple.HEIC");
    assert!(p2.rgb.height > p2.rgb.width, "{}x{}", p2.rgb.width, p2.rgb.height);
    // A sign through a window and shirts at the top of a table photo are
    // not skies.
    for n in ["apple_iphone11pro_ios13.4.1_IMG_2927.HEIC", "samsung_s23ultra_motionphoto.heic"] {
        let s = Scene::analyse(&open(n).rgb, false).expect("analyse");
        assert!(s.summary.sky_share < 0.03, "{n}: {:?}", s.summary);
    }
    // The still and its movie show the same moment: the tiles are in their
    // places (a wrong tile order or a turned picture scores far lower).
    let Some(ff) = common::ffmpeg() else { return };
    let out = Command::new(ff)
        .args(["-v", "error", "-ss", "0.9", "-i"])
        .arg(common::sample("apple_iphone15plus_ios18.2_IMG_3853.MOV"))
        .args(["-frames:v", "1", "-vf", "scale=96:72:flags=area", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        .output()
        .expect("ffmpeg");
    let small = resize(&p.rgb, Rect { x: 0.0, y: 0.0, w: 5712.0, h: 4284.0 }, 96, 72).expect("resize");
    let same = psnr(&small.data, &out.stdout);
    let flipped = small.clone().oriented(3);
    let wrong = psnr(&flipped.data, &out.stdout);
    assert!(same > 17.0 && same > wrong + 4.0, "still vs movie frame: {same:.1} dB (turned: {wrong:.1} dB)");
}

#[test]
fn a_heic_photo_stays_heic_as_the_key_photo() {
    let dir = common::temp_dir("alive-heic");
    let src = common::sample("apple_iphone11pro_ios13.4.1_IMG_2927.HEIC");
    let out = dir.join("sign.mp4");
    let r = run(&src, &out, "gentle zoom in", |o| {
        o.video = false;
        o.live = true;
        o.motion = true;
        o.duration = 1.0;
        o.size = SizeSpec::Auto;
    });
    let cid = r.content_id.clone().expect("cid");
    let (still, mov, mp) = (dir.join("sign.HEIC"), dir.join("sign.MOV"), dir.join("sign.MP.heic"));
    assert_eq!(r.outputs, vec![still.display().to_string(), mov.display().to_string(), mp.display().to_string()]);
    // The coded picture is the original's: the rewrite only touched metadata.
    let (a, b) = (std::fs::read(&src).expect("src"), std::fs::read(&still).expect("still"));
    let heif = |d: &[u8]| {
        let s: &[u8] = d;
        let h = vivify::heic::Heif::parse(&s).expect("heif");
        h.item_data(&s, h.primary).expect("primary")
    };
    assert_eq!(heif(&a), heif(&b), "the key photo's grid changed");
    assert_eq!(vivify::convert::still_content_id(&still).expect("read").as_deref(), Some(cid.as_str()));
    let mpb = std::fs::read(&mp).expect("mp");
    let s: &[u8] = &mpb;
    let h = vivify::heic::Heif::parse(&s).expect("heif");
    let xmp = String::from_utf8_lossy(&h.xmp(&s).expect("xmp").expect("has xmp")).into_owned();
    let problems = common::motion_rules::check_heic(&mpb, &xmp);
    assert!(problems.is_empty(), "{problems:?}");
    for f in [&still, &mov, &mp] {
        let r = vivify::inspect::inspect_path(f).expect("inspect");
        assert!(r.issues.is_empty(), "{}: {:?}", f.display(), r.issues);
    }
    common::assert_decodes(&mov);
    if let Some(v) = common::exif_tag(&still, &["-Apple:ContentIdentifier"]) {
        assert_eq!(v, cid);
    }
}

#[cfg(feature = "faces")]
#[test]
fn faces_are_found_on_people_and_nowhere_else() {
    use vivify::picture::faces::detect_at;
    use vivify::picture::photo::Photo;
    let temple = Photo::open(&photo("temple.jpg")).expect("temple");
    let faces = detect_at(&temple.rgb, 1024);
    assert!(!faces.is_empty(), "the crowd in the temple photo has faces");
    // The sky ends at about 35 % of the height: no face up there.
    assert!(faces.iter().all(|f| f.rect.y > 0.35), "{faces:?}");
    let sea = scenes::seascape(640, 480);
    assert!(detect_at(&drawn_rgb(&sea), 1024).is_empty());
    let dinner = Photo::open(&photo("dinner_rot6.jpg")).expect("dinner");
    assert!(detect_at(&dinner.rgb, 1024).is_empty());
}

/// Cancels once `after` frames are done; records the phases it saw.
struct CancelAfter {
    after: u64,
    phases: std::sync::Mutex<Vec<String>>,
    seen: std::sync::atomic::AtomicU64,
}

impl vivify::Progress for CancelAfter {
    fn phase(&self, name: &str, _total: u64) {
        self.phases.lock().expect("lock").push(name.to_string());
    }
    fn advance(&self, done: u64, _total: u64) {
        self.seen.fetch_max(done, std::sync::atomic::Ordering::Relaxed);
    }
    fn cancelled(&self) -> bool {
        self.seen.load(std::sync::atomic::Ordering::Relaxed) >= self.after
    }
}

#[test]
fn progress_is_reported_by_phase_and_a_cancel_leaves_no_output() {
    let dir = common::temp_dir("alive-cancel");
    let (png, _) = seascape_file(&dir, 320, 240);
    let out = dir.join("never.mp4");
    let mut o = AliveOptions::new(&out);
    o.duration = 2.0;
    o.live = true;
    let p = CancelAfter { after: 10, phases: std::sync::Mutex::new(Vec::new()), seen: Default::default() };
    let r = make(&png, &o, &p);
    assert!(matches!(r, Err(ref e) if e.to_string().contains("cancelled")), "{:?}", r.map(|r| r.outputs));
    let phases = p.phases.lock().expect("lock").clone();
    let first = ["decoding the photo", "checking the photo", "looking at the scene"].map(String::from);
    assert!(phases.starts_with(&first), "{phases:?}");
    assert!(phases.iter().any(|s| s == "rendering and encoding"));
    let left: Vec<_> = std::fs::read_dir(&dir).expect("dir").filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
    assert_eq!(left.len(), 1, "only the input may remain: {left:?}");
}

#[test]
fn a_sunset_grade_warms_the_sky_more_than_the_scene() {
    let d = scenes::seascape(480, 360);
    let (frames, _) = frames_of(&d, "only the sky turns to sunset", 2.0, 30, false);
    let (w, h) = (d.width, d.height);
    let sky = eroded(&d.sky, w, h, 8);
    let land: Vec<bool> = (0..w * h).map(|i| !d.sky[i] && !d.water[i]).collect();
    let land = eroded(&land, w, h, 8);
    // Mean Cr (red difference) over a mask, read from the 4:2:0 planes.
    let cr = |f: &Frame, m: &[bool]| {
        let cw = f.width.div_ceil(2);
        let idx: Vec<usize> = (0..w * h).filter(|&i| m[i]).map(|i| (i / w / 2) * cw + (i % w) / 2).collect();
        idx.iter().map(|&c| f64::from(f.v[c])).sum::<f64>() / idx.len() as f64
    };
    let (first, last) = (&frames[0], &frames[frames.len() - 1]);
    let sky_warmer = cr(last, &sky) - cr(first, &sky);
    let land_warmer = cr(last, &land) - cr(first, &land);
    assert!(sky_warmer > 10.0, "the sky did not turn to sunset: Cr +{sky_warmer:.1}");
    assert!(land_warmer < sky_warmer && land_warmer > -2.0, "scene Cr {land_warmer:.1} vs sky {sky_warmer:.1}");
    assert_eq!(first.y, frames_of(&d, "only the sky turns to sunset", 2.0, 30, false).0[0].y, "not deterministic");
}

/// Every word docs/PROMPTS.md lists is understood by the grammar (the
/// documentation and the code cannot drift apart).
#[test]
fn every_documented_prompt_word_is_understood() {
    let doc = std::fs::read_to_string(common::fixtures().join("../../docs/PROMPTS.md")).expect("PROMPTS.md");
    let table = doc.split("## Vocabulary").nth(1).expect("vocabulary section");
    let mut checked = 0;
    for line in table.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| Words") && !l.starts_with("|---")) {
        let words = line.split('|').nth(1).unwrap_or("");
        // Drop notes in brackets ("(+ west, east…)"): they name forms, not words.
        let words: String = words.split('(').next().unwrap_or("").to_string();
        for w in words.split(',').map(|w| w.trim().trim_end_matches('…').trim()).filter(|w| !w.is_empty()) {
            let it = prompt::parse(w);
            assert!(it.ignored.is_empty(), "'{w}' is documented but ignored: {:?}", it.ignored);
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} words found in the table");
}

#[test]
fn ideas_come_from_what_the_photo_holds_and_read_whole() {
    let temple = vivify::alive::ideas::ideas(&common::fixtures().join("photos/temple.jpg")).expect("ideas");
    let prompts: Vec<&str> = temple.ideas.iter().map(|i| i.prompt.as_str()).collect();
    assert!(prompts.contains(&"clouds drift left"), "a sky photo suggests its sky: {prompts:?}");
    assert!(temple.ideas.iter().any(|i| i.why.starts_with("sky: ")), "{:?}", temple.ideas);
    assert!(!temple.default_plan.is_empty());
    let astronaut = vivify::alive::ideas::ideas(&common::fixtures().join("photos/astronaut.jpg")).expect("ideas");
    assert!(
        astronaut.ideas.iter().any(|i| i.why.contains("face")),
        "a portrait's ideas mention its face: {:?}",
        astronaut.ideas
    );
    assert!(
        !astronaut.ideas.iter().any(|i| i.prompt == "clouds drift left"),
        "no sky, no clouds: {:?}",
        astronaut.ideas
    );
    for i in temple.ideas.iter().chain(&astronaut.ideas) {
        let intent = vivify::alive::prompt::parse(&i.prompt);
        assert!(intent.ignored.is_empty() && intent.unsupported.is_empty(), "{}: {intent:?}", i.prompt);
    }
    let e = vivify::alive::ideas::ideas(&common::fixtures().join("nothing.jpg")).expect_err("no file");
    assert!(e.to_string().contains("nothing.jpg"), "{e}");
}
