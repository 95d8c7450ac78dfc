//! Fixtures shared by the wire tests: the client configuration (fixed clock, test credentials,
//! the test server as endpoint, instant backoff), realistic identifiers with their
//! percent-encoded forms written out by hand, the modeled errors' wire facts, and the
//! assertions every request must pass (the client's own headers and a SigV4 signature that
//! covers what actually went over the wire).

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chime_sdk_identity::config::{ConfigBuilder, Credentials, Region, RetryConfig, TimeoutConfig};
use chime_sdk_identity::{Client, Config};
use client_runtime::clock::TimeSource;
use client_runtime::http::{Headers, HttpRequest, Uri};
use client_runtime::sigv4::{self, SigningParams, SigningSettings};

use crate::support::{Reply, Request, Response, Server};

/// The test access key id (AWS's documentation example).
pub const ACCESS_KEY_ID: &str = "AKIDEXAMPLE";
/// The test secret access key (AWS's documentation example).
pub const SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// The fixed clock of every test client: 2024-05-06T07:08:09Z.
pub const SIGNING_TIME_SECS: u64 = 1_714_979_289;
/// [`SIGNING_TIME_SECS`] as `x-amz-date`.
pub const AMZ_DATE: &str = "20240506T070809Z";

/// An app instance ARN.
pub const APP_INSTANCE_ARN: &str =
    "arn:aws:chime:us-east-1:123456789012:app-instance/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
/// [`APP_INSTANCE_ARN`] percent-encoded as a URI label or query value, written out by hand.
pub const APP_INSTANCE_ARN_ENCODED: &str =
    "arn%3Aaws%3Achime%3Aus-east-1%3A123456789012%3Aapp-instance%2F0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
/// An app instance user ARN.
pub const USER_ARN: &str =
    "arn:aws:chime:us-east-1:123456789012:app-instance/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/user/user-7";
/// [`USER_ARN`] percent-encoded as a URI label or query value, written out by hand.
pub const USER_ARN_ENCODED: &str = "arn%3Aaws%3Achime%3Aus-east-1%3A123456789012%3Aapp-instance%2F0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d%2Fuser%2Fuser-7";
/// An administrator's ARN (a user of the instance).
pub const ADMIN_ARN: &str =
    "arn:aws:chime:us-east-1:123456789012:app-instance/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/user/admin-1";
/// [`ADMIN_ARN`] percent-encoded as a URI label or query value, written out by hand.
pub const ADMIN_ARN_ENCODED: &str = "arn%3Aaws%3Achime%3Aus-east-1%3A123456789012%3Aapp-instance%2F0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d%2Fuser%2Fadmin-1";
/// A bot's ARN (a member of the instance).
pub const BOT_ARN: &str =
    "arn:aws:chime:us-east-1:123456789012:app-instance/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/bot/7e57b07a-0000-4b0b-9b0b-0123456789ab";
/// [`BOT_ARN`] percent-encoded as a URI label, written out by hand.
pub const BOT_ARN_ENCODED: &str = "arn%3Aaws%3Achime%3Aus-east-1%3A123456789012%3Aapp-instance%2F0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d%2Fbot%2F7e57b07a-0000-4b0b-9b0b-0123456789ab";
/// A Lex V2 bot alias ARN.
pub const LEX_ALIAS_ARN: &str = "arn:aws:lex:us-east-1:123456789012:bot-alias/ABCDEFGHIJ/KLMNOPQRST";

/// The modeled errors of the service: shape name, `@httpError` status, and the `ErrorCode`
/// value the service puts in the body's `Code`.
pub const MODELED_ERRORS: &[(&str, u16, &str)] = &[
    ("BadRequestException", 400, "BadRequest"),
    ("ConflictException", 409, "Conflict"),
    ("ForbiddenException", 403, "Forbidden"),
    ("NotFoundException", 404, "NotFound"),
    (
        "ResourceLimitExceededException",
        400,
        "ResourceLimitExceeded",
    ),
    ("ServiceFailureException", 500, "ServiceFailure"),
    ("ServiceUnavailableException", 503, "ServiceUnavailable"),
    ("ThrottledClientException", 429, "Throttled"),
    ("UnauthorizedClientException", 401, "Unauthorized"),
];

/// A clock that always says the same time.
#[derive(Debug)]
pub struct FixedClock(pub SystemTime);

impl TimeSource for FixedClock {
    fn now(&self) -> SystemTime {
        self.0
    }
}

/// The time of the fixed clock.
pub fn signing_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(SIGNING_TIME_SECS)
}

