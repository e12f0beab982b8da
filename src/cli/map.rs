//! `sdmxgw map`: turn a national table into SDMX with a mapping file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;

use sdmx_gateway::data::{StructureUse, Summary};
use sdmx_gateway::format::{self, DataFormat, WriteOptions};
use sdmx_gateway::mapping::{self, MappingError, Target};
use sdmx_gateway::transport::{HttpClient, HttpSettings};
use sdmx_gateway::validate::render::{self, ReportFormat};
use sdmx_gateway::validate::{Options, Report, Schema, Validator, validate};

use super::Outcome;
use super::io::AtomicOutput;
use super::pick::pick_dsd;
use super::structure::{StructureArgs, load_for_data};

/// Arguments of `sdmxgw map`.
#[derive(Args)]
#[command(
    long_about = "Maps a national table (CSV or XLSX) onto an ILMS dataflow as the mapping file \
says (docs/mapping.md): which rows and columns to read, which column gives which dimension, \
national labels to codes, markers and suffixes to observation status, persons to thousands. \
The result streams through the validator (as `sdmxgw validate`) into the writer. \
Every unknown label, non-number and duplicate is reported, each with its cell, in one run \
(exit 1). Output written to a file appears only when mapping succeeded.",
    after_help = "Examples:\n  \
sdmxgw map --mapping samples/mappings/phl-deployments.toml --to sdmx-csv-1.0\n  \
sdmxgw map other-year.csv --mapping samples/mappings/phl-deployments.toml -o out.xml --to sdmx-ml-2.1-ss"
)]
pub struct MapArgs {
    /// The table to read; default: the one the mapping file names.
    table: Option<PathBuf>,
    /// The mapping file (TOML); not needed for a questionnaire from `sdmxgw template`.
    #[arg(long)]
    mapping: Option<PathBuf>,
    /// Where to write: a file, or `-` for standard output (the default).
    #[arg(short, long, default_value = "-")]
    output: String,
    /// The output format (those of `convert`); default sdmx-csv-1.0.
    #[arg(long)]
    to: Option<DataFormat>,
    #[command(flatten)]
    structures: StructureArgs,
}

