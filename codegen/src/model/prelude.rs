//! The prelude: the `smithy.api` shapes every model may target without defining them.

use super::{Shape, ShapeId, ShapeKind, Traits};
use indexmap::IndexMap;
use serde_json::{json, Value};

/// `smithy.api#Unit`, the empty structure used for absent operation input and output.
pub fn unit() -> ShapeId {
    ShapeId::parse("smithy.api#Unit").expect("prelude id is valid")
}

/// The prelude shapes. In 1.0 the non-primitive numbers and booleans are `@box`ed; in 2.0 the
/// `Primitive*` shapes carry a zero `@default` instead.
pub fn shapes(v1: bool) -> Vec<Shape> {
    let simple: [(&str, ShapeKind); 13] = [
        ("String", ShapeKind::String),
        ("Blob", ShapeKind::Blob),
        ("BigInteger", ShapeKind::BigInteger),
        ("BigDecimal", ShapeKind::BigDecimal),
        ("Timestamp", ShapeKind::Timestamp),
        ("Document", ShapeKind::Document),
        ("Boolean", ShapeKind::Boolean),
        ("Byte", ShapeKind::Byte),
        ("Short", ShapeKind::Short),
        ("Integer", ShapeKind::Integer),
        ("Long", ShapeKind::Long),
        ("Float", ShapeKind::Float),
        ("Double", ShapeKind::Double),
    ];
    let mut out = Vec::new();
    for (name, kind) in simple {
        let boxed = v1 && matches!(
            kind,
            ShapeKind::Boolean | ShapeKind::Byte | ShapeKind::Short | ShapeKind::Integer | ShapeKind::Long | ShapeKind::Float | ShapeKind::Double
        );
        let traits = if boxed { traits([("smithy.api#box", json!({}))]) } else { Traits::default() };
        out.push(shape(name, kind, traits));
    }
    let primitives: [(&str, ShapeKind, Value); 7] = [
        ("PrimitiveBoolean", ShapeKind::Boolean, json!(false)),
        ("PrimitiveByte", ShapeKind::Byte, json!(0)),
        ("PrimitiveShort", ShapeKind::Short, json!(0)),
        ("PrimitiveInteger", ShapeKind::Integer, json!(0)),
        ("PrimitiveLong", ShapeKind::Long, json!(0)),
        ("PrimitiveFloat", ShapeKind::Float, json!(0)),
        ("PrimitiveDouble", ShapeKind::Double, json!(0)),
    ];
    for (name, kind, zero) in primitives {
        let traits = if v1 { Traits::default() } else { traits([("smithy.api#default", zero)]) };
        out.push(shape(name, kind, traits));
    }
    out.push(shape("Unit", ShapeKind::Structure(Vec::new()), traits([("smithy.api#unitType", json!({}))])));
    out
}

fn shape(name: &str, kind: ShapeKind, traits: Traits) -> Shape {
    let id = ShapeId::parse(&format!("smithy.api#{name}")).expect("prelude id is valid");
    Shape { id, kind, traits, mixins: Vec::new() }
}

fn traits<const N: usize>(items: [(&str, Value); N]) -> Traits {
    Traits(items.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<IndexMap<_, _>>())
}
