//! Every Rust name the generator emits is decided here, from Smithy names, once.
//!
//! Names are returned as [`Name`], a validated identifier that implements `ToTokens`; emitters
//! never build identifiers from strings themselves. AWS spellings that case converters get wrong
//! (`ARNs` → `ar_ns`) are fixed by a table, and Rust keywords are escaped when the name is made.

use proc_macro2::{Ident, Span, TokenStream};
use quote::ToTokens;
use std::fmt;

/// A valid Rust identifier (possibly raw, `r#type`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(String);

impl Name {
    /// The identifier text as it appears in source (`r#type` for raw identifiers).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The identifier without any `r#` prefix, for composing derived names.
    pub fn bare(&self) -> &str {
        self.0.strip_prefix("r#").unwrap_or(&self.0)
    }

    fn ident(&self) -> Ident {
        match self.0.strip_prefix("r#") {
            Some(raw) => Ident::new_raw(raw, Span::call_site()),
            None => Ident::new(&self.0, Span::call_site()),
        }
    }
}

impl ToTokens for Name {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.ident().to_tokens(tokens)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// AWS spellings that word splitting gets wrong, rewritten to a form it gets right.
/// Longest first, so that `SSEKMS` wins over shorter overlapping entries.
const SPELLINGS: &[(&str, &str)] = &[
    ("SSEKMS", "SseKms"),
    ("CIDRs", "Cidrs"),
    ("ETags", "Etags"),
    ("IPv4", "Ipv4"),
    ("IPv6", "Ipv6"),
    ("ARNs", "Arns"),
    ("ACLs", "Acls"),
    ("URIs", "Uris"),
    ("URLs", "Urls"),
    ("APIs", "Apis"),
    ("IDs", "Ids"),
];

fn respell(name: &str) -> String {
    let mut out = name.to_string();
    for (from, to) in SPELLINGS {
        out = out.replace(from, to);
    }
    out
}

/// Keywords that can be written as raw identifiers.
const RAW_KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in", "let",
    "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static", "struct", "trait", "true", "type",
    "unsafe", "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];
/// Keywords that cannot be raw identifiers; they get a trailing underscore.
const PLAIN_KEYWORDS: &[&str] = &["self", "Self", "super", "crate", "_"];

fn finish(word: String, what: &str, source: &str) -> Result<Name, String> {
    if word.is_empty() || !word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return Err(format!("cannot make a Rust {what} from `{source}`"));
    }
    if !word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("cannot make a Rust {what} from `{source}`"));
    }
    if PLAIN_KEYWORDS.contains(&word.as_str()) {
        return Ok(Name(format!("{word}_")));
    }
    if RAW_KEYWORDS.contains(&word.as_str()) {
        return Ok(Name(format!("r#{word}")));
    }
    Ok(Name(word))
}

fn snake(name: &str) -> String {
    let s = heck::ToSnakeCase::to_snake_case(respell(name).as_str());
    // A leading digit after splitting (`_3d` → `3d`) is not an identifier.
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{s}")
    } else {
        s
    }
}

fn pascal(name: &str) -> String {
    let s = heck::ToUpperCamelCase::to_upper_camel_case(respell(name).as_str());
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{s}")
    } else {
        s
    }
}

/// Names of the Rust prelude (and `HashMap`) that generated code uses unqualified; a model type
/// with one of these names gets a `Value` suffix instead of shadowing it.
const PRELUDE_TYPES: &[&str] = &[
    "Option", "Some", "None", "Result", "Ok", "Err", "String", "Vec", "Box", "Clone", "Copy", "Default", "Eq",
    "PartialEq", "Ord", "PartialOrd", "Hash", "Debug", "Send", "Sync", "Sized", "Unpin", "Drop", "Fn", "FnMut",
    "FnOnce", "From", "Into", "TryFrom", "TryInto", "AsRef", "AsMut", "Iterator", "IntoIterator", "Extend",
    "ToOwned", "ToString", "HashMap",
];

/// A type name (`CreateAppInstanceRequest` → `CreateAppInstanceRequest`, `ARNs` → `Arns`,
/// `Result` → `ResultValue`).
pub fn type_name(smithy: &str) -> Result<Name, String> {
    let p = pascal(smithy);
    if PRELUDE_TYPES.contains(&p.as_str()) {
        return finish(format!("{p}Value"), "type name", smithy);
    }
    finish(p, "type name", smithy)
}

/// A type name with a suffix (`CreateAppInstance` + `Input`).
pub fn type_name_with(smithy: &str, suffix: &str) -> Result<Name, String> {
    finish(format!("{}{suffix}", pascal(smithy)), "type name", smithy)
}

