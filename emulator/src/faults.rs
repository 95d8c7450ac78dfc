//! Fault injection, so clients can test their retry and error handling: a queue of modeled
//! errors that the next matching requests fail with, filled through the control endpoint
//! [`CONTROL_PATH`], and an optional per-access-key rate limit (`--max-rps`) over which
//! requests fail with `ThrottledClientException`.
//!
//! The control endpoint is a test hook, not part of the Chime API: it needs no signature and
//! the listener serves it to loopback peers only (see `server`).
//!
//! - `POST /_emulator/faults` with `{"error": "ThrottledClientException", "count": 2,
//!   "operation": "DescribeAppInstance"}`: the next `count` (default 1) requests for
//!   `operation` (default: any operation) fail with that error. Only errors the model lists
//!   for the operation (for every operation, when none is named) are accepted, so a client
//!   never sees an error its model says cannot happen.
//! - `DELETE /_emulator/faults`: drops every pending fault.
//!
//! Faults apply to authenticated requests, after the rate limit and before the input is read,
//! as a front end that throttles or is down answers before the service looks at the request.

use std::collections::{HashMap, VecDeque};
use std::num::NonZeroU32;
use std::time::Instant;

use client_runtime::http::{Headers, HttpRequest, HttpResponse};
use client_runtime::json::{JsonError, JsonObjectWriter, JsonReader};

use crate::generated::error::{
    BadRequestException, ConflictException, ForbiddenException, NotFoundException, ResourceLimitExceededException,
    ServiceFailureException, ServiceUnavailableException, ThrottledClientException, UnauthorizedClientException,
};
use crate::generated::types::ErrorCode;
use crate::generated::Operation;

/// Where the control endpoint is served.
pub(crate) const CONTROL_PATH: &str = "/_emulator/faults";
/// The most faults that may be pending at once, so a runaway test cannot grow the queue
/// without bound.
const MAX_PENDING: usize = 64;
/// The most requests one fault may fail.
const MAX_COUNT: u32 = 10_000;

/// A modeled error of the service that can be injected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    ResourceLimitExceeded,
    ServiceFailure,
    ServiceUnavailable,
    ThrottledClient,
    UnauthorizedClient,
}

impl Kind {
    const ALL: [Kind; 9] = [
        Kind::BadRequest,
        Kind::Conflict,
        Kind::Forbidden,
        Kind::NotFound,
        Kind::ResourceLimitExceeded,
        Kind::ServiceFailure,
        Kind::ServiceUnavailable,
        Kind::ThrottledClient,
        Kind::UnauthorizedClient,
    ];

    /// Its code on the wire (`X-Amzn-Errortype`), as `Operation::errors` names it.
    fn code(self) -> &'static str {
        match self {
            Kind::BadRequest => BadRequestException::CODE,
            Kind::Conflict => ConflictException::CODE,
            Kind::Forbidden => ForbiddenException::CODE,
            Kind::NotFound => NotFoundException::CODE,
            Kind::ResourceLimitExceeded => ResourceLimitExceededException::CODE,
            Kind::ServiceFailure => ServiceFailureException::CODE,
            Kind::ServiceUnavailable => ServiceUnavailableException::CODE,
            Kind::ThrottledClient => ThrottledClientException::CODE,
            Kind::UnauthorizedClient => UnauthorizedClientException::CODE,
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    fn listed_by(self, operation: Operation) -> bool {
        operation.errors().contains(&self.code())
    }

    /// The error response, with the `ErrorCode` that names the same condition.
    pub fn response(self, message: String) -> HttpResponse {
        let message = Some(message);
        match self {
            Kind::BadRequest => BadRequestException { code: Some(ErrorCode::BadRequest), message }.to_response(),
            Kind::Conflict => ConflictException { code: Some(ErrorCode::Conflict), message }.to_response(),
            Kind::Forbidden => ForbiddenException { code: Some(ErrorCode::Forbidden), message }.to_response(),
            Kind::NotFound => NotFoundException { code: Some(ErrorCode::NotFound), message }.to_response(),
            Kind::ResourceLimitExceeded => {
                ResourceLimitExceededException { code: Some(ErrorCode::ResourceLimitExceeded), message }.to_response()
            }
            Kind::ServiceFailure => ServiceFailureException { code: Some(ErrorCode::ServiceFailure), message }.to_response(),
            Kind::ServiceUnavailable => {
                ServiceUnavailableException { code: Some(ErrorCode::ServiceUnavailable), message }.to_response()
            }
            Kind::ThrottledClient => ThrottledClientException { code: Some(ErrorCode::Throttled), message }.to_response(),
            Kind::UnauthorizedClient => {
                UnauthorizedClientException { code: Some(ErrorCode::Unauthorized), message }.to_response()
            }
        }
    }
}

/// One queued fault: fail the next `remaining` requests for `operation` (any when `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Fault {
    kind: Kind,
    operation: Option<Operation>,
    remaining: u32,
}

