//! TODO(#2): orchestrator
