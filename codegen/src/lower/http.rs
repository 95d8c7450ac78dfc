//! Operations and their HTTP bindings (`@http`, `@httpLabel`, `@httpQuery`, `@httpHeader`,
//! `@httpPayload`, ... as the Smithy "HTTP binding traits" define them), checked for the rules
//! the spec states: labels match the URI and are required, one payload at most, binding
//! targets of the allowed types.

use super::traits::*;
use super::{paginate, protocol_tests, Lowerer};
use crate::error::{bail_at, ModelError, Result};
use crate::ir::*;
use crate::model::{Member, Shape, ShapeId, ShapeKind};
use crate::naming;
use serde_json::Value;

/// Lowers one operation.
pub(super) fn operation<'m>(cx: &mut Lowerer<'m>, id: &ShapeId) -> Result<OperationDef> {
    let shape: &'m Shape = cx.shape(id);
    let ShapeKind::Operation(op) = &shape.kind else { bail_at!(id, "is not an operation") };
    let smithy_name = cx.smithy_name(id);
    let fn_name = naming::fn_name(&smithy_name).map_err(|e| ModelError::new(id, e))?;
    let type_name = naming::type_name(&smithy_name).map_err(|e| ModelError::new(id, e))?;
    let module = Module::Operation(fn_name.clone());
    cx.claim(Module::Operation(naming::fn_name("operations").expect("valid")), fn_name.clone(), id.as_str())?;
    let suffixed = |suffix: &str| naming::type_name_with(&smithy_name, suffix).map_err(|e| ModelError::new(id, e));

    let http = match super::protocol::fixed_request(cx.protocol) {
        Some((method, uri, code)) => HttpTrait { method: method.to_string(), uri: uri.to_string(), code },
        None => http_trait(shape)?,
    };
    let input_shape = cx.shape(&op.input);
    let output_shape = cx.shape(&op.output);
    let mut input = cx.struct_def(input_shape, suffixed("Input")?, module.clone(), true, true)?;
    let mut output = cx.struct_def(output_shape, suffixed("Output")?, module, false, true)?;
    input.docs = Docs(vec![format!("Input of the `{smithy_name}` operation.")]);
    output.docs = Docs(vec![format!("Output of the `{smithy_name}` operation.")]);

    for f in &input.fields {
        if f.http == HttpBinding::ResponseCode {
            bail_at!(op.input.with_member(&f.member), "@httpResponseCode is only allowed in output structures");
        }
    }
    for f in &mut output.fields {
        // Spec (httpLabel, httpQuery, httpQueryParams): these traits have no meaning in output
        // structures and are ignored there, so the member is an ordinary body member.
        if matches!(f.http, HttpBinding::Label { .. } | HttpBinding::Query(..) | HttpBinding::QueryParams(_)) {
            f.http = HttpBinding::Body;
        }
    }
    let (path, query_literals) = uri_template(&http.uri, &mut input, &op.input, id)?;
    let request_body = body(input_shape, &input)?;
    let response_body = body(output_shape, &output)?;
    let request_content_type = match super::protocol::fixed_content_type(cx.protocol) {
        Some(ct) => Some(ct.to_string()),
        None => content_type(&request_body, &input),
    };

    let mut errors = Vec::new();
    for e in &op.errors {
        let es = cx.shape(e);
        let ty = cx.type_name(e)?;
        errors.push(ErrorVariant {
            is_fn: naming::is_variant_fn(&ty),
            variant: ty.clone(),
            ty,
            code: super::protocol::error_code(cx.protocol, es, &cx.smithy_name(e), 0)?.0,
            docs: docs(&es.traits, None, || format!("The `{}` error.", e.name())),
            retryable: es.traits.get(RETRYABLE).map(|r| r.get("throttling").and_then(Value::as_bool).unwrap_or(false)),
        });
    }

    let paginator = paginate::paginator(cx, shape, &input, &output)?;
    let host_prefix = host_prefix(shape, &input)?;
    let (mut request_tests, mut response_tests) = protocol_tests::for_operation(cx, shape, &input, &output, &errors)?;
    let event_stream_tests = protocol_tests::event_stream_cases(cx, shape, &errors, &mut request_tests, &mut response_tests)?;
    Ok(OperationDef {
        name: smithy_name.clone(),
        shape_id: id.to_string(),
        docs: docs(&shape.traits, None, || format!("Calls the `{smithy_name}` operation.")),
        deprecated: deprecated(&shape.traits),
        error_name: suffixed("Error")?,
        http: HttpDef { method: http.method, path, query_literals, code: http.code },
        checksum_required: shape.traits.has(HTTP_CHECKSUM_REQUIRED),
        requires_length: input_shape
            .kind
            .members()
            .iter()
            .any(|m| m.traits.has("smithy.api#httpPayload") && cx.shape(&m.target).traits.has("smithy.api#requiresLength")),
        unsigned: shape
            .traits
            .get("smithy.api#auth")
            .and_then(Value::as_array)
            .is_some_and(|schemes| !schemes.iter().any(|s| s.as_str() == Some("aws.auth#sigv4"))),
        optional_auth: shape.traits.has("smithy.api#optionalAuth"),
        request_compression: request_compression(shape)?,
        endpoint_params: endpoint_params(cx, shape, input_shape, &input)?,
        fluent_builder: naming::fluent_builder_name(&type_name),
        fn_name,
        type_name,
        input,
        output,
        errors,
        host_prefix,
        request_body,
        response_body,
        request_content_type,
        paginator,
        waiters: super::waiters::waiters(cx, shape)?,
        request_tests,
        response_tests,
        event_stream_tests,
    })
}

