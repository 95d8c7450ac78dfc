//! SigV4 verification of incoming requests against the emulator's one set of credentials.
//!
//! The signature is not parsed apart and re-derived by hand: the request is rebuilt from what
//! the client says it signed (its `SignedHeaders`, method, raw path and query, body) and signed
//! again with `client_runtime::__private::sigv4`, at the client's `X-Amz-Date`, for the region and service
//! of the client's credential scope once those are checked. The two signatures must be equal.
//! This is how AWS verifies too ("Authenticating Requests (AWS Signature Version 4)": the
//! service recomputes the signature from the request).
//!
//! Only header authentication (`Authorization: AWS4-HMAC-SHA256 ...`) is accepted; presigned
//! query strings and session tokens are not supported. A request with two values of a header
//! the signature relies on (`Authorization`, `X-Amz-Date`, ...) is refused as malformed.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use client_runtime::credentials::Credentials;
use client_runtime::http::{Headers, HttpRequest, Uri};
use client_runtime::__private::sigv4::{Signer, SigningParams, SigningSettings};
use client_runtime::time::{DateTime, TimestampFormat};

/// AWS refuses a signature dated more than 15 minutes from its own clock.
const MAX_SKEW: Duration = Duration::from_secs(15 * 60);
const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The headers SigV4 reads one value of. A request carrying one of them twice is ambiguous
/// (which `Authorization` did the client mean, which date did it sign?): it is refused
/// rather than verified with one of the values.
const SINGLE_HEADERS: [&str; 4] = ["authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"];

/// Why a request was not authenticated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AuthError {
    /// A header SigV4 relies on appears more than once, or a parameter of `Authorization`
    /// does: a malformed request (400, `BadRequestException`).
    Malformed(String),
    /// No `Authorization` header, or one that is not SigV4 or lacks a part: the caller did
    /// not authenticate (401, `UnauthorizedClientException`).
    Unauthenticated(String),
    /// A well-formed signature that does not hold: unknown key, wrong scope, stale date or a
    /// different signature (403, `ForbiddenException`).
    Denied(String),
}

/// Verifies requests for one set of credentials, region and signing name.
#[derive(Debug)]
pub(crate) struct Verifier {
    credentials: Credentials,
    region: String,
    service: &'static str,
    signer: Signer,
}

/// The parts of an `Authorization` header.
struct Authorization<'a> {
    access_key: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Result<Authorization<'_>, AuthError> {
    let unauth = |m: &str| AuthError::Unauthenticated(m.to_string());
    let rest = value
        .strip_prefix(ALGORITHM)
        .filter(|r| r.starts_with(' '))
        .ok_or_else(|| unauth("Authorization header must use the AWS4-HMAC-SHA256 algorithm"))?;
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',').map(str::trim) {
        let slot = match part.split_once('=') {
            Some(("Credential", v)) => (&mut credential, v),
            Some(("SignedHeaders", v)) => (&mut signed_headers, v),
            Some(("Signature", v)) => (&mut signature, v),
            _ => continue,
        };
        // Two `Authorization` headers folded into one by a proxy look like this.
        if slot.0.replace(slot.1).is_some() {
            return Err(AuthError::Malformed("Authorization header must have each of 'Credential', 'SignedHeaders' and 'Signature' once".into()));
        }
    }
    let missing = || unauth("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters");
    let (credential, signed_headers, signature) =
        (credential.ok_or_else(missing)?, signed_headers.ok_or_else(missing)?, signature.ok_or_else(missing)?);
    // Credential=AKID/YYYYMMDD/region/service/aws4_request; the key id itself has no `/`.
    let mut scope = credential.split('/');
    let (Some(access_key), Some(date), Some(region), Some(service), Some("aws4_request"), None) =
        (scope.next(), scope.next(), scope.next(), scope.next(), scope.next(), scope.next())
    else {
        return Err(unauth("Credential must have the form <key>/<date>/<region>/<service>/aws4_request"));
    };
    Ok(Authorization { access_key, date, region, service, signed_headers, signature })
}

/// `YYYYMMDDTHHMMSSZ` → the instant.
fn parse_amz_date(value: &str) -> Option<SystemTime> {
    let b = value.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    if b.len() != 16 || !digits(0..8) || b.get(8) != Some(&b'T') || !digits(9..15) || b.get(15) != Some(&b'Z') {
        return None;
    }
    let rfc3339 = format!(
        "{}-{}-{}T{}:{}:{}Z",
        value.get(0..4)?,
        value.get(4..6)?,
        value.get(6..8)?,
        value.get(9..11)?,
        value.get(11..13)?,
        value.get(13..15)?
    );
    let t = DateTime::parse(&rfc3339, TimestampFormat::DateTime).ok()?;
    UNIX_EPOCH.checked_add(Duration::from_secs(u64::try_from(t.secs()).ok()?))
}

