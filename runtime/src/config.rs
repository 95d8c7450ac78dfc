//! Client configuration: one [`Config`] with a builder, or loaded from the environment and the
//! shared AWS config files with [`Config::from_env`]. Building never fails; what is missing
//! (region, credentials, endpoint) is reported when a request needs it, naming the setting.

use crate::clock::{AsyncSleep, SystemClock, TimeSource, TokioSleep};
use crate::credentials::{CachedProvider, DefaultChain, ProvideCredentials};
use crate::http::HttpClient;
use crate::profile::settings::{SettingError, SharedSettings};
use crate::profile::{Env, ProfileError, ProfileSet};
use crate::region::{resolve_region, InvalidRegion, Region};
use crate::retry::{Jitter, RetryConfig, RetryMode};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

#[cfg(feature = "aws-sdk-config")]
mod sdk_config;

/// Deadlines of a call.
///
/// | deadline | default | what it bounds |
/// |---|---|---|
/// | `connect` | 3.1 s (the AWS SDKs') | DNS, TCP connect and TLS handshake |
/// | `read` | 60 s (botocore's read timeout) | after the request is sent, the complete response head: time to first byte and the rest of the head |
/// | `attempt` | none | one attempt, from sending to the whole response read |
/// | `operation` | none | the whole call, retries and backoff included |
///
/// Once a response has started, [`StalledStreamProtectionConfig`] keeps it moving. `connect`
/// and `read` apply to the built-in HTTP client; a client given with
/// [`ConfigBuilder::http_client`] applies its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeoutConfig {
    /// Establishing a connection (TCP and TLS). Default 3.1 s, as the AWS SDKs use.
    pub connect: Duration,
    /// Waiting for the response head once the request is sent. Default 60 s; `None` waits
    /// indefinitely.
    pub read: Option<Duration>,
    /// One attempt, from sending to the whole response read. Default: none.
    pub attempt: Option<Duration>,
    /// The whole call, retries and backoff included. Default: none.
    pub operation: Option<Duration>,
}

impl Default for TimeoutConfig {
    fn default() -> Self {
        TimeoutConfig {
            connect: Duration::from_millis(3100),
            read: Some(crate::transport::DEFAULT_READ_TIMEOUT),
            attempt: None,
            operation: None,
        }
    }
}

impl TimeoutConfig {
    /// A builder starting from the defaults, with the AWS SDK for Rust's method names.
    pub fn builder() -> TimeoutConfigBuilder {
        TimeoutConfigBuilder { config: TimeoutConfig::default() }
    }

    /// The connect timeout.
    pub fn connect_timeout(&self) -> Option<Duration> {
        Some(self.connect)
    }

    /// The read timeout (time to the complete response head).
    pub fn read_timeout(&self) -> Option<Duration> {
        self.read
    }

    /// The timeout of one attempt.
    pub fn operation_attempt_timeout(&self) -> Option<Duration> {
        self.attempt
    }

    /// The timeout of the whole operation.
    pub fn operation_timeout(&self) -> Option<Duration> {
        self.operation
    }
}

/// Builds a [`TimeoutConfig`].
#[derive(Clone, Debug)]
pub struct TimeoutConfigBuilder {
    config: TimeoutConfig,
}

impl TimeoutConfigBuilder {
    /// Establishing a connection (TCP and TLS).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect = timeout;
        self
    }

    /// Waiting for the response head once the request is sent.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.config.read = Some(timeout);
        self
    }

    /// Waits for the response head indefinitely.
    pub fn disable_read_timeout(mut self) -> Self {
        self.config.read = None;
        self
    }

    /// One attempt, from sending to the whole response read.
    pub fn operation_attempt_timeout(mut self, timeout: Duration) -> Self {
        self.config.attempt = Some(timeout);
        self
    }

    /// The whole call, retries and backoff included.
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.config.operation = Some(timeout);
        self
    }

    /// The timeouts.
    pub fn build(self) -> TimeoutConfig {
        self.config
    }
}

/// Stalled-stream protection, as the AWS SDKs define it: an upload (the request body being
/// sent) or a download (the response, from its first byte) whose throughput stays below a
/// minimum for longer than a grace period fails with a retryable timeout
/// ([`crate::transport::TransportError::Stalled`]).
///
/// On by default for both directions, with the AWS SDKs' grace period of 5 s and minimum
/// throughput of 1 byte per second: a transfer that stops fails within about 5 s, one that
/// merely slows down does not. Applies to the built-in HTTP client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StalledStreamProtectionConfig {
    upload: bool,
    download: bool,
    grace_period: Duration,
    minimum_throughput: u64,
}

impl Default for StalledStreamProtectionConfig {
    fn default() -> Self {
        StalledStreamProtectionConfig::enabled().build()
    }
}

impl StalledStreamProtectionConfig {
    /// Protection for uploads and downloads, with the defaults, to adjust.
    pub fn enabled() -> StalledStreamProtectionConfigBuilder {
        StalledStreamProtectionConfigBuilder {
            config: StalledStreamProtectionConfig {
                upload: true,
                download: true,
                grace_period: crate::transport::DEFAULT_GRACE_PERIOD,
                minimum_throughput: crate::transport::DEFAULT_MINIMUM_THROUGHPUT,
            },
        }
    }

