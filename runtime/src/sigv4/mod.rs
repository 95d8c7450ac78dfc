//! AWS Signature Version 4: signs an [`HttpRequest`] in place (`Authorization` header) or
//! presigns it into a URL (query-string authentication), and exposes the intermediate products
//! (canonical request, string to sign, signature) so they can be checked against AWS's suite.
//!
//! The steps follow AWS's SigV4 reference ("Create a canonical request", "Create a string to
//! sign", "Calculate the signature", "Add the signature to the request"). Signing runs on every
//! API call, so the work per request is kept small: the day's signing key comes from a
//! [`Signer`]'s cache, the canonical request is written into one buffer, and header and query
//! entries are sorted as borrowed slices.

mod canonical;
#[cfg(feature = "event-stream")]
mod event;
mod key;

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ring::{digest, hmac};

use crate::credentials::Credentials;
use crate::http::{HttpRequest, Uri};
use canonical::{CanonicalRequest, HeaderEntry};
#[cfg(feature = "event-stream")]
pub use event::{EventSigner, EVENT_STREAM_PAYLOAD_HASH};

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// The longest validity SigV4 presigned URLs accept: seven days.
const MAX_EXPIRES_SECS: u64 = 7 * 24 * 60 * 60;

/// What the signature says about the request body (the last line of the canonical request).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PayloadHash {
    /// The hex SHA-256 of the body.
    #[default]
    Signed,
    /// `UNSIGNED-PAYLOAD`: the body is not covered (S3 over TLS, presigned URLs).
    Unsigned,
    /// A hash computed by the caller (for instance of a streamed body), used as given.
    Precomputed(String),
}

/// How to sign. [`Default`] fits every service but S3: paths normalized and encoded twice,
/// body hashed, no `x-amz-content-sha256` header, session token signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningSettings {
    /// Remove `.`, `..` and empty segments from the path before signing. S3 turns it off, as
    /// its keys may contain such segments.
    pub normalize_path: bool,
    /// Encode the already-encoded path once more. AWS requires it of every service except S3,
    /// which signs the path encoded once.
    pub double_encode_path: bool,
    /// The payload hash to sign.
    pub payload: PayloadHash,
    /// Also send the payload hash as `x-amz-content-sha256` (S3 requires it).
    pub content_sha256_header: bool,
    /// Add the session token to the request after signing instead of signing it, for services
    /// that expect the token outside the signature.
    pub omit_session_token: bool,
    /// How long a presigned URL stays valid (`X-Amz-Expires`); required by [`presign`].
    pub expires_in: Option<Duration>,
}

impl Default for SigningSettings {
    fn default() -> Self {
        Self {
            normalize_path: true,
            double_encode_path: true,
            payload: PayloadHash::Signed,
            content_sha256_header: false,
            omit_session_token: false,
            expires_in: None,
        }
    }
}

/// Everything one signature depends on besides the request.
#[derive(Clone, Copy, Debug)]
pub struct SigningParams<'a> {
    /// Who signs.
    pub credentials: &'a Credentials,
    /// The region of the credential scope.
    pub region: &'a str,
    /// The signing name of the service (`chime`, `s3`, ...).
    pub service: &'a str,
    /// The signing time (`X-Amz-Date`).
    pub time: SystemTime,
    /// How to sign.
    pub settings: &'a SigningSettings,
}

/// The intermediate products of one signature, for tests and for debugging a rejected request
/// against the canonical request the service reports.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningDetails {
    /// The canonical request.
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// The hex signature.
    pub signature: String,
}

impl fmt::Debug for SigningDetails {
    // The canonical request may hold the session token (header or query), so Debug leaves it
    // out; the string to sign and the signature reveal nothing secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningDetails")
            .field("canonical_request", &format_args!("<{} bytes>", self.canonical_request.len()))
            .field("string_to_sign", &self.string_to_sign)
            .field("signature", &self.signature)
            .finish()
    }
}

/// Why a request could not be signed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SigningError {
    /// The signing time is before 1970.
    TimeBeforeEpoch,
    /// The signing time is after year 9999, which `X-Amz-Date` cannot express.
    TimeOutOfRange,
    /// A header to be signed has an invalid name, or a value with control characters.
    InvalidHeader {
        /// The header's name.
        name: String,
    },
    /// The region or service name is empty or has characters a credential scope cannot hold.
    InvalidScope,
    /// The access key id is empty or has characters the `Authorization` header cannot hold.
    InvalidAccessKeyId,
    /// A precomputed payload hash is empty or has characters a header cannot hold.
    InvalidPayloadHash,
    /// There is no `host` header and the URI has no authority to make one from.
    MissingHost,
    /// [`presign`] needs [`SigningSettings::expires_in`].
    MissingExpiry,
    /// `expires_in` is under one second or over the seven days SigV4 allows.
    ExpiryOutOfRange,
    /// The signature an event stream's first message is chained to is not 64 hex digits (or
    /// the signed request has no `Signature=`).
    InvalidSeedSignature,
}

