//! `sdmxgw convert` through the real binary: format detection, every writable
//! format A → B → A keeping every value, stdin/stdout, `--count`, and outputs
//! that never appear after a failure.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use sdmx_gateway::data::{CollectSink, FlatObs, pump};
use sdmx_gateway::format::{DataFormat, ReadOptions, open_reader};
use sdmx_gateway::structure::Registry;

use crate::util::{fixture, sdmxgw, temp_dir};

const ECB_DSD: &str = "structure/sdmx-ml-3.0/data_structure_definition__ECB_EXR.xml";

fn run(args: &[&str]) -> Output {
    sdmxgw().args(args).output().expect("sdmxgw runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Every observation of a data file as flat records, read with the library.
fn flat(path: &Path, dsd_file: &str) -> Vec<FlatObs> {
    let (registry, _) = match Registry::load(&[fixture(dsd_file)]) {
        Ok(r) => r,
        Err(e) => (*e.partial, Vec::new()),
    };
    let dsd = &registry.structures().data_structures[0];
    let bytes = fs::read(path).unwrap();
    let format = DataFormat::sniff(&bytes).expect("a data message");
    let mut reader = open_reader(
        format,
        std::io::Cursor::new(bytes),
        ReadOptions {
            source: "t",
            dsd: Some(dsd),
            structure: None,
        },
    )
    .unwrap();
    let mut sink = CollectSink::default();
    pump(&mut reader, &mut sink).unwrap();
    sink.collected.flat()
}

#[test]
fn json_to_csv_writes_every_observation_with_its_attributes() {
    let out = run(&[
        "convert",
        fixture("data/json/v2.0-exr-flat.json").to_str().unwrap(),
        "--to",
        "sdmx-csv-1.0",
        "--structure",
        fixture(ECB_DSD).to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with(
        "DATAFLOW,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE"
    ));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 4, "{csv}");
    // Values read by hand from the fixture (the SDMX-JSON 2.0 sample).
    assert!(
        rows.iter()
            .any(|r| r.starts_with("ECB:EXR(1.0),D,NZD,EUR,SP00,A,2013-01-18,1.5931,"))
    );
    assert!(rows.iter().any(|r| r.contains("New Zealand dollar (NZD)")));
}

#[test]
fn count_reports_what_the_message_holds_as_json() {
    let out = run(&[
        "convert",
        fixture("data/json/v2.0-exr-flat.json").to_str().unwrap(),
        "--count",
        "--json",
        "--structure",
        fixture(ECB_DSD).to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["from"], "sdmx-json-2.0");
    assert_eq!(v["observations"], 4);
    assert_eq!(v["datasets"], 1);
}

/// A → B → A for every writable format pair, through files and the CLI:
/// the flat observations (key, measures, attributes) are identical.
#[test]
fn every_format_round_trips_every_value() {
    let dir = temp_dir("cli_convert_round_trip");
    let source = fixture("data/json/v2.0-exr-time-series.json");
    let original = flat(&source, ECB_DSD);
    assert!(!original.is_empty());
    let formats = [
        "sdmx-csv-1.0",
        "sdmx-csv-2.0",
        "sdmx-json-1.0",
        "sdmx-json-2.0",
    ];
    for a in formats {
        let first = dir.join(format!("a.{a}"));
        convert_file(&source, &first, a);
        assert_eq!(flat(&first, ECB_DSD), original, "json → {a}");
        for b in formats {
            let second = dir.join(format!("b.{a}.{b}"));
            convert_file(&first, &second, b);
            let back = dir.join(format!("c.{a}.{b}"));
            convert_file(&second, &back, a);
            assert_eq!(flat(&back, ECB_DSD), original, "{a} → {b} → {a}");
        }
    }
}

fn convert_file(from: &Path, to: &Path, format: &str) {
    let out = run(&[
        "convert",
        from.to_str().unwrap(),
        "-o",
        to.to_str().unwrap(),
        "--to",
        format,
        "--structure",
        fixture(ECB_DSD).to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{} → {format}: {}",
        from.display(),
        text(&out.stderr)
    );
}

#[test]
fn reads_standard_input_and_detects_the_format() {
    let mut child = sdmxgw()
        .args(["convert", "-", "--to", "sdmx-csv-2.0", "--structure"])
        .arg(fixture(ECB_DSD))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let bytes = fs::read(fixture("data/json/v2.0-exr-flat.json")).unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    assert!(csv.starts_with("STRUCTURE,STRUCTURE_ID,ACTION,"), "{csv}");
    assert_eq!(csv.lines().count(), 5);
}

fn leftovers(dir: &PathBuf) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn a_failed_conversion_leaves_no_output_file() {
    let dir = temp_dir("cli_convert_atomic");
    // Truncate a real message in the middle of its data.
    let bytes = fs::read(fixture("data/json/v2.0-exr-time-series.json")).unwrap();
    let truncated = dir.join("truncated.json");
    fs::write(&truncated, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let target = dir.join("out.csv");
    let out = run(&[
        "convert",
        truncated.to_str().unwrap(),
        "-o",
        target.to_str().unwrap(),
        "--to",
        "sdmx-csv-1.0",
        "--structure",
        fixture(ECB_DSD).to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("truncated.json"), "names the file: {err}");
    assert!(!target.exists(), "no half-written output");
    assert_eq!(
        leftovers(&dir),
        vec!["truncated.json".to_owned()],
        "no temporary file left"
    );
}

#[test]
fn refuses_what_is_not_a_data_message_and_unknown_formats() {
    let dir = temp_dir("cli_convert_refuse");
    let html = dir.join("error.html");
    fs::write(&html, "<html><body>502 Bad Gateway</body></html>").unwrap();
    let out = run(&["convert", html.to_str().unwrap(), "--to", "sdmx-csv-1.0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not a data message"),
        "{}",
        text(&out.stderr)
    );

    let out = run(&["convert", html.to_str().unwrap(), "--to", "sdmx-xls"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("sdmx-csv-1.0"),
        "lists the formats: {}",
        text(&out.stderr)
    );

    let out = run(&[
        "convert",
        dir.join("missing.xml").to_str().unwrap(),
        "--count",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("missing.xml"));
}

#[test]
fn a_format_that_needs_the_dsd_says_so_when_none_is_found() {
    let dir = temp_dir("cli_convert_nodsd");
    let out = run(&[
        "convert",
        fixture("data/json/v2.0-exr-flat.json").to_str().unwrap(),
        "--to",
        "sdmx-csv-1.0",
        "--structure",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("needs the DSD") || err.contains("ECB:EXR(1.0)"),
        "{err}"
    );
}

#[test]
fn hostile_and_truncated_xml_exit_2_with_the_position() {
    let dir = temp_dir("cli_convert_hostile");
    let laughs = dir.join("laughs.xml");
    fs::write(
        &laughs,
        r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<message:GenericData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message">&lol2;</message:GenericData>"#,
    )
    .unwrap();
    let out = run(&["convert", laughs.to_str().unwrap(), "--count"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("laughs.xml:2"), "names file and line: {err}");
    assert!(err.contains("DOCTYPE"), "{err}");
    assert!(out.stdout.is_empty(), "nothing written");

    let bytes = fs::read(fixture("data/tck/DataXML.xml")).unwrap();
    let cut = dir.join("cut.xml");
    fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let target = dir.join("out.json");
    let out = run(&[
        "convert",
        cut.to_str().unwrap(),
        "--to",
        "sdmx-json-2.0",
        "-o",
        target.to_str().unwrap(),
        "--structure",
        fixture("structure/tck/ECB+ECB_EXR1+1.0.xml")
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("cut.xml:"),
        "{}",
        text(&out.stderr)
    );
    assert!(!target.exists());
}

#[test]
fn csv_labels_keys_and_delimiter_options_read_back_to_the_same_values() {
    let dir = temp_dir("cli_convert_csv_options");
    let sample = crate::util::root().join("samples/messages/phl-outflows-illustrative.csv");
    let labelled = dir.join("labelled.csv");
    let out = sdmxgw()
        .current_dir(crate::util::root())
        .arg("convert")
        .arg(&sample)
        .args([
            "--to",
            "sdmx-csv-2.0",
            "--csv-labels",
            "both",
            "--csv-keys",
            "series",
        ])
        .args(["--csv-delimiter", ";", "-o"])
        .arg(&labelled)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let written = fs::read_to_string(&labelled).unwrap();
    let header = written.lines().next().unwrap();
    assert!(
        header.starts_with("STRUCTURE;STRUCTURE_ID;ACTION;SERIES_KEY;REF_AREA: Reference area;"),
        "{header}"
    );
    assert!(
        written.contains(";PHL.A.MNA_OEMP_NB.SEX_F.CDS_DES_SGP;PHL: Philippines;"),
        "series key and labels"
    );

    let back = dir.join("back.csv");
    let out = sdmxgw()
        .current_dir(crate::util::root())
        .arg("convert")
        .arg(&labelled)
        .args(["--to", "sdmx-csv-1.0", "-o"])
        .arg(&back)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (registry, _) = Registry::load(&[
        crate::util::root().join("dsd"),
        crate::util::root().join("codelists"),
    ])
    .unwrap();
    let flow = registry.dataflow("DF_MNA_OEMP_SEX_CDS_NB").unwrap();
    let dsd = registry.structure_of(flow).unwrap();
    let read = |p: &Path| {
        let mut reader = open_reader(
            DataFormat::Csv10,
            std::io::BufReader::new(fs::File::open(p).unwrap()),
            ReadOptions {
                source: "t",
                dsd: Some(dsd),
                structure: None,
            },
        )
        .unwrap();
        let mut sink = CollectSink::default();
        pump(&mut reader, &mut sink).unwrap();
        sink.collected.flat()
    };
    let original = read(&sample);
    assert_eq!(original.len(), 90);
    assert_eq!(read(&back), original);
}