/// Names a struct field or accessor must not take because the generated type already uses them.
const RESERVED_FIELDS: &[&str] = &["builder", "build", "meta", "into_paginator", "send", "customize", "as_str", "values"];

/// A field / method name (`AppInstanceArn` → `app_instance_arn`, `Type` → `r#type`).
pub fn field_name(smithy: &str) -> Result<Name, String> {
    let s = snake(smithy);
    if RESERVED_FIELDS.contains(&s.as_str()) {
        return finish(format!("{s}_value"), "field name", smithy);
    }
    finish(s, "field name", smithy)
}

/// A function or module name (`ListAppInstances` → `list_app_instances`).
pub fn fn_name(smithy: &str) -> Result<Name, String> {
    finish(snake(smithy), "function name", smithy)
}

/// A name derived from another with a prefix (`set_` + `name`).
pub fn prefixed(prefix: &str, base: &Name) -> Name {
    Name(format!("{prefix}{}", base.bare()))
}

/// An enum or union variant (`APNS_SANDBOX` → `ApnsSandbox`). `Unknown` is taken by the
/// generated catch-all variant, so a member of that name becomes `UnknownValue`.
pub fn variant_name(smithy: &str) -> Result<Name, String> {
    let p = pascal(smithy);
    let p = if p == "Unknown" { "UnknownValue".to_string() } else { p };
    finish(p, "variant name", smithy)
}

