//! `smithy.rules#operationContextParams` paths: the JMESPath subset the spec allows
//! (identifiers, sub-expressions, `[*]` projections, multiselect lists, `[]` flatten, and the
//! `keys` function), parsed into a chain of steps and resolved against the operation's input
//! shapes into a typed [`ContextStep`] tree that the emitter turns into Rust walking the input.
//!
//! A projection applies the rest of the chain to each element (JMESPath projection semantics),
//! which in the tree is simply nesting under [`ContextStep::Each`]. A multiselect pushes each of
//! its values separately, so the `[]` that flattens it is implied.

use super::{member_optional, Lowerer};
use crate::error::{bail_at, ModelError, Result};
use crate::ir::{ContextLeaf, ContextStep};
use crate::model::{Shape, ShapeKind};
use crate::naming;
use crate::passes::BOXED;

/// One step of a path.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    /// `name` (a member of the current structure).
    Field(String),
    /// `[*]` or `[]`: each element of the current list.
    Each,
    /// `[a, b]`: each sub-path, from the current value.
    Select(Vec<Vec<Step>>),
    /// `keys(path)`: the keys of the map the sub-path reaches.
    Keys(Vec<Step>),
}

struct Parser<'a> {
    text: &'a str,
    rest: &'a str,
}

impl<'a> Parser<'a> {
    fn eat(&mut self, token: &str) -> bool {
        let trimmed = self.rest.trim_start();
        match trimmed.strip_prefix(token) {
            Some(after) => {
                self.rest = after;
                true
            }
            None => false,
        }
    }

    fn error(&self, what: &str) -> String {
        let offset = self.text.len() - self.rest.len();
        format!("operationContextParams path `{}`: {what} at offset {offset}", self.text)
    }

    fn identifier(&mut self) -> std::result::Result<String, String> {
        let trimmed = self.rest.trim_start();
        if let Some(quoted) = trimmed.strip_prefix('"') {
            let end = quoted.find('"').ok_or_else(|| self.error("unterminated quoted identifier"))?;
            self.rest = &quoted[end + 1..];
            return Ok(quoted[..end].to_string());
        }
        let len = trimmed.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
        if len == 0 || trimmed.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(self.error("expected an identifier"));
        }
        self.rest = &trimmed[len..];
        Ok(trimmed[..len].to_string())
    }

    /// segment := identifier | keys(chain) | [chain, ...]
    fn segment(&mut self) -> std::result::Result<Step, String> {
        if self.eat("keys(") {
            let inner = self.chain()?;
            if !self.eat(")") {
                return Err(self.error("expected `)`"));
            }
            return Ok(Step::Keys(inner));
        }
        if self.eat("[") {
            let mut items = vec![self.chain()?];
            while self.eat(",") {
                items.push(self.chain()?);
            }
            if !self.eat("]") {
                return Err(self.error("expected `]`"));
            }
            return Ok(Step::Select(items));
        }
        self.identifier().map(Step::Field)
    }

    /// chain := segment ( '.' segment | '[*]' | '[]' )*
    fn chain(&mut self) -> std::result::Result<Vec<Step>, String> {
        let mut steps = vec![self.segment()?];
        loop {
            if self.eat("[*]") || self.eat("[]") {
                steps.push(Step::Each);
            } else if self.eat(".") {
                steps.push(self.segment()?);
            } else {
                return Ok(steps);
            }
        }
    }
}

fn parse(path: &str) -> std::result::Result<Vec<Step>, String> {
    let mut p = Parser { text: path, rest: path };
    let steps = p.chain()?;
    if !p.rest.trim().is_empty() {
        return Err(p.error("unexpected text"));
    }
    Ok(steps)
}

/// Resolves `path` against the operation input `input`; `at` names the trait in errors.
pub(super) fn resolve(cx: &Lowerer, input: &Shape, path: &str, at: &str) -> Result<ContextStep> {
    let steps = parse(path).map_err(|e| ModelError::new(at, e))?;
    compile(cx, &steps, input, true, at, End::Value)
}

