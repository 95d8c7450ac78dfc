//! The plain-data intermediate representation between `lower` and `emit`.
//!
//! It is Rust-shaped and fully decided: every name is a validated [`Name`], every trait that
//! matters has been read into a typed field, and no JSON is left. Emitters read it and never
//! look back at the model. Adding a field here forces every emitter that destructures the
//! struct to decide what to do with it.

pub mod endpoint;
pub mod tests;

use crate::naming::Name;

/// Everything needed to emit one client crate.
#[derive(Clone, Debug)]
pub struct Crate {
    pub package: Package,
    pub service: ServiceDef,
    /// Structures, unions and enums of `crate::types`.
    pub types: Vec<TypeDef>,
    /// Modeled error structures of `crate::types::error`.
    pub errors: Vec<StructDef>,
    pub operations: Vec<OperationDef>,
    /// The compiled endpoint rule set, when the service has one.
    pub endpoint: Option<endpoint::EndpointRules>,
    /// The event streams (`@streaming` unions) operations send or receive, sorted by union name.
    pub event_streams: Vec<EventStreamDef>,
}

/// Cargo package facts.
#[derive(Clone, Debug)]
pub struct Package {
    /// Crate name (`chime-sdk-identity`).
    pub name: String,
    /// The crate's identifier in paths (`chime_sdk_identity`).
    pub ident: Name,
    pub version: String,
    pub description: String,
    /// Path from the crate to the runtime crate, for its `Cargo.toml`.
    pub runtime_path: String,
    /// `false` adds an empty `[workspace]` table so the crate builds on its own anywhere.
    pub workspace_member: bool,
    /// The crate offers the `default-chain` feature (and the credentials-chain dependency).
    pub credentials_chain: bool,
}

/// The service being generated.
#[derive(Clone, Debug)]
pub struct ServiceDef {
    pub shape_id: String,
    pub title: String,
    pub docs: Docs,
    /// The API version (`2021-04-20`).
    pub version: String,
    /// `aws.api#service` sdkId, or the shape name.
    pub sdk_id: String,
    /// SigV4 signing name, when the service uses `aws.auth#sigv4`.
    pub signing_name: Option<String>,
    /// Suffix of the service-specific endpoint environment variable
    /// (`AWS_ENDPOINT_URL_<suffix>`).
    pub env_suffix: String,
    /// `@clientContextParams`: endpoint parameters users set on the client configuration.
    pub client_context_params: Vec<(String, Docs)>,
    /// The wire protocol, from the service's protocol trait.
    pub protocol: Protocol,
    /// Operations bound to the service itself (shape ids, sorted); the others are bound through
    /// [`Self::resources`].
    pub bound_operations: Vec<String>,
    /// The service's resources, directly or through other resources, sorted by shape id.
    pub resources: Vec<ResourceDef>,
}

/// A resource of the service. The client has no resource types, but Smithy's compatibility
/// rules count what is bound where, so the API summary records it.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceDef {
    pub shape_id: String,
    /// The service or resource that binds it.
    pub parent: String,
    /// Operations it binds (lifecycle, `operations`, `collectionOperations`), shape ids, sorted.
    pub operations: Vec<String>,
}

/// The wire protocols the generator implements. Each has a module in `lower::protocol` (its
/// HTTP rules) and one in `emit::protocol` (its serializers and deserializers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// `aws.protocols#restJson1`: HTTP bindings and JSON bodies.
    RestJson1,
    /// `aws.protocols#awsQuery`: `POST /` with form-encoded input, XML output.
    AwsQuery,
}

/// Rustdoc lines (already converted from Smithy HTML).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Docs(pub Vec<String>);

/// `@deprecated`.
#[derive(Clone, Debug, PartialEq)]
pub struct Deprecated {
    pub message: Option<String>,
    pub since: Option<String>,
}

