//! TODO(#2): endpoint
