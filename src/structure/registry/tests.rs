//! Registry behaviour on structures built in code (the readers are tested apart).

use crate::model::*;
use crate::structure::StructureError;

use super::Registry;

fn v(s: &str) -> Version {
    s.parse().unwrap()
}

fn cl_ref(id: &str, version: &str) -> ArtefactRef {
    ArtefactRef::new(ArtefactClass::Codelist, "ILO", id, v(version))
}

fn codelist(id: &str, version: &str, codes: &[&str]) -> Codelist {
    Codelist {
        meta: MaintainableMeta::new("ILO", id, v(version), id),
        is_partial: None,
        codes: codes.iter().map(|c| Code::new(c, c)).collect(),
    }
}

fn cs_ref() -> ArtefactRef {
    ArtefactRef::new(ArtefactClass::ConceptScheme, "ILO", "CS_X", v("1.0"))
}

fn concept(id: &str, core: Option<ArtefactRef>) -> Concept {
    Concept {
        item: Item::new(id, id),
        core_representation: core.map(Representation::coded),
    }
}

fn dimension(
    id: &str,
    position: u32,
    kind: DimensionKind,
    local: Option<ArtefactRef>,
) -> Dimension {
    Dimension {
        id: id.to_owned(),
        position,
        kind,
        concept: Some(cs_ref().item(id)),
        representation: local.map(Representation::coded),
        roles: Vec::new(),
        annotations: Vec::new(),
    }
}

fn dsd_ref() -> ArtefactRef {
    ArtefactRef::new(ArtefactClass::DataStructure, "ILO", "DSD_X", v("1.0"))
}

fn df_ref() -> ArtefactRef {
    ArtefactRef::new(ArtefactClass::Dataflow, "ILO", "DF_X", v("1.0"))
}

fn pa_ref() -> ArtefactRef {
    ArtefactRef::new(
        ArtefactClass::ProvisionAgreement,
        "ILO",
        "PA_PHL_X",
        v("1.0"),
    )
}

fn provider() -> ItemRef {
    ArtefactRef::new(
        ArtefactClass::DataProviderScheme,
        "ILO",
        "DATA_PROVIDERS",
        v("1.0"),
    )
    .item("PHL_PSA")
}

fn select(component: &str, include: bool, values: &[&str]) -> MemberSelection {
    MemberSelection {
        component: component.to_owned(),
        include,
        values: values.iter().map(|x| SelectionValue::new(*x)).collect(),
        time_range: None,
    }
}

fn region(include: bool, key_values: Vec<MemberSelection>) -> CubeRegion {
    CubeRegion {
        include,
        key_values,
        attributes: Vec::new(),
    }
}

fn constraint(
    id: &str,
    attachment: ConstraintAttachment,
    regions: Vec<CubeRegion>,
) -> ContentConstraint {
    ContentConstraint {
        meta: MaintainableMeta::new("ILO", id, v("1.0"), id),
        role: ConstraintRole::Allowed,
        attachment,
        cube_regions: regions,
        data_key_sets: Vec::new(),
    }
}

