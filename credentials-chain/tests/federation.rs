//! The providers that call STS and SSO, against a recording `Federation`: which calls are made,
//! in which order, with which inputs and service settings, and how their results flow on.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use client_runtime::credentials::{describe, Credentials, CredentialsError, ProvideCredentials};
use client_runtime::profile::Env;
use smithy_lite_credentials::{
    sso_token_cache_file, AssumeRoleInput, AssumeRoleWithWebIdentityInput, CallFuture, ChainConfig, CreateTokenInput, DefaultCredentialsChain,
    Federation, Fs, GetRoleCredentialsInput, ProfileProvider, ServiceConfig, SsoToken, WebIdentityProvider,
};
use support::TempDir;

/// Records every call as a line and answers with credentials named after it.
#[derive(Debug, Default)]
struct Recorder {
    calls: Mutex<Vec<String>>,
    refreshed_token: Option<String>,
}

impl Recorder {
    fn log(&self, line: String) {
        self.calls.lock().expect("log").push(line);
    }
}

fn where_(c: &ServiceConfig) -> String {
    format!("{} fips={} dual={} url={:?}", c.region.as_str(), c.use_fips, c.use_dual_stack, c.endpoint_url)
}

impl Federation for Recorder {
    fn assume_role<'a>(&'a self, c: &'a ServiceConfig, source: Credentials, i: AssumeRoleInput) -> CallFuture<'a, Credentials> {
        self.log(format!(
            "AssumeRole {} as {} session={} ext={:?} dur={:?} @ {}",
            i.role_arn,
            source.access_key_id(),
            i.role_session_name,
            i.external_id,
            i.duration_seconds,
            where_(c)
        ));
        let id = format!("ROLE-{}", i.role_arn.rsplit('/').next().unwrap_or_default());
        Box::pin(async move { Ok(Credentials::new(id, "s", Some("t".into()), None, "test")) })
    }
    fn assume_role_with_web_identity<'a>(&'a self, c: &'a ServiceConfig, i: AssumeRoleWithWebIdentityInput) -> CallFuture<'a, Credentials> {
        self.log(format!("AssumeRoleWithWebIdentity {} session={} token={:?} @ {}", i.role_arn, i.role_session_name, i.web_identity_token, where_(c)));
        Box::pin(async { Ok(Credentials::new("WEBID", "s", Some("t".into()), None, "test")) })
    }
    fn get_role_credentials<'a>(&'a self, c: &'a ServiceConfig, i: GetRoleCredentialsInput) -> CallFuture<'a, Credentials> {
        self.log(format!("GetRoleCredentials {} {} token={} @ {}", i.account_id, i.role_name, i.access_token, where_(c)));
        Box::pin(async { Ok(Credentials::new("SSOKEY", "s", Some("t".into()), None, "test")) })
    }
    fn create_token<'a>(&'a self, c: &'a ServiceConfig, i: CreateTokenInput) -> CallFuture<'a, SsoToken> {
        self.log(format!("CreateToken {} refresh={} @ {}", i.client_id, i.refresh_token, where_(c)));
        let token = self.refreshed_token.clone();
        Box::pin(async move {
            match token {
                Some(access_token) => Ok(SsoToken {
                    access_token,
                    expires_at: SystemTime::now() + Duration::from_secs(3600),
                    refresh_token: Some("rotated-refresh".into()),
                }),
                None => Err(CredentialsError::new("InvalidGrantException: refresh token revoked")),
            }
        })
    }
}

fn setup(home: &TempDir, vars: &[(&str, &str)], recorder: Recorder) -> (ChainConfig, Arc<Recorder>) {
    let recorder = Arc::new(recorder);
    let mut all = vec![("HOME".to_string(), home.0.display().to_string())];
    all.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let config = ChainConfig::new().env(Env::from_map(all)).shared_federation(recorder.clone());
    (config, recorder)
}

fn calls(r: &Recorder) -> Vec<String> {
    r.calls.lock().expect("log").clone()
}

#[tokio::test]
async fn role_chain_assumes_each_role_with_the_previous_credentials() {
    let home = TempDir::new("roles");
    home.write(
        ".aws/config",
        "[profile top]\nrole_arn = arn:aws:iam::1:role/top\nsource_profile = mid\nrole_session_name = mine\nexternal_id = ext\nduration_seconds = 1800\n\
         region = eu-west-1\nuse_fips_endpoint = true\n\
         [profile mid]\nrole_arn = arn:aws:iam::1:role/mid\nsource_profile = base\n\
         [profile base]\naws_access_key_id = BASEKEY\naws_secret_access_key = basesecret\n",
    );
    let (config, rec) = setup(&home, &[("AWS_PROFILE", "top"), ("AWS_ENDPOINT_URL_STS", "http://sts.local")], Recorder::default());
    let creds = ProfileProvider::new(config).provide_credentials().await.expect("roles");
    assert_eq!(creds.access_key_id(), "ROLE-top");
    let log = calls(&rec);
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(log[0].starts_with("AssumeRole arn:aws:iam::1:role/mid as BASEKEY session=aws-sdk-rust-"), "{}", log[0]);
    assert!(log[0].ends_with("ext=None dur=None @ eu-west-1 fips=true dual=false url=Some(\"http://sts.local\")"), "{}", log[0]);
    assert_eq!(
        log[1],
        "AssumeRole arn:aws:iam::1:role/top as ROLE-mid session=mine ext=Some(\"ext\") dur=Some(1800) @ eu-west-1 fips=true dual=false url=Some(\"http://sts.local\")"
    );
}

