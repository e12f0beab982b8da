//! `sdmxgw convert`: stream a data message from one SDMX format into another.

use std::io::BufReader;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};

use sdmx_gateway::data::{CountSink, DataError, DataSink, ObsDimension, Summary, pump, read_ahead};
use sdmx_gateway::format::csv::{CsvOptions, CsvWriter, KeyColumns, Labels};
use sdmx_gateway::format::{self, DataFormat, ReadOptions, WriteOptions};
use sdmx_gateway::validate::{Options, Schema, Validator, render, validate};

use super::Outcome;
use super::io::{AtomicOutput, Input};
use super::pick::pick_dsd;
use super::structure::{StructureArgs, load_for_data};

/// Arguments of `sdmxgw convert`.
#[derive(Args)]
#[command(
    long_about = "Streams a data message from one SDMX format into another without holding it in \
memory. The input format is detected from the content (use --from to insist). \
Structure-specific XML, SDMX-CSV and SDMX-JSON need the DSD: it is found in the structures \
loaded with --structure (default: the shipped dsd/ and codelists/) from the dataflow or DSD the \
message names, or from --dataflow.\n\n\
Output written to a file appears only when the conversion succeeded (it is written to a \
temporary file and renamed).",
    after_help = "Examples:\n  \
sdmxgw convert samples/messages/ilms-ss.xml --to sdmx-csv-1.0 -o out.csv\n  \
sdmxgw convert data.csv --to sdmx-ml-2.1-ss --dataflow ILO:DF_IMG_TPOP_SEX_AGE_NB(1.0)\n  \
curl -s URL | sdmxgw convert - --to sdmx-json-2.0 --structure dsd/ > out.json\n  \
sdmxgw convert big.xml --count --json"
)]
pub struct ConvertArgs {
    /// The data message: a file, or `-` for standard input.
    input: String,
    /// Where to write: a file, or `-` for standard output (the default).
    #[arg(short, long, default_value = "-")]
    output: String,
    /// The output format: sdmx-ml-2.1-generic, sdmx-ml-2.1-ss, sdmx-ml-3.0,
    /// sdmx-csv-1.0, sdmx-csv-2.0, sdmx-json-1.0 or sdmx-json-2.0.
    #[arg(long, required_unless_present = "count")]
    to: Option<DataFormat>,
    /// The input format, when detection from the content is not wanted.
    #[arg(long)]
    from: Option<DataFormat>,
    #[command(flatten)]
    structures: StructureArgs,
    /// The dataflow or DSD of the data (URN, AGENCY:ID(VERSION) or id), when the
    /// message does not name it or names another.
    #[arg(long)]
    dataflow: Option<String>,
    /// The dimension to write at observation level (`TIME_PERIOD`, another
    /// dimension id, or `AllDimensions`); default: the input's.
    #[arg(long)]
    dimension_at_observation: Option<String>,
    /// SDMX-CSV labels: `id` (codes only), `both` (`CODE: Name` in one column) or
    /// `name` (2.0: a name column after each id column). Names come from the
    /// loaded codelists and concept schemes.
    #[arg(long, value_enum, default_value = "id")]
    csv_labels: CsvLabels,
    /// SDMX-CSV 2.0 key columns: `none`, `series` (SERIES_KEY), `obs` (OBS_KEY)
    /// or `both`.
    #[arg(long, value_enum, default_value = "none")]
    csv_keys: CsvKeys,
    /// SDMX-CSV field separator (one character, e.g. `;` where the decimal
    /// separator is a comma).
    #[arg(long, default_value = ",")]
    csv_delimiter: char,
    /// Do not validate while converting. By default, when the structures are
    /// loaded, every observation is checked (docs/validation-rules.md); errors
    /// leave no output file and exit 1.
    #[arg(long)]
    no_validate: bool,
    /// Only read the message and report what it holds (no output).
    #[arg(long, conflicts_with = "to")]
    count: bool,
    /// Print the summary as JSON on stdout (with --count) or stderr.
    #[arg(long)]
    json: bool,
}

/// `--csv-labels` values.
#[derive(Clone, Copy, ValueEnum)]
enum CsvLabels {
    Id,
    Both,
    Name,
}

/// `--csv-keys` values.
#[derive(Clone, Copy, ValueEnum)]
enum CsvKeys {
    None,
    Series,
    Obs,
    Both,
}

impl ConvertArgs {
    fn csv_options<'a>(
        &self,
        names: Option<&'a sdmx_gateway::model::Structures>,
    ) -> anyhow::Result<CsvOptions<'a>> {
        if !self.csv_delimiter.is_ascii() {
            bail!("--csv-delimiter must be one ASCII character");
        }
        Ok(CsvOptions {
            delimiter: self.csv_delimiter as u8,
            labels: match self.csv_labels {
                CsvLabels::Id => Labels::Id,
                CsvLabels::Both => Labels::Both,
                CsvLabels::Name => Labels::Name,
            },
            keys: match self.csv_keys {
                CsvKeys::None => KeyColumns::None,
                CsvKeys::Series => KeyColumns::Series,
                CsvKeys::Obs => KeyColumns::Obs,
                CsvKeys::Both => KeyColumns::Both,
            },
            names,
        })
    }
}

