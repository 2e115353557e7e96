//! Text normalisation before any word check, so that spelling tricks do not
//! slip past: NFKC (fullwidth and mathematical letters become plain ones),
//! zero-width and bidi controls removed, accents dropped, Cyrillic and Greek
//! look-alikes mapped to Latin, digits and symbols used as letters read as
//! letters, and letters spread out with spaces joined again.

use unicode_normalization::UnicodeNormalization;

/// Characters that render as nothing or reorder text: removed.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}'
        | '\u{FE00}'..='\u{FE0F}')
}

/// Latin look-alikes from Cyrillic and Greek.
fn latin(c: char) -> char {
    match c {
        'а' | 'α' => 'a',
        'в' | 'β' => 'b',
        'с' | 'ϲ' => 'c',
        'е' | 'ё' | 'ε' => 'e',
        'һ' | 'н' => 'h',
        'і' | 'ι' | 'ї' => 'i',
        'ј' => 'j',
        'к' | 'κ' => 'k',
        'м' => 'm',
        'п' | 'η' => 'n',
        'о' | 'ο' | 'σ' => 'o',
        'р' | 'ρ' => 'p',
        'ѕ' => 's',
        'т' | 'τ' => 't',
        'υ' | 'μ' => 'u',
        'ν' => 'v',
        'ѡ' | 'ω' => 'w',
        'х' | 'χ' => 'x',
        'у' | 'γ' => 'y',
        other => other,
    }
}

/// Digits and symbols that stand for letters inside a word.
fn leet(c: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' | '!' | '|' => 'i',
        '3' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' | '+' => 't',
        '8' => 'b',
        _ => return None,
    })
}

/// NFKC, invisible characters removed, lower case, accents dropped,
/// look-alikes mapped. Spaces and punctuation are kept.
pub fn clean(text: &str) -> String {
    let nfkc: String = text.nfkc().filter(|&c| !invisible(c)).collect();
    let lower = nfkc.to_lowercase();
    // Drop combining marks after canonical decomposition (é → e).
    lower.nfd().filter(|c| !('\u{0300}'..='\u{036F}').contains(c)).map(latin).collect()
}

/// The words of cleaned text: letters and letter-standing symbols, split at
/// everything else. A word that has letters reads its digits as letters
/// ("n4k3d" → "naked"); a number alone stays a number.
pub fn words(cleaned: &str) -> Vec<String> {
    let mut out = Vec::new();
    for raw in cleaned.split(|c: char| !(c.is_alphanumeric() || leet(c).is_some() || c == '*')) {
        // Punctuation that ends a sentence is not a letter ("dance!").
        let raw = raw.trim_matches('*').trim_end_matches(['!', '|', '+']).trim_start_matches(['|', '+', '!']);
        if raw.is_empty() {
            continue;
        }
        if raw.chars().any(char::is_alphabetic) {
            out.push(raw.chars().map(|c| leet(c).unwrap_or(c)).collect());
        } else {
            out.push(raw.to_string());
        }
    }
    out
}

/// `words` with runs of three or more one-letter words joined
/// ("n a k e d" → "naked"), the spacing trick.
pub fn joined(words: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let run = words[i..].iter().take_while(|w| w.chars().count() == 1).count();
        if run >= 3 {
            out.push(words[i..i + run].concat());
            i += run;
        } else {
            out.push(words[i].clone());
            i += 1;
        }
    }
    out
}

/// A word with letters repeated three or more times cut to one
/// ("naaaaked" → "naked"); `None` when nothing was repeated that often.
pub fn unstretched(word: &str) -> Option<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len());
    let mut changed = false;
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..].iter().take_while(|&&c| c == chars[i]).count();
        out.push(chars[i]);
        if run >= 3 {
            changed = true;
        } else {
            out.extend(std::iter::repeat_n(chars[i], run - 1));
        }
        i += run;
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tricks_are_undone() {
        let w = |s: &str| joined(&words(&clean(s))).join(" ");
        assert_eq!(w("ｎａｋｅｄ"), "naked");
        assert_eq!(w("𝐧𝐚𝐤𝐞𝐝 woman"), "naked woman");
        assert_eq!(w("na\u{200B}ked"), "naked");
        assert_eq!(w("nаkеd"), "naked"); // Cyrillic а and е
        assert_eq!(w("n4k3d"), "naked");
        assert_eq!(w("n a k e d girl"), "naked girl");
        assert_eq!(w("n.a.k.e.d"), "naked");
        assert_eq!(w("Crème brûlée"), "creme brulee");
        assert_eq!(w("3 seconds, 10 birds"), "3 seconds 10 birds");
        assert_eq!(w("dance! now!!"), "dance now");
        assert_eq!(unstretched("naaaaked").as_deref(), Some("naked"));
        assert_eq!(unstretched("shoot"), None);
    }
}
