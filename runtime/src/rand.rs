//! TODO(#2): rand
