//! IDL text → tokens. Whitespace, newlines, commas and comments are tokens too: the grammar is
//! whitespace-sensitive (a shape statement ends with a line break, `string Foo` needs its
//! space), so the parser decides where they matter. Malformed input (a bad escape, an
//! unterminated string, a stray character) becomes an [`Kind::Error`] token carrying the
//! message, reported by the parser where it finds it.

/// The kind of a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Spaces and tabs.
    Space,
    /// `\n`, `\r\n` or `\r`.
    Newline,
    Comma,
    /// `// ...` up to and including its line ending.
    Comment,
    /// `/// ...` up to and including its line ending; the text is the token's value.
    DocComment,
    At,
    /// A quoted string; the decoded text is the token's value.
    String,
    /// A text block; the decoded text is the token's value.
    TextBlock,
    Colon,
    /// `:=`
    Walrus,
    Identifier,
    Dot,
    Pound,
    Dollar,
    Number,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    LParen,
    RParen,
    Equal,
    Eof,
    /// A lexical error; the message is the token's value.
    Error,
}

impl Kind {
    /// Whether the grammar's `WS` includes the token (documentation comments excluded).
    pub fn is_whitespace(self) -> bool {
        matches!(self, Kind::Space | Kind::Newline | Kind::Comma | Kind::Comment)
    }
}

/// A token: its kind, byte span, 1-based position and, for strings, doc comments and errors,
/// its value.
#[derive(Clone, Debug)]
pub struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
    pub line: u32,
    pub column: u32,
    pub value: Option<Box<str>>,
}

/// Splits `src` into tokens, ending with [`Kind::Eof`]. Lexing stops at an unterminated string
/// (an error token at the end of the file, then `Eof`).
pub fn tokenize(src: &str) -> Vec<Token> {
    let mut lexer = Lexer { src: src.as_bytes(), text: src, pos: 0, line: 1, column: 1, tokens: Vec::with_capacity(src.len() / 3) };
    lexer.run();
    lexer.tokens
}

