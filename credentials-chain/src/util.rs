//! Small shared pieces: the JSON credential documents (container endpoint, IMDS, credential
//! process) and timestamps.

use std::time::SystemTime;

use client_runtime::credentials::{Credentials, CredentialsError};
use client_runtime::document::Document;
use client_runtime::__private::json::JsonReader;
use client_runtime::time::{DateTime, TimestampFormat};

/// Parses a JSON object; the error names `what` and never echoes the input (it holds secrets).
pub(crate) fn json_object(bytes: &[u8], what: &str) -> Result<std::collections::BTreeMap<String, Document>, CredentialsError> {
    let mut reader = JsonReader::new(bytes);
    let doc = reader.document().and_then(|d| reader.finish().map(|()| d));
    match doc {
        Ok(Document::Object(map)) => Ok(map),
        Ok(_) => Err(CredentialsError::new(format!("{what}: invalid JSON in response: expected an object"))),
        Err(e) => Err(CredentialsError::new(format!("{what}: invalid JSON in response: {} at byte {}", e.message(), e.offset()))),
    }
}

/// An RFC 3339 timestamp (`2009-02-13T23:31:30Z`, or with an offset).
pub(crate) fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let dt = DateTime::parse(text.trim(), TimestampFormat::DateTime).ok()?;
    SystemTime::try_from(dt).ok()
}

/// The credentials of a JSON document with the given member names (`AccessKeyId`,
/// `SecretAccessKey`, `Token`/`SessionToken`, `Expiration`, `AccountId`).
#[cfg_attr(not(any(feature = "process", feature = "imds", feature = "container")), allow(dead_code))]
pub(crate) struct Members<'a> {
    pub(crate) token: &'a str,
    pub(crate) expiration_required: bool,
    /// The provider's name for `Credentials::provider_name`.
    pub(crate) provider: &'static str,
}

#[cfg_attr(not(any(feature = "process", feature = "imds", feature = "container")), allow(dead_code))]
pub(crate) fn credentials_from_json(
    map: &std::collections::BTreeMap<String, Document>,
    members: Members<'_>,
    what: &str,
) -> Result<Credentials, CredentialsError> {
    let text = |key: &str| map.get(key).and_then(Document::as_str).filter(|v| !v.is_empty());
    let require = |key: &str| text(key).ok_or_else(|| CredentialsError::new(format!("{what}: the response has no `{key}`")));
    let id = require("AccessKeyId")?;
    let secret = require("SecretAccessKey")?;
    let expiry = match text("Expiration") {
        Some(e) => Some(parse_rfc3339(e).ok_or_else(|| {
            CredentialsError::new(format!("{what}: `Expiration` is not an RFC 3339 timestamp: {e:?}"))
        })?),
        None if members.expiration_required => {
            return Err(CredentialsError::new(format!("{what}: the response has no `Expiration`")))
        }
        None => None,
    };
    let creds = Credentials::new(id, secret, text(members.token).map(str::to_string), expiry, members.provider);
    Ok(match text("AccountId") {
        Some(account) => creds.with_account_id(account),
        None => creds,
    })
}
