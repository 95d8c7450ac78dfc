//! Endpoint rules engine suites, and the JSON → runtime-types converters they need.
//!
//! - `endpoint-tests`: the `smithy.rules#endpointTests` of the official Chime SDK Identity model,
//!   evaluated with the partitions data they were written against (`partitions-2025-04-10.json`).
//! - `rules-engine`: every test case of every file in `conformance/endpoints/rules-engine-vectors`,
//!   evaluated with the partitions data built into the runtime. A file without test cases counts
//!   as one case: its rule set must convert and validate.
//!
//! Expected endpoints are compared on URL, headers and properties; expected errors on the
//! message text.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use client_runtime::endpoint::{
    resolve, Call, Condition, Deprecated, Endpoint, EndpointTemplate, EvalContext, Expr, Outcome, ParamValue,
    Parameter, ParameterType, Params, Partitions, Property, PropertyTemplate, Rule,
    RuleSet, Str, Template,
};
use serde_json::{Map, Value};

use super::SuiteResult;

const CHIME_MODEL: &str = "models/chime-sdk-identity.official.json";
const TESTS_PARTITIONS: &str = "conformance/endpoints/partitions-2025-04-10.json";
const VECTORS: &str = "conformance/endpoints/rules-engine-vectors";

/// The official model's `endpointTests`.
pub fn endpoint_tests(shared: &Path) -> Result<SuiteResult> {
    let model = read_json(&shared.join(CHIME_MODEL))?;
    let service = model["shapes"]
        .as_object()
        .and_then(|shapes| shapes.values().find(|s| s["type"] == "service"))
        .ok_or_else(|| anyhow!("{CHIME_MODEL}: no service shape"))?;
    let traits = &service["traits"];
    let rule_set = rule_set_from_json(&traits["smithy.rules#endpointRuleSet"]).context("endpointRuleSet")?;
    rule_set.validate().map_err(|e| anyhow!("endpointRuleSet validation: {e}"))?;
    let text = std::fs::read_to_string(shared.join(TESTS_PARTITIONS)).context(TESTS_PARTITIONS)?;
    let partitions = Partitions::from_json(&text).map_err(|e| anyhow!("{TESTS_PARTITIONS}: {e}"))?;
    let cases = traits["smithy.rules#endpointTests"]["testCases"]
        .as_array()
        .ok_or_else(|| anyhow!("endpointTests has no testCases"))?;
    let mut result = SuiteResult::default();
    for (i, case) in cases.iter().enumerate() {
        result.record(case_name("chime", i, case), run_case(&rule_set, &EvalContext::new(&partitions), case));
    }
    Ok(result)
}

/// Every vector file's test cases.
pub fn rules_engine(shared: &Path) -> Result<SuiteResult> {
    let dir = shared.join(VECTORS);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.retain(|p| p.extension().is_some_and(|e| e == "json"));
    files.sort();
    anyhow::ensure!(!files.is_empty(), "no vector files in {}", dir.display());
    let ctx = EvalContext::default();
    let mut result = SuiteResult::default();
    for path in files {
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let json = read_json(&path)?;
        let rule_set = rule_set_from_json(&json["endpointRuleSet"]).and_then(|r| {
            r.validate().map_err(|e| anyhow!("validation: {e}"))?;
            Ok(r)
        });
        // `endpointTests` is either the trait value or, in files without tests, an empty list.
        let cases = json["endpointTests"]["testCases"].as_array().or_else(|| json["endpointTests"].as_array());
        let cases = cases.map(Vec::as_slice).unwrap_or_default();
        match rule_set {
            Err(e) if cases.is_empty() => result.record(format!("{stem} (rule set only)"), Err(format!("{e:#}"))),
            Err(e) => {
                for (i, case) in cases.iter().enumerate() {
                    result.record(case_name(&stem, i, case), Err(format!("rule set does not load: {e:#}")));
                }
            }
            Ok(_) if cases.is_empty() => result.record(format!("{stem} (rule set only)"), Ok(())),
            Ok(rule_set) => {
                for (i, case) in cases.iter().enumerate() {
                    result.record(case_name(&stem, i, case), run_case(&rule_set, &ctx, case));
                }
            }
        }
    }
    Ok(result)
}

fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

