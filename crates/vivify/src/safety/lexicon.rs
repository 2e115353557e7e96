//! The prompt lexicon (`lexicon.txt`): parsing its pattern language and
//! finding its rules in a list of words.

use std::sync::OnceLock;

/// What a lexicon rule marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Sexual,
    Minor,
    Violence,
    SelfHarm,
    Attack,
    Target,
    Weapon,
    Hate,
    Benign,
}

impl Kind {
    fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "sexual" => Kind::Sexual,
            "minor" => Kind::Minor,
            "violence" => Kind::Violence,
            "selfharm" => Kind::SelfHarm,
            "attack" => Kind::Attack,
            "target" => Kind::Target,
            "weapon" => Kind::Weapon,
            "hate" => Kind::Hate,
            "benign" => Kind::Benign,
            _ => return None,
        })
    }
}

/// One word of a pattern: exact, or a prefix (`word*`).
#[derive(Clone, Debug)]
struct Atom {
    text: String,
    prefix: bool,
}

impl Atom {
    fn matches(&self, word: &str) -> bool {
        if self.prefix {
            word.starts_with(&self.text)
        } else {
            word == self.text
        }
    }
}

/// A choice of word sequences, maybe optional.
#[derive(Clone, Debug)]
struct Group {
    alts: Vec<Vec<Atom>>,
    optional: bool,
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub kind: Kind,
    /// The pattern as written, for diagnostics (never shown to users).
    pub pattern: String,
    groups: Vec<Group>,
}

/// A rule found at words `start..end`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
    pub rule: usize,
}

fn atoms(s: &str) -> Vec<Atom> {
    s.split_whitespace()
        .map(|w| match w.strip_suffix('*') {
            Some(p) => Atom { text: p.to_string(), prefix: true },
            None => Atom { text: w.to_string(), prefix: false },
        })
        .collect()
}

/// Parses one pattern: words and `(a|b c)` groups, `?` after a group.
fn parse_pattern(p: &str) -> Result<Vec<Group>, String> {
    let mut groups = Vec::new();
    let mut rest = p.trim();
    while !rest.is_empty() {
        if let Some(inner) = rest.strip_prefix('(') {
            let close = inner.find(')').ok_or_else(|| format!("unclosed group in '{p}'"))?;
            let alts = inner[..close].split('|').map(atoms).collect::<Vec<_>>();
            if alts.iter().any(Vec::is_empty) {
                return Err(format!("empty alternative in '{p}'"));
            }
            rest = &inner[close + 1..];
            let optional = rest.starts_with('?');
            if optional {
                rest = &rest[1..];
            }
            groups.push(Group { alts, optional });
        } else {
            let end = rest.find([' ', '(']).unwrap_or(rest.len());
            groups.push(Group { alts: vec![atoms(&rest[..end])], optional: false });
            rest = &rest[end..];
        }
        rest = rest.trim_start();
    }
    if groups.is_empty() {
        return Err("empty pattern".into());
    }
    Ok(groups)
}

/// Parses lexicon text: `kind: pattern` lines, `#` comments.
pub fn parse(text: &str) -> Result<Vec<Rule>, String> {
    let mut rules = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (kind, pattern) = line.split_once(':').ok_or_else(|| format!("line {}: no 'kind:'", n + 1))?;
        let kind = Kind::parse(kind.trim()).ok_or_else(|| format!("line {}: unknown kind '{kind}'", n + 1))?;
        let groups = parse_pattern(pattern).map_err(|e| format!("line {}: {e}", n + 1))?;
        rules.push(Rule { kind, pattern: pattern.trim().to_string(), groups });
    }
    Ok(rules)
}

/// The built-in lexicon.
pub fn builtin() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    // The file is part of the source; a unit test parses it, so this cannot
    // fail in a build that passed its tests.
    RULES.get_or_init(|| parse(include_str!("lexicon.txt")).unwrap_or_default())
}

/// Ends of every way `groups[g..]` matches `words` from `pos`.
fn ends(groups: &[Group], words: &[String], pos: usize, out: &mut Vec<usize>) {
    let Some(g) = groups.first() else {
        out.push(pos);
        return;
    };
    if g.optional {
        ends(&groups[1..], words, pos, out);
    }
    for alt in &g.alts {
        let n = alt.len();
        if pos + n <= words.len() && alt.iter().zip(&words[pos..pos + n]).all(|(a, w)| a.matches(w)) {
            ends(&groups[1..], words, pos + n, out);
        }
    }
}

/// Every rule found in `words`, with hits overlapped by a benign phrase removed.
pub fn find(rules: &[Rule], words: &[String]) -> Vec<Hit> {
    let mut hits = Vec::new();
    let mut found = Vec::new();
    for (r, rule) in rules.iter().enumerate() {
        for start in 0..words.len() {
            found.clear();
            ends(&rule.groups, words, start, &mut found);
            if let Some(&end) = found.iter().filter(|&&e| e > start).max() {
                hits.push(Hit { kind: rule.kind, start, end, rule: r });
            }
        }
    }
    let benign: Vec<(usize, usize)> =
        hits.iter().filter(|h| h.kind == Kind::Benign).map(|h| (h.start, h.end)).collect();
    hits.retain(|h| h.kind != Kind::Benign && !benign.iter().any(|&(s, e)| h.start < e && s < h.end));
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn the_builtin_lexicon_parses_and_patterns_match_as_written() {
        let rules = parse(include_str!("lexicon.txt")).expect("lexicon parses");
        assert!(rules.len() > 50);
        let r = parse("sexual: (take|pull) (off)? (her|his) (clothes|shirt)\nbenign: photo shoot\nattack: shoot*")
            .expect("parse");
        assert_eq!(find(&r, &w("take her clothes")).len(), 1);
        assert_eq!(find(&r, &w("pull off his shirt")).len(), 1);
        assert!(find(&r, &w("take off the hat")).is_empty());
        assert!(find(&r, &w("a photo shoot at dawn")).is_empty(), "benign wins");
        assert_eq!(find(&r, &w("shooting people")).len(), 1);
        assert!(parse("sexual: (a|").is_err() && parse("weird: x").is_err());
    }
}
