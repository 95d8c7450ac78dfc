//! Model assembly: the [`Fragment`]s of several files (JSON AST and IDL, mixed) → one [`Model`],
//! as Smithy's model assembler merges them:
//!
//! 1. relative IDL shape ids resolve through `use`, then a shape of that name defined in the
//!    file's namespace by any file, then the prelude, else the file's namespace;
//! 2. a shape defined twice must be defined identically, or it is an error naming both places;
//! 3. elided member targets (`$name`) come from the `for` resource's identifiers and
//!    properties, then from the mixins' members;
//! 4. every trait application (inline, `apply`, doc comment) merges into its target: equal
//!    values are kept once, two lists are concatenated, anything else conflicts (an error naming
//!    both places); annotation traits (`@foo`) take `{}`, `[]` or `null` by the trait's shape;
//!    unquoted strings in node values are shape ids, and one that names no shape is an error
//!    unless it is absolute or imported by `use` (Smithy reports both as a DANGER event);
//! 5. each file's 1.0 shapes are normalised into 2.0 terms, and the prelude is added.

use super::fragment::{Body, Fragment, Loc, MemberDef, Node, Ref, TraitValue};
use super::{prelude, Member, Model, Operation, Resource, Service, Shape, ShapeId, ShapeKind, Traits};
use crate::error::{Location, ModelError, Result};
use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::fmt::Display;

/// One model file: its name (used in errors; `.json` files are JSON AST, anything else is IDL;
/// an empty name means a JSON AST document) and its text.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

impl Source<'_> {
    /// Whether the source is read as JSON AST.
    pub fn is_json(&self) -> bool {
        self.name.is_empty() || self.name.ends_with(".json")
    }
}

/// The resource lifecycle properties, in their canonical order.
pub(crate) const LIFECYCLE: [&str; 6] = ["create", "put", "read", "update", "delete", "list"];

/// Reads every source and assembles them into one model.
pub fn assemble(sources: &[Source]) -> Result<Model> {
    let mut fragments = Vec::with_capacity(sources.len());
    for (i, source) in sources.iter().enumerate() {
        let fragment = if source.is_json() {
            super::load::read(source.text, i).map_err(|e| in_file(e, source.name))?
        } else {
            super::idl::parse(source.text, i, source.name)?
        };
        fragments.push(fragment);
    }
    Assembler::new(sources, fragments).run()
}

/// Prefixes a JSON AST error with its file's name (unnamed documents keep the bare error).
fn in_file(e: ModelError, name: &str) -> ModelError {
    if name.is_empty() || e.location.is_some() {
        e
    } else if e.at == "model" {
        ModelError::new(name, e.message)
    } else {
        ModelError::new(format!("{name}: {}", e.at), e.message)
    }
}

/// A member whose target may still be elided.
#[derive(Clone, Debug)]
struct PMember {
    name: String,
    target: Option<ShapeId>,
    loc: Loc,
}

/// A resolved shape definition, before traits.
#[derive(Clone, Debug)]
enum PBody {
    Simple(&'static str),
    Enum(Vec<PMember>),
    IntEnum(Vec<PMember>),
    List { member: Option<PMember>, set: bool },
    Map { key: Option<PMember>, value: Option<PMember> },
    Structure(Vec<PMember>),
    Union(Vec<PMember>),
    Service(Service),
    Resource(Resource),
    Operation(Operation),
}

impl PBody {
    fn type_name(&self) -> &'static str {
        match self {
            PBody::Simple(t) => t,
            PBody::Enum(_) => "enum",
            PBody::IntEnum(_) => "intEnum",
            PBody::List { .. } => "list",
            PBody::Map { .. } => "map",
            PBody::Structure(_) => "structure",
            PBody::Union(_) => "union",
            PBody::Service(_) => "service",
            PBody::Resource(_) => "resource",
            PBody::Operation(_) => "operation",
        }
    }

    fn members(&self) -> Vec<&PMember> {
        match self {
            PBody::Enum(m) | PBody::IntEnum(m) | PBody::Structure(m) | PBody::Union(m) => m.iter().collect(),
            PBody::List { member, .. } => member.iter().collect(),
            PBody::Map { key, value } => key.iter().chain(value.iter()).collect(),
            _ => Vec::new(),
        }
    }

    fn members_mut(&mut self) -> Vec<&mut PMember> {
        match self {
            PBody::Enum(m) | PBody::IntEnum(m) | PBody::Structure(m) | PBody::Union(m) => m.iter_mut().collect(),
            PBody::List { member, .. } => member.iter_mut().collect(),
            PBody::Map { key, value } => key.iter_mut().chain(value.iter_mut()).collect(),
            _ => Vec::new(),
        }
    }

