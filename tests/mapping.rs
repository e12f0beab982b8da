//! Mapping national tables onto ILMS dataflows: every layout, code map, value
//! rule and error path (with exact cell references), and `sdmxgw map` on each
//! shipped sample.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sdmx_gateway::data::{CollectSink, FlatObs, pump};
use sdmx_gateway::format::{DataFormat, ReadOptions, open_reader};
use sdmx_gateway::mapping::{Mapping, MappingError, Target, map_table};
use sdmx_gateway::structure::Registry;

use crate::util::{root, sdmxgw, temp_dir};

/// The shipped ILMS structures, loaded once.
fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(|| {
        let paths = [root().join("dsd"), root().join("codelists")];
        match Registry::load(&paths) {
            Ok((r, _)) => r,
            Err(e) => *e.partial,
        }
    })
}

fn target(dataflow: &str) -> Target<'static> {
    let reg = registry();
    let flow = reg.dataflow(dataflow).unwrap();
    let dsd = reg.structure_of(flow).unwrap();
    let codelists: HashMap<String, _> = dsd
        .dimensions
        .iter()
        .map(|d| d.id.as_str())
        .chain(dsd.attributes.iter().map(|a| a.id.as_str()))
        .filter_map(|c| Some((c.to_owned(), reg.codelist_of(dsd, c)?)))
        .collect();
    let allowed = dsd
        .dimensions
        .iter()
        .filter_map(|d| {
            let codes = reg.allowed_codes(flow, &d.id, None).ok()?.codes?;
            Some((d.id.clone(), codes.into_iter().collect()))
        })
        .collect();
    Target {
        dsd,
        allowed,
        usage: sdmx_gateway::data::StructureUse::Dataflow(
            flow.meta
                .reference(sdmx_gateway::model::ArtefactClass::Dataflow),
        ),
        codelists,
    }
}

const DF_CDS: &str = "ILO:DF_MNA_OEMP_SEX_CDS_NB(1.0)";
const DF_CCT: &str = "ILO:DF_MST_NCTE_SEX_CCT_NB(1.0)";

/// Writes `files` into a fresh folder, maps with `toml` from there.
fn map(name: &str, toml: &str, files: &[(&str, &[u8])]) -> Result<Vec<FlatObs>, MappingError> {
    let dir = temp_dir(&format!("mapping-{name}"));
    for (f, bytes) in files {
        let p = dir.join(f);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, bytes).unwrap();
    }
    map_in(&dir, toml)
}

fn map_in(dir: &Path, toml: &str) -> Result<Vec<FlatObs>, MappingError> {
    let spec: Mapping = toml::from_str(toml).map_err(|e| MappingError::Spec {
        message: e.to_string(),
    })?;
    let t = target(&spec.dataflow);
    let mut reader = map_table(&spec, dir, None, &t)?;
    let mut sink = CollectSink::default();
    match pump(&mut reader, &mut sink) {
        Ok(_) => Ok(sink.collected.flat()),
        // Problems in the cells end the stream; the reader lists them.
        Err(e) => Err(reader.take_problems().unwrap_or_else(|| panic!("{e}"))),
    }
}

fn cells(r: Result<Vec<FlatObs>, MappingError>) -> Vec<String> {
    match r {
        Err(MappingError::Cells(e)) => e,
        other => panic!("expected cell errors, got {other:?}"),
    }
}

fn spec_error(r: Result<Vec<FlatObs>, MappingError>) -> String {
    match r {
        Err(e @ (MappingError::Spec { .. } | MappingError::Url(_))) => e.to_string(),
        other => panic!("expected a mapping-file error, got {other:?}"),
    }
}

/// The observation whose key holds every `(dim, code)` of `key`.
fn find<'a>(obs: &'a [FlatObs], key: &[(&str, &str)]) -> &'a FlatObs {
    let hits: Vec<_> = obs
        .iter()
        .filter(|(k, _, _)| {
            key.iter()
                .all(|(d, v)| k.iter().any(|(kd, kv)| kd == d && kv == v))
        })
        .collect();
    assert_eq!(hits.len(), 1, "{key:?} matches {} observations", hits.len());
    hits[0]
}

fn value(o: &FlatObs) -> Option<&str> {
    o.1.iter()
        .find(|(m, _)| m == "OBS_VALUE")
        .map(|(_, v)| v.as_str())
}

fn attr<'a>(o: &'a FlatObs, id: &str) -> Option<&'a str> {
    o.2.iter().find(|(a, _)| a == id).map(|(_, v)| v.as_str())
}

const LONG_CCT: &str = r#"
dataflow = "ILO:DF_MST_NCTE_SEX_CCT_NB(1.0)"
table = "t.csv"
[input]
delimiter = ";"
[columns]
"Year" = "TIME_PERIOD"
"Citizenship" = "CCT"
"Sex" = "SEX"
"Workers" = "OBS_VALUE"
[constants]
REF_AREA = "THA"
FREQ = "A"
MEASURE = "MST_NCTE_NB"
[codes.CCT]
file = "codes/cct.csv"
[codes.SEX.labels]
"Men" = "SEX_M"
"Women" = "SEX_F"
"#;

const CCT_MAP: &[u8] = b"label,code\nBurma,CCT_CTZ_MMR\nLao PDR,CCT_CTZ_LAO\n";

#[test]
fn long_csv_with_code_map_file_and_names() {
    let table = "Year;Citizenship;Sex;Workers\n\
                 2022;  Burma ;Men;1200\n\
                 2023;Myanmar;Men;1300\n\
                 2024;MYANMAR;Men;1400\n\
                 2024;lao  pdr;Women;200\n\
                 2024;Cambodia;Women;300\n";
    let obs = map(
        "long",
        LONG_CCT,
        &[("t.csv", table.as_bytes()), ("codes/cct.csv", CCT_MAP)],
    )
    .unwrap();
    assert_eq!(obs.len(), 5);
    // "Burma" (map file), "Myanmar" (code name), "MYANMAR" (case) → one code.
    for year in ["2022", "2023", "2024"] {
        let o = find(&obs, &[("TIME_PERIOD", year), ("CCT", "CCT_CTZ_MMR")]);
        assert!(o.0.contains(&("SEX".into(), "SEX_M".into())));
        assert!(o.0.contains(&("REF_AREA".into(), "THA".into())));
    }
    assert_eq!(
        value(find(
            &obs,
            &[("TIME_PERIOD", "2024"), ("CCT", "CCT_CTZ_MMR")]
        )),
        Some("1400")
    );
    assert_eq!(value(find(&obs, &[("CCT", "CCT_CTZ_LAO")])), Some("200"));
    assert_eq!(value(find(&obs, &[("CCT", "CCT_CTZ_KHM")])), Some("300"));
}

