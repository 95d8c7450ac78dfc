//! Which failures are worth another attempt, and of what kind: the error classes of the AWS
//! SDKs' retry behaviour (throttling, transient, server error), decided from the HTTP status,
//! the error code, or the way the request failed to get a response at all.

use crate::http::DispatchErrorKind;

/// How a failed attempt is classified. The kind decides whether it is retried, how much of the
/// retry quota the retry costs, and which backoff base applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RetryKind {
    /// The request, or the connection it travelled on, failed on the way (connect failure,
    /// broken connection, deadline passed, or a server-reported request timeout). Retried.
    Transient,
    /// The service asked the client to slow down. Retried with the throttling backoff.
    Throttling,
    /// The service failed with 500, 502, 503 or 504. Retried.
    ServerError,
    /// The request itself was at fault (a modeled client error, a 4xx, a local failure).
    /// Never retried.
    ClientError,
}

impl RetryKind {
    /// The kind a modeled error carrying Smithy's `@retryable` trait asks for:
    /// `@retryable(throttling: true)` is [`RetryKind::Throttling`], plain `@retryable` is
    /// [`RetryKind::Transient`]. Pass it as the `hint` of [`classify`].
    pub fn from_retryable_trait(throttling: bool) -> Self {
        if throttling {
            RetryKind::Throttling
        } else {
            RetryKind::Transient
        }
    }

    /// Whether a failure of this kind may be retried at all.
    pub fn is_retryable(self) -> bool {
        self != RetryKind::ClientError
    }
}

/// What went wrong with one attempt, as [`classify`] sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure<'a> {
    /// No response arrived.
    Dispatch(DispatchErrorKind),
    /// The service answered with an error.
    Response {
        /// HTTP status code.
        status: u16,
        /// The error code (the shape name the protocol reported), if any.
        code: Option<&'a str>,
    },
}

// Error codes the AWS SDKs treat as throttling whatever the status (the SDKs and Tools
// reference guide, "Retry behavior", and the AWS SDKs' shared error classification).
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

// Codes for a request the server gave up waiting for; S3 reports these with status 400.
const TRANSIENT_CODES: &[&str] = &["RequestTimeout", "RequestTimeoutException"];

// Codes for a server-side failure, retried like a 5xx even when the status says otherwise.
const SERVER_ERROR_CODES: &[&str] = &["InternalError"];

const SERVER_ERROR_STATUSES: &[u16] = &[500, 502, 503, 504];

/// Classifies a failed attempt.
///
/// `hint` is what the operation's model says about the error (see
/// [`RetryKind::from_retryable_trait`]); it wins over the generic rules because the model knows
/// the error better than a table of codes. Without a hint, the error code decides first (a
/// `ThrottlingException` is throttling even under status 400), then the status: 429 is
/// throttling, 500/502/503/504 are server errors, anything else is a client error and is never
/// retried. Of the dispatch failures, connect, I/O and timeout failures are transient.
pub fn classify(failure: Failure<'_>, hint: Option<RetryKind>) -> RetryKind {
    if let Some(kind) = hint {
        return kind;
    }
    match failure {
        Failure::Dispatch(kind) => match kind {
            DispatchErrorKind::Connect | DispatchErrorKind::Io | DispatchErrorKind::Timeout => RetryKind::Transient,
            _ => RetryKind::ClientError,
        },
        Failure::Response { status, code } => {
            let code = code.map(sanitize_error_code);
            if code.is_some_and(|c| THROTTLING_CODES.contains(&c)) || status == 429 {
                RetryKind::Throttling
            } else if code.is_some_and(|c| TRANSIENT_CODES.contains(&c)) {
                RetryKind::Transient
            } else if code.is_some_and(|c| SERVER_ERROR_CODES.contains(&c)) || SERVER_ERROR_STATUSES.contains(&status) {
                RetryKind::ServerError
            } else {
                RetryKind::ClientError
            }
        }
    }
}

