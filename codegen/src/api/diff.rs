//! Two API summaries → the list of changes, each classified twice:
//!
//! - **Rust API** ([`RustImpact`]), by the Cargo book's SemVer rules applied to exactly what the
//!   emitters write: structures, builders, enums, unions and error enums are `#[non_exhaustive]`
//!   (a new field, variant or error is additive); enums and unions have an `Unknown` variant and
//!   error enums an `Unhandled` one; fields of operation inputs are all `Option` and their
//!   builders' `build()` returns `Result` and refuses a missing `@required` member (so a new
//!   required input member compiles but makes existing calls fail: breaking); other structures'
//!   required members are plain `T`, and their `build()` returns `Result` only when some field
//!   must be set. Removing or renaming anything public, or changing a field's type, is breaking.
//! - **wire** ([`WireImpact`]), by Smithy's backward-compatibility rules ("Evolving models", the
//!   `breakingChanges` of the prelude's traits, and smithy-diff's severities: ERROR and DANGER
//!   are [`WireImpact::Breaking`], WARNING is [`WireImpact::Risky`], NOTE is compatible).
//!
//! Documentation-only changes are listed apart, to be summarised.

use super::summary::*;
use crate::ir::Constraints;
use std::collections::{BTreeMap, BTreeSet};

/// What a change does to code that uses the generated crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RustImpact {
    /// No public item changes (behaviour, docs or wire facts only).
    None,
    /// Something is added; code that compiled still compiles and behaves the same.
    Additive,
    /// Code that compiled may stop compiling, or a call that worked may now fail.
    Breaking,
}

/// What a change does to clients and services already deployed, by Smithy's rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WireImpact {
    /// Backward compatible (smithy-diff NOTE, or nothing).
    Compatible,
    /// Compatible only under conditions Smithy cannot check (smithy-diff WARNING), such as a new
    /// error that only new inputs can cause.
    Risky,
    /// Backward incompatible (smithy-diff ERROR or DANGER).
    Breaking,
}

impl RustImpact {
    pub fn label(self) -> &'static str {
        match self {
            RustImpact::None => "none",
            RustImpact::Additive => "additive",
            RustImpact::Breaking => "breaking",
        }
    }
}

impl WireImpact {
    pub fn label(self) -> &'static str {
        match self {
            WireImpact::Compatible => "compatible",
            WireImpact::Risky => "risky",
            WireImpact::Breaking => "breaking",
        }
    }
}

/// The kinds of change the comparison finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    CrateRenamed,
    ServiceIdChanged,
    ProtocolChanged,
    SigningNameChanged,
    ApiVersionChanged,
    ConfigAdded,
    ConfigRemoved,
    EndpointRulesChanged,
    ResourceAdded,
    ResourceRemoved,
    BindingAdded,
    BindingRemoved,
    OperationAdded,
    OperationRemoved,
    HttpChanged,
    HostPrefixChanged,
    AuthChanged,
    ChecksumChanged,
    CompressionChanged,
    ErrorAdded,
    ErrorRemoved,
    PaginatorAdded,
    PaginatorRemoved,
    PaginatorChanged,
    WaiterAdded,
    WaiterRemoved,
    WaiterChanged,
    TypeAdded,
    TypeRemoved,
    TypeKindChanged,
    BuilderChanged,
    /// A Rust name changed while the Smithy name stayed (a naming rule or `rename`).
    RustNameChanged,
    Deprecated,
    Undeprecated,
    SensitiveChanged,
    MemberAdded,
    MemberRemoved,
    MemberRenamed,
    MemberTypeChanged,
    TimestampFormatChanged,
    RequiredChanged,
    DefaultChanged,
    JsonNameChanged,
    XmlNameChanged,
    HttpBindingChanged,
    ConstraintNarrowed,
    ConstraintWidened,
    PatternChanged,
    IdempotencyTokenChanged,
    HostLabelChanged,
    MediaTypeChanged,
    EnumValueAdded,
    EnumValueRemoved,
    EnumValueChanged,
    ErrorCodeChanged,
    ErrorStatusChanged,
    ErrorFaultChanged,
    RetryableChanged,
}

/// One change, classified.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub kind: ChangeKind,
    /// What changed, in the crate's terms (`` `CreateAppInstance` input `Name` ``).
    pub subject: String,
    /// The Smithy shape (or member) id it concerns.
    pub shape_id: String,
    /// How it changed and what that means for users.
    pub detail: String,
    pub rust: RustImpact,
    pub wire: WireImpact,
}

/// What kind of item a documentation-only change touched (for the summary line).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DocItem {
    Service,
    Operation,
    Type,
    Member,
    Value,
}

/// Every change between two summaries.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diff {
    pub changes: Vec<Change>,
    /// Items whose documentation alone changed.
    pub docs_only: Vec<(DocItem, String)>,
}

/// Compares the previous summary with the new one.
pub fn diff(old: &ApiSummary, new: &ApiSummary) -> Diff {
    let mut d = Differ::default();
    d.service(old, new);
    d.operations(old, new);
    d.types(old, new);
    Diff { changes: d.changes, docs_only: d.docs_only }
}

use ChangeKind as K;
use RustImpact as R;
use WireImpact as W;

#[derive(Default)]
struct Differ {
    changes: Vec<Change>,
    docs_only: Vec<(DocItem, String)>,
}

