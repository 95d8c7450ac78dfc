//! The result of endpoint resolution: the URL, extra headers, and properties such as the
//! `authSchemes` list, with typed accessors for the signing settings a client needs.

/// A resolved endpoint.
#[derive(Clone, Debug, PartialEq)]
pub struct Endpoint {
    /// The URL, with scheme and host, and possibly a port and base path.
    pub url: String,
    /// Headers to add to the request, in rule-set order.
    pub headers: Vec<(String, Vec<String>)>,
    /// Endpoint properties, in rule-set order.
    pub properties: Vec<(String, Property)>,
}

/// A JSON-like endpoint property value.
#[derive(Clone, Debug, PartialEq)]
pub enum Property {
    /// A string.
    String(String),
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A list.
    Array(Vec<Property>),
    /// A map, in rule-set order.
    Object(Vec<(String, Property)>),
}

impl Property {
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The elements, if this is a list.
    pub fn as_array(&self) -> Option<&[Property]> {
        match self {
            Self::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The fields, if this is a map.
    pub fn as_object(&self) -> Option<&[(String, Property)]> {
        match self {
            Self::Object(fields) => Some(fields),
            _ => None,
        }
    }

    /// The field `key`, if this is a map that has it.
    pub fn get(&self, key: &str) -> Option<&Property> {
        find(self.as_object()?, key)
    }
}

fn find<'a>(fields: &'a [(String, Property)], key: &str) -> Option<&'a Property> {
    fields.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

impl Endpoint {
    /// The property `name`.
    pub fn property(&self, name: &str) -> Option<&Property> {
        find(&self.properties, name)
    }

    /// The values of header `name` (compared ignoring ASCII case).
    pub fn header(&self, name: &str) -> Option<&[String]> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_slice())
    }

    /// The `authSchemes` property, in priority order. Entries that are not maps with a string
    /// `name` are skipped (spec: every configuration object has a `name`).
    pub fn auth_schemes(&self) -> impl Iterator<Item = AuthScheme<'_>> {
        self.property("authSchemes").and_then(Property::as_array).unwrap_or_default().iter().filter_map(|p| {
            let fields = p.as_object()?;
            let name = find(fields, "name")?.as_str()?;
            Some(AuthScheme { name, fields })
        })
    }

    /// The auth scheme configuration named `name` (for example `sigv4`), if the endpoint has one.
    pub fn auth_scheme(&self, name: &str) -> Option<AuthScheme<'_>> {
        self.auth_schemes().find(|s| s.name == name)
    }
}

/// One entry of an endpoint's `authSchemes`: how to adjust the signing of the scheme with the
/// same name (spec: endpoint `authSchemes` property; AWS `sigv4`/`sigv4a` validators).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AuthScheme<'e> {
    /// The scheme name (`sigv4`, `sigv4a`, ...).
    pub name: &'e str,
    fields: &'e [(String, Property)],
}

impl<'e> AuthScheme<'e> {
    /// Any field of the configuration object.
    pub fn get(&self, key: &str) -> Option<&'e Property> {
        find(self.fields, key)
    }

    /// `signingName`: the service name to sign with.
    pub fn signing_name(&self) -> Option<&'e str> {
        self.get("signingName")?.as_str()
    }

    /// `signingRegion`: the region to sign with (SigV4).
    pub fn signing_region(&self) -> Option<&'e str> {
        self.get("signingRegion")?.as_str()
    }

    /// `signingRegionSet`: the regions to sign for (SigV4a). Non-string entries are skipped.
    pub fn signing_region_set(&self) -> Option<impl Iterator<Item = &'e str>> {
        let items = self.get("signingRegionSet")?.as_array()?;
        Some(items.iter().filter_map(Property::as_str))
    }

    /// `disableDoubleEncoding`, `false` when absent.
    pub fn disable_double_encoding(&self) -> bool {
        self.get("disableDoubleEncoding").and_then(Property::as_bool).unwrap_or(false)
    }

    /// `disableNormalizePath`, `false` when absent.
    pub fn disable_normalize_path(&self) -> bool {
        self.get("disableNormalizePath").and_then(Property::as_bool).unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Property {
        Property::String(v.to_owned())
    }

    fn obj(fields: &[(&str, Property)]) -> Property {
        Property::Object(fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    #[test]
    fn auth_scheme_accessors() {
        let endpoint = Endpoint {
            url: "https://x".into(),
            headers: vec![("X-Amz-Thing".into(), vec!["a".into()])],
            properties: vec![(
                "authSchemes".into(),
                Property::Array(vec![
                    obj(&[
                        ("name", s("sigv4a")),
                        ("signingName", s("s3")),
                        ("signingRegionSet", Property::Array(vec![s("*")])),
                    ]),
                    s("not an object"),
                    obj(&[("signingName", s("nameless"))]),
                    obj(&[
                        ("name", s("sigv4")),
                        ("signingName", s("s3")),
                        ("signingRegion", s("us-west-2")),
                        ("disableDoubleEncoding", Property::Bool(true)),
                    ]),
                ]),
            )],
        };
        let names: Vec<&str> = endpoint.auth_schemes().map(|a| a.name).collect();
        assert_eq!(names, ["sigv4a", "sigv4"]);
        let v4 = endpoint.auth_scheme("sigv4").unwrap();
        assert_eq!(v4.signing_region(), Some("us-west-2"));
        assert_eq!(v4.signing_name(), Some("s3"));
        assert!(v4.disable_double_encoding());
        assert!(!v4.disable_normalize_path());
        assert!(v4.signing_region_set().is_none());
        let v4a = endpoint.auth_scheme("sigv4a").unwrap();
        assert_eq!(v4a.signing_region_set().unwrap().collect::<Vec<_>>(), ["*"]);
        assert_eq!(v4a.signing_region(), None);
        assert_eq!(endpoint.header("x-amz-thing"), Some(&["a".to_string()][..]));
        let bare = Endpoint { url: "https://x".into(), headers: vec![], properties: vec![] };
        assert_eq!(bare.auth_schemes().count(), 0);
    }
}