fn case_name(prefix: &str, i: usize, case: &Value) -> String {
    match case["documentation"].as_str() {
        Some(doc) => format!("{prefix}#{i} {doc}"),
        None => format!("{prefix}#{i}"),
    }
}

/// Runs one test case: with its `params`, then once per `operationInputs` entry with the values
/// bound the way a client binds them (built-ins, then client parameters, then the values the
/// operation supplies). Operation-level bindings (`staticContextParams`, `contextParam`,
/// `operationContextParams`) need the operation shapes, which the vectors do not carry; those
/// values are taken from `params`, but only where the built-in and client layers do not already
/// yield them, so the built-in and client bindings are what is tested.
fn run_case(rule_set: &RuleSet, ctx: &EvalContext<'_>, case: &Value) -> Result<(), String> {
    let params = match case.get("params") {
        None => Params::new(),
        Some(p) => params_from_json(p).map_err(|e| format!("params: {e:#}"))?,
    };
    let expect = &case["expect"];
    check(expect, resolve(rule_set, &params, ctx)).map_err(|e| format!("with params: {e}"))?;
    for (i, input) in case["operationInputs"].as_array().map(Vec::as_slice).unwrap_or_default().iter().enumerate() {
        let bound =
            bind_operation_input(rule_set, &params, input).map_err(|e| format!("operationInputs[{i}]: {e:#}"))?;
        check(expect, resolve(rule_set, &bound, ctx)).map_err(|e| format!("operationInputs[{i}]: {e}"))?;
    }
    Ok(())
}

fn bind_operation_input(rule_set: &RuleSet, params: &Params, input: &Value) -> Result<Params> {
    // The values the built-in and client layers supply, least specific first, read from the
    // test itself so that the operation layer below is decided independently of `bound`.
    let mut layers: Vec<(String, ParamValue)> = Vec::new();
    for (built_in, v) in input["builtInParams"].as_object().into_iter().flatten() {
        let p = rule_set
            .parameter_for_built_in(built_in)
            .ok_or_else(|| anyhow!("no parameter is bound to built-in `{built_in}`"))?;
        layers.push((p.name.to_string(), param_value_from_json(v)?));
    }
    for (name, v) in input["clientParams"].as_object().into_iter().flatten() {
        layers.push((name.clone(), param_value_from_json(v)?));
    }
    let mut bound = Params::new();
    for (name, v) in &layers {
        bound.set(name.clone(), v.clone());
    }
    for (name, v) in params.iter() {
        let layered = layers.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v);
        if layered != Some(v) {
            bound.set(name.to_owned(), v.clone());
        }
    }
    Ok(bound)
}

fn check(expect: &Value, got: Result<Endpoint, client_runtime::endpoint::ResolveError>) -> Result<(), String> {
    match (expect.get("endpoint"), expect.get("error"), got) {
        (Some(want), None, Ok(endpoint)) => compare_endpoint(want, &endpoint),
        (Some(_), None, Err(e)) => Err(format!("expected an endpoint, got error `{e}`")),
        (None, Some(want), Err(e)) => {
            let want = want.as_str().ok_or("`expect.error` is not a string")?;
            if e.to_string() == want {
                Ok(())
            } else {
                Err(format!("expected error `{want}`, got `{e}`"))
            }
        }
        (None, Some(want), Ok(endpoint)) => Err(format!("expected error {want}, got endpoint {}", endpoint.url)),
        _ => Err("`expect` must hold exactly one of `endpoint` and `error`".into()),
    }
}

fn compare_endpoint(want: &Value, got: &Endpoint) -> Result<(), String> {
    let url = want["url"].as_str().ok_or("expected endpoint has no url")?;
    if got.url != url {
        return Err(format!("url: expected {url}, got {}", got.url));
    }
    let want_headers: BTreeMap<&str, Vec<&str>> = want["headers"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.as_str(), v.as_array().into_iter().flatten().filter_map(Value::as_str).collect()))
        .collect();
    let got_headers: BTreeMap<&str, Vec<&str>> =
        got.headers.iter().map(|(k, v)| (k.as_str(), v.iter().map(String::as_str).collect())).collect();
    if want_headers != got_headers {
        return Err(format!("headers: expected {want_headers:?}, got {got_headers:?}"));
    }
    let want_props = want.get("properties").cloned().unwrap_or_else(|| Value::Object(Map::new()));
    let got_props = Value::Object(got.properties.iter().map(|(k, v)| (k.clone(), property_to_json(v))).collect());
    if want_props != got_props {
        return Err(format!("properties: expected {want_props}, got {got_props}"));
    }
    Ok(())
}

