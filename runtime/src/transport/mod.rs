//! The built-in HTTP client: a small HTTP/1.1 implementation over tokio with keep-alive
//! pooling and, with the `rustls` feature, TLS. It implements [`HttpClient`] and is what clients
//! use unless given another.
//!
//! Written here instead of using hyper to keep builds short, the dependency graph small and the
//! CPU spent per request low: the request head (and a small body) encoded into one buffer and
//! sent with a single write (vectored for large bodies, which are never copied), a response
//! parser that scans each input byte once, and response bodies read straight into their final
//! buffer.
//!
//! It needs a tokio runtime with the IO and time drivers enabled (`enable_all`).
//!
//! # Retrying a request on a stale pooled connection
//!
//! A server may close a keep-alive connection while it sits idle in the pool; the client only
//! learns this when it uses the connection next, as an EOF or reset on the write or before the
//! first response byte. Such a request is retried once on a fresh connection, transparently.
//! This is safe even for non-idempotent requests because of where the failure is seen: a
//! server closes an idle connection only when no request is in progress on it, so bytes that
//! arrive after that close reach no application and are answered by a reset, never processed.
//! The retry happens only when *no byte of a response* was received and only for a connection
//! taken from the pool (a fresh connection's failures are reported, not retried). The one case
//! it cannot tell apart, a server that reads the request and then crashes without answering,
//! looks the same to any HTTP/1.1 client and is also what RFC 9112 §9.3.1 lets user agents
//! retry automatically for idempotent methods; the orchestrator's own retry policy would treat
//! that `Io` error as transient as well.

mod connect;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzz;
mod h1;
mod pool;
mod proxy;
mod streaming;
mod watch;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::http::{
    DispatchError, DispatchErrorKind, HttpClient, HttpRequest, HttpResponse, SendFuture, Uri,
};

use connect::{Connector, Stream};
use h1::{Conn, Failure};
use pool::{Pool, PoolKey};
pub use proxy::{InvalidProxy, ProxyConfig};
pub use watch::Direction;
use watch::{Limits, Stall};

/// Default longest wait for the complete response head once the request is sent: 60 s, the
/// read timeout botocore and the AWS CLI use. Long enough for any synchronous AWS API
/// call; short enough that a server that never answers does not hang a call forever.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// Default grace period of stalled-stream protection: 5 s, the AWS SDKs' default.
pub const DEFAULT_GRACE_PERIOD: Duration = Duration::from_secs(5);
/// Default minimum throughput of stalled-stream protection: 1 byte per second, the AWS SDKs'.
pub const DEFAULT_MINIMUM_THROUGHPUT: u64 = 1;
/// Default largest response body read into memory: 64 MiB. Buffered (non-streaming) AWS
/// responses are far smaller (the largest documented ones are a few MiB); the limit exists so
/// that a broken or hostile server cannot make the client allocate without bound.
pub const DEFAULT_MAX_RESPONSE_BODY: usize = 64 * 1024 * 1024;

/// The built-in HTTP/1.1 client. Cloning is cheap and clones share the connection pool.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use smithy_lite_runtime::http::{HttpClient, HttpRequest, Uri};
/// use smithy_lite_runtime::transport::Transport;
///
/// let transport = Transport::builder()
///     .read_timeout(Some(std::time::Duration::from_secs(30)))
///     .build()?;
/// let request = HttpRequest {
///     method: "GET".into(),
///     uri: Uri::parse("https://example.com/").ok_or("bad url")?,
///     ..Default::default()
/// };
/// let response = transport.send(&request).await?;
/// println!("{}", response.status);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

struct Inner {
    connect_timeout: Duration,
    proxy: ProxyConfig,
    limits: Limits,
    max_idle_per_host: usize,
    idle_timeout: Duration,
    connector: Connector,
    pool: Pool<Conn<Stream>>,
}

