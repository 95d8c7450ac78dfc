//! Credentials from the selected profile: which provider a profile names (static keys, web
//! identity, IAM Identity Center, `credential_process`, or a `credential_source`), followed by
//! the roles to assume on top of it (`role_arn` with `source_profile`), as the AWS SDKs resolve
//! it (aws-config's `profile::credentials::repr`):
//!
//! - a profile with `role_arn` (and no `web_identity_token_file`) is a role step; its source is
//!   `source_profile` or `credential_source`, exactly one of them;
//! - after the first profile, static keys in a source profile end the walk;
//! - a profile that names itself as `source_profile` uses its own static keys as the source;
//! - a profile visited twice is a loop, refused with the path taken.

use std::time::{SystemTime, UNIX_EPOCH};

use client_runtime::credentials::{Credentials, CredentialsError, EnvironmentProvider, ProvideCredentials, ProvideFuture};
use client_runtime::profile::settings::SharedSettings;
use client_runtime::profile::{ProfileSet, Section};
use client_runtime::region::{resolve_region, Region};

use crate::federation::{AssumeRoleInput, AssumeRoleWithWebIdentityInput, ServiceConfig};
use crate::sso::SsoSettings;
use crate::ChainConfig;

/// Where the first credentials of a profile chain come from.
#[derive(Clone, PartialEq, Eq)]
pub enum BaseProvider {
    /// `aws_access_key_id` / `aws_secret_access_key` (/ `aws_session_token`) of this profile.
    AccessKey { profile: String, credentials: Credentials },
    /// `credential_source` (`Environment`, `Ec2InstanceMetadata`, `EcsContainer`).
    CredentialSource { profile: String, source: NamedSource },
    /// `web_identity_token_file` with `role_arn`.
    WebIdentity { profile: String, token_file: String, role_arn: String, session_name: Option<String> },
    /// IAM Identity Center settings.
    Sso { profile: String, settings: SsoSettings },
    /// `credential_process`.
    CredentialProcess { profile: String, command: String, account_id: Option<String> },
}

/// The values `credential_source` may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NamedSource {
    /// `Environment`.
    Environment,
    /// `Ec2InstanceMetadata`.
    Ec2InstanceMetadata,
    /// `EcsContainer`.
    EcsContainer,
}

impl std::fmt::Debug for BaseProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::AccessKey { profile, .. } => write!(f, "AccessKey({profile})"),
            Self::CredentialSource { profile, source } => write!(f, "CredentialSource({profile}, {source:?})"),
            Self::WebIdentity { profile, role_arn, .. } => write!(f, "WebIdentity({profile}, {role_arn})"),
            Self::Sso { profile, .. } => write!(f, "Sso({profile})"),
            // The command line may carry secrets.
            Self::CredentialProcess { profile, .. } => write!(f, "CredentialProcess({profile})"),
        }
    }
}

/// One `role_arn` to assume, from the named profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleStep {
    /// The profile that set `role_arn`.
    pub profile: String,
    /// `role_arn`.
    pub role_arn: String,
    /// `external_id`.
    pub external_id: Option<String>,
    /// `role_session_name`.
    pub session_name: Option<String>,
    /// `duration_seconds`.
    pub duration_seconds: Option<u32>,
}

/// A resolved profile: the base provider, then the roles to assume in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileChain {
    /// Where the first credentials come from.
    pub base: BaseProvider,
    /// The roles, first assumed first.
    pub roles: Vec<RoleStep>,
}

/// Why a profile chain could not be resolved. `not_loaded` when the profile simply has no
/// credentials (the default chain moves on).
fn invalid(message: String) -> CredentialsError {
    CredentialsError::new(message)
}

fn value<'a>(profile: &'a Section, key: &str) -> Option<&'a str> {
    profile.get(key).map(str::trim).filter(|v| !v.is_empty())
}

