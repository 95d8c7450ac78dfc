//! The line grammar of one shared `config` or `credentials` file, turned into sections.
//!
//! Rules follow the AWS SDKs and Tools reference guide ("Shared config and credentials files")
//! and the cross-SDK profile parser test suite: sections `[default]`, `[profile name]` (config) or
//! `[name]` (credentials); `#`/`;` comment lines; inline comments only where the comment character
//! follows whitespace in a property line (anywhere after a section header); indented continuation
//! lines, which become sub-properties when the property's own value is empty; case-insensitive
//! property names; invalid section and property names ignored with a warning.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Origin, ProfileError, Property, Section};

/// Which of the two files is being parsed; their section headers differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FileKind {
    Config,
    Credentials,
}

/// One file's sections, before the two files are merged.
#[derive(Debug, Default)]
pub(super) struct ParsedFile {
    pub(super) profiles: BTreeMap<String, Section>,
    pub(super) services: BTreeMap<String, Section>,
    pub(super) sso_sessions: BTreeMap<String, Section>,
    pub(super) warnings: Vec<String>,
}

/// Where the properties that follow a section header go.
enum Target {
    /// No section header yet.
    Nothing,
    Profile(String),
    /// `[default]` in the config file, kept apart because `[profile default]` overrides it.
    BareDefault,
    Services(String),
    SsoSession(String),
    /// A section that is ignored; its lines are still checked for syntax.
    Discard,
}

/// The property that a continuation line would extend.
enum Last {
    Nothing,
    Property { key: String, sub_properties: bool },
    Ignored { sub_properties: bool },
}

struct Parser<'a> {
    kind: FileKind,
    file: &'a Arc<str>,
    out: ParsedFile,
    bare_default: Option<Section>,
    target: Target,
    last: Last,
}

/// Parses one file. `file` names it in errors and warnings.
pub(super) fn parse(
    kind: FileKind,
    file: &Arc<str>,
    contents: &str,
) -> Result<ParsedFile, ProfileError> {
    let contents = contents.strip_prefix('\u{feff}').unwrap_or(contents);
    let mut parser = Parser {
        kind,
        file,
        out: ParsedFile::default(),
        bare_default: None,
        target: Target::Nothing,
        last: Last::Nothing,
    };
    for (index, line) in contents.lines().enumerate() {
        let origin = Origin {
            file: file.clone(),
            line: index.saturating_add(1),
        };
        let content = line.trim_start();
        if content.is_empty() || content.starts_with(['#', ';']) {
            continue;
        }
        if line.starts_with('[') {
            parser.section_line(line, origin)?;
        } else if line.starts_with(char::is_whitespace) {
            parser.continuation_line(content, origin)?;
        } else {
            parser.property_line(line, origin)?;
        }
    }
    Ok(parser.finish())
}

