//! The API summary: what a generated crate offers, in a small deterministic JSON file
//! (`api-summary.json`) written beside the crate's sources.
//!
//! It records, from the IR, exactly the facts the report compares: the Rust names and types the
//! emitters produce (field types, whether a builder's `build()` returns `Result`, enum variants,
//! error variants, paginators) and the wire facts Smithy's compatibility rules look at (JSON
//! and XML names, HTTP bindings, timestamp formats, constraints, required-ness, defaults, error
//! codes and statuses, resource bindings). Documentation is kept only as a hash per item, so
//! doc-only edits are noticed without storing the text twice.
//!
//! The file is one of the generated files (`--check` covers it); the next regeneration reads it
//! back with [`ApiSummary::from_json`] to learn the previous API without the previous model.

use crate::emit::common::{field_type, rust_type};
use crate::emit::types::build_is_fallible;
use crate::ir::{self, Constraints, Crate, DefaultValue, Field, HttpBinding, HttpValue, Scalar, StructDef, TimestampFormat, TypeRef};
use indexmap::IndexMap;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The file's name in the crate's root.
pub const SUMMARY_FILE: &str = "api-summary.json";

/// The layout version of the file; a reader refuses a newer one.
pub const FORMAT: u64 = 1;

/// A whole crate's API.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApiSummary {
    /// The crate's name and version when the summary was written.
    pub crate_name: String,
    pub version: String,
    pub service: ServiceSummary,
    /// By Smithy operation name.
    pub operations: BTreeMap<String, OperationSummary>,
    /// Types of `crate::types`, by Rust name.
    pub structures: BTreeMap<String, StructSummary>,
    pub unions: BTreeMap<String, UnionSummary>,
    pub enums: BTreeMap<String, EnumSummary>,
    /// Modeled errors of `crate::types::error`, by Rust name.
    pub errors: BTreeMap<String, ErrorSummary>,
}

/// The service shape and what it binds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceSummary {
    pub id: String,
    pub api_version: String,
    pub sdk_id: String,
    /// `restJson1`, `awsQuery`.
    pub protocol: String,
    pub signing_name: Option<String>,
    pub docs: String,
    /// `@clientContextParams`: settings of the client's `Config`.
    pub config: Vec<String>,
    /// A hash of the endpoint rule set's parameters and rules (not its tests).
    pub endpoint_rules: Option<String>,
    /// Operations bound to the service itself (shape ids).
    pub operations: Vec<String>,
    /// Resources by shape id.
    pub resources: BTreeMap<String, ResourceSummary>,
}

/// A resource: what binds it and the operations it binds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResourceSummary {
    pub parent: String,
    pub operations: Vec<String>,
}

/// An operation: its client method, HTTP request, errors, input, output, paginator and waiters.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OperationSummary {
    pub id: String,
    /// The client method (`create_app_instance`).
    pub rust: String,
    pub docs: String,
    pub deprecated: bool,
    /// `METHOD /path/{label}?literal CODE`.
    pub http: String,
    pub host_prefix: Option<String>,
    /// `sigv4`, `optional` (`@optionalAuth`) or `none`.
    pub auth: String,
    pub checksum_required: bool,
    pub compression: Vec<String>,
    /// Rust names of the errors in the operation's error enum, sorted.
    pub errors: Vec<String>,
    pub input: StructSummary,
    pub output: StructSummary,
    pub paginator: Option<PaginatorSummary>,
    /// Waiters by name.
    pub waiters: BTreeMap<String, WaiterSummary>,
}

/// `@paginated`, as the generated paginator uses it (Rust field names).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PaginatorSummary {
    /// The paginator type (`ListUsersPaginator`).
    pub rust: String,
    pub input_token: String,
    /// Dotted path of fields.
    pub output_token: String,
    pub page_size: Option<String>,
    /// `path: ItemType`.
    pub items: Option<String>,
}

/// A waiter: its acceptors, as a hash (what a waiter waits for is behaviour, not API).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WaiterSummary {
    pub rust: String,
    pub acceptors: String,
    pub docs: String,
}

/// Whether a builder's `build()` returns `Result`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Build {
    #[default]
    Fallible,
    Infallible,
}

/// A structure (or an operation's input or output).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StructSummary {
    pub id: String,
    pub docs: String,
    pub deprecated: bool,
    pub sensitive: bool,
    pub build: Build,
    /// By Smithy member name, in model order.
    pub members: IndexMap<String, MemberSummary>,
}

/// A structure member.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemberSummary {
    /// The field name.
    pub rust: String,
    /// The field's Rust type as emitted (`Option<Vec<crate::types::Tag>>`).
    pub rust_type: String,
    /// What goes on the wire: the target's kind, named types by name, timestamp formats.
    pub shape: String,
    pub required: bool,
    pub default: Option<String>,
    /// The JSON property name (restJson1), when it differs from the member name.
    pub json: Option<String>,
    /// XML element and form key layout (awsQuery).
    pub xml: Option<String>,
    /// The HTTP binding, when not the body: `label`, `query:name`, `header:Name`, ...
    pub http: Option<String>,
    pub constraints: Constraints,
    pub sensitive: bool,
    pub idempotency_token: bool,
    pub host_label: bool,
    pub media_type: Option<String>,
    pub deprecated: bool,
    pub docs: String,
}

