//! The rule-set data model: parameters, rules, conditions, expressions and templates, in a
//! compact form the evaluator can walk without further parsing.
//!
//! Every string and list is a `Cow<'static, _>`, so the same types serve two audiences:
//! generated clients declare their rule set as a `static` built from `Cow::Borrowed` values (no
//! work at start-up), and tools build owned values from JSON. Everything that can be decided
//! before evaluation is decided at construction: function names become [`Function`] variants,
//! `getAttr` paths become [`PathSegment`]s, and template strings are split into literal and
//! reference parts. Documentation strings are dropped; the runtime never needs them.

use std::borrow::Cow;
use std::fmt;

/// A string that is either `'static` (generated code) or owned (loaded at run time).
pub type Str = Cow<'static, str>;

/// A list that is either a `'static` slice (generated code) or owned (loaded at run time).
pub type List<T> = Cow<'static, [T]>;

/// A complete endpoint rule set (the `smithy.rules#endpointRuleSet` trait).
#[derive(Clone, Debug, PartialEq)]
pub struct RuleSet {
    /// The rules engine version the set was written for (for example `1.0`).
    pub version: Str,
    /// The declared parameters, in declaration order.
    pub parameters: List<Parameter>,
    /// The top-level rules, evaluated in order.
    pub rules: List<Rule>,
}

/// One declared endpoint parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    /// The parameter name as referenced by rules and set by callers.
    pub name: Str,
    /// The declared type.
    pub ty: ParameterType,
    /// Whether resolution must fail when the parameter has neither a value nor a default.
    pub required: bool,
    /// The value used when the caller sets none.
    pub default: Option<ParamValue>,
    /// The built-in (for example `AWS::Region`) whose value the client binds to this parameter.
    pub built_in: Option<Str>,
    /// Present when the parameter is deprecated.
    pub deprecated: Option<Deprecated>,
}

/// The deprecation notice of a parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deprecated {
    /// What to use instead.
    pub message: Option<Str>,
    /// When the parameter was deprecated.
    pub since: Option<Str>,
}

/// The type of an endpoint parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParameterType {
    /// A UTF-8 string.
    String,
    /// A boolean.
    Boolean,
    /// A list of strings.
    StringArray,
}

impl ParameterType {
    /// Parses the `type` property of a parameter object. The spec spells the types in lower
    /// camel case, but models in the wild also use `String`/`Boolean`, so case is ignored.
    pub fn from_name(name: &str) -> Option<Self> {
        [("string", Self::String), ("boolean", Self::Boolean), ("stringArray", Self::StringArray)]
            .into_iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, t)| t)
    }

    /// The spelling used by the spec.
    pub fn name(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Boolean => "boolean",
            Self::StringArray => "stringArray",
        }
    }
}

/// A parameter value: a default in a rule set, or a value a caller provides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamValue {
    /// A `string` value.
    String(Str),
    /// A `boolean` value.
    Boolean(bool),
    /// A `stringArray` value.
    StringArray(List<Str>),
}

impl ParamValue {
    /// The parameter type this value belongs to.
    pub fn ty(&self) -> ParameterType {
        match self {
            Self::String(_) => ParameterType::String,
            Self::Boolean(_) => ParameterType::Boolean,
            Self::StringArray(_) => ParameterType::StringArray,
        }
    }
}

impl From<&'static str> for ParamValue {
    fn from(v: &'static str) -> Self {
        Self::String(Cow::Borrowed(v))
    }
}

impl From<String> for ParamValue {
    fn from(v: String) -> Self {
        Self::String(Cow::Owned(v))
    }
}

impl From<bool> for ParamValue {
    fn from(v: bool) -> Self {
        Self::Boolean(v)
    }
}

impl From<Vec<String>> for ParamValue {
    fn from(v: Vec<String>) -> Self {
        Self::StringArray(Cow::Owned(v.into_iter().map(Cow::Owned).collect()))
    }
}

/// One rule: conditions that must all hold, then an outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// Conditions evaluated in order; the first that fails skips the rule.
    pub conditions: List<Condition>,
    /// What the rule yields when every condition holds.
    pub outcome: Outcome,
}