/// Where a structure's members live, which decides how their changes are judged.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// An operation input: every field is an `Option`, `build()` returns `Result` and checks
    /// `@required` members.
    Input,
    /// Anything else: required members are plain values.
    Other,
}

fn code(s: &str) -> String {
    format!("`{s}`")
}

fn opt(s: &Option<String>) -> String {
    s.as_deref().map_or_else(|| "none".to_string(), code)
}

impl Differ {
    fn push(&mut self, kind: ChangeKind, subject: &str, shape_id: &str, detail: impl Into<String>, rust: RustImpact, wire: WireImpact) {
        self.changes.push(Change { kind, subject: subject.to_string(), shape_id: shape_id.to_string(), detail: detail.into(), rust, wire });
    }

    /// Records a documentation-only change when the docs differ and nothing else about the
    /// item was recorded since `mark`.
    fn docs(&mut self, mark: usize, old: &str, new: &str, item: DocItem, subject: &str) {
        if old != new && self.changes.len() == mark {
            self.docs_only.push((item, subject.to_string()));
        }
    }

    fn service(&mut self, old: &ApiSummary, new: &ApiSummary) {
        let (o, n) = (&old.service, &new.service);
        let subject = "service";
        let id = n.id.as_str();
        let mark = self.changes.len();
        if old.crate_name != new.crate_name {
            let detail = format!("the crate is now {} (was {}): dependents must rename the dependency", code(&new.crate_name), code(&old.crate_name));
            self.push(K::CrateRenamed, "crate", id, detail, R::Breaking, W::Compatible);
        }
        if o.id != n.id {
            self.push(K::ServiceIdChanged, subject, id, format!("shape id {} → {}", code(&o.id), code(&n.id)), R::None, W::Risky);
        }
        if o.protocol != n.protocol {
            self.push(K::ProtocolChanged, subject, id, format!("protocol {} → {}", code(&o.protocol), code(&n.protocol)), R::None, W::Breaking);
        }
        if o.signing_name != n.signing_name {
            let detail = format!("SigV4 signing name {} → {}", opt(&o.signing_name), opt(&n.signing_name));
            self.push(K::SigningNameChanged, subject, id, detail, R::None, W::Breaking);
        }
        if o.api_version != n.api_version {
            let detail = format!("API version {} → {}", code(&o.api_version), code(&n.api_version));
            self.push(K::ApiVersionChanged, subject, id, detail, R::None, W::Compatible);
        }
        for c in n.config.iter().filter(|c| !o.config.contains(c)) {
            self.push(K::ConfigAdded, subject, id, format!("new client setting {} (`@clientContextParams`)", code(c)), R::Additive, W::Compatible);
        }
        for c in o.config.iter().filter(|c| !n.config.contains(c)) {
            self.push(K::ConfigRemoved, subject, id, format!("client setting {} removed from `Config`", code(c)), R::Breaking, W::Compatible);
        }
        if o.endpoint_rules != n.endpoint_rules {
            let detail = "endpoint rules changed: requests may go to other URLs for some regions or settings; review the endpoint tests";
            self.push(K::EndpointRulesChanged, subject, id, detail, R::None, W::Compatible);
        }
        self.docs(mark, &o.docs, &n.docs, DocItem::Service, subject);
        self.bindings(old, new);
    }

    /// Resources and operation bindings (Smithy's AddedEntityBinding / RemovedEntityBinding).
    /// Removing an operation altogether is reported once, as an operation removal.
    fn bindings(&mut self, old: &ApiSummary, new: &ApiSummary) {
        let (o, n) = (&old.service, &new.service);
        let still_exists = |op_id: &str| new.operations.values().any(|op| op.id == op_id);
        let existed = |op_id: &str| old.operations.values().any(|op| op.id == op_id);
        for (id, r) in &o.resources {
            match n.resources.get(id) {
                None => {
                    let detail = format!("resource {} (bound to {}) removed", code(id), code(&r.parent));
                    self.push(K::ResourceRemoved, &format!("resource {}", code(id)), id, detail, R::None, W::Breaking);
                }
                Some(nr) if nr.parent != r.parent => {
                    let detail = format!("resource {} moved from {} to {}: its binding to {} was removed", code(id), code(&r.parent), code(&nr.parent), code(&r.parent));
                    self.push(K::BindingRemoved, &format!("resource {}", code(id)), &r.parent, detail, R::None, W::Breaking);
                }
                Some(_) => {}
            }
        }
        for (id, r) in &n.resources {
            if !o.resources.contains_key(id) {
                let detail = format!("resource {} added, bound to {}", code(id), code(&r.parent));
                self.push(K::ResourceAdded, &format!("resource {}", code(id)), id, detail, R::None, W::Compatible);
            }
        }
        for (id, r) in &o.resources {
            let Some(nr) = n.resources.get(id) else { continue };
            for op in r.operations.iter().filter(|op| !nr.operations.contains(op) && still_exists(op)) {
                let detail = format!("operation {} is no longer bound to resource {}", code(op), code(id));
                self.push(K::BindingRemoved, &format!("resource {}", code(id)), id, detail, R::None, W::Breaking);
            }
            for op in nr.operations.iter().filter(|op| !r.operations.contains(op) && existed(op)) {
                let detail = format!("operation {} is now bound to resource {}", code(op), code(id));
                self.push(K::BindingAdded, &format!("resource {}", code(id)), id, detail, R::None, W::Compatible);
            }
        }
        for op in o.operations.iter().filter(|op| !n.operations.contains(op) && still_exists(op)) {
            let detail = format!("operation {} is no longer bound to the service itself, but stays in it through a resource", code(op));
            self.push(K::BindingRemoved, "service", &n.id, detail, R::None, W::Compatible);
        }
        for op in n.operations.iter().filter(|op| !o.operations.contains(op) && existed(op)) {
            let detail = format!("operation {} is now bound to the service itself", code(op));
            self.push(K::BindingAdded, "service", &n.id, detail, R::None, W::Compatible);
        }
    }