/// Compares without an early exit, so timing does not reveal how much of a guess was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Verifier {
    /// A verifier for `credentials` in `region`, signing name `service`.
    pub fn new(credentials: Credentials, region: String, service: &'static str) -> Self {
        Self { credentials, region, service, signer: Signer::new() }
    }

    /// Checks the request's signature at time `now`.
    pub fn verify(&self, request: &HttpRequest, now: SystemTime) -> Result<(), AuthError> {
        for name in SINGLE_HEADERS {
            if request.headers.get_all(name).nth(1).is_some() {
                return Err(AuthError::Malformed(format!("The request has more than one {name} header")));
            }
        }
        let header = request.headers.get("authorization").ok_or_else(|| {
            AuthError::Unauthenticated("Missing Authentication Token: the request has no Authorization header".into())
        })?;
        let auth = parse_authorization(header)?;
        let denied = |m: String| AuthError::Denied(m);
        if auth.access_key != self.credentials.access_key_id() {
            return Err(denied("The security token included in the request is invalid: unknown access key".into()));
        }
        if auth.region != self.region || auth.service != self.service {
            return Err(denied(format!(
                "Credential should be scoped to region '{}' and service '{}', not '{}' and '{}'",
                self.region, self.service, auth.region, auth.service
            )));
        }
        let amz_date = request.headers.get("x-amz-date").ok_or_else(|| denied("The request has no X-Amz-Date header".into()))?;
        let signed_at = parse_amz_date(amz_date).ok_or_else(|| denied("X-Amz-Date must have the form YYYYMMDDTHHMMSSZ".into()))?;
        if amz_date.get(..8) != Some(auth.date) {
            return Err(denied("The credential scope date does not match X-Amz-Date".into()));
        }
        let skew = now.duration_since(signed_at).unwrap_or_else(|e| e.duration());
        if skew > MAX_SKEW {
            return Err(denied(format!("Signature expired: {amz_date} is more than 15 minutes from the server's time")));
        }

        // The request as the client signed it: only the headers it lists, values as received.
        let mut headers = Headers::new();
        for name in auth.signed_headers.split(';') {
            let mut found = false;
            for value in request.headers.get_all(name) {
                headers.append(name.to_string(), value.to_string());
                found = true;
            }
            if !found {
                return Err(denied(format!("The signed header '{name}' is missing from the request")));
            }
        }
        let mut signed = HttpRequest {
            method: request.method.clone(),
            uri: Uri {
                scheme: "http".into(),
                authority: request.headers.get("host").unwrap_or_default().to_string(),
                path: request.uri.path.clone(),
                query: request.uri.query.clone(),
            },
            headers,
            body: request.body.clone(),
        };
        let settings = SigningSettings::default();
        // Temporary credentials (from STS, IMDS, a container endpoint) sign their session token
        // too; the emulator has no STS to check the token against, so it accepts any token that
        // comes with its own key pair.
        let session;
        let credentials = match request.headers.get("x-amz-security-token") {
            Some(token) => {
                session = Credentials::new(
                    self.credentials.access_key_id(),
                    self.credentials.secret_access_key(),
                    Some(token.to_string()),
                    None,
                    "emulator",
                );
                &session
            }
            None => &self.credentials,
        };
        let params = SigningParams { credentials, region: &self.region, service: self.service, time: signed_at, settings: &settings };
        let details = self
            .signer
            .sign_with_details(&mut signed, &params)
            .map_err(|e| denied(format!("The request cannot be signed: {e}")))?;
        let expected_headers = signed.headers.get("authorization").and_then(|a| a.split("SignedHeaders=").nth(1)).and_then(|s| s.split(',').next());
        if constant_time_eq(details.signature.as_bytes(), auth.signature.as_bytes()) && expected_headers == Some(auth.signed_headers) {
            Ok(())
        } else {
            Err(denied(
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.".into(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verifier() -> Verifier {
        Verifier::new(Credentials::new("AKID", "secret", None, None, "Static"), "us-east-1".into(), "chime")
    }

    fn signed(secret: &str, time: SystemTime) -> HttpRequest {
        let mut request = HttpRequest {
            method: "POST".into(),
            uri: Uri { scheme: "http".into(), authority: "127.0.0.1:9".into(), path: "/app-instances/a%3Ab".into(), query: "x=1&a=%2F".into() },
            headers: Headers::new(),
            body: br#"{"Name":"n"}"#.to_vec(),
        };
        request.headers.insert("content-type", "application/json");
        let credentials = Credentials::new("AKID", secret, None, None, "Static");
        let settings = SigningSettings::default();
        let params = SigningParams { credentials: &credentials, region: "us-east-1", service: "chime", time, settings: &settings };
        client_runtime::__private::sigv4::sign(&mut request, &params).unwrap();
        request
    }

    #[test]
    fn accepts_its_own_signatures_and_refuses_changes() {
        let now = SystemTime::now();
        let v = verifier();
        let good = signed("secret", now);
        assert_eq!(v.verify(&good, now), Ok(()));
        assert!(matches!(v.verify(&signed("wrong", now), now), Err(AuthError::Denied(m)) if m.contains("does not match")));

        let mut body = good.clone();
        body.body = br#"{"Name":"m"}"#.to_vec();
        assert!(matches!(v.verify(&body, now), Err(AuthError::Denied(_))), "a changed body");
        let mut query = good.clone();
        query.uri.query = "x=2&a=%2F".into();
        assert!(matches!(v.verify(&query, now), Err(AuthError::Denied(_))), "a changed query");
        let mut header = good.clone();
        header.headers.insert("content-type", "text/plain");
        assert!(matches!(v.verify(&header, now), Err(AuthError::Denied(_))), "a changed signed header");
        let mut unsigned = good.clone();
        unsigned.headers.insert("user-agent", "anything");
        assert_eq!(v.verify(&unsigned, now), Ok(()), "unsigned headers may change");
    }

    #[test]
    fn missing_malformed_stale_and_foreign_signatures() {
        let now = SystemTime::now();
        let v = verifier();
        let mut none = signed("secret", now);
        none.headers.remove("authorization");
        assert!(matches!(v.verify(&none, now), Err(AuthError::Unauthenticated(_))));
        let mut garbage = signed("secret", now);
        garbage.headers.insert("authorization", "Basic dXNlcjpwYXNz");
        assert!(matches!(v.verify(&garbage, now), Err(AuthError::Unauthenticated(_))));
        let mut partial = signed("secret", now);
        partial.headers.insert("authorization", "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/chime/aws4_request");
        assert!(matches!(v.verify(&partial, now), Err(AuthError::Unauthenticated(_))));

        let old = now - Duration::from_secs(16 * 60);
        assert!(matches!(v.verify(&signed("secret", old), now), Err(AuthError::Denied(m)) if m.contains("expired")));
        let within = now - Duration::from_secs(14 * 60);
        assert_eq!(v.verify(&signed("secret", within), now), Ok(()));

        let other_region = Verifier::new(Credentials::new("AKID", "secret", None, None, "Static"), "eu-west-1".into(), "chime");
        assert!(matches!(other_region.verify(&signed("secret", now), now), Err(AuthError::Denied(m)) if m.contains("region")));
        let other_key = Verifier::new(Credentials::new("OTHER", "secret", None, None, "Static"), "us-east-1".into(), "chime");
        assert!(matches!(other_key.verify(&signed("secret", now), now), Err(AuthError::Denied(m)) if m.contains("unknown access key")));
    }

    #[test]
    fn repeated_signing_headers_and_parameters_are_malformed() {
        let now = SystemTime::now();
        let v = verifier();
        let good = signed("secret", now);
        for name in SINGLE_HEADERS {
            let mut twice = good.clone();
            let value = good.headers.get(name).unwrap_or("x").to_string();
            // The same value twice is refused too: the verifier never picks one of several.
            twice.headers.append(name, value.clone());
            twice.headers.append(name, value);
            assert!(matches!(v.verify(&twice, now), Err(AuthError::Malformed(m)) if m.contains(name)), "{name}");
        }
        let authorization = good.headers.get("authorization").unwrap().to_string();
        let mut folded = good.clone();
        // How a proxy folds two `Authorization` lines into one.
        folded.headers.insert("authorization", format!("{authorization}, {authorization}"));
        assert!(matches!(v.verify(&folded, now), Err(AuthError::Malformed(_))), "two signatures in one header");
        assert_eq!(v.verify(&good, now), Ok(()));
    }

    #[test]
    fn amz_dates() {
        assert_eq!(parse_amz_date("20150830T123600Z"), UNIX_EPOCH.checked_add(Duration::from_secs(1_440_938_160)));
        for bad in ["", "20150830T123600", "2015-08-30T12:36:00Z", "20151330T123600Z", "2015083OT123600Z", "20150830T1236ééZ"] {
            assert_eq!(parse_amz_date(bad), None, "{bad}");
        }
    }
}
