//! `smithy.rules#endpointRuleSet` and `smithy.rules#endpointTests` → typed rules (spec:
//! "Endpoint rule set", "Rules language"). Structure is checked here so that a malformed rule
//! set is a generation error naming the service, not a surprise at request time.

use crate::error::{bail_at, ModelError, Result};
use crate::ir::endpoint::*;
use crate::ir::Docs;
use crate::model::Shape;
use crate::naming;
use serde_json::{Map, Value};

/// The service's rule set and tests, if it has a rule set.
pub(super) fn lower(service: &Shape) -> Result<Option<EndpointRules>> {
    let Some(set) = service.traits.get("smithy.rules#endpointRuleSet") else { return Ok(None) };
    let at = format!("{}: endpointRuleSet", service.id);
    let obj = set.as_object().ok_or_else(|| ModelError::new(&at, "must be an object"))?;
    let params = params(obj.get("parameters"), &at)?;
    let rules = rules(obj.get("rules"), &at)?;
    let tests = match service.traits.get("smithy.rules#endpointTests") {
        None => Vec::new(),
        Some(t) => tests(t, &params, &format!("{}: endpointTests", service.id))?,
    };
    Ok(Some(EndpointRules { params, rules, tests }))
}

fn params(v: Option<&Value>, at: &str) -> Result<Vec<Param>> {
    let Some(Value::Object(map)) = v else { bail_at!(at, "`parameters` must be an object") };
    let mut out: Vec<Param> = Vec::new();
    for (name, p) in map {
        let pat = format!("{at}: parameter {name}");
        let ty = match p.get("type").and_then(Value::as_str).map(str::to_ascii_lowercase).as_deref() {
            Some("string") => ParamType::String,
            Some("boolean") => ParamType::Boolean,
            Some("stringarray") => ParamType::StringArray,
            other => bail_at!(pat, "unknown parameter type {other:?}"),
        };
        let default = p.get("default").map(|d| param_value(d, ty, &pat)).transpose()?;
        let field = naming::field_name(name).map_err(|e| ModelError::new(&pat, e))?;
        if out.iter().any(|q| q.field == field) {
            bail_at!(pat, "its Rust name `{field}` collides with another parameter");
        }
        out.push(Param {
            name: name.clone(),
            field,
            ty,
            required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
            default,
            built_in: p.get("builtIn").and_then(Value::as_str).map(str::to_string),
            docs: Docs(p.get("documentation").and_then(Value::as_str).map(crate::docs::to_rustdoc).unwrap_or_else(|| vec![format!("The `{name}` parameter.")])),
            deprecated: p.get("deprecated").is_some(),
        });
    }
    Ok(out)
}

fn param_value(v: &Value, ty: ParamType, at: &str) -> Result<ParamValue> {
    Ok(match (ty, v) {
        (ParamType::String, Value::String(s)) => ParamValue::String(s.clone()),
        (ParamType::Boolean, Value::Bool(b)) => ParamValue::Bool(*b),
        (ParamType::StringArray, Value::Array(a)) => ParamValue::StringArray(
            a.iter()
                .map(|s| s.as_str().map(str::to_string).ok_or_else(|| ModelError::new(at, "string array values must be strings")))
                .collect::<Result<_>>()?,
        ),
        _ => bail_at!(at, "value {v} does not match the parameter type"),
    })
}

fn rules(v: Option<&Value>, at: &str) -> Result<Vec<Rule>> {
    let Some(Value::Array(list)) = v else { bail_at!(at, "`rules` must be a list") };
    list.iter().enumerate().map(|(i, r)| rule(r, &format!("{at}: rules[{i}]"))).collect()
}

fn rule(v: &Value, at: &str) -> Result<Rule> {
    let obj = v.as_object().ok_or_else(|| ModelError::new(at, "a rule must be an object"))?;
    let conditions = match obj.get("conditions") {
        None => Vec::new(),
        Some(Value::Array(c)) => c.iter().map(|c| condition(c, at)).collect::<Result<_>>()?,
        Some(_) => bail_at!(at, "`conditions` must be a list"),
    };
    match obj.get("type").and_then(Value::as_str) {
        Some("endpoint") => {
            let e = obj.get("endpoint").and_then(Value::as_object).ok_or_else(|| ModelError::new(at, "missing `endpoint`"))?;
            let url = expr(e.get("url").ok_or_else(|| ModelError::new(at, "endpoint needs a `url`"))?, at)?;
            let headers = match e.get("headers") {
                None => Vec::new(),
                Some(Value::Object(h)) => h
                    .iter()
                    .map(|(k, vals)| {
                        let vals = vals.as_array().ok_or_else(|| ModelError::new(at, "header values must be lists"))?;
                        Ok((k.clone(), vals.iter().map(|x| expr(x, at)).collect::<Result<_>>()?))
                    })
                    .collect::<Result<_>>()?,
                Some(_) => bail_at!(at, "`headers` must be an object"),
            };
            let properties = match e.get("properties") {
                None => Vec::new(),
                Some(Value::Object(p)) => p.iter().map(|(k, x)| Ok((k.clone(), property(x, at)?))).collect::<Result<_>>()?,
                Some(_) => bail_at!(at, "`properties` must be an object"),
            };
            Ok(Rule::Endpoint { conditions, url, headers, properties })
        }
        Some("error") => Ok(Rule::Error { conditions, message: expr(obj.get("error").ok_or_else(|| ModelError::new(at, "missing `error`"))?, at)? }),
        Some("tree") => Ok(Rule::Tree { conditions, rules: rules(obj.get("rules"), at)? }),
        other => bail_at!(at, "unknown rule type {other:?}"),
    }
}

