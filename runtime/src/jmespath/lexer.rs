//! Expression text → tokens, each with its byte offset (for error messages).

use super::JmespathError;
use crate::document::Document;

/// A token of the JMESPath grammar.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
    /// An unquoted identifier (`foo`), which may also name a function.
    Ident(String),
    /// A quoted identifier (`"foo bar"`), never a function name.
    Quoted(String),
    /// A JSON literal (`` `[1, 2]` ``).
    Literal(Document),
    /// A raw string literal (`'text'`).
    Raw(String),
    /// A signed integer (indices and slices).
    Number(i64),
    Dot,
    Star,
    /// `[]`
    Flatten,
    /// `[?`
    Filter,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    LParen,
    RParen,
    Comma,
    Colon,
    Pipe,
    Or,
    And,
    /// `&` (expression reference)
    Expref,
    Not,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `@`
    At,
    Eof,
}

impl Tok {
    /// How tightly the token binds as an infix (led) operator (jmespath.py's table).
    pub(super) fn binding_power(&self) -> u8 {
        match self {
            Tok::Pipe => 1,
            Tok::Or => 2,
            Tok::And => 3,
            Tok::Eq | Tok::Ne | Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge => 5,
            Tok::Flatten => 9,
            Tok::Star => 20,
            Tok::Filter => 21,
            Tok::Dot => 40,
            Tok::Not => 45,
            Tok::LBrace => 50,
            Tok::LBracket => 55,
            Tok::LParen => 60,
            _ => 0,
        }
    }

    /// A short description for error messages.
    pub(super) fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("identifier `{s}`"),
            Tok::Quoted(s) => format!("quoted identifier \"{s}\""),
            Tok::Literal(_) => "a literal".into(),
            Tok::Raw(_) => "a raw string".into(),
            Tok::Number(n) => format!("number {n}"),
            Tok::Eof => "the end of the expression".into(),
            other => {
                let s = match other {
                    Tok::Dot => ".",
                    Tok::Star => "*",
                    Tok::Flatten => "[]",
                    Tok::Filter => "[?",
                    Tok::LBracket => "[",
                    Tok::RBracket => "]",
                    Tok::LBrace => "{",
                    Tok::RBrace => "}",
                    Tok::LParen => "(",
                    Tok::RParen => ")",
                    Tok::Comma => ",",
                    Tok::Colon => ":",
                    Tok::Pipe => "|",
                    Tok::Or => "||",
                    Tok::And => "&&",
                    Tok::Expref => "&",
                    Tok::Not => "!",
                    Tok::Eq => "==",
                    Tok::Ne => "!=",
                    Tok::Lt => "<",
                    Tok::Le => "<=",
                    Tok::Gt => ">",
                    Tok::Ge => ">=",
                    _ => "@",
                };
                format!("`{s}`")
            }
        }
    }
}

/// Splits `text` into tokens (ending with [`Tok::Eof`]) and their byte offsets.
pub(super) fn tokenize(text: &str) -> Result<Vec<(Tok, usize)>, JmespathError> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let b = bytes[i];
        let two = |next: u8| bytes.get(i + 1) == Some(&next);
        let (tok, len) = match b {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let len = bytes[i..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
                (Tok::Ident(text[i..i + len].to_string()), len)
            }
            b'0'..=b'9' | b'-' => {
                let digits = bytes[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if b == b'-' && digits == 0 {
                    return Err(JmespathError::syntax("`-` must be followed by digits", start));
                }
                let len = 1 + digits;
                (Tok::Number(parse_int(&text[i..i + len])), len)
            }
            b'"' => {
                let (end, raw) = delimited(text, i, b'"')?;
                let value = crate::json::JsonReader::new(raw.as_bytes())
                    .string()
                    .map_err(|e| JmespathError::syntax(format!("invalid quoted identifier: {}", e.message()), start))?;
                (Tok::Quoted(value.into_owned()), end - i)
            }
            b'\'' => {
                let (end, raw) = delimited(text, i, b'\'')?;
                let inner = &raw[1..raw.len() - 1];
                (Tok::Raw(inner.replace("\\'", "'")), end - i)
            }
            b'`' => {
                let (end, raw) = delimited(text, i, b'`')?;
                let inner = raw[1..raw.len() - 1].replace("\\`", "`");
                (Tok::Literal(json_literal(&inner, start)?), end - i)
            }
            b'[' if two(b'?') => (Tok::Filter, 2),
            b'[' if two(b']') => (Tok::Flatten, 2),
            b'[' => (Tok::LBracket, 1),
            b']' => (Tok::RBracket, 1),
            b'{' => (Tok::LBrace, 1),
            b'}' => (Tok::RBrace, 1),
            b'(' => (Tok::LParen, 1),
            b')' => (Tok::RParen, 1),
            b',' => (Tok::Comma, 1),
            b':' => (Tok::Colon, 1),
            b'.' => (Tok::Dot, 1),
            b'*' => (Tok::Star, 1),
            b'@' => (Tok::At, 1),
            b'|' if two(b'|') => (Tok::Or, 2),
            b'|' => (Tok::Pipe, 1),
            b'&' if two(b'&') => (Tok::And, 2),
            b'&' => (Tok::Expref, 1),
            b'!' if two(b'=') => (Tok::Ne, 2),
            b'!' => (Tok::Not, 1),
            b'=' if two(b'=') => (Tok::Eq, 2),
            b'<' if two(b'=') => (Tok::Le, 2),
            b'<' => (Tok::Lt, 1),
            b'>' if two(b'=') => (Tok::Ge, 2),
            b'>' => (Tok::Gt, 1),
            _ => {
                let c = text[i..].chars().next().unwrap_or('?');
                return Err(JmespathError::syntax(format!("unexpected character {c:?}"), start));
            }
        };
        out.push((tok, start));
        i += len;
    }
    out.push((Tok::Eof, text.len()));
    Ok(out)
}

/// An integer token; values beyond `i64` saturate (as indices they are out of range anyway).
fn parse_int(s: &str) -> i64 {
    s.parse::<i64>().unwrap_or(if s.starts_with('-') { i64::MIN } else { i64::MAX })
}

/// The text from the opening `quote` at `start` to its closing one (both included), skipping
/// characters escaped by a backslash; returns the offset just past the end.
fn delimited(text: &str, start: usize, quote: u8) -> Result<(usize, &str), JmespathError> {
    let bytes = text.as_bytes();
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            c if c == quote => return Ok((i + 1, &text[start..=i])),
            _ => i += 1,
        }
    }
    Err(JmespathError::syntax(format!("unterminated {}", char::from(quote)), start))
}

/// The JSON value inside a `` `literal` `` (leading and trailing whitespace allowed).
fn json_literal(inner: &str, start: usize) -> Result<Document, JmespathError> {
    let mut reader = crate::json::JsonReader::new(inner.trim_start().as_bytes());
    let value = reader
        .document()
        .and_then(|v| reader.finish().map(|()| v))
        .map_err(|e| JmespathError::syntax(format!("invalid JSON literal: {}", e.message()), start))?;
    Ok(value)
}