struct HttpTrait {
    method: String,
    uri: String,
    code: u16,
}

fn http_trait(shape: &Shape) -> Result<HttpTrait> {
    let v = shape
        .traits
        .get(HTTP)
        .ok_or_else(|| ModelError::new(&shape.id, "restJson1 operations need the @http trait"))?;
    let method = v
        .get("method")
        .and_then(Value::as_str)
        .filter(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_uppercase()))
        .ok_or_else(|| ModelError::new(&shape.id, "@http needs an upper-case `method`"))?;
    let uri = v
        .get("uri")
        .and_then(Value::as_str)
        .filter(|u| u.starts_with('/'))
        .ok_or_else(|| ModelError::new(&shape.id, "@http needs a `uri` starting with `/`"))?;
    let code = match v.get("code") {
        None => 200,
        Some(c) => c
            .as_u64()
            .and_then(|c| u16::try_from(c).ok())
            .filter(|c| (100..600).contains(c))
            .ok_or_else(|| ModelError::new(&shape.id, "@http `code` must be a status code"))?,
    };
    Ok(HttpTrait { method: method.to_string(), uri: uri.to_string(), code })
}

/// The text form of a value type, if it has one.
pub(super) fn scalar_of(ty: &TypeRef) -> Option<Scalar> {
    Some(match ty {
        TypeRef::String => Scalar::String,
        TypeRef::Named(n) if n.kind == NamedKind::Enum => Scalar::Enum(n.clone()),
        TypeRef::Named(n) if n.kind == NamedKind::IntEnum => Scalar::IntEnum(n.clone()),
        TypeRef::Bool => Scalar::Bool,
        TypeRef::Byte => Scalar::Byte,
        TypeRef::Short => Scalar::Short,
        TypeRef::Integer => Scalar::Integer,
        TypeRef::Long => Scalar::Long,
        TypeRef::Float => Scalar::Float,
        TypeRef::Double => Scalar::Double,
        TypeRef::BigInteger => Scalar::BigInteger,
        TypeRef::BigDecimal => Scalar::BigDecimal,
        TypeRef::Timestamp { format } => Scalar::Timestamp { format: *format },
        TypeRef::Blob => Scalar::Blob,
        _ => return None,
    })
}

/// A scalar or a list of scalars, for a query or header binding of `ty`.
fn http_value(ty: &TypeRef, at: &ShapeId, what: &str) -> Result<HttpValue> {
    let value = match ty {
        TypeRef::List { member, .. } => scalar_of(member).map(HttpValue::List),
        other => scalar_of(other).map(HttpValue::One),
    };
    value.ok_or_else(|| ModelError::new(at, format!("{what} must hold a scalar or a list of scalars")))
}

