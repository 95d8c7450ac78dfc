//! The string functions of the rules engine standard library: `isValidHostLabel`, `parseURL`,
//! `substring`, `uriEncode` and `split`, as plain functions over `&str`. The evaluator adapts
//! them to rule-set values; the simple ones (`booleanEquals`, `not`, `coalesce`, ...) live in the
//! evaluator itself.

use std::borrow::Cow;

/// `isValidHostLabel`: whether `value` is an RFC 1123 host label (1 to 63 ASCII letters, digits
/// and hyphens, not starting with a hyphen), or with `allow_subdomains`, such labels joined by
/// dots.
pub fn is_valid_host_label(value: &str, allow_subdomains: bool) -> bool {
    if allow_subdomains {
        value.split('.').all(is_host_label)
    } else {
        is_host_label(value)
    }
}

fn is_host_label(label: &str) -> bool {
    let b = label.as_bytes();
    (1..=63).contains(&b.len())
        && b[0].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

/// The `URL` structure `parseURL` returns. Fields borrow from the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Url<'s> {
    /// `http` or `https`, without `://`.
    pub scheme: &'s str,
    /// Host and port as written.
    pub authority: &'s str,
    /// The path as written; empty when the URL has none.
    pub path: &'s str,
    /// Whether the host is an IPv4 address or a bracketed IPv6 address.
    pub is_ip: bool,
}

impl<'s> Url<'s> {
    /// The path with a `/` at both ends (spec: `normalizedPath`).
    pub fn normalized_path(&self) -> Cow<'s, str> {
        match self.path {
            "" | "/" => Cow::Borrowed("/"),
            p if p.ends_with('/') => Cow::Borrowed(p),
            p => Cow::Owned(format!("{p}/")),
        }
    }
}

/// `parseURL`: splits an `http` or `https` URL into its parts, or `None` when it is not one.
///
/// Spec: a URL with a query MUST be rejected. A fragment or user-info is rejected too: neither
/// belongs in an endpoint. The authority is kept as written, port included, as the conformance
/// vectors expect (`https://[2001:db8::1]:443` keeps `:443`).
pub fn parse_url(input: &str) -> Option<Url<'_>> {
    let (scheme, rest) = input.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    if rest.contains(['?', '#']) {
        return None;
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let is_ip = parse_authority(authority)?;
    Some(Url { scheme, authority, path, is_ip })
}

/// Checks `host[:port]`; returns whether the host is an IP address.
fn parse_authority(authority: &str) -> Option<bool> {
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (addr, after) = v6.split_once(']')?;
        let ok = addr.contains(':') && addr.bytes().all(|c| c.is_ascii_hexdigit() || c == b':' || c == b'.');
        if !ok {
            return None;
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (None, port)
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(authority), None),
        }
    };
    if let Some(port) = port {
        let valid = (1..=5).contains(&port.len()) && port.bytes().all(|c| c.is_ascii_digit());
        if !valid || port.parse::<u32>().ok()? > 65535 {
            return None;
        }
    }
    match host {
        None => Some(true),
        Some(h) => {
            let ok = !h.is_empty() && h.bytes().all(|c| c.is_ascii_alphanumeric() || b"-._~%".contains(&c));
            ok.then(|| is_ipv4(h))
        }
    }
}

fn is_ipv4(host: &str) -> bool {
    let mut n = 0;
    for octet in host.split('.') {
        n += 1;
        let digits = (1..=3).contains(&octet.len()) && octet.bytes().all(|c| c.is_ascii_digit());
        if !digits || octet.parse::<u16>().map_or(true, |v| v > 255) {
            return false;
        }
    }
    n == 4
}

/// `substring`: the characters from `start` (inclusive) to `end` (exclusive), counted from the
/// end of the string when `reverse` is set.
///
/// Spec: `None` when the input contains non-ASCII characters or is too short; the result always
/// has `end - start` characters (so `start >= end` is `None` too).
pub fn substring(input: &str, start: usize, end: usize, reverse: bool) -> Option<&str> {
    if !input.is_ascii() || start >= end || end > input.len() {
        return None;
    }
    let len = input.len();
    let (from, to) = if reverse { (len - end, len - start) } else { (start, end) };
    input.get(from..to)
}

/// `uriEncode`: RFC 3986 percent-encoding of everything but the unreserved characters
/// (`A-Z a-z 0-9 - _ . ~`), with upper-case hex digits. Borrows when nothing needs encoding.
pub fn uri_encode(input: &str) -> Cow<'_, str> {
    if input.bytes().all(crate::percent::is_unreserved) {
        return Cow::Borrowed(input);
    }
    // The same RFC 3986 rule as a query component: only unreserved characters stay as they are.
    let mut out = String::new();
    crate::percent::encode_query_into(&mut out, input);
    Cow::Owned(out)
}

