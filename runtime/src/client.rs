//! The request pipeline every generated operation goes through: prepare and serialize the input,
//! resolve the endpoint, sign, send with retries and timeouts, and read the response.
//!
//! [`Handle`] is the shared core of a generated `Client`: configuration, HTTP client, credential
//! cache, retry quota, signing-key cache and endpoint memo, behind one `Arc`.

use crate::config::{Config, ConfigBuilder, Set};
use crate::credentials::Credentials;
use crate::endpoint::{CachedResolver, Endpoint, EvalContext, Params, RuleSet};
use crate::error::{BuildError, SdkError, TimeoutKind};
use crate::http::{DispatchError, DispatchErrorKind, HttpClient, HttpRequest, HttpResponse, Uri};
use crate::operation::Operation;
use crate::retry::{classify, clock_skew_correction, ClockSkew, Failure, RetryDecision, RetryKind, RetryStrategy};
use crate::sigv4::{Signer, SigningParams, SigningSettings};
use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Poll;
use tracing::Instrument;

mod streaming;

/// Facts about a generated service that the pipeline needs.
#[derive(Debug)]
pub struct ServiceInfo {
    /// `aws.api#service` sdkId.
    pub sdk_id: &'static str,
    /// The API version.
    pub api_version: &'static str,
    /// SigV4 signing name; `None` sends requests unsigned.
    pub signing_name: Option<&'static str>,
    /// Suffix of `AWS_ENDPOINT_URL_<suffix>`.
    pub env_suffix: &'static str,
    /// The generated crate's name and version, for the `user-agent`.
    pub crate_name: &'static str,
    pub crate_version: &'static str,
    /// The endpoint rule set; `None` requires an `endpoint_url`.
    pub rules: Option<&'static RuleSet>,
    /// The wire protocol (reads the code of error responses).
    pub protocol: &'static dyn crate::protocol::Protocol,
}

/// The shared core of a client. Cloning is cheap.
#[derive(Clone)]
pub struct Handle {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    service: &'static ServiceInfo,
    /// Shared with the handles of per-call overrides that keep the client's transport settings
    /// (so they use its connection pool).
    http: Result<Arc<dyn HttpClient>, String>,
    /// Shared with the handles of per-call overrides that keep the retry settings (so they draw
    /// on the same retry quota).
    retry: Arc<RetryStrategy>,
    signer: Arc<Signer>,
    endpoint: Option<CachedResolver<'static>>,
    user_agent: String,
    skew: Arc<Mutex<ClockSkew>>,
    client_endpoint: std::sync::OnceLock<Arc<Resolved>>,
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle").field("service", &self.inner.service.sdk_id).field("config", &self.inner.config).finish()
    }
}

impl Handle {
    /// A handle for `service` configured by `config`.
    pub fn new(config: Config, service: &'static ServiceInfo) -> Self {
        let http = match &config.http_client {
            Some(c) => Ok(Arc::clone(c)),
            None => default_http_client(&config),
        };
        let retry = Arc::new(retry_strategy(&config));
        Self::assemble(config, service, http, retry, Arc::default(), Arc::default())
    }

    /// A handle for one call with `overrides` on top of this handle's configuration
    /// (`customize().config_override(..)`). What the override leaves alone is shared with this
    /// client: the connection pool (unless a transport setting or the HTTP client changes), the
    /// retry quota (unless the retry settings, jitter or clock change), the credentials cache
    /// (unless the provider changes), the signing-key cache and the clock-skew correction.
    pub fn with_config_override(&self, overrides: ConfigBuilder) -> Handle {
        let inner = &*self.inner;
        let base = &inner.config;
        let set = overrides.set;
        let config = base.with_overrides(overrides);
        let transport_changed = set.has(Set::HTTP_CLIENT)
            || set.has(Set::PROXY)
            || config.timeouts.connect != base.timeouts.connect
            || config.timeouts.read != base.timeouts.read
            || config.stalled_stream != base.stalled_stream
            || config.max_response_body != base.max_response_body;
        let http = match (&config.http_client, transport_changed) {
            (Some(c), _) => Ok(Arc::clone(c)),
            (None, false) => inner.http.clone(),
            (None, true) => default_http_client(&config),
        };
        let retry = if set.has(Set::RETRY) || set.has(Set::JITTER) || set.has(Set::TIME) {
            Arc::new(retry_strategy(&config))
        } else {
            Arc::clone(&inner.retry)
        };
        Self::assemble(config, inner.service, http, retry, Arc::clone(&inner.signer), Arc::clone(&inner.skew))
    }