    /// No protection: a stalled transfer waits until an attempt or operation timeout.
    pub fn disabled() -> Self {
        StalledStreamProtectionConfig { upload: false, download: false, ..Self::default() }
    }

    /// Whether uploads or downloads are protected.
    pub fn is_enabled(&self) -> bool {
        self.upload || self.download
    }

    /// Whether uploads are protected.
    pub fn upload_enabled(&self) -> bool {
        self.upload
    }

    /// Whether downloads are protected.
    pub fn download_enabled(&self) -> bool {
        self.download
    }

    /// How long throughput may stay below the minimum.
    pub fn grace_period(&self) -> Duration {
        self.grace_period
    }

    /// The minimum throughput, in bytes per second.
    pub fn minimum_throughput(&self) -> u64 {
        self.minimum_throughput
    }
}

/// Builds a [`StalledStreamProtectionConfig`].
#[derive(Clone, Debug)]
pub struct StalledStreamProtectionConfigBuilder {
    config: StalledStreamProtectionConfig,
}

impl StalledStreamProtectionConfigBuilder {
    /// How long throughput may stay below the minimum (default 5 s).
    pub fn grace_period(mut self, grace_period: Duration) -> Self {
        self.config.grace_period = grace_period;
        self
    }

    /// The minimum throughput in bytes per second (default 1).
    pub fn minimum_throughput(mut self, bytes_per_second: u64) -> Self {
        self.config.minimum_throughput = bytes_per_second;
        self
    }

    /// Whether uploads are protected (default yes).
    pub fn upload_enabled(mut self, enabled: bool) -> Self {
        self.config.upload = enabled;
        self
    }

    /// Whether downloads are protected (default yes).
    pub fn download_enabled(mut self, enabled: bool) -> Self {
        self.config.download = enabled;
        self
    }

    /// The configuration.
    pub fn build(self) -> StalledStreamProtectionConfig {
        self.config
    }
}

/// An application name for the `user-agent` header, checked when it is made: one or more
/// letters, digits and `!#$%&'*+-.^_`|~` (an HTTP token, so it cannot break the header). As in
/// the AWS SDKs, names longer than 50 characters are accepted with a warning.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AppName(std::borrow::Cow<'static, str>);

impl AppName {
    /// Checks `name`.
    pub fn new(name: impl Into<std::borrow::Cow<'static, str>>) -> Result<Self, InvalidAppName> {
        let name = name.into();
        let valid = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if name.is_empty() || !name.chars().all(valid) {
            return Err(InvalidAppName(name.into_owned()));
        }
        if name.len() > 50 {
            tracing::warn!(app_name = %name, "app names longer than 50 characters may be truncated by services");
        }
        Ok(AppName(name))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AppName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why [`AppName::new`] refused a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidAppName(String);

impl fmt::Display for InvalidAppName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid app name {:?}: use one or more letters, digits and !#$%&'*+-.^_`|~ (no spaces)", self.0)
    }
}

impl std::error::Error for InvalidAppName {}

/// The AWS SDK for Rust's behavior version: which defaults a client gets. Accepted for
/// compatibility, never required; this client has one set of defaults, those of the latest
/// version (standard retries, stalled-stream protection on).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BehaviorVersion {}

impl BehaviorVersion {
    /// The newest behavior: what this client always does.
    pub fn latest() -> Self {
        BehaviorVersion {}
    }

    /// Accepted like [`latest`](Self::latest).
    pub fn v2025_08_07() -> Self {
        BehaviorVersion {}
    }

    /// Accepted like [`latest`](Self::latest).
    pub fn v2025_01_17() -> Self {
        BehaviorVersion {}
    }

    /// Accepted like [`latest`](Self::latest).
    pub fn v2024_03_28() -> Self {
        BehaviorVersion {}
    }

    /// Accepted like [`latest`](Self::latest).
    pub fn v2023_11_09() -> Self {
        BehaviorVersion {}
    }
}

/// Bodies smaller than this are not compressed (the AWS SDKs' default, 10 KiB).
pub const DEFAULT_MIN_COMPRESSION_SIZE: u32 = 10_240;

/// Generates idempotency tokens for members the caller leaves unset.
pub type TokenProvider = Arc<dyn Fn() -> String + Send + Sync>;

