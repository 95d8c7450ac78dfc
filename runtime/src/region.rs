//! The AWS Region a client talks to, and where it is found: the code, `AWS_REGION`,
//! `AWS_DEFAULT_REGION`, then the selected profile's `region`. There is no built-in default.
//!
//! A [`Region`] is always a valid DNS host label, because endpoint resolution pastes it into a
//! host name: a value such as `us-east-1.evil.com/` must be refused, not turned into a URL.

use std::borrow::Cow;
use std::fmt;

use crate::profile::settings::SettingSource;
use crate::profile::{Env, ProfileSet};

/// An AWS Region name such as `us-east-1`, checked to be a valid host label.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region(Cow<'static, str>);

impl Region {
    /// A region from a runtime value, as the AWS SDK for Rust spells it: infallible. A value
    /// that is not a host label is refused when a request would use it (endpoint resolution
    /// pastes the region into a host name); [`Region::try_new`] checks it now.
    pub fn new(region: impl Into<Cow<'static, str>>) -> Self {
        Self(region.into())
    }

    /// Whether the name is a valid host label, as every region name is.
    pub fn is_valid(&self) -> bool {
        is_host_label(&self.0)
    }

    /// A region from a runtime value, checked: errors if it is not a host label (1–63 ASCII
    /// letters, digits and hyphens, not starting or ending with a hyphen).
    pub fn try_new(region: impl Into<Cow<'static, str>>) -> Result<Self, InvalidRegion> {
        let region = region.into();
        if is_host_label(&region) {
            Ok(Self(region))
        } else {
            Err(InvalidRegion {
                value: region.into_owned(),
                source: None,
            })
        }
    }

    /// A region from a literal.
    ///
    /// # Panics
    ///
    /// If `region` is not a valid host label; in a `const` this is a compile error. Use
    /// [`Region::try_new`] for values that come from outside the program.
    pub const fn from_static(region: &'static str) -> Self {
        assert!(
            is_host_label(region),
            "Region::from_static: not a valid region name"
        );
        Self(Cow::Borrowed(region))
    }

    /// The region's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Region {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// RFC 1123 host label. `const` so that [`Region::from_static`] can check literals at compile
/// time.
const fn is_host_label(s: &str) -> bool {
    let bytes = s.as_bytes();
    if bytes.len() > 63 {
        return false;
    }
    if let [] | [b'-', ..] | [.., b'-'] = bytes {
        return false;
    }
    let mut rest = bytes;
    while let [b, tail @ ..] = rest {
        if !(b.is_ascii_alphanumeric() || *b == b'-') {
            return false;
        }
        rest = tail;
    }
    true
}

/// A region value that is not a valid host label, and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidRegion {
    value: String,
    source: Option<SettingSource>,
}

impl InvalidRegion {
    /// The rejected value.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Where the value came from; `None` when it was passed in code.
    pub fn source(&self) -> Option<&SettingSource> {
        self.source.as_ref()
    }
}

impl fmt::Display for InvalidRegion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `{:?}` escapes control characters so the value cannot forge log lines.
        write!(f, "invalid region {:?}", self.value)?;
        if let Some(source) = &self.source {
            write!(f, " from {source}")?;
        }
        f.write_str(
            ": a region is 1-63 letters, digits or hyphens, not starting or ending with a hyphen",
        )
    }
}

impl std::error::Error for InvalidRegion {}

