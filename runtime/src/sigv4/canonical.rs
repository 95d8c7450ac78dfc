//! The canonical request of SigV4: canonical URI, canonical query string, canonical headers and
//! the signed-header list, written straight into one output buffer.
//!
//! Everything here works on borrowed slices of the request; the only allocations are the output
//! buffer and one `Vec` each for the header and query entries that must be sorted.

use super::SigningError;
use crate::http::Headers;

/// Headers never signed, whatever the caller sets:
/// - `authorization`: it carries the signature, so it cannot be part of what is signed.
/// - `user-agent`, `x-amzn-trace-id`: rewritten after signing by proxies, tracing agents (X-Ray,
///   Lambda) and HTTP stacks; AWS's own SDKs leave them unsigned for that reason.
/// - `expect`: an HTTP stack may drop or answer `100-continue` itself.
/// - hop-by-hop headers (RFC 9110 §7.6.1: `connection`, `keep-alive`, `proxy-connection`, `te`,
///   `trailer`, `transfer-encoding`, `upgrade`, and `proxy-authorization` which a proxy consumes):
///   each hop may add, remove or rewrite them, so a signature over them breaks behind a proxy.
const NEVER_SIGNED: &[&str] = &[
    "authorization",
    "user-agent",
    "x-amzn-trace-id",
    "expect",
    "connection",
    "keep-alive",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// A header as it enters the canonical request: name in any case, raw value.
pub(super) type HeaderEntry<'a> = (&'a str, &'a str);

/// The request headers to sign, validated and sorted by lowercase name (stable, so repeated
/// names keep their order, which the canonical value list must preserve).
///
/// `added` are headers the signer puts on the request (`None` slots are unused); a request header of the same name is
/// replaced by them. Request headers named in `ignored` are left out as well.
pub(super) fn collect_headers<'a>(
    headers: &'a Headers,
    added: &[Option<HeaderEntry<'a>>],
    ignored: &[&str],
) -> Result<Vec<HeaderEntry<'a>>, SigningError> {
    let added = || added.iter().flatten().copied();
    let skip = |name: &str| {
        NEVER_SIGNED.iter().chain(ignored).any(|n| name.eq_ignore_ascii_case(n))
            || added().any(|(n, _)| name.eq_ignore_ascii_case(n))
    };
    let mut entries: Vec<HeaderEntry<'a>> = Vec::with_capacity(headers.len() + 4);
    for (name, value) in headers.iter().filter(|(n, _)| !skip(n)).chain(added()) {
        if !is_token(name) || !is_valid_value(value) {
            return Err(SigningError::InvalidHeader { name: name.to_string() });
        }
        entries.push((name, value));
    }
    entries.sort_by(|a, b| lowercase(a.0).cmp(lowercase(b.0)));
    Ok(entries)
}

fn lowercase(s: &str) -> impl Iterator<Item = u8> + '_ {
    s.bytes().map(|b| b.to_ascii_lowercase())
}

