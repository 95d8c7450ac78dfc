//! XML responses (feature `aws-query`): the body is read with `quick-xml` into a small element
//! tree that generated deserializers walk by element name. Responses of the XML protocols are
//! small, and a tree keeps generated code free of parser state: a member is "the child named
//! `x`", a flattened list is "every child named `x`".
//!
//! Names are compared as written (`prefix:local` stays whole), namespace declarations are kept
//! as attributes and otherwise ignored, and elements a deserializer does not ask for are simply
//! never looked at (unknown members are skipped).

use crate::error::DeserializeError;
use crate::time::{DateTime, TimestampFormat};
use quick_xml::events::Event;
use quick_xml::Reader;

/// Deepest nesting accepted; deeper documents are refused rather than exhausting the stack of
/// a recursive deserializer.
pub const MAX_DEPTH: usize = 128;

/// One element: its name, attributes, child elements and text (character data and CDATA of
/// the element itself, entities resolved).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct XmlElement {
    /// The name as written, with any prefix.
    pub name: String,
    /// Attributes (names as written, values unescaped), `xmlns` declarations included.
    pub attributes: Vec<(String, String)>,
    /// Child elements in document order.
    pub children: Vec<XmlElement>,
    /// The element's own text.
    pub text: String,
}

impl XmlElement {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&XmlElement> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child named `name`, in order.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a XmlElement> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The value of attribute `name`.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The element's text.
    pub fn text(&self) -> &str {
        &self.text
    }
}

fn invalid(e: impl std::fmt::Display) -> DeserializeError {
    DeserializeError::new(format!("invalid XML in response body: {e}"))
}

/// Parses `body` into its root element. Text outside the root, comments, processing
/// instructions and the XML declaration are ignored.
pub fn parse(body: &[u8]) -> Result<XmlElement, DeserializeError> {
    let mut reader = Reader::from_reader(body);
    let config = reader.config_mut();
    config.trim_text(false);
    config.check_end_names = true;
    config.expand_empty_elements = false;
    let mut stack: Vec<XmlElement> = Vec::new();
    let mut root: Option<XmlElement> = None;
    let start = |e: &quick_xml::events::BytesStart<'_>| -> Result<XmlElement, DeserializeError> {
        let name = std::str::from_utf8(e.name().as_ref()).map_err(invalid)?.to_string();
        let mut attributes = Vec::new();
        for a in e.attributes() {
            let a = a.map_err(invalid)?;
            let key = std::str::from_utf8(a.key.as_ref()).map_err(invalid)?.to_string();
            let value = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(invalid)?.into_owned();
            attributes.push((key, value));
        }
        Ok(XmlElement { name, attributes, children: Vec::new(), text: String::new() })
    };
    loop {
        let event = reader.read_event().map_err(invalid)?;
        match event {
            Event::Start(e) => {
                if root.is_some() {
                    return Err(invalid("content after the root element"));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(invalid("nested too deeply"));
                }
                stack.push(start(&e)?);
            }
            Event::Empty(e) => {
                if root.is_some() {
                    return Err(invalid("content after the root element"));
                }
                let el = start(&e)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::End(_) => {
                let el = stack.pop().ok_or_else(|| invalid("unbalanced end tag"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t.xml10_content().map_err(invalid)?);
                }
            }
            Event::CData(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t.decode().map_err(invalid)?);
                }
            }
            Event::GeneralRef(r) => {
                let Some(el) = stack.last_mut() else { continue };
                if let Some(c) = r.resolve_char_ref().map_err(invalid)? {
                    el.text.push(c);
                    continue;
                }
                let name = r.decode().map_err(invalid)?;
                let c = match name.as_ref() {
                    "lt" => '<',
                    "gt" => '>',
                    "amp" => '&',
                    "apos" => '\'',
                    "quot" => '"',
                    other => return Err(invalid(format!("unknown entity `&{other};`"))),
                };
                el.text.push(c);
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(invalid("unexpected end of document"));
    }
    root.ok_or_else(|| invalid("no root element"))
}

