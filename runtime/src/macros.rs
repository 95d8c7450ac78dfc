//! Macros that generated code invokes for trait implementations that are the same for every
//! type of a kind. They expand in the generated crate (so the orphan rule is satisfied) and keep
//! the checked-in code to one line per type.

/// `Display`, `Error` and `ProvideErrorMetadata` for a generated error enum, forwarded to the
/// variant its `inner()` method returns.
#[macro_export]
macro_rules! impl_error_enum {
    ($name:ty) => {
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(self.inner(), f)
            }
        }
        impl ::std::error::Error for $name {
            fn source(&self) -> ::std::option::Option<&(dyn ::std::error::Error + 'static)> {
                ::std::option::Option::Some(self.inner().as_error())
            }
        }
        impl $crate::error::ProvideErrorMetadata for $name {
            fn meta(&self) -> &$crate::error::ErrorMetadata {
                self.inner().meta()
            }
        }
        impl $crate::error::RequestId for $name {
            fn request_id(&self) -> ::std::option::Option<&str> {
                $crate::error::ProvideErrorMetadata::meta(self.inner()).request_id()
            }
        }
        impl $crate::error::CreateUnhandledError for $name {
            fn create_unhandled_error(
                source: ::std::boxed::Box<dyn ::std::error::Error + ::std::marker::Send + ::std::marker::Sync>,
                meta: ::std::option::Option<$crate::error::ErrorMetadata>,
            ) -> Self {
                Self::Unhandled($crate::error::Unhandled::from_source(source, meta))
            }
        }
    };
}

/// The methods of an operation's error enum, in an `impl` of it: one entry
/// `Variant is_variant "Code";` per modeled error (the enum also has `Unhandled`). Gives each
/// variant its `is_*` helper, `meta()`, the private `inner()` [`impl_error_enum`] forwards
/// through, and the crate-private `from_error_response` that picks the variant by error code.
#[doc(hidden)]
#[macro_export]
macro_rules! error_variants {
    ($($variant:ident $is:ident $code:literal;)+) => {
        $(
            #[doc = concat!("Whether this is a `", $code, "`.")]
            pub fn $is(&self) -> bool {
                matches!(self, Self::$variant(_))
            }
        )+
        fn inner(&self) -> &dyn $crate::error::ModeledError {
            match self {
                $(Self::$variant(e) => e,)+
                Self::Unhandled(e) => e,
            }
        }
        /// The error code, message and request id.
        pub fn meta(&self) -> &$crate::error::ErrorMetadata {
            self.inner().meta()
        }
        pub(crate) fn from_error_response(
            response: &$crate::http::HttpResponse,
            meta: $crate::error::ErrorMetadata,
        ) -> ::std::result::Result<Self, $crate::error::DeserializeError> {
            use $crate::error::FromErrorResponse as F;
            ::std::result::Result::Ok(match meta.code() {
                $(::std::option::Option::Some($code) => Self::$variant(F::from_response(response, meta)?),)+
                _ => Self::Unhandled($crate::error::Unhandled::new(meta)),
            })
        }
    };
}

/// `meta()`, `Display` (`ErrorShapeName: message`), `Error` and `ProvideErrorMetadata` for a
/// modeled error structure with a `meta` field. The message comes from an `optional` or `required`
/// string member, or from the response metadata (`metadata`) when the structure has none (or
/// it is sensitive).
#[macro_export]
macro_rules! impl_modeled_error {
    ($name:ty, $label:literal, optional $message:ident) => {
        $crate::impl_modeled_error!(@impl $name, $label, |e: &$name| e.$message.as_deref());
    };
    ($name:ty, $label:literal, required $message:ident) => {
        $crate::impl_modeled_error!(@impl $name, $label, |e: &$name| ::std::option::Option::Some(e.$message.as_str()));
    };
    ($name:ty, $label:literal, metadata) => {
        $crate::impl_modeled_error!(@impl $name, $label, |e: &$name| e.meta.message());
    };
    (@impl $name:ty, $label:literal, $message:expr) => {
        impl $name {
            /// The error code, request id and other metadata of the response.
            pub fn meta(&self) -> &$crate::error::ErrorMetadata {
                &self.meta
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($label)?;
                let message: fn(&$name) -> ::std::option::Option<&str> = $message;
                if let ::std::option::Option::Some(m) = message(self) {
                    ::std::write!(f, ": {}", m)?;
                }
                ::std::result::Result::Ok(())
            }
        }
        impl ::std::error::Error for $name {}
        impl $crate::error::ProvideErrorMetadata for $name {
            fn meta(&self) -> &$crate::error::ErrorMetadata {
                &self.meta
            }
        }
        impl $crate::error::RequestId for $name {
            fn request_id(&self) -> ::std::option::Option<&str> {
                self.meta.request_id()
            }
        }
    };
}