/// What the end of a chain produces.
#[derive(Clone, Copy)]
enum End {
    /// The value itself (a string, enum or boolean).
    Value,
    /// The keys of the map reached (`keys(...)`).
    Keys,
}

fn compile(cx: &Lowerer, steps: &[Step], shape: &Shape, top: bool, at: &str, end: End) -> Result<ContextStep> {
    let Some((first, rest)) = steps.split_first() else {
        return match end {
            End::Value => leaf(shape, at),
            End::Keys => match &shape.kind {
                ShapeKind::Map { .. } => Ok(ContextStep::Keys),
                other => bail_at!(at, "keys() needs a map, not a {}", other.type_name()),
            },
        };
    };
    match first {
        Step::Field(name) => {
            let ShapeKind::Structure(members) = &shape.kind else {
                bail_at!(at, "`{name}` is applied to a {}, not a structure", shape.kind.type_name())
            };
            let m = members
                .iter()
                .find(|m| &m.name == name)
                .ok_or_else(|| ModelError::new(at, format!("`{}` has no member `{name}`", shape.id)))?;
            let target = cx.shape(&m.target);
            Ok(ContextStep::Field {
                field: naming::field_name(name).map_err(|e| ModelError::new(at, e))?,
                optional: member_optional(m, target, top),
                boxed: m.traits.has(BOXED),
                next: Box::new(compile(cx, rest, target, false, at, end)?),
            })
        }
        Step::Each => match &shape.kind {
            ShapeKind::List(m) => Ok(ContextStep::Each {
                sparse: shape.traits.has("smithy.api#sparse"),
                next: Box::new(compile(cx, rest, cx.shape(&m.target), false, at, end)?),
            }),
            other => bail_at!(at, "a projection needs a list, not a {}", other.type_name()),
        },
        Step::Select(branches) => {
            // The multiselect's values are pushed one by one, so a `[]` right after it (the
            // usual flatten) has nothing left to do.
            let rest = rest.strip_prefix(&[Step::Each][..]).unwrap_or(rest);
            let compiled = branches
                .iter()
                .map(|b| {
                    let mut chain = b.clone();
                    chain.extend_from_slice(rest);
                    compile(cx, &chain, shape, top, at, end)
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(ContextStep::Select(compiled))
        }
        Step::Keys(inner) => {
            if !rest.is_empty() {
                bail_at!(at, "nothing may follow `keys(...)`");
            }
            compile(cx, inner, shape, top, at, End::Keys)
        }
    }
}

/// The end of a path: a string, enum or boolean value.
fn leaf(shape: &Shape, at: &str) -> Result<ContextStep> {
    Ok(ContextStep::Leaf(match &shape.kind {
        ShapeKind::String => ContextLeaf::String,
        ShapeKind::Enum(_) => ContextLeaf::Enum,
        ShapeKind::Boolean => ContextLeaf::Bool,
        other => bail_at!(at, "a path must end at a string or boolean, not a {}", other.type_name()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: &str) -> Step {
        Step::Field(s.into())
    }

    #[test]
    fn paths_parse_into_chains() {
        assert_eq!(parse("Bucket").unwrap(), [f("Bucket")]);
        assert_eq!(parse("Delete.Objects[*].Key").unwrap(), [f("Delete"), f("Objects"), Step::Each, f("Key")]);
        assert_eq!(parse("keys(RequestItems)").unwrap(), [Step::Keys(vec![f("RequestItems")])]);
        assert_eq!(
            parse("Items[*].[A.Name, B.Name][]").unwrap(),
            [f("Items"), Step::Each, Step::Select(vec![vec![f("A"), f("Name")], vec![f("B"), f("Name")]]), Step::Each]
        );
        assert_eq!(parse(r#""quoted name".x"#).unwrap(), [f("quoted name"), f("x")]);
        for bad in ["", "a.", "keys(a", "[a, b", "a b", "9a", "a[1]"] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
