//! `sdmxgw ilms …`: generate the shipped ILMS structure files from `dsd/ilms.toml`,
//! check them, list the indicators.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;

use sdmx_gateway::ilms::{self, FileStatus, IlmsTable};

use super::Outcome;

/// ILMS subcommands.
#[derive(Subcommand)]
pub enum IlmsCommand {
    /// Generate the SDMX-ML 2.1 files in codelists/ and dsd/ from dsd/ilms.toml.
    #[command(
        long_about = "Build the ILMS structure set from dsd/ilms.toml and the ILO tables in \
codelists/source/, and write codelists/ilms-codelists.xml, codelists/cs_ilostat.xml, \
dsd/ilms-datastructures.xml, dsd/ilms-dataflows.xml, dsd/ilms-constraints.xml, \
dsd/ilms-providers.xml (SDMX-ML 2.1) and docs/ilms-indicators.md. Only files that change are \
rewritten; the output is reproducible (fixed message header).\n\n\
With --check nothing is written: exit 1 and name every file that differs or is missing.\n\n\
Examples:\n  \
sdmxgw ilms generate\n  \
sdmxgw ilms generate --check"
    )]
    Generate {
        /// Only compare: exit 1 and name the files that differ from what would be generated.
        #[arg(long)]
        check: bool,
        /// The project root holding dsd/ilms.toml.
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// List the ILMS indicators of dsd/ilms.toml: id, key, unit, usual source, label.
    Indicators {
        /// Print JSON instead of a table.
        #[arg(long, conflicts_with = "markdown")]
        json: bool,
        /// Print the Markdown table of docs/ilms-indicators.md.
        #[arg(long)]
        markdown: bool,
        /// The project root holding dsd/ilms.toml.
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
}

/// Runs an ILMS subcommand.
pub fn run(cmd: IlmsCommand) -> anyhow::Result<Outcome> {
    match cmd {
        IlmsCommand::Generate { check, root } => generate(&root, check),
        IlmsCommand::Indicators {
            json,
            markdown,
            root,
        } => indicators(&root, json, markdown),
    }
}

fn generate(root: &std::path::Path, check: bool) -> anyhow::Result<Outcome> {
    let statuses = if check {
        ilms::check(root)?
    } else {
        ilms::write_files(root)?
    };
    let mut out = std::io::stdout().lock();
    let mut stale = 0;
    for (path, status) in statuses {
        let word = match (status, check) {
            (FileStatus::Same, _) => "unchanged",
            (FileStatus::Differs, true) => "differs",
            (FileStatus::Missing, true) => "missing",
            (_, false) => "written",
        };
        if status != FileStatus::Same {
            stale += 1;
        }
        writeln!(out, "{word:<9} {path}")?;
    }
    if check && stale > 0 {
        eprintln!(
            "{stale} generated file(s) differ from dsd/ilms.toml: run `sdmxgw ilms generate` and commit them"
        );
        return Ok(Outcome::Invalid);
    }
    Ok(Outcome::Ok)
}

fn indicators(root: &std::path::Path, json: bool, markdown: bool) -> anyhow::Result<Outcome> {
    let path = root.join(ilms::TABLE_PATH);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let table = IlmsTable::parse(&text, &path.display().to_string())?;
    let mut out = std::io::stdout().lock();
    if markdown {
        out.write_all(ilms::indicators_markdown(&table).as_bytes())?;
        return Ok(Outcome::Ok);
    }
    if json {
        serde_json::to_writer_pretty(&mut out, &table.ilms.indicators)?;
        writeln!(out)?;
        return Ok(Outcome::Ok);
    }
    for i in &table.ilms.indicators {
        writeln!(
            out,
            "{:<26} {:<34} {:<3} {:<7} {}",
            i.id,
            i.key(),
            i.unit,
            i.source,
            i.label
        )?;
    }
    Ok(Outcome::Ok)
}