    /// Whether two definitions say the same thing (positions aside).
    fn same_as(&self, other: &PBody) -> bool {
        let members = |b: &PBody| b.members().into_iter().map(|m| (m.name.clone(), m.target.clone())).collect::<Vec<_>>();
        match (self, other) {
            (PBody::Service(a), PBody::Service(b)) => a == b,
            (PBody::Resource(a), PBody::Resource(b)) => a == b,
            (PBody::Operation(a), PBody::Operation(b)) => a == b,
            (PBody::List { set: a, .. }, PBody::List { set: b, .. }) => a == b && members(self) == members(other),
            _ => self.type_name() == other.type_name() && members(self) == members(other),
        }
    }
}

#[derive(Clone, Debug)]
struct PShape {
    id: ShapeId,
    loc: Loc,
    body: PBody,
    mixins: Vec<ShapeId>,
    for_resource: Option<(ShapeId, Loc)>,
}

struct Assembler<'a> {
    sources: &'a [Source<'a>],
    fragments: Vec<Fragment>,
    /// Every shape id some file defines.
    defined: HashSet<ShapeId>,
}

impl<'a> Assembler<'a> {
    fn new(sources: &'a [Source<'a>], fragments: Vec<Fragment>) -> Self {
        let defined = fragments.iter().flat_map(|f| f.shapes.iter().map(|s| s.id.clone())).collect();
        Assembler { sources, fragments, defined }
    }

    /// An error about `what` (a shape id, usually) at `loc`.
    fn error(&self, loc: Loc, what: impl Display, message: impl Display) -> ModelError {
        let name = self.sources.get(loc.file).map_or("", |s| s.name);
        let what = what.to_string();
        let message = message.to_string();
        if loc.line > 0 {
            let text = if what.is_empty() { message } else { format!("{what}: {message}") };
            ModelError::located(Location { file: name.to_string(), line: loc.line, column: loc.column }, text)
        } else if name.is_empty() {
            ModelError::new(what, message)
        } else if what.is_empty() {
            ModelError::new(name, message)
        } else {
            ModelError::new(format!("{name}: {what}"), message)
        }
    }

    /// Where `loc` is, for messages that name two places.
    fn place(&self, loc: Loc) -> String {
        let name = self.sources.get(loc.file).map_or("", |s| s.name);
        let name = if name.is_empty() { "the model" } else { name };
        if loc.line > 0 {
            format!("{name}:{}:{}", loc.line, loc.column)
        } else {
            name.to_string()
        }
    }

    fn resolve(&self, r: &Ref) -> Result<ShapeId> {
        match r {
            Ref::Absolute(id) => Ok(id.clone()),
            Ref::Relative { text, loc } => self.resolve_text(text, *loc, false),
        }
    }

    /// Resolves IDL shape id text written in file `loc.file` (spec: "Relative shape ID
    /// resolution"). `metadata` resolves as the metadata section does: before any namespace.
    fn resolve_text(&self, text: &str, loc: Loc, metadata: bool) -> Result<ShapeId> {
        if text.contains('#') {
            return ShapeId::parse(text).ok_or_else(|| self.error(loc, "", format!("`{text}` is not a valid shape id")));
        }
        let (name, member) = match text.split_once('$') {
            Some((n, m)) => (n, Some(m)),
            None => (text, None),
        };
        if !super::is_identifier(name) || member.is_some_and(|m| !super::is_identifier(m)) {
            return Err(self.error(loc, "", format!("`{text}` is not a valid shape id")));
        }
        let fragment = &self.fragments[loc.file];
        let namespace = if metadata { None } else { fragment.namespace.as_deref() };
        let root = if let Some(id) = fragment.uses.get(name).filter(|_| !metadata) {
            id.clone()
        } else {
            match namespace {
                Some(ns) => {
                    let local = ShapeId(format!("{ns}#{name}"));
                    if !self.defined.contains(&local) && prelude::shape_type(name).is_some_and(|(_, public)| public) {
                        ShapeId(format!("smithy.api#{name}"))
                    } else {
                        local
                    }
                }
                None => ShapeId(format!("smithy.api#{name}")),
            }
        };
        Ok(match member {
            Some(m) => root.with_member(m),
            None => root,
        })
    }

    fn resolve_member(&self, m: &MemberDef) -> Result<PMember> {
        Ok(PMember { name: m.name.clone(), target: m.target.as_ref().map(|t| self.resolve(t)).transpose()?, loc: m.loc })
    }

    fn resolve_members(&self, ms: &[MemberDef]) -> Result<Vec<PMember>> {
        ms.iter().map(|m| self.resolve_member(m)).collect()
    }

    fn resolve_all(&self, refs: &[Ref]) -> Result<Vec<ShapeId>> {
        refs.iter().map(|r| self.resolve(r)).collect()
    }

    fn resolve_body(&self, body: &Body) -> Result<PBody> {
        Ok(match body {
            Body::Simple(t) => PBody::Simple(t),
            Body::Enum(ms) => PBody::Enum(self.resolve_members(ms)?),
            Body::IntEnum(ms) => PBody::IntEnum(self.resolve_members(ms)?),
            Body::List { member, set } => PBody::List { member: member.as_ref().map(|m| self.resolve_member(m)).transpose()?, set: *set },
            Body::Map { key, value } => PBody::Map {
                key: key.as_ref().map(|m| self.resolve_member(m)).transpose()?,
                value: value.as_ref().map(|m| self.resolve_member(m)).transpose()?,
            },
            Body::Structure(ms) => PBody::Structure(self.resolve_members(ms)?),
            Body::Union(ms) => PBody::Union(self.resolve_members(ms)?),
            Body::Service(s) => PBody::Service(Service {
                version: s.version.clone().unwrap_or_default(),
                operations: self.resolve_all(&s.operations)?,
                resources: self.resolve_all(&s.resources)?,
                errors: self.resolve_all(&s.errors)?,
                rename: s.rename.iter().cloned().collect(),
            }),
            Body::Resource(r) => {
                let map = |entries: &[(String, Ref)]| -> Result<IndexMap<String, ShapeId>> {
                    entries.iter().map(|(k, v)| Ok((k.clone(), self.resolve(v)?))).collect()
                };
                let mut lifecycle = IndexMap::new();
                for key in LIFECYCLE {
                    if let Some((_, r)) = r.lifecycle.iter().find(|(k, _)| *k == key) {
                        lifecycle.insert(key.to_string(), self.resolve(r)?);
                    }
                }
                PBody::Resource(Resource {
                    identifiers: map(&r.identifiers)?,
                    properties: map(&r.properties)?,
                    lifecycle,
                    operations: self.resolve_all(&r.operations)?,
                    collection_operations: self.resolve_all(&r.collection_operations)?,
                    resources: self.resolve_all(&r.resources)?,
                })
            }
            Body::Operation(o) => PBody::Operation(Operation {
                input: o.input.as_ref().map(|r| self.resolve(r)).transpose()?.unwrap_or_else(prelude::unit),
                output: o.output.as_ref().map(|r| self.resolve(r)).transpose()?.unwrap_or_else(prelude::unit),
                errors: self.resolve_all(&o.errors)?,
            }),
        })
    }

    /// Resolves a node value: syntactic shape ids become absolute shape id strings, and must
    /// name a shape of the model or the prelude.
    fn resolve_node(&self, node: &Node, metadata: bool, known: &IndexMap<ShapeId, PShape>) -> Result<Value> {
        Ok(match node {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Number(n) => Value::Number(super::fragment::canonical_number(n)),
            Node::String(s) => Value::String(s.clone()),
            Node::Json(v) => super::fragment::canonical_numbers(v.clone()),
            Node::ShapeId(text, loc) => {
                let id = self.resolve_text(text, *loc, metadata)?;
                let root = id.root();
                let exists = known.contains_key(&root)
                    || (root.namespace() == "smithy.api" && prelude::shape_type(root.name()).is_some());
                // An absolute id, or a name a `use` statement imports, names a shape on purpose
                // (often one of a model not given, such as AWS's protocol traits); a bare name
                // that resolves to nothing is most likely a string that lost its quotes.
                let name = text.split('$').next().unwrap_or(text);
                let deliberate = text.contains('#') || (!metadata && self.fragments[loc.file].uses.contains_key(name));
                if !exists && !deliberate {
                    return Err(self.error(
                        *loc,
                        "",
                        format!("the syntactic shape id `{text}` resolves to `{id}`, which is not defined; quote the value if it is a string"),
                    ));
                }
                Value::String(id.to_string())
            }
            Node::Array(items) => Value::Array(items.iter().map(|n| self.resolve_node(n, metadata, known)).collect::<Result<_>>()?),
            Node::Object(entries) => {
                let mut map = Map::new();
                for (k, v) in entries {
                    map.insert(k.clone(), self.resolve_node(v, metadata, known)?);
                }
                Value::Object(map)
            }
        })
    }

    fn run(self) -> Result<Model> {
        // Resolve every definition; a shape defined twice must be defined the same way.
        let mut shapes: IndexMap<ShapeId, PShape> = IndexMap::new();
        let mut v1_shapes = HashSet::new();
        for fragment in &self.fragments {
            for def in &fragment.shapes {
                let shape = PShape {
                    id: def.id.clone(),
                    loc: def.loc,
                    body: self.resolve_body(&def.body)?,
                    mixins: self.resolve_all(&def.mixins)?,
                    for_resource: def.for_resource.as_ref().map(|r| Ok::<_, ModelError>((self.resolve(r)?, ref_loc(r, def.loc)))).transpose()?,
                };
                if let Some(previous) = shapes.get(&def.id) {
                    if !previous.body.same_as(&shape.body) || previous.mixins != shape.mixins {
                        return Err(self.error(
                            shape.loc,
                            &def.id,
                            format!(
                                "conflicting shape definitions at {} and {}",
                                self.place(previous.loc),
                                self.place(shape.loc)
                            ),
                        ));
                    }
                    continue;
                }
                if fragment.v1 {
                    v1_shapes.insert(def.id.clone());
                }
                shapes.insert(def.id.clone(), shape);
            }
        }

        self.resolve_elided_targets(&mut shapes)?;
        self.check_mixins(&shapes)?;

        // Traits, merged per target and trait as they are applied.
        let mut applied: IndexMap<ShapeId, IndexMap<String, (Value, Loc)>> = IndexMap::new();
        for fragment in &self.fragments {
            for app in &fragment.traits {
                let target = self.resolve(&app.target)?;
                let trait_id = self.resolve(&app.trait_id)?;
                if trait_id.member().is_some() {
                    return Err(self.error(app.loc, &target, format!("`{trait_id}` is a member, not a trait")));
                }
                if fragment.idl && fragment.v1 {
                    match trait_id.as_str() {
                        "smithy.api#mixin" => {
                            return Err(self.error(app.loc, &target, "mixins can only be used in Smithy 2.0 or later, but this file uses version 1.0"))
                        }
                        "smithy.api#default" => {
                            return Err(self.error(app.loc, &target, "the @default trait can only be used in Smithy 2.0 or later, but this file uses version 1.0"))
                        }
                        _ => {}
                    }
                }
                if target.namespace() == "smithy.api" && !shapes.contains_key(&target.root()) && fragment.namespace.as_deref() != Some("smithy.api") {
                    return Err(self.error(app.loc, &target, format!("cannot apply `{trait_id}` to an immutable prelude shape")));
                }
                let value = match &app.value {
                    TraitValue::Node(n) => self.resolve_node(n, false, &shapes)?,
                    TraitValue::Annotation => {
                        let ty = shapes
                            .get(&trait_id)
                            .map(|s| s.body.type_name())
                            .or_else(|| (trait_id.namespace() == "smithy.api").then(|| prelude::shape_type(trait_id.name()).map(|(t, _)| t)).flatten());
                        match ty {
                            None | Some("structure" | "map") => Value::Object(Map::new()),
                            Some("list" | "set") => Value::Array(Vec::new()),
                            Some(_) => Value::Null,
                        }
                    }
                };
                let traits = applied.entry(target.clone()).or_default();
                match traits.get_mut(trait_id.as_str()) {
                    None => {
                        traits.insert(trait_id.to_string(), (value, app.loc));
                    }
                    Some((Value::Array(mine), _)) if value.is_array() => {
                        if let Value::Array(more) = value {
                            mine.extend(more);
                        }
                    }
                    Some((previous, _)) if *previous == value => {}
                    Some((_, previous_loc)) => {
                        return Err(self.error(
                            app.loc,
                            &target,
                            format!(
                                "conflicting values of trait `{trait_id}`, applied at {} and at {}",
                                self.place(*previous_loc),
                                self.place(app.loc)
                            ),
                        ))
                    }
                }
            }
        }

        // JSON AST `apply` entries must name a shape or member even when they apply nothing.
        for (i, fragment) in self.fragments.iter().enumerate() {
            for target in &fragment.apply_targets {
                let loc = Loc { file: i, line: 0, column: 0 };
                let Some(shape) = shapes.get(&target.root()) else {
                    return Err(self.error(loc, target, "`apply` targets a shape that is not defined"));
                };
                if let Some(name) = target.member() {
                    if !shape.body.members().iter().any(|m| m.name == name) && self.inherited_target(&shapes, &shape.mixins, name, &mut HashSet::from([shape.id.clone()])).is_none() {
                        return Err(self.error(loc, target, "`apply` targets a member that does not exist"));
                    }
                }
            }
        }

        // Where enum values were given, for errors about them.
        let value_locs: HashMap<ShapeId, Loc> = applied
            .iter()
            .filter_map(|(target, traits)| Some((target.clone(), traits.get("smithy.api#enumValue")?.1)))
            .collect();

        // Build the shapes.
        let mut built: IndexMap<ShapeId, Shape> = IndexMap::with_capacity(shapes.len());
        for shape in shapes.values() {
            built.insert(shape.id.clone(), self.build(shape, &shapes)?);
        }
        for (target, traits) in applied {
            let root = target.root();
            let loc = traits.values().next().map_or_else(Loc::default, |(_, l)| *l);
            let Some(shape) = built.get_mut(&root) else {
                let first = traits.keys().next().cloned().unwrap_or_default();
                return Err(self.error(loc, &target, format!("trait `{first}` is applied to a shape that is not defined")));
            };
            let traits = Traits(traits.into_iter().map(|(k, (v, _))| (k, v)).collect());
            match target.member() {
                None => shape.traits.merge(&traits),
                Some(name) => {
                    if let Some(member) = shape.kind.members_mut().into_iter().find(|m| m.name == name) {
                        member.traits.merge(&traits);
                        continue;
                    }
                    // A member inherited from a mixin: the shape gets its own copy to carry them.
                    let pshape = &shapes[&root];
                    let Some(inherited) = self.inherited_target(&shapes, &pshape.mixins, name, &mut HashSet::from([root.clone()])) else {
                        let first = traits.0.keys().next().cloned().unwrap_or_default();
                        return Err(self.error(loc, &target, format!("trait `{first}` is applied to a member that does not exist")));
                    };
                    let member = Member { name: name.to_string(), target: inherited, traits };
                    match &mut shape.kind {
                        ShapeKind::Structure(ms) | ShapeKind::Union(ms) | ShapeKind::Enum(ms) | ShapeKind::IntEnum(ms) => ms.push(member),
                        _ => return Err(self.error(loc, &target, "traits cannot be applied to this member")),
                    }
                }
            }
        }

        // Shape-level rules and each file's 1.0 normalisation.
        for (id, shape) in built.iter_mut() {
            let loc = shapes[id].loc;
            let mut inherited = Vec::new();
            self.inherited_members(&shapes, &shapes[id].mixins, &mut HashSet::from([id.clone()]), &mut inherited);
            if let ShapeKind::Structure(ms) | ShapeKind::Union(ms) | ShapeKind::Enum(ms) | ShapeKind::IntEnum(ms) = &mut shape.kind {
                // A redefined mixin member that adds no trait is just the inherited member.
                ms.retain(|m| !(m.traits.0.is_empty() && inherited.iter().any(|(n, t, _)| *n == m.name && *t == m.target)));
            }
            let inherited: HashSet<&str> = inherited.iter().map(|(n, _, _)| n.as_str()).collect();
            self.check_shape(shape, loc, &inherited, &value_locs)?;
            if v1_shapes.contains(id) {
                if let (ShapeKind::String, Some(Value::Array(_))) = (&shape.kind, shape.traits.get("smithy.api#enum")) {
                    shape.kind = enum_from_trait(id, &mut shape.traits)?;
                }
            }
            if matches!(shapes[id].body, PBody::List { set: true, .. }) {
                shape.traits.0.entry("smithy.api#uniqueItems".into()).or_insert(Value::Object(Map::new()));
            }
        }
        box_v1(&mut built, &v1_shapes);

        let all_v1 = !self.fragments.is_empty() && self.fragments.iter().all(|f| f.v1);
        for shape in prelude::shapes(all_v1) {
            built.entry(shape.id.clone()).or_insert(shape);
        }
        built.sort_keys();

        let metadata = self.metadata(&shapes)?;
        let mut versions = self.fragments.iter().map(|f| f.version.as_str());
        let first = versions.next().unwrap_or("2.0");
        let version = if versions.all(|v| v == first) { first.to_string() } else { "2.0".to_string() };
        Ok(Model { shapes: built, version, metadata })
    }

    /// Sets the target of every elided member: the `for` resource's identifier or property of
    /// that name, else the member of that name inherited from a mixin.
    fn resolve_elided_targets(&self, shapes: &mut IndexMap<ShapeId, PShape>) -> Result<()> {
        let mut found = Vec::new();
        for shape in shapes.values() {
            for m in shape.body.members() {
                if m.target.is_some() {
                    continue;
                }
                if let Some((resource, loc)) = &shape.for_resource {
                    match shapes.get(resource).map(|r| &r.body) {
                        Some(PBody::Resource(_)) => {}
                        Some(other) => {
                            return Err(self.error(
                                *loc,
                                &shape.id,
                                format!("the target of `for` must be a resource shape, but `{resource}` is a {} shape", other.type_name()),
                            ))
                        }
                        None => return Err(self.error(*loc, &shape.id, format!("the `for` resource `{resource}` is not defined"))),
                    }
                }
                match self.member_target(shapes, shape, &m.name, &mut HashSet::new()) {
                    Some(t) => found.push((shape.id.clone(), m.name.clone(), t)),
                    None => {
                        return Err(self.error(
                            m.loc,
                            shape.id.with_member(&m.name),
                            "the member's target is elided, but no bound resource or mixin has an identifier, property or member of that name",
                        ))
                    }
                }
            }
        }
        for (id, name, target) in found {
            if let Some(shape) = shapes.get_mut(&id) {
                if let Some(m) = shape.body.members_mut().into_iter().find(|m| m.name == name) {
                    m.target = Some(target);
                }
            }
        }
        Ok(())
    }

    /// The target of member `name` of `shape`: its own (an elided one from its `for` resource's
    /// property or identifier of that name), else the first mixin's that has one. `visited`
    /// cuts mixin cycles (reported by the mixin pass) and diamonds.
    fn member_target(&self, shapes: &IndexMap<ShapeId, PShape>, shape: &PShape, name: &str, visited: &mut HashSet<ShapeId>) -> Option<ShapeId> {
        if !visited.insert(shape.id.clone()) {
            return None;
        }
        if let Some(local) = shape.body.members().into_iter().find(|m| m.name == name) {
            if let Some(t) = &local.target {
                return Some(t.clone());
            }
            if let Some(PBody::Resource(r)) = shape.for_resource.as_ref().and_then(|(id, _)| shapes.get(id)).map(|r| &r.body) {
                if let Some(t) = r.properties.get(name).or_else(|| r.identifiers.get(name)) {
                    return Some(t.clone());
                }
            }
        }
        self.inherited_target(shapes, &shape.mixins, name, visited)
    }

    /// The target of member `name` as the mixins `mixins` provide it (first mixin first).
    fn inherited_target(&self, shapes: &IndexMap<ShapeId, PShape>, mixins: &[ShapeId], name: &str, visited: &mut HashSet<ShapeId>) -> Option<ShapeId> {
        mixins.iter().filter_map(|m| shapes.get(m)).find_map(|m| self.member_target(shapes, m, name, visited))
    }

    /// Every member the mixins `mixins` provide (transitively), with the mixin member it comes from.
    fn inherited_members(&self, shapes: &IndexMap<ShapeId, PShape>, mixins: &[ShapeId], visited: &mut HashSet<ShapeId>, out: &mut Vec<(String, ShapeId, ShapeId)>) {
        for mixin in mixins {
            let Some(m) = shapes.get(mixin) else { continue };
            if !visited.insert(mixin.clone()) {
                continue;
            }
            self.inherited_members(shapes, &m.mixins, visited, out);
            for member in m.body.members() {
                if let Some(t) = &member.target {
                    out.push((member.name.clone(), t.clone(), mixin.with_member(&member.name)));
                }
            }
        }
    }

    /// Mixins must exist and have the type of the shape; a member may not change the target
    /// of a member it inherits, nor may two mixins disagree on one.
    fn check_mixins(&self, shapes: &IndexMap<ShapeId, PShape>) -> Result<()> {
        for shape in shapes.values().filter(|s| !s.mixins.is_empty()) {
            for mixin in &shape.mixins {
                match shapes.get(mixin) {
                    None => return Err(self.error(shape.loc, &shape.id, format!("the mixin `{mixin}` is not defined"))),
                    Some(m) if m.body.type_name() != shape.body.type_name() => {
                        return Err(self.error(
                            shape.loc,
                            &shape.id,
                            format!(
                                "mixins may only be mixed into shapes of the same type: `{mixin}` is a {} but this shape is a {}",
                                m.body.type_name(),
                                shape.body.type_name()
                            ),
                        ))
                    }
                    Some(_) => {}
                }
            }
            let mut inherited = Vec::new();
            self.inherited_members(shapes, &shape.mixins, &mut HashSet::from([shape.id.clone()]), &mut inherited);
            let mut seen: HashMap<&str, (&ShapeId, &ShapeId)> = HashMap::new();
            for (name, target, from) in &inherited {
                if let Some((t, other)) = seen.get(name.as_str()) {
                    if *t != target {
                        return Err(self.error(
                            shape.loc,
                            shape.id.with_member(name),
                            format!("member conflicts with an inherited mixin member: `{other}` targets `{t}` but `{from}` targets `{target}`"),
                        ));
                    }
                } else {
                    seen.insert(name, (target, from));
                }
            }
            for m in shape.body.members() {
                if let (Some(target), Some((t, from))) = (&m.target, seen.get(m.name.as_str())) {
                    if *t != target {
                        return Err(self.error(
                            m.loc,
                            shape.id.with_member(&m.name),
                            format!("member conflicts with an inherited mixin member: `{from}` targets `{t}`, this member targets `{target}`"),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The model shape of a resolved definition (no traits yet). A list or map may take its
    /// members from its mixins.
    fn build(&self, shape: &PShape, shapes: &IndexMap<ShapeId, PShape>) -> Result<Shape> {
        let member = |m: &PMember| -> Result<Member> {
            let target = m.target.clone().ok_or_else(|| self.error(m.loc, shape.id.with_member(&m.name), "the member's target is elided and unresolved"))?;
            Ok(Member { name: m.name.clone(), target, traits: Traits::default() })
        };
        let members = |ms: &[PMember]| ms.iter().map(member).collect::<Result<Vec<_>>>();
        let required = |m: &Option<PMember>, name: &str| -> Result<Member> {
            match m {
                Some(m) => member(m),
                None => match self.inherited_target(shapes, &shape.mixins, name, &mut HashSet::from([shape.id.clone()])) {
                    Some(target) => Ok(Member { name: name.to_string(), target, traits: Traits::default() }),
                    None => Err(self.error(shape.loc, &shape.id, format!("missing `{name}`"))),
                },
            }
        };
        let kind = match &shape.body {
            PBody::Simple(t) => simple_kind(t),
            PBody::Enum(ms) => ShapeKind::Enum(members(ms)?),
            PBody::IntEnum(ms) => ShapeKind::IntEnum(members(ms)?),
            PBody::List { member, .. } => ShapeKind::List(required(member, "member")?),
            PBody::Map { key, value } => ShapeKind::Map { key: required(key, "key")?, value: required(value, "value")? },
            PBody::Structure(ms) => ShapeKind::Structure(members(ms)?),
            PBody::Union(ms) => ShapeKind::Union(members(ms)?),
            PBody::Service(s) => ShapeKind::Service(s.clone()),
            PBody::Resource(r) => ShapeKind::Resource(r.clone()),
            PBody::Operation(o) => ShapeKind::Operation(o.clone()),
        };
        Ok(Shape { id: shape.id.clone(), kind, traits: Traits::default(), mixins: shape.mixins.clone() })
    }

    /// Rules Smithy's shape builders enforce while loading. Enum members named in `inherited`
    /// redefine a mixin's member and keep its value.
    fn check_shape(&self, shape: &mut Shape, loc: Loc, inherited: &HashSet<&str>, value_locs: &HashMap<ShapeId, Loc>) -> Result<()> {
        let id = shape.id.clone();
        let value_error = |name: &str, message: String| {
            let member = id.with_member(name);
            self.error(value_locs.get(&member).copied().unwrap_or(loc), member, message)
        };
        let is_mixin = shape.traits.has("smithy.api#mixin");
        match &mut shape.kind {
            ShapeKind::Enum(members) => {
                if members.is_empty() && shape.mixins.is_empty() {
                    return Err(self.error(loc, &id, "an enum must have at least one member"));
                }
                for m in members {
                    match m.traits.get("smithy.api#enumValue") {
                        None if inherited.contains(m.name.as_str()) => {}
                        None => {
                            m.traits.0.insert("smithy.api#enumValue".into(), Value::String(m.name.clone()));
                        }
                        Some(Value::String(s)) if !s.is_empty() => {}
                        Some(v) => {
                            return Err(value_error(&m.name, format!("enum members can only be assigned non-empty string values, but found: {v}")))
                        }
                    }
                }
            }
            ShapeKind::IntEnum(members) => {
                if members.is_empty() && shape.mixins.is_empty() {
                    return Err(self.error(loc, &id, "an intEnum must have at least one member"));
                }
                for m in members.iter() {
                    match m.traits.get("smithy.api#enumValue") {
                        Some(Value::Number(n)) if n.is_f64() => {
                            return Err(value_error(&m.name, format!("intEnum members do not support floating point values, but found: {n}")))
                        }
                        Some(Value::Number(n)) if n.as_i64().and_then(|v| i32::try_from(v).ok()).is_none() => {
                            return Err(value_error(&m.name, format!("intEnum members must fit within an integer, but found: {n}")))
                        }
                        Some(Value::Number(_)) => {}
                        Some(v) => return Err(value_error(&m.name, format!("intEnum members require integer values, but found: {v}"))),
                        None if inherited.contains(m.name.as_str()) => {}
                        None => return Err(value_error(&m.name, "intEnum members require an integer value (`= 1` or @enumValue)".into())),
                    }
                }
            }
            ShapeKind::Resource(r) if is_mixin => {
                let empty = r.identifiers.is_empty()
                    && r.properties.is_empty()
                    && r.lifecycle.is_empty()
                    && r.operations.is_empty()
                    && r.collection_operations.is_empty()
                    && r.resources.is_empty();
                if !empty {
                    return Err(self.error(loc, &id, "a resource with the @mixin trait may not define any properties"));
                }
            }
            ShapeKind::Operation(o) if is_mixin => {
                let unit = prelude::unit();
                if o.input != unit || o.output != unit {
                    return Err(self.error(loc, &id, "an operation with the @mixin trait must target `smithy.api#Unit` for its input and output"));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Metadata of every file; a key set twice must agree, unless both values are lists (then
    /// they are concatenated).
    fn metadata(&self, shapes: &IndexMap<ShapeId, PShape>) -> Result<IndexMap<String, Value>> {
        let mut out: IndexMap<String, (Value, Loc)> = IndexMap::new();
        for fragment in &self.fragments {
            for (key, node, loc) in &fragment.metadata {
                let value = self.resolve_node(node, true, shapes)?;
                match out.get_mut(key) {
                    None => {
                        out.insert(key.clone(), (value, *loc));
                    }
                    Some((Value::Array(mine), _)) if value.is_array() => {
                        if let Value::Array(more) = value {
                            mine.extend(more);
                        }
                    }
                    Some((previous, _)) if *previous == value => {}
                    Some((_, previous)) => {
                        return Err(self.error(
                            *loc,
                            "",
                            format!("conflicting values of metadata `{key}` at {} and at {}", self.place(*previous), self.place(*loc)),
                        ))
                    }
                }
            }
        }
        Ok(out.into_iter().map(|(k, (v, _))| (k, v)).collect())
    }
}

fn ref_loc(r: &Ref, fallback: Loc) -> Loc {
    match r {
        Ref::Relative { loc, .. } => *loc,
        Ref::Absolute(_) => fallback,
    }
}

fn simple_kind(type_name: &str) -> ShapeKind {
    match type_name {
        "blob" => ShapeKind::Blob,
        "boolean" => ShapeKind::Boolean,
        "string" => ShapeKind::String,
        "byte" => ShapeKind::Byte,
        "short" => ShapeKind::Short,
        "integer" => ShapeKind::Integer,
        "long" => ShapeKind::Long,
        "float" => ShapeKind::Float,
        "double" => ShapeKind::Double,
        "bigInteger" => ShapeKind::BigInteger,
        "bigDecimal" => ShapeKind::BigDecimal,
        "timestamp" => ShapeKind::Timestamp,
        _ => ShapeKind::Document,
    }
}

/// Smithy 1.0's `@enum` trait on a string → an enum shape (IDL 2.0 "enum shapes" migration).
fn enum_from_trait(id: &ShapeId, traits: &mut Traits) -> Result<ShapeKind> {
    let Some(Value::Array(defs)) = traits.0.shift_remove("smithy.api#enum") else {
        return Err(ModelError::new(id, "the `@enum` trait must be a list of enum definitions"));
    };
    if defs.is_empty() {
        return Err(ModelError::new(id, "the `@enum` trait must have at least one entry"));
    }
    let mut members = Vec::with_capacity(defs.len());
    for def in defs {
        let value = def
            .get("value")
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ModelError::new(id, "every `@enum` entry needs a non-empty string `value`"))?;
        let name = match def.get("name").and_then(Value::as_str) {
            Some(n) if super::is_identifier(n) => n.to_string(),
            Some(n) => return Err(ModelError::new(id, format!("the `@enum` name `{n}` is not an identifier"))),
            None => identifier_from_value(value),
        };
        let mut t = IndexMap::new();
        t.insert("smithy.api#enumValue".to_string(), Value::String(value.to_string()));
        if let Some(doc) = def.get("documentation") {
            t.insert("smithy.api#documentation".into(), doc.clone());
        }
        if def.get("deprecated").and_then(Value::as_bool) == Some(true) {
            t.insert("smithy.api#deprecated".into(), Value::Object(Map::new()));
        }
        if let Some(tags) = def.get("tags") {
            t.insert("smithy.api#tags".into(), tags.clone());
        }
        members.push(Member { name, target: prelude::unit(), traits: Traits(t) });
    }
    Ok(ShapeKind::Enum(members))
}

/// An identifier for an unnamed 1.0 enum value: invalid characters become `_`, and a name that
/// would not start with a letter (after underscores) gets a leading `V`.
fn identifier_from_value(value: &str) -> String {
    let mut s: String = value.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    if !super::is_identifier(&s) {
        s.insert(0, 'V');
    }
    s
}

/// Smithy 1.0 boxing, for the structures of 1.0 files: a member is non-null (with a zero
/// default) when it targets a boolean or number shape that is not `@box`ed and the member itself
/// is not `@box`ed (IDL 2.0 migration guide, "Replace @box with @default"). The prelude's
/// `Boolean`, `Integer`, ... are boxed in 1.0; its `Primitive*` shapes are not.
fn box_v1(shapes: &mut IndexMap<ShapeId, Shape>, v1_shapes: &HashSet<ShapeId>) {
    if v1_shapes.is_empty() {
        return;
    }
    let zero_of = |s: &Shape| -> Option<Value> {
        let boxed = s.traits.has("smithy.api#box") || (s.id.namespace() == "smithy.api" && !s.id.name().starts_with("Primitive"));
        if boxed {
            return None;
        }
        match s.kind {
            ShapeKind::Boolean => Some(Value::Bool(false)),
            ShapeKind::Byte | ShapeKind::Short | ShapeKind::Integer | ShapeKind::Long | ShapeKind::Float | ShapeKind::Double => Some(Value::from(0)),
            _ => None,
        }
    };
    let prelude_zeros = prelude::shapes(true).into_iter().filter_map(|s| Some((s.id.clone(), zero_of(&s)?)));
    let zero_targets: HashMap<ShapeId, Value> = shapes.values().filter_map(|s| Some((s.id.clone(), zero_of(s)?))).chain(prelude_zeros).collect();
    for id in v1_shapes {
        let Some(shape) = shapes.get_mut(id) else { continue };
        if !matches!(shape.kind, ShapeKind::Structure(_)) {
            continue;
        }
        for m in shape.kind.members_mut() {
            if let Some(zero) = zero_targets.get(&m.target) {
                if !m.traits.has("smithy.api#box") && !m.traits.has("smithy.api#default") {
                    m.traits.0.insert("smithy.api#default".into(), zero.clone());
                }
            }
        }
    }
}
