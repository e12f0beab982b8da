//! `sdmxgw validate`: check a data message against its structure and report.

use std::io::{BufReader, Write};

use anyhow::{Context, bail};
use clap::Args;

use sdmx_gateway::data::read_ahead;
use sdmx_gateway::format::{self, DataFormat, ReadOptions};
use sdmx_gateway::validate::render::{self, ReportFormat};
use sdmx_gateway::validate::{Options, Schema, Validator, validate};

use super::Outcome;
use super::io::Input;
use super::pick::pick_dsd;
use super::structure::{StructureArgs, load_for_data};

/// Arguments of `sdmxgw validate`.
#[derive(Args)]
#[command(
    long_about = "Checks a data message (any SDMX-ML, SDMX-CSV or SDMX-JSON flavour, detected \
from the content) against its DSD, codelists and constraints while streaming it, and reports \
every rule broken: grouped by rule with counts and the first instances with their file line \
and column (or CSV row), dataset, series key and period. The rules and the JSON report schema \
are listed in docs/validation-rules.md.\n\n\
Exit codes: 0 valid (warnings allowed), 1 invalid, 2 could not read (unreadable, truncated or \
hostile file, structures missing).",
    after_help = "Examples:\n  \
sdmxgw validate data.xml --structure dsd/ --structure codelists/\n  \
sdmxgw validate data.csv --dataflow ILO:DF_MST_TEMP_SEX_ECO_CBR_NB(1.0) --format json\n  \
sdmxgw validate big.xml --max-errors 100 --disable duplicate-observation --disable ilms"
)]
pub struct ValidateArgs {
    /// The data message: a file, or `-` for standard input.
    input: String,
    #[command(flatten)]
    structures: StructureArgs,
    /// The dataflow, DSD or provision agreement to validate against (URN,
    /// AGENCY:ID(VERSION) or id); default: the one the message names.
    #[arg(long)]
    dataflow: Option<String>,
    /// The report format: text (for people), json (for programs) or csv
    /// (SDMX-CSV with an error column, for spreadsheets).
    #[arg(long, default_value = "text")]
    format: ReportFormat,
    /// Stop reading after this many errors (the report covers what was read).
    #[arg(long, value_name = "N")]
    max_errors: Option<u64>,
    /// Skip a rule, by code (E601) or name (duplicate-observation); `ilms` skips
    /// every ILMS consistency warning. Repeat to skip several.
    #[arg(long, value_name = "RULE")]
    disable: Vec<String>,
    /// How many instances of each rule the report lists.
    #[arg(long, value_name = "N", default_value_t = 20)]
    show: usize,
    /// The message only updates existing data: under Merge, mandatory attributes
    /// may be omitted.
    #[arg(long)]
    updates_only: bool,
}

/// Runs `sdmxgw validate`.
pub fn run(args: ValidateArgs) -> anyhow::Result<Outcome> {
    let mut opts = Options {
        max_errors: args.max_errors,
        keep_per_rule: args.show,
        updates_only: args.updates_only,
        ..Options::default()
    };
    for rule in &args.disable {
        opts.disable(rule).map_err(anyhow::Error::msg)?;
    }
    let mut input = Input::open(&args.input)?;
    let name = input.name().to_owned();
    let format = {
        let head = input.head()?;
        DataFormat::sniff(head).with_context(|| {
            format!(
                "{name}: not a data message this gateway reads (SDMX-ML 2.1/3.0 data, SDMX-CSV \
                 1.0/2.0, SDMX-JSON 1.0/2.0)"
            )
        })?
    };
    let hint = format::sniff_structure(input.head()?, format);
    let Some(registry) = load_for_data(&args.structures, true)? else {
        bail!("validation needs structures: give --structure");
    };
    let Some(chosen) = pick_dsd(Some(&registry), args.dataflow.as_deref(), hint.as_ref())? else {
        bail!(
            "{name}: cannot tell which structure to validate against (the message names none and \
             several DSDs are loaded): give --dataflow"
        );
    };
    let schema = Schema::from_registry(&registry, &chosen.usage.reference().urn(), None)
        .with_context(|| format!("cannot prepare {}", chosen.usage.reference().short()))?;
    for note in &schema.notes {
        eprintln!("note: {note}");
    }
    let read_opts = ReadOptions {
        source: &name,
        dsd: Some(chosen.dsd),
        structure: Some(&chosen.usage),
    };
    let progress = input.progress();
    let reader = format::open_reader(format, BufReader::new(input.into_read()), read_opts)
        .with_context(|| format!("cannot read {name} as {format}"))?;
    let mut validator = Validator::new(&schema, opts);
    // Parsing runs a batch ahead on a second core while this one validates.
    let result = read_ahead(reader, |r| validate(r, &mut validator));
    progress.finish_and_clear();
    let report = validator.into_report();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if let Err(e) = result {
        // What was found before the input broke is still worth seeing.
        if !report.counts.is_empty() {
            render::write(&report, &schema, args.format, &mut out)?;
            out.flush()?;
        }
        return Err(anyhow::Error::new(e).context(format!("could not read {name} to the end")));
    }
    render::write(&report, &schema, args.format, &mut out)?;
    out.flush()?;
    Ok(if report.is_valid() {
        Outcome::Ok
    } else {
        Outcome::Invalid
    })
}
