//! Helpers shared by the transport test binaries.

#![allow(dead_code)]

/// A fresh self-signed certificate for `localhost`, and a rustls server configuration using it
/// that offers only HTTP/1.1 by ALPN.
#[cfg(feature = "rustls")]
pub fn test_cert() -> (rustls::pki_types::CertificateDer<'static>, std::sync::Arc<rustls::ServerConfig>) {
    use rustls::pki_types::PrivateKeyDer;
    use std::sync::Arc;

    let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let der = generated.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(generated.signing_key.serialize_der().into());
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![der.clone()], key)
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    (der, Arc::new(config))
}
