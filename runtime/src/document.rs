//! TODO(#2): document