impl fmt::Display for SigningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TimeBeforeEpoch => f.write_str("signing time is before 1970"),
            Self::TimeOutOfRange => f.write_str("signing time is after year 9999"),
            Self::InvalidHeader { name } => write!(f, "header {name:?} cannot be signed: invalid name or value"),
            Self::InvalidScope => f.write_str("region or service name is not valid in a credential scope"),
            Self::InvalidAccessKeyId => f.write_str("access key id is empty or has invalid characters"),
            Self::InvalidPayloadHash => f.write_str("precomputed payload hash is empty or has invalid characters"),
            Self::MissingHost => f.write_str("request has neither a host header nor a URI authority"),
            Self::MissingExpiry => f.write_str("presigning needs an expiry (expires_in)"),
            Self::ExpiryOutOfRange => f.write_str("presigned URL expiry must be between 1 second and 7 days"),
            Self::InvalidSeedSignature => f.write_str("event stream seed signature is not a hex SHA-256 signature"),
        }
    }
}

impl std::error::Error for SigningError {}

/// Signs requests, reusing the derived signing key across requests of the same day, region,
/// service and secret. Keep one per client.
#[derive(Debug, Default)]
pub struct Signer {
    keys: key::KeyCache,
}

impl Signer {
    /// A signer with an empty key cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Signs `request` in place: sets `x-amz-date`, `x-amz-security-token` (session credentials),
    /// `x-amz-content-sha256` (when asked), `host` (when missing) and `authorization`.
    pub fn sign(&self, request: &mut HttpRequest, params: &SigningParams<'_>) -> Result<(), SigningError> {
        sign_headers(Some(&self.keys), request, params).map(drop)
    }

    /// [`Signer::sign`], also returning the intermediate products.
    pub fn sign_with_details(
        &self,
        request: &mut HttpRequest,
        params: &SigningParams<'_>,
    ) -> Result<SigningDetails, SigningError> {
        sign_headers(Some(&self.keys), request, params).map(Products::into_details)
    }

    /// The presigned URL of `request`: its URI with the `X-Amz-*` authentication parameters
    /// appended to the query.
    pub fn presign(&self, request: &HttpRequest, params: &SigningParams<'_>) -> Result<Uri, SigningError> {
        presign_query(Some(&self.keys), request, params).map(|(uri, _)| uri)
    }

    /// [`Signer::presign`], also returning the intermediate products.
    pub fn presign_with_details(
        &self,
        request: &HttpRequest,
        params: &SigningParams<'_>,
    ) -> Result<(Uri, SigningDetails), SigningError> {
        presign_query(Some(&self.keys), request, params).map(|(uri, products)| (uri, products.into_details()))
    }
}

/// Signs `request` in place without a key cache; see [`Signer::sign`].
pub fn sign(request: &mut HttpRequest, params: &SigningParams<'_>) -> Result<(), SigningError> {
    sign_headers(None, request, params).map(drop)
}

/// Presigns `request` without a key cache; see [`Signer::presign`].
pub fn presign(request: &HttpRequest, params: &SigningParams<'_>) -> Result<Uri, SigningError> {
    presign_query(None, request, params).map(|(uri, _)| uri)
}

/// `X-Amz-Date`, `YYYYMMDDTHHMMSSZ`, kept on the stack.
struct AmzDate([u8; 16]);

impl AmzDate {
    fn new(time: SystemTime) -> Result<Self, SigningError> {
        let secs = time.duration_since(UNIX_EPOCH).map_err(|_| SigningError::TimeBeforeEpoch)?.as_secs();
        let days = secs / 86_400;
        // 2_932_897 days after 1970-01-01 is 10000-01-01.
        if days >= 2_932_897 {
            return Err(SigningError::TimeOutOfRange);
        }
        let (year, month, day) = civil_from_days(days);
        let rem = secs % 86_400;
        let mut out = *b"00000000T000000Z";
        let mut put = |at: usize, width: usize, mut value: u64| {
            for i in (at..at + width).rev() {
                out[i] = b'0' + (value % 10) as u8;
                value /= 10;
            }
        };
        put(0, 4, year);
        put(4, 2, month);
        put(6, 2, day);
        put(9, 2, rem / 3600);
        put(11, 2, rem / 60 % 60);
        put(13, 2, rem % 60);
        Ok(Self(out))
    }

    fn as_str(&self) -> &str {
        // ASCII digits, `T` and `Z` only.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The `YYYYMMDD` part, for the credential scope.
    fn date(&self) -> [u8; 8] {
        let [a, b, c, d, e, f, g, h, ..] = self.0;
        [a, b, c, d, e, f, g, h]
    }

    fn date_str(&self) -> &str {
        self.as_str().get(..8).unwrap_or_default()
    }
}

/// Gregorian `(year, month, day)` of a count of days since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, unsigned since signing times before 1970 are rejected).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Shift the epoch to 0000-03-01 so that leap days fall at the end of each year.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (era * 400 + yoe + u64::from(month <= 2), month, day)
}

