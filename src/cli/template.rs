//! `sdmxgw template`: write an Excel questionnaire for a dataflow.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use sdmx_gateway::mapping::{QuestionnaireColumn, write_questionnaire};
use sdmx_gateway::model::Codelist;

use super::Outcome;
use super::structure::{StructureArgs, load_for_data};

/// Arguments of `sdmxgw template`.
#[derive(Args)]
#[command(
    long_about = "Writes an Excel questionnaire for a dataflow: an instructions sheet, a Data \
sheet with one column per dimension plus OBS_VALUE and OBS_STATUS (coded columns offer a \
drop-down list of \"CODE — Name\", narrowed by the dataflow's constraints, from a hidden Codes \
sheet) and the unit stated. `sdmxgw map questionnaire.xlsx` reads it back once filled.",
    after_help = "Example:\n  sdmxgw template 'ILO:DF_MNA_OEMP_SEX_CDS_NB(1.0)' -o questionnaire.xlsx"
)]
pub struct TemplateArgs {
    /// The dataflow (URN, AGENCY:ID(VERSION) or id).
    dataflow: String,
    /// The workbook to write.
    #[arg(short, long)]
    output: PathBuf,
    #[command(flatten)]
    structures: StructureArgs,
}

/// Runs `sdmxgw template`.
pub fn run(args: TemplateArgs) -> anyhow::Result<Outcome> {
    let registry = load_for_data(&args.structures, true)?
        .context("a questionnaire needs the dataflow's structures")?;
    let flow = registry.dataflow(&args.dataflow)?;
    let dsd = registry.structure_of(flow)?;
    let coded = |id: &str| -> Vec<(String, String)> {
        let Some(cl) = registry.codelist_of(dsd, id) else {
            return Vec::new();
        };
        let allowed = registry.allowed_codes(flow, id, None).ok();
        cl.codes
            .iter()
            .filter(|c| allowed.as_ref().is_none_or(|a| a.allows(&c.id)))
            .map(|c| (c.id.clone(), c.names.best().unwrap_or("").to_owned()))
            .collect()
    };
    let name_of = |cl: Option<&Codelist>, id: &str| {
        cl.and_then(|c| c.meta.names.best())
            .map_or_else(|| id.to_owned(), str::to_owned)
    };
    let mut columns = Vec::new();
    let time = dsd.time_dimension().map(|d| d.id.clone());
    for d in &dsd.dimensions {
        if Some(&d.id) == time.as_ref() {
            continue;
        }
        columns.push(QuestionnaireColumn {
            id: d.id.clone(),
            name: name_of(registry.codelist_of(dsd, &d.id), &d.id),
            codes: coded(&d.id),
        });
    }
    if let Some(t) = time {
        columns.push(QuestionnaireColumn {
            id: t,
            name: "Time period (year)".to_owned(),
            codes: Vec::new(),
        });
    }
    let measure = dsd
        .measures
        .first()
        .map_or_else(|| "OBS_VALUE".to_owned(), |m| m.id.clone());
    columns.push(QuestionnaireColumn {
        id: measure,
        name: "The value".to_owned(),
        codes: Vec::new(),
    });
    if dsd.attribute("OBS_STATUS").is_some() {
        columns.push(QuestionnaireColumn {
            id: "OBS_STATUS".to_owned(),
            name: "Observation status (optional)".to_owned(),
            codes: coded("OBS_STATUS"),
        });
    }
    // ILMS `_NB` indicators are published in thousands (ILMS.md).
    let unit_mult = flow.meta.id.ends_with("_NB").then_some(3);
    let reference = flow
        .meta
        .reference(sdmx_gateway::model::ArtefactClass::Dataflow);
    let title = flow.meta.names.best().unwrap_or("").to_owned();
    write_questionnaire(
        &args.output,
        &reference.short(),
        &title,
        unit_mult,
        &columns,
    )?;
    Ok(Outcome::Ok)
}