impl Parser<'_> {
    fn section_line(&mut self, line: &str, origin: Origin) -> Result<(), ProfileError> {
        // After a section header any `#` or `;` starts a comment, with or without whitespace.
        let header = line.split(['#', ';']).next().unwrap_or_default().trim_end();
        let inner = header
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .ok_or_else(|| {
                ProfileError::syntax(origin.clone(), "Profile definition must end with ']'")
            })?
            .trim();
        self.last = Last::Nothing;
        self.target = match self.kind {
            FileKind::Config => self.config_section(inner, &origin),
            FileKind::Credentials if is_identifier(inner) => Target::Profile(inner.to_string()),
            FileKind::Credentials => {
                let hint = if inner.starts_with("profile") {
                    ": sections in the credentials file take no `profile` prefix"
                } else {
                    ""
                };
                self.warn(
                    &origin,
                    format!("ignoring section [{inner}]: not a valid profile name{hint}"),
                );
                Target::Discard
            }
        };
        match &self.target {
            Target::Profile(name) => {
                self.out
                    .profiles
                    .entry(name.clone())
                    .or_insert_with_key(|name| Section::new(name));
            }
            Target::Services(name) => {
                self.out
                    .services
                    .entry(name.clone())
                    .or_insert_with_key(|name| Section::new(name));
            }
            Target::SsoSession(name) => {
                self.out
                    .sso_sessions
                    .entry(name.clone())
                    .or_insert_with_key(|name| Section::new(name));
            }
            Target::BareDefault => {
                self.bare_default
                    .get_or_insert_with(|| Section::new("default"));
            }
            Target::Nothing | Target::Discard => {}
        }
        Ok(())
    }

    fn config_section(&mut self, inner: &str, origin: &Origin) -> Target {
        if inner == "default" {
            return Target::BareDefault;
        }
        if let Some(name) = prefixed(inner, "profile") {
            if is_identifier(name) {
                return Target::Profile(name.to_string());
            }
            self.warn(
                origin,
                format!("ignoring section [{inner}]: `{name}` is not a valid profile name"),
            );
            return Target::Discard;
        }
        if let Some(name) = prefixed(inner, "services") {
            if is_identifier(name) {
                return Target::Services(name.to_string());
            }
            self.warn(
                origin,
                format!("ignoring section [{inner}]: `{name}` is not a valid services name"),
            );
            return Target::Discard;
        }
        // `[sso-session name]`: the IAM Identity Center settings a profile's `sso_session` names.
        if let Some(name) = prefixed(inner, "sso-session") {
            if is_identifier(name) {
                return Target::SsoSession(name.to_string());
            }
            self.warn(
                origin,
                format!("ignoring section [{inner}]: `{name}` is not a valid sso-session name"),
            );
            return Target::Discard;
        }
        self.warn(
            origin,
            format!("ignoring section [{inner}]: profiles in the config file are written [profile {inner}]"),
        );
        Target::Discard
    }

    fn property_line(&mut self, line: &str, origin: Origin) -> Result<(), ProfileError> {
        if matches!(self.target, Target::Nothing) {
            return Err(ProfileError::syntax(
                origin,
                "Expected a profile definition",
            ));
        }
        let (key, value) = strip_inline_comment(line).split_once('=').ok_or_else(|| {
            ProfileError::syntax(origin.clone(), "Expected an '=' sign defining a property")
        })?;
        let (key, value) = (key.trim(), value.trim());
        if key.is_empty() {
            return Err(ProfileError::syntax(origin, "Property did not have a name"));
        }
        let sub_properties = value.is_empty();
        if !is_identifier(key) {
            if !matches!(self.target, Target::Discard) {
                self.warn(
                    &origin,
                    format!("ignoring property `{key}`: not a valid property name"),
                );
            }
            self.last = Last::Ignored { sub_properties };
            return Ok(());
        }
        let key = key.to_ascii_lowercase();
        if let Some(section) = self.section_mut() {
            section.properties.insert(
                key.clone(),
                Property {
                    value: value.to_string(),
                    origin,
                },
            );
        }
        self.last = Last::Property {
            key,
            sub_properties,
        };
        Ok(())
    }

    /// `content` is the line without its leading whitespace. Comment characters in it are part
    /// of the value (parser test suite: "Continuation values include pound comments").
    fn continuation_line(&mut self, content: &str, origin: Origin) -> Result<(), ProfileError> {
        if matches!(self.target, Target::Nothing) {
            return Err(ProfileError::syntax(
                origin,
                "Expected a profile definition",
            ));
        }
        let content = content.trim_end();
        let (key, sub_properties) = match &self.last {
            Last::Nothing => {
                return Err(ProfileError::syntax(
                    origin,
                    "Expected a property definition, found continuation",
                ))
            }
            Last::Ignored { sub_properties } => (None, *sub_properties),
            Last::Property {
                key,
                sub_properties,
            } => (Some(key.clone()), *sub_properties),
        };
        if sub_properties {
            let (name, _) = content.split_once('=').ok_or_else(|| {
                ProfileError::syntax(
                    origin.clone(),
                    "Expected an '=' sign defining a sub-property",
                )
            })?;
            if name.trim().is_empty() {
                return Err(ProfileError::syntax(
                    origin,
                    "Sub-property did not have a name",
                ));
            }
        }
        if let Some(property) = key.and_then(|key| self.section_mut()?.properties.get_mut(&key)) {
            property.value.push('\n');
            property.value.push_str(content);
        }
        Ok(())
    }

    fn section_mut(&mut self) -> Option<&mut Section> {
        match &self.target {
            Target::Profile(name) => self.out.profiles.get_mut(name),
            Target::Services(name) => self.out.services.get_mut(name),
            Target::SsoSession(name) => self.out.sso_sessions.get_mut(name),
            Target::BareDefault => self.bare_default.as_mut(),
            Target::Nothing | Target::Discard => None,
        }
    }

    fn warn(&mut self, origin: &Origin, message: String) {
        self.out.warnings.push(format!("{origin}: {message}"));
    }

    fn finish(mut self) -> ParsedFile {
        // Parser test suite: in the config file `[profile default]` wins over `[default]` wherever
        // either appears, and the unprefixed one is dropped entirely rather than merged.
        if let Some(bare) = self.bare_default.take() {
            if self.out.profiles.contains_key("default") {
                self.out.warnings.push(format!(
                    "{}: ignoring [default] because [profile default] is also defined",
                    self.file
                ));
            } else {
                self.out.profiles.insert("default".to_string(), bare);
            }
        }
        self.out
    }
}

