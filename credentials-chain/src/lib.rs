//! The AWS SDKs' default credentials chain and region chain for clients built on
//! `smithy-lite-runtime`, in the order and with the semantics of aws-config's
//! `DefaultCredentialsChain`:
//!
//! 1. environment variables ([`client_runtime::credentials::EnvironmentProvider`]);
//! 2. the selected profile ([`ProfileProvider`]): static keys, `role_arn` with `source_profile`
//!    or `credential_source`, `web_identity_token_file`, IAM Identity Center (`sso_session` and
//!    legacy `sso_*`), `credential_process`;
//! 3. web identity from `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN` ([`WebIdentityProvider`]);
//! 4. ECS task roles and EKS Pod Identity ([`ContainerProvider`]);
//! 5. EC2 instance metadata, IMDSv2 ([`ImdsProvider`]).
//!
//! A provider that is not configured at all answers "not loaded" and the chain moves on; one that
//! is configured and fails ends the chain with its error, as in the SDKs. Each provider is
//! usable alone. The STS and SSO calls go through the [`Federation`] trait. Its default,
//! [`GeneratedClients`], makes them with the STS, SSO and SSO-OIDC clients this project
//! generates, each behind a feature so that a consumer who needs neither pays for neither:
//! `sts` (profile roles and web identity; brings the XML reader) and `sso` (IAM Identity Center).

mod chain;
mod clients;
#[cfg(feature = "container")]
mod container;
mod federation;
mod fs;
#[cfg(feature = "imds")]
mod imds;
#[cfg(feature = "process")]
mod process;
mod profile;
mod region;
mod sso;
mod util;
mod web_identity;

pub use chain::DefaultCredentialsChain;
pub use clients::GeneratedClients;
#[cfg(feature = "container")]
pub use container::ContainerProvider;
pub use federation::{
    AssumeRoleInput, AssumeRoleWithWebIdentityInput, CallFuture, CreateTokenInput, Federation, GetRoleCredentialsInput,
    ServiceConfig, SsoToken,
};
pub use fs::Fs;
#[cfg(feature = "imds")]
pub use imds::{EndpointMode, ImdsClient, ImdsError, ImdsProvider};
#[cfg(feature = "process")]
pub use process::CredentialProcessProvider;
pub use profile::{BaseProvider, ProfileChain, ProfileProvider, RoleStep};
pub use region::{default_region, RegionChain};
pub use sso::{sso_token_cache_file, SsoProvider};
pub use web_identity::WebIdentityProvider;

use std::fmt;
use std::sync::Arc;

use client_runtime::clock::{SystemClock, TimeSource};
use client_runtime::http::HttpClient;
use client_runtime::profile::{Env, ProfileError, ProfileSet};

/// What every provider of the chain shares: where settings come from (environment, files), how
/// to reach the network, the clock, and the client for the STS/SSO calls. Cheap to clone.
#[derive(Clone)]
pub struct ChainConfig {
    pub(crate) env: Env,
    pub(crate) fs: Fs,
    http: Option<Arc<dyn HttpClient>>,
    /// The built-in transport, made on first use and shared by every provider and clone, so
    /// they share its connection pool.
    default_http: Arc<std::sync::OnceLock<Arc<dyn HttpClient>>>,
    pub(crate) time: Arc<dyn TimeSource>,
    pub(crate) profile_name: Option<String>,
    pub(crate) federation: Arc<dyn Federation>,
}

impl Default for ChainConfig {
    fn default() -> Self {
        Self {
            env: Env::process(),
            fs: Fs::real(),
            http: None,
            default_http: Arc::default(),
            time: Arc::new(SystemClock),
            profile_name: None,
            federation: Arc::new(GeneratedClients),
        }
    }
}

impl fmt::Debug for ChainConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChainConfig")
            .field("env", &self.env)
            .field("fs", &self.fs)
            .field("profile_name", &self.profile_name)
            .field("federation", &self.federation)
            .finish_non_exhaustive()
    }
}

impl ChainConfig {
    /// The process environment, the real file system, the built-in HTTP transport.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads variables from `env` instead of the process.
    pub fn env(mut self, env: Env) -> Self {
        self.env = env;
        self
    }

    /// Reads files through `fs`.
    pub fn fs(mut self, fs: Fs) -> Self {
        self.fs = fs;
        self
    }