    fn assemble(
        config: Config,
        service: &'static ServiceInfo,
        http: Result<Arc<dyn HttpClient>, String>,
        retry: Arc<RetryStrategy>,
        signer: Arc<Signer>,
        skew: Arc<Mutex<ClockSkew>>,
    ) -> Self {
        let mut user_agent = format!(
            "{}/{} {}/{} lang/rust",
            service.crate_name,
            service.crate_version,
            env!("CARGO_PKG_NAME"),
            env!("CARGO_PKG_VERSION")
        );
        if let Some(app) = &config.app_name {
            user_agent.push_str(" app/");
            user_agent.push_str(app.as_str());
        }
        let endpoint = service.rules.map(|r| CachedResolver::new(r, EvalContext::default()));
        Handle {
            inner: Arc::new(Inner {
                config,
                service,
                http,
                retry,
                signer,
                endpoint,
                user_agent,
                skew,
                client_endpoint: std::sync::OnceLock::new(),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Runs operation `O` with `input`: the whole pipeline, with retries and timeouts.
    pub async fn invoke<O: Operation>(&self, input: O::Input) -> Result<O::Output, SdkError<O::Error>> {
        self.invoke_with_hooks::<O>(input, &[]).await
    }

    /// [`Handle::invoke`], running `hooks` on a copy of the request before it is signed, on
    /// every attempt (`customize().mutate_request(..)` / `.map_request(..)`).
    pub(crate) async fn invoke_with_hooks<O: Operation>(
        &self,
        input: O::Input,
        hooks: &[RequestHook],
    ) -> Result<O::Output, SdkError<O::Error>> {
        let span = tracing::debug_span!("operation", service = self.inner.service.sdk_id, operation = O::NAME);
        let work = async {
            let work = self.invoke_inner::<O>(input, hooks);
            match self.inner.config.timeouts.operation {
                None => work.await,
                Some(limit) => race(work, self.inner.config.sleep.sleep(limit))
                    .await
                    .unwrap_or(Err(SdkError::timeout_error(TimeoutKind::Operation))),
            }
        };
        in_span(span, work).await
    }

    async fn invoke_inner<O: Operation>(&self, mut input: O::Input, hooks: &[RequestHook]) -> Result<O::Output, SdkError<O::Error>> {
        if O::STREAMING_INPUT || O::STREAMING_OUTPUT {
            // Boxed, so that the futures of the other operations do not grow by its state.
            return Box::pin(self.invoke_streaming::<O>(input, hooks)).await;
        }
        let inner = &*self.inner;
        O::prepare(&mut input, &*inner.config.idempotency_token);
        let mut parts = O::serialize(&input).map_err(SdkError::construction_failure)?;
        if !O::REQUEST_COMPRESSION.is_empty() {
            compress_body(&mut parts, O::REQUEST_COMPRESSION, &inner.config);
        }
        if O::CHECKSUM_REQUIRED && !parts.headers.contains("content-md5") {
            parts.headers.insert("content-md5", crate::checksum::content_md5(&parts.body));
        }
        let resolved = if O::BINDS_ENDPOINT_PARAMS {
            self.resolve(|params| O::endpoint_params(&input, params))
        } else {
            self.client_endpoint()
        }
        .map_err(SdkError::construction_failure)?;
        let endpoint = &resolved.endpoint;
        let mut request = build_request(parts, &resolved.base);
        for (name, values) in &endpoint.headers {
            for v in values {
                request.headers.append(name.clone(), v.clone());
            }
        }
        request.headers.insert("user-agent", inner.user_agent.clone());
        request.headers.insert("amz-sdk-invocation-id", crate::rand::uuid_v4());
        let anonymous = O::UNSIGNED || (O::OPTIONAL_AUTH && inner.config.credentials.is_none());
        let signing = if anonymous { None } else { self.signing_context(endpoint).await? };
        let http = inner.http.as_ref().map_err(|e| SdkError::construction_failure(e.clone()))?;

        let mut call = inner.retry.start_call(false);
        let max = inner.retry.config().max_attempts();
        loop {
            let wait = call.before_attempt();
            if !wait.is_zero() {
                inner.config.sleep.sleep(wait).await;
            }
            let attempt = call.attempt();
            // One request is signed again in place for every attempt: the signing headers and
            // the attempt count are replaced, nothing is copied. Hooks change a copy instead, so
            // each attempt starts from the same request.
            request.headers.insert("amz-sdk-request", format!("attempt={attempt}; max={max}"));
            let mut hooked;
            let request = if hooks.is_empty() {
                &mut request
            } else {
                hooked = request.clone();
                for hook in hooks {
                    hook.apply(&mut hooked).map_err(SdkError::construction_failure)?;
                }
                &mut hooked
            };
            let sent_at = inner.config.time.now();
            if let Some(s) = &signing {
                let skew = *inner.skew.lock().unwrap_or_else(PoisonError::into_inner);
                let params = SigningParams {
                    credentials: &s.credentials,
                    region: &s.region,
                    service: &s.name,
                    time: skew.apply(sent_at),
                    settings: &s.settings,
                };
                inner.signer.sign(request, &params).map_err(SdkError::construction_failure)?;
            }
            let span = tracing::debug_span!("attempt", n = attempt);
            #[cfg(feature = "test-util")]
            let result = match &inner.config.mocks {
                None => in_span(span, self.send(http.as_ref(), request)).await,
                Some(mocks) => match mocks.serve::<O>(&input) {
                    crate::test_util::mocks::Served::Output(output) => {
                        call.on_success();
                        return Ok(output);
                    }
                    crate::test_util::mocks::Served::Error { error, code, response } => {
                        let hint = code
                            .as_deref()
                            .and_then(|c| O::RETRYABLE_ERRORS.iter().find(|(known, _)| *known == c))
                            .map(|(_, throttling)| RetryKind::from_retryable_trait(*throttling));
                        let kind = classify(Failure::Response { status: response.status, code: code.as_deref() }, hint);
                        match call.on_failure(kind, None) {
                            RetryDecision::Retry { delay } => {
                                inner.config.sleep.sleep(delay).await;
                                continue;
                            }
                            RetryDecision::Stop { .. } => return Err(SdkError::service_error(error, response)),
                        }
                    }
                    crate::test_util::mocks::Served::Http(response) => Ok(response),
                    crate::test_util::mocks::Served::Unmatched(why) => {
                        return Err(SdkError::construction_failure(BuildError::invalid(why)));
                    }
                },
            };
            #[cfg(not(feature = "test-util"))]
            let result = in_span(span, self.send(http.as_ref(), request)).await;
            let (kind, retry_after, failure) = match result {
                Ok(response) if (200..300).contains(&response.status) => {
                    call.on_success();
                    return O::deserialize(&response).map_err(|source| SdkError::response_error(source, response, None));
                }
                Ok(response) => {
                    let meta = inner.service.protocol.error_metadata(&response);
                    let hint = meta
                        .code()
                        .and_then(|c| O::RETRYABLE_ERRORS.iter().find(|(code, _)| *code == c))
                        .map(|(_, throttling)| RetryKind::from_retryable_trait(*throttling));
                    let mut kind = classify(Failure::Response { status: response.status, code: meta.code() }, hint);
                    if let (Some(code), Some(date)) = (meta.code(), response.headers.get("date")) {
                        let mut skew = inner.skew.lock().unwrap_or_else(PoisonError::into_inner);
                        if let Some(corrected) = clock_skew_correction(code, date, sent_at, *skew) {
                            tracing::debug!(seconds = corrected.seconds(), "correcting clock skew");
                            *skew = corrected;
                            kind = RetryKind::Transient;
                        }
                    }
                    let retry_after = response.headers.get(crate::retry::RETRY_AFTER_HEADER).map(str::to_string);
                    let failure = match O::deserialize_error(&response, meta.clone()) {
                        Ok(err) => SdkError::service_error(err, response),
                        Err(source) => SdkError::response_error(source, response, Some(meta)),
                    };
                    (kind, retry_after, failure)
                }
                Err(Attempt::Dispatch(e)) => (classify(Failure::Dispatch(e.kind()), None), None, SdkError::dispatch_failure(e)),
                Err(Attempt::TimedOut) => (
                    classify(Failure::Dispatch(DispatchErrorKind::Timeout), None),
                    None,
                    SdkError::timeout_error(TimeoutKind::Attempt),
                ),
            };
            match call.on_failure(kind, retry_after.as_deref()) {
                RetryDecision::Retry { delay } => {
                    tracing::debug!(?kind, ?delay, "retrying");
                    inner.config.sleep.sleep(delay).await;
                }
                RetryDecision::Stop { reason, delay } => {
                    tracing::debug!(?kind, ?reason, "not retrying");
                    if !delay.is_zero() {
                        inner.config.sleep.sleep(delay).await;
                    }
                    return Err(failure);
                }
            }
        }
    }

    async fn send(&self, http: &dyn HttpClient, request: &HttpRequest) -> Result<HttpResponse, Attempt> {
        let exchange = http.send(request);
        match self.inner.config.timeouts.attempt {
            None => exchange.await.map_err(Attempt::Dispatch),
            Some(limit) => match race(exchange, self.inner.config.sleep.sleep(limit)).await {
                Some(r) => r.map_err(Attempt::Dispatch),
                None => Err(Attempt::TimedOut),
            },
        }
    }

    /// The endpoint of operations that bind no endpoint parameter of their own: it depends only
    /// on the configuration, so it is resolved (and its URL parsed) once per client.
    fn client_endpoint(&self) -> Result<Arc<Resolved>, BuildError> {
        if let Some(r) = self.inner.client_endpoint.get() {
            return Ok(Arc::clone(r));
        }
        let r = self.resolve(|_| {})?;
        Ok(Arc::clone(self.inner.client_endpoint.get_or_init(|| r)))
    }

    /// The endpoint with its URL parsed and checked.
    fn resolve(&self, operation_params: impl FnOnce(&mut Params)) -> Result<Arc<Resolved>, BuildError> {
        let endpoint = self.endpoint(operation_params)?;
        let url = &endpoint.url;
        let base = Uri::parse(url).ok_or_else(|| BuildError::invalid(format!("`{}` is not a valid endpoint URL", crate::http::redact_userinfo(url))))?;
        if base.scheme != "https" && base.scheme != "http" {
            return Err(BuildError::invalid(format!("endpoint `{}` must use http or https", crate::http::redact_userinfo(url))));
        }
        Ok(Arc::new(Resolved { endpoint, base }))
    }

    /// The endpoint: the rule set evaluated over the configuration's built-ins (with
    /// `endpoint_url` as `SDK::Endpoint`), its client context parameters and the operation's
    /// bindings; or `endpoint_url` itself when there is no rule set.
    fn endpoint(&self, operation_params: impl FnOnce(&mut Params)) -> Result<Arc<Endpoint>, BuildError> {
        let config = &self.inner.config;
        let Some(resolver) = &self.inner.endpoint else {
            let url = config
                .endpoint_url
                .clone()
                .ok_or_else(|| BuildError::invalid("the service has no endpoint rules, so an endpoint_url must be configured"))?;
            return Ok(Arc::new(Endpoint { url, headers: Vec::new(), properties: Vec::new() }));
        };
        let rules = self.inner.service.rules.expect("a resolver exists only with rules");
        let mut params = Params::new();
        for p in rules.parameters.iter() {
            let Some(built_in) = p.built_in.as_deref() else { continue };
            match built_in {
                "AWS::Region" => {
                    if let Some(r) = &config.region {
                        params.set(p.name.clone(), checked_region(r)?.to_string());
                    }
                }
                "AWS::UseFIPS" => {
                    params.set(p.name.clone(), config.use_fips);
                }
                "AWS::UseDualStack" => {
                    params.set(p.name.clone(), config.use_dual_stack);
                }
                "SDK::Endpoint" => {
                    if let Some(url) = &config.endpoint_url {
                        params.set(p.name.clone(), url.clone());
                    }
                }
                _ => {}
            }
        }
        // Most specific last (spec, "Rules engine parameters"): client context parameters, then
        // what the operation binds.
        for (name, value) in &config.endpoint_params {
            params.set(name.clone(), value.clone());
        }
        operation_params(&mut params);
        resolver.resolve(&params).map_err(|e| {
            let hint = if config.region.is_none() { " (no region is configured)" } else { "" };
            BuildError::invalid(format!("cannot resolve the endpoint: {e}{hint}"))
        })
    }

    /// Credentials, region and signing name for this call, or `None` for unsigned services.
    async fn signing_context<E>(&self, endpoint: &Endpoint) -> Result<Option<SigningContext>, SdkError<E>> {
        let inner = &*self.inner;
        let scheme = endpoint.auth_scheme("sigv4");
        let Some(name) = scheme.and_then(|s| s.signing_name()).or(inner.service.signing_name) else { return Ok(None) };
        let region = match scheme.and_then(|s| s.signing_region()) {
            Some(r) => r.to_string(),
            None => inner.config.region.as_ref().map(|r| checked_region(r).map(str::to_string)).transpose().map_err(SdkError::construction_failure)?.ok_or_else(|| {
                SdkError::construction_failure(BuildError::invalid(
                    "no region configured: set Config::builder().region(..), AWS_REGION, or `region` in the AWS config file",
                ))
            })?,
        };
        let provider = inner.config.credentials.as_ref().ok_or_else(|| {
            SdkError::construction_failure(BuildError::invalid(
                "no credentials provider configured: use Config::builder().credentials_provider(..) or Config::from_env()",
            ))
        })?;
        let credentials = provider.provide_credentials().await.map_err(SdkError::construction_failure)?;
        let settings = SigningSettings {
            double_encode_path: !scheme.is_some_and(|s| s.disable_double_encoding()),
            normalize_path: !scheme.is_some_and(|s| s.disable_normalize_path()),
            ..SigningSettings::default()
        };
        Ok(Some(SigningContext { credentials, region, name: Cow::Owned(name.to_string()), settings }))
    }
}

/// An unsigned service without endpoint rules, for unit tests.
#[cfg(test)]
pub(crate) const TEST_SERVICE: ServiceInfo = ServiceInfo {
    sdk_id: "Test",
    api_version: "1",
    signing_name: None,
    env_suffix: "TEST",
    crate_name: "test",
    crate_version: "0",
    rules: None,
    protocol: &crate::protocol::RestJson1,
};

/// The region's name, refused unless it is a host label: it is pasted into host names and the
/// signing scope. (`Region::new` is infallible, as in the AWS SDKs, so the check is here.)
fn checked_region(region: &crate::region::Region) -> Result<&str, BuildError> {
    if region.is_valid() {
        Ok(region.as_str())
    } else {
        Err(BuildError::invalid(format!("{:?} is not a valid region name (letters, digits and hyphens)", region.as_str())))
    }
}

/// A resolved endpoint and its URL, parsed.
struct Resolved {
    endpoint: Arc<Endpoint>,
    base: Uri,
}

struct SigningContext {
    credentials: Credentials,
    region: String,
    name: Cow<'static, str>,
    settings: SigningSettings,
}

enum Attempt {
    Dispatch(DispatchError),
    TimedOut,
}

/// A retry strategy with the configuration's settings, jitter and clock.
fn retry_strategy(config: &Config) -> RetryStrategy {
    let mut retry = RetryStrategy::new(config.retry.clone()).with_time_source(Arc::clone(&config.time));
    if let Some(j) = &config.jitter {
        retry = retry.with_jitter(Arc::clone(j));
    }
    retry
}

/// Runs on the request of every attempt before it is signed: `customize().mutate_request(..)`
/// and `.map_request(..)`.
#[derive(Clone)]
pub(crate) enum RequestHook {
    Mutate(Arc<dyn Fn(&mut HttpRequest) + Send + Sync>),
    Map(Arc<dyn Fn(HttpRequest) -> Result<HttpRequest, crate::error::BoxError> + Send + Sync>),
}

impl RequestHook {
    fn apply(&self, request: &mut HttpRequest) -> Result<(), crate::error::BoxError> {
        match self {
            RequestHook::Mutate(f) => f(request),
            RequestHook::Map(f) => *request = f(std::mem::take(request))?,
        }
        Ok(())
    }
}

impl fmt::Debug for RequestHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RequestHook::Mutate(_) => "RequestHook::Mutate",
            RequestHook::Map(_) => "RequestHook::Map",
        })
    }
}

