//! What one model file contributes before the files are assembled: shape definitions whose
//! references may still be relative, trait applications, metadata. The JSON AST reader and the
//! IDL parser both produce a [`Fragment`]; `assemble` resolves and merges them into a `Model`.

use super::ShapeId;
use serde_json::{Number, Value};
use std::collections::HashMap;

/// A position in a source file. `line == 0` when unknown (JSON AST files).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Loc {
    /// Index of the file in the assembled sources.
    pub file: usize,
    pub line: u32,
    pub column: u32,
}

/// A shape reference as written: already absolute (JSON AST), or IDL text to resolve against
/// the file's namespace, `use` statements, the other files and the prelude.
#[derive(Clone, Debug, PartialEq)]
pub enum Ref {
    Absolute(ShapeId),
    /// `Name`, `Name$member`, `ns#Name` or `ns#Name$member`.
    Relative { text: String, loc: Loc },
}

/// A node value (metadata, trait values). IDL syntactic shape ids stay unresolved until the
/// whole model is known; JSON AST values are final.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    /// An unquoted IDL string: a syntactic shape id.
    ShapeId(String, Loc),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
    Json(Value),
}

/// A member as written: `target == None` when the IDL elided it (`$name`).
#[derive(Clone, Debug, PartialEq)]
pub struct MemberDef {
    pub name: String,
    pub target: Option<Ref>,
    pub loc: Loc,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceDef {
    pub version: Option<String>,
    pub operations: Vec<Ref>,
    pub resources: Vec<Ref>,
    pub errors: Vec<Ref>,
    /// Absolute shape id → new name.
    pub rename: Vec<(ShapeId, String)>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResourceDef {
    pub identifiers: Vec<(String, Ref)>,
    pub properties: Vec<(String, Ref)>,
    /// `create`, `put`, `read`, `update`, `delete`, `list`, as given.
    pub lifecycle: Vec<(&'static str, Ref)>,
    pub operations: Vec<Ref>,
    pub collection_operations: Vec<Ref>,
    pub resources: Vec<Ref>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct OperationDef {
    pub input: Option<Ref>,
    pub output: Option<Ref>,
    pub errors: Vec<Ref>,
}

/// A shape's type and type-specific properties as written.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// A simple shape, by JSON AST type name (`string`, `integer`, ...).
    Simple(&'static str),
    Enum(Vec<MemberDef>),
    IntEnum(Vec<MemberDef>),
    /// `list` (`set` in 1.0 files when `unique`); the member may come from a mixin.
    List { member: Option<MemberDef>, set: bool },
    Map { key: Option<MemberDef>, value: Option<MemberDef> },
    Structure(Vec<MemberDef>),
    Union(Vec<MemberDef>),
    Service(ServiceDef),
    Resource(ResourceDef),
    Operation(OperationDef),
}

/// A shape definition (its traits are separate [`TraitApp`]s).
#[derive(Clone, Debug, PartialEq)]
pub struct ShapeDef {
    pub id: ShapeId,
    pub loc: Loc,
    pub body: Body,
    pub mixins: Vec<Ref>,
    /// The IDL `for` resource, used only to resolve elided member targets.
    pub for_resource: Option<Ref>,
}

/// A trait value as written: an IDL annotation (`@foo`, `@foo()`), whose value depends on the
/// trait's shape, or a value.
#[derive(Clone, Debug, PartialEq)]
pub enum TraitValue {
    Annotation,
    Node(Node),
}

/// One application of a trait to a shape or member: inline, by `apply`, or a doc comment.
#[derive(Clone, Debug, PartialEq)]
pub struct TraitApp {
    pub target: Ref,
    pub trait_id: Ref,
    pub value: TraitValue,
    pub loc: Loc,
}

/// Everything one file contributes.
#[derive(Clone, Debug, Default)]
pub struct Fragment {
    /// Whether the file is Smithy 1.0 (its shapes are normalised into 2.0 terms).
    pub v1: bool,
    /// The version as written (`1.0`, `2`, ...).
    pub version: String,
    /// Whether the file is IDL (IDL-only checks apply).
    pub idl: bool,
    /// The file's namespace (IDL), for relative references.
    pub namespace: Option<String>,
    /// Names imported by `use` statements.
    pub uses: HashMap<String, ShapeId>,
    pub shapes: Vec<ShapeDef>,
    pub traits: Vec<TraitApp>,
    /// JSON AST `apply` entries: their targets must exist even when they apply no trait.
    pub apply_targets: Vec<ShapeId>,
    pub metadata: Vec<(String, Node, Loc)>,
}

/// The one spelling of a node number, so that numbers equal in value are equal in the model
/// whichever file and notation they came from (`10e0`, `10.0` and `1e1` are the same number).
/// The model keeps each number's text (serde_json's `arbitrary_precision`), because Smithy's
/// node numbers have no range limit: integers stay as written, other numbers within f64's range
/// take f64's shortest round-trip spelling, and those beyond it (Smithy's `BigDecimal`) keep
/// the text they were written with.
pub fn canonical_number(n: &Number) -> Number {
    if !n.to_string().contains(['.', 'e', 'E']) {
        return n.clone();
    }
    n.as_f64().and_then(Number::from_f64).unwrap_or_else(|| n.clone())
}

/// [`canonical_number`] applied to every number in a JSON value.
pub fn canonical_numbers(value: Value) -> Value {
    match value {
        Value::Number(n) => Value::Number(canonical_number(&n)),
        Value::Array(items) => Value::Array(items.into_iter().map(canonical_numbers).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, canonical_numbers(v))).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> Number {
        serde_json::from_str(text).expect(text)
    }

    #[test]
    fn numbers_equal_in_value_have_one_spelling() {
        for (a, b) in [("10e0", "10.0"), ("10e+2", "1000.0"), ("-10e-2", "-0.1"), ("1E1", "10.0"), ("-2.0", "-2.00")] {
            assert_eq!(canonical_number(&number(a)), canonical_number(&number(b)), "{a} and {b}");
        }
        assert_eq!(canonical_number(&number("123")).to_string(), "123");
        assert_eq!(canonical_number(&number("-10")).to_string(), "-10");
        assert_ne!(canonical_number(&number("1")), canonical_number(&number("1.5")));
    }

    #[test]
    fn numbers_beyond_f64_keep_their_value() {
        let big = canonical_number(&number("1.7976931348623157E+309"));
        assert_eq!(big.to_string().to_lowercase(), "1.7976931348623157e+309");
        assert_eq!(big.as_f64(), None, "beyond f64");
        assert_ne!(big, canonical_number(&number("2E+308")));
        // An integer beyond u64 is kept too, rather than rounded.
        assert_eq!(canonical_number(&number("123456789012345678901234567890")).to_string(), "123456789012345678901234567890");
    }
}