fn property_to_json(p: &Property) -> Value {
    match p {
        Property::String(s) => Value::String(s.clone()),
        Property::Bool(b) => Value::Bool(*b),
        Property::Int(i) => Value::from(*i),
        Property::Array(items) => Value::Array(items.iter().map(property_to_json).collect()),
        Property::Object(fields) => {
            Value::Object(fields.iter().map(|(k, v)| (k.clone(), property_to_json(v))).collect())
        }
    }
}

fn params_from_json(v: &Value) -> Result<Params> {
    let obj = v.as_object().ok_or_else(|| anyhow!("not an object"))?;
    let mut params = Params::new();
    for (name, value) in obj {
        params.set(name.clone(), param_value_from_json(value).with_context(|| format!("parameter `{name}`"))?);
    }
    Ok(params)
}

fn param_value_from_json(v: &Value) -> Result<ParamValue> {
    Ok(match v {
        Value::String(s) => ParamValue::String(Cow::Owned(s.clone())),
        Value::Bool(b) => ParamValue::Boolean(*b),
        Value::Array(items) => ParamValue::StringArray(
            items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(|s| Cow::Owned(s.to_owned()))
                        .ok_or_else(|| anyhow!("array element {i} is not a string"))
                })
                .collect::<Result<Vec<Str>>>()?
                .into(),
        ),
        other => bail!("unsupported parameter value {other}"),
    })
}

fn owned(s: &str) -> Str {
    Cow::Owned(s.to_owned())
}

fn str_field<'a>(obj: &'a Value, key: &str) -> Result<&'a str> {
    obj.get(key).and_then(Value::as_str).ok_or_else(|| anyhow!("`{key}` missing or not a string"))
}

fn array_field<'a>(obj: &'a Value, key: &str) -> Result<&'a [Value]> {
    obj.get(key).and_then(Value::as_array).map(Vec::as_slice).ok_or_else(|| anyhow!("`{key}` missing or not an array"))
}

/// Converts an `endpointRuleSet` document into the runtime's types. Function names, `getAttr`
/// paths and templates are resolved here, so a malformed rule set fails now, with the JSON path
/// of the fault, rather than at evaluation.
pub(super) fn rule_set_from_json(v: &Value) -> Result<RuleSet> {
    let params = v
        .get("parameters")
        .and_then(Value::as_object)
        .ok_or_else(|| anyhow!("`parameters` missing or not an object"))?;
    let parameters = params
        .iter()
        .map(|(name, p)| parameter_from_json(name, p).with_context(|| format!("parameters.{name}")))
        .collect::<Result<Vec<_>>>()?;
    Ok(RuleSet {
        version: owned(str_field(v, "version")?),
        parameters: parameters.into(),
        rules: rules_from_json(array_field(v, "rules")?, "rules")?.into(),
    })
}

fn parameter_from_json(name: &str, p: &Value) -> Result<Parameter> {
    let ty_name = str_field(p, "type")?;
    let ty = ParameterType::from_name(ty_name).ok_or_else(|| anyhow!("unknown parameter type `{ty_name}`"))?;
    let flag = |key: &str| match p.get(key) {
        None => Ok(false),
        Some(v) => v.as_bool().ok_or_else(|| anyhow!("`{key}` is not a boolean")),
    };
    let opt_str = |v: &Value, key: &str| match v.get(key) {
        None => Ok(None),
        Some(s) => s.as_str().map(|s| Some(owned(s))).ok_or_else(|| anyhow!("`{key}` is not a string")),
    };
    let deprecated = match p.get("deprecated") {
        None => None,
        Some(d) => Some(Deprecated { message: opt_str(d, "message")?, since: opt_str(d, "since")? }),
    };
    Ok(Parameter {
        name: owned(name),
        ty,
        required: flag("required")?,
        default: p.get("default").map(param_value_from_json).transpose().context("default")?,
        built_in: opt_str(p, "builtIn")?,
        deprecated,
    })
}

fn rules_from_json(rules: &[Value], at: &str) -> Result<Vec<Rule>> {
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let at = format!("{at}[{i}]");
            rule_from_json(r, &at).with_context(|| at.clone())
        })
        .collect()
}

