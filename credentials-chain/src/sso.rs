//! IAM Identity Center (SSO): the profile settings (`sso_session` with an `[sso-session]`
//! section, or the legacy `sso_start_url`/`sso_region` keys), the token cache that `aws sso
//! login` writes to `~/.aws/sso/cache/<sha1>.json`, its refresh through SSO-OIDC `CreateToken`
//! (session profiles only, as in the SDKs), and `GetRoleCredentials`.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use client_runtime::credentials::{Credentials, CredentialsError, ProvideCredentials, ProvideFuture};
use client_runtime::document::Document;
use client_runtime::__private::profile::{ProfileSet, Section};
use client_runtime::region::Region;
use client_runtime::time::{DateTime, TimestampFormat};

use crate::federation::{CreateTokenInput, GetRoleCredentialsInput};
use crate::profile::service_config;
use crate::ChainConfig;

/// A token this close to expiry is refreshed first (when it can be), as the SDKs do.
const REFRESH_WINDOW: Duration = Duration::from_secs(5 * 60);

/// The IAM Identity Center settings of one profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoSettings {
    /// `sso_session`, when the profile uses an `[sso-session]` section.
    pub session_name: Option<String>,
    /// `sso_start_url`.
    pub start_url: String,
    /// `sso_region`.
    pub region: String,
    /// `sso_account_id`.
    pub account_id: Option<String>,
    /// `sso_role_name`.
    pub role_name: Option<String>,
}

fn value<'a>(section: &'a Section, key: &str) -> Option<&'a str> {
    section.get(key).map(str::trim).filter(|v| !v.is_empty())
}

impl SsoSettings {
    /// The profile's SSO settings; `None` when it sets no `sso_*` key.
    pub fn from_profile(set: &ProfileSet, profile: &Section) -> Result<Option<Self>, CredentialsError> {
        let name = profile.name();
        let keys = ["sso_session", "sso_start_url", "sso_region", "sso_account_id", "sso_role_name"];
        if keys.iter().all(|k| value(profile, k).is_none()) {
            return Ok(None);
        }
        let fail = |m: String| Err(CredentialsError::new(format!("profile `{name}`: {m}")));
        let account_id = value(profile, "sso_account_id").map(str::to_string);
        let role_name = value(profile, "sso_role_name").map(str::to_string);
        match (&account_id, &role_name) {
            (None, Some(_)) => return fail("if `sso_role_name` is set, then `sso_account_id` must also be set".into()),
            (Some(_), None) => return fail("if `sso_account_id` is set, then `sso_role_name` must also be set".into()),
            _ => {}
        }
        let (session_name, start_url, region) = match value(profile, "sso_session") {
            Some(session_name) => {
                let Some(session) = set.sso_session(session_name) else {
                    return fail(format!("sso-session named `{session_name}` (referenced by profile `{name}`) was not found"));
                };
                // Values in the profile must agree with the session's.
                for key in ["sso_region", "sso_start_url"] {
                    if let Some(v) = value(profile, key) {
                        if value(session, key) != Some(v) {
                            return fail(format!(
                                "`{key}` can only be specified in the [sso-session] config when a session name is given \
                                 (the profile's value differs from sso-session `{session_name}`'s)"
                            ));
                        }
                    }
                }
                let Some(start_url) = value(session, "sso_start_url") else {
                    return fail(format!("sso-session `{session_name}` has no `sso_start_url`"));
                };
                let Some(region) = value(session, "sso_region") else {
                    return fail(format!("sso-session `{session_name}` has no `sso_region`"));
                };
                (Some(session_name.to_string()), start_url, region)
            }
            None => {
                let missing: Vec<&str> = ["sso_start_url", "sso_region", "sso_account_id", "sso_role_name"]
                    .into_iter()
                    .filter(|k| value(profile, k).is_none())
                    .collect();
                if !missing.is_empty() {
                    return fail(format!("the legacy SSO configuration is missing {}", missing.join(", ")));
                }
                (None, value(profile, "sso_start_url").unwrap_or_default(), value(profile, "sso_region").unwrap_or_default())
            }
        };
        Ok(Some(Self { session_name, start_url: start_url.to_string(), region: region.to_string(), account_id, role_name }))
    }

    fn cache_key(&self) -> &str {
        self.session_name.as_deref().unwrap_or(&self.start_url)
    }
}

/// The token cache file for a session name (or, for legacy profiles, the start URL): the
/// lower-case hex SHA-1 of it, under `~/.aws/sso/cache/`.
pub fn sso_token_cache_file(home: &std::path::Path, session_or_start_url: &str) -> PathBuf {
    let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, session_or_start_url.as_bytes());
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    home.join(".aws").join("sso").join("cache").join(format!("{hex}.json"))
}

