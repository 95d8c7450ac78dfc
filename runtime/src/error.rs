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

pub(crate) type BoxError = Box<dyn StdError + Send + Sync>;

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
}

/// The request id the service assigned to a call (`x-amzn-requestid`), on outputs and errors:
/// quote it in support cases. (The AWS SDK for Rust's `RequestId`, under the same name in each
/// generated crate's `operation` module.)
pub trait RequestId {
    /// The request id, when the response carried one.
    fn request_id(&self) -> Option<&str>;
}

impl RequestId for ErrorMetadata {
    fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl RequestId for Unhandled {
    fn request_id(&self) -> Option<&str> {
        self.meta.request_id()
    }
}

impl RequestId for HttpResponse {
    fn request_id(&self) -> Option<&str> {
        self.headers.get("x-amzn-requestid").or_else(|| self.headers.get("x-amz-request-id"))
    }
}

/// Makes the `Unhandled` variant of an operation's error enum from any other failure, so that
/// [`SdkError::into_service_error`] always yields the operation's error.
pub trait CreateUnhandledError {
    /// The `Unhandled` variant for `source`, with the metadata of the response, if one came.
    fn create_unhandled_error(source: BoxError, meta: Option<ErrorMetadata>) -> Self;
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

    /// Wraps a non-service failure (dispatch, timeout, ...) of any operation, keeping what
    /// could be read of an error response that could not be read whole.
    pub fn from_sdk_error<E, R>(err: SdkError<E, R>) -> Self
    where
        E: StdError + Send + Sync + 'static,
        R: fmt::Debug + Send + Sync + 'static,
    {
        let meta = err.response_meta().unwrap_or_default();
        Unhandled { meta, source: Some(Box::new(err)) }
    }

    /// Wraps any failure, with the metadata of its response if one came.
    pub fn from_source(source: BoxError, meta: Option<ErrorMetadata>) -> Self {
        Unhandled { meta: meta.unwrap_or_default(), source: Some(source) }
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

/// [`SdkError::ConstructionFailure`]: the request could not be built; nothing was sent.
#[derive(Debug)]
pub struct ConstructionFailure {
    source: BoxError,
}

impl ConstructionFailure {
    /// A construction failure caused by `source`.
    pub fn new(source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        ConstructionFailure { source: source.into() }
    }

    /// The cause, as a concrete type (`BuildError`, `CredentialsError`, ...).
    pub fn downcast_ref<T: StdError + 'static>(&self) -> Option<&T> {
        self.source.downcast_ref()
    }
}

impl fmt::Display for ConstructionFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "request not sent: {}", self.source)
    }
}

impl StdError for ConstructionFailure {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}

/// [`SdkError::TimeoutError`]: the operation or attempt timeout passed.
#[derive(Debug)]
pub struct TimeoutError {
    kind: TimeoutKind,
}

impl TimeoutError {
    /// Which deadline passed.
    pub fn kind(&self) -> TimeoutKind {
        self.kind
    }
}

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            TimeoutKind::Operation => f.write_str("operation timed out"),
            TimeoutKind::Attempt => f.write_str("attempt timed out"),
        }
    }
}

impl StdError for TimeoutError {}

/// [`SdkError::DispatchFailure`]: the request could not be exchanged with the service.
#[derive(Debug)]
pub struct DispatchFailure {
    source: DispatchError,
}

impl DispatchFailure {
    /// Whether the connection broke or could not be made.
    pub fn is_io(&self) -> bool {
        self.source.is_io()
    }

    /// Whether a transport deadline passed (connect, read timeout, stalled stream).
    pub fn is_timeout(&self) -> bool {
        self.source.is_timeout()
    }

    /// Whether the request or the user's HTTP client is at fault.
    pub fn is_user(&self) -> bool {
        self.source.is_other()
    }

    /// Whether it is none of the above. Always `false` here: every failure this runtime
    /// reports is classified as I/O, timeout or user ([`DispatchErrorKind`](crate::http::DispatchErrorKind));
    /// the method exists for code written against the AWS SDK's `ConnectorError`.
    pub fn is_other(&self) -> bool {
        false
    }

    /// The transport's error.
    pub fn as_dispatch_error(&self) -> &DispatchError {
        &self.source
    }

