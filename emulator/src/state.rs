//! The emulator's data: AppInstances with their users (and their expiration settings), bots,
//! admins, endpoints, retention settings and tags, the idempotency records of create calls, and their optional persistence as one
//! JSON file (written to a temporary file beside it, flushed, then renamed over it, so a crash
//! leaves either the old or the new state, never half of one; the temporary files such a crash
//! leaves are removed at the next start).

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use client_runtime::document::{Document, Number};
use client_runtime::json::{JsonReader, JsonValueWriter};
use client_runtime::time::DateTime;

use crate::generated::types::{
    AllowMessages, AppInstanceUserEndpointType, Configuration, ExpirationCriterion, ExpirationSettings, InvokedBy, LexConfiguration,
    RespondsTo, StandardMessages, TargetedMessages,
};

/// The version of the state file format. Version 2 added bots and users' expiration settings;
/// a version 1 file (without them) is still read.
const FORMAT_VERSION: u64 = 2;

/// Everything the emulator holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct State {
    /// The next creation sequence number; lists are ordered by it.
    pub next_seq: u64,
    /// AppInstances by id (the last part of their ARN).
    pub instances: BTreeMap<String, Instance>,
    /// Completed create calls by (operation, ClientRequestToken).
    pub tokens: BTreeMap<(String, String), Idempotent>,
}

/// An AppInstance.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Instance {
    pub name: String,
    pub metadata: Option<String>,
    pub created: DateTime,
    pub updated: DateTime,
    pub seq: u64,
    /// `RetentionDays` and when they were set, once `PutAppInstanceRetentionSettings` ran.
    pub retention: Option<Retention>,
    pub tags: BTreeMap<String, String>,
    /// Users by their `AppInstanceUserId`.
    pub users: BTreeMap<String, User>,
    /// Admins by the user id of the promoted user.
    pub admins: BTreeMap<String, Admin>,
    /// Bots by id (the last part of their ARN).
    pub bots: BTreeMap<String, Bot>,
}

/// An AppInstanceBot: a member of the instance that a Lex V2 bot speaks for.
#[derive(Clone, PartialEq)]
pub(crate) struct Bot {
    pub name: Option<String>,
    pub metadata: Option<String>,
    pub configuration: Configuration,
    pub created: DateTime,
    pub updated: DateTime,
    pub seq: u64,
    pub tags: BTreeMap<String, String>,
}

impl fmt::Debug for Bot {
    // Names and metadata are `@sensitive` in the model.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bot").field("created", &self.created).field("seq", &self.seq).finish_non_exhaustive()
    }
}

/// Retention settings of an AppInstance.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Retention {
    pub days: Option<i32>,
    pub set_at: DateTime,
}

/// An AppInstanceUser.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct User {
    pub name: String,
    pub metadata: Option<String>,
    pub created: DateTime,
    pub updated: DateTime,
    pub seq: u64,
    pub tags: BTreeMap<String, String>,
    /// Endpoints by id.
    pub endpoints: BTreeMap<String, Endpoint>,
    /// When the user is deleted on its own, if ever.
    pub expiration: Option<ExpirationSettings>,
}

impl User {
    /// Whether the user's expiration settings make it gone at `now`.
    pub fn expired_at(&self, now: DateTime) -> bool {
        let Some(settings) = &self.expiration else { return false };
        let start = match settings.expiration_criterion {
            ExpirationCriterion::CreatedTimestamp => self.created,
        };
        let end = start.secs().saturating_add(i64::from(settings.expiration_days).saturating_mul(86_400));
        now.secs() >= end
    }
}

/// An AppInstanceAdmin role held by one of the instance's users.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Admin {
    pub created: DateTime,
    pub seq: u64,
}

/// A push-notification endpoint of a user.
#[derive(Clone, PartialEq)]
pub(crate) struct Endpoint {
    pub name: Option<String>,
    pub kind: AppInstanceUserEndpointType,
    pub resource_arn: String,
    pub device_token: String,
    pub voip_device_token: Option<String>,
    pub allow_messages: AllowMessages,
    pub created: DateTime,
    pub updated: DateTime,
    pub seq: u64,
}

