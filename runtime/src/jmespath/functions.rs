//! The built-in functions of the JMESPath specification, with its argument types: a wrong
//! count is an `invalid-arity` error when the expression is parsed, a wrong type an
//! `invalid-type` error when it is evaluated.

use super::eval::{cmp_numbers, eval, json_eq, Value};
use super::parser::Ast;
use super::{ErrorKind, JmespathError};
use crate::document::{Document, Number};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeMap;

macro_rules! functions {
    ($($variant:ident $name:literal $min:literal $max:expr;)*) => {
        /// A built-in function.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(super) enum Function {
            $($variant,)*
        }

        impl Function {
            pub(super) fn from_name(name: &str) -> Option<Function> {
                match name {
                    $($name => Some(Function::$variant),)*
                    _ => None,
                }
            }

            fn name(self) -> &'static str {
                match self {
                    $(Function::$variant => $name,)*
                }
            }

            /// Minimum and maximum (`None`: variadic) argument counts.
            fn arity(self) -> (usize, Option<usize>) {
                match self {
                    $(Function::$variant => ($min, $max),)*
                }
            }
        }
    };
}

functions! {
    Abs "abs" 1 Some(1);
    Avg "avg" 1 Some(1);
    Ceil "ceil" 1 Some(1);
    Contains "contains" 2 Some(2);
    EndsWith "ends_with" 2 Some(2);
    Floor "floor" 1 Some(1);
    Join "join" 2 Some(2);
    Keys "keys" 1 Some(1);
    Length "length" 1 Some(1);
    Map "map" 2 Some(2);
    Max "max" 1 Some(1);
    MaxBy "max_by" 2 Some(2);
    Merge "merge" 1 None;
    Min "min" 1 Some(1);
    MinBy "min_by" 2 Some(2);
    NotNull "not_null" 1 None;
    Reverse "reverse" 1 Some(1);
    Sort "sort" 1 Some(1);
    SortBy "sort_by" 2 Some(2);
    StartsWith "starts_with" 2 Some(2);
    Sum "sum" 1 Some(1);
    ToArray "to_array" 1 Some(1);
    ToString "to_string" 1 Some(1);
    ToNumber "to_number" 1 Some(1);
    Type "type" 1 Some(1);
    Values "values" 1 Some(1);
}

impl Function {
    /// Refuses a call with `n` arguments when the function takes another number.
    pub(super) fn check_arity(self, n: usize) -> Result<(), JmespathError> {
        let (min, max) = self.arity();
        if n >= min && max.is_none_or(|max| n <= max) {
            return Ok(());
        }
        let expected = match max {
            Some(max) if max == min => format!("{min}"),
            _ => format!("at least {min}"),
        };
        Err(JmespathError::new(
            ErrorKind::InvalidArity,
            format!("{}() takes {expected} argument{}, not {n}", self.name(), if expected == "1" { "" } else { "s" }),
            None,
        ))
    }
}

/// The JMESPath type name of a value.
fn type_name(v: &Document) -> &'static str {
    match v {
        Document::Null => "null",
        Document::Bool(_) => "boolean",
        Document::Number(_) => "number",
        Document::String(_) => "string",
        Document::Array(_) => "array",
        Document::Object(_) => "object",
    }
}

