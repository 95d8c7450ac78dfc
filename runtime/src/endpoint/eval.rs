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
    Call, Expr, Function, Outcome, ParamValue, ParameterType, PathSegment, PropertyTemplate, Rule, RuleSet, Str,
    Template, TemplatePart,
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
                    Outcome::Endpoint(e) => Ok(Endpoint {
                        url: self.string_expr(&e.url, "url")?.into_owned(),
                        headers: e
                            .headers
                            .iter()
                            .map(|(name, values)| {
                                let values = values.iter().map(|v| Ok(self.string_expr(v, name)?.into_owned()));
                                Ok((name.to_string(), values.collect::<Result<_, ResolveError>>()?))
                            })
                            .collect::<Result<_, ResolveError>>()?,
                        properties: e
                            .properties
                            .iter()
                            .map(|(k, v)| Ok((k.to_string(), self.property(v)?)))
                            .collect::<Result<_, ResolveError>>()?,
                    }),
                    Outcome::Error(message) => Err(ResolveError::Rule(self.string_expr(message, "error")?.into_owned())),
                    Outcome::Tree(children) => self.rules(children),
                };
            }
            self.scope.truncate(depth);
        }
        Err(ResolveError::NoMatch)
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
        let mut out = String::new();
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
            PropertyTemplate::Array(items) => Property::Array(items.iter().map(|i| self.property(i)).collect::<Result<_, _>>()?),
            PropertyTemplate::Object(fields) => Property::Object(
                fields.iter().map(|(k, v)| Ok((k.to_string(), self.property(v)?))).collect::<Result<_, ResolveError>>()?,
            ),
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
            v => eval_err(format!("argument {} of `{}` must be a string, found a {}", i + 1, call.func.name(), v.kind())),
        }
    }

    fn bool_arg(&self, call: &'a Call, i: usize) -> Result<bool, ResolveError> {
        match self.arg(call, i)? {
            Value::Bool(b) => Ok(b),
            v => eval_err(format!("argument {} of `{}` must be a boolean, found a {}", i + 1, call.func.name(), v.kind())),
        }
    }

    /// An integer argument that must not be negative.
    fn index_arg(&self, call: &'a Call, i: usize) -> Result<usize, ResolveError> {
        match self.arg(call, i)? {
            Value::Int(n) => usize::try_from(n)
                .or_else(|_| eval_err(format!("argument {} of `{}` must not be negative", i + 1, call.func.name()))),
            v => eval_err(format!("argument {} of `{}` must be an integer, found a {}", i + 1, call.func.name(), v.kind())),
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
