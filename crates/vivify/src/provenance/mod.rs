//! Provenance: saying truthfully how every output was made.
//!
//! Three layers, each for a different reader:
//! - a visible "AI-generated" label burnt into generated frames
//!   ([`crate::alive::label`]), for people, and for copies whose metadata
//!   was stripped;
//! - XMP `Iptc4xmpExt:DigitalSourceType` + `xmp:CreatorTool`
//!   ([`crate::xmp::provenance`]), for platforms that read IPTC;
//! - signed C2PA Content Credentials (feature `c2pa`), which say what was
//!   done and from what, and make any later change to the bytes detectable.
//!
//! A [`Claim`] describes one output; [`write_output`] writes it atomically
//! and, when a [`Signing`] identity is set, signs the finished file last so
//! that nothing written afterwards can break the hash.

pub mod config;
pub mod der;
#[cfg(feature = "c2pa")]
pub mod keys;
pub mod locate;
#[cfg(feature = "c2pa")]
mod sign;
pub mod source_type;
pub mod verify;
#[cfg(feature = "c2pa")]
mod verify_c2pa;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use source_type::SourceType;

use crate::error::{Error, Result};
use crate::sink::Sink;

/// The software agent named in XMP and in C2PA actions.
pub const SOFTWARE: &str = concat!("vivify ", env!("CARGO_PKG_VERSION"));
pub const SOFTWARE_NAME: &str = "vivify";
pub const SOFTWARE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// How an ingredient relates to the output (C2PA 2.x).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relationship {
    /// The output is a derivation of it (needs a `c2pa.opened` action).
    ParentOf,
    /// It was input to a computational process that made the output.
    InputTo,
    /// It is a part placed into the output.
    ComponentOf,
}

impl Relationship {
    pub fn as_str(self) -> &'static str {
        match self {
            Relationship::ParentOf => "parentOf",
            Relationship::InputTo => "inputTo",
            Relationship::ComponentOf => "componentOf",
        }
    }
}

/// Where an ingredient's bytes are.
#[derive(Clone, Debug)]
pub enum IngredientData {
    File(PathBuf),
    Bytes(Arc<Vec<u8>>),
}

/// A file the output was made from. Its own Content Credentials, if it has
/// any, are carried into the output's manifest store.
#[derive(Clone, Debug)]
pub struct Ingredient {
    pub title: String,
    pub mime: &'static str,
    pub relationship: Relationship,
    pub data: IngredientData,
}

impl Ingredient {
    /// An ingredient read from `path` (or from `bytes` when they are at hand).
    pub fn new(path: &Path, bytes: Option<Arc<Vec<u8>>>, relationship: Relationship) -> Result<Ingredient> {
        let data = match bytes {
            Some(b) => IngredientData::Bytes(b),
            None => IngredientData::File(path.to_path_buf()),
        };
        let head = match &data {
            IngredientData::Bytes(b) => b[..b.len().min(64)].to_vec(),
            IngredientData::File(p) => {
                use std::io::Read;
                let mut h = Vec::new();
                let (f, _) = crate::input::open(p)?;
                f.take(64).read_to_end(&mut h).map_err(|e| Error::from(e).in_file(p))?;
                h
            }
        };
        let title = path.file_name().map_or_else(|| "stdin".into(), |n| n.to_string_lossy().into_owned());
        Ok(Ingredient { title, mime: mime_of(&head, path), relationship, data })
    }
}

/// The media type C2PA knows a file by, from its first bytes.
pub fn mime_of(head: &[u8], path: &Path) -> &'static str {
    use crate::probe::{sniff, Container};
    if head.starts_with(b"\x89PNG") {
        return "image/png";
    }
    match sniff(&head) {
        Container::Jpeg => "image/jpeg",
        Container::Heif => "image/heic",
        Container::Mov => "video/quicktime",
        Container::Mp4 => "video/mp4",
        _ => match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("mov") => "video/quicktime",
            Some("heic" | "heif") => "image/heic",
            Some("png") => "image/png",
            Some("jpg" | "jpeg") => "image/jpeg",
            _ => "video/mp4",
        },
    }
}

/// One thing done to make the output.
#[derive(Clone, Debug)]
pub struct Action {
    /// A C2PA action name: `c2pa.created`, `c2pa.opened`, `c2pa.edited`, …
    pub name: &'static str,
    pub description: String,
    pub source_type: Option<SourceType>,
    /// Index into [`Claim::ingredients`] this action used.
    pub ingredient: Option<usize>,
}

/// How one output was made.
#[derive(Clone, Debug)]
pub struct Claim {
    /// What the output as a whole is (XMP `DigitalSourceType`); `None` when
    /// we cannot know (a video of unknown origin made into a Live Photo).
    pub source_type: Option<SourceType>,
    pub actions: Vec<Action>,
    pub ingredients: Vec<Ingredient>,
}

impl Claim {
    /// New media generated from `source` (a living moment, or a rendered key
    /// photo): `c2pa.created` with the source type, the source as `inputTo`.
    pub fn generated(source: Ingredient, kind: SourceType, description: &str) -> Claim {
        let source = Ingredient { relationship: Relationship::InputTo, ..source };
        Claim {
            source_type: Some(kind),
            actions: vec![Action {
                name: "c2pa.created",
                description: description.into(),
                source_type: Some(kind),
                ingredient: Some(0),
            }],
            ingredients: vec![source],
        }
    }