/// An evaluated argument: a value, or an expression reference (`&expr`).
enum Arg<'a, 'e> {
    Value(Value<'a>),
    Expref(&'e Ast),
}

struct Args<'a, 'e> {
    function: Function,
    args: Vec<Arg<'a, 'e>>,
}

impl<'a, 'e> Args<'a, 'e> {
    fn wrong(&self, i: usize, expected: &str, got: &str) -> JmespathError {
        JmespathError::invalid_type(format!("argument {} of {}() must be {expected}, not {got}", i + 1, self.function.name()))
    }

    fn value(&self, i: usize) -> Result<&Document, JmespathError> {
        match self.args.get(i) {
            Some(Arg::Value(v)) => Ok(v),
            Some(Arg::Expref(_)) => Err(self.wrong(i, "a value", "an expression reference")),
            None => Ok(&Document::Null),
        }
    }

    fn expref(&self, i: usize) -> Result<&'e Ast, JmespathError> {
        match self.args.get(i) {
            Some(Arg::Expref(e)) => Ok(e),
            Some(Arg::Value(v)) => Err(self.wrong(i, "an expression reference", type_name(v))),
            None => Err(self.wrong(i, "an expression reference", "nothing")),
        }
    }

    fn number(&self, i: usize) -> Result<Number, JmespathError> {
        match self.value(i)? {
            Document::Number(n) => Ok(*n),
            other => Err(self.wrong(i, "a number", type_name(other))),
        }
    }

    fn string(&self, i: usize) -> Result<&str, JmespathError> {
        match self.value(i)? {
            Document::String(s) => Ok(s),
            other => Err(self.wrong(i, "a string", type_name(other))),
        }
    }

    fn array(&self, i: usize) -> Result<&[Document], JmespathError> {
        match self.value(i)? {
            Document::Array(a) => Ok(a),
            other => Err(self.wrong(i, "an array", type_name(other))),
        }
    }

    fn object(&self, i: usize) -> Result<&BTreeMap<String, Document>, JmespathError> {
        match self.value(i)? {
            Document::Object(o) => Ok(o),
            other => Err(self.wrong(i, "an object", type_name(other))),
        }
    }

    /// An array whose elements are all numbers.
    fn numbers(&self, i: usize) -> Result<Vec<Number>, JmespathError> {
        self.array(i)?
            .iter()
            .map(|v| match v {
                Document::Number(n) => Ok(*n),
                other => Err(self.wrong(i, "an array of numbers", &format!("an array holding a {}", type_name(other)))),
            })
            .collect()
    }
}

/// Calls `function` with `args` (unevaluated) against the current value `data`.
pub(super) fn call(function: Function, args: &[Ast], data: &Document) -> Result<Document, JmespathError> {
    let mut evaluated = Vec::with_capacity(args.len());
    for a in args {
        evaluated.push(match &a.node {
            super::parser::Node::Expref(inner) => Arg::Expref(inner),
            _ => Arg::Value(eval(a, data)?),
        });
    }
    let a = Args { function, args: evaluated };
    use Function as F;
    Ok(match function {
        F::Abs => Document::Number(match a.number(0)? {
            Number::NegInt(v) => Number::PosInt(v.unsigned_abs()),
            Number::Float(v) => Number::Float(v.abs()),
            n => n,
        }),
        F::Avg => {
            let numbers = a.numbers(0)?;
            if numbers.is_empty() {
                Document::Null
            } else {
                let sum: f64 = numbers.iter().map(|n| n.to_f64_lossy()).sum();
                Document::Number(Number::Float(sum / numbers.len() as f64))
            }
        }
        F::Ceil => Document::Number(round(a.number(0)?, f64::ceil)),
        F::Floor => Document::Number(round(a.number(0)?, f64::floor)),
        F::Contains => {
            let needle = a.value(1)?;
            Document::Bool(match a.value(0)? {
                Document::Array(items) => items.iter().any(|i| json_eq(i, needle)),
                Document::String(s) => needle.as_str().is_some_and(|n| s.contains(n)),
                other => return Err(a.wrong(0, "an array or a string", type_name(other))),
            })
        }
        F::EndsWith => Document::Bool(a.string(0)?.ends_with(a.string(1)?)),
        F::StartsWith => Document::Bool(a.string(0)?.starts_with(a.string(1)?)),
        F::Join => {
            let glue = a.string(0)?;
            let parts = a
                .array(1)?
                .iter()
                .map(|v| v.as_str().ok_or_else(|| a.wrong(1, "an array of strings", &format!("an array holding a {}", type_name(v)))))
                .collect::<Result<Vec<_>, _>>()?;
            Document::String(parts.join(glue))
        }
        F::Keys => Document::Array(a.object(0)?.keys().map(|k| Document::String(k.clone())).collect()),
        F::Values => Document::Array(a.object(0)?.values().cloned().collect()),
        F::Length => Document::from(match a.value(0)? {
            Document::String(s) => s.chars().count(),
            Document::Array(items) => items.len(),
            Document::Object(members) => members.len(),
            other => return Err(a.wrong(0, "a string, array or object", type_name(other))),
        } as u64),
        F::Map => {
            let expr = a.expref(0)?;
            let mut out = Vec::new();
            for item in a.array(1)? {
                out.push(eval(expr, item)?.into_owned());
            }
            Document::Array(out)
        }
        F::Max | F::Min => {
            let items = a.array(0)?;
            let keys = sort_keys(&a, 0, items.iter().map(Cow::Borrowed).collect())?;
            pick(items, &keys, function == F::Max)
        }
        F::MaxBy | F::MinBy => {
            let items = a.array(0)?;
            let expr = a.expref(1)?;
            let keys = items.iter().map(|i| eval(expr, i)).collect::<Result<Vec<_>, _>>()?;
            let keys = sort_keys(&a, 1, keys)?;
            pick(items, &keys, function == F::MaxBy)
        }
        F::Sort => {
            let items = a.array(0)?;
            let keys = sort_keys(&a, 0, items.iter().map(Cow::Borrowed).collect())?;
            sorted(items, keys)
        }
        F::SortBy => {
            let items = a.array(0)?;
            let expr = a.expref(1)?;
            let keys = items.iter().map(|i| eval(expr, i)).collect::<Result<Vec<_>, _>>()?;
            let keys = sort_keys(&a, 1, keys)?;
            sorted(items, keys)
        }
        F::Merge => {
            let mut out = BTreeMap::new();
            for i in 0..a.args.len() {
                for (k, v) in a.object(i)? {
                    out.insert(k.clone(), v.clone());
                }
            }
            Document::Object(out)
        }
        F::NotNull => {
            for i in 0..a.args.len() {
                let v = a.value(i)?;
                if !v.is_null() {
                    return Ok(v.clone());
                }
            }
            Document::Null
        }
        F::Reverse => match a.value(0)? {
            Document::String(s) => Document::String(s.chars().rev().collect()),
            Document::Array(items) => Document::Array(items.iter().rev().cloned().collect()),
            other => return Err(a.wrong(0, "a string or an array", type_name(other))),
        },
        F::Sum => {
            let numbers = a.numbers(0)?;
            let mut exact: Option<i128> = Some(0);
            let mut float = 0.0;
            for n in &numbers {
                float += n.to_f64_lossy();
                exact = match (exact, *n) {
                    (Some(s), Number::PosInt(v)) => s.checked_add(i128::from(v)),
                    (Some(s), Number::NegInt(v)) => s.checked_add(i128::from(v)),
                    _ => None,
                };
            }
            Document::Number(match exact {
                Some(s) => u64::try_from(s)
                    .map(Number::PosInt)
                    .or_else(|_| i64::try_from(s).map(Number::NegInt))
                    .unwrap_or(Number::Float(float)),
                None => Number::Float(float),
            })
        }
        F::ToArray => match a.value(0)? {
            Document::Array(items) => Document::Array(items.clone()),
            other => Document::Array(vec![other.clone()]),
        },
        F::ToString => match a.value(0)? {
            Document::String(s) => Document::String(s.clone()),
            other => Document::String(super::to_json(other)),
        },
        F::ToNumber => match a.value(0)? {
            Document::Number(n) => Document::Number(*n),
            Document::String(s) => parse_number(s).map_or(Document::Null, Document::Number),
            _ => Document::Null,
        },
        F::Type => Document::String(type_name(a.value(0)?).to_string()),
    })
}

/// `ceil` or `floor`: integers are already whole.
fn round(n: Number, f: fn(f64) -> f64) -> Number {
    match n {
        Number::Float(v) => {
            let r = f(v);
            // Whole results that fit an integer are integers again.
            if r.is_finite() && r.abs() < 9.0e15 {
                Number::from(r as i64)
            } else {
                Number::Float(r)
            }
        }
        n => n,
    }
}

/// Sort keys: all numbers or all strings (argument `i` is named in the error otherwise).
enum Keys<'a> {
    Numbers(Vec<Number>),
    Strings(Vec<Cow<'a, str>>),
}

fn sort_keys<'a>(a: &Args, i: usize, keys: Vec<Value<'a>>) -> Result<Keys<'a>, JmespathError> {
    let what = if matches!(a.function, Function::MaxBy | Function::MinBy | Function::SortBy) {
        "an expression giving only numbers or only strings"
    } else {
        "an array of only numbers or only strings"
    };
    match keys.first().map(|k| k.as_ref()) {
        None | Some(Document::Number(_)) => keys
            .iter()
            .map(|k| match k.as_ref() {
                Document::Number(n) => Ok(*n),
                other => Err(a.wrong(i, what, &format!("one giving a {}", type_name(other)))),
            })
            .collect::<Result<_, _>>()
            .map(Keys::Numbers),
        Some(Document::String(_)) => keys
            .into_iter()
            .map(|k| match k {
                Cow::Borrowed(Document::String(s)) => Ok(Cow::Borrowed(s.as_str())),
                Cow::Owned(Document::String(s)) => Ok(Cow::Owned(s)),
                other => Err(a.wrong(i, what, &format!("one giving a {}", type_name(&other)))),
            })
            .collect::<Result<_, _>>()
            .map(Keys::Strings),
        Some(other) => Err(a.wrong(i, what, &format!("one giving a {}", type_name(other)))),
    }
}

