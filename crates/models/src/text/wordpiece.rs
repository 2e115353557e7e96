//! BERT's WordPiece tokenizer, as the text pack's `tokenizer.json`
//! describes it: clean the text, put spaces round CJK ideographs, strip
//! accents and lowercase, split on whitespace and punctuation, then cut
//! each word into the longest pieces the vocabulary knows (later pieces
//! marked `##`), between `[CLS]` and `[SEP]`, at most `max_length` in all.
//! Checked against Hugging Face's own `tokenizers` in
//! `crates/vivify/tests/model_packs.rs`.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;

/// Largest tokenizer file read.
pub const MAX_BYTES: usize = 16 << 20;

/// A loaded tokenizer.
pub struct WordPiece {
    vocab: HashMap<String, u32>,
    unk: u32,
    cls: u32,
    sep: u32,
    max_length: usize,
    max_chars: usize,
}

impl WordPiece {
    /// Reads a `tokenizer.json` of a BERT WordPiece model.
    pub fn from_json(bytes: &[u8]) -> Result<WordPiece, String> {
        if bytes.len() > MAX_BYTES {
            return Err(format!("{} bytes, more than a tokenizer holds", bytes.len()));
        }
        let j: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
        let model = &j["model"];
        if model["type"] != "WordPiece" || model["continuing_subword_prefix"] != "##" {
            return Err("not a WordPiece model with ## pieces".into());
        }
        let vocab: HashMap<String, u32> = model["vocab"]
            .as_object()
            .ok_or("no vocabulary")?
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), u32::try_from(v.as_u64()?).ok()?)))
            .collect();
        let id = |t: &str| vocab.get(t).copied().ok_or_else(|| format!("the vocabulary has no {t}"));
        let unk = id(model["unk_token"].as_str().unwrap_or("[UNK]"))?;
        let (cls, sep) = (id("[CLS]")?, id("[SEP]")?);
        let max_length = j["truncation"]["max_length"].as_u64().map_or(512, |n| n as usize).clamp(2, 4096);
        let max_chars = model["max_input_chars_per_word"].as_u64().map_or(100, |n| n as usize);
        Ok(WordPiece { vocab, unk, cls, sep, max_length, max_chars })
    }

    /// The token ids of `text`, with `[CLS]` first and `[SEP]` last.
    pub fn encode(&self, text: &str) -> Vec<u32> {
        let mut ids = vec![self.cls];
        for word in words(&normalize(text)) {
            self.pieces(&word, &mut ids);
            if ids.len() >= self.max_length - 1 {
                ids.truncate(self.max_length - 1);
                break;
            }
        }
        ids.push(self.sep);
        ids
    }

    /// Greedy longest-match pieces of one word (or `[UNK]` for all of it).
    fn pieces(&self, word: &str, out: &mut Vec<u32>) {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() > self.max_chars {
            out.push(self.unk);
            return;
        }
        let mut found = Vec::new();
        let mut start = 0;
        while start < chars.len() {
            let mut end = chars.len();
            let mut piece = None;
            while end > start {
                let s: String = chars[start..end].iter().collect();
                let key = if start > 0 { format!("##{s}") } else { s };
                if let Some(&id) = self.vocab.get(&key) {
                    piece = Some(id);
                    break;
                }
                end -= 1;
            }
            match piece {
                Some(id) => found.push(id),
                None => {
                    out.push(self.unk);
                    return;
                }
            }
            start = end;
        }
        out.extend(found);
    }
}

/// BERT's normaliser: drop control characters, make every kind of white
/// space a space, space out CJK ideographs, strip accents, lowercase.
fn normalize(text: &str) -> String {
    let mut spaced = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\0' || c == '\u{fffd}' || (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
            continue;
        }
        if c.is_whitespace() {
            spaced.push(' ');
        } else if is_cjk(c) {
            spaced.push(' ');
            spaced.push(c);
            spaced.push(' ');
        } else {
            spaced.push(c);
        }
    }
    spaced.nfd().filter(|&c| !unicode_normalization::char::is_combining_mark(c)).collect::<String>().to_lowercase()
}

/// Words and punctuation marks, each punctuation mark a word of its own.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for chunk in text.split_whitespace() {
        let mut word = String::new();
        for c in chunk.chars() {
            if is_punctuation(c) {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
                out.push(c.to_string());
            } else {
                word.push(c);
            }
        }
        if !word.is_empty() {
            out.push(word);
        }
    }
    out
}

/// CJK unified ideographs (the blocks BERT spaces out).
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0x2A700..=0x2B73F | 0x2B740..=0x2B81F
        | 0x2B820..=0x2CEAF | 0xF900..=0xFAFF | 0x2F800..=0x2FA1F)
}

/// ASCII symbols and punctuation, and Unicode's punctuation: the blocks
/// of general punctuation and the punctuation of Latin-1, CJK and the
/// full-width forms (Unicode category P, as BERT asks).
fn is_punctuation(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_punctuation();
    }
    matches!(c as u32,
        0xA1 | 0xA7 | 0xAB | 0xB6 | 0xB7 | 0xBB | 0xBF
        | 0x2010..=0x2027 | 0x2030..=0x2043 | 0x2045..=0x2051 | 0x2053..=0x205E
        | 0x2E00..=0x2E4F | 0x3001..=0x3003 | 0x3008..=0x3011 | 0x3014..=0x301F
        | 0xFF01..=0xFF03 | 0xFF05..=0xFF0A | 0xFF0C..=0xFF0F | 0xFF1A | 0xFF1B | 0xFF1F | 0xFF20
        | 0xFF3B..=0xFF3D | 0xFF3F | 0xFF5B | 0xFF5D | 0xFF5F..=0xFF65)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_normalised_and_split_like_bert() {
        assert_eq!(normalize("Café\tCRÈME\u{0007}"), "cafe creme");
        assert_eq!(words(&normalize("Hello, world! (test)")), ["hello", ",", "world", "!", "(", "test", ")"]);
        assert_eq!(words(&normalize("北京")), ["北", "京"]);
        assert_eq!(words("don't…"), ["don", "'", "t", "…"]);
    }

    #[test]
    fn words_are_cut_into_the_longest_known_pieces() {
        let json = br###"{"model": {"type": "WordPiece", "continuing_subword_prefix": "##", "unk_token": "[UNK]",
            "max_input_chars_per_word": 100,
            "vocab": {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "sun": 3, "##set": 4, "##s": 5, "sea": 6, "s": 7}},
            "truncation": {"max_length": 5}}"###;
        let t = WordPiece::from_json(json).expect("tokenizer");
        assert_eq!(t.encode("Sunsets"), [1, 3, 4, 5, 2]);
        assert_eq!(t.encode("sunx"), [1, 0, 2], "an unknown piece makes the whole word unknown");
        assert_eq!(t.encode("sea sea sea sea"), [1, 6, 6, 6, 2], "cut to max_length");
    }
}
