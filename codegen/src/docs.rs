//! Smithy documentation (CommonMark that AWS writes as HTML) → rustdoc Markdown lines.
//!
//! AWS docs are HTML with deep source indentation; passed through verbatim, rustdoc would turn
//! indented lines into code blocks and `[x]` into broken intra-doc links. We convert the tags
//! AWS uses to Markdown, collapse HTML whitespace, escape what rustdoc would misread, and return
//! trimmed lines (the emitter writes one `#[doc = " line"]` per line).

/// Converts a documentation string to Markdown lines (no leading/trailing blank lines).
pub fn to_rustdoc(doc: &str) -> Vec<String> {
    let html = looks_like_html(doc);
    let mut w = Writer { out: String::new(), item_start: false, html, code: 0, pre: 0, lists: Vec::new(), link: Vec::new() };
    let mut rest = doc;
    while !rest.is_empty() {
        match rest.find('<') {
            Some(0) => match parse_tag(rest) {
                Some((tag, len)) => {
                    w.tag(&tag);
                    rest = &rest[len..];
                }
                None => {
                    w.text("<");
                    rest = &rest[1..];
                }
            },
            Some(i) => {
                w.text(&rest[..i]);
                rest = &rest[i..];
            }
            None => {
                w.text(rest);
                rest = "";
            }
        }
    }
    tidy(&w.out)
}

fn looks_like_html(doc: &str) -> bool {
    ["<p>", "<p ", "<ul>", "<li>", "<br", "<div", "<ol>", "<dl>", "<note>", "<important>"]
        .iter()
        .any(|t| doc.contains(t))
}

struct Tag {
    name: String,
    closing: bool,
    href: Option<String>,
}

/// Parses `<name attr="..">`, `</name>` or `<name/>` at the start of `s`.
fn parse_tag(s: &str) -> Option<(Tag, usize)> {
    let end = s.find('>')?;
    let inner = &s[1..end];
    let (closing, inner) = match inner.strip_prefix('/') {
        Some(i) => (true, i),
        None => (false, inner),
    };
    let inner = inner.trim_end_matches('/');
    let name: String = inner.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
    if name.is_empty() || !inner.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let href = inner.find("href=").and_then(|i| {
        let v = &inner[i + 5..];
        let q = v.chars().next()?;
        if q == '"' || q == '\'' {
            v[1..].find(q).map(|j| v[1..1 + j].to_string())
        } else {
            Some(v.split_whitespace().next().unwrap_or("").to_string())
        }
    });
    Some((Tag { name: name.to_ascii_lowercase(), closing, href }, end + 1))
}

struct Writer {
    out: String,
    /// Just wrote a list bullet: a `<p>` opening the item must not break the line.
    item_start: bool,
    html: bool,
    code: usize,
    pre: usize,
    lists: Vec<Option<u32>>,
    link: Vec<Option<String>>,
}

impl Writer {
    fn paragraph(&mut self) {
        self.out.push_str("\n\n");
    }