/// A small ILMS-like structure set: REF_AREA, FREQ, SEX (coded through its
/// concept), TIME_PERIOD; constraints at DSD, dataflow and agreement level.
fn sample() -> Structures {
    let mut area = codelist("CL_AREA", "1.0", &["X84", "PHL", "THA", "VNM", "IDN"]);
    for c in &mut area.codes[1..] {
        c.parent = Some("X84".to_owned());
    }
    let codelists = vec![
        area,
        codelist("CL_FREQ", "1.0", &["A", "Q", "M"]),
        codelist("CL_SEX", "1.0", &["SEX_T", "SEX_M", "SEX_F", "SEX_O"]),
        codelist("CL_OBS_STATUS", "1.0", &["A", "E", "P"]),
    ];
    let concept_schemes = vec![ConceptScheme {
        meta: MaintainableMeta::new("ILO", "CS_X", v("1.0"), "Concepts"),
        concepts: vec![
            concept("REF_AREA", None),
            concept("FREQ", None),
            concept("SEX", Some(cl_ref("CL_SEX", "1.0"))),
            concept("TIME_PERIOD", None),
            concept("OBS_VALUE", None),
            concept("OBS_STATUS", Some(cl_ref("CL_OBS_STATUS", "1.0"))),
        ],
    }];
    let data_structures = vec![DataStructure {
        meta: MaintainableMeta::new("ILO", "DSD_X", v("1.0"), "DSD"),
        dimensions: vec![
            dimension(
                "REF_AREA",
                1,
                DimensionKind::Dimension,
                Some(cl_ref("CL_AREA", "1.0")),
            ),
            dimension(
                "FREQ",
                2,
                DimensionKind::Dimension,
                Some(cl_ref("CL_FREQ", "1.0")),
            ),
            dimension("SEX", 3, DimensionKind::Dimension, None),
            dimension("TIME_PERIOD", 4, DimensionKind::Time, None),
        ],
        attributes: vec![Attribute {
            id: "OBS_STATUS".to_owned(),
            concept: Some(cs_ref().item("OBS_STATUS")),
            representation: None,
            usage: UsageStatus::Conditional,
            relationship: AttributeRelationship::Observation,
            measures: Vec::new(),
            roles: Vec::new(),
            annotations: Vec::new(),
        }],
        measures: vec![Measure {
            id: "OBS_VALUE".to_owned(),
            concept: Some(cs_ref().item("OBS_VALUE")),
            representation: None,
            usage: UsageStatus::Conditional,
            roles: Vec::new(),
            annotations: Vec::new(),
        }],
        groups: Vec::new(),
        metadata_structure: None,
    }];
    let dataflows = vec![Dataflow {
        meta: MaintainableMeta::new("ILO", "DF_X", v("1.0"), "Dataflow"),
        structure: Some(ArtefactRef {
            version: VersionReq::Latest,
            ..dsd_ref()
        }),
    }];
    let data_provider_schemes = vec![DataProviderScheme {
        meta: MaintainableMeta::new("ILO", "DATA_PROVIDERS", v("1.0"), "Providers"),
        providers: vec![DataProvider {
            item: Item::new("PHL_PSA", "Philippine Statistics Authority"),
            contacts: Vec::new(),
        }],
    }];
    let provision_agreements = vec![ProvisionAgreement {
        meta: MaintainableMeta::new("ILO", "PA_PHL_X", v("1.0"), "PSA reports DF_X"),
        dataflow: df_ref(),
        data_provider: provider(),
    }];
    let mut df_level = constraint(
        "CR_DF_X",
        ConstraintAttachment {
            dataflows: vec![df_ref()],
            ..Default::default()
        },
        vec![region(
            true,
            vec![select("REF_AREA", true, &["PHL", "THA", "VNM"])],
        )],
    );
    df_level.cube_regions[0].key_values.push(MemberSelection {
        component: "TIME_PERIOD".to_owned(),
        include: true,
        values: Vec::new(),
        time_range: Some(TimeRange::Between {
            start: TimeRangeBound {
                period: "2010".to_owned(),
                inclusive: true,
            },
            end: TimeRangeBound {
                period: "2020".to_owned(),
                inclusive: true,
            },
        }),
    });
    let constraints = vec![
        constraint(
            "CR_DSD_X",
            ConstraintAttachment {
                data_structures: vec![dsd_ref()],
                ..Default::default()
            },
            vec![
                region(true, vec![select("FREQ", true, &["A", "Q"])]),
                region(false, vec![select("SEX", true, &["SEX_O"])]),
            ],
        ),
        df_level,
        constraint(
            "CR_PA_PHL_X",
            ConstraintAttachment {
                provision_agreements: vec![pa_ref()],
                ..Default::default()
            },
            vec![region(
                true,
                vec![select("REF_AREA", true, &["PHL", "IDN"])],
            )],
        ),
    ];
    Structures {
        agency_schemes: Vec::new(),
        data_provider_schemes,
        codelists,
        concept_schemes,
        data_structures,
        dataflows,
        constraints,
        provision_agreements,
    }
}

fn load(s: Structures) -> Registry {
    match Registry::from_structures([("sample.xml".to_owned(), s)]) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    }
}