#[test]
fn csv_encodings_windows_1252_and_utf16() {
    let spec = LONG_CCT.replace(
        "delimiter = \";\"",
        "delimiter = \";\"\nencoding = \"windows-1252\"",
    );
    let spec = spec.replace(
        "\"Men\" = \"SEX_M\"",
        "\"Hommes\" = \"SEX_M\"\n\"Côte\" = \"SEX_T\"",
    );
    let table = "Year;Citizenship;Sex;Workers\n2022;Burma;Côte;5\n";
    let (cp, _, _) = encoding_rs::WINDOWS_1252.encode(table);
    let obs = map(
        "cp1252",
        &spec,
        &[("t.csv", &cp), ("codes/cct.csv", CCT_MAP)],
    )
    .unwrap();
    assert_eq!(
        find(&obs, &[("SEX", "SEX_T")]).1,
        vec![("OBS_VALUE".into(), "5".into())]
    );

    // UTF-16LE with a byte-order mark.
    let spec16 = LONG_CCT.replace(
        "delimiter = \";\"",
        "delimiter = \";\"\nencoding = \"utf-16le\"",
    );
    let mut bytes = vec![0xFF, 0xFE];
    for u in "Year;Citizenship;Sex;Workers\n2022;Burma;Women;7\n".encode_utf16() {
        bytes.extend(u.to_le_bytes());
    }
    let obs = map(
        "utf16",
        &spec16,
        &[("t.csv", &bytes), ("codes/cct.csv", CCT_MAP)],
    )
    .unwrap();
    assert_eq!(value(find(&obs, &[("SEX", "SEX_F")])), Some("7"));

    // Undeclared windows-1252 is refused, naming the fix.
    let e = spec_error(map(
        "badutf8",
        LONG_CCT,
        &[("t.csv", &cp), ("codes/cct.csv", CCT_MAP)],
    ));
    assert!(
        e.contains("not valid UTF-8") && e.contains("encoding"),
        "{e}"
    );
}

const WIDE_CDS: &str = r#"
dataflow = "ILO:DF_MNA_OEMP_SEX_CDS_NB(1.0)"
table = "t.csv"
[input]
skip_rows = 1
stop_at = ["Source"]
[layout]
kind = "wide"
header_components = ["TIME_PERIOD"]
[columns]
"Destination" = "CDS"
"Sex" = "SEX"
[constants]
REF_AREA = "PHL"
FREQ = "A"
MEASURE = "MNA_OEMP_NB"
[codes.SEX.labels]
"Both sexes" = "SEX_T"
[values]
unit_mult = 3
[[notes]]
attribute = "NOTE_INDICATOR"
text = "Deployments, not persons"
"#;

/// [`WIDE_CDS`] with a note taken from a cell of the table.
fn wide_with_cell_note() -> String {
    format!("{WIDE_CDS}[[notes]]\nattribute = \"NOTE_SOURCE\"\ncell = \"A6\"\n")
}

#[test]
fn wide_years_value_rules_and_notes() {
    let table = "Deployments (persons)\n\
                 Destination,Sex,2021,2022,2023\n\
                 Qatar,Both sexes,\"12,345\",..,700 e\n\
                 Kuwait,Male,-,n.a.,1 500p\n\
                 \n\
                 Source: a register\n\
                 Qatar,Male,1,1,1\n";
    let obs = map(
        "wide",
        &wide_with_cell_note(),
        &[("t.csv", table.as_bytes())],
    )
    .unwrap();
    // 6 value cells, none empty; the row after "Source" is not read.
    assert_eq!(obs.len(), 6);
    let q21 = find(&obs, &[("CDS", "CDS_DES_QAT"), ("TIME_PERIOD", "2021")]);
    assert_eq!(value(q21), Some("12.345"));
    assert_eq!(attr(q21, "OBS_STATUS"), None);
    assert_eq!(attr(q21, "UNIT_MULT"), Some("3"));
    assert_eq!(
        attr(q21, "NOTE_INDICATOR"),
        Some("Deployments, not persons")
    );
    assert_eq!(attr(q21, "NOTE_SOURCE"), Some("Source: a register"));
    assert!(q21.0.contains(&("SEX".into(), "SEX_T".into())));
    let q22 = find(&obs, &[("CDS", "CDS_DES_QAT"), ("TIME_PERIOD", "2022")]);
    assert_eq!((value(q22), attr(q22, "OBS_STATUS")), (None, Some("N")));
    let q23 = find(&obs, &[("CDS", "CDS_DES_QAT"), ("TIME_PERIOD", "2023")]);
    assert_eq!(
        (value(q23), attr(q23, "OBS_STATUS")),
        (Some("0.7"), Some("E"))
    );
    let k21 = find(&obs, &[("CDS", "CDS_DES_KWT"), ("TIME_PERIOD", "2021")]);
    assert_eq!((value(k21), attr(k21, "OBS_STATUS")), (None, Some("N")));
    let k23 = find(&obs, &[("CDS", "CDS_DES_KWT"), ("TIME_PERIOD", "2023")]);
    assert_eq!(
        (value(k23), attr(k23, "OBS_STATUS")),
        (Some("1.5"), Some("P"))
    );
}