/// Reading scalar values out of element text. `what` names the member in error messages.
pub mod value {
    use super::*;

    fn bad(what: &str, kind: &str, text: &str) -> DeserializeError {
        DeserializeError::new(format!("{what}: `{text}` is not {kind}"))
    }

    /// `true` or `false`.
    pub fn boolean(what: &str, text: &str) -> Result<bool, DeserializeError> {
        match text.trim() {
            "true" => Ok(true),
            "false" => Ok(false),
            t => Err(bad(what, "a boolean", t)),
        }
    }

    /// An integer of type `T`.
    pub fn number<T: std::str::FromStr>(what: &str, text: &str) -> Result<T, DeserializeError> {
        let t = text.trim();
        t.parse().map_err(|_| bad(what, "an integer in range", t))
    }

    /// A float, including `NaN`, `Infinity` and `-Infinity`.
    pub fn float(what: &str, text: &str) -> Result<f64, DeserializeError> {
        match text.trim() {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            t if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b)) => {
                t.parse().map_err(|_| bad(what, "a number", t))
            }
            t => Err(bad(what, "a number", t)),
        }
    }

    /// A timestamp in `format`.
    pub fn timestamp(what: &str, text: &str, format: TimestampFormat) -> Result<DateTime, DeserializeError> {
        DateTime::parse(text.trim(), format).map_err(|e| DeserializeError::with_source(format!("{what}: bad timestamp"), e))
    }

    /// Base64 bytes (an empty element is an empty blob).
    pub fn blob(what: &str, text: &str) -> Result<Vec<u8>, DeserializeError> {
        crate::base64::decode(text.trim()).map_err(|e| DeserializeError::with_source(format!("{what}: bad base64"), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_text_entities_and_empty_elements() {
        let doc = br#"<?xml version="1.0"?>
            <A xmlns="https://example.com/" x:y="1&amp;2"><!-- c --><b>one &lt;&#65;&gt; <![CDATA[<raw>]]></b><c/><b>two</b></A>"#;
        let root = parse(doc).unwrap();
        assert_eq!(root.name, "A");
        assert_eq!(root.attribute("x:y"), Some("1&2"));
        assert_eq!(root.attribute("xmlns"), Some("https://example.com/"));
        assert_eq!(root.child("b").unwrap().text(), "one <A> <raw>");
        assert_eq!(root.children_named("b").map(XmlElement::text).collect::<Vec<_>>(), ["one <A> <raw>", "two"]);
        assert_eq!(root.child("c").unwrap().text(), "");
        assert!(root.child("d").is_none());
    }

    #[test]
    fn malformed_documents_are_errors_not_panics() {
        for bad in ["", "text only", "<a>", "<a></b>", "<a>&bogus;</a>", "<a/><b/>", "</a>", "<a x='1' x='2'/>"] {
            assert!(parse(bad.as_bytes()).is_err(), "{bad:?} parsed");
        }
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        assert!(parse(deep.as_bytes()).is_err());
    }

    #[test]
    fn scalar_values() {
        assert!(value::boolean("m", " true ").unwrap());
        assert!(value::boolean("m", "yes").is_err());
        assert_eq!(value::number::<i8>("m", "-12").unwrap(), -12);
        assert!(value::number::<i8>("m", "300").is_err());
        assert!(value::float("m", "NaN").unwrap().is_nan());
        assert_eq!(value::float("m", "-Infinity").unwrap(), f64::NEG_INFINITY);
        assert_eq!(value::float("m", "1.5e2").unwrap(), 150.0);
        assert!(value::float("m", "inf").is_err());
        assert_eq!(value::blob("m", "dmFsdWU=").unwrap(), b"value");
        assert_eq!(value::blob("m", "").unwrap(), b"");
        let t = value::timestamp("m", "2019-12-16T22:48:18-01:00", TimestampFormat::DateTime).unwrap();
        assert_eq!(t.secs(), 1576540098);
    }
}