/// Settings for a [`Transport`], from [`Transport::builder`].
#[derive(Clone)]
pub struct TransportBuilder {
    connect_timeout: Duration,
    proxy: Option<ProxyConfig>,
    limits: Limits,
    max_idle_per_host: usize,
    idle_timeout: Duration,
    #[cfg(feature = "rustls")]
    built_in_roots: bool,
    #[cfg(feature = "native-roots")]
    native_roots: bool,
    #[cfg(feature = "rustls")]
    extra_roots: Vec<RootCertificate>,
}

/// A root certificate added to the trust store, parsed when the transport is built.
#[cfg(feature = "rustls")]
#[derive(Clone)]
enum RootCertificate {
    Der(Vec<u8>),
    Pem(Vec<u8>),
}

/// Why [`TransportBuilder::build`] failed (for example an unreadable root certificate).
#[derive(Debug)]
pub struct TransportBuildError {
    message: String,
}

impl TransportBuildError {
    #[cfg(feature = "rustls")]
    fn new(message: String) -> Self {
        Self { message }
    }
}

impl fmt::Display for TransportBuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot build HTTP transport: {}", self.message)
    }
}

impl std::error::Error for TransportBuildError {}

impl Default for TransportBuilder {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_millis(3100),
            proxy: None,
            limits: Limits::default(),
            max_idle_per_host: 16,
            idle_timeout: Duration::from_secs(90),
            #[cfg(feature = "rustls")]
            built_in_roots: true,
            #[cfg(feature = "native-roots")]
            native_roots: false,
            #[cfg(feature = "rustls")]
            extra_roots: Vec::new(),
        }
    }
}

