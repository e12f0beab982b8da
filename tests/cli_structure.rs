//! Tests for cli_structure (filled in this session).
