//! The SigV4 suite: `<shared>/conformance/sigv4/v4/<case>/` (aws-c-auth's signing test suite as
//! kept by smithy-rs). Each case has `request.txt`, usually `context.json`, and the expected
//! canonical request, string to sign, signature and signed request for header signing
//! (`header-*.txt`) and for presigning (`query-*.txt`). A case passes only if every expected
//! file present matches what `client_runtime::__private::sigv4` produces.
//!
//! How the suite's conventions map onto the client (the decisions this runner makes):
//!
//! - **Request text.** `request.txt` describes the request a caller builds: header values are
//!   kept as written after the colon (so the signer's trimming is what gets tested), a line
//!   starting with a space or tab continues the previous header (obs-fold, RFC 9112 §5.2,
//!   replaced by one space), and whatever follows the first empty line is the body.
//! - **Request target → `Uri`.** `Uri.path`/`Uri.query` hold what goes on the wire, so the
//!   target is percent-encoded the way a client's URL serializer does it: characters a URI
//!   cannot carry (space, non-ASCII, controls, `"<>\^`{|}`, a `%` not starting an escape) become
//!   `%XX` of their UTF-8 bytes; valid escapes and every other character stay.
//! - **Raw paths.** aws-c-auth URI-encodes the request line's path once more for every service
//!   but S3. For an encoded path that is our double encoding (`double-encode-path`:
//!   `%3D` → `%253D`). Three cases instead give a raw path, one a client must encode before
//!   sending: `get-space-unnormalized` and `get-utf8` in `request.txt`, `get-space-normalized`
//!   in its signed-request files (this copy pre-encoded its `request.txt`, upstream's is raw).
//!   There aws-c-auth's single pass *is* the serializer's encoding, so the expected canonical
//!   URI is the wire path encoded once: the runner signs those cases with
//!   `double_encode_path = false`. The query has no such mode; `get-vanilla-utf8-query` needs
//!   nothing special.
//! - **Context.** `sign_body` turns on the `x-amz-content-sha256` header (the payload is always
//!   hashed); `omit_session_token` means the token is sent but not signed;
//!   `expiration_in_seconds` is the presigned URL's `X-Amz-Expires`.
//! - **Legacy cases.** `double-url-encode` and `double-encode-path` come from the suite's old
//!   format and have no `context.json`; [`LEGACY`] gives the contexts their files were recorded
//!   with.
//! - **Signed requests** are compared as requests, not text: same method, path, query string
//!   (byte for byte, so parameter order counts), body, and headers (names case-insensitive,
//!   values trimmed, order kept among repeats of a name) — the files disagree with each other on
//!   header order and on a space after the colon.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use client_runtime::credentials::Credentials;
use client_runtime::http::{HttpRequest, Uri};
use client_runtime::__private::sigv4::{Signer, SigningParams, SigningSettings};
use serde_json::Value;

use super::SuiteResult;

/// Runs every case folder of the suite.
pub fn run(shared: &Path) -> anyhow::Result<SuiteResult> {
    let dir = shared.join("conformance/sigv4/v4");
    let mut cases: Vec<PathBuf> = fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_dir())
        .collect();
    cases.sort();
    anyhow::ensure!(!cases.is_empty(), "no cases in {}", dir.display());
    // One signer for the whole run, as a client keeps one: its key cache then sees changes of
    // secret, day, region and service from case to case.
    let signer = Signer::new();
    let mut result = SuiteResult::default();
    for case in &cases {
        let name = case.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        result.record(name, run_case(&signer, case));
    }
    Ok(result)
}

/// A context for a case without `context.json`.
struct Legacy {
    case: &'static str,
    access_key_id: &'static str,
    secret_access_key: &'static str,
    region: &'static str,
    service: &'static str,
    /// When the canonical request, string to sign and signature were recorded.
    time: &'static str,
    /// When the signed request was recorded.
    signed_request_time: &'static str,
}