/// Runs `sdmxgw map`.
pub fn run(args: MapArgs) -> anyhow::Result<Outcome> {
    let (spec, mapping_path, table) = match (&args.mapping, &args.table) {
        (Some(m), t) => (mapping::load_mapping(m)?, m.clone(), t.clone()),
        (None, Some(t)) => match mapping::questionnaire_mapping(t)? {
            Some(spec) => (spec, t.clone(), None),
            None => bail!(
                "{}: not a questionnaire written by `sdmxgw template`; give --mapping FILE",
                t.display()
            ),
        },
        (None, None) => bail!("give --mapping FILE, or a questionnaire as TABLE"),
    };
    let base = if args.mapping.is_some() {
        mapping_path
            .parent()
            .map(Path::to_owned)
            .unwrap_or_else(|| PathBuf::from("."))
    } else {
        PathBuf::from(".")
    };
    let mapping_path = &mapping_path;
    let registry = load_for_data(&args.structures, true)?
        .context("mapping needs the dataflow's structures")?;
    let chosen = pick_dsd(Some(&registry), Some(&spec.dataflow), None)?.with_context(|| {
        format!(
            "{}: dataflow {} not loaded",
            mapping_path.display(),
            spec.dataflow
        )
    })?;
    let codelists: HashMap<String, _> = chosen
        .dsd
        .dimensions
        .iter()
        .map(|d| d.id.as_str())
        .chain(chosen.dsd.attributes.iter().map(|a| a.id.as_str()))
        .filter_map(|c| Some((c.to_owned(), registry.codelist_of(chosen.dsd, c)?)))
        .collect();
    let allowed = match &chosen.usage {
        StructureUse::Dataflow(r) => registry
            .dataflow(&r.short())
            .map(|flow| allowed_by_constraints(&registry, flow, chosen.dsd))
            .unwrap_or_default(),
        _ => HashMap::new(),
    };
    let target = Target {
        dsd: chosen.dsd,
        usage: chosen.usage.clone(),
        codelists,
        allowed,
    };
    // A mapping that names its table by URL: fetch it once into a temporary
    // file (kept until the mapping is done) and map that.
    let downloaded = match (&table, spec.table.trim()) {
        (None, url) if url.starts_with("http://") || url.starts_with("https://") => {
            Some(fetch_table(url)?)
        }
        _ => None,
    };
    let table = downloaded.as_ref().map(|d| d.path().to_owned()).or(table);
    let mut reader = mapping::map_table(&spec, &base, table.as_deref(), &target)
        .with_context(|| format!("mapping {}", mapping_path.display()))?;
    let to = args.to.unwrap_or(DataFormat::Csv10);
    if !to.can_write() {
        bail!("{to} can be read but not written: choose another --to");
    }
    let write_opts = WriteOptions {
        dsd: Some(chosen.dsd),
        structure: Some(&chosen.usage),
        dimension_at_observation: None,
    };
    let schema = Schema::from_registry(&registry, &chosen.usage.reference().urn(), None)
        .with_context(|| format!("cannot prepare {}", chosen.usage.reference().short()))?;
    let mut out = AtomicOutput::create(&args.output)?;
    // The mapped observations stream through the validator into the writer;
    // the output is kept only when the validator found no error.
    let (summary, report): (Summary, Report) = {
        let writer = format::open_writer(to, out.writer(), write_opts)
            .with_context(|| format!("cannot write {to}"))?;
        let mut validator = Validator::wrap(&schema, Options::default(), writer);
        match validate(&mut reader, &mut validator) {
            Ok(summary) => (summary, validator.into_report()),
            Err(e) => {
                // The table's own problems (labels, numbers, repeated cells)
                // end the stream; they are listed one per line.
                let count = reader.problem_count();
                if let Some(MappingError::Cells(errors)) = reader.take_problems() {
                    for e in &errors {
                        eprintln!("error: {e}");
                    }
                    eprintln!("{count} problem(s) in the table; nothing written");
                    return Ok(Outcome::Invalid);
                }
                return Err(e).with_context(|| format!("mapping {}", mapping_path.display()));
            }
        }
    };
    if !report.is_valid() {
        let mut err = std::io::stderr().lock();
        render::write(&report, &schema, ReportFormat::Text, &mut err)?;
        eprintln!(
            "the mapped data are not valid for {}; nothing written",
            spec.dataflow
        );
        return Ok(Outcome::Invalid);
    }
    if report.warnings() > 0 {
        render::write(
            &report,
            &schema,
            ReportFormat::Text,
            &mut std::io::stderr().lock(),
        )?;
    }
    out.commit()?;
    tracing::info!(
        series = summary.series,
        observations = summary.observations,
        "mapped"
    );
    Ok(Outcome::Ok)
}

/// The codes each coded dimension of `flow` may take under its constraints.
pub fn allowed_by_constraints(
    registry: &sdmx_gateway::structure::Registry,
    flow: &sdmx_gateway::model::Dataflow,
    dsd: &sdmx_gateway::model::DataStructure,
) -> HashMap<String, std::collections::HashSet<String>> {
    dsd.dimensions
        .iter()
        .filter_map(|d| {
            let codes = registry.allowed_codes(flow, &d.id, None).ok()?.codes?;
            Some((d.id.clone(), codes.into_iter().collect()))
        })
        .collect()
}

/// Downloads a table named by URL into a temporary file with the URL's
/// extension (so `.xlsx` is read as a workbook), streaming the body to disk.
fn fetch_table(url: &str) -> anyhow::Result<tempfile::NamedTempFile> {
    use std::io::Write;

    let suffix = url
        .split(['?', '#'])
        .next()
        .and_then(|p| p.rsplit('/').next())
        .and_then(|name| name.rsplit_once('.'))
        .map(|(_, ext)| format!(".{ext}"))
        .unwrap_or_default();
    let mut file = tempfile::Builder::new()
        .prefix("sdmxgw-table-")
        .suffix(&suffix)
        .tempfile()
        .context("cannot create a temporary file for the downloaded table")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the HTTP runtime")?;
    runtime.block_on(async {
        let client = HttpClient::new("map", &HttpSettings::default())?;
        let mut response = client
            .send(url, || client.request(reqwest::Method::GET, url))
            .await?;
        let status = response.status();
        if !status.is_success() {
            bail!(
                "{url} answered {status}: check the table's URL in the mapping file, or download it and give it as TABLE"
            );
        }
        while let Some(chunk) = response
            .chunk()
            .await
            .with_context(|| format!("{url}: the download broke off; try again"))?
        {
            file.write_all(&chunk)
                .context("cannot write the downloaded table")?;
        }
        file.flush().context("cannot write the downloaded table")?;
        Ok(())
    })?;
    tracing::info!(%url, path = %file.path().display(), "table downloaded");
    Ok(file)
}
