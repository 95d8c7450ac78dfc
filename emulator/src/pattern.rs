//! A small regular-expression matcher for Smithy `@pattern` values.
//!
//! Smithy patterns are ECMA-262 regular expressions and are *not* implicitly anchored: a value
//! conforms when the pattern matches somewhere in it (Smithy spec, "pattern trait"). Only the
//! subset that service models use is supported, and anything else is refused when the pattern
//! is compiled, so an unsupported construct is never silently misread:
//!
//! - literals, `.` (any character but a line terminator), `^`, `$`;
//! - classes `[...]` / `[^...]` with ranges, and `\d \D \w \W \s \S` inside or outside them;
//! - escapes: `\t \n \r \f \v \0`, `\uXXXX` (exactly four hex digits, as in ECMA-262, so
//!   `\u10000` is `\u1000` followed by `0`), `\xXX`, and any escaped punctuation;
//! - groups `(...)` and `(?:...)` with alternation `|`;
//! - quantifiers `* + ? {n} {n,} {n,m}`, greedy or lazy (laziness does not change whether a
//!   match exists, which is all a check needs).
//!
//! Not supported: backreferences, lookaround, named groups, `\b`, Unicode property escapes and
//! flags. Values are matched per Unicode scalar value.
//!
//! Matching backtracks. Runs of a single-character term are counted iteratively, so recursion
//! depth follows the pattern's size rather than the value's length, and a step budget bounds
//! the time any value can take; a value that exhausts it is reported as not matching.

use std::cell::Cell;
use std::fmt;

/// Steps one match may take before the value is refused.
const STEP_BUDGET: u32 = 1_000_000;
/// Nesting of repeated groups one match may reach before the value is refused.
const MAX_GROUP_DEPTH: u32 = 500;

/// Why a pattern could not be compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError {
    message: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PatternError {}

fn error(message: impl Into<String>) -> PatternError {
    PatternError { message: message.into() }
}

/// A compiled pattern.
#[derive(Clone, Debug)]
pub struct Pattern {
    alternatives: Vec<Vec<Term>>,
}

#[derive(Clone, Debug)]
struct Term {
    node: Node,
    min: u32,
    max: Option<u32>,
}

#[derive(Clone, Debug)]
enum Node {
    Char(char),
    Any,
    Class { items: Vec<ClassItem>, negated: bool },
    Start,
    End,
    Group(Vec<Vec<Term>>),
}

#[derive(Clone, Debug)]
enum ClassItem {
    Range(char, char),
    /// `\d`, `\w`, `\s` or their negations.
    Shorthand(char),
}

impl Pattern {
    /// Compiles `pattern`, refusing constructs outside the supported subset.
    pub fn new(pattern: &str) -> Result<Self, PatternError> {
        let mut p = Parser { chars: pattern.chars().collect(), pos: 0 };
        let alternatives = p.alternatives()?;
        if p.pos < p.chars.len() {
            return Err(error(format!("unbalanced `)` at {}", p.pos)));
        }
        Ok(Self { alternatives })
    }

    /// Whether the pattern matches somewhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        let m = Matcher { text: &chars, steps: Cell::new(0), depth: Cell::new(0) };
        (0..=chars.len()).any(|start| m.group(&self.alternatives, 1, Some(1), 0, start, &[], &mut |_| true))
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn alternatives(&mut self) -> Result<Vec<Vec<Term>>, PatternError> {
        let mut alternatives = vec![self.sequence()?];
        while self.eat('|') {
            alternatives.push(self.sequence()?);
        }
        Ok(alternatives)
    }