/// The contexts of the two cases migrated from the old format, as recorded by the smithy-rs
/// tests that produced them: their canonical requests are signed at that test's fixed time,
/// 2021-05-11T15:40:45Z. `double-url-encode`'s signed request (the suite's example key, Lambda in
/// us-east-2) is of the same signing. `double-encode-path`'s signed request was recorded by
/// another test, at the request's own `X-Amz-Date` with smithy-rs's test credentials; its
/// `Authorization` header names them (`ANOTREAL`, 20150830, us-east-1, `service`).
const LEGACY: &[Legacy] = &[
    Legacy {
        case: "double-url-encode",
        access_key_id: "AKIDEXAMPLE",
        secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        region: "us-east-2",
        service: "lambda",
        time: "20210511T154045Z",
        signed_request_time: "20210511T154045Z",
    },
    Legacy {
        case: "double-encode-path",
        access_key_id: "ANOTREAL",
        secret_access_key: "notrealrnrELgWzOk3IfjzDKtFBhDby",
        region: "us-east-1",
        service: "service",
        time: "20210511T154045Z",
        signed_request_time: "20150830T123600Z",
    },
];

/// What one case signs with.
struct Context {
    credentials: Credentials,
    region: String,
    service: String,
    time: SystemTime,
    signed_request_time: SystemTime,
    settings: SigningSettings,
}

impl Context {
    fn params(&self, time: SystemTime) -> SigningParams<'_> {
        SigningParams {
            credentials: &self.credentials,
            region: &self.region,
            service: &self.service,
            time,
            settings: &self.settings,
        }
    }
}

const HEADER_FILES: [&str; 4] =
    ["header-canonical-request.txt", "header-string-to-sign.txt", "header-signature.txt", "header-signed-request.txt"];
const QUERY_FILES: [&str; 4] =
    ["query-canonical-request.txt", "query-string-to-sign.txt", "query-signature.txt", "query-signed-request.txt"];

fn run_case(signer: &Signer, dir: &Path) -> Result<(), String> {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let raw = parse_request(&read(&dir.join("request.txt"))?).map_err(|e| format!("request.txt: {e}"))?;
    let request = to_http_request(&raw).map_err(|e| format!("request.txt: {e}"))?;

    // Raw-path detection looks at every request line the case has (see the module docs).
    let mut raw_path = has_raw_path(&raw.target);
    for file in [HEADER_FILES[3], QUERY_FILES[3]] {
        if let Some(text) = read_optional(&dir.join(file))? {
            let signed = parse_request(&text).map_err(|e| format!("{file}: {e}"))?;
            raw_path |= has_raw_path(&signed.target);
        }
    }
    let context = match read_optional(&dir.join("context.json"))? {
        Some(json) => parse_context(&json, raw_path).map_err(|e| format!("context.json: {e}"))?,
        None => legacy_context(&name)?,
    };

    let present = |file: &str| dir.join(file).is_file();
    if !HEADER_FILES.iter().chain(&QUERY_FILES).any(|f| present(f)) {
        return Err("no expected files".to_string());
    }
    let mut diffs = Vec::new();

    if HEADER_FILES.iter().any(|f| present(f)) {
        let mut signed = request.clone();
        let details = signer
            .sign_with_details(&mut signed, &context.params(context.time))
            .map_err(|e| format!("header signing failed: {e}"))?;
        check_text(dir, HEADER_FILES[0], &details.canonical_request, &mut diffs)?;
        check_text(dir, HEADER_FILES[1], &details.string_to_sign, &mut diffs)?;
        check_text(dir, HEADER_FILES[2], &details.signature, &mut diffs)?;
        if context.signed_request_time != context.time {
            signed = request.clone();
            signer
                .sign(&mut signed, &context.params(context.signed_request_time))
                .map_err(|e| format!("header signing failed: {e}"))?;
        }
        check_signed_request(dir, HEADER_FILES[3], &signed, &mut diffs)?;
    }

    if QUERY_FILES.iter().any(|f| present(f)) {
        let (uri, details) = signer
            .presign_with_details(&request, &context.params(context.time))
            .map_err(|e| format!("presigning failed: {e}"))?;
        check_text(dir, QUERY_FILES[0], &details.canonical_request, &mut diffs)?;
        check_text(dir, QUERY_FILES[1], &details.string_to_sign, &mut diffs)?;
        check_text(dir, QUERY_FILES[2], &details.signature, &mut diffs)?;
        let presigned = HttpRequest { uri, ..request.clone() };
        check_signed_request(dir, QUERY_FILES[3], &presigned, &mut diffs)?;
    }

    if diffs.is_empty() {
        Ok(())
    } else {
        let files: Vec<&str> = diffs.iter().map(|(file, _)| file.as_str()).collect();
        let details: Vec<String> = diffs.iter().map(|(file, diff)| format!("--- {file}\n{diff}")).collect();
        Err(format!("{} differ\n{}", files.join(", "), details.join("\n")))
    }
}

fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_optional(path: &Path) -> Result<Option<String>, String> {
    if path.is_file() {
        read(path).map(Some)
    } else {
        Ok(None)
    }
}

fn legacy_context(case: &str) -> Result<Context, String> {
    let legacy = LEGACY
        .iter()
        .find(|l| l.case == case)
        .ok_or_else(|| "no context.json and not a known legacy case".to_string())?;
    Ok(Context {
        credentials: Credentials::new(legacy.access_key_id, legacy.secret_access_key, None, None, "Static"),
        region: legacy.region.to_string(),
        service: legacy.service.to_string(),
        time: parse_time(legacy.time)?,
        signed_request_time: parse_time(legacy.signed_request_time)?,
        settings: SigningSettings::default(),
    })
}

fn parse_context(json: &str, raw_path: bool) -> Result<Context, String> {
    let v: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let string = |value: &Value, key: &str| {
        value.get(key).and_then(Value::as_str).map(str::to_string).ok_or_else(|| format!("`{key}` is not a string"))
    };
    let boolean = |key: &str| v.get(key).and_then(Value::as_bool).ok_or_else(|| format!("`{key}` is not a boolean"));
    let creds = v.get("credentials").ok_or("no `credentials`")?;
    let token = match creds.get("token") {
        None => None,
        Some(_) => Some(string(creds, "token")?),
    };
    let expires =
        v.get("expiration_in_seconds").and_then(Value::as_u64).ok_or("`expiration_in_seconds` is not a number")?;
    let omit_session_token = match v.get("omit_session_token") {
        None => false,
        Some(_) => boolean("omit_session_token")?,
    };
    let time = parse_time(&string(&v, "timestamp")?)?;
    Ok(Context {
        credentials: Credentials::new(
            string(creds, "access_key_id")?,
            string(creds, "secret_access_key")?,
            token,
            None,
            "Static",
        ),
        region: string(&v, "region")?,
        service: string(&v, "service")?,
        time,
        signed_request_time: time,
        settings: SigningSettings {
            normalize_path: boolean("normalize")?,
            double_encode_path: !raw_path,
            content_sha256_header: boolean("sign_body")?,
            omit_session_token,
            expires_in: Some(Duration::from_secs(expires)),
            ..SigningSettings::default()
        },
    })
}