#[test]
fn every_unknown_label_and_bad_number_reported_with_csv_cells() {
    let table = "Deployments (persons)\n\
                 Destination,Sex,2021,2022,2023\n\
                 Qatr,Both sexes,1,2,3\n\
                 Kuwait,Mal,1,two,3\n\
                 Saudi Arabia,Female,1,2,3\n";
    let errors = cells(map("badlabels", WIDE_CDS, &[("t.csv", table.as_bytes())]));
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(errors[0].starts_with("t.csv: row 3, column 1: \"Qatr\" is not a known CDS label; closest codes: CDS_DES_QAT (Qatar)"), "{}", errors[0]);
    assert_eq!(
        errors[0].matches("CDS_DES_").count(),
        3,
        "three closest codes: {}",
        errors[0]
    );
    assert!(
        errors[1].starts_with(
            "t.csv: row 4, column 2: \"Mal\" is not a known SEX label; closest codes: SEX_M (Male)"
        ),
        "{}",
        errors[1]
    );
    assert!(
        errors[2].starts_with("t.csv: row 4, column 4: \"two\" is not a number"),
        "{}",
        errors[2]
    );
}

#[test]
fn duplicate_observation_names_both_cells() {
    let table = "t\nDestination,Sex,2021\nQatar,Male,1\nqatar,MALE,2\n";
    let errors = cells(map("dup", WIDE_CDS, &[("t.csv", table.as_bytes())]));
    assert_eq!(
        errors,
        vec![
            "t.csv: row 4, column 3: a second value for the observation of 2021 already given at t.csv: row 3, column 3"
        ]
    );
}

#[test]
fn mapping_file_errors() {
    let table = b"t\nDestination,Sex,2021\nQatar,Male,1\n";
    // A column the header lacks.
    let e = spec_error(map(
        "nocol",
        &WIDE_CDS.replace("\"Sex\" = \"SEX\"", "\"Gender\" = \"SEX\""),
        &[("t.csv", table)],
    ));
    assert!(
        e.contains("[columns] names \"Gender\"")
            && e.contains("\"Destination\", \"Sex\", \"2021\""),
        "{e}"
    );
    // A component the DSD lacks.
    let e = spec_error(map(
        "nocomp",
        &WIDE_CDS.replace("FREQ = \"A\"", "FREQ = \"A\"\nCBR = \"X\""),
        &[("t.csv", table)],
    ));
    assert!(e.contains("component CBR"), "{e}");
    // A dimension nothing gives.
    let e = spec_error(map(
        "nodim",
        &WIDE_CDS.replace("FREQ = \"A\"\n", ""),
        &[("t.csv", table)],
    ));
    assert!(e.contains("dimension(s) FREQ"), "{e}");
    // A typo in a key is refused (deny_unknown_fields).
    let e = spec_error(map(
        "typo",
        &WIDE_CDS.replace("skip_rows", "skip_row"),
        &[("t.csv", table)],
    ));
    assert!(e.contains("skip_row"), "{e}");
    // The library maps local files; a URL says who fetches it.
    let e = spec_error(map(
        "url",
        &WIDE_CDS.replace("table = \"t.csv\"", "table = \"https://example.org/t.csv\""),
        &[],
    ));
    assert!(e.contains("is a URL") && e.contains("sdmxgw map"), "{e}");
    // A constant that is not a code.
    let errors = cells(map(
        "badconst",
        &WIDE_CDS.replace("\"PHL\"", "\"Philipines\""),
        &[("t.csv", table)],
    ));
    assert!(errors[0].starts_with("[constants] REF_AREA: \"Philipines\" is not a known REF_AREA label; closest codes: PHL (Philippines)"), "{errors:?}");
    // A code of the codelist that the dataflow's constraints exclude.
    let errors = cells(map(
        "constraint",
        &WIDE_CDS.replace("\"MNA_OEMP_NB\"", "\"MST_NCTE_NB\""),
        &[("t.csv", table)],
    ));
    assert_eq!(
        errors,
        vec![
            "[constants] MEASURE: \"MST_NCTE_NB\" is MST_NCTE_NB, which the constraints of MNA_OEMP_SEX_CDS_NB do not allow for MEASURE"
        ]
    );
    // A long table needs its value column.
    let e = spec_error(map(
        "noval",
        &LONG_CCT.replace("\"Workers\" = \"OBS_VALUE\"\n", ""),
        &[
            ("t.csv", b"Year;Citizenship;Sex;Workers\n"),
            ("codes/cct.csv", CCT_MAP),
        ],
    ));
    assert!(e.contains("a long layout needs its value column"), "{e}");
}

/// A two-header-row XLSX table (year over sex, years merged across columns).
fn write_xlsx(path: &Path, rows: &[(u32, &[&str])], merges: &[(u32, u16, u16, &str)]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Permits").unwrap();
    for (r, cells) in rows {
        for (c, t) in cells.iter().enumerate() {
            if t.is_empty() {
                continue;
            }
            match t.parse::<f64>() {
                Ok(n) => ws.write_number(*r, c as u16, n).unwrap(),
                Err(_) => ws.write_string(*r, c as u16, *t).unwrap(),
            };
        }
    }
    let fmt = rust_xlsxwriter::Format::new();
    for (r, c1, c2, t) in merges {
        ws.merge_range(*r, *c1, *r, *c2, t, &fmt).unwrap();
    }
    wb.save(path).unwrap();
}

const XLSX_SPEC: &str = r#"
dataflow = "ILO:DF_MST_NCTE_SEX_CCT_NB(1.0)"
table = "t.xlsx"
[input]
sheet = "Permits"
range = "B4:F9"
skip_rows = 1
header_rows = 2
[layout]
kind = "wide"
header_components = ["TIME_PERIOD", "SEX"]
[columns]
"Citizenship" = "CCT"
[constants]
REF_AREA = "THA"
FREQ = "A"
MEASURE = "MST_NCTE_NB"
[codes.CCT.labels]
"Burma" = "CCT_CTZ_MMR"
"#;

fn xlsx_table(dir: &Path, label14: &str) {
    // Rows are 0-based: row 3 (Excel 4) is skipped, rows 4-5 (Excel 5-6) are headers.
    write_xlsx(
        &dir.join("t.xlsx"),
        &[
            (0, &["Title outside the range"]),
            (3, &["", "Work permits (illustrative)"]),
            (4, &["", "", "", "", "", ""]),
            (5, &["", "Citizenship", "Male", "Female", "Male", "Female"]),
            (6, &["", "Burma", "10", "20", "11", "21"]),
            (7, &["", "Cambodia", "5", "6", "7", "8"]),
            (8, &["", "Viet Nam", "1", "2", "3", "4"]),
            (13, &["", label14, "5"]),
        ],
        &[(4, 2, 3, "2022"), (4, 4, 5, "2023")],
    );
}