/// Everything a client needs. Cheap to clone.
#[derive(Clone)]
pub struct Config {
    pub(crate) region: Option<Region>,
    pub(crate) credentials: Option<Arc<dyn ProvideCredentials>>,
    pub(crate) endpoint_url: Option<String>,
    pub(crate) use_fips: bool,
    pub(crate) use_dual_stack: bool,
    pub(crate) retry: RetryConfig,
    pub(crate) jitter: Option<Jitter>,
    pub(crate) timeouts: TimeoutConfig,
    pub(crate) stalled_stream: StalledStreamProtectionConfig,
    pub(crate) max_response_body: usize,
    pub(crate) proxy: Option<crate::transport::ProxyConfig>,
    pub(crate) http_client: Option<Arc<dyn HttpClient>>,
    pub(crate) sleep: Arc<dyn AsyncSleep>,
    pub(crate) time: Arc<dyn TimeSource>,
    pub(crate) idempotency_token: TokenProvider,
    pub(crate) app_name: Option<AppName>,
    pub(crate) disable_request_compression: bool,
    pub(crate) request_min_compression_size_bytes: u32,
    pub(crate) endpoint_params: Vec<(String, crate::endpoint::ParamValue)>,
    /// The environment [`Config::from_env`] read, while the credentials are still the default
    /// chain it chose; lets a fuller chain (the `smithy-lite-credentials` crate) take its place.
    pub(crate) default_credentials_env: Option<Env>,
    /// Mock rules answering calls instead of the HTTP client (`test_util::mock`).
    #[cfg(feature = "test-util")]
    pub(crate) mocks: Option<Arc<crate::test_util::mocks::MockResponseInterceptor>>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Providers redact their own secrets; the token generator and jitter are opaque.
        f.debug_struct("Config")
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .field("endpoint_url", &self.endpoint_url.as_deref().map(crate::http::redact_userinfo))
            .field("use_fips", &self.use_fips)
            .field("use_dual_stack", &self.use_dual_stack)
            .field("retry", &self.retry)
            .field("timeouts", &self.timeouts)
            .field("stalled_stream", &self.stalled_stream)
            .field("max_response_body", &self.max_response_body)
            .field("proxy", &self.proxy)
            .field("http_client", &self.http_client)
            .field("app_name", &self.app_name)
            .field("disable_request_compression", &self.disable_request_compression)
            .field("request_min_compression_size_bytes", &self.request_min_compression_size_bytes)
            .field("endpoint_params", &self.endpoint_params)
            .finish_non_exhaustive()
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            region: None,
            credentials: None,
            endpoint_url: None,
            use_fips: false,
            use_dual_stack: false,
            retry: RetryConfig::standard(),
            jitter: None,
            timeouts: TimeoutConfig::default(),
            stalled_stream: StalledStreamProtectionConfig::default(),
            max_response_body: crate::transport::DEFAULT_MAX_RESPONSE_BODY,
            proxy: None,
            http_client: None,
            sleep: Arc::new(TokioSleep),
            time: Arc::new(SystemClock),
            idempotency_token: Arc::new(crate::rand::uuid_v4),
            app_name: None,
            disable_request_compression: false,
            request_min_compression_size_bytes: DEFAULT_MIN_COMPRESSION_SIZE,
            endpoint_params: Vec::new(),
            default_credentials_env: None,
            #[cfg(feature = "test-util")]
            mocks: None,
        }
    }
}

