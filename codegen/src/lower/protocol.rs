//! The protocol seam of `lower`: which protocol a service speaks (from its protocol trait), and
//! the rules that differ by protocol while lowering: whether HTTP binding traits apply, where
//! an operation's request goes when it has no `@http`, what an error's code and status are, and
//! how members are named in XML and form bodies.
//!
//! A new protocol adds a variant to [`Protocol`], an arm to [`from_service`] and to each rule
//! below; the rest of `lower` asks these functions instead of reading protocol traits itself.

use crate::error::{bail_at, ModelError, Result};
use crate::ir::{Protocol, XmlCollection, XmlMember};
use crate::model::{Member, Model, Shape, ShapeKind};
use serde_json::Value;

pub const REST_JSON1: &str = "aws.protocols#restJson1";
pub const AWS_QUERY: &str = "aws.protocols#awsQuery";
pub const AWS_QUERY_ERROR: &str = "aws.protocols#awsQueryError";
pub const XML_NAME: &str = "smithy.api#xmlName";
pub const XML_ATTRIBUTE: &str = "smithy.api#xmlAttribute";
pub const XML_FLATTENED: &str = "smithy.api#xmlFlattened";

/// The protocol of `service`: the first protocol trait the generator implements.
pub fn from_service(service: &Shape) -> Result<Protocol> {
    if service.traits.has(REST_JSON1) {
        return Ok(Protocol::RestJson1);
    }
    if service.traits.has(AWS_QUERY) {
        return Ok(Protocol::AwsQuery);
    }
    let protocols: Vec<&str> = service
        .traits
        .0
        .keys()
        .filter(|k| k.starts_with("aws.protocols#") || k.starts_with("smithy.protocols#"))
        .map(String::as_str)
        .collect();
    bail_at!(
        service.id,
        "unsupported protocol {}: this generator implements {REST_JSON1} and {AWS_QUERY}",
        if protocols.is_empty() { "(none declared)".to_string() } else { protocols.join(", ") }
    )
}

/// The protocol trait's shape id (which compliance cases apply).
pub fn trait_id(p: Protocol) -> &'static str {
    match p {
        Protocol::RestJson1 => REST_JSON1,
        Protocol::AwsQuery => AWS_QUERY,
    }
}

/// Whether the protocol can carry document values (awsQuery cannot: spec, "This protocol does
/// not support document types").
pub fn supports_documents(p: Protocol) -> bool {
    match p {
        Protocol::RestJson1 => true,
        Protocol::AwsQuery => false,
    }
}

/// Whether the protocol has event streams (`application/vnd.amazon.eventstream` bodies).
pub fn supports_event_streams(p: Protocol) -> bool {
    match p {
        Protocol::RestJson1 => true,
        Protocol::AwsQuery => false,
    }
}

/// Whether the protocol reads the HTTP binding traits (`@http`, `@httpHeader`, ...). awsQuery
/// ignores them (spec: "HTTP binding traits MUST be ignored if they are present").
pub fn uses_http_bindings(p: Protocol) -> bool {
    match p {
        Protocol::RestJson1 => true,
        Protocol::AwsQuery => false,
    }
}

/// The method, path and success status of an operation of a protocol without HTTP bindings.
pub fn fixed_request(p: Protocol) -> Option<(&'static str, &'static str, u16)> {
    match p {
        Protocol::RestJson1 => None,
        Protocol::AwsQuery => Some(("POST", "/", 200)),
    }
}

/// The `Content-Type` of a request with members in its body, for protocols whose body format
/// does not depend on bindings.
pub fn fixed_content_type(p: Protocol) -> Option<&'static str> {
    match p {
        Protocol::RestJson1 => None,
        Protocol::AwsQuery => Some("application/x-www-form-urlencoded"),
    }
}

/// An error's code on the wire and its status: awsQuery's `@awsQueryError` overrides both
/// (spec: "Error \"Code\" resolution"); otherwise the (renamed) shape name and `default_status`.
pub fn error_code(p: Protocol, shape: &Shape, name: &str, default_status: u16) -> Result<(String, u16)> {
    if p == Protocol::AwsQuery {
        if let Some(v) = shape.traits.get(AWS_QUERY_ERROR) {
            let code = v
                .get("code")
                .and_then(Value::as_str)
                .filter(|c| !c.is_empty())
                .ok_or_else(|| ModelError::new(&shape.id, "@awsQueryError needs a string `code`"))?;
            let status = v
                .get("httpResponseCode")
                .and_then(Value::as_u64)
                .and_then(|c| u16::try_from(c).ok())
                .filter(|c| (100..600).contains(c))
                .ok_or_else(|| ModelError::new(&shape.id, "@awsQueryError needs an `httpResponseCode` status"))?;
            return Ok((code.to_string(), status));
        }
    }
    Ok((name.to_string(), default_status))
}

/// The XML / form naming of member `m` (the member of a structure or union, or the `member`,
/// `key` or `value` of a collection, whose default name is `m.name`).
pub fn xml_member(model: &Model, m: &Member) -> Result<XmlMember> {
    xml_member_depth(model, m, 0)
}