    /// The class of failure.
    pub fn kind(&self) -> crate::http::DispatchErrorKind {
        self.source.kind()
    }

    /// The built-in transport's typed cause, when that is what failed.
    pub fn transport_error(&self) -> Option<&crate::transport::TransportError> {
        self.source.transport_error()
    }
}

impl fmt::Display for DispatchFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "dispatch failure: {}", self.source)
    }
}

impl StdError for DispatchFailure {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.source)
    }
}

/// [`SdkError::ResponseError`]: a response arrived but could not be read.
#[derive(Debug)]
pub struct ResponseError<R> {
    source: DeserializeError,
    raw: R,
    meta: Option<ErrorMetadata>,
}

impl<R> ResponseError<R> {
    /// The response.
    pub fn raw(&self) -> &R {
        &self.raw
    }

    /// The response, taken.
    pub fn into_raw(self) -> R {
        self.raw
    }
}

/// [`SdkError::ServiceError`]: the service answered with an error.
#[derive(Debug)]
pub struct ServiceError<E, R> {
    source: E,
    raw: R,
}

impl<E, R> ServiceError<E, R> {
    /// The operation's error.
    pub fn err(&self) -> &E {
        &self.source
    }

    /// The operation's error, taken.
    pub fn into_err(self) -> E {
        self.source
    }

    /// The response.
    pub fn raw(&self) -> &R {
        &self.raw
    }

    /// The response, mutably.
    pub fn raw_mut(&mut self) -> &mut R {
        &mut self.raw
    }
}

/// The failure of a call, with the AWS SDK for Rust's variants and accessors.
#[derive(Debug)]
#[non_exhaustive]
pub enum SdkError<E, R = HttpResponse> {
    /// The request could not be built (missing input, no region or credentials, signing
    /// failed). Nothing was sent.
    ConstructionFailure(ConstructionFailure),
    /// The operation or attempt timeout passed.
    TimeoutError(TimeoutError),
    /// The request could not be exchanged with the service (connect, I/O, transport limits).
    DispatchFailure(DispatchFailure),
    /// A response arrived but could not be read.
    ResponseError(ResponseError<R>),
    /// The service returned an error.
    ServiceError(ServiceError<E, R>),
}

impl<E, R> SdkError<E, R> {
    /// A construction failure from any error.
    pub fn construction_failure(e: impl Into<BoxError>) -> Self {
        SdkError::ConstructionFailure(ConstructionFailure { source: e.into() })
    }

    /// A timeout of `kind`.
    pub fn timeout_error(kind: TimeoutKind) -> Self {
        SdkError::TimeoutError(TimeoutError { kind })
    }

    /// A dispatch failure.
    pub fn dispatch_failure(source: DispatchError) -> Self {
        SdkError::DispatchFailure(DispatchFailure { source })
    }

    /// An unreadable response; `meta` is what the protocol could read of an error response.
    pub fn response_error(source: DeserializeError, raw: R, meta: Option<ErrorMetadata>) -> Self {
        SdkError::ResponseError(ResponseError { source, raw, meta })
    }

    /// A service error.
    pub fn service_error(err: E, raw: R) -> Self {
        SdkError::ServiceError(ServiceError { source: err, raw })
    }

    /// The service error, if this is one.
    pub fn as_service_error(&self) -> Option<&E> {
        match self {
            SdkError::ServiceError(e) => Some(&e.source),
            _ => None,
        }
    }

    /// The operation's error: the service error itself, or, for any other failure, the
    /// operation error's `Unhandled` variant wrapping it (as the AWS SDK for Rust does).
    pub fn into_service_error(self) -> E
    where
        E: CreateUnhandledError + StdError + Send + Sync + 'static,
        R: fmt::Debug + Send + Sync + 'static,
    {
        match self {
            SdkError::ServiceError(e) => e.source,
            other => {
                let meta = other.response_meta();
                E::create_unhandled_error(Box::new(other), meta)
            }
        }
    }

    /// The service error, or `Err(self)` for other failures.
    pub fn try_into_service_error(self) -> Result<E, Self> {
        match self {
            SdkError::ServiceError(e) => Ok(e.source),
            other => Err(other),
        }
    }

    /// What could be read of the error response of a [`SdkError::ResponseError`].
    pub fn response_meta(&self) -> Option<ErrorMetadata> {
        match self {
            SdkError::ResponseError(e) => e.meta.clone(),
            _ => None,
        }
    }

