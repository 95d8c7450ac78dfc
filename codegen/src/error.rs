//! Errors about the model. Each names the shape (or member) at fault and what is wrong, so a
//! maintainer can fix the model without reading generator code.

use std::fmt;

/// A problem with the input model, or a model feature the generator does not support.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError {
    /// The shape or member id (`ns#Shape$member`), or a JSON path when there is no shape yet;
    /// `file:line:column` for errors found in a model file at a known position.
    pub at: String,
    /// What is wrong.
    pub message: String,
    /// Where in which file, when known (IDL files).
    pub location: Option<Location>,
}

/// A position in a model file: 1-based line and column (counted in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

impl ModelError {
    /// An error located at `at`.
    pub fn new(at: impl fmt::Display, message: impl Into<String>) -> Self {
        Self { at: at.to_string(), message: message.into(), location: None }
    }

    /// An error at a position in a model file; `at` reads `file:line:column`.
    pub fn located(location: Location, message: impl Into<String>) -> Self {
        Self { at: location.to_string(), message: message.into(), location: Some(location) }
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