/// Names derived from a type's (validated) name. Appending an ASCII suffix to an identifier, or
/// prefixing the snake case of one, always yields an identifier that is no keyword, so these
/// cannot fail.
fn derived(text: String) -> Name {
    debug_assert!(text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    Name(text)
}

/// The builder of a structure (`Tag` → `TagBuilder`).
pub fn builder_name(ty: &Name) -> Name {
    derived(format!("{}Builder", ty.bare()))
}

/// The fluent builder `Client::<op>()` returns (`AssumeRole` → `AssumeRoleFluentBuilder`).
pub fn fluent_builder_name(op: &Name) -> Name {
    derived(format!("{}FluentBuilder", op.bare()))
}

/// The paginator of an operation and the stream of its items (`ListUsers` →
/// `ListUsersPaginator`, `ListUsersPaginatorItems`).
pub fn paginator_names(op: &Name) -> (Name, Name) {
    (derived(format!("{}Paginator", op.bare())), derived(format!("{}PaginatorItems", op.bare())))
}

/// The names of a waiter (`TableExists`): its module (`table_exists`), client method
/// (`wait_until_table_exists`), fluent builder (`TableExistsFluentBuilder`), final-poll alias
/// (`TableExistsFinalPoll`) and error alias (`WaitUntilTableExistsError`), as the AWS SDK for
/// Rust names them. Waiter names are `upper-alpha *(ALPHA / DIGIT)` (Smithy waiters spec).
pub fn waiter_names(smithy: &str) -> Result<[Name; 5], String> {
    let valid = smithy.starts_with(|c: char| c.is_ascii_uppercase()) && smithy.chars().all(|c| c.is_ascii_alphanumeric());
    if !valid {
        return Err(format!("waiter name `{smithy}` must start with an upper-case letter and hold only letters and digits"));
    }
    let snake_name = snake(smithy);
    let pascal_name = pascal(smithy);
    Ok([
        finish(snake_name.clone(), "module name", smithy)?,
        derived(format!("wait_until_{snake_name}")),
        derived(format!("{pascal_name}FluentBuilder")),
        derived(format!("{pascal_name}FinalPoll")),
        derived(format!("WaitUntil{pascal_name}Error")),
    ])
}

/// The `protocol_serde` writer, reader and zero-value functions of a named type
/// (`AppInstance` → `ser_app_instance`, `de_app_instance`, `zero_app_instance`).
pub fn serde_fn_names(ty: &Name) -> (Name, Name, Name) {
    let s = snake(ty.bare());
    (derived(format!("ser_{s}")), derived(format!("de_{s}")), derived(format!("zero_{s}")))
}

/// The `is_<variant>` helper of an error enum variant (`ConflictException` →
/// `is_conflict_exception`).
pub fn is_variant_fn(variant: &Name) -> Name {
    derived(format!("is_{}", snake(variant.bare())))
}

/// The `as_<variant>` accessor of a union variant.
pub fn as_variant_fn(variant: &Name) -> Name {
    derived(format!("as_{}", snake(variant.bare())))
}

/// The identifier of a crate (`chime-sdk-identity` → `chime_sdk_identity`).
pub fn crate_ident(crate_name: &str) -> Result<Name, String> {
    finish(crate_name.replace('-', "_"), "crate name", crate_name)
}

/// The crate name for a service (`ChimeSDKIdentity` → `chime-sdk-identity`), from the sdkId
/// when there is one.
pub fn crate_name(sdk_id_or_name: &str) -> String {
    let cleaned: String = sdk_id_or_name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' }).collect();
    heck::ToKebabCase::to_kebab_case(cleaned.as_str())
}

/// An upper snake name for environment variables (`Chime SDK Identity` → `CHIME_SDK_IDENTITY`).
pub fn env_suffix(sdk_id: &str) -> String {
    let cleaned: String = sdk_id.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' }).collect();
    heck::ToShoutySnakeCase::to_shouty_snake_case(cleaned.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names() {
        let cases = [
            ("AppInstanceArn", "app_instance_arn"),
            ("ARNs", "arns"),
            ("AppInstanceUserARNs", "app_instance_user_arns"),
            ("IPv4Address", "ipv4_address"),
            ("SSEKMSKeyId", "sse_kms_key_id"),
            ("Type", "r#type"),
            ("type", "r#type"),
            ("self", "self_"),
            ("Self", "self_"),
            ("builder", "builder_value"),
            ("MaxResults", "max_results"),
            ("fooBar", "foo_bar"),
            ("UserIDs", "user_ids"),
            ("hello_world", "hello_world"),
            ("v2", "v2"),
        ];
        for (input, want) in cases {
            assert_eq!(field_name(input).unwrap().as_str(), want, "{input}");
        }
    }

    #[test]
    fn type_and_variant_names() {
        let types = [
            ("appInstance", "AppInstance"),
            ("ARNs", "Arns"),
            ("SSEKMS", "SseKms"),
            ("Self", "Self_"),
            ("IPv6Cidr", "Ipv6Cidr"),
            ("Result", "ResultValue"),
            ("string", "StringValue"),
        ];
        for (input, want) in types {
            assert_eq!(type_name(input).unwrap().as_str(), want, "{input}");
        }
        let variants = [("APNS_SANDBOX", "ApnsSandbox"), ("GCM", "Gcm"), ("Unknown", "UnknownValue"), ("foo", "Foo"), ("_1", "_1")];
        for (input, want) in variants {
            assert_eq!(variant_name(input).unwrap().as_str(), want, "{input}");
        }
    }

    #[test]
    fn names_that_cannot_be_identifiers_are_errors_not_panics() {
        assert!(field_name("").is_err());
        assert!(type_name("").is_err());
        assert!(field_name("a-b").is_ok(), "heck splits on the dash");
        assert_eq!(field_name("9lives").unwrap().as_str(), "_9lives");
        assert!(type_name("héllo").is_err());
    }

    #[test]
    fn crate_and_env_names() {
        assert_eq!(crate_name("Chime SDK Identity"), "chime-sdk-identity");
        assert_eq!(env_suffix("Chime SDK Identity"), "CHIME_SDK_IDENTITY");
        assert_eq!(crate_name("Rest Json Protocol"), "rest-json-protocol");
    }

    #[test]
    fn derived_names() {
        let t = type_name("SSEKMSKey").unwrap();
        assert_eq!(builder_name(&t).as_str(), "SseKmsKeyBuilder");
        let (ser, de, zero) = serde_fn_names(&t);
        assert_eq!((ser.as_str(), de.as_str(), zero.as_str()), ("ser_sse_kms_key", "de_sse_kms_key", "zero_sse_kms_key"));
        let kw = type_name("Self").unwrap();
        assert_eq!(builder_name(&kw).as_str(), "Self_Builder");
        assert_eq!(serde_fn_names(&kw).0.as_str(), "ser_self");
        let op = type_name("ListUsers").unwrap();
        assert_eq!(fluent_builder_name(&op).as_str(), "ListUsersFluentBuilder");
        let (p, items) = paginator_names(&op);
        assert_eq!((p.as_str(), items.as_str()), ("ListUsersPaginator", "ListUsersPaginatorItems"));
        assert_eq!(is_variant_fn(&type_name("IDPRejectedClaimException").unwrap()).as_str(), "is_idp_rejected_claim_exception");
        assert_eq!(crate_ident("sso-oidc").unwrap().as_str(), "sso_oidc");
        assert!(crate_ident("9-lives").is_err());
    }

    #[test]
    fn raw_identifiers_render() {
        let n = field_name("type").unwrap();
        assert_eq!(quote::quote!(#n).to_string(), "r#type");
        assert_eq!(prefixed("set_", &n).as_str(), "set_type");
    }
}
