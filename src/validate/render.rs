//! Reports for people (compiler-style text), programs (JSON, schema in
//! `docs/validation-rules.md`) and spreadsheets (SDMX-CSV with an error column).

use std::io::{self, Write};

use serde::Serialize;

use super::{Report, Rule, Schema, Severity};

/// The report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// Grouped by rule, counts, first instances with locations.
    Text,
    /// The stable JSON document.
    Json,
    /// SDMX-CSV 1.0 columns plus `SEVERITY`, `RULE`, `ERROR`, `LOCATION`.
    Csv,
}

impl std::str::FromStr for ReportFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "text" => Ok(ReportFormat::Text),
            "json" => Ok(ReportFormat::Json),
            "csv" => Ok(ReportFormat::Csv),
            o => Err(format!(
                "unknown report format {o:?}: use text, json or csv"
            )),
        }
    }
}

/// Writes `report` in `format`; `schema` gives the SDMX-CSV columns and the
/// structure named in the JSON document.
pub fn write(
    report: &Report,
    schema: &Schema,
    format: ReportFormat,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        ReportFormat::Text => text(report, out),
        ReportFormat::Json => json(report, schema, out),
        ReportFormat::Csv => csv(report, schema, out),
    }
}

/// Compiler-style text: one block per rule (errors first), with the count and
/// the first instances, then a summary line.
pub fn text(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut rules: Vec<(&Rule, &u64)> = report.counts.iter().collect();
    rules.sort_by_key(|(r, _)| (r.severity(), **r));
    for (rule, count) in rules {
        writeln!(
            out,
            "{}[{}] {}: {} ({count} {})",
            rule.severity().name(),
            rule.code(),
            rule.name(),
            rule.summary(),
            if *count == 1 { "time" } else { "times" }
        )?;
        let mut shown = 0u64;
        for f in report.of(*rule) {
            let at = f.location.to_string();
            if at.is_empty() {
                writeln!(out, "  --> {}", f.message)?;
            } else {
                writeln!(out, "  --> {at}: {}", f.message)?;
            }
            shown += 1;
        }
        if *count > shown {
            writeln!(out, "  ... and {} more", count - shown)?;
        }
        writeln!(out)?;
    }
    let s = &report.summary;
    writeln!(
        out,
        "{} error(s), {} warning(s) in {} dataset(s), {} series, {} observation(s){}",
        report.errors(),
        report.warnings(),
        s.datasets,
        s.series,
        s.observations,
        if report.stopped_early {
            " (stopped early: the totals cover what was read)"
        } else {
            ""
        }
    )?;
    writeln!(
        out,
        "{}",
        if report.is_valid() {
            "valid"
        } else {
            "INVALID"
        }
    )
}

#[derive(Serialize)]
struct JsonRule {
    code: &'static str,
    name: &'static str,
    severity: Severity,
    count: u64,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    structure: String,
    valid: bool,
    errors: u64,
    warnings: u64,
    stopped_early: bool,
    summary: &'a crate::data::Summary,
    rules: Vec<JsonRule>,
    findings: Vec<JsonFinding<'a>>,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    code: &'static str,
    name: &'static str,
    severity: Severity,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    component: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a str>,
    location: &'a super::Location,
}

/// The JSON document (see `docs/validation-rules.md`).
pub fn json(report: &Report, schema: &Schema, out: &mut dyn Write) -> io::Result<()> {
    let doc = JsonReport {
        schema_version: 1,
        structure: schema.dataflow.as_ref().unwrap_or(&schema.structure).urn(),
        valid: report.is_valid(),
        errors: report.errors(),
        warnings: report.warnings(),
        stopped_early: report.stopped_early,
        summary: &report.summary,
        rules: report
            .counts
            .iter()
            .map(|(r, n)| JsonRule {
                code: r.code(),
                name: r.name(),
                severity: r.severity(),
                count: *n,
            })
            .collect(),
        findings: report
            .findings
            .iter()
            .map(|f| JsonFinding {
                code: f.rule.code(),
                name: f.rule.name(),
                severity: f.rule.severity(),
                message: &f.message,
                component: f.component.as_deref(),
                value: f.value.as_deref(),
                location: &f.location,
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    writeln!(out)
}

/// SDMX-CSV 1.0 (`DATAFLOW`, one column per dimension, then the report's
/// `SEVERITY`, `RULE`, `ERROR`, `LOCATION` columns), one row per kept finding.
pub fn csv(report: &Report, schema: &Schema, out: &mut dyn Write) -> io::Result<()> {
    let mut w = ::csv::Writer::from_writer(out);
    let dims: Vec<&str> = schema
        .dimensions
        .iter()
        .map(|d| d.spec.id.as_str())
        .collect();
    let mut header = vec!["DATAFLOW"];
    header.extend(&dims);
    header.extend(["SEVERITY", "RULE", "ERROR", "LOCATION"]);
    w.write_record(&header)?;
    let flow = schema
        .dataflow
        .as_ref()
        .unwrap_or(&schema.structure)
        .short();
    for f in &report.findings {
        let mut row = vec![flow.clone()];
        for d in &dims {
            row.push(
                f.key
                    .iter()
                    .find(|(k, _)| k == d)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
            );
        }
        row.push(f.rule.severity().name().to_owned());
        row.push(f.rule.code().to_owned());
        row.push(format!(
            "{} {}: {}",
            f.rule.code(),
            f.rule.name(),
            f.message
        ));
        row.push(
            f.location
                .position
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_default(),
        );
        w.write_record(&row)?;
    }
    w.flush()
}
