//! One dataflow `ILO:DF_<INDICATOR>` per indicator, structured by `ILO:<INDICATOR>`.

use crate::model::{
    ArtefactClass, ArtefactRef, Dataflow, LocalisedText, MaintainableMeta, Version,
};

use super::{IlmsTable, Indicator};

/// A reference to the dataflow of an indicator.
pub(crate) fn dataflow_ref(t: &IlmsTable, ind: &Indicator, version: &Version) -> ArtefactRef {
    ArtefactRef::new(
        ArtefactClass::Dataflow,
        &t.agency,
        ind.dataflow_id(),
        version.clone(),
    )
}

/// Builds the dataflow of an indicator.
pub(crate) fn build(t: &IlmsTable, ind: &Indicator, version: &Version) -> Dataflow {
    let mut meta =
        MaintainableMeta::new(&t.agency, &ind.dataflow_id(), version.clone(), &ind.label);
    meta.is_final = Some(true);
    let source = t.source_kinds.get(&ind.source).map_or("", String::as_str);
    meta.descriptions = LocalisedText::en(format!(
        "ILMS indicator {}; key {}; usually reported from: {source}.",
        ind.id,
        ind.key()
    ));
    Dataflow {
        meta,
        structure: Some(ArtefactRef::new(
            ArtefactClass::DataStructure,
            &t.agency,
            &ind.id,
            version.clone(),
        )),
    }
}