#[tokio::test]
async fn web_identity_from_environment_sends_the_file_and_session_name() {
    let home = TempDir::new("webid");
    let token = home.write("token.jwt", "jwt-value\n");
    let token = token.display().to_string();
    let (config, rec) = setup(
        &home,
        &[("AWS_WEB_IDENTITY_TOKEN_FILE", &token), ("AWS_ROLE_ARN", "arn:aws:iam::1:role/pod"), ("AWS_ROLE_SESSION_NAME", "pod-1"), ("AWS_REGION", "ap-south-1")],
        Recorder::default(),
    );
    let creds = DefaultCredentialsChain::new(config.clone()).provide_credentials().await.expect("web identity");
    assert_eq!(creds.access_key_id(), "WEBID");
    assert_eq!(
        calls(&rec),
        ["AssumeRoleWithWebIdentity arn:aws:iam::1:role/pod session=pod-1 token=\"jwt-value\\n\" @ ap-south-1 fips=false dual=false url=None"]
    );
    // A token file without a role is a configuration error, which ends the chain.
    let (config, _) = setup(&home, &[("AWS_WEB_IDENTITY_TOKEN_FILE", &token)], Recorder::default());
    let err = WebIdentityProvider::new(config).provide_credentials().await.expect_err("no role");
    assert!(!err.is_not_loaded());
    assert_eq!(describe(&err), "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
}

fn write_token(home: &TempDir, key: &str, expires: &str) -> std::path::PathBuf {
    let path = sso_token_cache_file(std::path::Path::new("/"), key);
    let relative = path.strip_prefix("/").expect("absolute").display().to_string();
    home.write(
        &relative,
        &format!(
            r#"{{"accessToken":"old-token","expiresAt":"{expires}","refreshToken":"refresh-1","clientId":"client","clientSecret":"csecret","registrationExpiresAt":"2099-01-01T00:00:00Z","region":"us-east-1","startUrl":"https://x/start"}}"#
        ),
    )
}

#[tokio::test]
async fn sso_session_token_is_refreshed_when_due_and_the_cache_rewritten() {
    let home = TempDir::new("sso-refresh");
    home.write(
        ".aws/config",
        "[default]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\n[sso-session corp]\nsso_region = eu-central-1\nsso_start_url = https://x/start\n",
    );
    // The cache lives under HOME, which here is the real temp dir; read through a rooted Fs so
    // the logical path is `/.aws/sso/cache/...`.
    let cache = write_token(&home, "corp", "2000-01-01T00:00:00Z");
    let recorder = Recorder { refreshed_token: Some("new-token".into()), ..Default::default() };
    let rec = Arc::new(recorder);
    let config = ChainConfig::new().env(Env::from_map([("HOME", "/")])).fs(Fs::rooted(&home.0)).shared_federation(rec.clone());
    let creds = ProfileProvider::new(config.clone()).provide_credentials().await.expect("sso");
    assert_eq!((creds.access_key_id(), creds.account_id()), ("SSOKEY", Some("111122223333")));
    assert_eq!(
        calls(&rec),
        [
            "CreateToken client refresh=refresh-1 @ eu-central-1 fips=false dual=false url=None",
            "GetRoleCredentials 111122223333 Dev token=new-token @ eu-central-1 fips=false dual=false url=None",
        ]
    );
    let written = std::fs::read_to_string(&cache).expect("cache");
    assert!(written.contains("\"accessToken\":\"new-token\"") && written.contains("\"refreshToken\":\"rotated-refresh\""), "{written}");
    assert!(written.contains("\"clientSecret\":\"csecret\""), "other fields are kept: {written}");

    // A refresh that fails with an expired token: the error says to log in again.
    write_token(&home, "corp", "2000-01-01T00:00:00Z");
    let config = config.shared_federation(Arc::new(Recorder::default()));
    let err = ProfileProvider::new(config).provide_credentials().await.expect_err("expired");
    let text = describe(&err);
    assert!(text.contains("expired at 2000-01-01T00:00:00Z; run `aws sso login`"), "{text}");
    assert!(!text.contains("old-token") && !text.contains("refresh-1") && !text.contains("csecret"), "{text}");
}

#[tokio::test]
async fn legacy_sso_profile_is_never_refreshed() {
    let home = TempDir::new("sso-legacy");
    home.write(".aws/config", "[default]\nsso_start_url = https://x/start\nsso_region = us-east-2\nsso_account_id = 1\nsso_role_name = R\n");
    write_token(&home, "https://x/start", "2099-01-01T00:00:00Z");
    let rec = Arc::new(Recorder::default());
    let config = ChainConfig::new().env(Env::from_map([("HOME", "/"), ("AWS_USE_DUALSTACK_ENDPOINT", "true")])).fs(Fs::rooted(&home.0)).shared_federation(rec.clone());
    ProfileProvider::new(config).provide_credentials().await.expect("valid token");
    assert_eq!(calls(&rec), ["GetRoleCredentials 1 R token=old-token @ us-east-2 fips=false dual=true url=None"]);
}
