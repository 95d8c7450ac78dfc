//! HTTP proxies: which requests go through one (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`, as
//! curl and the AWS SDKs read them, or an explicit [`ProxyConfig`]), and the proxy side of the
//! wire: absolute-form targets for `http://` requests (RFC 9112 §3.2.2) and `CONNECT` tunnels
//! for `https://` ones (RFC 9110 §9.3.6), with basic authentication (RFC 7617).

use std::fmt;
use std::sync::Arc;

use crate::http::{redact_userinfo, Uri};
use crate::profile::Env;

/// Which proxy, if any, requests go through. Build one explicitly, or read the environment
/// with [`ProxyConfig::from_env`]; the built-in transport reads the environment unless given
/// one. Proxy URLs are `http://[user:password@]host[:port]` (port 80 by default); the
/// credentials, percent-decoded, are sent as basic authentication and never printed.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProxyConfig {
    http: Option<Arc<Proxy>>,
    https: Option<Arc<Proxy>>,
    no_proxy: Vec<NoProxyRule>,
}

/// One proxy: where to connect and what to authenticate with.
#[derive(Clone, PartialEq, Eq)]
pub(super) struct Proxy {
    /// The proxy's URL without credentials, which also tells pooled connections apart.
    pub(super) url: String,
    pub(super) host: String,
    pub(super) port: u16,
    /// `Basic <base64>` for `Proxy-Authorization`.
    pub(super) authorization: Option<String>,
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("url", &self.url)
            .field("authorization", &self.authorization.as_ref().map(|_| "** redacted **"))
            .finish()
    }
}

impl fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyConfig")
            .field("http", &self.http)
            .field("https", &self.https)
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

/// Why a proxy setting was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidProxy {
    setting: String,
    value: String,
    reason: &'static str,
}

impl fmt::Display for InvalidProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid proxy {} {:?}: {}", self.setting, self.value, self.reason)
    }
}

impl std::error::Error for InvalidProxy {}

/// A `NO_PROXY` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
enum NoProxyRule {
    /// `*`: no request uses a proxy.
    All,
    /// A host name and its subdomains (`example.com`, `.example.com`), or an exact IP address,
    /// optionally only on one port.
    Host { name: String, port: Option<u16> },
    /// An IP network in CIDR notation.
    Network { addr: std::net::IpAddr, prefix: u8 },
}

impl ProxyConfig {
    /// No proxy, whatever the environment says.
    pub fn disabled() -> Self {
        Self::default()
    }

    /// The environment's proxies: `https_proxy` / `HTTPS_PROXY` for `https://` requests,
    /// `http_proxy` / `HTTP_PROXY` for `http://` ones, and `no_proxy` / `NO_PROXY` for the
    /// hosts that bypass them (lowercase first, as curl reads them). A malformed value is an
    /// error naming the variable.
    pub fn from_env(env: &Env) -> Result<Self, InvalidProxy> {
        let read = |names: [&str; 2]| names.iter().find_map(|n| env.get(n).map(|v| (n.to_string(), v)));
        let mut config = ProxyConfig::default();
        if let Some((name, url)) = read(["https_proxy", "HTTPS_PROXY"]) {
            config.https = Some(Arc::new(parse_proxy(&name, &url)?));
        }
        if let Some((name, url)) = read(["http_proxy", "HTTP_PROXY"]) {
            config.http = Some(Arc::new(parse_proxy(&name, &url)?));
        }
        if let Some((name, list)) = read(["no_proxy", "NO_PROXY"]) {
            config.no_proxy = parse_no_proxy(&name, &list)?;
        }
        Ok(config)
    }

    /// Sends `https://` requests through `url` (a `CONNECT` tunnel).
    pub fn https(mut self, url: &str) -> Result<Self, InvalidProxy> {
        self.https = Some(Arc::new(parse_proxy("https", url)?));
        Ok(self)
    }