impl Keys<'_> {
    fn cmp(&self, x: usize, y: usize) -> Ordering {
        match self {
            Keys::Numbers(n) => cmp_numbers(n[x], n[y]).unwrap_or(Ordering::Equal),
            Keys::Strings(s) => s[x].cmp(&s[y]),
        }
    }

    fn len(&self) -> usize {
        match self {
            Keys::Numbers(n) => n.len(),
            Keys::Strings(s) => s.len(),
        }
    }
}

/// The element with the largest (or smallest) key; the first of equals; `null` when empty.
fn pick(items: &[Document], keys: &Keys, max: bool) -> Document {
    let mut best: Option<usize> = None;
    for i in 0..keys.len() {
        best = match best {
            None => Some(i),
            Some(b) => {
                let ord = keys.cmp(i, b);
                if (max && ord == Ordering::Greater) || (!max && ord == Ordering::Less) {
                    Some(i)
                } else {
                    Some(b)
                }
            }
        };
    }
    best.and_then(|b| items.get(b)).cloned().unwrap_or(Document::Null)
}

/// The elements in key order (stable).
fn sorted(items: &[Document], keys: Keys) -> Document {
    let mut order: Vec<usize> = (0..items.len().min(keys.len())).collect();
    order.sort_by(|x, y| keys.cmp(*x, *y));
    Document::Array(order.into_iter().map(|i| items[i].clone()).collect())
}

/// A string as a number (JSON number syntax); `None` when it is not one.
fn parse_number(s: &str) -> Option<Number> {
    let mut reader = crate::json::JsonReader::new(s.as_bytes());
    let n = reader.number().ok()?;
    reader.finish().ok()?;
    match n {
        Number::Float(f) if !f.is_finite() => None,
        n => Some(n),
    }
}