#[test]
fn xlsx_two_header_rows_sheet_and_range() {
    let dir = temp_dir("mapping-xlsx");
    xlsx_table(&dir, "ignored: outside B4:F9");
    let obs = map_in(&dir, XLSX_SPEC).unwrap();
    assert_eq!(obs.len(), 12);
    let o = find(
        &obs,
        &[
            ("CCT", "CCT_CTZ_MMR"),
            ("TIME_PERIOD", "2023"),
            ("SEX", "SEX_F"),
        ],
    );
    assert_eq!(value(o), Some("21"));
    let o = find(
        &obs,
        &[
            ("CCT", "CCT_CTZ_VNM"),
            ("TIME_PERIOD", "2022"),
            ("SEX", "SEX_M"),
        ],
    );
    assert_eq!(value(o), Some("1"));
}

#[test]
fn xlsx_errors_name_sheet_cells() {
    let dir = temp_dir("mapping-xlsx-err");
    xlsx_table(&dir, "Burmese");
    // The label at B14 (row 13) is inside the range B4:F14.
    let spec = XLSX_SPEC.replace("B4:F9", "B4:F14");
    let errors = cells(map_in(&dir, &spec));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("Permits!B14: \"Burmese\" is not a known CCT label; closest codes:"),
        "{}",
        errors[0]
    );
    assert_eq!(errors[0].matches("CCT_").count(), 3, "{}", errors[0]);

    let e = spec_error(map_in(
        &dir,
        &XLSX_SPEC.replace("sheet = \"Permits\"", "sheet = \"Deployments\""),
    ));
    assert!(
        e.contains("there is no sheet \"Deployments\"; the workbook has \"Permits\""),
        "{e}"
    );
}

/// Every observation of a data message, read back with the library.
fn read_back(path: &Path, dataflow: &str) -> Vec<FlatObs> {
    let t = target(dataflow);
    let bytes = fs::read(path).unwrap();
    let format = DataFormat::sniff(&bytes).expect("a data message");
    let mut reader = open_reader(
        format,
        std::io::Cursor::new(bytes),
        ReadOptions {
            source: "out",
            dsd: Some(t.dsd),
            structure: Some(&t.usage),
        },
    )
    .unwrap();
    let mut sink = CollectSink::default();
    pump(&mut reader, &mut sink).unwrap();
    sink.collected.flat()
}

fn map_sample(mapping: &str, to: &str, out: &Path) {
    let o = sdmxgw()
        .current_dir(root())
        .args(["map", "--mapping", mapping, "--to", to, "-o"])
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn cli_maps_phl_sample() {
    let dir = temp_dir("mapping-cli-phl");
    let out = dir.join("phl.xml");
    map_sample(
        "samples/mappings/phl-deployments.toml",
        "sdmx-ml-2.1-ss",
        &out,
    );
    let obs = read_back(&out, DF_CDS);
    // 18 rows × 3 years.
    assert_eq!(obs.len(), 54);
    let o = find(
        &obs,
        &[
            ("CDS", "CDS_DES_SAU"),
            ("SEX", "SEX_T"),
            ("TIME_PERIOD", "2021"),
        ],
    );
    assert_eq!(value(o), Some("102.217"));
    let o = find(
        &obs,
        &[
            ("CDS", "CDS_DES_QAT"),
            ("SEX", "SEX_F"),
            ("TIME_PERIOD", "2021"),
        ],
    );
    assert_eq!((value(o), attr(o, "OBS_STATUS")), (None, Some("N")));
    let o = find(
        &obs,
        &[
            ("CDS", "CDS_DES_TOTAL"),
            ("SEX", "SEX_T"),
            ("TIME_PERIOD", "2023"),
        ],
    );
    assert_eq!(
        (value(o), attr(o, "OBS_STATUS")),
        (Some("437.877"), Some("P"))
    );
    assert_eq!(
        attr(o, "NOTE_SOURCE"),
        Some("2023 figures are provisional (p). - : not available.")
    );
}

#[test]
fn cli_maps_tha_sample() {
    let dir = temp_dir("mapping-cli-tha");
    let out = dir.join("tha.csv");
    map_sample(
        "samples/mappings/tha-work-permits.toml",
        "sdmx-csv-1.0",
        &out,
    );
    let obs = read_back(&out, DF_CCT);
    assert_eq!(obs.len(), THA_ROWS.len() * 6);
    let o = find(
        &obs,
        &[
            ("CCT", "CCT_CTZ_MMR"),
            ("SEX", "SEX_F"),
            ("TIME_PERIOD", "2023"),
        ],
    );
    assert_eq!(value(o), Some("798.2"));
    let o = find(
        &obs,
        &[
            ("CCT", "CCT_CIT_NONCIT"),
            ("SEX", "SEX_T"),
            ("TIME_PERIOD", "2024"),
        ],
    );
    assert_eq!(
        (value(o), attr(o, "OBS_STATUS")),
        (Some("2711.1"), Some("P"))
    );
    // "-" is nil (S), ".." not available (N), both without a value.
    let o = find(
        &obs,
        &[
            ("CCT", "CCT_CTZ_X"),
            ("SEX", "SEX_M"),
            ("TIME_PERIOD", "2023"),
        ],
    );
    assert_eq!((value(o), attr(o, "OBS_STATUS")), (None, Some("S")));
    let o = find(
        &obs,
        &[
            ("CCT", "CCT_CTZ_X"),
            ("SEX", "SEX_M"),
            ("TIME_PERIOD", "2024"),
        ],
    );
    assert_eq!((value(o), attr(o, "OBS_STATUS")), (None, Some("N")));
    assert!(
        attr(o, "NOTE_SOURCE")
            .unwrap()
            .starts_with("Note: 2024 figures are provisional")
    );
}

#[test]
fn cli_reports_all_label_errors_and_writes_nothing() {
    let dir = temp_dir("mapping-cli-bad");
    let table = dir.join("bad.csv");
    let text = fs::read(root().join("samples/tables/phl-deployments-illustrative.csv")).unwrap();
    let text = String::from_utf8_lossy(&text)
        .replace("Hong Kong,", "Hongkong,")
        .replace("Qatar,Male", "Qatar,Males");
    fs::write(&table, text).unwrap();
    let out = dir.join("out.csv");
    let o = sdmxgw()
        .current_dir(root())
        .args([
            "map",
            "--mapping",
            "samples/mappings/phl-deployments.toml",
            "-o",
        ])
        .arg(&out)
        .arg(&table)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    // Three Hongkong rows (A13..A15) and one "Males" (B17).
    for cell in [
        "row 13, column 1",
        "row 14, column 1",
        "row 15, column 1",
        "row 17, column 2",
    ] {
        assert!(
            err.contains(&format!("bad.csv: {cell}: ")),
            "{cell} missing in {err}"
        );
    }
    assert!(err.contains("CDS_DES_HKG (Hong Kong, China)"), "{err}");
    assert!(err.contains("4 problem(s)"), "{err}");
    assert!(!out.exists());
}

/// The Thai-style sample: citizenship, then per year Total/Male/Female, in persons.
const THA_ROWS: &[(&str, [&str; 6])] = &[
    (
        "Total",
        [
            "2,493,100",
            "1,380,000",
            "1,113,100",
            "2,711,100p",
            "1,500,600p",
            "1,210,500p",
        ],
    ),
    (
        "MYANMAR",
        [
            "1,802,400",
            "1,004,200",
            "798,200",
            "1,951,000p",
            "1,100,100p",
            "850,900p",
        ],
    ),
    ("Others", ["-", "-", "-", "..", "..", ".."]),
    (
        "Cambodia",
        [
            "420,300", "230,100", "190,200", "460,200p", "250,300p", "209,900p",
        ],
    ),
    (
        "Lao PDR",
        [
            "210,400", "100,200", "110,200", "230,100p", "100,000p", "130,100p",
        ],
    ),
    (
        "Viet Nam",
        [
            "60,000", "45,500", "14,500", "69,800p", "50,200p", "19,600p",
        ],
    ),
];

/// Writes the committed sample `samples/tables/tha-work-permits-illustrative.xlsx`.
fn write_tha_sample(path: &Path) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Permits").unwrap();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    ws.write_string_with_format(
        0,
        0,
        "Migrant workers with a valid work permit, by citizenship and sex (persons)",
        &bold,
    )
    .unwrap();
    ws.write_string(
        1,
        0,
        "ILLUSTRATIVE FIGURES made up for testing sdmx-gateway; not official statistics",
    )
    .unwrap();
    ws.write_string(3, 0, "Citizenship").unwrap();
    ws.merge_range(3, 1, 3, 3, "2023", &bold).unwrap();
    ws.merge_range(3, 4, 3, 6, "2024", &bold).unwrap();
    for (i, s) in ["Total", "Male", "Female", "Total", "Male", "Female"]
        .iter()
        .enumerate()
    {
        ws.write_string(4, 1 + i as u16, *s).unwrap();
    }
    for (r, (label, vals)) in THA_ROWS.iter().enumerate() {
        let row = 5 + r as u32;
        ws.write_string(row, 0, *label).unwrap();
        for (c, v) in vals.iter().enumerate() {
            ws.write_string(row, 1 + c as u16, *v).unwrap();
        }
    }
    let foot = 5 + THA_ROWS.len() as u32 + 1;
    ws.write_string(
        foot,
        0,
        "Note: 2024 figures are provisional (p); \"..\" not available; \"-\" nil. Illustrative.",
    )
    .unwrap();
    wb.save(path).unwrap();
}

