//! TODO(#2): time
