//! Helpers shared by the integration tests: fixture paths, temp dirs, and the
//! outside judges (ffprobe/ffmpeg, ExifTool 13) that must check our output.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub mod motion_rules;
pub mod scenes;

/// A small deterministic generator (xorshift), so mutation tests reproduce.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

pub fn sample(name: &str) -> PathBuf {
    fixtures().join("samples").join(name)
}

/// A fresh, empty directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let base = std::env::var_os("CARGO_TARGET_TMPDIR").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
    let d = base.join(format!("vivify-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create temp dir");
    d
}

/// True when CI demands the outside tools (then a missing tool fails the test).
fn required() -> bool {
    std::env::var("VIVIFY_REQUIRE_TOOLS").is_ok_and(|v| v == "1")
}

fn missing(tool: &str) -> Option<PathBuf> {
    if required() {
        panic!("{tool} is required (VIVIFY_REQUIRE_TOOLS=1) but was not found");
    }
    skipped(&format!("{tool} not found; outside checks with it did not run"));
    None
}

/// Says loudly that an outside check did not run, and adds the line to
/// `$VIVIFY_SKIP_LOG` so `scripts/test` can list it at the end (the test
/// harness hides what passing tests print).
pub fn skipped(what: &str) {
    eprintln!("\n!!! SKIPPED: {what} !!!\n");
    if let Some(log) = std::env::var_os("VIVIFY_SKIP_LOG") {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(log) {
            let _ = writeln!(f, "{what}");
        }
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join(name)).find(|c| c.is_file()))
}

/// ffprobe, or None (loudly) when absent outside CI.
pub fn ffprobe() -> Option<PathBuf> {
    on_path("ffprobe").or_else(|| missing("ffprobe"))
}

pub fn ffmpeg() -> Option<PathBuf> {
    on_path("ffmpeg").or_else(|| missing("ffmpeg"))
}

/// ExifTool 13 or newer: `$EXIFTOOL`, or `exiftool` on PATH.
pub fn exiftool() -> Option<PathBuf> {
    let cand = std::env::var_os("EXIFTOOL").map(PathBuf::from).filter(|p| p.is_file()).or_else(|| on_path("exiftool"));
    let Some(p) = cand else {
        return missing("ExifTool 13");
    };
    let out = Command::new(&p).arg("-ver").output().ok()?;
    let ver: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0.0);
    if ver < 13.0 {
        return missing(&format!("ExifTool 13 (found {ver} at {})", p.display()));
    }
    Some(p)
}

/// Runs ffmpeg to decode every stream of `file`; panics with its message on error.
pub fn assert_decodes(file: &Path) {
    let Some(ff) = ffmpeg() else { return };
    let out = Command::new(ff)
        .args(["-v", "error", "-i"])
        .arg(file)
        .args(["-map", "0:v", "-map", "0:a?", "-f", "null", "-"])
        .output()
        .expect("run ffmpeg");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && err.trim().is_empty(), "ffmpeg failed to decode {}: {err}", file.display());
    let Some(fp) = ffprobe() else { return };
    let out = Command::new(fp)
        .args(["-v", "error", "-show_streams", "-show_format"])
        .arg(file)
        .output()
        .expect("run ffprobe");
    assert!(out.status.success(), "ffprobe rejected {}: {}", file.display(), String::from_utf8_lossy(&out.stderr));
}

/// Number of decoded video frames, from ffprobe.
pub fn ffprobe_frames(file: &Path) -> Option<usize> {
    let fp = ffprobe()?;
    let out = Command::new(fp)
        .args([
            "-v",
            "error",
            "-count_frames",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=nb_read_frames",
            "-of",
            "csv=p=0",
        ])
        .arg(file)
        .output()
        .expect("run ffprobe");
    String::from_utf8_lossy(&out.stdout).trim().trim_end_matches(',').parse().ok()
}

/// One tag as ExifTool prints it with `-s3`.
pub fn exif_tag(file: &Path, args: &[&str]) -> Option<String> {
    let et = exiftool()?;
    let out = Command::new(et).args(["-s3", "-a"]).args(args).arg(file).output().expect("run exiftool");
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Binary output of an ExifTool `-b` extraction.
pub fn exif_binary(file: &Path, tag: &str) -> Option<Vec<u8>> {
    let et = exiftool()?;
    let out = Command::new(et).args(["-b", &format!("-{tag}")]).arg(file).output().expect("run exiftool");
    Some(out.stdout)
}

/// What the independent C2PA reader (c2pa-python) says about one file.
#[derive(Debug, Clone)]
pub struct OutsideVerdict {
    /// "Invalid", "Valid", "Trusted", or None when it found no manifest.
    pub state: Option<String>,
    pub source_types: Vec<String>,
    pub failures: Vec<String>,
}

/// A Python that can `import c2pa`: `$VIVIFY_C2PA_PYTHON`, the venv that
/// `.ci/run` makes, or `python3`.
fn c2pa_python() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    let candidates = [
        std::env::var_os("VIVIFY_C2PA_PYTHON").map(PathBuf::from),
        Some(home.join(".cache/vivify-tools/c2pa-venv/bin/python")),
        on_path("python3"),
    ];
    for c in candidates.into_iter().flatten() {
        let ok = Command::new(&c).args(["-c", "import c2pa"]).output().is_ok_and(|o| o.status.success());
        if ok {
            return Some(c);
        }
    }
    missing("c2pa-python (pip install c2pa-python)")
}

/// Runs `scripts/c2pa_check.py` (c2pa-python) on `files`, with `root` as
/// trust anchor. None (loudly) when c2pa-python is absent outside CI.
pub fn outside_c2pa(files: &[&Path], root: Option<&Path>) -> Option<Vec<OutsideVerdict>> {
    let py = c2pa_python()?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/c2pa_check.py");
    let mut cmd = Command::new(py);
    cmd.arg(script);
    if let Some(r) = root {
        cmd.arg("--trust").arg(r);
    }
    let out = cmd.args(files).output().expect("run c2pa_check.py");
    assert!(out.status.success(), "c2pa_check.py failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let verdicts: Vec<OutsideVerdict> = text
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            let strings = |k: &str| -> Vec<String> {
                v[k].as_array().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_string)).collect()
            };
            OutsideVerdict {
                state: v["state"].as_str().map(str::to_string),
                source_types: strings("source_types"),
                failures: strings("failures"),
            }
        })
        .collect();
    assert_eq!(verdicts.len(), files.len(), "{text}");
    Some(verdicts)
}