/// `2015-08-30T12:36:00Z` or `20150830T123600Z`, UTC.
fn parse_time(s: &str) -> Result<SystemTime, String> {
    let compact: String = s.chars().filter(|c| *c != '-' && *c != ':').collect();
    let bad = || format!("bad timestamp {s:?}");
    let digits = |range: std::ops::Range<usize>| -> Result<i64, String> {
        compact
            .get(range)
            .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|d| d.parse().ok())
            .ok_or_else(bad)
    };
    if compact.len() != 16 || compact.get(8..9) != Some("T") || !compact.ends_with('Z') {
        return Err(bad());
    }
    let (year, month, day) = (digits(0..4)?, digits(4..6)?, digits(6..8)?);
    let (hour, minute, second) = (digits(9..11)?, digits(11..13)?, digits(13..15)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return Err(bad());
    }
    let secs = days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second;
    u64::try_from(secs).map(|s| UNIX_EPOCH + Duration::from_secs(s)).map_err(|_| bad())
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A request as written in the suite's files.
#[derive(Debug)]
struct RawRequest {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Parses `METHOD target [HTTP/x.y]`, header lines, an empty line and a body. Lines end in LF or
/// CRLF. The target may contain spaces (`get-space-unnormalized`), so the method ends at the
/// first space and the version, when present, starts after the last one.
fn parse_request(text: &str) -> Result<RawRequest, String> {
    let (head, body) = match text.find("\n\n").map(|i| (i, 2)).or_else(|| text.find("\r\n\r\n").map(|i| (i, 4))) {
        Some((i, sep)) => (&text[..i], &text[i + sep..]),
        None => (text, ""),
    };
    let mut lines = head.lines();
    let request_line = lines.next().filter(|l| !l.is_empty()).ok_or("no request line")?;
    let (method, rest) = request_line.split_once(' ').ok_or("request line has no target")?;
    let target = match rest.rsplit_once(' ') {
        Some((target, version)) if version.starts_with("HTTP/") => target,
        _ => rest,
    };
    if method.is_empty() || target.is_empty() {
        return Err(format!("bad request line {request_line:?}"));
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            let (_, value) = headers.last_mut().ok_or("continuation line before any header")?;
            value.push(' ');
            value.push_str(line.trim_start_matches([' ', '\t']));
        } else {
            let (name, value) = line.split_once(':').ok_or_else(|| format!("header line without `:`: {line:?}"))?;
            if name.is_empty() || name.contains([' ', '\t']) {
                return Err(format!("bad header name {name:?}"));
            }
            headers.push((name.to_string(), value.to_string()));
        }
    }
    Ok(RawRequest { method: method.to_string(), target: target.to_string(), headers, body: body.as_bytes().to_vec() })
}

/// The `HttpRequest` a client would build: `https`, authority from `Host`, target encoded for
/// the wire.
fn to_http_request(raw: &RawRequest) -> Result<HttpRequest, String> {
    let host = raw
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("host"))
        .map(|(_, v)| v.trim().to_string())
        .ok_or("no Host header")?;
    let target = encode_target(&raw.target);
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut request = HttpRequest {
        method: raw.method.clone().into(),
        uri: Uri { scheme: "https".into(), authority: host, path: path.to_string(), query: query.to_string() },
        body: raw.body.clone(),
        ..HttpRequest::default()
    };
    for (name, value) in &raw.headers {
        request.headers.append(name.clone(), value.clone());
    }
    Ok(request)
}

