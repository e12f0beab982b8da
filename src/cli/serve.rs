//! `sdmxgw serve`: the gateway server, with the exchange scheduler beside it.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;

use sdmx_gateway::config::TargetConfig;
use sdmx_gateway::config::{Config, ExchangeConfig};
use sdmx_gateway::exchange::Deliver;
use sdmx_gateway::exchange::coverage::{self, Coverage};
use sdmx_gateway::exchange::pulls::SourcePull;
use sdmx_gateway::exchange::push::{Delivery, OutboxDeliver};
use sdmx_gateway::exchange::scheduler::{RunFn, Scheduler};
use sdmx_gateway::exchange::{Runner, Trigger};
use sdmx_gateway::push::{Outbox, Targets};
use sdmx_gateway::server::{self, AppState};
use sdmx_gateway::source::sources_from_config;
use sdmx_gateway::store::{RunRecord, SqliteStore, Store, now_micros};

use super::Outcome;
use super::structure::{StructureArgs, load_for_data};

/// The configuration `serve` runs without `--config`.
pub const DEFAULT_CONFIG: &str = include_str!("../../samples/config/default.toml");

/// Arguments of `sdmxgw serve`.
#[derive(Args)]
#[command(
    long_about = "Serves SDMX REST (1.5 and 2.x paths) over the loaded structures and the store, \
accepts data from providers with POST /data, and runs the configured exchanges on their \
schedules (docs/exchanges.md). The first line on stdout is the address it listens on; logs \
(exchange runs, the coverage of the ILMS tables) go to stderr. See docs/server.md.\n\n\
Without --config it runs the embedded default (samples/config/default.toml): the shipped ILMS \
structures, a store in ./data/gateway.db, the sample national tables mapped into the store \
every minute, on 127.0.0.1:8080. Ctrl-C (or SIGTERM) stops it gracefully: requests under way \
are answered and running exchanges finish.",
    after_help = "Examples:\n  \
sdmxgw serve\n  \
sdmxgw serve --config samples/config/gateway.toml --bind 0.0.0.0:8080\n  \
curl -s http://127.0.0.1:8080/exchanges\n  \
curl -s -H 'Accept: text/csv' http://127.0.0.1:8080/coverage"
)]
pub struct ServeArgs {
    /// The configuration file (TOML; see samples/config/gateway.toml).
    #[arg(long)]
    config: Option<PathBuf>,
    /// The address to listen on (overrides the config's `bind`; port 0 picks a free one).
    #[arg(long)]
    bind: Option<String>,
}

/// The configuration in `path`, or the embedded default, whose relative table
/// paths fall back to the source tree when the working directory lacks them.
pub fn load_config(path: Option<&PathBuf>) -> anyhow::Result<Config> {
    match path {
        Some(p) => Ok(Config::load(p)?),
        None => {
            let mut config = Config::parse(
                DEFAULT_CONFIG,
                "the embedded default configuration (samples/config/default.toml)",
            )?;
            let project = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
            for x in config.exchanges.values_mut() {
                for t in &mut x.tables {
                    if t.is_relative() && !t.exists() && project.join(&*t).exists() {
                        *t = project.join(&*t);
                    }
                }
            }
            Ok(config)
        }
    }
}

/// The configured pull sources on the current runtime.
pub fn source_pull(config: &Config) -> anyhow::Result<SourcePull> {
    Ok(SourcePull {
        sources: sources_from_config(&config.sources)?,
        runtime: tokio::runtime::Handle::current(),
        store: config.store.clone(),
    })
}

/// Runs `sdmxgw serve`.
pub fn run(args: ServeArgs) -> anyhow::Result<Outcome> {
    let mut config = load_config(args.config.as_ref())?;
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
    let embedded = args.config.is_none();
    runtime.block_on(serve(state, &bind, embedded))?;
    Ok(Outcome::Ok)
}

/// The outbox and a [`Deliver`] per configured target. `this_gateway`, when
/// given, is the address the gateway listens on: a target named `self` (the
/// embedded default's) is pointed there, whatever `--bind` chose.
pub fn delivery(
    config: &Config,
    this_gateway: Option<std::net::SocketAddr>,
) -> anyhow::Result<Vec<(String, OutboxDeliver)>> {
    if config.targets.is_empty() {
        return Ok(Vec::new());
    }
    let mut targets = config.targets.clone();
    if let (Some(addr), Some(TargetConfig::SdmxRest(t))) = (this_gateway, targets.get_mut("self")) {
        t.url = format!("http://{addr}");
    }
    let delivery = Arc::new(Delivery::new(
        Outbox::open(&config.store)?,
        Targets::from_config(&targets)?,
        tokio::runtime::Handle::current(),
    ));
    Ok(targets
        .keys()
        .map(|name| {
            (
                name.clone(),
                OutboxDeliver {
                    target: name.clone(),
                    delivery: delivery.clone(),
                },
            )
        })
        .collect())
}

