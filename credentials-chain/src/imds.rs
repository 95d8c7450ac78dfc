//! EC2 instance metadata, IMDSv2: a session token from `PUT /latest/api/token` (TTL 6 hours,
//! reused until shortly before it expires), then `GET`s carrying it. The endpoint comes from
//! `AWS_EC2_METADATA_SERVICE_ENDPOINT` / `ec2_metadata_service_endpoint`, else the endpoint mode
//! (`..._ENDPOINT_MODE`, `IPv4` or `IPv6`). `AWS_EC2_METADATA_DISABLED=true` turns it off.
//!
//! Off EC2 the metadata address does not answer: each attempt is bounded by one second and a
//! connection failure is not retried, so a chain that reaches IMDS on a laptop gives up at once
//! instead of hanging start-up. 5xx answers and timeouts are retried (3 attempts in all); a 401
//! drops the token and tries again with a fresh one.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use client_runtime::credentials::{Credentials, CredentialsError, ProvideCredentials, ProvideFuture};
use client_runtime::http::{HttpClient, HttpRequest, Uri};

use crate::util::{credentials_from_json, json_object, Members};
use crate::ChainConfig;

const TOKEN_PATH: &str = "/latest/api/token";
const TOKEN_TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";
const TOKEN_TTL: u64 = 21_600;
/// A token is replaced this long before IMDS would stop accepting it.
const TOKEN_BUFFER: Duration = Duration::from_secs(120);
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(1);
const MAX_ATTEMPTS: u32 = 3;
const CREDENTIALS_PATH: &str = "/latest/meta-data/iam/security-credentials/";

/// `IPv4` (`http://169.254.169.254`) or `IPv6` (`http://[fd00:ec2::254]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndpointMode {
    /// The IPv4 link-local address.
    IPv4,
    /// The IPv6 address.
    IPv6,
}

impl EndpointMode {
    /// Parses a mode, ignoring case.
    pub fn parse(text: &str) -> Result<Self, ImdsError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "ipv4" => Ok(Self::IPv4),
            "ipv6" => Ok(Self::IPv6),
            _ => Err(ImdsError::new(ErrorKind::Config, format!("`{text}` is not a valid endpoint mode (IPv4 or IPv6)"))),
        }
    }

    fn endpoint(self) -> &'static str {
        match self {
            Self::IPv4 => "http://169.254.169.254",
            Self::IPv6 => "http://[fd00:ec2::254]",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ErrorKind {
    Config,
    Unreachable,
    Forbidden,
    NotFound,
    Failed,
}

/// Why an IMDS request failed.
#[derive(Debug)]
pub struct ImdsError {
    kind: ErrorKind,
    message: String,
}

impl ImdsError {
    fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into() }
    }

    /// IMDS could not be reached at all (not on EC2).
    pub fn is_unreachable(&self) -> bool {
        self.kind == ErrorKind::Unreachable
    }

    /// The path does not exist (404).
    pub fn is_not_found(&self) -> bool {
        self.kind == ErrorKind::NotFound
    }
}

impl fmt::Display for ImdsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ImdsError {}

#[derive(Default)]
struct TokenState {
    token: Option<(String, SystemTime)>,
}

impl Drop for TokenState {
    fn drop(&mut self) {
        if let Some((t, _)) = &mut self.token {
            zeroize::Zeroize::zeroize(t);
        }
    }
}

/// An IMDSv2 client. Cheap to clone; clones share the session token.
#[derive(Clone)]
pub struct ImdsClient {
    config: ChainConfig,
    endpoint_override: Option<String>,
    mode_override: Option<EndpointMode>,
    http: Arc<dyn HttpClient>,
    /// One token fetch at a time; callers queued behind it reuse its token.
    token: Arc<tokio::sync::Mutex<TokenState>>,
}

impl fmt::Debug for ImdsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImdsClient").field("endpoint", &self.endpoint().ok()).finish_non_exhaustive()
    }
}

impl ImdsClient {
    /// A client configured from `config`'s environment and profile.
    pub fn new(config: ChainConfig) -> Self {
        let http = config.http();
        Self { config, endpoint_override: None, mode_override: None, http, token: Arc::default() }
    }

    /// Uses this endpoint whatever the environment says.
    pub fn endpoint_override(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint_override = Some(endpoint.into());
        self
    }

