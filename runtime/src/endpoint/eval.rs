//! The rule-set evaluator: binds parameters, walks the rules in order, evaluates conditions and
//! renders the selected endpoint or error.
//!
//! Resolution runs for every request, so it avoids work: values borrow from the rule set, the
//! parameters and the partitions data wherever they can (`Cow::Borrowed`), substrings of a
//! borrowed string stay borrowed, and variables live in one small vector that is truncated when a
//! rule ends. A typical AWS rule set resolves with two allocations: that vector and the URL.

use std::borrow::Cow;
use std::fmt;
use std::rc::Rc;

use super::aws;
use super::output::{Endpoint, Property};
use super::partitions::{PartitionOutputs, Partitions, AWS_PARTITIONS};
use super::rules::{
    Call, EndpointTemplate, Expr, Function, List, Outcome, ParamValue, ParameterType, PathSegment, PropertyTemplate,
    Rule, RuleSet, Str, Template, TemplatePart,
};
use super::stdlib;

/// The values a caller binds to rule-set parameters (from built-ins, client configuration and
/// operation input). Setting a name again replaces the earlier value, so callers apply sources
/// from least to most specific.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params {
    values: Vec<(Str, ParamValue)>,
}

impl Params {
    /// No values set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `name`, replacing any earlier value.
    pub fn set(&mut self, name: impl Into<Str>, value: impl Into<ParamValue>) -> &mut Self {
        let (name, value) = (name.into(), value.into());
        match self.values.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.values.push((name, value)),
        }
        self
    }

    /// Builder form of [`Params::set`].
    pub fn with(mut self, name: impl Into<Str>, value: impl Into<ParamValue>) -> Self {
        self.set(name, value);
        self
    }

    /// Removes the value of `name`.
    pub fn unset(&mut self, name: &str) {
        self.values.retain(|(n, _)| n != name);
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&ParamValue> {
        self.values.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// Every value set, in the order first set.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ParamValue)> {
        self.values.iter().map(|(n, v)| (&**n, v))
    }
}

/// What evaluation needs besides the rule set and parameters: the partitions data behind
/// `aws.partition`.
#[derive(Clone, Copy, Debug)]
pub struct EvalContext<'p> {
    /// The partitions searched by `aws.partition`.
    pub partitions: &'p Partitions,
}

impl<'p> EvalContext<'p> {
    /// A context using the given partitions data.
    pub fn new(partitions: &'p Partitions) -> Self {
        Self { partitions }
    }
}

impl Default for EvalContext<'static> {
    /// The built-in current AWS partitions.
    fn default() -> Self {
        Self { partitions: &AWS_PARTITIONS }
    }
}

/// Why no endpoint was resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResolveError {
    /// A required parameter has neither a value nor a default.
    MissingParameter(String),
    /// A parameter value of the wrong type.
    ParameterType {
        /// The parameter.
        name: String,
        /// The declared type.
        expected: ParameterType,
    },
    /// A value for a parameter the rule set does not declare.
    UnknownParameter(String),
    /// An `error` rule was selected; this is its rendered message, shown to the user as is.
    Rule(String),
    /// No rule matched (spec: rule exhaustion, at the top level or inside a tree rule).
    NoMatch,
    /// The rule set used a value in a way its types do not allow; a rule-set bug that static
    /// validation would have caught.
    Evaluation(String),
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingParameter(n) => write!(f, "missing required endpoint parameter `{n}`"),
            Self::ParameterType { name, expected } => {
                write!(f, "endpoint parameter `{name}` must be a {}", expected.name())
            }
            Self::UnknownParameter(n) => write!(f, "unknown endpoint parameter `{n}`"),
            Self::Rule(message) => f.write_str(message),
            Self::NoMatch => f.write_str("no endpoint rule matched the parameters"),
            Self::Evaluation(why) => write!(f, "endpoint rule set error: {why}"),
        }
    }
}

impl std::error::Error for ResolveError {}

/// Resolves the endpoint for `params`.
///
/// Spec order: every parameter is bound first (value, else default; a required parameter left
/// unset is an error), then rules are tried in order until one matches.
pub fn resolve(rule_set: &RuleSet, params: &Params, ctx: &EvalContext<'_>) -> Result<Endpoint, ResolveError> {
    if let Some((name, _)) = params.iter().find(|(n, _)| rule_set.parameter(n).is_none()) {
        return Err(ResolveError::UnknownParameter(name.to_owned()));
    }
    let mut eval = Evaluator { partitions: ctx.partitions, scope: Vec::with_capacity(rule_set.parameters.len() + 8) };
    for p in rule_set.parameters.iter() {
        match params.get(&p.name).or(p.default.as_ref()) {
            Some(v) if v.ty() != p.ty => {
                return Err(ResolveError::ParameterType { name: p.name.to_string(), expected: p.ty })
            }
            Some(v) => eval.scope.push((&p.name, param_value(v))),
            None if p.required => return Err(ResolveError::MissingParameter(p.name.to_string())),
            None => {}
        }
    }
    eval.rules(&rule_set.rules)
}

