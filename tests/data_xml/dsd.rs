//! DSDs for the SDMX-ML data tests, built in code from what the fixtures use.

use sdmx_gateway::model::{
    Attribute, AttributeRelationship, DataStructure, Dimension, DimensionKind, Group,
    MaintainableMeta, Measure, UsageStatus,
};

fn dim(id: &str, position: u32, kind: DimensionKind) -> Dimension {
    Dimension {
        id: id.to_owned(),
        position,
        kind,
        concept: None,
        representation: None,
        roles: Vec::new(),
        annotations: Vec::new(),
    }
}

fn attr(id: &str, relationship: AttributeRelationship) -> Attribute {
    Attribute {
        id: id.to_owned(),
        concept: None,
        representation: None,
        usage: UsageStatus::Conditional,
        relationship,
        measures: Vec::new(),
        roles: Vec::new(),
        annotations: Vec::new(),
    }
}

fn measure(id: &str) -> Measure {
    Measure {
        id: id.to_owned(),
        concept: None,
        representation: None,
        usage: UsageStatus::Conditional,
        roles: Vec::new(),
        annotations: Vec::new(),
    }
}

fn on(dims: &[&str]) -> AttributeRelationship {
    AttributeRelationship::Dimensions {
        dimensions: dims.iter().map(|d| d.to_string()).collect(),
        attachment_groups: Vec::new(),
    }
}

/// A DSD with `dims` (then `TIME_PERIOD` when `time`), `attrs` and `measures`.
pub fn build(
    agency: &str,
    id: &str,
    dims: &[&str],
    time: bool,
    attrs: Vec<Attribute>,
    measures: &[&str],
    groups: Vec<Group>,
) -> DataStructure {
    let mut dimensions: Vec<Dimension> = dims
        .iter()
        .enumerate()
        .map(|(i, d)| dim(d, i as u32 + 1, DimensionKind::Dimension))
        .collect();
    if time {
        dimensions.push(dim(
            "TIME_PERIOD",
            dims.len() as u32 + 1,
            DimensionKind::Time,
        ));
    }
    DataStructure {
        meta: MaintainableMeta::new(agency, id, "1.0".parse().unwrap(), id),
        dimensions,
        attributes: attrs,
        measures: measures.iter().map(|m| measure(m)).collect(),
        groups,
        metadata_structure: None,
    }
}

/// ECB:ECB_EXR1(1.0) as far as the TCK and SDMX 3.0 samples use it.
pub fn ecb_exr() -> DataStructure {
    let series = [
        "FREQ",
        "CURRENCY",
        "CURRENCY_DENOM",
        "EXR_TYPE",
        "EXR_SUFFIX",
    ];
    let mut attrs: Vec<Attribute> = [
        "TIME_FORMAT",
        "COLLECTION",
        "DECIMALS",
        "SOURCE_AGENCY",
        "TITLE",
        "TITLE_COMPL",
        "UNIT",
        "UNIT_MULT",
    ]
    .iter()
    .map(|a| attr(a, on(&series)))
    .collect();
    attrs.push(attr("OBS_STATUS", AttributeRelationship::Observation));
    attrs.push(attr("CONF_STATUS_OBS", AttributeRelationship::Observation));
    build(
        "ECB",
        "ECB_EXR1",
        &series,
        true,
        attrs,
        &["OBS_VALUE"],
        Vec::new(),
    )
}

/// BIS:LBS(1.0) as the TCK's `DataDimenstionAtObservationDimension.xml` uses it.
pub fn bis_lbs() -> DataStructure {
    let dims = [
        "FREQ",
        "MEASURE",
        "POSITION",
        "INSTR",
        "CURRDENOM",
        "CURRTYPE",
        "PARENTCOUNTRY",
        "REP_BANK_TYPE",
        "REPCOUNTRY",
        "CP_SECTOR",
        "CP_COUNTRY",
    ];
    let attrs = [
        "CONF_STATUS",
        "DECIMALS",
        "OBS_COMMENT",
        "OBS_STATUS",
        "TIME_FORMAT",
        "UNIT_MULT",
    ]
    .iter()
    .map(|a| attr(a, AttributeRelationship::Observation))
    .collect();
    build("BIS", "LBS", &dims, true, attrs, &["OBS_VALUE"], Vec::new())
}

/// A small ILMS-shaped DSD: REF_AREA, SEX, TIME_PERIOD; a dataset attribute, a
/// sibling-group attribute, a series attribute and an observation attribute.
pub fn ilms() -> DataStructure {
    let attrs = vec![
        attr("SOURCE", AttributeRelationship::None),
        attr(
            "UNIT_MEASURE",
            AttributeRelationship::Group("SIBLING".into()),
        ),
        attr("UNIT_MULT", on(&["REF_AREA", "SEX"])),
        attr("OBS_STATUS", AttributeRelationship::Observation),
    ];
    let groups = vec![Group {
        id: "SIBLING".into(),
        dimensions: vec!["REF_AREA".into()],
        attachment_constraint: None,
        annotations: Vec::new(),
    }];
    build(
        "ILO",
        "DSD_ILMS",
        &["REF_AREA", "SEX"],
        true,
        attrs,
        &["OBS_VALUE"],
        groups,
    )
}

/// The ILMS DSD with a second measure (SDMX 3.0 multiple measures).
pub fn ilms_two_measures() -> DataStructure {
    let mut d = ilms();
    d.measures.push(measure("OBS_VALUE_LOW"));
    d
}