    /// Uses this mode unless an endpoint is configured.
    pub fn mode_override(mut self, mode: EndpointMode) -> Self {
        self.mode_override = Some(mode);
        self
    }

    /// Whether `AWS_EC2_METADATA_DISABLED` is `true` (any case).
    pub fn disabled(&self) -> bool {
        self.config.env.get("AWS_EC2_METADATA_DISABLED").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    }

    /// The endpoint (scheme and authority, no trailing slash), by the SDKs' precedence.
    pub fn endpoint(&self) -> Result<String, ImdsError> {
        let profiles = self.config.profiles().ok();
        let profile = profiles.as_ref().and_then(|p| p.selected());
        let setting = |var: &str, key: &str| {
            self.config.env.get(var).or_else(|| profile.and_then(|p| p.get(key)).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string))
        };
        let endpoint = self
            .endpoint_override
            .clone()
            .or_else(|| setting("AWS_EC2_METADATA_SERVICE_ENDPOINT", "ec2_metadata_service_endpoint"));
        let endpoint = match endpoint {
            Some(e) => e,
            None => {
                let mode = match self.mode_override {
                    Some(m) => m,
                    None => match setting("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ec2_metadata_service_endpoint_mode") {
                        Some(text) => EndpointMode::parse(&text)?,
                        None => EndpointMode::IPv4,
                    },
                };
                mode.endpoint().to_string()
            }
        };
        let uri = Uri::parse(endpoint.trim())
            .filter(|u| u.scheme == "http" || u.scheme == "https")
            .ok_or_else(|| ImdsError::new(ErrorKind::Config, format!("invalid uri `{endpoint}` for the IMDS endpoint: not an absolute http(s) URI")))?;
        Ok(format!("{}://{}{}", uri.scheme, uri.authority, uri.path.trim_end_matches('/')))
    }

    fn request(&self, method: &'static str, path: &str) -> Result<HttpRequest, ImdsError> {
        let url = format!("{}{path}", self.endpoint()?);
        let uri = Uri::parse(&url).ok_or_else(|| ImdsError::new(ErrorKind::Config, format!("invalid uri {url}")))?;
        let mut request = HttpRequest { method: method.into(), uri, ..Default::default() };
        request.headers.insert("user-agent", concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"), " api/imds"));
        Ok(request)
    }

    /// One attempt, bounded in time. `Err(true)` for failures worth retrying.
    async fn attempt(&self, request: &HttpRequest) -> Result<client_runtime::http::HttpResponse, (bool, ImdsError)> {
        match tokio::time::timeout(ATTEMPT_TIMEOUT, self.http.send(request)).await {
            Err(_) => Err((true, ImdsError::new(ErrorKind::Unreachable, format!("IMDS did not answer within {ATTEMPT_TIMEOUT:?}")))),
            Ok(Err(e)) if e.is_timeout() => Err((true, ImdsError::new(ErrorKind::Unreachable, format!("IMDS timed out: {e}")))),
            // Nothing listens at the address: not on EC2. Retrying would only delay start-up.
            Ok(Err(e)) => Err((false, ImdsError::new(ErrorKind::Unreachable, format!("could not communicate with IMDS: {e}")))),
            Ok(Ok(response)) => Ok(response),
        }
    }

    async fn token(&self) -> Result<String, ImdsError> {
        let mut state = self.token.lock().await;
        let now = self.config.time.now();
        if let Some((token, expires)) = &state.token {
            if now < *expires {
                return Ok(token.clone());
            }
        }
        let mut request = self.request("PUT", TOKEN_PATH)?;
        request.headers.insert(TOKEN_TTL_HEADER, TOKEN_TTL.to_string());
        let mut last = None;
        for _ in 0..MAX_ATTEMPTS {
            let response = match self.attempt(&request).await {
                Ok(r) => r,
                Err((true, e)) => {
                    last = Some(e);
                    continue;
                }
                Err((false, e)) => return Err(e),
            };
            match response.status {
                200 => {
                    let token = String::from_utf8(response.body)
                        .map_err(|_| ImdsError::new(ErrorKind::Failed, "the IMDS token is not text"))?
                        .trim()
                        .to_string();
                    let ttl = response.headers.get(TOKEN_TTL_HEADER).and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(TOKEN_TTL);
                    let expires = now + Duration::from_secs(ttl).saturating_sub(TOKEN_BUFFER);
                    state.token = Some((token.clone(), expires));
                    return Ok(token);
                }
                403 => return Err(ImdsError::new(ErrorKind::Forbidden, "request forbidden: IMDS is disabled or the token request was refused (403)")),
                s if s >= 500 => last = Some(ImdsError::new(ErrorKind::Failed, format!("the IMDS token request failed with status {s}"))),
                s => return Err(ImdsError::new(ErrorKind::Failed, format!("the IMDS token request failed with status {s}"))),
            }
        }
        Err(last.unwrap_or_else(|| ImdsError::new(ErrorKind::Failed, "the IMDS token request failed")))
    }

    /// `GET path` with the session token; the body as text.
    pub async fn get(&self, path: &str) -> Result<String, ImdsError> {
        let mut last = None;
        for _ in 0..MAX_ATTEMPTS {
            let token = self.token().await?;
            let mut request = self.request("GET", path)?;
            request.headers.insert(TOKEN_HEADER, token);
            let response = match self.attempt(&request).await {
                Ok(r) => r,
                Err((true, e)) => {
                    last = Some(e);
                    continue;
                }
                Err((false, e)) => return Err(e),
            };
            match response.status {
                200 => {
                    return String::from_utf8(response.body)
                        .map_err(|_| ImdsError::new(ErrorKind::Failed, format!("IMDS answered {path} with something other than text")))
                }
                401 => {
                    self.token.lock().await.token = None;
                    last = Some(ImdsError::new(ErrorKind::Failed, "IMDS refused the session token (401)"));
                }
                404 => return Err(ImdsError::new(ErrorKind::NotFound, format!("IMDS has no {path} (404)"))),
                s if s >= 500 => last = Some(ImdsError::new(ErrorKind::Failed, format!("IMDS answered {path} with status {s}"))),
                s => return Err(ImdsError::new(ErrorKind::Failed, format!("IMDS answered {path} with status {s}"))),
            }
        }
        Err(last.unwrap_or_else(|| ImdsError::new(ErrorKind::Failed, "IMDS request failed")))
    }
}