    fn sequence(&mut self) -> Result<Vec<Term>, PatternError> {
        let mut terms = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let node = self.atom()?;
            let (min, max) = self.quantifier()?;
            if matches!(node, Node::Start | Node::End) && (min, max) != (1, Some(1)) {
                return Err(error("a quantified anchor"));
            }
            terms.push(Term { node, min, max });
        }
        Ok(terms)
    }

    fn atom(&mut self) -> Result<Node, PatternError> {
        let at = self.pos;
        match self.next() {
            Some('^') => Ok(Node::Start),
            Some('$') => Ok(Node::End),
            Some('.') => Ok(Node::Any),
            Some('[') => self.class(),
            Some('(') => {
                if self.eat('?') && !self.eat(':') {
                    return Err(error(format!("unsupported group syntax at {at}")));
                }
                let alternatives = self.alternatives()?;
                if !self.eat(')') {
                    return Err(error(format!("unclosed group opened at {at}")));
                }
                Ok(Node::Group(alternatives))
            }
            Some('\\') => match self.escape()? {
                Escaped::Char(c) => Ok(Node::Char(c)),
                Escaped::Shorthand(s) => Ok(Node::Class { items: vec![ClassItem::Shorthand(s)], negated: false }),
            },
            Some(c @ ('*' | '+' | '?' | '{' | '}' | ']')) => Err(error(format!("unexpected `{c}` at {at}"))),
            Some(c) => Ok(Node::Char(c)),
            None => Err(error("unexpected end of pattern")),
        }
    }

    fn quantifier(&mut self) -> Result<(u32, Option<u32>), PatternError> {
        let q = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => {
                self.pos += 1;
                let min = self.number()?.ok_or_else(|| error("`{` without a count"))?;
                let max = if self.eat(',') { self.number()? } else { Some(min) };
                if !self.eat('}') {
                    return Err(error("unclosed `{`"));
                }
                if max.is_some_and(|max| max < min) {
                    return Err(error("a `{n,m}` with m < n"));
                }
                self.eat('?');
                return Ok((min, max));
            }
            _ => return Ok((1, Some(1))),
        };
        self.pos += 1;
        self.eat('?');
        Ok(q)
    }

    fn number(&mut self) -> Result<Option<u32>, PatternError> {
        let mut n: Option<u32> = None;
        while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
            self.pos += 1;
            n = Some(n.unwrap_or(0).checked_mul(10).and_then(|v| v.checked_add(d)).ok_or_else(|| error("count too large"))?);
        }
        Ok(n)
    }

    fn class(&mut self) -> Result<Node, PatternError> {
        let negated = self.eat('^');
        let mut items = Vec::new();
        loop {
            let c = self.next().ok_or_else(|| error("unclosed `[`"))?;
            let low = match c {
                ']' => break,
                '\\' => match self.escape()? {
                    Escaped::Shorthand(s) => {
                        items.push(ClassItem::Shorthand(s));
                        continue;
                    }
                    Escaped::Char(c) => c,
                },
                c => c,
            };
            // `a-z` is a range; a `-` before `]` is a literal.
            if self.peek() == Some('-') && self.chars.get(self.pos + 1).is_some_and(|&c| c != ']') {
                self.pos += 1;
                let high = match self.next() {
                    Some('\\') => match self.escape()? {
                        Escaped::Char(c) => c,
                        Escaped::Shorthand(_) => return Err(error("a class shorthand as a range bound")),
                    },
                    Some(c) => c,
                    None => return Err(error("unclosed `[`")),
                };
                if high < low {
                    return Err(error(format!("range `{low}-{high}` out of order")));
                }
                items.push(ClassItem::Range(low, high));
            } else {
                items.push(ClassItem::Range(low, low));
            }
        }
        Ok(Node::Class { items, negated })
    }

    fn hex(&mut self, digits: usize) -> Result<char, PatternError> {
        let mut v = 0u32;
        for _ in 0..digits {
            let d = self.next().and_then(|c| c.to_digit(16)).ok_or_else(|| error("a bad hex escape"))?;
            v = v * 16 + d;
        }
        char::from_u32(v).ok_or_else(|| error("an escape naming a surrogate"))
    }

    fn escape(&mut self) -> Result<Escaped, PatternError> {
        let c = self.next().ok_or_else(|| error("a trailing `\\`"))?;
        Ok(match c {
            'd' | 'D' | 'w' | 'W' | 's' | 'S' => Escaped::Shorthand(c),
            't' => Escaped::Char('\t'),
            'n' => Escaped::Char('\n'),
            'r' => Escaped::Char('\r'),
            'f' => Escaped::Char('\u{c}'),
            'v' => Escaped::Char('\u{b}'),
            '0' => Escaped::Char('\0'),
            'u' => Escaped::Char(self.hex(4)?),
            'x' => Escaped::Char(self.hex(2)?),
            c if c.is_ascii_punctuation() => Escaped::Char(c),
            c => return Err(error(format!("unsupported escape `\\{c}`"))),
        })
    }
}