fn sheet_cells(path: &Path) -> Vec<Vec<String>> {
    use calamine::{Reader, open_workbook_auto};
    let mut wb = open_workbook_auto(path).unwrap();
    let r = wb.worksheet_range("Permits").unwrap();
    r.rows()
        .map(|row| row.iter().map(|c| c.to_string()).collect())
        .collect()
}

/// The committed XLSX sample holds what [`write_tha_sample`] writes; set
/// `SDMXGW_WRITE_SAMPLES=1` to rewrite it.
#[test]
fn tha_sample_is_current() {
    let committed: PathBuf = root().join("samples/tables/tha-work-permits-illustrative.xlsx");
    if std::env::var_os("SDMXGW_WRITE_SAMPLES").is_some() {
        write_tha_sample(&committed);
    }
    let dir = temp_dir("mapping-tha-sample");
    let fresh = dir.join("t.xlsx");
    write_tha_sample(&fresh);
    assert_eq!(sheet_cells(&committed), sheet_cells(&fresh));
}

/// Every cell of a sheet as text, by (row, column).
fn sheet_text(path: &Path, sheet: &str) -> Vec<Vec<String>> {
    use calamine::{Reader, open_workbook_auto};
    let mut wb = open_workbook_auto(path).unwrap();
    let r = wb.worksheet_range(sheet).unwrap();
    let (r0, c0) = r.start().unwrap();
    let mut out = vec![Vec::new(); r0 as usize];
    for row in r.rows() {
        let mut cells = vec![String::new(); c0 as usize];
        cells.extend(row.iter().map(|c| c.to_string()));
        out.push(cells);
    }
    out
}