async fn serve(state: Arc<AppState>, bind: &str, embedded: bool) -> anyhow::Result<()> {
    let listener = server::listen(bind).await?;
    let here = listener.local_addr()?;
    let outbox_task;
    let scheduler = {
        let store = SqliteStore::open(&state.config.store)?;
        let interrupted = store.interrupt_running(now_micros())?;
        if interrupted > 0 {
            tracing::warn!(
                "{interrupted} exchange run(s) were cut short when the gateway last stopped; recorded as interrupted"
            );
        }
        let st = state.clone();
        let pull = Arc::new(source_pull(&state.config)?);
        let deliver = Arc::new(delivery(&state.config, embedded.then_some(here))?);
        outbox_task = deliver.first().map(|(_, d)| d.delivery.clone());
        let run: Arc<RunFn> = Arc::new(move |name: &str, x: &ExchangeConfig, t: Trigger| {
            run_exchange(&st, &pull, &deliver, name, x, t)
        });
        Scheduler::new(
            &state.config.exchanges,
            |name| store.last_run_start(name).ok().flatten(),
            run,
        )
        .map_err(anyhow::Error::msg)?
    };
    if !state.config.exchanges.is_empty() {
        tracing::info!(
            exchanges = state.config.exchanges.len(),
            "exchange scheduler started"
        );
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let scheduler = scheduler.spawn(stopped.clone());
    // Messages whose delivery failed for a transient reason are retried on
    // the outbox's schedule (30 s, 1 min, 2 min … up to an hour).
    let outbox = outbox_task.map(|delivery| {
        let mut stopped = stopped;
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_secs(15)) => {}
                    _ = stopped.changed() => break,
                }
                match delivery.deliver_due().await {
                    Ok(r) if !r.messages.is_empty() => tracing::info!(
                        attempted = r.messages.len(),
                        acknowledged = r.count(sdmx_gateway::store::OutboxState::Acknowledged),
                        "outbox delivery"
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::warn!("outbox delivery: {e}"),
                }
            }
        })
    });
    server::serve_listener(listener, state, shutdown_signal()).await?;
    tracing::info!("stopping: waiting for running exchanges");
    let _ = stop.send(true);
    let _ = scheduler.await;
    if let Some(o) = outbox {
        let _ = o.await;
    }
    Ok(())
}

/// Runs one exchange with the gateway's structures and store, then logs the
/// coverage of the ILMS tables when it stored something.
fn run_exchange(
    state: &AppState,
    pull: &SourcePull,
    deliver: &[(String, OutboxDeliver)],
    name: &str,
    x: &ExchangeConfig,
    trigger: Trigger,
) -> Result<RunRecord, sdmx_gateway::exchange::ExchangeError> {
    let runner = Runner {
        registry: &state.registry,
        store: state.config.store.clone(),
        pull: Some(pull),
        targets: deliver
            .iter()
            .map(|(n, d)| (n.clone(), d as &dyn Deliver))
            .collect(),
    };
    let record = runner.run(name, x, trigger)?;
    if record.counts.stored > 0 || record.counts.pushed > 0 {
        log_coverage(state);
    }
    Ok(record)
}

fn log_coverage(state: &AppState) {
    let rows = match SqliteStore::open(&state.config.store).and_then(|s| s.coverage()) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!("cannot compute the coverage: {e}");
            return;
        }
    };
    let table = Coverage::compute(
        &coverage::dataflows_of(&state.registry),
        &coverage::asean_areas(),
        coverage::years(None, None),
        &rows,
    );
    let (complete, partial, missing) = table.totals();
    tracing::info!(
        complete,
        partial,
        missing,
        "coverage of the ILMS tables (GET /coverage for all of it)"
    );
    // Only the dataflows with data, so the table fits a terminal.
    let held: Vec<String> = table
        .dataflows
        .iter()
        .filter(|d| {
            table
                .cells
                .iter()
                .any(|c| &c.dataflow == *d && c.observations > 0)
        })
        .cloned()
        .collect();
    let shown = Coverage::compute(
        &held,
        &coverage::asean_areas(),
        coverage::years(None, None),
        &rows,
    );
    eprint!("{}", shown.to_table());
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
