//! Data benchmark (issue 3): a 2,000,000-observation ILMS-shaped SDMX-ML 2.1
//! structure-specific message, measured in one run against the raw quick-xml
//! tokenising ceiling and against pysdmx.
//!
//! `cargo bench --bench data_convert [-- --obs N] [-- --runs N] [-- --no-peer]`
//!
//! Each step runs in a child process of this program so that its peak RSS
//! (VmHWM) is its own. The file is generated once under `target/bench/`.

mod common;
use common::{child_figures, machine, number_arg, peak_rss_mb};

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use quick_xml::Reader;
use quick_xml::events::Event;
use sdmx_gateway::data::{CountSink, pump, read_ahead};
use sdmx_gateway::format::{self, DataFormat, ReadOptions, WriteOptions};
use sdmx_gateway::model::DataStructure;
use sdmx_gateway::structure::Registry;
use sdmx_gateway::validate::{Options, Schema, Validator, validate};

const DATAFLOW: &str = "ILO:DF_MFL_FEMP_SEX_ECO_NB(1.0)";
const YEARS: std::ops::RangeInclusive<u32> = 1995..=2024;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--step") {
        let step = &args[i + 1];
        let file = PathBuf::from(&args[i + 2]);
        run_step(step, &file);
        return;
    }
    let obs: u64 = number_arg(&args, "--obs", 2_000_000);
    let peer = !args.iter().any(|a| a == "--no-peer");
    // Each step runs this many times and its fastest run counts (the usual
    // way to see through a shared machine's noise); the same for the peer.
    let runs = usize::try_from(number_arg(&args, "--runs", 5).max(1)).unwrap_or(1);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target/bench");
    std::fs::create_dir_all(&dir).expect("target/bench");
    let file = dir.join(format!("ilms-{obs}-ss21.xml"));
    if !file.exists() {
        eprintln!("generating {} …", file.display());
        generate(&file, obs);
    }
    let size = std::fs::metadata(&file).expect("generated file").len();
    println!(
        "file: {} ({:.1} MB, {obs} observations)",
        file.display(),
        size as f64 / 1e6
    );
    println!("machine: {}", machine());
    println!(
        "fastest of {runs} runs per step (pysdmx: of {})",
        runs.min(2)
    );
    println!();
    println!(
        "{:<28} {:>8} {:>9} {:>12} {:>9} {:>9}",
        "step", "seconds", "MB/s", "obs/s", "peak MB", "vs raw"
    );
    let mut raw = None;
    let mut read = None;
    for step in [
        "raw-tokenise",
        "read-count",
        "validate",
        "validate-1-thread",
        "to-csv-1.0",
        "to-generic-2.1",
    ] {
        let m = best(runs, || Ok(child(step, &file))).expect("step");
        let base = *raw.get_or_insert(m.seconds);
        print_row(step, &m, size, obs, base);
        if step == "read-count" {
            read = Some(m.seconds);
        }
    }
    let mut versus = None;
    if peer {
        match best(runs.min(2), || pysdmx(&file)) {
            Ok(m) => {
                print_row("pysdmx 1.21 read", &m, size, obs, raw.unwrap_or(m.seconds));
                versus = read.map(|r| m.seconds / r);
            }
            Err(e) => println!("pysdmx: not measured ({e})"),
        }
    }
    if let Some(x) = versus {
        println!();
        println!("read-count vs pysdmx: {x:.1}× the observations per second");
    }
    println!();
    println!(
        "targets: read-count ≥ 0.60 of raw; validate ≥ 0.50 of raw (with the reader a batch \
         ahead on a second core, as `sdmxgw validate` runs), peak ≤ 100 MB; \
         to-csv-1.0 ≥ 0.40 of raw; peak ≤ 50 MB; ≥ 50× pysdmx obs/s"
    );
}

/// The fastest of `runs` measurements (peak RSS is the largest seen).
fn best(runs: usize, mut f: impl FnMut() -> Result<Measure, String>) -> Result<Measure, String> {
    let mut out: Option<Measure> = None;
    for _ in 0..runs {
        let m = f()?;
        out = Some(match out {
            None => m,
            Some(b) => Measure {
                seconds: b.seconds.min(m.seconds),
                peak_mb: b.peak_mb.max(m.peak_mb),
            },
        });
    }
    out.ok_or_else(|| "no run".to_owned())
}

