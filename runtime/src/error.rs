//! TODO(#2): error
