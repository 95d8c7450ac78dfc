//! The credentials vectors of smithy-rs's aws-config (`conformance/credentials/`), run against
//! `credentials-chain`:
//!
//! - `credentials-chain` (`default-credential-provider-chain/`) and `credentials-profile`
//!   (`profile-provider/`): each case's `fs/` folder is served as the file system (a rooted
//!   [`Fs`]), `env.json` as the environment, and `http-traffic.json` is replayed through the
//!   `HttpClient` trait. Every request the chain makes must be the next recorded one, and every
//!   recorded one must be made. Compared: the method; the URI's scheme, host, port and path; the
//!   query parameters as a set (recordings list them in either order); the headers that carry
//!   meaning — the IMDS token and TTL headers, `authorization` for the container endpoint,
//!   the SSO bearer token — with their recorded values, when the recording has them. Not
//!   compared: `user-agent` and `x-amz-user-agent` (product strings), `host`/`content-length`
//!   (the transport adds them), and the SigV4 signature and `x-amz-date` of STS calls, which
//!   depend on the recording's clock; of a signed request, the access key, region and service
//!   of its credential scope and its `x-amz-security-token` are compared (they show which
//!   credentials of the chain signed it). STS form bodies are compared parameter by parameter,
//!   except generated session names. A recording holds one attempt per call: when the chain's
//!   STS or SSO client retries a recorded 5xx (as the SDKs' standard retry mode does), the
//!   retry is answered with the same recorded response.
//! - `credentials-token` (`default-token-provider-chain/`): the SSO token of the selected profile.
//! - `assume-role` (`assume-role-tests.json`): the profile chain each profile set resolves to.
//! - `ecs-config` (`ecs-tests.json`) and `imds-endpoint` (`imds-config/imds-endpoint-tests.json`):
//!   the URI the container provider and the IMDS client use, from the environment and profile.
//!
//! Expected errors are matched as substrings, except for a few phrases that name aws-config's own
//! error types; [`EQUIVALENT`] maps each to what says the same here.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use client_runtime::credentials::{describe, CredentialsError, ProvideCredentials};
use client_runtime::http::{DispatchError, DispatchErrorKind, Headers, HttpClient, HttpRequest, HttpResponse, SendFuture, Uri};
use client_runtime::__private::profile::{Env, ProfileSet};
use client_runtime::test_util::block_on;
use credentials_chain::{
    BaseProvider, ChainConfig, ContainerProvider, DefaultCredentialsChain, EndpointMode, Fs, ImdsClient, ProfileChain,
    ProfileProvider, SsoProvider,
};
use serde_json::Value;

use super::SuiteResult;

const ROOT: &str = "conformance/credentials";

/// Expected error phrases that name aws-config's error kinds, and what must hold here instead.
/// `NotLoaded` means the error says no provider was configured (`is_not_loaded`).
const EQUIVALENT: &[(&str, Expect)] = &[
    ("the credential provider was not enabled", Expect::NotLoaded),
    ("provider was not enabled", Expect::NotLoaded),
    ("could not parse profile file", Expect::Contains("could not load the shared config files")),
    // aws-config's wrapper for a configured provider's failure: here it ends the chain too.
    ("an error occurred while loading credentials: Error retrieving credentials: ", Expect::Configured),
    ("an error occurred while loading credentials", Expect::Configured),
    ("Error retrieving credentials from external process, ", Expect::Configured),
    // The `http` crate's wording for a URI it cannot parse.
    ("invalid uri character", Expect::Contains("invalid uri")),
];

/// An error as [`check_error`] sees it.
struct Outcome<'a> {
    /// The error itself is "not loaded".
    outer_not_loaded: bool,
    /// It or one of its causes is.
    not_loaded: bool,
    message: &'a str,
}

impl<'a> Outcome<'a> {
    fn of(e: &CredentialsError, message: &'a str) -> Self {
        Self { outer_not_loaded: e.is_not_loaded(), not_loaded: not_loaded_anywhere(e), message }
    }

    fn plain(message: &'a str) -> Self {
        Self { outer_not_loaded: false, not_loaded: false, message }
    }
}

