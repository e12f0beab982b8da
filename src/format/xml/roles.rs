//! What each component id of a DSD is, for telling structure-specific XML
//! attributes apart (they all look alike: `ID="value"`).

use crate::model::DataStructure;

/// The kind of a DSD component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// A dimension (key).
    Dimension,
    /// A data attribute.
    Attribute,
    /// A measure.
    Measure,
}

/// Component ids with their role; a short list scanned linearly, which beats
/// hashing for the dozen or so components of a typical DSD.
#[derive(Debug, Clone, Default)]
pub(crate) struct Roles {
    items: Vec<(String, Role)>,
}

impl Roles {
    /// The roles of every component of `dsd`.
    pub(crate) fn of(dsd: &DataStructure) -> Self {
        let mut items = Vec::new();
        items.extend(
            dsd.dimensions
                .iter()
                .map(|d| (d.id.clone(), Role::Dimension)),
        );
        items.extend(dsd.measures.iter().map(|m| (m.id.clone(), Role::Measure)));
        items.extend(
            dsd.attributes
                .iter()
                .map(|a| (a.id.clone(), Role::Attribute)),
        );
        Roles { items }
    }

    /// The role of `id`, trying index `*hint` first and leaving there the index
    /// found: elements repeat their attributes in the same order, so a hint
    /// per attribute position almost always hits.
    pub(crate) fn get_hinted(&self, id: &str, hint: &mut u16) -> Option<Role> {
        if let Some((i, r)) = self.items.get(*hint as usize)
            && i == id
        {
            return Some(*r);
        }
        let found = self.items.iter().position(|(i, _)| i == id)?;
        *hint = found as u16;
        Some(self.items[found].1)
    }

    /// The role of `id`, `None` when the DSD has no such component.
    pub(crate) fn get(&self, id: &str) -> Option<Role> {
        self.items
            .iter()
            .find(|(i, _)| i.len() == id.len() && i == id)
            .map(|(_, r)| *r)
    }
}
