//! `smithy.test#httpRequestTests` and `httpResponseTests` (spec: "HTTP protocol compliance
//! tests") → typed [`RequestTest`] / [`ResponseTest`] values. Only cases for the service's
//! protocol that apply to clients (`appliesTo` absent or `client`) are kept. Node values in
//! `params` are converted using the shapes they describe, so the emitter can write builder
//! calls.

use super::{enum_value, member_optional, Lowerer};
use crate::error::{bail_at, ModelError, Result};
use crate::ir::tests::*;
use crate::ir::{ErrorVariant, NamedKind, NamedRef, StructDef};
use crate::model::{Shape, ShapeId, ShapeKind};
use crate::naming;
use serde_json::{Map, Value};

const REQUEST_TESTS: &str = "smithy.test#httpRequestTests";
const RESPONSE_TESTS: &str = "smithy.test#httpResponseTests";
const EVENT_STREAM_TESTS: &str = "smithy.test#eventStreamTests";

/// The cases of operation `op` and, for each error it lists whose cases no earlier operation
/// has taken, that error's response cases.
pub(super) fn for_operation<'m>(
    cx: &mut Lowerer<'m>,
    op: &'m Shape,
    input: &StructDef,
    output: &StructDef,
    errors: &[ErrorVariant],
) -> Result<(Vec<RequestTest>, Vec<ResponseTest>)> {
    let ShapeKind::Operation(o) = &op.kind else { return Ok((Vec::new(), Vec::new())) };
    let protocol = super::protocol::trait_id(cx.protocol);
    let mut requests = Vec::new();
    for case in cases(op, REQUEST_TESTS, protocol)? {
        let at = format!("{}: request test {}", op.id, str_of(case, "id"));
        let params = input_params(cx, &o.input, case.get("params"), &at)?;
        requests.push(RequestTest {
            id: str_of(case, "id").to_string(),
            docs: crate::ir::Docs(case.get("documentation").and_then(Value::as_str).map(crate::docs::to_rustdoc).unwrap_or_default()),
            params,
            method: str_of(case, "method").to_string(),
            uri: str_of(case, "uri").to_string(),
            resolved_host: opt_str(case, "resolvedHost"),
            host: opt_str(case, "host"),
            query_params: strings(case, "queryParams"),
            forbid_query_params: strings(case, "forbidQueryParams"),
            require_query_params: strings(case, "requireQueryParams"),
            headers: headers(case),
            forbid_headers: strings(case, "forbidHeaders"),
            require_headers: strings(case, "requireHeaders"),
            body: opt_str(case, "body"),
            body_media_type: opt_str(case, "bodyMediaType"),
            skip: None,
        });
    }
    let _ = input;
    let mut responses = Vec::new();
    for case in cases(op, RESPONSE_TESTS, protocol)? {
        let at = format!("{}: response test {}", op.id, str_of(case, "id"));
        let fields = struct_fields(cx, &o.output, case.get("params"), false, &at)?;
        responses.push(response_test(case, Expected::Output(fields)));
    }
    let _ = output;
    for (err_id, variant) in o.errors.iter().zip(errors) {
        if !cx.error_tests_taken.insert(err_id.clone()) {
            continue;
        }
        let err_shape = cx.shape(err_id);
        for case in cases(err_shape, RESPONSE_TESTS, protocol)? {
            let at = format!("{}: response test {}", err_id, str_of(case, "id"));
            let fields = struct_fields(cx, err_id, case.get("params"), false, &at)?;
            let ty = NamedRef { name: variant.ty.clone(), kind: NamedKind::Struct, module: crate::ir::Module::Errors };
            responses.push(response_test(case, Expected::Error { variant: variant.variant.clone(), ty, fields }));
        }
    }
    Ok((requests, responses))
}

fn response_test(case: &Value, expect: Expected) -> ResponseTest {
    ResponseTest {
        id: str_of(case, "id").to_string(),
        docs: crate::ir::Docs(case.get("documentation").and_then(Value::as_str).map(crate::docs::to_rustdoc).unwrap_or_default()),
        code: case.get("code").and_then(Value::as_u64).and_then(|c| u16::try_from(c).ok()).unwrap_or(200),
        headers: headers(case),
        body: opt_str(case, "body"),
        body_media_type: opt_str(case, "bodyMediaType"),
        expect,
        skip: None,
    }
}