impl ProfileChain {
    /// Resolves the selected profile of `set`. `explicit` says the profile was asked for by name
    /// (`AWS_PROFILE` or code): then a missing profile is an error rather than "not loaded".
    pub fn resolve(set: &ProfileSet, explicit: bool) -> Result<Self, CredentialsError> {
        let mut name = set.selected_name().to_string();
        let mut visited: Vec<String> = Vec::new();
        let mut roles = Vec::new();
        let base = loop {
            let Some(profile) = set.profile(&name) else {
                if visited.is_empty() {
                    let message = if set.profile_names().next().is_none() {
                        format!("No profiles were defined (looking for profile `{name}`)")
                    } else {
                        format!("profile `{name}` is not defined in the shared config files")
                    };
                    return Err(if explicit { invalid(message) } else { CredentialsError::not_loaded(message) });
                }
                return Err(invalid(format!(
                    "could not find source profile {name} referenced from {}",
                    visited.last().map(String::as_str).unwrap_or_default()
                )));
            };
            if visited.contains(&name) {
                visited.push(name);
                return Err(invalid(format!(
                    "profile formed an infinite loop through source_profile: {}",
                    visited.join(" -> ")
                )));
            }
            visited.push(name.clone());
            if visited.len() > 1 {
                if let Some(Ok(credentials)) = static_keys(profile) {
                    break BaseProvider::AccessKey { profile: name, credentials };
                }
            }
            let role_arn = value(profile, "role_arn");
            let Some(role_arn) = role_arn.filter(|_| value(profile, "web_identity_token_file").is_none()) else {
                break base_provider(set, profile)?;
            };
            let step = RoleStep {
                profile: name.clone(),
                role_arn: role_arn.to_string(),
                external_id: value(profile, "external_id").map(str::to_string),
                session_name: value(profile, "role_session_name").map(str::to_string),
                duration_seconds: match value(profile, "duration_seconds") {
                    None => None,
                    Some(v) => Some(v.parse().ok().filter(|d| (900..=43_200).contains(d)).ok_or_else(|| {
                        invalid(format!("profile `{name}`: duration_seconds must be a whole number of seconds from 900 to 43200, not `{v}`"))
                    })?),
                },
            };
            roles.push(step);
            match (value(profile, "source_profile"), value(profile, "credential_source")) {
                (Some(_), Some(_)) => {
                    return Err(invalid(format!(
                        "profile `{name}`: profile contained both source_profile and credential_source; only one may be set"
                    )))
                }
                (None, None) => {
                    return Err(invalid(format!(
                        "profile `{name}`: profile must contain `source_profile` or `credential_source` because it sets `role_arn`"
                    )))
                }
                (Some(source), None) if source == name => {
                    // A profile may assume a role with its own static keys.
                    break match static_keys(profile) {
                        Some(Ok(credentials)) => BaseProvider::AccessKey { profile: name, credentials },
                        Some(Err(e)) => return Err(e),
                        None => return Err(invalid(format!(
                            "profile `{name}` is its own source_profile but has no aws_access_key_id and aws_secret_access_key"
                        ))),
                    };
                }
                (Some(source), None) => name = source.to_string(),
                (None, Some(source)) => break named_source(&name, source)?,
            }
        };
        roles.reverse();
        Ok(Self { base, roles })
    }
}

fn named_source(profile: &str, source: &str) -> Result<BaseProvider, CredentialsError> {
    let source = match source {
        "Environment" => NamedSource::Environment,
        "Ec2InstanceMetadata" => NamedSource::Ec2InstanceMetadata,
        "EcsContainer" => NamedSource::EcsContainer,
        other => {
            return Err(invalid(format!(
                "profile `{profile}`: credential_source `{other}` is not one of Environment, Ec2InstanceMetadata, EcsContainer"
            )))
        }
    };
    Ok(BaseProvider::CredentialSource { profile: profile.to_string(), source })
}

/// `None` when the profile has no keys at all.
fn static_keys(profile: &Section) -> Option<Result<Credentials, CredentialsError>> {
    let id = value(profile, "aws_access_key_id");
    let secret = value(profile, "aws_secret_access_key");
    let name = profile.name();
    Some(match (id, secret) {
        (None, None) => return None,
        (Some(id), Some(secret)) => {
            let creds = Credentials::new(id, secret, value(profile, "aws_session_token").map(str::to_string), None, "ProfileFile");
            Ok(match value(profile, "aws_account_id") {
                Some(account) => creds.with_account_id(account),
                None => creds,
            })
        }
        (Some(_), None) => Err(invalid(format!("profile `{name}`: profile missing aws_secret_access_key"))),
        (None, Some(_)) => Err(invalid(format!("profile `{name}`: profile missing aws_access_key_id"))),
    })
}

