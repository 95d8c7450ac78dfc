//! The [`Federation`] calls made with the STS, SSO and SSO-OIDC clients this project generates
//! (`generated-clients/`), each behind a feature: `sts` (profile roles, web identity) and `sso`
//! (IAM Identity Center). Without the feature a call fails saying which feature it needs.

use client_runtime::config::{Config, ConfigBuilder};
use client_runtime::credentials::{Credentials, CredentialsError};

use crate::federation::{
    AssumeRoleInput, AssumeRoleWithWebIdentityInput, CallFuture, CreateTokenInput, Federation, GetRoleCredentialsInput, ServiceConfig,
    SsoToken,
};

/// The STS, SSO and SSO-OIDC calls through the generated clients compiled into this build (the
/// `sts` and `sso` features); the chain's default [`Federation`].
#[derive(Clone, Copy, Debug, Default)]
pub struct GeneratedClients;

/// A generated client's configuration for one call: where `service` says, through the chain's
/// HTTP client and clock. Every generated client shares the runtime's `Config`.
#[cfg_attr(not(any(feature = "sts", feature = "sso")), allow(dead_code))]
fn config(service: &ServiceConfig) -> ConfigBuilder {
    let builder = Config::builder()
        .region(service.region.clone())
        .use_fips(service.use_fips)
        .use_dual_stack(service.use_dual_stack)
        .http_client(service.http_client.clone())
        .time_source(service.time.clone());
    match &service.endpoint_url {
        Some(url) => builder.endpoint_url(url.clone()),
        None => builder,
    }
}

/// A failed call as the chain reports it: the operation, then the service's error (its shape
/// name and message, as the AWS SDKs print it) or why no answer came.
#[cfg_attr(not(any(feature = "sts", feature = "sso")), allow(dead_code))]
fn call_failed<E, R>(what: &str, err: client_runtime::error::SdkError<E, R>) -> CredentialsError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match err.as_service_error() {
        Some(service) => CredentialsError::new(format!("{what} failed: {service}")),
        None => CredentialsError::with_source(format!("{what} failed"), err),
    }
}

#[cfg_attr(any(feature = "sts", feature = "sso"), allow(dead_code))]
fn needs_feature<T>(what: &'static str, feature: &'static str) -> CallFuture<'static, T> {
    Box::pin(async move {
        Err(CredentialsError::new(format!(
            "{what} needs the `{feature}` feature of smithy-lite-credentials (a service crate's `credentials-{feature}` feature), \
             which this build does not include"
        )))
    })
}

/// The credentials of an STS answer, with the account its assumed role's ARN names.
#[cfg(feature = "sts")]
fn sts_credentials(
    what: &str,
    creds: Option<sts::types::Credentials>,
    user: Option<sts::types::AssumedRoleUser>,
) -> Result<Credentials, CredentialsError> {
    let arn = user.as_ref().map(|u| u.arn.as_str());
    let creds = creds.ok_or_else(|| CredentialsError::new(format!("{what}: the response has no credentials")))?;
    let expiry = std::time::SystemTime::try_from(creds.expiration).ok();
    let out = Credentials::new(creds.access_key_id.clone(), creds.secret_access_key.clone(), Some(creds.session_token.clone()), expiry, "STS");
    // `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` names the account.
    Ok(match arn.and_then(|a| a.split(':').nth(4)).filter(|a| !a.is_empty()) {
        Some(account) => out.with_account_id(account),
        None => out,
    })
}

impl Federation for GeneratedClients {
    #[cfg(feature = "sts")]
    fn assume_role<'a>(&'a self, service: &'a ServiceConfig, source: Credentials, input: AssumeRoleInput) -> CallFuture<'a, Credentials> {
        Box::pin(async move {
            const WHAT: &str = "STS AssumeRole";
            let client = sts::Client::from_conf(config(service).credentials_provider(source).build());
            let output = client
                .assume_role()
                .role_arn(input.role_arn)
                .role_session_name(input.role_session_name)
                .set_external_id(input.external_id)
                .set_duration_seconds(input.duration_seconds.map(|d| i32::try_from(d).unwrap_or(i32::MAX)))
                .send()
                .await
                .map_err(|e| call_failed(WHAT, e))?;
            sts_credentials(WHAT, output.credentials, output.assumed_role_user)
        })
    }

