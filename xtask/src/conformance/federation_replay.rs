//! A test-only stand-in for the generated STS, SSO and SSO-OIDC clients (issue 10), so the
//! credentials vectors whose recorded traffic includes those calls can run now. It does what a
//! generated client does, minimally: the endpoint from the service's own rule set in the official
//! model (`../shared/models/*.official.json`) evaluated by the runtime's rules engine; the
//! awsQuery form body or the restJson1 request; SigV4 for `AssumeRole`; up to 3 attempts on 5xx
//! and connection errors; and reads only the members the chain needs from the XML or JSON
//! response. Error codes are mapped to the model's error shape names, as a generated client
//! names its errors. It is replaced by the generated clients when they land.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, Context, Result};
use client_runtime::credentials::{Credentials, CredentialsError};
use client_runtime::endpoint::{resolve, EvalContext, Params, RuleSet, AWS_PARTITIONS};
use client_runtime::http::{HttpRequest, HttpResponse, Uri};
use client_runtime::json::JsonReader;
use client_runtime::percent::encode_query_into;
use client_runtime::sigv4::{sign, SigningParams, SigningSettings};
use credentials_chain::{
    AssumeRoleInput, AssumeRoleWithWebIdentityInput, CallFuture, CreateTokenInput, Federation, GetRoleCredentialsInput,
    ServiceConfig, SsoToken,
};
use serde_json::Value;

struct Service {
    rule_set: RuleSet,
    /// awsQuery error code → the model's error shape name.
    error_names: BTreeMap<String, String>,
    global_endpoint_param: bool,
}

impl Service {
    fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let model: Value = serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        let shapes = model["shapes"].as_object().context("no shapes")?;
        let service = shapes.values().find(|s| s["type"] == "service").context("no service shape")?;
        let rules = &service["traits"]["smithy.rules#endpointRuleSet"];
        let rule_set = super::endpoints::rule_set_from_json(rules)?;
        let error_names = shapes
            .iter()
            .filter_map(|(id, s)| {
                let name = id.rsplit('#').next()?.to_string();
                let code = s["traits"]["aws.protocols#awsQueryError"]["code"].as_str().map(str::to_string).unwrap_or_else(|| name.clone());
                s["traits"].get("smithy.api#error").map(|_| (code, name))
            })
            .collect();
        Ok(Self { rule_set, error_names, global_endpoint_param: rules["parameters"].get("UseGlobalEndpoint").is_some() })
    }

    fn endpoint(&self, config: &ServiceConfig) -> Result<String, CredentialsError> {
        let mut params = Params::new();
        params.set("Region", config.region.as_str().to_string());
        params.set("UseFIPS", config.use_fips);
        params.set("UseDualStack", config.use_dual_stack);
        if self.global_endpoint_param {
            params.set("UseGlobalEndpoint", false);
        }
        if let Some(url) = &config.endpoint_url {
            params.set("Endpoint", url.clone());
        }
        resolve(&self.rule_set, &params, &EvalContext::new(&AWS_PARTITIONS))
            .map(|e| e.url)
            .map_err(|e| CredentialsError::new(format!("endpoint resolution failed: {e}")))
    }
}

/// The replaying stand-in. See the module docs.
pub struct ReplayFederation {
    sts: Service,
    sso: Service,
    oidc: Service,
}

impl std::fmt::Debug for ReplayFederation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReplayFederation")
    }
}

impl ReplayFederation {
    pub fn load(shared: &Path) -> Result<Self> {
        let models = shared.join("models");
        Ok(Self {
            sts: Service::load(&models.join("sts.official.json"))?,
            sso: Service::load(&models.join("sso.official.json"))?,
            oidc: Service::load(&models.join("sso-oidc.official.json")).map_err(|e| anyhow!("sso-oidc: {e:#}"))?,
        })
    }
}