/// The right-hand side of a rule.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// An `endpoint` rule.
    Endpoint(EndpointTemplate),
    /// An `error` rule; the expression renders the message.
    Error(Expr),
    /// A `tree` rule. Spec: if its sub-rules are exhausted, resolution fails (it does not fall
    /// through to the rules after the tree).
    Tree(List<Rule>),
}

/// A condition: a function call, optionally binding its result to a name.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// The function evaluated.
    pub call: Call,
    /// The variable that receives the result when the condition holds.
    pub assign: Option<Str>,
}

/// The endpoint an `endpoint` rule yields, before rendering.
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointTemplate {
    /// The URL; must evaluate to a string.
    pub url: Expr,
    /// Header names with their value expressions, in declaration order.
    pub headers: List<(Str, List<Expr>)>,
    /// Endpoint properties (for example `authSchemes`), in declaration order.
    pub properties: List<(Str, PropertyTemplate)>,
}

/// An endpoint property value; strings may be templates. Spec: properties hold no references or
/// function calls, only literals and template strings.
#[derive(Clone, Debug, PartialEq)]
pub enum PropertyTemplate {
    /// A string, possibly templated.
    String(Template),
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A list.
    Array(List<PropertyTemplate>),
    /// A map, in declaration order.
    Object(List<(Str, PropertyTemplate)>),
}

/// An expression: a literal, a reference, or a function call.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A string literal, possibly templated.
    String(Template),
    /// A boolean literal.
    Bool(bool),
    /// An integer literal (indexes and limits).
    Int(i64),
    /// A list literal.
    Array(List<Expr>),
    /// A reference to a parameter or an assigned variable.
    Ref(Str),
    /// A function call.
    Call(Call),
}

/// A function applied to arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// The function, resolved from its name.
    pub func: Function,
    /// The arguments. For `getAttr` only the target: the path lives in [`Function::GetAttr`].
    pub args: List<Expr>,
}

/// Every function the engine knows: the standard library and the AWS extensions.
#[derive(Clone, Debug, PartialEq)]
pub enum Function {
    /// `booleanEquals(bool, bool)`.
    BooleanEquals,
    /// `stringEquals(string, string)`.
    StringEquals,
    /// `isSet(option<T>)`.
    IsSet,
    /// `not(bool)`.
    Not,
    /// `getAttr(value, path)`, with the path parsed at construction.
    GetAttr(List<PathSegment>),
    /// `isValidHostLabel(string, allowSubDomains)`.
    IsValidHostLabel,
    /// `parseURL(string)`.
    ParseUrl,
    /// `substring(string, start, end, reverse)`.
    Substring,
    /// `uriEncode(string)`.
    UriEncode,
    /// `split(string, delimiter, limit)` (rules engine 1.1).
    Split,
    /// `coalesce(option<T>...)` (rules engine 1.1).
    Coalesce,
    /// `ite(bool, T, T)` (rules engine 1.1).
    Ite,
    /// `aws.partition(region)`.
    AwsPartition,
    /// `aws.parseArn(string)`.
    AwsParseArn,
    /// `aws.isVirtualHostableS3Bucket(string, allowSubDomains)`.
    AwsIsVirtualHostableS3Bucket,
}

impl Function {
    /// The name used in rule sets.
    pub fn name(&self) -> &'static str {
        match self {
            Self::BooleanEquals => "booleanEquals",
            Self::StringEquals => "stringEquals",
            Self::IsSet => "isSet",
            Self::Not => "not",
            Self::GetAttr(_) => "getAttr",
            Self::IsValidHostLabel => "isValidHostLabel",
            Self::ParseUrl => "parseURL",
            Self::Substring => "substring",
            Self::UriEncode => "uriEncode",
            Self::Split => "split",
            Self::Coalesce => "coalesce",
            Self::Ite => "ite",
            Self::AwsPartition => "aws.partition",
            Self::AwsParseArn => "aws.parseArn",
            Self::AwsIsVirtualHostableS3Bucket => "aws.isVirtualHostableS3Bucket",
        }
    }

    /// The accepted argument counts, `(min, max)`, as they appear in the stored `args`.
    fn arity(&self) -> (usize, usize) {
        match self {
            Self::IsSet | Self::Not | Self::GetAttr(_) | Self::ParseUrl | Self::UriEncode => (1, 1),
            Self::AwsPartition | Self::AwsParseArn => (1, 1),
            Self::BooleanEquals | Self::StringEquals | Self::IsValidHostLabel => (2, 2),
            Self::AwsIsVirtualHostableS3Bucket => (2, 2),
            Self::Split | Self::Ite => (3, 3),
            Self::Substring => (4, 4),
            Self::Coalesce => (2, usize::MAX),
        }
    }
}

