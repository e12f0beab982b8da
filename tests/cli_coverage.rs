//! `sdmxgw coverage` over a real SQLite store holding the illustrative PHL sample.

use std::fs::File;
use std::io::BufReader;

use sdmx_gateway::data::pump;
use sdmx_gateway::format::{DataFormat, ReadOptions, open_reader};
use sdmx_gateway::store::{ContentHash, FlowDef, SqliteStore, Store, Submission};
use sdmx_gateway::structure::Registry;

use crate::util::{root, sdmxgw, temp_dir};

const FLOW: &str = "ILO:DF_MNA_OEMP_SEX_CDS_NB(1.0)";

#[test]
fn shows_complete_and_missing_tables_per_country_and_year() {
    let dir = temp_dir("cli_coverage");
    let db = dir.join("gateway.db");
    let (registry, _) = Registry::load(&[root().join("dsd"), root().join("codelists")]).unwrap();
    let dsd = registry
        .structure_of(registry.dataflow(FLOW).unwrap())
        .unwrap();
    {
        let mut store = SqliteStore::open(&db).unwrap();
        store
            .register_dataflow(&FlowDef {
                flow: FLOW.into(),
                dimensions: dsd
                    .dimensions
                    .iter()
                    .filter(|d| d.id != "TIME_PERIOD")
                    .map(|d| d.id.clone())
                    .collect(),
            })
            .unwrap();
        let file = root().join("samples/messages/phl-outflows-illustrative.csv");
        let mut reader = open_reader(
            DataFormat::Csv10,
            BufReader::new(File::open(&file).unwrap()),
            ReadOptions {
                source: "sample",
                dsd: Some(dsd),
                structure: None,
            },
        )
        .unwrap();
        let mut sink = store
            .ingest(Submission {
                who: "test".into(),
                dataflow: Some(FLOW.into()),
                content: ContentHash::Known("sample".into()),
            })
            .unwrap();
        pump(&mut reader, &mut sink).unwrap();
    }
    let out = sdmxgw()
        .current_dir(root())
        .args(["coverage", "--store"])
        .arg(&db)
        .args([
            "--from", "2018", "--to", "2023", "--area", "PHL", "--area", "THA", "--csv",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    // 18 series × 5 years: each PHL year 2019–2023 holds 18 observations.
    for year in 2019..=2023 {
        assert!(
            csv.contains(&format!("{FLOW},PHL,{year},18,complete\r\n")),
            "{year}: {csv}"
        );
    }
    assert!(csv.contains(&format!("{FLOW},PHL,2018,0,missing\r\n")));
    assert!(csv.contains(&format!("{FLOW},THA,2021,0,missing\r\n")));
    // Every shipped dataflow is a row: 60 × 2 areas × 6 years, plus the header.
    assert_eq!(csv.lines().count(), 60 * 2 * 6 + 1);

    let out = sdmxgw()
        .current_dir(root())
        .args(["coverage", "--store"])
        .arg(dir.join("nope.db"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.db"));
}