/// 32 bytes as lowercase hex, on the stack.
struct Hex64([u8; 64]);

impl Hex64 {
    fn new(bytes: &[u8]) -> Self {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [b'0'; 64];
        for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
            pair[0] = DIGITS[usize::from(b >> 4)];
            pair[1] = DIGITS[usize::from(b & 0xf)];
        }
        Self(out)
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// SHA-256 of the empty body (every GET and DELETE), so it is never recomputed.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The payload hash line, borrowed or computed on the stack.
enum Payload<'a> {
    Hashed(Hex64),
    Given(&'a str),
}

impl Payload<'_> {
    fn new<'a>(payload: &'a PayloadHash, body: &[u8]) -> Result<Payload<'a>, SigningError> {
        Ok(match payload {
            PayloadHash::Signed if body.is_empty() => Payload::Given(EMPTY_SHA256),
            PayloadHash::Signed => Payload::Hashed(Hex64::new(digest::digest(&digest::SHA256, body).as_ref())),
            PayloadHash::Unsigned => Payload::Given(UNSIGNED_PAYLOAD),
            PayloadHash::Precomputed(hash) if !hash.is_empty() && hash.bytes().all(|b| b.is_ascii_graphic()) => {
                Payload::Given(hash)
            }
            PayloadHash::Precomputed(_) => return Err(SigningError::InvalidPayloadHash),
        })
    }

    fn as_str(&self) -> &str {
        match self {
            Payload::Hashed(hex) => hex.as_str(),
            Payload::Given(s) => s,
        }
    }
}

/// Region and service go into the credential scope (`date/region/service/aws4_request`) and the
/// access key id into `Credential=`; a `/`, `,` or control character there would change what
/// the service parses, so they are refused rather than signed.
fn validate_scope(params: &SigningParams<'_>) -> Result<(), SigningError> {
    let scope_part =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !scope_part(params.region) || !scope_part(params.service) {
        return Err(SigningError::InvalidScope);
    }
    let akid = params.credentials.access_key_id();
    if akid.is_empty() || !akid.bytes().all(|b| b.is_ascii_graphic() && b != b'/' && b != b',') {
        return Err(SigningError::InvalidAccessKeyId);
    }
    Ok(())
}

/// The `host` header a client sends for `uri`: the authority without user info, and without
/// the port when it is the scheme's default (RFC 9110 §7.2).
fn host_header(uri: &Uri) -> Result<&str, SigningError> {
    let authority = uri.authority.rsplit_once('@').map_or(uri.authority.as_str(), |(_, a)| a);
    let default_port = if uri.scheme.eq_ignore_ascii_case("https") {
        ":443"
    } else if uri.scheme.eq_ignore_ascii_case("http") {
        ":80"
    } else {
        ""
    };
    let host =
        if default_port.is_empty() { authority } else { authority.strip_suffix(default_port).unwrap_or(authority) };
    if host.is_empty() {
        Err(SigningError::MissingHost)
    } else {
        Ok(host)
    }
}

/// The request's `host` header if it has one (then it is signed as is), else the one to add.
fn missing_host(request: &HttpRequest) -> Result<Option<&str>, SigningError> {
    if request.headers.contains("host") {
        Ok(None)
    } else {
        host_header(&request.uri).map(Some)
    }
}

fn push_scope(out: &mut String, date: &AmzDate, params: &SigningParams<'_>) {
    out.push_str(date.date_str());
    out.push('/');
    out.push_str(params.region);
    out.push('/');
    out.push_str(params.service);
    out.push_str("/aws4_request");
}

/// What one signing produced; the public `*_with_details` methods hand it out, the others drop
/// it (the strings were needed anyway, so this costs nothing).
struct Products {
    canonical_request: String,
    string_to_sign: String,
    signature: Hex64,
}

impl Products {
    fn into_details(self) -> SigningDetails {
        SigningDetails {
            canonical_request: self.canonical_request,
            string_to_sign: self.string_to_sign,
            signature: self.signature.as_str().to_string(),
        }
    }
}

/// Completes `canonical_request` with the string to sign and the signature over it.
fn finish(
    keys: Option<&key::KeyCache>,
    params: &SigningParams<'_>,
    date: &AmzDate,
    canonical_request: String,
) -> Products {
    let hash = Hex64::new(digest::digest(&digest::SHA256, canonical_request.as_bytes()).as_ref());
    let mut sts = String::with_capacity(128 + params.region.len() + params.service.len());
    sts.push_str(ALGORITHM);
    sts.push('\n');
    sts.push_str(date.as_str());
    sts.push('\n');
    push_scope(&mut sts, date, params);
    sts.push('\n');
    sts.push_str(hash.as_str());

    let secret = params.credentials.secret_access_key();
    let key = match keys {
        Some(cache) => cache.get(secret, params.credentials.secret_digest(), &date.date(), params.region, params.service),
        None => key::uncached(secret, &date.date(), params.region, params.service),
    };
    let signature = Hex64::new(hmac::sign(&key, sts.as_bytes()).as_ref());
    Products { canonical_request, string_to_sign: sts, signature }
}

