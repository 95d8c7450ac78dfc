//! [`Model`] → Smithy IDL 2.0 text, one file per namespace (what `cargo xtask codegen
//! --emit-idl` writes). Reading the files back gives the same model: shape ids are written
//! relative only where they resolve back to themselves, documentation becomes `///` comments,
//! other trait values are written as node values with quoted strings.

use super::{prelude, Member, Model, Shape, ShapeId, ShapeKind, Traits};
use indexmap::IndexMap;
use serde_json::Value;
use std::collections::HashSet;
use std::fmt::Write as _;

const DOCUMENTATION: &str = "smithy.api#documentation";

/// The model as IDL files: `(namespace, text)`, by namespace. Metadata goes in the first file
/// (a model with metadata and no shapes is one file, named `metadata`).
pub fn to_idl(model: &Model) -> Vec<(String, String)> {
    let mut by_namespace: IndexMap<&str, Vec<&Shape>> = IndexMap::new();
    for shape in model.shapes.values() {
        if shape.id.namespace() == "smithy.api" && prelude::shape_type(shape.id.name()).is_some() {
            continue;
        }
        by_namespace.entry(shape.id.namespace()).or_default().push(shape);
    }
    by_namespace.sort_keys();
    let mut files = Vec::new();
    for (i, (namespace, shapes)) in by_namespace.iter().enumerate() {
        let local: HashSet<&str> = shapes.iter().map(|s| s.id.name()).collect();
        let w = Writer { namespace, local: &local };
        let mut out = String::from("$version: \"2\"\n\n");
        if i == 0 && !model.metadata.is_empty() {
            for (key, value) in &model.metadata {
                let _ = writeln!(out, "metadata {} = {}", quote(key), node(value, 0));
            }
            out.push('\n');
        }
        let _ = writeln!(out, "namespace {namespace}");
        for shape in shapes {
            out.push('\n');
            w.shape(&mut out, shape);
        }
        files.push((namespace.to_string(), out));
    }
    if files.is_empty() && !model.metadata.is_empty() {
        let mut out = String::from("$version: \"2\"\n\n");
        for (key, value) in &model.metadata {
            let _ = writeln!(out, "metadata {} = {}", quote(key), node(value, 0));
        }
        files.push(("metadata".to_string(), out));
    }
    files
}

struct Writer<'a> {
    namespace: &'a str,
    /// Names of the shapes this file defines.
    local: &'a HashSet<&'a str>,
}