/// `FromStr`, `AsRef<str>` and `Display` for a generated string enum, from its `as_str()` and
/// `From<&str>`.
#[macro_export]
macro_rules! impl_string_enum {
    ($name:ty) => {
        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                ::std::result::Result::Ok(<$name>::from(s))
            }
        }
        impl ::std::convert::AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// The fluent builder of an operation: the struct a client method returns, holding the client
/// and the input builder, with `as_input()` and `send()`. The generated code adds the setters.
#[macro_export]
macro_rules! fluent_builder {
    ($(#[$doc:meta])* $name:ident, $builder:ty, $op:ty, $output:ty, $error:ty) => {
        $(#[$doc])*
        #[derive(::std::clone::Clone, ::std::fmt::Debug)]
        pub struct $name {
            handle: $crate::__private::client::Handle,
            inner: $builder,
        }
        impl $name {
            pub(crate) fn new(handle: $crate::__private::client::Handle) -> Self {
                Self { handle, inner: ::std::default::Default::default() }
            }
            /// The input built so far.
            pub fn as_input(&self) -> &$builder {
                &self.inner
            }
            /// Sends the request. A missing required member or a value outside its modeled
            /// constraints is refused here, before anything is sent.
            pub async fn send(self) -> ::std::result::Result<$output, $crate::error::SdkError<$error>> {
                let input = self.inner.build().map_err($crate::error::SdkError::construction_failure)?;
                self.handle.invoke::<$op>(input).await
            }
            /// This call with per-call configuration (`config_override`) or changes to its HTTP
            /// request (`mutate_request`, `map_request`); finish with `send()`.
            pub fn customize(self) -> $crate::customize::CustomizableOperation<$output, $error, Self> {
                $crate::customize::CustomizableOperation::new(self)
            }
        }
        impl $crate::customize::FluentBuilder for $name {
            type Operation = $op;
            fn into_parts(
                self,
            ) -> (
                $crate::__private::client::Handle,
                ::std::result::Result<<$op as $crate::__private::operation::Operation>::Input, $crate::error::BuildError>,
            ) {
                (self.handle, self.inner.build())
            }
        }
    };
}

/// The `set_` and `get_` methods of a builder's members, in an `impl` of the builder: one entry
/// `field set_field get_field "Member": Type;` per member, the builder holding it as
/// `field: Option<Type>`. Their docs are the same one-liners for every member.
#[doc(hidden)]
#[macro_export]
macro_rules! builder_set_get {
    ($($field:ident $set:ident $get:ident $member:literal: $t:ty;)*) => {
        $(
            #[doc = concat!("Sets or unsets `", $member, "`.")]
            pub fn $set(mut self, input: ::std::option::Option<$t>) -> Self {
                self.$field = input;
                self
            }
            #[doc = concat!("`", $member, "` as set so far.")]
            pub fn $get(&self) -> &::std::option::Option<$t> {
                &self.$field
            }
        )*
    };
}

/// The accessors of a structure's members, in an `impl` of it: one entry per member, under its
/// docs, `field how: ReturnType;`, where `how` says what the method returns of the field:
/// `copy` (the value), `borrow` (a reference), `as_str`, `as_ref`, `as_deref`, or `slice`
/// (an optional list as a slice, empty when unset).
#[doc(hidden)]
#[macro_export]
macro_rules! accessors {
    ($($(#[$doc:meta])* $field:ident $how:ident: $ret:ty;)*) => {
        $(
            $(#[$doc])*
            pub fn $field(&self) -> $ret {
                $crate::__accessor!(self, $field, $how)
            }
        )*
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __accessor {
    ($this:ident, $field:ident, copy) => { $this.$field };
    ($this:ident, $field:ident, borrow) => { &$this.$field };
    ($this:ident, $field:ident, as_str) => { $this.$field.as_str() };
    ($this:ident, $field:ident, as_ref) => { $this.$field.as_ref() };
    ($this:ident, $field:ident, as_deref) => { $this.$field.as_deref() };
    ($this:ident, $field:ident, slice) => { $this.$field.as_deref().unwrap_or_default() };
}

/// The setters of a builder's members, in an `impl` of the builder: one entry per member,
/// under its docs, `field(input: Type) set;` (stores `Some(input.into())`),
/// `field(input: Item) push;` (appends to the list) or `field(k: Key, v: Value) insert;` (inserts
/// into the map).
#[doc(hidden)]
#[macro_export]
macro_rules! builder_setters {
    ($($(#[$doc:meta])* $field:ident($($arg:ident: $arg_t:ty),*) $kind:ident;)*) => {
        $($crate::__builder_setter!($kind $(#[$doc])* $field($($arg: $arg_t),*));)*
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __builder_setter {
    (set $(#[$doc:meta])* $field:ident($input:ident: $t:ty)) => {
        $(#[$doc])*
        pub fn $field(mut self, $input: $t) -> Self {
            self.$field = ::std::option::Option::Some($input.into());
            self
        }
    };
    (push $(#[$doc:meta])* $field:ident($input:ident: $t:ty)) => {
        $(#[$doc])*
        pub fn $field(mut self, $input: $t) -> Self {
            self.$field.get_or_insert_with(::std::vec::Vec::new).push($input.into());
            self
        }
    };
    (insert $(#[$doc:meta])* $field:ident($k:ident: $k_t:ty, $v:ident: $v_t:ty)) => {
        $(#[$doc])*
        pub fn $field(mut self, $k: $k_t, $v: $v_t) -> Self {
            self.$field.get_or_insert_with(::std::collections::HashMap::new).insert($k.into(), $v.into());
            self
        }
    };
}

/// In a builder's `build`, returns [`BuildError::missing_field`](crate::error::BuildError::missing_field)
/// for the first listed member that is not set: `self, "Shape"; field "Member"; ...`.
#[doc(hidden)]
#[macro_export]
macro_rules! require_members {
    ($this:ident, $shape:literal; $($field:ident $member:literal;)*) => {
        $(
            if $this.$field.is_none() {
                return ::std::result::Result::Err($crate::error::BuildError::missing_field($member, $shape));
            }
        )*
    };
}

/// The setter, `set_` and `get_` methods of a fluent builder (or waiter) whose input builder is
/// `self.inner`, each forwarding to the builder's method of the same name, in an `impl` of it:
/// one entry `/// docs` `field(arg: ArgType, ..) set_field get_field "Member": Type;` per member.
/// The docs go on the setter; `set_` and `get_` get the one-liners of [`builder_set_get`].
#[doc(hidden)]
#[macro_export]
macro_rules! fluent_setters {
    ($($(#[$doc:meta])* $field:ident($($arg:ident: $arg_t:ty),*) $set:ident $get:ident $member:literal: $t:ty;)*) => {
        $(
            $(#[$doc])*
            pub fn $field(mut self, $($arg: $arg_t),*) -> Self {
                self.inner = self.inner.$field($($arg),*);
                self
            }
            #[doc = concat!("Sets or unsets `", $member, "`.")]
            pub fn $set(mut self, input: ::std::option::Option<$t>) -> Self {
                self.inner = self.inner.$set(input);
                self
            }
            #[doc = concat!("`", $member, "` as set so far.")]
            pub fn $get(&self) -> &::std::option::Option<$t> {
                self.inner.$get()
            }
        )*
    };
}

#[cfg(test)]
mod tests {
    use crate::error::{ErrorMetadata, ModeledError, ProvideErrorMetadata, RequestId, Unhandled};

    #[derive(Debug)]
    struct WithMessage {
        message: Option<String>,
        meta: ErrorMetadata,
    }
    crate::impl_modeled_error!(WithMessage, "BadThing", optional message);

    #[derive(Debug)]
    struct WithoutMessage {
        meta: ErrorMetadata,
    }
    crate::impl_modeled_error!(WithoutMessage, "OtherThing", metadata);

    #[derive(Debug)]
    enum OpError {
        BadThing(WithMessage),
        Unhandled(Unhandled),
    }
    impl OpError {
        fn inner(&self) -> &dyn ModeledError {
            match self {
                Self::BadThing(e) => e,
                Self::Unhandled(e) => e,
            }
        }
    }
    crate::impl_error_enum!(OpError);

    #[derive(Debug, PartialEq)]
    enum Color {
        Red,
        Other(String),
    }
    impl Color {
        fn as_str(&self) -> &str {
            match self {
                Color::Red => "red",
                Color::Other(s) => s,
            }
        }
    }
    impl From<&str> for Color {
        fn from(s: &str) -> Self {
            if s == "red" { Color::Red } else { Color::Other(s.to_string()) }
        }
    }
    crate::impl_string_enum!(Color);

    fn meta(code: &str, message: Option<&str>) -> ErrorMetadata {
        ErrorMetadata::new(Some(code.into()), message.map(Into::into), Some("req-1".into()))
    }

    #[test]
    fn modeled_errors_display_code_and_message() {
        let e = WithMessage { message: Some("no such thing".into()), meta: meta("BadThing", Some("meta message")) };
        assert_eq!(e.to_string(), "BadThing: no such thing");
        assert_eq!(e.request_id(), Some("req-1"));
        assert_eq!(WithMessage::meta(&e).code(), Some("BadThing"), "the inherent accessor");
        let e = WithoutMessage { meta: meta("OtherThing", Some("from the body")) };
        assert_eq!(e.to_string(), "OtherThing: from the body");
        assert_eq!(WithoutMessage::meta(&e).message(), Some("from the body"));
        let e = WithMessage { message: None, meta: ErrorMetadata::default() };
        assert_eq!(e.to_string(), "BadThing");
    }

    #[test]
    fn error_enums_forward_to_their_variant() {
        let e = OpError::BadThing(WithMessage { message: Some("m".into()), meta: meta("BadThing", None) });
        assert_eq!(e.to_string(), "BadThing: m");
        assert_eq!(e.code(), Some("BadThing"));
        assert!(std::error::Error::source(&e).is_some());
        let u = OpError::Unhandled(Unhandled::new(meta("Weird", Some("?"))));
        assert_eq!(u.code(), Some("Weird"));
        assert_eq!(u.to_string(), "Weird: ? (request id req-1)");
    }

    #[test]
    fn string_enums_parse_print_and_borrow() {
        let c: Color = "red".parse().unwrap();
        assert_eq!(c, Color::Red);
        assert_eq!(format!("{}", Color::from("blue")), "blue");
        assert_eq!(AsRef::<str>::as_ref(&Color::Red), "red");
    }

    #[derive(Default)]
    struct Builder {
        name: Option<String>,
        tags: Option<Vec<String>>,
        attrs: Option<std::collections::HashMap<String, i32>>,
    }
    impl Builder {
        crate::builder_setters! {
            /// The name.
            name(input: impl Into<String>) set;
            tags(input: impl Into<String>) push;
            attrs(k: impl Into<String>, v: impl Into<i32>) insert;
        }
        crate::builder_set_get! {
            name set_name get_name "Name": String;
            tags set_tags get_tags "Tags": Vec<String>;
        }
        fn build(self) -> Result<Shape, crate::error::BuildError> {
            crate::require_members! { self, "Shape"; name "Name"; }
            Ok(Shape { name: self.name.unwrap_or_default(), tags: self.tags, count: 3 })
        }
    }

    struct Shape {
        name: String,
        tags: Option<Vec<String>>,
        count: i32,
    }
    impl Shape {
        crate::accessors! {
            name as_str: &str;
            tags slice: &[String];
            count copy: i32;
        }
    }

    #[test]
    fn builder_macros_set_append_insert_and_require() {
        let b = Builder::default().name("n").tags("a").tags("b").attrs("k", 1).attrs("l", 2);
        assert_eq!(b.get_name().as_deref(), Some("n"));
        assert_eq!(b.get_tags().as_deref(), Some(&["a".to_string(), "b".to_string()][..]));
        assert_eq!(b.attrs.as_ref().map(|m| m.len()), Some(2));
        let shape = b.set_tags(None).build().unwrap();
        assert_eq!((shape.name(), shape.tags(), shape.count()), ("n", &[][..], 3));
        let err = Builder::default().name("x").set_name(None).build().err().unwrap();
        assert!(err.to_string().contains("Name is required by Shape"), "{err}");
    }

    #[derive(Debug)]
    enum MacroOpError {
        BadThing(WithMessage),
        Unhandled(Unhandled),
    }
    impl MacroOpError {
        crate::error_variants! { BadThing is_bad_thing "BadThing"; }
    }
    crate::impl_error_enum!(MacroOpError);
    impl crate::error::FromErrorResponse for WithMessage {
        fn from_response(_: &crate::http::HttpResponse, meta: ErrorMetadata) -> Result<Self, crate::error::DeserializeError> {
            Ok(WithMessage { message: meta.message().map(str::to_string), meta })
        }
    }

    #[test]
    fn error_variants_pick_the_variant_by_code() {
        let response = crate::http::HttpResponse { status: 400, headers: crate::http::Headers::new(), body: Vec::new() };
        let e = MacroOpError::from_error_response(&response, meta("BadThing", Some("m"))).unwrap();
        assert!(e.is_bad_thing());
        assert_eq!(e.meta().code(), Some("BadThing"));
        let u = MacroOpError::from_error_response(&response, meta("Other", None)).unwrap();
        assert!(!u.is_bad_thing() && matches!(u, MacroOpError::Unhandled(_)));
    }
}