#[test]
fn questionnaire_round_trip() {
    let dir = temp_dir("mapping-questionnaire");
    let template = dir.join("questionnaire.xlsx");
    let o = sdmxgw()
        .current_dir(root())
        .args(["template", DF_CDS, "-o"])
        .arg(&template)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // The template: instructions stating the unit, a hidden codes sheet.
    {
        use calamine::{Reader, SheetVisible, open_workbook_auto};
        let wb = open_workbook_auto(&template).unwrap();
        let meta: Vec<_> = wb
            .sheets_metadata()
            .iter()
            .map(|s| (s.name.clone(), s.visible))
            .collect();
        assert_eq!(meta[0], ("Instructions".into(), SheetVisible::Visible));
        assert_eq!(meta[1], ("Data".into(), SheetVisible::Visible));
        assert_eq!(meta[2].0, "Codes");
        assert_ne!(meta[2].1, SheetVisible::Visible);
    }
    let ins = sheet_text(&template, "Instructions");
    assert!(
        ins.iter()
            .flatten()
            .any(|l| l.contains("thousands (UNIT_MULT 3)"))
    );
    let data = sheet_text(&template, "Data");
    assert_eq!(data[0][..2], ["Dataflow".to_owned(), DF_CDS.to_owned()]);
    assert_eq!(data[1][1], "3");
    let header = data[3].clone();
    assert_eq!(
        header,
        [
            "REF_AREA",
            "FREQ",
            "MEASURE",
            "SEX",
            "CDS",
            "TIME_PERIOD",
            "OBS_VALUE",
            "OBS_STATUS"
        ]
    );
    let codes = sheet_text(&template, "Codes");
    let list = |id: &str| -> Vec<String> {
        let c = header.iter().position(|h| h == id).unwrap();
        codes[1..]
            .iter()
            .filter_map(|r| r.get(c))
            .filter(|t| !t.is_empty())
            .cloned()
            .collect()
    };
    // Code and name together; MEASURE narrowed to this dataflow.
    assert!(list("SEX").contains(&"SEX_F — Female".to_owned()));
    assert!(list("CDS").contains(&"CDS_DES_SAU — Saudi Arabia".to_owned()));
    assert_eq!(list("MEASURE").len(), 1, "{:?}", list("MEASURE"));
    let pick = |id: &str, code: &str| {
        list(id)
            .into_iter()
            .find(|t| t.starts_with(&format!("{code} — ")))
            .unwrap()
    };

    // Fill it: the first rows as the template has them, then observations
    // chosen from the drop-down lists (and one code typed alone).
    let filled = dir.join("filled.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Data").unwrap();
    for (r, row) in data.iter().enumerate().take(4) {
        for (c, t) in row.iter().enumerate() {
            if !t.is_empty() {
                ws.write_string(r as u32, c as u16, t).unwrap();
            }
        }
    }
    let measure = list("MEASURE")[0].clone();
    let rows = [
        [
            pick("REF_AREA", "PHL"),
            pick("FREQ", "A"),
            measure.clone(),
            pick("SEX", "SEX_F"),
            pick("CDS", "CDS_DES_SAU"),
            "2024".into(),
            "12.5".into(),
            "".into(),
        ],
        [
            pick("REF_AREA", "PHL"),
            "A".into(),
            measure.clone(),
            pick("SEX", "SEX_M"),
            pick("CDS", "CDS_DES_SAU"),
            "2024".into(),
            "".into(),
            pick("OBS_STATUS", "N"),
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, t) in row.iter().enumerate() {
            if t.is_empty() {
                continue;
            }
            match t.parse::<f64>() {
                Ok(n) => ws.write_number(4 + r as u32, c as u16, n).unwrap(),
                Err(_) => ws.write_string(4 + r as u32, c as u16, t).unwrap(),
            };
        }
    }
    wb.save(&filled).unwrap();

    let out = dir.join("out.xml");
    let o = sdmxgw()
        .current_dir(root())
        .args(["map", "--to", "sdmx-ml-2.1-ss", "-o"])
        .arg(&out)
        .arg(&filled)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let obs = read_back(&out, DF_CDS);
    assert_eq!(obs.len(), 2);
    let f = find(&obs, &[("SEX", "SEX_F")]);
    assert_eq!(value(f), Some("12.5"));
    assert_eq!(attr(f, "UNIT_MULT"), Some("3"));
    assert!(f.0.contains(&("CDS".into(), "CDS_DES_SAU".into())));
    assert!(f.0.contains(&("TIME_PERIOD".into(), "2024".into())));
    assert!(f.0.contains(&("MEASURE".into(), "MNA_OEMP_NB".into())));
    let m = find(&obs, &[("SEX", "SEX_M")]);
    assert_eq!((value(m), attr(m, "OBS_STATUS")), (None, Some("N")));
}

#[test]
fn cli_streams_through_the_validator() {
    // A note longer than the DSD's 1024 characters maps, but the validator
    // rejects it: exit 1, the finding on stderr, no output file.
    let dir = temp_dir("mapping-cli-validator");
    let spec = fs::read_to_string(root().join("samples/mappings/phl-deployments.toml"))
        .unwrap()
        .replace(
            "table = \"../tables/",
            &format!("table = \"{}/samples/tables/", root().display()),
        );
    let spec = format!(
        "{spec}\n[[notes]]\nattribute = \"NOTE_INDICATOR\"\ntext = \"{}\"\n",
        "x".repeat(1100)
    );
    let mapping = dir.join("long-note.toml");
    fs::write(&mapping, spec).unwrap();
    let out = dir.join("out.csv");
    let o = sdmxgw()
        .args(["map", "--mapping"])
        .arg(&mapping)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("NOTE_INDICATOR"), "{err}");
    assert!(
        err.contains("not valid for ILO:DF_MNA_OEMP_SEX_CDS_NB(1.0); nothing written"),
        "{err}"
    );
    assert!(!out.exists());
}

const DF_AGE_CBR: &str = "ILO:DF_MST_TEMP_SEX_AGE_CBR_NB(1.0)";

/// Maps a shipped sample with the CLI and checks the output with `sdmxgw
/// validate`: zero errors and zero warnings.
fn map_and_validate(mapping: &str, name: &str) -> PathBuf {
    let dir = temp_dir(&format!("mapping-sample-{name}"));
    let out = dir.join(format!("{name}.xml"));
    map_sample(mapping, "sdmx-ml-2.1-ss", &out);
    let o = sdmxgw()
        .current_dir(root())
        .arg("validate")
        .arg(&out)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(text.contains("0 error(s), 0 warning(s)"), "{name}: {text}");
    out
}

#[test]
fn every_sample_maps_to_valid_sdmx() {
    for (mapping, name, obs) in [
        ("samples/mappings/phl-deployments.toml", "phl", 54),
        ("samples/mappings/tha-work-permits.toml", "tha", 36),
        ("samples/mappings/mys-lfs-employed.toml", "mys", 63),
        ("samples/mappings/vnm-contract-workers.toml", "vnm", 60),
    ] {
        let out = map_and_validate(mapping, name);
        let flow = toml::from_str::<Mapping>(&fs::read_to_string(root().join(mapping)).unwrap())
            .unwrap()
            .dataflow;
        assert_eq!(read_back(&out, &flow).len(), obs, "{name}");
    }
}

