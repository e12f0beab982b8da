//! `sdmxgw ilms …` (placeholder, built this session).

use clap::Subcommand;

use super::Outcome;

/// ILMS subcommands.
#[derive(Subcommand)]
pub enum IlmsCommand {
    /// Generate the SDMX-ML files from dsd/ilms.toml.
    Generate,
}

/// Runs an ILMS subcommand.
pub fn run(cmd: IlmsCommand) -> anyhow::Result<Outcome> {
    match cmd {
        IlmsCommand::Generate => anyhow::bail!("not built yet"),
    }
}