    /// An edit of `parent`: `c2pa.opened` on it, then `steps` (action name
    /// and what was done), e.g. a trim and a re-encode.
    pub fn derived(parent: Ingredient, kind: Option<SourceType>, steps: &[(&'static str, String)]) -> Claim {
        let parent = Ingredient { relationship: Relationship::ParentOf, ..parent };
        let mut actions = vec![Action {
            name: "c2pa.opened",
            description: format!("opened {}", parent.title),
            source_type: None,
            ingredient: Some(0),
        }];
        for (name, what) in steps {
            actions.push(Action { name, description: what.clone(), source_type: kind, ingredient: None });
        }
        Claim { source_type: kind, actions, ingredients: vec![parent] }
    }

    /// The same claim with one more ingredient (e.g. the other half of a Live Photo).
    pub fn with_component(mut self, other: Ingredient) -> Claim {
        self.ingredients.push(Ingredient { relationship: Relationship::ComponentOf, ..other });
        self
    }
}

/// Whether and with what identity outputs are signed.
#[derive(Clone, Debug, Default)]
pub struct Signing {
    #[cfg(feature = "c2pa")]
    creds: Option<Arc<keys::Credentials>>,
}

impl Signing {
    /// Outputs get XMP labels but no Content Credentials.
    pub fn unsigned() -> Signing {
        Signing::default()
    }

    #[cfg(feature = "c2pa")]
    pub fn with(creds: keys::Credentials) -> Signing {
        Signing { creds: Some(Arc::new(creds)) }
    }

    pub fn is_signing(&self) -> bool {
        #[cfg(feature = "c2pa")]
        return self.creds.is_some();
        #[cfg(not(feature = "c2pa"))]
        false
    }

    /// Who signs, in words.
    pub fn signer(&self) -> Option<String> {
        #[cfg(feature = "c2pa")]
        return self.creds.as_ref().map(|c| c.signer.subject.clone());
        #[cfg(not(feature = "c2pa"))]
        None
    }

    /// Signs `bytes` (a whole file of type `mime`) and returns the signed file.
    pub fn sign_bytes(&self, bytes: Vec<u8>, mime: &str, title: &str, claim: &Claim) -> Result<Vec<u8>> {
        #[cfg(feature = "c2pa")]
        if let Some(c) = &self.creds {
            let mut src = std::io::Cursor::new(bytes);
            let mut dst = std::io::Cursor::new(Vec::new());
            sign::sign_stream(c, claim, mime, title, &mut src, &mut dst)?;
            return Ok(dst.into_inner());
        }
        let _ = (mime, title, claim);
        Ok(bytes)
    }
}

/// Writes `path` atomically through `body`, then, when signing, embeds
/// Content Credentials for `claim` into the finished file (read back from a
/// temporary copy, so big movies never sit in memory twice).
pub fn write_output(
    path: &Path,
    force: bool,
    mime: &str,
    signing: &Signing,
    claim: &Claim,
    body: impl FnOnce(&mut dyn Sink) -> Result<()>,
) -> Result<()> {
    if !signing.is_signing() {
        return crate::outfile::write_atomic(path, force, body);
    }
    #[cfg(feature = "c2pa")]
    {
        let creds = signing.creds.as_ref().ok_or_else(|| Error::Provenance("no signer".into()))?;
        let title = path.file_name().map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
        let unsigned = crate::outfile::temp_path(path);
        let run = || -> Result<()> {
            crate::outfile::check_free(path, force)?;
            crate::outfile::write_temp(&unsigned, |file| {
                let mut w = crate::sink::FileSink::new(file);
                body(&mut w)?;
                drop(w.into_file()?);
                Ok(())
            })?;
            crate::outfile::write_atomic_file(path, force, |dst| {
                let mut src = std::fs::File::open(&unsigned)?;
                sign::sign_stream(creds, claim, mime, &title, &mut src, dst)
            })
        };
        let r = run();
        crate::outfile::remove_temp(&unsigned);
        r.map_err(|e| e.in_file(path))
    }
    #[cfg(not(feature = "c2pa"))]
    {
        let _ = (mime, claim);
        Err(Error::Provenance("this build cannot sign".into()))
    }
}

/// Writes a byte buffer as [`write_output`] does.
pub fn write_output_bytes(
    path: &Path,
    force: bool,
    mime: &str,
    signing: &Signing,
    claim: &Claim,
    bytes: &[u8],
) -> Result<()> {
    write_output(path, force, mime, signing, claim, |w| Ok(w.write_all(bytes)?))
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
        Ok(Resolved { signing: Signing::with(creds), created })
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

/// The XMP packet for an output: `existing` (the source's packet, if any)
/// with our source type and creator tool put in.
pub fn xmp_packet(existing: Option<&[u8]>, source_type: Option<SourceType>) -> Vec<u8> {
    xmp_packet_uri(existing, source_type.map(SourceType::uri).as_deref())
}

/// As [`xmp_packet`], with the source type as a URI (one another file declared).
pub fn xmp_packet_uri(existing: Option<&[u8]>, uri: Option<&str>) -> Vec<u8> {
    let old = existing.map(String::from_utf8_lossy).filter(|o| crate::xmp::Xmp::parse(o.as_bytes()).is_ok());
    let f = crate::xmp::provenance::ProvenanceFields { source_type: uri, creator_tool: SOFTWARE };
    crate::xmp::provenance::merge_provenance(old.as_deref(), &f).into_bytes()
}
