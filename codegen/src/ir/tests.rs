//! Protocol compliance cases (`smithy.test#httpRequestTests` / `httpResponseTests`) lowered to
//! typed values, so the emitter can write them as ordinary Rust tests.

use super::{Docs, Name, NamedRef};

/// A value to build in a test: input parameters or an expected output.
#[derive(Clone, Debug, PartialEq)]
pub enum TestValue {
    Bool(bool),
    /// Integers of any width; the emitter casts to the field's type.
    Int(i64),
    /// Floats, including NaN and the infinities.
    Float(f64),
    /// bigInteger / bigDecimal text.
    BigNumber(String),
    String(String),
    Blob(Vec<u8>),
    /// Seconds and nanoseconds since the epoch.
    Timestamp(i64, u32),
    Document(super::DocValue),
    /// A string enum value: a known variant, or an unknown value.
    Enum { ty: NamedRef, variant: Option<Name>, value: String },
    IntEnum { ty: NamedRef, variant: Option<Name>, value: i32 },
    List { items: Vec<Option<TestValue>>, sparse: bool },
    Map { entries: Vec<(TestValue, Option<TestValue>)>, sparse: bool },
    /// A structure built through its builder; `fields` are (setter, value).
    Struct { ty: NamedRef, fields: Vec<(Name, TestValue)>, fallible: bool },
    Union { ty: NamedRef, variant: Name, value: Option<Box<TestValue>> },
    /// A streaming blob payload.
    ByteStream(Vec<u8>),
}

/// What a request test expects on the wire.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestTest {
    pub id: String,
    pub docs: Docs,
    /// Input fields (setter, value) for the operation's input builder.
    pub params: Vec<(Name, TestValue)>,
    pub method: String,
    pub uri: String,
    /// Expected `Host`, when the test sets one (endpoint host prefixes).
    pub resolved_host: Option<String>,
    /// The endpoint the client is configured with (`host` of the test).
    pub host: Option<String>,
    pub query_params: Vec<String>,
    pub forbid_query_params: Vec<String>,
    pub require_query_params: Vec<String>,
    pub headers: Vec<(String, String)>,
    pub forbid_headers: Vec<String>,
    pub require_headers: Vec<String>,
    pub body: Option<String>,
    pub body_media_type: Option<String>,
    /// Why the case is skipped, if it is (listed, never silently passed).
    pub skip: Option<String>,
}

/// What a response test feeds the client, and what it expects back.
#[derive(Clone, Debug, PartialEq)]
pub struct ResponseTest {
    pub id: String,
    pub docs: Docs,
    pub code: u16,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub body_media_type: Option<String>,
    pub expect: Expected,
    pub skip: Option<String>,
}

/// The value a response test expects.
#[derive(Clone, Debug, PartialEq)]
pub enum Expected {
    /// The operation's output, built from these fields.
    Output(Vec<(Name, TestValue)>),
    /// A modeled error: the error enum variant and the error struct's fields.
    Error { variant: Name, ty: NamedRef, fields: Vec<(Name, TestValue)> },
    /// Any failure (`expectation: { failure: {} }` without an `errorId`).
    Failure,
    /// This modeled error, whatever its members (`expectation: { failure: { errorId } }`).
    ErrorOf { variant: Name },
}

/// A `smithy.test#eventStreamTests` case whose events the client sends or receives (cases of
/// initial messages only become [`RequestTest`]s and [`ResponseTest`]s).
#[derive(Clone, Debug, PartialEq)]
pub struct EventStreamTest {
    pub id: String,
    pub docs: Docs,
    /// Input fields for the initial request (`initialRequestParams`).
    pub initial_params: Vec<(Name, TestValue)>,
    pub events: Vec<TestEvent>,
    /// `expectation: { failure }`: some event must fail, of this modeled error when given.
    pub failure: Option<Option<String>>,
    pub skip: Option<String>,
}

/// One event of a case: sent by the client (`request`) or received.
#[derive(Clone, Debug, PartialEq)]
pub struct TestEvent {
    pub request: bool,
    /// `params`: the event or error event; `None` for an unmodeled event.
    pub value: Option<EventValue>,
    pub headers: Vec<(String, TestHeader)>,
    pub forbid_headers: Vec<String>,
    pub require_headers: Vec<String>,
    pub body: Option<String>,
    pub body_media_type: Option<String>,
    /// The whole message as received (`bytes`).
    pub bytes: Option<Vec<u8>>,
}

/// The value of an event.
#[derive(Clone, Debug, PartialEq)]
pub enum EventValue {
    /// A member of the event union (a [`TestValue::Union`]).
    Event(TestValue),
    /// An error event: the stream error enum's variant, and the error structure.
    Error { variant: Name, ty: NamedRef, fields: Vec<(Name, TestValue)> },
}

/// An expected message header value.
#[derive(Clone, Debug, PartialEq)]
pub enum TestHeader {
    Bool(bool),
    Byte(i8),
    Short(i16),
    Integer(i32),
    Long(i64),
    Blob(Vec<u8>),
    String(String),
    /// Milliseconds since the epoch.
    Timestamp(i64),
}