impl TransportBuilder {
    /// Deadline for name resolution, the TCP connect and the TLS handshake together.
    /// Default 3.1 s. Exceeding it fails with [`DispatchErrorKind::Timeout`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Longest wait, once the request is written, for the complete response head (time to
    /// first byte, and the rest of the head). Default [`DEFAULT_READ_TIMEOUT`] (60 s); `None`
    /// waits indefinitely. Exceeding it fails with [`DispatchErrorKind::Timeout`] and
    /// [`TransportError::ResponseTimeout`]. The body is guarded by stalled-stream protection.
    pub fn read_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.limits.read_timeout = timeout;
        self
    }

    /// Stalled-stream protection: a request body being sent or a response being received
    /// (from its first byte) fails when its throughput stays below the minimum for longer
    /// than the grace period, with [`DispatchErrorKind::Timeout`] and
    /// [`TransportError::Stalled`]. On by default for both directions, with the AWS SDKs'
    /// defaults ([`DEFAULT_GRACE_PERIOD`], [`DEFAULT_MINIMUM_THROUGHPUT`]).
    pub fn stalled_stream_protection(mut self, config: crate::config::StalledStreamProtectionConfig) -> Self {
        self.limits.stall = Stall::new(
            config.upload_enabled(),
            config.download_enabled(),
            config.grace_period(),
            config.minimum_throughput(),
        );
        self
    }

    /// The proxy to use. Without this setting the transport reads the environment when it is
    /// built ([`ProxyConfig::from_env`]: `HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`, and their
    /// lowercase forms); [`ProxyConfig::disabled`] ignores it.
    pub fn proxy(mut self, proxy: ProxyConfig) -> Self {
        self.proxy = Some(proxy);
        self
    }

    /// Largest response body read into memory; a larger one fails with
    /// [`TransportError::ResponseTooLarge`] (kind [`DispatchErrorKind::Other`], not retried)
    /// as soon as it is declared or exceeded, without reading the rest. Default
    /// [`DEFAULT_MAX_RESPONSE_BODY`] (64 MiB).
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.limits.max_body = bytes;
        self
    }

    /// How many idle keep-alive connections to keep per (scheme, host, port). Default 16;
    /// 0 disables connection reuse.
    pub fn max_idle_per_host(mut self, max: usize) -> Self {
        self.max_idle_per_host = max;
        self
    }

    /// How long an idle connection stays in the pool. Default 90 s.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Whether to trust the Mozilla root certificates bundled by `webpki-roots` (default
    /// `true`). Turn off to trust only the roots added with
    /// [`add_root_certificate_der`](Self::add_root_certificate_der) or
    /// [`add_root_certificates_pem`](Self::add_root_certificates_pem).
    #[cfg(feature = "rustls")]
    pub fn built_in_roots(mut self, enabled: bool) -> Self {
        self.built_in_roots = enabled;
        self
    }

    /// Also trusts the operating system's certificate store (feature `native-roots`): on Linux
    /// the distribution's CA bundle (or `SSL_CERT_FILE` / `SSL_CERT_DIR`), on macOS the
    /// keychain, on Windows the system store. Read once, when the transport is built, which
    /// fails if the store holds no usable certificate. Combine with
    /// [`built_in_roots(false)`](Self::built_in_roots) to trust the system store only.
    #[cfg(feature = "native-roots")]
    pub fn native_roots(mut self, enabled: bool) -> Self {
        self.native_roots = enabled;
        self
    }

    /// Also trusts this DER-encoded root certificate, for a corporate CA or a test server.
    /// Checked by [`build`](Self::build).
    #[cfg(feature = "rustls")]
    pub fn add_root_certificate_der(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.extra_roots.push(RootCertificate::Der(der.into()));
        self
    }

    /// Also trusts every `CERTIFICATE` in this PEM text (a CA bundle file, for instance).
    /// Checked by [`build`](Self::build), which fails when the text holds none.
    #[cfg(feature = "rustls")]
    pub fn add_root_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.extra_roots.push(RootCertificate::Pem(pem.into()));
        self
    }

    #[cfg(feature = "rustls")]
    fn native(&self) -> bool {
        #[cfg(feature = "native-roots")]
        return self.native_roots;
        #[cfg(not(feature = "native-roots"))]
        false
    }

    /// Builds the transport, parsing the root certificates and the TLS configuration once.
    pub fn build(self) -> Result<Transport, TransportBuildError> {
        #[cfg(feature = "rustls")]
        let connector = Connector::new(self.built_in_roots, self.native(), &self.extra_roots)?;
        #[cfg(not(feature = "rustls"))]
        let connector = Connector::new();
        let proxy = match self.proxy {
            Some(proxy) => proxy,
            None => ProxyConfig::from_env(&crate::profile::Env::process())
                .map_err(|e| TransportBuildError { message: e.to_string() })?,
        };
        Ok(Transport {
            inner: Arc::new(Inner {
                connect_timeout: self.connect_timeout,
                proxy,
                limits: self.limits,
                max_idle_per_host: self.max_idle_per_host,
                idle_timeout: self.idle_timeout,
                connector,
                pool: Pool::new(self.max_idle_per_host, self.idle_timeout),
            }),
        })
    }
}

impl fmt::Debug for TransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("TransportBuilder");
        s.field("connect_timeout", &self.connect_timeout)
            .field("proxy", &self.proxy)
            .field("limits", &self.limits)
            .field("max_idle_per_host", &self.max_idle_per_host)
            .field("idle_timeout", &self.idle_timeout);
        #[cfg(feature = "rustls")]
        s.field("built_in_roots", &self.built_in_roots)
            .field("extra_roots", &self.extra_roots.len());
        s.finish()
    }
}

impl Transport {
    /// A transport with the default settings (see [`TransportBuilder`]).
    ///
    /// # Panics
    ///
    /// Only if the bundled ring crypto provider could not support TLS 1.2 or 1.3, which would
    /// be a broken build rather than a runtime condition.
    pub fn new() -> Self {
        match TransportBuilder::default().build() {
            Ok(transport) => transport,
            Err(e) => panic!("{e}"),
        }
    }

    /// Settings to build a transport from.
    pub fn builder() -> TransportBuilder {
        TransportBuilder::default()
    }
}