fn codes(a: &super::AllowedValues) -> Vec<&str> {
    a.codes
        .as_ref()
        .expect("a finite set")
        .iter()
        .map(String::as_str)
        .collect()
}

#[test]
fn cascade_narrows_from_dsd_to_dataflow_to_agreement() {
    let r = load(sample());
    let df = r.dataflow("ILO:DF_X(1.0)").unwrap();
    let pa = r.provision_agreement("PA_PHL_X").unwrap();
    // DSD level: FREQ limited to A, Q; SEX_O excluded by an excluded region.
    assert_eq!(
        codes(&r.allowed_codes(df, "FREQ", None).unwrap()),
        ["A", "Q"]
    );
    assert_eq!(
        codes(&r.allowed_codes(df, "SEX", None).unwrap()),
        ["SEX_T", "SEX_M", "SEX_F"]
    );
    // Dataflow level narrows REF_AREA; the agreement narrows it again (IDN is not
    // allowed by the dataflow, so the intersection drops it).
    assert_eq!(
        codes(&r.allowed_codes(df, "REF_AREA", None).unwrap()),
        ["PHL", "THA", "VNM"]
    );
    assert_eq!(
        codes(&r.allowed_codes(df, "REF_AREA", Some(pa)).unwrap()),
        ["PHL"]
    );
    // Attributes enumerate their concept's codelist; no constraint touches them.
    assert_eq!(
        codes(&r.allowed_codes(df, "OBS_STATUS", None).unwrap()),
        ["A", "E", "P"]
    );
}

#[test]
fn the_time_dimension_carries_the_allowed_range() {
    let r = load(sample());
    let df = r.dataflow("DF_X").unwrap();
    let time = r.allowed_codes(df, "TIME_PERIOD", None).unwrap();
    assert!(
        time.codes.is_none(),
        "an uncoded dimension allows any value"
    );
    assert!(time.allows("2015"));
    assert!(time.allows("2020-Q4"));
    assert!(!time.allows("2009"));
    assert!(!time.allows("2021"));
}

#[test]
fn region_checks_whole_keys() {
    let r = load(sample());
    let df = r.dataflow("DF_X").unwrap();
    let pa = r.provision_agreement("PA_PHL_X").unwrap();
    let region = r.allowed_region(df, Some(pa)).unwrap();
    let ids: Vec<&str> = region
        .dimensions
        .iter()
        .map(|d| d.component.as_str())
        .collect();
    assert_eq!(ids, ["REF_AREA", "FREQ", "SEX", "TIME_PERIOD"]);
    assert_eq!(region.constraints.len(), 3);
    assert!(region.allows_key(&[("REF_AREA", "PHL"), ("FREQ", "A"), ("SEX", "SEX_F")]));
    assert!(!region.allows_key(&[("REF_AREA", "THA"), ("FREQ", "A")]));
    assert!(!region.allows_key(&[("REF_AREA", "PHL"), ("FREQ", "M")]));
    assert!(!region.allows_key(&[("REF_AREA", "PHL"), ("SEX", "SEX_O")]));
    assert!(!region.allows_key(&[("REF_AREA", "PHL"), ("SEX", "NOT_A_CODE")]));
}

#[test]
fn combinations_excluded_by_a_region_are_refused_only_together() {
    let mut s = sample();
    s.constraints[1].cube_regions.push(region(
        false,
        vec![
            select("REF_AREA", true, &["VNM"]),
            select("FREQ", true, &["Q"]),
        ],
    ));
    let r = load(s);
    let df = r.dataflow("DF_X").unwrap();
    // The per-dimension sets keep VNM and Q: each is allowed with other values.
    assert!(codes(&r.allowed_codes(df, "REF_AREA", None).unwrap()).contains(&"VNM"));
    let region = r.allowed_region(df, None).unwrap();
    assert!(region.allows_key(&[("REF_AREA", "VNM"), ("FREQ", "A")]));
    assert!(region.allows_key(&[("REF_AREA", "THA"), ("FREQ", "Q")]));
    assert!(!region.allows_key(&[("REF_AREA", "VNM"), ("FREQ", "Q")]));
}

