//! The prompt lexicon (`lexicon.txt`): parsing its pattern language and
//! finding its rules in a list of words.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::inflect;

/// Words a gap (`...`) may skip.
const GAP_WORDS: usize = 3;

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
    /// A protected group named (religion, ethnicity, origin, sexuality).
    Group,
    /// A person turned into or likened to vermin or animals.
    Dehumanize,
    /// Demeaning a real person: insults written on them, made to look vile.
    Harass,
    /// Weapons used or made where they threaten people (a bomb in a school).
    Arms,
    Benign,
    /// A named idea (`concept name: …`) that only counts next to another
    /// (`kind: a ~N b`); never a finding on its own.
    Concept,
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
            "group" => Kind::Group,
            "dehumanize" => Kind::Dehumanize,
            "harass" => Kind::Harass,
            "arms" => Kind::Arms,
            "benign" => Kind::Benign,
            _ => return None,
        })
    }
}

/// One word of a pattern: a word and its regular inflections, a prefix
/// (`word*`), or a word taken literally (`=word`).
#[derive(Clone, Debug)]
enum Atom {
    Forms(Vec<String>),
    Prefix(String),
}

impl Atom {
    fn matches(&self, word: &str) -> bool {
        match self {
            Atom::Forms(forms) => forms.iter().any(|f| f == word),
            Atom::Prefix(p) => word.starts_with(p.as_str()),
        }
    }
}

/// One step of a pattern: a choice of word sequences (maybe optional), or
/// a gap of up to [`GAP_WORDS`] words.
#[derive(Clone, Debug)]
enum Group {
    Words { alts: Vec<Vec<Atom>>, optional: bool },
    Gap,
}

/// What a rule looks for.
#[derive(Clone, Debug)]
enum Body {
    /// Words in order.
    Pattern(Vec<Group>),
    /// Two concepts at most `within` words apart, in either order.
    Near { a: String, b: String, within: usize },
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub kind: Kind,
    /// The pattern as written, for diagnostics (never shown to users).
    pub pattern: String,
    /// The concept a `concept` rule marks.
    concept: Option<String>,
    body: Body,
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
        .map(|w| {
            if let Some(p) = w.strip_suffix('*') {
                Atom::Prefix(p.to_string())
            } else if let Some(lit) = w.strip_prefix('=') {
                Atom::Forms(vec![lit.to_string()])
            } else {
                Atom::Forms(inflect::forms(w))
            }
        })
        .collect()
}

/// Word sets defined by `set name: a|b c|d*` lines, used as `@name`.
type Sets = HashMap<String, Vec<Vec<Atom>>>;

/// `a|b c|@set`: each alternative a word sequence; a set stands for all of its own.
fn alternatives(s: &str, p: &str, sets: &Sets) -> Result<Vec<Vec<Atom>>, String> {
    let mut alts = Vec::new();
    for alt in s.split('|') {
        match alt.trim().strip_prefix('@') {
            Some(name) => {
                alts.extend(sets.get(name).cloned().ok_or_else(|| format!("unknown set '@{name}' in '{p}'"))?);
            }
            None if atoms(alt).is_empty() => return Err(format!("empty alternative in '{p}'")),
            None => alts.push(atoms(alt)),
        }
    }
    Ok(alts)
}

/// Parses one pattern: words, `(a|b c)` groups and `@set`s (`?` after
/// either makes it optional), and `...` gaps.
fn parse_pattern(p: &str, sets: &Sets) -> Result<Vec<Group>, String> {
    let mut groups = Vec::new();
    let mut rest = p.trim();
    while !rest.is_empty() {
        let alts;
        if let Some(inner) = rest.strip_prefix('(') {
            let close = inner.find(')').ok_or_else(|| format!("unclosed group in '{p}'"))?;
            if inner[..close].contains('(') {
                return Err(format!("groups do not nest, in '{p}'"));
            }
            alts = alternatives(&inner[..close], p, sets)?;
            rest = &inner[close + 1..];
        } else {
            let end = rest.find([' ', '(', '?']).unwrap_or(rest.len());
            let word = &rest[..end];
            rest = &rest[end..];
            if word == "..." {
                groups.push(Group::Gap);
                rest = rest.trim_start();
                continue;
            }
            alts = alternatives(word, p, sets)?;
        }
        let optional = rest.starts_with('?');
        if optional {
            rest = &rest[1..];
        }
        groups.push(Group::Words { alts, optional });
        rest = rest.trim_start();
    }
    if groups.is_empty() {
        return Err("empty pattern".into());
    }
    Ok(groups)
}