    /// Sends `http://` requests through `url`.
    pub fn http(mut self, url: &str) -> Result<Self, InvalidProxy> {
        self.http = Some(Arc::new(parse_proxy("http", url)?));
        Ok(self)
    }

    /// Sends every request through `url`.
    pub fn all(self, url: &str) -> Result<Self, InvalidProxy> {
        self.http(url)?.https(url)
    }

    /// Hosts that bypass the proxy, in `NO_PROXY` syntax: comma-separated host names (which
    /// cover their subdomains; a leading `.` is allowed), IP addresses, CIDR networks, each
    /// optionally with `:port`, or `*` for all.
    pub fn no_proxy(mut self, list: &str) -> Result<Self, InvalidProxy> {
        self.no_proxy = parse_no_proxy("no_proxy", list)?;
        Ok(self)
    }

    /// Whether any proxy is set.
    pub fn is_enabled(&self) -> bool {
        self.http.is_some() || self.https.is_some()
    }

    /// The proxy a request to `uri` goes through, if any.
    pub(super) fn route(&self, uri: &Uri) -> Option<&Arc<Proxy>> {
        let proxy = if uri.scheme == "https" { self.https.as_ref() } else { self.http.as_ref() }?;
        let host = uri.host().trim_end_matches('.');
        let port = uri.port();
        let bypass = self.no_proxy.iter().any(|rule| match rule {
            NoProxyRule::All => true,
            NoProxyRule::Host { name, port: p } => {
                p.is_none_or(|p| p == port)
                    && (host.eq_ignore_ascii_case(name)
                        || (host.len() > name.len()
                            && host.as_bytes()[host.len() - name.len() - 1] == b'.'
                            && host[host.len() - name.len()..].eq_ignore_ascii_case(name)))
            }
            NoProxyRule::Network { addr, prefix } => {
                host.parse::<std::net::IpAddr>().is_ok_and(|ip| in_network(ip, *addr, *prefix))
            }
        });
        (!bypass).then_some(proxy)
    }
}

fn invalid(setting: &str, value: &str, reason: &'static str) -> InvalidProxy {
    InvalidProxy { setting: setting.to_string(), value: redact_userinfo(value).into_owned(), reason }
}

fn parse_proxy(setting: &str, value: &str) -> Result<Proxy, InvalidProxy> {
    let value = value.trim();
    // A bare `host:port` is read as an http:// URL, as curl does.
    let url = if value.contains("://") { value.to_string() } else { format!("http://{value}") };
    let uri = Uri::parse(&url).ok_or_else(|| invalid(setting, value, "not a URL"))?;
    if uri.scheme != "http" {
        return Err(invalid(setting, value, "only http:// proxies are supported (https:// requests are tunnelled through them with CONNECT)"));
    }
    let host = uri.host().trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(invalid(setting, value, "no host"));
    }
    let authorization = match uri.authority.rsplit_once('@') {
        None => None,
        Some((userinfo, _)) => {
            let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
            let decode = |s: &str| crate::percent::decode(s).map_err(|_| invalid(setting, value, "malformed percent-encoding in the credentials"));
            let credentials = format!("{}:{}", decode(user)?, decode(password)?);
            Some(format!("Basic {}", crate::base64::encode(credentials.as_bytes())))
        }
    };
    let authority = uri.authority.rsplit_once('@').map_or(uri.authority.as_str(), |(_, a)| a);
    Ok(Proxy { url: format!("http://{authority}"), host: host.to_string(), port: uri.port(), authorization })
}

