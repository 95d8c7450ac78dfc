//! Percent-encoding of URI path labels and query components (RFC 3986 §2.1, as the Smithy
//! `httpLabel` and `httpQuery` traits require), and the matching decoding for servers.

use std::fmt;

/// Whether a byte is an RFC 3986 §2.3 unreserved character: `A-Z a-z 0-9 - . _ ~`.
pub const fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Why percent-encoded text could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PercentError {
    message: &'static str,
    offset: usize,
}

impl PercentError {
    /// A short description of what was wrong.
    pub fn message(&self) -> &'static str {
        self.message
    }

    /// Byte offset in the input where the problem was found.
    pub fn offset(&self) -> usize {
        self.offset
    }
}

impl fmt::Display for PercentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid percent-encoding: {} at byte {}",
            self.message, self.offset
        )
    }
}

impl std::error::Error for PercentError {}

/// Appends `s` as one path segment: every byte of its UTF-8 except the unreserved characters
/// becomes `%XX` (uppercase hex, RFC 3986 §2.1), `/` included, so a label cannot add segments.
pub fn encode_label_into(out: &mut String, s: &str) {
    encode_into(out, s, false);
}

/// Appends `s` as a greedy label (`{Key+}`): like [`encode_label_into`] but `/` is kept, since
/// the Smithy `httpLabel` trait lets greedy labels span segments.
pub fn encode_greedy_label_into(out: &mut String, s: &str) {
    encode_into(out, s, true);
}

/// Appends `s` as a query key or value: unreserved characters kept, everything else encoded,
/// including space (`%20`, not `+`), `+` (`%2B`), `&`, `=` and `/`. Encoding all sub-delims
/// matches what SigV4 canonicalization produces, so the signed and sent queries are the same.
pub fn encode_query_into(out: &mut String, s: &str) {
    encode_into(out, s, false);
}

fn encode_into(out: &mut String, s: &str, keep_slash: bool) {
    let bytes = s.as_bytes();
    let kept = |b: u8| is_unreserved(b) || (keep_slash && b == b'/');
    // Sized up front: growing the string a push at a time costs several reallocations per label
    // on every request (an ARN label has six `:` and a `/` to encode).
    let escaped = bytes.iter().filter(|&&b| !kept(b)).count();
    out.reserve(bytes.len() + 2 * escaped);
    let mut run_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if kept(b) {
            continue;
        }
        // A non-empty run holds only ASCII, so both ends are char boundaries and `get` succeeds.
        if let Some(run) = s.get(run_start..i).filter(|run| !run.is_empty()) {
            out.push_str(run);
        }
        out.push('%');
        out.push(char::from(HEX_UPPER[usize::from(b >> 4)]));
        out.push(char::from(HEX_UPPER[usize::from(b & 0xF)]));
        run_start = i + 1;
    }
    if let Some(run) = s.get(run_start..) {
        out.push_str(run);
    }
}

/// Decodes a percent-encoded path segment. `+` stays a literal `+` (RFC 3986 gives it no
/// special meaning in paths). A `%` not followed by two hex digits, or bytes that are not
/// UTF-8 once decoded, are errors.
pub fn decode(s: &str) -> Result<String, PercentError> {
    decode_impl(s, false)
}

/// Decodes a query key or value. Like [`decode`], except that `+` means a space: that is the
/// `application/x-www-form-urlencoded` convention that browsers and hand-written clients use
/// in query strings, while Smithy clients always send `%2B` for a literal `+`, so accepting it
/// loses nothing.
pub fn decode_query_component(s: &str) -> Result<String, PercentError> {
    decode_impl(s, true)
}