impl Config {
    /// A builder starting from the defaults (no region, no credentials).
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder { config: Config::default(), set: Set::NONE }
    }

    /// A builder starting from this configuration. As a per-call override
    /// (`customize().config_override(..)`) it replaces every setting.
    pub fn to_builder(&self) -> ConfigBuilder {
        ConfigBuilder { config: self.clone(), set: Set::ALL }
    }

    /// This configuration with the settings `overrides` set replaced (and its endpoint
    /// parameters added), for one call (`customize().config_override(..)`). A setting the
    /// override builder never set keeps this configuration's value.
    pub fn with_overrides(&self, overrides: ConfigBuilder) -> Config {
        let ConfigBuilder { config: o, set } = overrides;
        let mut c = self.clone();
        let Config {
            region,
            credentials,
            endpoint_url,
            use_fips,
            use_dual_stack,
            retry,
            jitter,
            timeouts,
            stalled_stream,
            max_response_body,
            proxy,
            http_client,
            sleep,
            time,
            idempotency_token,
            app_name,
            disable_request_compression,
            request_min_compression_size_bytes,
            endpoint_params,
            default_credentials_env,
            #[cfg(feature = "test-util")]
            mocks,
        } = o;
        if set.has(Set::REGION) {
            c.region = region;
        }
        if set.has(Set::CREDENTIALS) {
            c.credentials = credentials;
            c.default_credentials_env = default_credentials_env;
        }
        if set.has(Set::ENDPOINT_URL) {
            c.endpoint_url = endpoint_url;
        }
        if set.has(Set::USE_FIPS) {
            c.use_fips = use_fips;
        }
        if set.has(Set::USE_DUAL_STACK) {
            c.use_dual_stack = use_dual_stack;
        }
        if set.has(Set::RETRY) {
            c.retry = retry;
        }
        if set.has(Set::JITTER) {
            c.jitter = jitter;
        }
        if set.has(Set::TIMEOUTS) {
            c.timeouts = timeouts;
        }
        if set.has(Set::STALLED_STREAM) {
            c.stalled_stream = stalled_stream;
        }
        if set.has(Set::MAX_RESPONSE_BODY) {
            c.max_response_body = max_response_body;
        }
        if set.has(Set::PROXY) {
            c.proxy = proxy;
        }
        if set.has(Set::HTTP_CLIENT) {
            c.http_client = http_client;
        }
        if set.has(Set::SLEEP) {
            c.sleep = sleep;
        }
        if set.has(Set::TIME) {
            c.time = time;
        }
        if set.has(Set::IDEMPOTENCY_TOKEN) {
            c.idempotency_token = idempotency_token;
        }
        if set.has(Set::APP_NAME) {
            c.app_name = app_name;
        }
        if set.has(Set::DISABLE_REQUEST_COMPRESSION) {
            c.disable_request_compression = disable_request_compression;
        }
        if set.has(Set::MIN_COMPRESSION_SIZE) {
            c.request_min_compression_size_bytes = request_min_compression_size_bytes;
        }
        #[cfg(feature = "test-util")]
        if set.has(Set::MOCKS) {
            c.mocks = mocks;
        }
        for (name, value) in endpoint_params {
            c.endpoint_params.retain(|(n, _)| *n != name);
            c.endpoint_params.push((name, value));
        }
        c
    }

    /// Configuration from the environment and the shared config files, as the AWS SDKs read
    /// them: region (`AWS_REGION`, `AWS_DEFAULT_REGION`, profile `region`), credentials (the
    /// default chain: environment, then profile; resolved at the first request and cached),
    /// endpoint URL (`AWS_ENDPOINT_URL`, profile `endpoint_url`), FIPS and dual-stack flags,
    /// `max_attempts` and `retry_mode`. Fails when a setting is malformed or no region is set.
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::load(&Env::process(), "")
    }

    /// [`Config::from_env`] for one service, which also reads its service-specific endpoint
    /// settings (`AWS_ENDPOINT_URL_<SERVICE>` and the profile's `[services]` section).
    pub fn from_env_for(service: &crate::client::ServiceInfo) -> Result<Config, ConfigError> {
        Self::load(&Env::process(), service.env_suffix)
    }

    /// [`Config::from_env`] with an explicit environment (tests, or embedding applications).
    pub fn load(env: &Env, service_env_suffix: &str) -> Result<Config, ConfigError> {
        Self::load_with_region_fallback(env, service_env_suffix, None)
    }

    /// [`Config::load`] with a region to use when neither the environment nor the profile sets
    /// one (the instance's region from IMDS, which needs a network call this function does not
    /// make).
    pub fn load_with_region_fallback(env: &Env, service_env_suffix: &str, fallback: Option<Region>) -> Result<Config, ConfigError> {
        let profiles = ProfileSet::load(env).map_err(ConfigError::Profile)?;
        let region = resolve_region(None, env, &profiles)
            .map_err(ConfigError::Region)?
            .or(fallback)
            .ok_or(ConfigError::MissingRegion)?;
        let settings = SharedSettings::resolve(env, &profiles, service_env_suffix).map_err(ConfigError::Setting)?;
        let mut retry = match settings.retry_mode {
            Some(RetryMode::Adaptive) => RetryConfig::adaptive(),
            _ => RetryConfig::standard(),
        };
        if let Some(n) = settings.max_attempts {
            retry = retry.with_max_attempts(n);
        }
        let mut b = Config::builder()
            .region(region)
            .credentials_provider(DefaultChain::with_env(env.clone()))
            .retry_config(retry)
            .use_fips(settings.use_fips_endpoint.unwrap_or(false))
            .use_dual_stack(settings.use_dualstack_endpoint.unwrap_or(false));
        if let Some(url) = settings.endpoint_url {
            b = b.endpoint_url(url);
        }
        if let Some(app) = settings.app_id {
            b = b.app_name(app);
        }
        b = b.proxy(crate::transport::ProxyConfig::from_env(env).map_err(ConfigError::Proxy)?);
        if let Some(v) = env.get("AWS_DISABLE_REQUEST_COMPRESSION") {
            b = b.disable_request_compression(match v.trim() {
                "true" => true,
                "false" => false,
                _ => return Err(ConfigError::Invalid { setting: "AWS_DISABLE_REQUEST_COMPRESSION", value: v, expected: "true or false" }),
            });
        }
        if let Some(v) = env.get("AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES") {
            let n = v.trim().parse().ok().filter(|n| *n <= 10_485_760).ok_or_else(|| ConfigError::Invalid {
                setting: "AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES",
                value: v.clone(),
                expected: "an integer from 0 to 10485760",
            })?;
            b = b.request_min_compression_size_bytes(n);
        }
        let mut config = b.build();
        config.default_credentials_env = Some(env.clone());
        Ok(config)
    }

    /// When the credentials are still the default chain [`Config::from_env`] chose, the
    /// environment it read (so a fuller chain can be built over the same environment).
    pub fn default_credentials_env(&self) -> Option<&Env> {
        self.default_credentials_env.as_ref()
    }

    /// The region.
    pub fn region(&self) -> Option<&Region> {
        self.region.as_ref()
    }

    /// The custom endpoint URL, if one replaces the resolved endpoint.
    pub fn endpoint_url(&self) -> Option<&str> {
        self.endpoint_url.as_deref()
    }

    /// The retry settings.
    pub fn retry_config(&self) -> &RetryConfig {
        &self.retry
    }

    /// The timeouts.
    pub fn timeout_config(&self) -> &TimeoutConfig {
        &self.timeouts
    }

    /// Stalled-stream protection.
    pub fn stalled_stream_protection(&self) -> &StalledStreamProtectionConfig {
        &self.stalled_stream
    }

    /// The application name in the `user-agent`.
    pub fn app_name(&self) -> Option<&AppName> {
        self.app_name.as_ref()
    }

    /// Whether FIPS endpoints are used.
    pub fn use_fips(&self) -> bool {
        self.use_fips
    }

    /// Whether dual-stack endpoints are used.
    pub fn use_dual_stack(&self) -> bool {
        self.use_dual_stack
    }
}

