//! SigV4 for the messages of an input event stream: each message is wrapped in a message whose
//! `:date` and `:chunk-signature` headers sign it, chained to the signature before it (the
//! request's own signature for the first), and the stream ends with a signed empty message.
//! The string to sign is the one AWS documents for Transcribe streaming:
//!
//! ```text
//! AWS4-HMAC-SHA256-PAYLOAD
//! <time, YYYYMMDDTHHMMSSZ>
//! <date>/<region>/<service>/aws4_request
//! <previous signature, hex>
//! <hex SHA-256 of the encoded `:date` header>
//! <hex SHA-256 of the payload (the encoded inner message)>
//! ```

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ring::{digest, hmac};

use super::{key, AmzDate, Hex64, SigningError};
use crate::credentials::Credentials;
use crate::eventstream::{Header, HeaderValue, Message};

/// The payload hash of a request whose body is a signed event stream (sent as
/// `x-amz-content-sha256` and signed as the request's payload hash).
pub const EVENT_STREAM_PAYLOAD_HASH: &str = "STREAMING-AWS4-HMAC-SHA256-EVENTS";

const EVENT_ALGORITHM: &str = "AWS4-HMAC-SHA256-PAYLOAD";

/// Signs the messages of one input event stream, in order.
pub struct EventSigner {
    credentials: Credentials,
    region: String,
    service: String,
    /// The last signature made (at first the request's).
    previous: [u8; 32],
    /// The signing key of the day last signed for.
    key: Option<([u8; 8], hmac::Key)>,
}

impl fmt::Debug for EventSigner {
    // The credentials stay out of it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventSigner")
            .field("region", &self.region)
            .field("service", &self.service)
            .field("previous", &Hex64::new(&self.previous).as_str())
            .finish_non_exhaustive()
    }
}

impl EventSigner {
    /// A signer whose first message is chained to `seed`, the hex signature of the request
    /// that carries the stream.
    pub fn new(credentials: Credentials, region: impl Into<String>, service: impl Into<String>, seed: &str) -> Result<Self, SigningError> {
        let previous = decode_hex32(seed).ok_or(SigningError::InvalidSeedSignature)?;
        let (region, service) = (region.into(), service.into());
        if !scope_part(&region) || !scope_part(&service) {
            return Err(SigningError::InvalidScope);
        }
        Ok(Self { credentials, region, service, previous, key: None })
    }

    /// [`EventSigner::new`] seeded from the `Signature=` of a signed request's `authorization`
    /// header.
    pub fn from_authorization(credentials: Credentials, region: impl Into<String>, service: impl Into<String>, authorization: &str) -> Result<Self, SigningError> {
        let seed = authorization
            .split(',')
            .find_map(|part| part.trim().strip_prefix("Signature="))
            .ok_or(SigningError::InvalidSeedSignature)?;
        Self::new(credentials, region, service, seed)
    }

    /// The hex signature the next message will be chained to (the last one made).
    pub fn previous_signature(&self) -> String {
        Hex64::new(&self.previous).as_str().to_string()
    }

    /// The signed wrapper of `payload` (an encoded message; empty for the end of the stream)
    /// at `time`, which is truncated to whole seconds (the `:date` header must match the
    /// signed time, which has no fraction).
    pub fn sign(&mut self, payload: &[u8], time: SystemTime) -> Result<Message, SigningError> {
        let secs = time.duration_since(UNIX_EPOCH).map_err(|_| SigningError::TimeBeforeEpoch)?.as_secs();
        let date = AmzDate::new(UNIX_EPOCH + Duration::from_secs(secs))?;
        let millis = i64::try_from(secs).ok().and_then(|s| s.checked_mul(1000)).ok_or(SigningError::TimeOutOfRange)?;
        let sts = string_to_sign(&date, &self.region, &self.service, &self.previous, millis, payload);
        let day = date.date();
        let key = match &self.key {
            Some((cached, key)) if *cached == day => key.clone(),
            _ => {
                let key = key::uncached(self.credentials.secret_access_key(), &day, &self.region, &self.service);
                self.key = Some((day, key.clone()));
                key
            }
        };
        let tag = hmac::sign(&key, sts.as_bytes());
        self.previous.copy_from_slice(tag.as_ref());
        Ok(Message::new(payload.to_vec())
            .header(":date", HeaderValue::Timestamp(millis))
            .header(":chunk-signature", HeaderValue::ByteArray(tag.as_ref().to_vec())))
    }
}

/// The string to sign of one message (see the module documentation).
fn string_to_sign(date: &AmzDate, region: &str, service: &str, previous: &[u8; 32], millis: i64, payload: &[u8]) -> String {
    let mut date_header = Vec::with_capacity(15);
    let header = Header { name: ":date".into(), value: HeaderValue::Timestamp(millis) };
    // A fixed-size header: the name is short and the value has no length limit to break.
    let _ = crate::eventstream::frame::write_header(&header, &mut date_header);
    let mut sts = String::with_capacity(300);
    sts.push_str(EVENT_ALGORITHM);
    sts.push('\n');
    sts.push_str(date.as_str());
    sts.push('\n');
    sts.push_str(date.date_str());
    sts.push('/');
    sts.push_str(region);
    sts.push('/');
    sts.push_str(service);
    sts.push_str("/aws4_request\n");
    sts.push_str(Hex64::new(previous).as_str());
    sts.push('\n');
    sts.push_str(Hex64::new(digest::digest(&digest::SHA256, &date_header).as_ref()).as_str());
    sts.push('\n');
    sts.push_str(Hex64::new(digest::digest(&digest::SHA256, payload).as_ref()).as_str());
    sts
}