impl Writer<'_> {
    /// `id` as this file may write it: relative when it would resolve back to `id`.
    fn id(&self, id: &ShapeId) -> String {
        let name = id.name();
        let relative = if id.namespace() == self.namespace {
            self.local.contains(name)
        } else {
            id.namespace() == "smithy.api" && !self.local.contains(name) && prelude::shape_type(name).is_some_and(|(_, public)| public)
        };
        let root = if relative { name.to_string() } else { format!("{}#{name}", id.namespace()) };
        match id.member() {
            Some(m) => format!("{root}${m}"),
            None => root,
        }
    }

    fn traits(&self, out: &mut String, traits: &Traits, indent: &str) {
        if let Some(Value::String(doc)) = traits.get(DOCUMENTATION) {
            if !doc.contains('\r') {
                for line in doc.split('\n') {
                    let sep = if line.is_empty() { "" } else { " " };
                    let _ = writeln!(out, "{indent}///{sep}{line}");
                }
            }
        }
        for (key, value) in &traits.0 {
            if key == DOCUMENTATION && value.as_str().is_some_and(|d| !d.contains('\r')) {
                continue;
            }
            let Some(id) = ShapeId::parse(key) else { continue };
            let _ = writeln!(out, "{indent}@{}({})", self.id(&id), node(value, indent.len() / 4));
        }
    }

    fn members(&self, out: &mut String, members: &[&Member]) {
        out.push_str(" {\n");
        for (i, m) in members.iter().enumerate() {
            if i > 0 && !m.traits.0.is_empty() {
                out.push('\n');
            }
            self.traits(out, &m.traits, "    ");
            let _ = writeln!(out, "    {}: {}", m.name, self.id(&m.target));
        }
        out.push_str("}\n");
    }

    fn id_list(&self, ids: &[ShapeId]) -> String {
        let items: Vec<String> = ids.iter().map(|i| self.id(i)).collect();
        format!("[{}]", items.join(", "))
    }

    fn shape(&self, out: &mut String, shape: &Shape) {
        self.traits(out, &shape.traits, "");
        let _ = write!(out, "{} {}", shape.kind.type_name(), shape.id.name());
        if !shape.mixins.is_empty() {
            let _ = write!(out, " with {}", self.id_list(&shape.mixins));
        }
        match &shape.kind {
            ShapeKind::Enum(ms) | ShapeKind::IntEnum(ms) => {
                out.push_str(" {\n");
                for m in ms {
                    self.traits(out, &m.traits, "    ");
                    let _ = writeln!(out, "    {}", m.name);
                }
                out.push_str("}\n");
            }
            ShapeKind::Structure(ms) | ShapeKind::Union(ms) => self.members(out, &ms.iter().collect::<Vec<_>>()),
            ShapeKind::List(m) => self.members(out, &[m]),
            ShapeKind::Map { key, value } => self.members(out, &[key, value]),
            ShapeKind::Service(s) => {
                out.push_str(" {\n");
                if !s.version.is_empty() {
                    let _ = writeln!(out, "    version: {}", quote(&s.version));
                }
                for (key, ids) in [("operations", &s.operations), ("resources", &s.resources), ("errors", &s.errors)] {
                    if !ids.is_empty() {
                        let _ = writeln!(out, "    {key}: {}", self.id_list(ids));
                    }
                }
                if !s.rename.is_empty() {
                    let entries: Vec<String> = s.rename.iter().map(|(k, v)| format!("{}: {}", quote(k.as_str()), quote(v))).collect();
                    let _ = writeln!(out, "    rename: {{ {} }}", entries.join(", "));
                }
                out.push_str("}\n");
            }
            ShapeKind::Operation(o) => {
                out.push_str(" {\n");
                let unit = prelude::unit();
                if o.input != unit {
                    let _ = writeln!(out, "    input: {}", self.id(&o.input));
                }
                if o.output != unit {
                    let _ = writeln!(out, "    output: {}", self.id(&o.output));
                }
                if !o.errors.is_empty() {
                    let _ = writeln!(out, "    errors: {}", self.id_list(&o.errors));
                }
                out.push_str("}\n");
            }
            ShapeKind::Resource(r) => {
                out.push_str(" {\n");
                for (key, map) in [("identifiers", &r.identifiers), ("properties", &r.properties)] {
                    if !map.is_empty() {
                        let entries: Vec<String> = map.iter().map(|(k, v)| format!("{}: {}", quote(k), self.id(v))).collect();
                        let _ = writeln!(out, "    {key}: {{ {} }}", entries.join(", "));
                    }
                }
                for (key, id) in &r.lifecycle {
                    let _ = writeln!(out, "    {key}: {}", self.id(id));
                }
                for (key, ids) in [("operations", &r.operations), ("collectionOperations", &r.collection_operations), ("resources", &r.resources)] {
                    if !ids.is_empty() {
                        let _ = writeln!(out, "    {key}: {}", self.id_list(ids));
                    }
                }
                out.push_str("}\n");
            }
            _ => out.push('\n'),
        }
    }
}

/// A node value; objects and arrays that do not fit on a line are spread over several.
fn node(value: &Value, depth: usize) -> String {
    let flat = flat_node(value);
    if flat.len() <= 80 {
        return flat;
    }
    let indent = "    ".repeat(depth + 1);
    let close = "    ".repeat(depth);
    match value {
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(|v| format!("{indent}{}\n", node(v, depth + 1))).collect();
            format!("[\n{}{close}]", items.concat())
        }
        Value::Object(map) => {
            let items: Vec<String> = map.iter().map(|(k, v)| format!("{indent}{}: {}\n", quote(k), node(v, depth + 1))).collect();
            format!("{{\n{}{close}}}", items.concat())
        }
        _ => flat,
    }
}

fn flat_node(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote(s),
        Value::Array(items) => format!("[{}]", items.iter().map(flat_node).collect::<Vec<_>>().join(", ")),
        Value::Object(map) => {
            let entries: Vec<String> = map.iter().map(|(k, v)| format!("{}: {}", quote(k), flat_node(v))).collect();
            format!("{{{}}}", entries.join(", "))
        }
    }
}

/// A quoted IDL string.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
