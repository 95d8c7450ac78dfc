//! Opening connections: TCP with `TCP_NODELAY`, and with the `rustls` feature the TLS
//! handshake (SNI, ALPN `http/1.1`, certificate verification against the configured roots).
//! Owns the one stream type the rest of the transport works with.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::http::{DispatchError, DispatchErrorKind};

use super::pool::PoolKey;
use super::proxy::Proxy;

/// A plain or TLS connection. An enum rather than a trait object keeps reads and writes
/// statically dispatched.
pub(super) enum Stream {
    Plain(TcpStream),
    // Boxed: the TLS state is large and connections move in and out of the pool.
    #[cfg(feature = "rustls")]
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

/// Opens connections; holds the TLS configuration, built once per transport.
#[derive(Clone)]
pub(super) struct Connector {
    /// Built by [`Connector::new`] when roots beyond the built-in ones are configured (so that
    /// their errors surface from `build`); with the built-in roots alone, which cannot fail,
    /// built at the first `https://` connection, so that a process talking plain HTTP (a local
    /// endpoint, a test) never pays for it.
    #[cfg(feature = "rustls")]
    tls: std::sync::OnceLock<tokio_rustls::TlsConnector>,
}

impl Connector {
    /// A connector for plain HTTP only.
    #[cfg(not(feature = "rustls"))]
    pub(super) fn new() -> Self {
        Self {}
    }

    /// A connector trusting the chosen roots (see [`tls_connector`]).
    #[cfg(feature = "rustls")]
    pub(super) fn new(
        built_in_roots: bool,
        native_roots: bool,
        extra_roots: &[super::RootCertificate],
    ) -> Result<Self, super::TransportBuildError> {
        let tls = std::sync::OnceLock::new();
        if !(built_in_roots && !native_roots && extra_roots.is_empty()) {
            let _ = tls.set(tls_connector(built_in_roots, native_roots, extra_roots)?);
        }
        Ok(Self { tls })
    }

    #[cfg(feature = "rustls")]
    fn tls(&self) -> Result<&tokio_rustls::TlsConnector, DispatchError> {
        if let Some(tls) = self.tls.get() {
            return Ok(tls);
        }
        let built = tls_connector(true, false, &[])
            .map_err(|e| DispatchError::new(DispatchErrorKind::Other, e))?;
        Ok(self.tls.get_or_init(|| built))
    }

    /// Connects to `key`'s origin, directly or through `proxy` (without a deadline; the
    /// caller applies one). For `https://` through a proxy, the TCP connection goes to the
    /// proxy, a `CONNECT` tunnel is opened to the origin, and TLS runs end to end through it.
    pub(super) async fn connect(&self, key: &PoolKey, proxy: Option<&Proxy>) -> Result<Stream, DispatchError> {
        let (host, port) = match proxy {
            Some(p) => (p.host.as_str(), p.port),
            None => (key.host.as_str(), key.port),
        };
        // Resolves names on tokio's blocking pool; IP literals are parsed without a lookup.
        let mut tcp = TcpStream::connect((host, port))
            .await
            .map_err(|e| DispatchError::new(DispatchErrorKind::Connect, e))?;
        // Requests go out in one write and wait for the answer; Nagle's algorithm would only add
        // latency when a head and a large body are written separately.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
        if let (Some(proxy), true) = (proxy, key.https) {
            use tokio::io::AsyncWriteExt;
            tcp.write_all(&super::proxy::connect_request(proxy, &key.host, key.port))
                .await
                .map_err(|e| DispatchError::new(DispatchErrorKind::Connect, e))?;
            super::proxy::read_connect_response(&mut tcp)
                .await
                .map_err(|e| DispatchError::new(DispatchErrorKind::Connect, e))?;
        }
        #[cfg(feature = "rustls")]
        if key.https {
            // The host becomes the SNI name and the name the certificate must match; an IP
            // address is matched against IP SANs and sent without SNI (RFC 6066 §3).
            let name = rustls::pki_types::ServerName::try_from(key.host.clone())
                .map_err(|e| DispatchError::new(DispatchErrorKind::Other, e))?;
            let stream = self
                .tls()?
                .connect(name, tcp)
                .await
                .map_err(|e| DispatchError::new(DispatchErrorKind::Connect, e))?;
            return Ok(Stream::Tls(Box::new(stream)));
        }
        Ok(Stream::Plain(tcp))
    }
}

/// A TLS configuration with the ring provider, rustls' safe default protocol versions, the
/// chosen roots, ALPN `http/1.1` and (rustls' default) an in-memory session cache so that
/// reconnects resume instead of repeating full handshakes.
#[cfg(feature = "rustls")]
fn tls_connector(
    built_in_roots: bool,
    native_roots: bool,
    extra_roots: &[super::RootCertificate],
) -> Result<tokio_rustls::TlsConnector, super::TransportBuildError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    use std::sync::Arc;