fn cases<'a>(shape: &'a Shape, trait_id: &str, want: &str) -> Result<Vec<&'a Value>> {
    let Some(v) = shape.traits.get(trait_id) else { return Ok(Vec::new()) };
    let list = v.as_array().ok_or_else(|| ModelError::new(&shape.id, format!("{trait_id} must be a list")))?;
    let mut out = Vec::new();
    for case in list {
        if case.get("id").and_then(Value::as_str).is_none() {
            bail_at!(shape.id, "a {trait_id} case needs a string `id`");
        }
        let protocol = case.get("protocol").and_then(Value::as_str);
        let applies = case.get("appliesTo").and_then(Value::as_str);
        if protocol == Some(want) && matches!(applies, None | Some("client")) {
            out.push(case);
        }
    }
    Ok(out)
}

fn str_of<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

fn opt_str(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

fn strings(v: &Value, k: &str) -> Vec<String> {
    v.get(k).and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect()).unwrap_or_default()
}

fn headers(v: &Value) -> Vec<(String, String)> {
    v.get("headers")
        .and_then(Value::as_object)
        .map(|o| o.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
        .unwrap_or_default()
}

fn input_params(cx: &mut Lowerer, input: &ShapeId, params: Option<&Value>, at: &str) -> Result<Vec<(naming::Name, TestValue)>> {
    struct_fields(cx, input, params, true, at)
}

/// The fields of structure `id` given as a node object: (field name, value).
fn struct_fields(cx: &mut Lowerer, id: &ShapeId, params: Option<&Value>, input: bool, at: &str) -> Result<Vec<(naming::Name, TestValue)>> {
    let empty = Map::new();
    let obj = match params {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(o)) => o,
        Some(_) => bail_at!(at, "params of `{id}` must be an object"),
    };
    let shape = cx.shape(id);
    let mut fields = Vec::new();
    for (k, v) in obj {
        let m = shape
            .member(k)
            .ok_or_else(|| ModelError::new(at, format!("`{k}` is not a member of `{id}`")))?;
        if v.is_null() {
            continue;
        }
        let name = naming::field_name(k).map_err(|e| ModelError::new(at, e))?;
        let value = value(cx, &m.target, m.traits.get("smithy.api#streaming").is_some(), v, at)?;
        let _ = input;
        fields.push((name, value));
    }
    Ok(fields)
}