fn scope_part(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn decode_hex32(hex: &str) -> Option<[u8; 32]> {
    let hex = hex.as_bytes();
    if hex.len() != 64 {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        *byte = (digit(pair[0])? << 4) | digit(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eventstream::encode;

    fn sha256_hex(bytes: &[u8]) -> String {
        Hex64::new(digest::digest(&digest::SHA256, bytes).as_ref()).as_str().to_string()
    }

    fn vector_message() -> Vec<u8> {
        encode(&Message::new(b"test payload".to_vec()).header("some-header", HeaderValue::String("value".into()))).unwrap()
    }

    /// 1973-11-29T21:33:09.000001234Z: the fraction must not reach the signature.
    fn vector_time() -> SystemTime {
        UNIX_EPOCH + Duration::new(123_456_789, 1234)
    }

    #[test]
    fn string_to_sign_matches_the_published_vector() {
        // smithy-rs aws-sigv4 `event_stream::tests::string_to_sign`.
        let previous = decode_hex32(&sha256_hex(b"last message sts")).unwrap();
        let date = AmzDate::new(UNIX_EPOCH + Duration::from_secs(123_456_789)).unwrap();
        let sts = string_to_sign(&date, "us-east-1", "testservice", &previous, 123_456_789_000, &vector_message());
        let expected = "AWS4-HMAC-SHA256-PAYLOAD\n\
                        19731129T213309Z\n\
                        19731129/us-east-1/testservice/aws4_request\n\
                        be1f8c7d79ef8e1abc5254a2c70e4da3bfaf4f07328f527444e1fc6ea67273e2\n\
                        0c0e3b3bf66b59b976181bd7d401927bbd624107303c713fd1e5f3d3c8dd1b1e\n\
                        f2eba0f2e95967ee9fbc6db5e678d2fd599229c0d04b11e4fc8e0f2a02a806c6";
        assert_eq!(sts, expected);
    }

    #[test]
    fn signature_matches_the_published_vector() {
        // smithy-kotlin `EventStreamSigningTest.testSignPayload`.
        let credentials = Credentials::from_keys("fake access key", "fake secret key", None);
        let mut signer = EventSigner::new(credentials, "us-east-1", "testservice", &sha256_hex(b"last message sts")).unwrap();
        let payload = vector_message();
        let signed = signer.sign(&payload, vector_time()).unwrap();
        let expected = "1ea04a4f6becd85ae3e38e379ffaf4bb95042603f209512476cc6416868b31ee";
        assert_eq!(signer.previous_signature(), expected);
        assert_eq!(signed.get(":date"), Some(&HeaderValue::Timestamp(123_456_789_000)));
        let Some(HeaderValue::ByteArray(sig)) = signed.get(":chunk-signature") else { panic!("{signed:?}") };
        assert_eq!(Hex64::new(sig).as_str(), expected);
        assert_eq!(signed.payload, payload);
        assert_eq!(signed.headers.len(), 2);
    }

    #[test]
    fn signatures_chain_and_the_key_follows_the_day() {
        let credentials = Credentials::from_keys("AKID", "secret", None);
        let seed = sha256_hex(b"request");
        let mut signer = EventSigner::new(credentials.clone(), "us-west-2", "transcribe", &seed).unwrap();
        let day_end = UNIX_EPOCH + Duration::from_secs(86_400 * 20_000 - 1);
        let first = signer.sign(b"one", day_end).unwrap();
        let after_first = signer.previous_signature();
        let second = signer.sign(b"", day_end + Duration::from_secs(1)).unwrap();
        // Recomputed from scratch: each signature covers the one before it, with the key of
        // its own day.
        let mut previous = decode_hex32(&seed).unwrap();
        for (message, time) in [(&first, day_end), (&second, day_end + Duration::from_secs(1))] {
            let date = AmzDate::new(time).unwrap();
            let Some(HeaderValue::Timestamp(ms)) = message.get(":date") else { panic!() };
            let sts = string_to_sign(&date, "us-west-2", "transcribe", &previous, *ms, &message.payload);
            let key = key::uncached("secret", &date.date(), "us-west-2", "transcribe");
            let tag = hmac::sign(&key, sts.as_bytes());
            assert_eq!(message.get(":chunk-signature"), Some(&HeaderValue::ByteArray(tag.as_ref().to_vec())));
            previous.copy_from_slice(tag.as_ref());
        }
        assert_ne!(after_first, signer.previous_signature());
        assert!(second.payload.is_empty());
    }

    #[test]
    fn the_seed_comes_from_the_authorization_header_and_bad_seeds_are_refused() {
        let credentials = Credentials::from_keys("AKID", "secret", None);
        let seed = sha256_hex(b"x");
        let auth = format!("AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/svc/aws4_request, SignedHeaders=host;x-amz-date, Signature={seed}");
        let signer = EventSigner::from_authorization(credentials.clone(), "us-east-1", "svc", &auth).unwrap();
        assert_eq!(signer.previous_signature(), seed);
        for bad in ["", "abc", &"g".repeat(64), &format!("{seed}00")] {
            assert_eq!(EventSigner::new(credentials.clone(), "us-east-1", "svc", bad).unwrap_err(), SigningError::InvalidSeedSignature);
        }
        assert!(EventSigner::from_authorization(credentials.clone(), "us-east-1", "svc", "AWS4-HMAC-SHA256 Credential=x").is_err());
        assert_eq!(EventSigner::new(credentials, "us/east", "svc", &seed).unwrap_err(), SigningError::InvalidScope);
    }
}