/// A cached token file's contents. `Debug` redacts the tokens and the client secret.
pub(crate) struct CachedToken {
    pub(crate) access_token: String,
    pub(crate) expires_at: SystemTime,
    fields: std::collections::BTreeMap<String, Document>,
}

impl Drop for CachedToken {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.access_token);
    }
}

impl CachedToken {
    fn field(&self, key: &str) -> Option<&str> {
        self.fields.get(key).and_then(Document::as_str).filter(|v| !v.is_empty())
    }
}

fn format_time(t: SystemTime) -> String {
    DateTime::from(t).format(TimestampFormat::DateTime).unwrap_or_default()
}

/// Reads (and when due, refreshes) the access token of `settings`. The path in errors is the
/// logical one (what the user would look for), not where a rooted [`crate::Fs`] keeps it.
pub(crate) async fn load_token(config: &ChainConfig, set: &ProfileSet, settings: &SsoSettings) -> Result<CachedToken, CredentialsError> {
    let home = config
        .env
        .home_dir()
        .ok_or_else(|| CredentialsError::new("cannot find the SSO token cache: no HOME or USERPROFILE is set"))?;
    let path = sso_token_cache_file(&home, settings.cache_key());
    let bytes = config
        .fs
        .read(&path)
        .map_err(|e| CredentialsError::new(format!("failed to read `{}`: {e}; run `aws sso login`", path.display())))?;
    let fields = crate::util::json_object(&bytes, &format!("SSO token cache `{}`", path.display()))?;
    let text = |k: &str| fields.get(k).and_then(Document::as_str).map(str::to_string);
    let (Some(access_token), Some(expires)) = (text("accessToken"), text("expiresAt")) else {
        return Err(CredentialsError::new(format!("SSO token cache `{}` has no accessToken or expiresAt", path.display())));
    };
    let expires_at = crate::util::parse_rfc3339(&expires)
        .ok_or_else(|| CredentialsError::new(format!("SSO token cache `{}`: expiresAt is not a timestamp", path.display())))?;
    let token = CachedToken { access_token, expires_at, fields };
    let now = config.time.now();
    if now + REFRESH_WINDOW < token.expires_at {
        return Ok(token);
    }
    // Only session profiles can refresh, with a registration that is still valid.
    let refreshed = match (&settings.session_name, token.field("refreshToken"), token.field("clientId"), token.field("clientSecret")) {
        (Some(_), Some(refresh), Some(id), Some(secret))
            if token.field("registrationExpiresAt").and_then(crate::util::parse_rfc3339).is_none_or(|t| t > now) =>
        {
            let oidc = service_config(config, set, "SSO_OIDC", Some(region(&settings.region)?))?;
            let input = CreateTokenInput { client_id: id.to_string(), client_secret: secret.to_string(), refresh_token: refresh.to_string() };
            match config.federation.create_token(&oidc, input).await {
                Ok(new) => {
                    let mut fields = token.fields.clone();
                    fields.insert("accessToken".into(), Document::String(new.access_token.clone()));
                    fields.insert("expiresAt".into(), Document::String(format_time(new.expires_at)));
                    if let Some(r) = &new.refresh_token {
                        fields.insert("refreshToken".into(), Document::String(r.clone()));
                    }
                    let mut json = String::new();
                    client_runtime::__private::json::JsonValueWriter::new(&mut json).document(&Document::Object(fields.clone()));
                    if let Err(e) = config.fs.write(&path, json.as_bytes()) {
                        tracing::warn!(file = %path.display(), error = %e, "could not update the SSO token cache");
                    }
                    Some(CachedToken { access_token: new.access_token.clone(), expires_at: new.expires_at, fields })
                }
                Err(e) => {
                    tracing::warn!(error = %client_runtime::credentials::describe(&e), "SSO token refresh failed");
                    None
                }
            }
        }
        _ => None,
    };
    match refreshed {
        Some(t) => Ok(t),
        None if now < token.expires_at => Ok(token),
        None => Err(CredentialsError::new(format!(
            "the SSO access token in `{}` expired at {}; run `aws sso login`",
            path.display(),
            format_time(token.expires_at)
        ))),
    }
}

fn region(name: &str) -> Result<Region, CredentialsError> {
    Region::try_new(name.to_string()).map_err(|e| CredentialsError::with_source("invalid sso_region", e))
}

/// Credentials from IAM Identity Center for the selected profile (or the settings given).
#[derive(Clone, Debug, Default)]
pub struct SsoProvider {
    config: ChainConfig,
    settings: Option<SsoSettings>,
}