struct Lexer<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    line: u32,
    column: u32,
    tokens: Vec<Token>,
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.src.get(self.pos + ahead).copied()
    }

    /// Advances one byte, keeping the line and column (columns count characters).
    fn bump(&mut self) {
        let Some(&b) = self.src.get(self.pos) else { return };
        self.pos += 1;
        match b {
            b'\n' => {
                self.line += 1;
                self.column = 1;
            }
            b'\r' if self.peek(0) != Some(b'\n') => {
                self.line += 1;
                self.column = 1;
            }
            b'\r' => {}
            _ if b & 0xC0 == 0x80 => {}
            _ => self.column += 1,
        }
    }

    fn push(&mut self, kind: Kind, start: usize, line: u32, column: u32, value: Option<String>) {
        self.tokens.push(Token { kind, start, end: self.pos, line, column, value: value.map(String::into_boxed_str) });
    }

    fn run(&mut self) {
        loop {
            let (start, line, column) = (self.pos, self.line, self.column);
            let Some(b) = self.peek(0) else {
                self.push(Kind::Eof, start, line, column, None);
                return;
            };
            let single = |kind| Some(kind);
            let kind = match b {
                b' ' | b'\t' => {
                    while matches!(self.peek(0), Some(b' ' | b'\t')) {
                        self.bump();
                    }
                    self.push(Kind::Space, start, line, column, None);
                    continue;
                }
                b'\n' | b'\r' => {
                    if b == b'\r' && self.peek(1) == Some(b'\n') {
                        self.bump();
                    }
                    self.bump();
                    self.push(Kind::Newline, start, line, column, None);
                    continue;
                }
                b',' => single(Kind::Comma),
                b'@' => single(Kind::At),
                b'$' => single(Kind::Dollar),
                b'.' => single(Kind::Dot),
                b'{' => single(Kind::LBrace),
                b'}' => single(Kind::RBrace),
                b'[' => single(Kind::LBracket),
                b']' => single(Kind::RBracket),
                b'(' => single(Kind::LParen),
                b')' => single(Kind::RParen),
                b'#' => single(Kind::Pound),
                b'=' => single(Kind::Equal),
                b':' => {
                    self.bump();
                    if self.peek(0) == Some(b'=') {
                        self.bump();
                        self.push(Kind::Walrus, start, line, column, None);
                    } else {
                        self.push(Kind::Colon, start, line, column, None);
                    }
                    continue;
                }
                b'"' => {
                    if !self.string(start, line, column) {
                        let (line, column) = (self.line, self.column);
                        self.push(Kind::Error, self.pos, line, column, Some("unterminated string: expected a closing `\"` before the end of the file".into()));
                        self.push(Kind::Eof, self.pos, line, column, None);
                        return;
                    }
                    continue;
                }
                b'/' => {
                    self.comment(start, line, column);
                    continue;
                }
                b'-' | b'0'..=b'9' => {
                    self.number(start, line, column);
                    continue;
                }
                b'_' | b'a'..=b'z' | b'A'..=b'Z' => {
                    self.identifier(start, line, column);
                    continue;
                }
                _ => None,
            };
            match kind {
                Some(kind) => {
                    self.bump();
                    self.push(kind, start, line, column, None);
                }
                None => {
                    let c = self.text[start..].chars().next().unwrap_or('\u{fffd}');
                    for _ in 0..c.len_utf8() {
                        self.bump();
                    }
                    self.push(Kind::Error, start, line, column, Some(format!("unexpected character `{}`", show(c))));
                }
            }
        }
    }

    fn comment(&mut self, start: usize, line: u32, column: u32) {
        self.bump();
        if self.peek(0) != Some(b'/') {
            self.push(Kind::Error, start, line, column, Some("unexpected `/`: comments start with `//`".into()));
            return;
        }
        self.bump();
        let doc = self.peek(0) == Some(b'/');
        if doc {
            self.bump();
        }
        let text_start = self.pos;
        while !matches!(self.peek(0), None | Some(b'\n' | b'\r')) {
            self.bump();
        }
        let text = &self.text[text_start..self.pos];
        if self.peek(0) == Some(b'\r') && self.peek(1) == Some(b'\n') {
            self.bump();
        }
        self.bump();
        if doc {
            let text = text.strip_prefix(' ').unwrap_or(text);
            self.push(Kind::DocComment, start, line, column, Some(text.to_string()));
        } else {
            self.push(Kind::Comment, start, line, column, None);
        }
    }

    fn digits(&mut self) -> usize {
        let mut n = 0;
        while matches!(self.peek(0), Some(b'0'..=b'9')) {
            self.bump();
            n += 1;
        }
        n
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, converted as JSON numbers are.
    fn number(&mut self, start: usize, line: u32, column: u32) {
        let fail = |this: &mut Self, why: &str| {
            let lexeme = this.text[start..this.pos].to_string();
            this.push(Kind::Error, start, line, column, Some(format!("invalid number `{lexeme}`: {why}")));
        };
        if self.peek(0) == Some(b'-') {
            self.bump();
            if !matches!(self.peek(0), Some(b'0'..=b'9')) {
                return fail(self, "`-` must be followed by a digit");
            }
        }
        if self.peek(0) == Some(b'0') {
            self.bump();
        } else {
            self.digits();
        }
        if self.peek(0) == Some(b'.') {
            self.bump();
            if self.digits() == 0 {
                return fail(self, "`.` must be followed by a digit");
            }
        }
        if matches!(self.peek(0), Some(b'e' | b'E')) {
            self.bump();
            if matches!(self.peek(0), Some(b'+' | b'-')) {
                self.bump();
            }
            if self.digits() == 0 {
                return fail(self, "`e`, `+` and `-` must be followed by a digit");
            }
        }
        let lexeme = &self.text[start..self.pos];
        if serde_json::from_str::<serde_json::Number>(lexeme).is_err() {
            let message = format!("the number `{lexeme}` is out of range");
            return self.push(Kind::Error, start, line, column, Some(message));
        }
        self.push(Kind::Number, start, line, column, None);
    }

    /// `*"_" ALPHA *(ALPHA / DIGIT / "_")`
    fn identifier(&mut self, start: usize, line: u32, column: u32) {
        while self.peek(0) == Some(b'_') {
            self.bump();
        }
        if !matches!(self.peek(0), Some(b'a'..=b'z' | b'A'..=b'Z')) {
            let found = self.text[self.pos..].chars().next().map_or("the end of the file".to_string(), |c| format!("`{}`", show(c)));
            let (l, c) = (self.line, self.column);
            self.push(Kind::Error, start, l, c, Some(format!("an identifier needs a letter after its leading underscores, but found {found}")));
            return;
        }
        while matches!(self.peek(0), Some(b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_')) {
            self.bump();
        }
        self.push(Kind::Identifier, start, line, column, None);
    }

    /// A quoted string or text block starting at the current `"`. Returns false when the file
    /// ends before it does.
    fn string(&mut self, start: usize, line: u32, column: u32) -> bool {
        self.bump();
        let block = self.peek(0) == Some(b'"') && self.peek(1) == Some(b'"');
        if block {
            self.bump();
            self.bump();
        } else if self.peek(0) == Some(b'"') {
            self.bump();
            self.push(Kind::String, start, line, column, Some(String::new()));
            return true;
        }
        let content_start = self.pos;
        loop {
            match self.peek(0) {
                None => return false,
                Some(b'\\') => {
                    self.bump();
                    self.bump();
                }
                Some(b'"') if !block => break,
                Some(b'"') if self.peek(1) == Some(b'"') && self.peek(2) == Some(b'"') => break,
                Some(_) => self.bump(),
            }
        }
        let raw = &self.text[content_start..self.pos];
        for _ in 0..if block { 3 } else { 1 } {
            self.bump();
        }
        let (kind, decoded) = if block {
            (Kind::TextBlock, text_block(raw).and_then(|t| unescape(&t, true)).map_err(|e| format!("invalid text block: {e}")))
        } else {
            (Kind::String, unescape(&normalize_newlines(raw), false).map_err(|e| format!("invalid string: {e}")))
        };
        match decoded {
            Ok(text) => self.push(kind, start, line, column, Some(text)),
            Err(message) => self.push(Kind::Error, start, line, column, Some(message)),
        }
        true
    }
}

/// CR and CRLF → LF (spec: "New lines").
fn normalize_newlines(raw: &str) -> String {
    if raw.contains('\r') {
        raw.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        raw.to_string()
    }
}

/// Removes a text block's incidental whitespace (spec: "Incidental white space removal"),
/// before escapes are interpreted.
fn text_block(raw: &str) -> Result<String, String> {
    let raw = normalize_newlines(raw);
    if raw.is_empty() {
        return Err("a text block cannot be empty: `\"\"\"` must be followed by a new line".into());
    }
    let Some(content) = raw.trim_start_matches([' ', '\t']).strip_prefix('\n') else {
        return Err("`\"\"\"` must be followed by a new line".into());
    };
    let lines: Vec<&str> = content.split('\n').collect();
    let last = lines.len() - 1;
    let indent = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let spaces = l.len() - l.trim_start_matches(' ').len();
            if spaces < l.len() {
                Some(spaces)
            } else if i == last {
                // The closing delimiter's own line counts (a significant trailing line).
                Some(l.len())
            } else {
                None
            }
        })
        .min()
        .unwrap_or(0);
    let mut out = String::with_capacity(content.len());
    for (i, l) in lines.iter().enumerate() {
        let from = indent.min(l.len());
        let end = l.trim_end_matches(' ').len();
        if end > from {
            out.push_str(&l[from..end]);
        }
        if i < last {
            out.push('\n');
        }
    }
    Ok(out)
}