fn parse_no_proxy(setting: &str, list: &str) -> Result<Vec<NoProxyRule>, InvalidProxy> {
    let mut rules = Vec::new();
    for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        if entry == "*" {
            rules.push(NoProxyRule::All);
            continue;
        }
        if let Some((addr, prefix)) = entry.split_once('/') {
            let addr: std::net::IpAddr = addr.parse().map_err(|_| invalid(setting, entry, "not a CIDR network"))?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let prefix = prefix.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| invalid(setting, entry, "not a CIDR prefix length"))?;
            rules.push(NoProxyRule::Network { addr, prefix });
            continue;
        }
        // `[::1]:443`, `::1`, `host:443`, `host`.
        let (name, port) = if let Some(rest) = entry.strip_prefix('[') {
            let (ip, after) = rest.split_once(']').ok_or_else(|| invalid(setting, entry, "unclosed ["))?;
            (ip, after.strip_prefix(':'))
        } else if entry.matches(':').count() == 1 {
            let (name, port) = entry.split_once(':').unwrap_or((entry, ""));
            (name, Some(port))
        } else {
            (entry, None)
        };
        let port = match port {
            Some(p) => Some(p.parse::<u16>().map_err(|_| invalid(setting, entry, "not a port number"))?),
            None => None,
        };
        let name = name.trim_start_matches("*.").trim_start_matches('.').trim_end_matches('.');
        if !name.is_empty() {
            rules.push(NoProxyRule::Host { name: name.to_ascii_lowercase(), port });
        }
    }
    Ok(rules)
}

fn in_network(ip: std::net::IpAddr, net: std::net::IpAddr, prefix: u8) -> bool {
    use std::net::IpAddr::{V4, V6};
    let (ip, net, bits) = match (ip, net) {
        (V4(a), V4(b)) => (u128::from(u32::from(a)), u128::from(u32::from(b)), 32),
        (V6(a), V6(b)) => (u128::from(a), u128::from(b), 128),
        _ => return false,
    };
    let shift = bits - u32::from(prefix);
    shift >= bits || (ip >> shift) == (net >> shift)
}