/// Builds a [`Config`]. It remembers which settings were set, so that as a per-call override
/// ([`Config::with_overrides`], `customize().config_override(..)`) it replaces only those.
#[derive(Clone, Debug)]
pub struct ConfigBuilder {
    config: Config,
    pub(crate) set: Set,
}

/// The settings a [`ConfigBuilder`] was given, one bit each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Set(u32);

impl Set {
    pub(crate) const NONE: Set = Set(0);
    pub(crate) const ALL: Set = Set(u32::MAX);
    pub(crate) const REGION: Set = Set(1);
    pub(crate) const CREDENTIALS: Set = Set(1 << 1);
    pub(crate) const ENDPOINT_URL: Set = Set(1 << 2);
    pub(crate) const USE_FIPS: Set = Set(1 << 3);
    pub(crate) const USE_DUAL_STACK: Set = Set(1 << 4);
    pub(crate) const RETRY: Set = Set(1 << 5);
    pub(crate) const JITTER: Set = Set(1 << 6);
    pub(crate) const TIMEOUTS: Set = Set(1 << 7);
    pub(crate) const STALLED_STREAM: Set = Set(1 << 8);
    pub(crate) const MAX_RESPONSE_BODY: Set = Set(1 << 9);
    pub(crate) const PROXY: Set = Set(1 << 10);
    pub(crate) const HTTP_CLIENT: Set = Set(1 << 11);
    pub(crate) const SLEEP: Set = Set(1 << 12);
    pub(crate) const TIME: Set = Set(1 << 13);
    pub(crate) const IDEMPOTENCY_TOKEN: Set = Set(1 << 14);
    pub(crate) const APP_NAME: Set = Set(1 << 15);
    pub(crate) const DISABLE_REQUEST_COMPRESSION: Set = Set(1 << 16);
    pub(crate) const MIN_COMPRESSION_SIZE: Set = Set(1 << 17);
    #[cfg(feature = "test-util")]
    pub(crate) const MOCKS: Set = Set(1 << 18);

    pub(crate) fn has(self, setting: Set) -> bool {
        self.0 & setting.0 != 0
    }
}

impl Default for ConfigBuilder {
    /// [`Config::builder`]: the defaults, nothing set.
    fn default() -> Self {
        Config::builder()
    }
}

impl From<Config> for ConfigBuilder {
    /// A builder holding every setting of `config` (as [`Config::to_builder`]).
    fn from(config: Config) -> Self {
        ConfigBuilder { config, set: Set::ALL }
    }
}

impl From<&Config> for Config {
    /// A copy, so that `Client::new(&config)` takes a [`Config`] as it takes an
    /// `aws_types::SdkConfig` (feature `aws-sdk-config`).
    fn from(config: &Config) -> Self {
        config.clone()
    }
}

impl ConfigBuilder {
    fn mark(mut self, setting: Set) -> Self {
        self.set.0 |= setting.0;
        self
    }

    /// The region requests are sent to and signed for.
    pub fn region(mut self, region: Region) -> Self {
        self.config.region = Some(region);
        self.mark(Set::REGION)
    }

    /// Accepted for compatibility with the AWS SDK for Rust; see [`BehaviorVersion`].
    pub fn behavior_version(self, _version: BehaviorVersion) -> Self {
        self
    }

    /// `behavior_version(BehaviorVersion::latest())`, as the AWS SDK for Rust spells it.
    pub fn behavior_version_latest(self) -> Self {
        self.behavior_version(BehaviorVersion::latest())
    }

    /// Where credentials come from. Wrapped in a cache that refreshes them before they expire.
    /// Static [`crate::credentials::Credentials`] are a provider too.
    pub fn credentials_provider(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.config.credentials = Some(Arc::new(CachedProvider::new(provider)));
        self.config.default_credentials_env = None;
        self.mark(Set::CREDENTIALS)
    }