/// Where a named type lives.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Module {
    /// `crate::types`.
    Types,
    /// `crate::types::error`.
    Errors,
    /// `crate::operation::<name>` (operation inputs and outputs).
    Operation(Name),
}

/// The kind of a named type, which decides how it is (de)serialized.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NamedKind {
    Struct,
    Union,
    Enum,
    IntEnum,
}

/// A reference to a named generated type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NamedRef {
    pub name: Name,
    pub kind: NamedKind,
    pub module: Module,
}

/// Timestamp wire formats (`@timestampFormat`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimestampFormat {
    DateTime,
    HttpDate,
    EpochSeconds,
}

/// The Rust type of a value.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeRef {
    Bool,
    Byte,
    Short,
    Integer,
    Long,
    Float,
    Double,
    /// Kept as its decimal text to avoid losing precision.
    BigInteger,
    BigDecimal,
    String,
    Blob,
    /// A `@streaming` blob payload.
    ByteStream,
    /// A `@streaming` union payload: an event stream.
    EventStream(EventStreamRef),
    /// `format` is the member's or target's `@timestampFormat`, if any.
    Timestamp { format: Option<TimestampFormat> },
    Document,
    Named(NamedRef),
    List { member: Box<TypeRef>, sparse: bool },
    Map { key: Box<TypeRef>, value: Box<TypeRef>, sparse: bool },
}

/// A member holding an event stream: the stream's union and error enum, and its direction.
#[derive(Clone, Debug, PartialEq)]
pub struct EventStreamRef {
    /// The union of `crate::types` (its error members left out).
    pub union: Name,
    /// The error enum of `crate::types::error` (`<Union>Error`).
    pub error: Name,
    /// Sent by the client (an input member): an `EventStreamSender`; otherwise an
    /// `EventReceiver`.
    pub sender: bool,
}

/// An event stream (`@streaming` union): how each event and error is a message.
#[derive(Clone, Debug, PartialEq)]
pub struct EventStreamDef {
    pub union: Name,
    pub error: Name,
    pub shape_id: String,
    pub docs: Docs,
    pub events: Vec<EventDef>,
    /// The union's `@error` members, as the variants of the error enum.
    pub errors: Vec<EventErrorDef>,
    /// Some input sends it (a marshaller is emitted).
    pub sent: bool,
    /// Some output receives it (an unmarshaller is emitted).
    pub received: bool,
}

/// A non-error member of an event stream union: `:event-type` is its member name.
#[derive(Clone, Debug, PartialEq)]
pub struct EventDef {
    pub variant: Name,
    pub member: String,
    /// The event structure in `crate::types`, or `None` for a `smithy.api#Unit` member.
    pub ty: Option<Name>,
    /// Fields bound to message headers (`@eventHeader`); the header is the member name.
    pub headers: Vec<Name>,
    /// The `@eventPayload` field; without one the other fields form a JSON payload.
    pub payload: Option<Name>,
}

/// An `@error` member of an event stream union: `:exception-type` is its member name.
#[derive(Clone, Debug, PartialEq)]
pub struct EventErrorDef {
    pub variant: ErrorVariant,
    pub member: String,
}

/// A default value (`@default`).
#[derive(Clone, Debug, PartialEq)]
pub enum DefaultValue {
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    /// A variant of a string enum, by its Rust name.
    EnumVariant(Name),
    /// An intEnum value.
    IntEnumValue(i32),
    Blob(Vec<u8>),
    /// Seconds since the epoch.
    Timestamp(i64),
    Document(DocValue),
    EmptyList,
    EmptyMap,
}

/// A document literal.
#[derive(Clone, Debug, PartialEq)]
pub enum DocValue {
    Null,
    Bool(bool),
    PosInt(u64),
    NegInt(i64),
    Float(f64),
    String(String),
    Array(Vec<DocValue>),
    Object(Vec<(String, DocValue)>),
}