/// Words two concepts may stand apart when a `~` gives no number.
const NEAR_WORDS: usize = 3;

/// `a ~N b` (or `a ~ b`): two concept names and how far apart they may be.
fn parse_near(p: &str, concepts: &[String]) -> Result<Body, String> {
    let (a, rest) = p.split_once('~').ok_or_else(|| format!("no '~' in '{p}'"))?;
    let rest = rest.trim_start();
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    let within =
        if digits == 0 { NEAR_WORDS } else { rest[..digits].parse().map_err(|_| format!("bad distance in '{p}'"))? };
    let (a, b) = (a.trim().to_string(), rest[digits..].trim().to_string());
    for name in [&a, &b] {
        if !concepts.contains(name) {
            return Err(format!("unknown concept '{name}' in '{p}'"));
        }
    }
    Ok(Body::Near { a, b, within })
}

/// Parses lexicon text: `kind: pattern`, `set name: alternatives`,
/// `concept name: pattern` and `kind: concept ~N concept` lines, `#`
/// comments. Sets and concepts must be defined before they are used.
pub fn parse(text: &str) -> Result<Vec<Rule>, String> {
    let mut rules = Vec::new();
    let mut sets = Sets::new();
    let mut concepts: Vec<String> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |e: String| format!("line {}: {e}", n + 1);
        let (head, pattern) = line.split_once(':').ok_or_else(|| at("no 'kind:'".into()))?;
        if let Some(name) = head.strip_prefix("set ") {
            let alts = alternatives(pattern.trim(), pattern, &sets).map_err(at)?;
            sets.insert(name.trim().to_string(), alts);
            continue;
        }
        let (kind, concept) = match head.strip_prefix("concept ") {
            Some(name) => (Kind::Concept, Some(name.trim().to_string())),
            None => (Kind::parse(head.trim()).ok_or_else(|| at(format!("unknown kind '{head}'")))?, None),
        };
        let body = if pattern.contains('~') && concept.is_none() {
            parse_near(pattern, &concepts).map_err(at)?
        } else {
            Body::Pattern(parse_pattern(pattern, &sets).map_err(at)?)
        };
        if let Some(name) = &concept {
            if !concepts.contains(name) {
                concepts.push(name.clone());
            }
        }
        rules.push(Rule { kind, pattern: pattern.trim().to_string(), concept, body });
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
    match g {
        Group::Gap => {
            for skip in 0..=GAP_WORDS.min(words.len() - pos) {
                ends(&groups[1..], words, pos + skip, out);
            }
        }
        Group::Words { alts, optional } => {
            if *optional {
                ends(&groups[1..], words, pos, out);
            }
            for alt in alts {
                let n = alt.len();
                if pos + n <= words.len() && alt.iter().zip(&words[pos..pos + n]).all(|(a, w)| a.matches(w)) {
                    ends(&groups[1..], words, pos + n, out);
                }
            }
        }
    }
}

/// Every match of the word-pattern rules `keep` selects: (rule index,
/// start, end), the longest match at each start.
fn matches(rules: &[Rule], words: &[String], keep: impl Fn(&Rule) -> bool) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    let mut found = Vec::new();
    for (r, rule) in rules.iter().enumerate().filter(|(_, rule)| keep(rule)) {
        let Body::Pattern(groups) = &rule.body else { continue };
        for start in 0..words.len() {
            found.clear();
            ends(groups, words, start, &mut found);
            if let Some(&end) = found.iter().filter(|&&e| e > start).max() {
                out.push((r, start, end));
            }
        }
    }
    out
}

/// Where benign phrases stand in `words` (start, end).
pub fn benign_spans(rules: &[Rule], words: &[String]) -> Vec<(usize, usize)> {
    matches(rules, words, |r| r.kind == Kind::Benign).into_iter().map(|(_, s, e)| (s, e)).collect()
}

