//! Load-time benchmark for the registry (a program, not a timed test).
//!
//! Generates an SDMX-ML 2.1 structure message of about 3 MB holding 46 ILOSTAT-
//! style codelists (three languages, ORDER and IS_TOTAL annotations, parents) into
//! `target/bench-structure/`, then times `Registry::load` on it and reports the
//! peak resident memory (VmHWM). It also loads the shipped `dsd/` and
//! `codelists/` when they exist. Run with `cargo bench --bench structure_load`.
//! The target (issue 2): well under one second for the 3 MB message.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sdmx_gateway::structure::Registry;

const CODELISTS: usize = 46;
const TARGET_BYTES: usize = 3 * 1024 * 1024;
const RUNS: usize = 5;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target/bench-structure");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {e}", dir.display());
        std::process::exit(2);
    }
    let file = dir.join("large_46_codelists.xml");
    let text = generate();
    if let Err(e) = std::fs::write(&file, &text) {
        eprintln!("cannot write {}: {e}", file.display());
        std::process::exit(2);
    }
    println!(
        "generated {} ({:.2} MB, {CODELISTS} codelists)",
        file.display(),
        text.len() as f64 / 1_048_576.0
    );
    drop(text);
    let mut failed = !bench("3 MB, 46 codelists", &[file]);
    let shipped: Vec<PathBuf> = ["dsd", "codelists"]
        .iter()
        .map(|d| root.join(d))
        .filter(|p| p.is_dir())
        .collect();
    if shipped.is_empty() {
        println!("shipped ILMS structures: no dsd/ or codelists/ folder yet, skipped");
    } else {
        failed |= !bench("shipped dsd/ + codelists/", &shipped);
    }
    println!(
        "peak RSS (VmHWM): {}",
        peak_rss().unwrap_or_else(|| "unknown".into())
    );
    if failed {
        std::process::exit(1);
    }
}

/// Loads `paths` RUNS times and prints the fastest and median times. False when
/// loading fails.
fn bench(label: &str, paths: &[PathBuf]) -> bool {
    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        let loaded = Registry::load(paths);
        times.push(start.elapsed());
        match loaded {
            Ok((r, _)) => std::hint::black_box(r.counts()),
            Err(e) => {
                eprintln!("{label}: load failed: {e}");
                return false;
            }
        };
    }
    times.sort();
    let Ok((r, _)) = Registry::load(paths) else {
        return false;
    };
    let c = r.counts();
    println!(
        "{label}: min {:.1} ms, median {:.1} ms over {RUNS} runs ({} codelists, {} codes, {} DSDs, {} dataflows)",
        ms(times[0]),
        ms(times[RUNS / 2]),
        c.codelists,
        c.codes,
        c.datastructures,
        c.dataflows
    );
    true
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The process's peak resident set size, from /proc/self/status (Linux only).
fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string(Path::new("/proc/self/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .map(|v| v.trim().to_owned())
}

/// An ILOSTAT-like message: 46 codelists whose sizes vary (a few large ones like
/// CL_AREA, many small ones), filled until the message reaches about 3 MB.
fn generate() -> String {
    let mut out = String::with_capacity(TARGET_BYTES + 64 * 1024);
    out.push_str(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<mes:Structure xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" xmlns:str="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure" xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">
  <mes:Header>
    <mes:ID>BENCH</mes:ID>
    <mes:Test>true</mes:Test>
    <mes:Prepared>2026-01-01T00:00:00Z</mes:Prepared>
    <mes:Sender id="ILO"/>
  </mes:Header>
  <mes:Structures>
    <str:Codelists>
"#,
    );
    // Weights give a realistic spread: a few codelists hold most codes.
    let weights: Vec<usize> = (0..CODELISTS).map(|i| 1 + (i * 7) % 23).collect();
    let total_weight: usize = weights.iter().sum();
    // About 770 bytes per code with three names and two annotations.
    let total_codes = TARGET_BYTES / 770;
    for (i, w) in weights.iter().enumerate() {
        let n = (total_codes * w / total_weight).max(3);
        let id = format!("CL_BENCH_{i:02}");
        let _ = writeln!(
            out,
            r#"      <str:Codelist id="{id}" agencyID="ILO" version="1.0" isFinal="true" urn="urn:sdmx:org.sdmx.infomodel.codelist.Codelist=ILO:{id}(1.0)">
        <com:Name xml:lang="en">Benchmark codelist {i}</com:Name>
        <com:Name xml:lang="fr">Liste de codes {i}</com:Name>"#
        );
        for c in 0..n {
            let code = format!("C{i:02}_{c:05}");
            let parent = if c > 0 && c % 10 != 0 {
                format!(
                    "<str:Parent><Ref id=\"C{i:02}_{:05}\"/></str:Parent>",
                    c - c % 10
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                r#"        <str:Code id="{code}" urn="urn:sdmx:org.sdmx.infomodel.codelist.Code=ILO:{id}(1.0).{code}">
          <com:Annotations>
            <com:Annotation><com:AnnotationTitle>{c}</com:AnnotationTitle><com:AnnotationType>ORDER</com:AnnotationType></com:Annotation>
            <com:Annotation><com:AnnotationTitle>{}</com:AnnotationTitle><com:AnnotationType>IS_TOTAL</com:AnnotationType></com:Annotation>
          </com:Annotations>
          <com:Name xml:lang="en">Code {c} of codelist {i}: employed migrants</com:Name>
          <com:Name xml:lang="fr">Code {c} de la liste {i} : migrants occupés</com:Name>
          <com:Name xml:lang="es">Código {c} de la lista {i}: migrantes ocupados</com:Name>{parent}
        </str:Code>"#,
                c == 0
            );
        }
        out.push_str("      </str:Codelist>\n");
    }
    out.push_str("    </str:Codelists>\n  </mes:Structures>\n</mes:Structure>\n");
    out
}
