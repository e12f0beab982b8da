//! `sdmxgw serve`: the gateway server.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use sdmx_gateway::config::Config;
use sdmx_gateway::server;

use super::Outcome;
use super::structure::{StructureArgs, load_for_data};

/// Arguments of `sdmxgw serve`.
#[derive(Args)]
#[command(
    long_about = "Serves SDMX REST (1.5 and 2.x paths) over the loaded structures and the store, \
and accepts data from providers with POST /data. Without --config it serves the shipped ILMS \
structures with a store in ./data/gateway.db on 127.0.0.1:8080. The first line on stdout is \
the address it listens on. See docs/server.md."
)]
pub struct ServeArgs {
    /// The configuration file (TOML; see samples/config/gateway.toml).
    #[arg(long)]
    config: Option<PathBuf>,
    /// The address to listen on (overrides the config's `bind`; port 0 picks a free one).
    #[arg(long)]
    bind: Option<String>,
}

/// Runs `sdmxgw serve`.
pub fn run(args: ServeArgs) -> anyhow::Result<Outcome> {
    let mut config = match &args.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    if let Some(b) = args.bind {
        config.bind = b;
    }
    let structure_args = StructureArgs {
        structure: config.structures.clone(),
    };
    let registry = load_for_data(&structure_args, true)?.context("no structures loaded")?;
    let bind = config.bind.clone();
    let state = server::prepare(config, registry)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(server::serve(state, &bind))?;
    Ok(Outcome::Ok)
}
