//! The registry on real files: hand-made SDMX-ML 2.1 messages under
//! `tests/fixtures/structure/registry/` (see the fixtures README).

use std::path::PathBuf;

use sdmx_gateway::structure::{Registry, StructureError};

use crate::util::fixture;

fn dir(rel: &str) -> PathBuf {
    fixture(&format!("structure/registry/{rel}"))
}

fn load_ok(paths: &[PathBuf]) -> Registry {
    match Registry::load(paths) {
        Ok((r, _)) => r,
        Err(e) => panic!("{e}"),
    }
}

fn codes(a: &sdmx_gateway::structure::registry::AllowedValues) -> Vec<&str> {
    a.codes
        .as_ref()
        .expect("a coded dimension")
        .iter()
        .map(String::as_str)
        .collect()
}

#[test]
fn a_folder_loads_and_resolves() {
    let r = load_ok(&[dir("ilms_x")]);
    let c = r.counts();
    assert_eq!(
        (c.codelists, c.codes, c.conceptschemes, c.concepts),
        (4, 15, 1, 7)
    );
    assert_eq!(
        (
            c.datastructures,
            c.dataflows,
            c.constraints,
            c.dataproviderschemes,
            c.provisionagreements
        ),
        (1, 1, 4, 1, 1)
    );
    let file = r
        .source_of("urn:sdmx:org.sdmx.infomodel.codelist.Codelist=ILO:CL_SEX(1.0)")
        .unwrap();
    assert!(file.ends_with("ilms_x/codelists.xml"), "{file}");
}

#[test]
fn the_cascade_applies_dsd_dataflow_and_agreement_constraints() {
    let r = load_ok(&[dir("ilms_x")]);
    let df = r.dataflow("ILO:DF_X(1.0)").unwrap();
    let pa = r.provision_agreement("PA_PHL_X").unwrap();
    assert_eq!(
        codes(&r.allowed_codes(df, "FREQ", None).unwrap()),
        ["A", "Q"]
    );
    // The Actual constraint (THA only) must not narrow what is allowed.
    assert_eq!(
        codes(&r.allowed_codes(df, "REF_AREA", None).unwrap()),
        ["PHL", "THA", "VNM"]
    );
    assert_eq!(
        codes(&r.allowed_codes(df, "REF_AREA", Some(pa)).unwrap()),
        ["PHL"]
    );
    // SEX is coded through its concept; SEX_O is excluded at DSD level even though
    // the agreement's region lists it.
    let sex = r.allowed_codes(df, "SEX", Some(pa)).unwrap();
    assert_eq!(codes(&sex), ["SEX_T", "SEX_M", "SEX_F"]);
    assert_eq!(
        sex.codelist.unwrap().urn(),
        "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=ILO:CL_SEX(1.0)"
    );
    let time = r.allowed_codes(df, "TIME_PERIOD", None).unwrap();
    assert!(time.allows("2010") && time.allows("2020-Q4"));
    assert!(!time.allows("2009-12") && !time.allows("2021"));
    let region = r.allowed_region(df, Some(pa)).unwrap();
    assert!(region.allows_key(&[("REF_AREA", "PHL"), ("FREQ", "A"), ("SEX", "SEX_F")]));
    assert!(!region.allows_key(&[("REF_AREA", "THA"), ("FREQ", "A"), ("SEX", "SEX_F")]));
}

#[test]
fn dangling_references_are_all_reported() {
    let err = Registry::load(&[dir("dangling")]).unwrap_err();
    assert!(!err.has_unreadable());
    assert!(err.only_references());
    let all: Vec<String> = err.errors.iter().map(ToString::to_string).collect();
    let text = all.join("\n");
    for (referrer, target) in [
        (
            "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=ILO:DSD_Y(1.0) dimension AGE",
            "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=ILO:CL_AGE(1.0)",
        ),
        (
            "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=ILO:DSD_Y(1.0) dimension AGE",
            "urn:sdmx:org.sdmx.infomodel.conceptscheme.Concept=ILO:CS_X(1.0).AGE",
        ),
        (
            "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ILO:DF_Y(1.0)",
            "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=ILO:DSD_MISSING(1.0)",
        ),
        (
            "urn:sdmx:org.sdmx.infomodel.conceptscheme.ConceptScheme=ILO:CS_X(1.0) concept SEX",
            "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=ILO:CL_SEX(1.0)",
        ),
        (
            "urn:sdmx:org.sdmx.infomodel.conceptscheme.ConceptScheme=ILO:CS_X(1.0) concept OBS_STATUS",
            "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=ILO:CL_OBS_STATUS(1.0)",
        ),
    ] {
        assert!(
            all.iter()
                .any(|m| m.starts_with(&format!("{referrer} refers to {target},"))),
            "no error for {referrer} -> {target} in:\n{text}"
        );
    }
    assert_eq!(all.len(), 5, "{text}");
    // The files that were read are kept for reporting.
    assert_eq!(err.partial.counts().datastructures, 1);
}

#[test]
fn a_conflicting_duplicate_names_both_files() {
    let err = Registry::load(&[dir("ilms_x"), dir("conflicting_cl_sex.xml")]).unwrap_err();
    assert_eq!(err.errors.len(), 1, "{err}");
    let StructureError::Conflict { urn, first, second } = &err.errors[0] else {
        panic!("expected a conflict, got {}", err.errors[0]);
    };
    assert_eq!(
        urn,
        "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=ILO:CL_SEX(1.0)"
    );
    assert!(first.ends_with("ilms_x/codelists.xml"), "{first}");
    assert!(second.ends_with("conflicting_cl_sex.xml"), "{second}");
}

#[test]
fn an_identical_duplicate_is_tolerated() {
    let r = load_ok(&[dir("ilms_x"), dir("duplicate_cl_freq.xml")]);
    assert_eq!(r.counts().codelists, 4);
}

#[test]
fn a_malformed_file_is_reported_with_its_location_and_others_still_load() {
    let err = Registry::load(&[dir("malformed.xml"), dir("ilms_x")]).unwrap_err();
    assert_eq!(err.errors.len(), 1, "{err}");
    let msg = err.errors[0].to_string();
    assert!(msg.contains("malformed.xml:"), "{msg}");
    assert!(
        matches!(err.errors[0], StructureError::Malformed { .. }),
        "{msg}"
    );
    assert!(!err.only_references());
    assert_eq!(err.partial.counts().codelists, 4);
}

#[test]
fn a_missing_path_is_unreadable() {
    let err = Registry::load(&[dir("no_such_folder")]).unwrap_err();
    assert!(err.has_unreadable());
    assert!(err.to_string().contains("no_such_folder"), "{err}");
}
