//! AWS credentials: the value, the provider trait, and the providers (static, environment,
//! shared profile files, the default chain, and a cache that refreshes before expiry).

mod cache;
mod chain;
mod env;
mod profile;

#[cfg(feature = "aws-credential-types")]
mod aws_types;

#[cfg(feature = "aws-credential-types")]
pub use aws_types::AwsSdkProvider;
pub use cache::{CachedProvider, DEFAULT_REFRESH_BUFFER};
pub use chain::{ChainProvider, DefaultChain};
pub use env::EnvironmentProvider;
pub use profile::ProfileProvider;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

/// An access key pair, with an optional session token and expiry. `Debug` never shows secrets.
///
/// Cloning is cheap (the parts are shared): every request takes a copy from the provider.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials(Arc<Parts>);

#[derive(PartialEq, Eq)]
struct Parts {
    access_key_id: String,
    secret_access_key: String,
    /// SHA-256 of the secret, computed once: the signer's key cache identifies credentials by
    /// it without hashing the secret on every request or keeping a copy of it.
    secret_digest: [u8; 32],
    session_token: Option<String>,
    expiry: Option<SystemTime>,
    provider_name: &'static str,
    /// The AWS account the credentials belong to, when the source says so.
    account_id: Option<String>,
}

/// Secrets are wiped from memory when the last clone goes, so they do not linger in freed heap
/// blocks (`zeroize` writes cannot be optimised away).
impl Drop for Parts {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.secret_access_key.zeroize();
        self.secret_digest.zeroize();
        if let Some(token) = &mut self.session_token {
            token.zeroize();
        }
    }
}

impl Credentials {
    /// Credentials from their parts, as the AWS SDK for Rust spells it: the key pair, an
    /// optional session token, an optional expiry, and the name of the provider that made
    /// them (shown in `Debug` and errors).
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
        expires_after: Option<SystemTime>,
        provider_name: &'static str,
    ) -> Self {
        let secret_access_key = secret_access_key.into();
        let mut secret_digest = [0u8; 32];
        secret_digest.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, secret_access_key.as_bytes()).as_ref());
        Self(Arc::new(Parts {
            access_key_id: access_key_id.into(),
            secret_access_key,
            secret_digest,
            session_token,
            expiry: expires_after,
            provider_name,
            account_id: None,
        }))
    }

    /// Static credentials from a key pair, for tests and examples.
    pub fn from_keys(access_key_id: impl Into<String>, secret_access_key: impl Into<String>, session_token: Option<String>) -> Self {
        Self::new(access_key_id, secret_access_key, session_token, None, "Static")
    }

    /// The name of the provider that made these credentials.
    pub fn provider_name(&self) -> &'static str {
        self.0.provider_name
    }

    /// The same credentials, labelled with the account they belong to.
    pub fn with_account_id(self, account_id: impl Into<String>) -> Self {
        let p = &self.0;
        Self(Arc::new(Parts {
            access_key_id: p.access_key_id.clone(),
            secret_access_key: p.secret_access_key.clone(),
            secret_digest: p.secret_digest,
            session_token: p.session_token.clone(),
            expiry: p.expiry,
            provider_name: p.provider_name,
            account_id: Some(account_id.into()),
        }))
    }

    /// The account the credentials belong to, when their source said.
    pub fn account_id(&self) -> Option<&str> {
        self.0.account_id.as_deref()
    }

    /// The SHA-256 of the secret access key.
    pub(crate) fn secret_digest(&self) -> &[u8; 32] {
        &self.0.secret_digest
    }

    /// The access key id (not secret, but still not printed in full by `Debug`).
    pub fn access_key_id(&self) -> &str {
        &self.0.access_key_id
    }

    /// The secret access key.
    pub fn secret_access_key(&self) -> &str {
        &self.0.secret_access_key
    }

    /// The session token of temporary credentials.
    pub fn session_token(&self) -> Option<&str> {
        self.0.session_token.as_deref()
    }

    /// When these credentials stop working, if they expire.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.0.expiry
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &"** redacted **")
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &self.0.session_token.as_ref().map(|_| "** redacted **"),
            )
            .field("expiry", &self.0.expiry)
            .field("provider_name", &self.0.provider_name)
            .field("account_id", &self.0.account_id)
            .finish()
    }
}

/// Why credentials could not be provided.
#[derive(Debug)]
pub struct CredentialsError {
    message: String,
    not_loaded: bool,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl CredentialsError {
    /// An error with a message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            not_loaded: false,
            source: None,
        }
    }

    /// The provider is not configured at all here (its variables, profile keys or service are
    /// absent), as opposed to configured and failing. A chain moves on to its next provider
    /// only after this kind of error, as the AWS SDKs' default chain does.
    pub fn not_loaded(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            not_loaded: true,
            source: None,
        }
    }

    /// Whether this is a [`CredentialsError::not_loaded`] error.
    pub fn is_not_loaded(&self) -> bool {
        self.not_loaded
    }

    /// An error with a message and an underlying cause.
    pub fn with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            message: message.into(),
            not_loaded: false,
            source: Some(source.into()),
        }
    }
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CredentialsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as _)
    }
}

/// The future returned by [`ProvideCredentials::provide_credentials`].
pub type ProvideFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Credentials, CredentialsError>> + Send + 'a>>;

/// Something that can produce credentials, possibly asynchronously. Implement it for a custom
/// source; wrap it in a cache so it is not asked on every request.
pub trait ProvideCredentials: Send + Sync + fmt::Debug {
    /// Produces credentials.
    fn provide_credentials(&self) -> ProvideFuture<'_>;
}

impl ProvideCredentials for Credentials {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        let creds = self.clone();
        Box::pin(async move { Ok(creds) })
    }
}

/// Lets one provider (typically a [`CachedProvider`]) be shared by several clients.
impl<P: ProvideCredentials + ?Sized> ProvideCredentials for Arc<P> {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        (**self).provide_credentials()
    }
}

/// A credentials provider behind an `Arc`, cheap to clone and share between clients (the AWS
/// SDK for Rust's `SharedCredentialsProvider`).
#[derive(Clone, Debug)]
pub struct SharedCredentialsProvider(Arc<dyn ProvideCredentials>);

impl SharedCredentialsProvider {
    /// Shares `provider`.
    pub fn new(provider: impl ProvideCredentials + 'static) -> Self {
        Self(Arc::new(provider))
    }
}

impl ProvideCredentials for SharedCredentialsProvider {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        self.0.provide_credentials()
    }
}

/// A message for `err` followed by its chain of causes, `: `-separated, so a provider's reason
/// survives being listed in a chain's error.
pub fn describe(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_their_parts_and_compare_by_value() {
        let a = Credentials::new("AKID", "SECRET", Some("TOKEN".into()), None, "Static");
        let b = a.clone();
        // A clone per request must not copy the strings.
        assert_eq!(a.secret_access_key().as_ptr(), b.secret_access_key().as_ptr());
        assert_eq!(a.session_token().map(str::as_ptr), b.session_token().map(str::as_ptr));
        let separate = Credentials::new("AKID", "SECRET", Some("TOKEN".into()), None, "Static");
        assert_eq!(a, separate);
        assert_ne!(a, Credentials::new("AKID", "OTHER", Some("TOKEN".into()), None, "Static"));
    }
}
