//! Where AWS settings come from outside the code: environment variables and the shared `config` and
//! `credentials` files (`~/.aws/config`, `~/.aws/credentials`).
//!
//! [`Env`] is the only door to the process environment, so tests hand in a map instead of mutating
//! global state. [`ProfileSet::load`] finds, reads, parses and merges the two files following the
//! AWS SDKs and Tools reference guide ("Shared config and credentials files"); the line grammar
//! lives in `parse`, and the typed settings the client config needs (endpoint URL, FIPS,
//! dual-stack, retries) are resolved in [`settings`].

mod parse;
pub mod settings;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

/// Environment variables (and what follows from them: the home directory and the shared file
/// paths), read from the process or from a fixed map.
///
/// `Debug` prints variable names only, never values.
#[derive(Clone, Default)]
pub struct Env {
    vars: Option<Arc<HashMap<String, String>>>,
}

impl Env {
    /// The real process environment.
    pub fn process() -> Self {
        Self { vars: None }
    }

    /// A fixed set of variables; nothing is read from the process.
    pub fn from_map<K, V>(vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        let vars = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        Self {
            vars: Some(Arc::new(vars)),
        }
    }

    /// The value of `name`. A variable set to the empty string counts as unset, as in the AWS
    /// SDKs (`export AWS_PROFILE=` is how shells "unset" a value); a value that is not valid
    /// Unicode is treated as unset too, with a warning.
    pub fn get(&self, name: &str) -> Option<String> {
        let value = match &self.vars {
            Some(vars) => vars.get(name).cloned(),
            None => match std::env::var(name) {
                Ok(value) => Some(value),
                Err(std::env::VarError::NotPresent) => None,
                Err(std::env::VarError::NotUnicode(_)) => {
                    tracing::warn!(
                        variable = name,
                        "environment variable is not valid Unicode; ignoring it"
                    );
                    None
                }
            },
        };
        value.filter(|v| !v.is_empty())
    }

    /// The user's home directory: `HOME`, else `USERPROFILE`, else `HOMEDRIVE` + `HOMEPATH`
    /// (the last two are how Windows spells it).
    pub fn home_dir(&self) -> Option<PathBuf> {
        if let Some(home) = self.get("HOME").or_else(|| self.get("USERPROFILE")) {
            return Some(PathBuf::from(home));
        }
        match (self.get("HOMEDRIVE"), self.get("HOMEPATH")) {
            (Some(drive), Some(path)) => Some(PathBuf::from(format!("{drive}{path}"))),
            _ => None,
        }
    }

    /// The profile to use: `AWS_PROFILE`, else `default`.
    pub fn profile_name(&self) -> String {
        self.get("AWS_PROFILE")
            .unwrap_or_else(|| "default".to_string())
    }

    /// The shared config file: `AWS_CONFIG_FILE`, else `~/.aws/config`. `None` when neither the
    /// variable nor a home directory is known.
    pub fn config_file(&self) -> Option<PathBuf> {
        self.shared_file("AWS_CONFIG_FILE", "config")
    }

    /// The shared credentials file: `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`.
    pub fn credentials_file(&self) -> Option<PathBuf> {
        self.shared_file("AWS_SHARED_CREDENTIALS_FILE", "credentials")
    }

    fn shared_file(&self, variable: &str, default_name: &str) -> Option<PathBuf> {
        match self.get(variable) {
            Some(path) => Some(self.expand_home(&path)),
            None => self
                .home_dir()
                .map(|home| home.join(".aws").join(default_name)),
        }
    }

    /// Expands a leading `~` (alone or followed by a separator) to the home directory; `~user`
    /// forms are left alone, as the AWS SDKs do.
    fn expand_home(&self, path: &str) -> PathBuf {
        let Some(rest) = path.strip_prefix('~') else {
            return PathBuf::from(path);
        };
        let rest = match rest.strip_prefix(['/', '\\']) {
            Some(rest) => rest,
            None if rest.is_empty() => rest,
            None => return PathBuf::from(path),
        };
        match self.home_dir() {
            Some(home) if rest.is_empty() => home,
            Some(home) => home.join(rest),
            None => {
                tracing::warn!(path, "cannot expand `~`: no HOME or USERPROFILE is set");
                PathBuf::from(path)
            }
        }
    }
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.vars {
            None => f.write_str("Env(process)"),
            Some(vars) => {
                let mut names: Vec<&str> = vars.keys().map(String::as_str).collect();
                names.sort_unstable();
                f.debug_tuple("Env").field(&names).finish()
            }
        }
    }
}

/// Where a property was set: the file (as displayed) and the 1-based line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The file's path, or a label such as `config` for text parsed from memory.
    pub file: Arc<str>,
    /// The line the property starts on.
    pub line: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

#[derive(Clone, PartialEq, Eq)]
struct Property {
    value: String,
    origin: Origin,
}