    #[cfg(not(feature = "sts"))]
    fn assume_role<'a>(&'a self, _: &'a ServiceConfig, _: Credentials, _: AssumeRoleInput) -> CallFuture<'a, Credentials> {
        needs_feature("STS AssumeRole (a profile's `role_arn`)", "sts")
    }

    #[cfg(feature = "sts")]
    fn assume_role_with_web_identity<'a>(&'a self, service: &'a ServiceConfig, input: AssumeRoleWithWebIdentityInput) -> CallFuture<'a, Credentials> {
        Box::pin(async move {
            const WHAT: &str = "STS AssumeRoleWithWebIdentity";
            // The operation is unsigned (`@auth([])`): no credentials provider.
            let client = sts::Client::from_conf(config(service).build());
            let output = client
                .assume_role_with_web_identity()
                .role_arn(input.role_arn.clone())
                .role_session_name(input.role_session_name.clone())
                .web_identity_token(input.web_identity_token.clone())
                .send()
                .await
                .map_err(|e| call_failed(WHAT, e))?;
            sts_credentials(WHAT, output.credentials, output.assumed_role_user)
        })
    }

    #[cfg(not(feature = "sts"))]
    fn assume_role_with_web_identity<'a>(&'a self, _: &'a ServiceConfig, _: AssumeRoleWithWebIdentityInput) -> CallFuture<'a, Credentials> {
        needs_feature("STS AssumeRoleWithWebIdentity (web identity)", "sts")
    }

    #[cfg(feature = "sso")]
    fn get_role_credentials<'a>(&'a self, service: &'a ServiceConfig, input: GetRoleCredentialsInput) -> CallFuture<'a, Credentials> {
        Box::pin(async move {
            const WHAT: &str = "SSO GetRoleCredentials";
            // Authorised by the access token header, not signed.
            let client = sso::Client::from_conf(config(service).build());
            let output = client
                .get_role_credentials()
                .account_id(input.account_id.clone())
                .role_name(input.role_name.clone())
                .access_token(input.access_token.clone())
                .send()
                .await
                .map_err(|e| call_failed(WHAT, e))?;
            let role = output.role_credentials.as_ref().ok_or_else(|| CredentialsError::new(format!("{WHAT}: the response has no roleCredentials")))?;
            let field = |v: &Option<String>, name: &str| v.clone().ok_or_else(|| CredentialsError::new(format!("{WHAT}: the response has no {name}")));
            let expiry = u64::try_from(role.expiration).ok().map(|ms| std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms));
            let creds = Credentials::new(
                field(&role.access_key_id, "accessKeyId")?,
                field(&role.secret_access_key, "secretAccessKey")?,
                role.session_token.clone(),
                expiry,
                "SSO",
            );
            Ok(creds.with_account_id(input.account_id.clone()))
        })
    }

    #[cfg(not(feature = "sso"))]
    fn get_role_credentials<'a>(&'a self, _: &'a ServiceConfig, _: GetRoleCredentialsInput) -> CallFuture<'a, Credentials> {
        needs_feature("SSO GetRoleCredentials (an IAM Identity Center profile)", "sso")
    }

    #[cfg(feature = "sso")]
    fn create_token<'a>(&'a self, service: &'a ServiceConfig, input: CreateTokenInput) -> CallFuture<'a, SsoToken> {
        Box::pin(async move {
            const WHAT: &str = "SSO-OIDC CreateToken";
            let client = sso_oidc::Client::from_conf(config(service).build());
            let output = client
                .create_token()
                .client_id(input.client_id.clone())
                .client_secret(input.client_secret.clone())
                .grant_type("refresh_token")
                .refresh_token(input.refresh_token.clone())
                .send()
                .await
                .map_err(|e| call_failed(WHAT, e))?;
            let access_token = output.access_token.clone().ok_or_else(|| CredentialsError::new(format!("{WHAT}: the response has no accessToken")))?;
            let expires_in = u64::try_from(output.expires_in).unwrap_or(0);
            Ok(SsoToken {
                access_token,
                expires_at: service.time.now() + std::time::Duration::from_secs(expires_in),
                refresh_token: output.refresh_token.clone(),
            })
        })
    }

    #[cfg(not(feature = "sso"))]
    fn create_token<'a>(&'a self, _: &'a ServiceConfig, _: CreateTokenInput) -> CallFuture<'a, SsoToken> {
        needs_feature("SSO-OIDC CreateToken (refreshing an IAM Identity Center token)", "sso")
    }
}