#[derive(Clone, Copy, Debug)]
enum Expect {
    NotLoaded,
    Configured,
    Contains(&'static str),
}

/// Checks an error against an `ErrorContains` text: equivalences first (a prefix equivalence
/// checks the rest of the text literally), then a plain substring.
fn check_error(expected: &str, e: Outcome<'_>) -> Result<(), String> {
    let Outcome { outer_not_loaded, not_loaded, message } = e;
    let mut rest = expected;
    for (phrase, expect) in EQUIVALENT {
        if let Some(after) = rest.strip_prefix(phrase) {
            match expect {
                Expect::NotLoaded if !not_loaded => return Err(format!("expected a not-loaded error, got: {message}")),
                Expect::Configured if outer_not_loaded => return Err(format!("expected a configured provider's failure, got: {message}")),
                Expect::Contains(ours) if !message.contains(ours) => return Err(format!("expected `{ours}` in: {message}")),
                _ => {}
            }
            rest = after;
        }
    }
    if message.contains(rest) {
        Ok(())
    } else {
        Err(format!("expected `{rest}` in: {message}"))
    }
}

/// Whether the error or one of its causes says a provider was not configured (aws-config's
/// "not enabled" text shows through its wrappers the same way).
fn not_loaded_anywhere(e: &CredentialsError) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.downcast_ref::<CredentialsError>().is_some_and(CredentialsError::is_not_loaded) {
            return true;
        }
        cause = c.source();
    }
    false
}

fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

fn env_from(value: Option<&Value>) -> Env {
    let vars = value.and_then(Value::as_object).map(|m| {
        m.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string()))).collect::<Vec<_>>()
    });
    Env::from_map(vars.unwrap_or_default())
}

// ---------------------------------------------------------------------------------------------
// Recorded traffic

struct Exchange {
    method: String,
    uri: String,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
    response: Result<HttpResponse, String>,
}

fn traffic(path: &Path) -> Result<Vec<Exchange>> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let json = read_json(path)?;
    let mut out: Vec<Exchange> = Vec::new();
    for event in json["events"].as_array().into_iter().flatten() {
        let action = &event["action"];
        if let Some(request) = action.get("Request") {
            let r = &request["request"];
            let headers = r["headers"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.to_ascii_lowercase(), v[0].as_str().unwrap_or_default().to_string()))
                .collect();
            out.push(Exchange {
                method: r["method"].as_str().unwrap_or_default().to_string(),
                uri: r["uri"].as_str().unwrap_or_default().to_string(),
                headers,
                body: Vec::new(),
                response: Err("no response recorded".into()),
            });
        } else if let Some(response) = action.get("Response") {
            let last = out.last_mut().context("response before request")?;
            last.response = match response["response"].get("Ok") {
                Some(ok) => {
                    let mut headers = Headers::new();
                    for (k, v) in ok["headers"].as_object().into_iter().flatten() {
                        for v in v.as_array().into_iter().flatten() {
                            headers.append(k.clone(), v.as_str().unwrap_or_default().to_string());
                        }
                    }
                    Ok(HttpResponse { status: ok["status"].as_u64().unwrap_or(0) as u16, headers, body: Vec::new() })
                }
                None => Err(format!("{}", response["response"])),
            };
        } else if let Some(data) = action.get("Data") {
            let last = out.last_mut().context("data before request")?;
            let bytes = data["data"]["Utf8"].as_str().unwrap_or_default().as_bytes().to_vec();
            if data["direction"] == "Request" {
                last.body.extend(bytes);
            } else if let Ok(r) = &mut last.response {
                r.body.extend(bytes);
            }
        }
    }
    Ok(out)
}

/// Headers compared when the recording has them. `authorization` only for unsigned requests.
const MEANINGFUL_HEADERS: &[&str] = &[
    "x-aws-ec2-metadata-token-ttl-seconds",
    "x-aws-ec2-metadata-token",
    "x-amz-sso_bearer_token",
    "authorization",
];

#[derive(Debug, Default)]
struct Replay {
    queue: Mutex<VecDeque<Arc<ExchangeBox>>>,
    /// The last exchange answered with a server error: method, URI and its response.
    last_server_error: Mutex<Option<(String, String, HttpResponse)>>,
    mismatches: Mutex<Vec<String>>,
    /// Form parameters whose recorded value is known not to match the case's own configuration.
    unreliable: Vec<&'static str>,
}