impl Default for Transport {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("connect_timeout", &self.inner.connect_timeout)
            .field("proxy", &self.inner.proxy)
            .field("limits", &self.inner.limits)
            .field("max_idle_per_host", &self.inner.max_idle_per_host)
            .field("idle_timeout", &self.inner.idle_timeout)
            .finish_non_exhaustive()
    }
}

impl HttpClient for Transport {
    fn send<'a>(&'a self, request: &'a HttpRequest) -> SendFuture<'a> {
        Box::pin(self.inner.send(request))
    }

    fn send_streaming<'a>(
        &'a self,
        request: &'a HttpRequest,
        body: Option<crate::byte_stream::ByteStream>,
    ) -> crate::http::StreamingSendFuture<'a> {
        Box::pin(streaming::send(&self.inner, request, body))
    }
}

impl Inner {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, DispatchError> {
        let proxy = self.proxy.route(&request.uri).map(|p| &**p);
        let key = pool_key(&request.uri, proxy)?;
        let outgoing = h1::prepare(request, proxy.filter(|_| !key.https)).map_err(dispatch_error)?;
        if let Some(mut conn) = self.take_idle(&key) {
            tracing::debug!(https = key.https, host = %key.host, port = key.port, "reusing pooled connection");
            match conn.exchange(&outgoing, &self.limits).await {
                // RFC 9110 §15.5.9: a 408 means the server closed the connection without
                // reading a request, and the client may repeat one in transit. On a reused
                // connection it is the server's idle timeout racing this request.
                Ok((response, _)) if response.status == 408 => {
                    tracing::debug!("pooled connection answered 408; retrying on a new one");
                }
                Ok((response, reusable)) => {
                    if reusable {
                        self.pool.put(key, conn);
                    }
                    return Ok(response);
                }
                // See the module documentation for why this retry is safe.
                Err(Failure::ClosedBeforeResponse(e)) => {
                    tracing::debug!(error = %e, "pooled connection was closed by the server; retrying on a new one");
                }
                Err(failure) => return Err(dispatch_error(failure)),
            }
        }
        let mut conn = self.connect(&key, proxy).await?;
        let (response, reusable) = conn
            .exchange(&outgoing, &self.limits)
            .await
            .map_err(dispatch_error)?;
        if reusable {
            self.pool.put(key, conn);
        }
        Ok(response)
    }

    /// An idle pooled connection to `key` on which nothing has arrived since its last
    /// response. Bytes or an end of stream received while idle (an unsolicited response, a
    /// `408` before closing, a close) belong to no request: such connections are dropped, so
    /// only bytes that arrive after a request is written can be read as its response.
    fn take_idle(&self, key: &PoolKey) -> Option<Conn<Stream>> {
        while let Some(mut conn) = self.pool.take(key) {
            if conn.stream_mut().is_quiet() {
                return Some(conn);
            }
            tracing::debug!(host = %key.host, port = key.port, "dropping pooled connection that received data or a close while idle");
        }
        None
    }

    async fn connect(&self, key: &PoolKey, proxy: Option<&proxy::Proxy>) -> Result<Conn<Stream>, DispatchError> {
        self.pool.prune();
        tracing::debug!(https = key.https, host = %key.host, port = key.port, "opening connection");
        match tokio::time::timeout(self.connect_timeout, self.connector.connect(key, proxy)).await {
            Ok(stream) => Ok(Conn::new(stream?)),
            Err(_) => Err(DispatchError::new(
                DispatchErrorKind::Timeout,
                TransportError::ConnectTimeout { after: self.connect_timeout },
            )),
        }
    }
}

