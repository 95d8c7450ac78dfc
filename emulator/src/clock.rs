//! The emulator's clock: the wall clock plus an offset that tests move forward, so that time
//! based behaviour (users' `ExpirationSettings`) can be seen without waiting days. Request
//! signatures are still checked against the real time, as clients sign with it.
//!
//! Besides [`crate::Emulator::advance_clock`], the control endpoint [`CLOCK_PATH`] (loopback
//! only, unsigned, like the fault endpoint) moves it for clients in other processes:
//! `POST /_emulator/clock` with `{"advance_seconds": N}` (N from 0 to [`MAX_ADVANCE_SECS`])
//! answers `{"offset_seconds": TOTAL}`; `GET` answers the current offset.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use client_runtime::http::{Headers, HttpRequest, HttpResponse};
use client_runtime::json::{JsonError, JsonObjectWriter, JsonReader};

/// Where the clock's control endpoint is served.
pub(crate) const CLOCK_PATH: &str = "/_emulator/clock";
/// The most one call may move the clock: a hundred years.
pub const MAX_ADVANCE_SECS: u64 = 100 * 366 * 86_400;

/// The offset of the emulator's time from the wall clock, in whole seconds.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset_secs: AtomicU64,
}

impl Clock {
    /// Moves the clock forward (by whole seconds; at most [`MAX_ADVANCE_SECS`] a call); returns
    /// the new offset.
    pub fn advance(&self, by: Duration) -> Duration {
        let secs = by.as_secs().min(MAX_ADVANCE_SECS);
        let before = self.offset_secs.fetch_add(secs, Ordering::SeqCst);
        Duration::from_secs(before.saturating_add(secs))
    }

    pub fn offset(&self) -> Duration {
        Duration::from_secs(self.offset_secs.load(Ordering::SeqCst))
    }

    /// The emulator's time for a request received at `wall`.
    pub fn now(&self, wall: SystemTime) -> SystemTime {
        wall.checked_add(self.offset()).unwrap_or(wall)
    }
}

fn reply(status: u16, body: String) -> HttpResponse {
    let mut headers = Headers::new();
    headers.insert("content-type", "application/json");
    HttpResponse { status, headers, body: body.into_bytes() }
}

fn offset_reply(offset: Duration) -> HttpResponse {
    let mut body = String::new();
    let mut object = JsonObjectWriter::new(&mut body);
    object.key("offset_seconds").unsigned(offset.as_secs());
    object.finish();
    reply(200, body)
}

fn refusal(status: u16, message: &str) -> HttpResponse {
    let mut body = String::new();
    let mut object = JsonObjectWriter::new(&mut body);
    object.key("Message").string(message);
    object.finish();
    reply(status, body)
}

/// `{"advance_seconds": N}`.
fn read_advance(body: &[u8]) -> Result<u64, String> {
    let malformed = |e: JsonError| format!(r#"The body must be a JSON object like {{"advance_seconds": 86400}}: {}"#, e.message());
    let range = || format!("`advance_seconds` must be a whole number from 0 to {MAX_ADVANCE_SECS}");
    let mut r = JsonReader::new(body);
    let mut secs = None;
    r.start_object().map_err(malformed)?;
    while let Some(key) = r.next_key().map_err(malformed)? {
        match key.as_ref() {
            "advance_seconds" => secs = Some(r.i64().map_err(|_| range())?),
            other => return Err(format!("Unknown member `{other}`; the only member is `advance_seconds`")),
        }
    }
    r.finish().map_err(malformed)?;
    let secs = secs.ok_or("`advance_seconds` is required")?;
    u64::try_from(secs).ok().filter(|s| *s <= MAX_ADVANCE_SECS).ok_or_else(range)
}

/// Answers a request to [`CLOCK_PATH`].
pub(crate) fn control(clock: &Clock, request: &HttpRequest) -> HttpResponse {
    match &*request.method {
        "GET" => offset_reply(clock.offset()),
        "POST" => match read_advance(&request.body) {
            Ok(secs) => offset_reply(clock.advance(Duration::from_secs(secs))),
            Err(message) => refusal(400, &message),
        },
        _ => {
            let mut response = refusal(405, &format!("{CLOCK_PATH} accepts GET and POST"));
            response.headers.insert("allow", "GET, POST");
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, body: &str) -> HttpRequest {
        HttpRequest {
            method: method.to_string().into(),
            uri: client_runtime::http::Uri::parse("http://127.0.0.1/_emulator/clock").unwrap(),
            headers: Headers::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn the_clock_moves_forward_by_what_it_is_told() {
        let clock = Clock::default();
        let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        assert_eq!(clock.now(wall), wall);
        assert_eq!(clock.advance(Duration::from_secs(86_400)), Duration::from_secs(86_400));
        assert_eq!(clock.advance(Duration::from_millis(1_500)), Duration::from_secs(86_401), "whole seconds");
        assert_eq!(clock.now(wall), wall + Duration::from_secs(86_401));
    }

    #[test]
    fn control_requests_are_checked() {
        let clock = Clock::default();
        let ok = control(&clock, &request("POST", r#"{"advance_seconds": 90}"#));
        assert_eq!((ok.status, String::from_utf8(ok.body.clone()).unwrap()), (200, r#"{"offset_seconds":90}"#.to_string()));
        let get = control(&clock, &request("GET", ""));
        assert_eq!(String::from_utf8(get.body.clone()).unwrap(), r#"{"offset_seconds":90}"#);
        for bad in ["", "{}", r#"{"advance_seconds": -1}"#, r#"{"advance_seconds": "1"}"#, r#"{"advance_seconds": 1, "x": 2}"#, r#"{"advance_seconds": 99999999999}"#] {
            assert_eq!(control(&clock, &request("POST", bad)).status, 400, "{bad}");
        }
        assert_eq!(control(&clock, &request("DELETE", "")).status, 405);
        assert_eq!(clock.offset(), Duration::from_secs(90), "refused requests move nothing");
    }
}