/// The binding of a top-level member of type `ty`, from its binding trait (at most one).
pub(super) fn binding(m: &Member, target: &Shape, ty: &TypeRef, at: &ShapeId) -> Result<HttpBinding> {
    let t = &m.traits;
    let string = |id: &str| -> Result<String> {
        t.string(id)
            .map(str::to_string)
            .ok_or_else(|| ModelError::new(at, format!("@{} needs a string value", id.rsplit('#').next().unwrap_or(id))))
    };
    let mut found = Vec::new();
    if t.has(HTTP_LABEL) {
        found.push(HttpBinding::Label { greedy: false });
    }
    if t.has(HTTP_QUERY) {
        let name = string(HTTP_QUERY)?;
        if name.is_empty() {
            bail_at!(at, "@httpQuery name must not be empty");
        }
        found.push(HttpBinding::Query(name, http_value(ty, at, "an @httpQuery member")?));
    }
    if t.has(HTTP_QUERY_PARAMS) {
        let value = match ty {
            TypeRef::Map { value, .. } => http_value(value, at, "the values of an @httpQueryParams map")?,
            _ => bail_at!(at, "@httpQueryParams must target a map, not a {}", target.kind.type_name()),
        };
        found.push(HttpBinding::QueryParams(value));
    }
    if t.has(HTTP_HEADER) {
        let name = string(HTTP_HEADER)?;
        if name.is_empty() || !name.bytes().all(is_token_char) {
            bail_at!(at, "@httpHeader `{name}` is not a valid header name");
        }
        found.push(HttpBinding::Header(name, http_value(ty, at, "an @httpHeader member")?));
    }
    if t.has(HTTP_PREFIX_HEADERS) {
        found.push(HttpBinding::PrefixHeaders(string(HTTP_PREFIX_HEADERS)?));
    }
    if t.has(HTTP_PAYLOAD) {
        found.push(HttpBinding::Payload);
    }
    if t.has(HTTP_RESPONSE_CODE) {
        found.push(HttpBinding::ResponseCode);
    }
    if found.len() > 1 {
        bail_at!(at, "has more than one HTTP binding trait");
    }
    let b = found.pop().unwrap_or(HttpBinding::Body);
    check_binding_target(&b, target, at)?;
    Ok(b)
}

fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_scalar(kind: &ShapeKind) -> bool {
    matches!(
        kind,
        ShapeKind::String
            | ShapeKind::Enum(_)
            | ShapeKind::IntEnum(_)
            | ShapeKind::Boolean
            | ShapeKind::Byte
            | ShapeKind::Short
            | ShapeKind::Integer
            | ShapeKind::Long
            | ShapeKind::Float
            | ShapeKind::Double
            | ShapeKind::BigInteger
            | ShapeKind::BigDecimal
            | ShapeKind::Timestamp
    )
}

fn check_binding_target(b: &HttpBinding, target: &Shape, at: &ShapeId) -> Result<()> {
    let kind = target.kind.type_name();
    match b {
        HttpBinding::Label { .. } if !is_scalar(&target.kind) => bail_at!(at, "@httpLabel cannot target a {kind}"),
        HttpBinding::Header(..) | HttpBinding::Query(..) => {
            let ok = is_scalar(&target.kind) || matches!(target.kind, ShapeKind::Blob if !target.traits.has(STREAMING));
            // Lists of scalars are allowed too; their members are checked by the emitter's
            // type mapping (a list of lists is rejected below).
            let list_ok = matches!(&target.kind, ShapeKind::List(_));
            if !ok && !list_ok {
                bail_at!(at, "an HTTP header or query binding cannot target a {kind}");
            }
        }
        HttpBinding::QueryParams(_) | HttpBinding::PrefixHeaders(_) if !matches!(target.kind, ShapeKind::Map { .. }) => {
            bail_at!(at, "@httpQueryParams / @httpPrefixHeaders must target a map, not a {kind}")
        }
        HttpBinding::Payload => {
            let ok = matches!(
                target.kind,
                ShapeKind::Structure(_) | ShapeKind::Union(_) | ShapeKind::Document | ShapeKind::String | ShapeKind::Enum(_) | ShapeKind::Blob
            );
            if !ok {
                bail_at!(at, "restJson1 only allows @httpPayload on structures, unions, documents, strings and blobs, not a {kind}");
            }
        }
        HttpBinding::ResponseCode if !matches!(target.kind, ShapeKind::Integer) => {
            bail_at!(at, "@httpResponseCode must target an integer")
        }
        _ => {}
    }
    if target.traits.has(STREAMING) && !matches!(b, HttpBinding::Payload) {
        bail_at!(at, "a streaming {kind} must be bound with @httpPayload");
    }
    Ok(())
}

