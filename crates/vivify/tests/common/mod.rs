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
    eprintln!("\n!!! SKIPPED: {tool} not found; outside checks with it did not run !!!\n");
    None
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
