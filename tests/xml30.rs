//! Tests for xml30 (filled in this session).
