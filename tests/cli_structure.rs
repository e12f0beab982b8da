//! `sdmxgw structure …` run as a real process on the registry fixtures.

use std::path::PathBuf;
use std::process::Output;

use serde_json::Value;

use crate::util::{fixture, sdmxgw, temp_dir};

fn dir(rel: &str) -> PathBuf {
    fixture(&format!("structure/registry/{rel}"))
}

fn run(args: &[&str], paths: &[PathBuf]) -> Output {
    let mut cmd = sdmxgw();
    cmd.args(args);
    for p in paths {
        cmd.arg(p);
    }
    cmd.output().expect("sdmxgw runs")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", stdout(o), stderr(o)))
}

#[test]
fn check_of_a_clean_set_exits_0_with_counts() {
    let o = run(&["structure", "check"], &[dir("ilms_x")]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("OK: 0 errors"), "{out}");
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("codelists"))
        .unwrap();
    assert!(line.trim_end().ends_with(" 4"), "{line}");
}

#[test]
fn check_json_has_a_key_per_artefact_type() {
    let o = run(&["structure", "check", "--json"], &[dir("ilms_x")]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v = json(&o);
    for (key, n) in [
        ("codelists", 4),
        ("codes", 15),
        ("conceptschemes", 1),
        ("datastructures", 1),
        ("dataflows", 1),
        ("constraints", 4),
        ("agencyschemes", 0),
        ("dataproviderschemes", 1),
        ("provisionagreements", 1),
    ] {
        assert_eq!(v[key], n, "{key} in {v}");
    }
    assert_eq!(v["errors"], Value::Array(vec![]));
    assert!(v["warnings"].is_array());
}

#[test]
fn check_of_dangling_references_exits_1_naming_the_missing_urns() {
    let o = run(&["structure", "check"], &[dir("dangling")]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("error: urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ILO:DF_Y(1.0) refers to urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=ILO:DSD_MISSING(1.0), which is not loaded"),
        "{out}"
    );
    assert!(out.contains("FAILED: 5 errors"), "{out}");
    let o = run(&["structure", "check", "--json"], &[dir("dangling")]);
    assert_eq!(code(&o), 1);
    let v = json(&o);
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 5, "{v}");
    assert!(errors.iter().all(|e| e["kind"] == "dangling"), "{v}");
    assert!(
        errors.iter().any(|e| e["target"]
            == "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=ILO:CL_AGE(1.0)"
            && e["referrer"]
                .as_str()
                .unwrap()
                .contains("DataStructure=ILO:DSD_Y(1.0) dimension AGE")),
        "{v}"
    );
    assert_eq!(v["datastructures"], 1);
}

#[test]
fn check_of_a_malformed_file_exits_1_with_its_location() {
    let o = run(&["structure", "check", "--json"], &[dir("malformed.xml")]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let v = json(&o);
    let e = &v["errors"][0];
    assert_eq!(e["kind"], "malformed", "{v}");
    assert!(
        e["file"].as_str().unwrap().ends_with("malformed.xml"),
        "{v}"
    );
    assert!(e["line"].as_u64().unwrap() >= 11, "{v}");
}

#[test]
fn check_of_a_conflict_names_both_files() {
    let o = run(
        &["structure", "check"],
        &[dir("ilms_x"), dir("conflicting_cl_sex.xml")],
    );
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(
        out.contains("Codelist=ILO:CL_SEX(1.0) is defined twice with different content")
            && out.contains("ilms_x/codelists.xml")
            && out.contains("conflicting_cl_sex.xml"),
        "{out}"
    );
}

#[test]
fn check_of_a_missing_path_exits_2() {
    let o = run(&["structure", "check"], &[dir("no_such_folder")]);
    assert_eq!(code(&o), 2, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("no_such_folder"));
}

#[test]
fn structure_option_and_positional_paths_combine() {
    let mut cmd = sdmxgw();
    cmd.args(["structure", "check", "--json", "--structure"])
        .arg(dir("ilms_x"))
        .arg(dir("duplicate_cl_freq.xml"));
    let o = cmd.output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["codelists"], 4);
}

#[test]
fn list_filters_by_type_as_table_and_json() {
    let mut cmd = sdmxgw();
    cmd.args(["structure", "list", "--type", "codelist", "--structure"])
        .arg(dir("ilms_x"));
    let o = cmd.output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("TYPE"), "{out}");
    assert_eq!(lines.len(), 5, "{out}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("ILO:CL_SEX(1.0)") && l.contains("Sex"))
    );
    assert!(
        lines[1..].iter().all(|l| l.starts_with("Codelist")),
        "{out}"
    );

    let mut cmd = sdmxgw();
    cmd.args(["structure", "list", "--json", "--structure"])
        .arg(dir("ilms_x"));
    let v = json(&cmd.output().unwrap());
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 13);
    let dsd = rows.iter().find(|r| r["type"] == "DataStructure").unwrap();
    assert_eq!(
        dsd["urn"],
        "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=ILO:DSD_X(1.0)"
    );
    assert!(dsd["file"].as_str().unwrap().ends_with("dsd_x.xml"));
}