/// The provider a profile without a role step names, in the SDKs' order of precedence.
fn base_provider(set: &ProfileSet, profile: &Section) -> Result<BaseProvider, CredentialsError> {
    let name = profile.name().to_string();
    if let Some(source) = value(profile, "credential_source") {
        return named_source(&name, source);
    }
    if let Some(token_file) = value(profile, "web_identity_token_file") {
        let role_arn = value(profile, "role_arn").ok_or_else(|| {
            invalid(format!("profile `{name}`: `web_identity_token_file` was specified but `role_arn` was missing"))
        })?;
        return Ok(BaseProvider::WebIdentity {
            profile: name,
            token_file: token_file.to_string(),
            role_arn: role_arn.to_string(),
            session_name: value(profile, "role_session_name").map(str::to_string),
        });
    }
    if let Some(settings) = SsoSettings::from_profile(set, profile)? {
        return Ok(BaseProvider::Sso { profile: name, settings });
    }
    if let Some(command) = value(profile, "credential_process") {
        return Ok(BaseProvider::CredentialProcess {
            profile: name,
            command: command.to_string(),
            account_id: value(profile, "aws_account_id").map(str::to_string),
        });
    }
    match static_keys(profile) {
        Some(result) => Ok(BaseProvider::AccessKey { profile: name, credentials: result? }),
        None => Err(CredentialsError::not_loaded(format!(
            "profile `{name}` did not contain credential information (no keys, role_arn, web_identity_token_file, sso_* or credential_process)"
        ))),
    }
}

/// The settings of one service call made on behalf of the selected profile: the region
/// (environment, then profile, then `fallback`), endpoint overrides for `service_suffix`
/// (`STS`, `SSO`, `SSO_OIDC`), FIPS and dual-stack.
pub(crate) fn service_config(
    config: &ChainConfig,
    set: &ProfileSet,
    service_suffix: &str,
    region: Option<Region>,
) -> Result<ServiceConfig, CredentialsError> {
    let region = match region {
        Some(r) => r,
        None => resolve_region(None, &config.env, set)
            .map_err(|e| CredentialsError::with_source("invalid region", e))?
            .unwrap_or_else(|| Region::from_static("us-east-1")),
    };
    let settings = SharedSettings::resolve(&config.env, set, service_suffix)
        .map_err(|e| CredentialsError::with_source("invalid setting", e))?;
    Ok(ServiceConfig {
        region,
        endpoint_url: settings.endpoint_url,
        use_fips: settings.use_fips_endpoint.unwrap_or(false),
        use_dual_stack: settings.use_dualstack_endpoint.unwrap_or(false),
        http_client: config.http(),
        time: config.time.clone(),
    })
}

/// A session name when the profile sets none: the SDKs use a time-stamped one.
pub(crate) fn default_session_name(prefix: &str, now: SystemTime) -> String {
    let millis = now.duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    format!("{prefix}-{millis}")
}

/// Credentials from the selected profile of the shared files, following `source_profile` and
/// `credential_source` and assuming each `role_arn` on the way. Wrap it in a cache.
#[derive(Clone, Debug, Default)]
pub struct ProfileProvider {
    config: ChainConfig,
}

impl ProfileProvider {
    /// A provider reading what `config` points at.
    pub fn new(config: ChainConfig) -> Self {
        Self { config }
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        let set = self.config.profiles().map_err(|e| CredentialsError::with_source("could not load the shared config files", e))?;
        let explicit = self.config.profile_name.is_some() || self.config.env.get("AWS_PROFILE").is_some();
        let chain = ProfileChain::resolve(&set, explicit)?;
        tracing::debug!(?chain, "resolved profile chain");
        let mut credentials = self.base(&set, &chain.base).await?;
        for step in &chain.roles {
            let sts = service_config(&self.config, &set, "STS", None)?;
            let input = AssumeRoleInput {
                role_arn: step.role_arn.clone(),
                role_session_name: step
                    .session_name
                    .clone()
                    .unwrap_or_else(|| default_session_name("aws-sdk-rust", self.config.time.now())),
                external_id: step.external_id.clone(),
                duration_seconds: step.duration_seconds,
            };
            credentials = self
                .config
                .federation
                .assume_role(&sts, credentials, input)
                .await
                .map_err(|e| CredentialsError::with_source(format!("profile `{}`: assuming role {}", step.profile, step.role_arn), e))?;
        }
        Ok(credentials)
    }

