//! The validation engine: every rule broken once with its code and location
//! asserted, and passed once; reports; the CLI; the TCK sample's known defects.
//!
//! Messages are fed as events from a scripted reader whose position is the
//! 1-based number of the event just read (reported as "line"), so a finding's
//! line tells which event raised it: 1 = header, 2 = dataset, 3 = first series…

use std::collections::HashSet;
use std::io::Cursor;

use sdmx_gateway::data::{
    Action, CollectSink, DataEvent, DataReader, DataSetHeader, Header, Obs, ObsDimension, Position,
    SeriesKey, StructureUse, Values, pump,
};
use sdmx_gateway::format::{DataFormat, ReadOptions, open_reader};
use sdmx_gateway::model::{
    Annotation, ArtefactClass, ArtefactRef, Attribute, AttributeRelationship, Code, Codelist,
    Concept, ConceptScheme, ConstraintAttachment, ConstraintRole, ContentConstraint, CubeRegion,
    DataKey, DataKeySet, DataStructure, DataType, Dataflow, Dimension, DimensionKind, Item,
    ItemRef, MaintainableMeta, Measure, MemberSelection, Representation, SelectionValue,
    Structures, TextFormat, TimeRange, TimeRangeBound, UsageStatus, Version,
};
use sdmx_gateway::structure::Registry;
use sdmx_gateway::validate::render::{self, ReportFormat};
use sdmx_gateway::validate::{Options, Report, Rule, Schema, SchemaParts, Validator, validate};

use crate::util;

// ------------------------------------------------------------------ structures

fn v1() -> Version {
    "1.0".parse().unwrap()
}

fn cl_ref(id: &str) -> ArtefactRef {
    ArtefactRef::new(ArtefactClass::Codelist, "ILO", id, v1())
}

fn codelist(id: &str, codes: &[&str]) -> Codelist {
    Codelist {
        meta: MaintainableMeta::new("ILO", id, v1(), id),
        is_partial: None,
        codes: codes
            .iter()
            .map(|c| {
                let mut code = Code::new(c, c);
                if c.ends_with("_T") || c.ends_with("_TOTAL") {
                    code.annotations.push(Annotation::typed("IS_TOTAL", "true"));
                }
                code
            })
            .collect(),
    }
}

fn concept(id: &str) -> Option<ItemRef> {
    Some(ArtefactRef::new(ArtefactClass::ConceptScheme, "ILO", "CS_T", v1()).item(id))
}

/// The concepts the test DSDs use (SDMX-ML 2.1 requires one per component).
fn concepts() -> ConceptScheme {
    let ids = [
        "REF_AREA",
        "FREQ",
        "MEASURE",
        "SEX",
        "ECO",
        "TIME_PERIOD",
        "REPORTING_ORG",
        "SOURCE",
        "UNIT_MULT",
        "OBS_STATUS",
        "DECIMALS",
        "LOWER_BOUND",
        "OBS_VALUE",
    ];
    ConceptScheme {
        meta: MaintainableMeta::new("ILO", "CS_T", v1(), "concepts"),
        concepts: ids
            .iter()
            .map(|id| Concept {
                item: Item::new(id, id),
                core_representation: None,
            })
            .collect(),
    }
}

fn dim(id: &str, position: u32, kind: DimensionKind, rep: Representation) -> Dimension {
    Dimension {
        id: id.into(),
        position,
        kind,
        concept: concept(id),
        representation: Some(rep),
        roles: vec![],
        annotations: vec![],
    }
}

fn attr(
    id: &str,
    usage: UsageStatus,
    relationship: AttributeRelationship,
    rep: Representation,
) -> Attribute {
    Attribute {
        id: id.into(),
        concept: concept(id),
        representation: Some(rep),
        usage,
        relationship,
        measures: vec![],
        roles: vec![],
        annotations: vec![],
    }
}

const KEY_DIMS: [&str; 5] = ["REF_AREA", "FREQ", "MEASURE", "SEX", "ECO"];

fn series_level() -> AttributeRelationship {
    AttributeRelationship::Dimensions {
        dimensions: KEY_DIMS.iter().map(|d| d.to_string()).collect(),
        attachment_groups: vec![],
    }
}

/// An ILMS-like DSD `ILO:DSD_T(1.0)`: five coded key dimensions and
/// TIME_PERIOD; a mandatory dataset attribute REPORTING_ORG (pattern
/// `[A-Z]{3}`), a mandatory series attribute SOURCE (at most 10 characters),
/// coded UNIT_MULT (series) and OBS_STATUS (observation), DECIMALS (Integer
/// 0..9) and LOWER_BOUND (Decimal, 1 decimal) at observation level; OBS_VALUE
/// Double.
fn dsd() -> DataStructure {
    let coded = |id: &str| Representation::coded(cl_ref(id));
    let text = |tf: TextFormat| Representation::text(tf);
    DataStructure {
        meta: MaintainableMeta::new("ILO", "DSD_T", v1(), "test"),
        dimensions: vec![
            dim("REF_AREA", 1, DimensionKind::Dimension, coded("CL_AREA")),
            dim("FREQ", 2, DimensionKind::Dimension, coded("CL_FREQ")),
            dim("MEASURE", 3, DimensionKind::Dimension, coded("CL_MEASURE")),
            dim("SEX", 4, DimensionKind::Dimension, coded("CL_SEX")),
            dim("ECO", 5, DimensionKind::Dimension, coded("CL_ECO")),
            dim(
                "TIME_PERIOD",
                6,
                DimensionKind::Time,
                text(TextFormat::of(DataType::ObservationalTimePeriod)),
            ),
        ],
        attributes: vec![
            attr(
                "REPORTING_ORG",
                UsageStatus::Mandatory,
                AttributeRelationship::None,
                text(TextFormat {
                    pattern: Some("[A-Z]{3}".into()),
                    ..Default::default()
                }),
            ),
            attr(
                "SOURCE",
                UsageStatus::Mandatory,
                series_level(),
                text(TextFormat {
                    max_length: Some(10),
                    ..Default::default()
                }),
            ),
            attr(
                "UNIT_MULT",
                UsageStatus::Conditional,
                series_level(),
                coded("CL_UNIT_MULT"),
            ),
            attr(
                "OBS_STATUS",
                UsageStatus::Conditional,
                AttributeRelationship::Observation,
                coded("CL_OBS_STATUS"),
            ),
            attr(
                "DECIMALS",
                UsageStatus::Conditional,
                AttributeRelationship::Observation,
                text(TextFormat {
                    data_type: Some(DataType::Integer),
                    min_value: Some("0".into()),
                    max_value: Some("9".into()),
                    ..Default::default()
                }),
            ),
            attr(
                "LOWER_BOUND",
                UsageStatus::Conditional,
                AttributeRelationship::Observation,
                text(TextFormat {
                    data_type: Some(DataType::Decimal),
                    decimals: Some(1),
                    ..Default::default()
                }),
            ),
        ],
        measures: vec![Measure {
            id: "OBS_VALUE".into(),
            concept: concept("OBS_VALUE"),
            representation: Some(text(TextFormat::of(DataType::Double))),
            usage: UsageStatus::Conditional,
            roles: vec![],
            annotations: vec![],
        }],
        groups: vec![],
        metadata_structure: None,
    }
}

