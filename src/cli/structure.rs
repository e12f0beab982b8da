//! `sdmxgw structure …` (placeholder, built this session).

use clap::Subcommand;

use super::Outcome;

/// Structure subcommands.
#[derive(Subcommand)]
pub enum StructureCommand {
    /// Load and resolve structure files.
    Check {
        /// Files or folders.
        paths: Vec<std::path::PathBuf>,
    },
}

/// Runs a structure subcommand.
pub fn run(cmd: StructureCommand) -> anyhow::Result<Outcome> {
    match cmd {
        StructureCommand::Check { .. } => anyhow::bail!("not built yet"),
    }
}
