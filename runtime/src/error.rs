//! Errors of a call, in the shape users of the AWS SDK for Rust know: [`SdkError`] separates a
//! request that could not be built, a dispatch failure, a timeout, an unparseable response and a
//! service error; [`ErrorMetadata`] carries the error code, message and request id;
//! [`BuildError`] names the member at fault before anything is sent.

use crate::http::{DispatchError, HttpResponse};
use crate::json::JsonError;
use crate::time::DateTimeError;
use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;

type BoxError = Box<dyn StdError + Send + Sync>;

/// A request could not be built from its input: a required member is missing, or a value is
/// outside its modeled constraints, or it cannot be written (a timestamp out of range...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildError {
    field: Option<Cow<'static, str>>,
    message: Cow<'static, str>,
}

impl BuildError {
    /// `member` of `shape` is required but was not set.
    pub fn missing_field(member: &'static str, shape: &'static str) -> Self {
        BuildError { field: Some(Cow::Borrowed(member)), message: Cow::Owned(format!("{member} is required by {shape} but was not set")) }
    }

    /// A request that cannot be sent, for the reason given.
    pub fn invalid(message: impl Into<Cow<'static, str>>) -> Self {
        BuildError { field: None, message: message.into() }
    }

    /// `member` has an invalid value.
    pub fn invalid_field(member: &'static str, message: impl Into<String>) -> Self {
        BuildError { field: Some(Cow::Borrowed(member)), message: Cow::Owned(format!("{member}: {}", message.into())) }
    }

    /// Checks a `@length` constraint (characters for strings, items for collections, bytes for
    /// blobs).
    pub fn check_length(member: &'static str, len: usize, min: Option<u64>, max: Option<u64>) -> Result<(), BuildError> {
        let len = len as u64;
        if min.is_some_and(|m| len < m) || max.is_some_and(|m| len > m) {
            return Err(Self::invalid_field(member, format!("length {len} is outside {}", bounds(min, max))));
        }
        Ok(())
    }

    /// Checks a `@range` constraint.
    pub fn check_range(member: &'static str, value: f64, min: Option<f64>, max: Option<f64>) -> Result<(), BuildError> {
        if value.is_nan() || min.is_some_and(|m| value < m) || max.is_some_and(|m| value > m) {
            return Err(Self::invalid_field(member, format!("value {value} is outside {}", bounds(min, max))));
        }
        Ok(())
    }

    /// The member at fault, if the error is about one.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }
}

fn bounds<T: fmt::Display>(min: Option<T>, max: Option<T>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("the allowed range {a}..={b}"),
        (Some(a), None) => format!("the allowed range {a}.."),
        (None, Some(b)) => format!("the allowed range ..={b}"),
        (None, None) => "the allowed range".to_string(),
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for BuildError {}

impl From<DateTimeError> for BuildError {
    fn from(e: DateTimeError) -> Self {
        BuildError::invalid(format!("cannot write timestamp: {e}"))
    }
}

/// A response could not be read: malformed JSON, a header of the wrong type, invalid UTF-8.
#[derive(Debug)]
pub struct DeserializeError {
    message: Cow<'static, str>,
    source: Option<BoxError>,
}

impl DeserializeError {
    /// An error with a message.
    pub fn new(message: impl Into<Cow<'static, str>>) -> Self {
        DeserializeError { message: message.into(), source: None }
    }

    /// An error with a message and its cause.
    pub fn with_source(message: impl Into<Cow<'static, str>>, source: impl Into<BoxError>) -> Self {
        DeserializeError { message: message.into(), source: Some(source.into()) }
    }
}

impl fmt::Display for DeserializeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(s) = &self.source {
            write!(f, ": {s}")?;
        }
        Ok(())
    }
}

impl StdError for DeserializeError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source.as_deref().map(|e| e as _)
    }
}

impl From<JsonError> for DeserializeError {
    fn from(e: JsonError) -> Self {
        DeserializeError::with_source("invalid JSON in response body", e)
    }
}