/// A union.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UnionSummary {
    pub id: String,
    pub docs: String,
    pub deprecated: bool,
    pub sensitive: bool,
    /// By Smithy member name.
    pub variants: IndexMap<String, VariantSummary>,
}

/// A union variant.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VariantSummary {
    pub rust: String,
    /// `None` for a unit variant.
    pub rust_type: Option<String>,
    pub shape: String,
    pub json: Option<String>,
    pub xml: Option<String>,
    pub deprecated: bool,
    pub docs: String,
}

/// A string enum or an intEnum.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EnumSummary {
    pub id: String,
    pub docs: String,
    pub deprecated: bool,
    pub sensitive: bool,
    /// An intEnum (values are integers, written as text).
    pub int: bool,
    /// By wire value.
    pub values: IndexMap<String, EnumValueSummary>,
}

/// An enum value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EnumValueSummary {
    /// The variant name.
    pub rust: String,
    pub deprecated: bool,
    pub docs: String,
}

/// A modeled error.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ErrorSummary {
    /// The error code on the wire.
    pub code: String,
    pub status: u16,
    /// `client` or `server`.
    pub fault: String,
    /// `@retryable`: `retryable` or `throttling`.
    pub retryable: Option<String>,
    pub structure: StructSummary,
}

impl ApiSummary {
    /// The summary of the crate the emitters write from `krate`.
    pub fn of(krate: &Crate) -> ApiSummary {
        let protocol = krate.service.protocol;
        let mut s = ApiSummary {
            crate_name: krate.package.name.clone(),
            version: krate.package.version.clone(),
            service: service(krate),
            ..Default::default()
        };
        for op in &krate.operations {
            s.operations.insert(op.name.clone(), operation(op, protocol));
        }
        for t in &krate.types {
            match t {
                ir::TypeDef::Struct(d) => {
                    s.structures.insert(d.name.bare().to_string(), structure(d, protocol));
                }
                ir::TypeDef::Union(u) => {
                    s.unions.insert(u.name.bare().to_string(), union(u, protocol));
                }
                ir::TypeDef::Enum(ir::EnumDef { name, shape_id, docs, deprecated, sensitive, values, uses: _ }) => {
                    let values = values
                        .iter()
                        .map(|ir::EnumValue { name, value, docs, deprecated }| (value.clone(), enum_value(name, deprecated, docs)))
                        .collect();
                    let summary =
                        EnumSummary { id: shape_id.clone(), docs: hash_docs(docs), deprecated: deprecated.is_some(), sensitive: *sensitive, int: false, values };
                    s.enums.insert(name.bare().to_string(), summary);
                }
                ir::TypeDef::IntEnum(ir::IntEnumDef { name, shape_id, docs, deprecated, values, uses: _ }) => {
                    let values = values
                        .iter()
                        .map(|ir::IntEnumValue { name, value, docs, deprecated }| (value.to_string(), enum_value(name, deprecated, docs)))
                        .collect();
                    let summary = EnumSummary { id: shape_id.clone(), docs: hash_docs(docs), deprecated: deprecated.is_some(), sensitive: false, int: true, values };
                    s.enums.insert(name.bare().to_string(), summary);
                }
            }
        }
        for e in &krate.errors {
            let default = ir::ErrorInfo { server_fault: false, status: 0, retryable: None, code: String::new() };
            let ir::ErrorInfo { server_fault, status, retryable, code } = e.error.as_ref().unwrap_or(&default);
            let summary = ErrorSummary {
                code: code.clone(),
                status: *status,
                fault: if *server_fault { "server" } else { "client" }.to_string(),
                retryable: retryable.map(|t| if t { "throttling" } else { "retryable" }.to_string()),
                structure: structure(e, protocol),
            };
            s.errors.insert(e.name.bare().to_string(), summary);
        }
        s
    }
}

fn service(krate: &Crate) -> ServiceSummary {
    let ir::ServiceDef { shape_id, title: _, docs, version, sdk_id, signing_name, env_suffix: _, client_context_params, protocol, bound_operations, resources } =
        &krate.service;
    let endpoint_rules = krate.endpoint.as_ref().map(|rules| {
        let params: Vec<_> = rules.params.iter().map(|p| (&p.name, p.ty, p.required, &p.default, &p.built_in)).collect();
        hash(&format!("{params:?}{:?}", rules.rules))
    });
    ServiceSummary {
        id: shape_id.clone(),
        api_version: version.clone(),
        sdk_id: sdk_id.clone(),
        protocol: protocol_name(*protocol).to_string(),
        signing_name: signing_name.clone(),
        docs: hash_docs(docs),
        config: client_context_params.iter().map(|(n, _)| n.clone()).collect(),
        endpoint_rules,
        operations: bound_operations.clone(),
        resources: resources.iter().map(|r| (r.shape_id.clone(), ResourceSummary { parent: r.parent.clone(), operations: r.operations.clone() })).collect(),
    }
}

fn protocol_name(p: ir::Protocol) -> &'static str {
    match p {
        ir::Protocol::RestJson1 => "restJson1",
        ir::Protocol::AwsQuery => "awsQuery",
    }
}

