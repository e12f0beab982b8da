//! SDMX-ML 2.1 structure messages: facts of real TCK fixtures checked by hand,
//! documented failures, read → write → read, schema validation and error paths.

use sdmx_gateway::model::{
    ArtefactClass, AttributeRelationship, Codelist, ConstraintRole, DimensionKind, Structures,
    TimeRange, UsageStatus,
};
use sdmx_gateway::structure::{MessageHeader, ReadOutcome, StructureError, xml21};

use crate::util::{fixture, temp_dir, xmllint_21};

/// Every TCK fixture that loads.
const LOADABLE: &[&str] = &[
    "DFXmlForDataFurtherDescribingResults.xml",
    "DFXmlForDataIdentification.xml",
    "DSD_ECB_ECB_RAI1_1.0.xml",
    "DataAvailabilityAll.xml",
    "DataAvailabilityComplexKeyExact.xml",
    "DataAvailabilityRefConceptScheme.xml",
    "DataAvailabilityRefDF.xml",
    "DataAvailabilityRefDSD.xml",
    "DataAvailabilityRefProvScheme.xml",
    "DataAvailabilitySimpleKeyAvailable.xml",
    "DataAvailabilitySimpleKeyExact.xml",
    "DataAvailabilitySingleDimension.xml",
    "ECB+ECB_EXR1+1.0.xml",
    "TargetCatParentsandsiblings.xml",
    "contentConstraintDataRetrieval.xml",
    "contentconstraint.xml",
    "contentconstraint_DF_constrainable.xml",
    "contentconstraint_DSD_constrainable.xml",
    "contentconstraint_DataKeysets.xml",
    "contentconstraint_PRA_constrainable.xml",
    "dsd.xml",
    "dsdGroup.xml",
    "dsdMultipleGroups.xml",
    "provisionagreement.xml",
    "structureSet.xml",
    "structuresets2.xml",
    "testXml.xml",
];

/// TCK fixtures that are not namespace-well-formed: an element uses a prefix that
/// is never declared. (file, line, column, prefix).
const BROKEN: &[(&str, u32, u32, &str)] = &[
    ("codelist.xml", 17, 22, "structure"),
    ("DataAvailabilityRefAll.xml", 326, 7, "structure"),
    ("DataAvailabilityRefCodelist.xml", 298, 7, "structure"),
    ("xmlForObsType.xml", 169, 20, "str"),
];

fn text(name: &str) -> String {
    std::fs::read_to_string(fixture(&format!("structure/tck/{name}"))).unwrap()
}

