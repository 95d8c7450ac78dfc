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