    /// Runs the base provider. Its failures end the default chain (the profile asked for it), so
    /// a "not loaded" from it is reported as a failure naming the profile.
    async fn base(&self, set: &ProfileSet, base: &BaseProvider) -> Result<Credentials, CredentialsError> {
        let (profile, result) = match base {
            BaseProvider::AccessKey { credentials, .. } => return Ok(credentials.clone()),
            BaseProvider::CredentialSource { profile, source } => (profile, self.named_source(*source).await),
            BaseProvider::WebIdentity { profile, token_file, role_arn, session_name } => {
                let result = async {
                    let token = crate::web_identity::read_token(&self.config.fs, token_file)?;
                    let sts = service_config(&self.config, set, "STS", None)?;
                    let input = AssumeRoleWithWebIdentityInput {
                        role_arn: role_arn.clone(),
                        role_session_name: session_name
                            .clone()
                            .unwrap_or_else(|| default_session_name("web-identity-token", self.config.time.now())),
                        web_identity_token: token,
                    };
                    self.config.federation.assume_role_with_web_identity(&sts, input).await
                }
                .await;
                (profile, result)
            }
            BaseProvider::Sso { profile, settings } => {
                (profile, crate::sso::SsoProvider::with_settings(self.config.clone(), settings.clone()).load(set).await)
            }
            BaseProvider::CredentialProcess { profile, command, account_id } => {
                #[cfg(feature = "process")]
                let result = crate::process::CredentialProcessProvider::new(command.clone())
                    .account_id(account_id.clone())
                    .load()
                    .await;
                #[cfg(not(feature = "process"))]
                let result = {
                    let _ = (command, account_id);
                    Err(CredentialsError::new("credential_process needs the `process` feature of smithy-lite-credentials"))
                };
                (profile, result)
            }
        };
        // The cause stays attached (with its "not loaded" flag) for callers that look.
        result.map_err(|e| CredentialsError::with_source(format!("profile `{profile}`"), e))
    }

    async fn named_source(&self, source: NamedSource) -> Result<Credentials, CredentialsError> {
        match source {
            NamedSource::Environment => EnvironmentProvider::with_env(self.config.env.clone()).provide_credentials().await,
            #[cfg(feature = "imds")]
            NamedSource::Ec2InstanceMetadata => crate::imds::ImdsProvider::new(self.config.clone()).provide_credentials().await,
            #[cfg(feature = "container")]
            NamedSource::EcsContainer => crate::container::ContainerProvider::new(self.config.clone()).provide_credentials().await,
            #[allow(unreachable_patterns)]
            other => Err(CredentialsError::new(format!("credential_source {other:?} needs a feature of smithy-lite-credentials this build lacks"))),
        }
    }
}

impl ProvideCredentials for ProfileProvider {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(self.load())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(config: &str, credentials: &str, selected: &str) -> Result<ProfileChain, String> {
        let set = ProfileSet::parse(config, credentials).map_err(|e| e.to_string())?.with_selected(selected);
        ProfileChain::resolve(&set, true).map_err(|e| e.to_string())
    }

    fn roles(chain: &ProfileChain) -> Vec<&str> {
        chain.roles.iter().map(|r| r.role_arn.as_str()).collect()
    }

