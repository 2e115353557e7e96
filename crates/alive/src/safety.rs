//! The safety checkpoints inside `alive`: the photo check after decoding,
//! the prompt again once faces are counted, the output check on frames
//! sampled while encoding, and the record of every checked output so that
//! `share` can tell the exact bytes that passed.

use std::path::Path;

use serde::Serialize;

use vivify_media::error::{Error, Result};
use vivify_safety::image::{judge, PictureFacts};
use vivify_safety::output::{judge_output, OutputCheck};
use vivify_safety::store::items::ItemFacts;
use vivify_safety::store::{sha256_file, sha256_hex, Store};
use vivify_safety::{prompt, Checks, Decision, Stage, Verdict};

/// What the checks said, in the report.
#[derive(Clone, Debug, Serialize)]
pub struct SafetyReport {
    pub prompt: Option<Verdict>,
    pub photo: Verdict,
    pub output: Option<OutputCheck>,
    /// Faces in the photo (they make sexual prompts the strictest tier).
    pub faces: usize,
    pub classifier: Option<String>,
    /// Ids of the recorded outputs (for `share` and `report`).
    pub items: Vec<String>,
    /// The case opened for review when a check flagged something.
    pub review_case: Option<i64>,
    /// Where they were recorded (`None`: no safety database).
    pub database: Option<String>,
}

fn refused(v: &Verdict) -> Result<()> {
    match v.refusal() {
        Some(r) => Err(Error::Refused(Box::new(r))),
        None => Ok(()),
    }
}

/// The photo check: hashes against the blocklist and the classifier.
pub(super) fn check_photo(
    bytes: &[u8],
    rgb: &vivify_picture::image::Rgb,
    checks: &Checks,
    store: Option<&Store>,
) -> Result<(PictureFacts, Verdict)> {
    let facts = PictureFacts::of(rgb, Some(sha256_hex(bytes)), checks.classifier.as_deref())?;
    let hit = facts.lookup(store, &checks.policy)?;
    let v = judge(Stage::Photo, &facts, hit.as_ref(), &checks.policy);
    refused(&v)?;
    Ok((facts, v))
}

/// The prompt again, now that the faces in the photo are known.
pub(super) fn check_prompt_with_faces(text: Option<&str>, faces: usize, checks: &Checks) -> Result<Option<Verdict>> {
    let Some(t) = text else { return Ok(None) };
    let v = prompt::check_prompt(t, Some(faces), &checks.policy)?;
    refused(&v)?;
    Ok(Some(v))
}

/// The output check's verdict, refusing when it blocks.
pub(super) fn check_output(
    frames: Vec<(usize, PictureFacts)>,
    source: &PictureFacts,
    faces: usize,
    checks: &Checks,
    store: Option<&Store>,
) -> Result<OutputCheck> {
    let out = judge_output(frames, source, faces, store, &checks.policy)?;
    refused(&out.verdict)?;
    Ok(out)
}

/// What kind of output a path is, by the names `alive` gives them.
fn kind_of(path: &Path, video: &Path) -> &'static str {
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    if path == video {
        "video"
    } else if name.ends_with(".mp.jpg") || name.ends_with(".mp.heic") {
        "motion_photo"
    } else if name.ends_with(".mov") {
        "live_movie"
    } else {
        "live_photo"
    }
}

/// Records every output with its hashes and verdicts.
#[allow(clippy::too_many_arguments)]
pub(super) fn record(
    store: &mut Store,
    outputs: &[String],
    video: &Path,
    stdout: Option<&[u8]>,
    source: &PictureFacts,
    out: &OutputCheck,
    faces: usize,
    labelled: bool,
    checks: &Checks,
) -> Result<Vec<String>> {
    let policy = &checks.policy;
    let frame_pdq: Vec<String> = out
        .frame_facts
        .iter()
        .filter(|f| f.pdq_quality >= policy.image.min_pdq_quality)
        .map(|f| f.pdq.clone())
        .collect();
    let source_pdq = if source.pdq_quality >= policy.image.min_pdq_quality {
        vec![source.pdq.clone(), source.pdq_mirror.clone()]
    } else {
        Vec::new()
    };
    let facts = |kind: &str| ItemFacts {
        source_sha256: source.sha256.clone(),
        source_pdq: source_pdq.clone(),
        frame_pdq: if kind == "live_photo" { Vec::new() } else { frame_pdq.clone() },
        faces,
        classifier: checks.classifier.as_ref().map(|c| c.name()),
        // The key photo of a Live Photo is the photo itself, unlabelled.
        label: labelled && kind != "live_photo",
        source_type: crate::ALIVE_SOURCE_TYPE.uri(),
        decision: if out.verdict.decision == Decision::Flag { "flag" } else { "allow" }.into(),
        reference: out.verdict.reference.clone(),
        scores: out.worst.iter().map(|(c, s)| (c.code().to_string(), *s)).collect(),
    };
    let mut ids = Vec::new();
    if let Some(bytes) = stdout {
        ids.push(store.record_item(&sha256_hex(bytes), "video", "-", &facts("video"))?.id);
    }
    // Standard output was recorded from its bytes above.
    for o in outputs.iter().filter(|o| o.as_str() != "-") {
        let p = Path::new(o);
        let kind = kind_of(p, video);
        ids.push(store.record_item(&sha256_file(p)?, kind, o, &facts(kind))?.id);
    }
    Ok(ids)
}

/// Flagged verdicts (allowed, but for review) open a case on the first
/// recorded output, filed by the checks themselves, so a moderator sees it.
pub(super) fn flag_for_review(
    store: &mut Store,
    items: &[String],
    verdicts: &[Option<&Verdict>],
) -> Result<Option<i64>> {
    let Some(item) = items.first() else { return Ok(None) };
    let mut case = None;
    for v in verdicts.iter().flatten().filter(|v| v.decision == Decision::Flag) {
        let report = vivify_safety::store::cases::NewReport {
            reporter: String::new(),
            reason: v.category.unwrap_or(vivify_safety::Category::Other),
            details: format!(
                "automated {} check: rule {}, ref {}; {}",
                vivify_safety::image::stage_code(v.stage),
                v.rule.as_deref().unwrap_or("-"),
                v.reference,
                v.evidence.join("; ")
            ),
            automated: true,
        };
        case = Some(store.report(item, &report)?.id);
    }
    Ok(case)
}