fn param_value(v: &ParamValue) -> Value<'_> {
    match v {
        ParamValue::String(s) => Value::Str(Cow::Borrowed(s)),
        ParamValue::Boolean(b) => Value::Bool(*b),
        ParamValue::StringArray(items) => Value::Array(items.iter().map(|s| Value::Str(Cow::Borrowed(&**s))).collect()),
    }
}

/// A value during evaluation. Structures are reference-counted so that reading a variable is
/// cheap.
#[derive(Clone, Debug)]
enum Value<'a> {
    Str(Cow<'a, str>),
    Bool(bool),
    Int(i64),
    Array(Rc<[Value<'a>]>),
    Partition(&'a PartitionOutputs),
    Url(Rc<UrlValue<'a>>),
    Arn(Rc<ArnValue<'a>>),
}

#[derive(Debug)]
struct UrlValue<'a> {
    scheme: Cow<'a, str>,
    authority: Cow<'a, str>,
    path: Cow<'a, str>,
    normalized_path: Cow<'a, str>,
    is_ip: bool,
}

#[derive(Debug)]
struct ArnValue<'a> {
    partition: Cow<'a, str>,
    service: Cow<'a, str>,
    region: Cow<'a, str>,
    account_id: Cow<'a, str>,
    resource_id: Rc<[Value<'a>]>,
}

impl Value<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Self::Str(_) => "string",
            Self::Bool(_) => "boolean",
            Self::Int(_) => "integer",
            Self::Array(_) => "array",
            Self::Partition(_) => "partition",
            Self::Url(_) => "URL",
            Self::Arn(_) => "ARN",
        }
    }
}

/// A piece of `whole` as a value of the same lifetime: borrowed when `whole` is borrowed (the
/// common case: parameters and literals), copied otherwise.
fn narrow<'a>(whole: &Cow<'a, str>, part: &str) -> Cow<'a, str> {
    if let Cow::Borrowed(w) = whole {
        let offset = (part.as_ptr() as usize).wrapping_sub(w.as_ptr() as usize);
        if let Some(s) = w.get(offset..offset.saturating_add(part.len())) {
            if s.as_ptr() == part.as_ptr() {
                return Cow::Borrowed(s);
            }
        }
    }
    Cow::Owned(part.to_owned())
}

fn eval_err<T>(why: impl Into<String>) -> Result<T, ResolveError> {
    Err(ResolveError::Evaluation(why.into()))
}

struct Evaluator<'a> {
    partitions: &'a Partitions,
    /// Parameters, then variables assigned by the conditions of the enclosing rules.
    scope: Vec<(&'a str, Value<'a>)>,
}

impl<'a> Evaluator<'a> {
    fn rules(&mut self, rules: &'a [Rule]) -> Result<Endpoint, ResolveError> {
        for rule in rules {
            let depth = self.scope.len();
            if self.conditions_hold(rule)? {
                // Spec: a selected tree rule is terminal; exhausting its sub-rules is an error
                // rather than a fall-through to the next sibling.
                return match &rule.outcome {
                    Outcome::Endpoint(e) => self.endpoint(e),
                    Outcome::Error(message) => {
                        Err(ResolveError::Rule(self.string_expr(message, "error")?.into_owned()))
                    }
                    Outcome::Tree(children) => self.rules(children),
                };
            }
            self.scope.truncate(depth);
        }
        Err(ResolveError::NoMatch)
    }