impl Fault {
    /// A fault, if the model lets `operation` (every operation, when `None`) return `code`.
    pub fn new(code: &str, count: u32, operation: Option<Operation>) -> Result<Self, String> {
        let kind = Kind::from_code(code).ok_or_else(|| {
            let known: Vec<&str> = Kind::ALL.iter().map(|k| k.code()).collect();
            format!("`{code}` is not a modeled error of Chime SDK Identity; expected one of {}", known.join(", "))
        })?;
        if count == 0 || count > MAX_COUNT {
            return Err(count_range());
        }
        match operation {
            Some(op) if !kind.listed_by(op) => {
                return Err(format!(
                    "{} cannot return {code}: the model lists only {} for it",
                    op.name(),
                    op.errors().join(", ")
                ));
            }
            None => {
                let refusing: Vec<&str> = Operation::ALL.iter().filter(|op| !kind.listed_by(**op)).map(|op| op.name()).collect();
                if !refusing.is_empty() {
                    return Err(format!(
                        "{code} is not listed by every operation (not by {}); name an `operation` that lists it",
                        refusing.join(", ")
                    ));
                }
            }
            Some(_) => {}
        }
        Ok(Self { kind, operation, remaining: count })
    }
}

fn count_range() -> String {
    format!("`count` must be a whole number from 1 to {MAX_COUNT}")
}

/// Pending faults, oldest first.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    faults: VecDeque<Fault>,
}

impl FaultQueue {
    /// Queues `fault` behind the ones already pending.
    pub fn push(&mut self, fault: Fault) -> Result<(), String> {
        if self.faults.len() >= MAX_PENDING {
            return Err(format!("{MAX_PENDING} faults are already pending; DELETE {CONTROL_PATH} clears them"));
        }
        self.faults.push_back(fault);
        Ok(())
    }

    /// Drops every pending fault; how many requests they would still have failed.
    pub fn clear(&mut self) -> u64 {
        self.faults.drain(..).map(|f| u64::from(f.remaining)).sum()
    }

    /// The error a request for `operation` fails with: the oldest fault matching it, which
    /// then has one request fewer to fail.
    pub fn take(&mut self, operation: Operation) -> Option<Kind> {
        let i = self.faults.iter().position(|f| f.operation.is_none_or(|op| op == operation))?;
        let fault = self.faults.get_mut(i)?;
        let kind = fault.kind;
        fault.remaining = fault.remaining.saturating_sub(1);
        if fault.remaining == 0 {
            self.faults.remove(i);
        }
        Some(kind)
    }
}

