//! Real peers read what `sdmxgw convert` writes from the shipped ILMS structures:
//! pysdmx and sdmx1 find the same observations and attribute values, and
//! `xmllint` accepts the XML against the official XSDs and the schema
//! `sdmxgw schema` generates. Needs the test environment (`scripts/test.sh`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{need_env, root, sdmxgw, temp_dir, xmllint, xmllint_21};

const SAMPLE: &str = "samples/messages/phl-outflows-illustrative.csv";

/// The value and OBS_STATUS the sample holds for one key, read from the CSV
/// itself (not from the gateway).
fn expected(sex: &str, cds: &str, year: &str) -> (String, String, usize) {
    let mut reader = csv::Reader::from_path(root().join(SAMPLE)).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (s, c, t, v, st) = (
        col("SEX"),
        col("CDS"),
        col("TIME_PERIOD"),
        col("OBS_VALUE"),
        col("OBS_STATUS"),
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let hit = rows
        .iter()
        .find(|r| &r[s] == sex && &r[c] == cds && &r[t] == year)
        .expect("the sample has the key");
    (hit[v].to_owned(), hit[st].to_owned(), rows.len())
}

fn convert(to: &str, out: &Path) {
    let o = sdmxgw()
        .current_dir(root())
        .args(["convert", SAMPLE, "--to", to, "-o"])
        .arg(out)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "convert --to {to}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn peer(tool: &str, file: &Path, key: &str, extra: &[&str]) -> serde_json::Value {
    let out = Command::new(need_env("SDMXGW_PYTHON"))
        .arg(root().join("tests/python/read_any.py"))
        .arg(tool)
        .arg(file)
        .arg(key)
        .args(extra)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{tool} cannot read {}:\n{}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
#[ignore = "needs the Python peers: run through scripts/test.sh"]
fn pysdmx_and_sdmx1_read_what_we_write() {
    let dir = temp_dir("interop_peers");
    let (value, status, rows) = expected("SEX_F", "CDS_DES_SGP", "2023");
    assert_eq!(status, "P", "the sample marks 2023 provisional");
    let key = "SEX=SEX_F,CDS=CDS_DES_SGP,TIME_PERIOD=2023";
    let dsd_file = root().join("dsd/ilms-datastructures.xml");
    let cases: &[(&str, &str, &[&str])] = &[
        ("sdmx-ml-2.1-ss", "pysdmx", &[]),
        ("sdmx-ml-2.1-generic", "pysdmx", &[]),
        ("sdmx-csv-1.0", "pysdmx", &[]),
        ("sdmx-csv-2.0", "pysdmx", &[]),
        ("sdmx-ml-2.1-generic", "sdmx1", &[]),
        ("sdmx-json-1.0", "sdmx1", &[]),
        (
            "sdmx-ml-2.1-ss",
            "sdmx1",
            &[dsd_file.to_str().unwrap(), "MNA_OEMP_SEX_CDS_NB"],
        ),
    ];
    for (format, tool, extra) in cases {
        let file = dir.join(format!("phl.{format}"));
        if !file.exists() {
            convert(format, &file);
        }
        let got = peer(tool, &file, key, extra);
        assert_eq!(got["count"], rows, "{tool} on {format}: observation count");
        assert_eq!(got["value"], value.as_str(), "{tool} on {format}: value");
        assert_eq!(
            got["status"],
            status.as_str(),
            "{tool} on {format}: OBS_STATUS"
        );
    }
}

/// Copies the official 2.1 XSDs next to a generated DSD schema (it imports them
/// by relative path) and returns the folder.
fn schema_dir(name: &str) -> PathBuf {
    let official = PathBuf::from(need_env("SDMXGW_XSD21_DIR"));
    let dir = temp_dir(name);
    for entry in fs::read_dir(&official).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "xsd") {
            fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    dir
}

#[test]
#[ignore = "needs xmllint and the official XSDs: run through scripts/test.sh"]
fn our_xml_passes_the_official_and_the_generated_dsd_schemas() {
    let dir = schema_dir("interop_xmllint");
    let generic = dir.join("phl-generic.xml");
    convert("sdmx-ml-2.1-generic", &generic);
    xmllint_21(&generic);

    let ss = dir.join("phl-ss.xml");
    convert("sdmx-ml-2.1-ss", &ss);
    let xsd = dir.join("df.xsd");
    let o = sdmxgw()
        .current_dir(root())
        .args(["schema", "DF_MNA_OEMP_SEX_CDS_NB", "-o"])
        .arg(&xsd)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = fs::read_to_string(&xsd).unwrap();
    let ns_start = text.find("targetNamespace=\"").unwrap() + "targetNamespace=\"".len();
    let ns = &text[ns_start..ns_start + text[ns_start..].find('"').unwrap()];
    // The codes of the codelists are enumerated, so a wrong code fails xmllint.
    assert!(text.contains("CDS_DES_SGP"));
    let wrapper = dir.join("wrap.xsd");
    fs::write(
        &wrapper,
        format!(
            r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:import namespace="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" schemaLocation="SDMXMessage.xsd"/><xs:import namespace="{ns}" schemaLocation="df.xsd"/></xs:schema>"#
        ),
    )
    .unwrap();
    xmllint(&ss, &wrapper);

    // The same message with a code outside the codelist is rejected.
    let bad = dir.join("phl-bad.xml");
    fs::write(
        &bad,
        fs::read_to_string(&ss)
            .unwrap()
            .replacen("CDS_DES_SGP", "CDS_DES_XXX", 1),
    )
    .unwrap();
    let out = Command::new(need_env("SDMXGW_XMLLINT"))
        .args(["--noout", "--nonet", "--schema"])
        .arg(&wrapper)
        .arg(&bad)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "a wrong code must fail the DSD schema"
    );
}

#[test]
fn schema_names_what_it_cannot_find() {
    let out = sdmxgw()
        .current_dir(root())
        .args(["schema", "DF_NO_SUCH_FLOW"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("DF_NO_SUCH_FLOW"));
    let out = sdmxgw()
        .current_dir(root())
        .args([
            "schema",
            "DF_MNA_OEMP_SEX_CDS_NB",
            "--dimension-at-observation",
            "NOPE",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("NOPE") && err.contains("REF_AREA"), "{err}");
}