enum Escaped {
    Char(char),
    Shorthand(char),
}

/// ECMA-262 `WhiteSpace` and `LineTerminator`, what `\s` matches.
fn is_ecma_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'..='\u{200a}' | '\u{2028}'
            | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}' | '\u{feff}'
    )
}

fn shorthand(s: char, c: char) -> bool {
    match s {
        'd' => c.is_ascii_digit(),
        'D' => !c.is_ascii_digit(),
        'w' => c.is_ascii_alphanumeric() || c == '_',
        'W' => !(c.is_ascii_alphanumeric() || c == '_'),
        's' => is_ecma_space(c),
        _ => !is_ecma_space(c),
    }
}

impl Node {
    /// Whether a single-character node matches `c`.
    fn matches(&self, c: char) -> bool {
        match self {
            Node::Char(x) => *x == c,
            Node::Any => !matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}'),
            Node::Class { items, negated } => {
                let hit = items.iter().any(|item| match item {
                    ClassItem::Range(low, high) => (*low..=*high).contains(&c),
                    ClassItem::Shorthand(s) => shorthand(*s, c),
                });
                hit != *negated
            }
            Node::Start | Node::End | Node::Group(_) => false,
        }
    }
}

struct Matcher<'t> {
    text: &'t [char],
    steps: Cell<u32>,
    depth: Cell<u32>,
}

type Continue<'k> = dyn FnMut(usize) -> bool + 'k;

