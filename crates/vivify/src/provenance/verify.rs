//! `verify`: what a file says about how it was made, and whether that claim
//! holds. Reads C2PA Content Credentials (feature `c2pa`: validity, trust,
//! tampering, source type, ingredients, signer) and the XMP labels any tool
//! may write (IPTC `DigitalSourceType`, `CreatorTool`).

use std::path::Path;

use serde::Serialize;

use super::source_type::{describe, says_generated};
use crate::bmff::scan::scan;
use crate::bmff::FourCC;
use crate::error::{Error, Result};
use crate::source::{FileSource, ReadAt, Window};
use crate::xmp::provenance::{NS_IPTC_EXT, NS_XMP_BASIC};
use crate::xmp::Xmp;

/// The XMP `uuid` box of MP4 files (top level).
const XMP_UUID: [u8; 16] =
    [0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8, 0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF, 0xAC];
const MAX_XMP: u64 = crate::limits::MAX_METADATA_BYTES;

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

/// The XMP packet of a file of any container we know.
pub fn read_xmp(src: &dyn ReadAt) -> Option<Vec<u8>> {
    use crate::probe::{sniff, Container};
    let head = src.read_vec(0, src.len().min(16)).ok()?;
    if head.starts_with(b"\x89PNG") {
        return png_xmp(src);
    }
    match sniff(src) {
        Container::Jpeg => {
            let data = src.read_vec(0, src.len().min(crate::alive::photo::MAX_PHOTO_BYTES)).ok()?;
            crate::jpeg::Jpeg::parse(&data).ok()?.xmp().map(<[u8]>::to_vec)
        }
        Container::Heif => crate::heic::Heif::parse(src).ok()?.xmp(src).ok()?,
        Container::Mov | Container::Mp4 => movie_xmp(src),
        Container::Unknown => None,
    }
}

fn movie_xmp(src: &dyn ReadAt) -> Option<Vec<u8>> {
    let s = scan(src).ok()?;
    for b in &s.boxes {
        if b.kind == FourCC::UUID && b.payload_len() > 16 && b.payload_len() <= MAX_XMP + 16 {
            let p = src.read_vec(b.payload_offset(), b.payload_len()).ok()?;
            if p[..16] == XMP_UUID {
                return Some(p[16..].to_vec());
            }
        }
    }
    let moov = s.first(FourCC::MOOV)?;
    let inner = Window::new(src, moov.payload_offset(), moov.payload_len());
    let udta = *scan(&inner).ok()?.first(FourCC(*b"udta"))?;
    let in_udta = Window::new(&inner, udta.payload_offset(), udta.payload_len());
    let x = *scan(&in_udta).ok()?.first(FourCC(*b"XMP_"))?;
    if x.payload_len() > MAX_XMP {
        return None;
    }
    in_udta.read_vec(x.payload_offset(), x.payload_len()).ok()
}

fn png_xmp(src: &dyn ReadAt) -> Option<Vec<u8>> {
    let mut pos = 8u64;
    while pos + 12 <= src.len() {
        let h = src.read_vec(pos, 8).ok()?;
        let len = u64::from(u32::from_be_bytes([h[0], h[1], h[2], h[3]]));
        if &h[4..8] == b"iTXt" && len <= MAX_XMP {
            let body = src.read_vec(pos + 8, len).ok()?;
            let key = b"XML:com.adobe.xmp\0";
            if body.starts_with(key) {
                // keyword, NUL, compression flag, method, language NUL, translated NUL, text
                let rest = &body[key.len() + 2..];
                let lang_end = rest.iter().position(|&b| b == 0)?;
                let rest = &rest[lang_end + 1..];
                let tr_end = rest.iter().position(|&b| b == 0)?;
                return Some(rest[tr_end + 1..].to_vec());
            }
        }
        if &h[4..8] == b"IEND" {
            break;
        }
        pos += 12 + len;
    }
    None
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
    let unknown =
        !head.starts_with(b"\x89PNG") && crate::probe::sniff(&head.as_slice()) == crate::probe::Container::Unknown;
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
