//! TODO(#2): pagination