impl Matcher<'_> {
    fn tick(&self) -> bool {
        let n = self.steps.get().saturating_add(1);
        self.steps.set(n);
        n <= STEP_BUDGET
    }

    /// Matches `terms` at `pos`, then hands the end position to `k`.
    fn sequence(&self, terms: &[Term], pos: usize, k: &mut Continue<'_>) -> bool {
        if !self.tick() {
            return false;
        }
        let Some((term, rest)) = terms.split_first() else { return k(pos) };
        match &term.node {
            Node::Start => pos == 0 && self.sequence(rest, pos, k),
            Node::End => pos == self.text.len() && self.sequence(rest, pos, k),
            Node::Group(alternatives) => self.group(alternatives, term.min, term.max, 0, pos, rest, k),
            single => {
                let max = term.max.map_or(usize::MAX, |m| m as usize);
                let mut n = 0;
                while n < max && self.text.get(pos + n).is_some_and(|&c| single.matches(c)) {
                    n += 1;
                }
                let min = term.min as usize;
                n >= min && (min..=n).rev().any(|i| self.sequence(rest, pos + i, k))
            }
        }
    }

    /// Matches the group `alternatives` repeated between `min` and `max` times (`count` done so
    /// far) at `pos`, then `rest`.
    #[allow(clippy::too_many_arguments)]
    fn group(
        &self,
        alternatives: &[Vec<Term>],
        min: u32,
        max: Option<u32>,
        count: u32,
        pos: usize,
        rest: &[Term],
        k: &mut Continue<'_>,
    ) -> bool {
        if self.depth.get() >= MAX_GROUP_DEPTH || !self.tick() {
            return false;
        }
        if max.is_none_or(|m| count < m) {
            self.depth.set(self.depth.get() + 1);
            let found = alternatives.iter().any(|alt| {
                self.sequence(alt, pos, &mut |end| {
                    // An iteration that consumed nothing would repeat forever; it only counts
                    // toward the minimum.
                    (end != pos || count < min) && self.group(alternatives, min, max, count + 1, end, rest, k)
                })
            });
            self.depth.set(self.depth.get() - 1);
            if found {
                return true;
            }
        }
        count >= min && self.sequence(rest, pos, k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, text: &str) -> bool {
        Pattern::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}")).is_match(text)
    }

    #[test]
    fn every_pattern_of_the_model_compiles() {
        assert!(!crate::generated::PATTERNS.is_empty());
        for p in crate::generated::PATTERNS {
            Pattern::new(p).unwrap_or_else(|e| panic!("{p}: {e}"));
        }
    }

    #[test]
    fn chime_arn_pattern() {
        let p = r"^arn:[a-z0-9-\.]{1,63}:[a-z0-9-\.]{0,63}:[a-z0-9-\.]{0,63}:[a-z0-9-\.]{0,63}:[^/].{0,1023}$";
        assert!(m(p, "arn:aws:chime:us-east-1:123456789012:app-instance/abc"));
        assert!(m(p, "arn:aws:chime:::x"));
        assert!(!m(p, "arn:aws:chime:us-east-1:123456789012:/abc"), "[^/] after the fifth colon");
        assert!(!m(p, "arn:AWS:chime:us-east-1:1:x"), "upper case partition");
        assert!(!m(p, "xarn:aws:chime:r:a:x"), "anchored at the start");
        assert!(!m(p, "arn:aws:chime:r:a:x\n"), "`.` stops at a line terminator and `$` anchors");
        assert!(!m(p, &format!("arn:{}:c:r:a:x", "a".repeat(64))), "{{1,63}}");
        assert!(m(p, &format!("arn:{}:c:r:a:x", "a".repeat(63))));
    }

    #[test]
    fn user_id_pattern_with_an_optional_group() {
        let p = r"^[A-Za-z0-9]([A-Za-z0-9\:\-\_\.\@]{0,62}[A-Za-z0-9])?$";
        for ok in ["a", "ab", "user-1", "a.b@c:d_e", &"a".repeat(64)] {
            assert!(m(p, ok), "{ok}");
        }
        for bad in ["", "-a", "a-", "a b", &"a".repeat(65), "a/b"] {
            assert!(!m(p, bad), "{bad}");
        }
    }

    #[test]
    fn unanchored_patterns_search() {
        assert!(m(r"\S", "  x "));
        assert!(!m(r"\S", " \t\u{3000}"));
        assert!(m(".*", ""));
        assert!(m("b+", "abbbc"));
        assert!(!m("^b+$", "abbbc"));
        assert!(m("^(ab|cd)*$", "abcdab"));
        assert!(!m("^(ab|cd)*$", "abc"));
        assert!(m("^(a*)*$", "aaaa"), "empty iterations terminate");
        assert!(m("^a{2,3}?$", "aaa"), "laziness does not change the answer");
    }

    #[test]
    fn unicode_escapes_take_four_digits() {
        let p = r"^[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]*$";
        assert!(m(p, "Hello, wörld\t"));
        assert!(m(p, "日本語"));
        assert!(!m(p, "bell\u{7}"), "control characters are outside every range");
    }

    #[test]
    fn unsupported_constructs_are_refused() {
        for p in [r"(?=a)", r"\b", r"(a", "a)", "[a", "*", r"\p{L}", "a{3,1}", "^*", r"\1", r"\k<x>"] {
            assert!(Pattern::new(p).is_err(), "{p}");
        }
    }

    #[test]
    fn catastrophic_patterns_end_within_the_budget() {
        // Exponential backtracking: refused (no match) instead of hanging.
        assert!(!m("^(a|a)*$", &format!("{}b", "a".repeat(40))));
        assert!(!m("^(a|aa)*c$", &"a".repeat(5_000)), "deep repetition is bounded, not a stack overflow");
    }
}