    /// The raw response, when one was received.
    pub fn raw_response(&self) -> Option<&R> {
        match self {
            SdkError::ResponseError(e) => Some(&e.raw),
            SdkError::ServiceError(e) => Some(&e.raw),
            _ => None,
        }
    }

    /// The error with its service error mapped by `f`.
    pub fn map_service_error<E2>(self, f: impl FnOnce(E) -> E2) -> SdkError<E2, R> {
        match self {
            SdkError::ServiceError(e) => SdkError::ServiceError(ServiceError { source: f(e.source), raw: e.raw }),
            SdkError::ConstructionFailure(e) => SdkError::ConstructionFailure(e),
            SdkError::TimeoutError(e) => SdkError::TimeoutError(e),
            SdkError::DispatchFailure(e) => SdkError::DispatchFailure(e),
            SdkError::ResponseError(e) => SdkError::ResponseError(e),
        }
    }

    /// The underlying error, boxed.
    pub fn into_source(self) -> Result<BoxError, Self>
    where
        E: StdError + Send + Sync + 'static,
    {
        match self {
            SdkError::ConstructionFailure(e) => Ok(e.source),
            SdkError::TimeoutError(e) => Ok(Box::new(e)),
            SdkError::DispatchFailure(e) => Ok(Box::new(e.source)),
            SdkError::ResponseError(e) => Ok(Box::new(e.source)),
            SdkError::ServiceError(e) => Ok(Box::new(e.source)),
        }
    }
}

impl<E: fmt::Display, R> fmt::Display for SdkError<E, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SdkError::ConstructionFailure(_) => f.write_str("failed to construct request"),
            SdkError::TimeoutError(e) => write!(f, "{e}"),
            SdkError::DispatchFailure(_) => f.write_str("dispatch failure"),
            SdkError::ResponseError(_) => f.write_str("response error"),
            SdkError::ServiceError(_) => f.write_str("service error"),
        }
    }
}

impl<E: StdError + 'static, R: fmt::Debug> StdError for SdkError<E, R> {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            SdkError::ConstructionFailure(e) => Some(&*e.source),
            SdkError::TimeoutError(e) => Some(e),
            SdkError::DispatchFailure(e) => Some(&e.source),
            SdkError::ResponseError(e) => Some(&e.source),
            SdkError::ServiceError(e) => Some(&e.source),
        }
    }
}

impl<E: ProvideErrorMetadata, R> RequestId for SdkError<E, R>
where
    R: RequestId,
{
    fn request_id(&self) -> Option<&str> {
        match self {
            SdkError::ServiceError(e) => e.source.meta().request_id().or_else(|| e.raw.request_id()),
            SdkError::ResponseError(e) => e.raw.request_id(),
            _ => None,
        }
    }
}

/// Shows an error with its whole chain of causes, `: `-separated, as the AWS SDK for Rust's
/// `DisplayErrorContext` does (an error's own `Display` shows one level only).
pub struct DisplayErrorContext<E>(pub E);

impl<E: StdError> fmt::Display for DisplayErrorContext<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(s) = source {
            write!(f, ": {s}")?;
            source = s.source();
        }
        write!(f, " ({:?})", self.0)
    }
}

impl<E: StdError> fmt::Debug for DisplayErrorContext<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

static NO_METADATA: ErrorMetadata = ErrorMetadata { code: None, message: None, request_id: None };

impl<E: ProvideErrorMetadata, R> ProvideErrorMetadata for SdkError<E, R> {
    fn meta(&self) -> &ErrorMetadata {
        match self {
            SdkError::ServiceError(e) => e.source.meta(),
            SdkError::ResponseError(ResponseError { meta: Some(meta), .. }) => meta,
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
        let e: SdkError<Unhandled> = SdkError::service_error(Unhandled::new(meta), HttpResponse::default());
        assert_eq!(e.to_string(), "service error");
        assert_eq!(DisplayErrorContext(&e).to_string().split(" (").next(), Some("service error: ConflictException: already exists"));
        assert_eq!(e.code(), Some("ConflictException"));
        assert_eq!(e.request_id(), Some("req-1"));
        assert_eq!(e.as_service_error().and_then(|u| u.code()), Some("ConflictException"));
    }
}
