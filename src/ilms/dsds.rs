//! One DSD per indicator: REF_AREA, FREQ, MEASURE, the breakdowns, TIME_PERIOD;
//! OBS_VALUE; ILOSTAT's attributes.

use crate::model::{
    ArtefactClass, ArtefactRef, Attribute, AttributeRelationship, DataStructure, DataType,
    Dimension, DimensionKind, MaintainableMeta, Measure, Representation, TextFormat, UsageStatus,
    Version,
};

use super::concepts::scheme_ref;
use super::{Attach, IlmsTable, Indicator};

/// A reference to a codelist of the set.
pub(crate) fn codelist_ref(t: &IlmsTable, id: &str, version: &Version) -> ArtefactRef {
    ArtefactRef::new(ArtefactClass::Codelist, &t.agency, id, version.clone())
}

/// Builds the DSD `ILO:<INDICATOR>`.
pub(crate) fn build(t: &IlmsTable, ind: &Indicator, version: &Version) -> DataStructure {
    let cs = scheme_ref(t, version);
    let coded = |cl: &str| Some(Representation::coded(codelist_ref(t, cl, version)));
    let mut dims: Vec<(String, Option<Representation>, DimensionKind)> = t
        .dsd
        .dimensions
        .iter()
        .map(|d| {
            (
                d.id.clone(),
                d.codelist.as_deref().and_then(coded),
                DimensionKind::Dimension,
            )
        })
        .collect();
    for b in &ind.breakdowns {
        // The table check guarantees every breakdown is defined.
        let cl = t.breakdowns.get(b).map(|d| d.codelist.as_str());
        dims.push((b.clone(), cl.and_then(coded), DimensionKind::Dimension));
    }
    dims.push((
        t.dsd.time.id.clone(),
        Some(Representation::text(TextFormat::of(
            DataType::ObservationalTimePeriod,
        ))),
        DimensionKind::Time,
    ));
    let dimensions = dims
        .into_iter()
        .enumerate()
        .map(|(i, (id, representation, kind))| Dimension {
            concept: Some(cs.item(&id)),
            id,
            position: i as u32 + 1,
            kind,
            representation,
            roles: Vec::new(),
            annotations: Vec::new(),
        })
        .collect();
    let attributes = t
        .dsd
        .attributes
        .iter()
        .map(|a| {
            let representation = match (&a.codelist, a.max_length, &a.data_type) {
                (Some(cl), _, _) => coded(cl),
                (None, Some(len), _) => Some(Representation::text(TextFormat {
                    data_type: Some(DataType::String),
                    max_length: Some(len),
                    ..Default::default()
                })),
                // The table check guarantees a valid type name.
                (None, None, Some(ty)) => ty
                    .parse::<DataType>()
                    .ok()
                    .map(|d| Representation::text(TextFormat::of(d))),
                (None, None, None) => None,
            };
            Attribute {
                id: a.id.clone(),
                concept: Some(cs.item(&a.id)),
                representation,
                usage: UsageStatus::Conditional,
                relationship: match &a.attach {
                    Attach::Level(_) => AttributeRelationship::Observation,
                    Attach::Dimensions(d) => AttributeRelationship::Dimensions {
                        dimensions: d.clone(),
                        attachment_groups: Vec::new(),
                    },
                },
                measures: Vec::new(),
                roles: Vec::new(),
                annotations: Vec::new(),
            }
        })
        .collect();
    let measure = Measure {
        id: t.dsd.measure.id.clone(),
        concept: Some(cs.item(&t.dsd.measure.id)),
        representation: Some(Representation::text(TextFormat::of(DataType::Double))),
        usage: UsageStatus::Conditional,
        roles: Vec::new(),
        annotations: Vec::new(),
    };
    let mut meta = MaintainableMeta::new(&t.agency, &ind.id, version.clone(), &ind.label);
    meta.is_final = Some(true);
    DataStructure {
        meta,
        dimensions,
        attributes,
        measures: vec![measure],
        groups: Vec::new(),
        metadata_structure: None,
    }
}
