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

    fn load(&self) -> Result<Credentials, CredentialsError> {
        let id = self.env.get("AWS_ACCESS_KEY_ID");
        let secret = self.env.get("AWS_SECRET_ACCESS_KEY");
        match (id, secret) {
            (Some(id), Some(secret)) => Ok(Credentials::new(
                id,
                secret,
                self.env.get("AWS_SESSION_TOKEN"),
                None, "Environment",
            )),
            (None, None) => Err(CredentialsError::new(
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set",
            )),
            (Some(_), None) => Err(CredentialsError::new(
                "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not",
            )),
            (None, Some(_)) => Err(CredentialsError::new(
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
