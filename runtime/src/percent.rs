//! TODO(#2): percent
