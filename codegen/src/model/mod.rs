//! A faithful, typed mirror of the Smithy JSON AST: shape ids, shapes, members and traits.
//!
//! `load` builds it from one JSON AST document, `assemble` from several files mixing JSON AST
//! and the IDL (`idl`); `passes` rewrite it; `lower` reads it. Trait values stay as JSON here
//! (traits are open-ended); `lower` is the only stage that interprets them. `to_json_ast` and
//! `to_idl` write it back as JSON AST or IDL.

mod assemble;
mod fragment;
mod idl;
mod idl_writer;
mod json_ast;
mod load;
pub(crate) mod prelude;

pub use assemble::{assemble, Source};
pub(crate) use assemble::LIFECYCLE;
pub use idl_writer::to_idl;
pub use json_ast::to_json_ast;
pub use load::load;

use indexmap::IndexMap;
use serde_json::Value;
use std::fmt;

/// An absolute shape id: `namespace#Name` or `namespace#Name$member`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ShapeId(String);

impl ShapeId {
    /// Parses an absolute shape id; `None` when it is not of the form `ns#Name[$member]`.
    pub fn parse(s: &str) -> Option<ShapeId> {
        let (ns, rest) = s.split_once('#')?;
        let (name, member) = match rest.split_once('$') {
            Some((n, m)) => (n, Some(m)),
            None => (rest, None),
        };
        let ns_ok = !ns.is_empty() && ns.split('.').all(is_identifier);
        let ok = ns_ok && is_identifier(name) && member.is_none_or(is_identifier);
        ok.then(|| ShapeId(s.to_string()))
    }

    /// The id of member `member` of this shape.
    pub fn with_member(&self, member: &str) -> ShapeId {
        ShapeId(format!("{}${member}", self.root_str()))
    }

    /// The namespace, before `#`.
    pub fn namespace(&self) -> &str {
        self.0.split_once('#').map_or("", |(ns, _)| ns)
    }

    /// The shape name, between `#` and `$`.
    pub fn name(&self) -> &str {
        let rest = self.0.split_once('#').map_or(self.0.as_str(), |(_, r)| r);
        rest.split_once('$').map_or(rest, |(n, _)| n)
    }

    /// The member name after `$`, if this is a member id.
    pub fn member(&self) -> Option<&str> {
        self.0.split_once('$').map(|(_, m)| m)
    }

    /// The shape id without the member part.
    pub fn root(&self) -> ShapeId {
        ShapeId(self.root_str().to_string())
    }

    fn root_str(&self) -> &str {
        self.0.split_once('$').map_or(self.0.as_str(), |(r, _)| r)
    }

    /// The id as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Smithy's `identifier` production: `*"_" ALPHA *(ALPHA / DIGIT / "_")`.
pub fn is_identifier(s: &str) -> bool {
    let rest = s.trim_start_matches('_');
    let mut chars = rest.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic()) && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl fmt::Display for ShapeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ShapeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// Trait values keyed by absolute trait shape id, in model order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Traits(pub IndexMap<String, Value>);

impl Traits {
    /// The value of trait `id` (e.g. `smithy.api#required`).
    pub fn get(&self, id: &str) -> Option<&Value> {
        self.0.get(id)
    }

    /// Whether trait `id` is applied.
    pub fn has(&self, id: &str) -> bool {
        self.0.contains_key(id)
    }

    /// A string-valued trait.
    pub fn string(&self, id: &str) -> Option<&str> {
        self.get(id).and_then(Value::as_str)
    }

    /// Applies `other` on top of these traits. List-valued traits are concatenated as the
    /// spec's trait conflict resolution requires; other values are replaced.
    pub fn merge(&mut self, other: &Traits) {
        for (k, v) in &other.0 {
            match (self.0.get_mut(k), v) {
                (Some(Value::Array(mine)), Value::Array(theirs)) => {
                    for item in theirs {
                        if !mine.contains(item) {
                            mine.push(item.clone());
                        }
                    }
                }
                _ => {
                    self.0.insert(k.clone(), v.clone());
                }
            }
        }
    }
}

/// A member of an aggregate shape.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    /// The member name.
    pub name: String,
    /// The targeted shape.
    pub target: ShapeId,
    /// Traits on the member itself.
    pub traits: Traits,
}

/// Properties of a service shape.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Service {
    pub version: String,
    pub operations: Vec<ShapeId>,
    pub resources: Vec<ShapeId>,
    pub errors: Vec<ShapeId>,
    /// Shape id → new name, to disambiguate name conflicts in the closure.
    pub rename: IndexMap<ShapeId, String>,
}

/// Properties of an operation shape.
#[derive(Clone, Debug, PartialEq)]
pub struct Operation {
    pub input: ShapeId,
    pub output: ShapeId,
    pub errors: Vec<ShapeId>,
}

/// Properties of a resource shape: everything that can bind operations or shapes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resource {
    pub identifiers: IndexMap<String, ShapeId>,
    pub properties: IndexMap<String, ShapeId>,
    /// Lifecycle operations by property name (`create`, `put`, `read`, `update`, `delete`,
    /// `list`), in that order, when present.
    pub lifecycle: IndexMap<String, ShapeId>,
    pub operations: Vec<ShapeId>,
    pub collection_operations: Vec<ShapeId>,
    pub resources: Vec<ShapeId>,
}

