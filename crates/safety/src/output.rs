//! The output check: the picture checks run again on frames of the finished
//! clip (about four a second, plus the first and the last), reduced to the
//! worst score per category — one bad frame is enough — and compared with
//! the source photo, since a clip that scores worse than its photo was
//! steered there by the request.

use std::collections::BTreeSet;
use std::sync::Mutex;

use serde::Serialize;

use super::classifier::ImageClassifier;
use super::image::{judge, threshold, PictureFacts};
use super::store::Store;
use super::taxonomy::Category;
use super::{Decision, Policy, Stage, Verdict};
use vivify_codec::color::ColorInfo;
use vivify_codec::Frame;
use vivify_media::error::{Error, Result};
use vivify_picture::image::Rgb;

/// Frames sampled per second of video.
pub const SAMPLES_PER_SECOND: u32 = 4;
/// How much worse (0–1) a clip may score than its photo before it is flagged.
pub const WORSE_MARGIN: f32 = 0.15;

/// Which frames of a `frames`-long clip at `fps` are looked at.
pub fn sample_indices(frames: usize, fps: u32) -> Vec<usize> {
    if frames == 0 {
        return Vec::new();
    }
    let step = (fps as usize).div_ceil(SAMPLES_PER_SECOND as usize).max(1);
    let mut v: BTreeSet<usize> = (0..frames).step_by(step).collect();
    v.insert(frames - 1);
    v.into_iter().collect()
}

/// Collects the facts of sampled frames while they are rendered (called
/// from the encoder threads).
pub struct FrameSampler<'a> {
    wanted: BTreeSet<usize>,
    color: ColorInfo,
    classifier: Option<&'a dyn ImageClassifier>,
    found: Mutex<Vec<(usize, Result<PictureFacts>)>>,
}

impl<'a> FrameSampler<'a> {
    pub fn new(frames: usize, fps: u32, color: ColorInfo, classifier: Option<&'a dyn ImageClassifier>) -> Self {
        FrameSampler {
            wanted: sample_indices(frames, fps).into_iter().collect(),
            color,
            classifier,
            found: Mutex::new(Vec::new()),
        }
    }

    /// Looks at frame `index` if it is one of the sampled ones.
    pub fn look(&self, index: usize, frame: &Frame) {
        // A clip encoded again in one piece shows its frames twice.
        let seen = self.found.lock().map_or(true, |f| f.iter().any(|(i, _)| *i == index));
        if !self.wanted.contains(&index) || seen {
            return;
        }
        // At half size: the perceptual hash works on a 64x64 summary and the
        // classifier on 320 pixels, and this runs inside the render. (A
        // quarter moved a rendered frame's PDQ 12 bits from the full-size
        // hash, a third of the 31-bit match distance; half moves it 4.)
        let (width, height, data) = frame.to_rgb_reduced(self.color, 2);
        let rgb = Rgb { width, height, data };
        let facts = PictureFacts::of(&rgb, None, self.classifier);
        if let Ok(mut f) = self.found.lock() {
            f.push((index, facts));
        }
    }

    /// The facts in frame order; fails when a frame could not be checked or
    /// one was missed (the check fails closed).
    pub fn finish(self) -> Result<Vec<(usize, PictureFacts)>> {
        let mut found =
            self.found.into_inner().map_err(|_| Error::Internal("the frame check was interrupted".into()))?;
        found.sort_by_key(|(i, _)| *i);
        if found.len() != self.wanted.len() {
            return Err(Error::codec(format!(
                "the output check saw {} of {} sampled frames",
                found.len(),
                self.wanted.len()
            )));
        }
        found.into_iter().map(|(i, f)| f.map(|f| (i, f))).collect()
    }
}

/// What the output check found.
#[derive(Clone, Debug, Serialize)]
pub struct OutputCheck {
    pub verdict: Verdict,
    /// Frame indexes looked at.
    pub frames: Vec<usize>,
    /// Worst score per category over those frames.
    pub worst: Vec<(Category, f32)>,
    pub worse_than_source: bool,
    #[serde(skip)]
    pub frame_facts: Vec<PictureFacts>,
}

/// Judges the sampled frames against the blocklist, the thresholds and the
/// source photo (`faces`: faces in the photo).
pub fn judge_output(
    frames: Vec<(usize, PictureFacts)>,
    source: &PictureFacts,
    faces: usize,
    store: Option<&Store>,
    policy: &Policy,
) -> Result<OutputCheck> {
    let mut verdict = Verdict::allow(Stage::Output);
    for (i, f) in &frames {
        let hit = f.lookup(store, policy)?;
        if let Some(h) = hit {
            verdict = judge(Stage::Output, f, Some(&h), policy);
            verdict.evidence.push(format!("frame {i}"));
            break;
        }
    }
    let worst_sexual = frames.iter().map(|(_, f)| f.score(Category::Sexual)).fold(0.0, f32::max);
    let worst = if source.scores.is_empty() { Vec::new() } else { vec![(Category::Sexual, worst_sexual)] };
    let source_sexual = source.score(Category::Sexual);
    let worse_than_source = !worst.is_empty() && worst_sexual > source_sexual + WORSE_MARGIN;
    if verdict.decision == Decision::Allow {
        if let Some(d) = threshold(worst_sexual, policy) {
            // A real person's photo that became explicit in the clip is an
            // intimate deepfake, the strictest tier.
            let category = if d == Decision::Block && faces > 0 && worse_than_source {
                Category::NonconsensualIntimate
            } else {
                Category::Sexual
            };
            let decision = if d == Decision::Block { policy.decision(category) } else { Decision::Flag };
            let frame = frames.iter().find(|(_, f)| f.score(Category::Sexual) == worst_sexual).map_or(0, |(i, _)| *i);
            verdict = Verdict::new(
                Stage::Output,
                decision,
                category,
                "output.classifier.sexual".into(),
                vec![format!("worst exposed-body score {worst_sexual:.2} at frame {frame}, photo {source_sexual:.2}")],
            );
        } else if worse_than_source {
            verdict = Verdict::new(
                Stage::Output,
                Decision::Flag,
                Category::Sexual,
                "output.worse_than_source".into(),
                vec![format!("clip {worst_sexual:.2} vs photo {source_sexual:.2}")],
            );
        }
    }
    let (idx, facts): (Vec<usize>, Vec<PictureFacts>) = frames.into_iter().unzip();
    Ok(OutputCheck { verdict, frames: idx, worst, worse_than_source, frame_facts: facts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn about_four_frames_a_second_plus_first_and_last() {
        let s = sample_indices(90, 30);
        assert_eq!(s.first(), Some(&0));
        assert_eq!(s.last(), Some(&89));
        assert!((12..=14).contains(&s.len()), "{s:?}");
        assert_eq!(sample_indices(1, 30), vec![0]);
        assert_eq!(sample_indices(5, 2), vec![0, 1, 2, 3, 4]);
    }
}
