//! Placeholder replaced by the registry (work in progress this session).

use crate::model::Structures;

/// The loaded, resolved structures.
#[derive(Debug, Default)]
pub struct Registry {
    /// All artefacts.
    pub structures: Structures,
}
