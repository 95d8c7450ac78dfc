//! Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`.

use super::{Credentials, CredentialsError, ProvideCredentials, ProvideFuture};
use crate::profile::Env;

/// Reads static credentials from environment variables. Variables set to the empty string count
/// as unset. `Debug` prints no values.
#[derive(Clone, Debug, Default)]
pub struct EnvironmentProvider {
    env: Env,
}

impl EnvironmentProvider {
    /// Reads the process environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads `env` instead of the process environment.
    pub fn with_env(env: Env) -> Self {
        Self { env }
    }

    /// A variable's value; one of only whitespace counts as unset, as in the AWS SDKs.
    fn var(&self, name: &str) -> Option<String> {
        self.env.get(name).filter(|v| !v.trim().is_empty())
    }

    fn load(&self) -> Result<Credentials, CredentialsError> {
        let id = self.var("AWS_ACCESS_KEY_ID");
        let secret = self.var("AWS_SECRET_ACCESS_KEY");
        // Every miss is "not loaded": the default chain goes on to the profile, as the SDKs do.
        match (id, secret) {
            (Some(id), Some(secret)) => {
                let creds = Credentials::new(id, secret, self.var("AWS_SESSION_TOKEN"), None, "Environment");
                Ok(match self.var("AWS_ACCOUNT_ID") {
                    Some(account) => creds.with_account_id(account.trim()),
                    None => creds,
                })
            }
            (None, None) => Err(CredentialsError::not_loaded(
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set",
            )),
            (Some(_), None) => Err(CredentialsError::not_loaded(
                "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not",
            )),
            (None, Some(_)) => Err(CredentialsError::not_loaded(
                "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not",
            )),
        }
    }
}

impl ProvideCredentials for EnvironmentProvider {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        let result = self.load();
        Box::pin(async move { result })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn provide(vars: &[(&str, &str)]) -> Result<Credentials, String> {
        let provider = EnvironmentProvider::with_env(Env::from_map(vars.iter().copied()));
        provider
            .provide_credentials()
            .await
            .map_err(|e| e.to_string())
    }

    #[tokio::test]
    async fn reads_keys_and_optional_token() {
        let creds = provide(&[
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "SECRET"),
        ])
        .await
        .expect("creds");
        assert_eq!(
            (
                creds.access_key_id(),
                creds.secret_access_key(),
                creds.session_token()
            ),
            ("AKID", "SECRET", None)
        );
        assert_eq!(creds.expiry(), None);

        let creds = provide(&[
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "SECRET"),
            ("AWS_SESSION_TOKEN", "TOKEN"),
        ])
        .await
        .expect("creds");
        assert_eq!(creds.session_token(), Some("TOKEN"));
    }

    #[tokio::test]
    async fn empty_values_count_as_unset() {
        let vars = [
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "SECRET"),
            ("AWS_SESSION_TOKEN", ""),
        ];
        assert_eq!(provide(&vars).await.expect("creds").session_token(), None);
        assert_eq!(
            provide(&[("AWS_ACCESS_KEY_ID", ""), ("AWS_SECRET_ACCESS_KEY", "")]).await,
            Err("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set".to_string())
        );
        // Whitespace only is blank too (the SDKs' `environment_variables_blank` vector).
        assert_eq!(
            provide(&[("AWS_ACCESS_KEY_ID", " "), ("AWS_SECRET_ACCESS_KEY", "\t")]).await,
            Err("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set".to_string())
        );
    }

    #[tokio::test]
    async fn misses_are_not_loaded_and_account_id_is_read() {
        let err = EnvironmentProvider::with_env(Env::from_map([("AWS_ACCESS_KEY_ID", "AKID")]))
            .provide_credentials()
            .await
            .expect_err("half set");
        assert!(err.is_not_loaded());
        let creds = provide(&[
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "SECRET"),
            ("AWS_ACCOUNT_ID", "123456789012"),
        ])
        .await
        .expect("creds");
        assert_eq!(creds.account_id(), Some("123456789012"));
    }

    #[tokio::test]
    async fn half_set_pairs_say_which_is_missing() {
        assert_eq!(
            provide(&[("AWS_ACCESS_KEY_ID", "AKID")]).await,
            Err("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not".to_string())
        );
        assert_eq!(
            provide(&[("AWS_SECRET_ACCESS_KEY", "SECRET")]).await,
            Err("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not".to_string())
        );
    }

    #[test]
    fn debug_shows_no_values() {
        let provider = EnvironmentProvider::with_env(Env::from_map([(
            "AWS_SECRET_ACCESS_KEY",
            "very-secret-value",
        )]));
        let debug = format!("{provider:?}");
        assert!(!debug.contains("very-secret-value"), "{debug}");
        assert!(debug.contains("AWS_SECRET_ACCESS_KEY"), "{debug}");
    }
}