/// A token bucket per access key: each holds up to `rate` tokens (a one-second burst), refills
/// at `rate` tokens a second, and every request takes one. The time is passed in, so tests
/// control the clock.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    rate: NonZeroU32,
    buckets: HashMap<String, Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    /// A limiter allowing `rate` requests a second per access key.
    pub fn new(rate: NonZeroU32) -> Self {
        Self { rate, buckets: HashMap::new() }
    }

    /// The configured rate.
    pub fn rate(&self) -> NonZeroU32 {
        self.rate
    }

    /// Whether a request signed with `access_key` at `now` is within the rate (taking a token
    /// if so). Only authenticated keys reach it, so the map holds one bucket per valid key.
    pub fn admit(&mut self, access_key: &str, now: Instant) -> bool {
        let capacity = f64::from(self.rate.get());
        let bucket = match self.buckets.get_mut(access_key) {
            Some(bucket) => bucket,
            None => self.buckets.entry(access_key.to_string()).or_insert(Bucket { tokens: capacity, at: now }),
        };
        // Concurrent requests may arrive here out of order; an earlier `now` adds nothing and
        // must not move the bucket's clock back.
        if now > bucket.at {
            let elapsed = now.duration_since(bucket.at).as_secs_f64();
            bucket.tokens = (bucket.tokens + elapsed * capacity).min(capacity);
            bucket.at = now;
        }
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Whether `path` belongs to the control endpoint rather than to the Chime API (whose paths
/// never start with `/_`).
pub(crate) fn is_control(path: &str) -> bool {
    path == "/_emulator" || path.starts_with("/_emulator/")
}

/// Answers a control request.
pub(crate) fn control(queue: &std::sync::Mutex<FaultQueue>, request: &HttpRequest) -> HttpResponse {
    if request.uri.path != CONTROL_PATH {
        return reply(404, format!(r#"{{"Message":"The emulator's control endpoint is {CONTROL_PATH}"}}"#));
    }
    let lock = || queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    match &*request.method {
        "POST" => match read_fault(&request.body) {
            Ok(fault) => {
                let mut body = String::new();
                let mut object = JsonObjectWriter::new(&mut body);
                object.key("error").string(fault.kind.code());
                object.key("count").unsigned(u64::from(fault.remaining));
                if let Some(op) = fault.operation {
                    object.key("operation").string(op.name());
                }
                object.finish();
                match lock().push(fault) {
                    Ok(()) => reply(200, body),
                    Err(message) => refusal(&message),
                }
            }
            Err(message) => refusal(&message),
        },
        "DELETE" => reply(200, format!(r#"{{"cleared":{}}}"#, lock().clear())),
        _ => {
            let mut response = refusal(&format!("{CONTROL_PATH} accepts POST and DELETE"));
            response.status = 405;
            response.headers.insert("allow", "POST, DELETE");
            response
        }
    }
}

fn reply(status: u16, body: String) -> HttpResponse {
    let mut headers = Headers::new();
    headers.insert("content-type", "application/json");
    HttpResponse { status, headers, body: body.into_bytes() }
}

fn refusal(message: &str) -> HttpResponse {
    let mut body = String::new();
    let mut object = JsonObjectWriter::new(&mut body);
    object.key("Message").string(message);
    object.finish();
    reply(400, body)
}

/// `{"error": CODE, "count": N, "operation": NAME}`, `count` and `operation` optional.
fn read_fault(body: &[u8]) -> Result<Fault, String> {
    let malformed = |e: JsonError| {
        format!(
            r#"The body must be a JSON object like {{"error": "ThrottledClientException", "count": 2, "operation": "DescribeAppInstance"}}: {} at byte {}"#,
            e.message(),
            e.offset()
        )
    };
    let mut r = JsonReader::new(body);
    let (mut code, mut count, mut operation) = (None, None, None);
    r.start_object().map_err(malformed)?;
    while let Some(key) = r.next_key().map_err(malformed)? {
        match key.as_ref() {
            "error" => code = Some(r.string().map_err(malformed)?.into_owned()),
            "count" => count = Some(r.i64().map_err(|_| count_range())?),
            "operation" => {
                let name = r.string().map_err(malformed)?;
                let op = Operation::ALL.iter().copied().find(|op| op.name() == name);
                operation = Some(op.ok_or_else(|| format!("`{name}` is not an operation of Chime SDK Identity"))?);
            }
            other => return Err(format!("Unknown member `{other}`; the members are `error`, `count` and `operation`")),
        }
    }
    r.finish().map_err(malformed)?;
    let code = code.ok_or("`error` is required: the modeled error to inject, such as ThrottledClientException")?;
    let count = u32::try_from(count.unwrap_or(1)).map_err(|_| count_range())?;
    Fault::new(&code, count, operation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn fault(code: &str, count: u32, operation: Option<Operation>) -> Fault {
        Fault::new(code, count, operation).unwrap()
    }

    #[test]
    fn every_modeled_error_can_be_injected() {
        for op in Operation::ALL {
            for code in op.errors() {
                let kind = Kind::from_code(code).unwrap_or_else(|| panic!("{code} of {} has no Kind", op.name()));
                let response = kind.response("m".into());
                assert_eq!(response.headers.get("x-amzn-errortype"), Some(*code));
                assert!((400..600).contains(&response.status));
            }
        }
        let throttled = Kind::ThrottledClient.response("slow down".into());
        assert_eq!(throttled.status, 429);
        assert_eq!(String::from_utf8_lossy(&throttled.body), r#"{"Code":"Throttled","Message":"slow down"}"#);
        let unavailable = Kind::ServiceUnavailable.response("down".into());
        assert_eq!(unavailable.status, 503);
        assert_eq!(String::from_utf8_lossy(&unavailable.body), r#"{"Code":"ServiceUnavailable","Message":"down"}"#);
    }

    #[test]
    fn only_errors_the_model_lists_are_accepted() {
        assert!(Fault::new("ThrottledClientException", 1, None).is_ok(), "every operation lists it");
        assert!(Fault::new("ConflictException", 1, Some(Operation::CreateAppInstance)).is_ok());
        let e = Fault::new("ConflictException", 1, Some(Operation::DescribeAppInstance)).unwrap_err();
        assert!(e.contains("DescribeAppInstance cannot return ConflictException"), "{e}");
        let e = Fault::new("ConflictException", 1, None).unwrap_err();
        assert!(e.contains("not listed by every operation") && e.contains("DescribeAppInstance"), "{e}");
        assert!(Fault::new("NoSuchException", 1, None).unwrap_err().contains("not a modeled error"));
        assert!(Fault::new("ThrottledClientException", 0, None).is_err());
        assert!(Fault::new("ThrottledClientException", MAX_COUNT + 1, None).is_err());
    }

    #[test]
    fn the_queue_fails_matching_requests_oldest_fault_first() {
        let mut q = FaultQueue::default();
        q.push(fault("ServiceUnavailableException", 1, Some(Operation::ListAppInstances))).unwrap();
        q.push(fault("ThrottledClientException", 2, None)).unwrap();
        // Another operation skips the fault it does not match and takes the next one.
        assert_eq!(q.take(Operation::DescribeAppInstance), Some(Kind::ThrottledClient));
        assert_eq!(q.take(Operation::ListAppInstances), Some(Kind::ServiceUnavailable));
        assert_eq!(q.take(Operation::ListAppInstances), Some(Kind::ThrottledClient));
        assert_eq!(q.take(Operation::ListAppInstances), None, "both faults are used up");

        q.push(fault("ThrottledClientException", 3, None)).unwrap();
        q.push(fault("ServiceUnavailableException", 2, Some(Operation::TagResource))).unwrap();
        assert_eq!(q.take(Operation::TagResource), Some(Kind::ThrottledClient));
        assert_eq!(q.clear(), 4, "two throttles and two outages were still pending");
        assert_eq!(q.take(Operation::TagResource), None);

        for _ in 0..MAX_PENDING {
            q.push(fault("ThrottledClientException", 1, None)).unwrap();
        }
        assert!(q.push(fault("ThrottledClientException", 1, None)).is_err(), "the queue is bounded");
    }

    #[test]
    fn control_bodies_are_checked() {
        let f = read_fault(br#"{"error":"ThrottledClientException","count":2,"operation":"DescribeAppInstance"}"#).unwrap();
        assert_eq!(f, fault("ThrottledClientException", 2, Some(Operation::DescribeAppInstance)));
        assert_eq!(read_fault(br#"{"error":"ServiceUnavailableException"}"#).unwrap().remaining, 1, "count defaults to 1");
        for (body, why) in [
            (&br#""#[..], "must be a JSON object"),
            (br#"[]"#, "must be a JSON object"),
            (br#"{"error":"ThrottledClientException""#, "must be a JSON object"),
            (br#"{"count":1}"#, "`error` is required"),
            (br#"{"error":"ThrottledClientException","count":-1}"#, "`count` must be"),
            (br#"{"error":"ThrottledClientException","count":1.5}"#, "`count` must be"),
            (br#"{"error":"ThrottledClientException","count":"2"}"#, "`count` must be"),
            (br#"{"error":"ThrottledClientException","operation":"Nope"}"#, "not an operation"),
            (br#"{"error":"ThrottledClientException","when":"now"}"#, "Unknown member `when`"),
            (br#"{"error":"ConflictException","operation":"ListAppInstances"}"#, "cannot return ConflictException"),
        ] {
            let e = read_fault(body).unwrap_err();
            assert!(e.contains(why), "{}: {e}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn the_rate_limiter_refills_per_key_with_the_clock() {
        let mut limiter = RateLimiter::new(NonZeroU32::new(2).unwrap());
        let t0 = Instant::now();
        assert!(limiter.admit("A", t0) && limiter.admit("A", t0), "a full bucket allows a burst of `rate`");
        assert!(!limiter.admit("A", t0), "the third request in the same instant is over the rate");
        assert!(limiter.admit("B", t0), "each access key has its own bucket");
        assert!(!limiter.admit("A", t0 + Duration::from_millis(499)), "not yet a whole token back");
        assert!(limiter.admit("A", t0 + Duration::from_millis(500)), "half a second refills one of two a second");
        assert!(!limiter.admit("A", t0 + Duration::from_millis(500)));
        assert!(!limiter.admit("A", t0), "an earlier instant adds nothing");
        // A long pause fills the bucket only up to its capacity.
        let later = t0 + Duration::from_secs(60);
        assert!(limiter.admit("A", later) && limiter.admit("A", later));
        assert!(!limiter.admit("A", later));
    }
}
