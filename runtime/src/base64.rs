//! TODO(#2): base64