impl fmt::Debug for Endpoint {
    // Names and device tokens are `@sensitive` in the model.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("kind", &self.kind)
            .field("resource_arn", &self.resource_arn)
            .field("allow_messages", &self.allow_messages)
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

/// The outcome of a create call, replayed when its token comes back with the same request.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Idempotent {
    /// What the request asked for, to tell a retry from a reuse of the token.
    pub fingerprint: String,
    /// What the call returned (an ARN, or `user-arn endpoint-id`).
    pub result: String,
}

impl State {
    /// A fresh sequence number.
    pub fn seq(&mut self) -> u64 {
        // A state file could hold any number; saturating keeps a hostile one from panicking.
        self.next_seq = self.next_seq.saturating_add(1);
        self.next_seq
    }
}

/// Why a state file could not be read or written.
#[derive(Debug)]
pub struct StateError {
    path: PathBuf,
    message: String,
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "state file {}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for StateError {}

fn state_error(path: &Path, message: impl fmt::Display) -> StateError {
    StateError { path: path.to_path_buf(), message: message.to_string() }
}

// ---- writing ------------------------------------------------------------------------------

fn obj(entries: impl IntoIterator<Item = (&'static str, Document)>) -> Document {
    Document::Object(entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

fn string(s: &str) -> Document {
    Document::String(s.to_string())
}

fn opt_string(s: &Option<String>) -> Document {
    s.as_deref().map_or(Document::Null, string)
}

fn millis(t: DateTime) -> Document {
    let ms = t.secs().saturating_mul(1000).saturating_add(i64::from(t.subsec_nanos() / 1_000_000));
    Document::Number(Number::from(ms))
}

fn uint(v: u64) -> Document {
    Document::Number(Number::PosInt(v))
}

fn tags(t: &BTreeMap<String, String>) -> Document {
    Document::Object(t.iter().map(|(k, v)| (k.clone(), string(v))).collect())
}

fn int(v: i32) -> Document {
    Document::Number(Number::from(i64::from(v)))
}

fn expiration(e: &Option<ExpirationSettings>) -> Document {
    e.as_ref().map_or(Document::Null, |e| obj([("days", int(e.expiration_days)), ("criterion", string(e.expiration_criterion.as_str()))]))
}

/// A bot's configuration, as the state file keeps it.
pub(crate) fn configuration_document(c: &Configuration) -> Document {
    let lex = &c.lex;
    let invoked_by = lex.invoked_by.as_ref().map_or(Document::Null, |i| {
        obj([("standard_messages", string(i.standard_messages.as_str())), ("targeted_messages", string(i.targeted_messages.as_str()))])
    });
    obj([
        ("responds_to", lex.responds_to.as_ref().map_or(Document::Null, |r| string(r.as_str()))),
        ("invoked_by", invoked_by),
        ("lex_bot_alias_arn", string(&lex.lex_bot_alias_arn)),
        ("locale_id", string(&lex.locale_id)),
        ("welcome_intent", opt_string(&lex.welcome_intent)),
    ])
}

/// A document as compact JSON.
pub(crate) fn document_json(d: &Document) -> String {
    let mut out = String::new();
    JsonValueWriter::new(&mut out).document(d);
    out
}

fn state_document(state: &State) -> Document {
    let instances = state.instances.iter().map(|(id, i)| {
        let users = i.users.iter().map(|(uid, u)| {
            let endpoints = u.endpoints.iter().map(|(eid, e)| {
                obj([
                    ("id", string(eid)),
                    ("name", opt_string(&e.name)),
                    ("type", string(e.kind.as_str())),
                    ("resource_arn", string(&e.resource_arn)),
                    ("device_token", string(&e.device_token)),
                    ("voip_device_token", opt_string(&e.voip_device_token)),
                    ("allow_messages", string(e.allow_messages.as_str())),
                    ("created", millis(e.created)),
                    ("updated", millis(e.updated)),
                    ("seq", uint(e.seq)),
                ])
            });
            obj([
                ("id", string(uid)),
                ("name", string(&u.name)),
                ("metadata", opt_string(&u.metadata)),
                ("created", millis(u.created)),
                ("updated", millis(u.updated)),
                ("seq", uint(u.seq)),
                ("tags", tags(&u.tags)),
                ("endpoints", Document::Array(endpoints.collect())),
                ("expiration", expiration(&u.expiration)),
            ])
        });
        let bots = i.bots.iter().map(|(bid, b)| {
            obj([
                ("id", string(bid)),
                ("name", opt_string(&b.name)),
                ("metadata", opt_string(&b.metadata)),
                ("configuration", configuration_document(&b.configuration)),
                ("created", millis(b.created)),
                ("updated", millis(b.updated)),
                ("seq", uint(b.seq)),
                ("tags", tags(&b.tags)),
            ])
        });
        let admins = i.admins.iter().map(|(uid, a)| obj([("user", string(uid)), ("created", millis(a.created)), ("seq", uint(a.seq))]));
        let retention = i.retention.as_ref().map_or(Document::Null, |r| {
            let days = r.days.map_or(Document::Null, |d| Document::Number(Number::from(i64::from(d))));
            obj([("days", days), ("set_at", millis(r.set_at))])
        });
        obj([
            ("id", string(id)),
            ("name", string(&i.name)),
            ("metadata", opt_string(&i.metadata)),
            ("created", millis(i.created)),
            ("updated", millis(i.updated)),
            ("seq", uint(i.seq)),
            ("retention", retention),
            ("tags", tags(&i.tags)),
            ("users", Document::Array(users.collect())),
            ("admins", Document::Array(admins.collect())),
            ("bots", Document::Array(bots.collect())),
        ])
    });
    let tokens = state.tokens.iter().map(|((op, token), r)| {
        obj([("operation", string(op)), ("token", string(token)), ("fingerprint", string(&r.fingerprint)), ("result", string(&r.result))])
    });
    obj([
        ("version", uint(FORMAT_VERSION)),
        ("next_seq", uint(state.next_seq)),
        ("instances", Document::Array(instances.collect())),
        ("tokens", Document::Array(tokens.collect())),
    ])
}

/// The state as JSON.
pub(crate) fn to_json(state: &State) -> String {
    let mut out = String::new();
    JsonValueWriter::new(&mut out).document(&state_document(state));
    out
}

/// The suffix of the temporary file `save` writes beside the state file, before the id of the
/// writing process.
const TMP_SUFFIX: &str = ".tmp-";

/// Writes the state to `path` atomically.
pub(crate) fn save(state: &State, path: &Path) -> Result<(), StateError> {
    let json = to_json(state);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!("{TMP_SUFFIX}{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(json.as_bytes())?;
        // The data must be on disk before the rename makes it the state.
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        // Best effort: a failed write should not leave its temporary file behind.
        let _ = std::fs::remove_file(&tmp);
        state_error(path, e)
    })
}

/// Whether `name` is the name of a temporary file of the state file `state_name`:
/// `<state_name>.tmp-<digits>`.
fn is_temp_name(name: &OsStr, state_name: &OsStr) -> bool {
    let (name, state_name) = (name.as_encoded_bytes(), state_name.as_encoded_bytes());
    name.strip_prefix(state_name)
        .and_then(|rest| rest.strip_prefix(TMP_SUFFIX.as_bytes()))
        .is_some_and(|pid| !pid.is_empty() && pid.iter().all(u8::is_ascii_digit))
}

/// Removes the temporary files that `save` left beside the state file `path` when its process
/// died between writing and renaming (`kill -9`, a power cut): files named
/// `<state file name>.tmp-<pid>` in its directory, nothing else. Called at start, before
/// this process writes any; best effort, as a leftover file is only clutter. Returns the
/// files removed.
///
/// Two emulators sharing one state file would overwrite each other's state anyway; such a
/// setup is not supported, so a temporary file is never in use when this runs.
pub(crate) fn remove_stale_temp_files(path: &Path) -> Vec<PathBuf> {
    let Some(state_name) = path.file_name() else { return Vec::new() };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        if !is_temp_name(&entry.file_name(), state_name) {
            continue;
        }
        // Not a directory, whatever its name: `save` only ever creates files. A symbolic link
        // is removed itself, never its target.
        let is_file = entry.file_type().is_ok_and(|t| !t.is_dir());
        if is_file && std::fs::remove_file(entry.path()).is_ok() {
            removed.push(entry.path());
        }
    }
    removed.sort();
    removed
}

// ---- reading ------------------------------------------------------------------------------

/// Reads the state from `path`; a missing file is an empty state.
pub(crate) fn load(path: &Path) -> Result<State, StateError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(State::default()),
        Err(e) => return Err(state_error(path, e)),
    };
    from_json(&bytes).map_err(|m| state_error(path, m))
}

