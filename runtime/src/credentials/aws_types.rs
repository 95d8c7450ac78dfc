//! Bridge from the AWS SDK for Rust's credential providers (`aws-credential-types`, implemented by
//! everything in `aws-config`: SSO, assume role, IMDS, ECS, web identity, credential process)
//! to this crate's [`ProvideCredentials`]. Only compiled with the `aws-credential-types` feature.

use aws_credential_types::provider::ProvideCredentials as AwsProvideCredentials;

use super::{Credentials, CredentialsError, ProvideCredentials, ProvideFuture};

/// Wraps an `aws_credential_types::provider::ProvideCredentials` (such as
/// `aws_config::default_provider::credentials::DefaultCredentialsChain`) so a generated client can
/// use it. Wrap the adapter in [`super::CachedProvider`] unless the inner provider caches itself.
#[derive(Clone, Debug)]
pub struct AwsSdkProvider<P> {
    inner: P,
}

impl<P: AwsProvideCredentials> AwsSdkProvider<P> {
    /// Adapts `inner`.
    pub fn new(inner: P) -> Self {
        Self { inner }
    }
}

impl<P: AwsProvideCredentials> ProvideCredentials for AwsSdkProvider<P> {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(async move {
            self.inner
                .provide_credentials()
                .await
                .map(Credentials::from)
                .map_err(|e| {
                    CredentialsError::with_source("aws-credential-types provider failed", e)
                })
        })
    }
}

impl From<aws_credential_types::Credentials> for Credentials {
    fn from(credentials: aws_credential_types::Credentials) -> Self {
        Credentials::new(
            credentials.access_key_id(),
            credentials.secret_access_key(),
            credentials.session_token().map(str::to_string),
            credentials.expiry(),
            "AwsSdkProvider",
        )
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use aws_credential_types::provider::{error::CredentialsError as AwsError, future};

    use super::*;

    #[tokio::test]
    async fn converts_keys_token_and_expiry() {
        let expiry = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let aws = aws_credential_types::Credentials::new(
            "AKID",
            "SECRET",
            Some("TOKEN".into()),
            Some(expiry),
            "test",
        );
        let creds = AwsSdkProvider::new(aws)
            .provide_credentials()
            .await
            .expect("credentials");
        assert_eq!(
            creds,
            Credentials::new("AKID", "SECRET", Some("TOKEN".into()), Some(expiry), "AwsSdkProvider")
        );

        let aws = aws_credential_types::Credentials::new("AKID2", "SECRET2", None, None, "test");
        let creds = AwsSdkProvider::new(aws)
            .provide_credentials()
            .await
            .expect("credentials");
        assert_eq!(creds, Credentials::new("AKID2", "SECRET2", None, None, "AwsSdkProvider"));
    }

    #[derive(Debug)]
    struct NotConfigured;

    impl AwsProvideCredentials for NotConfigured {
        fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            future::ProvideCredentials::new(async {
                Err(AwsError::not_loaded("no SSO session configured"))
            })
        }
    }

    #[tokio::test]
    async fn errors_keep_the_aws_error_as_source() {
        let err = AwsSdkProvider::new(NotConfigured)
            .provide_credentials()
            .await
            .expect_err("fails");
        assert_eq!(err.to_string(), "aws-credential-types provider failed");
        let source = std::error::Error::source(&err).expect("source");
        assert!(source.downcast_ref::<AwsError>().is_some(), "{source:?}");
        assert!(
            super::super::describe(&err).contains("no SSO session configured"),
            "{}",
            super::super::describe(&err)
        );
    }

    #[tokio::test]
    async fn works_behind_the_cache() {
        let aws = aws_credential_types::Credentials::new("AKID", "SECRETVALUE", None, None, "test");
        let cached = crate::credentials::CachedProvider::new(AwsSdkProvider::new(aws));
        assert_eq!(
            cached
                .provide_credentials()
                .await
                .expect("credentials")
                .access_key_id(),
            "AKID"
        );
        assert!(!format!("{cached:?}").contains("SECRETVALUE"));
    }
}