/// The kind of a shape and its kind-specific properties.
#[derive(Clone, Debug, PartialEq)]
pub enum ShapeKind {
    Blob,
    Boolean,
    String,
    Byte,
    Short,
    Integer,
    Long,
    Float,
    Double,
    BigInteger,
    BigDecimal,
    Timestamp,
    Document,
    /// `enum`: members target `smithy.api#Unit` and carry `enumValue`.
    Enum(Vec<Member>),
    IntEnum(Vec<Member>),
    /// `list`; Smithy 1.0 `set` becomes a list with `uniqueItems` during loading.
    List(Member),
    Map { key: Member, value: Member },
    Structure(Vec<Member>),
    Union(Vec<Member>),
    Service(Service),
    Operation(Operation),
    Resource(Resource),
}

impl ShapeKind {
    /// The JSON AST type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            ShapeKind::Blob => "blob",
            ShapeKind::Boolean => "boolean",
            ShapeKind::String => "string",
            ShapeKind::Byte => "byte",
            ShapeKind::Short => "short",
            ShapeKind::Integer => "integer",
            ShapeKind::Long => "long",
            ShapeKind::Float => "float",
            ShapeKind::Double => "double",
            ShapeKind::BigInteger => "bigInteger",
            ShapeKind::BigDecimal => "bigDecimal",
            ShapeKind::Timestamp => "timestamp",
            ShapeKind::Document => "document",
            ShapeKind::Enum(_) => "enum",
            ShapeKind::IntEnum(_) => "intEnum",
            ShapeKind::List(_) => "list",
            ShapeKind::Map { .. } => "map",
            ShapeKind::Structure(_) => "structure",
            ShapeKind::Union(_) => "union",
            ShapeKind::Service(_) => "service",
            ShapeKind::Operation(_) => "operation",
            ShapeKind::Resource(_) => "resource",
        }
    }

    /// Members of an aggregate (structure, union, enum, intEnum, list, map), in order.
    pub fn members(&self) -> Vec<&Member> {
        match self {
            ShapeKind::Enum(m) | ShapeKind::IntEnum(m) | ShapeKind::Structure(m) | ShapeKind::Union(m) => {
                m.iter().collect()
            }
            ShapeKind::List(m) => vec![m],
            ShapeKind::Map { key, value } => vec![key, value],
            _ => Vec::new(),
        }
    }

    /// Mutable access to the members of an aggregate.
    pub fn members_mut(&mut self) -> Vec<&mut Member> {
        match self {
            ShapeKind::Enum(m) | ShapeKind::IntEnum(m) | ShapeKind::Structure(m) | ShapeKind::Union(m) => {
                m.iter_mut().collect()
            }
            ShapeKind::List(m) => vec![m],
            ShapeKind::Map { key, value } => vec![key, value],
            _ => Vec::new(),
        }
    }
}

/// A shape with its traits.
#[derive(Clone, Debug, PartialEq)]
pub struct Shape {
    pub id: ShapeId,
    pub kind: ShapeKind,
    pub traits: Traits,
    /// Mixins still to be flattened (emptied by the mixin pass).
    pub mixins: Vec<ShapeId>,
}

impl Shape {
    /// The member called `name`.
    pub fn member(&self, name: &str) -> Option<&Member> {
        self.kind.members().into_iter().find(|m| m.name == name)
    }
}

/// A whole model: every shape, keyed by id, in a deterministic order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Model {
    /// Shapes sorted by id after loading, so that output never depends on input order.
    pub shapes: IndexMap<ShapeId, Shape>,
    /// The Smithy IDL version the model was written in (`1.0` or `2.0`; `2.0` when files of
    /// both versions were assembled).
    pub version: String,
    /// The model's metadata, merged across its files.
    pub metadata: IndexMap<String, Value>,
}

impl Model {
    /// The shape `id`, or an error naming `from` (the referencing shape or member).
    pub fn expect(&self, id: &ShapeId, from: &impl fmt::Display) -> crate::error::Result<&Shape> {
        self.shapes
            .get(id)
            .ok_or_else(|| crate::error::ModelError::new(from, format!("targets `{id}`, which is not defined in the model")))
    }

    /// The shape `id` if present.
    pub fn get(&self, id: &ShapeId) -> Option<&Shape> {
        self.shapes.get(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_id_parts() {
        let id = ShapeId::parse("smithy.example#Foo$bar").unwrap();
        assert!(ShapeId::parse("_a.__b#__C$_d1").is_some());
        assert_eq!((id.namespace(), id.name(), id.member()), ("smithy.example", "Foo", Some("bar")));
        assert_eq!(id.root().as_str(), "smithy.example#Foo");
        assert_eq!(id.root().with_member("baz").as_str(), "smithy.example#Foo$baz");
        for bad in ["Foo", "#Foo", "ns#", "ns#9Foo", "ns..x#Foo", "ns#Foo$", "ns#Fo-o", "ns#_", "ns#__1"] {
            assert!(ShapeId::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn list_traits_merge_by_concatenation() {
        let mut a = Traits(IndexMap::from([("t#tags".to_string(), serde_json::json!(["a"]))]));
        let b = Traits(IndexMap::from([
            ("t#tags".to_string(), serde_json::json!(["a", "b"])),
            ("t#doc".to_string(), serde_json::json!("x")),
        ]));
        a.merge(&b);
        assert_eq!(a.get("t#tags"), Some(&serde_json::json!(["a", "b"])));
        assert_eq!(a.string("t#doc"), Some("x"));
    }
}