#[test]
fn key_sets_and_cascading_values_restrict_codes() {
    let mut s = sample();
    s.constraints[1].cube_regions[0].key_values[0] = MemberSelection {
        values: vec![SelectionValue {
            cascade: true,
            ..SelectionValue::new("X84")
        }],
        ..select("REF_AREA", true, &[])
    };
    s.constraints[2].cube_regions.clear();
    s.constraints[2].data_key_sets.push(DataKeySet {
        included: true,
        keys: vec![
            DataKey {
                include: true,
                values: vec![
                    ("REF_AREA".to_owned(), "PHL".to_owned()),
                    ("SEX".to_owned(), "SEX_F".to_owned()),
                ],
            },
            DataKey {
                include: true,
                values: vec![
                    ("REF_AREA".to_owned(), "THA".to_owned()),
                    ("SEX".to_owned(), "SEX_M".to_owned()),
                ],
            },
        ],
    });
    let r = load(s);
    let df = r.dataflow("DF_X").unwrap();
    let pa = r.provision_agreement("PA_PHL_X").unwrap();
    assert_eq!(
        codes(&r.allowed_codes(df, "REF_AREA", None).unwrap()),
        ["X84", "PHL", "THA", "VNM", "IDN"],
        "cascadeValues selects X84 and its children"
    );
    assert_eq!(
        codes(&r.allowed_codes(df, "REF_AREA", Some(pa)).unwrap()),
        ["PHL", "THA"]
    );
    let region = r.allowed_region(df, Some(pa)).unwrap();
    assert!(region.allows_key(&[("REF_AREA", "PHL"), ("SEX", "SEX_F")]));
    assert!(!region.allows_key(&[("REF_AREA", "PHL"), ("SEX", "SEX_M")]));
}

#[test]
fn actual_constraints_do_not_restrict_validity() {
    let mut s = sample();
    s.constraints[0].role = ConstraintRole::Actual;
    let r = load(s);
    let df = r.dataflow("DF_X").unwrap();
    assert_eq!(
        codes(&r.allowed_codes(df, "FREQ", None).unwrap()),
        ["A", "Q", "M"]
    );
}

#[test]
fn provider_constraints_apply_through_the_agreement() {
    let mut s = sample();
    s.constraints[2].attachment = ConstraintAttachment {
        data_provider: Some(provider()),
        ..Default::default()
    };
    let r = load(s);
    let df = r.dataflow("DF_X").unwrap();
    let pa = r.provision_agreement("PA_PHL_X").unwrap();
    assert_eq!(
        codes(&r.allowed_codes(df, "REF_AREA", Some(pa)).unwrap()),
        ["PHL"]
    );
    assert_eq!(
        codes(&r.allowed_codes(df, "REF_AREA", None).unwrap()).len(),
        3
    );
}

#[test]
fn an_agreement_for_another_dataflow_is_refused() {
    let mut s = sample();
    let mut other = s.dataflows[0].clone();
    other.meta.id = "DF_Y".to_owned();
    s.dataflows.push(other);
    let r = load(s);
    let df_y = r.dataflow("DF_Y").unwrap();
    let pa = r.provision_agreement("PA_PHL_X").unwrap();
    let err = r
        .allowed_codes(df_y, "REF_AREA", Some(pa))
        .unwrap_err()
        .to_string();
    assert!(err.contains("PA_PHL_X") && err.contains("DF_Y"), "{err}");
}

#[test]
fn unknown_components_are_errors_listing_the_dimensions() {
    let r = load(sample());
    let df = r.dataflow("DF_X").unwrap();
    let err = r.allowed_codes(df, "AGE", None).unwrap_err().to_string();
    assert!(
        err.contains("AGE") && err.contains("REF_AREA, FREQ, SEX, TIME_PERIOD"),
        "{err}"
    );
}

