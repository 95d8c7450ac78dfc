//! TODO(#2): region