/// `split`: the parts of `input` between occurrences of `delimiter`, left to right. A `limit` of
/// 0 splits everywhere; otherwise at most `limit` parts are produced, the last holding the rest.
/// `None` when the delimiter is empty (spec: it must not be).
pub fn split<'s>(input: &'s str, delimiter: &'s str, limit: usize) -> Option<impl Iterator<Item = &'s str>> {
    if delimiter.is_empty() {
        return None;
    }
    let n = if limit == 0 { usize::MAX } else { limit };
    Some(input.splitn(n, delimiter))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_labels() {
        let cases = [
            ("us-east-1", false, true),
            ("3aws4", false, true),
            ("a", false, true),
            ("trailing-", false, true),
            ("-leading", false, false),
            ("", false, false),
            ("part1.part2", false, false),
            ("part1.part2", true, true),
            ("part1 part2", true, false),
            ("part1.", true, false),
            ("part1..part2", true, false),
            ("part1.-part2", true, false),
            ("under_score", false, false),
            (&"a".repeat(63), false, true),
            (&"a".repeat(64), false, false),
        ];
        for (label, sub, want) in cases {
            assert_eq!(is_valid_host_label(label, sub), want, "{label} {sub}");
        }
    }

    #[test]
    fn parse_url_table() {
        // (input, Some((scheme, authority, path, normalizedPath, isIp)))
        type Parts<'a> = Option<(&'a str, &'a str, &'a str, &'a str, bool)>;
        let cases: [(&str, Parts); 16] = [
            ("https://example.com", Some(("https", "example.com", "", "/", false))),
            ("http://example.com:80/foo/bar", Some(("http", "example.com:80", "/foo/bar", "/foo/bar/", false))),
            ("https://127.0.0.1", Some(("https", "127.0.0.1", "", "/", true))),
            ("https://[fe80::1]", Some(("https", "[fe80::1]", "", "/", true))),
            ("https://[2001:db8::7348]:443", Some(("https", "[2001:db8::7348]:443", "", "/", true))),
            ("http://192.168.1.1:1234/foo/", Some(("http", "192.168.1.1:1234", "/foo/", "/foo/", true))),
            ("https://999.999.abc.blah", Some(("https", "999.999.abc.blah", "", "/", false))),
            ("https://256.1.1.1", Some(("https", "256.1.1.1", "", "/", false))),
            ("http://99_ab-.com", Some(("http", "99_ab-.com", "", "/", false))),
            ("https://example.com:8443?foo=bar", None),
            ("https://example.com/path#frag", None),
            ("acbd://example.com", None),
            ("http://abc.com:a/foo", None),
            ("http://abc.com:99999", None),
            ("http://user@abc.com", None),
            ("https://", None),
        ];
        for (input, want) in cases {
            let got =
                parse_url(input).map(|u| (u.scheme, u.authority, u.path, u.normalized_path().into_owned(), u.is_ip));
            let want = want.map(|(s, a, p, n, ip)| (s, a, p, n.to_owned(), ip));
            assert_eq!(got, want, "{input}");
        }
    }

    #[test]
    fn substring_table() {
        let cases = [
            ("abcdefg", 0, 4, false, Some("abcd")),
            ("abcd", 0, 4, false, Some("abcd")),
            ("abc", 0, 4, false, None),
            ("abcdefg", 0, 4, true, Some("defg")),
            ("abcdefg", 1, 3, false, Some("bc")),
            ("abcdefg", 1, 3, true, Some("ef")),
            ("\u{fdfd}", 0, 1, false, None),
            ("\u{7f}abcdef", 0, 4, false, Some("\u{7f}abc")),
            ("abc", 2, 2, false, None),
            ("", 0, 1, false, None),
        ];
        for (input, start, end, rev, want) in cases {
            assert_eq!(substring(input, start, end, rev), want, "{input} {start} {end} {rev}");
        }
    }

    #[test]
    fn uri_encode_table() {
        let cases = [
            ("abcdefg", "abcdefg"),
            ("abc:defg", "abc%3Adefg"),
            (
                "/:,?#[]{}|@! $&'()*+;=%<>\"^`\\",
                "%2F%3A%2C%3F%23%5B%5D%7B%7D%7C%40%21%20%24%26%27%28%29%2A%2B%3B%3D%25%3C%3E%22%5E%60%5C",
            ),
            ("0123456789.underscore_dash-Tilda~", "0123456789.underscore_dash-Tilda~"),
            ("\u{1f639}", "%F0%9F%98%B9"),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(uri_encode(input), want, "{input}");
        }
        assert!(matches!(uri_encode("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn split_table() {
        let cases: [(&str, &str, usize, &[&str]); 11] = [
            ("a--b--c", "--", 0, &["a", "b", "c"]),
            ("a--b--c", "--", 2, &["a", "b--c"]),
            ("a--b--c", "--", 1, &["a--b--c"]),
            ("", "--", 0, &[""]),
            ("--", "--", 0, &["", ""]),
            ("----", "--", 0, &["", "", ""]),
            ("--b--", "--", 0, &["", "b", ""]),
            ("--x-s3--azid--suffix", "--", 2, &["", "x-s3--azid--suffix"]),
            ("abc", "x", 0, &["abc"]),
            ("aaa", "aa", 0, &["", "a"]),
            ("aaaa", "aa", 0, &["", "", ""]),
        ];
        for (input, delim, limit, want) in cases {
            let got: Vec<&str> = split(input, delim, limit).unwrap().collect();
            assert_eq!(got, want, "{input} {delim} {limit}");
        }
        assert!(split("abc", "", 0).is_none());
    }
}