/// Where a recording disagrees with its own case, because it was captured in a real account with
/// a real token and the case's files were then anonymised: the recorded `RoleArn` names another
/// account (`134095065856`, `123456789123`) than the case's configuration, and the recorded
/// `WebIdentityToken` is a real JWT while the case's token file holds `sometoken`. These
/// parameters must still be sent; their values are compared in every other case
/// (`web_identity_token_invalid_jwt` checks both). `web_identity_token_env` also recorded its token
/// without the trailing newline its token file now ends with, while `web_identity_token_invalid_jwt`
/// sends the newline (`%0A`): the SDKs send the file as it is, and so does this chain.
///
/// Three recordings were edited after capture without being re-signed: `ecs_assume_role`'s
/// AssumeRole request is `imds_assume_role`'s (signed by the IMDS credentials `ASIARSTSBASE` with
/// token `tokenbase`, not by the `ASIARTEST` the recorded ECS response hands out);
/// `web_identity_token_source_profile` anonymised the session token in the first response but not
/// in the second request; `region_override` changed the URI to `us-east-2` but kept the
/// `us-east-1` credential scope. The signing key, region and token are compared in every other
/// signed case (`imds_assume_role`, `e2e_assume_role`, `retry_on_error`, ...).
const RECORDING_DIFFERENCES: &[(&str, &str)] = &[
    ("ecs_assume_role", "signing key"),
    ("ecs_assume_role", "x-amz-security-token"),
    ("web_identity_token_source_profile", "x-amz-security-token"),
    ("region_override", "signing region"),
    ("web_identity_token_env", "RoleArn"),
    ("web_identity_token_env", "WebIdentityToken"),
    ("web_identity_token_profile", "RoleArn"),
    ("web_identity_token_profile", "WebIdentityToken"),
    ("web_identity_token_source_profile", "RoleArn"),
    ("web_identity_token_source_profile", "WebIdentityToken"),
];

/// Cases that cannot apply yet, with why.
const SKIPS: &[(&str, &str)] = &[];

#[derive(Debug)]
struct ExchangeBox(Mutex<Option<Exchange>>);

impl std::fmt::Debug for Exchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.uri)
    }
}

fn query_set(query: &str) -> BTreeSet<String> {
    query.split('&').filter(|p| !p.is_empty()).map(str::to_string).collect()
}

fn compare(expected: &Exchange, actual: &HttpRequest, unreliable: &[&str]) -> Vec<String> {
    let mut diffs = Vec::new();
    if expected.method != actual.method {
        diffs.push(format!("method {} instead of {}", actual.method, expected.method));
    }
    match Uri::parse(&expected.uri) {
        Some(want) => {
            let got = &actual.uri;
            if (got.scheme.as_str(), got.host(), got.port(), got.path.as_str()) != (want.scheme.as_str(), want.host(), want.port(), want.path.as_str()) {
                diffs.push(format!("URI {got} instead of {}", expected.uri));
            }
            if query_set(&got.query) != query_set(&want.query) {
                diffs.push(format!("query `{}` instead of `{}`", got.query, want.query));
            }
        }
        None => diffs.push(format!("unparseable recorded URI {}", expected.uri)),
    }
    let signed = expected.headers.get("authorization").is_some_and(|a| a.starts_with("AWS4-HMAC-SHA256"));
    if signed {
        // Who signed, for which region and service: `Credential=AKID/DATE/REGION/SERVICE/aws4_request`
        // without the date, which is the recording's. And the session token of those credentials.
        let scope = |auth: Option<&str>| {
            let credential = auth?.split("Credential=").nth(1)?.split(',').next()?;
            let parts: Vec<&str> = credential.split('/').collect();
            Some((parts.first()?.to_string(), parts.get(2)?.to_string(), parts.get(3)?.to_string()))
        };
        let want = scope(expected.headers.get("authorization").map(String::as_str));
        let got = scope(actual.headers.get("authorization"));
        let same = |i: usize| want.as_ref().map(|w| [&w.0, &w.1, &w.2][i]) == got.as_ref().map(|g| [&g.0, &g.1, &g.2][i]);
        if !(same(0) || unreliable.contains(&"signing key")) || !(same(1) || unreliable.contains(&"signing region")) || !same(2) {
            diffs.push(format!("signed as {got:?} (key, region, service), recorded {want:?}"));
        }
        if expected.headers.get("x-amz-security-token").map(String::as_str) != actual.headers.get("x-amz-security-token")
            && !unreliable.contains(&"x-amz-security-token")
        {
            diffs.push("x-amz-security-token differs from the recording".into());
        }
    }
    for name in MEANINGFUL_HEADERS {
        if *name == "authorization" && signed {
            continue;
        }
        if let Some(want) = expected.headers.get(*name) {
            match actual.headers.get(name) {
                Some(got) if got == want => {}
                Some(_) => diffs.push(format!("header {name} differs from the recording")),
                None => diffs.push(format!("header {name} missing")),
            }
        }
    }
    diffs
}