#[test]
fn show_a_dsd_lists_dimensions_with_positions_and_codelists() {
    let mut cmd = sdmxgw();
    cmd.args(["structure", "show", "DSD_X", "--structure"])
        .arg(dir("ilms_x"));
    let o = cmd.output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let sex = out
        .lines()
        .find(|l| l.starts_with("3 ") && l.contains("SEX"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(sex.contains("ILO:CL_SEX(1.0)"), "{sex}");
    assert!(
        out.contains("OBS_STATUS") && out.contains("Observation"),
        "{out}"
    );

    let mut cmd = sdmxgw();
    cmd.args([
        "structure",
        "show",
        "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=ILO:DSD_X(1.0)",
        "--json",
        "--structure",
    ])
    .arg(dir("ilms_x"));
    let v = json(&cmd.output().unwrap());
    let dims = v["dimensions"].as_array().unwrap();
    let ids: Vec<&str> = dims.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["REF_AREA", "FREQ", "SEX", "TIME_PERIOD"]);
    assert_eq!(dims[2]["position"], 3);
    assert_eq!(
        dims[2]["codelist"],
        "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=ILO:CL_SEX(1.0)"
    );
    assert_eq!(dims[3]["kind"], "time");
    assert_eq!(dims[3]["codelist"], Value::Null);
    let attrs = v["attributes"].as_array().unwrap();
    let unit = attrs.iter().find(|a| a["id"] == "UNIT_MULT").unwrap();
    assert_eq!(unit["attachment"], "dimensions REF_AREA");
    let status = attrs.iter().find(|a| a["id"] == "OBS_STATUS").unwrap();
    assert_eq!(status["level"], "Observation");
}

#[test]
fn show_a_codelist_prints_the_code_tree() {
    let mut cmd = sdmxgw();
    cmd.args(["structure", "show", "ILO:CL_AREA(1.0)", "--structure"])
        .arg(dir("ilms_x"));
    let o = cmd.output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("\n  X84  ASEAN\n    PHL  Philippines\n"),
        "{out}"
    );

    let mut cmd = sdmxgw();
    cmd.args(["structure", "show", "CL_AREA", "--json", "--structure"])
        .arg(dir("ilms_x"));
    let v = json(&cmd.output().unwrap());
    let roots = v["codes"].as_array().unwrap();
    assert_eq!(roots.len(), 1, "{v}");
    assert_eq!(roots[0]["id"], "X84");
    assert_eq!(roots[0]["children"].as_array().unwrap().len(), 4);
}

#[test]
fn show_of_an_unknown_or_ambiguous_name_fails_with_the_reason() {
    let mut cmd = sdmxgw();
    cmd.args(["structure", "show", "CL_NOPE", "--structure"])
        .arg(dir("ilms_x"));
    let o = cmd.output().unwrap();
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("no artefact matches CL_NOPE"),
        "{}",
        stderr(&o)
    );

    // Two versions of CL_SEX: the bare id is ambiguous and both are listed.
    let tmp = temp_dir("cli_structure_ambiguous");
    let text = std::fs::read_to_string(dir("conflicting_cl_sex.xml"))
        .unwrap()
        .replace("version=\"1.0\"", "version=\"2.0\"");
    std::fs::write(tmp.join("cl_sex_2.xml"), text).unwrap();
    let mut cmd = sdmxgw();
    cmd.args(["structure", "show", "CL_SEX", "--structure"])
        .arg(dir("ilms_x"))
        .arg("--structure")
        .arg(&tmp);
    let o = cmd.output().unwrap();
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(
        err.contains("Codelist=ILO:CL_SEX(1.0)") && err.contains("Codelist=ILO:CL_SEX(2.0)"),
        "{err}"
    );
}

#[test]
fn convert_writes_a_message_that_loads_back_the_same() {
    let tmp = temp_dir("cli_structure_convert");
    let out = tmp.join("all.xml");
    let mut cmd = sdmxgw();
    cmd.args(["structure", "convert"])
        .arg(dir("ilms_x"))
        .arg("-o")
        .arg(&out)
        .args(["--to", "sdmx-ml-2.1"]);
    let o = cmd.output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let leftovers: Vec<_> = std::fs::read_dir(&tmp).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "only the output, no temporary file");
    let o = run(&["structure", "check", "--json"], &[out]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let v = json(&o);
    assert_eq!(
        (
            &v["codelists"],
            &v["constraints"],
            &v["provisionagreements"]
        ),
        (&Value::from(4), &Value::from(4), &Value::from(1))
    );
}