    fn endpoint(&self, e: &'a EndpointTemplate) -> Result<Endpoint, ResolveError> {
        let header = |(name, values): &'a (Str, List<Expr>)| {
            let values = values.iter().map(|v| Ok(self.string_expr(v, name)?.into_owned()));
            Ok((name.to_string(), values.collect::<Result<_, ResolveError>>()?))
        };
        Ok(Endpoint {
            url: self.string_expr(&e.url, "url")?.into_owned(),
            headers: e.headers.iter().map(header).collect::<Result<_, _>>()?,
            properties: e
                .properties
                .iter()
                .map(|(k, v)| Ok((k.to_string(), self.property(v)?)))
                .collect::<Result<_, _>>()?,
        })
    }

    /// Spec: a condition holds unless it yields no value or `false`.
    fn conditions_hold(&mut self, rule: &'a Rule) -> Result<bool, ResolveError> {
        for cond in rule.conditions.iter() {
            match self.call(&cond.call)? {
                None | Some(Value::Bool(false)) => return Ok(false),
                Some(v) => {
                    if let Some(name) = &cond.assign {
                        self.scope.push((name, v));
                    }
                }
            }
        }
        Ok(true)
    }

    fn lookup(&self, name: &str) -> Option<&Value<'a>> {
        self.scope.iter().rev().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    fn expr(&self, e: &'a Expr) -> Result<Option<Value<'a>>, ResolveError> {
        Ok(Some(match e {
            Expr::String(t) => Value::Str(self.template(t)?),
            Expr::Bool(b) => Value::Bool(*b),
            Expr::Int(i) => Value::Int(*i),
            Expr::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| self.expr(i)?.map_or_else(|| eval_err("unset value in a list literal"), Ok))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Ref(name) => return Ok(self.lookup(name).cloned()),
            Expr::Call(call) => return self.call(call),
        }))
    }

    fn string_expr(&self, e: &'a Expr, what: &str) -> Result<Cow<'a, str>, ResolveError> {
        match self.expr(e)? {
            Some(Value::Str(s)) => Ok(s),
            Some(v) => eval_err(format!("{what} must be a string, found a {}", v.kind())),
            None => eval_err(format!("{what} is not set")),
        }
    }

    fn template(&self, t: &'a Template) -> Result<Cow<'a, str>, ResolveError> {
        if let [part] = &*t.parts {
            return self.template_part(part);
        }
        // Sized up front so building a URL is a single allocation in the common case.
        let literal_len: usize =
            t.parts.iter().map(|p| if let TemplatePart::Literal(l) = p { l.len() } else { 32 }).sum();
        let mut out = String::with_capacity(literal_len);
        for part in t.parts.iter() {
            match part {
                TemplatePart::Literal(s) => out.push_str(s),
                TemplatePart::Value { name, path } if path.is_empty() => match self.lookup(name) {
                    Some(Value::Str(s)) => out.push_str(s),
                    _ => out.push_str(&self.template_part(part)?),
                },
                TemplatePart::Value { .. } => out.push_str(&self.template_part(part)?),
            }
        }
        Ok(Cow::Owned(out))
    }

    fn template_part(&self, part: &'a TemplatePart) -> Result<Cow<'a, str>, ResolveError> {
        let (name, path) = match part {
            TemplatePart::Literal(s) => return Ok(Cow::Borrowed(s)),
            TemplatePart::Value { name, path } => (name, path),
        };
        let Some(value) = self.lookup(name) else {
            return eval_err(format!("template refers to `{name}`, which is not set"));
        };
        match get_attr(value, path)? {
            Some(Value::Str(s)) => Ok(s),
            Some(v) => eval_err(format!("template value `{name}` is a {}, not a string", v.kind())),
            None => eval_err(format!("template value `{name}` has no element at that index")),
        }
    }

    fn property(&self, p: &'a PropertyTemplate) -> Result<Property, ResolveError> {
        Ok(match p {
            PropertyTemplate::String(t) => Property::String(self.template(t)?.into_owned()),
            PropertyTemplate::Bool(b) => Property::Bool(*b),
            PropertyTemplate::Int(i) => Property::Int(*i),
            PropertyTemplate::Array(items) => {
                Property::Array(items.iter().map(|i| self.property(i)).collect::<Result<_, _>>()?)
            }
            PropertyTemplate::Object(fields) => {
                Property::Object(fields.iter().map(|(k, v)| Ok((k.to_string(), self.property(v)?))).collect::<Result<
                    _,
                    ResolveError,
                >>(
                )?)
            }
        })
    }

    /// Argument `i` of `call`, which must be set.
    fn arg(&self, call: &'a Call, i: usize) -> Result<Value<'a>, ResolveError> {
        let name = call.func.name();
        let Some(e) = call.args.get(i) else {
            return eval_err(format!("`{name}` is missing argument {}", i + 1));
        };
        self.expr(e)?.map_or_else(|| eval_err(format!("argument {} of `{name}` is not set", i + 1)), Ok)
    }

    fn str_arg(&self, call: &'a Call, i: usize) -> Result<Cow<'a, str>, ResolveError> {
        match self.arg(call, i)? {
            Value::Str(s) => Ok(s),
            v => {
                eval_err(format!("argument {} of `{}` must be a string, found a {}", i + 1, call.func.name(), v.kind()))
            }
        }
    }

    fn bool_arg(&self, call: &'a Call, i: usize) -> Result<bool, ResolveError> {
        match self.arg(call, i)? {
            Value::Bool(b) => Ok(b),
            v => eval_err(format!(
                "argument {} of `{}` must be a boolean, found a {}",
                i + 1,
                call.func.name(),
                v.kind()
            )),
        }
    }

    /// An integer argument that must not be negative.
    fn index_arg(&self, call: &'a Call, i: usize) -> Result<usize, ResolveError> {
        match self.arg(call, i)? {
            Value::Int(n) => usize::try_from(n)
                .or_else(|_| eval_err(format!("argument {} of `{}` must not be negative", i + 1, call.func.name()))),
            v => eval_err(format!(
                "argument {} of `{}` must be an integer, found a {}",
                i + 1,
                call.func.name(),
                v.kind()
            )),
        }
    }

    fn call(&self, call: &'a Call) -> Result<Option<Value<'a>>, ResolveError> {
        let v = match &call.func {
            Function::BooleanEquals => Value::Bool(self.bool_arg(call, 0)? == self.bool_arg(call, 1)?),
            Function::StringEquals => Value::Bool(self.str_arg(call, 0)? == self.str_arg(call, 1)?),
            Function::IsSet => {
                let arg = call.args.first().map_or_else(|| eval_err("`isSet` needs an argument"), Ok)?;
                Value::Bool(self.expr(arg)?.is_some())
            }
            Function::Not => Value::Bool(!self.bool_arg(call, 0)?),
            Function::GetAttr(path) => return get_attr(&self.arg(call, 0)?, path),
            Function::IsValidHostLabel => {
                Value::Bool(stdlib::is_valid_host_label(&self.str_arg(call, 0)?, self.bool_arg(call, 1)?))
            }
            Function::ParseUrl => {
                let input = self.str_arg(call, 0)?;
                let Some(url) = stdlib::parse_url(&input) else { return Ok(None) };
                Value::Url(Rc::new(UrlValue {
                    scheme: narrow(&input, url.scheme),
                    authority: narrow(&input, url.authority),
                    path: narrow(&input, url.path),
                    normalized_path: match url.normalized_path() {
                        Cow::Borrowed(p) => narrow(&input, p),
                        Cow::Owned(p) => Cow::Owned(p),
                    },
                    is_ip: url.is_ip,
                }))
            }
            Function::Substring => {
                let input = self.str_arg(call, 0)?;
                let (start, end) = (self.index_arg(call, 1)?, self.index_arg(call, 2)?);
                match stdlib::substring(&input, start, end, self.bool_arg(call, 3)?) {
                    Some(s) => Value::Str(narrow(&input, s)),
                    None => return Ok(None),
                }
            }
            Function::UriEncode => {
                let input = self.str_arg(call, 0)?;
                Value::Str(match stdlib::uri_encode(&input) {
                    Cow::Borrowed(_) => input,
                    Cow::Owned(s) => Cow::Owned(s),
                })
            }
            Function::Split => {
                let input = self.str_arg(call, 0)?;
                let delimiter = self.str_arg(call, 1)?;
                let limit = self.index_arg(call, 2)?;
                let Some(parts) = stdlib::split(&input, &delimiter, limit) else {
                    return eval_err("`split` needs a non-empty delimiter");
                };
                let parts: Rc<[Value<'a>]> = parts.map(|p| Value::Str(narrow(&input, p))).collect();
                Value::Array(parts)
            }
            // Spec: the first argument that has a value wins, even `false`; later arguments are
            // not evaluated.
            Function::Coalesce => {
                for arg in call.args.iter() {
                    if let Some(v) = self.expr(arg)? {
                        return Ok(Some(v));
                    }
                }
                return Ok(None);
            }
            Function::Ite => {
                let branch = if self.bool_arg(call, 0)? { 1 } else { 2 };
                let arg = call.args.get(branch).map_or_else(|| eval_err("`ite` needs three arguments"), Ok)?;
                return self.expr(arg);
            }
            Function::AwsPartition => match self.partitions.find(&self.str_arg(call, 0)?) {
                Some(p) => Value::Partition(p),
                None => return Ok(None),
            },
            Function::AwsParseArn => {
                let input = self.str_arg(call, 0)?;
                let Some(arn) = aws::parse_arn(&input) else { return Ok(None) };
                Value::Arn(Rc::new(ArnValue {
                    partition: narrow(&input, arn.partition),
                    service: narrow(&input, arn.service),
                    region: narrow(&input, arn.region),
                    account_id: narrow(&input, arn.account_id),
                    resource_id: arn.resource_id().map(|r| Value::Str(narrow(&input, r))).collect(),
                }))
            }
            Function::AwsIsVirtualHostableS3Bucket => {
                Value::Bool(aws::is_virtual_hostable_s3_bucket(&self.str_arg(call, 0)?, self.bool_arg(call, 1)?))
            }
        };
        Ok(Some(v))
    }
}

/// `getAttr`: follows `path` into `value`. Spec: an index past either end yields no value;
/// negative indexes count from the end (rules engine 1.1).
fn get_attr<'a>(value: &Value<'a>, path: &[PathSegment]) -> Result<Option<Value<'a>>, ResolveError> {
    let Some((first, rest)) = path.split_first() else {
        return Ok(Some(value.clone()));
    };
    let next = match (value, first) {
        (Value::Array(items), PathSegment::Index(i)) => {
            let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
            let i = i64::from(*i);
            let at = if i < 0 { len + i } else { i };
            match usize::try_from(at).ok().and_then(|at| items.get(at)) {
                Some(v) => v.clone(),
                None => return Ok(None),
            }
        }
        (_, PathSegment::Key(key)) => match field(value, key) {
            Some(v) => v,
            None => return eval_err(format!("a {} has no attribute `{key}`", value.kind())),
        },
        (v, PathSegment::Index(_)) => return eval_err(format!("cannot index into a {}", v.kind())),
    };
    get_attr(&next, rest)
}

fn field<'a>(value: &Value<'a>, key: &str) -> Option<Value<'a>> {
    let s = |c: &Cow<'a, str>| Some(Value::Str(c.clone()));
    let b = |s: &'a Str| Some(Value::Str(Cow::Borrowed(&**s)));
    match value {
        &Value::Partition(p) => match key {
            "name" => b(&p.name),
            "dnsSuffix" => b(&p.dns_suffix),
            "dualStackDnsSuffix" => b(&p.dual_stack_dns_suffix),
            "implicitGlobalRegion" => b(&p.implicit_global_region),
            "supportsFIPS" => Some(Value::Bool(p.supports_fips)),
            "supportsDualStack" => Some(Value::Bool(p.supports_dual_stack)),
            _ => None,
        },
        Value::Url(u) => match key {
            "scheme" => s(&u.scheme),
            "authority" => s(&u.authority),
            "path" => s(&u.path),
            "normalizedPath" => s(&u.normalized_path),
            "isIp" => Some(Value::Bool(u.is_ip)),
            _ => None,
        },
        Value::Arn(a) => match key {
            "partition" => s(&a.partition),
            "service" => s(&a.service),
            "region" => s(&a.region),
            "accountId" => s(&a.account_id),
            "resourceId" => Some(Value::Array(a.resource_id.clone())),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::rules::{Condition, Parameter};

    fn s(text: &str) -> Expr {
        Expr::String(Template::parse(text).unwrap())
    }

    fn r(name: &'static str) -> Expr {
        Expr::Ref(Cow::Borrowed(name))
    }

    fn f(name: &str, args: Vec<Expr>) -> Expr {
        Expr::Call(Call::new(name, args).unwrap())
    }

    fn cond(call: Expr, assign: Option<&'static str>) -> Condition {
        let Expr::Call(call) = call else { panic!("not a call") };
        Condition { call, assign: assign.map(Cow::Borrowed) }
    }

    fn endpoint(conditions: Vec<Condition>, url: &str) -> Rule {
        Rule {
            conditions: conditions.into(),
            outcome: Outcome::Endpoint(EndpointTemplate {
                url: s(url),
                headers: Cow::Borrowed(&[]),
                properties: Cow::Borrowed(&[]),
            }),
        }
    }

    fn error(conditions: Vec<Condition>, message: &str) -> Rule {
        Rule { conditions: conditions.into(), outcome: Outcome::Error(s(message)) }
    }

    fn tree(conditions: Vec<Condition>, rules: Vec<Rule>) -> Rule {
        Rule { conditions: conditions.into(), outcome: Outcome::Tree(rules.into()) }
    }

    fn param(name: &'static str, ty: ParameterType, required: bool, default: Option<ParamValue>) -> Parameter {
        Parameter { name: Cow::Borrowed(name), ty, required, default, built_in: None, deprecated: None }
    }

    fn rule_set(parameters: Vec<Parameter>, rules: Vec<Rule>) -> RuleSet {
        RuleSet { version: "1.1".into(), parameters: parameters.into(), rules: rules.into() }
    }

    /// Renders a value compactly so tables can state expectations as strings.
    fn show(v: &Value<'_>) -> String {
        match v {
            Value::Str(s) => format!("{s:?}"),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Array(items) => format!("[{}]", items.iter().map(show).collect::<Vec<_>>().join(",")),
            Value::Partition(p) => format!("partition {}", p.name),
            Value::Url(u) => format!("url {} {} {:?} {} {}", u.scheme, u.authority, u.path, u.normalized_path, u.is_ip),
            Value::Arn(a) => format!(
                "arn {} {} {} {} {}",
                a.partition,
                a.service,
                a.region,
                a.account_id,
                show(&Value::Array(a.resource_id.clone()))
            ),
        }
    }

    /// Evaluates `e` with `X` = "abc", `Flag` = true, `List` = ["a","b","c"] and `Unset` unset.
    fn eval(e: &Expr) -> Result<Option<String>, ResolveError> {
        let list: Vec<String> = vec!["a".into(), "b".into(), "c".into()];
        let list = ParamValue::from(list);
        let evaluator = Evaluator {
            partitions: &AWS_PARTITIONS,
            scope: vec![
                ("X", Value::Str(Cow::Borrowed("abc"))),
                ("Flag", Value::Bool(true)),
                ("List", param_value(&list)),
            ],
        };
        Ok(evaluator.expr(e)?.as_ref().map(show))
    }

    #[test]
    fn library_functions_through_the_evaluator() {
        let some = |v: &str| Ok(Some(v.to_owned()));
        let cases: Vec<(Expr, Result<Option<String>, ResolveError>)> = vec![
            (f("booleanEquals", vec![r("Flag"), Expr::Bool(true)]), some("true")),
            (f("booleanEquals", vec![r("Flag"), Expr::Bool(false)]), some("false")),
            (f("stringEquals", vec![r("X"), s("abc")]), some("true")),
            (f("stringEquals", vec![s("{X}-"), s("abc-")]), some("true")),
            (f("stringEquals", vec![r("X"), s("ABC")]), some("false")),
            (f("isSet", vec![r("X")]), some("true")),
            (f("isSet", vec![r("Unset")]), some("false")),
            (f("not", vec![f("isSet", vec![r("Unset")])]), some("true")),
            (f("getAttr", vec![r("List"), s("[0]")]), some("\"a\"")),
            (f("getAttr", vec![r("List"), s("[-1]")]), some("\"c\"")),
            (f("getAttr", vec![r("List"), s("[-3]")]), some("\"a\"")),
            (f("getAttr", vec![r("List"), s("[3]")]), Ok(None)),
            (f("getAttr", vec![r("List"), s("[-4]")]), Ok(None)),
            (
                f("getAttr", vec![f("aws.partition", vec![s("us-west-2")]), s("dualStackDnsSuffix")]),
                some("\"api.aws\""),
            ),
            (f("getAttr", vec![f("aws.partition", vec![s("cn-north-1")]), s("supportsFIPS")]), some("true")),
            (f("getAttr", vec![f("aws.parseArn", vec![s("arn:aws:s3:r:1:a/b")]), s("resourceId[1]")]), some("\"b\"")),
            (f("getAttr", vec![f("parseURL", vec![s("https://h:1/p")]), s("normalizedPath")]), some("\"/p/\"")),
            (f("isValidHostLabel", vec![s("a.b"), Expr::Bool(true)]), some("true")),
            (f("isValidHostLabel", vec![s("a.b"), Expr::Bool(false)]), some("false")),
            (f("parseURL", vec![s("http://1.2.3.4/x")]), some("url http 1.2.3.4 \"/x\" /x/ true")),
            (f("parseURL", vec![s("https://e.com?q")]), Ok(None)),
            (f("substring", vec![r("X"), Expr::Int(1), Expr::Int(3), Expr::Bool(false)]), some("\"bc\"")),
            (f("substring", vec![r("X"), Expr::Int(0), Expr::Int(1), Expr::Bool(true)]), some("\"c\"")),
            (f("substring", vec![r("X"), Expr::Int(0), Expr::Int(4), Expr::Bool(false)]), Ok(None)),
            (f("uriEncode", vec![s("a b/c")]), some("\"a%20b%2Fc\"")),
            (f("split", vec![s("a--b"), s("--"), Expr::Int(0)]), some("[\"a\",\"b\"]")),
            (f("coalesce", vec![r("Unset"), r("X")]), some("\"abc\"")),
            (f("coalesce", vec![r("Unset"), r("Unset"), s("last")]), some("\"last\"")),
            (f("coalesce", vec![r("Unset"), r("Unset")]), Ok(None)),
            (f("coalesce", vec![Expr::Bool(false), Expr::Bool(true)]), some("false")),
            // Later arguments are not evaluated once one has a value (this one would fail).
            (f("coalesce", vec![r("X"), f("not", vec![r("X")])]), some("\"abc\"")),
            (f("ite", vec![r("Flag"), s("-fips"), s("")]), some("\"-fips\"")),
            (f("ite", vec![Expr::Bool(false), f("not", vec![r("X")]), s("")]), some("\"\"")),
            (f("aws.partition", vec![s("us-gov-west-1")]), some("partition aws-us-gov")),
            (f("aws.partition", vec![s("mars-1")]), some("partition aws")),
            (f("aws.parseArn", vec![s("arn:aws:iam::1:user/x")]), some("arn aws iam  1 [\"user\",\"x\"]")),
            (f("aws.parseArn", vec![s("not-an-arn")]), Ok(None)),
            (f("aws.isVirtualHostableS3Bucket", vec![s("a.bc"), Expr::Bool(true)]), some("true")),
            (f("aws.isVirtualHostableS3Bucket", vec![s("a.bc"), Expr::Bool(false)]), some("false")),
            (Expr::Array(vec![r("X"), Expr::Bool(true)].into()), some("[\"abc\",true]")),
        ];
        for (expr, want) in cases {
            assert_eq!(eval(&expr), want, "{expr:?}");
        }
    }

    #[test]
    fn ill_typed_calls_are_evaluation_errors() {
        let cases = [
            f("stringEquals", vec![r("Unset"), s("x")]),
            f("stringEquals", vec![r("Flag"), s("x")]),
            f("booleanEquals", vec![r("X"), Expr::Bool(true)]),
            f("not", vec![r("X")]),
            f("getAttr", vec![r("X"), s("name")]),
            f("getAttr", vec![f("aws.partition", vec![s("us-east-1")]), s("nope")]),
            f("getAttr", vec![f("aws.partition", vec![s("us-east-1")]), s("[0]")]),
            f("substring", vec![r("X"), Expr::Int(-1), Expr::Int(2), Expr::Bool(false)]),
            f("split", vec![r("X"), s(""), Expr::Int(0)]),
            f("ite", vec![r("X"), s("a"), s("b")]),
            s("{Flag}"),
            s("x{Unset}"),
        ];
        for expr in cases {
            assert!(matches!(eval(&expr), Err(ResolveError::Evaluation(_))), "{expr:?} gave {:?}", eval(&expr));
        }
    }

    #[test]
    fn substrings_of_borrowed_inputs_stay_borrowed() {
        let whole: Cow<'_, str> = Cow::Borrowed("arn:aws:s3");
        assert!(matches!(narrow(&whole, &whole[4..7]), Cow::Borrowed("aws")));
        let owned: Cow<'_, str> = Cow::Owned("arn:aws".into());
        assert!(matches!(narrow(&owned, &owned[4..]), Cow::Owned(ref s) if s == "aws"));
        // A string that is not a piece of `whole` is copied, never mis-sliced.
        assert!(matches!(narrow(&whole, "aws"), Cow::Owned(ref s) if s == "aws"));
    }

    #[test]
    fn templates_render_values_and_attributes() {
        let set = rule_set(
            vec![param("Region", ParameterType::String, true, None)],
            vec![endpoint(
                vec![cond(f("aws.partition", vec![r("Region")]), Some("P"))],
                "https://{{svc}}.{Region}.{P#dnsSuffix}/{P#name}",
            )],
        );
        let got = resolve(&set, &Params::new().with("Region", "eu-west-1"), &EvalContext::default());
        assert_eq!(got.map(|e| e.url), Ok("https://{svc}.eu-west-1.amazonaws.com/aws".to_owned()));
    }

    #[test]
    fn parameter_binding_errors() {
        let set = rule_set(
            vec![
                param("Region", ParameterType::String, true, None),
                param("Fips", ParameterType::Boolean, true, Some(ParamValue::Boolean(false))),
            ],
            vec![endpoint(vec![], "https://{Region}")],
        );
        let ctx = EvalContext::default();
        assert_eq!(resolve(&set, &Params::new(), &ctx), Err(ResolveError::MissingParameter("Region".into())));
        assert_eq!(
            resolve(&set, &Params::new().with("Region", true), &ctx),
            Err(ResolveError::ParameterType { name: "Region".into(), expected: ParameterType::String })
        );
        assert_eq!(
            resolve(&set, &Params::new().with("Region", "r").with("Fips", "yes"), &ctx),
            Err(ResolveError::ParameterType { name: "Fips".into(), expected: ParameterType::Boolean })
        );
        assert_eq!(
            resolve(&set, &Params::new().with("Region", "r").with("Typo", "x"), &ctx),
            Err(ResolveError::UnknownParameter("Typo".into()))
        );
        assert_eq!(resolve(&set, &Params::new().with("Region", "r"), &ctx).map(|e| e.url), Ok("https://r".into()));
        let msg = ResolveError::MissingParameter("Region".into()).to_string();
        assert!(msg.contains("Region"), "{msg}");
    }

    #[test]
    fn defaults_apply_only_when_unset() {
        let set = rule_set(
            vec![param("Fips", ParameterType::Boolean, true, Some(ParamValue::Boolean(false)))],
            vec![
                endpoint(vec![cond(f("booleanEquals", vec![r("Fips"), Expr::Bool(true)]), None)], "https://fips"),
                endpoint(vec![], "https://plain"),
            ],
        );
        let ctx = EvalContext::default();
        assert_eq!(resolve(&set, &Params::new(), &ctx).map(|e| e.url), Ok("https://plain".into()));
        assert_eq!(resolve(&set, &Params::new().with("Fips", true), &ctx).map(|e| e.url), Ok("https://fips".into()));
    }

    #[test]
    fn rule_outcomes_and_exhaustion() {
        let is_set = |n| cond(f("isSet", vec![r(n)]), None);
        let set = rule_set(
            vec![param("A", ParameterType::String, false, None), param("B", ParameterType::String, false, None)],
            vec![
                // Assigns `V`, then fails: `V` must not leak into the next rule.
                endpoint(
                    vec![
                        cond(f("coalesce", vec![r("A"), s("x")]), Some("V")),
                        is_set("B"),
                        cond(f("not", vec![Expr::Bool(true)]), None),
                    ],
                    "https://never",
                ),
                error(vec![cond(f("isSet", vec![r("V")]), None)], "leaked"),
                tree(vec![is_set("A")], vec![error(vec![is_set("B")], "A={A} and B={B}")]),
                endpoint(vec![is_set("B")], "https://{B}"),
            ],
        );
        let ctx = EvalContext::default();
        let run = |p: Params| resolve(&set, &p, &ctx);
        assert_eq!(run(Params::new().with("A", "1").with("B", "2")), Err(ResolveError::Rule("A=1 and B=2".into())));
        // A selected tree is terminal: its exhaustion does not fall through to later rules.
        assert_eq!(run(Params::new().with("A", "1")), Err(ResolveError::NoMatch));
        assert_eq!(run(Params::new().with("B", "2")).map(|e| e.url), Ok("https://2".into()));
        assert_eq!(run(Params::new()), Err(ResolveError::NoMatch));
        assert_eq!(ResolveError::Rule("exact text".into()).to_string(), "exact text");
    }

    #[test]
    fn headers_and_properties_are_rendered() {
        let set = RuleSet {
            version: "1.0".into(),
            parameters: vec![param("Region", ParameterType::String, true, None)].into(),
            rules: vec![Rule {
                conditions: Cow::Borrowed(&[]),
                outcome: Outcome::Endpoint(EndpointTemplate {
                    url: r("Region"),
                    headers: vec![("x-multi".into(), vec![s("*"), s("{Region}")].into())].into(),
                    properties: vec![(
                        "authSchemes".into(),
                        PropertyTemplate::Array(
                            vec![PropertyTemplate::Object(
                                vec![
                                    ("name".into(), PropertyTemplate::String(Template::literal("sigv4"))),
                                    (
                                        "signingRegion".into(),
                                        PropertyTemplate::String(Template::parse("{Region}").unwrap()),
                                    ),
                                    ("disableDoubleEncoding".into(), PropertyTemplate::Bool(true)),
                                ]
                                .into(),
                            )]
                            .into(),
                        ),
                    )]
                    .into(),
                }),
            }]
            .into(),
        };
        let e = resolve(&set, &Params::new().with("Region", "https://r"), &EvalContext::default()).unwrap();
        assert_eq!(e.url, "https://r");
        assert_eq!(e.header("X-Multi"), Some(&["*".to_string(), "https://r".to_string()][..]));
        let scheme = e.auth_scheme("sigv4").unwrap();
        assert_eq!(scheme.signing_region(), Some("https://r"));
        assert!(scheme.disable_double_encoding());
    }

    #[test]
    fn custom_partitions_are_used() {
        let mut data = AWS_PARTITIONS.clone();
        data.partitions.to_mut()[0].outputs.dns_suffix = Cow::Borrowed("example.test");
        let set = rule_set(
            vec![param("Region", ParameterType::String, true, None)],
            vec![endpoint(vec![cond(f("aws.partition", vec![r("Region")]), Some("P"))], "https://{P#dnsSuffix}")],
        );
        let got = resolve(&set, &Params::new().with("Region", "us-east-1"), &EvalContext::new(&data));
        assert_eq!(got.map(|e| e.url), Ok("https://example.test".into()));
    }

    #[test]
    fn params_set_replaces() {
        let mut p = Params::new();
        p.set("A", "1").set("B", true).set("A", "2");
        assert_eq!(p.get("A"), Some(&ParamValue::from("2")));
        assert_eq!(p.iter().count(), 2);
        p.unset("A");
        assert_eq!(p.get("A"), None);
    }
}