impl SsoProvider {
    /// Reads the SSO settings of the selected profile.
    pub fn new(config: ChainConfig) -> Self {
        Self { config, settings: None }
    }

    pub(crate) fn with_settings(config: ChainConfig, settings: SsoSettings) -> Self {
        Self { config, settings: Some(settings) }
    }

    pub(crate) async fn load(&self, set: &ProfileSet) -> Result<Credentials, CredentialsError> {
        let settings = match &self.settings {
            Some(s) => s.clone(),
            None => {
                let profile = set
                    .selected()
                    .ok_or_else(|| CredentialsError::not_loaded(format!("profile `{}` is not defined", set.selected_name())))?;
                SsoSettings::from_profile(set, profile)?
                    .ok_or_else(|| CredentialsError::not_loaded(format!("profile `{}` has no SSO settings", profile.name())))?
            }
        };
        let (Some(account_id), Some(role_name)) = (&settings.account_id, &settings.role_name) else {
            return Err(CredentialsError::new(
                "selected profile will resolve an access token instead of credentials since it doesn't have \
                 `sso_account_id` and `sso_role_name` set; set both to get credentials",
            ));
        };
        let token = load_token(&self.config, set, &settings).await?;
        let sso = service_config(&self.config, set, "SSO", Some(region(&settings.region)?))?;
        let input = GetRoleCredentialsInput {
            account_id: account_id.clone(),
            role_name: role_name.clone(),
            access_token: token.access_token.clone(),
        };
        let creds = self.config.federation.get_role_credentials(&sso, input).await?;
        Ok(if creds.account_id().is_none() { creds.with_account_id(account_id.clone()) } else { creds })
    }

    /// The SSO bearer token of the selected profile (the SDKs' token provider chain), with its
    /// expiry.
    pub async fn token(&self) -> Result<(String, SystemTime), CredentialsError> {
        let set = self.config.profiles().map_err(|e| CredentialsError::with_source("could not load the shared config files", e))?;
        let profile = set.selected().ok_or_else(|| CredentialsError::not_loaded(format!("profile `{}` is not defined", set.selected_name())))?;
        let settings = SsoSettings::from_profile(&set, profile)?
            .ok_or_else(|| CredentialsError::not_loaded(format!("profile `{}` has no SSO settings", profile.name())))?;
        let token = load_token(&self.config, &set, &settings).await?;
        Ok((token.access_token.clone(), token.expires_at))
    }
}

impl ProvideCredentials for SsoProvider {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(async move {
            let set = self.config.profiles().map_err(|e| CredentialsError::with_source("could not load the shared config files", e))?;
            self.load(&set).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_file_is_the_sha1_of_session_name_or_start_url() {
        // The names the conformance vectors' caches use.
        let home = std::path::Path::new("/home");
        assert_eq!(
            sso_token_cache_file(home, "https://ssotest.awsapps.com/start"),
            home.join(".aws/sso/cache/dace00cba5f8355ec9d274ceb2bcebdfbeed0e12.json")
        );
        assert_eq!(sso_token_cache_file(home, "dev"), home.join(".aws/sso/cache/34c6fceca75e456f25e7e99531e2425c6c1de443.json"));
    }

    fn settings(config: &str, profile: &str) -> Result<Option<SsoSettings>, String> {
        let set = ProfileSet::parse(config, "").expect("parses");
        SsoSettings::from_profile(&set, set.profile(profile).expect("profile")).map_err(|e| e.to_string())
    }

    #[test]
    fn session_and_legacy_settings() {
        let s = settings(
            "[profile a]\nsso_session = dev\nsso_account_id = 1\nsso_role_name = R\n[sso-session dev]\nsso_region = eu-west-1\nsso_start_url = https://x/start",
            "a",
        )
        .expect("ok")
        .expect("sso");
        assert_eq!((s.session_name.as_deref(), s.region.as_str(), s.start_url.as_str()), (Some("dev"), "eu-west-1", "https://x/start"));
        assert_eq!(
            settings("[profile a]\nsso_start_url = u\nsso_region = r\nsso_account_id = 1", "a"),
            Err("profile `a`: if `sso_account_id` is set, then `sso_role_name` must also be set".into())
        );
        assert_eq!(
            settings("[profile a]\nsso_start_url = u\nsso_account_id = 1\nsso_role_name = R", "a"),
            Err("profile `a`: the legacy SSO configuration is missing sso_region".into())
        );
        assert_eq!(
            settings("[profile a]\nsso_session = nope", "a"),
            Err("profile `a`: sso-session named `nope` (referenced by profile `a`) was not found".into())
        );
        assert_eq!(settings("[profile a]\nregion = x", "a"), Ok(None));
    }
}