fn value(cx: &mut Lowerer, target: &ShapeId, _member_streaming: bool, v: &Value, at: &str) -> Result<TestValue> {
    let shape = cx.shape(target);
    let bad = |what: &str| ModelError::new(at, format!("expected {what} for `{target}`, got {v}"));
    Ok(match &shape.kind {
        ShapeKind::Boolean => TestValue::Bool(v.as_bool().ok_or_else(|| bad("a boolean"))?),
        ShapeKind::Byte | ShapeKind::Short | ShapeKind::Integer | ShapeKind::Long => {
            TestValue::Int(v.as_i64().ok_or_else(|| bad("an integer"))?)
        }
        ShapeKind::Float | ShapeKind::Double => TestValue::Float(float(v).ok_or_else(|| bad("a number"))?),
        ShapeKind::BigInteger | ShapeKind::BigDecimal => TestValue::BigNumber(match v {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => return Err(bad("a number")),
        }),
        ShapeKind::String => TestValue::String(v.as_str().ok_or_else(|| bad("a string"))?.to_string()),
        ShapeKind::Blob => {
            let bytes = v.as_str().ok_or_else(|| bad("a string"))?.as_bytes().to_vec();
            if shape.traits.has("smithy.api#streaming") {
                TestValue::ByteStream(bytes)
            } else {
                TestValue::Blob(bytes)
            }
        }
        ShapeKind::Timestamp if v.is_string() => {
            // Node values of timestamps may be RFC 3339 date-times (Smithy "Node values").
            let (secs, nanos) = v.as_str().and_then(rfc3339).ok_or_else(|| bad("epoch seconds or an RFC 3339 date-time"))?;
            TestValue::Timestamp(secs, nanos)
        }
        ShapeKind::Timestamp => {
            let secs = v.as_f64().ok_or_else(|| bad("epoch seconds"))?;
            let whole = secs.floor();
            // An f64 of ~1e9 seconds holds about 7 fractional digits; round to microseconds so
            // `946845296.123` means exactly .123 s.
            let micros = ((secs - whole) * 1e6).round() as u32;
            let (whole, micros) = if micros >= 1_000_000 { (whole + 1.0, 0) } else { (whole, micros) };
            TestValue::Timestamp(whole as i64, micros * 1000)
        }
        ShapeKind::Document => TestValue::Document(super::traits::doc_value(v).ok_or_else(|| bad("a document of f64-range numbers"))?),
        ShapeKind::Enum(members) => {
            let s = v.as_str().ok_or_else(|| bad("a string"))?;
            let variant = members
                .iter()
                .find(|m| enum_value(m) == s)
                .map(|m| naming::variant_name(&m.name).map_err(|e| ModelError::new(at, e)))
                .transpose()?;
            TestValue::Enum { ty: cx.named(shape, NamedKind::Enum)?, variant, value: s.to_string() }
        }
        ShapeKind::IntEnum(members) => {
            let i = v.as_i64().and_then(|i| i32::try_from(i).ok()).ok_or_else(|| bad("an integer"))?;
            let variant = members
                .iter()
                .find(|m| m.traits.get("smithy.api#enumValue").and_then(Value::as_i64) == Some(i as i64))
                .map(|m| naming::variant_name(&m.name).map_err(|e| ModelError::new(at, e)))
                .transpose()?;
            TestValue::IntEnum { ty: cx.named(shape, NamedKind::IntEnum)?, variant, value: i }
        }
        ShapeKind::List(m) => {
            let items = v.as_array().ok_or_else(|| bad("a list"))?;
            let mut out = Vec::new();
            for item in items {
                out.push(if item.is_null() { None } else { Some(value(cx, &m.target, false, item, at)?) });
            }
            TestValue::List { items: out, sparse: shape.traits.has("smithy.api#sparse") }
        }
        ShapeKind::Map { key, value: val } => {
            let obj = v.as_object().ok_or_else(|| bad("a map"))?;
            let mut out = Vec::new();
            for (k, item) in obj {
                let key_value = value(cx, &key.target, false, &Value::String(k.clone()), at)?;
                out.push((key_value, if item.is_null() { None } else { Some(value(cx, &val.target, false, item, at)?) }));
            }
            TestValue::Map { entries: out, sparse: shape.traits.has("smithy.api#sparse") }
        }
        ShapeKind::Structure(members) => {
            let fields = struct_fields(cx, target, Some(v), false, at)?;
            let fallible = members.iter().any(|m| !member_optional(m, cx.shape(&m.target), false) && super::default_trait(m, cx.shape(&m.target)).is_none());
            TestValue::Struct { ty: cx.named(shape, NamedKind::Struct)?, fields, fallible }
        }
        ShapeKind::Union(_) => {
            let obj = v.as_object().ok_or_else(|| bad("a union object"))?;
            let (k, item) = match obj.iter().next() {
                Some(pair) if obj.len() == 1 => pair,
                _ => return Err(bad("an object with exactly one member")),
            };
            let m = shape.member(k).ok_or_else(|| ModelError::new(at, format!("`{k}` is not a member of union `{target}`")))?;
            let variant = naming::variant_name(k).map_err(|e| ModelError::new(at, e))?;
            let inner = if m.target.as_str() == "smithy.api#Unit" { None } else { Some(Box::new(value(cx, &m.target, false, item, at)?)) };
            TestValue::Union { ty: cx.named(shape, NamedKind::Union)?, variant, value: inner }
        }
        ShapeKind::Service(_) | ShapeKind::Operation(_) | ShapeKind::Resource(_) => return Err(bad("a value shape")),
    })
}

/// Seconds and nanoseconds since the epoch of an RFC 3339 date-time in UTC
/// (`2024-10-31T14:15:14Z`, optionally with a fraction).
fn rfc3339(s: &str) -> Option<(i64, u32)> {
    let s = s.strip_suffix('Z').or_else(|| s.strip_suffix('z'))?;
    let (date, time) = s.split_once(['T', 't'])?;
    let num = |t: &str| -> Option<i64> { (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())).then(|| t.parse().ok()).flatten() };
    let mut d = date.splitn(3, '-');
    let (y, m, day) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
    let (clock, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut c = clock.splitn(3, ':');
    let (h, min, sec) = (num(c.next()?)?, num(c.next()?)?, num(c.next()?)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || h > 23 || min > 59 || sec > 60 || frac.len() > 9 {
        return None;
    }
    let nanos = if frac.is_empty() { 0 } else { num(frac)? * 10_i64.pow(9 - frac.len() as u32) };
    // Days from 1970-01-01 (the civil-from-days inverse, proleptic Gregorian).
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + h * 3600 + min * 60 + sec, u32::try_from(nanos).ok()?))
}

