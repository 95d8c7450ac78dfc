//! Web identity federation from the environment (EKS IAM roles for service accounts):
//! `AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_ARN`, `AWS_ROLE_SESSION_NAME`, exchanged with STS
//! `AssumeRoleWithWebIdentity` (unsigned). The token file is read on every call: it rotates.

use client_runtime::credentials::{Credentials, CredentialsError, ProvideCredentials, ProvideFuture};
use client_runtime::__private::profile::ProfileSet;

use crate::federation::AssumeRoleWithWebIdentityInput;
use crate::fs::Fs;
use crate::profile::{default_session_name, service_config};
use crate::ChainConfig;

/// Reads a token file; the error names the file, never the contents.
pub(crate) fn read_token(fs: &Fs, path: &str) -> Result<String, CredentialsError> {
    let bytes = fs
        .read(std::path::Path::new(path))
        .map_err(|e| CredentialsError::new(format!("could not read the web identity token file `{path}`: {e}")))?;
    // Sent as the file holds it, trailing newline included, as the SDKs send it.
    String::from_utf8(bytes).map_err(|_| CredentialsError::new(format!("the web identity token file `{path}` is not text")))
}

/// Credentials for `AWS_ROLE_ARN` in exchange for the token in `AWS_WEB_IDENTITY_TOKEN_FILE`.
#[derive(Clone, Debug, Default)]
pub struct WebIdentityProvider {
    config: ChainConfig,
}

impl WebIdentityProvider {
    /// A provider reading `config`'s environment.
    pub fn new(config: ChainConfig) -> Self {
        Self { config }
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        let env = &self.config.env;
        let Some(token_file) = env.get("AWS_WEB_IDENTITY_TOKEN_FILE") else {
            return Err(CredentialsError::not_loaded("AWS_WEB_IDENTITY_TOKEN_FILE is not set"));
        };
        let Some(role_arn) = env.get("AWS_ROLE_ARN") else {
            return Err(CredentialsError::new("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not"));
        };
        let token = read_token(&self.config.fs, &token_file)?;
        // The region and endpoint settings may come from the profile; broken files only lose those.
        let set = self.config.profiles().unwrap_or_else(|_| ProfileSet::parse("", "").unwrap_or_else(|_| unreachable_empty()));
        let sts = service_config(&self.config, &set, "STS", None)?;
        let input = AssumeRoleWithWebIdentityInput {
            role_arn,
            role_session_name: env
                .get("AWS_ROLE_SESSION_NAME")
                .unwrap_or_else(|| default_session_name("web-identity-token", self.config.time.now())),
            web_identity_token: token,
        };
        self.config.federation.assume_role_with_web_identity(&sts, input).await
    }
}

/// Parsing two empty files cannot fail; this keeps that fact out of the happy path.
fn unreachable_empty() -> ProfileSet {
    ProfileSet::parse("", "").unwrap_or_else(|_| unreachable_empty())
}

impl ProvideCredentials for WebIdentityProvider {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(self.load())
    }
}