/// Value constraints (`@length`, `@range`, `@pattern`). Clients document them on the members
/// and leave them to the service; the server target checks all of them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Constraints {
    pub length: Option<(Option<u64>, Option<u64>)>,
    pub range: Option<(Option<f64>, Option<f64>)>,
    /// An ECMA 262 regular expression the whole value must match somewhere (`@pattern`).
    pub pattern: Option<String>,
    /// For a list, the constraints of each element.
    pub element: Option<Box<Constraints>>,
}

/// A value HTTP carries as text (labels, query values, headers): the scalar types only, so an
/// emitter has a text form for every case.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    String,
    Enum(NamedRef),
    IntEnum(NamedRef),
    Bool,
    Byte,
    Short,
    Integer,
    Long,
    Float,
    Double,
    BigInteger,
    BigDecimal,
    Timestamp { format: Option<TimestampFormat> },
    Blob,
}

/// What a query parameter or header holds: one scalar, or a list of them.
#[derive(Clone, Debug, PartialEq)]
pub enum HttpValue {
    One(Scalar),
    List(Scalar),
}

/// How a top-level input or output member is bound to the HTTP message.
#[derive(Clone, Debug, PartialEq)]
pub enum HttpBinding {
    /// A member of the JSON body (also used for every non-top-level member).
    Body,
    /// A path label; `greedy` for `{name+}`.
    Label { greedy: bool },
    Query(String, HttpValue),
    /// A map of query parameters; the value of each entry.
    QueryParams(HttpValue),
    Header(String, HttpValue),
    PrefixHeaders(String),
    Payload,
    ResponseCode,
}

/// A field of a structure.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: Name,
    /// The Smithy member name (error messages and docs).
    pub member: String,
    pub docs: Docs,
    pub deprecated: Option<Deprecated>,
    pub ty: TypeRef,
    /// Boxed to break a type cycle.
    pub boxed: bool,
    /// `Option<T>` in the struct.
    pub optional: bool,
    /// `@required`: a missing value is refused (inputs) or an error at `build()` (others).
    pub required: bool,
    pub default: Option<DefaultValue>,
    /// Redacted in `Debug`: the member or its target is `@sensitive`.
    pub sensitive: bool,
    /// Property name in JSON (`@jsonName` or the member name).
    pub json_name: String,
    /// Element name and collection layout in XML and form bodies.
    pub xml: XmlMember,
    pub http: HttpBinding,
    /// `@mediaType` of a string/blob target (headers base64-encode such strings).
    pub media_type: Option<String>,
    pub constraints: Constraints,
    pub idempotency_token: bool,
    pub host_label: bool,
}

/// How a member is named and laid out in XML bodies and awsQuery form keys (`@xmlName`,
/// `@xmlAttribute`, `@xmlFlattened`, and the names inside the list or map it holds).
#[derive(Clone, Debug, PartialEq)]
pub struct XmlMember {
    /// `@xmlName`, or the member name (`member`, `key`, `value` inside collections).
    pub name: String,
    /// `@xmlAttribute`: an attribute of the enclosing element.
    pub attribute: bool,
    /// `@xmlFlattened`: list items or map entries sit directly in the enclosing element.
    pub flattened: bool,
    /// For a list or map value: the names of its items.
    pub collection: Option<Box<XmlCollection>>,
}

/// The item names of a list or map member.
#[derive(Clone, Debug, PartialEq)]
pub enum XmlCollection {
    /// A list: each item is a `member` (or its `@xmlName`).
    List { member: XmlMember },
    /// A map: entries of a `key` and a `value` (or their `@xmlName`s).
    Map { key: String, value: XmlMember },
}

/// Whether a type's JSON serializer/deserializer/zero value is needed (so unused ones are not
/// emitted and do not warn).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Uses {
    pub ser: bool,
    pub de: bool,
    /// Needed to fill a required member missing from a response (client error correction).
    pub zero: bool,
    /// A waiter's JMESPath paths can reach it: it converts to the JMESPath data model.
    pub waiter: bool,
}