/// One named section of the shared files: a profile, or a `[services name]` section. Property
/// names are case-insensitive (stored lower-case); section names are case-sensitive.
///
/// `Debug` shows every property name but redacts the values of secret ones.
#[derive(Clone, PartialEq, Eq)]
pub struct Section {
    name: String,
    properties: BTreeMap<String, Property>,
}

impl Section {
    fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            properties: BTreeMap::new(),
        }
    }

    /// The section's name (`default`, `dev`, ... without any `profile ` prefix).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A property's value, looked up case-insensitively. Continuation lines are joined with `\n`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.property(key).map(|p| p.value.as_str())
    }

    /// Where a property was set.
    pub fn origin(&self, key: &str) -> Option<&Origin> {
        self.property(key).map(|p| &p.origin)
    }

    /// The property names, lower-case and sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.properties.keys().map(String::as_str)
    }

    /// The `name = value` pairs nested under a property whose own value was empty
    /// (`s3 =` followed by indented lines), names lower-cased.
    pub fn sub_properties(&self, key: &str) -> Vec<(String, String)> {
        // A property with a value of its own (`k = v` plus continuations) has no sub-properties.
        let Some(nested) = self.get(key).and_then(|v| v.strip_prefix('\n')) else {
            return Vec::new();
        };
        nested
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect()
    }

    fn property(&self, key: &str) -> Option<&Property> {
        let key: Cow<'_, str> = if key.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(key.to_ascii_lowercase())
        } else {
            Cow::Borrowed(key)
        };
        self.properties.get(key.as_ref())
    }

    /// Properties of `other` replace those of `self` with the same name.
    fn merge(&mut self, other: Section) {
        self.properties.extend(other.properties);
    }
}

/// Whether a property's value must never be printed.
fn is_secret_property(key: &str) -> bool {
    key == "aws_access_key_id"
        || ["secret", "token", "password", "credential_process"]
            .iter()
            .any(|s| key.contains(s))
}

impl fmt::Debug for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (key, property) in &self.properties {
            if is_secret_property(key) {
                map.entry(key, &"** redacted **");
            } else {
                map.entry(key, &property.value);
            }
        }
        map.finish()
    }
}

/// Why the shared files could not be loaded. Names the file, and the line for syntax errors.
#[derive(Debug)]
pub struct ProfileError {
    file: Arc<str>,
    line: Option<usize>,
    message: Cow<'static, str>,
    source: Option<io::Error>,
}

impl ProfileError {
    fn syntax(origin: Origin, message: &'static str) -> Self {
        Self {
            file: origin.file,
            line: Some(origin.line),
            message: Cow::Borrowed(message),
            source: None,
        }
    }

    fn io(file: Arc<str>, source: io::Error) -> Self {
        Self {
            file,
            line: None,
            message: Cow::Borrowed("could not read the file"),
            source: Some(source),
        }
    }

    /// The file at fault.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The 1-based line at fault, for syntax and encoding errors.
    pub fn line(&self) -> Option<usize> {
        self.line
    }
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for ProfileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as _)
    }
}

/// The merged contents of the shared `config` and `credentials` files, and which profile is
/// selected.
///
/// `Debug` redacts secret property values.
#[derive(Clone, Debug)]
pub struct ProfileSet {
    profiles: BTreeMap<String, Section>,
    services: BTreeMap<String, Section>,
    sso_sessions: BTreeMap<String, Section>,
    selected: String,
    files: Vec<Arc<str>>,
    warnings: Vec<String>,
}

impl ProfileSet {
    /// Reads the files `env` points at (see [`Env::config_file`], [`Env::credentials_file`]) and
    /// selects [`Env::profile_name`]. A missing file counts as empty; a file that cannot be read
    /// or parsed is an error naming it.
    ///
    /// The files are small and read with blocking I/O; callers cache the result (credentials go
    /// through [`crate::credentials::CachedProvider`]).
    pub fn load(env: &Env) -> Result<Self, ProfileError> {
        Self::load_with(env, &|path| std::fs::read(path))
    }

    /// [`ProfileSet::load`] reading files through `read` (an embedding application's virtual
    /// file system, or a test's). `read` reports a missing file as `io::ErrorKind::NotFound`.
    pub fn load_with(
        env: &Env,
        read: &dyn Fn(&std::path::Path) -> io::Result<Vec<u8>>,
    ) -> Result<Self, ProfileError> {
        let config = read_optional(env.config_file(), read)?;
        let credentials = read_optional(env.credentials_file(), read)?;
        let mut set = Self::from_files(config.as_ref(), credentials.as_ref())?;
        set.selected = env.profile_name();
        for warning in &set.warnings {
            tracing::warn!("{warning}");
        }
        Ok(set)
    }

    /// Parses file contents given as text, labelled `config` and `credentials` in messages, with
    /// the `default` profile selected.
    pub fn parse(config: &str, credentials: &str) -> Result<Self, ProfileError> {
        let config = SourceFile {
            name: Arc::from("config"),
            contents: config.to_string(),
        };
        let credentials = SourceFile {
            name: Arc::from("credentials"),
            contents: credentials.to_string(),
        };
        Self::from_files(Some(&config), Some(&credentials))
    }