fn codelists() -> Vec<Codelist> {
    // As in ILOSTAT's CL_ECO, categories hang under a heading code naming the
    // classification version.
    let mut eco = codelist(
        "CL_ECO",
        &[
            "ECO_ISIC4",
            "ECO_ISIC4_TOTAL",
            "ECO_ISIC4_A",
            "ECO_ISIC4_B",
            "ECO_ISIC3_TOTAL",
            "ECO_ISIC3_A",
        ],
    );
    for c in &mut eco.codes {
        if c.id == "ECO_ISIC4_A" || c.id == "ECO_ISIC4_B" {
            c.parent = Some("ECO_ISIC4".into());
        }
    }
    // PHL and THA lie in the ASEAN aggregate X84; IND does not.
    let mut area = codelist("CL_AREA", &["PHL", "THA", "X84", "IND"]);
    for c in &mut area.codes {
        if c.id == "PHL" || c.id == "THA" {
            c.parent = Some("X84".into());
        }
    }
    vec![
        area,
        codelist("CL_FREQ", &["A", "Q", "M"]),
        codelist("CL_MEASURE", &["MST_TEMP_NB", "MST_TEMP_RT"]),
        codelist("CL_SEX", &["SEX_T", "SEX_M", "SEX_F", "SEX_O"]),
        eco,
        codelist("CL_UNIT_MULT", &["0", "3", "6"]),
        codelist("CL_OBS_STATUS", &["A", "E"]),
    ]
}

fn dataflow() -> Dataflow {
    Dataflow {
        meta: MaintainableMeta::new("ILO", "DF_T", v1(), "test flow"),
        structure: Some(dsd().meta.reference(ArtefactClass::DataStructure)),
    }
}

fn sel(component: &str, values: &[&str]) -> MemberSelection {
    MemberSelection {
        component: component.into(),
        include: true,
        values: values.iter().map(|v| SelectionValue::new(*v)).collect(),
        time_range: None,
    }
}

fn bound(p: &str) -> TimeRangeBound {
    TimeRangeBound {
        period: p.into(),
        inclusive: true,
    }
}

/// Allowed on DF_T: REF_AREA PHL or THA, TIME_PERIOD 2000 to 2025; excluded:
/// THA with SEX_O.
fn constraint() -> ContentConstraint {
    ContentConstraint {
        meta: MaintainableMeta::new("ILO", "CR_T", v1(), "allowed"),
        role: ConstraintRole::Allowed,
        attachment: ConstraintAttachment {
            dataflows: vec![dataflow().meta.reference(ArtefactClass::Dataflow)],
            ..Default::default()
        },
        cube_regions: vec![
            CubeRegion {
                include: true,
                key_values: vec![
                    sel("REF_AREA", &["PHL", "THA"]),
                    MemberSelection {
                        component: "TIME_PERIOD".into(),
                        include: true,
                        values: vec![],
                        time_range: Some(TimeRange::Between {
                            start: bound("2000"),
                            end: bound("2025"),
                        }),
                    },
                ],
                attributes: vec![],
            },
            CubeRegion {
                include: false,
                key_values: vec![sel("REF_AREA", &["THA"]), sel("SEX", &["SEX_O"])],
                attributes: vec![],
            },
        ],
        data_key_sets: vec![],
    }
}

fn schema_from(dsd: &DataStructure, constraints: &[ContentConstraint]) -> Schema {
    let cls = codelists();
    let cl_refs: Vec<&Codelist> = cls.iter().collect();
    let c_refs: Vec<&ContentConstraint> = constraints.iter().collect();
    let df = dataflow();
    Schema::from_parts(SchemaParts {
        dsd,
        dataflow: Some(&df),
        agreement: None,
        codelists: &cl_refs,
        concept_schemes: &[],
        constraints: &c_refs,
    })
}

fn schema() -> Schema {
    schema_from(&dsd(), &[constraint()])
}

// ------------------------------------------------------------------ messages

enum Ev {
    H(Header),
    D(DataSetHeader),
    S(SeriesKey),
    O(Obs),
    E,
}

/// A reader over scripted events; its position is the number of the event
/// just read.
struct Script {
    evs: Vec<Ev>,
    at: usize,
}

impl DataReader for Script {
    fn next_event(&mut self) -> Result<Option<DataEvent<'_>>, sdmx_gateway::data::DataError> {
        if self.at >= self.evs.len() {
            return Ok(None);
        }
        self.at += 1;
        Ok(Some(match &self.evs[self.at - 1] {
            Ev::H(h) => DataEvent::Header(h),
            Ev::D(d) => DataEvent::DataSet(d),
            Ev::S(s) => DataEvent::Series(s),
            Ev::O(o) => DataEvent::Obs(o),
            Ev::E => DataEvent::EndDataSet,
        }))
    }

    fn position(&self) -> Position {
        Position {
            source: "msg".into(),
            line: self.at as u64,
            column: 1,
            record: 0,
        }
    }
}

fn vals(pairs: &[(&str, &str)]) -> Values {
    pairs.iter().copied().collect()
}