    use super::{RootCertificate, TransportBuildError};

    let mut roots = rustls::RootCertStore::empty();
    if built_in_roots {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    if native_roots {
        #[cfg(feature = "native-roots")]
        {
            let found = rustls_native_certs::load_native_certs();
            if let Some(e) = found.errors.first() {
                tracing::debug!(error = %e, "some system certificates could not be read");
            }
            let (added, _ignored) = roots.add_parsable_certificates(found.certs);
            if added == 0 {
                let why = found.errors.first().map_or("it is empty".to_string(), |e| e.to_string());
                return Err(TransportBuildError::new(format!("no usable certificate in the system store: {why}")));
            }
        }
    }
    for root in extra_roots {
        match root {
            RootCertificate::Der(der) => roots
                .add(CertificateDer::from(der.as_slice()))
                .map_err(|e| {
                    TransportBuildError::new(format!("invalid DER root certificate: {e}"))
                })?,
            RootCertificate::Pem(pem) => {
                let mut found = false;
                for cert in CertificateDer::pem_slice_iter(pem) {
                    let cert = cert.map_err(|e| {
                        TransportBuildError::new(format!("invalid PEM root certificates: {e}"))
                    })?;
                    roots.add(cert).map_err(|e| {
                        TransportBuildError::new(format!("invalid PEM root certificate: {e}"))
                    })?;
                    found = true;
                }
                if !found {
                    return Err(TransportBuildError::new(
                        "PEM input holds no CERTIFICATE section".into(),
                    ));
                }
            }
        }
    }
    if roots.is_empty() {
        return Err(TransportBuildError::new(
            "no root certificates: built-in roots are off and none were added".into(),
        ));
    }
    // An explicit provider rather than the process default, which is ambiguous (and panics)
    // when another crate in the build enables a second one.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TransportBuildError::new(format!("TLS configuration: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

impl Stream {
    /// Whether nothing has arrived on an idle connection: no bytes (not even part of a TLS
    /// record), no end of stream, no error. Checked without waiting.
    pub(super) fn is_quiet(&mut self) -> bool {
        match self {
            // One read attempt with a waker that does nothing. It costs no extra system call:
            // the read that would otherwise find the socket empty after the next request is
            // written is made here instead, and leaves the readiness cleared for that request.
            Stream::Plain(tcp) => {
                let mut probe = [0u8; 1];
                let mut buf = ReadBuf::new(&mut probe);
                let mut cx = Context::from_waker(std::task::Waker::noop());
                Pin::new(tcp).poll_read(&mut cx, &mut buf).is_pending()
            }
            // A read through TLS could swallow part of a record unseen, so the socket is
            // peeked instead, and the session checked for plaintext decrypted but never read
            // or a processed close_notify.
            #[cfg(feature = "rustls")]
            Stream::Tls(tls) => {
                let (tcp, session) = tls.get_mut();
                let mut probe = [0u8; 1];
                let buffered = !matches!(
                    io::Read::read(&mut session.reader(), &mut probe),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock
                );
                let mut peek = [std::mem::MaybeUninit::<u8>::uninit(); 1];
                let quiet = matches!(
                    socket2::SockRef::from(&*tcp).peek(&mut peek),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock
                );
                !buffered && quiet
            }
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            #[cfg(feature = "rustls")]
            Stream::Tls(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            #[cfg(feature = "rustls")]
            Stream::Tls(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    // Forwarded explicitly: the default would write only the first buffer, turning the
    // vectored head-and-body write into two system calls.
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            #[cfg(feature = "rustls")]
            Stream::Tls(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Plain(s) => s.is_write_vectored(),
            #[cfg(feature = "rustls")]
            Stream::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            #[cfg(feature = "rustls")]
            Stream::Tls(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            #[cfg(feature = "rustls")]
            Stream::Tls(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}
