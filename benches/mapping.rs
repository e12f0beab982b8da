//! Mapping benchmark (issue 5): a generated 1,000,000-row long CSV table
//! (illustrative figures: non-citizen workers by country, citizenship, sex and
//! year, in persons, with national labels, thousands separators and `p`
//! suffixes) mapped onto `ILO:DF_MST_NCTE_SEX_CCT_NB(1.0)`.
//!
//! `cargo bench --bench mapping [-- --rows N]`
//!
//! Each step runs in a child process of this program so that its peak RSS
//! (VmHWM) is its own; the same step on a table a tenth the size shows that
//! memory does not grow with the table. The tables are generated in a
//! temporary folder, removed at the end.

mod common;
use common::{child_figures, machine, number_arg, peak_rss_mb};

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use sdmx_gateway::data::{CountSink, StructureUse, pump};
use sdmx_gateway::format::{self, DataFormat, WriteOptions};
use sdmx_gateway::mapping::{self, Mapping, Target};
use sdmx_gateway::model::ArtefactClass;
use sdmx_gateway::structure::Registry;
use sdmx_gateway::validate::{Options, Schema, Validator, validate};

const DATAFLOW: &str = "ILO:DF_MST_NCTE_SEX_CCT_NB(1.0)";
const YEARS: std::ops::RangeInclusive<u32> = 2020..=2024;

const MAPPING: &str = r#"
# Illustrative benchmark table: long, one row per observation, sorted by series.
dataflow = "ILO:DF_MST_NCTE_SEX_CCT_NB(1.0)"
table = "table.csv"
[columns]
"Country" = "REF_AREA"
"Citizenship" = "CCT"
"Sex" = "SEX"
"Year" = "TIME_PERIOD"
"Workers" = "OBS_VALUE"
[constants]
FREQ = "A"
MEASURE = "MST_NCTE_NB"
UNIT_MEASURE_TYPE = "NB"
UNIT_MEASURE = "PS"
SOURCE = "Illustrative figures for a benchmark, not official statistics"
[values]
unit_mult = 3
"#;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--step") {
        run_step(&args[i + 1], Path::new(&args[i + 2]));
        return;
    }
    let rows: u64 = number_arg(&args, "--rows", 1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let big = dir.path().join("big");
    let small = dir.path().join("small");
    for (d, n) in [(&big, rows), (&small, rows / 10)] {
        std::fs::create_dir_all(d).expect("dir");
        std::fs::write(d.join("mapping.toml"), MAPPING).expect("mapping");
        generate(&d.join("table.csv"), n);
    }
    println!("machine: {}", machine());
    println!();
    println!(
        "{:<34} {:>9} {:>8} {:>7} {:>11} {:>9} {:>8}",
        "step", "rows", "seconds", "MB/s", "rows/s", "obs", "peak MB"
    );
    for (step, d, n) in [
        ("map-count", &small, rows / 10),
        ("map-count", &big, rows),
        ("map-to-csv-1.0", &big, rows),
        ("map-validate-to-csv-1.0 (as sdmxgw map)", &big, rows),
    ] {
        let size = std::fs::metadata(d.join("table.csv")).expect("table").len();
        let m = child(step.split(' ').next().unwrap_or(step), d);
        assert_eq!(m.obs, n, "{step}: every row is one observation");
        println!(
            "{:<34} {:>9} {:>8.2} {:>7.1} {:>11.0} {:>9} {:>8.1}",
            step,
            n,
            m.seconds,
            size as f64 / 1e6 / m.seconds,
            n as f64 / m.seconds,
            m.obs,
            m.peak_mb
        );
    }
}

struct Measure {
    seconds: f64,
    peak_mb: f64,
    obs: u64,
}

fn child(step: &str, dir: &Path) -> Measure {
    let f = child_figures(step, dir);
    Measure {
        seconds: f[0],
        peak_mb: f[1],
        obs: f[2] as u64,
    }
}

fn registry() -> Registry {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let (registry, _) =
        Registry::load(&[root.join("dsd"), root.join("codelists")]).expect("shipped structures");
    registry
}

