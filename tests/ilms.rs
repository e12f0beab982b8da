//! Tests for ilms (filled in this session).
