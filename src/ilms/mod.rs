//! The ILMS structure set (placeholder, built this session).