    /// Sends requests (IMDS, container endpoint, and the STS/SSO calls) through `client`.
    pub fn http_client(mut self, client: impl HttpClient + 'static) -> Self {
        self.http = Some(Arc::new(client));
        self
    }

    /// [`ChainConfig::http_client`] with a client shared with other code.
    pub fn shared_http_client(mut self, client: Arc<dyn HttpClient>) -> Self {
        self.http = Some(client);
        self
    }

    /// Reads the time from `time`.
    pub fn time_source(mut self, time: Arc<dyn TimeSource>) -> Self {
        self.time = time;
        self
    }

    /// Uses this profile whatever `AWS_PROFILE` says.
    pub fn profile_name(mut self, name: impl Into<String>) -> Self {
        self.profile_name = Some(name.into());
        self
    }

    /// Makes the STS, SSO and SSO-OIDC calls through `federation`.
    pub fn federation(mut self, federation: impl Federation + 'static) -> Self {
        self.federation = Arc::new(federation);
        self
    }

    /// [`ChainConfig::federation`] with one shared with other code.
    pub fn shared_federation(mut self, federation: Arc<dyn Federation>) -> Self {
        self.federation = federation;
        self
    }

    /// The HTTP client, the built-in transport unless one was given.
    pub(crate) fn http(&self) -> Arc<dyn HttpClient> {
        match &self.http {
            Some(http) => http.clone(),
            None => self.default_http.get_or_init(|| Arc::new(client_runtime::transport::Transport::new())).clone(),
        }
    }

    /// Reads and parses the shared files, with the selected profile.
    pub(crate) fn profiles(&self) -> Result<ProfileSet, ProfileError> {
        let fs = self.fs.clone();
        let set = ProfileSet::load_with(&self.env, &move |p| fs.read(p))?;
        Ok(match &self.profile_name {
            Some(name) => set.with_selected(name.clone()),
            None => set,
        })
    }
}

/// Replaces the runtime's default credentials (environment and static profile keys), when
/// `config` still has the ones [`client_runtime::config::Config::from_env`] chose, by
/// [`DefaultCredentialsChain`] over the same environment. Explicitly set credentials are kept.
/// Generated clients call this from `Client::from_conf` when their `default-chain` feature is on.
pub fn with_default_chain(config: client_runtime::config::Config) -> client_runtime::config::Config {
    match config.default_credentials_env() {
        Some(env) => {
            let chain = DefaultCredentialsChain::new(ChainConfig::new().env(env.clone()));
            config.to_builder().credentials_provider(chain).build()
        }
        None => config,
    }
}

/// [`client_runtime::config::Config::from_env_for`] with the whole default chains: credentials
/// from [`DefaultCredentialsChain`], and the region from the environment, the profile, then
/// IMDS (asked only when the first two set none).
pub async fn load_config(
    service: &client_runtime::client::ServiceInfo,
) -> Result<client_runtime::config::Config, client_runtime::config::ConfigError> {
    load_config_with(ChainConfig::new(), service).await
}

/// [`load_config`] over `chain` (its environment, files and HTTP client).
pub async fn load_config_with(
    chain: ChainConfig,
    service: &client_runtime::client::ServiceInfo,
) -> Result<client_runtime::config::Config, client_runtime::config::ConfigError> {
    let regions = RegionChain::new(chain.clone());
    let fallback = match regions.local() {
        Some(_) => None,
        None => regions.region().await,
    };
    let config = client_runtime::config::Config::load_with_region_fallback(&chain.env, service.env_suffix, fallback)?;
    let provider = DefaultCredentialsChain::new(chain);
    Ok(config.to_builder().credentials_provider(provider).build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_providers_shows_no_secret_values() {
        let env = Env::from_map([
            ("AWS_SECRET_ACCESS_KEY", "ENVSECRET"),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "AUTHSECRET"),
            ("AWS_SESSION_TOKEN", "SESSIONSECRET"),
        ]);
        let config = ChainConfig::new().env(env);
        let mut text = format!("{config:?} {:?}", DefaultCredentialsChain::new(config.clone()));
        #[cfg(feature = "process")]
        text.push_str(&format!("{:?}", CredentialProcessProvider::new("fetch --password PROCSECRET")));
        for secret in ["ENVSECRET", "AUTHSECRET", "SESSIONSECRET", "PROCSECRET"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(text.contains("AWS_CONTAINER_AUTHORIZATION_TOKEN"), "variable names are shown: {text}");
    }
}
