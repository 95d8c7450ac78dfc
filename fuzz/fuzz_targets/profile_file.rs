//! The shared config/credentials file parser (`client_runtime::__private::profile::ProfileSet::parse`)
//! and the settings resolved from it.
//!
//! Input: the config file's text, then optionally a NUL and the credentials file's text.
//! Besides not panicking: every listed profile and key can be looked up, and `Debug` never
//! shows the value of a secret property (keys, tokens, passwords, `credential_process`).

#![no_main]

use client_runtime::__private::profile::settings::SharedSettings;
use client_runtime::__private::profile::{Env, ProfileSet};
use libfuzzer_sys::fuzz_target;

/// The runtime's rule for which property values `Debug` must redact.
fn is_secret(key: &str) -> bool {
    key == "aws_access_key_id"
        || ["secret", "token", "password", "credential_process"].iter().any(|s| key.contains(s))
}

/// Whether finding `value` in the Debug output can only mean the secret leaked: it appears
/// once in the files (keys are shown lower-cased, so compared lower-cased) and not in Debug's
/// own text, and is plain enough that escaping other text (`\n` joins continuation lines)
/// cannot produce it.
fn leaks_detectably(lower_text: &str, value: &str, boilerplate: &str) -> bool {
    value.len() >= 4
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=_.-".contains(&b))
        && !value.starts_with(['n', 'r', 't', 'u', '0'])
        && lower_text.matches(&value.to_ascii_lowercase()).count() == 1
        && !boilerplate.contains(value)
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (config, credentials) = text.split_once('\0').unwrap_or((&text, ""));
    let set = match ProfileSet::parse(config, credentials) {
        Ok(set) => set,
        Err(e) => {
            let _ = format!("{e} {e:?} {:?} {}", e.line(), e.file());
            return;
        }
    };
    let debug = format!("{set:?}");
    // What Debug prints whatever the files hold: field names, labels, warnings.
    let boilerplate = format!("{:?} {:?}", ProfileSet::parse("", "").ok(), set.warnings());
    let lower_text = text.to_ascii_lowercase();
    let env = Env::from_map([("AWS_REGION", "us-east-1")]);
    for name in set.profile_names() {
        let section = set.profile(name).expect("a listed profile exists");
        assert_eq!(section.name(), name);
        for key in section.keys() {
            let value = section.get(key).expect("a listed key has a value");
            let _ = format!("{}", section.origin(key).expect("a listed key has an origin"));
            std::hint::black_box(section.sub_properties(key));
            let _ = set.services(value);
            if is_secret(key) && leaks_detectably(&lower_text, value, &boilerplate) {
                assert!(!debug.contains(value), "Debug shows the value of {key} in profile {name}");
            }
        }
        let selected = set.clone().with_selected(name);
        match SharedSettings::resolve(&env, &selected, "CHIME_SDK_IDENTITY") {
            Ok(settings) => drop(format!("{settings:?}")),
            Err(e) => drop(format!("{e} {e:?}")),
        }
    }
    let _ = (set.selected(), set.files());
});
