//! `sdmxgw structure …`: load, check, list, show and convert structure messages.

use std::path::PathBuf;

use anyhow::bail;
use clap::{Args, Subcommand};
use sdmx_gateway::structure::registry::{DEFAULT_DIRS, RegistryErrors};
use sdmx_gateway::structure::{Registry, StructureFormat, Warning};

use super::Outcome;

mod check;
mod convert;
mod list;
mod show;
mod table;

/// Structure subcommands.
#[derive(Subcommand)]
pub enum StructureCommand {
    /// Load structure files, resolve every reference and report what is wrong.
    #[command(
        long_about = "Load structure files (SDMX-ML 2.1, SDMX-ML 3.0 or SDMX-JSON, \
recognised by their content), resolve every reference between them (concept → codelist, \
DSD → concepts and codelists, dataflow → DSD, constraint → what it constrains, provision \
agreement → provider and dataflow) and print how many artefacts of each type were loaded, \
then every warning and error.\n\n\
A PATH may be a file or a folder (searched recursively for *.xml and *.json). Without PATH, \
the project's dsd/ and codelists/ folders are checked.\n\n\
Exit codes: 0 clean, 1 errors found (malformed file, two different artefacts with one URN, \
dangling or ambiguous reference), 2 a path could not be read.\n\n\
Examples:\n  \
sdmxgw structure check\n  \
sdmxgw structure check dsd/ codelists/CL_SEX.xml\n  \
sdmxgw structure check --json downloads/ | jq .errors"
    )]
    Check(check::CheckArgs),
    /// List the artefacts of the loaded structures as a table (or JSON).
    #[command(
        long_about = "List every artefact loaded from the structures (by default the \
project's dsd/ and codelists/): its type, AGENCY:ID(VERSION), name and file.\n\n\
Examples:\n  \
sdmxgw structure list\n  \
sdmxgw structure list --type dataflow\n  \
sdmxgw structure list --structure downloads/ilostat.xml --type codelist --json"
    )]
    List(list::ListArgs),
    /// Show one artefact: a DSD's dimensions and attributes, a codelist's codes…
    #[command(
        long_about = "Show one artefact in detail. For a data structure: its dimensions \
with positions and codelists, its attributes with attachment and usage, its measures. For a \
codelist: its codes as a tree (children under their parent). For a dataflow: its DSD and the \
constraints attached to it.\n\n\
The artefact may be named by URN, by AGENCY:ID(VERSION) (the version may be `+` for the \
latest stable, `~` for the latest), by AGENCY:ID (latest), or by its bare id when only one \
artefact has it (otherwise the candidates are listed).\n\n\
Examples:\n  \
sdmxgw structure show CL_SEX\n  \
sdmxgw structure show 'ILO:DF_MST_TEMP_SEX_ECO_CBR_NB(1.0)'\n  \
sdmxgw structure show urn:sdmx:org.sdmx.infomodel.codelist.Codelist=ILO:CL_SEX(1.0) --json"
    )]
    Show(show::ShowArgs),
    /// Convert a structure message (or a folder of them) to another format.
    #[command(
        long_about = "Read structures from IN (a file, or a folder whose files are \
merged into one message) and write them as one message in the format given by --to: \
sdmx-ml-2.1, sdmx-ml-3.0 or sdmx-json. The output is written to a temporary file next to OUT \
and renamed into place, so OUT is never left half-written; `-o -` writes to standard \
output.\n\n\
References to artefacts that are not in IN are allowed (a DSD can be converted without its \
codelists); they are reported as warnings.\n\n\
Examples:\n  \
sdmxgw structure convert ilostat.json -o ilostat.xml --to sdmx-ml-2.1\n  \
sdmxgw structure convert dsd/ -o - --to sdmx-ml-3.0 | less"
    )]
    Convert(convert::ConvertArgs),
}

/// Where to read structures from: `--structure PATH`, repeatable.
#[derive(Args, Debug, Clone, Default)]
pub struct StructureArgs {
    /// A structure file or folder (SDMX-ML 2.1/3.0, SDMX-JSON); repeat to load several.
    /// Default: the project's dsd/ and codelists/.
    #[arg(long = "structure", value_name = "PATH")]
    pub structure: Vec<PathBuf>,
}