/// The error code, message and request id of an error response.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorMetadata {
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
}

impl ErrorMetadata {
    /// Metadata from its parts.
    pub fn new(code: Option<String>, message: Option<String>, request_id: Option<String>) -> Self {
        ErrorMetadata { code, message, request_id }
    }

    /// The error code (the error's shape name), if the response had one.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The error message, if any.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The request id the service assigned (`x-amzn-requestid`), for support cases.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl fmt::Display for ErrorMetadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code().unwrap_or("unknown error"))?;
        if let Some(m) = self.message() {
            write!(f, ": {m}")?;
        }
        if let Some(r) = self.request_id() {
            write!(f, " (request id {r})")?;
        }
        Ok(())
    }
}

/// Access to the [`ErrorMetadata`] of an error.
pub trait ProvideErrorMetadata {
    /// The metadata.
    fn meta(&self) -> &ErrorMetadata;

    /// The error code.
    fn code(&self) -> Option<&str> {
        self.meta().code()
    }

    /// The error message.
    fn message(&self) -> Option<&str> {
        self.meta().message()
    }

    /// The request id.
    fn request_id(&self) -> Option<&str> {
        self.meta().request_id()
    }
}

/// What every error of a generated error enum is: an error with metadata. Lets generated enums
/// forward `Display`, `source` and `meta` to their variant through one match.
pub trait ModeledError: StdError + ProvideErrorMetadata + Send + Sync + 'static {
    /// This error as a plain `std::error::Error`.
    fn as_error(&self) -> &(dyn StdError + Send + Sync + 'static);
}

impl<T: StdError + ProvideErrorMetadata + Send + Sync + 'static> ModeledError for T {
    fn as_error(&self) -> &(dyn StdError + Send + Sync + 'static) {
        self
    }
}

/// A modeled error structure that can be read from an error response.
pub trait FromErrorResponse: Sized {
    /// Reads the error's members from `response`; `meta` holds its code, message and request id.
    fn from_response(response: &HttpResponse, meta: ErrorMetadata) -> Result<Self, DeserializeError>;
}

/// An error the operation's model does not list, or a failure before any modeled error could
/// be read. Keeps the code, message and request id.
#[derive(Debug)]
pub struct Unhandled {
    meta: ErrorMetadata,
    source: Option<BoxError>,
}

impl Unhandled {
    /// An unmodeled service error.
    pub fn new(meta: ErrorMetadata) -> Self {
        Unhandled { meta, source: None }
    }

    /// Wraps a non-service failure (dispatch, timeout, ...) of any operation; `protocol`
    /// reads the code and request id of a response that could not be read otherwise.
    pub fn from_sdk_error<E: StdError + Send + Sync + 'static>(err: SdkError<E>, protocol: &dyn crate::protocol::Protocol) -> Self {
        let meta = match &err {
            SdkError::ResponseError { raw, .. } => protocol.error_metadata(raw),
            _ => ErrorMetadata::default(),
        };
        Unhandled { meta, source: Some(Box::new(err)) }
    }

    /// The metadata.
    pub fn meta(&self) -> &ErrorMetadata {
        &self.meta
    }
}

impl fmt::Display for Unhandled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.source, self.meta.code()) {
            (Some(s), None) => write!(f, "{s}"),
            _ => write!(f, "{}", self.meta),
        }
    }
}

impl StdError for Unhandled {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source.as_deref().map(|e| e as _)
    }
}

impl ProvideErrorMetadata for Unhandled {
    fn meta(&self) -> &ErrorMetadata {
        &self.meta
    }
}

/// Which deadline a [`SdkError::TimeoutError`] hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// The whole operation, retries included.
    Operation,
    /// One attempt.
    Attempt,
}

