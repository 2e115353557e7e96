//! vivify-provenance: saying truthfully how every output was made, signed.
//!
//! Three layers, each for a different reader:
//! - a visible "AI-generated" label burnt into generated frames (in
//!   vivify-alive), for people, and for copies whose metadata was stripped;
//! - XMP `Iptc4xmpExt:DigitalSourceType` + `xmp:CreatorTool` (written by
//!   vivify-media's `xmp::provenance`), for platforms that read IPTC;
//! - signed C2PA Content Credentials (feature `c2pa`, this crate), which say
//!   what was done and from what, and make any later change to the bytes
//!   detectable.
//!
//! A [`Claim`] (vivify-media) describes one output; this crate finds and
//! checks the signing identity ([`SignWith`]), seals claims into files with
//! C2PA ([`C2paSeal`]), and reads them back ([`verify`]).
#![forbid(unsafe_code)]

pub mod config;
pub mod der;
#[cfg(feature = "c2pa")]
pub mod keys;
#[cfg(feature = "c2pa")]
mod sign;
pub mod verify;
#[cfg(feature = "c2pa")]
mod verify_c2pa;

use std::path::PathBuf;

pub use vivify_media::claim::{
    locate, mime_of, source_type, write_output, write_output_bytes, xmp_packet, xmp_packet_uri, Action, Claim,
    Ingredient, IngredientData, Relationship, Signing, SourceType, SOFTWARE, SOFTWARE_NAME, SOFTWARE_VERSION,
};

use vivify_media::error::{Error, Result};

/// Seals claims as C2PA Content Credentials under one checked identity.
#[cfg(feature = "c2pa")]
#[derive(Debug)]
pub struct C2paSeal {
    creds: keys::Credentials,
}

#[cfg(feature = "c2pa")]
impl C2paSeal {
    /// Outputs signed with `creds`.
    pub fn signing(creds: keys::Credentials) -> Signing {
        Signing::with(std::sync::Arc::new(C2paSeal { creds }))
    }
}

#[cfg(feature = "c2pa")]
impl vivify_media::claim::Seal for C2paSeal {
    fn signer(&self) -> String {
        self.creds.signer.subject.clone()
    }

    fn seal(
        &self,
        claim: &Claim,
        mime: &str,
        title: &str,
        mut src: &mut dyn vivify_media::claim::ReadSeek,
        mut dst: &mut dyn vivify_media::claim::ReadWriteSeek,
    ) -> Result<()> {
        sign::sign_stream(&self.creds, claim, mime, title, &mut src, &mut dst)
    }
}

/// Where to take the signing identity from, most specific first.
#[derive(Clone, Debug, Default)]
pub struct SignWith {
    /// `--sign-cert` / `--sign-key` (both or neither).
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    /// The config folder (`config.toml`, `keys/`); `None` = the default one.
    pub config_dir: Option<PathBuf>,
    /// Create the local identity when no other is configured and none exists.
    pub create_local: bool,
}

/// What [`SignWith::resolve`] found.
#[derive(Debug)]
pub struct Resolved {
    pub signing: Signing,
    /// A local identity was created in this folder just now.
    pub created: Option<PathBuf>,
}

impl SignWith {
    /// The config folder in use.
    pub fn dir(&self) -> Result<PathBuf> {
        self.config_dir.clone().or_else(config::config_dir).ok_or_else(|| {
            Error::Param("no config folder: set VIVIFY_CONFIG_DIR or HOME, or give --sign-cert and --sign-key".into())
        })
    }

    /// Picks and checks the identity: the flags, else `VIVIFY_SIGN_CERT` /
    /// `VIVIFY_SIGN_KEY`, else `[signing]` in config.toml, else the local
    /// identity in the config folder (created when allowed).
    #[cfg(feature = "c2pa")]
    pub fn resolve(&self) -> Result<Resolved> {
        let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        let pair = |c: Option<PathBuf>, k: Option<PathBuf>, what: &str| -> Result<Option<(PathBuf, PathBuf)>> {
            match (c, k) {
                (Some(c), Some(k)) => Ok(Some((c, k))),
                (None, None) => Ok(None),
                _ => Err(Error::Param(format!("{what}: give both a certificate and a key"))),
            }
        };
        let mut chosen = pair(self.cert.clone(), self.key.clone(), "--sign-cert/--sign-key")?;
        if chosen.is_none() {
            chosen = pair(env("VIVIFY_SIGN_CERT"), env("VIVIFY_SIGN_KEY"), "VIVIFY_SIGN_CERT/VIVIFY_SIGN_KEY")?;
        }
        let dir = if chosen.is_none() { Some(self.dir()?) } else { None };
        if let (None, Some(d)) = (&chosen, &dir) {
            let c = config::Config::load(d)?;
            chosen =
                pair(c.signing.cert, c.signing.key, &format!("{} [signing]", d.join(config::CONFIG_FILE).display()))?;
        }
        let mut created = None;
        let (cert, key) = match (chosen, dir) {
            (Some(p), _) => p,
            (None, Some(d)) => {
                let files = keys::IdentityFiles::in_dir(&config::keys_dir(&d));
                if !files.exist() {
                    if !self.create_local {
                        return Err(Error::Credentials(format!(
                            "no signing identity in {}; run `vivify keys init`",
                            files.dir.display()
                        )));
                    }
                    match keys::init(&files.dir, &holder(), false) {
                        Ok(_) => created = Some(files.dir.clone()),
                        // Another process made it first: use theirs.
                        Err(Error::Exists(_)) if files.exist() => {}
                        Err(e) => return Err(e),
                    }
                }
                (files.signer_cert, files.signer_key)
            }
            (None, None) => return Err(Error::Param("no signing identity".into())),
        };
        let creds = keys::load(&cert, &key, keys::now_unix())?;
        Ok(Resolved { signing: C2paSeal::signing(creds), created })
    }

    /// Trust anchors for `verify`: `[verify] trust` in config.toml.
    pub fn config_trust(&self) -> Result<Vec<PathBuf>> {
        match self.dir() {
            Ok(d) => Ok(config::Config::load(&d)?.verify.trust),
            Err(_) => Ok(Vec::new()),
        }
    }
}

/// Who the local identity belongs to (for its certificate's organisation).
pub fn holder() -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "this user".into());
    user.chars().filter(|c| !c.is_control()).take(64).collect()
}