async fn send(config: &ServiceConfig, request: &HttpRequest) -> Result<HttpResponse, CredentialsError> {
    let mut attempt = 1;
    loop {
        match config.http_client.send(request).await {
            Ok(r) if r.status >= 500 && attempt < 3 => {}
            Ok(r) => return Ok(r),
            Err(e) if (e.is_io() || e.is_timeout()) && attempt < 3 => {}
            Err(e) => return Err(CredentialsError::with_source("dispatch failure", e)),
        }
        attempt += 1;
    }
}

fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

/// The text of the first `<name>` element.
fn tag(xml: &str, name: &str) -> Option<String> {
    let start = xml.find(&format!("<{name}>"))? + name.len() + 2;
    let end = start + xml.get(start..)?.find(&format!("</{name}>"))?;
    Some(xml_unescape(xml.get(start..end)?.trim()))
}

fn form(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        encode_query_into(&mut out, v);
    }
    out
}

impl ReplayFederation {
    async fn sts_call(&self, config: &ServiceConfig, body: String, signer: Option<&Credentials>) -> Result<Credentials, CredentialsError> {
        let url = self.sts.endpoint(config)?;
        let uri = Uri::parse(&url).ok_or_else(|| CredentialsError::new(format!("bad endpoint {url}")))?;
        let mut request = HttpRequest { method: "POST".into(), uri, body: body.into_bytes(), ..Default::default() };
        request.headers.insert("content-type", "application/x-www-form-urlencoded");
        if let Some(source) = signer {
            let settings = SigningSettings::default();
            let params = SigningParams { credentials: source, region: config.region.as_str(), service: "sts", time: config.time.now(), settings: &settings };
            sign(&mut request, &params).map_err(|e| CredentialsError::new(format!("signing failed: {e}")))?;
        }
        let response = send(config, &request).await?;
        let xml = String::from_utf8_lossy(&response.body);
        if response.status != 200 {
            let code = tag(&xml, "Code").unwrap_or_else(|| format!("HTTP {}", response.status));
            let name = self.sts.error_names.get(&code).cloned().unwrap_or(code);
            return Err(CredentialsError::new(format!("{name}: {}", tag(&xml, "Message").unwrap_or_default())));
        }
        let field = |n| tag(&xml, n).ok_or_else(|| CredentialsError::new(format!("the STS response has no {n}")));
        let expiry = client_runtime::time::DateTime::parse(&field("Expiration")?, client_runtime::time::TimestampFormat::DateTime)
            .ok()
            .and_then(|d| SystemTime::try_from(d).ok());
        let creds = Credentials::new(field("AccessKeyId")?, field("SecretAccessKey")?, Some(field("SessionToken")?), expiry, "STS");
        // `arn:aws:sts::ACCOUNT:assumed-role/...`
        Ok(match tag(&xml, "Arn").and_then(|arn| arn.split(':').nth(4).map(str::to_string)).filter(|a| !a.is_empty()) {
            Some(account) => creds.with_account_id(account),
            None => creds,
        })
    }
}

fn json_fields(body: &[u8]) -> Result<BTreeMap<String, client_runtime::document::Document>, CredentialsError> {
    let mut r = JsonReader::new(body);
    match r.document() {
        Ok(client_runtime::document::Document::Object(m)) => Ok(m),
        _ => Err(CredentialsError::new("the response is not a JSON object")),
    }
}

impl Federation for ReplayFederation {
    fn assume_role<'a>(&'a self, config: &'a ServiceConfig, source: Credentials, input: AssumeRoleInput) -> CallFuture<'a, Credentials> {
        Box::pin(async move {
            let duration = input.duration_seconds.map(|d| d.to_string());
            let mut pairs = vec![("Action", "AssumeRole"), ("Version", "2011-06-15"), ("RoleArn", input.role_arn.as_str()), ("RoleSessionName", input.role_session_name.as_str())];
            if let Some(e) = &input.external_id {
                pairs.push(("ExternalId", e));
            }
            if let Some(d) = &duration {
                pairs.push(("DurationSeconds", d));
            }
            self.sts_call(config, form(&pairs), Some(&source)).await
        })
    }

