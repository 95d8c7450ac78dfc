//! Errors about the model. Each names the shape (or member) at fault and what is wrong, so a
//! maintainer can fix the model without reading generator code.

use std::fmt;

/// A problem with the input model, or a model feature the generator does not support.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError {
    /// The shape or member id (`ns#Shape$member`), or a JSON path when there is no shape yet.
    pub at: String,
    /// What is wrong.
    pub message: String,
}

impl ModelError {
    /// An error located at `at`.
    pub fn new(at: impl fmt::Display, message: impl Into<String>) -> Self {
        Self { at: at.to_string(), message: message.into() }
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

impl std::error::Error for ModelError {}

/// Shorthand for results of the generator's stages.
pub type Result<T, E = ModelError> = std::result::Result<T, E>;

/// Builds a [`ModelError`] and returns it from the enclosing function.
macro_rules! bail_at {
    ($at:expr, $($fmt:tt)+) => {
        return Err($crate::error::ModelError::new(&$at, format!($($fmt)+)))
    };
}
pub(crate) use bail_at;