/// Words between two spans (0 when they overlap); `None` when they are
/// the same words, which cannot be two ideas at once.
fn apart(x: (usize, usize), y: (usize, usize)) -> Option<usize> {
    if x == y {
        None
    } else if x.1 <= y.0 {
        Some(y.0 - x.1)
    } else if y.1 <= x.0 {
        Some(x.0 - y.1)
    } else {
        Some(0)
    }
}

/// Every rule found in `words`, with hits overlapped by a benign phrase
/// removed; concepts count only through the `~` rules that pair them.
pub fn find(rules: &[Rule], words: &[String]) -> Vec<Hit> {
    let benign = benign_spans(rules, words);
    let mut hits: Vec<Hit> = matches(rules, words, |r| r.kind != Kind::Benign)
        .into_iter()
        .filter(|&(_, start, end)| !benign.iter().any(|&(s, e)| start < e && s < end))
        .map(|(rule, start, end)| Hit { kind: rules[rule].kind, start, end, rule })
        .collect();
    let spans_of = |name: &str, hits: &[Hit]| -> Vec<(usize, usize)> {
        hits.iter().filter(|h| rules[h.rule].concept.as_deref() == Some(name)).map(|h| (h.start, h.end)).collect()
    };
    let mut paired = Vec::new();
    for (r, rule) in rules.iter().enumerate() {
        let Body::Near { a, b, within } = &rule.body else { continue };
        let (xs, ys) = (spans_of(a, &hits), spans_of(b, &hits));
        let near = xs
            .iter()
            .flat_map(|&x| ys.iter().map(move |&y| (x, y)))
            .find(|&(x, y)| apart(x, y).is_some_and(|d| d <= *within));
        if let Some((x, y)) = near {
            paired.push(Hit { kind: rule.kind, start: x.0.min(y.0), end: x.1.max(y.1), rule: r });
        }
    }
    hits.retain(|h| h.kind != Kind::Concept);
    hits.extend(paired);
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
        let sets = parse(
            "set garment: shirt|t shirt|dress\nsexual: (her|his) @garment ... (off|=vanish)\nselfharm: hang himself",
        )
        .expect("parse");
        assert_eq!(find(&sets, &w("his t shirt comes off")).len(), 1, "set + gap");
        assert_eq!(find(&sets, &w("her dress starts to fall off")).len(), 1, "a gap of three");
        assert!(find(&sets, &w("her dress is far too long to come off")).is_empty(), "gaps are short");
        assert!(find(&sets, &w("her dress vanishes")).is_empty(), "=word is literal");
        assert_eq!(find(&sets, &w("he hangs himself")).len(), 1, "inflections");
        assert!(parse("sexual: @nothing").is_err());
        let in_group = parse("set poss: her|his\nsexual: (@poss|the) bra").expect("parse");
        assert_eq!(find(&in_group, &w("his bra")).len(), 1, "a set inside a group");
        assert_eq!(find(&in_group, &w("the bra")).len(), 1);
        assert_eq!(benign_spans(&r, &w("a photo shoot at dawn")), [(1, 3)]);
        let near = parse(
            "concept undo: (unbutton|unzip)\nconcept worn: (her|his) (shirt|dress)\nsexual: undo ~1 worn\nbenign: his coat",
        )
        .expect("parse");
        assert_eq!(find(&near, &w("she unbuttons her shirt")).len(), 1);
        assert_eq!(find(&near, &w("her dress she unzips")).len(), 1, "either order, one word between");
        assert!(find(&near, &w("she unzips the bag in her dress")).is_empty(), "too far apart");
        assert!(find(&near, &w("she unbuttons")).is_empty(), "a concept alone is no finding");
        assert!(parse("sexual: undo ~ worn").is_err(), "concepts are defined first");
        assert_eq!(find(&r, &w("take her clothes")).len(), 1);
        assert_eq!(find(&r, &w("pull off his shirt")).len(), 1);
        assert!(find(&r, &w("take off the hat")).is_empty());
        assert!(find(&r, &w("a photo shoot at dawn")).is_empty(), "benign wins");
        assert_eq!(find(&r, &w("shooting people")).len(), 1);
        assert!(parse("sexual: (a|").is_err() && parse("weird: x").is_err());
        assert!(parse("sexual: (a|b (c|d))").is_err(), "nested groups are refused, not misread");
    }
}
