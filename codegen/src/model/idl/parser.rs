//! Tokens → [`Fragment`], following the grammar of the spec's "Smithy IDL ABNF" section,
//! whitespace rules included: `SP` where the grammar needs a space, `BR` (a newline, comment
//! or the end of the file) after each statement, `WS` elsewhere. Shape ids stay as written;
//! `assemble` resolves them once every file is known.

use super::lexer::{tokenize, Kind, Token};
use crate::error::{Location, ModelError, Result};
use crate::model::fragment::{
    Body, Fragment, Loc, MemberDef, Node, OperationDef, Ref, ResourceDef, ServiceDef, ShapeDef, TraitApp, TraitValue,
};
use crate::model::{ShapeId, LIFECYCLE};
use std::collections::HashSet;

/// Node values may nest this deep.
const MAX_NESTING: usize = 64;

/// Parses one IDL file; `file` is its index among the assembled sources, `name` its name in
/// errors.
pub fn parse(src: &str, file: usize, name: &str) -> Result<Fragment> {
    let tokens = tokenize(src);
    let mut p = Parser {
        src,
        tokens,
        i: 0,
        file,
        name,
        nesting: 0,
        input_suffix: "Input".into(),
        output_suffix: "Output".into(),
        fragment: Fragment { v1: true, version: "1.0".into(), idl: true, ..Fragment::default() },
    };
    p.idl()?;
    Ok(p.fragment)
}

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    i: usize,
    file: usize,
    name: &'a str,
    nesting: usize,
    input_suffix: String,
    output_suffix: String,
    fragment: Fragment,
}

/// A trait before a shape or member, or in an `apply`.
struct ParsedTrait {
    id: String,
    loc: Loc,
    value: TraitValue,
    /// A documentation comment rather than an `@` trait.
    doc: bool,
}

impl<'a> Parser<'a> {
    // --- Tokens ---

    fn tok(&self) -> &Token {
        // The token list always ends with `Eof`, which is never advanced past.
        &self.tokens[self.i.min(self.tokens.len() - 1)]
    }

    fn kind(&self) -> Kind {
        self.tok().kind
    }