fn operation(op: &ir::OperationDef, protocol: ir::Protocol) -> OperationSummary {
    // Exhaustive, so that a new IR field makes this summary decide whether it is API.
    let ir::OperationDef {
        name: _,
        shape_id,
        fn_name,
        type_name: _,
        fluent_builder: _,
        docs,
        deprecated,
        input,
        output,
        error_name: _,
        errors,
        http,
        host_prefix,
        request_body: _,
        response_body: _,
        request_content_type: _,
        paginator,
        waiters,
        checksum_required,
        // Implied by the payload's type (a streaming blob) and its target's trait; not API.
        requires_length: _,
        unsigned,
        optional_auth,
        request_compression,
        endpoint_params: _,
        request_tests: _,
        response_tests: _,
        event_stream_tests: _,
    } = op;
    let mut errors: Vec<String> = errors.iter().map(|e| e.ty.bare().to_string()).collect();
    errors.sort();
    OperationSummary {
        id: shape_id.clone(),
        rust: fn_name.bare().to_string(),
        docs: hash_docs(docs),
        deprecated: deprecated.is_some(),
        http: http_line(http),
        host_prefix: host_prefix.as_ref().map(|segments| {
            segments
                .iter()
                .map(|s| match s {
                    ir::HostSegment::Literal(l) => l.clone(),
                    ir::HostSegment::Label(n) => format!("{{{}}}", n.bare()),
                })
                .collect()
        }),
        auth: if *unsigned {
            "none"
        } else if *optional_auth {
            "optional"
        } else {
            "sigv4"
        }
        .to_string(),
        checksum_required: *checksum_required,
        compression: request_compression.clone(),
        errors,
        input: structure(input, protocol),
        output: structure(output, protocol),
        paginator: paginator.as_ref().map(|p| PaginatorSummary {
            rust: p.name.bare().to_string(),
            input_token: p.input_token.bare().to_string(),
            output_token: path(&p.output_token),
            page_size: p.page_size.as_ref().map(|n| n.bare().to_string()),
            items: p.items.as_ref().map(|i| format!("{}: {}", path(&i.path), type_text(&rust_type(&i.item).to_string()))),
        }),
        waiters: waiters
            .iter()
            .map(|w| {
                // What a waiter waits for (acceptors, delays) is behaviour: one hash.
                let behaviour = format!("{:?} {} {}", w.acceptors, w.min_delay, w.max_delay);
                let summary = WaiterSummary { rust: w.method.bare().to_string(), acceptors: hash(&behaviour), docs: hash_docs(&w.docs) };
                (w.name.clone(), summary)
            })
            .collect(),
    }
}

fn path(steps: &[ir::PathStep]) -> String {
    steps.iter().map(|s| s.field.bare()).collect::<Vec<_>>().join(".")
}

/// `POST /app-instances/{AppInstanceArn}?operation=x 200`.
fn http_line(h: &ir::HttpDef) -> String {
    let mut uri = String::new();
    for seg in &h.path {
        match seg {
            ir::PathSegment::Literal(l) => uri.push_str(l),
            ir::PathSegment::Label { member, greedy, .. } => uri.push_str(&format!("{{{member}{}}}", if *greedy { "+" } else { "" })),
        }
    }
    if uri.is_empty() {
        uri.push('/');
    }
    for (i, (k, v)) in h.query_literals.iter().enumerate() {
        uri.push(if i == 0 { '?' } else { '&' });
        uri.push_str(k);
        if let Some(v) = v {
            uri.push('=');
            uri.push_str(v);
        }
    }
    format!("{} {uri} {}", h.method, h.code)
}

fn structure(s: &StructDef, protocol: ir::Protocol) -> StructSummary {
    // `error` is summarised by the caller; `uses` and `module` are not API.
    let StructDef { name: _, builder: _, shape_id, docs, deprecated, fields, sensitive, error: _, uses: _, module: _ } = s;
    StructSummary {
        id: shape_id.clone(),
        docs: hash_docs(docs),
        deprecated: deprecated.is_some(),
        sensitive: *sensitive,
        build: if build_is_fallible(s) { Build::Fallible } else { Build::Infallible },
        members: fields.iter().map(|f| (f.member.clone(), member(f, protocol))).collect(),
    }
}

fn member(f: &Field, protocol: ir::Protocol) -> MemberSummary {
    let Field {
        name,
        member,
        docs,
        deprecated,
        ty,
        boxed: _,
        optional: _,
        required,
        default,
        sensitive,
        json_name,
        xml,
        http,
        media_type,
        constraints,
        idempotency_token,
        host_label,
    } = f;
    MemberSummary {
        rust: name.bare().to_string(),
        // Boxing and `Option` are in the field's type as emitted.
        rust_type: type_text(&field_type(f).to_string()),
        shape: shape_text(ty),
        required: *required,
        default: default.as_ref().map(default_text),
        json: (protocol == ir::Protocol::RestJson1 && json_name != member).then(|| json_name.clone()),
        xml: (protocol == ir::Protocol::AwsQuery).then(|| xml_text(xml)),
        http: http_text(http),
        constraints: constraints.clone(),
        sensitive: *sensitive,
        idempotency_token: *idempotency_token,
        host_label: *host_label,
        media_type: media_type.clone(),
        deprecated: deprecated.is_some(),
        docs: hash_docs(docs),
    }
}