/// The region to use: `explicit` if given, else `AWS_REGION`, else `AWS_DEFAULT_REGION`, else the
/// selected profile's `region`; `Ok(None)` when none is set. The first value found must be valid:
/// an invalid `AWS_REGION` is an error, not a reason to look further.
pub fn resolve_region(
    explicit: Option<Region>,
    env: &Env,
    profiles: &ProfileSet,
) -> Result<Option<Region>, InvalidRegion> {
    if explicit.is_some() {
        return Ok(explicit);
    }
    let found = ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .into_iter()
        .find_map(|var| {
            env.get(var)
                .map(|value| (value, SettingSource::Env(var.to_string())))
        })
        .or_else(|| {
            let profile = profiles.selected()?;
            let value = profile.get("region").filter(|v| !v.is_empty())?;
            Some((
                value.to_string(),
                SettingSource::profile(profile, "region")?,
            ))
        });
    let Some((value, source)) = found else {
        return Ok(None);
    };
    Region::try_new(value).map(Some).map_err(|e| InvalidRegion {
        value: e.value,
        source: Some(source),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEV_PROFILE: &str = "[default]\nregion = eu-west-1\n[profile dev]\nregion = ap-south-1";

    fn resolve(
        explicit: Option<Region>,
        env: &[(&str, &str)],
    ) -> Result<Option<Region>, InvalidRegion> {
        let env = Env::from_map(env.iter().copied());
        let profiles = ProfileSet::parse(DEV_PROFILE, "")
            .expect("parses")
            .with_selected(env.profile_name());
        resolve_region(explicit, &env, &profiles)
    }

    fn name(r: Result<Option<Region>, InvalidRegion>) -> Option<String> {
        r.expect("valid").map(|r| r.to_string())
    }

    #[test]
    fn precedence() {
        let both = [
            ("AWS_REGION", "us-east-2"),
            ("AWS_DEFAULT_REGION", "us-west-2"),
        ];
        assert_eq!(
            name(resolve(Some(Region::from_static("ca-central-1")), &both)).as_deref(),
            Some("ca-central-1")
        );
        assert_eq!(name(resolve(None, &both)).as_deref(), Some("us-east-2"));
        assert_eq!(
            name(resolve(None, &[("AWS_DEFAULT_REGION", "us-west-2")])).as_deref(),
            Some("us-west-2")
        );
        // Empty variables count as unset.
        assert_eq!(
            name(resolve(
                None,
                &[("AWS_REGION", ""), ("AWS_DEFAULT_REGION", "us-west-2")]
            ))
            .as_deref(),
            Some("us-west-2")
        );
        assert_eq!(name(resolve(None, &[])).as_deref(), Some("eu-west-1"));
        assert_eq!(
            name(resolve(None, &[("AWS_PROFILE", "dev")])).as_deref(),
            Some("ap-south-1")
        );
    }

    #[test]
    fn no_default_region() {
        let env = Env::from_map([("AWS_PROFILE", "other")]);
        let profiles = ProfileSet::parse(DEV_PROFILE, "")
            .expect("parses")
            .with_selected(env.profile_name());
        assert_eq!(resolve_region(None, &env, &profiles), Ok(None));
        let empty = ProfileSet::parse("[default]\nregion =", "").expect("parses");
        assert_eq!(
            resolve_region(None, &Env::from_map([("HOME", "/x")]), &empty),
            Ok(None)
        );
    }

    #[test]
    fn validation() {
        for ok in [
            "us-east-1",
            "local",
            "us-gov-west-1",
            "fips-us-east-1",
            "A1",
            "x",
        ] {
            assert_eq!(
                Region::try_new(ok).map(|r| r.as_str().to_string()),
                Ok(ok.to_string())
            );
        }
        let long = "a".repeat(64);
        for bad in [
            "",
            "-us",
            "us-",
            "us east 1",
            "us-east-1.evil.com",
            "evil.com/",
            "a@b",
            "é",
            long.as_str(),
        ] {
            let err = Region::try_new(bad.to_string()).expect_err(bad);
            assert_eq!(err.value(), bad);
            assert_eq!(err.source(), None);
        }
        assert!(Region::try_new("a".repeat(63)).is_ok());
    }

    #[test]
    fn invalid_values_are_errors_naming_value_and_source() {
        let err = resolve(None, &[("AWS_REGION", "us-east-1.evil.com/")]).expect_err("dots");
        assert_eq!(
            err.to_string(),
            "invalid region \"us-east-1.evil.com/\" from environment variable AWS_REGION: \
             a region is 1-63 letters, digits or hyphens, not starting or ending with a hyphen"
        );
        // An invalid AWS_REGION does not fall through to AWS_DEFAULT_REGION.
        let err = resolve(
            None,
            &[
                ("AWS_REGION", "bad region"),
                ("AWS_DEFAULT_REGION", "us-west-2"),
            ],
        )
        .expect_err("space");
        assert_eq!(
            err.source(),
            Some(&SettingSource::Env("AWS_REGION".to_string()))
        );

        let env = Env::from_map([("AWS_PROFILE", "p")]);
        let profiles = ProfileSet::parse("[profile p]\nregion = eu\\n", "")
            .expect("parses")
            .with_selected("p");
        let err = resolve_region(None, &env, &profiles).expect_err("backslash");
        assert!(
            err.to_string()
                .starts_with("invalid region \"eu\\\\n\" from `region` in [p] at config:2"),
            "{err}"
        );
    }

    #[test]
    fn static_and_display() {
        const R: Region = Region::from_static("eu-central-1");
        assert_eq!(R.as_str(), "eu-central-1");
        assert_eq!(format!("{R}"), "eu-central-1");
        assert_eq!(R.as_ref(), "eu-central-1");
        assert_eq!(Region::try_new(String::from("eu-central-1")), Ok(R));
    }
}