/// `inner` without `prefix` when the prefix is followed by whitespace (`[profilefoo]` is not a
/// profile section), trimmed.
fn prefixed<'a>(inner: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = inner.strip_prefix(prefix)?;
    rest.starts_with(char::is_whitespace).then(|| rest.trim())
}

/// Profile and property names: ASCII letters, digits and `- / . % @ _ : +`.
fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-/.%@_:+".contains(&b))
}

/// Cuts a property line at the first `#` or `;` that follows whitespace; one glued to the value
/// (`value;x`) belongs to the value.
fn strip_inline_comment(line: &str) -> &str {
    let mut after_whitespace = false;
    for (index, c) in line.char_indices() {
        if after_whitespace && (c == '#' || c == ';') {
            return line.get(..index).unwrap_or(line);
        }
        after_whitespace = c.is_whitespace();
    }
    line
}

#[cfg(test)]
mod tests {
    use super::super::ProfileSet;

    /// `(profile name, [(key, value)])`.
    type Flat = (String, Vec<(String, String)>);

    /// The profiles of a config and credentials file, flattened, or the error text.
    fn profiles(config: &str, credentials: &str) -> Result<Vec<Flat>, String> {
        let set = ProfileSet::parse(config, credentials).map_err(|e| e.to_string())?;
        Ok(set
            .profile_names()
            .map(|name| {
                let section = set.profile(name).expect("listed profile exists");
                let props = section
                    .keys()
                    .map(|k| {
                        (
                            k.to_string(),
                            section.get(k).unwrap_or_default().to_string(),
                        )
                    })
                    .collect();
                (name.to_string(), props)
            })
            .collect())
    }