fn sign_headers(
    keys: Option<&key::KeyCache>,
    request: &mut HttpRequest,
    params: &SigningParams<'_>,
) -> Result<Products, SigningError> {
    let settings = params.settings;
    let date = AmzDate::new(params.time)?;
    validate_scope(params)?;
    let payload = Payload::new(&settings.payload, &request.body)?;
    let token = params.credentials.session_token();
    let signed_token = token.filter(|_| !settings.omit_session_token);
    let host = missing_host(request)?;

    // Everything is computed before the request changes, so an error leaves it untouched.
    let added = [
        Some(("x-amz-date", date.as_str())),
        signed_token.map(|t| ("x-amz-security-token", t)),
        settings.content_sha256_header.then(|| ("x-amz-content-sha256", payload.as_str())),
        host.map(|h| ("host", h)),
    ];
    // A token that is added after signing, or a stale one from an earlier signing with other
    // credentials, is kept out of the signature.
    let ignored: &[&str] = if signed_token.is_none() { &["x-amz-security-token"] } else { &[] };
    let entries: Vec<HeaderEntry<'_>> = canonical::collect_headers(&request.headers, &added, ignored)?;
    let mut creq = String::with_capacity(256 + request.uri.path.len() + request.uri.query.len());
    let signed_range = CanonicalRequest {
        method: &request.method,
        path: &request.uri.path,
        query: &request.uri.query,
        headers: &entries,
        payload_hash: payload.as_str(),
        normalize_path: settings.normalize_path,
        double_encode_path: settings.double_encode_path,
    }
    .write(&mut creq);
    let products = finish(keys, params, &date, creq);

    let signed_headers = products.canonical_request.get(signed_range).unwrap_or_default();
    let akid = params.credentials.access_key_id();
    let mut authorization = String::with_capacity(128 + akid.len() + signed_headers.len());
    authorization.push_str(ALGORITHM);
    authorization.push_str(" Credential=");
    authorization.push_str(akid);
    authorization.push('/');
    push_scope(&mut authorization, &date, params);
    authorization.push_str(", SignedHeaders=");
    authorization.push_str(signed_headers);
    authorization.push_str(", Signature=");
    authorization.push_str(products.signature.as_str());

    let host = host.map(str::to_owned);
    drop(entries);
    let headers = &mut request.headers;
    headers.insert("x-amz-date", date.as_str());
    match token {
        Some(token) => headers.insert("x-amz-security-token", token),
        None => headers.remove("x-amz-security-token"),
    }
    if settings.content_sha256_header {
        headers.insert("x-amz-content-sha256", payload.as_str());
    }
    if let Some(host) = host {
        headers.insert("host", host);
    }
    headers.insert("authorization", authorization);
    Ok(products)
}