struct Measure {
    seconds: f64,
    peak_mb: f64,
}

fn print_row(step: &str, m: &Measure, size: u64, obs: u64, raw_seconds: f64) {
    println!(
        "{:<28} {:>8.2} {:>9.1} {:>12.0} {:>9.1} {:>9.2}",
        step,
        m.seconds,
        size as f64 / 1e6 / m.seconds,
        obs as f64 / m.seconds,
        m.peak_mb,
        raw_seconds / m.seconds
    );
}

fn child(step: &str, file: &Path) -> Measure {
    let f = child_figures(step, file);
    Measure {
        seconds: f[0],
        peak_mb: f[1],
    }
}

fn run_step(step: &str, file: &Path) {
    let registry = registry();
    let dsd = dsd(&registry);
    let start = Instant::now();
    let input = BufReader::with_capacity(256 * 1024, File::open(file).expect("open"));
    let read_opts = ReadOptions {
        source: "bench",
        dsd: Some(dsd),
        structure: None,
    };
    match step {
        "raw-tokenise" => {
            let mut reader = Reader::from_reader(input);
            let mut buf = Vec::with_capacity(4096);
            let mut elements = 0u64;
            loop {
                match reader.read_event_into(&mut buf).expect("xml") {
                    Event::Eof => break,
                    Event::Start(e) | Event::Empty(e) => {
                        elements += e.attributes().count() as u64 + 1;
                    }
                    _ => {}
                }
                buf.clear();
            }
            assert!(elements > 0);
        }
        "read-count" => {
            let mut r = format::open_reader(DataFormat::StructureSpecific21, input, read_opts)
                .expect("reader");
            let s = pump(&mut r, &mut CountSink).expect("read");
            assert!(s.observations > 0);
        }
        "read-ahead-count" => {
            let r = format::open_reader(DataFormat::StructureSpecific21, input, read_opts)
                .expect("reader");
            let s = read_ahead(r, |r| pump(r, &mut CountSink)).expect("read");
            assert!(s.observations > 0);
        }
        // `validate` is what `sdmxgw validate` does: parsing a batch ahead on a
        // second core. `validate-1-thread` shows the cost on one core.
        "validate" | "validate-1-thread" => {
            let schema = Schema::from_registry(&registry, DATAFLOW, None).expect("schema");
            let mut r = format::open_reader(DataFormat::StructureSpecific21, input, read_opts)
                .expect("reader");
            let mut v = Validator::new(&schema, Options::default());
            if step == "validate" {
                read_ahead(r, |r| validate(r, &mut v)).expect("validate");
            } else {
                validate(&mut r, &mut v).expect("validate");
            }
            let report = v.into_report();
            // The generated file is clean: a finding means the benchmark is wrong.
            assert_eq!(report.errors(), 0, "{:?}", report.findings.first());
        }
        "to-csv-1.0" | "to-generic-2.1" => {
            let to = if step == "to-csv-1.0" {
                DataFormat::Csv10
            } else {
                DataFormat::Generic21
            };
            let mut r = format::open_reader(DataFormat::StructureSpecific21, input, read_opts)
                .expect("reader");
            let sink = BufWriter::with_capacity(256 * 1024, std::io::sink());
            let opts = WriteOptions {
                dsd: Some(dsd),
                structure: None,
                dimension_at_observation: None,
            };
            let mut w = format::open_writer(to, sink, opts).expect("writer");
            pump(&mut r, &mut w).expect("convert");
        }
        other => panic!("unknown step {other}"),
    }
    let seconds = start.elapsed().as_secs_f64();
    println!("{seconds} {}", peak_rss_mb());
}

fn registry() -> Registry {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let (registry, _) =
        Registry::load(&[root.join("dsd"), root.join("codelists")]).expect("shipped structures");
    registry
}

fn dsd(registry: &Registry) -> &DataStructure {
    let flow = registry.dataflow(DATAFLOW).expect("bench dataflow");
    registry.structure_of(flow).expect("its DSD")
}

/// The codes the dataflow's constraints allow for `dim`.
fn codes(registry: &Registry, dim: &str) -> Vec<String> {
    let flow = registry.dataflow(DATAFLOW).expect("bench dataflow");
    let allowed = registry
        .allowed_codes(flow, dim, None)
        .expect("allowed codes");
    let dsd = registry.structure_of(flow).expect("its DSD");
    registry
        .codelist_of(dsd, dim)
        .expect("codelist")
        .codes
        .iter()
        .map(|c| c.id.clone())
        .filter(|c| allowed.allows(c))
        .collect()
}