/// Interprets escapes (spec: "String escape characters"); rejects control characters.
fn unescape(s: &str, text_block: bool) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let ok = matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '"') || (c == '"' && text_block);
            if !ok {
                return Err(format!("the character U+{:04X} must be escaped", c as u32));
            }
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('/') => out.push('/'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('\n') => {}
            Some('u') => {
                let unit = hex4(&mut chars)?;
                let c = if (0xD800..0xDC00).contains(&unit) {
                    let low = match (chars.next(), chars.next()) {
                        (Some('\\'), Some('u')) => hex4(&mut chars)?,
                        _ => return Err(format!("the escape `\\u{unit:04X}` starts a surrogate pair that is not completed")),
                    };
                    if !(0xDC00..0xE000).contains(&low) {
                        return Err(format!("the escape `\\u{unit:04X}` starts a surrogate pair that is not completed"));
                    }
                    char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                } else {
                    char::from_u32(unit)
                };
                out.push(c.ok_or_else(|| format!("`\\u{unit:04X}` is not a Unicode scalar value"))?);
            }
            Some(other) => return Err(format!("invalid escape `\\{}`", show(other))),
            None => return Err("a string cannot end with `\\`".into()),
        }
    }
    Ok(out)
}

/// A character as an error message shows it: control characters escaped.
fn show(c: char) -> String {
    if c.is_control() {
        c.escape_debug().to_string()
    } else {
        c.to_string()
    }
}