fn property(v: &Value, at: &str) -> Result<Property> {
    Ok(match v {
        Value::String(s) => Property::Template(template(s, at)?),
        Value::Bool(b) => Property::Bool(*b),
        Value::Number(n) => Property::Int(n.as_i64().ok_or_else(|| ModelError::new(at, format!("number {n} is not an integer")))?),
        Value::Array(a) => Property::Array(a.iter().map(|x| property(x, at)).collect::<Result<_>>()?),
        Value::Object(o) => Property::Object(o.iter().map(|(k, x)| Ok((k.clone(), property(x, at)?))).collect::<Result<_>>()?),
        Value::Null => bail_at!(at, "null is not a valid endpoint property"),
    })
}

fn condition(v: &Value, at: &str) -> Result<Condition> {
    let Expr::Call(call) = expr(v, at)? else { bail_at!(at, "a condition must be a function call") };
    let assign = v.get("assign").and_then(Value::as_str).map(str::to_string);
    Ok(Condition { call, assign })
}

fn expr(v: &Value, at: &str) -> Result<Expr> {
    Ok(match v {
        Value::String(s) => Expr::Template(template(s, at)?),
        Value::Bool(b) => Expr::Bool(*b),
        Value::Number(n) => Expr::Int(n.as_i64().ok_or_else(|| ModelError::new(at, format!("number {n} is not an integer")))?),
        Value::Array(a) => Expr::Array(a.iter().map(|x| expr(x, at)).collect::<Result<_>>()?),
        Value::Object(o) => object_expr(o, at)?,
        Value::Null => bail_at!(at, "null is not a rules-language value"),
    })
}

fn object_expr(o: &Map<String, Value>, at: &str) -> Result<Expr> {
    if let Some(r) = o.get("ref") {
        return Ok(Expr::Ref(r.as_str().ok_or_else(|| ModelError::new(at, "`ref` must be a string"))?.to_string()));
    }
    if let Some(f) = o.get("fn") {
        let name = f.as_str().ok_or_else(|| ModelError::new(at, "`fn` must be a string"))?;
        let mut args: Vec<Expr> = match o.get("argv") {
            Some(Value::Array(a)) => a.iter().map(|x| expr(x, at)).collect::<Result<_>>()?,
            _ => bail_at!(at, "function `{name}` needs an `argv` list"),
        };
        if name == "getAttr" {
            let path = match args.as_slice() {
                [_, Expr::Template(parts)] => match parts.as_slice() {
                    [TemplatePart::Literal(p)] => parse_path(p, at)?,
                    _ => bail_at!(at, "getAttr needs a literal path"),
                },
                _ => bail_at!(at, "getAttr takes a value and a literal path"),
            };
            args.truncate(1);
            return Ok(Expr::Call(Call { function: Function::GetAttr(path), args }));
        }
        let (function, min, max) = match name {
            "booleanEquals" => (Function::BooleanEquals, 2, 2),
            "stringEquals" => (Function::StringEquals, 2, 2),
            "isSet" => (Function::IsSet, 1, 1),
            "not" => (Function::Not, 1, 1),
            "isValidHostLabel" => (Function::IsValidHostLabel, 2, 2),
            "parseURL" => (Function::ParseUrl, 1, 1),
            "substring" => (Function::Substring, 4, 4),
            "uriEncode" => (Function::UriEncode, 1, 1),
            "split" => (Function::Split, 3, 3),
            "coalesce" => (Function::Coalesce, 2, usize::MAX),
            "ite" => (Function::Ite, 3, 3),
            "aws.partition" => (Function::AwsPartition, 1, 1),
            "aws.parseArn" => (Function::AwsParseArn, 1, 1),
            "aws.isVirtualHostableS3Bucket" => (Function::AwsIsVirtualHostableS3Bucket, 2, 2),
            other => bail_at!(at, "unknown function `{other}`"),
        };
        if args.len() < min || args.len() > max {
            bail_at!(at, "`{name}` takes {min}..={max} arguments, not {}", args.len());
        }
        return Ok(Expr::Call(Call { function, args }));
    }
    bail_at!(at, "an object expression must be a `ref` or a `fn` call (records are only allowed in endpoint properties)")
}

