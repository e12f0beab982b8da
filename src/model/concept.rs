use serde::{Deserialize, Serialize};

use super::{Item, MaintainableMeta, Representation};

/// A concept: the meaning a DSD component takes (`SEX`, `OBS_VALUE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concept {
    /// Id, names, parent and annotations.
    #[serde(flatten)]
    pub item: Item,
    /// The concept's own representation, used when a component gives none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub core_representation: Option<Representation>,
}

/// A concept scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConceptScheme {
    /// Identity, names and annotations.
    pub meta: MaintainableMeta,
    /// The concepts, in source order.
    pub concepts: Vec<Concept>,
}

impl ConceptScheme {
    /// The concept with this id.
    pub fn concept(&self, id: &str) -> Option<&Concept> {
        self.concepts.iter().find(|c| c.item.id == id)
    }
}