/// Parses a state written by [`to_json`].
pub(crate) fn from_json(bytes: &[u8]) -> Result<State, String> {
    let mut r = JsonReader::new(bytes);
    let doc = r.document().map_err(|e| e.to_string())?;
    r.finish().map_err(|e| e.to_string())?;
    let root = Node(&doc, "state");
    let version = root.field("version")?.uint()?;
    if version != FORMAT_VERSION && version != 1 {
        return Err(format!("unsupported format version {version}"));
    }
    let mut state = State { next_seq: root.field("next_seq")?.uint()?, ..State::default() };
    for i in root.field("instances")?.array()? {
        let mut instance = Instance {
            name: i.field("name")?.string()?,
            metadata: i.field("metadata")?.opt_string()?,
            created: i.field("created")?.time()?,
            updated: i.field("updated")?.time()?,
            seq: i.field("seq")?.uint()?,
            retention: None,
            tags: i.field("tags")?.tags()?,
            users: BTreeMap::new(),
            admins: BTreeMap::new(),
            bots: BTreeMap::new(),
        };
        let retention = i.field("retention")?;
        if !retention.0.is_null() {
            let days = retention.field("days")?;
            let days = if days.0.is_null() { None } else { Some(i32::try_from(days.uint()?).map_err(|_| days.bad("a day count"))?) };
            instance.retention = Some(Retention { days, set_at: retention.field("set_at")?.time()? });
        }
        for u in i.field("users")?.array()? {
            let mut user = User {
                name: u.field("name")?.string()?,
                metadata: u.field("metadata")?.opt_string()?,
                created: u.field("created")?.time()?,
                updated: u.field("updated")?.time()?,
                seq: u.field("seq")?.uint()?,
                tags: u.field("tags")?.tags()?,
                endpoints: BTreeMap::new(),
                expiration: match u.opt_field("expiration") {
                    Some(e) if !e.0.is_null() => Some(e.expiration()?),
                    _ => None,
                },
            };
            for e in u.field("endpoints")?.array()? {
                let kind = e.field("type")?;
                let allow = e.field("allow_messages")?;
                let endpoint = Endpoint {
                    name: e.field("name")?.opt_string()?,
                    kind: AppInstanceUserEndpointType::from_wire(&kind.string()?).ok_or_else(|| kind.bad("an endpoint type"))?,
                    resource_arn: e.field("resource_arn")?.string()?,
                    device_token: e.field("device_token")?.string()?,
                    voip_device_token: e.field("voip_device_token")?.opt_string()?,
                    allow_messages: AllowMessages::from_wire(&allow.string()?).ok_or_else(|| allow.bad("an AllowMessages value"))?,
                    created: e.field("created")?.time()?,
                    updated: e.field("updated")?.time()?,
                    seq: e.field("seq")?.uint()?,
                };
                user.endpoints.insert(e.field("id")?.string()?, endpoint);
            }
            instance.users.insert(u.field("id")?.string()?, user);
        }
        for a in i.field("admins")?.array()? {
            let admin = Admin { created: a.field("created")?.time()?, seq: a.field("seq")?.uint()? };
            instance.admins.insert(a.field("user")?.string()?, admin);
        }
        if let Some(bots) = i.opt_field("bots") {
            for b in bots.array()? {
                let bot = Bot {
                    name: b.field("name")?.opt_string()?,
                    metadata: b.field("metadata")?.opt_string()?,
                    configuration: b.field("configuration")?.configuration()?,
                    created: b.field("created")?.time()?,
                    updated: b.field("updated")?.time()?,
                    seq: b.field("seq")?.uint()?,
                    tags: b.field("tags")?.tags()?,
                };
                instance.bots.insert(b.field("id")?.string()?, bot);
            }
        }
        state.instances.insert(i.field("id")?.string()?, instance);
    }
    for t in root.field("tokens")?.array()? {
        let record = Idempotent { fingerprint: t.field("fingerprint")?.string()?, result: t.field("result")?.string()? };
        state.tokens.insert((t.field("operation")?.string()?, t.field("token")?.string()?), record);
    }
    Ok(state)
}

