//! The share check, run on the exact file about to be published: its bytes
//! must be the ones that passed the output check, it must not be hidden or
//! removed, the caption passes the prompt check, the blocklist (which may
//! have grown) is consulted again, and the AI label and valid Content
//! Credentials must be there.

use std::path::Path;

use serde::Serialize;

use super::pdq::Pdq;
use super::store::items::Item;
use super::store::{sha256_file, Store};
use super::{prompt, Decision, Policy, Refusal, Stage, Verdict};
use vivify_media::error::{Error, Result};
use vivify_provenance::verify::{verify, Status};

/// One thing the share check looked at.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub check: &'static str,
    pub passed: bool,
    pub detail: String,
}

/// A file cleared for sharing.
#[derive(Clone, Debug, Serialize)]
pub struct Cleared {
    pub item: Item,
    pub steps: Vec<Step>,
    /// The caption's verdict (flagged captions are allowed and recorded).
    pub caption: Option<Verdict>,
    pub reference: String,
}

fn refuse(rule: &str, message: String, next: &str) -> Error {
    Error::Refused(Box::new(Refusal::plain(Stage::Share, rule, message, next)))
}

/// Runs every share step; `Err(Error::Refused)` names the first that failed.
pub fn check_share(path: &Path, caption: Option<&str>, store: &mut Store, policy: &Policy) -> Result<Cleared> {
    let mut steps = Vec::new();
    // Only media vivify writes can pass; anything else is refused by its
    // first bytes before a possibly huge file is hashed.
    let src = vivify_media::source::FileSource::open(path)?;
    if vivify_media::probe::sniff(&src) == vivify_media::probe::Container::Unknown {
        return Err(Error::Unsupported("not a video or photo vivify writes (MP4, QuickTime, JPEG or HEIC)".into())
            .in_file(path));
    }
    drop(src);
    let sha = sha256_file(path)?;
    let Some(item) = store.item_by_sha256(&sha)? else {
        return Err(refuse(
            "share.unchecked",
            format!(
                "{} is not a file vivify checked: it was changed after the output check, or made elsewhere.",
                path.display()
            ),
            "Share the file exactly as vivify wrote it, or make it again with vivify.",
        ));
    };
    if item.kind == "external" {
        // Known only because someone reported it: it never passed our checks.
        return Err(refuse(
            "share.unchecked",
            format!(
                "{} was not made by vivify here (it is known only from a report), so it never passed the output check.",
                path.display()
            ),
            "Make the video with vivify, then share the file it writes.",
        ));
    }
    steps.push(Step { check: "same bytes as checked", passed: true, detail: format!("item {}", item.id) });
    if item.status != "visible" {
        return Err(refuse(
            "share.restricted",
            format!("Item {} is {} after a report.", item.id, item.status),
            "See the notice you were sent; a removal can be appealed with `vivify appeal`.",
        ));
    }
    steps.push(Step { check: "not hidden or removed", passed: true, detail: item.status.clone() });
    if item.facts.classifier.is_none() && !policy.share.allow_without_classifier {
        return Err(refuse(
            "share.no_classifier",
            "No image classifier was installed when this video was checked, and the policy requires one before sharing."
                .into(),
            "Install the safety pack (scripts/install-safety-pack, a build with the `nsfw` feature) and make the video again, or set [share] allow_without_classifier in the policy.",
        ));
    }
    steps.push(Step {
        check: "image classifier ran",
        passed: true,
        detail: item.facts.classifier.clone().unwrap_or_else(|| "none; allowed by the policy".into()),
    });
    let caption_verdict = match caption {
        Some(text) => {
            let mut v = prompt::check_prompt(text, Some(item.facts.faces), policy)?;
            v.stage = Stage::Share;
            v.reference = super::reference(Stage::Share);
            if v.decision == Decision::Block {
                return Err(Error::Refused(Box::new(Refusal::from_verdict(&v))));
            }
            steps.push(Step { check: "caption", passed: true, detail: format!("{:?}", v.decision).to_lowercase() });
            Some(v)
        }
        None => None,
    };
    let f = &item.facts;
    let pdqs: Vec<Pdq> = f.source_pdq.iter().chain(&f.frame_pdq).filter_map(|h| Pdq::from_hex(h)).collect();
    let mut hit = store.blocklisted(Some(&item.sha256), &pdqs)?;
    if hit.is_none() {
        if let Some(src) = &f.source_sha256 {
            hit = store.blocklisted(Some(src), &[])?;
        }
    }
    if let Some(h) = hit {
        let v = Verdict::new(
            Stage::Share,
            policy.decision(h.category).max_with(Decision::Flag),
            h.category,
            format!("share.blocklist.{}", h.kind),
            vec![format!("blocklist entry {}", h.entry)],
        );
        if v.decision == Decision::Block {
            return Err(Error::Refused(Box::new(Refusal::from_verdict(&v))));
        }
    }
    steps.push(Step { check: "blocklist", passed: true, detail: format!("{} hashes looked up", pdqs.len() + 1) });
    if !f.label && item.kind == "live_photo" {
        return Err(refuse(
            "share.no_label",
            "This is the key photo of a Live Photo made by vivify: it shows the photo without the \"AI-generated\" label, so it is not shared on its own.".into(),
            "Share the Live Photo's movie (.MOV) or the MP4, which carry the label.",
        ));
    }
    if !f.label {
        return Err(refuse(
            "share.no_label",
            "This video was made without the visible \"AI-generated\" label.".into(),
            "Make it again with the label (leave out --no-visible-label).",
        ));
    }
    steps.push(Step { check: "visible AI label", passed: true, detail: "burnt into every generated frame".into() });
    let report = verify(path, &[])?;
    if !matches!(report.status, Status::Valid | Status::Trusted) || !report.generated {
        return Err(refuse(
            "share.no_credentials",
            format!("{}: {}", path.display(), report.verdict),
            "Make the video again with signing on (a build with the `c2pa` feature, without --no-sign).",
        ));
    }
    steps.push(Step { check: "Content Credentials", passed: true, detail: report.verdict.clone() });
    store.mark_shared(&item.id)?;
    let item = store.item(&item.id)?.unwrap_or(item);
    Ok(Cleared { item, steps, caption: caption_verdict, reference: Verdict::allow(Stage::Share).reference })
}