    fn operations(&mut self, old: &ApiSummary, new: &ApiSummary) {
        for (name, o) in &old.operations {
            let subject = format!("operation {}", code(name));
            match new.operations.get(name) {
                None => {
                    let detail = format!("removed: the client method `{}()` and the module `operation::{}` are gone", o.rust, o.rust);
                    self.push(K::OperationRemoved, &subject, &o.id, detail, R::Breaking, W::Breaking);
                }
                Some(n) => self.operation(name, o, n),
            }
        }
        for (name, n) in new.operations.iter().filter(|(k, _)| !old.operations.contains_key(*k)) {
            let detail = format!("added: the client method `{}()`", n.rust);
            self.push(K::OperationAdded, &format!("operation {}", code(name)), &n.id, detail, R::Additive, W::Compatible);
        }
    }

    fn operation(&mut self, name: &str, o: &OperationSummary, n: &OperationSummary) {
        let subject = format!("operation {}", code(name));
        let id = n.id.as_str();
        let mark = self.changes.len();
        if o.rust != n.rust {
            let detail = format!("the client method is now `{}()` (was `{}()`)", n.rust, o.rust);
            self.push(K::RustNameChanged, &subject, id, detail, R::Breaking, W::Compatible);
        }
        self.deprecation(o.deprecated, n.deprecated, &subject, id);
        if o.http != n.http {
            self.push(K::HttpChanged, &subject, id, format!("HTTP request {} → {}", code(&o.http), code(&n.http)), R::None, W::Breaking);
        }
        if o.host_prefix != n.host_prefix {
            let detail = format!("endpoint host prefix {} → {}", opt(&o.host_prefix), opt(&n.host_prefix));
            self.push(K::HostPrefixChanged, &subject, id, detail, R::None, W::Breaking);
        }
        if o.auth != n.auth {
            // Only adding `@optionalAuth` relaxes what the service accepts.
            let wire = if n.auth == "optional" && o.auth == "sigv4" { W::Compatible } else { W::Breaking };
            self.push(K::AuthChanged, &subject, id, format!("authentication {} → {}", code(&o.auth), code(&n.auth)), R::None, wire);
        }
        if o.checksum_required != n.checksum_required {
            let (detail, wire) = if n.checksum_required {
                ("now sends a `Content-MD5` checksum (`@httpChecksumRequired`): older clients do not", W::Risky)
            } else {
                ("no longer requires a request checksum", W::Compatible)
            };
            self.push(K::ChecksumChanged, &subject, id, detail, R::None, wire);
        }
        let dropped: Vec<&String> = o.compression.iter().filter(|c| !n.compression.contains(c)).collect();
        if o.compression != n.compression {
            let wire = if dropped.is_empty() { W::Compatible } else { W::Breaking };
            let detail = format!("request compression {:?} → {:?}", o.compression, n.compression);
            self.push(K::CompressionChanged, &subject, id, detail, R::None, wire);
        }
        for e in n.errors.iter().filter(|e| !o.errors.contains(e)) {
            let detail = format!(
                "new error {}: a new variant of `{}Error` (`#[non_exhaustive]`, so matches keep compiling); compatible on the wire only if older calls cannot cause it",
                code(e),
                name
            );
            self.push(K::ErrorAdded, &subject, id, detail, R::Additive, W::Risky);
        }
        for e in o.errors.iter().filter(|e| !n.errors.contains(e)) {
            let detail = format!("error {} removed: its variant and `is_*` helper leave the operation's error enum", code(e));
            self.push(K::ErrorRemoved, &subject, id, detail, R::Breaking, W::Risky);
        }
        self.paginator(&subject, id, &o.paginator, &n.paginator);
        self.waiters(&subject, id, &o.waiters, &n.waiters);
        self.docs(mark, &o.docs, &n.docs, DocItem::Operation, &subject);
        self.members(&format!("{} input", code(name)), &o.input, &n.input, Place::Input);
        self.members(&format!("{} output", code(name)), &o.output, &n.output, Place::Other);
        self.builder(&format!("{} output", code(name)), &n.output.id, &o.output, &n.output);
    }

