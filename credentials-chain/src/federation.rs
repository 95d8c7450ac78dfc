//! The four calls some providers make to AWS services — STS `AssumeRole` and
//! `AssumeRoleWithWebIdentity`, IAM Identity Center `GetRoleCredentials`, SSO-OIDC `CreateToken` —
//! behind one small trait, so the chain does not depend on how they are made. The generated STS,
//! SSO and SSO-OIDC clients implement it ([`crate::GeneratedClients`]); tests record or replay
//! the calls with their own implementation.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

use client_runtime::clock::TimeSource;
use client_runtime::credentials::{Credentials, CredentialsError};
use client_runtime::http::HttpClient;
use client_runtime::region::Region;

/// Where and how one of the calls is sent: what a generated client's `Config` needs.
#[derive(Clone)]
pub struct ServiceConfig {
    /// The region the call goes to (and is signed for).
    pub region: Region,
    /// A configured endpoint (`AWS_ENDPOINT_URL_STS`, a profile's `[services]` section, ...)
    /// replacing the resolved one.
    pub endpoint_url: Option<String>,
    /// `use_fips_endpoint`.
    pub use_fips: bool,
    /// `use_dualstack_endpoint`.
    pub use_dual_stack: bool,
    /// The HTTP client every provider of the chain shares.
    pub http_client: Arc<dyn HttpClient>,
    /// The clock (signing, expiry checks).
    pub time: Arc<dyn TimeSource>,
}

impl fmt::Debug for ServiceConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceConfig")
            .field("region", &self.region)
            .field("endpoint_url", &self.endpoint_url.as_deref().map(client_runtime::http::redact_userinfo))
            .field("use_fips", &self.use_fips)
            .field("use_dual_stack", &self.use_dual_stack)
            .finish_non_exhaustive()
    }
}

/// STS `AssumeRole`, signed with the source credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRoleInput {
    /// `role_arn`.
    pub role_arn: String,
    /// `role_session_name`, or one the chain generated.
    pub role_session_name: String,
    /// `external_id`.
    pub external_id: Option<String>,
    /// `duration_seconds`.
    pub duration_seconds: Option<u32>,
}

/// STS `AssumeRoleWithWebIdentity` (unsigned).
#[derive(Clone, PartialEq, Eq)]
pub struct AssumeRoleWithWebIdentityInput {
    /// The role to assume.
    pub role_arn: String,
    /// The session name.
    pub role_session_name: String,
    /// The OIDC token read from the token file (secret).
    pub web_identity_token: String,
}

/// IAM Identity Center `GetRoleCredentials` (authorised by the SSO access token).
#[derive(Clone, PartialEq, Eq)]
pub struct GetRoleCredentialsInput {
    /// `sso_account_id`.
    pub account_id: String,
    /// `sso_role_name`.
    pub role_name: String,
    /// The cached SSO access token (secret).
    pub access_token: String,
}

/// SSO-OIDC `CreateToken` with the `refresh_token` grant.
#[derive(Clone, PartialEq, Eq)]
pub struct CreateTokenInput {
    /// The registered client's id.
    pub client_id: String,
    /// The registered client's secret (secret).
    pub client_secret: String,
    /// The refresh token from the cache (secret).
    pub refresh_token: String,
}

/// What `CreateToken` returns.
#[derive(Clone, PartialEq, Eq)]
pub struct SsoToken {
    /// The new access token (secret).
    pub access_token: String,
    /// When it expires.
    pub expires_at: SystemTime,
    /// A new refresh token, when the service rotated it (secret).
    pub refresh_token: Option<String>,
}

macro_rules! redacted_debug {
    ($ty:ident { $($shown:ident),* ; $($secret:ident),* }) => {
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    $(.field(stringify!($shown), &self.$shown))*
                    $(.field(stringify!($secret), &"** redacted **"))*
                    .finish()
            }
        }
    };
}
redacted_debug!(AssumeRoleWithWebIdentityInput { role_arn, role_session_name; web_identity_token });
redacted_debug!(GetRoleCredentialsInput { account_id, role_name; access_token });
redacted_debug!(CreateTokenInput { client_id; client_secret, refresh_token });
redacted_debug!(SsoToken { expires_at; access_token, refresh_token });

impl Drop for AssumeRoleWithWebIdentityInput {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.web_identity_token);
    }
}
impl Drop for GetRoleCredentialsInput {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.access_token);
    }
}
impl Drop for CreateTokenInput {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.client_secret);
        zeroize::Zeroize::zeroize(&mut self.refresh_token);
    }
}
impl Drop for SsoToken {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.access_token);
        if let Some(t) = &mut self.refresh_token {
            zeroize::Zeroize::zeroize(t);
        }
    }
}

/// A boxed future of one call.
pub type CallFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, CredentialsError>> + Send + 'a>>;

/// The service calls of the chain. Errors carry the service's error code and message (never a
/// secret); the chain adds which provider and profile made the call.
pub trait Federation: Send + Sync + fmt::Debug {
    /// STS `AssumeRole`, signed with `source`.
    fn assume_role<'a>(&'a self, config: &'a ServiceConfig, source: Credentials, input: AssumeRoleInput) -> CallFuture<'a, Credentials>;

    /// STS `AssumeRoleWithWebIdentity`, unsigned.
    fn assume_role_with_web_identity<'a>(
        &'a self,
        config: &'a ServiceConfig,
        input: AssumeRoleWithWebIdentityInput,
    ) -> CallFuture<'a, Credentials>;

    /// SSO `GetRoleCredentials`.
    fn get_role_credentials<'a>(&'a self, config: &'a ServiceConfig, input: GetRoleCredentialsInput) -> CallFuture<'a, Credentials>;

    /// SSO-OIDC `CreateToken` (refresh).
    fn create_token<'a>(&'a self, config: &'a ServiceConfig, input: CreateTokenInput) -> CallFuture<'a, SsoToken>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_tokens_and_secrets() {
        let inputs = format!(
            "{:?} {:?} {:?} {:?}",
            AssumeRoleWithWebIdentityInput { role_arn: "arn".into(), role_session_name: "s".into(), web_identity_token: "JWTSECRET".into() },
            GetRoleCredentialsInput { account_id: "1".into(), role_name: "r".into(), access_token: "ACCESSSECRET".into() },
            CreateTokenInput { client_id: "c".into(), client_secret: "CLIENTSECRET".into(), refresh_token: "REFRESHSECRET".into() },
            SsoToken { access_token: "NEWSECRET".into(), expires_at: SystemTime::UNIX_EPOCH, refresh_token: Some("ROTATED".into()) },
        );
        for secret in ["JWTSECRET", "ACCESSSECRET", "CLIENTSECRET", "REFRESHSECRET", "NEWSECRET", "ROTATED"] {
            assert!(!inputs.contains(secret), "{secret} in {inputs}");
        }
        assert!(inputs.contains("arn") && inputs.contains("role_name"), "{inputs}");
    }
}
