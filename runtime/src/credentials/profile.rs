//! Static credentials from the selected profile of the shared `config`/`credentials` files.
//!
//! Only `aws_access_key_id`, `aws_secret_access_key` and `aws_session_token` are resolved here.
//! Profiles that obtain credentials another way (assume role, SSO, an external process, web
//! identity) need network calls or child processes this crate deliberately does not carry; they
//! are reported with a pointer to the `aws-credential-types` adapter instead of being skipped.

use super::{Credentials, CredentialsError, ProvideCredentials, ProvideFuture};
use crate::profile::{Env, ProfileSet, Section};

/// Reads static keys from a profile. The files are re-read on every call (so rotated keys are
/// seen); wrap the provider in a [`super::CachedProvider`]. `Debug` prints no values.
#[derive(Clone, Debug, Default)]
pub struct ProfileProvider {
    env: Env,
    profile: Option<String>,
}

impl ProfileProvider {
    /// Uses the process environment to find the files and the profile (`AWS_PROFILE`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses `env` instead of the process environment.
    pub fn with_env(env: Env) -> Self {
        Self { env, profile: None }
    }

    /// Reads this profile whatever `AWS_PROFILE` says.
    pub fn profile_name(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }

    fn load(&self) -> Result<Credentials, CredentialsError> {
        let mut set = ProfileSet::load(&self.env).map_err(|e| {
            CredentialsError::with_source("could not load the shared config files", e)
        })?;
        if let Some(name) = &self.profile {
            set = set.with_selected(name.clone());
        }
        let Some(profile) = set.selected() else {
            let name = set.selected_name();
            let files: Vec<&str> = set.files().iter().map(|f| &**f).collect();
            return Err(CredentialsError::new(if files.is_empty() {
                format!(
                    "profile `{name}` is not defined: no shared files to read (none of \
                     AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, HOME or USERPROFILE is set)"
                )
            } else {
                format!("profile `{name}` is not defined in {}", files.join(", "))
            }));
        };
        static_credentials(profile)
    }
}

/// Properties that select a credential source other than static keys, with what they mean.
/// Listed in the order the AWS SDKs give them precedence over static keys.
const DELEGATED: [(&str, &str); 3] = [
    ("role_arn", "assume role"),
    ("web_identity_token_file", "web identity federation"),
    ("sso_", "IAM Identity Center (SSO)"),
];

fn static_credentials(profile: &Section) -> Result<Credentials, CredentialsError> {
    for (prefix, what) in DELEGATED {
        // A trailing `_` marks a family of properties (`sso_session`, `sso_account_id`, ...).
        let matches = |k: &&str| {
            if prefix.ends_with('_') {
                k.starts_with(prefix)
            } else {
                *k == prefix
            }
        };
        if let Some(key) = profile.keys().find(matches) {
            return Err(unsupported(profile, key, what));
        }
    }
    let name = profile.name();
    let id = profile.get("aws_access_key_id").filter(|v| !v.is_empty());
    let secret = profile
        .get("aws_secret_access_key")
        .filter(|v| !v.is_empty());
    let token = profile.get("aws_session_token").filter(|v| !v.is_empty());
    match (id, secret) {
        (Some(id), Some(secret)) => Ok(Credentials::new(
            id,
            secret,
            token.map(str::to_string),
            None, "ProfileFile",
        )),
        // Static keys win over `credential_process` in the AWS SDKs, so it only matters here.
        (None, None) if profile.get("credential_process").is_some() => Err(unsupported(
            profile,
            "credential_process",
            "an external credential process",
        )),
        (None, None) => Err(CredentialsError::new(format!(
            "profile `{name}` has no aws_access_key_id and aws_secret_access_key"
        ))),
        (Some(_), None) => Err(CredentialsError::new(format!(
            "profile `{name}` sets aws_access_key_id but not aws_secret_access_key"
        ))),
        (None, Some(_)) => Err(CredentialsError::new(format!(
            "profile `{name}` sets aws_secret_access_key but not aws_access_key_id"
        ))),
    }
}

fn unsupported(profile: &Section, key: &str, what: &str) -> CredentialsError {
    let at = profile
        .origin(key)
        .map(|o| format!(" ({o})"))
        .unwrap_or_default();
    CredentialsError::new(format!(
        "profile `{}` uses `{key}`{at} ({what}), which this client does not resolve itself; use the \
         `smithy-lite-credentials` crate (the `default-chain` feature of generated clients), or enable the \
         `aws-credential-types` feature and pass an aws-config credentials provider wrapped in \
         `AwsSdkProvider`",
        profile.name()
    ))
}