fn default_http_client(config: &Config) -> Result<Arc<dyn HttpClient>, String> {
    let mut builder = crate::transport::Transport::builder();
    if let Some(proxy) = &config.proxy {
        builder = builder.proxy(proxy.clone());
    }
    builder
        .connect_timeout(config.timeouts.connect)
        .read_timeout(config.timeouts.read)
        .stalled_stream_protection(config.stalled_stream)
        .max_response_body(config.max_response_body)
        .build()
        .map(|t| Arc::new(t) as Arc<dyn HttpClient>)
        .map_err(|e| format!("cannot set up the HTTP client: {e}"))
}

/// `@requestCompression`: compresses the body with the first encoding this client supports
/// (gzip), unless compression is disabled or the body is smaller than the configured minimum,
/// and appends the encoding to any `Content-Encoding` the input already set (spec:
/// "requestCompression trait", client behaviour).
fn compress_body(parts: &mut crate::operation::RequestParts, encodings: &[&str], config: &Config) {
    if config.disable_request_compression
        || parts.body.len() < config.request_min_compression_size_bytes as usize
        || !encodings.contains(&"gzip")
    {
        return;
    }
    parts.body = crate::gzip::compress(&parts.body);
    let encoding = match parts.headers.get("content-encoding") {
        Some(existing) => format!("{existing}, gzip"),
        None => "gzip".to_string(),
    };
    parts.headers.insert("content-encoding", encoding);
}