/// Writes an ILMS-shaped structure-specific message: areas × sexes × ECO codes
/// as series, ten annual observations each, with series and observation
/// attributes as ILOSTAT publishes them.
fn generate(path: &Path, obs: u64) {
    let registry = registry();
    let areas = codes(&registry, "REF_AREA");
    let ecos = codes(&registry, "ECO");
    let capacity = areas.len() as u64 * 3 * ecos.len() as u64 * YEARS.count() as u64;
    assert!(
        capacity >= obs,
        "only {capacity} distinct observations can be generated"
    );
    let sexes = ["SEX_T", "SEX_M", "SEX_F"];
    let tmp = path.with_extension("part");
    let mut w = BufWriter::new(File::create(&tmp).expect("create"));
    write!(
        w,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<message:StructureSpecificData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" xmlns:common="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:ns1="urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ILO:DF_MFL_FEMP_SEX_ECO_NB(1.0):ObsLevelDim:TIME_PERIOD">
<message:Header><message:ID>BENCH</message:ID><message:Test>true</message:Test><message:Prepared>2026-01-01T00:00:00Z</message:Prepared><message:Sender id="BENCH"/><message:Structure structureID="ILO_DF_MFL_FEMP_SEX_ECO_NB_1_0" namespace="urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ILO:DF_MFL_FEMP_SEX_ECO_NB(1.0):ObsLevelDim:TIME_PERIOD" dimensionAtObservation="TIME_PERIOD"><common:StructureUsage><Ref agencyID="ILO" id="DF_MFL_FEMP_SEX_ECO_NB" version="1.0"/></common:StructureUsage></message:Structure></message:Header>
<message:DataSet ss:dataScope="DataStructure" xmlns:ss="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific" xsi:type="ns1:DataSetType" ss:structureRef="ILO_DF_MFL_FEMP_SEX_ECO_NB_1_0">
"#
    )
    .expect("write");
    let mut written = 0u64;
    let mut seed = 12345u64;
    'outer: for area in &areas {
        for sex in sexes {
            for eco in &ecos {
                writeln!(
                    w,
                    r#"<Series REF_AREA="{area}" FREQ="A" MEASURE="MFL_FEMP_NB" SEX="{sex}" ECO="{eco}" UNIT_MEASURE_TYPE="NB" UNIT_MEASURE="PS" UNIT_MULT="3">"#
                )
                .expect("write");
                for year in YEARS {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                    let value = (seed >> 40) as f64 / 1000.0;
                    let status = if seed % 7 == 0 {
                        r#" OBS_STATUS="E""#
                    } else {
                        ""
                    };
                    writeln!(
                        w,
                        r#"<Obs TIME_PERIOD="{year}" OBS_VALUE="{value:.3}"{status} DECIMALS="3"/>"#
                    )
                    .expect("write");
                    written += 1;
                    if written == obs {
                        writeln!(w, "</Series>").expect("write");
                        break 'outer;
                    }
                }
                writeln!(w, "</Series>").expect("write");
            }
        }
    }
    writeln!(w, "</message:DataSet>\n</message:StructureSpecificData>").expect("write");
    w.flush().expect("flush");
    drop(w);
    std::fs::rename(&tmp, path).expect("rename");
}

fn pysdmx(file: &Path) -> Result<Measure, String> {
    let python = std::env::var("SDMXGW_PYTHON")
        .map_err(|_| "SDMXGW_PYTHON not set: source .venv-test/env.sh".to_owned())?;
    let script = r#"
import resource, sys, time
from pysdmx.io import read_sdmx
start = time.perf_counter()
msg = read_sdmx(sys.argv[1], validate=False)
n = sum(len(ds.data) for ds in msg.data)
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, n)
"#;
    let out = Command::new(python)
        .args(["-c", script])
        .arg(file)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .unwrap_or("")
            .to_owned());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace();
    Ok(Measure {
        seconds: parts.next().and_then(|s| s.parse().ok()).ok_or("no time")?,
        peak_mb: parts.next().and_then(|s| s.parse().ok()).ok_or("no rss")?,
    })
}