fn union(u: &ir::UnionDef, protocol: ir::Protocol) -> UnionSummary {
    let ir::UnionDef { name: _, shape_id, docs, deprecated, sensitive, variants, uses: _ } = u;
    let variants = variants
        .iter()
        .map(|v| {
            let ir::Variant { name, is_fn: _, as_fn: _, member, docs, deprecated, ty, boxed, json_name, xml } = v;
            let rust_type = ty.as_ref().map(|t| {
                let t = type_text(&rust_type(t).to_string());
                if *boxed { format!("Box<{t}>") } else { t }
            });
            let summary = VariantSummary {
                rust: name.bare().to_string(),
                rust_type,
                shape: ty.as_ref().map_or_else(|| "unit".to_string(), shape_text),
                json: (protocol == ir::Protocol::RestJson1 && json_name != member).then(|| json_name.clone()),
                xml: (protocol == ir::Protocol::AwsQuery).then(|| xml_text(xml)),
                deprecated: deprecated.is_some(),
                docs: hash_docs(docs),
            };
            (member.clone(), summary)
        })
        .collect();
    UnionSummary { id: shape_id.clone(), docs: hash_docs(docs), deprecated: deprecated.is_some(), sensitive: *sensitive, variants }
}

fn enum_value(name: &crate::naming::Name, deprecated: &Option<ir::Deprecated>, docs: &ir::Docs) -> EnumValueSummary {
    EnumValueSummary { rust: name.bare().to_string(), deprecated: deprecated.is_some(), docs: hash_docs(docs) }
}

/// A Rust type from its token text, without the token spacing (`Option<Vec<String>>`).
fn type_text(tokens: &str) -> String {
    tokens.replace(' ', "").replace(',', ", ")
}

/// The wire kind of a value: scalar kinds by their Smithy names, named types by kind and name,
/// timestamps with their format.
pub fn shape_text(t: &TypeRef) -> String {
    match t {
        TypeRef::Bool => "boolean".into(),
        TypeRef::Byte => "byte".into(),
        TypeRef::Short => "short".into(),
        TypeRef::Integer => "integer".into(),
        TypeRef::Long => "long".into(),
        TypeRef::Float => "float".into(),
        TypeRef::Double => "double".into(),
        TypeRef::BigInteger => "bigInteger".into(),
        TypeRef::BigDecimal => "bigDecimal".into(),
        TypeRef::String => "string".into(),
        TypeRef::Blob => "blob".into(),
        TypeRef::ByteStream => "streaming blob".into(),
        TypeRef::EventStream(es) => format!("event stream {}", es.union.bare()),
        TypeRef::Timestamp { format: None } => "timestamp".into(),
        TypeRef::Timestamp { format: Some(f) } => format!("timestamp({})", timestamp_text(*f)),
        TypeRef::Document => "document".into(),
        TypeRef::Named(n) => {
            let kind = match n.kind {
                ir::NamedKind::Struct => "structure",
                ir::NamedKind::Union => "union",
                ir::NamedKind::Enum => "enum",
                ir::NamedKind::IntEnum => "intEnum",
            };
            format!("{kind} {}", n.name.bare())
        }
        TypeRef::List { member, sparse } => format!("{}list<{}>", if *sparse { "sparse " } else { "" }, shape_text(member)),
        TypeRef::Map { key, value, sparse } => format!("{}map<{}, {}>", if *sparse { "sparse " } else { "" }, shape_text(key), shape_text(value)),
    }
}

fn timestamp_text(f: TimestampFormat) -> &'static str {
    match f {
        TimestampFormat::DateTime => "date-time",
        TimestampFormat::HttpDate => "http-date",
        TimestampFormat::EpochSeconds => "epoch-seconds",
    }
}

fn scalar_text(s: &Scalar) -> String {
    match s {
        Scalar::String => "string".into(),
        Scalar::Enum(n) => format!("enum {}", n.name.bare()),
        Scalar::IntEnum(n) => format!("intEnum {}", n.name.bare()),
        Scalar::Bool => "boolean".into(),
        Scalar::Byte => "byte".into(),
        Scalar::Short => "short".into(),
        Scalar::Integer => "integer".into(),
        Scalar::Long => "long".into(),
        Scalar::Float => "float".into(),
        Scalar::Double => "double".into(),
        Scalar::BigInteger => "bigInteger".into(),
        Scalar::BigDecimal => "bigDecimal".into(),
        Scalar::Timestamp { format: None } => "timestamp".into(),
        Scalar::Timestamp { format: Some(f) } => format!("timestamp({})", timestamp_text(*f)),
        Scalar::Blob => "blob".into(),
    }
}

fn http_value_text(v: &HttpValue) -> String {
    match v {
        HttpValue::One(s) => scalar_text(s),
        HttpValue::List(s) => format!("list<{}>", scalar_text(s)),
    }
}

/// The binding of a top-level member, `None` for the body. Header and query value types are
/// part of the binding: their text form on the wire depends on them (timestamps especially).
fn http_text(b: &HttpBinding) -> Option<String> {
    Some(match b {
        HttpBinding::Body => return None,
        HttpBinding::Label { greedy: false } => "label".into(),
        HttpBinding::Label { greedy: true } => "greedy label".into(),
        HttpBinding::Query(name, v) => format!("query {name} ({})", http_value_text(v)),
        HttpBinding::QueryParams(v) => format!("query params ({})", http_value_text(v)),
        HttpBinding::Header(name, v) => format!("header {name} ({})", http_value_text(v)),
        HttpBinding::PrefixHeaders(p) => format!("prefix headers {p}"),
        HttpBinding::Payload => "payload".into(),
        HttpBinding::ResponseCode => "response code".into(),
    })
}