/// An error structure's extra facts.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorInfo {
    /// `client` or `server` fault.
    pub server_fault: bool,
    /// `@httpError`, or 400/500 by fault.
    pub status: u16,
    /// `@retryable`: `Some(throttling)` when retryable.
    pub retryable: Option<bool>,
    /// The error code on the wire (the shape name, or its rename).
    pub code: String,
}

/// A structure.
#[derive(Clone, Debug, PartialEq)]
pub struct StructDef {
    pub name: Name,
    /// Its builder (`TagBuilder`).
    pub builder: Name,
    pub shape_id: String,
    pub docs: Docs,
    pub deprecated: Option<Deprecated>,
    pub fields: Vec<Field>,
    /// The whole structure is `@sensitive`.
    pub sensitive: bool,
    pub error: Option<ErrorInfo>,
    pub uses: Uses,
    pub module: Module,
}

/// A union variant.
#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    pub name: Name,
    /// Its `is_<variant>` and `as_<variant>` helpers.
    pub is_fn: Name,
    pub as_fn: Name,
    pub member: String,
    pub docs: Docs,
    pub deprecated: Option<Deprecated>,
    /// `None` for members targeting `smithy.api#Unit`.
    pub ty: Option<TypeRef>,
    pub boxed: bool,
    pub json_name: String,
    pub xml: XmlMember,
}

/// A union.
#[derive(Clone, Debug, PartialEq)]
pub struct UnionDef {
    pub name: Name,
    pub shape_id: String,
    pub docs: Docs,
    pub deprecated: Option<Deprecated>,
    pub sensitive: bool,
    pub variants: Vec<Variant>,
    pub uses: Uses,
}

/// A string enum value.
#[derive(Clone, Debug, PartialEq)]
pub struct EnumValue {
    pub name: Name,
    pub value: String,
    pub docs: Docs,
    pub deprecated: Option<Deprecated>,
}

/// A string enum (`enum` or 1.0 `@enum`).
#[derive(Clone, Debug, PartialEq)]
pub struct EnumDef {
    pub name: Name,
    pub shape_id: String,
    pub docs: Docs,
    pub deprecated: Option<Deprecated>,
    pub sensitive: bool,
    pub values: Vec<EnumValue>,
    pub uses: Uses,
}

/// An intEnum value.
#[derive(Clone, Debug, PartialEq)]
pub struct IntEnumValue {
    pub name: Name,
    pub value: i32,
    pub docs: Docs,
    pub deprecated: Option<Deprecated>,
}

/// An intEnum.
#[derive(Clone, Debug, PartialEq)]
pub struct IntEnumDef {
    pub name: Name,
    pub shape_id: String,
    pub docs: Docs,
    pub deprecated: Option<Deprecated>,
    pub values: Vec<IntEnumValue>,
    pub uses: Uses,
}

/// A named type of `crate::types`.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeDef {
    Struct(StructDef),
    Union(UnionDef),
    Enum(EnumDef),
    IntEnum(IntEnumDef),
}

/// One piece of a URI path template.
#[derive(Clone, Debug, PartialEq)]
pub enum PathSegment {
    /// Literal text, already valid in a path (written as is).
    Literal(String),
    /// A label bound to an input field (its Smithy `member` name and value type).
    Label { field: Name, member: String, scalar: Scalar, greedy: bool },
}

/// `@http` facts.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpDef {
    pub method: String,
    pub path: Vec<PathSegment>,
    /// Constant query parameters from the URI (`?operation=tag-resource`): key, optional value,
    /// both already encoded.
    pub query_literals: Vec<(String, Option<String>)>,
    /// Success status code.
    pub code: u16,
}

/// A part of an `@endpoint` host prefix.
#[derive(Clone, Debug, PartialEq)]
pub enum HostSegment {
    Literal(String),
    Label(Name),
}

