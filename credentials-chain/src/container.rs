//! ECS task roles and EKS Pod Identity: `GET` the credentials from
//! `http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`, or from
//! `AWS_CONTAINER_CREDENTIALS_FULL_URI`, with the `authorization` header from
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (re-read on every call, since EKS rotates it) or
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
//!
//! A full URI over plain `http` must point at this machine or at the container agents, as in
//! the SDKs: a loopback address (`127.0.0.0/8`, `::1`, or `localhost`), the ECS agent
//! `169.254.170.2`, or the EKS Pod Identity agent `169.254.170.23` / `fd00:ec2::23`. Any host is
//! allowed over `https`.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use client_runtime::credentials::{Credentials, CredentialsError, ProvideCredentials, ProvideFuture};
use client_runtime::http::{HttpClient, HttpRequest, Uri};

use crate::util::{credentials_from_json, json_object, Members};
use crate::ChainConfig;

const ECS_HOST: &str = "169.254.170.2";
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_ATTEMPTS: u32 = 3;

/// Credentials from the container credentials endpoint.
#[derive(Clone, Debug)]
pub struct ContainerProvider {
    config: ChainConfig,
}

fn host_allowed(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(ip) if ip.is_loopback() => true,
        Ok(IpAddr::V4(v4)) => v4.octets() == [169, 254, 170, 2] || v4.octets() == [169, 254, 170, 23],
        Ok(IpAddr::V6(v6)) => v6 == "fd00:ec2::23".parse::<std::net::Ipv6Addr>().unwrap_or(std::net::Ipv6Addr::LOCALHOST),
        Err(_) => false,
    }
}

impl ContainerProvider {
    /// A provider reading `config`'s environment.
    pub fn new(config: ChainConfig) -> Self {
        Self { config }
    }

    /// The URI credentials are fetched from; "not loaded" when neither variable is set.
    pub fn uri(&self) -> Result<Uri, CredentialsError> {
        let env = &self.config.env;
        if let Some(relative) = env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            let sep = if relative.starts_with('/') { "" } else { "/" };
            return Uri::parse(&format!("http://{ECS_HOST}{sep}{relative}")).ok_or_else(|| {
                CredentialsError::new("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is not a valid path")
            });
        }
        let Some(full) = env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI") else {
            return Err(CredentialsError::not_loaded(
                "No environment variables were set to configure ECS provider \
                 (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, AWS_CONTAINER_CREDENTIALS_FULL_URI)",
            ));
        };
        let uri = Uri::parse(full.trim()).ok_or_else(|| {
            CredentialsError::new(format!("AWS_CONTAINER_CREDENTIALS_FULL_URI `{}`: URI did not specify a host", client_runtime::http::redact_userinfo(&full)))
        })?;
        match uri.scheme.as_str() {
            "https" => Ok(uri),
            "http" if host_allowed(uri.host()) => Ok(uri),
            "http" => Err(CredentialsError::new(format!(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI: plain http is only allowed to loopback addresses and the ECS/EKS \
                 agents, not to `{}`",
                uri.host()
            ))),
            other => Err(CredentialsError::new(format!("AWS_CONTAINER_CREDENTIALS_FULL_URI: unsupported scheme `{other}`"))),
        }
    }

    fn authorization(&self) -> Result<Option<String>, CredentialsError> {
        let env = &self.config.env;
        let token = if let Some(file) = env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
            let bytes = self.config.fs.read(std::path::Path::new(&file)).map_err(|e| {
                CredentialsError::new(format!("could not read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE `{file}`: {e}"))
            })?;
            Some(String::from_utf8(bytes).map_err(|_| CredentialsError::new(format!("`{file}` is not text")))?)
        } else {
            env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN")
        };
        let Some(token) = token else { return Ok(None) };
        let token = token.trim().to_string();
        // A header value cannot carry line breaks; refusing keeps the request well-formed.
        if token.contains(['\r', '\n']) {
            return Err(CredentialsError::new("the container authorization token contains a line break"));
        }
        Ok(Some(token))
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        let uri = self.uri()?;
        let mut request = HttpRequest { method: "GET".into(), uri, ..Default::default() };
        request.headers.insert("accept", "application/json");
        if let Some(token) = self.authorization()? {
            request.headers.insert("authorization", token);
        }
        let http: Arc<dyn HttpClient> = self.config.http();
        let mut last = String::new();
        for _ in 0..MAX_ATTEMPTS {
            let response = match tokio::time::timeout(ATTEMPT_TIMEOUT, http.send(&request)).await {
                Err(_) => {
                    last = format!("no answer within {ATTEMPT_TIMEOUT:?}");
                    continue;
                }
                Ok(Err(e)) if e.is_timeout() || e.is_io() => {
                    last = client_runtime::credentials::describe(&e);
                    continue;
                }
                Ok(Err(e)) => return Err(CredentialsError::with_source("container credentials endpoint", e)),
                Ok(Ok(r)) => r,
            };
            match response.status {
                200 => {
                    let what = "container credentials endpoint";
                    let map = json_object(&response.body, what)?;
                    return credentials_from_json(&map, Members { token: "Token", expiration_required: false, provider: "EcsContainer" }, what);
                }
                s if s >= 500 => last = format!("status {s}"),
                s => return Err(CredentialsError::new(format!("container credentials endpoint answered with status {s}"))),
            }
        }
        Err(CredentialsError::new(format!("container credentials endpoint failed after {MAX_ATTEMPTS} attempts: {last}")))
    }
}

impl ProvideCredentials for ContainerProvider {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(self.load())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_hosts_allowed_only_locally_or_for_the_agents() {
        for host in ["127.0.0.1", "127.1.2.3", "[::1]", "localhost", "169.254.170.2", "169.254.170.23", "[fd00:ec2::23]"] {
            assert!(host_allowed(host), "{host}");
        }
        for host in ["169.254.169.254", "10.0.0.1", "example.com", "[fd00:ec2::24]", "localhost.evil.com"] {
            assert!(!host_allowed(host), "{host}");
        }
    }
}
