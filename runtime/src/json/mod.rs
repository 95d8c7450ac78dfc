//! TODO(#2): json
