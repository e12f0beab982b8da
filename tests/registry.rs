//! Tests for registry (filled in this session).