#[test]
fn convert_to_stdout_and_refusing_malformed_input() {
    let mut cmd = sdmxgw();
    cmd.args(["structure", "convert"])
        .arg(dir("ilms_x/codelists.xml"))
        .args(["-o", "-", "--to", "sdmx-ml-2.1"]);
    let o = cmd.output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("CL_OBS_STATUS"));

    let tmp = temp_dir("cli_structure_convert_bad");
    let out = tmp.join("never.xml");
    let mut cmd = sdmxgw();
    cmd.args(["structure", "convert"])
        .arg(dir("malformed.xml"))
        .arg("-o")
        .arg(&out)
        .args(["--to", "sdmx-ml-2.1"]);
    let o = cmd.output().unwrap();
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(!out.exists());
    assert!(stderr(&o).contains("malformed.xml"), "{}", stderr(&o));
}

#[test]
fn convert_keeps_going_when_only_references_are_missing() {
    // A DSD without its codelists converts; the missing ones are warnings.
    let mut cmd = sdmxgw();
    cmd.args(["structure", "convert"])
        .arg(dir("dangling/dsd_y.xml"))
        .args(["-o", "-", "--to", "sdmx-ml-2.1"]);
    let o = cmd.output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("warning: "), "{}", stderr(&o));
    assert!(stdout(&o).contains("DSD_Y"));
}

#[test]
fn help_teaches_with_examples() {
    for sub in ["check", "list", "show", "convert"] {
        let o = run(&["structure", sub, "--help"], &[]);
        assert_eq!(code(&o), 0);
        let out = stdout(&o);
        assert!(out.contains("Examples:"), "{sub}: {out}");
        assert!(out.contains("sdmxgw structure"), "{sub}: {out}");
    }
}

#[test]
fn show_a_dataflow_and_a_constraint() {
    let mut cmd = sdmxgw();
    cmd.args(["structure", "show", "DF_X", "--structure"])
        .arg(dir("ilms_x"));
    let o = cmd.output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("constraint: ILO:CR_DF_X(1.0) (Allowed)"),
        "{out}"
    );
    assert!(
        out.contains("constraint: ILO:CR_DF_X_ACTUAL(1.0) (Actual)"),
        "{out}"
    );
    assert!(
        !out.contains("CR_DSD_X"),
        "attached to the DSD, not the dataflow: {out}"
    );

    let mut cmd = sdmxgw();
    cmd.args(["structure", "show", "CR_DF_X", "--structure"])
        .arg(dir("ilms_x"));
    let o = cmd.output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("include region: REF_AREA in PHL THA VNM"),
        "{out}"
    );
    assert!(
        out.contains("include region: TIME_PERIOD 2010 <= period <= 2020"),
        "{out}"
    );
}

#[test]
#[ignore = "needs xmllint and the official XSDs (scripts/test.sh sets them up)"]
fn converted_folders_validate_against_the_official_schema() {
    let tmp = temp_dir("cli_structure_convert_xsd");
    let out = tmp.join("ilms_x.xml");
    let mut cmd = sdmxgw();
    cmd.args(["structure", "convert"])
        .arg(dir("ilms_x"))
        .arg("-o")
        .arg(&out)
        .args(["--to", "sdmx-ml-2.1"]);
    let o = cmd.output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    crate::util::xmllint_21(&out);
}

#[test]
fn without_paths_check_reads_dsd_and_codelists_of_the_working_directory() {
    let tmp = temp_dir("cli_structure_defaults");
    std::fs::create_dir_all(tmp.join("dsd")).unwrap();
    std::fs::create_dir_all(tmp.join("codelists")).unwrap();
    for f in [
        "dsd_x.xml",
        "concepts.xml",
        "constraints.xml",
        "providers.xml",
    ] {
        std::fs::copy(dir(&format!("ilms_x/{f}")), tmp.join("dsd").join(f)).unwrap();
    }
    std::fs::copy(
        dir("ilms_x/codelists.xml"),
        tmp.join("codelists/codelists.xml"),
    )
    .unwrap();
    let o = sdmxgw()
        .args(["structure", "check", "--json"])
        .current_dir(&tmp)
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let v = json(&o);
    assert_eq!(
        (&v["codelists"], &v["dataflows"]),
        (&Value::from(4), &Value::from(1))
    );
    // Without codelists/ the references dangle: the default really reads both.
    std::fs::remove_dir_all(tmp.join("codelists")).unwrap();
    let o = sdmxgw()
        .args(["structure", "check", "--json"])
        .current_dir(&tmp)
        .output()
        .unwrap();
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(json(&o)["codelists"], 0);
}

#[test]
fn list_reports_load_errors_but_still_lists() {
    let mut cmd = sdmxgw();
    cmd.args(["structure", "list", "--type", "dsd", "--structure"])
        .arg(dir("dangling"));
    let o = cmd.output().unwrap();
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("ILO:DSD_Y(1.0)"), "{}", stdout(&o));
    assert!(
        stderr(&o).contains(
            "error: urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ILO:DF_Y(1.0) refers to"
        ),
        "{}",
        stderr(&o)
    );
}
