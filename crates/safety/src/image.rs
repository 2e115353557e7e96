//! The photo check (and the per-picture part of the output check): exact
//! and perceptual hashes against the local blocklist, and the image
//! classifier's scores when one is installed. Faces are counted by the
//! scene analysis and fed to the prompt check's combination rules.

use serde::Serialize;

use super::classifier::ImageClassifier;
use super::pdq::{self, Pdq, PdqHash};
use super::store::blocklist::Hit;
use super::store::Store;
use super::taxonomy::Category;
use super::{Decision, Policy, Stage, Verdict};
use vivify_media::error::Result;
use vivify_picture::image::Rgb;

/// What the checks learned about one picture.
#[derive(Clone, Debug, Serialize)]
pub struct PictureFacts {
    /// SHA-256 of the file (photos only; frames have no file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    pub pdq: String,
    pub pdq_mirror: String,
    /// PDQ quality 0–100; below the policy's minimum the perceptual hash is
    /// not trusted (flat or tiny pictures all look alike).
    pub pdq_quality: u32,
    /// Scores per category (0–1) from the image classifier, when installed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<(Category, f32)>,
    #[serde(skip)]
    pub(crate) hashes: (PdqHash, Pdq),
}

impl PictureFacts {
    /// Hashes (and classifies, when a classifier is given) a picture.
    pub fn of(rgb: &Rgb, sha256: Option<String>, classifier: Option<&dyn ImageClassifier>) -> Result<PictureFacts> {
        let (h, mirror) = pdq::hash_with_mirror(rgb);
        let scores = match classifier {
            Some(c) => c.classify(rgb)?,
            None => Vec::new(),
        };
        Ok(PictureFacts {
            sha256,
            pdq: h.hash.to_hex(),
            pdq_mirror: mirror.to_hex(),
            pdq_quality: h.quality,
            scores,
            hashes: (h, mirror),
        })
    }

    /// The perceptual hashes worth matching or blocklisting (none when the
    /// picture's quality is too low to tell it from others).
    pub fn trusted_pdqs(&self, policy: &Policy) -> Vec<Pdq> {
        if self.pdq_quality >= policy.image.min_pdq_quality {
            vec![self.hashes.0.hash, self.hashes.1]
        } else {
            Vec::new()
        }
    }

    pub fn score(&self, c: Category) -> f32 {
        self.scores.iter().filter(|(k, _)| *k == c).map(|(_, s)| *s).fold(0.0, f32::max)
    }

    /// Looks the picture up in the blocklist.
    pub fn lookup(&self, store: Option<&Store>, policy: &Policy) -> Result<Option<Hit>> {
        match store {
            Some(s) => s.blocklisted(self.sha256.as_deref(), &self.trusted_pdqs(policy)),
            None => Ok(None),
        }
    }
}

/// The verdict on a picture: a blocklist hit blocks in the entry's category;
/// classifier scores block or flag by the policy's thresholds.
pub fn judge(stage: Stage, facts: &PictureFacts, hit: Option<&Hit>, policy: &Policy) -> Verdict {
    if let Some(h) = hit {
        let evidence =
            vec![format!("blocklist entry {} ({}, {} bits apart, {})", h.entry, h.kind, h.distance, h.source)];
        let d = policy.decision(h.category).max_with(Decision::Flag);
        return Verdict::new(stage, d, h.category, format!("{}.blocklist.{}", stage_code(stage), h.kind), evidence);
    }
    let sexual = facts.score(Category::Sexual);
    if let Some(d) = threshold(sexual, policy) {
        let decision = if d == Decision::Block { policy.decision(Category::Sexual) } else { Decision::Flag };
        return Verdict::new(
            stage,
            decision,
            Category::Sexual,
            format!("{}.classifier.sexual", stage_code(stage)),
            vec![format!("exposed-body score {sexual:.2}")],
        );
    }
    Verdict::allow(stage)
}

/// Block or flag by the policy's classifier thresholds.
pub(crate) fn threshold(score: f32, policy: &Policy) -> Option<Decision> {
    if score >= policy.image.sexual_block {
        Some(Decision::Block)
    } else if score >= policy.image.sexual_flag {
        Some(Decision::Flag)
    } else {
        None
    }
}

/// The short name of a checkpoint, as stored in the safety database.
pub fn stage_code(stage: Stage) -> &'static str {
    match stage {
        Stage::Prompt => "prompt",
        Stage::Photo => "photo",
        Stage::Output => "output",
        Stage::Share => "share",
    }
}

/// Everything the photo check finds in one file (`vivify moderate IMAGE`).
#[derive(Clone, Debug, Serialize)]
pub struct ImageCheck {
    pub file: String,
    pub width: usize,
    pub height: usize,
    pub facts: PictureFacts,
    /// Frontal faces found (needs the `faces` feature).
    pub faces: usize,
    pub classifier: Option<String>,
    pub blocklist: Option<Hit>,
    pub verdict: Verdict,
}

/// Runs the photo check on a file: safe decode within the photo limits,
/// hashes against the blocklist, faces, and the classifier when installed.
pub fn check_file(path: &std::path::Path, checks: &super::Checks) -> Result<ImageCheck> {
    let run = || -> Result<ImageCheck> {
        let bytes = vivify_media::input::read(path, vivify_media::limits::MAX_PHOTO_BYTES, "photo file size")?;
        let photo = vivify_picture::photo::Photo::decode(bytes)?;
        let store = checks.db.as_ref().map(Store::open_at).transpose()?;
        let facts =
            PictureFacts::of(&photo.rgb, Some(super::store::sha256_hex(&photo.bytes)), checks.classifier.as_deref())?;
        let hit = facts.lookup(store.as_ref(), &checks.policy)?;
        let verdict = judge(Stage::Photo, &facts, hit.as_ref(), &checks.policy);
        Ok(ImageCheck {
            file: path.display().to_string(),
            width: photo.rgb.width,
            height: photo.rgb.height,
            faces: vivify_picture::faces::detect(&photo.rgb).len(),
            facts,
            classifier: checks.classifier.as_ref().map(|c| c.name()),
            blocklist: hit,
            verdict,
        })
    };
    run().map_err(|e| e.in_file(path))
}