/// A value of the state document with its path, for error messages.
struct Node<'d>(&'d Document, &'static str);

impl<'d> Node<'d> {
    fn bad(&self, what: &str) -> String {
        format!("`{}` is not {what}", self.1)
    }

    fn field(&self, name: &'static str) -> Result<Node<'d>, String> {
        let object = self.0.as_object().ok_or_else(|| self.bad("an object"))?;
        object.get(name).map(|d| Node(d, name)).ok_or_else(|| format!("`{}` has no `{name}`", self.1))
    }

    /// A field that older format versions lack.
    fn opt_field(&self, name: &'static str) -> Option<Node<'d>> {
        self.0.as_object().and_then(|o| o.get(name)).map(|d| Node(d, name))
    }

    fn expiration(&self) -> Result<ExpirationSettings, String> {
        let days = self.field("days")?;
        let criterion = self.field("criterion")?;
        Ok(ExpirationSettings {
            expiration_days: i32::try_from(days.uint()?).map_err(|_| days.bad("a day count"))?,
            expiration_criterion: ExpirationCriterion::from_wire(&criterion.string()?).ok_or_else(|| criterion.bad("an ExpirationCriterion"))?,
        })
    }

    fn configuration(&self) -> Result<Configuration, String> {
        let responds_to = self.field("responds_to")?;
        let responds_to = if responds_to.0.is_null() {
            None
        } else {
            Some(RespondsTo::from_wire(&responds_to.string()?).ok_or_else(|| responds_to.bad("a RespondsTo value"))?)
        };
        let invoked_by = self.field("invoked_by")?;
        let invoked_by = if invoked_by.0.is_null() {
            None
        } else {
            let standard = invoked_by.field("standard_messages")?;
            let targeted = invoked_by.field("targeted_messages")?;
            Some(InvokedBy {
                standard_messages: StandardMessages::from_wire(&standard.string()?).ok_or_else(|| standard.bad("a StandardMessages value"))?,
                targeted_messages: TargetedMessages::from_wire(&targeted.string()?).ok_or_else(|| targeted.bad("a TargetedMessages value"))?,
            })
        };
        Ok(Configuration {
            lex: LexConfiguration {
                responds_to,
                invoked_by,
                lex_bot_alias_arn: self.field("lex_bot_alias_arn")?.string()?,
                locale_id: self.field("locale_id")?.string()?,
                welcome_intent: self.field("welcome_intent")?.opt_string()?,
            },
        })
    }

    fn array(&self) -> Result<impl Iterator<Item = Node<'d>>, String> {
        let name = self.1;
        Ok(self.0.as_array().ok_or_else(|| self.bad("an array"))?.iter().map(move |d| Node(d, name)))
    }

    fn string(&self) -> Result<String, String> {
        self.0.as_str().map(str::to_string).ok_or_else(|| self.bad("a string"))
    }

    fn opt_string(&self) -> Result<Option<String>, String> {
        if self.0.is_null() {
            Ok(None)
        } else {
            self.string().map(Some)
        }
    }

    fn uint(&self) -> Result<u64, String> {
        self.0.as_number().and_then(Number::to_u64).ok_or_else(|| self.bad("a non-negative integer"))
    }

    fn time(&self) -> Result<DateTime, String> {
        let ms = self.0.as_number().and_then(Number::to_i64).ok_or_else(|| self.bad("a time in milliseconds"))?;
        Ok(DateTime::from_millis(ms))
    }

    fn tags(&self) -> Result<BTreeMap<String, String>, String> {
        let object = self.0.as_object().ok_or_else(|| self.bad("an object"))?;
        object.iter().map(|(k, v)| Ok((k.clone(), Node(v, "tag value").string()?))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> State {
        let t = DateTime::from_millis(1_700_000_000_123);
        let endpoint = Endpoint {
            name: Some("phone".into()),
            kind: AppInstanceUserEndpointType::ApnsSandbox,
            resource_arn: "arn:aws:mobiletargeting:us-east-1:123456789012:apps/x".into(),
            device_token: "tok".into(),
            voip_device_token: None,
            allow_messages: AllowMessages::None,
            created: t,
            updated: t,
            seq: 4,
        };
        let user = User {
            name: "Ann \"quoted\" ✓".into(),
            metadata: None,
            created: t,
            updated: t,
            seq: 2,
            tags: BTreeMap::from([("team".to_string(), "a".to_string())]),
            endpoints: BTreeMap::from([("e1".to_string(), endpoint)]),
            expiration: Some(ExpirationSettings { expiration_days: 30, expiration_criterion: ExpirationCriterion::CreatedTimestamp }),
        };
        let bot = Bot {
            name: Some("helper".into()),
            metadata: None,
            configuration: Configuration {
                lex: LexConfiguration {
                    responds_to: None,
                    invoked_by: Some(InvokedBy { standard_messages: StandardMessages::Mentions, targeted_messages: TargetedMessages::All }),
                    lex_bot_alias_arn: "arn:aws:lex:us-east-1:123456789012:bot-alias/ABCDEFGHIJ/KLMNOPQRST".into(),
                    locale_id: "en_US".into(),
                    welcome_intent: Some("Hello".into()),
                },
            },
            created: t,
            updated: t,
            seq: 5,
            tags: BTreeMap::from([("k".to_string(), "v".to_string())]),
        };
        let instance = Instance {
            name: "app".into(),
            metadata: Some("{\"k\":1}".into()),
            created: t,
            updated: DateTime::from_millis(1_700_000_001_000),
            seq: 1,
            retention: Some(Retention { days: Some(30), set_at: t }),
            tags: BTreeMap::new(),
            users: BTreeMap::from([("u1".to_string(), user)]),
            admins: BTreeMap::from([("u1".to_string(), Admin { created: t, seq: 3 })]),
            bots: BTreeMap::from([("b1".to_string(), bot)]),
        };
        State {
            next_seq: 5,
            instances: BTreeMap::from([("i1".to_string(), instance)]),
            tokens: BTreeMap::from([(("CreateAppInstance".into(), "tok-1".into()), Idempotent { fingerprint: "[\"app\"]".into(), result: "arn:x".into() })]),
        }
    }

    #[test]
    fn state_round_trips_through_json() {
        let state = sample();
        assert_eq!(from_json(to_json(&state).as_bytes()).unwrap(), state);
        assert_eq!(from_json(to_json(&State::default()).as_bytes()).unwrap(), State::default());
    }

    #[test]
    fn version_1_files_without_bots_or_expiration_are_still_read() {
        let v1 = r#"{"version":1,"next_seq":2,"instances":[{"id":"i1","name":"app","metadata":null,"created":0,"updated":0,"seq":1,
            "retention":null,"tags":{},"users":[{"id":"u1","name":"Ann","metadata":null,"created":0,"updated":0,"seq":2,"tags":{},
            "endpoints":[]}],"admins":[]}],"tokens":[]}"#;
        let state = from_json(v1.as_bytes()).unwrap();
        let instance = &state.instances["i1"];
        assert!(instance.bots.is_empty());
        assert_eq!(instance.users["u1"].expiration, None);
        assert!(to_json(&state).contains(r#""version":2"#), "written as the current version");
    }

    #[test]
    fn users_expire_after_their_days_from_creation() {
        let mut user = sample().instances["i1"].users["u1"].clone();
        let created = user.created.secs();
        let at = |secs: i64| DateTime::from_millis(secs * 1000);
        assert!(!user.expired_at(at(created + 30 * 86_400 - 1)));
        assert!(user.expired_at(at(created + 30 * 86_400)));
        user.expiration = None;
        assert!(!user.expired_at(at(i64::MAX / 1000)), "no settings, no expiry");
    }

    #[test]
    fn save_is_atomic_and_load_reads_it_back() {
        let dir = std::env::temp_dir().join(format!("chime-emulator-state-{}", client_runtime::rand::uuid_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.json");
        assert_eq!(load(&path).unwrap(), State::default(), "a missing file is an empty state");
        save(&sample(), &path).unwrap();
        assert_eq!(load(&path).unwrap(), sample());
        let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers, ["state.json"], "no temporary file is left behind");
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(save(&sample(), &path).is_err(), "the directory is gone");
    }

    #[test]
    fn temp_names_match_only_this_state_files_pattern() {
        let state = OsStr::new("state.json");
        for yes in ["state.json.tmp-1", "state.json.tmp-4194304", "state.json.tmp-007"] {
            assert!(is_temp_name(OsStr::new(yes), state), "{yes}");
        }
        for no in ["state.json", "state.json.tmp-", "state.json.tmp-12a", "state.json.tmp--1", "state.json.tmp-1.bak", "state.json.tmp-1 ", "xstate.json.tmp-1", "other.json.tmp-1", "state.json.tmp1", "state.jsonl.tmp-1", ".state.json.tmp-1"] {
            assert!(!is_temp_name(OsStr::new(no), state), "{no}");
        }
    }

    #[test]
    fn stale_temp_files_are_removed_and_nothing_else() {
        let dir = std::env::temp_dir().join(format!("chime-emulator-stale-{}", client_runtime::rand::uuid_v4()));
        let nested = dir.join("nested");
        std::fs::create_dir_all(&nested).unwrap();
        let path = dir.join("state.json");
        save(&sample(), &path).unwrap();
        // What a `kill -9` between writing and renaming leaves, from this and other processes.
        let stale = [format!("state.json.tmp-{}", std::process::id()), "state.json.tmp-1".into(), "state.json.tmp-99999999".into()];
        for name in &stale {
            std::fs::write(dir.join(name), "{\"half\":").unwrap();
        }
        let kept = ["state.json.tmp-", "state.json.tmp-12a", "state.json.tmp-1.bak", "other.json.tmp-1", "notes.txt"];
        for name in kept {
            std::fs::write(dir.join(name), "keep").unwrap();
        }
        std::fs::create_dir(dir.join("state.json.tmp-5")).unwrap();
        std::fs::write(nested.join("state.json.tmp-6"), "another directory").unwrap();

        let mut expected: Vec<PathBuf> = stale.iter().map(|n| dir.join(n)).collect();
        expected.sort();
        assert_eq!(remove_stale_temp_files(&path), expected);
        let mut left: Vec<String> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        left.sort();
        let mut want: Vec<String> = kept.iter().map(|s| s.to_string()).chain(["nested".into(), "state.json".into(), "state.json.tmp-5".into()]).collect();
        want.sort();
        assert_eq!(left, want);
        assert!(nested.join("state.json.tmp-6").exists(), "only the state file's own directory is cleaned");
        assert_eq!(load(&path).unwrap(), sample(), "the state itself is untouched");
        assert_eq!(remove_stale_temp_files(&path), Vec::<PathBuf>::new(), "nothing left to remove");
        assert_eq!(remove_stale_temp_files(&dir.join("missing").join("state.json")), Vec::<PathBuf>::new(), "a missing directory is not an error");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn corrupt_state_is_an_error_not_a_panic() {
        for bad in ["", "{", "[]", r#"{"version":3,"next_seq":0,"instances":[],"tokens":[]}"#, r#"{"version":1,"next_seq":-1,"instances":[],"tokens":[]}"#, r#"{"version":1,"next_seq":0,"instances":[{"id":"x"}],"tokens":[]}"#] {
            assert!(from_json(bad.as_bytes()).is_err(), "{bad}");
        }
    }
}