/// Joins the endpoint URL and the serialized request: the endpoint's path is a prefix of the
/// operation's path, and a host prefix goes before the endpoint's host.
fn build_request(parts: crate::operation::RequestParts, base: &Uri) -> HttpRequest {
    let mut uri = Uri { scheme: base.scheme.clone(), authority: base.authority.clone(), path: String::new(), query: String::new() };
    if let Some(prefix) = &parts.host_prefix {
        uri.authority = format!("{prefix}{}", uri.authority);
    }
    let base_path = base.path.trim_end_matches('/');
    uri.path = if parts.path.is_empty() {
        format!("{base_path}/")
    } else if base_path.is_empty() {
        // The usual case (an endpoint without a path): the serialized path is moved, not copied.
        parts.path
    } else {
        format!("{base_path}{}", parts.path)
    };
    uri.query = match (base.query.is_empty(), parts.query.is_empty()) {
        (true, _) => parts.query,
        (false, true) => base.query.clone(),
        (false, false) => format!("{}&{}", base.query, parts.query),
    };
    let mut headers = parts.headers;
    // Content-Length is part of what is signed; send it for every body, and as 0 for methods
    // that carry one (some servers refuse POST/PUT without it).
    if !parts.body.is_empty() || matches!(parts.method, "POST" | "PUT" | "PATCH") {
        headers.insert("content-length", parts.body.len().to_string());
    }
    HttpRequest { method: Cow::Borrowed(parts.method), uri, headers, body: parts.body }
}