impl Call {
    /// Builds a call from a function name and its arguments as written in a rule set. Resolves
    /// the name, checks the argument count, and for `getAttr` parses the path (which must be a
    /// plain string literal).
    pub fn new(name: &str, mut args: Vec<Expr>) -> Result<Self, RuleSetError> {
        let func = match name {
            "booleanEquals" => Function::BooleanEquals,
            "stringEquals" => Function::StringEquals,
            "isSet" => Function::IsSet,
            "not" => Function::Not,
            "getAttr" => {
                if args.len() != 2 {
                    return Err(RuleSetError::Arity { function: "getAttr", found: args.len() });
                }
                let path = match args.pop() {
                    Some(Expr::String(t)) => t.as_literal().map(parse_path).transpose()?,
                    _ => None,
                };
                Function::GetAttr(path.ok_or(RuleSetError::GetAttrPath)?.into())
            }
            "isValidHostLabel" => Function::IsValidHostLabel,
            "parseURL" => Function::ParseUrl,
            "substring" => Function::Substring,
            "uriEncode" => Function::UriEncode,
            "split" => Function::Split,
            "coalesce" => Function::Coalesce,
            "ite" => Function::Ite,
            "aws.partition" => Function::AwsPartition,
            "aws.parseArn" => Function::AwsParseArn,
            "aws.isVirtualHostableS3Bucket" => Function::AwsIsVirtualHostableS3Bucket,
            other => return Err(RuleSetError::UnknownFunction(other.to_owned())),
        };
        let (min, max) = func.arity();
        if args.len() < min || args.len() > max {
            return Err(RuleSetError::Arity { function: func.name(), found: args.len() });
        }
        Ok(Self { func, args: args.into() })
    }
}

/// One step of a `getAttr` path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathSegment {
    /// A property name (`scheme` in `url#scheme`).
    Key(Str),
    /// A list index; negative indexes count from the end (rules engine 1.1).
    Index(i32),
}

/// Parses a `getAttr` path such as `resourceId[0]` or `a.b[-1]`.
///
/// Spec (getAttr, "Parsing path strings"): split on `.`; a part containing `[` is an optional
/// key followed by a bracketed index.
pub fn parse_path(path: &str) -> Result<Vec<PathSegment>, RuleSetError> {
    let bad = || RuleSetError::BadPath(path.to_owned());
    let mut out = Vec::new();
    for part in path.split('.') {
        match part.split_once('[') {
            None if part.is_empty() => return Err(bad()),
            None => out.push(PathSegment::Key(Cow::Owned(part.to_owned()))),
            Some((key, rest)) => {
                if !key.is_empty() {
                    out.push(PathSegment::Key(Cow::Owned(key.to_owned())));
                }
                let index = rest.strip_suffix(']').and_then(|n| n.parse().ok()).ok_or_else(bad)?;
                out.push(PathSegment::Index(index));
            }
        }
    }
    Ok(out)
}

/// A string that may interpolate values: `https://{Region}.{PartitionResult#dnsSuffix}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    /// The parts, concatenated in order when rendering.
    pub parts: List<TemplatePart>,
}

/// A piece of a [`Template`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplatePart {
    /// Text copied as is (escapes already removed).
    Literal(Str),
    /// `{name}` or `{name#path}`: a parameter or variable, optionally narrowed by a `getAttr`
    /// path. An empty path means the value itself.
    Value {
        /// The parameter or variable.
        name: Str,
        /// The `getAttr` path after `#`.
        path: List<PathSegment>,
    },
}

