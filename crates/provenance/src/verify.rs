//! `verify`: what a file says about how it was made, and whether that claim
//! holds. Reads C2PA Content Credentials (feature `c2pa`: validity, trust,
//! tampering, source type, ingredients, signer) and the XMP labels any tool
//! may write (IPTC `DigitalSourceType`, `CreatorTool`).

use std::path::Path;

use serde::Serialize;

use super::source_type::{describe, says_generated};
use vivify_media::error::{Error, Result};
use vivify_media::source::{FileSource, ReadAt};
use vivify_media::xmp::provenance::{NS_IPTC_EXT, NS_XMP_BASIC};
use vivify_media::xmp::read::read_xmp;
use vivify_media::xmp::Xmp;

/// The overall verdict on a file's Content Credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// No C2PA manifest.
    None,
    /// Signed and intact, signer not on the caller's trust list.
    Valid,
    /// Signed, intact, and the signer chains to a trust anchor.
    Trusted,
    /// The manifest is broken or the file changed after signing.
    Invalid,
}

/// One failed check, in C2PA's code and in words.
#[derive(Clone, Debug, Serialize)]
pub struct Problem {
    pub code: String,
    pub explanation: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct ActionSummary {
    pub action: String,
    pub when: Option<String>,
    pub software: Option<String>,
    pub description: Option<String>,
    pub source_type: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct IngredientSummary {
    pub title: String,
    pub format: Option<String>,
    pub relationship: Option<String>,
    /// The ingredient carried Content Credentials of its own.
    pub had_credentials: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct SignerSummary {
    pub issuer: Option<String>,
    pub common_name: Option<String>,
    pub alg: Option<String>,
    /// Trusted time of signing (only with a time-stamp).
    pub time: Option<String>,
}

/// The XMP labels, whoever wrote them.
#[derive(Clone, Debug, Serialize)]
pub struct XmpLabel {
    pub source_type: Option<String>,
    pub source_words: Option<String>,
    pub creator_tool: Option<String>,
}

/// Everything `verify` says about one file.
#[derive(Clone, Debug, Serialize)]
pub struct VerifyReport {
    pub file: String,
    pub status: Status,
    /// One sentence a person can act on.
    pub verdict: String,
    pub trusted: bool,
    pub problems: Vec<Problem>,
    /// The digital source type the active manifest claims (else the XMP one).
    pub source_type: Option<String>,
    pub source_words: Option<String>,
    /// The file says it was generated or edited with AI or other synthesis.
    pub generated: bool,
    pub actions: Vec<ActionSummary>,
    pub ingredients: Vec<IngredientSummary>,
    pub signer: Option<SignerSummary>,
    pub claim_generator: Option<String>,
    pub manifests: usize,
    pub xmp: Option<XmpLabel>,
}

/// C2PA status codes that mean the media or the manifest changed, in words.
pub fn explain_code(code: &str) -> &'static str {
    match code {
        "assertion.bmffHash.mismatch" | "assertion.dataHash.mismatch" | "assertion.boxesHash.mismatch" => {
            "the media data changed after it was signed (hash mismatch)"
        }
        "assertion.hashedURI.mismatch" => "an assertion changed after it was signed",
        "claimSignature.mismatch" => "the signature does not match the claim",
        "claimSignature.missing" => "the claim has no signature",
        "signingCredential.expired" => "the signing certificate had expired",
        "signingCredential.revoked" => "the signing certificate was revoked",
        "signingCredential.invalid" => "the signing certificate is not valid for Content Credentials",
        "signingCredential.untrusted" => "the signer is not on your trust list",
        "assertion.action.malformed" => "an action in the manifest is malformed",
        "ingredient.manifest.mismatch" | "ingredient.hashedURI.mismatch" => {
            "an ingredient's credentials do not match what was recorded"
        }
        "manifest.multipleParents" => "the manifest names more than one parent",
        "claim.malformed" | "manifest.inaccessible" | "general.error" => "the manifest could not be read",
        _ => "a Content Credentials check failed",
    }
}

fn xmp_label(src: &dyn ReadAt) -> Option<XmpLabel> {
    let x = Xmp::parse(&read_xmp(src)?).ok()?;
    let source_type = x.get(NS_IPTC_EXT, "DigitalSourceType").map(str::to_string);
    let creator_tool = x.get(NS_XMP_BASIC, "CreatorTool").map(str::to_string);
    if source_type.is_none() && creator_tool.is_none() {
        return None;
    }
    Some(XmpLabel { source_words: source_type.as_deref().map(describe), source_type, creator_tool })
}

/// Verifies one file. `trust` holds PEM trust anchors (roots) for the
/// trusted/untrusted verdict.
pub fn verify(path: &Path, trust: &[Vec<u8>]) -> Result<VerifyReport> {
    let src = FileSource::open(path)?;
    #[cfg(feature = "c2pa")]
    let stream = Some(src.try_clone_file().map_err(|e| Error::from(e).in_file(path))?);
    #[cfg(not(feature = "c2pa"))]
    let stream: Option<std::io::Empty> = None;
    verify_source(path, &src, stream, trust)
}

/// Verifies a file already in memory (standard input, fuzzing).
pub fn verify_bytes(name: &Path, bytes: &[u8], trust: &[Vec<u8>]) -> Result<VerifyReport> {
    verify_source(name, &bytes, Some(std::io::Cursor::new(bytes)), trust)
}

fn verify_source<S>(name: &Path, src: &dyn ReadAt, stream: Option<S>, trust: &[Vec<u8>]) -> Result<VerifyReport>
where
    S: std::io::Read + std::io::Seek + Send,
{
    let xmp = xmp_label(src);
    let mut report = VerifyReport {
        file: name.display().to_string(),
        status: Status::None,
        verdict: String::new(),
        trusted: false,
        problems: Vec::new(),
        source_type: None,
        source_words: None,
        generated: false,
        actions: Vec::new(),
        ingredients: Vec::new(),
        signer: None,
        claim_generator: None,
        manifests: 0,
        xmp,
    };
    let head = src.read_vec(0, src.len().min(64)).map_err(|e| Error::from(e).in_file(name))?;
    // A file of no kind we know is searched byte for byte (a damaged file
    // without a manifest has none); one too large for that cannot be told.
    let unknown = !head.starts_with(b"\x89PNG")
        && vivify_media::probe::sniff(&head.as_slice()) == vivify_media::probe::Container::Unknown;
    if unknown && src.len() > super::locate::SCAN_BYTES {
        return Err(Error::Unsupported(
            "not a JPEG, PNG, HEIF, MP4 or QuickTime file, the kinds that carry Content Credentials, \
             and too large to search for one"
                .into(),
        )
        .in_file(name));
    }
    // Only a file that holds a manifest store can have invalid credentials.
    let presence = super::locate::manifest_presence(src);
    if let super::locate::Presence::Unknown(why) = &presence {
        return Err(
            Error::invalid("file", format!("cannot tell whether it holds Content Credentials: {why}")).in_file(name)
        );
    }
    #[cfg(feature = "c2pa")]
    if let (Some(stream), super::locate::Presence::Found) = (stream, &presence) {
        let mime = super::mime_of(&head, name);
        super::verify_c2pa::read(stream, mime, trust, &mut report)?;
    }
    #[cfg(not(feature = "c2pa"))]
    let _ = (trust, stream);
    if report.source_type.is_none() {
        report.source_type = report.xmp.as_ref().and_then(|x| x.source_type.clone());
    }
    report.source_words = report.source_type.as_deref().map(describe);
    report.generated = report.source_type.as_deref().is_some_and(says_generated);
    report.verdict = verdict(&report);
    Ok(report)
}

fn verdict(r: &VerifyReport) -> String {
    let what = match (&r.source_words, r.generated) {
        (Some(w), true) => format!("; it says it is {w}"),
        (Some(w), false) => format!("; it says it was {w}"),
        (None, _) => String::new(),
    };
    match r.status {
        Status::Trusted => format!("Content Credentials are valid and the signer is trusted{what}"),
        Status::Valid => format!("Content Credentials are valid, but the signer is not on your trust list{what}"),
        Status::Invalid => {
            let why: Vec<&str> = r.problems.iter().map(|p| p.explanation.as_str()).collect();
            format!(
                "Content Credentials are INVALID: {}",
                if why.is_empty() { "unreadable".into() } else { why.join("; ") }
            )
        }
        Status::None => match &r.xmp {
            Some(XmpLabel { source_words: Some(w), .. }) => {
                format!("no Content Credentials; only an unsigned XMP label, which says {w}")
            }
            Some(_) => "no Content Credentials; only unsigned XMP (no source type)".into(),
            None => "no Content Credentials and no provenance label".into(),
        },
    }
}