#[test]
fn every_dangling_reference_is_reported_with_both_urns() {
    let mut s = sample();
    s.codelists
        .retain(|c| c.meta.id != "CL_SEX" && c.meta.id != "CL_FREQ");
    s.data_provider_schemes[0].providers.clear();
    let err = Registry::from_structures([("x.xml".to_owned(), s)]).unwrap_err();
    let messages: Vec<String> = err.errors.iter().map(ToString::to_string).collect();
    let all = messages.join("\n");
    assert!(err.only_references());
    assert!(!err.has_unreadable());
    // The concept SEX and the DSD dimension FREQ both point at missing codelists.
    assert!(all.contains(
        "urn:sdmx:org.sdmx.infomodel.conceptscheme.ConceptScheme=ILO:CS_X(1.0) concept SEX refers to urn:sdmx:org.sdmx.infomodel.codelist.Codelist=ILO:CL_SEX(1.0)"
    ), "{all}");
    assert!(all.contains(
        "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=ILO:DSD_X(1.0) dimension FREQ refers to urn:sdmx:org.sdmx.infomodel.codelist.Codelist=ILO:CL_FREQ(1.0)"
    ), "{all}");
    assert!(all.contains(
        "urn:sdmx:org.sdmx.infomodel.registry.ProvisionAgreement=ILO:PA_PHL_X(1.0) refers to urn:sdmx:org.sdmx.infomodel.base.DataProvider=ILO:DATA_PROVIDERS(1.0).PHL_PSA"
    ), "{all}");
    assert_eq!(messages.len(), 3, "{all}");
    // What could be loaded is still there.
    assert_eq!(err.partial.counts().codelists, 2);
}

#[test]
fn missing_concepts_dataflows_and_constraint_targets_are_dangling() {
    let mut s = sample();
    s.concept_schemes[0]
        .concepts
        .retain(|c| c.item.id != "TIME_PERIOD");
    s.data_structures.clear();
    s.provision_agreements.clear();
    let err = Registry::from_structures([("x.xml".to_owned(), s)]).unwrap_err();
    let all = err
        .errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(all.contains("Dataflow=ILO:DF_X(1.0) refers to urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=ILO:DSD_X(~)"), "{all}");
    assert!(all.contains("ContentConstraint=ILO:CR_DSD_X(1.0) refers to urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=ILO:DSD_X(1.0)"), "{all}");
    assert!(all.contains("ContentConstraint=ILO:CR_PA_PHL_X(1.0) refers to urn:sdmx:org.sdmx.infomodel.registry.ProvisionAgreement=ILO:PA_PHL_X(1.0)"), "{all}");
}

#[test]
fn versions_resolve_by_query() {
    let mut s = sample();
    s.codelists.push(codelist("CL_SEX", "1.1", &["SEX_T"]));
    s.codelists
        .push(codelist("CL_SEX", "2.0.0-draft", &["SEX_X"]));
    s.concept_schemes[0].concepts[2].core_representation =
        Some(Representation::coded(ArtefactRef {
            version: "+".parse().unwrap(),
            ..cl_ref("CL_SEX", "1.0")
        }));
    let r = load(s);
    let df = r.dataflow("DF_X").unwrap();
    // `+` picks the latest stable version, 1.1, not the 2.0.0 draft.
    assert_eq!(codes(&r.allowed_codes(df, "SEX", None).unwrap()), ["SEX_T"]);
    assert_eq!(
        r.codelist("ILO:CL_SEX(~)").unwrap().meta.version,
        v("2.0.0-draft")
    );
    assert_eq!(r.codelist("ILO:CL_SEX(+)").unwrap().meta.version, v("1.1"));
    assert_eq!(r.codelist("ILO:CL_SEX(1.0)").unwrap().codes.len(), 4);
    assert_eq!(
        r.codelist("ILO:CL_SEX").unwrap().meta.version,
        v("2.0.0-draft")
    );
    let err = r.codelist("CL_SEX").unwrap_err().to_string();
    assert!(
        err.contains("CL_SEX(1.0)") && err.contains("CL_SEX(1.1)"),
        "{err}"
    );
    assert_eq!(r.codelist("CL_SEX(1.1)").unwrap().codes.len(), 1);
    let err = r.codelist("ILO:CL_SEX(*)").unwrap_err();
    assert!(matches!(err, StructureError::Ambiguous { .. }), "{err}");
}