/// The clean key PHL.A.MST_TEMP_NB.SEX_T.ECO_ISIC4_TOTAL with some values replaced
/// (a value "" removes the dimension; unknown ids are appended).
fn key(changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut k: Vec<(String, String)> = [
        ("REF_AREA", "PHL"),
        ("FREQ", "A"),
        ("MEASURE", "MST_TEMP_NB"),
        ("SEX", "SEX_T"),
        ("ECO", "ECO_ISIC4_TOTAL"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    for (id, v) in changes {
        match k.iter_mut().find(|(i, _)| i == id) {
            Some(slot) => slot.1 = v.to_string(),
            None => k.push((id.to_string(), v.to_string())),
        }
    }
    k.retain(|(_, v)| !v.is_empty());
    k
}

struct Msg {
    evs: Vec<Ev>,
}

impl Msg {
    /// Header (event 1) and a Merge dataset with REPORTING_ORG=ILO (event 2).
    fn new() -> Msg {
        Msg::with_action(Action::Merge)
    }

    fn with_action(action: Action) -> Msg {
        Msg {
            evs: vec![
                Ev::H(Header {
                    structure: Some(StructureUse::Dataflow(
                        dataflow().meta.reference(ArtefactClass::Dataflow),
                    )),
                    ..Header::default()
                }),
                Ev::D(DataSetHeader {
                    structure: None,
                    action,
                    dimension_at_observation: ObsDimension::Time,
                    attributes: vals(&[("REPORTING_ORG", "ILO")]),
                    extra: Values::new(),
                }),
            ],
        }
    }

    /// A series with SOURCE=LFS and UNIT_MULT=3 plus `attrs`.
    fn series(self, changes: &[(&str, &str)]) -> Msg {
        self.series_attrs(changes, &[("SOURCE", "LFS"), ("UNIT_MULT", "3")])
    }

    fn series_attrs(mut self, changes: &[(&str, &str)], attrs: &[(&str, &str)]) -> Msg {
        let k = key(changes);
        let mut key = Values::new();
        for (i, v) in &k {
            key.push(i, v);
        }
        self.evs.push(Ev::S(SeriesKey {
            key,
            attributes: vals(attrs),
        }));
        self
    }

    fn obs(self, period: &str, value: &str) -> Msg {
        self.obs_attrs(period, value, &[])
    }

    fn obs_attrs(mut self, period: &str, value: &str, attrs: &[(&str, &str)]) -> Msg {
        let measures = if value.is_empty() {
            Values::new()
        } else {
            vals(&[("OBS_VALUE", value)])
        };
        self.evs.push(Ev::O(Obs {
            key: vals(&[("TIME_PERIOD", period)]),
            measures,
            attributes: vals(attrs),
        }));
        self
    }

    fn push(mut self, ev: Ev) -> Msg {
        self.evs.push(ev);
        self
    }

    fn end(mut self) -> Vec<Ev> {
        self.evs.push(Ev::E);
        self.evs
    }
}

fn run_with(schema: &Schema, opts: Options, evs: Vec<Ev>) -> Report {
    let mut reader = Script { evs, at: 0 };
    let mut v = Validator::new(schema, opts);
    validate(&mut reader, &mut v).unwrap();
    v.into_report()
}

fn run(evs: Vec<Ev>) -> Report {
    run_with(&schema(), Options::default(), evs)
}

/// The one finding of the report: its rule and event number.
#[track_caller]
fn only(report: &Report) -> (Rule, u64) {
    assert_eq!(
        report.findings.len(),
        1,
        "expected exactly one finding, got {:#?}",
        report.findings
    );
    let f = &report.findings[0];
    (f.rule, f.location.position.as_ref().map_or(0, |p| p.line))
}

#[track_caller]
fn clean(report: &Report) {
    assert!(
        report.findings.is_empty() && report.counts.is_empty(),
        "expected no finding, got {:#?}",
        report.findings
    );
}

fn good() -> Msg {
    Msg::new().series(&[]).obs("2020", "100").obs("2021", "110")
}

// ------------------------------------------------------------------ tests

#[test]
fn clean_ilms_message_has_no_finding() {
    let r = run(good()
        .series(&[("SEX", "SEX_M")])
        .obs("2020", "40")
        .series(&[("SEX", "SEX_F")])
        .obs("2020", "60")
        .obs_attrs("2021", "NaN", &[("OBS_STATUS", "E"), ("DECIMALS", "1")])
        .end());
    clean(&r);
    assert!(r.is_valid());
    assert_eq!(r.summary.observations, 5);
    assert_eq!(r.summary.series, 3);
}

#[test]
fn e001_header_fields() {
    let mut evs = good().end();
    if let Ev::H(h) = &mut evs[0] {
        h.sender = String::new();
    }
    let r = run(evs);
    assert_eq!(only(&r), (Rule::HeaderField, 1));
    assert_eq!(r.findings[0].component.as_deref(), Some("Sender"));
}

#[test]
fn e002_structure_mismatch() {
    let mut evs = good().end();
    if let Ev::H(h) = &mut evs[0] {
        h.structure = Some(StructureUse::Dataflow(ArtefactRef::new(
            ArtefactClass::Dataflow,
            "ILO",
            "DF_OTHER",
            v1(),
        )));
    }
    assert_eq!(only(&run(evs)), (Rule::StructureMismatch, 1));
    // Named by the dataset only (event 2).
    let mut evs = good().end();
    if let Ev::H(h) = &mut evs[0] {
        h.structure = None;
    }
    if let Ev::D(d) = &mut evs[1] {
        d.structure = Some(StructureUse::Dataflow(ArtefactRef::new(
            ArtefactClass::Dataflow,
            "ILO",
            "DF_T",
            "2.0".parse().unwrap(),
        )));
    }
    assert_eq!(only(&run(evs)), (Rule::StructureMismatch, 2));
    // Naming the DSD itself is fine.
    let mut evs = good().end();
    if let Ev::H(h) = &mut evs[0] {
        h.structure = Some(StructureUse::DataStructure(
            dsd().meta.reference(ArtefactClass::DataStructure),
        ));
    }
    clean(&run(evs));
}

#[test]
fn e101_dimension_missing() {
    let r = run(Msg::new().series(&[("SEX", "")]).obs("2020", "1").end());
    assert_eq!(only(&r), (Rule::DimensionMissing, 3));
    assert_eq!(r.findings[0].component.as_deref(), Some("SEX"));
    assert_eq!(
        r.findings[0].location.series.as_deref(),
        Some("PHL.A.MST_TEMP_NB.ECO_ISIC4_TOTAL")
    );
}

#[test]
fn e102_unknown_components() {
    let r = run(Msg::new()
        .series(&[("COLOUR", "RED")])
        .obs("2020", "1")
        .end());
    assert_eq!(only(&r), (Rule::UnknownComponent, 3));
    let r = run(Msg::new()
        .series(&[])
        .obs_attrs("2020", "1", &[("FOOTNOTE", "x")])
        .end());
    assert_eq!(only(&r), (Rule::UnknownComponent, 4));
    let mut evs = Msg::new().series(&[]).obs("2020", "1").end();
    if let Ev::O(o) = &mut evs[3] {
        o.measures.push("OBS_VALUE2", "3");
    }
    let r = run(evs);
    assert_eq!(only(&r), (Rule::UnknownComponent, 4));
    assert_eq!(r.findings[0].component.as_deref(), Some("OBS_VALUE2"));
}

#[test]
fn e103_code_not_in_codelist() {
    let r = run(good().series(&[("SEX", "SEX_X")]).obs("2020", "1").end());
    assert_eq!(only(&r), (Rule::CodeNotInCodelist, 6));
    let f = &r.findings[0];
    assert_eq!(f.value.as_deref(), Some("SEX_X"));
    assert!(f.message.contains("ILO:CL_SEX(1.0)"), "{}", f.message);
}

#[test]
fn e103_measure_dimension_enumerated_by_a_concept_scheme() {
    let mut d = dsd();
    d.dimensions[2].kind = DimensionKind::Measure;
    d.dimensions[2].representation = Some(Representation::coded(ArtefactRef::new(
        ArtefactClass::ConceptScheme,
        "ILO",
        "CS_T",
        v1(),
    )));
    let cls = codelists();
    let cl_refs: Vec<&Codelist> = cls.iter().collect();
    let cs = concepts();
    let df = dataflow();
    let s = Schema::from_parts(SchemaParts {
        dsd: &d,
        dataflow: Some(&df),
        agreement: None,
        codelists: &cl_refs,
        concept_schemes: &[&cs],
        constraints: &[],
    });
    let r = run_with(
        &s,
        Options::default(),
        Msg::new()
            .series(&[("MEASURE", "NOT_A_CONCEPT")])
            .obs("2020", "1")
            .end(),
    );
    assert_eq!(only(&r), (Rule::CodeNotInCodelist, 3));
    // OBS_VALUE is a concept of CS_T.
    clean(&run_with(
        &s,
        Options::default(),
        Msg::new()
            .series(&[("MEASURE", "OBS_VALUE")])
            .obs("2020", "1")
            .end(),
    ));
}

#[test]
fn e201_constraint_cube_regions_and_key_sets() {
    // X84 is a code of CL_AREA but not allowed on DF_T.
    let r = run(Msg::new()
        .series(&[("REF_AREA", "X84")])
        .obs("2020", "1")
        .end());
    assert_eq!(only(&r), (Rule::ConstraintKey, 3));
    assert_eq!(r.findings[0].component.as_deref(), Some("REF_AREA"));
    // THA is allowed, SEX_O is allowed, but THA with SEX_O is excluded.
    let r = run(Msg::new()
        .series(&[("REF_AREA", "THA"), ("SEX", "SEX_O")])
        .obs("2020", "1")
        .end());
    assert_eq!(only(&r), (Rule::ConstraintKey, 3));
    assert_eq!(
        r.findings[0].value.as_deref(),
        Some("THA.A.MST_TEMP_NB.SEX_O.ECO_ISIC4_TOTAL")
    );
    clean(&run(Msg::new()
        .series(&[("REF_AREA", "THA"), ("SEX", "SEX_M")])
        .obs("2020", "1")
        .end()));
    // A key set allowing only PHL with SEX_T.
    let mut c = constraint();
    c.cube_regions.clear();
    c.data_key_sets = vec![DataKeySet {
        included: true,
        keys: vec![DataKey {
            include: true,
            values: vec![
                ("REF_AREA".into(), "PHL".into()),
                ("SEX".into(), "SEX_T".into()),
            ],
        }],
    }];
    let s = schema_from(&dsd(), &[c]);
    clean(&run_with(&s, Options::default(), good().end()));
    let r = run_with(
        &s,
        Options::default(),
        Msg::new()
            .series(&[("SEX", "SEX_M")])
            .obs("2020", "1")
            .end(),
    );
    assert_eq!(only(&r), (Rule::ConstraintKey, 3));
}

#[test]
fn e201_cascade_values_and_wildcards() {
    let region = |value: SelectionValue| {
        let mut c = constraint();
        c.cube_regions = vec![CubeRegion {
            include: true,
            key_values: vec![MemberSelection {
                component: "REF_AREA".into(),
                include: true,
                values: vec![value],
                time_range: None,
            }],
            attributes: vec![],
        }];
        schema_from(&dsd(), &[c])
    };
    let area = |s: &Schema, a: &str| {
        run_with(
            s,
            Options::default(),
            Msg::new().series(&[("REF_AREA", a)]).obs("2020", "1").end(),
        )
    };
    // cascadeValues: X84 selects its children.
    let s = region(SelectionValue {
        cascade: true,
        ..SelectionValue::new("X84")
    });
    clean(&area(&s, "PHL"));
    clean(&area(&s, "X84"));
    assert_eq!(only(&area(&s, "IND")), (Rule::ConstraintKey, 3));
    // Without it, only X84 itself.
    let s = region(SelectionValue::new("X84"));
    assert_eq!(only(&area(&s, "PHL")), (Rule::ConstraintKey, 3));
    // SDMX 3.0 wildcard.
    let s = region(SelectionValue::new("P%"));
    clean(&area(&s, "PHL"));
    assert_eq!(only(&area(&s, "THA")), (Rule::ConstraintKey, 3));
}

#[test]
fn e202_constraint_time_range() {
    let r = run(Msg::new()
        .series(&[])
        .obs("2020", "1")
        .obs("1999", "1")
        .end());
    assert_eq!(only(&r), (Rule::ConstraintTime, 5));
    assert_eq!(r.findings[0].location.period.as_deref(), Some("1999"));
    // The bound 2025 is inclusive: the whole year is allowed, 2026 is not.
    let r = run(Msg::new()
        .series(&[("FREQ", "M")])
        .obs("2025-12", "1")
        .obs("2026-01", "1")
        .end());
    assert_eq!(only(&r), (Rule::ConstraintTime, 5));
}

#[test]
fn e301_attribute_level() {
    // OBS_STATUS belongs on observations, not on the series.
    let r = run(Msg::new()
        .series_attrs(
            &[],
            &[("SOURCE", "LFS"), ("UNIT_MULT", "3"), ("OBS_STATUS", "A")],
        )
        .obs("2020", "1")
        .end());
    assert_eq!(only(&r), (Rule::AttributeLevel, 3));
    // A series attribute repeated on observations (flat formats do that) is fine.
    clean(&run(Msg::new()
        .series(&[])
        .obs_attrs("2020", "1", &[("SOURCE", "LFS")])
        .end()));
}

#[test]
fn e302_mandatory_attributes_follow_the_action() {
    let no_source = |m: Msg| {
        m.series_attrs(&[], &[("UNIT_MULT", "3")])
            .obs("2020", "1")
            .obs("2021", "1")
            .end()
    };
    let r = run(no_source(Msg::new()));
    assert_eq!(only(&r), (Rule::AttributeMissing, 3));
    assert_eq!(r.findings[0].component.as_deref(), Some("SOURCE"));
    let r = run(no_source(Msg::with_action(Action::Replace)));
    assert_eq!(only(&r), (Rule::AttributeMissing, 3));
    clean(&run(no_source(Msg::with_action(Action::Delete))));
    let updates = Options {
        updates_only: true,
        ..Options::default()
    };
    clean(&run_with(&schema(), updates.clone(), no_source(Msg::new())));
    let r = run_with(
        &schema(),
        updates,
        no_source(Msg::with_action(Action::Replace)),
    );
    assert_eq!(only(&r), (Rule::AttributeMissing, 3));
    // Given on the observations instead of the series: present.
    clean(&run(Msg::new()
        .series_attrs(&[], &[("UNIT_MULT", "3")])
        .obs_attrs("2020", "1", &[("SOURCE", "LFS")])
        .end()));
    // The dataset attribute REPORTING_ORG, reported at the dataset (event 2).
    let mut evs = good().end();
    if let Ev::D(d) = &mut evs[1] {
        d.attributes = Values::new();
    }
    let r = run(evs);
    assert_eq!(only(&r), (Rule::AttributeMissing, 2));
    assert_eq!(r.findings[0].component.as_deref(), Some("REPORTING_ORG"));
}

#[test]
fn e303_attribute_code() {
    let r = run(Msg::new()
        .series(&[])
        .obs_attrs("2020", "1", &[("OBS_STATUS", "Z")])
        .end());
    assert_eq!(only(&r), (Rule::AttributeCode, 4));
}

#[test]
fn e401_value_type_and_nan() {
    let r = run(Msg::new().series(&[]).obs("2020", "1,5").end());
    assert_eq!(only(&r), (Rule::ValueType, 4));
    assert_eq!(r.findings[0].component.as_deref(), Some("OBS_VALUE"));
    // NaN is the standard's missing observation value; an empty one is absent.
    clean(&run(Msg::new()
        .series(&[])
        .obs("2020", "NaN")
        .obs("2021", "")
        .end()));
    let r = run(Msg::new()
        .series(&[])
        .obs_attrs("2020", "1", &[("DECIMALS", "two")])
        .end());
    assert_eq!(only(&r), (Rule::ValueType, 4));
}

#[test]
fn e402_value_range() {
    let r = run(Msg::new()
        .series(&[])
        .obs_attrs("2020", "1", &[("DECIMALS", "12")])
        .end());
    assert_eq!(only(&r), (Rule::ValueRange, 4));
    clean(&run(Msg::new()
        .series(&[])
        .obs_attrs("2020", "1", &[("DECIMALS", "9")])
        .end()));
}

#[test]
fn e403_value_decimals() {
    let r = run(Msg::new()
        .series(&[])
        .obs_attrs("2020", "1", &[("LOWER_BOUND", "1.25")])
        .end());
    assert_eq!(only(&r), (Rule::ValueDecimals, 4));
    clean(&run(Msg::new()
        .series(&[])
        .obs_attrs("2020", "1", &[("LOWER_BOUND", "1.2")])
        .end()));
}

#[test]
fn e404_value_pattern() {
    let mut evs = good().end();
    if let Ev::D(d) = &mut evs[1] {
        d.attributes = vals(&[("REPORTING_ORG", "ilo")]);
    }
    assert_eq!(only(&run(evs)), (Rule::ValuePattern, 2));
}

#[test]
fn e405_value_length() {
    let r = run(Msg::new()
        .series_attrs(&[], &[("SOURCE", "LABOUR FORCE SURVEY")])
        .obs("2020", "1")
        .end());
    assert_eq!(only(&r), (Rule::ValueLength, 3));
}

#[test]
fn e406_measure_missing() {
    let mut d = dsd();
    d.measures[0].usage = UsageStatus::Mandatory;
    let s = schema_from(&d, &[constraint()]);
    let r = run_with(
        &s,
        Options::default(),
        Msg::new()
            .series(&[])
            .obs("2020", "1")
            .obs("2021", "")
            .end(),
    );
    assert_eq!(only(&r), (Rule::MeasureMissing, 5));
    // Deleting observations needs no value.
    clean(&run_with(
        &s,
        Options::default(),
        Msg::with_action(Action::Delete)
            .series(&[])
            .obs("2021", "")
            .end(),
    ));
}

#[test]
fn e501_time_format() {
    for bad in ["2020-Q5", "2021-W53", "2020-02-30", "20-01", "2020-M13"] {
        let r = run(Msg::new()
            .series(&[("FREQ", "Q")])
            .obs("2020-Q1", "1")
            .obs(bad, "1")
            .end());
        assert_eq!(only(&r), (Rule::TimeFormat, 5), "{bad}");
        assert_eq!(r.findings[0].value.as_deref(), Some(bad));
    }
}

#[test]
fn e502_time_frequency() {
    let r = run(Msg::new()
        .series(&[])
        .obs("2020", "1")
        .obs("2020-Q2", "1")
        .end());
    assert_eq!(only(&r), (Rule::TimeFrequency, 5));
    assert!(r.findings[0].message.contains("quarterly"));
    for (freq, period) in [
        ("A", "2020-A1"),
        ("A", "2020-01-01/P1Y"),
        ("Q", "2020-Q3"),
        ("M", "2020-07"),
        ("M", "2020-M07"),
    ] {
        clean(&run(Msg::new()
            .series(&[("FREQ", freq)])
            .obs(period, "1")
            .end()));
    }
}

/// A period that passed in one series is judged again when a later series at
/// the same position has another FREQ (the validator remembers verdicts per
/// position and FREQ).
#[test]
fn e502_a_period_that_passed_under_one_freq_is_judged_under_the_next() {
    let r = run(Msg::new()
        .series(&[("FREQ", "M"), ("SEX", "SEX_M")])
        .obs("2020-07", "1")
        .series(&[("FREQ", "A"), ("SEX", "SEX_F")])
        .obs("2020-07", "1")
        .end());
    assert_eq!(only(&r), (Rule::TimeFrequency, 6));
    // And the same FREQ again keeps passing.
    clean(&run(Msg::new()
        .series(&[("FREQ", "M"), ("SEX", "SEX_M")])
        .obs("2020-07", "1")
        .series(&[("FREQ", "M"), ("SEX", "SEX_F")])
        .obs("2020-07", "1")
        .end()));
}

#[test]
fn e601_duplicates_per_dataset() {
    let r = run(Msg::new()
        .series(&[])
        .obs("2020", "1")
        .obs("2021", "1")
        .obs("2020", "2")
        .end());
    assert_eq!(only(&r), (Rule::Duplicate, 6));
    assert_eq!(r.findings[0].location.period.as_deref(), Some("2020"));
    // The same key and period again in a second dataset is not a duplicate.
    let evs = Msg::new()
        .series(&[])
        .obs("2020", "1")
        .push(Ev::E)
        .push(Ev::D(DataSetHeader {
            structure: None,
            action: Action::Merge,
            dimension_at_observation: ObsDimension::Time,
            attributes: vals(&[("REPORTING_ORG", "ILO")]),
            extra: Values::new(),
        }))
        .series(&[])
        .obs("2020", "1")
        .end();
    clean(&run(evs));
    // The same period in another series is not a duplicate either.
    clean(&run(good()
        .series(&[("SEX", "SEX_M")])
        .obs("2020", "100")
        .end()));
}

fn sex_breakdown(t: &str, m: &str, f: &str) -> Vec<Ev> {
    Msg::new()
        .series(&[])
        .obs("2020", t)
        .series(&[("SEX", "SEX_M")])
        .obs("2020", m)
        .series(&[("SEX", "SEX_F")])
        .obs("2020", f)
        .end()
}

#[test]
fn w701_sex_total() {
    let r = run(sex_breakdown("100", "40", "50"));
    // Located at the SEX_T observation (event 4).
    assert_eq!(only(&r), (Rule::IlmsSexTotal, 4));
    assert!(r.is_valid(), "a warning does not make the message invalid");
    assert!(r.findings[0].message.contains("SEX_T = 100"));
    // Within 0.5 %.
    clean(&run(sex_breakdown("100", "40", "59.6")));
    // Incomplete breakdown (no SEX_F): only parts exceeding the total warn.
    clean(&run(Msg::new()
        .series(&[])
        .obs("2020", "100")
        .series(&[("SEX", "SEX_M")])
        .obs("2020", "40")
        .end()));
}

/// Totals are judged at the end of the dataset in the order they came; a
/// repeated total replaces the earlier one of its group, in its own place.
#[test]
fn w701_totals_in_order_latest_total_wins() {
    let r = run(Msg::new()
        .series(&[])
        .obs("2020", "100")
        .obs("2021", "200")
        .series(&[("SEX", "SEX_M")])
        .obs("2020", "40")
        .obs("2021", "50")
        .series(&[("SEX", "SEX_F")])
        .obs("2020", "50")
        .obs("2021", "60")
        .series(&[])
        .obs("2020", "95")
        .end());
    let got: Vec<(Rule, u64, Option<String>)> = r
        .findings
        .iter()
        .map(|f| {
            (
                f.rule,
                f.location.position.as_ref().map_or(0, |p| p.line),
                f.location.period.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (Rule::Duplicate, 13, Some("2020".to_owned())),
            (Rule::IlmsSexTotal, 5, Some("2021".to_owned())),
            (Rule::IlmsSexTotal, 13, Some("2020".to_owned())),
        ]
    );
    assert!(
        r.findings[2].message.contains("SEX_T = 95"),
        "{:?}",
        r.findings[2]
    );
    assert_eq!(
        r.findings[1].location.series.as_deref(),
        Some("PHL.A.MST_TEMP_NB.SEX_T.ECO_ISIC4_TOTAL")
    );
}

#[test]
fn w702_classification_total() {
    let eco = |total: &str, a: &str, b: Option<&str>| {
        let mut m = Msg::new()
            .series(&[])
            .obs("2020", total)
            .series(&[("ECO", "ECO_ISIC4_A")])
            .obs("2020", a);
        if let Some(b) = b {
            m = m.series(&[("ECO", "ECO_ISIC4_B")]).obs("2020", b);
        }
        m.end()
    };
    let r = run(eco("100", "30", Some("50")));
    assert_eq!(only(&r), (Rule::IlmsClassificationTotal, 4));
    clean(&run(eco("100", "30", Some("70"))));
    // Incomplete (no ECO_ISIC4_B): fine below the total, a warning above it.
    clean(&run(eco("100", "30", None)));
    assert_eq!(
        only(&run(eco("100", "130", None))),
        (Rule::IlmsClassificationTotal, 4)
    );
}

#[test]
fn w703_negative_counts() {
    let r = run(Msg::new().series(&[]).obs("2020", "-5").end());
    assert_eq!(only(&r), (Rule::IlmsNegative, 4));
    // A rate (RT) may be anything as far as this rule goes.
    clean(&run(Msg::new()
        .series_attrs(
            &[("MEASURE", "MST_TEMP_RT")],
            &[("SOURCE", "LFS"), ("UNIT_MULT", "0")],
        )
        .obs("2020", "-5")
        .end()));
}

#[test]
fn w704_one_classification_version_per_series() {
    let r = run(good()
        .series(&[("ECO", "ECO_ISIC3_A")])
        .obs("2020", "1")
        .series(&[("ECO", "ECO_ISIC4_A")])
        .obs("2020", "1")
        .end());
    // The first series (ECO_ISIC4_TOTAL) already set ISIC4 for PHL.A.MST_TEMP_NB.SEX_T.
    assert_eq!(only(&r), (Rule::IlmsClassificationVersion, 6));
    // Different sexes are different series.
    clean(&run(good()
        .series(&[("ECO", "ECO_ISIC3_A"), ("SEX", "SEX_M")])
        .obs("2020", "1")
        .series(&[("ECO", "ECO_ISIC4_A")])
        .obs("2020", "1")
        .end()));
}

#[test]
fn w705_unit_mult() {
    let r = run(Msg::new()
        .series_attrs(&[], &[("SOURCE", "LFS"), ("UNIT_MULT", "0")])
        .obs("2020", "1")
        .end());
    assert_eq!(only(&r), (Rule::IlmsUnitMult, 3));
    let r = run(Msg::new()
        .series_attrs(
            &[("MEASURE", "MST_TEMP_RT")],
            &[("SOURCE", "LFS"), ("UNIT_MULT", "3")],
        )
        .obs("2020", "1")
        .end());
    assert_eq!(only(&r), (Rule::IlmsUnitMult, 3));
}

#[test]
fn w706_group_limit() {
    let opts = Options {
        ilms: sdmx_gateway::validate::IlmsOptions {
            max_groups: 1,
            ..Default::default()
        },
        ..Options::default()
    };
    let r = run_with(&schema(), opts, good().end());
    // Event 4 opens the SEX group and then hits the limit for the ECO group.
    assert_eq!(only(&r), (Rule::IlmsLimit, 4));
}

#[test]
fn rules_can_be_disabled_by_code_name_or_ilms() {
    let dup = || {
        Msg::new()
            .series(&[])
            .obs("2020", "-1")
            .obs("2020", "-1")
            .end()
    };
    let mut opts = Options::default();
    opts.disable("E601").unwrap();
    opts.disable("ilms").unwrap();
    clean(&run_with(&schema(), opts, dup()));
    let mut opts = Options::default();
    opts.disable("duplicate-observation").unwrap();
    let r = run_with(&schema(), opts, dup());
    assert_eq!(r.count(Rule::IlmsNegative), 2);
    assert_eq!(r.count(Rule::Duplicate), 0);
    assert!(Options::default().disable("E999").is_err());
}

#[test]
fn max_errors_stops_early_and_keeps_counts() {
    let evs = Msg::new()
        .series(&[])
        .obs("2020", "x")
        .obs("2021", "y")
        .obs("2022", "z")
        .end();
    let opts = Options {
        max_errors: Some(2),
        ..Options::default()
    };
    let r = run_with(&schema(), opts, evs);
    assert!(r.stopped_early);
    assert_eq!(r.count(Rule::ValueType), 2);
    assert_eq!(r.summary.observations, 2);
}

#[test]
fn keeps_few_instances_but_counts_all() {
    let mut m = Msg::new().series(&[]);
    for y in 2000..2025 {
        m = m.obs(&y.to_string(), "bad");
    }
    let opts = Options {
        keep_per_rule: 3,
        ..Options::default()
    };
    let r = run_with(&schema(), opts, m.end());
    assert_eq!(r.count(Rule::ValueType), 25);
    assert_eq!(r.findings.len(), 3);
    let mut text = Vec::new();
    render::text(&r, &mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("error[E401] value-type"), "{text}");
    assert!(text.contains("(25 times)"), "{text}");
    assert!(text.contains("  --> msg:4:1, dataset 1, series PHL.A.MST_TEMP_NB.SEX_T.ECO_ISIC4_TOTAL, period 2000: OBS_VALUE"), "{text}");
    assert!(text.contains("... and 22 more"), "{text}");
    assert!(text.trim_end().ends_with("INVALID"), "{text}");
}

#[test]
fn events_outside_a_dataset_do_not_upset_it() {
    let mut evs = good().end();
    evs.remove(1);
    evs.pop();
    let r = run(evs);
    // Without the dataset, REPORTING_ORG is simply never seen at dataset level.
    assert_eq!(r.summary.observations, 2);
    assert_eq!(r.errors(), 0, "{:#?}", r.findings);
}

#[test]
fn wraps_an_inner_sink_and_forwards_everything() {
    let s = schema();
    let mut reader = Script {
        evs: good().series(&[("SEX", "SEX_X")]).obs("2020", "1").end(),
        at: 0,
    };
    let mut v = Validator::wrap(&s, Options::default(), CollectSink::default());
    pump(&mut reader, &mut v).unwrap();
    let (report, inner) = v.into_parts();
    assert_eq!(report.count(Rule::CodeNotInCodelist), 1);
    // Through plain pump there is no file position, but the data location is there.
    assert!(report.findings[0].location.position.is_none());
    assert_eq!(report.findings[0].location.dataset, Some(1));
    assert_eq!(inner.collected.datasets[0].2.len(), 2);
}

#[test]
fn json_report_has_the_documented_shape() {
    let r = run(good().series(&[("SEX", "SEX_X")]).obs("2020", "1").end());
    let mut out = Vec::new();
    render::write(&r, &schema(), ReportFormat::Json, &mut out).unwrap();
    let j: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(j["schema_version"], 1);
    assert_eq!(
        j["structure"],
        "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ILO:DF_T(1.0)"
    );
    assert_eq!(j["valid"], false);
    assert_eq!(j["errors"], 1);
    assert_eq!(j["warnings"], 0);
    assert_eq!(j["stopped_early"], false);
    assert_eq!(j["summary"]["observations"], 3);
    assert_eq!(j["rules"][0]["code"], "E103");
    assert_eq!(j["rules"][0]["count"], 1);
    let f = &j["findings"][0];
    assert_eq!(f["code"], "E103");
    assert_eq!(f["name"], "code-not-in-codelist");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["component"], "SEX");
    assert_eq!(f["value"], "SEX_X");
    assert_eq!(f["location"]["position"]["line"], 6);
    assert_eq!(f["location"]["position"]["source"], "msg");
    assert_eq!(f["location"]["dataset"], 1);
    assert_eq!(
        f["location"]["series"],
        "PHL.A.MST_TEMP_NB.SEX_X.ECO_ISIC4_TOTAL"
    );
}

#[test]
fn csv_report_is_sdmx_csv_with_an_error_column() {
    let r = run(Msg::new()
        .series(&[])
        .obs("2020", "1")
        .obs("2020", "1")
        .end());
    let mut out = Vec::new();
    render::write(&r, &schema(), ReportFormat::Csv, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("DATAFLOW,REF_AREA,FREQ,MEASURE,SEX,ECO,TIME_PERIOD,SEVERITY,RULE,ERROR,LOCATION")
    );
    let row = lines.next().unwrap();
    assert!(
        row.starts_with("ILO:DF_T(1.0),PHL,A,MST_TEMP_NB,SEX_T,ECO_ISIC4_TOTAL,2020,error,E601,E601 duplicate-observation: "),
        "{row}"
    );
    assert!(row.ends_with(",msg:5:1"), "{row}");
    assert_eq!(lines.next(), None);
}

#[test]
fn all_dimensions_observations_are_checked_whole() {
    let mut evs = Msg::new().end();
    evs.pop();
    if let Ev::D(d) = &mut evs[1] {
        d.dimension_at_observation = ObsDimension::AllDimensions;
    }
    let obs = |sex: &str, period: &str| {
        let mut k = Values::new();
        for (i, v) in key(&[("SEX", sex)]) {
            k.push(&i, &v);
        }
        k.push("TIME_PERIOD", period);
        Ev::O(Obs {
            key: k,
            measures: vals(&[("OBS_VALUE", "1")]),
            attributes: vals(&[("SOURCE", "LFS"), ("UNIT_MULT", "3")]),
        })
    };
    evs.push(obs("SEX_T", "2020"));
    evs.push(obs("SEX_X", "2020"));
    evs.push(obs("SEX_T", "2020"));
    evs.push(Ev::E);
    let r = run(evs);
    assert_eq!(r.count(Rule::CodeNotInCodelist), 1);
    assert_eq!(r.count(Rule::Duplicate), 1);
    let lines: Vec<u64> = r
        .findings
        .iter()
        .map(|f| f.location.position.as_ref().unwrap().line)
        .collect();
    assert_eq!(lines, vec![4, 5]);
}

// ------------------------------------------------------------------ registry

#[test]
fn schema_from_registry_applies_the_cascade() {
    let structures = Structures {
        codelists: codelists(),
        concept_schemes: vec![concepts()],
        data_structures: vec![dsd()],
        dataflows: vec![dataflow()],
        constraints: vec![constraint()],
        ..Default::default()
    };
    let registry = Registry::from_structures([("mem".to_owned(), structures)]).unwrap();
    let s = Schema::from_registry(&registry, "ILO:DF_T(1.0)", None).unwrap();
    assert_eq!(s.dataflow.as_ref().unwrap().id, "DF_T");
    let area = s.dimension("REF_AREA").unwrap();
    let allowed: HashSet<&str> = area
        .spec
        .allowed
        .as_ref()
        .unwrap()
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(allowed, HashSet::from(["PHL", "THA"]));
    let r = run_with(
        &s,
        Options::default(),
        Msg::new()
            .series(&[("REF_AREA", "X84")])
            .obs("1990", "1")
            .end(),
    );
    assert_eq!(r.count(Rule::ConstraintKey), 1);
    assert_eq!(r.count(Rule::ConstraintTime), 1);
    // By DSD: no dataflow constraint applies.
    let s = Schema::from_registry(&registry, "ILO:DSD_T(1.0)", None).unwrap();
    assert!(s.dataflow.is_none());
    clean(&run_with(
        &s,
        Options::default(),
        Msg::new()
            .series(&[("REF_AREA", "X84")])
            .obs("1990", "1")
            .end(),
    ));
    assert!(Schema::from_registry(&registry, "ILO:CL_SEX(1.0)", None).is_err());
}

// ------------------------------------------------------------------ TCK sample

/// ECB:ECB_EXR1(1.0) as far as the TCK's DataXML.xml uses it, uncoded.
fn ecb_exr() -> DataStructure {
    let series = [
        "FREQ",
        "CURRENCY",
        "CURRENCY_DENOM",
        "EXR_TYPE",
        "EXR_SUFFIX",
    ];
    let plain = || Representation::text(TextFormat::default());
    let mut dimensions: Vec<Dimension> = series
        .iter()
        .enumerate()
        .map(|(i, d)| dim(d, i as u32 + 1, DimensionKind::Dimension, plain()))
        .collect();
    dimensions.push(dim(
        "TIME_PERIOD",
        6,
        DimensionKind::Time,
        Representation::text(TextFormat::of(DataType::ObservationalTimePeriod)),
    ));
    let on_series = AttributeRelationship::Dimensions {
        dimensions: series.iter().map(|s| s.to_string()).collect(),
        attachment_groups: vec![],
    };
    let mut attributes: Vec<Attribute> = [
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
    .map(|a| attr(a, UsageStatus::Conditional, on_series.clone(), plain()))
    .collect();
    for a in ["OBS_STATUS", "CONF_STATUS_OBS"] {
        attributes.push(attr(
            a,
            UsageStatus::Conditional,
            AttributeRelationship::Observation,
            plain(),
        ));
    }
    DataStructure {
        meta: MaintainableMeta::new("ECB", "ECB_EXR1", v1(), "EXR"),
        dimensions,
        attributes,
        measures: vec![Measure {
            id: "OBS_VALUE".into(),
            concept: None,
            representation: Some(Representation::text(TextFormat::of(DataType::Double))),
            usage: UsageStatus::Conditional,
            roles: vec![],
            annotations: vec![],
        }],
        groups: vec![],
        metadata_structure: None,
    }
}

#[test]
fn finds_the_known_defects_of_the_tck_data_sample() {
    let dsd = ecb_exr();
    let df = Dataflow {
        meta: MaintainableMeta::new("ECB", "EXR", v1(), "EXR"),
        structure: Some(dsd.meta.reference(ArtefactClass::DataStructure)),
    };
    let schema = Schema::from_parts(SchemaParts {
        dsd: &dsd,
        dataflow: Some(&df),
        agreement: None,
        codelists: &[],
        concept_schemes: &[],
        constraints: &[],
    });
    let bytes = std::fs::read(util::fixture("data/tck/DataXML.xml")).unwrap();
    let mut reader = open_reader(
        DataFormat::StructureSpecific21,
        Cursor::new(bytes),
        ReadOptions {
            source: "DataXML.xml",
            dsd: Some(&dsd),
            structure: None,
        },
    )
    .unwrap();
    let mut v = Validator::new(&schema, Options::default());
    validate(&mut reader, &mut v).unwrap();
    let r = v.into_report();
    let periods = |rule: Rule| -> Vec<String> {
        r.of(rule)
            .map(|f| f.location.period.clone().unwrap_or_default())
            .collect()
    };
    // FREQ "A" with a quarterly period and monthly ones.
    let freq = periods(Rule::TimeFrequency);
    assert!(freq.contains(&"2017-Q2".to_owned()), "{freq:?}");
    assert!(
        freq.iter().any(|p| p.len() == 7 && !p.contains('Q')),
        "{freq:?}"
    );
    // The duplicated 2010-08.
    assert_eq!(periods(Rule::Duplicate), vec!["2010-08".to_owned()]);
    for f in &r.findings {
        let p = f.location.position.as_ref().unwrap();
        assert_eq!(p.source, "DataXML.xml");
        assert!(p.line > 0, "{f:?}");
    }
    assert!(!r.is_valid());
}

// ------------------------------------------------------------------ CLI

fn sdmxgw_validate(args: &[&str]) -> std::process::Output {
    util::sdmxgw().arg("validate").args(args).output().unwrap()
}

#[test]
fn cli_exit_codes_and_formats() {
    let dir = util::temp_dir("validate_cli");
    // The structures as one SDMX-ML 2.1 message, written by the gateway's writer.
    let structures = Structures {
        codelists: codelists(),
        concept_schemes: vec![concepts()],
        data_structures: vec![dsd()],
        dataflows: vec![dataflow()],
        constraints: vec![constraint()],
        ..Default::default()
    };
    let structure_file = dir.join("structures.xml");
    let mut out = Vec::new();
    sdmx_gateway::structure::StructureFormat::SdmxMl21
        .write(&structures, &Default::default(), &mut out)
        .unwrap();
    std::fs::write(&structure_file, out).unwrap();
    let structure = structure_file.to_str().unwrap();
    let csv = |rows: &str| {
        let head = "DATAFLOW,REF_AREA,FREQ,MEASURE,SEX,ECO,TIME_PERIOD,OBS_VALUE,REPORTING_ORG,SOURCE,UNIT_MULT\n";
        let p = dir.join(format!("data{}.csv", rows.len()));
        std::fs::write(&p, format!("{head}{rows}")).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let row = |sex: &str, period: &str| {
        format!("ILO:DF_T(1.0),PHL,A,MST_TEMP_NB,{sex},ECO_ISIC4_TOTAL,{period},1,ILO,LFS,3\n")
    };
    let good = csv(&(row("SEX_T", "2020") + &row("SEX_T", "2021")));
    let o = sdmxgw_validate(&[&good, "--structure", structure]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout.trim_end().ends_with("valid"), "{stdout}");

    let bad = csv(&(row("SEX_X", "2020") + &row("SEX_T", "2020") + &row("SEX_T", "2020")));
    let o = sdmxgw_validate(&[&bad, "--structure", structure]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout.contains("error[E103]"), "{stdout}");
    assert!(stdout.contains("error[E601]"), "{stdout}");
    // The CSV row of the bad code: header = row 1.
    assert!(stdout.contains(": row 2"), "{stdout}");

    let o = sdmxgw_validate(&[
        &bad,
        "--structure",
        structure,
        "--format",
        "json",
        "--disable",
        "E601",
    ]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["errors"], 1);
    assert_eq!(j["findings"][0]["code"], "E103");
    assert_eq!(j["findings"][0]["location"]["position"]["record"], 2);

    let o = sdmxgw_validate(&[
        &bad,
        "--structure",
        structure,
        "--max-errors",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["stopped_early"], true);
    assert_eq!(j["errors"], 1);

    let o = sdmxgw_validate(&[&bad, "--structure", structure, "--format", "csv"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.starts_with("DATAFLOW,REF_AREA,"), "{text}");
    assert!(text.contains(",SEX_X,"), "{text}");

    // Truncated or hostile input: could not read (2), never a panic.
    let xml = dir.join("good.xml");
    let o = util::sdmxgw()
        .args([
            "convert",
            &good,
            "--to",
            "sdmx-ml-2.1-ss",
            "--structure",
            structure,
            "-o",
        ])
        .arg(&xml)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = sdmxgw_validate(&[xml.to_str().unwrap(), "--structure", structure]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let full = std::fs::read(&xml).unwrap();
    let truncated = dir.join("truncated.xml");
    std::fs::write(&truncated, &full[..full.len() * 2 / 3]).unwrap();
    let o = sdmxgw_validate(&[truncated.to_str().unwrap(), "--structure", structure]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("could not read"), "{stderr}");
    let cut_csv = csv(&(row("SEX_T", "2020") + "ILO:DF_T(1.0),PHL,A\n"));
    let o = sdmxgw_validate(&[&cut_csv, "--structure", structure]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let hostile = dir.join("hostile.xml");
    std::fs::write(
        &hostile,
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\
         <message:StructureSpecificData xmlns:message=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message\">&e;</message:StructureSpecificData>",
    )
    .unwrap();
    let o = sdmxgw_validate(&[
        hostile.to_str().unwrap(),
        "--structure",
        structure,
        "--dataflow",
        "ILO:DF_T(1.0)",
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!String::from_utf8_lossy(&o.stdout).contains("root:"));
    let o = sdmxgw_validate(&[&good, "--structure", structure, "--disable", "nonsense"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn cli_on_the_shipped_ilms_structures() {
    let dir = util::temp_dir("validate_ilms");
    let root = util::root();
    let dsd = root.join("dsd");
    let codelists = root.join("codelists");
    let write = |name: &str, rows: &[&str]| {
        let head = "DATAFLOW,REF_AREA,FREQ,MEASURE,SEX,ECO,TIME_PERIOD,OBS_VALUE,OBS_STATUS,UNIT_MEASURE_TYPE,UNIT_MEASURE,UNIT_MULT\n";
        let p = dir.join(name);
        let body: String = rows
            .iter()
            .map(|r| format!("ILO:DF_MFL_FEMP_SEX_ECO_NB(1.0),PHL,A,MFL_FEMP_NB,{r}\n"))
            .collect();
        std::fs::write(&p, format!("{head}{body}")).unwrap();
        p
    };
    let run = |p: &std::path::Path| {
        util::sdmxgw()
            .arg("validate")
            .arg(p)
            .arg("--structure")
            .arg(&dsd)
            .arg("--structure")
            .arg(&codelists)
            .args(["--format", "json"])
            .output()
            .unwrap()
    };
    let clean_file = write(
        "clean.csv",
        &[
            "SEX_T,ECO_ISIC4_TOTAL,2020,12.5,,NB,PS,3",
            "SEX_M,ECO_ISIC4_TOTAL,2020,7.5,,NB,PS,3",
            "SEX_F,ECO_ISIC4_TOTAL,2020,5,E,NB,PS,3",
            "SEX_T,ECO_ISIC4_TOTAL,2021,13,,NB,PS,3",
        ],
    );
    let o = run(&clean_file);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["errors"], 0);
    assert_eq!(j["warnings"], 0);
    assert_eq!(j["findings"].as_array().unwrap().len(), 0);

    let defects = write(
        "defects.csv",
        &[
            "SEX_T,ECO_ISIC4_TOTAL,2020,12.5,,NB,PS,3",
            "SEX_M,ECO_ISIC4_TOTAL,2020,7.5,,NB,PS,3",
            "SEX_F,ECO_ISIC4_TOTAL,2020,3,,NB,PS,3",
            "SEX_T,ECO_ISIC3_A,2020,-1,,NB,PS,3",
        ],
    );
    let o = run(&defects);
    // Only warnings: valid.
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let found: Vec<(String, u64)> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["location"]["position"]["record"].as_u64().unwrap(),
            )
        })
        .collect();
    // Negative count and the ISIC3 code beside ISIC4 at row 5; the SEX total
    // judged at the end, located at its SEX_T row (2).
    assert!(found.contains(&("W703".to_owned(), 5)), "{found:?}");
    assert!(found.contains(&("W704".to_owned(), 5)), "{found:?}");
    assert!(found.contains(&("W701".to_owned(), 2)), "{found:?}");
    assert_eq!(j["warnings"], 3, "{found:?}");
}