#[test]
fn cli_maps_mys_lfs_sample() {
    // Two header rows (country of birth over sex), age bands down the side,
    // already in thousands; the "Note:" and "Source:" lines are footnotes.
    let dir = temp_dir("mapping-cli-mys");
    let out = dir.join("mys.csv");
    map_sample(
        "samples/mappings/mys-lfs-employed.toml",
        "sdmx-csv-1.0",
        &out,
    );
    let obs = read_back(&out, DF_AGE_CBR);
    // 7 age rows × 3 places of birth × 3 sexes.
    assert_eq!(obs.len(), 63);
    // Row 8 (25-34), column I (born outside Malaysia, male): 62.0.
    let o = find(
        &obs,
        &[
            ("AGE", "AGE_10YRBANDS_Y25-34"),
            ("CBR", "CBR_BIR_FOREIGN"),
            ("SEX", "SEX_M"),
        ],
    );
    assert_eq!(value(o), Some("62.0"));
    assert!(o.0.contains(&("TIME_PERIOD".into(), "2023".into())));
    assert!(o.0.contains(&("REF_AREA".into(), "MYS".into())));
    assert_eq!(attr(o, "UNIT_MULT"), Some("3"));
    // Row 6 (Total), column B (total, total), with a thousands separator.
    let o = find(
        &obs,
        &[
            ("AGE", "AGE_10YRBANDS_TOTAL"),
            ("CBR", "CBR_BIR_TOTAL"),
            ("SEX", "SEX_T"),
        ],
    );
    assert_eq!(value(o), Some("11169.8"));
    // Row 12 (65 and over), column G (born in Malaysia, female).
    let o = find(
        &obs,
        &[
            ("AGE", "AGE_10YRBANDS_YGE65"),
            ("CBR", "CBR_BIR_NATIVE"),
            ("SEX", "SEX_F"),
        ],
    );
    assert_eq!(value(o), Some("986.8"));
    assert!(
        attr(o, "NOTE_SOURCE")
            .unwrap()
            .starts_with("Note: Figures may not add up")
    );
}

#[test]
fn cli_maps_vnm_sample() {
    // Years as columns, markers p/e/../-, footnote lines without stop_at.
    let dir = temp_dir("mapping-cli-vnm");
    let out = dir.join("vnm.xml");
    map_sample(
        "samples/mappings/vnm-contract-workers.toml",
        "sdmx-ml-2.1-ss",
        &out,
    );
    let obs = read_back(&out, DF_CDS);
    // 10 rows × 6 years, every cell a value or a marker.
    assert_eq!(obs.len(), 60);
    let at = |cds: &str, year: &str| find(&obs, &[("CDS", cds), ("TIME_PERIOD", year)]).clone();
    let o = at("CDS_DES_TWN", "2024");
    assert_eq!(
        (value(&o), attr(&o, "OBS_STATUS")),
        (Some("61.1"), Some("P"))
    );
    assert!(o.0.contains(&("SEX".into(), "SEX_T".into())));
    assert!(o.0.contains(&("REF_AREA".into(), "VNM".into())));
    let o = at("CDS_DES_X", "2023");
    assert_eq!(
        (value(&o), attr(&o, "OBS_STATUS")),
        (Some("1.283"), Some("E"))
    );
    let o = at("CDS_DES_CHN", "2024");
    assert_eq!((value(&o), attr(&o, "OBS_STATUS")), (None, Some("N")));
    let o = at("CDS_DES_MYS", "2021");
    assert_eq!((value(&o), attr(&o, "OBS_STATUS")), (None, Some("S")));
    let o = at("CDS_DES_KOR", "2019");
    assert_eq!((value(&o), attr(&o, "OBS_STATUS")), (Some("7.215"), None));
    let o = at("CDS_DES_TOTAL", "2019");
    assert_eq!(value(&o), Some("152.53"));
    assert!(
        attr(&o, "NOTE_SOURCE")
            .unwrap()
            .starts_with("p: preliminary; e: estimate")
    );
}

#[test]
fn trailing_footnote_rows_are_not_data_but_a_bad_row_before_data_is_reported() {
    let spec = WIDE_CDS.replace("stop_at = [\"Source\"]\n", "");
    // Two single-cell lines at the end: footnotes, dropped.
    let table = "t\nDestination,Sex,2021\nQatar,Male,1\n* provisional\nData: a register\n";
    let obs = map("foot", &spec, &[("t.csv", table.as_bytes())]).unwrap();
    assert_eq!(obs.len(), 1);
    // The same kind of line followed by data is a bad label after all.
    let table = "t\nDestination,Sex,2021\nQatr\nQatar,Male,1\nnote\n";
    let errors = cells(map("foot-mid", &spec, &[("t.csv", table.as_bytes())]));
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0].starts_with("t.csv: row 3, column 1: \"Qatr\" is not a known CDS label"),
        "{errors:#?}"
    );
    assert_eq!(
        errors[1],
        "t.csv: row 3, column 2: empty cell where SEX is expected"
    );
}

#[test]
fn crlf_and_blank_lines_keep_row_numbers() {
    let table = "Deployments\r\n\r\nDestination,Sex,2021\r\nQatar,Male,1\r\n\r\n\r\n\"Kuwait\",\"Male\",y\r\n";
    let spec = WIDE_CDS.replace("skip_rows = 1", "skip_rows = 2");
    let errors = cells(map("crlf", &spec, &[("t.csv", table.as_bytes())]));
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with("t.csv: row 7, column 3: \"y\" is not a number"),
        "{errors:#?}"
    );
}