/// Splits a template string into literals and `{ref}` / `{ref#path}` parts; `{{` and `}}`
/// are escaped braces (spec: "Template strings").
fn template(s: &str, at: &str) -> Result<Vec<TemplatePart>> {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                lit.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                lit.push('}');
            }
            '{' => {
                let mut inner = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) => inner.push(c),
                        None => bail_at!(at, "template `{s}` has an unclosed `{{`"),
                    }
                }
                if !lit.is_empty() {
                    parts.push(TemplatePart::Literal(std::mem::take(&mut lit)));
                }
                let (name, path) = match inner.split_once('#') {
                    Some((n, p)) => (n.to_string(), parse_path(p, at)?),
                    None => (inner, Vec::new()),
                };
                if name.is_empty() {
                    bail_at!(at, "template `{s}` has an empty reference");
                }
                parts.push(TemplatePart::Ref { name, path });
            }
            '}' => bail_at!(at, "template `{s}` has an unmatched `}}`"),
            c => lit.push(c),
        }
    }
    if !lit.is_empty() || parts.is_empty() {
        parts.push(TemplatePart::Literal(lit));
    }
    Ok(parts)
}

/// A `getAttr` path: `a.b[2]` (spec: "getAttr function", path syntax).
fn parse_path(path: &str, at: &str) -> Result<Vec<PathSeg>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if key.contains(']') {
            bail_at!(at, "malformed path `{path}`");
        }
        if !key.is_empty() {
            out.push(PathSeg::Key(key.to_string()));
        }
        while let Some(r) = rest.strip_prefix('[') {
            let (index, after) = r.split_once(']').ok_or_else(|| ModelError::new(at, format!("path `{path}` has an unclosed `[`")))?;
            let index = index.parse().map_err(|_| ModelError::new(at, format!("path `{path}` has a bad index `{index}`")))?;
            out.push(PathSeg::Index(index));
            rest = after;
        }
        if !rest.is_empty() || (key.is_empty() && out.is_empty()) {
            bail_at!(at, "malformed path `{path}`");
        }
    }
    Ok(out)
}

fn tests(v: &Value, params: &[Param], at: &str) -> Result<Vec<EndpointTest>> {
    let cases = v.get("testCases").and_then(Value::as_array).ok_or_else(|| ModelError::new(at, "needs a `testCases` list"))?;
    let mut out = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let cat = format!("{at}[{i}]");
        let mut values = Vec::new();
        if let Some(Value::Object(p)) = c.get("params") {
            for (k, val) in p {
                let param = params.iter().find(|q| &q.name == k).ok_or_else(|| ModelError::new(&cat, format!("unknown parameter `{k}`")))?;
                values.push((k.clone(), param_value(val, param.ty, &cat)?));
            }
        }
        let expect = c.get("expect").ok_or_else(|| ModelError::new(&cat, "missing `expect`"))?;
        let expect = if let Some(e) = expect.get("error") {
            EndpointExpectation::Error(e.as_str().ok_or_else(|| ModelError::new(&cat, "`error` must be a string"))?.to_string())
        } else if let Some(e) = expect.get("endpoint") {
            let url = e.get("url").and_then(Value::as_str).ok_or_else(|| ModelError::new(&cat, "endpoint needs a `url`"))?.to_string();
            let headers = e
                .get("headers")
                .and_then(Value::as_object)
                .map(|h| {
                    h.iter()
                        .map(|(k, v)| (k.clone(), v.as_array().map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect()).unwrap_or_default()))
                        .collect()
                })
                .unwrap_or_default();
            let properties = super::traits::doc_value(e.get("properties").unwrap_or(&Value::Object(Map::new())))
                .ok_or_else(|| ModelError::new(&cat, "endpoint `properties` hold a number beyond the range of f64"))?;
            EndpointExpectation::Endpoint { url, headers, properties }
        } else {
            bail_at!(cat, "`expect` needs `endpoint` or `error`");
        };
        out.push(EndpointTest { docs: c.get("documentation").and_then(Value::as_str).unwrap_or("").to_string(), params: values, expect });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates() {
        let t = template("https://{Region}.{PartitionResult#dnsSuffix}/{{x}}", "t").unwrap();
        assert_eq!(
            t,
            [
                TemplatePart::Literal("https://".into()),
                TemplatePart::Ref { name: "Region".into(), path: vec![] },
                TemplatePart::Literal(".".into()),
                TemplatePart::Ref { name: "PartitionResult".into(), path: vec![PathSeg::Key("dnsSuffix".into())] },
                TemplatePart::Literal("/{x}".into()),
            ]
        );
        assert_eq!(template("", "t").unwrap(), [TemplatePart::Literal(String::new())]);
        assert!(template("{open", "t").unwrap_err().to_string().contains("unclosed"));
        assert!(template("a}b", "t").unwrap_err().to_string().contains("unmatched"));
    }

    #[test]
    fn paths() {
        assert_eq!(parse_path("a.b[2]", "t").unwrap(), [PathSeg::Key("a".into()), PathSeg::Key("b".into()), PathSeg::Index(2)]);
        assert_eq!(parse_path("[0]", "t").unwrap(), [PathSeg::Index(0)]);
        assert_eq!(parse_path("x[-1]", "t").unwrap(), [PathSeg::Key("x".into()), PathSeg::Index(-1)]);
        for bad in ["a[", "a[x]", "a]b"] {
            assert!(parse_path(bad, "t").is_err(), "{bad}");
        }
    }
}