impl Replay {
    fn new(exchanges: Vec<Exchange>) -> Self {
        Self { queue: Mutex::new(exchanges.into_iter().map(|e| Arc::new(ExchangeBox(Mutex::new(Some(e))))).collect()), ..Default::default() }
    }

    fn is_retry_of_server_error(&self, request: &HttpRequest) -> bool {
        let last = self.last_server_error.lock().unwrap_or_else(|e| e.into_inner());
        last.as_ref().is_some_and(|(method, uri, _)| *method == request.method && *uri == request.uri.to_string())
    }

    fn mismatch(&self, m: String) {
        self.mismatches.lock().unwrap_or_else(|e| e.into_inner()).push(m);
    }

    /// Requests that went wrong, and recorded ones never made.
    fn finish(&self) -> Vec<String> {
        let mut out = std::mem::take(&mut *self.mismatches.lock().unwrap_or_else(|e| e.into_inner()));
        for left in self.queue.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            if let Some(e) = left.0.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
                out.push(format!("recorded request not made: {} {}", e.method, e.uri));
            }
        }
        out
    }
}

impl HttpClient for Replay {
    fn send<'a>(&'a self, request: &'a HttpRequest) -> SendFuture<'a> {
        let next = self.queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
        let result = match next.and_then(|b| b.0.lock().unwrap_or_else(|e| e.into_inner()).take()) {
            // A retry of the last recorded attempt, which the server failed with a 5xx: the
            // recordings hold one attempt, the clients retry as the SDKs' standard mode says.
            None if self.is_retry_of_server_error(request) => {
                let last = self.last_server_error.lock().unwrap_or_else(|e| e.into_inner());
                Ok(last.as_ref().map(|(_, _, response)| response.clone()).unwrap_or_default())
            }
            None => {
                self.mismatch(format!("unexpected request {} {}", request.method, request.uri));
                Err(DispatchError::new(DispatchErrorKind::Connect, "no recorded traffic left (nothing listens here)"))
            }
            Some(exchange) => {
                for diff in compare(&exchange, request, &self.unreliable) {
                    self.mismatch(format!("{} {}: {diff}", exchange.method, exchange.uri));
                }
                if let Some(form) = is_form(&exchange) {
                    self.check_form(&exchange, form, request);
                }
                if let Some(r) = exchange.response.as_ref().ok().filter(|r| r.status >= 500) {
                    *self.last_server_error.lock().unwrap_or_else(|e| e.into_inner()) = Some((request.method.to_string(), request.uri.to_string(), r.clone()));
                }
                exchange.response.map_err(|e| DispatchError::new(DispatchErrorKind::Io, e))
            }
        };
        Box::pin(async move { result })
    }
}

fn is_form(exchange: &Exchange) -> Option<()> {
    (exchange.headers.get("content-type").map(String::as_str) == Some("application/x-www-form-urlencoded")).then_some(())
}