/// Constant query parameters of a URI template: key and optional value.
type QueryLiterals = Vec<(String, Option<String>)>;

/// Parses the `@http` URI into path segments and constant query parameters, matching labels
/// to `input` fields (which must be `@httpLabel` and `@required`).
fn uri_template(uri: &str, input: &mut StructDef, input_id: &ShapeId, op: &ShapeId) -> Result<(Vec<PathSegment>, QueryLiterals)> {
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    let mut segments: Vec<PathSegment> = Vec::new();
    let push_literal = |segments: &mut Vec<PathSegment>, text: &str| match segments.last_mut() {
        Some(PathSegment::Literal(prev)) => prev.push_str(text),
        _ => segments.push(PathSegment::Literal(text.to_string())),
    };
    let mut labels_seen = Vec::new();
    let parts: Vec<&str> = path.split('/').skip(1).collect();
    for (i, part) in parts.iter().enumerate() {
        push_literal(&mut segments, "/");
        if let Some(inner) = part.strip_prefix('{') {
            // Spec: a label must span a whole path segment.
            let inner = inner
                .strip_suffix('}')
                .ok_or_else(|| ModelError::new(op, format!("URI `{uri}`: a label must span a whole path segment")))?;
            let (name, greedy) = match inner.strip_suffix('+') {
                Some(n) => (n, true),
                None => (inner, false),
            };
            if greedy && parts[i + 1..].iter().any(|p| p.ends_with("+}")) {
                bail_at!(op, "URI `{uri}`: at most one greedy label is allowed");
            }
            if labels_seen.contains(&name) {
                bail_at!(op, "URI `{uri}`: label `{name}` appears twice");
            }
            labels_seen.push(name);
            let field = input
                .fields
                .iter_mut()
                .find(|f| f.member == name)
                .ok_or_else(|| ModelError::new(op, format!("URI `{uri}`: label `{name}` matches no input member")))?;
            let at = input_id.with_member(name);
            if !matches!(field.http, HttpBinding::Label { .. }) {
                bail_at!(at, "is used as a URI label but lacks @httpLabel");
            }
            if !field.required {
                bail_at!(at, "httpLabel member must be required");
            }
            field.http = HttpBinding::Label { greedy };
            let scalar = scalar_of(&field.ty).ok_or_else(|| ModelError::new(&at, "@httpLabel must target a scalar"))?;
            segments.push(PathSegment::Label { field: field.name.clone(), member: field.member.clone(), scalar, greedy });
        } else if part.contains(['{', '}']) {
            bail_at!(op, "URI `{uri}`: a label must span a whole path segment");
        } else {
            push_literal(&mut segments, part);
        }
    }
    for f in &input.fields {
        if matches!(f.http, HttpBinding::Label { .. }) && !labels_seen.contains(&f.member.as_str()) {
            bail_at!(input_id.with_member(&f.member), "has @httpLabel but the URI `{uri}` has no `{{{}}}` label", f.member);
        }
    }
    let mut literals = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        if pair.contains(['{', '}']) {
            bail_at!(op, "URI `{uri}`: labels are not allowed in the query string");
        }
        match pair.split_once('=') {
            Some((k, v)) => literals.push((k.to_string(), Some(v.to_string()))),
            None => literals.push((pair.to_string(), None)),
        }
    }
    Ok((segments, literals))
}