/// Runs a structure subcommand.
pub fn run(cmd: StructureCommand) -> anyhow::Result<Outcome> {
    match cmd {
        StructureCommand::Check(a) => check::run(a),
        StructureCommand::List(a) => list::run(a),
        StructureCommand::Show(a) => show::run(a),
        StructureCommand::Convert(a) => convert::run(a),
    }
}

/// The paths to load: those given, else the project's `dsd/` and `codelists/`
/// (in the working directory, else in the source tree the binary was built from).
fn paths_or_default(given: Vec<PathBuf>) -> anyhow::Result<Vec<PathBuf>> {
    if !given.is_empty() {
        return Ok(given);
    }
    let here: Vec<PathBuf> = DEFAULT_DIRS
        .iter()
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
        .collect();
    if !here.is_empty() {
        return Ok(here);
    }
    let project = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shipped: Vec<PathBuf> = DEFAULT_DIRS
        .iter()
        .map(|d| project.join(d))
        .filter(|p| p.is_dir())
        .collect();
    if shipped.is_empty() {
        bail!(
            "no structures given and no dsd/ or codelists/ folder here; name files or folders (--structure PATH)"
        );
    }
    Ok(shipped)
}

/// A registry loaded for list/show: errors are reported on stderr and the
/// artefacts that could be read are used anyway.
struct Loaded {
    registry: Registry,
    failed: bool,
}

/// Loads structures for a command that reads them; an unreadable path stops it
/// (exit 2), other errors are printed and make the command exit 1 at the end.
fn load_lenient(args: StructureArgs) -> anyhow::Result<Loaded> {
    let paths = paths_or_default(args.structure)?;
    match Registry::load(&paths) {
        Ok((registry, warnings)) => {
            print_warnings(&warnings);
            Ok(Loaded {
                registry,
                failed: false,
            })
        }
        Err(e) => {
            print_warnings(&e.warnings);
            report_errors(&e);
            if e.has_unreadable() {
                bail!("some structures could not be read");
            }
            Ok(Loaded {
                registry: *e.partial,
                failed: true,
            })
        }
    }
}

fn print_warnings(warnings: &[Warning]) {
    for w in warnings {
        eprintln!("{w}");
    }
}

fn report_errors(e: &RegistryErrors) {
    for err in &e.errors {
        eprintln!("error: {err}");
    }
}

/// The CLI names of structure formats, for `--to`.
fn parse_format(s: &str) -> Result<StructureFormat, String> {
    s.parse()
}

/// Loads structures for a data command. With `required`, any load error stops
/// the command (exit 2); otherwise (e.g. generic XML in and out, which needs no
/// DSD) structures that cannot be loaded are skipped with a note on stderr.
pub(super) fn load_for_data(
    args: &StructureArgs,
    required: bool,
) -> anyhow::Result<Option<Registry>> {
    let paths = match paths_or_default(args.structure.clone()) {
        Ok(p) => p,
        Err(e) if !required => {
            tracing::debug!("no structures loaded: {e:#}");
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    match Registry::load(&paths) {
        Ok((registry, warnings)) => {
            print_warnings(&warnings);
            Ok(Some(registry))
        }
        // A DSD whose codelists are not loaded still tells dimensions from
        // attributes, which is all reading and writing need.
        Err(e) if e.only_references() && !e.has_unreadable() => {
            print_warnings(&e.warnings);
            if let Some(first) = e.errors.first() {
                tracing::warn!(
                    "{} reference(s) between the loaded structures are unresolved (first: {first}); data is read with the DSD alone",
                    e.errors.len()
                );
            }
            Ok(Some(*e.partial))
        }
        Err(e) if required => {
            print_warnings(&e.warnings);
            report_errors(&e);
            bail!(
                "the structures in {} do not load cleanly (see the errors above); fix them or \
                 name other files with --structure",
                paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        Err(e) => {
            tracing::warn!("structures not used: {} error(s)", e.errors.len());
            Ok(None)
        }
    }
}