    fn paginator(&mut self, subject: &str, id: &str, o: &Option<PaginatorSummary>, n: &Option<PaginatorSummary>) {
        let subject = format!("{subject} paginator");
        match (o, n) {
            (None, None) => {}
            (None, Some(n)) => {
                let detail = format!("added: `into_paginator()` and `{}`", n.rust);
                self.push(K::PaginatorAdded, &subject, id, detail, R::Additive, W::Compatible);
            }
            (Some(o), None) => {
                let detail = format!("removed: `into_paginator()` and `{}` are gone", o.rust);
                self.push(K::PaginatorRemoved, &subject, id, detail, R::Breaking, W::Breaking);
            }
            (Some(o), Some(n)) => {
                if o.rust != n.rust {
                    self.push(K::RustNameChanged, &subject, id, format!("now `{}` (was `{}`)", n.rust, o.rust), R::Breaking, W::Compatible);
                }
                if o.input_token != n.input_token || o.output_token != n.output_token {
                    let detail = format!("tokens `{}` → `{}` became `{}` → `{}`", o.input_token, o.output_token, n.input_token, n.output_token);
                    self.push(K::PaginatorChanged, &subject, id, detail, R::None, W::Breaking);
                }
                match (&o.page_size, &n.page_size) {
                    (Some(a), None) => {
                        let detail = format!("page size `{a}` removed: the paginator's `page_size()` is gone");
                        self.push(K::PaginatorChanged, &subject, id, detail, R::Breaking, W::Breaking);
                    }
                    (Some(a), Some(b)) if a != b => {
                        self.push(K::PaginatorChanged, &subject, id, format!("page size `{a}` → `{b}`"), R::None, W::Breaking);
                    }
                    (None, Some(b)) => {
                        self.push(K::PaginatorChanged, &subject, id, format!("page size `{b}` added: `page_size()`"), R::Additive, W::Compatible);
                    }
                    _ => {}
                }
                if o.items != n.items {
                    // `path: Type`: the path is the model's `items`, the type is Rust's.
                    let path = |i: &Option<String>| i.as_deref().map(|i| i.split(": ").next().unwrap_or(i).to_string());
                    let wire = if path(&o.items) != path(&n.items) { W::Breaking } else { W::Compatible };
                    let detail = format!("items {} → {}: the items stream yields something else", opt(&o.items), opt(&n.items));
                    self.push(K::PaginatorChanged, &subject, id, detail, R::Breaking, wire);
                }
            }
        }
    }

    fn waiters(&mut self, subject: &str, id: &str, o: &BTreeMap<String, WaiterSummary>, n: &BTreeMap<String, WaiterSummary>) {
        for (name, w) in o {
            let subject = format!("{subject} waiter {}", code(name));
            match n.get(name) {
                None => self.push(K::WaiterRemoved, &subject, id, format!("removed: `{}` is gone", w.rust), R::Breaking, W::Compatible),
                Some(nw) => {
                    let mark = self.changes.len();
                    if nw.rust != w.rust {
                        self.push(K::RustNameChanged, &subject, id, format!("now `{}` (was `{}`)", nw.rust, w.rust), R::Breaking, W::Compatible);
                    }
                    if nw.acceptors != w.acceptors {
                        self.push(K::WaiterChanged, &subject, id, "waits for other states (its acceptors changed)", R::None, W::Compatible);
                    }
                    self.docs(mark, &w.docs, &nw.docs, DocItem::Operation, &subject);
                }
            }
        }
        for (name, w) in n.iter().filter(|(k, _)| !o.contains_key(*k)) {
            let subject = format!("{subject} waiter {}", code(name));
            self.push(K::WaiterAdded, &subject, id, format!("added: `{}`", w.rust), R::Additive, W::Compatible);
        }
    }

    fn deprecation(&mut self, old: bool, new: bool, subject: &str, id: &str) {
        match (old, new) {
            (false, true) => self.push(K::Deprecated, subject, id, "now `#[deprecated]`: uses warn", R::Additive, W::Compatible),
            (true, false) => self.push(K::Undeprecated, subject, id, "no longer deprecated", R::None, W::Compatible),
            _ => {}
        }
    }

    /// `build()`'s signature, for structures users build (not operation inputs, whose `build()`
    /// always returns `Result`).
    fn builder(&mut self, subject: &str, id: &str, o: &StructSummary, n: &StructSummary) {
        if o.build == n.build {
            return;
        }
        let detail = match n.build {
            Build::Fallible => "the builder's `build()` now returns `Result` (a field must be set)",
            Build::Infallible => "the builder's `build()` no longer returns `Result`",
        };
        self.push(K::BuilderChanged, subject, id, detail, R::Breaking, W::Compatible);
    }

