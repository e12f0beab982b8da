//! `sdmxgw pull`: fetch data from a configured source into a file or the store.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Args;

use sdmx_gateway::config::Config;
use sdmx_gateway::data::StructureUse;
use sdmx_gateway::format::{self, DataFormat, WriteOptions};
use sdmx_gateway::model::ArtefactClass;
use sdmx_gateway::source::{PullReport, PullRequest, Source, pull_into_store};
use sdmx_gateway::store::{SqliteStore, format_timestamp, parse_timestamp};
use sdmx_gateway::validate::render::{self, ReportFormat};
use sdmx_gateway::validate::{Options, Schema, Validator};

use super::Outcome;
use super::io::{AtomicOutput, progress_bar};
use super::structure::{StructureArgs, load_for_data};

/// Arguments of `sdmxgw pull`.
#[derive(Args)]
#[command(
    long_about = "Pulls data from a source configured as [sources.NAME] in gateway.toml: an SDMX \
REST 1.5 or 2.x API, a PX-Web table or a CSV/XLSX file over HTTP(S) (the last two through a \
mapping file). The response streams through the validator into a file (-o, in any format of \
`convert`) or into the store (--store, one transaction; nothing is stored unless the whole pull \
arrived and is valid). A provider that refuses a format (406) is asked for the next; a query it \
finds too large (413) is split by key, then by period; transient failures are retried with \
backoff, honouring Retry-After. With --store, a pull asks only for what changed since the last \
successful pull of the same source, dataflow and key (updatedAfter, ETag, Last-Modified); \
--full asks for everything. See docs/pull.md.",
    after_help = "Examples:\n  \
sdmxgw pull --config gateway.toml ilostat DF_MNA_OEMP_SEX_CDS_NB PHL.. -o phl.csv\n  \
sdmxgw pull --config gateway.toml ilostat ILO:DF_MNA_OEMP_SEX_CDS_NB(1.0) --store --json\n  \
sdmxgw pull --config gateway.toml ilostat DF_MNA_OEMP_SEX_CDS_NB --since 2026-01-01 -o new.xml --to sdmx-ml-2.1-ss\n  \
sdmxgw pull --config gateway.toml psa-openstat --store        # a PX-Web table, mapped\n  \
sdmxgw pull --config gateway.toml ilostat DF_MNA_OEMP_SEX_CDS_NB --dsd -o df.xml   # its structures\n\n\
Exit codes: 0 pulled (or nothing changed), 1 the data broke validation rules (nothing written \
or stored), 2 the pull failed (the message names the source, the URL and what to do)."
)]
pub struct PullArgs {
    /// The source: a [sources.NAME] of the configuration.
    source: String,
    /// The dataflow (`AGENCY:ID(VERSION)` or its id); a PX-Web or file source
    /// takes its mapping file's and may omit it.
    dataflow: Option<String>,
    /// The SDMX REST key (`PHL..`, `PHL+THA..`); default all.
    key: Option<String>,
    /// The configuration file; default ./gateway.toml, else samples/config/gateway.toml.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Only data changed after this time (xs:dateTime or date), sent as updatedAfter.
    #[arg(long)]
    since: Option<String>,
    /// Write the data here (`-` = standard output, the default).
    #[arg(short, long, conflicts_with = "store")]
    output: Option<String>,
    /// The output format for -o (those of `convert`); default sdmx-csv-1.0.
    #[arg(long, conflicts_with = "store")]
    to: Option<DataFormat>,
    /// Validate and store the data in the configuration's store, in one transaction.
    #[arg(long)]
    store: bool,
    /// With --store: pull everything, not only what changed since the last pull.
    #[arg(long, requires = "store")]
    full: bool,
    /// Print a JSON summary of the pull on standard output.
    #[arg(long)]
    json: bool,
    /// Pull the dataflow's structures instead of data (a structure query with
    /// references=all: DSD, codelists, concept schemes, constraints), written as
    /// received to -o once they read cleanly.
    #[arg(long, conflicts_with_all = ["store", "to", "since", "full"])]
    dsd: bool,
    #[command(flatten)]
    structures: StructureArgs,
}

fn load_config(path: &Option<PathBuf>) -> anyhow::Result<(Config, PathBuf)> {
    let candidates: Vec<PathBuf> = match path {
        Some(p) => vec![p.clone()],
        None => vec![
            PathBuf::from("gateway.toml"),
            PathBuf::from("samples/config/gateway.toml"),
        ],
    };
    for c in &candidates {
        if path.is_some() || c.exists() {
            return Ok((Config::load(c)?, c.clone()));
        }
    }
    bail!(
        "no configuration found (./gateway.toml, samples/config/gateway.toml): give --config FILE"
    )
}

