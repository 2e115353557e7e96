//! What the CLI tests share: the fixtures folder and a sandbox with its own
//! config folder (signing identity, policy) and data folder (safety
//! database), never the user's. Each test file adds the helpers it needs in
//! its own `impl Sandbox`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// A folder of its own for one test, removed when the test ends.
pub struct Sandbox {
    pub dir: PathBuf,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Sandbox {
    /// A fresh, empty sandbox; `name` must be unique within the test binary.
    pub fn new(name: &str) -> Sandbox {
        let dir = std::env::temp_dir().join(format!("vivify-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("mkdir");
        Sandbox { dir }
    }

    /// The `vivify` binary, pointed at this sandbox's config and data.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_vivify"));
        c.env("VIVIFY_CONFIG_DIR", self.dir.join("config")).env("VIVIFY_DATA_DIR", self.dir.join("data"));
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run vivify")
    }
}