/// Percent-encodes what a request target cannot carry, as a URL serializer does (RFC 3986
/// §3.3/§3.4: unreserved, sub-delims, `:`, `@`, `/`, `?` and `%XX` escapes stay).
fn encode_target(target: &str) -> String {
    let bytes = target.as_bytes();
    let mut out = String::with_capacity(target.len());
    for (i, &b) in bytes.iter().enumerate() {
        let escape = b == b'%'
            && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
        if escape || b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether the path of `target` has characters that a client must encode before sending.
fn has_raw_path(target: &str) -> bool {
    let path = target.split_once('?').map_or(target, |(p, _)| p);
    encode_target(path) != path
}

/// Compares an expected text file, if present; line endings and trailing newlines aside.
fn check_text(dir: &Path, file: &str, actual: &str, diffs: &mut Vec<(String, String)>) -> Result<(), String> {
    let Some(expected) = read_optional(&dir.join(file))? else { return Ok(()) };
    let expected = expected.replace("\r\n", "\n");
    let (expected, actual) = (expected.trim_end_matches('\n'), actual.trim_end_matches('\n'));
    if expected != actual {
        diffs.push((file.to_string(), line_diff(expected, actual)));
    }
    Ok(())
}

/// The first differing line of two texts.
fn line_diff(expected: &str, actual: &str) -> String {
    let (mut e, mut a) = (expected.lines(), actual.lines());
    let mut line = 1;
    loop {
        match (e.next(), a.next()) {
            (Some(x), Some(y)) if x == y => line += 1,
            (x, y) => {
                return format!(
                    "line {line}:\n  expected {}\n  actual   {}",
                    x.map_or("<end>".to_string(), |s| format!("{s:?}")),
                    y.map_or("<end>".to_string(), |s| format!("{s:?}")),
                )
            }
        }
    }
}

/// Compares the signed request with an expected signed-request file, if present.
fn check_signed_request(
    dir: &Path,
    file: &str,
    actual: &HttpRequest,
    diffs: &mut Vec<(String, String)>,
) -> Result<(), String> {
    let Some(text) = read_optional(&dir.join(file))? else { return Ok(()) };
    let expected = parse_request(&text).and_then(|raw| to_http_request(&raw)).map_err(|e| format!("{file}: {e}"))?;
    let mut problems = Vec::new();
    if expected.method != actual.method {
        problems.push(format!("method: expected {:?}, actual {:?}", expected.method, actual.method));
    }
    if expected.uri.path != actual.uri.path {
        problems.push(format!("path: expected {:?}, actual {:?}", expected.uri.path, actual.uri.path));
    }
    if expected.uri.query != actual.uri.query {
        problems.push(format!("query:\n  expected {:?}\n  actual   {:?}", expected.uri.query, actual.uri.query));
    }
    let (want, got) = (comparable_headers(&expected), comparable_headers(actual));
    for h in want.iter().filter(|h| !got.contains(h)) {
        problems.push(format!("missing header {}: {:?}", h.0, h.1));
    }
    for h in got.iter().filter(|h| !want.contains(h)) {
        problems.push(format!("unexpected header {}: {:?}", h.0, h.1));
    }
    if want.len() == got.len() && problems.is_empty() && want != got {
        problems.push("headers of the same name in a different order".to_string());
    }
    if expected.body != actual.body {
        problems.push("body differs".to_string());
    }
    if !problems.is_empty() {
        diffs.push((file.to_string(), problems.join("\n")));
    }
    Ok(())
}

/// Headers as `(lowercase name, trimmed value)`, sorted by name, repeats of a name in order.
fn comparable_headers(request: &HttpRequest) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.trim_matches([' ', '\t']).to_string()))
        .collect();
    headers.sort_by(|a, b| a.0.cmp(&b.0));
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_folded_repeated_and_spaced_headers_and_a_body() {
        let raw = parse_request("GET /a b/ HTTP/1.1\nHost:h\nX-A:1\n  2\n\t3\nX-A: 4 \n\nbody\n").unwrap();
        assert_eq!((raw.method.as_str(), raw.target.as_str()), ("GET", "/a b/"));
        assert_eq!(
            raw.headers,
            [("Host".into(), "h".into()), ("X-A".into(), "1 2 3".into()), ("X-A".into(), " 4 ".into())]
        );
        assert_eq!(raw.body, b"body\n");
        let crlf = parse_request("POST /x\r\nHost: h\r\n\r\nb").unwrap();
        assert_eq!((crlf.target.as_str(), crlf.body.as_slice()), ("/x", &b"b"[..]));
        assert_eq!(crlf.headers, [("Host".into(), " h".into())]);
    }

    #[test]
    fn rejects_malformed_requests() {
        for text in [
            "",
            "GET\nHost:h",
            " value\n",
            "GET / HTTP/1.1\n continuation",
            "GET / HTTP/1.1\nno colon",
            "GET / HTTP/1.1\nBad Name:v",
        ] {
            assert!(parse_request(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn encodes_targets_like_a_client() {
        assert_eq!(encode_target("/example space/"), "/example%20space/");
        assert_eq!(encode_target("/\u{1234}?\u{1234}=bar"), "/%E1%88%B4?%E1%88%B4=bar");
        assert_eq!(encode_target("/a%3D/@b?x=%zz"), "/a%3D/@b?x=%25zz");
        assert!(has_raw_path("/example space/?q"));
        assert!(!has_raw_path("/example%20space/?\u{1234}"));
    }

    #[test]
    fn parses_both_timestamp_forms() {
        let t = UNIX_EPOCH + Duration::from_secs(1_440_938_160);
        assert_eq!(parse_time("2015-08-30T12:36:00Z"), Ok(t));
        assert_eq!(parse_time("20150830T123600Z"), Ok(t));
        assert_eq!(parse_time("2000-02-29T00:00:00Z"), Ok(UNIX_EPOCH + Duration::from_secs(951_782_400)));
        for bad in ["", "2015-13-01T00:00:00Z", "20150830 123600Z", "1969-12-31T23:59:59Z", "2015-08-30T12:36:00"] {
            assert!(parse_time(bad).is_err(), "{bad:?}");
        }
    }
}
