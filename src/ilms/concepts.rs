//! The concept scheme CS_ILOSTAT: one concept per DSD component.

use crate::model::{
    ArtefactClass, ArtefactRef, Concept, ConceptScheme, Item, MaintainableMeta, Version,
};

use super::IlmsTable;

/// The concept scheme's id.
pub(crate) const SCHEME_ID: &str = "CS_ILOSTAT";

/// A reference to CS_ILOSTAT.
pub(crate) fn scheme_ref(t: &IlmsTable, version: &Version) -> ArtefactRef {
    ArtefactRef::new(
        ArtefactClass::ConceptScheme,
        &t.agency,
        SCHEME_ID,
        version.clone(),
    )
}

/// Every component of the table as `(id, name)`, in key order then measure and
/// attributes: the concepts the DSDs refer to.
pub(crate) fn components(t: &IlmsTable) -> Vec<(&str, &str)> {
    let mut out: Vec<(&str, &str)> = t
        .dsd
        .dimensions
        .iter()
        .map(|d| (d.id.as_str(), d.name.as_str()))
        .collect();
    out.extend(
        t.breakdowns
            .iter()
            .map(|(id, b)| (id.as_str(), b.name.as_str())),
    );
    out.push((&t.dsd.time.id, &t.dsd.time.name));
    out.push((&t.dsd.measure.id, &t.dsd.measure.name));
    out.extend(
        t.dsd
            .attributes
            .iter()
            .map(|a| (a.id.as_str(), a.name.as_str())),
    );
    out
}

/// Builds CS_ILOSTAT.
pub(crate) fn build(t: &IlmsTable, version: &Version) -> ConceptScheme {
    let mut meta = MaintainableMeta::new(&t.agency, SCHEME_ID, version.clone(), "ILOSTAT concepts");
    meta.is_final = Some(true);
    ConceptScheme {
        meta,
        concepts: components(t)
            .into_iter()
            .map(|(id, name)| Concept {
                item: Item::new(id, name),
                core_representation: None,
            })
            .collect(),
    }
}
