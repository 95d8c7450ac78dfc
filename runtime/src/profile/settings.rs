//! Typed client settings that AWS SDK users set through environment variables or the selected
//! profile: custom endpoint URL, FIPS and dual-stack endpoints, maximum attempts and retry mode.
//!
//! An environment variable beats the profile (AWS SDKs and Tools reference guide, "Configuration
//! precedence"); a value that does not parse is an error naming the setting and where it came from.

use std::fmt;

use super::{Env, Origin, ProfileSet, Section};
use crate::http::Uri;

/// Where a setting's value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettingSource {
    /// An environment variable, by name.
    Env(String),
    /// A property of a profile or `[services]` section, with its file and line.
    Profile {
        /// The section's name.
        section: String,
        /// The property's name.
        key: String,
        /// Where the property was written.
        origin: Origin,
    },
}

impl SettingSource {
    pub(crate) fn profile(section: &Section, key: &str) -> Option<Self> {
        Some(Self::Profile {
            section: section.name().to_string(),
            key: key.to_string(),
            origin: section.origin(key)?.clone(),
        })
    }
}

impl fmt::Display for SettingSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env(name) => write!(f, "environment variable {name}"),
            Self::Profile {
                section,
                key,
                origin,
            } => write!(f, "`{key}` in [{section}] at {origin}"),
        }
    }
}

/// A setting whose value does not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingError {
    setting: &'static str,
    value: String,
    source: Box<SettingSource>,
    expected: &'static str,
}

impl SettingError {
    /// The setting's name, as written in the config file (`max_attempts`, ...).
    pub fn setting(&self) -> &str {
        self.setting
    }

    /// Where the bad value came from.
    pub fn source(&self) -> &SettingSource {
        &self.source
    }
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `{:?}` escapes control characters so a hostile value cannot forge log lines.
        write!(
            f,
            "invalid {} {:?} from {}: expected {}",
            self.setting, self.value, self.source, self.expected
        )
    }
}

impl std::error::Error for SettingError {}

pub use crate::retry::RetryMode;

/// The settings resolved from the environment and the selected profile. `None` means "not set
/// anywhere"; the client applies its own default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SharedSettings {
    /// A custom endpoint (`http://` or `https://` URL) replacing the resolved one.
    pub endpoint_url: Option<String>,
    /// Use a FIPS 140 endpoint.
    pub use_fips_endpoint: Option<bool>,
    /// Use a dual-stack (IPv4 and IPv6) endpoint.
    pub use_dualstack_endpoint: Option<bool>,
    /// Total attempts per request, including the first; at least 1.
    pub max_attempts: Option<u32>,
    /// The retry strategy.
    pub retry_mode: Option<RetryMode>,
    /// The application id for the `user-agent` (`AWS_SDK_UA_APP_ID`, `sdk_ua_app_id`).
    pub app_id: Option<crate::config::AppName>,
}

impl SharedSettings {
    /// Resolves every setting for one service. `service_env_suffix` is the service's identifier
    /// in upper snake case (`CHIME_SDK_IDENTITY`): it names `AWS_ENDPOINT_URL_<suffix>` and, lower
    /// cased, the service's key inside a `[services]` section of the config file.
    pub fn resolve(
        env: &Env,
        profiles: &ProfileSet,
        service_env_suffix: &str,
    ) -> Result<Self, SettingError> {
        let lookup = Lookup {
            env,
            profile: profiles.selected(),
        };
        Ok(Self {
            endpoint_url: resolve_endpoint_url(&lookup, profiles, service_env_suffix)?,
            use_fips_endpoint: lookup.parse(
                "AWS_USE_FIPS_ENDPOINT",
                "use_fips_endpoint",
                "true or false",
                parse_bool,
            )?,
            use_dualstack_endpoint: lookup.parse(
                "AWS_USE_DUALSTACK_ENDPOINT",
                "use_dualstack_endpoint",
                "true or false",
                parse_bool,
            )?,
            max_attempts: lookup.parse(
                "AWS_MAX_ATTEMPTS",
                "max_attempts",
                "an integer of at least 1",
                |v| v.parse::<u32>().ok().filter(|&n| n >= 1),
            )?,
            retry_mode: lookup.parse(
                "AWS_RETRY_MODE",
                "retry_mode",
                "standard or adaptive",
                parse_retry_mode,
            )?,
            app_id: lookup.parse(
                "AWS_SDK_UA_APP_ID",
                "sdk_ua_app_id",
                "letters, digits and !#$%&'*+-.^_`|~ only",
                |v| crate::config::AppName::new(v.to_string()).ok(),
            )?,
        })
    }
}

/// Reads one setting from the environment, then the selected profile.
struct Lookup<'a> {
    env: &'a Env,
    profile: Option<&'a Section>,
}