/// How the body of a message is formed: one `@httpPayload` member, or the body members.
fn body(shape: &Shape, def: &StructDef) -> Result<Body> {
    let payloads: Vec<&Field> = def.fields.iter().filter(|f| f.http == HttpBinding::Payload).collect();
    match payloads.as_slice() {
        [] => Ok(Body::Members),
        [p] => {
            if let Some(other) = def.fields.iter().find(|f| f.http == HttpBinding::Body) {
                bail_at!(shape.id.with_member(&other.member), "is bound to the body, but `{}` is the @httpPayload", p.member);
            }
            let kind = match &p.ty {
                TypeRef::Named(n) if matches!(n.kind, NamedKind::Struct | NamedKind::Union) => PayloadKind::Shape(n.clone()),
                TypeRef::Named(n) if n.kind == NamedKind::Enum => PayloadKind::Enum(n.clone()),
                TypeRef::Document => PayloadKind::Document,
                TypeRef::String => PayloadKind::String,
                TypeRef::Blob => PayloadKind::Blob,
                TypeRef::ByteStream => PayloadKind::ByteStream,
                TypeRef::EventStream(es) => PayloadKind::EventStream(es.clone()),
                _ => bail_at!(shape.id.with_member(&p.member), "unsupported @httpPayload target"),
            };
            Ok(Body::Payload { field: p.name.clone(), kind, media_type: p.media_type.clone() })
        }
        [_, second, ..] => bail_at!(shape.id.with_member(&second.member), "only one member may be the @httpPayload"),
    }
}

/// The request `Content-Type` (restJson1 spec, "Content-Type"): `application/json` for JSON
/// bodies, the payload's `@mediaType`, `text/plain` for strings, `application/octet-stream` for
/// blobs. `None` when the request can never have a body.
fn content_type(body: &Body, input: &StructDef) -> Option<String> {
    match body {
        Body::Members if input.fields.iter().any(|f| f.http == HttpBinding::Body) => Some("application/json".into()),
        Body::Members => None,
        Body::Payload { field: _, kind, media_type: media } => {
            let media = media.clone();
            Some(match kind {
                PayloadKind::Shape(_) | PayloadKind::Document => "application/json".into(),
                PayloadKind::String | PayloadKind::Enum(_) => media.unwrap_or_else(|| "text/plain".into()),
                PayloadKind::Blob | PayloadKind::ByteStream => media.unwrap_or_else(|| "application/octet-stream".into()),
                PayloadKind::EventStream(_) => "application/vnd.amazon.eventstream".into(),
            })
        }
    }
}