#[test]
fn lookups_accept_urns_short_forms_and_unambiguous_ids() {
    let mut s = sample();
    // A DSD and a dataflow sharing an id: the bare id is ambiguous, the class is not.
    let mut same_id = s.data_structures[0].clone();
    same_id.meta.id = "DF_X".to_owned();
    s.data_structures.push(same_id);
    let r = load(s);
    let by_urn = r
        .find("urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ILO:DF_X(1.0)")
        .unwrap();
    assert_eq!(by_urn.class(), ArtefactClass::Dataflow);
    let by_item = r
        .find("urn:sdmx:org.sdmx.infomodel.codelist.Code=ILO:CL_SEX(1.0).SEX_F")
        .unwrap();
    assert_eq!(by_item.meta().id, "CL_SEX");
    assert_eq!(r.find("CL_AREA").unwrap().class(), ArtefactClass::Codelist);
    assert_eq!(
        r.find("ILO:CS_X(1.0)").unwrap().class(),
        ArtefactClass::ConceptScheme
    );
    let err = r.find("DF_X").unwrap_err().to_string();
    assert!(
        err.contains("urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ILO:DF_X(1.0)")
            && err
                .contains("urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=ILO:DF_X(1.0)"),
        "{err}"
    );
    assert!(r.dataflow("DF_X").is_ok());
    assert!(matches!(
        r.find("NOPE"),
        Err(StructureError::NotFound { .. })
    ));
    assert!(matches!(
        r.find("urn:sdmx:org.sdmx.infomodel.codelist.Codelist=ILO:CL_SEX(9.0)"),
        Err(StructureError::NotFound { .. })
    ));
    assert!(matches!(
        r.find("urn:nonsense"),
        Err(StructureError::Invalid { .. })
    ));
}

#[test]
fn identical_duplicates_are_tolerated_and_conflicts_name_both_files() {
    let s = sample();
    let r = Registry::from_structures([
        ("a.xml".to_owned(), s.clone()),
        ("b.xml".to_owned(), s.clone()),
    ])
    .unwrap();
    assert_eq!(r.counts().codelists, 4);
    assert_eq!(
        r.source_of("urn:sdmx:org.sdmx.infomodel.codelist.Codelist=ILO:CL_SEX(1.0)"),
        Some("a.xml")
    );
    let mut changed = Structures::default();
    changed
        .codelists
        .push(codelist("CL_SEX", "1.0", &["SEX_T"]));
    let err = Registry::from_structures([("a.xml".to_owned(), s), ("b.xml".to_owned(), changed)])
        .unwrap_err();
    assert_eq!(err.errors.len(), 1);
    let msg = err.errors[0].to_string();
    assert!(
        msg.contains("urn:sdmx:org.sdmx.infomodel.codelist.Codelist=ILO:CL_SEX(1.0)")
            && msg.contains("a.xml")
            && msg.contains("b.xml"),
        "{msg}"
    );
}

#[test]
fn counts_cover_every_type() {
    let c = load(sample()).counts();
    assert_eq!(
        (
            c.codelists,
            c.codes,
            c.conceptschemes,
            c.concepts,
            c.datastructures
        ),
        (4, 15, 1, 6, 1)
    );
    assert_eq!(
        (
            c.dataflows,
            c.constraints,
            c.dataproviderschemes,
            c.provisionagreements,
            c.agencyschemes
        ),
        (1, 3, 1, 1, 0)
    );
}

