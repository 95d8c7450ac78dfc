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
mod h1;
mod pool;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::http::{
    DispatchError, DispatchErrorKind, HttpClient, HttpRequest, HttpResponse, SendFuture, Uri,
};

use connect::{Connector, Stream};
use h1::{Conn, Failure};
use pool::{Pool, PoolKey};

/// The built-in HTTP/1.1 client. Cloning is cheap and clones share the connection pool.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use client_runtime::http::{HttpClient, HttpRequest, Uri};
/// use client_runtime::transport::Transport;
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
    read_timeout: Option<Duration>,
    max_idle_per_host: usize,
    idle_timeout: Duration,
    connector: Connector,
    pool: Pool<Conn<Stream>>,
}

/// Settings for a [`Transport`], from [`Transport::builder`].
#[derive(Clone)]
pub struct TransportBuilder {
    connect_timeout: Duration,
    read_timeout: Option<Duration>,
    max_idle_per_host: usize,
    idle_timeout: Duration,
    #[cfg(feature = "rustls")]
    built_in_roots: bool,
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
            read_timeout: None,
            max_idle_per_host: 16,
            idle_timeout: Duration::from_secs(90),
            #[cfg(feature = "rustls")]
            built_in_roots: true,
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

    /// Longest wait for response bytes: until the first byte after the request is sent, then
    /// between reads. `None` (the default) waits indefinitely; an overall deadline belongs to
    /// the caller. Exceeding it fails with [`DispatchErrorKind::Timeout`].
    pub fn read_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.read_timeout = timeout;
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

    /// Builds the transport, parsing the root certificates and the TLS configuration once.
    pub fn build(self) -> Result<Transport, TransportBuildError> {
        #[cfg(feature = "rustls")]
        let connector = Connector::new(self.built_in_roots, &self.extra_roots)?;
        #[cfg(not(feature = "rustls"))]
        let connector = Connector::new();
        Ok(Transport {
            inner: Arc::new(Inner {
                connect_timeout: self.connect_timeout,
                read_timeout: self.read_timeout,
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
            .field("read_timeout", &self.read_timeout)
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
            .field("read_timeout", &self.inner.read_timeout)
            .field("max_idle_per_host", &self.inner.max_idle_per_host)
            .field("idle_timeout", &self.inner.idle_timeout)
            .finish_non_exhaustive()
    }
}

impl HttpClient for Transport {
    fn send<'a>(&'a self, request: &'a HttpRequest) -> SendFuture<'a> {
        Box::pin(self.inner.send(request))
    }
}

impl Inner {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, DispatchError> {
        let key = pool_key(&request.uri)?;
        let outgoing = h1::prepare(request).map_err(dispatch_error)?;
        if let Some(mut conn) = self.pool.take(&key) {
            tracing::debug!(https = key.https, host = %key.host, port = key.port, "reusing pooled connection");
            match conn.exchange(&outgoing, self.read_timeout).await {
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
        let mut conn = self.connect(&key).await?;
        let (response, reusable) = conn
            .exchange(&outgoing, self.read_timeout)
            .await
            .map_err(dispatch_error)?;
        if reusable {
            self.pool.put(key, conn);
        }
        Ok(response)
    }

    async fn connect(&self, key: &PoolKey) -> Result<Conn<Stream>, DispatchError> {
        self.pool.prune();
        tracing::debug!(https = key.https, host = %key.host, port = key.port, "opening connection");
        match tokio::time::timeout(self.connect_timeout, self.connector.connect(key)).await {
            Ok(stream) => Ok(Conn::new(stream?)),
            Err(_) => Err(DispatchError::new(
                DispatchErrorKind::Timeout,
                format!(
                    "connecting to {}:{} took longer than {:?}",
                    key.host, key.port, self.connect_timeout
                ),
            )),
        }
    }
}

fn pool_key(uri: &Uri) -> Result<PoolKey, DispatchError> {
    let https = if uri.scheme.eq_ignore_ascii_case("https") {
        if !cfg!(feature = "rustls") {
            return Err(DispatchError::new(
                DispatchErrorKind::Other,
                "https:// needs the `rustls` feature of client-runtime, which is disabled in this build",
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
    })
}

fn dispatch_error(failure: Failure) -> DispatchError {
    match failure {
        Failure::ClosedBeforeResponse(e) | Failure::Io(e) => {
            DispatchError::new(DispatchErrorKind::Io, e)
        }
        Failure::Timeout => DispatchError::new(
            DispatchErrorKind::Timeout,
            "no response data within the read timeout",
        ),
        Failure::Protocol(what) => DispatchError::new(
            DispatchErrorKind::Io,
            format!("invalid HTTP response: {what}"),
        ),
        Failure::Request(what) => {
            DispatchError::new(DispatchErrorKind::Other, format!("invalid request: {what}"))
        }
    }
}
