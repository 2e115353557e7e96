//! One policy taxonomy for every check and every report, with its mapping to
//! the categories other systems use (OpenAI moderation, MLCommons hazards as
//! in Llama Guard 3, the EU DSA transparency database), and severity tiers.

use serde::{Deserialize, Serialize};

/// What a rule protects against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Sexual,
    /// Sexual content involving minors (child safety).
    SexualMinors,
    /// Non-consensual intimate imagery, including sexual deepfakes of real people.
    NonconsensualIntimate,
    ViolenceGraphic,
    SelfHarm,
    Hate,
    Harassment,
    IllegalGoodsWeapons,
    Spam,
    Privacy,
    Other,
}

/// How grave a breach is, and so what happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Child sexual content, non-consensual intimate content: always
    /// refused, no hints, a case opened.
    Tier0,
    /// Refused with a clear reason; the user may change the request.
    Tier1,
    /// Borderline: allowed by default, flagged for review.
    Tier2,
}

impl Category {
    pub const ALL: [Category; 11] = [
        Category::Sexual,
        Category::SexualMinors,
        Category::NonconsensualIntimate,
        Category::ViolenceGraphic,
        Category::SelfHarm,
        Category::Hate,
        Category::Harassment,
        Category::IllegalGoodsWeapons,
        Category::Spam,
        Category::Privacy,
        Category::Other,
    ];

    /// The code used in policy files, reports and JSON.
    pub fn code(self) -> &'static str {
        match self {
            Category::Sexual => "sexual",
            Category::SexualMinors => "sexual_minors",
            Category::NonconsensualIntimate => "nonconsensual_intimate",
            Category::ViolenceGraphic => "violence_graphic",
            Category::SelfHarm => "self_harm",
            Category::Hate => "hate",
            Category::Harassment => "harassment",
            Category::IllegalGoodsWeapons => "illegal_goods_weapons",
            Category::Spam => "spam",
            Category::Privacy => "privacy",
            Category::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The default tier of a breach in this category.
    pub fn tier(self) -> Tier {
        match self {
            Category::SexualMinors | Category::NonconsensualIntimate => Tier::Tier0,
            Category::Spam | Category::Other => Tier::Tier2,
            _ => Tier::Tier1,
        }
    }

    /// The clause of docs/POLICY.md that states the rule.
    pub fn clause(self) -> &'static str {
        match self {
            Category::SexualMinors => "§1 Child safety",
            Category::NonconsensualIntimate => "§2 Intimate images and sexual deepfakes",
            Category::Sexual => "§3 Sexual content",
            Category::ViolenceGraphic => "§4 Graphic violence",
            Category::SelfHarm => "§5 Self-harm",
            Category::Hate => "§6 Hate",
            Category::Harassment => "§7 Harassment",
            Category::IllegalGoodsWeapons => "§8 Weapons and illegal goods",
            Category::Privacy => "§9 Privacy",
            Category::Spam => "§10 Spam",
            Category::Other => "§11 Other",
        }
    }

    /// Plain words for refusals.
    pub fn words(self) -> &'static str {
        match self {
            Category::Sexual => "sexual content",
            Category::SexualMinors => "content that may violate our child-safety rules",
            Category::NonconsensualIntimate => "intimate or sexual content of a real person",
            Category::ViolenceGraphic => "graphic violence",
            Category::SelfHarm => "self-harm",
            Category::Hate => "hateful content",
            Category::Harassment => "harassment or abuse",
            Category::IllegalGoodsWeapons => "weapons used against people or illegal goods",
            Category::Spam => "spam",
            Category::Privacy => "someone's private information",
            Category::Other => "content our rules do not allow",
        }
    }

    /// OpenAI moderation category (`omni-moderation-latest`).
    pub fn openai(self) -> &'static str {
        match self {
            Category::Sexual | Category::NonconsensualIntimate => "sexual",
            Category::SexualMinors => "sexual/minors",
            Category::ViolenceGraphic => "violence/graphic",
            Category::SelfHarm => "self-harm",
            Category::Hate => "hate",
            Category::Harassment => "harassment",
            Category::IllegalGoodsWeapons => "illicit/violent",
            Category::Spam | Category::Privacy | Category::Other => "none",
        }
    }

    /// MLCommons hazard (Llama Guard 3 code).
    pub fn mlcommons(self) -> &'static str {
        match self {
            Category::Sexual => "S12 Sexual Content",
            Category::SexualMinors => "S4 Child Sexual Exploitation",
            Category::NonconsensualIntimate => "S3 Sex-Related Crimes",
            Category::ViolenceGraphic => "S1 Violent Crimes",
            Category::SelfHarm => "S11 Suicide & Self-Harm",
            Category::Hate => "S10 Hate",
            Category::Harassment => "S5 Defamation",
            Category::IllegalGoodsWeapons => "S9 Indiscriminate Weapons",
            Category::Privacy => "S7 Privacy",
            Category::Spam | Category::Other => "none",
        }
    }

    /// EU DSA transparency database statement category.
    pub fn dsa(self) -> &'static str {
        match self {
            Category::Sexual => "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT",
            Category::SexualMinors => "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
            Category::NonconsensualIntimate => "STATEMENT_CATEGORY_NON_CONSENSUAL_BEHAVIOUR",
            Category::ViolenceGraphic => "STATEMENT_CATEGORY_VIOLENCE",
            Category::SelfHarm => "STATEMENT_CATEGORY_SELF_HARM",
            Category::Hate | Category::Harassment => "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
            Category::IllegalGoodsWeapons => "STATEMENT_CATEGORY_UNSAFE_AND_ILLEGAL_PRODUCTS",
            Category::Spam => "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE",
            Category::Privacy => "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
            Category::Other => "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_is_mapped_and_round_trips() {
        for c in Category::ALL {
            assert_eq!(Category::from_code(c.code()), Some(c));
            assert!(c.dsa().starts_with("STATEMENT_CATEGORY_"));
            assert!(!c.words().is_empty() && c.clause().starts_with('§'));
        }
        assert_eq!(Category::SexualMinors.tier(), Tier::Tier0);
        assert!(Tier::Tier0 < Tier::Tier1);
    }
}