fn presign_query(
    keys: Option<&key::KeyCache>,
    request: &HttpRequest,
    params: &SigningParams<'_>,
) -> Result<(Uri, Products), SigningError> {
    let settings = params.settings;
    let date = AmzDate::new(params.time)?;
    validate_scope(params)?;
    let expires = settings.expires_in.ok_or(SigningError::MissingExpiry)?.as_secs();
    if !(1..=MAX_EXPIRES_SECS).contains(&expires) {
        return Err(SigningError::ExpiryOutOfRange);
    }
    let payload = Payload::new(&settings.payload, &request.body)?;
    let host = missing_host(request)?;
    let entries = canonical::collect_headers(&request.headers, &[host.map(|h| ("host", h))], &[])?;
    let mut signed_headers = String::new();
    canonical::write_signed_headers(&entries, &mut signed_headers);

    // The parameters in the order AWS's own signers emit them; the canonical query sorts them.
    let token = params.credentials.session_token();
    let mut query =
        String::with_capacity(request.uri.query.len() + 256 + signed_headers.len() + token.map_or(0, |t| t.len() * 3));
    query.push_str(&request.uri.query);
    if !query.is_empty() {
        query.push('&');
    }
    query.push_str("X-Amz-Algorithm=");
    query.push_str(ALGORITHM);
    query.push_str("&X-Amz-Credential=");
    canonical::push_uri_encoded(params.credentials.access_key_id().as_bytes(), &mut query);
    query.push_str("%2F");
    let mut scope = String::with_capacity(32 + params.region.len() + params.service.len());
    push_scope(&mut scope, &date, params);
    canonical::push_uri_encoded(scope.as_bytes(), &mut query);
    query.push_str("&X-Amz-Date=");
    query.push_str(date.as_str());
    query.push_str("&X-Amz-SignedHeaders=");
    canonical::push_uri_encoded(signed_headers.as_bytes(), &mut query);
    query.push_str("&X-Amz-Expires=");
    query.push_str(&expires.to_string());
    let push_token = |query: &mut String, token: &str| {
        query.push_str("&X-Amz-Security-Token=");
        canonical::push_uri_encoded(token.as_bytes(), query);
    };
    if let Some(token) = token.filter(|_| !settings.omit_session_token) {
        push_token(&mut query, token);
    }

    let mut creq = String::with_capacity(256 + request.uri.path.len() + query.len());
    CanonicalRequest {
        method: &request.method,
        path: &request.uri.path,
        query: &query,
        headers: &entries,
        payload_hash: payload.as_str(),
        normalize_path: settings.normalize_path,
        double_encode_path: settings.double_encode_path,
    }
    .write(&mut creq);
    let products = finish(keys, params, &date, creq);

    if let Some(token) = token.filter(|_| settings.omit_session_token) {
        push_token(&mut query, token);
    }
    query.push_str("&X-Amz-Signature=");
    query.push_str(products.signature.as_str());
    let uri = Uri {
        scheme: request.uri.scheme.clone(),
        authority: request.uri.authority.clone(),
        path: request.uri.path.clone(),
        query,
    };
    Ok((uri, products))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Headers;

    const AKID: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const TOKEN: &str = "session-token/with+chars=";
    /// The signing time of AWS's SigV4 suite, 2015-08-30T12:36:00Z.
    const SUITE_SECS: u64 = 1_440_938_160;
    /// `get-vanilla` of AWS's SigV4 suite.
    const VANILLA_SIGNATURE: &str = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn request(url: &str) -> HttpRequest {
        HttpRequest { method: "GET".into(), uri: Uri::parse(url).unwrap(), ..HttpRequest::default() }
    }

    fn params<'a>(credentials: &'a Credentials, settings: &'a SigningSettings, time: SystemTime) -> SigningParams<'a> {
        SigningParams { credentials, region: "us-east-1", service: "service", time, settings }
    }

    fn authorization(request: &HttpRequest) -> &str {
        request.headers.get("authorization").unwrap()
    }

    fn signed_headers(request: &HttpRequest) -> &str {
        let auth = authorization(request);
        let start = auth.find("SignedHeaders=").unwrap() + "SignedHeaders=".len();
        auth[start..].split(',').next().unwrap()
    }

    fn signature(request: &HttpRequest) -> &str {
        authorization(request).rsplit("Signature=").next().unwrap()
    }

    #[test]
    fn signs_the_suite_vanilla_request_adding_host() {
        let creds = Credentials::new(AKID, SECRET, None, None, "Static");
        let settings = SigningSettings::default();
        let mut req = request("https://example.amazonaws.com/");
        sign(&mut req, &params(&creds, &settings, at(SUITE_SECS))).unwrap();
        assert_eq!(req.headers.get("host"), Some("example.amazonaws.com"));
        assert_eq!(req.headers.get("x-amz-date"), Some("20150830T123600Z"));
        assert_eq!(
            authorization(&req),
            format!(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
                 SignedHeaders=host;x-amz-date, Signature={VANILLA_SIGNATURE}"
            )
        );
    }

    #[test]
    fn cached_and_uncached_signing_agree() {
        let signer = Signer::new();
        let settings = SigningSettings::default();
        let original = Credentials::new(AKID, SECRET, None, None, "Static");
        let rotated = Credentials::new(AKID, "rotated-secret", None, None, "Static");
        let same_day_later = SUITE_SECS + 3_600;
        let next_day = SUITE_SECS + 86_400;
        let mut signatures = Vec::new();
        for (creds, secs) in
            [(&original, SUITE_SECS), (&original, same_day_later), (&rotated, same_day_later), (&original, next_day)]
        {
            let p = params(creds, &settings, at(secs));
            let (mut cached, mut uncached) =
                (request("https://example.amazonaws.com/"), request("https://example.amazonaws.com/"));
            signer.sign(&mut cached, &p).unwrap();
            sign(&mut uncached, &p).unwrap();
            assert_eq!(authorization(&cached), authorization(&uncached), "secs={secs}");
            signatures.push(signature(&cached).to_string());
        }
        assert_eq!(signatures[0], VANILLA_SIGNATURE);
        assert!(signatures.windows(2).all(|w| w[0] != w[1]));
        // Day 1 with each secret, then day 2: three keys; the same-day request reused the first.
        assert_eq!(signer.keys.len(), 3);
    }

    #[test]
    fn session_token_is_signed_unless_omitted() {
        let with_token = Credentials::new(AKID, SECRET, Some(TOKEN.into()), None, "Static");
        let without = Credentials::new(AKID, SECRET, None, None, "Static");
        let signed = SigningSettings::default();
        let omitted = SigningSettings { omit_session_token: true, ..SigningSettings::default() };
        let time = at(SUITE_SECS);

        let mut req = request("https://example.amazonaws.com/");
        sign(&mut req, &params(&with_token, &signed, time)).unwrap();
        assert_eq!(req.headers.get("x-amz-security-token"), Some(TOKEN));
        assert_eq!(signed_headers(&req), "host;x-amz-date;x-amz-security-token");

        // Omitted: sent, but the signature is the one of credentials without a token.
        let mut req = request("https://example.amazonaws.com/");
        sign(&mut req, &params(&with_token, &omitted, time)).unwrap();
        assert_eq!(req.headers.get("x-amz-security-token"), Some(TOKEN));
        assert_eq!(signed_headers(&req), "host;x-amz-date");
        assert_eq!(signature(&req), VANILLA_SIGNATURE);

        // Re-signing with long-term credentials drops the stale token.
        sign(&mut req, &params(&without, &signed, time)).unwrap();
        assert!(!req.headers.contains("x-amz-security-token"));
        assert_eq!(signature(&req), VANILLA_SIGNATURE);
    }

    #[test]
    fn presigned_session_token_is_in_the_url_and_signed_unless_omitted() {
        let with_token = Credentials::new(AKID, SECRET, Some(TOKEN.into()), None, "Static");
        let without = Credentials::new(AKID, SECRET, None, None, "Static");
        let expires_in = Some(Duration::from_secs(3_600));
        let signed = SigningSettings { expires_in, ..SigningSettings::default() };
        let omitted = SigningSettings { expires_in, omit_session_token: true, ..SigningSettings::default() };
        let req = request("https://example.amazonaws.com/");
        let time = at(SUITE_SECS);
        let encoded_token = "X-Amz-Security-Token=session-token%2Fwith%2Bchars%3D";

        let (uri, details) = Signer::new().presign_with_details(&req, &params(&with_token, &signed, time)).unwrap();
        assert!(uri.query.contains(encoded_token), "{}", uri.query);
        assert!(details.canonical_request.contains(encoded_token));

        let (uri, details) = Signer::new().presign_with_details(&req, &params(&with_token, &omitted, time)).unwrap();
        assert!(uri.query.contains(encoded_token));
        assert!(!details.canonical_request.contains("X-Amz-Security-Token"));
        let plain = presign(&req, &params(&without, &signed, time)).unwrap();
        assert_eq!(uri.query.rsplit("X-Amz-Signature=").next(), plain.query.rsplit("X-Amz-Signature=").next());
    }

    #[test]
    fn presign_matches_the_suite_and_keeps_the_existing_query() {
        let creds = Credentials::new(AKID, SECRET, None, None, "Static");
        let settings = SigningSettings { expires_in: Some(Duration::from_secs(3_600)), ..SigningSettings::default() };
        let req = request("https://example.amazonaws.com/");
        let uri = presign(&req, &params(&creds, &settings, at(SUITE_SECS))).unwrap();
        // get-vanilla's query-signed-request.txt.
        assert_eq!(
            uri.query,
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request\
             &X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600\
             &X-Amz-Signature=e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d"
        );
        assert!(req.headers.is_empty(), "presign leaves the request alone");
        let with_query =
            presign(&request("https://example.amazonaws.com/p?b=2&a=1"), &params(&creds, &settings, at(SUITE_SECS)))
                .unwrap();
        assert_eq!(with_query.path, "/p");
        assert!(with_query.query.starts_with("b=2&a=1&X-Amz-Algorithm="), "{}", with_query.query);
    }

    #[test]
    fn debug_output_never_contains_secrets() {
        let creds = Credentials::new(AKID, SECRET, Some(TOKEN.into()), None, "Static");
        let settings = SigningSettings { expires_in: Some(Duration::from_secs(60)), ..SigningSettings::default() };
        let p = params(&creds, &settings, at(SUITE_SECS));
        let signer = Signer::new();
        let mut req = request("https://example.amazonaws.com/");
        let details = signer.sign_with_details(&mut req, &p).unwrap();
        let (_, query_details) = signer.presign_with_details(&req, &p).unwrap();
        assert!(details.canonical_request.contains(TOKEN), "the redaction below has something to hide");
        let error = SigningError::InvalidHeader { name: "x-a".into() };
        for s in [
            format!("{p:?}"),
            format!("{settings:?}"),
            format!("{signer:?}"),
            format!("{details:?}"),
            format!("{query_details:?}"),
            format!("{req:?}"),
            format!("{error:?} {error}"),
        ] {
            assert!(!s.contains(SECRET) && !s.contains(TOKEN) && !s.contains("session-token"), "{s}");
        }
    }

    #[test]
    fn odd_input_signs_without_panicking() {
        let creds = Credentials::new(AKID, SECRET, Some(TOKEN.into()), None, "Static");
        let paths =
            ["", "/", "..", "/%", "/%E", "/%%%", "/\u{e9}\u{1F600}/../x", "//..//.", "no-slash", "/a/./../../.."];
        let queries = ["", "&", "=", "&&==&", "%", "a=%F0%9F", "\u{e9}=\u{e9}&\u{e9}", "a=1&a=1"];
        let header_values = ["", "   ", "\u{e9}\t\u{1F600}  x ", "\t"];
        for (normalize_path, double_encode_path) in [(true, true), (false, false)] {
            let settings = SigningSettings {
                normalize_path,
                double_encode_path,
                expires_in: Some(Duration::from_secs(1)),
                ..SigningSettings::default()
            };
            for path in paths {
                for query in queries {
                    for value in header_values {
                        let mut req = HttpRequest {
                            method: "".into(),
                            uri: Uri {
                                scheme: "https".into(),
                                authority: "h".into(),
                                path: path.into(),
                                query: query.into(),
                            },
                            ..HttpRequest::default()
                        };
                        req.headers.append("x-odd", value);
                        let p = params(&creds, &settings, at(SUITE_SECS));
                        presign(&req, &p).unwrap();
                        sign(&mut req, &p).unwrap();
                    }
                }
            }
        }
    }

    #[test]
    fn invalid_input_is_an_error_and_leaves_the_request_unchanged() {
        let creds = Credentials::new(AKID, SECRET, None, None, "Static");
        let settings = SigningSettings::default();
        let good = params(&creds, &settings, at(SUITE_SECS));
        let mut req = request("https://example.amazonaws.com/");
        req.headers.append("x-bad", "a\r\nx-injected: 1");
        let before = req.clone();
        assert_eq!(sign(&mut req, &good), Err(SigningError::InvalidHeader { name: "x-bad".into() }));
        assert_eq!(req, before);

        let check = |p: SigningParams<'_>, req: &HttpRequest, want: SigningError| {
            let mut copy = req.clone();
            assert_eq!(sign(&mut copy, &p), Err(want.clone()));
            assert_eq!(&copy, req);
            assert!(!want.to_string().is_empty());
        };
        let ok_req = request("https://example.amazonaws.com/");
        check(
            SigningParams { time: UNIX_EPOCH - Duration::from_secs(1), ..good },
            &ok_req,
            SigningError::TimeBeforeEpoch,
        );
        check(SigningParams { time: at(253_402_300_800), ..good }, &ok_req, SigningError::TimeOutOfRange);
        check(SigningParams { region: "us-east-1/x", ..good }, &ok_req, SigningError::InvalidScope);
        check(SigningParams { service: "", ..good }, &ok_req, SigningError::InvalidScope);
        let no_akid = Credentials::new("", SECRET, None, None, "Static");
        check(SigningParams { credentials: &no_akid, ..good }, &ok_req, SigningError::InvalidAccessKeyId);
        let bad_hash =
            SigningSettings { payload: PayloadHash::Precomputed("a b".into()), ..SigningSettings::default() };
        check(SigningParams { settings: &bad_hash, ..good }, &ok_req, SigningError::InvalidPayloadHash);
        let hostless = HttpRequest::default();
        check(good, &hostless, SigningError::MissingHost);

        assert_eq!(presign(&ok_req, &good), Err(SigningError::MissingExpiry));
        for secs in [0, 7 * 86_400 + 1] {
            let s = SigningSettings { expires_in: Some(Duration::from_secs(secs)), ..SigningSettings::default() };
            assert_eq!(presign(&ok_req, &SigningParams { settings: &s, ..good }), Err(SigningError::ExpiryOutOfRange));
        }
        let _: &dyn std::error::Error = &SigningError::MissingHost;
    }

    #[test]
    fn amz_date_formats_calendar_dates() {
        for (secs, want) in [
            (0, "19700101T000000Z"),
            (94_694_399, "19721231T235959Z"),
            (951_782_400, "20000229T000000Z"),
            (SUITE_SECS, "20150830T123600Z"),
            (4_107_542_400, "21000301T000000Z"),
            (253_402_300_799, "99991231T235959Z"),
        ] {
            let date = AmzDate::new(at(secs)).unwrap();
            assert_eq!(date.as_str(), want);
            assert_eq!(&date.date(), &want.as_bytes()[..8]);
        }
    }

    #[test]
    fn host_comes_from_the_authority_without_the_default_port() {
        let creds = Credentials::new(AKID, SECRET, None, None, "Static");
        let settings = SigningSettings::default();
        for (url, host) in [
            ("https://example.com:443/", "example.com"),
            ("http://example.com:80/", "example.com"),
            ("http://example.com:443/", "example.com:443"),
            ("https://user@h:8443/", "h:8443"),
            ("https://[::1]:443/", "[::1]"),
        ] {
            let mut req = request(url);
            sign(&mut req, &params(&creds, &settings, at(SUITE_SECS))).unwrap();
            assert_eq!(req.headers.get("host"), Some(host), "{url}");
        }
        // A host header already present is kept and signed as is.
        let mut req = request("https://example.com/");
        req.headers.append("Host", "example.amazonaws.com");
        sign(&mut req, &params(&creds, &settings, at(SUITE_SECS))).unwrap();
        assert_eq!(req.headers.get_all("host").collect::<Vec<_>>(), ["example.amazonaws.com"]);
        assert_eq!(signature(&req), VANILLA_SIGNATURE);
    }

    #[test]
    fn payload_hash_settings() {
        let creds = Credentials::new(AKID, SECRET, None, None, "Static");
        let cases = [
            (PayloadHash::Signed, "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"),
            (PayloadHash::Unsigned, "UNSIGNED-PAYLOAD"),
            (
                PayloadHash::Precomputed("STREAMING-AWS4-HMAC-SHA256-PAYLOAD".into()),
                "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
            ),
        ];
        for (payload, want) in cases {
            let settings = SigningSettings { payload, content_sha256_header: true, ..SigningSettings::default() };
            let mut req = request("https://example.amazonaws.com/");
            req.body = b"Param1=value1".to_vec();
            let details =
                Signer::new().sign_with_details(&mut req, &params(&creds, &settings, at(SUITE_SECS))).unwrap();
            assert_eq!(req.headers.get("x-amz-content-sha256"), Some(want));
            assert!(details.canonical_request.ends_with(&format!("\n{want}")));
            assert_eq!(signed_headers(&req), "host;x-amz-content-sha256;x-amz-date");
        }
    }

    #[test]
    fn resigning_replaces_the_previous_signature() {
        let creds = Credentials::new(AKID, SECRET, None, None, "Static");
        let settings = SigningSettings::default();
        let mut req = request("https://example.amazonaws.com/");
        sign(&mut req, &params(&creds, &settings, at(SUITE_SECS - 86_400))).unwrap();
        sign(&mut req, &params(&creds, &settings, at(SUITE_SECS))).unwrap();
        assert_eq!(req.headers.get_all("authorization").count(), 1);
        assert_eq!(req.headers.get_all("x-amz-date").collect::<Vec<_>>(), ["20150830T123600Z"]);
        assert_eq!(signature(&req), VANILLA_SIGNATURE);
    }

    #[test]
    fn hop_by_hop_and_rewritten_headers_are_not_signed() {
        let creds = Credentials::new(AKID, SECRET, None, None, "Static");
        let settings = SigningSettings::default();
        let mut headers = Headers::new();
        for name in ["User-Agent", "X-Amzn-Trace-Id", "Expect", "Transfer-Encoding", "Connection", "Authorization"] {
            headers.append(name, "anything");
        }
        let mut req = request("https://example.amazonaws.com/");
        req.headers = headers;
        sign(&mut req, &params(&creds, &settings, at(SUITE_SECS))).unwrap();
        assert_eq!(signed_headers(&req), "host;x-amz-date");
        assert_eq!(signature(&req), VANILLA_SIGNATURE);
        assert_eq!(req.headers.get("user-agent"), Some("anything"));
    }

    #[test]
    fn the_empty_body_hash_is_the_sha256_of_nothing() {
        assert_eq!(EMPTY_SHA256, Hex64::new(digest::digest(&digest::SHA256, b"").as_ref()).as_str());
    }

    #[test]
    fn signing_again_in_place_equals_signing_a_fresh_copy() {
        let creds = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", Some("token".into()), None, "Static");
        let settings = SigningSettings::default();
        let at = |secs| SigningParams {
            credentials: &creds,
            region: "us-east-1",
            service: "chime",
            time: SystemTime::UNIX_EPOCH + Duration::from_secs(secs),
            settings: &settings,
        };
        let mut base = HttpRequest {
            method: "POST".into(),
            uri: Uri::parse("https://identity-chime.us-east-1.amazonaws.com/app-instances").unwrap(),
            body: br#"{"Name":"x"}"#.to_vec(),
            ..HttpRequest::default()
        };
        base.headers.append("content-type", "application/json");
        let signer = Signer::new();
        let mut reused = base.clone();
        signer.sign(&mut reused, &at(1_700_000_000)).unwrap();
        signer.sign(&mut reused, &at(1_700_000_600)).unwrap();
        let mut fresh = base.clone();
        signer.sign(&mut fresh, &at(1_700_000_600)).unwrap();
        assert_eq!(reused.headers.get("authorization"), fresh.headers.get("authorization"));
        assert_eq!(reused.headers.get_all("x-amz-date").count(), 1);
        let sorted = |r: &HttpRequest| {
            let mut h: Vec<(String, String)> = r.headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            h.sort();
            h
        };
        assert_eq!(sorted(&reused), sorted(&fresh), "only header order may differ");
    }
}