fn run_step(step: &str, dir: &Path) {
    let registry = registry();
    let flow = registry.dataflow(DATAFLOW).expect("dataflow");
    let dsd = registry.structure_of(flow).expect("its DSD");
    let usage = StructureUse::Dataflow(flow.meta.reference(ArtefactClass::Dataflow));
    let target = Target {
        dsd,
        usage: usage.clone(),
        codelists: dsd
            .dimensions
            .iter()
            .map(|d| d.id.as_str())
            .chain(dsd.attributes.iter().map(|a| a.id.as_str()))
            .filter_map(|c| Some((c.to_owned(), registry.codelist_of(dsd, c)?)))
            .collect(),
        allowed: dsd
            .dimensions
            .iter()
            .filter_map(|d| {
                let codes = registry.allowed_codes(flow, &d.id, None).ok()?.codes?;
                Some((d.id.clone(), codes.into_iter().collect()))
            })
            .collect(),
    };
    let spec: Mapping = toml::from_str(MAPPING).expect("mapping");
    let start = Instant::now();
    let mut reader = mapping::map_table(&spec, dir, None, &target).expect("header");
    let opts = WriteOptions {
        dsd: Some(dsd),
        structure: Some(&usage),
        dimension_at_observation: None,
    };
    let sink = BufWriter::with_capacity(256 * 1024, std::io::sink());
    let summary = match step {
        "map-count" => pump(&mut reader, &mut CountSink),
        "map-to-csv-1.0" => {
            let mut w = format::open_writer(DataFormat::Csv10, sink, opts).expect("writer");
            pump(&mut reader, &mut w)
                .map_err(|e| sdmx_gateway::data::DataError::Structure(e.to_string()))
        }
        "map-validate-to-csv-1.0" => {
            let schema = Schema::from_registry(&registry, DATAFLOW, None).expect("schema");
            let w = format::open_writer(DataFormat::Csv10, sink, opts).expect("writer");
            let mut v = Validator::wrap(&schema, Options::default(), w);
            let s = validate(&mut reader, &mut v)
                .map_err(|e| sdmx_gateway::data::DataError::Structure(e.to_string()));
            let report = v.into_report();
            // The generated table is clean: a finding means the benchmark is wrong.
            assert_eq!(report.errors(), 0, "{:?}", report.findings.first());
            s
        }
        other => panic!("unknown step {other}"),
    };
    let summary = summary.unwrap_or_else(|e| panic!("{e}: {:?}", reader.take_problems()));
    let seconds = start.elapsed().as_secs_f64();
    println!("{seconds} {} {}", peak_rss_mb(), summary.observations);
}

/// The codes the dataflow's constraints allow for `dim`, with their names.
fn names(registry: &Registry, dim: &str) -> Vec<String> {
    let flow = registry.dataflow(DATAFLOW).expect("dataflow");
    let allowed = registry.allowed_codes(flow, dim, None).expect("allowed");
    let dsd = registry.structure_of(flow).expect("its DSD");
    let mut seen = std::collections::HashSet::new();
    registry
        .codelist_of(dsd, dim)
        .expect("codelist")
        .codes
        .iter()
        .filter(|c| allowed.allows(&c.id))
        // A label must name one code: names shared by two codes are left out.
        .filter_map(|c| c.names.best().map(str::to_owned))
        .filter(|n| seen.insert(n.to_lowercase()))
        .collect()
}

/// Writes a long table sorted by series: country × citizenship × sex, five
/// years each, labels as a national office would write them (names, not
/// codes), values in persons with thousands separators, the last year
/// provisional.
fn generate(path: &Path, rows: u64) {
    let registry = registry();
    let areas = names(&registry, "REF_AREA");
    let ccts = names(&registry, "CCT");
    let sexes = ["Total", "Male", "Female"];
    let capacity = areas.len() as u64 * ccts.len() as u64 * 3 * YEARS.count() as u64;
    assert!(
        capacity >= rows,
        "only {capacity} distinct rows can be generated"
    );
    let mut w = BufWriter::new(File::create(path).expect("create"));
    writeln!(w, "Country,Citizenship,Sex,Year,Workers").expect("write");
    let mut written = 0u64;
    let mut seed = 12345u64;
    'outer: for area in &areas {
        for cct in &ccts {
            for sex in sexes {
                for year in YEARS {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                    let v = (seed >> 44) as u32;
                    let p = if year == *YEARS.end() { "p" } else { "" };
                    writeln!(
                        w,
                        "\"{area}\",\"{cct}\",{sex},{year},\"{},{:03}{p}\"",
                        v / 1000,
                        v % 1000
                    )
                    .expect("write");
                    written += 1;
                    if written == rows {
                        break 'outer;
                    }
                }
            }
        }
    }
    w.flush().expect("flush");
}