fn xml_text(x: &ir::XmlMember) -> String {
    let mut out = x.name.clone();
    if x.attribute {
        out.push_str(" attribute");
    }
    if x.flattened {
        out.push_str(" flattened");
    }
    match x.collection.as_deref() {
        None => {}
        Some(ir::XmlCollection::List { member }) => out.push_str(&format!(" [{}]", xml_text(member))),
        Some(ir::XmlCollection::Map { key, value }) => out.push_str(&format!(" {{{key}: {}}}", xml_text(value))),
    }
    out
}

fn default_text(d: &DefaultValue) -> String {
    match d {
        DefaultValue::Bool(b) => b.to_string(),
        DefaultValue::Int(i) => i.to_string(),
        DefaultValue::Float(f) => f.to_string(),
        DefaultValue::String(s) => Value::String(s.clone()).to_string(),
        DefaultValue::EnumVariant(n) => n.bare().to_string(),
        DefaultValue::IntEnumValue(i) => i.to_string(),
        DefaultValue::Blob(b) => format!("blob of {} bytes", b.len()),
        DefaultValue::Timestamp(t) => format!("timestamp {t}"),
        DefaultValue::Document(d) => format!("{d:?}"),
        DefaultValue::EmptyList => "[]".into(),
        DefaultValue::EmptyMap => "{}".into(),
    }
}

fn hash_docs(d: &ir::Docs) -> String {
    hash(&d.0.join("\n"))
}

/// FNV-1a (64 bits, folded to 32 and written as 8 hex digits): stable across platforms and
/// Rust versions, unlike `DefaultHasher`, and plenty to notice that a text changed.
pub fn hash(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:08x}", (h >> 32) ^ (h & 0xffff_ffff))
}

// ---- JSON ----------------------------------------------------------------------------------

impl ApiSummary {
    /// The file's contents: a fixed key order, small records on one line (so a changed member
    /// is a one-line diff in review), a trailing newline.
    pub fn to_json(&self) -> String {
        let mut root = Map::new();
        root.insert("format".into(), json!(FORMAT));
        root.insert("generated_by".into(), json!("cargo xtask codegen; compared on the next regeneration to report API changes"));
        root.insert("crate".into(), json!(self.crate_name));
        root.insert("version".into(), json!(self.version));
        root.insert("service".into(), service_json(&self.service));
        root.insert("operations".into(), Value::Object(self.operations.iter().map(|(k, v)| (k.clone(), operation_json(v))).collect()));
        root.insert("structures".into(), Value::Object(self.structures.iter().map(|(k, v)| (k.clone(), struct_json(v))).collect()));
        root.insert("unions".into(), Value::Object(self.unions.iter().map(|(k, v)| (k.clone(), union_json(v))).collect()));
        root.insert("enums".into(), Value::Object(self.enums.iter().map(|(k, v)| (k.clone(), enum_json(v))).collect()));
        root.insert("errors".into(), Value::Object(self.errors.iter().map(|(k, v)| (k.clone(), error_json(v))).collect()));
        let mut out = String::new();
        print(&Value::Object(root), 0, &mut out);
        out.push('\n');
        out
    }

    /// Reads a summary written by [`Self::to_json`] (of this format version or an older one).
    pub fn from_json(text: &str) -> Result<ApiSummary, String> {
        let root: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        let r = Obj::new(&root, "the summary")?;
        let format = root.get("format").and_then(Value::as_u64).ok_or("missing `format`")?;
        if format > FORMAT {
            return Err(format!("format {format} is newer than this generator's ({FORMAT})"));
        }
        let mut s = ApiSummary { crate_name: r.string("crate")?, version: r.string("version")?, ..Default::default() };
        s.service = service_from(&r.object("service")?)?;
        for (k, v) in r.entries("operations")? {
            s.operations.insert(k.clone(), operation_from(&Obj::new(v, k)?)?);
        }
        for (k, v) in r.entries("structures")? {
            s.structures.insert(k.clone(), struct_from(&Obj::new(v, k)?)?);
        }
        for (k, v) in r.entries("unions")? {
            s.unions.insert(k.clone(), union_from(&Obj::new(v, k)?)?);
        }
        for (k, v) in r.entries("enums")? {
            s.enums.insert(k.clone(), enum_from(&Obj::new(v, k)?)?);
        }
        for (k, v) in r.entries("errors")? {
            let o = Obj::new(v, k)?;
            let e = ErrorSummary {
                code: o.string("code")?,
                status: o.0.get("status").and_then(Value::as_u64).unwrap_or(0) as u16,
                fault: o.string("fault")?,
                retryable: o.opt_string("retryable")?,
                structure: struct_from(&o)?,
            };
            s.errors.insert(k.clone(), e);
        }
        Ok(s)
    }
}

/// Maps whose entries are records printed on one line each (so a changed member, variant or
/// enum value is a one-line change in review).
const RECORD_MAPS: &[&str] = &["members", "variants", "values", "resources", "waiters"];