/// RFC 9110 §5.6.2 `token`: what a field name may be.
fn is_token(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// RFC 9110 §5.5: field values are visible characters, spaces, tabs and obs-text. A CR or LF
/// would let a value smuggle another header line.
fn is_valid_value(value: &str) -> bool {
    value.bytes().all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

/// Writes `name;name;...` (lowercase, each name once).
pub(super) fn write_signed_headers(entries: &[HeaderEntry<'_>], out: &mut String) {
    let mut previous: Option<&str> = None;
    for (name, _) in entries {
        if previous.is_some_and(|p| p.eq_ignore_ascii_case(name)) {
            continue;
        }
        if previous.is_some() {
            out.push(';');
        }
        push_lowercase(name, out);
        previous = Some(name);
    }
}

/// Writes one `name:value[,value...]\n` line per distinct name.
fn write_canonical_headers(entries: &[HeaderEntry<'_>], out: &mut String) {
    let mut previous: Option<&str> = None;
    for (name, value) in entries {
        if previous.is_some_and(|p| p.eq_ignore_ascii_case(name)) {
            out.push(',');
        } else {
            if previous.is_some() {
                out.push('\n');
            }
            push_lowercase(name, out);
            out.push(':');
        }
        push_trimmed(value, out);
        previous = Some(name);
    }
    if previous.is_some() {
        out.push('\n');
    }
}

fn push_lowercase(name: &str, out: &mut String) {
    // Names are validated tokens (ASCII), so byte-wise lowercasing is exact.
    out.extend(name.chars().map(|c| c.to_ascii_lowercase()));
}

/// SigV4 `Trimall`: leading and trailing whitespace removed, each run of spaces inside the value
/// collapsed to one space.
fn push_trimmed(value: &str, out: &mut String) {
    let mut after_space = false;
    for c in value.trim_matches([' ', '\t']).chars() {
        if c == ' ' {
            if !after_space {
                out.push(' ');
            }
            after_space = true;
        } else {
            out.push(c);
            after_space = false;
        }
    }
}

/// The parts of the canonical request that come from the request.
pub(super) struct CanonicalRequest<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// The encoded request path (`Uri::path`).
    pub path: &'a str,
    /// The encoded query string, including any presigning parameters.
    pub query: &'a str,
    /// Sorted entries from [`collect_headers`].
    pub headers: &'a [HeaderEntry<'a>],
    /// The payload hash line.
    pub payload_hash: &'a str,
    /// Remove `.`/`..`/empty segments from the path.
    pub normalize_path: bool,
    /// Encode the (already encoded) path once more; every service but S3.
    pub double_encode_path: bool,
}

impl CanonicalRequest<'_> {
    /// Writes the canonical request into `out` and returns the byte range of its signed-header
    /// list, which the `Authorization` header repeats.
    pub(super) fn write(&self, out: &mut String) -> std::ops::Range<usize> {
        out.push_str(self.method);
        out.push('\n');
        write_canonical_uri(self.path, self.normalize_path, self.double_encode_path, out);
        out.push('\n');
        write_canonical_query(self.query, out);
        out.push('\n');
        write_canonical_headers(self.headers, out);
        out.push('\n');
        let start = out.len();
        write_signed_headers(self.headers, out);
        let signed = start..out.len();
        out.push('\n');
        out.push_str(self.payload_hash);
        signed
    }
}

/// The canonical URI.
///
/// The path arrives percent-encoded. AWS's rule is that each segment of the *unencoded* path is
/// URI-encoded twice for every service except S3, which encodes once; applied to an encoded
/// path that means: encode every byte but `/` once more (double), or bring the existing encoding
/// to SigV4's form (single). Normalization (RFC 3986 §5.2.4 dot-segment removal, plus dropping
/// empty segments as the SigV4 suite's `get-slashes-normalized` expects) runs on the segments
/// before encoding, using the output itself as the segment stack.
pub(super) fn write_canonical_uri(path: &str, normalize: bool, double_encode: bool, out: &mut String) {
    let encode = |segment: &str, out: &mut String| {
        if double_encode {
            push_uri_encoded(segment.as_bytes(), out);
        } else {
            push_reencoded(segment, out);
        }
    };
    let start = out.len();
    out.push('/');
    let path = path.strip_prefix('/').unwrap_or(path);
    if !normalize {
        for (i, segment) in path.split('/').enumerate() {
            if i > 0 {
                out.push('/');
            }
            encode(segment, out);
        }
        return;
    }
    // Invariant: out[start..] is `/` or `/seg/.../seg`, without a trailing slash.
    let mut last = "";
    for segment in path.split('/') {
        last = segment;
        match segment {
            "" | "." => {}
            ".." => {
                let cut = out[start..].rfind('/').unwrap_or(0);
                out.truncate(start + cut.max(1));
            }
            _ => {
                if out.len() > start + 1 {
                    out.push('/');
                }
                encode(segment, out);
            }
        }
    }
    // A path ending in `/`, `/.` or `/..` names a directory: keep its trailing slash.
    if matches!(last, "" | "." | "..") && out.len() > start + 1 {
        out.push('/');
    }
}

/// The canonical query string: parameters sorted by encoded name then encoded value, each
/// re-encoded to SigV4's form (unreserved characters literal, everything else `%XX` uppercase,
/// space as `%20`). A name without `=` gets an empty value.
///
/// `+` is taken literally (RFC 3986), not as a form-encoded space: the serializers encode a
/// space as `%20`, so a `+` in the query means a plus sign.
pub(super) fn write_canonical_query(query: &str, out: &mut String) {
    if query.is_empty() {
        return;
    }
    let mut params: Vec<(&str, &str)> =
        query.split('&').filter(|p| !p.is_empty()).map(|p| p.split_once('=').unwrap_or((p, ""))).collect();
    params.sort_by(|a, b| {
        Reencoded::new(a.0).cmp(Reencoded::new(b.0)).then_with(|| Reencoded::new(a.1).cmp(Reencoded::new(b.1)))
    });
    for (i, (name, value)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        push_reencoded(name, out);
        out.push('=');
        push_reencoded(value, out);
    }
}

/// RFC 3986 §2.3 unreserved characters, the only ones SigV4 leaves unencoded.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

fn push_escape(b: u8, out: &mut String) {
    out.push('%');
    out.push(HEX_UPPER[usize::from(b >> 4)] as char);
    out.push(HEX_UPPER[usize::from(b & 0xf)] as char);
}

/// SigV4 `UriEncode` of raw bytes: unreserved bytes kept, every other byte `%XX`.
pub(super) fn push_uri_encoded(bytes: &[u8], out: &mut String) {
    for &b in bytes {
        if is_unreserved(b) {
            out.push(b as char);
        } else {
            push_escape(b, out);
        }
    }
}

fn push_reencoded(s: &str, out: &mut String) {
    out.extend(Reencoded::new(s).map(char::from));
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The bytes of an already-encoded component brought to SigV4's encoding: each valid `%XX` is
/// decoded and each byte then encoded as [`push_uri_encoded`] would. A `%` that does not start
/// an escape is a literal percent sign. Yielding bytes lazily lets the query sort compare
/// canonical forms without building them.
#[derive(Clone)]
struct Reencoded<'a> {
    input: &'a [u8],
    pos: usize,
    pending: [u8; 2],
    pending_len: usize,
}

impl<'a> Reencoded<'a> {
    fn new(s: &'a str) -> Self {
        Self { input: s.as_bytes(), pos: 0, pending: [0; 2], pending_len: 0 }
    }

    fn next_decoded(&mut self) -> Option<u8> {
        let b = *self.input.get(self.pos)?;
        if b == b'%' {
            let hi = self.input.get(self.pos + 1).copied().and_then(hex_value);
            let lo = self.input.get(self.pos + 2).copied().and_then(hex_value);
            if let (Some(hi), Some(lo)) = (hi, lo) {
                self.pos += 3;
                return Some(hi << 4 | lo);
            }
        }
        self.pos += 1;
        Some(b)
    }
}

impl Iterator for Reencoded<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        if self.pending_len > 0 {
            let b = self.pending[2 - self.pending_len];
            self.pending_len -= 1;
            return Some(b);
        }
        let b = self.next_decoded()?;
        if is_unreserved(b) {
            return Some(b);
        }
        self.pending = [HEX_UPPER[usize::from(b >> 4)], HEX_UPPER[usize::from(b & 0xf)]];
        self.pending_len = 2;
        Some(b'%')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(path: &str, normalize: bool, double: bool) -> String {
        let mut out = String::new();
        write_canonical_uri(path, normalize, double, &mut out);
        out
    }

    fn query(q: &str) -> String {
        let mut out = String::new();
        write_canonical_query(q, &mut out);
        out
    }

    #[test]
    fn canonical_uri_table() {
        let cases = [
            // (path, normalize, double, expected)
            ("", true, true, "/"),
            ("", false, true, "/"),
            ("/", true, true, "/"),
            ("relative/x", false, true, "/relative/x"),
            ("/a/b/../c/./d", true, true, "/a/c/d"),
            ("/a/b/..", true, true, "/a/"),
            ("/a/b/.", true, true, "/a/b/"),
            ("/../../x", true, true, "/x"),
            ("/..", true, true, "/"),
            ("//a//b//", true, true, "/a/b/"),
            ("//a//b//", false, true, "//a//b//"),
            ("/a/./b", false, true, "/a/./b"),
            ("/x%3Dy/@z", true, true, "/x%253Dy/%40z"),
            ("/x%3dy/@z", true, false, "/x%3Dy/%40z"),
            ("/a%2Fb", true, false, "/a%2Fb"),
            ("/100%", true, false, "/100%25"),
            ("/100%", true, true, "/100%25"),
            ("/caf\u{e9}", true, true, "/caf%C3%A9"),
        ];
        for (path, normalize, double, want) in cases {
            assert_eq!(uri(path, normalize, double), want, "{path:?} normalize={normalize} double={double}");
        }
    }

    #[test]
    fn canonical_query_sorts_by_encoded_form_and_reencodes() {
        assert_eq!(query(""), "");
        assert_eq!(query("b=2&a=1&a=0"), "a=0&a=1&b=2");
        assert_eq!(query("acl&&x="), "acl=&x=");
        // `%E1` sorts before `P` because `%` < `P` in the encoded form.
        assert_eq!(query("P=1&%e1%88%b4=2"), "%E1%88%B4=2&P=1");
        assert_eq!(query("k=a+b c/d%7e"), "k=a%2Bb%20c%2Fd~");
        assert_eq!(query("k=%zz%4"), "k=%25zz%254");
        assert_eq!(query("k=\u{e9}"), "k=%C3%A9");
    }

    #[test]
    fn headers_are_trimmed_sorted_and_joined() {
        let mut h = Headers::new();
        h.append("X-B", "  two   spaces  ");
        h.append("x-a", "1");
        h.append("User-Agent", "unsigned");
        h.append("X-A", "0");
        let entries = collect_headers(&h, &[Some(("host", "example.com"))], &[]).unwrap();
        let mut out = String::new();
        write_canonical_headers(&entries, &mut out);
        assert_eq!(out, "host:example.com\nx-a:1,0\nx-b:two spaces\n");
        out.clear();
        write_signed_headers(&entries, &mut out);
        assert_eq!(out, "host;x-a;x-b");
    }

    #[test]
    fn added_headers_replace_request_headers_of_the_same_name() {
        let mut h = Headers::new();
        h.append("X-Amz-Date", "stale");
        let entries = collect_headers(&h, &[Some(("x-amz-date", "fresh"))], &[]).unwrap();
        assert_eq!(entries, [("x-amz-date", "fresh")]);
    }

    #[test]
    fn invalid_header_names_and_values_are_errors() {
        for (name, value) in [("x-a", "line\r\nx-injected: 1"), ("x-a", "nul\0"), ("bad name", "v"), ("", "v")] {
            let mut h = Headers::new();
            h.append(name.to_string(), value);
            assert!(
                matches!(collect_headers(&h, &[], &[]), Err(SigningError::InvalidHeader { .. })),
                "{name:?}: {value:?}"
            );
        }
        // Tabs and non-ASCII text are legal field content.
        let mut h = Headers::new();
        h.append("x-a", "tab\there caf\u{e9}");
        assert!(collect_headers(&h, &[], &[]).is_ok());
    }
}
