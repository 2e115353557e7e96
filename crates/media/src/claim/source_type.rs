//! IPTC digital source types: the codes we write, and plain words for every
//! code a reader may meet (ours or another tool's).

/// The IPTC NewsCodes vocabulary the codes live in.
pub const IPTC_BASE: &str = "http://cv.iptc.org/newscodes/digitalsourcetype/";

/// The source types vivify writes (see docs/PROVENANCE.md for the mapping).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SourceType {
    /// A real capture combined with synthetic elements made without a trained
    /// generative model: our living moments (formula-driven sky drift, water,
    /// particles, grades and camera around the user's photo).
    CompositeSynthetic,
    /// A real capture combined with elements a trained generative model made.
    CompositeWithTrainedAlgorithmicMedia,
    /// Wholly made by a trained generative model.
    TrainedAlgorithmicMedia,
    /// Recorded by a camera (a Live Photo cut from camera footage).
    DigitalCapture,
}

impl SourceType {
    pub fn code(self) -> &'static str {
        match self {
            SourceType::CompositeSynthetic => "compositeSynthetic",
            SourceType::CompositeWithTrainedAlgorithmicMedia => "compositeWithTrainedAlgorithmicMedia",
            SourceType::TrainedAlgorithmicMedia => "trainedAlgorithmicMedia",
            SourceType::DigitalCapture => "digitalCapture",
        }
    }

    pub fn uri(self) -> String {
        format!("{IPTC_BASE}{}", self.code())
    }

    /// Whether content of this type must carry the visible "AI-generated" label.
    pub fn is_generated(self) -> bool {
        !matches!(self, SourceType::DigitalCapture)
    }
}

/// The code part of a digital source type URI (or the text itself when it
/// is already a bare code).
pub fn code_of(uri: &str) -> &str {
    let t = uri.trim();
    t.rsplit_once('/').map_or(t, |(_, c)| c)
}

/// Plain words for a digital source type URI or code, for `verify`.
pub fn describe(uri: &str) -> String {
    let words = match code_of(uri) {
        "trainedAlgorithmicMedia" => "made with generative AI",
        "compositeWithTrainedAlgorithmicMedia" => "real media combined with generative-AI elements (edited with AI)",
        "compositeSynthetic" => {
            "real media combined with computer-generated elements (e.g. generated motion around a photo)"
        }
        "algorithmicMedia" => "made by an algorithm without training data (computer-generated)",
        "algorithmicallyEnhanced" => "a capture enhanced by an algorithm",
        "trainedAlgorithmicData" => "data made with generative AI",
        "dataDrivenMedia" => "made from data (e.g. a visualisation)",
        "digitalCapture" => "captured by a digital camera",
        "computationalCapture" => "captured by a camera with computational processing",
        "negativeFilm" | "positiveFilm" => "scanned from film",
        "print" => "scanned from a print",
        "humanEdits" | "minorHumanEdits" => "a capture edited by a person",
        "compositeCapture" => "a composite of several captures",
        "composite" => "a composite of several elements",
        "screenCapture" => "a screen capture",
        "virtualRecording" => "recorded in a virtual environment",
        "digitalCreation" | "digitalArt" => "made by a person with digital tools",
        "softwareImage" => "made by software",
        "empty" => "no content (an empty asset)",
        _ => return format!("unknown source type ({})", uri.trim()),
    };
    words.to_string()
}

/// Whether a digital source type says AI or other synthesis took part, so a
/// reader should present the file as generated or AI-edited.
pub fn says_generated(uri: &str) -> bool {
    matches!(
        code_of(uri),
        "trainedAlgorithmicMedia"
            | "compositeWithTrainedAlgorithmicMedia"
            | "compositeSynthetic"
            | "algorithmicMedia"
            | "trainedAlgorithmicData"
            | "softwareImage"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_for_ours_and_others() {
        for t in [
            SourceType::CompositeSynthetic,
            SourceType::CompositeWithTrainedAlgorithmicMedia,
            SourceType::TrainedAlgorithmicMedia,
            SourceType::DigitalCapture,
        ] {
            assert!(!describe(&t.uri()).starts_with("unknown"), "{t:?}");
            assert_eq!(says_generated(&t.uri()), t.is_generated());
        }
        assert_eq!(describe("http://c2pa.org/digitalsourcetype/empty"), "no content (an empty asset)");
        assert!(describe("http://example.com/x/strange").starts_with("unknown source type"));
    }
}