    fn p(name: &str, props: &[(&str, &str)]) -> Flat {
        (
            name.to_string(),
            props
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn sso_session_sections_are_kept_apart_from_profiles() {
        let set = ProfileSet::parse(
            "[sso-session dev]\nsso_region = us-east-1\nSSO_Start_URL = https://x/start\n[sso-session bad!]\nsso_region = x\n[profile p]\nsso_session = dev",
            "",
        )
        .expect("parses");
        let session = set.sso_session("dev").expect("section read");
        assert_eq!(session.get("sso_region"), Some("us-east-1"));
        assert_eq!(session.get("sso_start_url"), Some("https://x/start"));
        assert!(set.sso_session("bad!").is_none());
        assert!(set.profile("dev").is_none(), "a session is not a profile");
        assert_eq!(set.warnings().len(), 1, "{:?}", set.warnings());
    }

    #[test]
    fn parser_table() {
        type Case = (&'static str, &'static str, &'static str, Vec<Flat>);
        let cases: Vec<Case> = vec![
            ("empty files", "", "", vec![]),
            ("empty profile", "[profile foo]", "", vec![p("foo", &[])]),
            (
                "name characters",
                "[profile some-thing:long/the_one%only.foo@bar+]\n[profile foo!bar]",
                "",
                vec![p("some-thing:long/the_one%only.foo@bar+", &[])],
            ),
            ("names trimmed, tab separator", "[profile\tfoo \t]\n[  profile bar  ]", "", vec![p("bar", &[]), p("foo", &[])]),
            ("property", "[profile foo]\nname = value", "", vec![p("foo", &[("name", "value")])]),
            ("crlf", "[profile foo]\r\nname = value\r\n", "", vec![p("foo", &[("name", "value")])]),
            ("equals in value", "[profile foo]\nname = val=ue", "", vec![p("foo", &[("name", "val=ue")])]),
            ("unicode value", "[profile foo]\nname = 😂", "", vec![p("foo", &[("name", "😂")])]),
            ("trimmed", "[profile foo]\nname \t=  \tvalue \t", "", vec![p("foo", &[("name", "value")])]),
            ("empty value", "[profile foo]\nname =", "", vec![p("foo", &[("name", "")])]),
            (
                "blank lines",
                "\t \n[profile foo]\n\t\n \nname = value\n\t \n[profile bar]\n \t",
                "",
                vec![p("bar", &[]), p("foo", &[("name", "value")])],
            ),
            (
                "pound comments",
                "# Comment\n[profile foo] # Comment\nname = value # Comment with # sign",
                "",
                vec![p("foo", &[("name", "value")])],
            ),
            (
                "semicolon comments",
                "; Comment\n  ; indented comment\n[profile foo] ; Comment\nname = value ; Comment with ; sign",
                "",
                vec![p("foo", &[("name", "value")])],
            ),
            ("empty comments", ";\n[profile foo];\nname = value ;\n", "", vec![p("foo", &[("name", "value")])]),
            (
                "comments adjacent to headers",
                "[profile foo]; semicolons\n[profile bar]# pound",
                "",
                vec![p("bar", &[]), p("foo", &[])],
            ),
            (
                "comment characters glued to values stay",
                "[profile foo]\nname = value; Adjacent\nname2 = value# Adjacent",
                "",
                vec![p("foo", &[("name", "value; Adjacent"), ("name2", "value# Adjacent")])],
            ),
            (
                "continuations",
                "[profile foo]\nname = value\n -continued\n \t -and-continued \t ",
                "",
                vec![p("foo", &[("name", "value\n-continued\n-and-continued")])],
            ),
            (
                "continuations keep comment characters",
                "[profile foo]\nname = value\n -continued # Comment ; too",
                "",
                vec![p("foo", &[("name", "value\n-continued # Comment ; too")])],
            ),
            (
                "duplicate profiles merge, last property wins (case-insensitive keys)",
                "[profile foo]\nName = value\nother = 1\n[profile foo]\nname = value2",
                "",
                vec![p("foo", &[("name", "value2"), ("other", "1")])],
            ),
            (
                "[profile default] wins when first",
                "[profile default]\nname = value\n[default]\nname2 = value2",
                "",
                vec![p("default", &[("name", "value")])],
            ),
            (
                "[profile default] wins when last",
                "[default]\nname2 = value2\n[profile default]\nname = value",
                "",
                vec![p("default", &[("name", "value")])],
            ),
            ("[default] alone", "[default]\nregion = us-east-1", "", vec![p("default", &[("region", "us-east-1")])]),
            (
                "invalid profile names ignored with their properties",
                "[profile foo]\nname = value\n[profile in valid]\nx = 1\n -more\n[profile bar]\nname = value2",
                "[in valid 2]\nname2 = value2",
                vec![p("bar", &[("name", "value2")]), p("foo", &[("name", "value")])],
            ),
            ("invalid property names ignored", "[profile foo]\nin valid = value\n more", "", vec![p("foo", &[])]),
            (
                "sub-properties",
                "[profile foo]\ns3 =\n name = value\n\t \n name2 =\nafter = x",
                "",
                vec![p("foo", &[("after", "x"), ("s3", "\nname = value\nname2 =")])],
            ),
            (
                "files merge, credentials win",
                "[profile foo]\nname = value\nregion = us-east-1",
                "[foo]\nname = value2\nsecret = s",
                vec![p("foo", &[("name", "value2"), ("region", "us-east-1"), ("secret", "s")])],
            ),
            (
                "mixed default prefixes merge with credentials",
                "[profile default]\nname = value\n[default]\nname2 = value2\n[profile default]\nname3 = value3",
                "[default]\nsecret=foo",
                vec![p("default", &[("name", "value"), ("name3", "value3"), ("secret", "foo")])],
            ),
            ("config sections need the prefix", "[foo]\nname = value\n[profilefoo]\nx = 1", "", vec![]),
            ("credentials sections take no prefix", "", "[profile foo]\nname = value\n[  bar  ]\nx = 1", vec![p("bar", &[("x", "1")])]),
            (
                "sso-session and services are not profiles",
                "[sso-session s]\nsso_region = us-east-1\n[services svc]\ns3 =\n endpoint_url = http://x\n[profile bar]",
                "[sso-sessionfoo]\nname = value",
                vec![p("bar", &[]), p("sso-sessionfoo", &[("name", "value")])],
            ),
            ("byte order mark", "\u{feff}[default]\nregion = eu-west-1", "", vec![p("default", &[("region", "eu-west-1")])]),
        ];
        for (name, config, credentials, expected) in cases {
            assert_eq!(profiles(config, credentials), Ok(expected), "case: {name}");
        }
    }

    #[test]
    fn syntax_errors_name_file_and_line() {
        let cases = [
            (
                "[profile foo",
                "config:1: Profile definition must end with ']'",
            ),
            ("\nname = value", "config:2: Expected a profile definition"),
            (" -continued", "config:1: Expected a profile definition"),
            (
                "[profile foo]\n= value",
                "config:2: Property did not have a name",
            ),
            (
                "[profile foo]\nkey : value",
                "config:2: Expected an '=' sign defining a property",
            ),
            (
                "[profile foo]\n -continued",
                "config:2: Expected a property definition, found continuation",
            ),
            (
                "[profile foo]\nname = value\n[profile foo]\n -continued",
                "config:4: Expected a property definition, found continuation",
            ),
            (
                "[profile foo]\ns3 =\n invalid",
                "config:3: Expected an '=' sign defining a sub-property",
            ),
            (
                "[profile foo]\ns3 =\n = value",
                "config:3: Sub-property did not have a name",
            ),
            (
                "[profile in valid]\nkey : value",
                "config:2: Expected an '=' sign defining a property",
            ),
        ];
        for (config, expected) in cases {
            let err = ProfileSet::parse(config, "").expect_err(config);
            assert_eq!(err.to_string(), expected, "input: {config:?}");
        }
        let err = ProfileSet::parse("", "[default]\nx").expect_err("credentials error");
        assert_eq!(
            err.to_string(),
            "credentials:2: Expected an '=' sign defining a property"
        );
        assert_eq!((err.file(), err.line()), ("credentials", Some(2)));
    }

    #[test]
    fn ignored_sections_and_properties_warn_with_location() {
        let set = ProfileSet::parse(
            "[foo]\n[profile default]\n[default]\n[profile ok]\nbad key = 1",
            "[profile x]",
        )
        .expect("parses");
        assert_eq!(
            set.warnings(),
            [
                "config:1: ignoring section [foo]: profiles in the config file are written [profile foo]",
                "config:5: ignoring property `bad key`: not a valid property name",
                "config: ignoring [default] because [profile default] is also defined",
                "credentials:1: ignoring section [profile x]: not a valid profile name: sections in the credentials file take no `profile` prefix",
            ]
        );
    }

    #[test]
    fn origins_and_sub_properties() {
        let set = ProfileSet::parse(
            "[profile a]\n\nregion = x\nS3 =\n  Max_Concurrent = 2\n  b = c = d",
            "[a]\nk = v",
        )
        .expect("parses");
        let a = set.profile("a").expect("profile a");
        assert_eq!(
            a.origin("region").map(ToString::to_string),
            Some("config:3".to_string())
        );
        assert_eq!(
            a.origin("k").map(ToString::to_string),
            Some("credentials:2".to_string())
        );
        assert_eq!(a.get("REGION"), Some("x"));
        assert_eq!(
            a.sub_properties("s3"),
            [
                ("max_concurrent".to_string(), "2".to_string()),
                ("b".to_string(), "c = d".to_string())
            ]
        );
        assert!(a.sub_properties("region").is_empty());
        let set = ProfileSet::parse("[profile b]\nk = v\n  x = y", "").expect("parses");
        let b = set.profile("b").expect("profile b");
        assert_eq!(b.get("k"), Some("v\nx = y"));
        assert!(
            b.sub_properties("k").is_empty(),
            "a continued value is not a sub-property list"
        );
        assert!(a.sub_properties("missing").is_empty());
    }

    #[test]
    fn profile_names_are_case_sensitive() {
        let set =
            ProfileSet::parse("[profile Dev]\nx = 1\n[profile dev]\nx = 2", "").expect("parses");
        assert_eq!(set.profile("Dev").and_then(|s| s.get("x")), Some("1"));
        assert_eq!(set.profile("dev").and_then(|s| s.get("x")), Some("2"));
    }
}