fn decode_impl(s: &str, plus_is_space: bool) -> Result<String, PercentError> {
    let bytes = s.as_bytes();
    if !bytes
        .iter()
        .any(|&b| b == b'%' || (plus_is_space && b == b'+'))
    {
        return Ok(s.to_owned());
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hex = |at: usize| bytes.get(at).and_then(|&h| char::from(h).to_digit(16));
                match (hex(i + 1), hex(i + 2)) {
                    // Two hex digits make a value below 256.
                    (Some(hi), Some(lo)) => out.push(((hi << 4) | lo) as u8),
                    _ => {
                        return Err(PercentError {
                            message: "'%' not followed by two hex digits",
                            offset: i,
                        })
                    }
                }
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|e| PercentError {
        message: "decoded bytes are not UTF-8",
        // Offset in the decoded bytes; the encoded offset is not tracked on this rare path.
        offset: e.utf8_error().valid_up_to(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_into_an_empty_string_allocates_the_exact_size_once() {
        let arn = "arn:aws:chime:us-east-1:123456789012:app-instance/f2b4a1c6";
        for (f, keep_slash) in [(encode_label_into as fn(&mut String, &str), false), (encode_greedy_label_into, true)] {
            let mut out = String::new();
            f(&mut out, arn);
            let escaped = arn.bytes().filter(|&b| !(is_unreserved(b) || (keep_slash && b == b'/'))).count();
            assert_eq!(out.len(), arn.len() + 2 * escaped);
            // Pushing byte by byte would have grown the buffer by doubling, past the length.
            assert_eq!(out.capacity(), out.len(), "{out}");
        }
    }

    fn encoded(f: fn(&mut String, &str), s: &str) -> String {
        let mut out = String::from("pre/");
        f(&mut out, s);
        out.strip_prefix("pre/").unwrap().to_owned()
    }

    #[test]
    fn encodes_per_rule() {
        // (input, label, greedy label, query)
        let cases = [
            ("", "", "", ""),
            ("AZaz09-._~", "AZaz09-._~", "AZaz09-._~", "AZaz09-._~"),
            ("a/b", "a%2Fb", "a/b", "a%2Fb"),
            ("a b+c", "a%20b%2Bc", "a%20b%2Bc", "a%20b%2Bc"),
            ("k=v&x", "k%3Dv%26x", "k%3Dv%26x", "k%3Dv%26x"),
            ("%", "%25", "%25", "%25"),
            (
                "!$'()*,;:@?#[]",
                "%21%24%27%28%29%2A%2C%3B%3A%40%3F%23%5B%5D",
                "%21%24%27%28%29%2A%2C%3B%3A%40%3F%23%5B%5D",
                "%21%24%27%28%29%2A%2C%3B%3A%40%3F%23%5B%5D",
            ),
            ("é", "%C3%A9", "%C3%A9", "%C3%A9"),
            (
                "日本/語",
                "%E6%97%A5%E6%9C%AC%2F%E8%AA%9E",
                "%E6%97%A5%E6%9C%AC/%E8%AA%9E",
                "%E6%97%A5%E6%9C%AC%2F%E8%AA%9E",
            ),
            ("x😀y", "x%F0%9F%98%80y", "x%F0%9F%98%80y", "x%F0%9F%98%80y"),
            ("\u{0}\n\u{7f}", "%00%0A%7F", "%00%0A%7F", "%00%0A%7F"),
            (
                "/foo//bar/",
                "%2Ffoo%2F%2Fbar%2F",
                "/foo//bar/",
                "%2Ffoo%2F%2Fbar%2F",
            ),
        ];
        for (input, label, greedy, query) in cases {
            assert_eq!(encoded(encode_label_into, input), label, "label {input:?}");
            assert_eq!(
                encoded(encode_greedy_label_into, input),
                greedy,
                "greedy {input:?}"
            );
            assert_eq!(encoded(encode_query_into, input), query, "query {input:?}");
        }
    }

    #[test]
    fn decodes_and_rejects() {
        assert_eq!(decode("a%20b+c%2Bd").unwrap(), "a b+c+d");
        assert_eq!(decode_query_component("a%20b+c%2Bd").unwrap(), "a b c+d");
        assert_eq!(decode("%c3%A9%2f").unwrap(), "é/");
        assert_eq!(decode("plain").unwrap(), "plain");
        assert_eq!(decode("").unwrap(), "");
        assert_eq!(decode("日本").unwrap(), "日本");
        for (input, offset) in [
            ("%", 0),
            ("a%2", 1),
            ("%zz", 0),
            ("ab%g1", 2),
            ("%%41", 0),
            ("%+1", 0),
        ] {
            for f in [decode, decode_query_component] {
                let err = f(input).unwrap_err();
                assert_eq!(err.offset(), offset, "{input}");
                assert_eq!(err.message(), "'%' not followed by two hex digits");
            }
        }
        for input in ["%FF", "%C3", "a%C3%28", "%ED%A0%80"] {
            assert_eq!(
                decode(input).unwrap_err().message(),
                "decoded bytes are not UTF-8",
                "{input}"
            );
        }
    }

    #[test]
    fn round_trips_pseudo_random_strings() {
        let mut state = 0xDEAD_BEEF_u64;
        let pool = [
            'a', 'Z', '0', '-', '.', '_', '~', ' ', '+', '/', '%', '&', '=', '?', 'é', '€', '😀',
            '\u{0}',
        ];
        for _ in 0..5000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 12) as usize;
            let s: String = (0..len)
                .map(|i| pool[((state >> (i * 5)) % pool.len() as u64) as usize])
                .collect();
            for f in [
                encode_label_into,
                encode_greedy_label_into,
                encode_query_into,
            ] {
                let text = encoded(f, &s);
                assert!(
                    text.bytes()
                        .all(|b| is_unreserved(b) || b == b'%' || b == b'/'),
                    "{text}"
                );
                assert_eq!(decode(&text).unwrap(), s);
            }
            assert_eq!(
                decode_query_component(&encoded(encode_query_into, &s)).unwrap(),
                s
            );
        }
    }
}