/// Runs `work` inside `span`, skipping the span bookkeeping on every poll when no subscriber
/// wants it (the common case in production, where this is on the hot path).
async fn in_span<F: Future>(span: tracing::Span, work: F) -> F::Output {
    if span.is_disabled() {
        work.await
    } else {
        work.instrument(span).await
    }
}

/// Polls `work` and `deadline` together: `Some(output)` if the work finishes first.
async fn race<F: Future>(work: F, deadline: crate::clock::SleepFuture) -> Option<F::Output> {
    let mut work = std::pin::pin!(work);
    let mut deadline = deadline;
    std::future::poll_fn(|cx| {
        if let Poll::Ready(v) = work.as_mut().poll(cx) {
            return Poll::Ready(Some(v));
        }
        if deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::rules::*;
    use crate::error::{DeserializeError, ErrorMetadata, Unhandled};
    use crate::operation::RequestParts;
    use crate::test_util::{block_on, response, ReplayClient};

    /// A rule set whose endpoint host is the `Stage` parameter.
    static STAGED: RuleSet = RuleSet {
        version: Cow::Borrowed("1.0"),
        parameters: Cow::Borrowed(&[
            Parameter { name: Cow::Borrowed("Region"), ty: ParameterType::String, required: false, default: None, built_in: Some(Cow::Borrowed("AWS::Region")), deprecated: None },
            Parameter { name: Cow::Borrowed("Stage"), ty: ParameterType::String, required: true, default: Some(ParamValue::String(Cow::Borrowed("default"))), built_in: None, deprecated: None },
        ]),
        rules: Cow::Borrowed(&[Rule {
            conditions: Cow::Borrowed(&[]),
            outcome: Outcome::Endpoint(EndpointTemplate {
                url: Expr::String(Template {
                    parts: Cow::Borrowed(&[
                        TemplatePart::Literal(Cow::Borrowed("https://")),
                        TemplatePart::Value { name: Cow::Borrowed("Stage"), path: Cow::Borrowed(&[]) },
                        TemplatePart::Literal(Cow::Borrowed(".example.com")),
                    ]),
                }),
                headers: Cow::Borrowed(&[]),
                properties: Cow::Borrowed(&[]),
            }),
        }]),
    };

    const SERVICE_TEMPLATE: ServiceInfo = TEST_SERVICE;

    static SERVICE: ServiceInfo = ServiceInfo {
        sdk_id: "Test",
        api_version: "1",
        signing_name: None,
        env_suffix: "TEST",
        crate_name: "test",
        crate_version: "0",
        rules: Some(&STAGED),
        protocol: &crate::protocol::RestJson1,
    };

    /// An operation whose input is the `Stage` it binds, if any.
    struct Staged;
    impl Operation for Staged {
        type Input = Option<&'static str>;
        type Output = ();
        type Error = Unhandled;
        const NAME: &'static str = "Staged";
        const RETRYABLE_ERRORS: &'static [(&'static str, bool)] = &[];
        const BINDS_ENDPOINT_PARAMS: bool = true;
        fn endpoint_params(input: &Self::Input, params: &mut Params) {
            if let Some(stage) = input {
                params.set("Stage", *stage);
            }
        }
        fn serialize(_: &Self::Input) -> Result<RequestParts, BuildError> {
            Ok(RequestParts::new("GET"))
        }
        fn deserialize(_: &HttpResponse) -> Result<(), DeserializeError> {
            Ok(())
        }
        fn deserialize_error(_: &HttpResponse, meta: ErrorMetadata) -> Result<Unhandled, DeserializeError> {
            Ok(Unhandled::new(meta))
        }
    }

    /// An operation that binds no endpoint parameter.
    struct Unbound;
    impl Operation for Unbound {
        type Input = ();
        type Output = ();
        type Error = Unhandled;
        const NAME: &'static str = "Unbound";
        const RETRYABLE_ERRORS: &'static [(&'static str, bool)] = &[];
        fn serialize(_: &()) -> Result<RequestParts, BuildError> {
            Ok(RequestParts::new("GET"))
        }
        fn deserialize(_: &HttpResponse) -> Result<(), DeserializeError> {
            Ok(())
        }
        fn deserialize_error(_: &HttpResponse, meta: ErrorMetadata) -> Result<Unhandled, DeserializeError> {
            Ok(Unhandled::new(meta))
        }
    }

    fn host_for(client_param: Option<&'static str>, op_param: Option<&'static str>) -> String {
        let http = ReplayClient::new([Ok(response(200, &[], ""))]);
        let mut config = Config::builder().http_client(http.clone());
        if let Some(v) = client_param {
            config = config.endpoint_param("Stage", v);
        }
        let handle = Handle::new(config.build(), &SERVICE);
        block_on(handle.invoke::<Staged>(op_param)).unwrap();
        http.requests()[0].uri.authority.clone()
    }

    #[test]
    fn endpoint_parameters_bind_most_specific_last() {
        assert_eq!(host_for(None, None), "default.example.com", "rule-set default");
        assert_eq!(host_for(Some("client"), None), "client.example.com", "client context parameter");
        assert_eq!(host_for(Some("client"), Some("op")), "op.example.com", "operation binding wins");
    }

    #[test]
    fn requests_join_endpoint_path_query_and_host_prefix() {
        let at = |url: &str| Uri::parse(url).unwrap();
        let mut parts = RequestParts::new("GET");
        parts.path = "/HostWithPathOperation".into();
        parts.query = "a=1".into();
        let r = build_request(parts.clone(), &at("https://example.com/custom"));
        assert_eq!(r.uri.to_string(), "https://example.com/custom/HostWithPathOperation?a=1");
        let r = build_request(parts.clone(), &at("http://127.0.0.1:8080/"));
        assert_eq!(r.uri.to_string(), "http://127.0.0.1:8080/HostWithPathOperation?a=1");
        parts.host_prefix = Some("foo.".into());
        let r = build_request(parts.clone(), &at("https://example.com?x=y"));
        assert_eq!(r.uri.to_string(), "https://foo.example.com/HostWithPathOperation?x=y&a=1");
        // Without an endpoint path the serialized path is moved into the URI, not copied.
        let moved = parts.clone();
        let buffer = moved.path.as_ptr();
        let r = build_request(moved, &at("https://example.com/"));
        assert_eq!((r.uri.path.as_str(), r.uri.path.as_ptr()), ("/HostWithPathOperation", buffer));
        let mut empty = parts.clone();
        empty.path.clear();
        assert_eq!(build_request(empty.clone(), &at("https://example.com/base/")).uri.path, "/base/");
        assert_eq!(build_request(empty, &at("https://example.com")).uri.path, "/");
    }

    #[test]
    fn bad_endpoint_urls_are_refused_before_sending() {
        static NO_RULES: ServiceInfo = ServiceInfo { rules: None, ..SERVICE_TEMPLATE };
        for url in ["example.com", "ftp://example.com", "http://host:99999/"] {
            let http = ReplayClient::new([]);
            let config = Config::builder().http_client(http.clone()).endpoint_url(url).build();
            let handle = Handle::new(config, &NO_RULES);
            let err = block_on(handle.invoke::<Staged>(None)).unwrap_err();
            assert!(matches!(err, SdkError::ConstructionFailure(_)), "{url}: {err}");
            assert!(http.requests().is_empty(), "{url}: nothing is sent");
        }
    }

    #[test]
    fn the_client_endpoint_is_resolved_once_and_reused() {
        let http = ReplayClient::new([]);
        let handle = Handle::new(Config::builder().http_client(http.clone()).endpoint_param("Stage", "once").build(), &SERVICE);
        for _ in 0..3 {
            block_on(handle.invoke::<Unbound>(())).unwrap();
        }
        let first = handle.inner.client_endpoint.get().map(Arc::as_ptr);
        block_on(handle.invoke::<Unbound>(())).unwrap();
        assert_eq!(handle.inner.client_endpoint.get().map(Arc::as_ptr), first, "the cached endpoint is reused");
        assert!(http.requests().iter().all(|r| r.uri.authority == "once.example.com"));
    }

    /// [`Unbound`] with `@auth([])` (`UNSIGNED`) or `@optionalAuth` (`OPTIONAL`).
    struct AuthOp<const UNSIGNED: bool, const OPTIONAL: bool>;
    impl<const UNSIGNED: bool, const OPTIONAL: bool> Operation for AuthOp<UNSIGNED, OPTIONAL> {
        type Input = ();
        type Output = ();
        type Error = Unhandled;
        const NAME: &'static str = "AuthOp";
        const RETRYABLE_ERRORS: &'static [(&'static str, bool)] = &[];
        const UNSIGNED: bool = UNSIGNED;
        const OPTIONAL_AUTH: bool = OPTIONAL;
        fn serialize(_: &()) -> Result<RequestParts, BuildError> {
            Ok(RequestParts::new("GET"))
        }
        fn deserialize(_: &HttpResponse) -> Result<(), DeserializeError> {
            Ok(())
        }
        fn deserialize_error(_: &HttpResponse, meta: ErrorMetadata) -> Result<Unhandled, DeserializeError> {
            Ok(Unhandled::new(meta))
        }
    }
    type UnsignedOp = AuthOp<true, false>;
    type OptionalAuthOp = AuthOp<false, true>;

    #[test]
    fn unsigned_operations_need_no_credentials_and_send_no_signature() {
        static SIGNED: ServiceInfo = ServiceInfo { signing_name: Some("svc"), ..SERVICE_TEMPLATE };
        let http = ReplayClient::new([Ok(response(200, &[], ""))]);
        let config = Config::builder().http_client(http.clone()).endpoint_url("https://example.com").region(crate::region::Region::from_static("us-east-1")).build();
        let handle = Handle::new(config, &SIGNED);
        let err = block_on(handle.invoke::<Unbound>(())).unwrap_err();
        assert!(matches!(err, SdkError::ConstructionFailure(_)), "a signed operation needs credentials: {err}");
        block_on(handle.invoke::<UnsignedOp>(())).unwrap();
        let requests = http.requests();
        assert_eq!(requests.len(), 1);
        assert!(!requests[0].headers.contains("authorization"));
        assert!(!requests[0].headers.contains("x-amz-date"));
    }

    #[test]
    fn optional_auth_signs_with_credentials_and_sends_unsigned_without_a_provider() {
        static SIGNED: ServiceInfo = ServiceInfo { signing_name: Some("svc"), ..SERVICE_TEMPLATE };
        let builder = || Config::builder().endpoint_url("https://example.com").region(crate::region::Region::from_static("us-east-1"));
        let anonymous = ReplayClient::new([Ok(response(200, &[], ""))]);
        block_on(Handle::new(builder().http_client(anonymous.clone()).build(), &SIGNED).invoke::<OptionalAuthOp>(())).unwrap();
        let signed = ReplayClient::new([Ok(response(200, &[], ""))]);
        let creds = crate::credentials::Credentials::from_keys("AKIDOPTIONAL", "secret", None);
        block_on(Handle::new(builder().http_client(signed.clone()).credentials_provider(creds).build(), &SIGNED).invoke::<OptionalAuthOp>(()))
            .unwrap();
        let (anonymous, signed) = (anonymous.requests(), signed.requests());
        assert!(!anonymous[0].headers.contains("authorization"), "no provider: unsigned");
        let authorization = signed[0].headers.get("authorization").unwrap_or_default();
        assert!(authorization.contains("Credential=AKIDOPTIONAL/"), "a provider: signed ({authorization})");
    }
}
