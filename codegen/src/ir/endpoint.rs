//! The endpoint rule set (`smithy.rules#endpointRuleSet`) and its tests, parsed and checked.
//! The emitter writes it as a `static` value of the runtime's rule types.

use super::{Docs, Name};

/// A whole rule set with the service's tests.
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointRules {
    pub params: Vec<Param>,
    pub rules: Vec<Rule>,
    pub tests: Vec<EndpointTest>,
}

/// Parameter types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    String,
    Boolean,
    StringArray,
}

/// A literal parameter or test value.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamValue {
    String(String),
    Bool(bool),
    StringArray(Vec<String>),
}

/// A rule-set parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// The name in the rule set (`UseFIPS`).
    pub name: String,
    /// The Rust field name in the generated `Params` (`use_fips`).
    pub field: Name,
    pub ty: ParamType,
    pub required: bool,
    pub default: Option<ParamValue>,
    /// `AWS::Region`, `SDK::Endpoint`, ...
    pub built_in: Option<String>,
    pub docs: Docs,
    pub deprecated: bool,
}

/// An expression of the rules language.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A string template, split into literal and `{ref}` / `{ref#path}` parts.
    Template(Vec<TemplatePart>),
    Bool(bool),
    Int(i64),
    Array(Vec<Expr>),
    /// `{"ref": "Region"}`.
    Ref(String),
    Call(Call),
}

/// A function call.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub function: Function,
    pub args: Vec<Expr>,
}

/// The functions of the rules language's standard library and the AWS library.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Function {
    BooleanEquals,
    StringEquals,
    IsSet,
    Not,
    /// `getAttr(target, "path")`: the parsed path; the target is the only argument.
    GetAttr(Vec<PathSeg>),
    IsValidHostLabel,
    ParseUrl,
    Substring,
    UriEncode,
    Split,
    Coalesce,
    Ite,
    AwsPartition,
    AwsParseArn,
    AwsIsVirtualHostableS3Bucket,
}

/// A step of a `getAttr` / template path: `name` or `[index]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathSeg {
    Key(String),
    Index(i32),
}

/// An endpoint property value: literals, templates, lists and objects only.
#[derive(Clone, Debug, PartialEq)]
pub enum Property {
    Template(Vec<TemplatePart>),
    Bool(bool),
    Int(i64),
    Array(Vec<Property>),
    Object(Vec<(String, Property)>),
}

/// A piece of a template string.
#[derive(Clone, Debug, PartialEq)]
pub enum TemplatePart {
    Literal(String),
    /// `{name}` or `{name#path}`.
    Ref { name: String, path: Vec<PathSeg> },
}

/// A condition: a function call, optionally assigned to a name.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub call: Call,
    pub assign: Option<String>,
}

/// A rule.
#[derive(Clone, Debug, PartialEq)]
pub enum Rule {
    Endpoint { conditions: Vec<Condition>, url: Expr, headers: Vec<(String, Vec<Expr>)>, properties: Vec<(String, Property)> },
    Error { conditions: Vec<Condition>, message: Expr },
    Tree { conditions: Vec<Condition>, rules: Vec<Rule> },
}

/// One `smithy.rules#endpointTests` case.
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointTest {
    pub docs: String,
    pub params: Vec<(String, ParamValue)>,
    pub expect: EndpointExpectation,
}

/// What a test expects.
#[derive(Clone, Debug, PartialEq)]
pub enum EndpointExpectation {
    Endpoint { url: String, headers: Vec<(String, Vec<String>)>, properties: super::DocValue },
    Error(String),
}