#[test]
fn error_paths_name_their_cells() {
    // A column the header lacks: the message names the header row.
    let table = b"t\nDestination,Sex,2021\nQatar,Male,1\n";
    let e = spec_error(map(
        "nocol-ref",
        &WIDE_CDS.replace("\"Sex\" = \"SEX\"", "\"Gender\" = \"SEX\""),
        &[("t.csv", table)],
    ));
    assert!(
        e.contains("the header (t.csv: row 2, column 1) has no such column"),
        "{e}"
    );
    // A number that is not a number in a workbook: the sheet cell.
    let dir = temp_dir("mapping-xlsx-nan");
    write_xlsx(
        &dir.join("t.xlsx"),
        &[
            (3, &["", "Work permits"]),
            (4, &["", "", "2022", "", "2023", ""]),
            (5, &["", "Citizenship", "Male", "Female", "Male", "Female"]),
            (6, &["", "Burma", "10", "20", "11", "21"]),
            (7, &["", "Cambodia", "5", "six", "7", "8"]),
            (8, &["", "Viet Nam", "1", "2", "3", "4"]),
        ],
        &[],
    );
    let errors = cells(map_in(&dir, XLSX_SPEC));
    assert_eq!(
        errors,
        vec![
            "Permits!D8: \"six\" is not a number (nor a marker: \"-\", \"..\", \"c\", \"n.a.\", \"x\")"
        ]
    );
}

#[test]
fn repeated_observation_far_apart_is_caught_by_the_validator() {
    // Rows 3 and 5 give the same key and year, with another series between:
    // the mapper streams them as two runs; `sdmxgw map` validates on the way
    // and refuses, naming the second row.
    let dir = temp_dir("mapping-cli-dup");
    let spec = LONG_CCT
        .replace(
            "table = \"t.csv\"",
            &format!("table = {:?}", dir.join("t.csv").display().to_string()),
        )
        .replace(
            "file = \"codes/cct.csv\"",
            &format!("file = {:?}", dir.join("cct.csv").display().to_string()),
        );
    fs::write(dir.join("map.toml"), spec).unwrap();
    fs::write(dir.join("cct.csv"), CCT_MAP).unwrap();
    fs::write(
        dir.join("t.csv"),
        "Year;Citizenship;Sex;Workers\n2022;Burma;Men;1\n2022;Cambodia;Men;2\n2022;Myanmar;Men;3\n",
    )
    .unwrap();
    let out = dir.join("out.csv");
    let o = sdmxgw()
        .current_dir(root())
        .args(["map", "--mapping"])
        .arg(dir.join("map.toml"))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("E601"), "{err}");
    assert!(err.contains("t.csv: row 4, column 4"), "{err}");
    assert!(!out.exists());
}

#[test]
fn streams_a_200k_row_csv() {
    // A long table sorted by series: 50,000 series × 4 years. Memory is
    // measured by `cargo bench --bench mapping`; here the counts.
    let dir = temp_dir("mapping-stream");
    let mut table = String::from("Year;Citizenship;Sex;Workers\n");
    let ccts = ["Burma", "Cambodia", "Lao PDR", "Viet Nam", "Indonesia"];
    let mut rows = 0;
    // 10,000 blocks × 5 citizenships × 4 years; each block has its own years,
    // so no key and period repeats.
    'outer: for block in 0..10_000 {
        for cct in ccts {
            for year in 0..4 {
                use std::fmt::Write;
                let y = 2000 + 4 * block + year;
                writeln!(table, "{y};{cct};Men;{}", (rows * 7) % 1000).unwrap();
                rows += 1;
                if rows == 200_000 {
                    break 'outer;
                }
            }
        }
    }
    let spec = LONG_CCT;
    fs::write(dir.join("t.csv"), &table).unwrap();
    fs::create_dir_all(dir.join("codes")).unwrap();
    fs::write(dir.join("codes/cct.csv"), CCT_MAP).unwrap();
    let t = target(DF_CCT);
    let mapping: Mapping = toml::from_str(spec).unwrap();
    let mut reader = map_table(&mapping, &dir, None, &t).unwrap();
    let summary = pump(&mut reader, &mut sdmx_gateway::data::CountSink).unwrap();
    assert_eq!(summary.observations, 200_000);
    // Consecutive rows of one citizenship form one series of four years.
    assert_eq!(summary.series, 50_000);
}

/// Serves `body` at `/tables/deployments.csv` (anything else is 404) on a
/// loopback port, from a thread that lives as long as the test process.
fn serve_table(body: Vec<u8>) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let app = axum::Router::new().route(
                "/tables/deployments.csv",
                axum::routing::get(move || {
                    let body = body.clone();
                    async move { body }
                }),
            );
            axum::serve(listener, app).await.unwrap();
        });
    });
    format!("http://{}", rx.recv().unwrap())
}

#[test]
fn a_mapping_naming_its_table_by_url_fetches_it() {
    let dir = temp_dir("map-url");
    let sample = root().join("samples/tables/phl-deployments-illustrative.csv");
    let base = serve_table(fs::read(&sample).unwrap());
    let original =
        fs::read_to_string(root().join("samples/mappings/phl-deployments.toml")).unwrap();
    let relative = "table = \"../tables/phl-deployments-illustrative.csv\"";
    assert!(
        original.contains(relative),
        "the sample mapping changed its table line"
    );

    let map_to_csv = |mapping: &Path, out: &Path| {
        let o = sdmxgw()
            .args(["map", "--mapping"])
            .arg(mapping)
            .args(["--to", "sdmx-csv-1.0", "-o"])
            .arg(out)
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let local_out = dir.join("local.csv");
    let (code, err) = map_to_csv(
        &root().join("samples/mappings/phl-deployments.toml"),
        &local_out,
    );
    assert_eq!(code, Some(0), "{err}");

    let remote = dir.join("remote.toml");
    fs::write(
        &remote,
        original.replace(
            relative,
            &format!("table = \"{base}/tables/deployments.csv\""),
        ),
    )
    .unwrap();
    let remote_out = dir.join("remote.csv");
    let (code, err) = map_to_csv(&remote, &remote_out);
    assert_eq!(code, Some(0), "{err}");
    let local = fs::read_to_string(&local_out).unwrap();
    assert!(local.lines().count() > 10);
    assert_eq!(fs::read_to_string(&remote_out).unwrap(), local);

    // A URL that does not answer with the table: a clear error, no output.
    let missing = dir.join("missing.toml");
    fs::write(
        &missing,
        original.replace(relative, &format!("table = \"{base}/tables/nope.csv\"")),
    )
    .unwrap();
    let missing_out = dir.join("missing.csv");
    let (code, err) = map_to_csv(&missing, &missing_out);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("/tables/nope.csv") && err.contains("404"),
        "{err}"
    );
    assert!(!missing_out.exists());
}