/// The test configuration pointed at `server`: us-east-1, static test credentials, the fixed
/// clock, three attempts without backoff, and an operation timeout as a backstop.
pub fn config(server: &Server) -> ConfigBuilder {
    Config::builder()
        .region(Region::from_static("us-east-1"))
        .credentials_provider(Credentials::new(
            ACCESS_KEY_ID,
            SECRET_ACCESS_KEY,
            None,
            None,
            "Static",
        ))
        .endpoint_url(server.url())
        .time_source(FixedClock(signing_time()))
        .retry_config(RetryConfig::standard().with_max_attempts(3))
        .retry_jitter(Arc::new(|| 0.0))
        .timeout_config(TimeoutConfig {
            connect: Duration::from_secs(1),
            attempt: None,
            operation: Some(Duration::from_secs(5)),
            ..TimeoutConfig::default()
        })
}

/// A client of `server` with the test configuration.
pub fn client(server: &Server) -> Client {
    Client::from_conf(config(server).build())
}

/// A client of `server` that makes a single attempt per call.
pub fn client_without_retries(server: &Server) -> Client {
    Client::from_conf(
        config(server)
            .retry_config(RetryConfig::standard().with_max_attempts(1))
            .build(),
    )
}

/// The status and `ErrorCode` of modeled error `name`.
pub fn modeled_error(name: &str) -> (u16, &'static str) {
    MODELED_ERRORS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, status, code)| (*status, *code))
        .unwrap_or_else(|| panic!("{name} is not a modeled error"))
}

/// The message the test server sends with error `name`.
pub fn error_message(name: &str) -> String {
    format!("{name} raised by the test server")
}

/// The request id the test server sends with error `name`.
pub fn error_request_id(name: &str) -> String {
    format!("req-{}", name.to_ascii_lowercase())
}

/// An error response as the service sends it: its `@httpError` status, `x-amzn-errortype`,
/// `x-amzn-requestid`, and a JSON body with `Code` and `Message`.
pub fn error_reply(name: &str) -> Reply {
    let (status, code) = modeled_error(name);
    let body = serde_json::json!({ "Code": code, "Message": error_message(name) }).to_string();
    Response::json(status, &body)
        .header("x-amzn-errortype", name)
        .header("x-amzn-requestid", &error_request_id(name))
        .into()
}

/// The one request `server` received; its script must be used up.
pub fn only_request(server: &Server) -> Request {
    let mut requests = server.requests();
    assert_eq!(
        requests.len(),
        1,
        "exactly one request expected: {requests:#?}"
    );
    assert_eq!(server.unused_replies(), 0, "every scripted reply is used");
    requests.remove(0)
}

/// What an operation's request must look like on the wire.
pub struct Expected<'a> {
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// The raw path, labels percent-encoded.
    pub path: &'a str,
    /// The raw `key=value` query pairs, in any order, and no others.
    pub query: &'a [&'a str],
    /// The JSON body, or `None` for no body at all.
    pub body: Option<serde_json::Value>,
}

/// Asserts that `request` (the first attempt of a call with up to 3 attempts) matches `expected`,
/// carries the client's headers, and is signed by the test credentials at the fixed time.
pub fn assert_request(request: &Request, server: &Server, expected: &Expected<'_>) {
    assert_eq!(
        request.method, expected.method,
        "method of {}",
        request.target
    );
    assert_eq!(request.path(), expected.path, "raw path");
    let mut query: Vec<&str> = request
        .query()
        .split('&')
        .filter(|p| !p.is_empty())
        .collect();
    let mut want = expected.query.to_vec();
    query.sort_unstable();
    want.sort_unstable();
    assert_eq!(query, want, "query of {}", request.target);
    match &expected.body {
        Some(json) => {
            assert_eq!(request.header("content-type"), Some("application/json"));
            assert_eq!(&request.json(), json, "JSON body");
        }
        None => {
            assert!(
                request.body.is_empty(),
                "no body expected: {:?}",
                String::from_utf8_lossy(&request.body)
            );
            assert_eq!(
                request.header("content-type"),
                None,
                "no content-type without a body"
            );
        }
    }
    assert_sdk_headers(request, 1, 3);
    assert_signed(request, server, signing_time(), AMZ_DATE);
}

/// Asserts the headers the client adds to every attempt: `content-length` matching the body,
/// `user-agent`, a UUID v4 `amz-sdk-invocation-id`, and `amz-sdk-request` for this attempt.
pub fn assert_sdk_headers(request: &Request, attempt: u32, max: u32) {
    match request.header("content-length") {
        Some(n) => assert_eq!(
            n.parse::<usize>().ok(),
            Some(request.body.len()),
            "content-length"
        ),
        None => assert!(request.body.is_empty(), "a body needs a content-length"),
    }
    let user_agent = request.header("user-agent").unwrap_or_default();
    assert!(
        user_agent.starts_with("chime-sdk-identity/"),
        "user-agent {user_agent:?}"
    );
    let id = request.header("amz-sdk-invocation-id").unwrap_or_default();
    assert!(
        is_uuid_v4(id),
        "amz-sdk-invocation-id {id:?} is not a UUID v4"
    );
    assert_eq!(
        request.header("amz-sdk-request"),
        Some(format!("attempt={attempt}; max={max}").as_str())
    );
}