/// Writes `v` at `indent`: objects one entry per line, records and short lists on one line.
fn print(v: &Value, indent: usize, out: &mut String) {
    let entries: Vec<(&String, &Value)> = match v {
        Value::Object(m) if !m.is_empty() => m.iter().collect(),
        // Lists (of strings here): one line when short, else one item per line.
        Value::Array(items) if v.to_string().len() > 100 => {
            let pad = " ".repeat(indent + 2);
            let lines: Vec<String> = items.iter().map(|i| format!("{pad}{i}")).collect();
            out.push_str(&format!("[\n{}\n{}]", lines.join(",\n"), " ".repeat(indent)));
            return;
        }
        _ => {
            out.push_str(&v.to_string());
            return;
        }
    };
    out.push_str("{\n");
    let pad = " ".repeat(indent + 2);
    for (i, (k, v)) in entries.iter().enumerate() {
        out.push_str(&pad);
        out.push_str(&Value::String((*k).clone()).to_string());
        out.push_str(": ");
        if RECORD_MAPS.contains(&k.as_str()) || k.as_str() == "paginator" {
            print_records(v, indent + 2, k.as_str() == "paginator", out);
        } else {
            print(v, indent + 2, out);
        }
        if i + 1 < entries.len() {
            out.push(',');
        }
        out.push('\n');
    }
    out.push_str(&" ".repeat(indent));
    out.push('}');
}

/// A map of records, one per line (or, with `single`, one record on one line).
fn print_records(v: &Value, indent: usize, single: bool, out: &mut String) {
    match v {
        Value::Object(m) if !single && !m.is_empty() => {
            out.push_str("{\n");
            let pad = " ".repeat(indent + 2);
            for (i, (k, r)) in m.iter().enumerate() {
                out.push_str(&format!("{pad}{}: {r}", Value::String(k.clone())));
                out.push_str(if i + 1 < m.len() { ",\n" } else { "\n" });
            }
            out.push_str(&" ".repeat(indent));
            out.push('}');
        }
        _ => out.push_str(&v.to_string()),
    }
}

/// Inserts `v` unless it is the default (false, empty, absent), keeping records short.
fn put(m: &mut Map<String, Value>, key: &str, v: Value) {
    let skip = match &v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::String(s) => s.is_empty(),
        Value::Number(_) => false,
    };
    if !skip {
        m.insert(key.into(), v);
    }
}

fn service_json(s: &ServiceSummary) -> Value {
    let mut m = Map::new();
    put(&mut m, "id", json!(s.id));
    put(&mut m, "api_version", json!(s.api_version));
    put(&mut m, "sdk_id", json!(s.sdk_id));
    put(&mut m, "protocol", json!(s.protocol));
    put(&mut m, "signing_name", json!(s.signing_name));
    put(&mut m, "docs", json!(s.docs));
    put(&mut m, "config", json!(s.config));
    put(&mut m, "endpoint_rules", json!(s.endpoint_rules));
    put(&mut m, "operations", json!(s.operations));
    let resources: Map<String, Value> =
        s.resources.iter().map(|(k, r)| (k.clone(), json!({"parent": r.parent, "operations": r.operations}))).collect();
    put(&mut m, "resources", Value::Object(resources));
    Value::Object(m)
}

fn operation_json(o: &OperationSummary) -> Value {
    let mut m = Map::new();
    put(&mut m, "id", json!(o.id));
    put(&mut m, "rust", json!(o.rust));
    put(&mut m, "docs", json!(o.docs));
    put(&mut m, "deprecated", json!(o.deprecated));
    put(&mut m, "http", json!(o.http));
    put(&mut m, "host_prefix", json!(o.host_prefix));
    put(&mut m, "auth", json!(o.auth));
    put(&mut m, "checksum_required", json!(o.checksum_required));
    put(&mut m, "compression", json!(o.compression));
    put(&mut m, "errors", json!(o.errors));
    m.insert("input".into(), struct_json(&o.input));
    m.insert("output".into(), struct_json(&o.output));
    if let Some(p) = &o.paginator {
        let mut pm = Map::new();
        put(&mut pm, "rust", json!(p.rust));
        put(&mut pm, "input_token", json!(p.input_token));
        put(&mut pm, "output_token", json!(p.output_token));
        put(&mut pm, "page_size", json!(p.page_size));
        put(&mut pm, "items", json!(p.items));
        m.insert("paginator".into(), Value::Object(pm));
    }
    let waiters: Map<String, Value> =
        o.waiters.iter().map(|(k, w)| (k.clone(), json!({"rust": w.rust, "acceptors": w.acceptors, "docs": w.docs}))).collect();
    put(&mut m, "waiters", Value::Object(waiters));
    Value::Object(m)
}

fn struct_fields(s: &StructSummary, m: &mut Map<String, Value>) {
    put(m, "id", json!(s.id));
    put(m, "docs", json!(s.docs));
    put(m, "deprecated", json!(s.deprecated));
    put(m, "sensitive", json!(s.sensitive));
    put(m, "build", json!(match s.build {
        Build::Fallible => "Result",
        Build::Infallible => "value",
    }));
    let members: Map<String, Value> = s.members.iter().map(|(k, v)| (k.clone(), member_json(v))).collect();
    m.insert("members".into(), Value::Object(members));
}

fn struct_json(s: &StructSummary) -> Value {
    let mut m = Map::new();
    struct_fields(s, &mut m);
    Value::Object(m)
}

fn error_json(e: &ErrorSummary) -> Value {
    let mut m = Map::new();
    put(&mut m, "code", json!(e.code));
    put(&mut m, "status", json!(e.status));
    put(&mut m, "fault", json!(e.fault));
    put(&mut m, "retryable", json!(e.retryable));
    struct_fields(&e.structure, &mut m);
    Value::Object(m)
}