/// The request for a `CONNECT` tunnel to `host:port` (RFC 9110 §9.3.6).
pub(super) fn connect_request(proxy: &Proxy, host: &str, port: u16) -> Vec<u8> {
    let authority = if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
    let mut out = format!("CONNECT {authority} HTTP/1.1\r\nhost: {authority}\r\n");
    if let Some(auth) = &proxy.authorization {
        out.push_str("proxy-authorization: ");
        out.push_str(auth);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// Reads the proxy's answer to `CONNECT`: the tunnel is open on any 2xx.
pub(super) async fn read_connect_response<S: tokio::io::AsyncRead + Unpin>(stream: &mut S) -> Result<(), String> {
    use tokio::io::AsyncReadExt;
    let mut head = Vec::with_capacity(256);
    let mut byte = [0u8; 1];
    // Byte by byte: a tunnel is opened once per connection, and no origin byte may be consumed.
    while !head.ends_with(b"\r\n\r\n") && !head.ends_with(b"\n\n") {
        if head.len() >= 64 * 1024 {
            return Err("proxy response head larger than 64 KiB".into());
        }
        match stream.read(&mut byte).await {
            Ok(0) => return Err("the proxy closed the connection before answering CONNECT".into()),
            Ok(_) => head.push(byte[0]),
            Err(e) => return Err(format!("reading the proxy's answer to CONNECT: {e}")),
        }
    }
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let status = std::str::from_utf8(line)
        .ok()
        .and_then(|l| l.strip_prefix("HTTP/1."))
        .and_then(|l| l.get(2..5))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or("malformed proxy response to CONNECT")?;
    match status {
        200..=299 => Ok(()),
        407 => Err("the proxy requires authentication (407): set user:password in the proxy URL".into()),
        _ => Err(format!("the proxy refused the tunnel with status {status}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> Env {
        Env::from_map(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    fn route(config: &ProxyConfig, url: &str) -> Option<String> {
        config.route(&Uri::parse(url).unwrap()).map(|p| p.url.clone())
    }

    #[test]
    fn environment_variables_choose_the_proxy_by_scheme_lowercase_first() {
        let config = ProxyConfig::from_env(&env(&[
            ("HTTPS_PROXY", "http://upper:3128"),
            ("https_proxy", "http://lower:3128"),
            ("HTTP_PROXY", "plain-proxy:8080"),
        ]))
        .unwrap();
        assert_eq!(route(&config, "https://chime.us-east-1.amazonaws.com/"), Some("http://lower:3128".into()));
        assert_eq!(route(&config, "http://127.0.0.1:9000/"), Some("http://plain-proxy:8080".into()));
        assert_eq!(ProxyConfig::from_env(&env(&[])).unwrap(), ProxyConfig::disabled());
        let err = ProxyConfig::from_env(&env(&[("HTTPS_PROXY", "https://u:secret@p:1")])).unwrap_err();
        assert!(err.to_string().contains("HTTPS_PROXY") && !err.to_string().contains("secret"), "{err}");
    }

    #[test]
    fn no_proxy_matches_hosts_subdomains_ips_networks_and_ports() {
        let config = ProxyConfig::default()
            .all("http://proxy:3128")
            .unwrap()
            .no_proxy(" internal.example ,.corp.example, 10.0.0.0/8, 192.168.1.7, [::1], api.example:8443, ")
            .unwrap();
        for (url, proxied) in [
            ("https://internal.example/", false),
            ("https://a.b.internal.example/", false),
            ("https://notinternal.example/", true),
            ("https://corp.example/", false),
            ("https://x.corp.example/", false),
            ("http://10.1.2.3/", false),
            ("http://11.1.2.3/", true),
            ("http://192.168.1.7:8080/", false),
            ("http://192.168.1.8/", true),
            ("http://[::1]:9000/", false),
            ("https://api.example:8443/", false),
            ("https://api.example/", true),
            ("https://INTERNAL.EXAMPLE./", false),
        ] {
            assert_eq!(route(&config, url).is_some(), proxied, "{url}");
        }
        let all = ProxyConfig::default().all("p:1").unwrap().no_proxy("*").unwrap();
        assert_eq!(route(&all, "https://anything/"), None);
        assert!(ProxyConfig::default().no_proxy("10.0.0.0/40").is_err());
    }

    #[test]
    fn credentials_become_basic_authentication_and_are_never_printed() {
        let config = ProxyConfig::default().https("http://alice:p%40ss@proxy.corp:3128").unwrap();
        let proxy = config.https.as_ref().unwrap();
        // base64("alice:p@ss")
        assert_eq!(proxy.authorization.as_deref(), Some("Basic YWxpY2U6cEBzcw=="));
        assert_eq!((proxy.url.as_str(), proxy.host.as_str(), proxy.port), ("http://proxy.corp:3128", "proxy.corp", 3128));
        let shown = format!("{config:?}");
        assert!(!shown.contains("p%40ss") && !shown.contains("YWxpY2U6cEBzcw"), "{shown}");
        let connect = String::from_utf8(connect_request(proxy, "chime.us-east-1.amazonaws.com", 443)).unwrap();
        assert_eq!(
            connect,
            "CONNECT chime.us-east-1.amazonaws.com:443 HTTP/1.1\r\nhost: chime.us-east-1.amazonaws.com:443\r\n\
             proxy-authorization: Basic YWxpY2U6cEBzcw==\r\n\r\n"
        );
    }

    #[tokio::test]
    async fn connect_answers_open_the_tunnel_only_on_2xx() {
        let mut ok: &[u8] = b"HTTP/1.1 200 Connection established\r\n\r\n";
        assert_eq!(read_connect_response(&mut ok).await, Ok(()));
        let mut auth: &[u8] = b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n";
        assert!(read_connect_response(&mut auth).await.unwrap_err().contains("407"));
        let mut short: &[u8] = b"HTTP/1.1 200 OK\r\n";
        assert!(read_connect_response(&mut short).await.is_err());
        let mut garbage: &[u8] = b"SSH-2.0\r\n\r\n";
        assert!(read_connect_response(&mut garbage).await.is_err());
    }
}
