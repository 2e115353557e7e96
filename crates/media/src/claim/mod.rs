//! What an output says it is and where it came from: the [`Claim`] (actions
//! and ingredients) written into Content Credentials, the IPTC source type,
//! the XMP packet, and where a file keeps its manifest store.
//!
//! This layer describes; it does not sign. Signing is a [`Seal`] that a
//! layer above provides (vivify-provenance, with C2PA); [`write_output`]
//! writes an output atomically and, when a seal is set, seals the finished
//! file last so that nothing written afterwards can break the hash.

pub mod locate;
pub mod source_type;

use std::io::{Read, Seek, Write};
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

/// A readable, seekable input a [`Seal`] reads the unsigned file from.
pub trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// Where a [`Seal`] writes the signed file (C2PA reads back what it wrote).
pub trait ReadWriteSeek: Read + Write + Seek + Send {}
impl<T: Read + Write + Seek + Send> ReadWriteSeek for T {}

/// Something that signs a finished file with a claim: Content Credentials
/// in vivify-provenance. Kept abstract here so that the container layer can
/// write signed outputs without knowing any cryptography.
pub trait Seal: Send + Sync + std::fmt::Debug {
    /// Who signs, in words (the certificate's subject).
    fn signer(&self) -> String;
    /// Writes `src` (a whole file of type `mime`) to `dst` with `claim` signed in.
    fn seal(
        &self,
        claim: &Claim,
        mime: &str,
        title: &str,
        src: &mut dyn ReadSeek,
        dst: &mut dyn ReadWriteSeek,
    ) -> Result<()>;
}

/// Whether and with what identity outputs are signed.
#[derive(Clone, Debug, Default)]
pub struct Signing {
    seal: Option<Arc<dyn Seal>>,
}

impl Signing {
    /// Outputs get XMP labels but no Content Credentials.
    pub fn unsigned() -> Signing {
        Signing::default()
    }

    /// Outputs are sealed by `seal`.
    pub fn with(seal: Arc<dyn Seal>) -> Signing {
        Signing { seal: Some(seal) }
    }

    pub fn is_signing(&self) -> bool {
        self.seal.is_some()
    }

    /// Who signs, in words.
    pub fn signer(&self) -> Option<String> {
        self.seal.as_ref().map(|s| s.signer())
    }

    /// Signs `bytes` (a whole file of type `mime`) and returns the signed file.
    pub fn sign_bytes(&self, bytes: Vec<u8>, mime: &str, title: &str, claim: &Claim) -> Result<Vec<u8>> {
        let Some(seal) = &self.seal else { return Ok(bytes) };
        let mut src = std::io::Cursor::new(bytes);
        let mut dst = std::io::Cursor::new(Vec::new());
        seal.seal(claim, mime, title, &mut src, &mut dst)?;
        Ok(dst.into_inner())
    }
}

/// Writes `path` atomically through `body`, then, when signing, seals
/// `claim` into the finished file (read back from a temporary copy, so big
/// movies never sit in memory twice).
pub fn write_output(
    path: &Path,
    force: bool,
    mime: &str,
    signing: &Signing,
    claim: &Claim,
    body: impl FnOnce(&mut dyn Sink) -> Result<()>,
) -> Result<()> {
    let Some(seal) = &signing.seal else {
        return crate::outfile::write_atomic(path, force, body);
    };
    let title = path.file_name().map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    let unsigned = crate::outfile::temp_path(path);
    let run = || -> Result<()> {
        crate::outfile::check_free(path, force)?;
        crate::outfile::write_temp(&unsigned, |file| {
            let mut w = crate::sink::FileSink::new(file);
            body(&mut w)?;
            // Flushed, then closed here.
            let _ = w.into_file()?;
            Ok(())
        })?;
        crate::outfile::write_atomic_file(path, force, |dst| {
            let mut src = std::fs::File::open(&unsigned)?;
            seal.seal(claim, mime, &title, &mut src, dst)
        })
    };
    let r = run();
    crate::outfile::remove_temp(&unsigned);
    r.map_err(|e| e.in_file(path))
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