impl Lookup<'_> {
    fn raw(&self, env_var: &str, key: &str) -> Option<(String, SettingSource)> {
        if let Some(value) = self.env.get(env_var) {
            return Some((value, SettingSource::Env(env_var.to_string())));
        }
        let profile = self.profile?;
        let value = profile.get(key).filter(|v| !v.is_empty())?;
        Some((value.to_string(), SettingSource::profile(profile, key)?))
    }

    fn parse<T>(
        &self,
        env_var: &str,
        key: &'static str,
        expected: &'static str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>, SettingError> {
        let Some((value, source)) = self.raw(env_var, key) else {
            return Ok(None);
        };
        match parse(value.trim()) {
            Some(parsed) => Ok(Some(parsed)),
            None => Err(SettingError {
                setting: key,
                value,
                source: Box::new(source),
                expected,
            }),
        }
    }
}

/// Service-specific endpoints guide: `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, then
/// the service's `endpoint_url` in the profile's `[services]` section, then the profile's own
/// `endpoint_url`; `ignore_configured_endpoint_urls` turns all of them off.
fn resolve_endpoint_url(
    lookup: &Lookup<'_>,
    profiles: &ProfileSet,
    service_env_suffix: &str,
) -> Result<Option<String>, SettingError> {
    let ignore = lookup.parse(
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "ignore_configured_endpoint_urls",
        "true or false",
        parse_bool,
    )?;
    if ignore == Some(true) {
        return Ok(None);
    }
    let service_var = format!("AWS_ENDPOINT_URL_{service_env_suffix}");
    let found = lookup
        .env
        .get(&service_var)
        .map(|v| (v, SettingSource::Env(service_var)))
        .or_else(|| {
            lookup
                .env
                .get("AWS_ENDPOINT_URL")
                .map(|v| (v, SettingSource::Env("AWS_ENDPOINT_URL".into())))
        })
        .or_else(|| {
            service_section_endpoint(
                lookup.profile?,
                profiles,
                &service_env_suffix.to_ascii_lowercase(),
            )
        })
        .or_else(|| {
            let profile = lookup.profile?;
            let value = profile.get("endpoint_url").filter(|v| !v.is_empty())?;
            Some((
                value.to_string(),
                SettingSource::profile(profile, "endpoint_url")?,
            ))
        });
    let Some((value, source)) = found else {
        return Ok(None);
    };
    let url = value.trim();
    match Uri::parse(url) {
        Some(uri) if uri.scheme == "http" || uri.scheme == "https" => Ok(Some(url.to_string())),
        _ => Err(SettingError {
            setting: "endpoint_url",
            // The value is shown in the error: no password in it.
            value: crate::http::redact_userinfo(&value).into_owned(),
            source: Box::new(source),
            expected: "an http:// or https:// URL",
        }),
    }
}

/// `services = NAME` in the profile points at `[services NAME]`, whose `<service> =` property
/// holds sub-properties such as `endpoint_url`.
fn service_section_endpoint(
    profile: &Section,
    profiles: &ProfileSet,
    service_key: &str,
) -> Option<(String, SettingSource)> {
    let section_name = profile.get("services")?;
    let Some(section) = profiles.services(section_name) else {
        tracing::warn!(
            profile = profile.name(),
            services = section_name,
            "profile names a [services] section that does not exist"
        );
        return None;
    };
    let (_, value) = section
        .sub_properties(service_key)
        .into_iter()
        .rfind(|(key, value)| key == "endpoint_url" && !value.is_empty())?;
    Some((value, SettingSource::profile(section, service_key)?))
}