    fn tag(&mut self, tag: &Tag) {
        let item_start = std::mem::take(&mut self.item_start);
        match (tag.name.as_str(), tag.closing) {
            ("p" | "div", false) if item_start => self.item_start = true,
            ("p" | "div" | "note" | "important" | "dl" | "dt" | "dd" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6", _) => {
                self.paragraph()
            }
            ("br", _) => self.out.push('\n'),
            ("ul", false) => {
                self.lists.push(None);
                self.paragraph();
            }
            ("ol", false) => {
                self.lists.push(Some(0));
                self.paragraph();
            }
            ("ul" | "ol", true) => {
                self.lists.pop();
                self.paragraph();
            }
            ("li", false) => {
                let indent = "  ".repeat(self.lists.len().saturating_sub(1));
                let bullet = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{n}. ")
                    }
                    _ => "- ".to_string(),
                };
                // Marker for `tidy`: keep list indentation, which it otherwise trims.
                self.out.push_str(&format!("\n\u{1}{indent}{bullet}"));
                self.item_start = true;
            }
            ("li", true) => {}
            ("pre", false) => {
                self.pre += 1;
                self.out.push_str("\n\n```text\n");
            }
            ("pre", true) => {
                self.pre = self.pre.saturating_sub(1);
                self.out.push_str("\n```\n\n");
            }
            ("code", false) if self.pre == 0 => {
                self.code += 1;
                self.out.push('`');
            }
            ("code", true) if self.pre == 0 => {
                self.code = self.code.saturating_sub(1);
                self.out.push('`');
            }
            ("a", false) => {
                self.link.push(tag.href.clone().filter(|h| h.starts_with("http")));
                if matches!(self.link.last(), Some(Some(_))) {
                    self.out.push('[');
                }
            }
            ("a", true) => {
                if let Some(Some(href)) = self.link.pop() {
                    self.out.push_str(&format!("]({href})"));
                }
            }
            ("b" | "strong", _) => self.out.push_str("**"),
            ("i" | "em", _) => self.out.push('*'),
            _ => {}
        }
    }

    fn text(&mut self, raw: &str) {
        let decoded = decode_entities(raw);
        if !decoded.trim().is_empty() {
            self.item_start = false;
        }
        if self.pre > 0 {
            self.out.push_str(&decoded);
            return;
        }
        let mut last_space = self.out.ends_with([' ', '\n']);
        for c in decoded.chars() {
            let c = if self.html && c.is_whitespace() { ' ' } else { c };
            if c == ' ' {
                if !last_space {
                    self.out.push(' ');
                }
                last_space = true;
                continue;
            }
            last_space = c == '\n';
            if self.code > 0 {
                self.out.push(if c == '`' { '\'' } else { c });
                continue;
            }
            match c {
                // `[x]` would be read as an intra-doc link, `<x>` as an HTML tag.
                '[' => self.out.push_str("\\["),
                ']' => self.out.push_str("\\]"),
                '<' => self.out.push_str("&lt;"),
                '>' => self.out.push_str("&gt;"),
                _ => self.out.push(c),
            }
        }
    }
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| match &rest[1..e] {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            num if num.starts_with("#x") => u32::from_str_radix(&num[2..], 16).ok().and_then(char::from_u32),
            num if num.starts_with('#') => num[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        });
        match (decoded, end) {
            (Some(c), Some(e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Trims every line (keeping list indentation and fenced blocks), collapses blank runs, drops
/// leading and trailing blank lines.
fn tidy(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut in_fence = false;
    for raw in text.split('\n') {
        let line = if in_fence {
            raw.trim_end().to_string()
        } else if let Some(item) = raw.trim_start().strip_prefix('\u{1}') {
            item.trim_end().to_string()
        } else {
            raw.trim().to_string()
        };
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        let blank = line.trim().is_empty();
        if blank && !in_fence && lines.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        lines.push(if blank && !in_fence { String::new() } else { line.replace('\u{1}', "") });
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_to_markdown_table() {
        let cases: &[(&str, &[&str])] = &[
            ("plain text", &["plain text"]),
            ("<p>Creates an <code>AppInstance</code>.</p>\n         <p>Second.</p>", &["Creates an `AppInstance`.", "", "Second."]),
            ("<p>Deeply\n            indented\n      text</p>", &["Deeply indented text"]),
            ("<ul><li><p>one</p></li><li>two</li></ul>", &["- one", "", "- two"]),
            ("<ol><li>a</li><li>b</li></ol>", &["1. a", "2. b"]),
            ("See <a href=\"https://example.com/x\">the guide</a>.", &["See [the guide](https://example.com/x)."]),
            ("<p>Use [brackets] and a &lt;tag&gt; &amp; more</p>", &["Use \\[brackets\\] and a &lt;tag&gt; & more"]),
            ("<p>line<br/>break</p>", &["line", "break"]),
            ("<p><b>bold</b> <i>it</i></p>", &["**bold** *it*"]),
            ("<pre><code>let x = 1;\n  indented</code></pre>", &["```text", "let x = 1;", "  indented", "```"]),
            ("<note>Careful</note>", &["Careful"]),
            ("Markdown line one\n    indented two", &["Markdown line one", "indented two"]),
            ("a < b and 3 > 2", &["a &lt; b and 3 &gt; 2"]),
            ("<p><code>[x]</code></p>", &["`[x]`"]),
            ("", &[]),
        ];
        for (input, want) in cases {
            assert_eq!(to_rustdoc(input), *want, "input: {input:?}");
        }
    }

    #[test]
    fn unknown_tags_are_dropped_and_bad_markup_never_panics() {
        assert_eq!(to_rustdoc("<p>a <fullname>X</fullname> b</p>"), ["a X b"]);
        for s in ["<", "</", "<<p>", "&", "&#xZZ;", "&#99999999;", "<a href=>x</a>", "</p></p></ul>", "<a href='http://x'>"] {
            let _ = to_rustdoc(s);
        }
    }
}