fn member_json(f: &MemberSummary) -> Value {
    let mut m = Map::new();
    put(&mut m, "rust", json!(f.rust));
    put(&mut m, "type", json!(f.rust_type));
    put(&mut m, "shape", json!(f.shape));
    put(&mut m, "required", json!(f.required));
    put(&mut m, "default", json!(f.default));
    put(&mut m, "json", json!(f.json));
    put(&mut m, "xml", json!(f.xml));
    put(&mut m, "http", json!(f.http));
    constraints_json(&f.constraints, &mut m);
    put(&mut m, "sensitive", json!(f.sensitive));
    put(&mut m, "idempotency_token", json!(f.idempotency_token));
    put(&mut m, "host_label", json!(f.host_label));
    put(&mut m, "media_type", json!(f.media_type));
    put(&mut m, "deprecated", json!(f.deprecated));
    put(&mut m, "docs", json!(f.docs));
    Value::Object(m)
}

fn constraints_json(c: &Constraints, m: &mut Map<String, Value>) {
    if let Some((min, max)) = c.length {
        m.insert("length".into(), json!([min, max]));
    }
    if let Some((min, max)) = c.range {
        m.insert("range".into(), json!([min, max]));
    }
    put(m, "pattern", json!(c.pattern));
    if let Some(e) = &c.element {
        let mut em = Map::new();
        constraints_json(e, &mut em);
        m.insert("items".into(), Value::Object(em));
    }
}

fn union_json(u: &UnionSummary) -> Value {
    let mut m = Map::new();
    put(&mut m, "id", json!(u.id));
    put(&mut m, "docs", json!(u.docs));
    put(&mut m, "deprecated", json!(u.deprecated));
    put(&mut m, "sensitive", json!(u.sensitive));
    let variants: Map<String, Value> = u
        .variants
        .iter()
        .map(|(k, v)| {
            let mut vm = Map::new();
            put(&mut vm, "rust", json!(v.rust));
            put(&mut vm, "type", json!(v.rust_type));
            put(&mut vm, "shape", json!(v.shape));
            put(&mut vm, "json", json!(v.json));
            put(&mut vm, "xml", json!(v.xml));
            put(&mut vm, "deprecated", json!(v.deprecated));
            put(&mut vm, "docs", json!(v.docs));
            (k.clone(), Value::Object(vm))
        })
        .collect();
    m.insert("variants".into(), Value::Object(variants));
    Value::Object(m)
}

fn enum_json(e: &EnumSummary) -> Value {
    let mut m = Map::new();
    put(&mut m, "id", json!(e.id));
    put(&mut m, "docs", json!(e.docs));
    put(&mut m, "deprecated", json!(e.deprecated));
    put(&mut m, "sensitive", json!(e.sensitive));
    put(&mut m, "int", json!(e.int));
    let values: Map<String, Value> = e
        .values
        .iter()
        .map(|(k, v)| {
            let mut vm = Map::new();
            put(&mut vm, "rust", json!(v.rust));
            put(&mut vm, "deprecated", json!(v.deprecated));
            put(&mut vm, "docs", json!(v.docs));
            (k.clone(), Value::Object(vm))
        })
        .collect();
    m.insert("values".into(), Value::Object(values));
    Value::Object(m)
}

/// A JSON object being read, with errors that name where.
struct Obj<'a>(&'a Map<String, Value>, String);

impl<'a> Obj<'a> {
    fn new(v: &'a Value, at: &str) -> Result<Obj<'a>, String> {
        v.as_object().map(|m| Obj(m, at.to_string())).ok_or_else(|| format!("{at}: expected an object"))
    }

    fn string(&self, key: &str) -> Result<String, String> {
        Ok(self.opt_string(key)?.unwrap_or_default())
    }

    fn opt_string(&self, key: &str) -> Result<Option<String>, String> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("{}: `{key}` must be a string", self.1)),
        }
    }

    fn flag(&self, key: &str) -> Result<bool, String> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(format!("{}: `{key}` must be a boolean", self.1)),
        }
    }

    fn strings(&self, key: &str) -> Result<Vec<String>, String> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| v.as_str().map(str::to_string).ok_or_else(|| format!("{}: `{key}` must hold strings", self.1)))
                .collect(),
            Some(_) => Err(format!("{}: `{key}` must be a list", self.1)),
        }
    }

    fn object(&self, key: &str) -> Result<Obj<'a>, String> {
        let v = self.0.get(key).ok_or_else(|| format!("{}: missing `{key}`", self.1))?;
        Obj::new(v, &format!("{}.{key}", self.1))
    }

    fn entries(&self, key: &str) -> Result<Vec<(&'a String, &'a Value)>, String> {
        match self.0.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Object(m)) => Ok(m.iter().collect()),
            Some(_) => Err(format!("{}: `{key}` must be an object", self.1)),
        }
    }
}

fn service_from(o: &Obj) -> Result<ServiceSummary, String> {
    let mut resources = BTreeMap::new();
    for (k, v) in o.entries("resources")? {
        let r = Obj::new(v, k)?;
        resources.insert(k.clone(), ResourceSummary { parent: r.string("parent")?, operations: r.strings("operations")? });
    }
    Ok(ServiceSummary {
        id: o.string("id")?,
        api_version: o.string("api_version")?,
        sdk_id: o.string("sdk_id")?,
        protocol: o.string("protocol")?,
        signing_name: o.opt_string("signing_name")?,
        docs: o.string("docs")?,
        config: o.strings("config")?,
        endpoint_rules: o.opt_string("endpoint_rules")?,
        operations: o.strings("operations")?,
        resources,
    })
}

