//! A tiny regular-expression matcher for the `regionRegex` values of the AWS partitions data,
//! such as `^(us|eu|ap)\-\w+\-\d+$` and `^eusc\-(de)\-\w+\-\d+$`.
//!
//! Why not the `regex` crate: those patterns use a handful of features, and a client must not pay
//! for a regex engine's build time or for compiling patterns at start-up. The matcher interprets
//! the pattern text directly with backtracking: no allocation, no compilation. Patterns are short
//! and inputs are region names, so the worst case is a few hundred steps, and the lookup only
//! runs for regions missing from the explicit lists.
//!
//! Supported: `^` and `$` anchors, literal characters, `\` escapes (`\w`, `\d`, `\s` classes;
//! any other escaped character is literal), `.`, groups `( | )` with alternation, and the
//! quantifiers `*`, `+`, `?` on any atom. Anything else (`[...]`, `{n}`, lazy quantifiers) is
//! rejected by [`check`], so a partitions file using them fails loudly instead of mismatching.

/// Whether `pattern` is within the supported subset (see the module docs).
pub fn check(pattern: &str) -> Result<(), String> {
    let p = pattern.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    let mut atom_before = false;
    while i < p.len() {
        let c = p[i];
        match c {
            b'\\' => {
                if i + 1 >= p.len() {
                    return Err(format!("`{pattern}`: trailing backslash"));
                }
                i += 1;
                atom_before = true;
            }
            b'(' => {
                depth += 1;
                atom_before = false;
            }
            b')' => {
                depth = depth.checked_sub(1).ok_or_else(|| format!("`{pattern}`: unbalanced `)`"))?;
                atom_before = true;
            }
            b'|' => atom_before = false,
            b'*' | b'+' | b'?' => {
                if !atom_before {
                    return Err(format!("`{pattern}`: quantifier without an atom"));
                }
                atom_before = false;
            }
            b'^' if i == 0 => {}
            b'$' if i + 1 == p.len() => {}
            b'[' | b']' | b'{' | b'}' | b'^' | b'$' => {
                return Err(format!("`{pattern}`: `{}` is outside the supported regex subset", c as char));
            }
            _ => atom_before = true,
        }
        i += 1;
    }
    if depth != 0 {
        return Err(format!("`{pattern}`: unbalanced `(`"));
    }
    Ok(())
}

/// Texts longer than this never match. The matcher recurses once per character a quantifier
/// consumes, and the text (a region name) comes from user configuration: the cap keeps a
/// pathological value from exhausting the stack. Real region names are under 30 bytes.
const MAX_TEXT: usize = 256;

/// Whether `text` matches `pattern`. A pattern without `^` may match anywhere (search
/// semantics, as in Java and Rust regex engines); without `$` it may stop early.
pub fn is_match(pattern: &str, text: &str) -> bool {
    if text.len() > MAX_TEXT {
        return false;
    }
    let p = pattern.as_bytes();
    let t = text.as_bytes();
    let (p, anchored) = match p.split_first() {
        Some((b'^', rest)) => (rest, true),
        _ => (p, false),
    };
    let (p, to_end) = match p.split_last() {
        Some((b'$', rest)) if !rest.ends_with(b"\\") => (rest, true),
        _ => (p, false),
    };
    let done = |rest: &[u8]| !to_end || rest.is_empty();
    if anchored {
        return seq(p, t, &done);
    }
    (0..=t.len()).any(|start| t.get(start..).is_some_and(|s| seq(p, s, &done)))
}

/// Matches the sequence `p` at the start of `t`, then hands the unconsumed text to `k`.
fn seq(p: &[u8], t: &[u8], k: &dyn Fn(&[u8]) -> bool) -> bool {
    let Some(atom_len) = atom(p) else {
        return k(t);
    };
    let (atom_p, after) = p.split_at(atom_len);
    match after.first() {
        Some(b'?') => {
            let rest = &after[1..];
            one(atom_p, t, &|t2| seq(rest, t2, k)) || seq(rest, t, k)
        }
        Some(b'*') => star(atom_p, &after[1..], t, k),
        Some(b'+') => {
            let rest = &after[1..];
            one(atom_p, t, &|t2| star(atom_p, rest, t2, k))
        }
        _ => one(atom_p, t, &|t2| seq(after, t2, k)),
    }
}

