//! A JMESPath evaluator (<https://jmespath.org/specification.html>) over [`Document`] values:
//! the whole grammar and every built-in function, checked against the official compliance suite
//! (`cargo xtask conformance`, line `jmespath:`). Waiters use it for their acceptors' paths.
//!
//! Parsing never panics and bounds its own work: an expression nested more than
//! [`MAX_DEPTH`] levels deep is a syntax error, so evaluation cannot overflow the stack.
//! Numbers keep integers exact (`Number::PosInt`/`NegInt`) and compare by value across kinds,
//! so `` `1` == `1.0` `` is true.
//!
//! ```
//! use smithy_lite_runtime::document::Document;
//! use smithy_lite_runtime::jmespath::Expression;
//!
//! let data = smithy_lite_runtime::json::JsonReader::new(br#"{"tables": [{"status": "ACTIVE"}, {"status": "CREATING"}]}"#)
//!     .document()
//!     .unwrap();
//! let expr = Expression::parse("tables[?status == 'ACTIVE'] | length(@)").unwrap();
//! assert_eq!(expr.search(&data).unwrap(), Document::from(1u64));
//! ```

mod eval;
mod functions;
mod lexer;
mod parser;

use crate::document::Document;
use std::fmt;

pub use eval::is_truthy;

/// How deeply an expression may nest (sub-expressions, projections, parentheses; a function
/// call counts twice); deeper is a syntax error. The compliance suite's deepest case nests
/// about 105 levels; at this limit, parsing and evaluating fit a 2 MiB thread stack even in
/// unoptimised builds.
pub const MAX_DEPTH: usize = 128;

/// The kind of a JMESPath error, as the compliance suite names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The expression is not valid JMESPath (`syntax`).
    Syntax,
    /// A function was called with the wrong number of arguments (`invalid-arity`).
    InvalidArity,
    /// A function was given an argument of the wrong type (`invalid-type`).
    InvalidType,
    /// A value is not allowed where it appears, such as a slice step of 0 (`invalid-value`).
    InvalidValue,
    /// The expression calls a function that does not exist (`unknown-function`).
    UnknownFunction,
}

impl ErrorKind {
    /// The name the compliance suite uses (`syntax`, `invalid-type`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Syntax => "syntax",
            ErrorKind::InvalidArity => "invalid-arity",
            ErrorKind::InvalidType => "invalid-type",
            ErrorKind::InvalidValue => "invalid-value",
            ErrorKind::UnknownFunction => "unknown-function",
        }
    }
}

/// An error parsing or evaluating an expression: its kind, what went wrong, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JmespathError {
    kind: ErrorKind,
    message: String,
    offset: Option<usize>,
}

impl JmespathError {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>, offset: Option<usize>) -> Self {
        JmespathError { kind, message: message.into(), offset }
    }

    pub(crate) fn syntax(message: impl Into<String>, offset: usize) -> Self {
        Self::new(ErrorKind::Syntax, message, Some(offset))
    }

    pub(crate) fn invalid_type(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidType, message, None)
    }

    /// The kind of error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// What went wrong.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The byte offset in the expression, for syntax errors.
    pub fn offset(&self) -> Option<usize> {
        self.offset
    }
}

impl fmt::Display for JmespathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} error: {}", self.kind.as_str(), self.message)?;
        if let Some(offset) = self.offset {
            write!(f, " (at offset {offset})")?;
        }
        Ok(())
    }
}

impl std::error::Error for JmespathError {}

/// A parsed expression, ready to be evaluated any number of times.
#[derive(Clone, Debug)]
pub struct Expression {
    text: String,
    ast: parser::Ast,
}

impl Expression {
    /// Parses `text`. Unknown functions, wrong argument counts and slice steps of 0 are
    /// reported here, before any data is seen.
    pub fn parse(text: &str) -> Result<Expression, JmespathError> {
        let ast = parser::parse(text)?;
        Ok(Expression { text: text.to_string(), ast })
    }

    /// Evaluates the expression against `data`. Fails only with [`ErrorKind::InvalidType`]
    /// (a function argument of the wrong type).
    pub fn search(&self, data: &Document) -> Result<Document, JmespathError> {
        eval::eval(&self.ast, data).map(std::borrow::Cow::into_owned)
    }

    /// The expression's text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Parses `expression` and evaluates it against `data`.
pub fn search(expression: &str, data: &Document) -> Result<Document, JmespathError> {
    Expression::parse(expression)?.search(data)
}

/// Whether two values are equal as JMESPath compares them: numbers by value whatever their
/// kind (`1 == 1.0`), arrays element by element, objects key by key.
pub fn values_equal(a: &Document, b: &Document) -> bool {
    eval::json_eq(a, b)
}

/// The value as compact JSON text, as `to_string` writes non-strings.
pub fn to_json(value: &Document) -> String {
    let mut out = String::new();
    crate::json::JsonValueWriter::new(&mut out).document(value);
    out
}

#[cfg(test)]
mod tests;