fn operation_from(o: &Obj) -> Result<OperationSummary, String> {
    let paginator = match o.0.get("paginator") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let p = Obj::new(v, &format!("{}.paginator", o.1))?;
            Some(PaginatorSummary {
                rust: p.string("rust")?,
                input_token: p.string("input_token")?,
                output_token: p.string("output_token")?,
                page_size: p.opt_string("page_size")?,
                items: p.opt_string("items")?,
            })
        }
    };
    let mut waiters = BTreeMap::new();
    for (k, v) in o.entries("waiters")? {
        let w = Obj::new(v, k)?;
        waiters.insert(k.clone(), WaiterSummary { rust: w.string("rust")?, acceptors: w.string("acceptors")?, docs: w.string("docs")? });
    }
    Ok(OperationSummary {
        id: o.string("id")?,
        rust: o.string("rust")?,
        docs: o.string("docs")?,
        deprecated: o.flag("deprecated")?,
        http: o.string("http")?,
        host_prefix: o.opt_string("host_prefix")?,
        auth: o.string("auth")?,
        checksum_required: o.flag("checksum_required")?,
        compression: o.strings("compression")?,
        errors: o.strings("errors")?,
        input: struct_from(&o.object("input")?)?,
        output: struct_from(&o.object("output")?)?,
        paginator,
        waiters,
    })
}

fn struct_from(o: &Obj) -> Result<StructSummary, String> {
    let mut members = IndexMap::new();
    for (k, v) in o.entries("members")? {
        members.insert(k.clone(), member_from(&Obj::new(v, &format!("{}.{k}", o.1))?)?);
    }
    Ok(StructSummary {
        id: o.string("id")?,
        docs: o.string("docs")?,
        deprecated: o.flag("deprecated")?,
        sensitive: o.flag("sensitive")?,
        build: if o.string("build")? == "value" { Build::Infallible } else { Build::Fallible },
        members,
    })
}

fn member_from(o: &Obj) -> Result<MemberSummary, String> {
    Ok(MemberSummary {
        rust: o.string("rust")?,
        rust_type: o.string("type")?,
        shape: o.string("shape")?,
        required: o.flag("required")?,
        default: o.opt_string("default")?,
        json: o.opt_string("json")?,
        xml: o.opt_string("xml")?,
        http: o.opt_string("http")?,
        constraints: constraints_from(o)?,
        sensitive: o.flag("sensitive")?,
        idempotency_token: o.flag("idempotency_token")?,
        host_label: o.flag("host_label")?,
        media_type: o.opt_string("media_type")?,
        deprecated: o.flag("deprecated")?,
        docs: o.string("docs")?,
    })
}

/// A `[min, max]` pair as written, either side possibly null.
type Bounds = Option<(Option<Value>, Option<Value>)>;

fn constraints_from(o: &Obj) -> Result<Constraints, String> {
    let pair = |key: &str| -> Result<Bounds, String> {
        match o.0.get(key) {
            None => Ok(None),
            Some(Value::Array(a)) if a.len() == 2 => {
                let side = |v: &Value| (!v.is_null()).then(|| v.clone());
                Ok(Some((side(&a[0]), side(&a[1]))))
            }
            Some(_) => Err(format!("{}: `{key}` must be [min, max]", o.1)),
        }
    };
    let length = pair("length")?.map(|(a, b)| (a.and_then(|v| v.as_u64()), b.and_then(|v| v.as_u64())));
    let range = pair("range")?.map(|(a, b)| (a.and_then(|v| v.as_f64()), b.and_then(|v| v.as_f64())));
    let element = match o.0.get("items") {
        None => None,
        Some(v) => Some(Box::new(constraints_from(&Obj::new(v, &format!("{}.items", o.1))?)?)),
    };
    Ok(Constraints { length, range, pattern: o.opt_string("pattern")?, element })
}

fn union_from(o: &Obj) -> Result<UnionSummary, String> {
    let mut variants = IndexMap::new();
    for (k, v) in o.entries("variants")? {
        let vo = Obj::new(v, k)?;
        variants.insert(
            k.clone(),
            VariantSummary {
                rust: vo.string("rust")?,
                rust_type: vo.opt_string("type")?,
                shape: vo.string("shape")?,
                json: vo.opt_string("json")?,
                xml: vo.opt_string("xml")?,
                deprecated: vo.flag("deprecated")?,
                docs: vo.string("docs")?,
            },
        );
    }
    Ok(UnionSummary { id: o.string("id")?, docs: o.string("docs")?, deprecated: o.flag("deprecated")?, sensitive: o.flag("sensitive")?, variants })
}

fn enum_from(o: &Obj) -> Result<EnumSummary, String> {
    let mut values = IndexMap::new();
    for (k, v) in o.entries("values")? {
        let vo = Obj::new(v, k)?;
        values.insert(k.clone(), EnumValueSummary { rust: vo.string("rust")?, deprecated: vo.flag("deprecated")?, docs: vo.string("docs")? });
    }
    Ok(EnumSummary {
        id: o.string("id")?,
        docs: o.string("docs")?,
        deprecated: o.flag("deprecated")?,
        sensitive: o.flag("sensitive")?,
        int: o.flag("int")?,
        values,
    })
}
