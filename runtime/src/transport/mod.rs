//! TODO(#2): transport