/// Runs `sdmxgw pull`.
pub fn run(args: PullArgs) -> anyhow::Result<Outcome> {
    let (config, config_path) = load_config(&args.config)?;
    let Some(source_config) = config.sources.get(&args.source) else {
        let names: Vec<&str> = config.sources.keys().map(String::as_str).collect();
        bail!(
            "{}: no source {:?} (configured: {}); add [sources.{}]",
            config_path.display(),
            args.source,
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            },
            args.source
        );
    };
    if args.json && !args.store && args.output.as_deref().unwrap_or("-") == "-" {
        bail!(
            "--json prints the summary on standard output: write the data with -o FILE or --store"
        );
    }
    if let Some(s) = &args.since
        && parse_timestamp(s).is_none()
    {
        bail!(
            "--since {s:?} is not an xs:dateTime such as 2026-01-31T00:00:00Z or a date such as 2026-01-31"
        );
    }
    if args.dsd {
        return pull_dsd(&args, source_config);
    }
    let mut structures = args.structures.clone();
    if structures.structure.is_empty() {
        structures.structure = config.structures.clone();
    }
    let registry =
        load_for_data(&structures, true)?.context("pulling needs the dataflow's structures")?;
    let bar = progress_bar(None);
    let progress_bar = bar.clone();
    let source = Source::from_config(&args.source, source_config)?.with_progress(Arc::new(
        move |read, total| {
            if let Some(t) = total {
                progress_bar.set_length(t);
            }
            progress_bar.set_position(read);
        },
    ));
    let mut req = PullRequest::new(
        args.dataflow.as_deref().unwrap_or_default(),
        args.key.as_deref().unwrap_or("all"),
    );
    req.updated_after = args.since.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let rt = runtime.handle().clone();
    let outcome = if args.store {
        let mut store = SqliteStore::open(&config.store)?;
        let stored = pull_into_store(&source, &rt, &req, &registry, &mut store, !args.full);
        bar.finish_and_clear();
        let stored = stored?;
        if stored.invalid() {
            let (flow, _) = source.dataflow_of(&req, &registry)?;
            let schema = Schema::from_registry(
                &registry,
                &flow.meta.reference(ArtefactClass::Dataflow).urn(),
                None,
            )?;
            render::write(
                &stored.validation,
                &schema,
                ReportFormat::Text,
                &mut std::io::stderr().lock(),
            )?;
            eprintln!("the pulled data are not valid; nothing was stored");
        }
        summarise(&stored.pull, args.json, Some(&stored))?;
        if stored.invalid() {
            Outcome::Invalid
        } else {
            Outcome::Ok
        }
    } else {
        let to = args.to.unwrap_or(DataFormat::Csv10);
        if !to.can_write() {
            bail!("{to} can be read but not written: choose another --to");
        }
        let (flow, dsd) = source.dataflow_of(&req, &registry)?;
        let reference = flow.meta.reference(ArtefactClass::Dataflow);
        let usage = StructureUse::Dataflow(reference.clone());
        let schema = Schema::from_registry(&registry, &reference.urn(), None)?;
        let mut out = AtomicOutput::create(args.output.as_deref().unwrap_or("-"))?;
        let (report, validation) = {
            let writer = format::open_writer(
                to,
                out.writer(),
                WriteOptions {
                    dsd: Some(dsd),
                    structure: Some(&usage),
                    dimension_at_observation: None,
                },
            )?;
            let mut validator = Validator::wrap(&schema, Options::default(), writer);
            let report = source.pull(&rt, &req, &registry, &mut validator);
            bar.finish_and_clear();
            (report?, validator.into_report())
        };
        if report.not_modified {
            summarise(&report, args.json, None)?;
            return Ok(Outcome::Ok);
        }
        if !validation.is_valid() {
            render::write(
                &validation,
                &schema,
                ReportFormat::Text,
                &mut std::io::stderr().lock(),
            )?;
            eprintln!(
                "the pulled data are not valid for {}; nothing written",
                report.dataflow
            );
            return Ok(Outcome::Invalid);
        }
        out.commit()?;
        summarise(&report, args.json, None)?;
        Outcome::Ok
    };
    Ok(outcome)
}

fn pull_dsd(
    args: &PullArgs,
    config: &sdmx_gateway::source::SourceConfig,
) -> anyhow::Result<Outcome> {
    let Some(dataflow) = &args.dataflow else {
        bail!("--dsd needs the DATAFLOW whose structures to pull");
    };
    if args.json && args.output.as_deref().unwrap_or("-") == "-" {
        bail!("--json prints the summary on standard output: write the structures with -o FILE");
    }
    let source = Source::from_config(&args.source, config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let pulled = source.pull_structures(runtime.handle(), dataflow)?;
    let mut out = AtomicOutput::create(args.output.as_deref().unwrap_or("-"))?;
    out.writer().write_all(pulled.text.as_bytes())?;
    out.commit()?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&pulled)?);
    } else {
        eprintln!(
            "{} {dataflow}: {} artefact(s) in {} from {}",
            args.source, pulled.artefacts, pulled.format, pulled.url
        );
    }
    Ok(Outcome::Ok)
}

fn summarise(
    report: &PullReport,
    json: bool,
    stored: Option<&sdmx_gateway::source::StoredPull>,
) -> anyhow::Result<()> {
    if json {
        let value = match stored {
            Some(s) => serde_json::json!({
                "pull": report,
                "valid": !s.invalid(),
                "errors": s.validation.errors(),
                "warnings": s.validation.warnings(),
                "receipt": s.receipt,
            }),
            None => serde_json::json!({ "pull": report }),
        };
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    if report.not_modified {
        eprintln!(
            "{} {} {}: not modified since the last pull",
            report.source, report.dataflow, report.key
        );
        return Ok(());
    }
    eprintln!(
        "{} {} {}: {} observation(s) in {} series from {} request(s){}{}",
        report.source,
        report.dataflow,
        report.key,
        report.observations,
        report.series,
        report.requests.len(),
        report
            .updated_after
            .as_deref()
            .map(|u| format!(", changed after {u}"))
            .unwrap_or_default(),
        stored
            .and_then(|s| s.receipt.as_ref())
            .map(|r| format!(
                "; stored at {} ({} written, {} unchanged)",
                format_timestamp(r.stored_at),
                r.observations_written,
                r.observations_unchanged
            ))
            .unwrap_or_default()
    );
    Ok(())
}