/// The failure of a call.
#[derive(Debug)]
#[non_exhaustive]
pub enum SdkError<E> {
    /// The request could not be built (missing or invalid input, no region or credentials,
    /// signing failed). Nothing was sent.
    ConstructionFailure(BoxError),
    /// A deadline passed.
    TimeoutError(TimeoutKind),
    /// The request could not be exchanged with the service (connect, I/O).
    DispatchFailure(DispatchError),
    /// A response arrived but could not be read.
    ResponseError {
        /// Why it could not be read.
        source: DeserializeError,
        /// The response.
        raw: HttpResponse,
    },
    /// The service returned an error.
    ServiceError {
        /// The operation's error.
        err: E,
        /// The response.
        raw: HttpResponse,
    },
}

impl<E> SdkError<E> {
    /// A construction failure from any error.
    pub fn construction_failure(e: impl Into<BoxError>) -> Self {
        SdkError::ConstructionFailure(e.into())
    }

    /// The service error, if this is one.
    pub fn as_service_error(&self) -> Option<&E> {
        match self {
            SdkError::ServiceError { err, .. } => Some(err),
            _ => None,
        }
    }

    /// The service error, or `Err(self)` for other failures.
    pub fn into_service_error(self) -> Result<E, Self> {
        match self {
            SdkError::ServiceError { err, .. } => Ok(err),
            other => Err(other),
        }
    }

    /// The raw response, when one was received.
    pub fn raw_response(&self) -> Option<&HttpResponse> {
        match self {
            SdkError::ResponseError { raw, .. } | SdkError::ServiceError { raw, .. } => Some(raw),
            _ => None,
        }
    }
}

impl<E: fmt::Display> fmt::Display for SdkError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SdkError::ConstructionFailure(e) => write!(f, "request not sent: {e}"),
            SdkError::TimeoutError(TimeoutKind::Operation) => f.write_str("operation timed out"),
            SdkError::TimeoutError(TimeoutKind::Attempt) => f.write_str("attempt timed out"),
            SdkError::DispatchFailure(e) => write!(f, "dispatch failure: {e}"),
            SdkError::ResponseError { source, raw } => write!(f, "unreadable response (status {}): {source}", raw.status),
            SdkError::ServiceError { err, .. } => write!(f, "{err}"),
        }
    }
}

impl<E: StdError + 'static> StdError for SdkError<E> {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            SdkError::ConstructionFailure(e) => Some(&**e),
            SdkError::TimeoutError(_) => None,
            SdkError::DispatchFailure(e) => Some(e),
            SdkError::ResponseError { source, .. } => Some(source),
            SdkError::ServiceError { err, .. } => Some(err),
        }
    }
}

static NO_METADATA: ErrorMetadata = ErrorMetadata { code: None, message: None, request_id: None };

impl<E: ProvideErrorMetadata> ProvideErrorMetadata for SdkError<E> {
    fn meta(&self) -> &ErrorMetadata {
        match self {
            SdkError::ServiceError { err, .. } => err.meta(),
            _ => &NO_METADATA,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraint_checks() {
        assert!(BuildError::check_length("Name", 0, Some(1), Some(256)).is_err());
        assert!(BuildError::check_length("Name", 256, Some(1), Some(256)).is_ok());
        let e = BuildError::check_range("MaxResults", 201.0, Some(1.0), Some(200.0)).unwrap_err();
        assert_eq!(e.field(), Some("MaxResults"));
        assert_eq!(e.to_string(), "MaxResults: value 201 is outside the allowed range 1..=200");
        assert!(BuildError::check_range("X", f64::NAN, None, None).is_err());
        assert_eq!(
            BuildError::missing_field("Name", "CreateAppInstanceInput").to_string(),
            "Name is required by CreateAppInstanceInput but was not set"
        );
    }

    #[test]
    fn service_error_display_shows_code_and_message() {
        let meta = ErrorMetadata::new(Some("ConflictException".into()), Some("already exists".into()), Some("req-1".into()));
        let e: SdkError<Unhandled> = SdkError::ServiceError { err: Unhandled::new(meta), raw: HttpResponse::default() };
        assert_eq!(e.to_string(), "ConflictException: already exists (request id req-1)");
        assert_eq!(e.code(), Some("ConflictException"));
        assert_eq!(e.request_id(), Some("req-1"));
    }
}
