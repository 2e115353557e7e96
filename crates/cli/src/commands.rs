//! One function per subcommand: arguments in, library calls, output out.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use vivify::convert;
use vivify::inspect::{inspect_path, Report};
use vivify::livevideo::{make_live, LiveOptions};

use crate::args::{
    AliveArgs, AliveAs, ConvertArgs, ConvertTo, DemoArgs, ExtractArgs, InspectArgs, LiveArgs, LiveFormat, ModelsArgs,
};
use crate::progress;

/// Standard input for `-`: spooled to an unlinked temporary file (never
/// held in memory), within the library's cap for a video.
fn spool_stdin() -> Result<vivify::source::FileSource> {
    let cap = vivify::limits::MAX_EMBEDDED_VIDEO;
    Ok(vivify::input::spool(&mut std::io::stdin().lock(), cap, "standard input")?)
}

fn quiet(json: bool) -> bool {
    json || !std::io::stderr().is_terminal()
}

pub fn inspect(a: InspectArgs) -> Result<ExitCode> {
    let mut reports = Vec::new();
    let mut failed = None;
    // A .pvt package (or any folder) is inspected file by file.
    let mut files = Vec::new();
    for f in &a.files {
        if f.is_dir() {
            let rd = std::fs::read_dir(f).map_err(|e| vivify::Error::from(e).in_file(f))?;
            // Only regular files: a FIFO or a device inside is never opened.
            let mut inner: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
            inner.retain(|p| p.is_file() && p.file_name().is_some_and(|n| n != "metadata.plist"));
            inner.sort();
            if inner.is_empty() {
                eprintln!("vivify: {}: the folder holds no files to inspect", f.display());
                failed = Some(3);
            }
            files.extend(inner);
        } else {
            files.push(f.clone());
        }
    }
    for f in &files {
        let result = if f.as_os_str() == "-" {
            spool_stdin()
                .and_then(|d| Ok(vivify::inspect::inspect_source(f, &d).map_err(|e| e.in_file(Path::new("<stdin>")))?))
        } else {
            inspect_path(f).map_err(anyhow::Error::from)
        };
        match result {
            Ok(r) => reports.push(r),
            Err(e) => {
                eprintln!("vivify: {}", vivify::error::chain_text(e.as_ref()));
                failed = Some(crate::exit_code(&e));
            }
        }
    }
    print_reports(a.json, &reports, print_report)?;
    Ok(failed.map_or(ExitCode::SUCCESS, ExitCode::from))
}

/// Prints `reports` as one JSON array, or each with `text`.
pub(crate) fn print_reports<T: serde::Serialize>(
    json: bool,
    reports: &[T],
    text: impl Fn(&mut dyn Write, &T) -> std::io::Result<()>,
) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, reports)?;
        writeln!(out)?;
    } else {
        for r in reports {
            text(&mut out, r)?;
        }
    }
    Ok(())
}

fn print_report(out: &mut dyn Write, r: &Report) -> std::io::Result<()> {
    writeln!(out, "{}: {}", r.path, r.headline())?;
    for line in r.details() {
        writeln!(out, "  {line}")?;
    }
    Ok(())
}