/// Credentials of the instance's IAM role from IMDS.
#[derive(Clone, Debug)]
pub struct ImdsProvider {
    client: ImdsClient,
}

impl ImdsProvider {
    /// A provider with its own [`ImdsClient`].
    pub fn new(config: ChainConfig) -> Self {
        Self { client: ImdsClient::new(config) }
    }

    /// A provider sharing `client` (and its token).
    pub fn with_client(client: ImdsClient) -> Self {
        Self { client }
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        if self.client.disabled() {
            return Err(CredentialsError::not_loaded("IMDS is disabled by AWS_EC2_METADATA_DISABLED"));
        }
        let wrap = |e: ImdsError| match e.kind {
            ErrorKind::Unreachable | ErrorKind::Forbidden | ErrorKind::NotFound => CredentialsError::not_loaded(e.to_string()),
            _ => CredentialsError::with_source("IMDS", e),
        };
        let role = self.client.get(CREDENTIALS_PATH).await.map_err(|e| {
            if e.is_not_found() {
                CredentialsError::not_loaded("the instance has no IAM role (IMDS has no security credentials)")
            } else {
                wrap(e)
            }
        })?;
        let role = role.lines().next().map(str::trim).filter(|r| !r.is_empty()).ok_or_else(|| {
            CredentialsError::not_loaded("the instance has no IAM role (IMDS listed none)")
        })?;
        let body = self.client.get(&format!("{CREDENTIALS_PATH}{role}")).await.map_err(wrap)?;
        let what = "IMDS credentials";
        let map = json_object(body.as_bytes(), what)?;
        match map.get("Code").and_then(|c| c.as_str()) {
            None | Some("Success") => {}
            Some(code) => return Err(CredentialsError::new(format!("{what}: IMDS answered with code {code}"))),
        }
        credentials_from_json(&map, Members { token: "Token", expiration_required: false, provider: "IMDSv2" }, what)
    }
}

impl ProvideCredentials for ImdsProvider {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(self.load())
    }
}