impl ProvideCredentials for ProfileProvider {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(async move { self.load() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::testing::TempDir;

    /// A home directory with the given shared files, and a provider reading it.
    fn provider(
        dir: &TempDir,
        config: &str,
        credentials: &str,
        extra: &[(&str, &str)],
    ) -> ProfileProvider {
        dir.write(".aws/config", config);
        dir.write(".aws/credentials", credentials);
        let home = dir.path().display().to_string();
        let vars = extra
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .chain([("HOME".to_string(), home)]);
        ProfileProvider::with_env(Env::from_map(vars))
    }

    async fn provide(p: &ProfileProvider) -> Result<Credentials, String> {
        p.provide_credentials()
            .await
            .map_err(|e| super::super::describe(&e))
    }

    #[tokio::test]
    async fn static_keys_from_selected_profile() {
        let dir = TempDir::new("profile-static");
        let creds_file = "[default]\naws_access_key_id = AKID\naws_secret_access_key = SECRET\n\
                          [dev]\naws_access_key_id = DEVID\naws_secret_access_key = DEVSECRET\naws_session_token = T";
        let p = provider(&dir, "", creds_file, &[]);
        let creds = provide(&p).await.expect("default creds");
        assert_eq!(
            (
                creds.access_key_id(),
                creds.secret_access_key(),
                creds.session_token()
            ),
            ("AKID", "SECRET", None)
        );

        let p = provider(&dir, "", creds_file, &[("AWS_PROFILE", "dev")]);
        let creds = provide(&p).await.expect("dev creds");
        assert_eq!(
            (creds.access_key_id(), creds.session_token()),
            ("DEVID", Some("T"))
        );
        // An explicit profile name beats AWS_PROFILE.
        let creds = provide(&p.profile_name("default")).await.expect("override");
        assert_eq!(creds.access_key_id(), "AKID");
    }

    #[tokio::test]
    async fn credentials_file_wins_over_config_for_same_profile() {
        let dir = TempDir::new("profile-merge");
        let p = provider(
            &dir,
            "[profile dev]\naws_access_key_id = FROM_CONFIG\naws_secret_access_key = CONFIG_SECRET",
            "[dev]\naws_access_key_id = FROM_CREDENTIALS",
            &[("AWS_PROFILE", "dev")],
        );
        let creds = provide(&p).await.expect("merged");
        assert_eq!(
            (creds.access_key_id(), creds.secret_access_key()),
            ("FROM_CREDENTIALS", "CONFIG_SECRET")
        );
    }

    #[tokio::test]
    async fn file_locations_from_env_vars_and_tilde() {
        let dir = TempDir::new("profile-paths");
        // The default locations hold different keys, so reading them would be caught.
        let home_provider = provider(
            &dir,
            "",
            "[default]\naws_access_key_id = HOME\naws_secret_access_key = S",
            &[],
        );
        assert_eq!(
            provide(&home_provider).await.expect("home").access_key_id(),
            "HOME"
        );
        dir.write(
            "elsewhere/creds",
            "[default]\naws_access_key_id = CUSTOM\naws_secret_access_key = S",
        );
        dir.write(
            "elsewhere/conf",
            "[profile x]\naws_access_key_id = CONF\naws_secret_access_key = S",
        );
        let home = dir.path().display().to_string();
        let env = Env::from_map([
            ("HOME", home.as_str()),
            ("AWS_SHARED_CREDENTIALS_FILE", "~/elsewhere/creds"),
            ("AWS_CONFIG_FILE", &format!("{home}/elsewhere/conf")),
        ]);
        let p = ProfileProvider::with_env(env.clone());
        assert_eq!(provide(&p).await.expect("custom").access_key_id(), "CUSTOM");
        assert_eq!(
            provide(&p.profile_name("x"))
                .await
                .expect("custom config")
                .access_key_id(),
            "CONF"
        );

        // USERPROFILE stands in for HOME (Windows).
        let env = Env::from_map([("USERPROFILE", home.as_str())]);
        assert_eq!(
            provide(&ProfileProvider::with_env(env))
                .await
                .expect("userprofile")
                .access_key_id(),
            "HOME"
        );
    }

    #[tokio::test]
    async fn missing_files_and_profiles() {
        let dir = TempDir::new("profile-missing");
        let env = Env::from_map([("HOME", dir.path().display().to_string())]);
        let err = provide(&ProfileProvider::with_env(env))
            .await
            .expect_err("no files");
        let config = dir.path().join(".aws").join("config");
        let credentials = dir.path().join(".aws").join("credentials");
        assert_eq!(
            err,
            format!(
                "profile `default` is not defined in {}, {}",
                config.display(),
                credentials.display()
            )
        );
        let err = provide(&ProfileProvider::with_env(Env::from_map([("X", "y")])))
            .await
            .expect_err("no home");
        assert_eq!(
            err,
            "profile `default` is not defined: no shared files to read (none of AWS_CONFIG_FILE, \
             AWS_SHARED_CREDENTIALS_FILE, HOME or USERPROFILE is set)"
        );
    }

    #[tokio::test]
    async fn broken_files_are_errors_naming_file_and_line() {
        let dir = TempDir::new("profile-broken");
        let p = provider(&dir, "[default]\nregion = x\nnot a property\n", "", &[]);
        let err = provide(&p).await.expect_err("syntax");
        let config = dir.path().join(".aws").join("config");
        assert_eq!(
            err,
            format!(
                "could not load the shared config files: {}:3: Expected an '=' sign defining a property",
                config.display()
            )
        );
        dir.write(".aws/config", b"[default]\n\nregion = \xff\n");
        let err = provide(&p).await.expect_err("utf-8");
        assert!(
            err.ends_with(&format!(
                "{}:3: the file is not valid UTF-8",
                config.display()
            )),
            "{err}"
        );

        // A directory where the file should be cannot be read.
        let dir2 = TempDir::new("profile-dir");
        std::fs::create_dir_all(dir2.path().join(".aws/config")).expect("mkdir");
        let env = Env::from_map([("HOME", dir2.path().display().to_string())]);
        let err = provide(&ProfileProvider::with_env(env))
            .await
            .expect_err("directory");
        let config = dir2.path().join(".aws").join("config");
        assert!(
            err.starts_with(&format!(
                "could not load the shared config files: {}: could not read the file: ",
                config.display()
            )),
            "{err}"
        );
    }

    #[tokio::test]
    async fn incomplete_static_keys() {
        let dir = TempDir::new("profile-incomplete");
        let p = provider(&dir, "", "[default]\naws_access_key_id = AKID", &[]);
        assert_eq!(
            provide(&p).await,
            Err("profile `default` sets aws_access_key_id but not aws_secret_access_key".into())
        );
        let p = provider(&dir, "", "[default]\naws_secret_access_key = S", &[]);
        assert_eq!(
            provide(&p).await,
            Err("profile `default` sets aws_secret_access_key but not aws_access_key_id".into())
        );
        let p = provider(&dir, "[default]\nregion = us-east-1", "", &[]);
        assert_eq!(
            provide(&p).await,
            Err("profile `default` has no aws_access_key_id and aws_secret_access_key".into())
        );
    }

    #[tokio::test]
    async fn delegated_sources_are_reported_with_the_adapter_hint() {
        let dir = TempDir::new("profile-delegated");
        let cases = [
            ("role_arn = arn:aws:iam::1:role/r\nsource_profile = base\naws_access_key_id = A\naws_secret_access_key = S", "role_arn", "assume role"),
            ("web_identity_token_file = /t\nrole_arn_x = 1", "web_identity_token_file", "web identity federation"),
            ("sso_session = my-sso\nsso_account_id = 1", "sso_account_id", "IAM Identity Center (SSO)"),
            ("credential_process = /bin/creds --secret", "credential_process", "an external credential process"),
        ];
        for (props, key, what) in cases {
            let p = provider(&dir, &format!("[default]\n{props}"), "", &[]);
            let err = provide(&p).await.expect_err(key);
            let config = dir.path().join(".aws").join("config");
            assert!(
                err.starts_with(&format!(
                    "profile `default` uses `{key}` ({}:",
                    config.display()
                )),
                "{err}"
            );
            assert!(
                err.contains(&format!(
                    ") ({what}), which this client does not resolve itself"
                )),
                "{err}"
            );
            assert!(err.contains("`aws-credential-types` feature"), "{err}");
            assert!(!err.contains("--secret"), "values are not echoed: {err}");
        }
        // Static keys take precedence over credential_process.
        let p = provider(&dir, "[default]\ncredential_process = /bin/x\naws_access_key_id = A\naws_secret_access_key = S", "", &[]);
        assert_eq!(provide(&p).await.expect("static wins").access_key_id(), "A");
    }

    #[tokio::test]
    async fn debug_of_provider_and_profiles_hides_secrets() {
        let dir = TempDir::new("profile-debug");
        let p = provider(&dir, "", "[default]\naws_access_key_id = AKIDVALUE\naws_secret_access_key = TOPSECRETVALUE\naws_session_token = TOKENVALUE\nregion = us-east-1", &[]);
        let set = ProfileSet::load(&p.env).expect("loads");
        let debug = format!("{p:?} {set:?} {:?}", provide(&p).await.expect("creds"));
        for secret in ["AKIDVALUE", "TOPSECRETVALUE", "TOKENVALUE"] {
            assert!(!debug.contains(secret), "{secret} leaked: {debug}");
        }
        assert!(
            debug.contains("us-east-1") && debug.contains("aws_secret_access_key"),
            "{debug}"
        );
    }
}