/// Reduces an error code as protocols may report it (`aws.protocols#ThrottlingException`,
/// `ThrottlingException:http://internal.amazon.com/...`) to the bare shape name, as the
/// restJson1 and awsJson specifications direct. Idempotent, so an already sanitized code passes
/// through unchanged.
pub(crate) fn sanitize_error_code(code: &str) -> &str {
    let code = code.split_once(':').map_or(code, |(before, _)| before);
    let code = code.rsplit_once('#').map_or(code, |(_, after)| after);
    code.trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, code: Option<&str>) -> RetryKind {
        classify(Failure::Response { status, code }, None)
    }

    #[test]
    fn classification_table() {
        use RetryKind::*;
        let cases: &[(u16, Option<&str>, RetryKind)] = &[
            (400, Some("Throttling"), Throttling),
            (400, Some("ThrottlingException"), Throttling),
            (400, Some("ThrottledException"), Throttling),
            (400, Some("RequestThrottledException"), Throttling),
            (400, Some("TooManyRequestsException"), Throttling),
            (400, Some("ProvisionedThroughputExceededException"), Throttling),
            (400, Some("TransactionInProgressException"), Throttling),
            (503, Some("RequestLimitExceeded"), Throttling),
            (400, Some("BandwidthLimitExceeded"), Throttling),
            (400, Some("LimitExceededException"), Throttling),
            (400, Some("RequestThrottled"), Throttling),
            (503, Some("SlowDown"), Throttling),
            (400, Some("PriorRequestNotComplete"), Throttling),
            (400, Some("EC2ThrottledException"), Throttling),
            (429, None, Throttling),
            (429, Some("SomethingElse"), Throttling),
            (400, Some("RequestTimeout"), Transient),
            (400, Some("RequestTimeoutException"), Transient),
            (400, Some("InternalError"), ServerError),
            (500, None, ServerError),
            (502, None, ServerError),
            (503, None, ServerError),
            (504, None, ServerError),
            (500, Some("InternalFailure"), ServerError),
            (501, None, ClientError),
            (505, None, ClientError),
            (400, Some("ValidationException"), ClientError),
            (400, None, ClientError),
            (403, Some("AccessDeniedException"), ClientError),
            (404, Some("NotFoundException"), ClientError),
            (408, None, ClientError),
            (409, Some("ConflictException"), ClientError),
        ];
        for &(status, code, want) in cases {
            assert_eq!(response(status, code), want, "{status} {code:?}");
        }
    }

    #[test]
    fn unsanitized_codes_are_recognised() {
        assert_eq!(response(400, Some("aws.protocols#ThrottlingException")), RetryKind::Throttling);
        assert_eq!(
            response(400, Some("ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.service/")),
            RetryKind::Throttling
        );
        assert_eq!(response(400, Some("com.example#Thing:extra")), RetryKind::ClientError);
        // Codes are case-sensitive shape names: a near miss is not throttling.
        assert_eq!(response(400, Some("throttling")), RetryKind::ClientError);
    }

    #[test]
    fn dispatch_failures() {
        let d = |k| classify(Failure::Dispatch(k), None);
        assert_eq!(d(DispatchErrorKind::Connect), RetryKind::Transient);
        assert_eq!(d(DispatchErrorKind::Io), RetryKind::Transient);
        assert_eq!(d(DispatchErrorKind::Timeout), RetryKind::Transient);
        assert_eq!(d(DispatchErrorKind::Other), RetryKind::ClientError);
    }

    #[test]
    fn model_hint_overrides_the_tables() {
        let retryable = Some(RetryKind::from_retryable_trait(false));
        let throttling = Some(RetryKind::from_retryable_trait(true));
        let modeled_400 = Failure::Response { status: 400, code: Some("ResourceBusyException") };
        assert_eq!(classify(modeled_400, None), RetryKind::ClientError);
        assert_eq!(classify(modeled_400, retryable), RetryKind::Transient);
        assert_eq!(classify(modeled_400, throttling), RetryKind::Throttling);
        assert!(!RetryKind::ClientError.is_retryable());
        assert!(RetryKind::ServerError.is_retryable());
    }
}
