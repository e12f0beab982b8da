//! Tests for json10 (filled in this session).
