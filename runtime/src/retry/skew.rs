//! Clock-skew correction: when a service refuses a request because the signing time was too far
//! from its own clock, the `Date` header of its answer tells how far off the local clock is, and
//! the client signs later requests with that offset applied.
//!
//! Holds a private IMF-fixdate parser until the shared one in `crate::time` is available.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::classify::sanitize_error_code;

// Error codes with which AWS services refuse a request signed at the wrong time (the set the
// AWS SDKs correct clock skew for). Some of them (`InvalidSignatureException`,
// `SignatureDoesNotMatch`, `AuthFailure`) also mean a bad key, which is why a correction is only
// made when the server's clock really disagrees (see `SKEW_THRESHOLD_SECS`).
const CLOCK_SKEW_CODES: &[&str] = &[
    "AuthFailure",
    "InvalidSignatureException",
    "RequestExpired",
    "RequestInTheFuture",
    "RequestTimeTooSkewed",
    "SignatureDoesNotMatch",
];

// SigV4 accepts a signing time within 5 minutes of the server's; a disagreement of 4 minutes or
// more (what the AWS SDK for Java uses) is taken as the cause of the refusal, a smaller one is
// left alone so that network latency does not make the offset flap.
const SKEW_THRESHOLD_SECS: i64 = 4 * 60;

/// Whether `code` is one with which services refuse a request for its signing time.
pub fn is_clock_skew_error(code: &str) -> bool {
    CLOCK_SKEW_CODES.contains(&sanitize_error_code(code))
}

/// How far the server's clock is ahead of the local one (negative: behind), in whole seconds
/// (the resolution of the `Date` header).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockSkew {
    seconds: i64,
}

impl ClockSkew {
    /// No skew.
    pub const NONE: ClockSkew = ClockSkew { seconds: 0 };

    /// A skew of `seconds` (positive: the server is ahead).
    pub fn from_seconds(seconds: i64) -> Self {
        Self { seconds }
    }

    /// The skew in seconds (positive: the server is ahead).
    pub fn seconds(self) -> i64 {
        self.seconds
    }

    /// The server's idea of `local`: the time to sign with.
    pub fn apply(self, local: SystemTime) -> SystemTime {
        let magnitude = Duration::from_secs(self.seconds.unsigned_abs());
        let corrected = if self.seconds >= 0 { local.checked_add(magnitude) } else { local.checked_sub(magnitude) };
        corrected.unwrap_or(local)
    }
}

/// The skew to apply from now on, if the failed attempt was refused for its signing time.
///
/// `error_code` is the error's code, `server_date` the response's `Date` header (IMF-fixdate),
/// `sent_at` the local clock's time when the request was sent (without any correction) and
/// `applied` the skew the request was signed with. Returns `None` when the error is not a
/// clock-skew error, the date does not parse, or the server's clock agrees with the corrected
/// local one within four minutes (then another attempt would be refused just the same).
/// When it returns `Some`, the caller stores the new skew for signing and may retry the attempt
/// as [`super::RetryKind::Transient`].
pub fn clock_skew_correction(
    error_code: &str,
    server_date: &str,
    sent_at: SystemTime,
    applied: ClockSkew,
) -> Option<ClockSkew> {
    if !is_clock_skew_error(error_code) {
        return None;
    }
    let server = crate::time::DateTime::parse(server_date.trim(), crate::time::TimestampFormat::HttpDate).ok()?.secs();
    let local = unix_seconds(sent_at);
    let skew = server.checked_sub(local)?;
    let change = skew.checked_sub(applied.seconds)?;
    (change.unsigned_abs() >= SKEW_THRESHOLD_SECS.unsigned_abs()).then_some(ClockSkew { seconds: skew })
}

fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correction_for_a_skew_error_and_a_large_disagreement() {
        let sent = UNIX_EPOCH + Duration::from_secs(784_111_777 - 3600);
        let date = "Sun, 06 Nov 1994 08:49:37 GMT";
        let skew = clock_skew_correction("RequestTimeTooSkewed", date, sent, ClockSkew::NONE);
        assert_eq!(skew, Some(ClockSkew::from_seconds(3600)));
        assert_eq!(skew.map(|s| s.apply(sent)), Some(UNIX_EPOCH + Duration::from_secs(784_111_777)));
        // The local clock ahead of the server's gives a negative skew.
        let ahead = UNIX_EPOCH + Duration::from_secs(784_111_777 + 600);
        assert_eq!(
            clock_skew_correction("RequestExpired", date, ahead, ClockSkew::NONE),
            Some(ClockSkew::from_seconds(-600))
        );
        assert_eq!(ClockSkew::from_seconds(-600).apply(ahead), UNIX_EPOCH + Duration::from_secs(784_111_777));
    }

    #[test]
    fn no_correction_when_not_needed_or_not_possible() {
        let date = "Sun, 06 Nov 1994 08:49:37 GMT";
        let sent = UNIX_EPOCH + Duration::from_secs(784_111_777 - 3600);
        assert_eq!(clock_skew_correction("AccessDeniedException", date, sent, ClockSkew::NONE), None);
        assert_eq!(clock_skew_correction("SignatureDoesNotMatch", "not a date", sent, ClockSkew::NONE), None);
        // A wrong key, not a wrong clock: the clocks agree within the threshold.
        let close = UNIX_EPOCH + Duration::from_secs(784_111_777 - 30);
        assert_eq!(clock_skew_correction("SignatureDoesNotMatch", date, close, ClockSkew::NONE), None);
        // Already corrected: retrying with the same offset would not help.
        assert_eq!(clock_skew_correction("RequestTimeTooSkewed", date, sent, ClockSkew::from_seconds(3590)), None);
        assert!(is_clock_skew_error("aws.auth#InvalidSignatureException"));
    }
}