    fn from_files(
        config: Option<&SourceFile>,
        credentials: Option<&SourceFile>,
    ) -> Result<Self, ProfileError> {
        let mut set = Self {
            profiles: BTreeMap::new(),
            services: BTreeMap::new(),
            sso_sessions: BTreeMap::new(),
            selected: "default".to_string(),
            files: Vec::new(),
            warnings: Vec::new(),
        };
        if let Some(file) = config {
            let parsed = parse::parse(parse::FileKind::Config, &file.name, &file.contents)?;
            set.profiles = parsed.profiles;
            set.services = parsed.services;
            set.sso_sessions = parsed.sso_sessions;
            set.warnings = parsed.warnings;
            set.files.push(file.name.clone());
        }
        // Shared-files guide: when both files define a profile, its properties are merged and the
        // credentials file wins for a property set in both.
        if let Some(file) = credentials {
            let parsed = parse::parse(parse::FileKind::Credentials, &file.name, &file.contents)?;
            for (name, section) in parsed.profiles {
                set.profiles
                    .entry(name)
                    .or_insert_with_key(|name| Section::new(name))
                    .merge(section);
            }
            set.warnings.extend(parsed.warnings);
            set.files.push(file.name.clone());
        }
        Ok(set)
    }

    /// The same profiles with another profile selected.
    pub fn with_selected(mut self, name: impl Into<String>) -> Self {
        self.selected = name.into();
        self
    }

    /// The selected profile's name.
    pub fn selected_name(&self) -> &str {
        &self.selected
    }

    /// The selected profile, if either file defines it.
    pub fn selected(&self) -> Option<&Section> {
        self.profiles.get(&self.selected)
    }

    /// A profile by name.
    pub fn profile(&self, name: &str) -> Option<&Section> {
        self.profiles.get(name)
    }

    /// The names of all profiles, sorted.
    pub fn profile_names(&self) -> impl Iterator<Item = &str> {
        self.profiles.keys().map(String::as_str)
    }

    /// A `[services name]` section of the config file.
    pub fn services(&self, name: &str) -> Option<&Section> {
        self.services.get(name)
    }

    /// An `[sso-session name]` section of the config file.
    pub fn sso_session(&self, name: &str) -> Option<&Section> {
        self.sso_sessions.get(name)
    }

    /// The files that were read (existing or not), for messages.
    pub fn files(&self) -> &[Arc<str>] {
        &self.files
    }

    /// Sections and properties that were ignored, each naming file and line. Also logged at
    /// `warn` level by [`ProfileSet::load`].
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

struct SourceFile {
    name: Arc<str>,
    contents: String,
}

/// Reads a shared file; a file that does not exist reads as empty.
fn read_optional(
    path: Option<PathBuf>,
    read: &dyn Fn(&std::path::Path) -> io::Result<Vec<u8>>,
) -> Result<Option<SourceFile>, ProfileError> {
    let Some(path) = path else { return Ok(None) };
    let name: Arc<str> = Arc::from(path.display().to_string());
    match read(&path) {
        Ok(bytes) => decode(name, bytes).map(Some),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            tracing::debug!(file = %name, "shared file does not exist; treating it as empty");
            Ok(Some(SourceFile {
                name,
                contents: String::new(),
            }))
        }
        Err(e) => Err(ProfileError::io(name, e)),
    }
}

/// The shared files are UTF-8 text; anything else is reported with the line it breaks on.
fn decode(name: Arc<str>, bytes: Vec<u8>) -> Result<SourceFile, ProfileError> {
    match String::from_utf8(bytes) {
        Ok(contents) => Ok(SourceFile { name, contents }),
        Err(e) => {
            let valid = e
                .as_bytes()
                .get(..e.utf8_error().valid_up_to())
                .unwrap_or_default();
            let line = valid
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                .saturating_add(1);
            Err(ProfileError {
                file: name,
                line: Some(line),
                message: Cow::Borrowed("the file is not valid UTF-8"),
                source: None,
            })
        }
    }
}

/// Test helpers shared by the modules that read the shared files.
#[cfg(test)]
pub(crate) mod testing {
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A directory under the system temp dir, unique per process and call, removed on drop.
    pub(crate) struct TempDir(PathBuf);

    impl TempDir {
        pub(crate) fn new(label: &str) -> Self {
            static COUNTER: AtomicUsize = AtomicUsize::new(0);
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let dir = std::env::temp_dir()
                .join(format!("client-runtime-{label}-{}-{n}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("create temp dir");
            Self(dir)
        }

        pub(crate) fn path(&self) -> &Path {
            &self.0
        }

        /// Writes `contents` to `relative` (creating parent directories) and returns its path.
        pub(crate) fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> PathBuf {
            let path = self.0.join(relative);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("create parent");
            }
            std::fs::write(&path, contents).expect("write temp file");
            path
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
