//! Where vivify keeps its signing identity and settings, and the settings
//! file (`config.toml`) itself.
//!
//! ```toml
//! [signing]
//! cert = "/etc/acme/c2pa-chain.pem"   # leaf first, then intermediates
//! key = "/etc/acme/c2pa-key.pem"      # PKCS#8
//!
//! [verify]
//! trust = ["/etc/acme/c2pa-root.pem"] # extra trust anchors for `verify`
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use vivify_media::error::{Error, Result};

/// The settings file's name inside the config folder.
pub const CONFIG_FILE: &str = "config.toml";

/// The config folder: `$VIVIFY_CONFIG_DIR`, else the platform's user
/// config folder (`$XDG_CONFIG_HOME` or `~/.config` on Linux, Application
/// Support on macOS, `%APPDATA%` on Windows) + `vivify`.
pub fn config_dir() -> Option<PathBuf> {
    vivify_media::dirs::app_dir("VIVIFY_CONFIG_DIR", "XDG_CONFIG_HOME", ".config", "APPDATA")
}

/// The folder of the local signing identity made by `vivify keys init`.
pub fn keys_dir(config: &Path) -> PathBuf {
    config.join("keys")
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningConfig {
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyConfig {
    #[serde(default)]
    pub trust: Vec<PathBuf>,
}

/// The settings file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub signing: SigningConfig,
    #[serde(default)]
    pub verify: VerifyConfig,
}

impl Config {
    /// Reads `config.toml` from `dir`; a missing file is an empty config.
    /// Relative paths in it are taken from the config folder.
    pub fn load(dir: &Path) -> Result<Config> {
        let path = dir.join(CONFIG_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(Error::from(e).in_file(&path)),
        };
        vivify_media::limits::check("config file size", text.len() as u64, 1 << 20).map_err(|e| e.in_file(&path))?;
        Config::parse(&text, dir)
    }

    /// Parses settings text as found in `dir`.
    pub fn parse(text: &str, dir: &Path) -> Result<Config> {
        let path = dir.join(CONFIG_FILE);
        let mut c: Config =
            toml::from_str(text).map_err(|e| Error::Param(format!("{}: {}", path.display(), e.message())))?;
        let abs = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        };
        c.signing.cert.as_mut().map(abs);
        c.signing.key.as_mut().map(abs);
        c.verify.trust.iter_mut().for_each(abs);
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_paths_relative_to_the_folder_and_names_bad_files() {
        let dir = std::env::temp_dir().join(format!("vivify-config-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("dir");
        assert!(Config::load(&dir).expect("missing is empty").signing.cert.is_none());
        std::fs::write(
            dir.join(CONFIG_FILE),
            "[signing]\ncert = \"a.pem\"\nkey = \"/k.pem\"\n[verify]\ntrust = [\"r.pem\"]\n",
        )
        .expect("write");
        let c = Config::load(&dir).expect("load");
        assert_eq!(c.signing.cert, Some(dir.join("a.pem")));
        assert_eq!(c.signing.key, Some(PathBuf::from("/k.pem")));
        assert_eq!(c.verify.trust, vec![dir.join("r.pem")]);
        std::fs::write(dir.join(CONFIG_FILE), "[signing]\ncertificate = 1\n").expect("write");
        let e = Config::load(&dir).expect_err("unknown key").to_string();
        assert!(e.contains("config.toml") && e.contains("certificate"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