/// Greedy zero-or-more repetitions of `atom_p`, then `rest`. Stops repeating when an iteration
/// consumes nothing, so `(a*)*` cannot loop forever.
fn star(atom_p: &[u8], rest: &[u8], t: &[u8], k: &dyn Fn(&[u8]) -> bool) -> bool {
    one(atom_p, t, &|t2| t2.len() < t.len() && star(atom_p, rest, t2, k)) || seq(rest, t, k)
}

/// The length of the first atom of `p`: a character, an escape, or a whole group.
fn atom(p: &[u8]) -> Option<usize> {
    match p.first()? {
        b'\\' => Some(2.min(p.len())),
        b'(' => {
            let mut depth = 0usize;
            let mut i = 0;
            while i < p.len() {
                match p[i] {
                    b'\\' => i += 1,
                    b'(' => depth += 1,
                    b')' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            Some(p.len())
        }
        _ => Some(1),
    }
}

/// Matches exactly one occurrence of the atom `a` at the start of `t`, then calls `k`.
fn one(a: &[u8], t: &[u8], k: &dyn Fn(&[u8]) -> bool) -> bool {
    match a {
        [b'(', inner @ .., b')'] => alternatives(inner).any(|alt| seq(alt, t, k)),
        [b'\\', class] => t.split_first().is_some_and(|(&c, rest)| escape_matches(*class, c) && k(rest)),
        [b'.'] => t.split_first().is_some_and(|(&c, rest)| c != b'\n' && k(rest)),
        [c] => t.split_first().is_some_and(|(&x, rest)| x == *c && k(rest)),
        _ => false,
    }
}

/// Splits a group body on its top-level `|`, without allocating.
fn alternatives(inner: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(inner);
    std::iter::from_fn(move || {
        let body = rest?;
        let mut depth = 0usize;
        let mut i = 0;
        while i < body.len() {
            match body[i] {
                b'\\' => i += 1,
                b'(' => depth += 1,
                b')' => depth = depth.saturating_sub(1),
                b'|' if depth == 0 => {
                    rest = body.get(i + 1..);
                    return body.get(..i);
                }
                _ => {}
            }
            i += 1;
        }
        rest = None;
        Some(body)
    })
}

fn escape_matches(class: u8, c: u8) -> bool {
    match class {
        b'w' => c.is_ascii_alphanumeric() || c == b'_',
        b'd' => c.is_ascii_digit(),
        b's' => c.is_ascii_whitespace(),
        other => c == other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_patterns() {
        let aws = r"^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$";
        let cases = [
            (aws, "us-east-1", true),
            (aws, "us-east-10", true),
            (aws, "mx-central-1", true),
            (aws, "us-gov-west-1", false),
            (aws, "us-east-", false),
            (aws, "us-east-1x", false),
            (aws, "xus-east-1", false),
            (aws, "cn-north-1", false),
            (aws, "", false),
            (r"^cn\-\w+\-\d+$", "cn-north-5", true),
            (r"^eusc\-(de)\-\w+\-\d+$", "eusc-de-east-1", true),
            (r"^eusc\-(de)\-\w+\-\d+$", "eusc-fr-east-1", false),
            (r"^us\-isob\-\w+\-\d+$", "us-isob-east-1", true),
            (r"^us\-isob\-\w+\-\d+$", "us-iso-east-1", false),
        ];
        for (p, t, want) in cases {
            assert_eq!(is_match(p, t), want, "{p} on {t}");
        }
    }

    #[test]
    fn general_subset() {
        let cases: [(&str, &str, bool); 15] = [
            ("a*b", "b", true),
            ("^a*b$", "aaab", true),
            ("^a?b$", "ab", true),
            ("^a?b$", "aab", false),
            ("^(ab)+$", "ababab", true),
            ("^(ab)+$", "aba", false),
            ("^(a|ab)(c|bcd)(d*)$", "abcd", true),
            ("^(a*)*$", "aaaa", true),
            ("^(a*)*b$", "aaaa", false),
            ("^a.c$", "abc", true),
            ("^a+$", &"a".repeat(MAX_TEXT), true),
            ("^a+$", &"a".repeat(MAX_TEXT + 1), false),
            ("bc", "abcd", true),
            ("^bc", "abcd", false),
            (r"^\s\.$", " .", true),
        ];
        for (p, t, want) in cases {
            assert!(check(p).is_ok(), "{p} should be supported");
            assert_eq!(is_match(p, t), want, "{p} on {t}");
        }
    }

    #[test]
    fn unsupported_syntax_is_rejected() {
        for p in ["[a-z]+", "a{2}", "(ab", "ab)", "*a", "a\\", "a^b", "a$b"] {
            assert!(check(p).is_err(), "{p} should be rejected");
        }
    }
}