pub fn extract(a: ExtractArgs) -> Result<ExitCode> {
    let r = convert::extract(&a.file, &a.output, a.force)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        println!("{}\n{}", r.still, r.video);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn live(a: LiveArgs) -> Result<ExitCode> {
    let opts = LiveOptions {
        out_dir: a.output.clone(),
        start: a.start,
        end: a.end,
        still: a.still,
        live: matches!(a.format, LiveFormat::Live | LiveFormat::Both),
        motion: matches!(a.format, LiveFormat::Motion | LiveFormat::Both),
        pvt: a.pvt,
        samsung: a.samsung,
        mute: a.mute,
        reencode: a.reencode,
        force: a.force,
        signing: crate::credentials::signing(&a.sign)?,
    };
    let bar = progress::Phases::new(quiet(a.json));
    progress::cancel_on_interrupt();
    let r = if a.video.as_os_str() == "-" {
        let data = spool_stdin()?;
        vivify::livevideo::make_live_from(Path::new("stdin"), &data, &opts, &bar)
    } else {
        make_live(&a.video, &opts, &bar)
    };
    bar.finish();
    let r = r?;
    if print_made(a.json, &r, &r.outputs, &r.warnings)? {
        return Ok(ExitCode::SUCCESS);
    }
    if a.explain {
        eprintln!(
            "moment {:.3}–{:.3} s, key photo at {:.3} s ({} video)",
            r.start_s,
            r.end_s,
            r.still_s,
            if r.video_copied { "copied" } else { "re-encoded" }
        );
        for why in &r.reasons {
            eprintln!("  - {why}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn convert(a: ConvertArgs) -> Result<ExitCode> {
    let signing = crate::credentials::signing(&a.sign)?;
    let files = vivify::batch::collect_files(&a.inputs, a.recursive);
    if files.is_empty() {
        let names: Vec<String> = a.inputs.iter().map(|p| p.display().to_string()).collect();
        let reason = format!("no files to convert in {}", names.join(", "));
        return Err(vivify::Error::Invalid { what: "input", reason }.into());
    }
    if a.output.exists() && !a.output.is_dir() {
        return Err(
            vivify::Error::Param(format!("{}: -o takes a folder, and this is a file", a.output.display())).into()
        );
    }
    std::fs::create_dir_all(&a.output).map_err(|e| vivify::Error::from(e).in_file(&a.output))?;
    let direction = match a.to {
        ConvertTo::Motion => vivify::batch::Direction::LiveToMotion,
        ConvertTo::Live => vivify::batch::Direction::MotionToLive,
    };
    let opts = vivify::batch::BatchOptions {
        direction,
        out_dir: a.output.clone(),
        samsung: a.samsung,
        force: a.force,
        signing,
    };
    let bar = progress::Phases::new(quiet(a.json));
    progress::cancel_on_interrupt();
    let summary = vivify::batch::convert_all(&files, &opts, &bar);
    bar.finish();
    let summary = summary?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        for c in &summary.converted {
            println!("{} -> {}", c.inputs.join(" + "), c.outputs.join(" + "));
            for n in &c.notes {
                println!("  note: {n}");
            }
        }
        for s in &summary.skipped {
            println!("skipped {}: {}", s.file, s.reason);
        }
        println!("{} converted, {} skipped", summary.converted.len(), summary.skipped.len());
    }
    // The exit code when nothing converted: the first failure's (e.g. 8
    // when outputs exist), else 3 (nothing in the inputs to convert).
    Ok(if summary.converted.is_empty() && !summary.skipped.is_empty() {
        ExitCode::from(summary.first_failure.as_ref().map_or(3, crate::code_of))
    } else {
        ExitCode::SUCCESS
    })
}

/// Prints `report` as JSON (returns true: nothing more to print), or the
/// written paths on stdout and the warnings on stderr.
fn print_made(json: bool, report: &impl serde::Serialize, outputs: &[String], warnings: &[String]) -> Result<bool> {
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
        return Ok(true);
    }
    for o in outputs {
        println!("{o}");
    }
    for w in warnings {
        eprintln!("vivify: warning: {w}");
    }
    Ok(false)
}

/// The bundled example photo (a frame of a public iPhone Live Photo; see
/// tests/fixtures/samples/README.md for its source and licence).
const EXAMPLE_PHOTO: &[u8] = include_bytes!("../../../tests/fixtures/photos/temple.jpg");

pub fn demo(a: DemoArgs) -> Result<ExitCode> {
    std::fs::create_dir_all(&a.output)?;
    // 1. Photo → living moment, as MP4, Live Photo and Motion Photo.
    let photo = a.output.join("example-photo.jpg");
    vivify::outfile::write_bytes(&photo, true, EXAMPLE_PHOTO)?;
    let mut opts = vivify::alive::AliveOptions::new(a.output.join("example-alive.mp4"));
    opts.prompt = Some("clouds drift left, the sky turns golden, gentle zoom in".into());
    opts.live = true;
    opts.motion = true;
    opts.force = true;
    opts.explain = Some(a.output.clone());
    let signing =
        crate::credentials::signing(&crate::args::SignArgs { sign_cert: None, sign_key: None, no_sign: false })?;
    opts.signing = signing.clone();
    opts.checks = crate::moderate::checks(None)?;
    let bar = progress::Phases::new(quiet(false));
    let r = vivify::alive::make(&photo, &opts, &bar);
    bar.finish();
    let r = r?;
    println!("photo: {}  prompt: \"{}\"", photo.display(), r.plan.prompt);
    for o in &r.outputs {
        println!("{o}");
    }
    if let Some(line) = safety_text(&r) {
        println!("{line}");
    }
    // 2. Video → Live Photo, on a clip rendered here.
    let pb = progress::spinner(quiet(false));
    pb.set_message("rendering the example clip");
    let clip = vivify::demo::example_clip(1280, 720, 30, 4.0)?;
    let clip_path: &Path = &a.output.join("example.mp4");
    vivify::outfile::write_bytes(clip_path, true, &clip)?;
    let opts = LiveOptions { pvt: true, force: true, signing, ..LiveOptions::new(&a.output) };
    pb.finish_and_clear();
    let bar = progress::Phases::new(quiet(false));
    let r = make_live(clip_path, &opts, &bar);
    bar.finish();
    let r = r?;
    println!("example clip: {}", clip_path.display());
    for o in &r.outputs {
        println!("{o}");
    }
    println!("moment {:.3}–{:.3} s, key photo at {:.3} s", r.start_s, r.end_s, r.still_s);
    // 3. What a reader of the living moment learns from it.
    let mp4 = a.output.join("example-alive.mp4");
    let v = vivify::provenance::verify::verify(&mp4, &[])?;
    println!("verify {}: {}", mp4.display(), v.verdict);
    Ok(ExitCode::SUCCESS)
}

pub fn alive(a: AliveArgs) -> Result<ExitCode> {
    use vivify::alive::{make, make_from, AliveOptions};
    let stdin = a.photo.as_os_str() == "-";
    let output = a.output.clone().unwrap_or_else(|| {
        let stem = if stdin {
            "alive".to_string()
        } else {
            a.photo.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "alive".into())
        };
        PathBuf::from(format!("{stem}.alive.mp4"))
    });
    let mut opts = AliveOptions::new(output);
    opts.prompt = a.prompt.clone();
    (opts.video, opts.live, opts.motion) = match a.as_ {
        AliveAs::Video => (true, false, false),
        AliveAs::Live => (false, true, false),
        AliveAs::Motion => (false, false, true),
        AliveAs::All => (true, true, true),
    };
    opts.duration = a.duration;
    opts.size = a.size;
    opts.fps = a.fps;
    opts.looped = a.looped;
    opts.seed = a.seed;
    opts.mute = a.mute;
    opts.force = a.force;
    opts.label = (!a.no_visible_label).then_some(a.label_corner);
    opts.signing = crate::credentials::signing(&a.sign)?;
    opts.checks = crate::moderate::checks(a.policy.as_deref())?;
    if a.explain {
        let beside = opts.output.parent().map(Path::to_path_buf).filter(|p| !p.as_os_str().is_empty());
        opts.explain = Some(a.explain_dir.clone().or(beside).unwrap_or_else(|| PathBuf::from(".")));
    }
    let bar = progress::Phases::new(quiet(a.json || opts.to_stdout()));
    progress::cancel_on_interrupt();
    let r = if stdin {
        // A photo is held whole anyway (its bytes become the Live still):
        // read within the photo cap, not the video one.
        let cap = vivify::limits::MAX_PHOTO_BYTES;
        vivify::input::read_capped(&mut std::io::stdin().lock(), cap, "standard input")
            .and_then(|bytes| make_from(Path::new("<stdin>"), bytes, &opts, &bar))
            .map_err(anyhow::Error::from)
    } else {
        make(&a.photo, &opts, &bar).map_err(anyhow::Error::from)
    };
    bar.finish();
    let r = r?;
    if let Some(bytes) = &r.stdout {
        std::io::stdout().lock().write_all(bytes)?;
        if a.explain {
            eprint!("{}", explain_text(&r));
        }
        return Ok(ExitCode::SUCCESS);
    }
    if print_made(a.json, &r, &r.outputs, &r.warnings)? {
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(line) = safety_text(&r) {
        println!("{line}");
    }
    if a.explain {
        print!("{}", explain_text(&r));
    }
    Ok(ExitCode::SUCCESS)
}

/// One line on what the safety checks said and how to share.
fn safety_text(r: &vivify::alive::AliveReport) -> Option<String> {
    let s = r.safety.as_ref()?;
    let word = |v: &vivify::safety::Verdict| match v.decision {
        vivify::safety::Decision::Flag => format!("flagged for review (ref {})", v.reference),
        _ => "passed".to_string(),
    };
    let output = s
        .output
        .as_ref()
        .map_or_else(String::new, |o| format!("; output check on {} frames {}", o.frames.len(), word(&o.verdict)));
    let classifier = s.classifier.as_deref().unwrap_or("no image classifier installed");
    let share =
        if s.items.is_empty() { String::new() } else { "; check with `vivify share FILE` before publishing".into() };
    Some(format!("safety: photo check {}{output} ({classifier}){share}", word(&s.photo)))
}

/// The scene and the plan in words.
fn explain_text(r: &vivify::alive::AliveReport) -> String {
    let s = &r.scene;
    let mut t = String::new();
    t += &format!(
        "{}x{} at {} fps, {} frames ({:.2} s); the photo itself is the frame at {:.2} s\n",
        r.width, r.height, r.fps, r.frames, r.duration_s, r.rest_time_s
    );
    t += &format!(
        "scene: sky {:.0} % ({:?}), water {:.0} %, horizon {}, sun {}, subject box {:.2},{:.2} {:.2}x{:.2}\n",
        s.sky_share * 100.0,
        s.sky_kind,
        s.water_share * 100.0,
        s.horizon.map_or("not found".into(), |h| format!("at {:.0} % height", h * 100.0)),
        s.sun.map_or("not found".into(), |(x, y)| format!("at {:.2},{:.2}", x, y)),
        s.subject.x,
        s.subject.y,
        s.subject.w,
        s.subject.h
    );
    t += &format!("plan for \"{}\":\n", r.plan.prompt);
    for n in &r.plan.notes {
        t += &format!("  - {n}\n");
    }
    if !r.plan.ignored.is_empty() {
        t += &format!("ignored: {}\n", r.plan.ignored.join(", "));
    }
    if let Some(a) = &r.audio {
        t += &format!(
            "sound: {} at {:.1} dBFS RMS, peak {:.1} dBFS ({})\n",
            a.beds.join(" + "),
            a.rms_dbfs,
            a.peak_dbfs,
            a.codec
        );
    }
    let times: Vec<String> = r.timings.iter().map(|(k, v)| format!("{k} {v:.2} s")).collect();
    t += &format!("time: {}\n", times.join(", "));
    t
}

/// `vivify models`: every model pack, installed or not, and what it adds.
pub fn models(a: ModelsArgs) -> Result<ExitCode> {
    use vivify::models::packs::{self, Status};
    let root = packs::packs_dir();
    let list = packs::status(root.as_deref(), a.verify);
    let damaged = list.iter().any(|s| matches!(s, Status::Damaged { .. }));
    if a.json {
        let v = serde_json::json!({ "packs_dir": root, "packs": list });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        match &root {
            Some(dir) => println!("model packs in {}", dir.display()),
            None => println!("no data folder (set VIVIFY_DATA_DIR or HOME): no model pack can be found"),
        }
        for s in &list {
            match s {
                Status::Installed { name, package, version, licence, adds, used_by, verified, .. } => {
                    let check = if *verified { ", every file's SHA-256 checked" } else { "" };
                    let used = if used_by.is_empty() { "no command uses it yet" } else { used_by.as_str() };
                    println!(
                        "  {name:<5} installed: {package} {version} ({licence}){check}\n        holds: {adds}; {used}"
                    );
                }
                Status::Missing { name, adds, install } => {
                    println!("  {name:<5} not installed; it holds {adds}\n        install: {install}");
                }
                Status::Damaged { name, problem, install } => {
                    println!("  {name:<5} DAMAGED: {problem}\n        reinstall: {install}");
                }
            }
        }
        println!("Every command works without the packs; nothing is ever downloaded while vivify runs.");
    }
    Ok(if damaged { ExitCode::from(3) } else { ExitCode::SUCCESS })
}
