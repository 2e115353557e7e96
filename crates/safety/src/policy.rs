//! The safety policy file (TOML): thresholds and what each category does.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::taxonomy::{Category, Tier};
use super::Decision;
use vivify_media::error::{Error, Result};

/// The policy shipped with vivify.
pub const DEFAULT_POLICY: &str = include_str!("default-policy.toml");

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromptPolicy {
    pub max_chars: usize,
    /// Run the prompt check by meaning when the text pack is installed.
    #[serde(default = "yes")]
    pub meaning: bool,
    /// Category code → the classifier's harm (1 - p(allow), 0 to 1) from
    /// which a prompt of that category is refused, overriding the trained
    /// thresholds (see `meaning.rs`).
    #[serde(default)]
    pub thresholds: BTreeMap<String, f32>,
}

fn yes() -> bool {
    true
}

/// Picture checks: the perceptual-hash quality floor and the image
/// classifier's thresholds.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ImagePolicy {
    /// PDQ quality (0–100) below which a perceptual hash is not matched
    /// or blocklisted (flat pictures all look alike).
    pub min_pdq_quality: u32,
    /// Exposed-body score (0–1) from which a picture is blocked as sexual.
    pub sexual_block: f32,
    /// Score from which it is allowed but flagged for review.
    pub sexual_flag: f32,
}

impl Default for ImagePolicy {
    fn default() -> ImagePolicy {
        ImagePolicy { min_pdq_quality: 50, sexual_block: 0.6, sexual_flag: 0.35 }
    }
}

/// The share check.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SharePolicy {
    /// Share videos that no image classifier looked at (off: sharing then
    /// needs the safety pack).
    pub allow_without_classifier: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Block,
    Flag,
    Allow,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub version: u32,
    pub prompt: PromptPolicy,
    #[serde(default)]
    pub image: ImagePolicy,
    #[serde(default)]
    pub share: SharePolicy,
    /// Category code → action.
    #[serde(default)]
    pub categories: BTreeMap<String, Action>,
}

impl Default for Policy {
    fn default() -> Policy {
        // The shipped file is checked by a unit test.
        Policy::parse(DEFAULT_POLICY, Path::new("default-policy.toml")).unwrap_or(Policy {
            version: 1,
            prompt: PromptPolicy { max_chars: 500, meaning: true, thresholds: BTreeMap::new() },
            image: ImagePolicy::default(),
            share: SharePolicy::default(),
            categories: BTreeMap::new(),
        })
    }
}

impl Policy {
    /// Parses policy text; `path` names it in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Policy> {
        let p: Policy =
            toml::from_str(text).map_err(|e| Error::Param(format!("{}: {}", path.display(), e.message())))?;
        if p.version != 1 {
            return Err(Error::Param(format!("{}: policy version {} is not known (1 is)", path.display(), p.version)));
        }
        for code in p.categories.keys() {
            if Category::from_code(code).is_none() {
                return Err(Error::Param(format!("{}: unknown category '{code}'", path.display())));
            }
        }
        for (code, t) in &p.prompt.thresholds {
            if Category::from_code(code).is_none() || !(0.0..=1.0).contains(t) {
                return Err(Error::Param(format!(
                    "{}: prompt.thresholds.{code} = {t}: a category code and a probability from 0 to 1 are needed",
                    path.display()
                )));
            }
        }
        if p.prompt.max_chars == 0 || p.prompt.max_chars > 10_000 {
            return Err(Error::Param(format!("{}: prompt.max_chars must be 1 to 10000", path.display())));
        }
        let i = &p.image;
        let unit = |v: f32| (0.0..=1.0).contains(&v);
        if !unit(i.sexual_block) || !unit(i.sexual_flag) || i.sexual_flag > i.sexual_block || i.min_pdq_quality > 100 {
            return Err(Error::Param(format!(
                "{}: [image] scores must be 0 to 1 with sexual_flag <= sexual_block, min_pdq_quality 0 to 100",
                path.display()
            )));
        }
        Ok(p)
    }

    /// Reads a policy file.
    pub fn load(path: &Path) -> Result<Policy> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::from(e).in_file(path))?;
        vivify_media::limits::check("policy file size", text.len() as u64, 1 << 20).map_err(|e| e.in_file(path))?;
        Policy::parse(&text, path)
    }

    /// What a finding in `c` does. Tier 0 is always blocked.
    pub fn decision(&self, c: Category) -> Decision {
        if c.tier() == Tier::Tier0 {
            return Decision::Block;
        }
        let default = if c.tier() == Tier::Tier1 { Action::Block } else { Action::Flag };
        match self.categories.get(c.code()).copied().unwrap_or(default) {
            Action::Block => Decision::Block,
            Action::Flag => Decision::Flag,
            Action::Allow => Decision::Allow,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_policy_parses_and_tier_0_cannot_be_relaxed() {
        let p = Policy::parse(DEFAULT_POLICY, Path::new("default")).expect("default policy");
        assert_eq!(p.decision(Category::Sexual), Decision::Block);
        assert_eq!(p.decision(Category::Spam), Decision::Flag);
        let lax = Policy::parse(
            "version = 1\n[prompt]\nmax_chars = 80\n[categories]\nsexual_minors = \"allow\"\nsexual = \"allow\"\n",
            Path::new("lax"),
        )
        .expect("lax");
        assert_eq!(lax.decision(Category::SexualMinors), Decision::Block);
        assert_eq!(lax.decision(Category::Sexual), Decision::Allow);
        let e = Policy::parse(
            "version = 1\n[prompt]\nmax_chars = 80\n[categories]\nnudity = \"block\"\n",
            Path::new("p.toml"),
        )
        .expect_err("unknown category");
        assert!(e.to_string().contains("p.toml") && e.to_string().contains("nudity"), "{e}");
    }
}