fn hex4(chars: &mut std::str::Chars) -> Result<u32, String> {
    let mut value = 0;
    for _ in 0..4 {
        let c = chars.next().ok_or("unclosed unicode escape: `\\u` needs four hexadecimal digits")?;
        let digit = c.to_digit(16).ok_or_else(|| format!("invalid unicode escape character `{}`", show(c)))?;
        value = value * 16 + digit;
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Kind> {
        tokenize(src).into_iter().map(|t| t.kind).collect()
    }

    fn value(src: &str) -> String {
        tokenize(src)[0].value.as_deref().unwrap_or("").to_string()
    }

    #[test]
    fn tokens_of_each_kind() {
        use Kind::*;
        let cases: &[(&str, &[Kind])] = &[
            ("a.b#C$d", &[Identifier, Dot, Identifier, Pound, Identifier, Dollar, Identifier, Eof]),
            (" \t,\n\r\n\r", &[Space, Comma, Newline, Newline, Newline, Eof]),
            ("@(){}[]=:", &[At, LParen, RParen, LBrace, RBrace, LBracket, RBracket, Equal, Colon, Eof]),
            ("x := 1", &[Identifier, Space, Walrus, Space, Number, Eof]),
            ("// c\n/// d\n//", &[Comment, DocComment, Comment, Eof]),
            ("\"s\" \"\"\"\nt\"\"\"", &[String, Space, TextBlock, Eof]),
            ("-1.5e+3 0 10", &[Number, Space, Number, Space, Number, Eof]),
            ("01", &[Number, Number, Eof]),
            ("__a _ !", &[Identifier, Space, Error, Space, Error, Eof]),
            ("1. -x 1e", &[Error, Space, Error, Identifier, Space, Error, Eof]),
            ("/x", &[Error, Identifier, Eof]),
            ("\"open", &[Error, Eof]),
        ];
        for (src, want) in cases {
            assert_eq!(kinds(src), *want, "{src:?}");
        }
    }

    #[test]
    fn positions_count_lines_and_characters() {
        let toks = tokenize("é x\r\n  y \"a\nb\" z");
        let pos: Vec<_> = toks.iter().filter(|t| t.kind == Kind::Identifier || t.kind == Kind::String).map(|t| (t.line, t.column)).collect();
        assert_eq!(pos, [(1, 3), (2, 3), (2, 5), (3, 4)]);
        assert_eq!(tokenize("é").first().map(|t| (t.kind, t.column)), Some((Kind::Error, 1)));
    }

    #[test]
    fn strings_and_escapes() {
        let cases = [
            (r#""a\"b\\c\/d\n\t""#, "a\"b\\c/d\n\t"),
            ("\"\\u00e9\\uD83D\\uDE00\"", "é😀"),
            ("\"line\\\nnext\"", "linenext"),
            ("\"a\r\nb\"", "a\nb"),
            ("\"\"", ""),
        ];
        for (src, want) in cases {
            assert_eq!(value(src), want, "{src}");
        }
        for (src, want) in [
            (r#""\'""#, "invalid string: invalid escape `\\'`"),
            (r#""\ua""#, "invalid string: unclosed unicode escape"),
            (r#""\uaaat""#, "invalid string: invalid unicode escape character `t`"),
            (r#""\uD800x""#, "invalid string: the escape `\\uD800` starts a surrogate pair"),
            ("\"\u{1}\"", "invalid string: the character U+0001 must be escaped"),
        ] {
            assert!(value(src).starts_with(want), "{src}: {}", value(src));
        }
    }

    #[test]
    fn text_blocks_remove_incidental_whitespace() {
        let cases = [
            ("\"\"\"\n    \"\"\"", ""),
            ("\"\"\"\n\n    \"\"\"", "\n"),
            ("\"\"\"\n    Hello\n    \"\"\"", "Hello\n"),
            ("\"\"\"\n    Hello\"\"\"", "Hello"),
            ("\"\"\"\n    Hi \\\n    there \\\n    bye\"\"\"", "Hi there bye"),
            ("\"\"\"\n    Hello\n    There\n         \"\"\"", "Hello\nThere\n"),
            ("\"\"\"\n    Hello\n\n    there\n    \"\"\"", "Hello\n\nthere\n"),
            ("\"\"\"\n    \"Hi\\\"\"\"\"", "\"Hi\""),
            ("\"\"\"\n    Foo\n        Baz\n    Bar\n\"\"\"", "    Foo\n        Baz\n    Bar\n"),
            ("\"\"\"\n  <div>\n    <p>Hi\\n    bar</p>\n  </div>\n  \"\"\"", "<div>\n  <p>Hi\n    bar</p>\n</div>\n"),
            ("\"\"\"  \n  x\"\"\"", "x"),
        ];
        for (src, want) in cases {
            assert_eq!(value(src), want, "{src:?}");
        }
        assert!(value("\"\"\"\"\"\"").contains("cannot be empty"));
        assert!(value("\"\"\"Hi\"\"\"").contains("must be followed by a new line"));
    }

    #[test]
    fn doc_comments_keep_their_text() {
        assert_eq!(value("/// Hello\n"), "Hello");
        assert_eq!(value("///  two\r\n"), " two");
        assert_eq!(value("///"), "");
    }
}