fn xml_member_depth(model: &Model, m: &Member, depth: usize) -> Result<XmlMember> {
    let name = match m.traits.get(XML_NAME) {
        None => m.name.clone(),
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(_) => bail_at!(m.target, "@xmlName on member `{}` must be a non-empty string", m.name),
    };
    // Collections nest only as deep as the model does; a recursive list of lists is refused
    // rather than followed forever.
    if depth > 32 {
        bail_at!(m.target, "collections nest too deeply");
    }
    let target = model.shapes.get(&m.target);
    let collection = match target.map(|t| &t.kind) {
        Some(ShapeKind::List(item)) => Some(Box::new(XmlCollection::List { member: xml_member_depth(model, item, depth + 1)? })),
        Some(ShapeKind::Map { key, value }) => Some(Box::new(XmlCollection::Map {
            key: key.traits.string(XML_NAME).unwrap_or(&key.name).to_string(),
            value: xml_member_depth(model, value, depth + 1)?,
        })),
        _ => None,
    };
    Ok(XmlMember { name, attribute: m.traits.has(XML_ATTRIBUTE), flattened: m.traits.has(XML_FLATTENED), collection })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{load, ShapeId};

    const MODEL: &str = r#"{"smithy":"2.0","shapes":{
        "a#Q":{"type":"service","version":"1","traits":{"aws.protocols#awsQuery":{},"smithy.api#xmlNamespace":{"uri":"https://a/"}}},
        "a#J":{"type":"service","version":"1","traits":{"aws.protocols#restJson1":{}}},
        "a#X":{"type":"service","version":"1","traits":{"aws.protocols#awsJson1_1":{}}},
        "a#S":{"type":"structure","members":{
            "Plain":{"target":"a#L"},
            "Flat":{"target":"a#L","traits":{"smithy.api#xmlName":"Hi","smithy.api#xmlFlattened":{}}},
            "Attr":{"target":"smithy.api#String","traits":{"smithy.api#xmlAttribute":{},"smithy.api#xmlName":"xsi:a"}},
            "M":{"target":"a#M"},
            "Nested":{"target":"a#LL"}}},
        "a#L":{"type":"list","member":{"target":"smithy.api#String","traits":{"smithy.api#xmlName":"item"}}},
        "a#LL":{"type":"list","member":{"target":"a#L"}},
        "a#M":{"type":"map","key":{"target":"smithy.api#String","traits":{"smithy.api#xmlName":"K"}},"value":{"target":"a#L"}},
        "a#E":{"type":"structure","members":{},"traits":{"smithy.api#error":"client","aws.protocols#awsQueryError":{"code":"Custom","httpResponseCode":402}}}}}"#;

    fn shape<'m>(m: &'m Model, id: &str) -> &'m Shape {
        &m.shapes[&ShapeId::parse(id).unwrap()]
    }

    #[test]
    fn protocol_from_the_service_trait() {
        let m = load(MODEL).unwrap();
        assert_eq!(from_service(shape(&m, "a#Q")).unwrap(), Protocol::AwsQuery);
        assert_eq!(from_service(shape(&m, "a#J")).unwrap(), Protocol::RestJson1);
        assert_eq!(
            from_service(shape(&m, "a#X")).unwrap_err().to_string(),
            "a#X: unsupported protocol aws.protocols#awsJson1_1: this generator implements aws.protocols#restJson1 and aws.protocols#awsQuery"
        );
        assert!(uses_http_bindings(Protocol::RestJson1) && !uses_http_bindings(Protocol::AwsQuery));
        assert_eq!(fixed_request(Protocol::AwsQuery), Some(("POST", "/", 200)));
    }

    #[test]
    fn query_error_codes_apply_to_aws_query_only() {
        let m = load(MODEL).unwrap();
        let e = shape(&m, "a#E");
        assert_eq!(error_code(Protocol::AwsQuery, e, "E", 400).unwrap(), ("Custom".to_string(), 402));
        assert_eq!(error_code(Protocol::RestJson1, e, "E", 400).unwrap(), ("E".to_string(), 400));
    }

    #[test]
    fn xml_names_of_members_and_collections() {
        let m = load(MODEL).unwrap();
        let s = shape(&m, "a#S");
        let xml = |name: &str| xml_member(&m, s.member(name).unwrap()).unwrap();
        let item = XmlMember { name: "item".into(), attribute: false, flattened: false, collection: None };
        let list_of_items = Some(Box::new(XmlCollection::List { member: item.clone() }));
        assert_eq!(xml("Plain"), XmlMember { name: "Plain".into(), attribute: false, flattened: false, collection: list_of_items.clone() });
        assert_eq!(xml("Flat"), XmlMember { name: "Hi".into(), attribute: false, flattened: true, collection: list_of_items.clone() });
        assert_eq!(xml("Attr"), XmlMember { name: "xsi:a".into(), attribute: true, flattened: false, collection: None });
        let value = XmlMember { name: "value".into(), attribute: false, flattened: false, collection: list_of_items.clone() };
        assert_eq!(xml("M").collection, Some(Box::new(XmlCollection::Map { key: "K".into(), value })));
        let inner = XmlMember { name: "member".into(), attribute: false, flattened: false, collection: list_of_items };
        assert_eq!(xml("Nested").collection, Some(Box::new(XmlCollection::List { member: inner })));
    }
}