/// Runs `sdmxgw convert`.
pub fn run(args: ConvertArgs) -> anyhow::Result<Outcome> {
    let mut input = Input::open(&args.input)?;
    let format = match args.from {
        Some(f) => f,
        None => detect(&mut input)?,
    };
    let hint = format::sniff_structure(input.head()?, format);
    let registry = load_for_data(
        &args.structures,
        format.needs_structure() || args.to.is_some_and(DataFormat::needs_structure),
    )?;
    let dsd = pick_dsd(registry.as_ref(), args.dataflow.as_deref(), hint.as_ref())?;
    if dsd.is_none() && format.needs_structure() {
        bail!(
            "{}: reading {format} needs the DSD; the message names none that the loaded structures \
             hold: give --dataflow and --structure",
            input.name()
        );
    }
    let name = input.name().to_owned();
    let read_opts = ReadOptions {
        source: &name,
        dsd: dsd.as_ref().map(|d| d.dsd),
        structure: dsd.as_ref().map(|d| &d.usage),
    };
    let progress = input.progress();
    let reader = format::open_reader(format, BufReader::new(input.into_read()), read_opts)
        .with_context(|| format!("cannot read {name} as {format}"))?;

    let schema = match (&registry, &dsd) {
        (Some(registry), Some(chosen)) if !args.no_validate => {
            match Schema::from_registry(registry, &chosen.usage.reference().urn(), None) {
                Ok(schema) => Some(schema),
                Err(e) => {
                    tracing::warn!("not validated: {e}");
                    None
                }
            }
        }
        _ => None,
    };
    let mut findings = None;
    // Parsing runs a batch ahead on a second core while this one checks and writes.
    let summary = read_ahead(reader, |reader| -> anyhow::Result<_> {
        Ok(match args.to {
            None => match &schema {
                Some(schema) => {
                    let mut v = Validator::new(schema, Options::default());
                    let summary = validate(reader, &mut v)?;
                    findings = Some(v.into_report());
                    summary
                }
                None => pump(reader, &mut CountSink)?,
            },
            Some(to) => {
                if !to.can_write() {
                    bail!("{to} can be read but not written: choose another --to");
                }
                let obs_dim = args
                    .dimension_at_observation
                    .as_deref()
                    .map(ObsDimension::parse);
                let write_opts = WriteOptions {
                    dsd: dsd.as_ref().map(|d| d.dsd),
                    structure: dsd.as_ref().map(|d| &d.usage),
                    dimension_at_observation: obs_dim.as_ref(),
                };
                let mut out = AtomicOutput::create(&args.output)?;
                let summary = {
                    let mut writer: Box<dyn DataSink<Error = DataError> + '_> =
                        if matches!(to, DataFormat::Csv10 | DataFormat::Csv20) {
                            let csv_opts =
                                args.csv_options(registry.as_ref().map(|r| r.structures()))?;
                            Box::new(CsvWriter::new(to, out.writer(), write_opts, csv_opts)?)
                        } else {
                            format::open_writer(to, out.writer(), write_opts)
                                .with_context(|| format!("cannot write {to}"))?
                        };
                    match &schema {
                        Some(schema) => {
                            let mut v = Validator::wrap(schema, Options::default(), writer);
                            let summary = validate(reader, &mut v)?;
                            findings = Some(v.into_report());
                            summary
                        }
                        None => pump(reader, &mut writer)?,
                    }
                };
                // An invalid message is not written: the temporary file is dropped.
                if findings.as_ref().is_none_or(|r| r.errors() == 0) {
                    out.commit()?;
                }
                summary
            }
        })
    })?;
    progress.finish_and_clear();
    if let Some(found) = &findings
        && (found.errors() > 0 || found.warnings() > 0)
    {
        let mut err = std::io::stderr().lock();
        render::text(found, &mut err)?;
        if found.errors() > 0 {
            eprintln!(
                "{name}: {} error(s): nothing written (fix the data, or use --no-validate to convert as is)",
                found.errors()
            );
            return Ok(Outcome::Invalid);
        }
    }
    report(&summary, &args, format)?;
    Ok(Outcome::Ok)
}

fn detect(input: &mut Input) -> anyhow::Result<DataFormat> {
    let name = input.name().to_owned();
    let head = input.head()?;
    DataFormat::sniff(head).with_context(|| {
        format!(
            "{name}: not a data message this gateway reads (SDMX-ML 2.1/3.0 data, SDMX-CSV \
             1.0/2.0, SDMX-JSON 1.0/2.0); if it is one, give --from"
        )
    })
}

fn report(summary: &Summary, args: &ConvertArgs, from: DataFormat) -> anyhow::Result<()> {
    #[derive(serde::Serialize)]
    struct Report<'a> {
        input: &'a str,
        from: &'a str,
        to: Option<&'a str>,
        #[serde(flatten)]
        summary: &'a Summary,
    }
    let report = Report {
        input: &args.input,
        from: from.name(),
        to: args.to.map(DataFormat::name),
        summary,
    };
    if args.json {
        let text = serde_json::to_string_pretty(&report)?;
        if args.count {
            println!("{text}");
        } else {
            eprintln!("{text}");
        }
    } else if args.count {
        println!(
            "{}: {} — {} dataset(s), {} group(s), {} series, {} observation(s)",
            args.input,
            from.name(),
            summary.datasets,
            summary.groups,
            summary.series,
            summary.observations
        );
    } else {
        tracing::info!(
            observations = summary.observations,
            series = summary.series,
            "converted"
        );
    }
    Ok(())
}
