//! The prelude: the `smithy.api` shapes every model may target without defining them. The model
//! holds its simple shapes and `Unit`; [`shape_type`] knows every prelude shape (traits included),
//! which the IDL needs to resolve relative shape ids and the values of annotation traits.

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

/// The type of the prelude shape `smithy.api#<name>` and whether it is public (referable by a
/// relative shape id from other namespaces); `None` when the prelude has no such shape.
pub fn shape_type(name: &str) -> Option<(&'static str, bool)> {
    let public = match name {
        "String" | "documentation" | "jsonName" | "xmlName" | "mediaType" | "resourceIdentifier" | "since" | "title" | "pattern" | "httpQuery" | "httpHeader" | "httpPrefixHeaders" => ("string", true),
        "Blob" => ("blob", true),
        "BigInteger" => ("bigInteger", true),
        "BigDecimal" => ("bigDecimal", true),
        "Timestamp" => ("timestamp", true),
        "Document" | "default" | "enumValue" => ("document", true),
        "Boolean" | "PrimitiveBoolean" => ("boolean", true),
        "Byte" | "PrimitiveByte" => ("byte", true),
        "Short" | "PrimitiveShort" => ("short", true),
        "Integer" | "PrimitiveInteger" | "httpError" => ("integer", true),
        "Long" | "PrimitiveLong" => ("long", true),
        "Float" | "PrimitiveFloat" => ("float", true),
        "Double" | "PrimitiveDouble" => ("double", true),
        "Unit" | "trait" | "deprecated" | "box" | "protocolDefinition" | "authDefinition" | "httpBasicAuth" | "httpDigestAuth" | "httpBearerAuth" | "httpApiKeyAuth" | "metadata" | "addedDefault" | "clientOptional" | "optionalAuth" | "retryable" | "readonly" | "idempotent" | "idempotencyToken" | "internal" | "xmlAttribute" | "xmlFlattened" | "xmlNamespace" | "noReplace" | "private" | "sensitive" | "streaming" | "requiresLength" | "longPoll" | "length" | "range" | "required" | "property" | "notProperty" | "nestedProperties" | "recommended" | "sparse" | "uniqueItems" | "unstable" | "paginated" | "http" | "httpLabel" | "httpQueryParams" | "httpPayload" | "httpResponseCode" | "cors" | "eventPayload" | "eventHeader" | "idRef" | "endpoint" | "hostLabel" | "httpChecksumRequired" | "input" | "output" | "unitType" | "mixin" | "requestCompression" => ("structure", true),
        "externalDocumentation" | "traitValidators" => ("map", true),
        "auth" | "examples" | "references" | "tags" | "enum" | "suppress" => ("list", true),
        "error" | "timestampFormat" => ("enum", true),
        "TraitDiffRules" | "TraitShapeIdList" | "ShapeClosures" | "Namespaces" | "IdempotentErrors" | "NonEmptyStringList" | "LocalMixinTraitList" | "RequestCompressionEncodingsList" => ("list", false),
        "TraitDiffRule" | "TraitValidator" | "ShapeClosure" | "Example" | "ExampleError" | "Reference" | "EnumDefinition" => ("structure", false),
        "TraitChangeType" | "Severity" | "StructurallyExclusive" | "HttpApiKeyLocations" => ("enum", false),
        "AuthTraitReference" | "TraitShapeId" | "ClosureId" | "CommonMark" | "Identifier" | "NonEmptyString" | "EnumConstantBodyName" | "LocalMixinTrait" => ("string", false),
        "Renames" | "NonEmptyStringMap" => ("map", false),
        _ => return None,
    };
    Some(public)
}