impl Template {
    /// A template made of one literal, without interpolation.
    pub fn literal(text: impl Into<Str>) -> Self {
        Self { parts: Cow::Owned(vec![TemplatePart::Literal(text.into())]) }
    }

    /// Splits a template string into parts.
    ///
    /// Spec (template strings): `{name}` and `{name#path}` interpolate; `{{` and `}}` stand for
    /// literal braces. A lone `}` or an unterminated `{` is an error.
    pub fn parse(text: &str) -> Result<Self, RuleSetError> {
        let bad = |why: &'static str| RuleSetError::BadTemplate { template: text.to_owned(), why };
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(i) = rest.find(['{', '}']) {
            literal.push_str(&rest[..i]);
            let tail = &rest[i..];
            if let Some(after) = tail.strip_prefix("{{").or_else(|| tail.strip_prefix("}}")) {
                literal.push_str(&tail[..1]);
                rest = after;
            } else if tail.starts_with('}') {
                return Err(bad("unmatched `}`"));
            } else {
                let end = tail.find('}').ok_or_else(|| bad("unterminated `{`"))?;
                let inner = &tail[1..end];
                if inner.contains('{') {
                    return Err(bad("`{` inside a placeholder"));
                }
                let (name, path) = match inner.split_once('#') {
                    Some((name, path)) => (name, parse_path(path)?),
                    None => (inner, Vec::new()),
                };
                if name.is_empty() {
                    return Err(bad("empty placeholder"));
                }
                if !literal.is_empty() {
                    parts.push(TemplatePart::Literal(Cow::Owned(std::mem::take(&mut literal))));
                }
                parts.push(TemplatePart::Value { name: Cow::Owned(name.to_owned()), path: path.into() });
                rest = &tail[end + 1..];
            }
        }
        literal.push_str(rest);
        if !literal.is_empty() || parts.is_empty() {
            parts.push(TemplatePart::Literal(Cow::Owned(literal)));
        }
        Ok(Self { parts: parts.into() })
    }

    /// The text when the template has no placeholders.
    pub fn as_literal(&self) -> Option<&str> {
        match &*self.parts {
            [TemplatePart::Literal(s)] => Some(s),
            _ => None,
        }
    }
}

/// Why a rule set could not be built or failed validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleSetError {
    /// A function name the engine does not implement.
    UnknownFunction(String),
    /// A function called with the wrong number of arguments.
    Arity {
        /// The function.
        function: &'static str,
        /// How many arguments it was given.
        found: usize,
    },
    /// The second argument of `getAttr` is not a literal path string.
    GetAttrPath,
    /// A malformed `getAttr` path.
    BadPath(String),
    /// A malformed template string.
    BadTemplate {
        /// The template.
        template: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// Two parameters whose names differ only in case (spec: names are unique ignoring case).
    DuplicateParameter(String),
    /// A parameter default whose type differs from the parameter's.
    DefaultType(String),
    /// A reference to a name that is neither a parameter nor a variable in scope.
    UnknownReference(String),
    /// An `assign` that reuses a parameter or in-scope variable name.
    Shadowing(String),
    /// Anything else a converter wants to report (malformed JSON structure, for example).
    Invalid(String),
}

