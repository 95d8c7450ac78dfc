//! TODO(#2): sigv4
