//! SDMX-JSON 1.0 structure messages: an excerpt of the SDMX TWG's published sample
//! and a hand-built ILOSTAT-shaped message load with the facts they state,
//! read → write → read is identical, and bad input fails with line and column.

use sdmx_gateway::model::{
    AttributeRelationship, Codelist, ConstraintRole, DataType, DimensionKind, Structures,
    TextFormat, TimeRange, UsageStatus,
};
use sdmx_gateway::structure::{
    MessageHeader, ReadOutcome, StructureError, StructureFormat, json10, read_structure_file,
};

use crate::util;

fn load(name: &str) -> ReadOutcome {
    let path = util::fixture(&format!("structure/json/{name}"));
    read_structure_file(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn write_json(s: &Structures) -> String {
    let mut out = Vec::new();
    json10::write(s, &MessageHeader::default(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn round_trip(s: &Structures) -> Structures {
    let text = write_json(s);
    json10::read(&text, "written.json")
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
        .structures
}

const ILO: &str = "ilostat_like_mst.json";
const TWG: &str = "sdmx-twg_constructed-sample_excerpt.json";

#[test]
fn reads_the_published_sample() {
    let out = load(TWG);
    let s = &out.structures;
    let dsd = &s.data_structures[0];
    assert_eq!(dsd.meta.id, "ECB_EXR1");
    assert_eq!(dsd.meta.is_final, Some(false));
    assert_eq!(dsd.dimensions.len(), 6);
    let time = dsd.time_dimension().unwrap();
    assert_eq!((time.id.as_str(), time.position), ("TIME_PERIOD", 6));
    let tf = dsd.attribute("TIME_FORMAT").unwrap();
    assert_eq!(tf.usage, UsageStatus::Mandatory);
    assert_eq!(tf.roles[0].item_id, "TIME_FORMAT");
    let fmt = tf
        .representation
        .as_ref()
        .unwrap()
        .text_format
        .as_ref()
        .unwrap();
    assert_eq!((fmt.min_length, fmt.max_length), (Some(3), Some(3)));
    assert_eq!(
        dsd.attribute("OBS_CONF").unwrap().relationship,
        AttributeRelationship::Observation
    );
    assert_eq!(dsd.groups[0].dimensions.len(), 4);
    assert_eq!(dsd.measures[0].id, "OBS_VALUE");
    let cur = &s.codelists[0];
    assert_eq!(cur.is_partial, Some(true));
    assert_eq!(cur.code("EUR").unwrap().parent.as_deref(), Some("_T"));
    assert_eq!(s.agency_schemes[0].agencies[0].item.id, "ECB");
    assert_eq!(s.dataflows[0].structure.as_ref().unwrap().id, "ECB_EXR1");
    let c = &s.constraints[0];
    assert_eq!(c.role, ConstraintRole::Allowed);
    let freq = &c.cube_regions[0].key_values[1];
    assert_eq!(freq.component, "FREQ");
    let v: Vec<&str> = freq.values.iter().map(|v| v.value.as_str()).collect();
    assert_eq!(v, ["A", "Q", "M"]);
    // The categorisation is not modelled: skipped, with a warning that says so.
    assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
    assert!(
        out.warnings[0]
            .message
            .contains("1 categorisations skipped")
    );
}

#[test]
fn reads_the_ilostat_shaped_message() {
    let out = load(ILO);
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    let s = &out.structures;
    let sex = &s.codelists[0];
    assert_eq!(sex.meta.names.get("fr"), Some("Sexe"));
    assert_eq!(sex.meta.is_final, Some(true));
    assert!(Codelist::is_total(sex.code("SEX_T").unwrap()));
    assert_eq!(Codelist::order(sex.code("SEX_F").unwrap()), Some(3));
    assert_eq!(sex.code("SEX_M").unwrap().names.get("es"), Some("Hombres"));
    // A bare "name" takes the message's first content language.
    assert_eq!(
        s.codelists[1].code("PHL").unwrap().names.get("en"),
        Some("Philippines")
    );
    assert_eq!(
        s.codelists[1].code("THA").unwrap().descriptions.get("en"),
        Some("Kingdom of Thailand")
    );
    let obs = s.concept_schemes[0].concept("OBS_VALUE").unwrap();
    assert_eq!(
        obs.core_representation.as_ref().unwrap().text_format,
        Some(TextFormat {
            data_type: Some(DataType::Decimal),
            decimals: Some(2),
            min_value: Some("0".into()),
            ..Default::default()
        })
    );

    let dsd = &s.data_structures[0];
    // Listed SEX first, but positions decide the order; the time dimension is an object.
    let ids: Vec<&str> = dsd.dimensions.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["REF_AREA", "SEX", "TIME_PERIOD"]);
    assert_eq!(dsd.dimensions[2].kind, DimensionKind::Time);
    let ann = &dsd.meta.annotations[0];
    assert_eq!(ann.id.as_deref(), Some("freq"));
    assert_eq!(ann.url.as_deref(), Some("https://ilostat.ilo.org/methods/"));
    assert_eq!(ann.text.get("en"), Some("Annual data"));
    assert_eq!(
        dsd.attribute("UNIT_MULT").unwrap().relationship,
        AttributeRelationship::None
    );
    assert_eq!(
        dsd.attribute("NOTE_SOURCE").unwrap().relationship,
        AttributeRelationship::Dimensions {
            dimensions: vec!["REF_AREA".into()],
            attachment_groups: vec![]
        }
    );
    let um = dsd
        .attribute("UNIT_MULT")
        .unwrap()
        .representation
        .as_ref()
        .unwrap();
    assert_eq!(
        um.text_format.as_ref().unwrap().max_value.as_deref(),
        Some("9")
    );

    let c = &s.constraints[0];
    assert_eq!(c.role, ConstraintRole::Actual);
    assert!(c.cube_regions[0].key_values[1].values[0].cascade);
    match c.cube_regions[0].key_values[2].time_range.as_ref().unwrap() {
        TimeRange::Between { start, end } => {
            assert_eq!(
                (start.period.as_str(), end.period.as_str()),
                ("2000", "2024")
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        c.data_key_sets[0].keys[0].values,
        [
            ("REF_AREA".into(), "PHL".into()),
            ("SEX".into(), "SEX_F".into())
        ]
    );
    let ilo = &s.agency_schemes[0].agencies[0];
    assert_eq!(
        ilo.contacts[0].department.get("en"),
        Some("Department of Statistics")
    );
    assert_eq!(ilo.contacts[0].emails, ["ilostat@ilo.org"]);
    assert_eq!(s.data_provider_schemes[0].providers[0].item.id, "PSA");
    assert_eq!(s.provision_agreements[0].data_provider.item_id, "PSA");
}

#[test]
fn read_write_read_is_identical() {
    for name in [ILO, TWG] {
        let first = load(name).structures;
        assert_eq!(round_trip(&first), first, "{name}");
    }
}

#[test]
fn writes_the_field_guide_shape() {
    let s = load(ILO).structures;
    let text = write_json(&s);
    assert_eq!(
        StructureFormat::detect(&text),
        Some(StructureFormat::SdmxJson10)
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cl = &v["data"]["codelists"][0];
    assert_eq!(cl["agencyID"], "ILO");
    assert_eq!(cl["name"], "Sex");
    assert_eq!(cl["names"]["es"], "Sexo");
    assert_eq!(
        cl["links"][0]["urn"],
        "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=ILO:CL_SEX(1.0)"
    );
    let dsd = &v["data"]["dataStructures"][0]["dataStructureComponents"];
    assert_eq!(
        dsd["dimensionList"]["timeDimensions"][0]["id"],
        "TIME_PERIOD"
    );
    assert_eq!(
        dsd["attributeList"]["attributes"][0]["attributeRelationship"]["primaryMeasure"],
        "OBS_VALUE"
    );
    assert_eq!(
        dsd["attributeList"]["attributes"][1]["assignmentStatus"],
        "Mandatory"
    );
    // Facets that are numbers stay numbers.
    assert_eq!(
        v["data"]["conceptSchemes"][0]["concepts"][3]["coreRepresentation"]["textFormat"]["minValue"],
        0
    );
    assert_eq!(v["data"]["contentConstraints"][0]["type"], "Actual");
}

#[test]
fn keeps_decimal_facets_exact() {
    let mut s = load(ILO).structures;
    let rep = s.concept_schemes[0].concepts[3]
        .core_representation
        .as_mut()
        .unwrap();
    rep.text_format.as_mut().unwrap().max_value = Some("2.50".into());
    assert_eq!(round_trip(&s), s);
}

#[test]
fn reports_malformed_json_with_line_and_column() {
    let text =
        "{\n  \"data\": {\n    \"codelists\": [\n      { \"id\": \"CL_X\",, }\n    ]\n  }\n}";
    match json10::read(text, "bad.json") {
        Err(StructureError::Malformed { location, what, .. }) => {
            assert_eq!(what, "JSON");
            assert_eq!(location.file, "bad.json");
            assert_eq!((location.line, location.column), (4, 22));
        }
        other => panic!("expected malformed JSON, got {other:?}"),
    }
}

#[test]
fn reports_a_bad_urn_with_line_and_column() {
    let text = std::fs::read_to_string(util::fixture(&format!("structure/json/{ILO}")))
        .unwrap()
        .replace(
            "DataStructure=ILO:DSD_MST_TEMP(1.0)",
            "DataStructure=ILO:DSD_MST_TEMP",
        );
    let (line, column) = text
        .lines()
        .enumerate()
        .find_map(|(i, l)| {
            l.find("\"urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=ILO:DSD_MST_TEMP\"")
                .map(|c| (i + 1, c + 1))
        })
        .unwrap();
    match json10::read(&text, "ilo.json") {
        Err(StructureError::Invalid {
            location, message, ..
        }) => {
            assert_eq!(
                (location.line as usize, location.column as usize),
                (line, column)
            );
            assert!(message.contains("not an SDMX URN"), "{message}");
        }
        other => panic!("expected an invalid URN, got {other:?}"),
    }
}

#[test]
fn requires_a_constraint_type_and_a_name() {
    let base = std::fs::read_to_string(util::fixture(&format!("structure/json/{ILO}"))).unwrap();
    let err = json10::read(&base.replace("\"type\": \"Actual\",", ""), "t.json").unwrap_err();
    assert!(
        err.to_string().contains("\"Allowed\" or \"Actual\""),
        "{err}"
    );
    assert!(err.to_string().contains("CR_MST_TEMP_SEX_NB"), "{err}");
    let err =
        json10::read(&base.replace("\"name\": \"Available data\",", ""), "n.json").unwrap_err();
    match err {
        StructureError::Invalid { location, .. } => assert!(location.line > 1),
        other => panic!("{other:?}"),
    }
}

#[test]
fn rejects_json_that_is_not_a_structure_message() {
    let err = json10::read("{\"meta\": {\"id\": \"X\"}}", "x.json").unwrap_err();
    assert!(
        matches!(err, StructureError::NotAStructureMessage { .. }),
        "{err}"
    );
}

#[test]
fn refuses_to_write_several_measures() {
    let mut s = load(ILO).structures;
    let mut second = s.data_structures[0].measures[0].clone();
    second.id = "OBS_COUNT".into();
    s.data_structures[0].measures.push(second);
    let mut out = Vec::new();
    let err = json10::write(&s, &MessageHeader::default(), &mut out).unwrap_err();
    assert!(matches!(err, StructureError::Unsupported { .. }), "{err}");
}

/// SDMX-ML 3.0 has no `isFinal` (stability comes from the version): clear it
/// before comparing what went through 3.0.
fn without_is_final(mut s: Structures) -> Structures {
    for c in &mut s.codelists {
        c.meta.is_final = None;
    }
    for c in &mut s.concept_schemes {
        c.meta.is_final = None;
    }
    for d in &mut s.data_structures {
        d.meta.is_final = None;
    }
    for d in &mut s.dataflows {
        d.meta.is_final = None;
    }
    for c in &mut s.constraints {
        c.meta.is_final = None;
    }
    for a in &mut s.agency_schemes {
        a.meta.is_final = None;
    }
    for p in &mut s.data_provider_schemes {
        p.meta.is_final = None;
    }
    for p in &mut s.provision_agreements {
        p.meta.is_final = None;
    }
    s
}

#[test]
fn sdmx_ml_3_0_samples_survive_a_trip_through_json() {
    for name in [
        "codelist__codelist.xml",
        "codelist__codelist_-_discriminated_union.xml",
        "concept_scheme__conceptscheme.xml",
        "data_structure_definition__ECB_EXR.xml",
        "dataflow__dataflow.xml",
    ] {
        let path = util::fixture(&format!("structure/sdmx-ml-3.0/{name}"));
        let s = read_structure_file(&path).unwrap().structures;
        assert_eq!(round_trip(&s), s, "{name}");
    }
}

#[test]
fn json_messages_survive_a_trip_through_sdmx_ml_3_0() {
    for name in [ILO, TWG] {
        let s = without_is_final(load(name).structures);
        let mut xml = Vec::new();
        sdmx_gateway::structure::xml30::write(&s, &MessageHeader::default(), &mut xml).unwrap();
        let back =
            sdmx_gateway::structure::xml30::read(std::str::from_utf8(&xml).unwrap(), "x").unwrap();
        assert_eq!(back.structures, s, "{name}");
    }
}
