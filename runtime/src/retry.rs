//! TODO(#2): retry