    fn lexeme(&self) -> &'a str {
        let t = self.tok();
        &self.src[t.start..t.end]
    }

    fn is_word(&self, word: &str) -> bool {
        self.kind() == Kind::Identifier && self.lexeme() == word
    }

    fn next(&mut self) {
        if self.kind() != Kind::Eof {
            self.i += 1;
        }
    }

    fn loc(&self) -> Loc {
        let t = self.tok();
        Loc { file: self.file, line: t.line, column: t.column }
    }

    fn error_at(&self, loc: Loc, message: impl Into<String>) -> ModelError {
        ModelError::located(Location { file: self.name.to_string(), line: loc.line, column: loc.column }, message)
    }

    fn error(&self, message: impl Into<String>) -> ModelError {
        self.error_at(self.loc(), message)
    }

    /// How the current token reads in an error message.
    fn found(&self) -> String {
        let t = self.tok();
        match t.kind {
            Kind::Eof => "the end of the file".into(),
            Kind::Newline => "a new line".into(),
            Kind::Space => "a space".into(),
            Kind::Comment => "a comment".into(),
            Kind::DocComment => "a documentation comment".into(),
            Kind::String | Kind::TextBlock => {
                let lexeme = self.lexeme();
                let short: String = lexeme.chars().take(24).collect();
                let more = if short.len() < lexeme.len() { "..." } else { "" };
                format!("the string {}{more}", short.escape_debug())
            }
            Kind::Number => format!("the number `{}`", self.lexeme()),
            _ => format!("`{}`", self.lexeme()),
        }
    }

    /// "expected X but found Y" at the current token; a lexical error token reports itself.
    fn expected(&self, what: &str) -> ModelError {
        if self.kind() == Kind::Error {
            return self.error(self.tok().value.as_deref().unwrap_or("invalid token"));
        }
        self.error(format!("expected {what} but found {}", self.found()))
    }

    fn expect(&self, kind: Kind, what: &str) -> Result<()> {
        if self.kind() == kind {
            Ok(())
        } else {
            Err(self.expected(what))
        }
    }

    fn skip_spaces(&mut self) {
        while self.kind() == Kind::Space {
            self.next();
        }
    }

    fn skip_ws(&mut self) {
        while self.kind().is_whitespace() {
            self.next();
        }
    }

    /// `WS`, also skipping documentation comments (which document nothing here).
    fn skip_ws_and_docs(&mut self) {
        while self.kind().is_whitespace() || self.kind() == Kind::DocComment {
            self.next();
        }
    }

    /// `SP`: at least one space or tab.
    fn expect_spaces(&mut self) -> Result<()> {
        self.expect(Kind::Space, "a space")?;
        self.skip_spaces();
        Ok(())
    }

    /// At least one `WS` character.
    fn expect_ws(&mut self) -> Result<()> {
        if !self.kind().is_whitespace() {
            return Err(self.expected("whitespace"));
        }
        self.skip_ws_and_docs();
        Ok(())
    }

    /// `BR`: optional spaces, then a new line or comment (or the end of the file), then `WS`.
    fn expect_br(&mut self) -> Result<()> {
        self.skip_spaces();
        match self.kind() {
            Kind::Newline | Kind::Comment | Kind::DocComment => {
                self.next();
                self.skip_ws();
                Ok(())
            }
            Kind::Eof => Ok(()),
            _ => Err(self.expected("a line break")),
        }
    }

    fn identifier(&mut self, what: &str) -> Result<&'a str> {
        self.expect(Kind::Identifier, what)?;
        let text = self.lexeme();
        self.next();
        Ok(text)
    }

    // --- Shape ids ---

    /// `Namespace`: identifiers separated by dots.
    fn namespace(&mut self) -> Result<&'a str> {
        let start = self.tok().start;
        self.identifier("an identifier")?;
        while self.kind() == Kind::Dot {
            self.next();
            self.identifier("an identifier")?;
        }
        Ok(&self.src[start..self.tokens[self.i - 1].end])
    }

    /// A relative or absolute shape id, with an optional member: the text as written.
    fn shape_id(&mut self) -> Result<(&'a str, Loc)> {
        let loc = self.loc();
        let start = self.tok().start;
        let namespace = self.namespace()?;
        let mut absolute = false;
        if self.kind() == Kind::Pound {
            absolute = true;
            self.next();
            self.identifier("an identifier")?;
        }
        if self.kind() == Kind::Dollar {
            self.next();
            self.identifier("a member name")?;
        }
        let text = &self.src[start..self.tokens[self.i - 1].end];
        if !absolute && namespace.contains('.') {
            return Err(self.error_at(loc, format!("`{text}` is not a valid shape id: a namespace must be followed by `#` and a shape name")));
        }
        Ok((text, loc))
    }

    fn relative(&mut self) -> Result<Ref> {
        let (text, loc) = self.shape_id()?;
        Ok(Ref::Relative { text: text.to_string(), loc })
    }

    // --- Sections ---

    fn idl(&mut self) -> Result<()> {
        self.skip_ws_and_docs();
        self.control_section()?;
        self.skip_ws_and_docs();
        self.metadata_section()?;
        if self.is_word("namespace") {
            self.shape_section()
        } else if self.kind() == Kind::Eof {
            Ok(())
        } else if self.kind() == Kind::Error {
            Err(self.expected(""))
        } else {
            Err(self.error(format!("expected a namespace statement but found {}", self.found())))
        }
    }

    fn control_section(&mut self) -> Result<()> {
        let mut seen = HashSet::new();
        while self.kind() == Kind::Dollar {
            self.next();
            if !matches!(self.kind(), Kind::Identifier | Kind::String) {
                return Err(self.expected("a control statement name"));
            }
            let key = self.key_text();
            self.next();
            self.skip_spaces();
            self.expect(Kind::Colon, "`:`")?;
            self.next();
            self.skip_spaces();
            if !seen.insert(key.clone()) {
                return Err(self.error(format!("the control statement `{key}` is defined twice")));
            }
            let value_loc = self.loc();
            let value = self.node_value()?;
            match key.as_str() {
                "version" => {
                    let Node::String(version) = value else {
                        return Err(self.error_at(value_loc, "the $version control statement must have a string value"));
                    };
                    self.fragment.v1 = match version.as_str() {
                        "1" | "1.0" => true,
                        "2" | "2.0" => false,
                        _ => return Err(self.error(format!("unsupported Smithy version `{version}` (expected 1.0 or 2.0)"))),
                    };
                    self.fragment.version = version;
                }
                "operationInputSuffix" | "operationOutputSuffix" => {
                    let suffix = match value {
                        Node::String(s) if s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => s,
                        _ => return Err(self.error_at(value_loc, format!("${key} must be a string of identifier characters"))),
                    };
                    if key == "operationInputSuffix" {
                        self.input_suffix = suffix;
                    } else {
                        self.output_suffix = suffix;
                    }
                }
                // Implementations must ignore unknown control statements.
                _ => {}
            }
            self.expect_br()?;
        }
        Ok(())
    }

    /// The text of an object key or statement name (an identifier or a quoted string).
    fn key_text(&self) -> String {
        match self.kind() {
            Kind::String => self.tok().value.as_deref().unwrap_or("").to_string(),
            _ => self.lexeme().to_string(),
        }
    }

    fn metadata_section(&mut self) -> Result<()> {
        while self.is_word("metadata") {
            self.next();
            self.expect_spaces()?;
            if !matches!(self.kind(), Kind::Identifier | Kind::String) {
                return Err(self.expected("a metadata key"));
            }
            let key = self.key_text();
            let loc = self.loc();
            self.next();
            self.skip_spaces();
            self.expect(Kind::Equal, "`=`")?;
            self.next();
            self.skip_spaces();
            let value = self.node_value()?;
            self.fragment.metadata.push((key, value, loc));
            self.expect_br()?;
            self.skip_ws_and_docs();
        }
        Ok(())
    }

    fn shape_section(&mut self) -> Result<()> {
        self.next();
        self.expect_spaces()?;
        let namespace = self.namespace()?.to_string();
        self.fragment.namespace = Some(namespace);
        self.expect_br()?;
        // Documentation comments here document the first shape, unless a `use` comes first.
        loop {
            let mark = self.i;
            self.skip_ws_and_docs();
            if !self.is_word("use") {
                self.i = mark;
                break;
            }
            self.next();
            self.expect_spaces()?;
            let loc = self.loc();
            let start = self.tok().start;
            self.namespace()?;
            self.expect(Kind::Pound, "`#`")?;
            self.next();
            self.identifier("an identifier")?;
            if self.kind() == Kind::Dollar {
                return Err(self.error_at(loc, "use statements cannot import members"));
            }
            let text = &self.src[start..self.tokens[self.i - 1].end];
            let Some(id) = ShapeId::parse(text) else {
                return Err(self.error_at(loc, format!("`{text}` is not a valid shape id")));
            };
            if let Some(previous) = self.fragment.uses.get(id.name()) {
                return Err(self.error_at(loc, format!("cannot use `{id}` because its name conflicts with `{previous}`")));
            }
            self.fragment.uses.insert(id.name().to_string(), id);
            self.expect_br()?;
        }
        while self.kind() != Kind::Eof {
            let traits = self.docs_and_traits()?;
            if self.kind() == Kind::Eof && traits.iter().all(|t| t.doc) {
                // A dangling documentation comment documents nothing.
                break;
            }
            self.shape_or_apply(traits)?;
        }
        Ok(())
    }

    /// Documentation comments (only those before any trait count) and traits before a shape or
    /// member; leaves the current token on what follows.
    fn docs_and_traits(&mut self) -> Result<Vec<ParsedTrait>> {
        self.skip_ws();
        let mut doc = None;
        if self.kind() == Kind::DocComment {
            let loc = self.loc();
            let mut lines = Vec::new();
            while self.kind() == Kind::DocComment || self.kind().is_whitespace() {
                if self.kind() == Kind::DocComment {
                    lines.push(self.tok().value.as_deref().unwrap_or("").to_string());
                }
                self.next();
            }
            doc = Some(ParsedTrait {
                id: "smithy.api#documentation".into(),
                loc,
                value: TraitValue::Node(Node::String(lines.join("\n"))),
                doc: true,
            });
        }
        self.skip_ws_and_docs();
        let mut traits = Vec::new();
        while self.kind() == Kind::At {
            traits.push(self.trait_()?);
            self.skip_ws_and_docs();
        }
        traits.extend(doc);
        Ok(traits)
    }

    fn shape_or_apply(&mut self, traits: Vec<ParsedTrait>) -> Result<()> {
        let loc = self.loc();
        self.expect(Kind::Identifier, "a shape or `apply` statement")?;
        let keyword = self.lexeme();
        if keyword == "apply" {
            return self.apply(traits);
        }
        const TYPES: [&str; 22] = [
            "blob", "boolean", "document", "string", "byte", "short", "integer", "long", "float", "double", "bigInteger",
            "bigDecimal", "timestamp", "enum", "intEnum", "list", "set", "map", "structure", "union", "service", "resource",
        ];
        if !TYPES.contains(&keyword) && keyword != "operation" {
            return Err(self.error(format!("unknown shape type `{keyword}`")));
        }
        if self.fragment.v1 && matches!(keyword, "enum" | "intEnum") {
            return Err(self.error(format!("{keyword} shapes cannot be used in Smithy version 1.0 (add `$version: \"2\"`)")));
        }
        if !self.fragment.v1 && keyword == "set" {
            return Err(self.error("set shapes cannot be used in Smithy version 2.0: use a list with @uniqueItems"));
        }
        self.next();
        self.expect_spaces()?;
        let id = self.shape_name()?;
        let def = match keyword {
            "enum" | "intEnum" => self.enum_shape(&id, loc, keyword == "intEnum")?,
            "list" | "set" | "map" | "structure" | "union" => self.aggregate(&id, loc, keyword)?,
            "service" => self.service(&id, loc)?,
            "resource" => self.resource(&id, loc)?,
            "operation" => self.operation(&id, loc)?,
            simple => {
                let mixins = self.mixins(&id)?;
                let ty = TYPES.iter().find(|t| **t == simple).copied().unwrap_or("string");
                ShapeDef { id: id.clone(), loc, body: Body::Simple(ty), mixins, for_resource: None }
            }
        };
        self.fragment.shapes.push(def);
        self.add_traits(&id, traits);
        self.expect_br()
    }

    /// The name of a shape being defined, in the file's namespace.
    fn shape_name(&mut self) -> Result<ShapeId> {
        let loc = self.loc();
        let name = self.identifier("a shape name")?;
        if let Some(used) = self.fragment.uses.get(name) {
            return Err(self.error_at(loc, format!("the shape name `{name}` conflicts with `{used}`, imported by a use statement")));
        }
        self.local_id(name, loc)
    }

    fn local_id(&self, name: &str, loc: Loc) -> Result<ShapeId> {
        let namespace = self.fragment.namespace.as_deref().unwrap_or("");
        ShapeId::parse(&format!("{namespace}#{name}")).ok_or_else(|| self.error_at(loc, format!("`{name}` is not a valid shape name")))
    }

    fn add_traits(&mut self, target: &ShapeId, traits: Vec<ParsedTrait>) {
        for t in traits {
            let trait_id = if t.doc {
                Ref::Absolute(ShapeId::parse(&t.id).expect("the documentation trait id is valid"))
            } else {
                Ref::Relative { text: t.id, loc: t.loc }
            };
            self.fragment.traits.push(TraitApp { target: Ref::Absolute(target.clone()), trait_id, value: t.value, loc: t.loc });
        }
    }

    fn add_trait(&mut self, target: &ShapeId, id: &str, value: Node, loc: Loc) {
        let trait_id = Ref::Absolute(ShapeId::parse(id).expect("prelude trait ids are valid"));
        self.fragment.traits.push(TraitApp { target: Ref::Absolute(target.clone()), trait_id, value: TraitValue::Node(value), loc });
    }

    fn apply(&mut self, traits: Vec<ParsedTrait>) -> Result<()> {
        if traits.iter().any(|t| !t.doc) {
            return Err(self.error("traits cannot be applied to an apply statement"));
        }
        self.next();
        self.expect_ws()?;
        let target = self.relative()?;
        self.expect_ws()?;
        let applied = match self.kind() {
            Kind::At => vec![self.trait_()?],
            Kind::LBrace => {
                self.next();
                self.skip_ws_and_docs();
                let mut traits = Vec::new();
                while self.kind() == Kind::At {
                    traits.push(self.trait_()?);
                    self.skip_ws_and_docs();
                }
                self.expect(Kind::RBrace, "`}`")?;
                self.next();
                traits
            }
            _ => return Err(self.expected("`@` or `{`")),
        };
        for t in applied {
            self.fragment.traits.push(TraitApp {
                target: target.clone(),
                trait_id: Ref::Relative { text: t.id, loc: t.loc },
                value: t.value,
                loc: t.loc,
            });
        }
        self.expect_br()
    }

    /// `Mixins`: `with [A, B]`, if present.
    fn mixins(&mut self, id: &ShapeId) -> Result<Vec<Ref>> {
        self.skip_spaces();
        if !self.is_word("with") {
            return Ok(Vec::new());
        }
        if self.fragment.v1 {
            return Err(self.error(format!("{id}: mixins can only be used with Smithy version 2 or later, but this file uses version 1.0")));
        }
        self.next();
        self.skip_ws_and_docs();
        self.expect(Kind::LBracket, "`[`")?;
        self.next();
        self.skip_ws_and_docs();
        let mut out = Vec::new();
        loop {
            out.push(self.relative()?);
            self.skip_ws_and_docs();
            if self.kind() == Kind::RBracket {
                break;
            }
        }
        self.next();
        Ok(out)
    }

    /// `ForResource`, if present.
    fn for_resource(&mut self, id: &ShapeId) -> Result<Option<Ref>> {
        self.skip_spaces();
        if !self.is_word("for") {
            return Ok(None);
        }
        if self.fragment.v1 {
            return Err(self.error(format!("{id}: structures can only be bound to resources with Smithy version 2 or later, but this file uses version 1.0")));
        }
        self.next();
        self.expect_spaces()?;
        Ok(Some(self.relative()?))
    }

    fn aggregate(&mut self, id: &ShapeId, loc: Loc, keyword: &str) -> Result<ShapeDef> {
        let for_resource = self.for_resource(id)?;
        let mixins = self.mixins(id)?;
        let members = self.members(id)?;
        let body = match keyword {
            "list" | "set" => {
                let mut member = None;
                for m in members {
                    if m.name != "member" {
                        return Err(self.error_at(m.loc, format!("{id}: a {keyword} has only a `member` member, not `{}`", m.name)));
                    }
                    member = Some(m);
                }
                Body::List { member, set: keyword == "set" }
            }
            "map" => {
                let (mut key, mut value) = (None, None);
                for m in members {
                    match m.name.as_str() {
                        "key" => key = Some(m),
                        "value" => value = Some(m),
                        _ => return Err(self.error_at(m.loc, format!("{id}: a map has only `key` and `value` members, not `{}`", m.name))),
                    }
                }
                Body::Map { key, value }
            }
            "union" => Body::Union(members),
            _ => Body::Structure(members),
        };
        Ok(ShapeDef { id: id.clone(), loc, body, mixins, for_resource })
    }

    /// `ShapeMembers`: `{ ... }` with traits, elided targets and default values.
    fn members(&mut self, id: &ShapeId) -> Result<Vec<MemberDef>> {
        self.skip_ws_and_docs();
        self.expect(Kind::LBrace, "`{`")?;
        self.next();
        self.skip_ws();
        let mut out: Vec<MemberDef> = Vec::new();
        while self.kind() != Kind::Eof && self.kind() != Kind::RBrace {
            let traits = self.docs_and_traits()?;
            if self.kind() == Kind::RBrace && traits.iter().all(|t| t.doc) {
                break;
            }
            let elided = self.kind() == Kind::Dollar;
            if elided {
                self.next();
            }
            let loc = self.loc();
            let name = self.identifier("a member name")?;
            if out.iter().any(|m| m.name == name) {
                return Err(self.error_at(loc, format!("{id}: duplicate member `{name}`")));
            }
            let member_id = id.with_member(name);
            if elided && self.fragment.v1 {
                return Err(self.error_at(loc, format!("{member_id}: members can only elide targets in IDL version 2 or later")));
            }
            let target = if elided {
                None
            } else {
                self.skip_spaces();
                self.expect(Kind::Colon, "`:`")?;
                self.next();
                self.skip_spaces();
                Some(self.relative()?)
            };
            self.skip_spaces();
            if self.kind() == Kind::Equal {
                if self.fragment.v1 {
                    return Err(self.error("default values (`= value`) can only be used in IDL version 2 or later"));
                }
                self.next();
                self.skip_spaces();
                let default_loc = self.loc();
                let value = self.node_value()?;
                self.add_trait(&member_id, "smithy.api#default", value, default_loc);
                self.skip_spaces();
                if self.kind() == Kind::Comma {
                    self.next();
                }
                self.expect_br()?;
            }
            out.push(MemberDef { name: name.to_string(), target, loc });
            self.add_traits(&member_id, traits);
            self.skip_ws();
        }
        self.expect(Kind::RBrace, "`}`")?;
        self.next();
        Ok(out)
    }

    fn enum_shape(&mut self, id: &ShapeId, loc: Loc, int: bool) -> Result<ShapeDef> {
        let mixins = self.mixins(id)?;
        self.skip_ws_and_docs();
        self.expect(Kind::LBrace, "`{`")?;
        self.next();
        self.skip_ws();
        let unit = Ref::Absolute(crate::model::prelude::unit());
        let mut members: Vec<MemberDef> = Vec::new();
        while self.kind() != Kind::Eof && self.kind() != Kind::RBrace {
            let traits = self.docs_and_traits()?;
            if self.kind() == Kind::RBrace && traits.iter().all(|t| t.doc) {
                break;
            }
            let member_loc = self.loc();
            let name = self.identifier("an enum member name")?;
            if members.iter().any(|m| m.name == name) {
                return Err(self.error_at(member_loc, format!("{id}: duplicate member `{name}`")));
            }
            let member_id = id.with_member(name);
            members.push(MemberDef { name: name.to_string(), target: Some(unit.clone()), loc: member_loc });
            self.add_traits(&member_id, traits);
            self.skip_spaces();
            if self.kind() == Kind::Equal {
                self.next();
                self.skip_spaces();
                let value_loc = self.loc();
                let value = self.node_value()?;
                self.add_trait(&member_id, "smithy.api#enumValue", value, value_loc);
                self.skip_spaces();
                if self.kind() == Kind::Comma {
                    self.next();
                }
                self.expect_br()?;
            } else {
                self.skip_ws();
            }
        }
        self.expect(Kind::RBrace, "`}`")?;
        self.next();
        let body = if int { Body::IntEnum(members) } else { Body::Enum(members) };
        Ok(ShapeDef { id: id.clone(), loc, body, mixins, for_resource: None })
    }

    fn service(&mut self, id: &ShapeId, loc: Loc) -> Result<ShapeDef> {
        let mixins = self.mixins(id)?;
        self.skip_ws_and_docs();
        self.expect(Kind::LBrace, "`{`")?;
        let body_loc = self.loc();
        let Node::Object(entries) = self.node_value()? else {
            return Err(self.error_at(body_loc, "expected an object"));
        };
        let mut service = ServiceDef::default();
        for (key, value) in entries {
            match key.as_str() {
                "version" => match value {
                    Node::String(v) => service.version = Some(v),
                    _ => return Err(self.error_at(body_loc, format!("{id}: `version` must be a string"))),
                },
                "operations" => service.operations = self.id_list(id, &key, value, body_loc)?,
                "resources" => service.resources = self.id_list(id, &key, value, body_loc)?,
                "errors" => service.errors = self.id_list(id, &key, value, body_loc)?,
                "rename" => {
                    let Node::Object(renames) = value else {
                        return Err(self.error_at(body_loc, format!("{id}: `rename` must be an object of shape ids to names")));
                    };
                    for (from, to) in renames {
                        let Some(from_id) = ShapeId::parse(&from) else {
                            return Err(self.error_at(body_loc, format!("{id}: the rename key `{from}` must be an absolute shape id")));
                        };
                        let Node::String(to) = to else {
                            return Err(self.error_at(body_loc, format!("{id}: the new name of `{from}` must be a string")));
                        };
                        service.rename.push((from_id, to));
                    }
                }
                // Smithy warns about other properties and ignores them.
                _ => {}
            }
        }
        Ok(ShapeDef { id: id.clone(), loc, body: Body::Service(service), mixins, for_resource: None })
    }

    fn resource(&mut self, id: &ShapeId, loc: Loc) -> Result<ShapeDef> {
        let mixins = self.mixins(id)?;
        self.skip_ws_and_docs();
        self.expect(Kind::LBrace, "`{`")?;
        let body_loc = self.loc();
        let Node::Object(entries) = self.node_value()? else {
            return Err(self.error_at(body_loc, "expected an object"));
        };
        let mut resource = ResourceDef::default();
        for (key, value) in entries {
            match key.as_str() {
                "identifiers" | "properties" => {
                    if key == "properties" && self.fragment.v1 {
                        return Err(self.error_at(body_loc, format!("{id}: resource properties can only be used with Smithy version 2 or later, but this file uses version 1.0")));
                    }
                    let Node::Object(entries) = value else {
                        return Err(self.error_at(body_loc, format!("{id}: `{key}` must be an object of names to shape ids")));
                    };
                    let mut out = Vec::new();
                    for (name, target) in entries {
                        out.push((name, self.node_ref(id, &key, target, body_loc)?));
                    }
                    if key == "identifiers" {
                        resource.identifiers = out;
                    } else {
                        resource.properties = out;
                    }
                }
                "operations" => resource.operations = self.id_list(id, &key, value, body_loc)?,
                "collectionOperations" => resource.collection_operations = self.id_list(id, &key, value, body_loc)?,
                "resources" => resource.resources = self.id_list(id, &key, value, body_loc)?,
                other => {
                    if let Some(name) = LIFECYCLE.iter().find(|k| **k == other) {
                        let target = self.node_ref(id, &key, value, body_loc)?;
                        resource.lifecycle.push((name, target));
                    }
                }
            }
        }
        Ok(ShapeDef { id: id.clone(), loc, body: Body::Resource(resource), mixins, for_resource: None })
    }

    /// A shape id given as a node value (unquoted or quoted).
    fn node_ref(&self, id: &ShapeId, key: &str, node: Node, loc: Loc) -> Result<Ref> {
        match node {
            Node::ShapeId(text, loc) => Ok(Ref::Relative { text, loc }),
            Node::String(text) => Ok(Ref::Relative { text, loc }),
            _ => Err(self.error_at(loc, format!("{id}: `{key}` must be a shape id"))),
        }
    }

    fn id_list(&self, id: &ShapeId, key: &str, node: Node, loc: Loc) -> Result<Vec<Ref>> {
        let Node::Array(items) = node else {
            return Err(self.error_at(loc, format!("{id}: `{key}` must be a list of shape ids")));
        };
        items.into_iter().map(|n| self.node_ref(id, key, n, loc)).collect()
    }

    fn operation(&mut self, id: &ShapeId, loc: Loc) -> Result<ShapeDef> {
        let mixins = self.mixins(id)?;
        self.skip_ws_and_docs();
        self.expect(Kind::LBrace, "`{`")?;
        self.next();
        self.skip_ws_and_docs();
        let mut op = OperationDef::default();
        let mut seen = HashSet::new();
        while self.kind() != Kind::Eof && self.kind() != Kind::RBrace {
            self.expect(Kind::Identifier, "an operation property (`input`, `output` or `errors`)")?;
            let key = self.lexeme();
            if !seen.insert(key) {
                return Err(self.error(format!("{id}: the operation property `{key}` is defined twice")));
            }
            let key_loc = self.loc();
            self.next();
            self.skip_ws_and_docs();
            match key {
                "input" | "output" => {
                    if !matches!(self.kind(), Kind::Colon | Kind::Walrus) {
                        return Err(self.expected("`:` or `:=`"));
                    }
                    let inline = self.kind() == Kind::Walrus;
                    self.next();
                    let target = if inline {
                        if self.fragment.v1 {
                            return Err(self.error(format!("{id}: inline operation input and output can only be used with Smithy version 2 or later, but this file uses version 1.0")));
                        }
                        self.skip_ws();
                        let (suffix, marker) = if key == "input" {
                            (self.input_suffix.clone(), "smithy.api#input")
                        } else {
                            (self.output_suffix.clone(), "smithy.api#output")
                        };
                        let inline_id = self.local_id(&format!("{}{suffix}", id.name()), key_loc)?;
                        self.inline_structure(&inline_id, marker)?;
                        Ref::Absolute(inline_id)
                    } else {
                        self.skip_ws_and_docs();
                        self.relative()?
                    };
                    if key == "input" {
                        op.input = Some(target);
                    } else {
                        op.output = Some(target);
                    }
                }
                "errors" => {
                    self.expect(Kind::Colon, "`:`")?;
                    self.next();
                    self.skip_ws_and_docs();
                    self.expect(Kind::LBracket, "`[`")?;
                    self.next();
                    self.skip_ws_and_docs();
                    while self.kind() != Kind::Eof && self.kind() != Kind::RBracket {
                        op.errors.push(self.relative()?);
                        self.skip_ws_and_docs();
                    }
                    self.expect(Kind::RBracket, "`]`")?;
                    self.next();
                }
                other => return Err(self.error_at(key_loc, format!("{id}: unknown operation property `{other}` (expected `input`, `output` or `errors`)"))),
            }
            self.expect_ws()?;
        }
        self.expect(Kind::RBrace, "`}`")?;
        self.next();
        Ok(ShapeDef { id: id.clone(), loc, body: Body::Operation(op), mixins, for_resource: None })
    }

    /// The structure after `:=`: traits, `for`, mixins and members; marked with `marker`.
    fn inline_structure(&mut self, id: &ShapeId, marker: &str) -> Result<()> {
        let traits = self.docs_and_traits()?;
        let loc = self.loc();
        let def = self.aggregate(id, loc, "structure")?;
        self.fragment.shapes.push(def);
        self.add_traits(id, traits);
        self.fragment.traits.push(TraitApp {
            target: Ref::Absolute(id.clone()),
            trait_id: Ref::Absolute(ShapeId::parse(marker).expect("prelude trait ids are valid")),
            value: TraitValue::Annotation,
            loc,
        });
        Ok(())
    }

    // --- Traits and node values ---

    /// `Trait`: `@id`, `@id()`, `@id(value)` or `@id(key: value, ...)`.
    fn trait_(&mut self) -> Result<ParsedTrait> {
        let loc = self.loc();
        self.next();
        let (id, _) = self.shape_id()?;
        let id = id.to_string();
        let annotation = |id| Ok(ParsedTrait { id, loc, value: TraitValue::Annotation, doc: false });
        if self.kind() != Kind::LParen {
            return annotation(id);
        }
        self.next();
        self.skip_ws_and_docs();
        if self.kind() == Kind::RParen {
            self.next();
            return annotation(id);
        }
        let value = match self.kind() {
            Kind::LBrace | Kind::LBracket | Kind::TextBlock | Kind::Number => self.node_value()?,
            Kind::String => {
                let text = self.key_text();
                self.next();
                self.skip_ws_and_docs();
                if self.kind() == Kind::Colon {
                    self.structured_trait(text)?
                } else {
                    Node::String(text)
                }
            }
            Kind::Identifier => {
                let value_loc = self.loc();
                let (text, _) = self.shape_id()?;
                self.skip_ws_and_docs();
                if self.kind() == Kind::RParen || text.contains(['.', '#', '$']) {
                    keyword_or_id(text, value_loc)
                } else {
                    self.expect(Kind::Colon, "`:`")?;
                    self.structured_trait(text.to_string())?
                }
            }
            _ => return Err(self.expected("a trait value")),
        };
        self.skip_ws_and_docs();
        self.expect(Kind::RParen, "`)`")?;
        self.next();
        Ok(ParsedTrait { id, loc, value: TraitValue::Node(value), doc: false })
    }

    /// One `key: value` of an object or a structured trait value, the current token being the
    /// key (an identifier or a string); a key seen before in `entries` is refused, naming
    /// `within`.
    fn entry(&mut self, entries: &mut Vec<(String, Node)>, within: &str) -> Result<()> {
        let key_loc = self.loc();
        let key = self.key_text();
        self.next();
        self.skip_ws_and_docs();
        self.expect(Kind::Colon, "`:`")?;
        self.next();
        self.skip_ws_and_docs();
        let value = self.node_value()?;
        if entries.iter().any(|(k, _)| *k == key) {
            return Err(self.error_at(key_loc, format!("duplicate key `{key}` in {within}")));
        }
        entries.push((key, value));
        self.skip_ws_and_docs();
        Ok(())
    }

    /// `TraitStructure`, from its first key (the current token is the `:` after it).
    fn structured_trait(&mut self, first: String) -> Result<Node> {
        self.enter()?;
        self.next();
        self.skip_ws_and_docs();
        let mut entries = vec![(first, self.node_value()?)];
        self.skip_ws_and_docs();
        while self.kind() != Kind::RParen {
            if !matches!(self.kind(), Kind::Identifier | Kind::String) {
                return Err(self.expected("a key (an identifier or a string)"));
            }
            self.entry(&mut entries, "the trait value")?;
        }
        self.nesting -= 1;
        Ok(Node::Object(entries))
    }

    fn enter(&mut self) -> Result<()> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(self.error(format!("node values may nest at most {MAX_NESTING} levels deep")));
        }
        Ok(())
    }

    /// `NodeValue`.
    fn node_value(&mut self) -> Result<Node> {
        match self.kind() {
            Kind::String | Kind::TextBlock => {
                let text = self.tok().value.as_deref().unwrap_or("").to_string();
                self.next();
                Ok(Node::String(text))
            }
            Kind::Number => {
                let number = serde_json::from_str(self.lexeme()).map_err(|_| self.error(format!("the number `{}` is out of range", self.lexeme())))?;
                self.next();
                Ok(Node::Number(number))
            }
            Kind::Identifier => {
                let loc = self.loc();
                let (text, _) = self.shape_id()?;
                Ok(keyword_or_id(text, loc))
            }
            Kind::LBracket => {
                self.enter()?;
                self.next();
                self.skip_ws_and_docs();
                let mut items = Vec::new();
                while self.kind() != Kind::RBracket {
                    items.push(self.node_value()?);
                    self.skip_ws_and_docs();
                }
                self.next();
                self.nesting -= 1;
                Ok(Node::Array(items))
            }
            Kind::LBrace => {
                self.enter()?;
                self.next();
                self.skip_ws_and_docs();
                let mut entries: Vec<(String, Node)> = Vec::new();
                loop {
                    match self.kind() {
                        Kind::RBrace => break,
                        Kind::String | Kind::Identifier => {}
                        _ => return Err(self.expected("`}` or a key (an identifier or a string)")),
                    }
                    self.entry(&mut entries, "an object")?;
                }
                self.next();
                self.nesting -= 1;
                Ok(Node::Object(entries))
            }
            _ => Err(self.expected("a node value (a string, text block, number, identifier, `{` or `[`)")),
        }
    }
}

/// `true`, `false`, `null`, or a syntactic shape id.
fn keyword_or_id(text: &str, loc: Loc) -> Node {
    match text {
        "true" => Node::Bool(true),
        "false" => Node::Bool(false),
        "null" => Node::Null,
        _ => Node::ShapeId(text.to_string(), loc),
    }
}