    fn members(&mut self, owner: &str, o: &StructSummary, n: &StructSummary, place: Place) {
        let removed: Vec<(&String, &MemberSummary)> = o.members.iter().filter(|(k, _)| !n.members.contains_key(*k)).collect();
        let added: Vec<(&String, &MemberSummary)> = n.members.iter().filter(|(k, _)| !o.members.contains_key(*k)).collect();
        let member_id = |s: &StructSummary, m: &str| format!("{}${m}", s.id);
        // One member gone and one of the same wire type added: most likely a rename.
        let renamed = match (removed.as_slice(), added.as_slice()) {
            ([(ro, rm)], [(an, am)]) if rm.shape == am.shape => Some((ro.as_str(), *rm, an.as_str(), *am)),
            _ => None,
        };
        if let Some((ro, rm, an, am)) = renamed {
            let kept = wire_name(ro, rm) == wire_name(an, am);
            let detail = format!(
                "renamed to {} (one member of this type removed, one added): the field `{}` → `{}`{}",
                code(an),
                rm.rust,
                am.rust,
                if kept { "; its wire name is unchanged, but Smithy counts a member rename as breaking" } else { "" }
            );
            self.push(K::MemberRenamed, &format!("{owner} {}", code(ro)), &member_id(n, an), detail, R::Breaking, W::Breaking);
        }
        let (removed, added) = if renamed.is_some() { (Vec::new(), Vec::new()) } else { (removed, added) };
        for (name, m) in &removed {
            let detail = format!("removed: the field `{}`, its accessor and builder setters are gone", m.rust);
            self.push(K::MemberRemoved, &format!("{owner} {}", code(name)), &member_id(o, name), detail, R::Breaking, W::Breaking);
        }
        for (name, m) in &added {
            let subject = format!("{owner} {}", code(name));
            let id = member_id(n, name);
            let must_set = m.required && m.default.is_none() && !m.idempotency_token;
            let (detail, rust, wire) = match place {
                Place::Input if must_set => (
                    format!("added, required: `build()` and `send()` fail until callers set `{}`", m.rust),
                    R::Breaking,
                    W::Breaking,
                ),
                Place::Other if must_set && !m.rust_type.starts_with("Option<") => (
                    format!("added, required: the field `{}: {}`; builders that do not set it fail in `build()`", m.rust, m.rust_type),
                    R::Breaking,
                    W::Breaking,
                ),
                _ => (format!("added: the field `{}: {}`, its accessor and builder setters", m.rust, m.rust_type), R::Additive, W::Compatible),
            };
            self.push(K::MemberAdded, &subject, &id, detail, rust, wire);
        }
        for (name, om) in &o.members {
            if let Some(nm) = n.members.get(name) {
                self.member(&format!("{owner} {}", code(name)), &member_id(n, name), name, om, nm, place);
            }
        }
    }

    fn member(&mut self, subject: &str, id: &str, name: &str, o: &MemberSummary, n: &MemberSummary, place: Place) {
        let mark = self.changes.len();
        let input = place == Place::Input;
        if o.rust != n.rust {
            self.push(K::RustNameChanged, subject, id, format!("the field is now `{}` (was `{}`)", n.rust, o.rust), R::Breaking, W::Compatible);
        }
        let type_changed = o.rust_type != n.rust_type;
        // Nullability first: required-ness and defaults explain most field type changes.
        let mut type_explained = false;
        if o.required != n.required {
            let (detail, rust, wire) = if n.required {
                if input {
                    ("now required: `build()` and `send()` fail unless it is set, and the service refuses callers that omit it".to_string(), R::Breaking, W::Breaking)
                } else if type_changed {
                    (format!("now required: the field type changes from `{}` to `{}`", o.rust_type, n.rust_type), R::Breaking, W::Breaking)
                } else {
                    ("now required, but stays optional for clients (`@clientOptional`)".to_string(), R::None, W::Compatible)
                }
            } else if input {
                ("no longer required".to_string(), R::None, W::Compatible)
            } else if n.default.is_some() && !type_changed {
                ("no longer required, replaced by a default: the field keeps its type".to_string(), R::None, W::Compatible)
            } else if type_changed {
                // smithy-diff: RemovedRequiredTrait is an ERROR, a WARNING for structures and
                // unions (which AWS generators always treat as optional).
                let aggregate = n.shape.starts_with("structure ") || n.shape.starts_with("union ");
                let detail = format!("no longer required: the field type changes from `{}` to `{}`", o.rust_type, n.rust_type);
                (detail, R::Breaking, if aggregate { W::Risky } else { W::Breaking })
            } else {
                ("no longer required (it was already optional for clients)".to_string(), R::None, W::Compatible)
            };
            type_explained = type_changed;
            self.push(K::RequiredChanged, subject, id, detail, rust, wire);
        }
        if o.default != n.default {
            let rust = if type_changed && !type_explained { R::Breaking } else { R::None };
            let wire = match (&o.default, &n.default) {
                // Replacing `@required` with `@default` is the compatible way to relax a member.
                (None, Some(_)) if o.required && !n.required => W::Compatible,
                _ => W::Breaking,
            };
            let mut detail = format!("default {} → {}", opt(&o.default), opt(&n.default));
            if rust == R::Breaking {
                detail.push_str(&format!(": the field type changes from `{}` to `{}`", o.rust_type, n.rust_type));
            }
            type_explained |= type_changed;
            self.push(K::DefaultChanged, subject, id, detail, rust, wire);
        }
        let shape_changed = o.shape != n.shape;
        if shape_changed || (type_changed && !type_explained) {
            let rust = if type_changed && !type_explained { R::Breaking } else { R::None };
            let wire = if shape_changed { W::Breaking } else { W::Compatible };
            let format_only = shape_changed && strip_formats(&o.shape) == strip_formats(&n.shape);
            let kind = if format_only { K::TimestampFormatChanged } else { K::MemberTypeChanged };
            let detail = if rust == R::Breaking {
                format!("type `{}` ({}) → `{}` ({})", o.rust_type, o.shape, n.rust_type, n.shape)
            } else {
                format!("wire type {} → {}", code(&o.shape), code(&n.shape))
            };
            self.push(kind, subject, id, detail, rust, wire);
        }
        if wire_json(name, o) != wire_json(name, n) {
            let detail = format!("JSON name {} → {}", code(wire_json(name, o)), code(wire_json(name, n)));
            self.push(K::JsonNameChanged, subject, id, detail, R::None, W::Breaking);
        }
        if o.xml != n.xml {
            self.push(K::XmlNameChanged, subject, id, format!("XML/form layout {} → {}", opt(&o.xml), opt(&n.xml)), R::None, W::Breaking);
        }
        if o.http != n.http {
            let show = |h: &Option<String>| code(h.as_deref().unwrap_or("body"));
            self.push(K::HttpBindingChanged, subject, id, format!("HTTP binding {} → {}", show(&o.http), show(&n.http)), R::None, W::Breaking);
        }
        self.constraints(subject, id, "", &o.constraints, &n.constraints);
        if o.sensitive != n.sensitive {
            let detail = if n.sensitive { "now `@sensitive`: redacted in `Debug`" } else { "no longer `@sensitive`: shown in `Debug`" };
            self.push(K::SensitiveChanged, subject, id, detail, R::None, W::Compatible);
        }
        if o.idempotency_token != n.idempotency_token {
            let (detail, wire) = if n.idempotency_token {
                ("now an idempotency token, filled automatically when unset", W::Compatible)
            } else {
                ("no longer an idempotency token: not filled automatically any more", W::Breaking)
            };
            self.push(K::IdempotencyTokenChanged, subject, id, detail, R::None, wire);
        }
        if o.host_label != n.host_label {
            let detail = if n.host_label { "now part of the endpoint host (`@hostLabel`)" } else { "no longer part of the endpoint host" };
            self.push(K::HostLabelChanged, subject, id, detail, R::None, W::Breaking);
        }
        if o.media_type != n.media_type {
            let wire = if n.media_type.is_none() { W::Breaking } else { W::Compatible };
            self.push(K::MediaTypeChanged, subject, id, format!("media type {} → {}", opt(&o.media_type), opt(&n.media_type)), R::None, wire);
        }
        self.deprecation(o.deprecated, n.deprecated, subject, id);
        self.docs(mark, &o.docs, &n.docs, DocItem::Member, subject);
    }

