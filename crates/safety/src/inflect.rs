//! Regular English inflections of a lexicon word, so that one entry covers
//! "hang", "hangs", "hanged" and "hanging", or "pill" and "pills".
//!
//! We generate forms from the word the lexicon names rather than reducing
//! the prompt's words to stems: stemming both sides makes unrelated words
//! meet ("rapping" and "raping" share a stem), while generated forms only
//! add spellings of the word that was meant. Over-generation is harmless (a
//! form nobody writes never matches); irregular forms ("took", "tore") are
//! listed in the lexicon itself.

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// A short word ending consonant-vowel-consonant doubles its last letter
/// before -ed and -ing ("stab" → "stabbing", "cut" → "cutting").
fn doubles(w: &[u8]) -> bool {
    let n = w.len();
    (3..=4).contains(&n)
        && !is_vowel(w[n - 1])
        && !matches!(w[n - 1], b'w' | b'x' | b'y')
        && is_vowel(w[n - 2])
        && !is_vowel(w[n - 3])
}

/// The word and its regular inflected forms (plural / third person, past,
/// present participle). Words that are not plain ASCII letters, and words
/// of one or two letters ("he", "od"), are returned alone.
pub fn forms(word: &str) -> Vec<String> {
    let mut out = vec![word.to_string()];
    let b = word.as_bytes();
    if b.len() < 3 || !b.iter().all(u8::is_ascii_lowercase) {
        return out;
    }
    let mut add = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    let last = b[b.len() - 1];
    let stem_e = word.strip_suffix('e');
    // "baby" → "babies", "bury" → "buried"; but "play" → "plays", "played".
    let consonant_y = last == b'y' && !is_vowel(b[b.len() - 2]);
    // -s / -es
    if word.ends_with('s') || word.ends_with('x') || word.ends_with('z') || word.ends_with("ch") || word.ends_with("sh")
    {
        add(format!("{word}es"));
    } else if consonant_y {
        add(format!("{}ies", &word[..word.len() - 1]));
    } else {
        add(format!("{word}s"));
    }
    // -ed / -ing
    if let Some(stem) = stem_e {
        add(format!("{word}d"));
        add(format!("{stem}ing"));
    } else if consonant_y {
        add(format!("{}ied", &word[..word.len() - 1]));
        add(format!("{word}ing"));
    } else {
        add(format!("{word}ed"));
        add(format!("{word}ing"));
        if doubles(b) {
            let l = last as char;
            add(format!("{word}{l}ed"));
            add(format!("{word}{l}ing"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::forms;

    fn has(word: &str, form: &str) -> bool {
        forms(word).iter().any(|f| f == form)
    }

    #[test]
    fn regular_forms_are_generated_and_nothing_unrelated() {
        for (w, f) in [
            ("hang", "hangs"),
            ("hang", "hanged"),
            ("hang", "hanging"),
            ("cut", "cuts"),
            ("cut", "cutting"),
            ("stab", "stabbed"),
            ("slash", "slashes"),
            ("slash", "slashed"),
            ("take", "taking"),
            ("rape", "raped"),
            ("baby", "babies"),
            ("bury", "buried"),
            ("pill", "pills"),
            ("swallow", "swallowing"),
        ] {
            assert!(has(w, f), "{w} → {f}: {:?}", forms(w));
        }
        assert!(!has("rape", "rapping") && !has("rape", "rap"));
        assert!(!has("kill", "kil") && !has("shoot", "shot"));
        assert_eq!(forms("he"), ["he"]);
        assert_eq!(forms("ak47"), ["ak47"]);
    }
}