    fn assume_role_with_web_identity<'a>(&'a self, config: &'a ServiceConfig, input: AssumeRoleWithWebIdentityInput) -> CallFuture<'a, Credentials> {
        Box::pin(async move {
            let body = form(&[
                ("Action", "AssumeRoleWithWebIdentity"),
                ("Version", "2011-06-15"),
                ("RoleArn", &input.role_arn),
                ("RoleSessionName", &input.role_session_name),
                ("WebIdentityToken", &input.web_identity_token),
            ]);
            self.sts_call(config, body, None).await
        })
    }

    fn get_role_credentials<'a>(&'a self, config: &'a ServiceConfig, input: GetRoleCredentialsInput) -> CallFuture<'a, Credentials> {
        Box::pin(async move {
            let mut url = self.sso.endpoint(config)?;
            url.push_str("/federation/credentials?account_id=");
            encode_query_into(&mut url, &input.account_id);
            url.push_str("&role_name=");
            encode_query_into(&mut url, &input.role_name);
            let uri = Uri::parse(&url).ok_or_else(|| CredentialsError::new(format!("bad endpoint {url}")))?;
            let mut request = HttpRequest { method: "GET".into(), uri, ..Default::default() };
            request.headers.insert("x-amz-sso_bearer_token", input.access_token.clone());
            let response = send(config, &request).await?;
            if response.status != 200 {
                return Err(CredentialsError::new(format!("GetRoleCredentials failed with status {}", response.status)));
            }
            let fields = json_fields(&response.body)?;
            let role = fields.get("roleCredentials").and_then(|d| d.as_object()).ok_or_else(|| CredentialsError::new("no roleCredentials"))?;
            let text = |k: &str| role.get(k).and_then(|d| d.as_str()).map(str::to_string).ok_or_else(|| CredentialsError::new(format!("no {k}")));
            let expiry = role.get("expiration").and_then(|d| d.as_number()).and_then(|n| n.to_u64()).map(|ms| UNIX_EPOCH + Duration::from_millis(ms));
            Ok(Credentials::new(text("accessKeyId")?, text("secretAccessKey")?, text("sessionToken").ok(), expiry, "SSO"))
        })
    }

    fn create_token<'a>(&'a self, config: &'a ServiceConfig, input: CreateTokenInput) -> CallFuture<'a, SsoToken> {
        Box::pin(async move {
            let url = format!("{}/token", self.oidc.endpoint(config)?);
            let uri = Uri::parse(&url).ok_or_else(|| CredentialsError::new(format!("bad endpoint {url}")))?;
            let body = serde_json::json!({
                "clientId": input.client_id, "clientSecret": input.client_secret,
                "grantType": "refresh_token", "refreshToken": input.refresh_token,
            });
            let mut request = HttpRequest { method: "POST".into(), uri, body: body.to_string().into_bytes(), ..Default::default() };
            request.headers.insert("content-type", "application/json");
            let response = send(config, &request).await?;
            if response.status != 200 {
                return Err(CredentialsError::new(format!("CreateToken failed with status {}", response.status)));
            }
            let fields = json_fields(&response.body)?;
            let access_token = fields.get("accessToken").and_then(|d| d.as_str()).ok_or_else(|| CredentialsError::new("no accessToken"))?.to_string();
            let expires_in = fields.get("expiresIn").and_then(|d| d.as_number()).and_then(|n| n.to_u64()).unwrap_or(0);
            Ok(SsoToken {
                access_token,
                expires_at: config.time.now() + Duration::from_secs(expires_in),
                refresh_token: fields.get("refreshToken").and_then(|d| d.as_str()).map(str::to_string),
            })
        })
    }
}
