//! Trying providers in order until one produces credentials: the general [`ChainProvider`] and
//! the [`DefaultChain`] (environment, then shared profile).

use std::borrow::Cow;

use super::{
    describe, CredentialsError, EnvironmentProvider, ProfileProvider, ProvideCredentials,
    ProvideFuture,
};
use crate::profile::Env;

/// Asks each provider in turn and returns the first credentials. When all fail, the error lists
/// every provider's reason, so "no credentials" says what was looked at.
#[derive(Debug)]
pub struct ChainProvider {
    links: Vec<(Cow<'static, str>, Box<dyn ProvideCredentials>)>,
}

impl ChainProvider {
    /// A chain starting with `provider`, called `name` in errors.
    pub fn first_try(
        name: impl Into<Cow<'static, str>>,
        provider: impl ProvideCredentials + 'static,
    ) -> Self {
        Self {
            links: vec![(name.into(), Box::new(provider))],
        }
    }

    /// Adds `provider` after the existing ones.
    pub fn or_else(
        mut self,
        name: impl Into<Cow<'static, str>>,
        provider: impl ProvideCredentials + 'static,
    ) -> Self {
        self.links.push((name.into(), Box::new(provider)));
        self
    }
}

impl ProvideCredentials for ChainProvider {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(async move {
            let mut reasons = Vec::with_capacity(self.links.len());
            for (name, provider) in &self.links {
                match provider.provide_credentials().await {
                    Ok(credentials) => {
                        tracing::debug!(provider = %name, "credentials loaded");
                        return Ok(credentials);
                    }
                    Err(e) => {
                        let reason = describe(&e);
                        tracing::debug!(provider = %name, reason, "no credentials from provider");
                        reasons.push(format!("{name}: {reason}"));
                    }
                }
            }
            Err(CredentialsError::new(format!(
                "no credentials found ({})",
                reasons.join("; ")
            )))
        })
    }
}

/// The default chain: [`EnvironmentProvider`], then [`ProfileProvider`]. Wrap it in a
/// [`super::CachedProvider`] so the files are not re-read for every request.
#[derive(Debug)]
pub struct DefaultChain {
    chain: ChainProvider,
}

impl DefaultChain {
    /// Reads the process environment and the shared files it points at.
    pub fn new() -> Self {
        Self::with_env(Env::process())
    }

    /// Reads `env` (and the files it points at) instead of the process environment.
    pub fn with_env(env: Env) -> Self {
        let chain =
            ChainProvider::first_try("environment", EnvironmentProvider::with_env(env.clone()))
                .or_else("profile", ProfileProvider::with_env(env));
        Self { chain }
    }
}

impl Default for DefaultChain {
    fn default() -> Self {
        Self::new()
    }
}

impl ProvideCredentials for DefaultChain {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        self.chain.provide_credentials()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;
    use crate::credentials::Credentials;
    use crate::profile::testing::TempDir;

    #[derive(Debug)]
    struct Failing(&'static str, Arc<AtomicUsize>);

    impl ProvideCredentials for Failing {
        fn provide_credentials(&self) -> ProvideFuture<'_> {
            self.1.fetch_add(1, Ordering::SeqCst);
            let message = self.0;
            Box::pin(async move {
                Err(CredentialsError::with_source(
                    "failed",
                    CredentialsError::new(message),
                ))
            })
        }
    }

    #[tokio::test]
    async fn first_success_wins_and_later_links_are_not_asked() {
        let calls = Arc::new(AtomicUsize::new(0));
        let chain = ChainProvider::first_try("a", Failing("a is down", calls.clone()))
            .or_else("b", Credentials::new("B", "SB", None, None, "Static"))
            .or_else("c", Failing("unused", calls.clone()));
        let creds = chain.provide_credentials().await.expect("b answers");
        assert_eq!(creds.access_key_id(), "B");
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "only `a` failed before `b`; `c` never asked"
        );
    }

    #[tokio::test]
    async fn all_failing_lists_every_reason_in_order() {
        let calls = Arc::new(AtomicUsize::new(0));
        let chain = ChainProvider::first_try("a", Failing("a is down", calls.clone()))
            .or_else("b", Failing("b is down", calls));
        let err = chain.provide_credentials().await.expect_err("all fail");
        assert_eq!(
            err.to_string(),
            "no credentials found (a: failed: a is down; b: failed: b is down)"
        );
    }

    fn home_with(dir: &TempDir, credentials: &str) -> String {
        dir.write(".aws/credentials", credentials);
        dir.path().display().to_string()
    }

    #[tokio::test]
    async fn default_chain_prefers_environment_over_profile() {
        let dir = TempDir::new("chain-order");
        let home = home_with(
            &dir,
            "[default]\naws_access_key_id = FILE\naws_secret_access_key = S",
        );
        let env = Env::from_map([
            ("HOME", home.as_str()),
            ("AWS_ACCESS_KEY_ID", "ENV"),
            ("AWS_SECRET_ACCESS_KEY", "S"),
        ]);
        assert_eq!(
            DefaultChain::with_env(env)
                .provide_credentials()
                .await
                .expect("env")
                .access_key_id(),
            "ENV"
        );

        let env = Env::from_map([("HOME", home.as_str())]);
        assert_eq!(
            DefaultChain::with_env(env)
                .provide_credentials()
                .await
                .expect("file")
                .access_key_id(),
            "FILE"
        );
    }

    #[tokio::test]
    async fn default_chain_error_says_what_each_link_found() {
        let dir = TempDir::new("chain-error");
        let home = home_with(&dir, "[default]\naws_access_key_id = AKID");
        let env = Env::from_map([("HOME", home.as_str()), ("AWS_ACCESS_KEY_ID", "X")]);
        let err = DefaultChain::with_env(env)
            .provide_credentials()
            .await
            .expect_err("nothing complete");
        assert_eq!(
            err.to_string(),
            "no credentials found (environment: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; \
             profile: profile `default` sets aws_access_key_id but not aws_secret_access_key)"
        );
    }
}