impl fmt::Display for RuleSetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownFunction(n) => write!(f, "unknown function `{n}`"),
            Self::Arity { function, found } => write!(f, "`{function}` called with {found} arguments"),
            Self::GetAttrPath => f.write_str("the path argument of `getAttr` must be a literal string"),
            Self::BadPath(p) => write!(f, "malformed getAttr path `{p}`"),
            Self::BadTemplate { template, why } => write!(f, "malformed template `{template}`: {why}"),
            Self::DuplicateParameter(n) => write!(f, "parameter `{n}` declared twice"),
            Self::DefaultType(n) => write!(f, "the default of parameter `{n}` does not match its type"),
            Self::UnknownReference(n) => write!(f, "reference to undeclared name `{n}`"),
            Self::Shadowing(n) => write!(f, "`assign` reuses the name `{n}`"),
            Self::Invalid(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for RuleSetError {}

impl RuleSet {
    /// The parameter bound to a built-in such as `AWS::Region` or `SDK::Endpoint`.
    pub fn parameter_for_built_in(&self, built_in: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.built_in.as_deref() == Some(built_in))
    }

    /// The parameter called `name`.
    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.name == name)
    }

    /// Checks what the evaluator relies on: parameter names unique, defaults of the declared
    /// type, every reference naming a parameter or a variable assigned earlier in scope, and no
    /// `assign` reusing a name in scope (spec: condition object, `assign`).
    pub fn validate(&self) -> Result<(), RuleSetError> {
        for (i, p) in self.parameters.iter().enumerate() {
            if self.parameters[..i].iter().any(|q| q.name.eq_ignore_ascii_case(&p.name)) {
                return Err(RuleSetError::DuplicateParameter(p.name.to_string()));
            }
            if p.default.as_ref().is_some_and(|d| d.ty() != p.ty) {
                return Err(RuleSetError::DefaultType(p.name.to_string()));
            }
        }
        let mut scope: Vec<&str> = self.parameters.iter().map(|p| &*p.name).collect();
        validate_rules(&self.rules, &mut scope)
    }
}

fn validate_rules<'a>(rules: &'a [Rule], scope: &mut Vec<&'a str>) -> Result<(), RuleSetError> {
    for rule in rules {
        let depth = scope.len();
        for cond in rule.conditions.iter() {
            validate_call(&cond.call, scope)?;
            if let Some(name) = &cond.assign {
                if scope.contains(&&**name) {
                    return Err(RuleSetError::Shadowing(name.to_string()));
                }
                scope.push(name);
            }
        }
        match &rule.outcome {
            Outcome::Endpoint(e) => {
                validate_expr(&e.url, scope)?;
                for (_, values) in e.headers.iter() {
                    values.iter().try_for_each(|v| validate_expr(v, scope))?;
                }
                e.properties.iter().try_for_each(|(_, p)| validate_property(p, scope))?;
            }
            Outcome::Error(msg) => validate_expr(msg, scope)?,
            Outcome::Tree(rules) => validate_rules(rules, scope)?,
        }
        scope.truncate(depth);
    }
    Ok(())
}

fn validate_call(call: &Call, scope: &[&str]) -> Result<(), RuleSetError> {
    call.args.iter().try_for_each(|a| validate_expr(a, scope))
}

fn validate_expr(expr: &Expr, scope: &[&str]) -> Result<(), RuleSetError> {
    match expr {
        Expr::String(t) => validate_template(t, scope),
        Expr::Bool(_) | Expr::Int(_) => Ok(()),
        Expr::Array(items) => items.iter().try_for_each(|i| validate_expr(i, scope)),
        Expr::Ref(name) => validate_name(name, scope),
        Expr::Call(call) => validate_call(call, scope),
    }
}

fn validate_property(p: &PropertyTemplate, scope: &[&str]) -> Result<(), RuleSetError> {
    match p {
        PropertyTemplate::String(t) => validate_template(t, scope),
        PropertyTemplate::Bool(_) | PropertyTemplate::Int(_) => Ok(()),
        PropertyTemplate::Array(items) => items.iter().try_for_each(|i| validate_property(i, scope)),
        PropertyTemplate::Object(fields) => fields.iter().try_for_each(|(_, v)| validate_property(v, scope)),
    }
}

fn validate_template(t: &Template, scope: &[&str]) -> Result<(), RuleSetError> {
    t.parts.iter().try_for_each(|part| match part {
        TemplatePart::Literal(_) => Ok(()),
        TemplatePart::Value { name, .. } => validate_name(name, scope),
    })
}