#[test]
fn constraints_selecting_unknown_components_or_codes_are_warned_about() {
    let mut s = sample();
    s.constraints[1].cube_regions[0]
        .key_values
        .push(select("AGE", true, &["AGE_Y15-64"]));
    s.constraints[2].cube_regions[0]
        .key_values
        .push(select("SEX", true, &["SEX_X", "SEX_%"]));
    let (_, warnings) = Registry::build(vec![("x.xml".to_owned(), s)], Vec::new(), Vec::new())
        .unwrap_or_else(|e| panic!("{e}"));
    let all: Vec<String> = warnings.iter().map(ToString::to_string).collect();
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(all[0].starts_with("x.xml: warning: urn:sdmx:org.sdmx.infomodel.registry.ContentConstraint=ILO:CR_DF_X(1.0): selects dimension AGE, which ILO:DSD_X(1.0) does not have"), "{all:?}");
    assert!(all[1].contains("CR_PA_PHL_X(1.0): selects SEX_X for dimension SEX, which is not a code of ILO:CL_SEX(1.0)"), "{all:?}");
    // A clean set has no warnings.
    let (_, warnings) =
        Registry::build(vec![("x.xml".to_owned(), sample())], Vec::new(), Vec::new()).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn a_measure_dimension_enumerated_by_a_concept_scheme_takes_its_concepts() {
    let mut s = sample();
    s.data_structures[0].dimensions[2].kind = DimensionKind::Measure;
    s.data_structures[0].dimensions[2].representation = Some(Representation::coded(cs_ref()));
    let r = load(s);
    let df = r.dataflow("DF_X").unwrap();
    let measure = r.allowed_codes(df, "SEX", None).unwrap();
    assert_eq!(
        measure.codelist.as_ref().map(|c| c.class),
        Some(ArtefactClass::ConceptScheme)
    );
    // The concept ids are the values, in scheme order.
    assert_eq!(
        codes(&measure),
        [
            "REF_AREA",
            "FREQ",
            "SEX",
            "TIME_PERIOD",
            "OBS_VALUE",
            "OBS_STATUS"
        ]
    );
}

#[test]
fn items_of_external_reference_stubs_are_not_checked() {
    let mut s = sample();
    s.concept_schemes[0].concepts.clear();
    s.concept_schemes[0].meta.is_external_reference = Some(true);
    let r = load(s);
    assert_eq!(r.counts().concepts, 0);
}

#[test]
fn a_missing_scheme_is_reported_by_the_item_referred_to() {
    let mut s = sample();
    s.concept_schemes.clear();
    let err = Registry::from_structures([("x.xml".to_owned(), s)]).unwrap_err();
    let all = err
        .errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>();
    assert!(all.contains(&"urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=ILO:DSD_X(1.0) dimension REF_AREA refers to urn:sdmx:org.sdmx.infomodel.conceptscheme.Concept=ILO:CS_X(1.0).REF_AREA, which is not loaded; add the file that defines it (--structure)".to_owned()), "{all:#?}");
    // One error per component: four dimensions, one attribute, one measure.
    assert_eq!(all.len(), 6, "{all:#?}");
}

#[test]
fn a_reference_matching_several_versions_is_ambiguous() {
    let mut s = sample();
    let mut newer = s.data_structures[0].clone();
    newer.meta.version = v("1.1");
    s.data_structures.push(newer);
    s.dataflows[0].structure = Some(ArtefactRef {
        version: VersionReq::All,
        ..dsd_ref()
    });
    let err = Registry::from_structures([("x.xml".to_owned(), s)]).unwrap_err();
    assert_eq!(err.errors.len(), 1, "{err}");
    let StructureError::Ambiguous {
        referrer,
        candidates,
        ..
    } = &err.errors[0]
    else {
        panic!("expected ambiguous, got {}", err.errors[0]);
    };
    assert_eq!(
        referrer,
        "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ILO:DF_X(1.0)"
    );
    assert!(
        candidates.contains("DSD_X(1.0)") && candidates.contains("DSD_X(1.1)"),
        "{candidates}"
    );
}

#[test]
fn a_partial_codelist_gives_way_to_the_full_one() {
    let mut partial = codelist("CL_SEX", "1.0", &["SEX_F"]);
    partial.is_partial = Some(true);
    let before = Structures {
        codelists: vec![partial.clone()],
        ..Default::default()
    };
    // Partial first, then the full one: the full one replaces it.
    let r = Registry::from_structures([
        ("partial.xml".to_owned(), before.clone()),
        ("full.xml".to_owned(), sample()),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.codelist("CL_SEX").unwrap().codes.len(), 4);
    assert_eq!(
        r.source_of("urn:sdmx:org.sdmx.infomodel.codelist.Codelist=ILO:CL_SEX(1.0)"),
        Some("full.xml")
    );
    // Full first, then partial: the partial one is dropped.
    let r = Registry::from_structures([
        ("full.xml".to_owned(), sample()),
        ("partial.xml".to_owned(), before),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.codelist("CL_SEX").unwrap().codes.len(), 4);
}