/// A float parameter: a number or one of the strings `NaN`, `Infinity`, `-Infinity`.
fn float(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

/// Why a client-side event stream case is not run.
const CLIENT_ERROR_CORRECTION: &str = "expects a client to fail when the initial response lacks a @required member; clients fill \
     it instead (Smithy \"Client error correction\", as the restJson1 httpResponseTests require elsewhere)";

/// The `eventStreamTests` cases of operation `op` that apply to clients: cases of initial
/// messages become request and response tests; cases with events become [`EventStreamTest`]s.
pub(super) fn event_stream_cases(
    cx: &mut Lowerer,
    op: &Shape,
    errors: &[ErrorVariant],
    requests: &mut Vec<RequestTest>,
    responses: &mut Vec<ResponseTest>,
) -> Result<Vec<EventStreamTest>> {
    let ShapeKind::Operation(o) = &op.kind else { return Ok(Vec::new()) };
    let protocol = super::protocol::trait_id(cx.protocol);
    let mut out = Vec::new();
    for case in cases(op, EVENT_STREAM_TESTS, protocol)? {
        let id = str_of(case, "id").to_string();
        let at = format!("{}: event stream test {id}", op.id);
        let docs = crate::ir::Docs(case.get("documentation").and_then(Value::as_str).map(crate::docs::to_rustdoc).unwrap_or_default());
        let failure = case.get("expectation").and_then(|e| e.get("failure")).map(|f| f.get("errorId").and_then(Value::as_str).map(str::to_string));
        let events = case.get("events").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        if let Some(initial) = case.get("initialRequest").filter(|_| events.is_empty()) {
            requests.push(RequestTest {
                id,
                docs,
                params: input_params(cx, &o.input, case.get("initialRequestParams"), &at)?,
                method: str_of(initial, "method").to_string(),
                uri: str_of(initial, "uri").to_string(),
                resolved_host: opt_str(initial, "resolvedHost"),
                host: opt_str(initial, "host"),
                query_params: strings(initial, "queryParams"),
                forbid_query_params: strings(initial, "forbidQueryParams"),
                require_query_params: strings(initial, "requireQueryParams"),
                headers: headers(initial),
                forbid_headers: strings(initial, "forbidHeaders"),
                require_headers: strings(initial, "requireHeaders"),
                body: None,
                body_media_type: None,
                skip: None,
            });
            continue;
        }
        if let Some(initial) = case.get("initialResponse").filter(|_| events.is_empty()) {
            let expect = match &failure {
                None => Expected::Output(struct_fields(cx, &o.output, case.get("initialResponseParams"), false, &at)?),
                Some(None) => Expected::Failure,
                Some(Some(error_id)) => {
                    let variant = o
                        .errors
                        .iter()
                        .zip(errors)
                        .find(|(e, _)| e.as_str() == error_id)
                        .map(|(_, v)| v)
                        .ok_or_else(|| ModelError::new(&at, format!("`{error_id}` is not an error of the operation")))?;
                    Expected::ErrorOf { variant: variant.variant.clone() }
                }
            };
            let mut test = response_test(initial, expect);
            test.id = id;
            test.docs = docs;
            responses.push(test);
            continue;
        }
        let mut test_events = Vec::new();
        for ev in events {
            let request = match str_of(ev, "type") {
                "request" => true,
                "response" => false,
                other => bail_at!(at, "an event's type must be request or response, not `{other}`"),
            };
            let stream = stream_union(cx, if request { &o.input } else { &o.output })
                .ok_or_else(|| ModelError::new(&at, format!("the operation has no {} event stream", if request { "input" } else { "output" })))?;
            let value = match ev.get("params") {
                None | Some(Value::Null) => None,
                Some(params) => Some(event_value(cx, stream, params, &at)?),
            };
            let bytes = match ev.get("bytes").and_then(Value::as_str) {
                None => None,
                Some(b) => Some(crate::base64::decode(b).ok_or_else(|| ModelError::new(&at, "bytes must be base64"))?),
            };
            test_events.push(TestEvent {
                request,
                value,
                headers: event_headers(ev, &at)?,
                forbid_headers: strings(ev, "forbidHeaders"),
                require_headers: strings(ev, "requireHeaders"),
                body: opt_str(ev, "body"),
                body_media_type: opt_str(ev, "bodyMediaType"),
                bytes,
            });
        }
        // The initial response of a case with events is an HTTP 200 without headers: an output
        // with a @required header member then misses it.
        let missing_required = !test_events.iter().any(|e| e.request)
            && failure == Some(None)
            && test_events.iter().all(|e| e.value.is_some())
            && required_http_member(cx, &o.output);
        out.push(EventStreamTest {
            id,
            docs,
            initial_params: input_params(cx, &o.input, case.get("initialRequestParams"), &at)?,
            events: test_events,
            failure,
            skip: missing_required.then(|| CLIENT_ERROR_CORRECTION.to_string()),
        });
    }
    Ok(out)
}

/// The event stream union of structure `id` (an input or output), if it has one.
fn stream_union<'m>(cx: &Lowerer<'m>, id: &ShapeId) -> Option<&'m Shape> {
    cx.shape(id).kind.members().iter().map(|m| cx.shape(&m.target)).find(|t| matches!(t.kind, ShapeKind::Union(_)) && t.traits.has("smithy.api#streaming"))
}

