//! The SigV4 signing key (kDate → kRegion → kService → kSigning) and the small cache that lets
//! every request of a day reuse it instead of computing four HMACs again.

use ring::hmac;
use std::fmt;
use std::sync::{Mutex, PoisonError};

/// How many (day, region, service, secret) keys a cache keeps. A client signs for one region and
/// service; a few slots cover a shared signer and the day boundary without any eviction policy.
const CAPACITY: usize = 4;

/// Derives the signing key for `date` (`YYYYMMDD`), region and service from a secret access key.
/// Returns the raw kSigning bytes.
fn derive_signing_key(secret: &str, date: &str, region: &str, service: &str) -> hmac::Tag {
    let mut k_secret = Vec::with_capacity(4 + secret.len());
    k_secret.extend_from_slice(b"AWS4");
    k_secret.extend_from_slice(secret.as_bytes());
    let k_date = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &k_secret), date.as_bytes());
    // Best effort: do not leave a copy of the secret in freed memory.
    k_secret.fill(0);
    let k_region = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, k_date.as_ref()), region.as_bytes());
    let k_service = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, k_region.as_ref()), service.as_bytes());
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, k_service.as_ref()), b"aws4_request")
}

fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> hmac::Key {
    hmac::Key::new(hmac::HMAC_SHA256, derive_signing_key(secret, date, region, service).as_ref())
}

struct Entry {
    date: [u8; 8],
    /// SHA-256 of the secret: identifies the credentials without keeping a copy of the secret.
    secret_digest: [u8; 32],
    region: String,
    service: String,
    key: hmac::Key,
}

/// Signing keys already derived, most recent last.
#[derive(Default)]
pub(super) struct KeyCache {
    entries: Mutex<Vec<Entry>>,
}

impl KeyCache {
    /// The signing key for these inputs, derived only when no cached entry matches. `date` is
    /// the 8-byte `YYYYMMDD` prefix of the request's `X-Amz-Date`.
    /// `secret_digest` is the SHA-256 of `secret` (kept with the credentials).
    pub(super) fn get(&self, secret: &str, secret_digest: &[u8; 32], date: &[u8; 8], region: &str, service: &str) -> hmac::Key {
        let matches = |e: &Entry| {
            e.date == *date && e.secret_digest == *secret_digest && e.region == region && e.service == service
        };
        // No code panics while holding the lock, so a poisoned cache is still consistent.
        if let Some(e) = self.entries.lock().unwrap_or_else(PoisonError::into_inner).iter().find(|e| matches(e)) {
            return e.key.clone();
        }
        let key = signing_key(secret, date_str(date), region, service);
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if !entries.iter().any(matches) {
            if entries.len() >= CAPACITY {
                entries.remove(0);
            }
            entries.push(Entry {
                date: *date,
                secret_digest: *secret_digest,
                region: region.to_string(),
                service: service.to_string(),
                key: key.clone(),
            });
        }
        key
    }

    /// Number of keys held.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

/// Derives without caching (the free functions [`super::sign`] and [`super::presign`]).
pub(super) fn uncached(secret: &str, date: &[u8; 8], region: &str, service: &str) -> hmac::Key {
    signing_key(secret, date_str(date), region, service)
}

fn date_str(date: &[u8; 8]) -> &str {
    // Built from ASCII digits by `AmzDate`; the fallback is unreachable but must not panic.
    std::str::from_utf8(date).unwrap_or_default()
}

impl fmt::Debug for KeyCache {
    // Only the scopes: the keys are secret-derived.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_list()
            .entries(entries.iter().map(|e| format!("{}/{}/{}", date_str(&e.date), e.region, e.service)))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn derivation_matches_the_documented_example() {
        // The worked example of AWS's SigV4 documentation ("Calculate the signature").
        let key = derive_signing_key(SECRET, "20120215", "us-east-1", "iam");
        assert_eq!(hex(key.as_ref()), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
    }

    #[test]
    fn every_input_changes_the_key() {
        let base = hex(derive_signing_key(SECRET, "20150830", "us-east-1", "service").as_ref());
        for other in [
            derive_signing_key(SECRET, "20150831", "us-east-1", "service"),
            derive_signing_key(SECRET, "20150830", "us-west-2", "service"),
            derive_signing_key(SECRET, "20150830", "us-east-1", "chime"),
            derive_signing_key("other-secret", "20150830", "us-east-1", "service"),
        ] {
            assert_ne!(hex(other.as_ref()), base);
        }
    }

    fn digest_of(secret: &str) -> [u8; 32] {
        let mut d = [0u8; 32];
        d.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, secret.as_bytes()).as_ref());
        d
    }

    #[test]
    fn cache_reuses_and_bounds_entries() {
        let cache = KeyCache::default();
        for _ in 0..3 {
            cache.get(SECRET, &digest_of(SECRET), b"20150830", "us-east-1", "service");
        }
        assert_eq!(cache.len(), 1);
        cache.get("rotated", &digest_of("rotated"), b"20150830", "us-east-1", "service");
        assert_eq!(cache.len(), 2, "a different secret is a different key");
        for day in [b"20150901", b"20150902", b"20150903", b"20150904"] {
            cache.get(SECRET, &digest_of(SECRET), day, "us-east-1", "service");
        }
        assert_eq!(cache.len(), CAPACITY);
    }

    #[test]
    fn debug_shows_scopes_only() {
        let cache = KeyCache::default();
        cache.get(SECRET, &digest_of(SECRET), b"20150830", "us-east-1", "service");
        let s = format!("{cache:?}");
        assert_eq!(s, r#"["20150830/us-east-1/service"]"#);
    }
}