    /// Sends every request to this URL (`http://` for local testing) instead of the endpoint
    /// the rule set resolves.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.config.endpoint_url = Some(url.into());
        self.mark(Set::ENDPOINT_URL)
    }

    /// Use FIPS 140 endpoints.
    pub fn use_fips(mut self, on: bool) -> Self {
        self.config.use_fips = on;
        self.mark(Set::USE_FIPS)
    }

    /// Use dual-stack (IPv4 and IPv6) endpoints.
    pub fn use_dual_stack(mut self, on: bool) -> Self {
        self.config.use_dual_stack = on;
        self.mark(Set::USE_DUAL_STACK)
    }

    /// Retry mode, attempts and backoff.
    pub fn retry_config(mut self, retry: RetryConfig) -> Self {
        self.config.retry = retry;
        self.mark(Set::RETRY)
    }

    /// Replaces the random jitter of retry backoff (tests: a constant makes delays exact).
    pub fn retry_jitter(mut self, jitter: Jitter) -> Self {
        self.config.jitter = Some(jitter);
        self.mark(Set::JITTER)
    }

    /// Connect, read, attempt and operation timeouts (see [`TimeoutConfig`] for the defaults).
    pub fn timeout_config(mut self, timeouts: TimeoutConfig) -> Self {
        self.config.timeouts = timeouts;
        self.mark(Set::TIMEOUTS)
    }

    /// Stalled-stream protection (on by default; see [`StalledStreamProtectionConfig`]).
    pub fn stalled_stream_protection(mut self, config: StalledStreamProtectionConfig) -> Self {
        self.config.stalled_stream = config;
        self.mark(Set::STALLED_STREAM)
    }

    /// The proxy of the built-in HTTP client. Without this setting it reads `HTTPS_PROXY`,
    /// `HTTP_PROXY` and `NO_PROXY` (and their lowercase forms) from the process environment;
    /// [`crate::transport::ProxyConfig::disabled`] turns that off.
    pub fn proxy(mut self, proxy: crate::transport::ProxyConfig) -> Self {
        self.config.proxy = Some(proxy);
        self.mark(Set::PROXY)
    }

    /// Largest response body the built-in HTTP client reads into memory (default 64 MiB); a
    /// larger one fails the call with [`crate::transport::TransportError::ResponseTooLarge`].
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.config.max_response_body = bytes;
        self.mark(Set::MAX_RESPONSE_BODY)
    }

    /// Your own HTTP client instead of the built-in one.
    pub fn http_client(mut self, client: impl HttpClient + 'static) -> Self {
        self.config.http_client = Some(Arc::new(client));
        self.mark(Set::HTTP_CLIENT)
    }

    /// How the client sleeps between retries.
    pub fn sleep_impl(mut self, sleep: impl AsyncSleep + 'static) -> Self {
        self.config.sleep = Arc::new(sleep);
        self.mark(Set::SLEEP)
    }

    /// The clock used for signing.
    pub fn time_source(mut self, time: impl TimeSource + 'static) -> Self {
        self.config.time = Arc::new(time);
        self.mark(Set::TIME)
    }

    /// Generates idempotency tokens (default: random UUID v4).
    pub fn idempotency_token_provider(mut self, f: impl Fn() -> String + Send + Sync + 'static) -> Self {
        self.config.idempotency_token = Arc::new(f);
        self.mark(Set::IDEMPOTENCY_TOKEN)
    }

    /// Never compress request bodies, even for operations that allow it.
    pub fn disable_request_compression(mut self, disable: bool) -> Self {
        self.config.disable_request_compression = disable;
        self.mark(Set::DISABLE_REQUEST_COMPRESSION)
    }

    /// Compress request bodies of at least this many bytes (default 10240).
    pub fn request_min_compression_size_bytes(mut self, bytes: u32) -> Self {
        self.config.request_min_compression_size_bytes = bytes;
        self.mark(Set::MIN_COMPRESSION_SIZE)
    }

    /// Sets an endpoint rule-set parameter the service declares as a client context parameter
    /// (`@clientContextParams`; the generated `endpoint` module lists them).
    pub fn endpoint_param(mut self, name: impl Into<String>, value: impl Into<crate::endpoint::ParamValue>) -> Self {
        let name = name.into();
        self.config.endpoint_params.retain(|(n, _)| *n != name);
        self.config.endpoint_params.push((name, value.into()));
        self
    }

    /// An application name added to the `user-agent` header (checked by [`AppName::new`]).
    pub fn app_name(mut self, name: AppName) -> Self {
        self.config.app_name = Some(name);
        self.mark(Set::APP_NAME)
    }

    /// Answers calls with mock rules instead of the HTTP client (feature `test-util`; see
    /// [`crate::test_util::mocks`]). The AWS SDK's spelling; it takes only the mock rules.
    #[cfg(feature = "test-util")]
    pub fn interceptor(mut self, mocks: crate::test_util::mocks::MockResponseInterceptor) -> Self {
        self.config.mocks = Some(Arc::new(mocks));
        self.mark(Set::MOCKS)
    }

    /// Settings for tests (feature `test-util`): region `us-east-1`, fixed test credentials,
    /// sleeps that return at once (retries take no time), and the idempotency token
    /// `00000000-0000-4000-8000-000000000000`.
    #[cfg(feature = "test-util")]
    pub fn with_test_defaults(self) -> Self {
        self.region(Region::from_static("us-east-1"))
            .credentials_provider(crate::credentials::Credentials::new(
                "AKIDEXAMPLE",
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                None,
                None,
                "TestDefaults",
            ))
            .sleep_impl(crate::test_util::mocks::InstantSleep)
            .idempotency_token_provider(|| "00000000-0000-4000-8000-000000000000".to_string())
    }

    /// The configuration.
    pub fn build(self) -> Config {
        self.config
    }
}