/// What the body of a request or response is made of.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// The `Body`-bound members as a JSON object (no body when there are none).
    Members,
    /// One `@httpPayload` member (`media_type`: its `@mediaType`).
    Payload { field: Name, kind: PayloadKind, media_type: Option<String> },
}

/// The type of an `@httpPayload` member.
#[derive(Clone, Debug, PartialEq)]
pub enum PayloadKind {
    /// A structure or union, sent as JSON.
    Shape(NamedRef),
    Document,
    String,
    /// An enum payload, sent as its string value.
    Enum(NamedRef),
    Blob,
    ByteStream,
    EventStream(EventStreamRef),
}

/// `@paginated` facts, resolved to fields.
#[derive(Clone, Debug, PartialEq)]
pub struct Paginator {
    /// The paginator type and its items stream (`ListUsersPaginator`, `ListUsersPaginatorItems`).
    pub name: Name,
    pub items_name: Name,
    pub input_token: Name,
    /// Path of fields to the output token (usually one step).
    pub output_token: Vec<PathStep>,
    pub page_size: Option<Name>,
    pub items: Option<PaginatorItems>,
}

/// One field on a path through nested output structures.
#[derive(Clone, Debug, PartialEq)]
pub struct PathStep {
    pub field: Name,
    /// The field is an `Option`.
    pub optional: bool,
}

/// The list (or map) of items a paginator yields.
#[derive(Clone, Debug, PartialEq)]
pub struct PaginatorItems {
    pub path: Vec<PathStep>,
    pub item: TypeRef,
    /// `true` when the model names no `items` and the single list member of the output was
    /// chosen.
    pub inferred: bool,
}

/// Where an operation binds an endpoint parameter from.
#[derive(Clone, Debug, PartialEq)]
pub enum EndpointParamBinding {
    /// `@staticContextParams`: a constant.
    Static { name: String, value: endpoint::ParamValue },
    /// `@contextParam`: an input member (a string, boolean or list of strings).
    Field { name: String, field: Name, ty: TypeRef },
    /// `@operationContextParams`: values a path selects from the input.
    Path { name: String, path: ContextStep, ty: endpoint::ParamType },
}

/// A compiled `operationContextParams` path over the input.
#[derive(Clone, Debug, PartialEq)]
pub enum ContextStep {
    /// Into a structure member.
    Field { field: Name, optional: bool, boxed: bool, next: Box<ContextStep> },
    /// Each element of a list.
    Each { sparse: bool, next: Box<ContextStep> },
    /// Each of several sub-paths from the current value.
    Select(Vec<ContextStep>),
    /// The keys of the current map.
    Keys,
    /// The value reached.
    Leaf(ContextLeaf),
}

/// The kind of value a path reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContextLeaf {
    String,
    Enum,
    Bool,
}

/// A variant of an operation's error enum.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorVariant {
    pub variant: Name,
    /// Its `is_<variant>` helper.
    pub is_fn: Name,
    /// The struct in `crate::types::error`.
    pub ty: Name,
    /// The error code on the wire.
    pub code: String,
    pub docs: Docs,
    /// `@retryable`: `Some(throttling)`.
    pub retryable: Option<bool>,
}