    #[test]
    fn source_profile_chain_ends_at_static_keys() {
        let chain = resolve(
            "[profile A]\nrole_arn = arn:A\nsource_profile = B\nrole_session_name = sess\nexternal_id = ext\nduration_seconds = 3600\n\
             [profile B]\nrole_arn = arn:B\nsource_profile = C\naws_access_key_id = BKEY\naws_secret_access_key = BSECRET\n\
             [profile C]\naws_access_key_id = CKEY\naws_secret_access_key = CSECRET",
            "",
            "A",
        )
        .expect("resolves");
        // B's static keys win over its own role_arn once B is a source profile.
        assert_eq!(roles(&chain), ["arn:A"]);
        match &chain.base {
            BaseProvider::AccessKey { profile, credentials } => {
                assert_eq!((profile.as_str(), credentials.access_key_id()), ("B", "BKEY"))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            chain.roles[0],
            RoleStep {
                profile: "A".into(),
                role_arn: "arn:A".into(),
                external_id: Some("ext".into()),
                session_name: Some("sess".into()),
                duration_seconds: Some(3600)
            }
        );
    }

    #[test]
    fn roles_are_assumed_from_the_source_outwards() {
        let chain = resolve(
            "[profile A]\nrole_arn = arn:A\nsource_profile = B\n[profile B]\nrole_arn = arn:B\nsource_profile = C\n\
             [profile C]\nrole_arn = arn:C\ncredential_source = EcsContainer",
            "",
            "A",
        )
        .expect("resolves");
        assert_eq!(roles(&chain), ["arn:C", "arn:B", "arn:A"]);
        assert_eq!(chain.base, BaseProvider::CredentialSource { profile: "C".into(), source: NamedSource::EcsContainer });
    }

    #[test]
    fn loops_are_refused_with_the_path() {
        assert_eq!(
            resolve("[profile A]\nrole_arn = a\nsource_profile = B\n[profile B]\nrole_arn = b\nsource_profile = A", "", "A"),
            Err("profile formed an infinite loop through source_profile: A -> B -> A".into())
        );
        // A profile naming itself uses its own keys: not a loop.
        let chain = resolve("[profile A]\nrole_arn = a\nsource_profile = A\naws_access_key_id = K\naws_secret_access_key = S", "", "A")
            .expect("self source");
        assert_eq!(roles(&chain), ["a"]);
        assert!(matches!(chain.base, BaseProvider::AccessKey { .. }));
    }

    #[test]
    fn invalid_profiles_say_what_is_wrong() {
        let cases = [
            ("[profile A]\nrole_arn = a", "profile `A`: profile must contain `source_profile` or `credential_source` because it sets `role_arn`"),
            ("[profile A]\nrole_arn = a\nsource_profile = B\ncredential_source = Environment", "profile `A`: profile contained both source_profile and credential_source; only one may be set"),
            ("[profile A]\nrole_arn = a\ncredential_source = Ec2", "profile `A`: credential_source `Ec2` is not one of Environment, Ec2InstanceMetadata, EcsContainer"),
            ("[profile A]\nrole_arn = a\nsource_profile = Z", "could not find source profile Z referenced from A"),
            ("[profile A]\nweb_identity_token_file = /t", "profile `A`: `web_identity_token_file` was specified but `role_arn` was missing"),
            ("[profile A]\naws_access_key_id = K", "profile `A`: profile missing aws_secret_access_key"),
            ("[profile A]\nrole_arn = a\nsource_profile = A\nduration_seconds = 60", "profile `A`: duration_seconds must be a whole number of seconds from 900 to 43200, not `60`"),
        ];
        for (config, want) in cases {
            assert_eq!(resolve(config, "", "A"), Err(want.to_string()), "{config}");
        }
    }

    #[test]
    fn base_provider_precedence() {
        let chain = resolve("[profile A]\nrole_arn = r\nweb_identity_token_file = /t\nrole_session_name = s", "", "A").expect("wi");
        assert!(chain.roles.is_empty());
        assert_eq!(
            chain.base,
            BaseProvider::WebIdentity { profile: "A".into(), token_file: "/t".into(), role_arn: "r".into(), session_name: Some("s".into()) }
        );
        let chain = resolve("[profile A]\ncredential_process = run me\naws_account_id = 1", "", "A").expect("process");
        assert_eq!(
            chain.base,
            BaseProvider::CredentialProcess { profile: "A".into(), command: "run me".into(), account_id: Some("1".into()) }
        );
        // credential_process comes before static keys in the first profile.
        let chain = resolve("[profile A]\ncredential_process = x\naws_access_key_id = K\naws_secret_access_key = S", "", "A").expect("both");
        assert!(matches!(chain.base, BaseProvider::CredentialProcess { .. }));
    }

    #[test]
    fn missing_or_empty_profiles_are_not_loaded_unless_named() {
        let set = ProfileSet::parse("[profile other]\na = b", "").expect("parses");
        let err = ProfileChain::resolve(&set, false).expect_err("no default");
        assert!(err.is_not_loaded(), "{err}");
        assert!(!ProfileChain::resolve(&set.clone().with_selected("x"), true).expect_err("named").is_not_loaded());
        let set = ProfileSet::parse("[default]\nregion = us-east-1", "").expect("parses");
        assert!(ProfileChain::resolve(&set, false).expect_err("no keys").is_not_loaded());
    }
}