/// Why [`Config::from_env`] failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// A shared config or credentials file could not be read or parsed.
    Profile(ProfileError),
    /// The configured region is not a valid region name.
    Region(InvalidRegion),
    /// No region is configured anywhere.
    MissingRegion,
    /// A setting has a malformed value.
    Setting(SettingError),
    /// A proxy variable (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`) is malformed.
    Proxy(crate::transport::InvalidProxy),
    /// An environment variable has a malformed value.
    Invalid {
        /// The variable.
        setting: &'static str,
        /// Its value.
        value: String,
        /// What it should be.
        expected: &'static str,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Profile(e) => write!(f, "{e}"),
            ConfigError::Region(e) => write!(f, "{e}"),
            ConfigError::MissingRegion => f.write_str(
                "no region configured: set AWS_REGION (or AWS_DEFAULT_REGION), `region` in the AWS config file, or Config::builder().region(..)",
            ),
            ConfigError::Setting(e) => write!(f, "{e}"),
            ConfigError::Proxy(e) => write!(f, "{e}"),
            ConfigError::Invalid { setting, value, expected } => write!(f, "{setting} is `{value}`, expected {expected}"),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::Profile(e) => Some(e),
            ConfigError::Region(e) => Some(e),
            ConfigError::MissingRegion => None,
            ConfigError::Setting(e) => Some(e),
            ConfigError::Proxy(e) => Some(e),
            ConfigError::Invalid { .. } => None,
        }
    }
}