fn load(name: &str) -> ReadOutcome {
    xml21::read(&text(name), name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn write(s: &Structures) -> String {
    let mut out = Vec::new();
    xml21::write(s, &MessageHeader::default(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn names(c: &Codelist, id: &str) -> (String, Option<String>) {
    let code = c.code(id).unwrap_or_else(|| panic!("code {id}"));
    (
        code.names.get("en").unwrap().to_owned(),
        code.parent.clone(),
    )
}

#[test]
fn every_fixture_is_listed_as_loadable_or_broken() {
    let mut all: Vec<String> = std::fs::read_dir(fixture("structure/tck"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".xml"))
        .collect();
    all.sort();
    let mut listed: Vec<String> = LOADABLE
        .iter()
        .copied()
        .chain(BROKEN.iter().map(|b| b.0))
        .map(str::to_owned)
        .collect();
    listed.sort();
    assert_eq!(all, listed);
}

#[test]
fn broken_fixtures_fail_with_a_located_error() {
    for (name, line, column, prefix) in BROKEN {
        match xml21::read(&text(name), name) {
            Err(StructureError::Malformed {
                location, message, ..
            }) => {
                assert_eq!(location.file, *name);
                assert_eq!((location.line, location.column), (*line, *column), "{name}");
                assert!(message.contains(prefix), "{name}: {message}");
            }
            other => panic!("{name}: expected a malformed-XML error, got {other:?}"),
        }
    }
}

#[test]
fn reads_a_dsd_with_dimensions_attributes_and_measure() {
    let s = load("dsd.xml").structures;
    assert_eq!(s.len(), 1);
    let d = &s.data_structures[0];
    assert_eq!(
        (d.meta.agency.as_str(), d.meta.id.as_str()),
        ("ESTAT", "HICPAP")
    );
    assert_eq!(d.meta.version.to_string(), "2.0");
    assert_eq!(d.meta.is_final, Some(true));
    assert_eq!(d.meta.names.get("en"), Some("HICP AP DSD"));
    let ids: Vec<(&str, u32)> = d
        .dimensions
        .iter()
        .map(|x| (x.id.as_str(), x.position))
        .collect();
    assert_eq!(
        ids,
        [
            ("FREQ", 1),
            ("REF_AREA", 2),
            ("IND_TYPE", 3),
            ("IDX_TYPE", 4),
            ("ITEM", 5),
            ("TIME_PERIOD", 6)
        ]
    );
    let time = d.time_dimension().unwrap();
    assert_eq!(time.kind, DimensionKind::Time);
    assert_eq!(
        time.representation
            .as_ref()
            .unwrap()
            .text_format
            .as_ref()
            .unwrap()
            .data_type
            .unwrap()
            .name(),
        "ObservationalTimePeriod"
    );
    let area = d.dimension("REF_AREA").unwrap();
    let cl = area
        .representation
        .as_ref()
        .unwrap()
        .enumeration
        .as_ref()
        .unwrap();
    assert_eq!(
        cl.urn(),
        "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=IMF:CL_AREA(1.9)"
    );
    let concept = area.concept.as_ref().unwrap();
    assert_eq!(
        concept.urn(),
        "urn:sdmx:org.sdmx.infomodel.conceptscheme.Concept=ESTAT:CS_PRICE(1.1).REF_AREA"
    );
    let diss = d.attribute("DISS_ORG").unwrap();
    assert_eq!(diss.usage, UsageStatus::Conditional);
    assert_eq!(
        diss.relationship,
        AttributeRelationship::Dimensions {
            dimensions: ["FREQ", "REF_AREA", "IND_TYPE", "IDX_TYPE", "ITEM"]
                .map(str::to_owned)
                .to_vec(),
            attachment_groups: vec![],
        }
    );
    let decimals = d.attribute("DECIMALS").unwrap();
    assert_eq!(decimals.usage, UsageStatus::Mandatory);
    assert_eq!(decimals.relationship, AttributeRelationship::Observation);
    assert_eq!(d.measures.len(), 1);
    assert_eq!(d.measures[0].id, "OBS_VALUE");
}

#[test]
fn reads_groups_and_group_attachment() {
    let s = load("dsdMultipleGroups.xml").structures;
    let d = &s.data_structures[0];
    let groups: Vec<(&str, usize)> = d
        .groups
        .iter()
        .map(|g| (g.id.as_str(), g.dimensions.len()))
        .collect();
    assert_eq!(groups, [("SiblingGroup", 4), ("RateGroup", 2)]);
    assert_eq!(
        d.groups[1].dimensions,
        ["EXR_TYPE", "EXR_VAR"].map(str::to_owned)
    );
    let coll = d.attribute("COLL_METHOD").unwrap();
    assert_eq!(coll.usage, UsageStatus::Conditional);
    assert_eq!(
        coll.relationship,
        AttributeRelationship::Group("RateGroup".into())
    );
    // Concept given as a <URN> rather than a <Ref>.
    assert_eq!(
        coll.concept.as_ref().unwrap().urn(),
        "urn:sdmx:org.sdmx.infomodel.conceptscheme.Concept=SDMX:CROSS_DOMAIN_CONCEPTS(1.0).COLL_METHOD"
    );
    let decimals = d.attribute("DECIMALS").unwrap();
    assert_eq!(decimals.usage, UsageStatus::Mandatory);
    assert_eq!(
        decimals.relationship,
        AttributeRelationship::Dimensions {
            dimensions: ["CURRENCY", "CURRENCY_DENOM", "EXR_TYPE"]
                .map(str::to_owned)
                .to_vec(),
            attachment_groups: vec!["SiblingGroup".to_owned()],
        }
    );
}

#[test]
fn reads_codelists_with_names_parents_and_annotations() {
    let s = load("testXml.xml").structures;
    assert_eq!(s.codelists.len(), 12);
    assert_eq!(s.concept_schemes.len(), 2);
    let sex = s.codelists.iter().find(|c| c.meta.id == "CL_SEX").unwrap();
    assert_eq!(sex.meta.version.to_string(), "2.0");
    assert_eq!(sex.codes.len(), 2);
    assert_eq!(names(sex, "F"), ("Female".to_owned(), None));
    let occ = s
        .codelists
        .iter()
        .find(|c| c.meta.id == "CL_OCCUPATION")
        .unwrap();
    assert_eq!(occ.codes.len(), 619);
    assert_eq!(names(occ, "OC1"), ("Managers".to_owned(), None));
    assert_eq!(
        names(occ, "OC1111"),
        ("Legislators".to_owned(), Some("OC111".to_owned()))
    );
    let cdc = s
        .concept_schemes
        .iter()
        .find(|c| c.meta.id == "CROSS_DOMAIN_CONCEPTS")
        .unwrap();
    let acc = cdc.concept("ACCURACY").unwrap();
    assert_eq!(acc.item.annotations.len(), 1);
    let a = &acc.item.annotations[0];
    assert_eq!(a.annotation_type.as_deref(), Some("CONTEXT"));
    // Entities in annotation text are decoded.
    assert!(a.text.get("en").unwrap().contains("\"Accuracy - overall\""));
    assert_eq!(
        cdc.concept("ACCURACY_OVERALL")
            .unwrap()
            .item
            .parent
            .as_deref(),
        Some("ACCURACY")
    );
}

#[test]
fn reads_code_hierarchies_and_skips_category_schemes_with_warnings() {
    let o = load("TargetCatParentsandsiblings.xml");
    assert_eq!(o.structures.codelists.len(), 1);
    let skipped: Vec<String> = o
        .warnings
        .iter()
        .map(|w| format!("{}", w.location))
        .collect();
    assert_eq!(
        skipped,
        [
            "TargetCatParentsandsiblings.xml:12:4",
            "TargetCatParentsandsiblings.xml:36:4"
        ]
    );
    assert!(
        o.warnings[0]
            .message
            .contains("CategoryScheme SDMX:STAT_SUBJECT_MATTER")
    );
}

#[test]
fn reads_a_partial_concept_scheme_and_a_provider_scheme() {
    let s = load("DataAvailabilityRefConceptScheme.xml").structures;
    let cs = &s.concept_schemes[0];
    assert_eq!(cs.meta.id, "ECB_CONCEPTS");
    assert_eq!(cs.meta.is_final, Some(false));
    let ids: Vec<&str> = cs.concepts.iter().map(|c| c.item.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "CURRENCY",
            "FREQ",
            "CURRENCY_DENOM",
            "EXR_SUFFIX",
            "EXR_TYPE",
            "TIME_PERIOD"
        ]
    );
    let s = load("DataAvailabilityRefProvScheme.xml").structures;
    let p = &s.data_provider_schemes[0];
    assert_eq!(
        (p.meta.agency.as_str(), p.meta.id.as_str()),
        ("ECB", "DATA_PROVIDERS")
    );
    assert_eq!(p.providers.len(), 1);
    assert_eq!(p.providers[0].item.id, "ECB");
    let c = &s.constraints[0];
    assert_eq!(c.attachment.dataflows[0].id, "EXR");
    let currencies: Vec<&str> = c.cube_regions[0].key_values[0]
        .values
        .iter()
        .take(3)
        .map(|v| v.value.as_str())
        .collect();
    assert_eq!(currencies, ["RON", "EGP", "BGN"]);
}

#[test]
fn reads_cube_regions_with_include_flags() {
    let s = load("contentconstraint.xml").structures;
    let c = &s.constraints[0];
    assert_eq!(c.meta.id, "CR_HICP_AP_A");
    assert_eq!(c.attachment.dataflows.len(), 2);
    assert_eq!(
        c.attachment.dataflows[1].urn(),
        "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ESTAT:HICP_AP_A(2.0)"
    );
    assert_eq!(c.cube_regions.len(), 2);
    let r = &c.cube_regions[0];
    assert!(r.include);
    let item = &r.key_values[0];
    assert_eq!(item.component, "ITEM");
    assert!(!item.include);
    assert!(!c.cube_regions[1].include);
    assert_eq!(c.cube_regions[1].key_values[0].component, "SPECIAL_ITEM");
}

#[test]
fn reads_data_key_sets() {
    let s = load("contentconstraint_DataKeysets.xml").structures;
    let c = &s.constraints[0];
    // A dotted (nested) agency id.
    assert_eq!(c.meta.agency, "ECB.DISS");
    assert_eq!(c.meta.id, "SEC_PUB_CONSTRAINTS");
    assert_eq!(c.role, ConstraintRole::Allowed);
    assert_eq!(
        c.attachment.dataflows[0].urn(),
        "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ECB.DISS:SEC_PUB(1.0)"
    );
    assert_eq!(c.data_key_sets.len(), 1);
    let ks = &c.data_key_sets[0];
    assert!(!ks.included);
    assert_eq!(ks.keys.len(), 398);
    let first: Vec<(&str, &str)> = ks.keys[0]
        .values
        .iter()
        .map(|(d, v)| (d.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        first,
        [
            ("FREQ", "M"),
            ("REF_AREA", "A1"),
            ("SEC_ISSUING_SECTOR", "1000"),
            ("SEC_ITEM", "F33000"),
            ("SEC_VALUATION", "N"),
            ("DATA_TYPE_SEC", "1"),
            ("CURRENCY_TRANS", "EUR"),
            ("SERIES_DENOM", "E"),
            ("SEC_SUFFIX", "Z")
        ]
    );
}

#[test]
fn reads_provision_agreements() {
    let s = load("provisionagreement.xml").structures;
    assert_eq!(s.provision_agreements.len(), 8);
    let p = &s.provision_agreements[3];
    assert_eq!(p.meta.id, "PA_NAMAIN_IDC_N_IMF");
    assert_eq!(p.meta.version.to_string(), "1.9");
    assert_eq!(p.meta.is_final, Some(false));
    assert_eq!(
        p.dataflow.urn(),
        "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ESTAT:NAMAIN_IDC_N(1.9)"
    );
    assert_eq!(
        p.data_provider.urn(),
        "urn:sdmx:org.sdmx.infomodel.base.DataProvider=ESTAT:DATA_PROVIDERS(1.0).IMF"
    );
}

#[test]
fn reads_a_constraint_role() {
    let s = load("contentconstraint_PRA_constrainable.xml").structures;
    assert_eq!(s.constraints[0].role, ConstraintRole::Allowed);
    assert_eq!(s.constraints[0].attachment.provision_agreements.len(), 1);
}

#[test]
fn round_trips_every_loadable_fixture() {
    for name in LOADABLE {
        let first = load(name).structures;
        let written = write(&first);
        let again = xml21::read(&written, name)
            .unwrap_or_else(|e| panic!("{name} rewritten: {e}"))
            .structures;
        assert_eq!(first, again, "{name} differs after write → read");
    }
}

#[test]
#[ignore = "needs xmllint and the official XSDs (scripts/test.sh)"]
fn written_messages_validate_against_the_21_schema() {
    let dir = temp_dir("xml21-xmllint");
    for name in LOADABLE {
        let path = dir.join(name);
        std::fs::write(&path, write(&load(name).structures)).unwrap();
        xmllint_21(&path);
    }
}

#[test]
fn refuses_a_doctype_with_entities() {
    let bomb = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<mes:Structure xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message">&lol2;</mes:Structure>"#;
    match xml21::read(bomb, "bomb.xml") {
        Err(e @ StructureError::Doctype { .. }) => {
            assert!(e.to_string().starts_with("bomb.xml:2:"), "{e}");
        }
        other => panic!("expected a DOCTYPE refusal, got {other:?}"),
    }
}

#[test]
fn reports_a_truncated_file_with_its_position() {
    let t = text("dsd.xml");
    let cut = &t[..t.len() / 2];
    match xml21::read(cut, "cut.xml") {
        Err(StructureError::Malformed { location, .. }) => {
            assert_eq!(location.file, "cut.xml");
            // The cut falls inside line 141 (counted by hand): the error points there.
            assert_eq!(location.line, 141, "{location}");
        }
        other => panic!("expected malformed XML, got {other:?}"),
    }
}

fn full() -> ReadOutcome {
    let t = std::fs::read_to_string(fixture("structure/xml21/full.xml")).unwrap();
    xml21::read(&t, "full.xml").unwrap()
}

#[test]
fn reads_multilingual_names_annotations_and_order_totals() {
    let s = full().structures;
    let sex = &s.codelists[0];
    assert_eq!(sex.meta.names.get("fr"), Some("Sexe"));
    assert_eq!(sex.meta.valid_from.as_deref(), Some("2020-01-01T00:00:00Z"));
    let a = &sex.meta.annotations[0];
    assert_eq!(a.id.as_deref(), Some("src"));
    assert_eq!(a.title.as_deref(), Some("ILOSTAT"));
    assert_eq!(a.annotation_type.as_deref(), Some("SOURCE"));
    assert_eq!(a.url.as_deref(), Some("https://ilostat.ilo.org/"));
    assert_eq!(a.text.get("fr"), Some("D'ILOSTAT"));
    let total = sex.code("SEX_T").unwrap();
    assert!(Codelist::is_total(total));
    assert_eq!(Codelist::order(total), Some(1));
    let f = sex.code("SEX_F").unwrap();
    assert!(!Codelist::is_total(f));
    assert_eq!(Codelist::order(f), Some(3));
    assert_eq!(f.parent.as_deref(), Some("SEX_T"));
    assert_eq!(f.names.get("fr"), Some("Femmes"));
    assert_eq!(f.descriptions.get("en"), Some("Women & girls"));
}

#[test]
fn keeps_external_reference_stubs() {
    let s = full().structures;
    let stub = &s.codelists[1];
    assert_eq!(stub.meta.id, "CL_AREA");
    assert_eq!(stub.meta.is_external_reference, Some(true));
    assert_eq!(stub.is_partial, Some(true));
    assert!(stub.codes.is_empty());
}

#[test]
fn reads_references_in_both_forms_with_schema_defaults() {
    let s = full().structures;
    assert_eq!(
        s.dataflows[0].structure.as_ref().unwrap().urn(),
        "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=ILO:DSD_MIG(1.0)"
    );
    let d = &s.data_structures[0];
    let sex = d.dimension("SEX").unwrap();
    let rep = sex.representation.as_ref().unwrap();
    assert_eq!(
        rep.enumeration.as_ref().unwrap().urn(),
        "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=ILO:CL_SEX(1.0)"
    );
    assert_eq!(rep.enumeration_format.as_ref().unwrap().max_length, Some(5));
    // A Ref without class or maintainableParentVersion: Concept of version 1.0.
    let m = d.dimension("MEASURE").unwrap();
    assert_eq!(m.kind, DimensionKind::Measure);
    assert_eq!(
        m.concept.as_ref().unwrap().urn(),
        "urn:sdmx:org.sdmx.infomodel.conceptscheme.Concept=ILO:CS_MIG(1.0).MEASURE"
    );
    assert_eq!(
        m.representation
            .as_ref()
            .unwrap()
            .enumeration
            .as_ref()
            .unwrap()
            .class,
        ArtefactClass::ConceptScheme
    );
    let cs = &s.concept_schemes[0];
    let obs = cs
        .concept("OBS_VALUE")
        .unwrap()
        .core_representation
        .as_ref()
        .unwrap();
    let tf = obs.text_format.as_ref().unwrap();
    assert_eq!(tf.data_type.unwrap().name(), "Decimal");
    assert_eq!(
        (tf.decimals, tf.min_value.as_deref(), tf.max_length),
        (Some(2), Some("0"), Some(20))
    );
    assert_eq!(
        cs.concept("NOTE").unwrap().item.parent.as_deref(),
        Some("OBS_VALUE")
    );
    let unit = d.attribute("UNIT").unwrap();
    assert_eq!(
        unit.relationship,
        AttributeRelationship::Group("AREA_SEX".into())
    );
    assert_eq!(
        unit.representation
            .as_ref()
            .unwrap()
            .text_format
            .as_ref()
            .unwrap()
            .pattern
            .as_deref(),
        Some("[A-Z]+")
    );
    assert_eq!(
        d.attribute("SOURCE").unwrap().relationship,
        AttributeRelationship::None
    );
    assert_eq!(
        d.groups[0].dimensions,
        ["REF_AREA", "SEX"].map(str::to_owned)
    );
    let pa = &s.provision_agreements[0];
    assert_eq!(
        pa.data_provider.urn(),
        "urn:sdmx:org.sdmx.infomodel.base.DataProvider=ILO:DATA_PROVIDERS(1.0).PHL_PSA"
    );
}

#[test]
fn reads_organisation_schemes_with_contacts() {
    let s = full().structures;
    let ilo = &s.agency_schemes[0].agencies[0];
    assert_eq!(
        ilo.item.names.get("fr"),
        Some("Organisation internationale du Travail")
    );
    let c = &ilo.contacts[0];
    assert_eq!(c.names.get("en"), Some("ILOSTAT team"));
    assert_eq!(c.department.get("en"), Some("Department of Statistics"));
    assert_eq!(c.telephones, ["+41 22 799 6111"]);
    assert_eq!(c.emails, ["ilostat@ilo.org"]);
    let p = &s.data_provider_schemes[0];
    assert_eq!(p.providers.len(), 2);
    assert_eq!(
        p.provider("THA_NSO").unwrap().item.names.get("en"),
        Some("National Statistical Office of Thailand")
    );
}

#[test]
fn reads_constraints_with_key_sets_cascades_and_time_ranges() {
    let s = full().structures;
    let c = &s.constraints[0];
    assert_eq!(c.role, ConstraintRole::Allowed);
    assert_eq!(c.attachment.dataflows[0].id, "DF_MIG");
    let ks = &c.data_key_sets[0];
    assert!(!ks.included);
    assert_eq!(
        ks.keys[0].values,
        [
            ("REF_AREA".to_owned(), "PHL".to_owned()),
            ("SEX".to_owned(), "SEX_F".to_owned())
        ]
    );
    let r = &c.cube_regions[0];
    let areas: Vec<&str> = r.key_values[0]
        .values
        .iter()
        .map(|v| v.value.as_str())
        .collect();
    assert_eq!(areas, ["PHL", "THA"]);
    assert!(r.key_values[1].values[0].cascade);
    match r.key_values[2].time_range.as_ref().unwrap() {
        TimeRange::Between { start, end } => {
            assert_eq!((start.period.as_str(), start.inclusive), ("2010", true));
            assert_eq!((end.period.as_str(), end.inclusive), ("2020", false));
        }
        other => panic!("expected a range, got {other:?}"),
    }
    assert_eq!(r.attributes[0].component, "UNIT");
    assert!(!r.attributes[0].include);
    // No type attribute: the schema default, Actual.
    let phl = &s.constraints[1];
    assert_eq!(phl.role, ConstraintRole::Actual);
    assert_eq!(
        phl.attachment.data_provider.as_ref().unwrap().item_id,
        "PHL_PSA"
    );
    assert!(phl.cube_regions[0].include);
    match phl.cube_regions[0].key_values[0]
        .time_range
        .as_ref()
        .unwrap()
    {
        TimeRange::Before(b) => assert_eq!((b.period.as_str(), b.inclusive), ("2024-07", false)),
        other => panic!("expected before, got {other:?}"),
    }
}

#[test]
fn warns_about_what_it_skips_with_locations() {
    let w: Vec<String> = full().warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(w.len(), 3, "{w:#?}");
    assert!(
        w[0].starts_with("full.xml:26:4: warning: skipped DataConsumerScheme ILO:DATA_CONSUMERS"),
        "{}",
        w[0]
    );
    assert!(
        w[1].starts_with("full.xml:95:4: warning: skipped HierarchicalCodelist ILO:HCL_X"),
        "{}",
        w[1]
    );
    assert!(
        w[2].starts_with("full.xml:270:5: warning: skipped <ReleaseCalendar>"),
        "{}",
        w[2]
    );
}

#[test]
fn round_trips_the_handwritten_message() {
    let first = full().structures;
    assert_eq!(first.len(), 10);
    let again = xml21::read(&write(&first), "again.xml").unwrap();
    assert_eq!(first, again.structures);
    assert!(again.warnings.is_empty(), "{:?}", again.warnings);
}

#[test]
fn writes_the_header_it_is_given() {
    let h = MessageHeader {
        id: "MSG_1".into(),
        test: true,
        prepared: "2025-05-05T05:05:05Z".into(),
        sender: "ILO".into(),
    };
    let mut out = Vec::new();
    xml21::write(&full().structures, &h, &mut out).unwrap();
    let t = String::from_utf8(out).unwrap();
    assert!(t.contains("<mes:ID>MSG_1</mes:ID>"));
    assert!(t.contains("<mes:Test>true</mes:Test>"));
    assert!(t.contains("<mes:Prepared>2025-05-05T05:05:05Z</mes:Prepared>"));
    assert!(t.contains("<mes:Sender id=\"ILO\"/>"));
    // Schema order of the containers.
    let order = [
        "str:OrganisationSchemes",
        "str:Dataflows",
        "str:Codelists",
        "str:Concepts",
        "str:DataStructures",
        "str:Constraints",
        "str:ProvisionAgreements",
    ];
    let at: Vec<usize> = order
        .iter()
        .map(|o| t.find(&format!("<{o}>")).unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}");
}

#[test]
#[ignore = "needs xmllint and the official XSDs (scripts/test.sh)"]
fn the_handwritten_message_and_its_rewrite_validate() {
    xmllint_21(&fixture("structure/xml21/full.xml"));
    let path = temp_dir("xml21-full").join("full.xml");
    std::fs::write(&path, write(&full().structures)).unwrap();
    xmllint_21(&path);
}

const HEAD: &str = r#"<mes:Structure xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" xmlns:str="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure" xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"><mes:Structures>"#;
const TAIL: &str = "</mes:Structures></mes:Structure>";

fn message(body: &str) -> String {
    format!("{HEAD}\n{body}\n{TAIL}")
}

#[test]
fn refuses_other_roots_and_namespaces() {
    let generic = r#"<mes:GenericData xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"/>"#;
    let v30 =
        r#"<mes:Structure xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message"/>"#;
    let none = "<Structure/>";
    for (text, found) in [
        (generic, "<GenericData>"),
        (v30, "v3_0/message"),
        (none, "no namespace"),
    ] {
        match xml21::read(text, "x.xml") {
            Err(StructureError::NotAStructureMessage { location, message }) => {
                assert_eq!(location.to_string(), "x.xml:1:1");
                assert!(message.contains(found), "{message}");
            }
            other => panic!("expected not-a-structure-message, got {other:?}"),
        }
    }
}

#[test]
fn a_missing_id_or_agency_is_a_located_error() {
    let no_id = message(
        r#"<str:Codelists><str:Codelist agencyID="ILO"><com:Name>x</com:Name></str:Codelist></str:Codelists>"#,
    );
    let e = xml21::read(&no_id, "m.xml").unwrap_err().to_string();
    assert_eq!(
        e,
        "m.xml:2:16: Codelist ILO:?: <Codelist> lacks the required attribute id; add it"
    );
    let no_agency = message(
        r#"<str:Dataflows><str:Dataflow id="DF"><com:Name>x</com:Name></str:Dataflow></str:Dataflows>"#,
    );
    let e = xml21::read(&no_agency, "m.xml").unwrap_err().to_string();
    assert_eq!(
        e,
        "m.xml:2:16: Dataflow ?:DF: <Dataflow> lacks the required attribute agencyID; add it"
    );
    let no_code_id = message(
        r#"<str:Codelists><str:Codelist id="CL" agencyID="ILO"><com:Name>x</com:Name><str:Code><com:Name>c</com:Name></str:Code></str:Codelist></str:Codelists>"#,
    );
    let e = xml21::read(&no_code_id, "m.xml").unwrap_err().to_string();
    assert!(e.starts_with("m.xml:2:75: urn:sdmx:org.sdmx.infomodel.codelist.Codelist=ILO:CL(1.0): <Code> lacks the required attribute id"), "{e}");
}

#[test]
fn bad_references_and_values_are_located_errors() {
    let bad_class = message(
        r#"<str:Dataflows><str:Dataflow id="DF" agencyID="ILO"><com:Name>x</com:Name><str:Structure><Ref agencyID="ILO" id="D" class="Code"/></str:Structure></str:Dataflow></str:Dataflows>"#,
    );
    let e = xml21::read(&bad_class, "m.xml").unwrap_err().to_string();
    assert!(
        e.contains("m.xml:2:90") && e.contains("not a maintainable artefact class"),
        "{e}"
    );
    let bad_urn = message(
        r#"<str:Dataflows><str:Dataflow id="DF" agencyID="ILO"><com:Name>x</com:Name><str:Structure><URN>urn:nonsense</URN></str:Structure></str:Dataflow></str:Dataflows>"#,
    );
    let e = xml21::read(&bad_urn, "m.xml").unwrap_err().to_string();
    assert!(
        e.contains("DF(1.0)") && e.contains("not an SDMX URN"),
        "{e}"
    );
    let bad_version = message(
        r#"<str:Codelists><str:Codelist id="CL" agencyID="ILO" version="one"><com:Name>x</com:Name></str:Codelist></str:Codelists>"#,
    );
    let e = xml21::read(&bad_version, "m.xml").unwrap_err().to_string();
    assert!(
        e.starts_with("m.xml:2:16: Codelist ILO:CL: invalid version \"one\""),
        "{e}"
    );
}

#[test]
fn two_different_artefacts_with_one_urn_conflict() {
    let cl = |name: &str| {
        format!(
            r#"<str:Codelist id="CL" agencyID="ILO" version="1.0"><com:Name xml:lang="en">{name}</com:Name></str:Codelist>"#
        )
    };
    let same = message(&format!(
        "<str:Codelists>{}\n{}</str:Codelists>",
        cl("A"),
        cl("A")
    ));
    let o = xml21::read(&same, "m.xml").unwrap();
    assert_eq!(o.structures.codelists.len(), 1);
    assert_eq!(o.warnings.len(), 1);
    assert!(o.warnings[0].to_string().starts_with("m.xml:3:1: warning: urn:sdmx:org.sdmx.infomodel.codelist.Codelist=ILO:CL(1.0) is defined twice"));
    let different = message(&format!(
        "<str:Codelists>{}\n{}</str:Codelists>",
        cl("A"),
        cl("B")
    ));
    match xml21::read(&different, "m.xml") {
        Err(StructureError::Conflict { urn, first, second }) => {
            assert_eq!(
                urn,
                "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=ILO:CL(1.0)"
            );
            assert_eq!(
                (first.as_str(), second.as_str()),
                ("m.xml:2:16", "m.xml:3:1")
            );
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[test]
fn the_writer_refuses_what_21_cannot_say() {
    let mut s = full().structures;
    let mut c = s.constraints[0].clone();
    c.attachment.data_structures.push(
        s.data_structures[0]
            .meta
            .reference(ArtefactClass::DataStructure),
    );
    s.constraints = vec![c];
    let mut out = Vec::new();
    let e = xml21::write(&s, &MessageHeader::default(), &mut out).unwrap_err();
    assert!(matches!(e, StructureError::Unsupported { .. }), "{e}");
    assert!(e.to_string().contains("CR_MIG"), "{e}");
}

#[test]
fn the_writer_refuses_versions_21_cannot_say() {
    let mut s = full().structures;
    s.codelists[0].meta.version = "1.0.0-draft".parse().unwrap();
    let mut out = Vec::new();
    let e = xml21::write(&s, &MessageHeader::default(), &mut out).unwrap_err();
    assert!(e.to_string().contains("CL_SEX(1.0.0-draft)"), "{e}");
    assert!(
        out.is_empty(),
        "nothing is written when the message cannot be"
    );
    let mut s = full().structures;
    s.dataflows[0].structure.as_mut().unwrap().version = "~".parse().unwrap();
    let e = xml21::write(&s, &MessageHeader::default(), &mut Vec::new()).unwrap_err();
    assert!(
        e.to_string().contains("DF_MIG") && e.to_string().contains("version ~"),
        "{e}"
    );
    // Semantic versions without extension are fine in 2.1.
    let mut s = full().structures;
    s.codelists[0].meta.version = "1.2.3".parse().unwrap();
    let again = xml21::read(&write(&s), "x.xml").unwrap().structures;
    assert_eq!(again.codelists[0].meta.version.to_string(), "1.2.3");
}

/// A model as another format might give it: no names on codes, no representation
/// on the time dimension, a concept representation with neither codelist nor format.
fn sparse() -> Structures {
    let mut s = full().structures;
    s.codelists[0].codes[0].names = Default::default();
    let d = &mut s.data_structures[0];
    let time = d
        .dimensions
        .iter_mut()
        .find(|d| d.kind == DimensionKind::Time)
        .unwrap();
    time.representation = None;
    s.concept_schemes[0].concepts[0].core_representation = Some(Default::default());
    s
}

#[test]
fn the_writer_fills_what_21_requires() {
    let again = xml21::read(&write(&sparse()), "sparse.xml")
        .unwrap()
        .structures;
    // A nameless code is named by its id; the time dimension gets the standard format.
    assert_eq!(again.codelists[0].codes[0].names.get("en"), Some("SEX_T"));
    let time = again.data_structures[0].time_dimension().unwrap();
    let tf = time
        .representation
        .as_ref()
        .unwrap()
        .text_format
        .as_ref()
        .unwrap();
    assert_eq!(tf.data_type.unwrap().name(), "ObservationalTimePeriod");
    // An empty representation is left out rather than written invalid.
    assert_eq!(
        again.concept_schemes[0].concepts[0].core_representation,
        None
    );
}

#[test]
#[ignore = "needs xmllint and the official XSDs (scripts/test.sh)"]
fn a_sparse_model_still_writes_a_valid_message() {
    let path = temp_dir("xml21-sparse").join("sparse.xml");
    std::fs::write(&path, write(&sparse())).unwrap();
    xmllint_21(&path);
}

#[test]
fn tolerates_a_byte_order_mark_and_an_empty_message() {
    let t = format!("\u{feff}{}", message(""));
    let o = xml21::read(&t, "bom.xml").unwrap();
    assert!(o.structures.is_empty());
    assert!(o.warnings.is_empty());
}

#[test]
fn warns_about_unknown_children_of_known_artefacts() {
    let t = message(
        r#"<str:Codelists><str:Codelist id="CL" agencyID="ILO"><com:Name>x</com:Name>
<str:Code id="A"><com:Name>a</com:Name><str:Extra/></str:Code></str:Codelist></str:Codelists>"#,
    );
    let o = xml21::read(&t, "u.xml").unwrap();
    assert_eq!(o.structures.codelists[0].codes.len(), 1);
    assert_eq!(o.warnings.len(), 1);
    let w = o.warnings[0].to_string();
    assert!(w.starts_with("u.xml:3:40: warning: skipped <Extra>"), "{w}");
}

#[test]
fn a_data_message_is_not_a_structure_message() {
    let t = std::fs::read_to_string(fixture("data/tck/DataXML.xml")).unwrap();
    match xml21::read(&t, "DataXML.xml") {
        Err(StructureError::NotAStructureMessage { message, .. }) => {
            assert!(message.contains("<StructureSpecificData>"), "{message}");
        }
        other => panic!("expected not-a-structure-message, got {other:?}"),
    }
}

#[test]
fn reads_the_ecb_exchange_rate_dsd() {
    let s = load("ECB+ECB_EXR1+1.0.xml").structures;
    let d = &s.data_structures[0];
    assert_eq!(
        d.meta.reference(ArtefactClass::DataStructure).short(),
        "ECB:ECB_EXR1(1.0)"
    );
    let dims: Vec<&str> = d.dimensions.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(
        dims,
        [
            "FREQ",
            "CURRENCY",
            "CURRENCY_DENOM",
            "EXR_TYPE",
            "EXR_SUFFIX",
            "TIME_PERIOD"
        ]
    );
    assert_eq!(d.attributes.len(), 24);
    assert_eq!(d.groups.len(), 1);
    assert_eq!(d.groups[0].id, "Group");
    assert_eq!(
        d.groups[0].dimensions,
        ["CURRENCY", "CURRENCY_DENOM", "EXR_TYPE", "EXR_SUFFIX"].map(str::to_owned)
    );
    let decimals = d.attribute("DECIMALS").unwrap();
    assert_eq!(decimals.usage, UsageStatus::Mandatory);
    assert_eq!(
        decimals
            .representation
            .as_ref()
            .unwrap()
            .enumeration
            .as_ref()
            .unwrap()
            .short(),
        "ECB:CL_DECIMALS(1.0)"
    );
    // Attached to the group's four dimensions: a group-level attribute in data.
    assert_eq!(
        d.attachment_level(decimals, Some("TIME_PERIOD")),
        sdmx_gateway::model::AttachmentLevel::Group
    );
    let obs_status = d.attribute("OBS_STATUS").unwrap();
    assert_eq!(obs_status.relationship, AttributeRelationship::Observation);
}

#[test]
fn organisation_schemes_follow_the_fixed_21_attributes() {
    let mut s = full().structures;
    s.data_provider_schemes[0].meta.is_final = Some(true);
    let t = write(&s);
    assert!(t.contains(r#"<str:DataProviderScheme id="DATA_PROVIDERS""#));
    let again = xml21::read(&t, "x.xml").unwrap().structures;
    // 2.1 organisation schemes are never final.
    assert_eq!(again.data_provider_schemes[0].meta.is_final, Some(false));
    let mut s = full().structures;
    s.agency_schemes[0].meta.id = "MY_AGENCIES".into();
    let e = xml21::write(&s, &MessageHeader::default(), &mut Vec::new()).unwrap_err();
    assert!(e.to_string().contains("id AGENCIES and version 1.0"), "{e}");
}

#[test]
fn an_excluded_key_inside_a_key_set_is_refused() {
    let mut s = full().structures;
    s.constraints[0].data_key_sets[0].keys[0].include = false;
    let e = xml21::write(&s, &MessageHeader::default(), &mut Vec::new()).unwrap_err();
    assert!(
        e.to_string().contains("CR_MIG") && e.to_string().contains("excluded key"),
        "{e}"
    );
}

#[test]
fn facets_the_21_schema_prohibits_on_components_are_dropped() {
    let mut s = full().structures;
    let d = &mut s.data_structures[0];
    let unit = d.attributes.iter_mut().find(|a| a.id == "UNIT").unwrap();
    let tf = unit
        .representation
        .as_mut()
        .unwrap()
        .text_format
        .as_mut()
        .unwrap();
    tf.is_multilingual = Some(true);
    let time = d
        .dimensions
        .iter_mut()
        .find(|d| d.kind == DimensionKind::Time)
        .unwrap();
    let tf = time
        .representation
        .as_mut()
        .unwrap()
        .text_format
        .as_mut()
        .unwrap();
    tf.max_length = Some(7);
    tf.start_time = Some("2000".into());
    let again = xml21::read(&write(&s), "x.xml").unwrap().structures;
    let d = &again.data_structures[0];
    let unit = d
        .attribute("UNIT")
        .unwrap()
        .representation
        .as_ref()
        .unwrap();
    let tf = unit.text_format.as_ref().unwrap();
    assert_eq!(
        (tf.is_multilingual, tf.pattern.as_deref()),
        (None, Some("[A-Z]+"))
    );
    let time = d.time_dimension().unwrap().representation.as_ref().unwrap();
    let tf = time.text_format.as_ref().unwrap();
    assert_eq!(
        (tf.max_length, tf.start_time.as_deref()),
        (None, Some("2000"))
    );
}

#[test]
#[ignore = "needs xmllint and the official XSDs (scripts/test.sh)"]
fn a_30_dsd_rewritten_as_21_validates() {
    let name = "structure/sdmx-ml-3.0/data_structure_definition__ECB_EXR.xml";
    let t = std::fs::read_to_string(fixture(name)).unwrap();
    let s = sdmx_gateway::structure::xml30::read(&t, name)
        .unwrap()
        .structures;
    assert_eq!(s.data_structures.len(), 1);
    let path = temp_dir("xml21-from30").join("ECB_EXR.xml");
    std::fs::write(&path, write(&s)).unwrap();
    xmllint_21(&path);
}