fn validate_name(name: &str, scope: &[&str]) -> Result<(), RuleSetError> {
    if scope.contains(&name) {
        Ok(())
    } else {
        Err(RuleSetError::UnknownReference(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &'static str) -> TemplatePart {
        TemplatePart::Literal(Cow::Borrowed(s))
    }

    fn val(name: &'static str, path: Vec<PathSegment>) -> TemplatePart {
        TemplatePart::Value { name: Cow::Borrowed(name), path: path.into() }
    }

    fn key(k: &'static str) -> PathSegment {
        PathSegment::Key(Cow::Borrowed(k))
    }

    #[test]
    fn template_parse_table() {
        let cases: Vec<(&str, Vec<TemplatePart>)> = vec![
            ("plain", vec![lit("plain")]),
            ("", vec![lit("")]),
            ("{Region}", vec![val("Region", vec![])]),
            (
                "https://{Region}.{PartitionResult#dnsSuffix}",
                vec![lit("https://"), val("Region", vec![]), lit("."), val("PartitionResult", vec![key("dnsSuffix")])],
            ),
            ("{{literal}} {x}", vec![lit("{literal} "), val("x", vec![])]),
            ("a}}b{{c", vec![lit("a}b{c")]),
            ("{arn#resourceId[1]}", vec![val("arn", vec![key("resourceId"), PathSegment::Index(1)])]),
            ("{a}{b}", vec![val("a", vec![]), val("b", vec![])]),
        ];
        for (input, parts) in cases {
            assert_eq!(Template::parse(input).unwrap().parts.to_vec(), parts, "{input}");
        }
    }

    #[test]
    fn template_parse_errors() {
        for bad in ["a}b", "{open", "{}", "{a{b}", "{a#}", "{a#x[}"] {
            assert!(Template::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn path_parse_table() {
        assert_eq!(parse_path("scheme").unwrap(), vec![key("scheme")]);
        assert_eq!(parse_path("[-1]").unwrap(), vec![PathSegment::Index(-1)]);
        assert_eq!(parse_path("a.b[2]").unwrap(), vec![key("a"), key("b"), PathSegment::Index(2)]);
        for bad in ["", "a..b", "a[x]", "a[1", "a."] {
            assert!(parse_path(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn call_resolves_names_and_checks_arity() {
        let s = |v: &'static str| Expr::String(Template::literal(v));
        let call = Call::new("getAttr", vec![Expr::Ref("x".into()), s("a[0]")]).unwrap();
        assert_eq!(call.func, Function::GetAttr(vec![key("a"), PathSegment::Index(0)].into()));
        assert_eq!(call.args.len(), 1);
        assert_eq!(Call::new("nope", vec![]), Err(RuleSetError::UnknownFunction("nope".into())));
        assert!(matches!(Call::new("not", vec![]), Err(RuleSetError::Arity { function: "not", found: 0 })));
        assert!(matches!(Call::new("coalesce", vec![s("a")]), Err(RuleSetError::Arity { .. })));
        assert!(Call::new("coalesce", vec![s("a"), s("b"), s("c")]).is_ok());
        let templated = Expr::String(Template::parse("{p}").unwrap());
        assert_eq!(Call::new("getAttr", vec![Expr::Ref("x".into()), templated]), Err(RuleSetError::GetAttrPath));
    }

    #[test]
    fn validate_checks_scoping() {
        let rule = |conditions: Vec<Condition>, url: &str| Rule {
            conditions: conditions.into(),
            outcome: Outcome::Endpoint(EndpointTemplate {
                url: Expr::String(Template::parse(url).unwrap()),
                headers: Cow::Borrowed(&[]),
                properties: Cow::Borrowed(&[]),
            }),
        };
        let assign = |name: &'static str| Condition {
            call: Call::new("aws.partition", vec![Expr::Ref("Region".into())]).unwrap(),
            assign: Some(name.into()),
        };
        let set = |rules: Vec<Rule>| RuleSet {
            version: "1.0".into(),
            parameters: vec![Parameter {
                name: "Region".into(),
                ty: ParameterType::String,
                required: false,
                default: None,
                built_in: None,
                deprecated: None,
            }]
            .into(),
            rules: rules.into(),
        };
        assert_eq!(set(vec![rule(vec![assign("P")], "https://{P#name}")]).validate(), Ok(()));
        // A variable goes out of scope after its rule.
        assert_eq!(
            set(vec![rule(vec![assign("P")], "https://x"), rule(vec![], "https://{P#name}")]).validate(),
            Err(RuleSetError::UnknownReference("P".into()))
        );
        assert_eq!(
            set(vec![rule(vec![assign("Region")], "https://x")]).validate(),
            Err(RuleSetError::Shadowing("Region".into()))
        );
    }
}
