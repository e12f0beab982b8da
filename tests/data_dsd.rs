//! DSDs built in code for the data-format tests (SDMX-CSV, SDMX-JSON).
#![allow(dead_code)]

use sdmx_gateway::model::{
    ArtefactClass, ArtefactRef, Attribute, AttributeRelationship, DataStructure, Dimension,
    DimensionKind, MaintainableMeta, Measure, Representation, UsageStatus, Version,
};

fn codelist(id: &str) -> Option<Representation> {
    Some(Representation::coded(ArtefactRef::new(
        ArtefactClass::Codelist,
        "TEST",
        id,
        "1.0".parse::<Version>().unwrap(),
    )))
}

fn dim(id: &str, position: u32, kind: DimensionKind) -> Dimension {
    Dimension {
        id: id.to_owned(),
        position,
        kind,
        concept: None,
        representation: if kind == DimensionKind::Time {
            None
        } else {
            codelist(&format!("CL_{id}"))
        },
        roles: Vec::new(),
        annotations: Vec::new(),
    }
}

fn attr(id: &str, coded: bool, relationship: AttributeRelationship) -> Attribute {
    Attribute {
        id: id.to_owned(),
        concept: None,
        representation: if coded {
            codelist(&format!("CL_{id}"))
        } else {
            None
        },
        usage: UsageStatus::Conditional,
        relationship,
        measures: Vec::new(),
        roles: Vec::new(),
        annotations: Vec::new(),
    }
}

fn series_dims(ids: &[&str]) -> AttributeRelationship {
    AttributeRelationship::Dimensions {
        dimensions: ids.iter().map(|s| s.to_string()).collect(),
        attachment_groups: Vec::new(),
    }
}

fn dsd(agency: &str, id: &str, dims: &[&str], time: &str, attrs: Vec<Attribute>) -> DataStructure {
    let mut dimensions: Vec<Dimension> = dims
        .iter()
        .enumerate()
        .map(|(i, d)| dim(d, i as u32 + 1, DimensionKind::Dimension))
        .collect();
    dimensions.push(dim(time, dims.len() as u32 + 1, DimensionKind::Time));
    DataStructure {
        meta: MaintainableMeta::new(agency, id, "1.0".parse().unwrap(), id),
        dimensions,
        attributes: attrs,
        measures: vec![Measure {
            id: "OBS_VALUE".to_owned(),
            concept: None,
            representation: None,
            usage: UsageStatus::Conditional,
            roles: Vec::new(),
            annotations: Vec::new(),
        }],
        groups: Vec::new(),
        metadata_structure: None,
    }
}

/// An ILMS-shaped DSD: FREQ, REF_AREA, SEX, TIME_PERIOD; OBS_VALUE; UNIT_MEASURE
/// (dataset), TITLE (series, free text), OBS_STATUS (observation, coded).
pub fn ilms() -> DataStructure {
    dsd(
        "ILO",
        "DSD_TEST",
        &["FREQ", "REF_AREA", "SEX"],
        "TIME_PERIOD",
        vec![
            attr("UNIT_MEASURE", true, AttributeRelationship::None),
            attr("TITLE", false, series_dims(&["FREQ", "REF_AREA", "SEX"])),
            attr("OBS_STATUS", true, AttributeRelationship::Observation),
        ],
    )
}

/// The ECB EXR DSD as the SDMX-JSON samples use it (FREQ, CURRENCY,
/// CURRENCY_DENOM, EXR_TYPE, EXR_SUFFIX, TIME_PERIOD; TIME_FORMAT, TITLE,
/// OBS_STATUS).
pub fn ecb_exr() -> DataStructure {
    let dims = [
        "FREQ",
        "CURRENCY",
        "CURRENCY_DENOM",
        "EXR_TYPE",
        "EXR_SUFFIX",
    ];
    dsd(
        "ECB",
        "ECB_EXR1",
        &dims,
        "TIME_PERIOD",
        vec![
            attr("TIME_FORMAT", true, AttributeRelationship::None),
            attr("TITLE", false, series_dims(&dims)),
            attr("OBS_STATUS", true, AttributeRelationship::Observation),
        ],
    )
}

/// The DSD of the SDMX-CSV field guides' examples: DIM_1, DIM_2, DIM_3 (time);
/// OBS_VALUE; ATTR_1 (observation, coded), ATTR_2 (series, coded), ATTR_3
/// (dataset, free text).
pub fn field_guide() -> DataStructure {
    dsd(
        "ESTAT",
        "NA_MAIN",
        &["DIM_1", "DIM_2"],
        "DIM_3",
        vec![
            attr("ATTR_1", true, AttributeRelationship::Observation),
            attr("ATTR_2", true, series_dims(&["DIM_1", "DIM_2"])),
            attr("ATTR_3", false, AttributeRelationship::None),
        ],
    )
}