/// An operation.
#[derive(Clone, Debug)]
pub struct OperationDef {
    /// The Smithy name (`CreateAppInstance`).
    pub name: String,
    pub shape_id: String,
    /// `create_app_instance`: the client method and the module.
    pub fn_name: Name,
    /// Type names: the operation marker (`CreateAppInstance`), input, output, error and builders.
    pub type_name: Name,
    /// The fluent builder `Client::<fn_name>()` returns.
    pub fluent_builder: Name,
    pub docs: Docs,
    pub deprecated: Option<Deprecated>,
    pub input: StructDef,
    pub output: StructDef,
    pub error_name: Name,
    pub errors: Vec<ErrorVariant>,
    pub http: HttpDef,
    pub host_prefix: Option<Vec<HostSegment>>,
    pub request_body: Body,
    pub response_body: Body,
    /// The request's `Content-Type` when it has a body of that kind.
    pub request_content_type: Option<String>,
    pub paginator: Option<Paginator>,
    /// `@smithy.waiters#waitable`: the operation's waiters, sorted by name.
    pub waiters: Vec<WaiterDef>,
    /// `@httpChecksumRequired`: the request carries a `Content-MD5`.
    pub checksum_required: bool,
    /// The input's `@streaming` payload is `@requiresLength`: it cannot be sent chunked.
    pub requires_length: bool,
    /// `@auth` lists no scheme this client signs with (`@auth([])`): the request is sent
    /// unsigned, and needs no credentials.
    pub unsigned: bool,
    /// `@optionalAuth`: signed when the client has credentials, sent unsigned when it has no
    /// credentials provider.
    pub optional_auth: bool,
    /// `@requestCompression` encodings the client may apply (`gzip`).
    pub request_compression: Vec<String>,
    /// Endpoint rule-set parameters bound by this operation (`@contextParam` members first,
    /// then `@staticContextParams`, so the most specific binding is applied last).
    pub endpoint_params: Vec<EndpointParamBinding>,
    pub request_tests: Vec<tests::RequestTest>,
    pub response_tests: Vec<tests::ResponseTest>,
    pub event_stream_tests: Vec<tests::EventStreamTest>,
}

/// A waiter (`smithy.waiters#waitable`) of an operation.
#[derive(Clone, Debug, PartialEq)]
pub struct WaiterDef {
    /// The waiter's name in the model (`TableExists`).
    pub name: String,
    /// Its module in `crate::waiters` (`table_exists`).
    pub module: Name,
    /// The client method (`wait_until_table_exists`).
    pub method: Name,
    /// The fluent builder the method returns (`TableExistsFluentBuilder`).
    pub builder: Name,
    /// The success type alias (`TableExistsFinalPoll`).
    pub final_poll: Name,
    /// The error type alias (`WaitUntilTableExistsError`).
    pub error: Name,
    pub docs: Docs,
    pub deprecated: bool,
    /// Seconds.
    pub min_delay: u64,
    pub max_delay: u64,
    pub acceptors: Vec<AcceptorDef>,
}

impl WaiterDef {
    /// Whether an acceptor reads the input (an `inputOutput` matcher).
    pub fn reads_input(&self) -> bool {
        self.acceptors.iter().any(|a| matches!(a.matcher, MatcherDef::InputOutput { .. }))
    }

    /// Whether an acceptor reads the output (a path matcher or a failure message).
    pub fn reads_output(&self) -> bool {
        self.acceptors.iter().any(|a| a.message.is_some() || matches!(a.matcher, MatcherDef::Output { .. } | MatcherDef::InputOutput { .. }))
    }
}

/// The state an acceptor moves a waiter to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaiterState {
    Success,
    Failure,
    Retry,
}

/// A path matcher's comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathComparator {
    StringEquals,
    BooleanEquals,
    AllStringEquals,
    AnyStringEquals,
}

/// When an acceptor matches.
#[derive(Clone, Debug, PartialEq)]
pub enum MatcherDef {
    Output { path: String, comparator: PathComparator, expected: String },
    InputOutput { path: String, comparator: PathComparator, expected: String },
    Success(bool),
    /// The error codes that match: the `errorType` name, and the wire code of the operation's
    /// modeled error of that name when it differs.
    ErrorType(Vec<String>),
}

/// An acceptor.
#[derive(Clone, Debug, PartialEq)]
pub struct AcceptorDef {
    pub state: WaiterState,
    pub matcher: MatcherDef,
    /// A JMESPath expression over the output giving a failure message.
    pub message: Option<String>,
}