    /// `@length`, `@range` and `@pattern` (smithy-diff: raising `min` or lowering `max` is an
    /// ERROR; adding a pattern a WARNING; changing one a NOTE). Clients document constraints and
    /// never enforce them, so none of this touches the Rust API.
    fn constraints(&mut self, subject: &str, id: &str, prefix: &str, o: &Constraints, n: &Constraints) {
        let bounds = |name: &str, old: Option<(Option<f64>, Option<f64>)>, new: Option<(Option<f64>, Option<f64>)>| -> Option<(String, bool)> {
            if old == new {
                return None;
            }
            let (omin, omax) = old.unwrap_or((None, None));
            let (nmin, nmax) = new.unwrap_or((None, None));
            let narrowed = nmin.unwrap_or(0.0) > omin.unwrap_or(0.0) || matches!((omax, nmax), (None, Some(_))) || matches!((omax, nmax), (Some(a), Some(b)) if b < a);
            let show = |c: Option<(Option<f64>, Option<f64>)>| match c {
                None => "none".to_string(),
                Some((min, max)) => format!("{}..{}", min.map_or(String::new(), |v| v.to_string()), max.map_or(String::new(), |v| v.to_string())),
            };
            Some((format!("{prefix}{name} {} → {}", show(old), show(new)), narrowed))
        };
        let as_f64 = |c: Option<(Option<u64>, Option<u64>)>| c.map(|(a, b)| (a.map(|v| v as f64), b.map(|v| v as f64)));
        for (detail, narrowed) in [bounds("@length", as_f64(o.length), as_f64(n.length)), bounds("@range", o.range, n.range)].into_iter().flatten() {
            if narrowed {
                self.push(K::ConstraintNarrowed, subject, id, format!("{detail}: narrowed, values accepted before may now be refused"), R::None, W::Breaking);
            } else {
                self.push(K::ConstraintWidened, subject, id, format!("{detail}: widened"), R::None, W::Compatible);
            }
        }
        match (&o.pattern, &n.pattern) {
            (None, Some(p)) => {
                let detail = format!("{prefix}@pattern {} added: compatible only if every value already matched it", code(p));
                self.push(K::PatternChanged, subject, id, detail, R::None, W::Risky);
            }
            (Some(a), Some(b)) if a != b => {
                self.push(K::PatternChanged, subject, id, format!("{prefix}@pattern {} → {}", code(a), code(b)), R::None, W::Compatible);
            }
            (Some(a), None) => {
                self.push(K::PatternChanged, subject, id, format!("{prefix}@pattern {} removed", code(a)), R::None, W::Compatible);
            }
            _ => {}
        }
        let empty = Constraints::default();
        let (oe, ne) = (o.element.as_deref().unwrap_or(&empty), n.element.as_deref().unwrap_or(&empty));
        if oe != ne {
            self.constraints(subject, id, &format!("{prefix}items' "), oe, ne);
        }
    }