fn parse_bool(value: &str) -> Option<bool> {
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// `legacy`, which some SDKs accept, is deliberately rejected: this client implements only the
/// standard and adaptive modes.
fn parse_retry_mode(value: &str) -> Option<RetryMode> {
    if value.eq_ignore_ascii_case("standard") {
        Some(RetryMode::Standard)
    } else if value.eq_ignore_ascii_case("adaptive") {
        Some(RetryMode::Adaptive)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVICE: &str = "CHIME_SDK_IDENTITY";

    fn resolve(env: &[(&str, &str)], config: &str) -> Result<SharedSettings, SettingError> {
        let env = Env::from_map(env.iter().copied());
        let profiles = ProfileSet::parse(config, "")
            .expect("config parses")
            .with_selected(env.profile_name());
        SharedSettings::resolve(&env, &profiles, SERVICE)
    }

    #[test]
    fn nothing_set_gives_nothing() {
        assert_eq!(resolve(&[], ""), Ok(SharedSettings::default()));
    }

    #[test]
    fn profile_values_are_typed() {
        let config = "[profile dev]\nuse_fips_endpoint = TRUE\nuse_dualstack_endpoint = false\nmax_attempts = 5\nretry_mode = Adaptive\nendpoint_url = http://localhost:4566";
        let settings = resolve(&[("AWS_PROFILE", "dev")], config).expect("valid");
        assert_eq!(settings.use_fips_endpoint, Some(true));
        assert_eq!(settings.use_dualstack_endpoint, Some(false));
        assert_eq!(settings.max_attempts, Some(5));
        assert_eq!(settings.retry_mode, Some(RetryMode::Adaptive));
        assert_eq!(
            settings.endpoint_url.as_deref(),
            Some("http://localhost:4566")
        );
        // The default profile is not consulted when another is selected.
        assert_eq!(resolve(&[], config), Ok(SharedSettings::default()));
    }

    #[test]
    fn environment_beats_profile() {
        let config = "[default]\nuse_fips_endpoint = true\nmax_attempts = 5\nretry_mode = adaptive\nuse_dualstack_endpoint = true";
        let env = [
            ("AWS_USE_FIPS_ENDPOINT", "false"),
            ("AWS_MAX_ATTEMPTS", "2"),
            ("AWS_RETRY_MODE", "standard"),
            ("AWS_USE_DUALSTACK_ENDPOINT", ""),
        ];
        let settings = resolve(&env, config).expect("valid");
        assert_eq!(settings.use_fips_endpoint, Some(false));
        assert_eq!(settings.max_attempts, Some(2));
        assert_eq!(settings.retry_mode, Some(RetryMode::Standard));
        // An empty variable counts as unset, so the profile's value shows through.
        assert_eq!(settings.use_dualstack_endpoint, Some(true));
    }

    #[test]
    fn endpoint_url_precedence() {
        let config = "[default]\nendpoint_url = https://profile-global\nservices = local\n\
                      [services local]\nchime_sdk_identity =\n  endpoint_url = https://profile-service\n";
        let service_env = ("AWS_ENDPOINT_URL_CHIME_SDK_IDENTITY", "https://env-service");
        let global_env = ("AWS_ENDPOINT_URL", "https://env-global");
        let url =
            |env: &[(&str, &str)], config: &str| resolve(env, config).expect("valid").endpoint_url;
        assert_eq!(
            url(&[service_env, global_env], config).as_deref(),
            Some("https://env-service")
        );
        assert_eq!(
            url(&[global_env], config).as_deref(),
            Some("https://env-global")
        );
        assert_eq!(url(&[], config).as_deref(), Some("https://profile-service"));
        assert_eq!(
            url(&[], "[default]\nendpoint_url = https://profile-global").as_deref(),
            Some("https://profile-global")
        );
        // Another service's env var and services entry do not apply.
        let other = "[default]\nservices = s\n[services s]\ns3 =\n  endpoint_url = https://s3-only";
        assert_eq!(url(&[("AWS_ENDPOINT_URL_S3", "https://s3")], other), None);
        // A profile naming a missing [services] section falls back to the global setting.
        assert_eq!(
            url(&[], "[default]\nservices = nope\nendpoint_url = https://g").as_deref(),
            Some("https://g")
        );
    }

    #[test]
    fn ignore_configured_endpoint_urls() {
        let config =
            "[default]\nendpoint_url = https://profile\nignore_configured_endpoint_urls = true";
        assert_eq!(
            resolve(&[("AWS_ENDPOINT_URL", "https://env")], config)
                .expect("valid")
                .endpoint_url,
            None
        );
        let env = [("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false")];
        assert_eq!(
            resolve(&env, config)
                .expect("valid")
                .endpoint_url
                .as_deref(),
            Some("https://profile")
        );
    }

    #[test]
    fn errors_name_setting_value_and_source() {
        let err = resolve(&[("AWS_MAX_ATTEMPTS", "0")], "").expect_err("zero attempts");
        assert_eq!(
            err.to_string(),
            "invalid max_attempts \"0\" from environment variable AWS_MAX_ATTEMPTS: expected an integer of at least 1"
        );
        let err = resolve(&[], "[default]\n\nretry_mode = legacy").expect_err("legacy");
        assert_eq!(
            err.to_string(),
            "invalid retry_mode \"legacy\" from `retry_mode` in [default] at config:3: expected standard or adaptive"
        );
        let err = resolve(&[("AWS_USE_FIPS_ENDPOINT", "yes\n")], "").expect_err("not a bool");
        assert_eq!(err.setting(), "use_fips_endpoint");
        assert!(err.to_string().contains("\"yes\\n\""), "{err}");
        let err = resolve(&[("AWS_ENDPOINT_URL", "localhost:4566")], "").expect_err("no scheme");
        assert_eq!(
            err.source(),
            &SettingSource::Env("AWS_ENDPOINT_URL".to_string())
        );
        let err = resolve(&[], "[default]\nendpoint_url = ftp://x").expect_err("wrong scheme");
        assert!(
            err.to_string()
                .starts_with("invalid endpoint_url \"ftp://x\" from `endpoint_url` in [default]"),
            "{err}"
        );
        let err = resolve(&[("AWS_MAX_ATTEMPTS", "99999999999")], "").expect_err("overflow");
        assert_eq!(err.setting(), "max_attempts");
    }
}