fn rule_from_json(r: &Value, at: &str) -> Result<Rule> {
    let conditions = array_field(r, "conditions")?
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let call = call_from_json(c).with_context(|| format!("conditions[{i}]"))?;
            let assign = match c.get("assign") {
                None => None,
                Some(a) => Some(owned(a.as_str().ok_or_else(|| anyhow!("conditions[{i}].assign is not a string"))?)),
            };
            Ok(Condition { call, assign })
        })
        .collect::<Result<Vec<_>>>()?;
    let outcome = match str_field(r, "type")? {
        "endpoint" => {
            let e = r.get("endpoint").ok_or_else(|| anyhow!("`endpoint` missing"))?;
            Outcome::Endpoint(endpoint_from_json(e).context("endpoint")?)
        }
        "error" => {
            Outcome::Error(expr_from_json(r.get("error").ok_or_else(|| anyhow!("`error` missing"))?).context("error")?)
        }
        "tree" => Outcome::Tree(rules_from_json(array_field(r, "rules")?, &format!("{at}.rules"))?.into()),
        other => bail!("unknown rule type `{other}`"),
    };
    Ok(Rule { conditions: conditions.into(), outcome })
}

fn call_from_json(c: &Value) -> Result<Call> {
    let name = str_field(c, "fn")?;
    let args = array_field(c, "argv")?
        .iter()
        .enumerate()
        .map(|(i, a)| expr_from_json(a).with_context(|| format!("argv[{i}]")))
        .collect::<Result<Vec<_>>>()?;
    Call::new(name, args).map_err(|e| anyhow!("{e}"))
}

fn expr_from_json(v: &Value) -> Result<Expr> {
    Ok(match v {
        Value::String(s) => Expr::String(Template::parse(s)?),
        Value::Bool(b) => Expr::Bool(*b),
        Value::Number(n) => Expr::Int(n.as_i64().ok_or_else(|| anyhow!("number {n} is not an integer"))?),
        Value::Array(items) => Expr::Array(items.iter().map(expr_from_json).collect::<Result<Vec<_>>>()?.into()),
        Value::Object(o) if o.contains_key("ref") => Expr::Ref(owned(str_field(v, "ref")?)),
        Value::Object(o) if o.contains_key("fn") => Expr::Call(call_from_json(v)?),
        other => bail!("not an expression: {other}"),
    })
}

fn endpoint_from_json(e: &Value) -> Result<EndpointTemplate> {
    let url = expr_from_json(e.get("url").ok_or_else(|| anyhow!("`url` missing"))?).context("url")?;
    let mut headers = Vec::new();
    for (name, values) in e.get("headers").and_then(Value::as_object).into_iter().flatten() {
        let values = values.as_array().ok_or_else(|| anyhow!("headers.{name} is not an array"))?;
        let values =
            values.iter().map(expr_from_json).collect::<Result<Vec<_>>>().with_context(|| format!("headers.{name}"))?;
        headers.push((owned(name), values.into()));
    }
    let mut properties = Vec::new();
    for (name, value) in e.get("properties").and_then(Value::as_object).into_iter().flatten() {
        properties.push((owned(name), property_from_json(value).with_context(|| format!("properties.{name}"))?));
    }
    Ok(EndpointTemplate { url, headers: headers.into(), properties: properties.into() })
}

fn property_from_json(v: &Value) -> Result<PropertyTemplate> {
    Ok(match v {
        Value::String(s) => PropertyTemplate::String(Template::parse(s)?),
        Value::Bool(b) => PropertyTemplate::Bool(*b),
        Value::Number(n) => PropertyTemplate::Int(n.as_i64().ok_or_else(|| anyhow!("number {n} is not an integer"))?),
        Value::Array(items) => {
            PropertyTemplate::Array(items.iter().map(property_from_json).collect::<Result<Vec<_>>>()?.into())
        }
        Value::Object(o) if o.contains_key("ref") || o.contains_key("fn") => {
            bail!("properties may not contain references or function calls")
        }
        Value::Object(o) => PropertyTemplate::Object(
            o.iter()
                .map(|(k, v)| Ok((owned(k), property_from_json(v).with_context(|| k.clone())?)))
                .collect::<Result<Vec<_>>>()?
                .into(),
        ),
        Value::Null => bail!("null is not a property value"),
    })
}

