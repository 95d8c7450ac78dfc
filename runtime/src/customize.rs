//! Per-call customization, as the AWS SDK for Rust spells it: every fluent builder's
//! `.customize()` returns a [`CustomizableOperation`] that overrides configuration for that one
//! call (`config_override`) or changes its HTTP request before signing (`mutate_request`,
//! `map_request`), then `send()`s it.

use crate::client::{Handle, RequestHook};
use crate::config::ConfigBuilder;
use crate::error::{BuildError, SdkError};
use crate::http::HttpRequest;
use crate::operation::Operation;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// What the runtime needs from a generated fluent builder (implemented by
/// [`fluent_builder!`](crate::fluent_builder)): its operation, and the client and input it holds.
pub trait FluentBuilder: Sized {
    /// The operation the builder calls.
    type Operation: Operation;

    /// The client handle, and the input as built (or why it cannot be built).
    fn into_parts(self) -> (Handle, Result<<Self::Operation as Operation>::Input, BuildError>);
}

/// One call of an operation, configured before it is sent: the AWS SDK for Rust's
/// `client::customize::CustomizableOperation<T, E, B>`, with `T` the output, `E` the
/// operation's error and `B` the fluent builder it came from.
///
/// ```ignore
/// let out = client
///     .describe_app_instance()
///     .app_instance_arn(arn)
///     .customize()
///     .config_override(Config::builder().region(Region::new("eu-west-1")))
///     .mutate_request(|req| req.headers_mut().insert("x-trace", "abc"))
///     .send()
///     .await?;
/// ```
pub struct CustomizableOperation<T, E, B> {
    builder: B,
    config_override: Option<ConfigBuilder>,
    hooks: Vec<RequestHook>,
    _types: PhantomData<fn() -> (T, E)>,
}

impl<T, E, B: fmt::Debug> fmt::Debug for CustomizableOperation<T, E, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CustomizableOperation")
            .field("builder", &self.builder)
            .field("config_override", &self.config_override)
            .field("hooks", &self.hooks)
            .finish()
    }
}

impl<T, E, B> CustomizableOperation<T, E, B>
where
    B: FluentBuilder,
    B::Operation: Operation<Output = T, Error = E>,
{
    /// Wraps `builder` (what the generated `customize()` does).
    pub fn new(builder: B) -> Self {
        CustomizableOperation { builder, config_override: None, hooks: Vec::new(), _types: PhantomData }
    }

    /// Overrides configuration for this call only: the settings `config_override` was given
    /// (region, credentials provider, endpoint URL, retry and timeout settings, HTTP client,
    /// ...) replace the client's, the others stay. A second call replaces the first override,
    /// as in the AWS SDK. The client itself is unchanged.
    pub fn config_override(mut self, config_override: impl Into<ConfigBuilder>) -> Self {
        self.config_override = Some(config_override.into());
        self
    }

    /// Changes the HTTP request of every attempt before it is signed (so the signature covers
    /// the change). Each attempt starts from the request as serialized.
    pub fn mutate_request<F>(mut self, f: F) -> Self
    where
        F: Fn(&mut HttpRequest) + Send + Sync + 'static,
    {
        self.hooks.push(RequestHook::Mutate(Arc::new(f)));
        self
    }

    /// Replaces the HTTP request of every attempt before it is signed; an error ends the call
    /// with `SdkError::ConstructionFailure` carrying it.
    pub fn map_request<F, MapE>(mut self, f: F) -> Self
    where
        F: Fn(HttpRequest) -> Result<HttpRequest, MapE> + Send + Sync + 'static,
        MapE: std::error::Error + Send + Sync + 'static,
    {
        self.hooks.push(RequestHook::Map(Arc::new(move |r| f(r).map_err(Into::into))));
        self
    }

    /// Sends the request with the customizations.
    pub async fn send(self) -> Result<T, SdkError<E>> {
        let (handle, input) = self.builder.into_parts();
        let input = input.map_err(SdkError::construction_failure)?;
        let handle = match self.config_override {
            Some(o) => handle.with_config_override(o),
            None => handle,
        };
        handle.invoke_with_hooks::<B::Operation>(input, &self.hooks).await
    }
}