impl Replay {
    /// STS bodies: the action and every parameter but the time-stamped default session name.
    fn check_form(&self, exchange: &Exchange, _: (), request: &HttpRequest) {
        let params = |body: &[u8]| -> BTreeMap<String, String> {
            String::from_utf8_lossy(body)
                .split('&')
                .filter_map(|p| p.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let (want, got) = (params(&exchange.body), params(&request.body));
        for (k, v) in &want {
            // Session names the SDK generated (time-stamped, or aws-config's fixed test name).
            let generated = k == "RoleSessionName" && (v.starts_with("assume-role-") || v.starts_with("web-identity-token-"));
            match got.get(k) {
                None => self.mismatch(format!("{}: form parameter {k} missing", exchange.uri)),
                Some(_) if generated => {}
                Some(_) if self.unreliable.contains(&k.as_str()) => {}
            Some(g) if g != v => self.mismatch(format!("{}: form parameter {k} is {g}, recorded {v}", exchange.uri)),
                Some(_) => {}
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Suites over case folders

fn case_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    Ok(dirs)
}

fn run_case(dir: &Path, which: Which) -> Result<Result<(), String>, String> {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if let Some((_, why)) = SKIPS.iter().find(|(case, _)| *case == name) {
        return Err((*why).to_string());
    }
    let env = env_from(read_json(&dir.join("env.json")).ok().as_ref());
    let test = read_json(&dir.join("test-case.json")).map_err(|e| format!("{e:#}"))?;
    let exchanges = traffic(&dir.join("http-traffic.json")).map_err(|e| format!("{e:#}"))?;
    let mut replay = Replay::new(exchanges);
    replay.unreliable = RECORDING_DIFFERENCES.iter().filter(|(case, _)| *case == name).map(|(_, key)| *key).collect();
    let replay = Arc::new(replay);
    let config = ChainConfig::new()
        .env(env)
        .fs(Fs::rooted(dir.join("fs")))
        .shared_http_client(replay.clone());
    let result = block_on(async {
        match which {
            Which::Chain => DefaultCredentialsChain::new(config).provide_credentials().await,
            Which::Profile => ProfileProvider::new(config).provide_credentials().await,
        }
    });
    let mismatches = replay.finish();
    Ok(check_result(&test["result"], &result).and_then(|()| {
        if mismatches.is_empty() {
            Ok(())
        } else {
            Err(mismatches.join("\n"))
        }
    }))
}

fn check_result(expected: &Value, result: &Result<client_runtime::credentials::Credentials, CredentialsError>) -> Result<(), String> {
    match (expected.get("Ok"), expected.get("ErrorContains").and_then(Value::as_str), result) {
        (Some(want), _, Ok(creds)) => {
            let s = |k: &str| want.get(k).and_then(Value::as_str);
            let expiry = creds.expiry().and_then(|e| e.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_secs());
            let got = (Some(creds.access_key_id()), Some(creds.secret_access_key()), creds.session_token(), creds.account_id(), expiry);
            let want = (s("access_key_id"), s("secret_access_key"), s("session_token"), s("account_id"), want.get("expiry").and_then(Value::as_u64));
            if got == want {
                Ok(())
            } else {
                // Secrets of test vectors only.
                Err(format!("credentials {got:?}, expected {want:?}"))
            }
        }
        (Some(_), _, Err(e)) => Err(format!("expected credentials, got error: {}", describe(e))),
        (None, Some(text), Err(e)) => check_error(text, Outcome::of(e, &describe(e))),
        (None, Some(text), Ok(_)) => Err(format!("expected an error containing `{text}`, got credentials")),
        _ => Err(format!("unknown expected result {expected}")),
    }
}

#[derive(Clone, Copy)]
enum Which {
    Chain,
    Profile,
}

fn folder_suite(shared: &Path, folder: &str, which: Which) -> Result<SuiteResult> {
    let mut result = SuiteResult::default();
    for dir in case_dirs(&shared.join(ROOT).join(folder))? {
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        match run_case(&dir, which) {
            Ok(outcome) => result.record(name, outcome),
            Err(reason) => result.skipped.push((name, reason)),
        }
    }
    Ok(result)
}

/// `credentials-chain`.
pub fn chain(shared: &Path) -> Result<SuiteResult> {
    folder_suite(shared, "default-credential-provider-chain", Which::Chain)
}

/// `credentials-profile`.
pub fn profile(shared: &Path) -> Result<SuiteResult> {
    folder_suite(shared, "profile-provider", Which::Profile)
}

/// `credentials-token`.
pub fn token(shared: &Path) -> Result<SuiteResult> {
    let mut result = SuiteResult::default();
    for dir in case_dirs(&shared.join(ROOT).join("default-token-provider-chain"))? {
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let outcome = (|| {
            let env = env_from(read_json(&dir.join("env.json")).ok().as_ref());
            let test = read_json(&dir.join("test-case.json")).map_err(|e| format!("{e:#}"))?;
            let replay = Arc::new(Replay::new(traffic(&dir.join("http-traffic.json")).map_err(|e| format!("{e:#}"))?));
            let config = ChainConfig::new().env(env).fs(Fs::rooted(dir.join("fs"))).shared_http_client(replay.clone());
            let got = block_on(SsoProvider::new(config).token());
            let want = &test["result"]["Ok"];
            let (token, expiry) = got.map_err(|e| describe(&e))?;
            let want_expiry = want["expiration"].as_str().and_then(|t| {
                client_runtime::time::DateTime::parse(t, client_runtime::time::TimestampFormat::DateTime).ok()
            });
            let got_expiry = client_runtime::time::DateTime::from(expiry);
            if Some(token.as_str()) != want["token"].as_str() || want_expiry != Some(got_expiry) {
                return Err(format!("token or expiry differ (expiry {got_expiry:?}, expected {want_expiry:?})"));
            }
            let left = replay.finish();
            if left.is_empty() { Ok(()) } else { Err(left.join("\n")) }
        })();
        result.record(name, outcome);
    }
    Ok(result)
}

// ---------------------------------------------------------------------------------------------
// assume-role-tests.json

fn ini_section(header: &str, props: &Value) -> String {
    let mut text = format!("[{header}]\n");
    for (k, v) in props.as_object().into_iter().flatten() {
        text.push_str(&format!("{k} = {}\n", v.as_str().unwrap_or_default()));
    }
    text
}

fn chain_json(chain: &ProfileChain) -> Vec<Value> {
    let mut out = Vec::new();
    let opt = |m: &mut serde_json::Map<String, Value>, k: &str, v: &Option<String>| {
        if let Some(v) = v {
            m.insert(k.into(), Value::String(v.clone()));
        }
    };
    out.push(match &chain.base {
        BaseProvider::AccessKey { credentials, .. } => {
            let mut m = serde_json::Map::new();
            m.insert("access_key_id".into(), credentials.access_key_id().into());
            m.insert("secret_access_key".into(), credentials.secret_access_key().into());
            opt(&mut m, "account_id", &credentials.account_id().map(str::to_string));
            serde_json::json!({ "AccessKey": m })
        }
        BaseProvider::CredentialSource { source, .. } => serde_json::json!({ "NamedSource": format!("{source:?}") }),
        BaseProvider::WebIdentity { token_file, role_arn, session_name, .. } => {
            let mut m = serde_json::Map::new();
            m.insert("role_arn".into(), role_arn.as_str().into());
            m.insert("web_identity_token_file".into(), token_file.as_str().into());
            opt(&mut m, "role_session_name", session_name);
            serde_json::json!({ "WebIdentityToken": m })
        }
        BaseProvider::Sso { settings, .. } => {
            let mut m = serde_json::Map::new();
            m.insert("sso_region".into(), settings.region.as_str().into());
            m.insert("sso_start_url".into(), settings.start_url.as_str().into());
            opt(&mut m, "sso_session", &settings.session_name);
            opt(&mut m, "sso_account_id", &settings.account_id);
            opt(&mut m, "sso_role_name", &settings.role_name);
            serde_json::json!({ "Sso": m })
        }
        BaseProvider::CredentialProcess { command, .. } => serde_json::json!({ "CredentialProcess": command }),
    });
    for role in &chain.roles {
        let mut m = serde_json::Map::new();
        m.insert("role_arn".into(), role.role_arn.as_str().into());
        opt(&mut m, "external_id", &role.external_id);
        opt(&mut m, "role_session_name", &role.session_name);
        out.push(serde_json::json!({ "AssumeRole": m }));
    }
    out
}

/// `assume-role`.
pub fn assume_role(shared: &Path) -> Result<SuiteResult> {
    let cases = read_json(&shared.join(ROOT).join("assume-role-tests.json"))?;
    let mut result = SuiteResult::default();
    for case in cases.as_array().into_iter().flatten() {
        let name = case["docs"].as_str().unwrap_or("?").to_string();
        let input = &case["input"];
        let mut config = String::new();
        for (profile, props) in input["profiles"].as_object().into_iter().flatten() {
            config.push_str(&ini_section(&format!("profile {profile}"), props));
        }
        for (session, props) in input["sso_sessions"].as_object().into_iter().flatten() {
            config.push_str(&ini_section(&format!("sso-session {session}"), props));
        }
        let outcome = (|| {
            let set = ProfileSet::parse(&config, "")
                .map_err(|e| e.to_string())?
                .with_selected(input["selected_profile"].as_str().unwrap_or("default"));
            let resolved = ProfileChain::resolve(&set, true);
            match (&case["output"].get("ProfileChain"), case["output"].get("Error").and_then(Value::as_str), resolved) {
                (Some(want), _, Ok(chain)) => {
                    let got = Value::Array(chain_json(&chain));
                    if &&got == want { Ok(()) } else { Err(format!("chain {got}, expected {want}")) }
                }
                (_, Some(text), Err(e)) => check_error(text, Outcome::of(&e, &describe(&e))),
                (_, _, Ok(chain)) => Err(format!("expected an error, resolved {:?}", chain_json(&chain))),
                (_, _, Err(e)) => Err(format!("unexpected error: {}", describe(&e))),
            }
        })();
        result.record(name, outcome);
    }
    Ok(result)
}

// ---------------------------------------------------------------------------------------------
// ecs-tests.json, imds-endpoint-tests.json

/// `ecs-config`.
pub fn ecs(shared: &Path) -> Result<SuiteResult> {
    let cases = read_json(&shared.join(ROOT).join("ecs-tests.json"))?;
    let mut result = SuiteResult::default();
    for case in cases["tests"].as_array().into_iter().flatten() {
        let name = case["docs"].as_str().unwrap_or("?").to_string();
        let provider = ContainerProvider::new(ChainConfig::new().env(env_from(case.get("env"))).fs(Fs::rooted("/nonexistent")));
        let outcome = match (case["result"].get("Ok").and_then(Value::as_str), case["result"].get("ErrorContains").and_then(Value::as_str), provider.uri()) {
            (Some(want), _, Ok(uri)) if uri.to_string() == want => Ok(()),
            (Some(want), _, Ok(uri)) => Err(format!("URI {uri}, expected {want}")),
            (_, Some(text), Err(e)) => check_error(text, Outcome::of(&e, &describe(&e))),
            (_, _, other) => Err(format!("unexpected outcome {:?}", other.map(|u| u.to_string()).map_err(|e| describe(&e)))),
        };
        result.record(name, outcome);
    }
    Ok(result)
}

/// Answers every request with a token and records the requests.
#[derive(Debug, Default)]
struct Capture(Mutex<Vec<HttpRequest>>);

impl HttpClient for Capture {
    fn send<'a>(&'a self, request: &'a HttpRequest) -> SendFuture<'a> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(request.clone());
        Box::pin(async { Ok(HttpResponse { status: 200, headers: Headers::new(), body: b"token".to_vec() }) })
    }
}

/// `imds-endpoint`: the URI of the token request the client actually sends.
pub fn imds_endpoint(shared: &Path) -> Result<SuiteResult> {
    let cases = read_json(&shared.join(ROOT).join("imds-config/imds-endpoint-tests.json"))?;
    let mut result = SuiteResult::default();
    for (n, case) in cases["tests"].as_array().into_iter().flatten().enumerate() {
        let name = case["docs"].as_str().unwrap_or("?").to_string();
        let root = std::env::temp_dir().join(format!("imds-endpoint-{}-{n}", std::process::id()));
        let outcome = (|| {
            std::fs::create_dir_all(&root).map_err(|e| e.to_string())?;
            for (file, text) in case["fs"].as_object().into_iter().flatten() {
                std::fs::write(root.join(file), text.as_str().unwrap_or_default()).map_err(|e| e.to_string())?;
            }
            let capture = Arc::new(Capture::default());
            let config = ChainConfig::new().env(env_from(case.get("env"))).fs(Fs::rooted(&root)).shared_http_client(capture.clone());
            let mut client = ImdsClient::new(config);
            if let Some(e) = case["endpoint_override"].as_str() {
                client = client.endpoint_override(e);
            }
            if let Some(m) = case["mode_override"].as_str() {
                client = client.mode_override(EndpointMode::parse(m).map_err(|e| e.to_string())?);
            }
            let sent = block_on(client.get("/latest/meta-data/placement/region"));
            let first = capture.0.lock().unwrap_or_else(|e| e.into_inner()).first().map(|r| (r.method.to_string(), r.uri.to_string()));
            match (case["result"].get("Ok").and_then(Value::as_str), case["result"].get("Err").and_then(Value::as_str)) {
                (Some(want), _) => match first {
                    Some((method, uri)) if method == "PUT" && uri == want => Ok(()),
                    other => Err(format!("first request {other:?}, expected PUT {want}")),
                },
                (_, Some(text)) => match sent {
                    Err(e) => check_error(text, Outcome::plain(&e.to_string())),
                    Ok(_) => Err(format!("expected an error containing `{text}`")),
                },
                _ => Err("unknown expected result".into()),
            }
        })();
        let _ = std::fs::remove_dir_all(&root);
        result.record(name, outcome);
    }
    Ok(result)
}

// ---------------------------------------------------------------------------------------------
// profile-parser-tests.json, file-location-tests.json (from aws-runtime)

/// A section's properties as the vectors write them: the raw value, a property with
/// sub-properties keeping its indented lines (`"\nname = value"`).
fn section_json(section: &client_runtime::__private::profile::Section) -> Value {
    Value::Object(section.keys().map(|k| (k.to_string(), Value::String(section.get(k).unwrap_or_default().to_string()))).collect())
}

/// `profile-parser`: both files parsed and merged; the profiles and sso-sessions compared, or
/// the error text.
pub fn profile_parser(shared: &Path) -> Result<SuiteResult> {
    let cases = read_json(&shared.join(ROOT).join("profile-parser-tests.json"))?;
    let mut result = SuiteResult::default();
    for case in cases["tests"].as_array().into_iter().flatten() {
        let name = case["name"].as_str().unwrap_or("?").to_string();
        let input = &case["input"];
        let parsed = ProfileSet::parse(input["configFile"].as_str().unwrap_or(""), input["credentialsFile"].as_str().unwrap_or(""));
        let output = &case["output"];
        let outcome = match (parsed, output.get("errorContaining").and_then(Value::as_str)) {
            (Err(e), Some(text)) => check_error(text, Outcome::plain(&e.to_string())),
            (Ok(_), Some(text)) => Err(format!("parsed, expected an error containing `{text}`")),
            (Err(e), None) => Err(format!("unexpected error: {e}")),
            (Ok(set), None) => {
                let profiles: serde_json::Map<String, Value> =
                    set.profile_names().filter_map(|n| Some((n.to_string(), section_json(set.profile(n)?)))).collect();
                let want = &output["config"];
                let mut diffs = Vec::new();
                if Value::Object(profiles.clone()) != want["profiles"] {
                    diffs.push(format!("profiles {}, expected {}", Value::Object(profiles), want["profiles"]));
                }
                if let Some(sessions) = want.get("sso_sessions").and_then(Value::as_object) {
                    let names: BTreeSet<&String> = sessions.keys().collect();
                    for (session, props) in sessions {
                        match set.sso_session(session) {
                            Some(s) if &section_json(s) == props => {}
                            other => diffs.push(format!("sso-session {session}: {:?}, expected {props}", other.map(section_json))),
                        }
                    }
                    // No session beyond the expected ones may exist: probe the names the input mentions.
                    let text = format!("{}\n{}", input["configFile"].as_str().unwrap_or(""), input["credentialsFile"].as_str().unwrap_or(""));
                    for line in text.lines() {
                        if let Some(rest) = line.trim().strip_prefix("[sso-session") {
                            let candidate = rest.trim().trim_end_matches(']').trim();
                            if set.sso_session(candidate).is_some() && !names.contains(&candidate.to_string()) {
                                diffs.push(format!("unexpected sso-session {candidate}"));
                            }
                        }
                    }
                }
                if diffs.is_empty() { Ok(()) } else { Err(diffs.join("; ")) }
            }
        };
        result.record(name, outcome);
    }
    Ok(result)
}

/// `file-location`: which files and profile the environment selects.
pub fn file_location(shared: &Path) -> Result<SuiteResult> {
    let cases = read_json(&shared.join(ROOT).join("file-location-tests.json"))?;
    let mut result = SuiteResult::default();
    for case in cases["tests"].as_array().into_iter().flatten() {
        let name = format!("{} [{}]", case["name"].as_str().unwrap_or("?"), case["platform"].as_str().unwrap_or("?"));
        let here = if cfg!(windows) { "windows" } else { "linux" };
        if case["platform"].as_str() != Some(here) {
            result.skipped.push((name, format!("path rules of another platform (this run is on {here})")));
            continue;
        }
        let env = env_from(case.get("environment"));
        let got = (
            env.config_file().map(|p| p.display().to_string()),
            env.credentials_file().map(|p| p.display().to_string()),
            env.profile_name(),
        );
        let want = (
            case["configLocation"].as_str().map(str::to_string),
            case["credentialsLocation"].as_str().map(str::to_string),
            case["profile"].as_str().unwrap_or("default").to_string(),
        );
        result.record(name, if got == want { Ok(()) } else { Err(format!("{got:?}, expected {want:?}")) });
    }
    Ok(result)
}