/// Whether structure `id` has a `@required` member bound to an HTTP header.
fn required_http_member(cx: &Lowerer, id: &ShapeId) -> bool {
    cx.shape(id).kind.members().iter().any(|m| m.traits.has("smithy.api#required") && m.traits.has("smithy.api#httpHeader"))
}

/// An event's `params`: one member of the stream union, an event or an error event.
fn event_value(cx: &mut Lowerer, stream: &Shape, params: &Value, at: &str) -> Result<EventValue> {
    let obj = params.as_object().filter(|o| o.len() == 1).ok_or_else(|| ModelError::new(at, "event params must name one union member"))?;
    let (k, v) = obj.iter().next().ok_or_else(|| ModelError::new(at, "event params must name one union member"))?;
    let m = stream.member(k).ok_or_else(|| ModelError::new(at, format!("`{k}` is not a member of `{}`", stream.id)))?;
    let target = cx.shape(&m.target);
    if !target.traits.has("smithy.api#error") {
        return Ok(EventValue::Event(value(cx, &stream.id, false, params, at)?));
    }
    let variant = naming::variant_name(k).map_err(|e| ModelError::new(at, e))?;
    let fields = struct_fields(cx, &m.target, Some(v), false, at)?;
    Ok(EventValue::Error { variant, ty: cx.named(target, NamedKind::Struct)?, fields })
}

/// An event's expected `headers`, each a typed value (`{ "string": "event" }`).
fn event_headers(ev: &Value, at: &str) -> Result<Vec<(String, TestHeader)>> {
    let Some(obj) = ev.get("headers").and_then(Value::as_object) else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for (name, typed) in obj {
        let bad = || ModelError::new(at, format!("header `{name}` must be one typed value, got {typed}"));
        let (ty, v) = typed.as_object().filter(|o| o.len() == 1).and_then(|o| o.iter().next()).ok_or_else(bad)?;
        let int = || v.as_i64().ok_or_else(bad);
        let value = match ty.as_str() {
            "boolean" => TestHeader::Bool(v.as_bool().ok_or_else(bad)?),
            "byte" => TestHeader::Byte(i8::try_from(int()?).map_err(|_| bad())?),
            "short" => TestHeader::Short(i16::try_from(int()?).map_err(|_| bad())?),
            "integer" => TestHeader::Integer(i32::try_from(int()?).map_err(|_| bad())?),
            "long" => TestHeader::Long(int()?),
            "blob" => TestHeader::Blob(crate::base64::decode(v.as_str().ok_or_else(bad)?).ok_or_else(bad)?),
            "string" => TestHeader::String(v.as_str().ok_or_else(bad)?.to_string()),
            "timestamp" => {
                let secs = match v.as_str() {
                    Some(text) => rfc3339(text).ok_or_else(bad)?.0,
                    None => int()?,
                };
                TestHeader::Timestamp(secs.checked_mul(1000).ok_or_else(bad)?)
            }
            _ => return Err(bad()),
        };
        out.push((name.clone(), value));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::rfc3339;

    #[test]
    fn rfc3339_date_times_become_epoch_seconds() {
        assert_eq!(rfc3339("1970-01-01T00:00:00Z"), Some((0, 0)));
        assert_eq!(rfc3339("2024-10-31T14:15:14Z"), Some((1_730_384_114, 0)));
        assert_eq!(rfc3339("2000-02-29T23:59:59.5Z"), Some((951_868_799, 500_000_000)));
        assert_eq!(rfc3339("1969-12-31T23:59:59Z"), Some((-1, 0)));
        assert_eq!(rfc3339("2024-13-01T00:00:00Z"), None);
        assert_eq!(rfc3339("2024-10-31 14:15:14"), None);
    }
}
