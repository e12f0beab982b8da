//! `sdmxgw structure check`: load, resolve, report counts, warnings and errors.

use std::io::Write;
use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use sdmx_gateway::structure::registry::Counts;
use sdmx_gateway::structure::{Registry, StructureError, Warning};
use serde_json::{Value, json};

use super::{StructureArgs, paths_or_default};
use crate::cli::Outcome;

/// Arguments of `structure check`.
#[derive(Args)]
pub struct CheckArgs {
    /// Structure files or folders to check (default: the project's dsd/ and codelists/).
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    structure: StructureArgs,
    /// Print the report as JSON: counts per artefact type, `warnings` and `errors`.
    #[arg(long)]
    json: bool,
}

pub fn run(args: CheckArgs) -> anyhow::Result<Outcome> {
    let mut paths = args.paths;
    paths.extend(args.structure.structure);
    let paths = paths_or_default(paths)?;
    let (counts, warnings, errors, unreadable) = match Registry::load(&paths) {
        Ok((registry, warnings)) => (registry.counts(), warnings, Vec::new(), false),
        Err(e) => {
            let unreadable = e.has_unreadable();
            (e.partial.counts(), e.warnings, e.errors, unreadable)
        }
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        let report = json_report(&counts, &warnings, &errors);
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        human_report(&mut out, &paths, &counts, &warnings, &errors)?;
    }
    out.flush()?;
    if unreadable {
        bail!("some structures could not be read (see the errors above)");
    }
    Ok(if errors.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Invalid
    })
}

fn count_rows(c: &Counts) -> [(&'static str, usize); 10] {
    [
        ("codelists", c.codelists),
        ("codes", c.codes),
        ("conceptschemes", c.conceptschemes),
        ("concepts", c.concepts),
        ("datastructures", c.datastructures),
        ("dataflows", c.dataflows),
        ("constraints", c.constraints),
        ("agencyschemes", c.agencyschemes),
        ("dataproviderschemes", c.dataproviderschemes),
        ("provisionagreements", c.provisionagreements),
    ]
}

fn human_report(
    out: &mut dyn Write,
    paths: &[PathBuf],
    counts: &Counts,
    warnings: &[Warning],
    errors: &[StructureError],
) -> std::io::Result<()> {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    writeln!(out, "Loaded {}:", names.join(", "))?;
    for (name, n) in count_rows(counts) {
        writeln!(out, "  {name:<20} {n:>7}")?;
    }
    for w in warnings {
        writeln!(out, "{w}")?;
    }
    for e in errors {
        writeln!(out, "error: {e}")?;
    }
    let verdict = if errors.is_empty() { "OK" } else { "FAILED" };
    writeln!(
        out,
        "{verdict}: {} error{}, {} warning{}",
        errors.len(),
        plural(errors.len()),
        warnings.len(),
        plural(warnings.len())
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn json_report(counts: &Counts, warnings: &[Warning], errors: &[StructureError]) -> Value {
    let mut report = serde_json::Map::new();
    for (name, n) in count_rows(counts) {
        report.insert(name.to_owned(), json!(n));
    }
    report.insert(
        "warnings".to_owned(),
        Value::Array(
            warnings
                .iter()
                .map(|w| {
                    json!({
                        "file": w.location.file,
                        "line": w.location.line,
                        "column": w.location.column,
                        "message": w.message,
                    })
                })
                .collect(),
        ),
    );
    report.insert(
        "errors".to_owned(),
        Value::Array(errors.iter().map(error_json).collect()),
    );
    Value::Object(report)
}

/// An error as JSON: its kind, the full message, and the fields a tool would
/// want to pick out (the referring artefact and the missing URN, the file).
fn error_json(e: &StructureError) -> Value {
    let mut v = json!({ "kind": kind(e), "message": e.to_string() });
    let fields = match e {
        StructureError::Dangling { referrer, target } => {
            json!({ "referrer": referrer, "target": target })
        }
        StructureError::Ambiguous {
            referrer,
            target,
            candidates,
        } => json!({ "referrer": referrer, "target": target, "candidates": candidates }),
        StructureError::Conflict { urn, first, second } => {
            json!({ "urn": urn, "files": [first, second] })
        }
        StructureError::Io { path, .. } => json!({ "file": path.display().to_string() }),
        StructureError::Malformed { location, .. }
        | StructureError::Doctype { location }
        | StructureError::NotAStructureMessage { location, .. }
        | StructureError::Invalid { location, .. } => json!({
            "file": location.file, "line": location.line, "column": location.column
        }),
        _ => json!({}),
    };
    if let (Some(obj), Value::Object(extra)) = (v.as_object_mut(), fields) {
        obj.extend(extra);
    }
    v
}

fn kind(e: &StructureError) -> &'static str {
    match e {
        StructureError::Io { .. } => "unreadable",
        StructureError::Malformed { .. } => "malformed",
        StructureError::Doctype { .. } => "doctype",
        StructureError::NotAStructureMessage { .. } => "not-a-structure-message",
        StructureError::Invalid { .. } => "invalid",
        StructureError::Conflict { .. } => "conflict",
        StructureError::Dangling { .. } => "dangling",
        StructureError::Ambiguous { .. } => "ambiguous",
        _ => "other",
    }
}