fn pool_key(uri: &Uri, proxy: Option<&proxy::Proxy>) -> Result<PoolKey, DispatchError> {
    let https = if uri.scheme.eq_ignore_ascii_case("https") {
        if !cfg!(feature = "rustls") {
            return Err(DispatchError::new(
                DispatchErrorKind::Other,
                "https:// needs the `rustls` feature of smithy-lite-runtime, which is disabled in this build",
            ));
        }
        true
    } else if uri.scheme.eq_ignore_ascii_case("http") {
        false
    } else {
        return Err(DispatchError::new(
            DispatchErrorKind::Other,
            "unsupported URI scheme; expected http or https",
        ));
    };
    let host = uri.host();
    if host.is_empty() {
        return Err(DispatchError::new(
            DispatchErrorKind::Other,
            "request URI has no host",
        ));
    }
    Ok(PoolKey {
        https,
        host: host.to_owned(),
        port: uri.port(),
        proxy: proxy.map(|p| p.url.clone()),
    })
}

fn dispatch_error(failure: Failure) -> DispatchError {
    match failure {
        Failure::ClosedBeforeResponse(e) | Failure::Io(e) => {
            DispatchError::new(DispatchErrorKind::Io, e)
        }
        Failure::Timeout(e) => DispatchError::new(DispatchErrorKind::Timeout, e),
        Failure::TooLarge(e) => DispatchError::new(DispatchErrorKind::Other, e),
        Failure::Protocol(what) => DispatchError::new(
            DispatchErrorKind::Io,
            format!("invalid HTTP response: {what}"),
        ),
        Failure::Request(what) => {
            DispatchError::new(DispatchErrorKind::Other, format!("invalid request: {what}"))
        }
        Failure::Body(e) => DispatchError::new(DispatchErrorKind::Other, e),
    }
}

/// The typed cause of a transport failure, the source of the [`DispatchError`] (find it with
/// [`DispatchError::transport_error`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportError {
    /// Name resolution, TCP connect and TLS handshake together took longer than this.
    ConnectTimeout {
        /// The connect timeout.
        after: Duration,
    },
    /// The complete response head did not arrive within the read timeout after the request
    /// was sent.
    ResponseTimeout {
        /// The read timeout.
        after: Duration,
    },
    /// Stalled-stream protection: the transfer stayed below the minimum throughput for longer
    /// than the grace period.
    Stalled {
        /// Sending the request or receiving the response.
        direction: Direction,
        /// The grace period.
        grace_period: Duration,
        /// The minimum throughput, in bytes per second.
        minimum_throughput: u64,
    },
    /// The response body is larger than the transport reads into memory.
    ResponseTooLarge {
        /// The limit, in bytes.
        limit: usize,
        /// The length the response declared, when it declared one.
        declared: Option<u64>,
    },
    /// A read of a streamed response body waited longer than the read timeout for data.
    BodyReadTimeout {
        /// The read timeout.
        after: Duration,
    },
}

impl TransportError {
    /// Whether this is one of the time limits (the others are size limits).
    pub fn is_timeout(&self) -> bool {
        !matches!(self, TransportError::ResponseTooLarge { .. })
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::ConnectTimeout { after } => write!(f, "connecting took longer than {after:?}"),
            TransportError::ResponseTimeout { after } => {
                write!(f, "no complete response head within the read timeout ({after:?})")
            }
            TransportError::Stalled { direction, grace_period, minimum_throughput } => write!(
                f,
                "{} stalled: below {minimum_throughput} B/s for longer than the {grace_period:?} grace period",
                match direction {
                    Direction::Upload => "request body upload",
                    Direction::Download => "response download",
                }
            ),
            TransportError::ResponseTooLarge { limit, declared: Some(len) } => {
                write!(f, "response body of {len} bytes is larger than the {limit}-byte limit")
            }
            TransportError::BodyReadTimeout { after } => {
                write!(f, "no data of the streamed response body within the read timeout ({after:?})")
            }
            TransportError::ResponseTooLarge { limit, declared: None } => {
                write!(f, "response body is larger than the {limit}-byte limit")
            }
        }
    }
}

impl std::error::Error for TransportError {}