/// Endpoint parameters the operation binds (spec "Rules engine parameter traits"): members with
/// `@contextParam` and the constants of `@staticContextParams`, each checked against the rule
/// set's declared parameter and type.
fn endpoint_params(cx: &Lowerer, op: &Shape, input_shape: &Shape, input: &StructDef) -> Result<Vec<EndpointParamBinding>> {
    use crate::ir::endpoint::{ParamType, ParamValue};
    let declared = |name: &str, at: &dyn std::fmt::Display| -> Result<ParamType> {
        let params = cx.service.traits.get("smithy.rules#endpointRuleSet").and_then(|r| r.get("parameters"));
        let ty = params.and_then(|p| p.get(name)).and_then(|p| p.get("type")).and_then(Value::as_str);
        match ty.map(str::to_ascii_lowercase).as_deref() {
            Some("string") => Ok(ParamType::String),
            Some("boolean") => Ok(ParamType::Boolean),
            Some("stringarray") => Ok(ParamType::StringArray),
            _ => Err(ModelError::new(at, format!("binds endpoint parameter `{name}`, which the rule set does not declare"))),
        }
    };
    let mut out = Vec::new();
    if let Some(v) = op.traits.get("smithy.rules#operationContextParams") {
        let map = v.as_object().ok_or_else(|| ModelError::new(&op.id, "@operationContextParams must be an object"))?;
        for (name, p) in map {
            let at = format!("{}: operationContextParams {name}", op.id);
            let path = p
                .get("path")
                .and_then(Value::as_str)
                .ok_or_else(|| ModelError::new(&at, "needs a string `path`"))?;
            let ty = declared(name, &op.id)?;
            let compiled = super::context_path::resolve(cx, input_shape, path, &at)?;
            if !context_path_fits(&compiled, ty) {
                bail_at!(at, "path `{path}` does not select a value of the parameter's type");
            }
            out.push(EndpointParamBinding::Path { name: name.clone(), path: compiled, ty });
        }
    }
    for m in input_shape.kind.members() {
        let Some(binding) = m.traits.get("smithy.rules#contextParam") else { continue };
        let at = input_shape.id.with_member(&m.name);
        let name = binding
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| ModelError::new(&at, "@contextParam needs a string `name`"))?;
        let field = input.fields.iter().find(|f| f.member == m.name).expect("every member is a field");
        let ok = match declared(name, &at)? {
            ParamType::String => matches!(field.ty, TypeRef::String) || matches!(&field.ty, TypeRef::Named(n) if n.kind == NamedKind::Enum),
            ParamType::Boolean => field.ty == TypeRef::Bool,
            ParamType::StringArray => matches!(&field.ty, TypeRef::List { member, .. } if **member == TypeRef::String),
        };
        if !ok {
            bail_at!(at, "@contextParam `{name}` has a type the rule set parameter does not accept");
        }
        out.push(EndpointParamBinding::Field { name: name.to_string(), field: field.name.clone(), ty: field.ty.clone() });
    }
    if let Some(v) = op.traits.get("smithy.rules#staticContextParams") {
        let map = v.as_object().ok_or_else(|| ModelError::new(&op.id, "@staticContextParams must be an object"))?;
        for (name, p) in map {
            let value = match (declared(name, &op.id)?, p.get("value")) {
                (ParamType::String, Some(Value::String(s))) => ParamValue::String(s.clone()),
                (ParamType::Boolean, Some(Value::Bool(b))) => ParamValue::Bool(*b),
                (ParamType::StringArray, Some(Value::Array(a))) if a.iter().all(Value::is_string) => {
                    ParamValue::StringArray(a.iter().filter_map(Value::as_str).map(str::to_string).collect())
                }
                _ => bail_at!(op.id, "@staticContextParams `{name}` has a value the rule set parameter does not accept"),
            };
            out.push(EndpointParamBinding::Static { name: name.clone(), value });
        }
    }
    Ok(out)
}

/// Whether a compiled path yields what a parameter of type `ty` holds: one string or boolean
/// (no projection), or strings (through a projection, a multiselect or `keys`).
fn context_path_fits(step: &ContextStep, ty: crate::ir::endpoint::ParamType) -> bool {
    use crate::ir::endpoint::ParamType;
    fn many(s: &ContextStep) -> bool {
        match s {
            ContextStep::Field { next, .. } => many(next),
            ContextStep::Each { .. } | ContextStep::Select(_) | ContextStep::Keys => true,
            ContextStep::Leaf(_) => false,
        }
    }
    fn leaves_are(s: &ContextStep, want: &dyn Fn(ContextLeaf) -> bool) -> bool {
        match s {
            ContextStep::Field { next, .. } | ContextStep::Each { next, .. } => leaves_are(next, want),
            ContextStep::Select(branches) => branches.iter().all(|b| leaves_are(b, want)),
            ContextStep::Keys => want(ContextLeaf::String),
            ContextStep::Leaf(l) => want(*l),
        }
    }
    let stringy = |l: ContextLeaf| matches!(l, ContextLeaf::String | ContextLeaf::Enum);
    match ty {
        ParamType::String => !many(step) && leaves_are(step, &stringy),
        ParamType::Boolean => !many(step) && leaves_are(step, &|l| l == ContextLeaf::Bool),
        ParamType::StringArray => many(step) && leaves_are(step, &stringy),
    }
}