    fn types(&mut self, old: &ApiSummary, new: &ApiSummary) {
        let kinds = |s: &ApiSummary| -> BTreeMap<String, &'static str> {
            let mut m = BTreeMap::new();
            m.extend(s.structures.keys().map(|k| (k.clone(), "structure")));
            m.extend(s.unions.keys().map(|k| (k.clone(), "union")));
            m.extend(s.enums.iter().map(|(k, e)| (k.clone(), if e.int { "intEnum" } else { "enum" })));
            m.extend(s.errors.keys().map(|k| (k.clone(), "error")));
            m
        };
        let (ok, nk) = (kinds(old), kinds(new));
        let id_of = |s: &ApiSummary, name: &str| -> String {
            s.structures
                .get(name)
                .map(|t| t.id.clone())
                .or_else(|| s.unions.get(name).map(|t| t.id.clone()))
                .or_else(|| s.enums.get(name).map(|t| t.id.clone()))
                .or_else(|| s.errors.get(name).map(|t| t.structure.id.clone()))
                .unwrap_or_default()
        };
        let path = |kind: &str, name: &str| if kind == "error" { format!("types::error::{name}") } else { format!("types::{name}") };
        for (name, kind) in &ok {
            let subject = format!("{kind} {}", code(name));
            match nk.get(name) {
                None => {
                    let detail = format!("removed: `{}` is gone", path(kind, name));
                    self.push(K::TypeRemoved, &subject, &id_of(old, name), detail, R::Breaking, W::Breaking);
                }
                Some(nkind) if nkind != kind => {
                    let detail = format!("is now a {nkind}: `{}` has another shape", path(nkind, name));
                    self.push(K::TypeKindChanged, &subject, &id_of(new, name), detail, R::Breaking, W::Breaking);
                }
                Some(_) => {}
            }
        }
        for (name, kind) in nk.iter().filter(|(k, _)| !ok.contains_key(*k)) {
            let detail = format!("added: `{}`", path(kind, name));
            self.push(K::TypeAdded, &format!("{kind} {}", code(name)), &id_of(new, name), detail, R::Additive, W::Compatible);
        }
        for (name, o) in &old.structures {
            if let Some(n) = new.structures.get(name) {
                let subject = format!("structure {}", code(name));
                self.structure(&subject, o, n);
            }
        }
        for (name, o) in &old.errors {
            if let Some(n) = new.errors.get(name) {
                self.error(name, o, n);
            }
        }
        for (name, o) in &old.unions {
            if let Some(n) = new.unions.get(name) {
                self.union(name, o, n);
            }
        }
        for (name, o) in &old.enums {
            if let Some(n) = new.enums.get(name).filter(|n| n.int == o.int) {
                self.enumeration(name, o, n);
            }
        }
    }

    fn structure(&mut self, subject: &str, o: &StructSummary, n: &StructSummary) {
        let mark = self.changes.len();
        self.deprecation(o.deprecated, n.deprecated, subject, &n.id);
        if o.sensitive != n.sensitive {
            let detail = if n.sensitive { "now `@sensitive`: redacted in `Debug`" } else { "no longer `@sensitive`" };
            self.push(K::SensitiveChanged, subject, &n.id, detail, R::None, W::Compatible);
        }
        self.builder(subject, &n.id, o, n);
        self.docs(mark, &o.docs, &n.docs, DocItem::Type, subject);
        self.members(&format!("{subject} member"), o, n, Place::Other);
    }

    fn error(&mut self, name: &str, o: &ErrorSummary, n: &ErrorSummary) {
        let subject = format!("error {}", code(name));
        let id = n.structure.id.as_str();
        if o.code != n.code {
            self.push(K::ErrorCodeChanged, &subject, id, format!("wire code {} → {}", code(&o.code), code(&n.code)), R::None, W::Breaking);
        }
        if o.status != n.status {
            self.push(K::ErrorStatusChanged, &subject, id, format!("HTTP status {} → {}", o.status, n.status), R::None, W::Breaking);
        }
        if o.fault != n.fault {
            self.push(K::ErrorFaultChanged, &subject, id, format!("fault {} → {}", o.fault, n.fault), R::None, W::Breaking);
        }
        if o.retryable != n.retryable {
            let wire = if n.retryable.is_none() { W::Breaking } else { W::Compatible };
            let detail = format!("retry {} → {} (the client retries it accordingly)", opt(&o.retryable), opt(&n.retryable));
            self.push(K::RetryableChanged, &subject, id, detail, R::None, wire);
        }
        self.structure(&subject, &o.structure, &n.structure);
    }

    fn union(&mut self, name: &str, o: &UnionSummary, n: &UnionSummary) {
        let subject = format!("union {}", code(name));
        let mark = self.changes.len();
        self.deprecation(o.deprecated, n.deprecated, &subject, &n.id);
        if o.sensitive != n.sensitive {
            self.push(K::SensitiveChanged, &subject, &n.id, if n.sensitive { "now `@sensitive`" } else { "no longer `@sensitive`" }, R::None, W::Compatible);
        }
        self.docs(mark, &o.docs, &n.docs, DocItem::Type, &subject);
        for (member, ov) in &o.variants {
            let vsubject = format!("union {} variant {}", code(name), code(member));
            let id = format!("{}${member}", n.id);
            let Some(nv) = n.variants.get(member) else {
                let detail = format!("removed: `{name}::{}` is gone", ov.rust);
                self.push(K::MemberRemoved, &vsubject, &format!("{}${member}", o.id), detail, R::Breaking, W::Breaking);
                continue;
            };
            let mark = self.changes.len();
            if ov.rust != nv.rust {
                self.push(K::RustNameChanged, &vsubject, &id, format!("now `{name}::{}` (was `{name}::{}`)", nv.rust, ov.rust), R::Breaking, W::Compatible);
            }
            if ov.rust_type != nv.rust_type || ov.shape != nv.shape {
                let rust = if ov.rust_type != nv.rust_type { R::Breaking } else { R::None };
                let wire = if ov.shape != nv.shape { W::Breaking } else { W::Compatible };
                let detail = format!("holds {} ({}) instead of {} ({})", opt(&nv.rust_type), nv.shape, opt(&ov.rust_type), ov.shape);
                self.push(K::MemberTypeChanged, &vsubject, &id, detail, rust, wire);
            }
            if wire_json_variant(member, ov) != wire_json_variant(member, nv) {
                let detail = format!("JSON name {} → {}", code(wire_json_variant(member, ov)), code(wire_json_variant(member, nv)));
                self.push(K::JsonNameChanged, &vsubject, &id, detail, R::None, W::Breaking);
            }
            if ov.xml != nv.xml {
                self.push(K::XmlNameChanged, &vsubject, &id, format!("XML layout {} → {}", opt(&ov.xml), opt(&nv.xml)), R::None, W::Breaking);
            }
            self.deprecation(ov.deprecated, nv.deprecated, &vsubject, &id);
            self.docs(mark, &ov.docs, &nv.docs, DocItem::Member, &vsubject);
        }
        for (member, nv) in n.variants.iter().filter(|(k, _)| !o.variants.contains_key(*k)) {
            let detail = format!("added: `{name}::{}` (the union is `#[non_exhaustive]`; older clients see it as `Unknown`)", nv.rust);
            self.push(K::MemberAdded, &format!("union {} variant {}", code(name), code(member)), &format!("{}${member}", n.id), detail, R::Additive, W::Compatible);
        }
    }

    fn enumeration(&mut self, name: &str, o: &EnumSummary, n: &EnumSummary) {
        let kind = if n.int { "intEnum" } else { "enum" };
        let subject = format!("{kind} {}", code(name));
        let id = n.id.as_str();
        let mark = self.changes.len();
        self.deprecation(o.deprecated, n.deprecated, &subject, id);
        if o.sensitive != n.sensitive {
            self.push(K::SensitiveChanged, &subject, id, if n.sensitive { "now `@sensitive`" } else { "no longer `@sensitive`" }, R::None, W::Compatible);
        }
        self.docs(mark, &o.docs, &n.docs, DocItem::Type, &subject);
        // Values are keyed by their wire value; a variant that kept its name but changed its
        // value is one change, not a removal and an addition.
        let removed: Vec<(&String, &EnumValueSummary)> = o.values.iter().filter(|(k, _)| !n.values.contains_key(*k)).collect();
        let added: Vec<(&String, &EnumValueSummary)> = n.values.iter().filter(|(k, _)| !o.values.contains_key(*k)).collect();
        let mut paired = BTreeSet::new();
        for (ov, oe) in &removed {
            let vsubject = format!("{subject} value {}", code(ov));
            if let Some((nv, _)) = added.iter().find(|(_, ne)| ne.rust == oe.rust) {
                paired.insert(nv.as_str());
                let detail = format!("`{name}::{}` is sent and read as {} instead of {}", oe.rust, code(nv), code(ov));
                self.push(K::EnumValueChanged, &vsubject, id, detail, R::None, W::Breaking);
            } else {
                let detail = format!("removed: the variant `{name}::{}` is gone; the value now arrives as `Unknown`", oe.rust);
                self.push(K::EnumValueRemoved, &vsubject, id, detail, R::Breaking, W::Breaking);
            }
        }
        for (nv, ne) in added.iter().filter(|(k, _)| !paired.contains(k.as_str())) {
            let detail = format!(
                "added: the variant `{name}::{}` (the enum is `#[non_exhaustive]`; the value no longer arrives as `Unknown`)",
                ne.rust
            );
            self.push(K::EnumValueAdded, &format!("{subject} value {}", code(nv)), id, detail, R::Additive, W::Compatible);
        }
        for (value, oe) in &o.values {
            let Some(ne) = n.values.get(value) else { continue };
            let vsubject = format!("{subject} value {}", code(value));
            let mark = self.changes.len();
            if oe.rust != ne.rust {
                let detail = format!("the variant is now `{name}::{}` (was `{name}::{}`)", ne.rust, oe.rust);
                self.push(K::RustNameChanged, &vsubject, id, detail, R::Breaking, W::Compatible);
            }
            self.deprecation(oe.deprecated, ne.deprecated, &vsubject, id);
            self.docs(mark, &oe.docs, &ne.docs, DocItem::Value, &vsubject);
        }
    }
}

/// The JSON property name of a member (restJson1).
fn wire_json<'a>(member: &'a str, m: &'a MemberSummary) -> &'a str {
    m.json.as_deref().unwrap_or(member)
}

fn wire_json_variant<'a>(member: &'a str, v: &'a VariantSummary) -> &'a str {
    v.json.as_deref().unwrap_or(member)
}

/// Every name a member has on the wire, to tell a rename that keeps them.
fn wire_name(member: &str, m: &MemberSummary) -> (String, Option<String>, Option<String>) {
    (wire_json(member, m).to_string(), m.xml.clone(), m.http.clone())
}

/// A shape text without `(format)` parts, to tell a timestamp-format-only change.
fn strip_formats(shape: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in shape.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}
