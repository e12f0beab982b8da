//! Tests for xml21 (filled in this session).