/// `@requestCompression(encodings: [...])`: the encodings this client can apply, in the
/// model's order. Unknown encodings are left out (the spec lets clients pick the ones they
/// support); an operation with a streaming payload cannot be compressed this way.
fn request_compression(shape: &Shape) -> Result<Vec<String>> {
    let Some(v) = shape.traits.get(REQUEST_COMPRESSION) else { return Ok(Vec::new()) };
    let encodings = v
        .get("encodings")
        .and_then(Value::as_array)
        .ok_or_else(|| ModelError::new(&shape.id, "@requestCompression needs an `encodings` list"))?;
    let mut out = Vec::new();
    for e in encodings {
        let e = e.as_str().ok_or_else(|| ModelError::new(&shape.id, "@requestCompression encodings must be strings"))?;
        if e.eq_ignore_ascii_case("gzip") {
            out.push("gzip".to_string());
        }
    }
    Ok(out)
}

/// `@endpoint(hostPrefix: "{foo}.data.")` with its `@hostLabel` members.
fn host_prefix(shape: &Shape, input: &StructDef) -> Result<Option<Vec<HostSegment>>> {
    let Some(v) = shape.traits.get(ENDPOINT) else { return Ok(None) };
    let prefix = v
        .get("hostPrefix")
        .and_then(Value::as_str)
        .ok_or_else(|| ModelError::new(&shape.id, "@endpoint needs a string `hostPrefix`"))?;
    let mut out = Vec::new();
    let mut rest = prefix;
    while let Some(start) = rest.find('{') {
        if start > 0 {
            out.push(HostSegment::Literal(rest[..start].to_string()));
        }
        let end = rest[start..]
            .find('}')
            .ok_or_else(|| ModelError::new(&shape.id, format!("@endpoint hostPrefix `{prefix}` has an unclosed label")))?;
        let name = &rest[start + 1..start + end];
        let field = input
            .fields
            .iter()
            .find(|f| f.member == name && f.host_label)
            .ok_or_else(|| ModelError::new(&shape.id, format!("hostPrefix label `{name}` matches no @hostLabel input member")))?;
        if !field.required || field.ty != TypeRef::String {
            bail_at!(shape.id, "hostPrefix label `{name}` must be a required string member");
        }
        out.push(HostSegment::Label(field.name.clone()));
        rest = &rest[start + end + 1..];
    }
    if !rest.is_empty() {
        out.push(HostSegment::Literal(rest.to_string()));
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::naming::field_name;

    fn field(member: &str, http: HttpBinding, required: bool) -> Field {
        Field {
            name: field_name(member).unwrap(),
            member: member.into(),
            docs: Docs::default(),
            deprecated: None,
            ty: TypeRef::String,
            boxed: false,
            optional: true,
            required,
            default: None,
            sensitive: false,
            json_name: member.into(),
            xml: XmlMember { name: member.into(), attribute: false, flattened: false, collection: None },
            http,
            media_type: None,
            constraints: Constraints::default(),
            idempotency_token: false,
            host_label: false,
        }
    }

    fn input(fields: Vec<Field>) -> StructDef {
        StructDef {
            name: naming::type_name("In").unwrap(),
            builder: naming::type_name("InBuilder").unwrap(),
            shape_id: "a#In".into(),
            docs: Docs::default(),
            deprecated: None,
            fields,
            sensitive: false,
            error: None,
            uses: Uses::default(),
            module: Module::Types,
        }
    }

    fn parse(uri: &str, fields: Vec<Field>) -> Result<(Vec<PathSegment>, QueryLiterals)> {
        let mut i = input(fields);
        uri_template(uri, &mut i, &ShapeId::parse("a#In").unwrap(), &ShapeId::parse("a#Op").unwrap())
    }

    fn lit(s: &str) -> PathSegment {
        PathSegment::Literal(s.into())
    }

    fn label(s: &str, greedy: bool) -> PathSegment {
        PathSegment::Label { field: field_name(s).unwrap(), member: s.into(), scalar: Scalar::String, greedy }
    }

    #[test]
    fn uri_templates() {
        let l = || HttpBinding::Label { greedy: false };
        let (p, q) = parse("/tags?operation=tag-resource", vec![]).unwrap();
        assert_eq!(p, [lit("/tags")]);
        assert_eq!(q, [("operation".to_string(), Some("tag-resource".to_string()))]);

        let (p, q) = parse("/app-instances/{AppInstanceArn}/users/{UserArn}", vec![field("AppInstanceArn", l(), true), field("UserArn", l(), true)]).unwrap();
        assert_eq!(p, [lit("/app-instances/"), label("AppInstanceArn", false), lit("/users/"), label("UserArn", false)]);
        assert!(q.is_empty());

        let (p, q) = parse("/files/{Key+}?flag&x=1", vec![field("Key", l(), true)]).unwrap();
        assert_eq!(p, [lit("/files/"), label("Key", true)]);
        assert_eq!(q, [("flag".to_string(), None), ("x".to_string(), Some("1".to_string()))]);

        let (p, _) = parse("/", vec![]).unwrap();
        assert_eq!(p, [lit("/")]);
    }

    #[test]
    fn uri_template_errors() {
        let l = || HttpBinding::Label { greedy: false };
        let cases: Vec<(&str, Vec<Field>, &str)> = vec![
            ("/a/{X}", vec![field("X", l(), false)], "a#In$X: httpLabel member must be required"),
            ("/a/{X}", vec![], "a#Op: URI `/a/{X}`: label `X` matches no input member"),
            ("/a/{X}", vec![field("X", HttpBinding::Body, true)], "a#In$X: is used as a URI label but lacks @httpLabel"),
            ("/a", vec![field("X", l(), true)], "a#In$X: has @httpLabel but the URI `/a` has no `{X}` label"),
            ("/a/x{X}", vec![field("X", l(), true)], "a#Op: URI `/a/x{X}`: a label must span a whole path segment"),
            ("/a/{X}/{X}", vec![field("X", l(), true)], "a#Op: URI `/a/{X}/{X}`: label `X` appears twice"),
            ("/a/{X+}/{Y+}", vec![field("X", l(), true), field("Y", l(), true)], "a#Op: URI `/a/{X+}/{Y+}`: at most one greedy label is allowed"),
            ("/a?x={X}", vec![], "a#Op: URI `/a?x={X}`: labels are not allowed in the query string"),
        ];
        for (uri, fields, want) in cases {
            assert_eq!(parse(uri, fields).unwrap_err().to_string(), want, "{uri}");
        }
    }

    /// Found by the `codegen_generate` fuzz target: an `@httpQuery` list of structures reached
    /// the emitter, which panicked ("query lists hold scalars").
    #[test]
    fn query_and_header_lists_of_structures_are_refused() {
        for binding in [r#""smithy.api#httpQuery": "q""#, r#""smithy.api#httpHeader": "X-Q""#] {
            let model = r#"{"smithy": "2.0", "shapes": {
                "a#Svc": {"type": "service", "version": "1", "operations": [{"target": "a#Op"}],
                    "traits": {"aws.protocols#restJson1": {}, "aws.auth#sigv4": {"name": "a"}, "aws.api#service": {"sdkId": "A"}}},
                "a#Op": {"type": "operation", "input": {"target": "a#In"},
                    "traits": {"smithy.api#http": {"method": "GET", "uri": "/"}}},
                "a#In": {"type": "structure", "members": {"Q": {"target": "a#Items", "traits": {BINDING}}}},
                "a#Items": {"type": "list", "member": {"target": "a#Item"}},
                "a#Item": {"type": "structure", "members": {}}
            }}"#
            .replace("BINDING", binding);
            let options = crate::Options {
                service: None,
                package: crate::PackageOptions {
                    name: None,
                    version: "0.1.0".into(),
                    runtime_path: "../runtime".into(),
                    workspace_member: false,
                    credentials_chain: true,
                },
            };
            let err = crate::generate(&model, &options).expect_err("a list of structures cannot be a query or header");
            assert_eq!(err.at, "a#In$Q", "{err}");
            assert!(err.message.contains("must hold a scalar or a list of scalars"), "{err}");
        }
    }
}