impl From<RetryMode> for RetryConfig {
    fn from(mode: RetryMode) -> Self {
        RetryConfig::standard().with_mode(mode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::ProvideCredentials;

    /// An environment with no home directory, so no real shared file is ever read.
    fn env(vars: &[(&str, &str)]) -> Env {
        let dir = std::env::temp_dir().join(format!("config-test-none-{}", std::process::id()));
        let mut all: Vec<(String, String)> = vec![
            ("AWS_CONFIG_FILE".into(), dir.join("config").display().to_string()),
            ("AWS_SHARED_CREDENTIALS_FILE".into(), dir.join("credentials").display().to_string()),
        ];
        all.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Env::from_map(all)
    }

    #[test]
    fn from_env_reads_region_credentials_endpoint_and_retries() {
        let e = env(&[
            ("AWS_REGION", "eu-central-1"),
            ("AWS_ACCESS_KEY_ID", "AKIDENV"),
            ("AWS_SECRET_ACCESS_KEY", "secret-from-env"),
            ("AWS_ENDPOINT_URL_CHIME_SDK_IDENTITY", "http://127.0.0.1:9000"),
            ("AWS_MAX_ATTEMPTS", "5"),
            ("AWS_RETRY_MODE", "adaptive"),
            ("AWS_USE_FIPS_ENDPOINT", "true"),
            ("AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES", "100"),
        ]);
        let config = Config::load(&e, "CHIME_SDK_IDENTITY").unwrap();
        assert_eq!(config.region().map(Region::as_str), Some("eu-central-1"));
        assert_eq!(config.endpoint_url(), Some("http://127.0.0.1:9000"));
        assert_eq!(config.retry_config().max_attempts(), 5);
        assert_eq!(config.retry_config().mode(), RetryMode::Adaptive);
        assert!(config.use_fips());
        assert_eq!(config.request_min_compression_size_bytes, 100);
        let creds = crate::test_util::block_on(config.credentials.as_ref().unwrap().provide_credentials()).unwrap();
        assert_eq!(creds.access_key_id(), "AKIDENV");
        assert!(!format!("{config:?}").contains("secret-from-env"), "Debug never shows the secret");
    }

    #[test]
    fn default_credentials_env_marks_the_default_chain_until_replaced() {
        let e = env(&[("AWS_ACCESS_KEY_ID", "A"), ("AWS_SECRET_ACCESS_KEY", "S")]);
        assert!(matches!(Config::load(&e, ""), Err(ConfigError::MissingRegion)));
        let config = Config::load_with_region_fallback(&e, "", Some(Region::from_static("ap-south-1"))).unwrap();
        assert_eq!(config.region().map(Region::as_str), Some("ap-south-1"), "the fallback fills a missing region");
        assert!(config.default_credentials_env().is_some());
        let replaced = config.to_builder().credentials_provider(crate::credentials::Credentials::new("X", "Y", None, None, "test")).build();
        assert!(replaced.default_credentials_env().is_none(), "explicit credentials are not replaced");
        let e = env(&[("AWS_REGION", "eu-west-1")]);
        let config = Config::load_with_region_fallback(&e, "", Some(Region::from_static("ap-south-1"))).unwrap();
        assert_eq!(config.region().map(Region::as_str), Some("eu-west-1"), "the environment wins over the fallback");
        assert!(Config::builder().build().default_credentials_env().is_none());
    }

    #[test]
    fn from_env_names_what_is_missing_or_malformed() {
        let err = Config::load(&env(&[]), "").unwrap_err();
        assert!(matches!(err, ConfigError::MissingRegion));
        assert!(err.to_string().contains("AWS_REGION"), "{err}");
        let err = Config::load(&env(&[("AWS_REGION", "us-east-1"), ("AWS_MAX_ATTEMPTS", "many")]), "").unwrap_err();
        assert!(err.to_string().contains("max_attempts"), "{err}");
        let err = Config::load(&env(&[("AWS_REGION", "us-east-1"), ("AWS_DISABLE_REQUEST_COMPRESSION", "yes")]), "").unwrap_err();
        assert_eq!(err.to_string(), "AWS_DISABLE_REQUEST_COMPRESSION is `yes`, expected true or false");
        let err = Config::load(&env(&[("AWS_REGION", "us-east-1/evil")]), "").unwrap_err();
        assert!(matches!(err, ConfigError::Region(_)), "{err}");
    }

    #[test]
    fn app_names_are_checked_when_made_and_read_from_the_environment() {
        assert!(AppName::new("my-app_1.0").is_ok());
        for bad in ["", "my app", "app/1", "caf\u{e9}", "a\r\nx-evil: 1"] {
            let err = AppName::new(bad).unwrap_err();
            assert!(err.to_string().contains("invalid app name"), "{bad:?}: {err}");
        }
        let config = Config::load(&env(&[("AWS_REGION", "us-east-1"), ("AWS_SDK_UA_APP_ID", "billing-v2")]), "").unwrap();
        assert_eq!(config.app_name().map(AppName::as_str), Some("billing-v2"));
        let err = Config::load(&env(&[("AWS_REGION", "us-east-1"), ("AWS_SDK_UA_APP_ID", "has space")]), "").unwrap_err();
        assert!(err.to_string().contains("sdk_ua_app_id"), "{err}");
    }

    #[test]
    fn passwords_in_endpoint_urls_never_reach_debug_output() {
        let config = Config::builder().endpoint_url("http://admin:hunter2@proxy.internal:8080/base").build();
        let handle = crate::client::Handle::new(config.clone(), &TEST_SERVICE);
        for printed in [format!("{config:?}"), format!("{config:#?}"), format!("{handle:?}")] {
            assert!(!printed.contains("hunter2") && !printed.contains("admin"), "{printed}");
            assert!(printed.contains("proxy.internal:8080"), "{printed}");
        }
        assert_eq!(config.endpoint_url(), Some("http://admin:hunter2@proxy.internal:8080/base"), "the value itself is kept");
    }

    static TEST_SERVICE: crate::client::ServiceInfo = crate::client::TEST_SERVICE;

    #[test]
    fn overrides_replace_only_the_settings_they_were_given() {
        let base = Config::builder()
            .region(Region::from_static("us-east-1"))
            .endpoint_url("http://base.invalid")
            .use_fips(true)
            .retry_config(RetryConfig::standard().with_max_attempts(5))
            .endpoint_param("Stage", "base")
            .endpoint_param("Kept", "yes")
            .build();
        let o = base.with_overrides(Config::builder().region(Region::from_static("eu-west-1")).use_fips(false).endpoint_param("Stage", "call"));
        assert_eq!(o.region().map(Region::as_str), Some("eu-west-1"));
        assert!(!o.use_fips(), "an explicit `false` is an override too");
        assert_eq!(o.endpoint_url(), Some("http://base.invalid"));
        assert_eq!(o.retry_config().max_attempts(), 5);
        let params: Vec<_> = o.endpoint_params.iter().map(|(n, v)| format!("{n}={v:?}")).collect();
        assert_eq!(params.len(), 2, "{params:?}");
        assert!(params.iter().any(|p| p.starts_with("Stage=") && p.contains("call")), "{params:?}");
        let none = base.with_overrides(ConfigBuilder::default());
        assert_eq!((none.region(), none.endpoint_url(), none.use_fips()), (base.region(), base.endpoint_url(), true));
        let all = base.with_overrides(Config::builder().build().to_builder());
        assert_eq!((all.region(), all.endpoint_url(), all.retry_config().max_attempts()), (None, None, 3), "to_builder sets everything");
        assert_eq!(base.region().map(Region::as_str), Some("us-east-1"), "the base is unchanged");
    }

    #[test]
    fn defaults_bound_every_wait_and_builders_adjust_them() {
        let config = Config::builder().build();
        let t = config.timeout_config();
        assert_eq!((t.connect_timeout(), t.read_timeout()), (Some(Duration::from_millis(3100)), Some(Duration::from_secs(60))));
        assert_eq!((t.operation_attempt_timeout(), t.operation_timeout()), (None, None));
        let s = config.stalled_stream_protection();
        assert!(s.upload_enabled() && s.download_enabled());
        assert_eq!((s.grace_period(), s.minimum_throughput()), (Duration::from_secs(5), 1));
        assert_eq!(config.max_response_body, 64 * 1024 * 1024);
        let t = TimeoutConfig::builder().read_timeout(Duration::from_secs(2)).operation_timeout(Duration::from_secs(9)).build();
        assert_eq!((t.read, t.operation, t.attempt), (Some(Duration::from_secs(2)), Some(Duration::from_secs(9)), None));
        assert_eq!(TimeoutConfig::builder().disable_read_timeout().build().read, None);
        assert!(!StalledStreamProtectionConfig::disabled().is_enabled());
    }

    #[test]
    fn proxies_come_from_the_environment_and_their_passwords_stay_hidden() {
        let config = Config::load(&env(&[("AWS_REGION", "us-east-1"), ("HTTPS_PROXY", "http://bob:pw0rd@proxy.corp:3128")]), "").unwrap();
        assert!(config.proxy.as_ref().is_some_and(|p| p.is_enabled()));
        let shown = format!("{config:?}");
        assert!(shown.contains("proxy.corp:3128") && !shown.contains("pw0rd") && !shown.contains("bob"), "{shown}");
        let err = Config::load(&env(&[("AWS_REGION", "us-east-1"), ("NO_PROXY", "10.0.0.0/99")]), "").unwrap_err();
        assert!(matches!(err, ConfigError::Proxy(_)) && err.to_string().contains("NO_PROXY"), "{err}");
    }
}