/// Whether `s` is a lowercase UUID version 4 (`xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`).
pub fn is_uuid_v4(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    let lengths_ok = groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12]);
    let hex_ok = groups.iter().all(|g| {
        g.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    });
    lengths_ok
        && hex_ok
        && groups[2].starts_with('4')
        && groups[3].starts_with(['8', '9', 'a', 'b'])
}

/// Asserts that `request` is SigV4-signed for `chime` in us-east-1 by the test credentials at
/// `time` (`amz_date`), and that the signature covers the request exactly as it arrived: signing
/// the received method, target, signed headers and body again gives the same `authorization`.
pub fn assert_signed(request: &Request, server: &Server, time: SystemTime, amz_date: &str) {
    let credentials = Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None, None, "Static");
    assert_eq!(
        request.header("x-amz-security-token"),
        None,
        "no session token to send"
    );
    assert_signed_by(request, server, time, amz_date, &credentials);
}

/// [`assert_signed`] for any credentials.
pub fn assert_signed_by(
    request: &Request,
    server: &Server,
    time: SystemTime,
    amz_date: &str,
    credentials: &Credentials,
) {
    assert_signed_for("chime", request, server, time, amz_date, credentials);
}

/// [`assert_signed_by`] for any signing name (`service`).
pub fn assert_signed_for(
    service: &str,
    request: &Request,
    server: &Server,
    time: SystemTime,
    amz_date: &str,
    credentials: &Credentials,
) {
    assert_signed_in(
        "us-east-1",
        service,
        request,
        server,
        time,
        amz_date,
        credentials,
    );
}

/// [`assert_signed_for`] in any region.
pub fn assert_signed_in(
    region: &str,
    service: &str,
    request: &Request,
    server: &Server,
    time: SystemTime,
    amz_date: &str,
    credentials: &Credentials,
) {
    assert_eq!(
        request.header("host"),
        Some(server.authority().as_str()),
        "host"
    );
    assert_eq!(request.header("x-amz-date"), Some(amz_date), "x-amz-date");
    let authorization = request
        .header("authorization")
        .expect("authorization header");
    let fields = authorization
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .unwrap_or_else(|| panic!("authorization is not SigV4: {authorization}"));
    let mut fields = fields.split(", ");
    let (Some(credential), Some(signed_headers), Some(signature), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        panic!("authorization has not three fields: {authorization}");
    };
    let scope_date = amz_date.get(..8).unwrap_or_default();
    assert_eq!(
        credential,
        format!(
            "Credential={}/{scope_date}/{region}/{service}/aws4_request",
            credentials.access_key_id()
        )
    );
    let signature = signature.strip_prefix("Signature=").expect("Signature=");
    assert!(
        signature.len() == 64
            && signature
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "signature {signature:?}"
    );
    let signed: Vec<&str> = signed_headers
        .strip_prefix("SignedHeaders=")
        .expect("SignedHeaders=")
        .split(';')
        .collect();
    assert!(
        signed.windows(2).all(|w| w[0] < w[1]),
        "signed headers sorted and unique: {signed:?}"
    );
    for must in ["host", "x-amz-date"] {
        assert!(signed.contains(&must), "{must} is signed: {signed:?}");
    }
    if request.header("content-type").is_some() {
        assert!(
            signed.contains(&"content-type"),
            "content-type is signed: {signed:?}"
        );
    }

    let mut headers = Headers::new();
    for (name, value) in &request.headers {
        if signed.contains(&name.to_ascii_lowercase().as_str()) {
            headers.append(name.clone(), value.clone());
        }
    }
    for name in &signed {
        assert!(headers.contains(name), "signed header {name} was not sent");
    }
    let mut resigned = HttpRequest {
        method: request.method.clone().into(),
        uri: Uri {
            scheme: "http".into(),
            authority: server.authority(),
            path: request.path().to_string(),
            query: request.query().to_string(),
        },
        headers,
        body: request.body.clone(),
    };
    let settings = SigningSettings::default();
    let params = SigningParams {
        credentials,
        region,
        service,
        time,
        settings: &settings,
    };
    sigv4::sign(&mut resigned, &params).expect("the received request can be signed again");
    assert_eq!(
        resigned.headers.get("authorization"),
        Some(authorization),
        "signature covers the request as received"
    );
}
