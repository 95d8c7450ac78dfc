//! The default credentials chain in the SDKs' order, cached.

use client_runtime::credentials::{describe, CachedProvider, Credentials, CredentialsError, EnvironmentProvider, ProvideCredentials, ProvideFuture};

use crate::profile::ProfileProvider;
use crate::web_identity::WebIdentityProvider;
use crate::ChainConfig;

/// Environment, profile, web identity, container, IMDS — each tried only when the previous one
/// was not configured ("not loaded"); the first configured provider's credentials or error is the
/// answer. When none is configured the error lists what each one found, and is itself "not
/// loaded". Not cached by itself; [`DefaultCredentialsChain::cached`] wraps it (the client's
/// `Config` caches any provider it is given).
#[derive(Debug)]
pub struct DefaultCredentialsChain {
    links: Vec<(&'static str, Box<dyn ProvideCredentials>)>,
}

impl DefaultCredentialsChain {
    /// The chain over `config`.
    pub fn new(config: ChainConfig) -> Self {
        #[cfg_attr(not(any(feature = "container", feature = "imds")), allow(unused_mut))]
        let mut links: Vec<(&'static str, Box<dyn ProvideCredentials>)> = vec![
            ("environment", Box::new(EnvironmentProvider::with_env(config.env.clone()))),
            ("profile", Box::new(ProfileProvider::new(config.clone()))),
            ("web identity", Box::new(WebIdentityProvider::new(config.clone()))),
        ];
        #[cfg(feature = "container")]
        links.push(("container", Box::new(crate::container::ContainerProvider::new(config.clone()))));
        #[cfg(feature = "imds")]
        links.push(("IMDS", Box::new(crate::imds::ImdsProvider::new(config.clone()))));
        let _ = &config;
        Self { links }
    }

    /// The chain over the process environment and the real files.
    pub fn from_env() -> Self {
        Self::new(ChainConfig::new())
    }

    /// This chain behind the runtime's cache (refresh before expiry, single flight).
    pub fn cached(self) -> CachedProvider<Self> {
        CachedProvider::new(self)
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        let mut reasons = Vec::new();
        for (name, provider) in &self.links {
            match provider.provide_credentials().await {
                Ok(credentials) => {
                    tracing::debug!(provider = name, "credentials loaded");
                    return Ok(credentials);
                }
                Err(e) if e.is_not_loaded() => {
                    let reason = describe(&e);
                    tracing::debug!(provider = name, reason, "provider not configured");
                    reasons.push(format!("{name}: {reason}"));
                }
                Err(e) => return Err(CredentialsError::with_source(format!("{name} provider failed"), e)),
            }
        }
        Err(CredentialsError::not_loaded(format!(
            "no credentials: no provider in the default chain was configured ({})",
            reasons.join("; ")
        )))
    }
}

impl Default for DefaultCredentialsChain {
    fn default() -> Self {
        Self::from_env()
    }
}

impl ProvideCredentials for DefaultCredentialsChain {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(self.load())
    }
}
