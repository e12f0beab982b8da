//! `sdmxgw exchange list|run|history`: the configured exchanges, one run now,
//! and the record of past runs.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use sdmx_gateway::config::Config;
use sdmx_gateway::exchange::view::views;
use sdmx_gateway::exchange::{Deliver, Runner, Trigger};
use sdmx_gateway::store::{RunRecord, RunStatus, SqliteStore};

use super::Outcome;
use super::serve::{delivery, load_config, source_pull};
use super::structure::{StructureArgs, load_for_data};

/// `sdmxgw exchange …`.
#[derive(Subcommand)]
pub enum ExchangeCommand {
    /// The configured exchanges: schedule, next run, policy, inputs, last run.
    #[command(after_help = "Examples:\n  \
sdmxgw exchange list\n  \
sdmxgw exchange list --config gateway.toml --json | jq '.[].last_run.status'")]
    List(ListArgs),
    /// Run one exchange now, once (beside or without a running gateway).
    #[command(
        long_about = "Runs one exchange now, once, exactly as the scheduler would: its inputs are \
read, validated under its policy, stored and delivered, and the run is recorded (trigger \
`manual`). An input whose content did not change since it was last moved is skipped.\n\n\
Exit code: 0 when the run is ok, 1 when invalid data was rejected or quarantined, 2 when an \
input or target failed.",
        after_help = "Examples:\n  \
sdmxgw exchange run phl-deployments\n  \
sdmxgw exchange run collect --config collector.toml --json"
    )]
    Run(RunArgs),
    /// The recorded runs of one exchange, newest first.
    #[command(after_help = "Examples:\n  \
sdmxgw exchange history phl-deployments\n  \
sdmxgw exchange history collect --limit 5 --json")]
    History(HistoryArgs),
}

/// Where the configuration is.
#[derive(Args)]
pub struct ConfigArg {
    /// The gateway's configuration (default: the embedded default, as `serve`).
    #[arg(long)]
    config: Option<PathBuf>,
}

/// Arguments of `exchange list`.
#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// Print JSON (as GET /exchanges).
    #[arg(long)]
    json: bool,
}

/// Arguments of `exchange run`.
#[derive(Args)]
pub struct RunArgs {
    /// The exchange's name.
    name: String,
    #[command(flatten)]
    config: ConfigArg,
    /// Print the run record as JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `exchange history`.
#[derive(Args)]
pub struct HistoryArgs {
    /// The exchange's name.
    name: String,
    #[command(flatten)]
    config: ConfigArg,
    /// How many runs to show.
    #[arg(long, default_value_t = 20)]
    limit: u32,
    /// Print JSON (as GET /exchanges/{name}/runs).
    #[arg(long)]
    json: bool,
}

/// Runs `sdmxgw exchange …`.
pub fn run(command: ExchangeCommand) -> anyhow::Result<Outcome> {
    match command {
        ExchangeCommand::List(a) => list(a),
        ExchangeCommand::Run(a) => run_one(a),
        ExchangeCommand::History(a) => history(a),
    }
}

fn config(arg: &ConfigArg) -> anyhow::Result<Config> {
    load_config(arg.config.as_ref())
}

fn known(config: &Config, name: &str) -> anyhow::Result<()> {
    if config.exchanges.contains_key(name) {
        return Ok(());
    }
    let names: Vec<&str> = config.exchanges.keys().map(String::as_str).collect();
    if names.is_empty() {
        bail!("no exchange {name:?}: the configuration defines none ([exchanges.NAME])");
    }
    bail!(
        "no exchange {name:?} is configured; the configuration has: {}",
        names.join(", ")
    )
}

fn open_store(config: &Config) -> anyhow::Result<SqliteStore> {
    if let Some(dir) = config.store.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    SqliteStore::open(&config.store)
        .with_context(|| format!("cannot open the store {}", config.store.display()))
}

fn list(args: ListArgs) -> anyhow::Result<Outcome> {
    let config = config(&args.config)?;
    open_store(&config)?;
    let views = views(&config)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&views)?);
        return Ok(Outcome::Ok);
    }
    if views.is_empty() {
        println!("no exchanges configured");
        return Ok(Outcome::Ok);
    }
    println!(
        "{:<24} {:<16} {:<20} {:<10} {:<8} LAST RUN",
        "NAME", "SCHEDULE", "NEXT RUN (UTC)", "POLICY", "INPUTS"
    );
    for v in &views {
        let last = v.last_run.as_ref().map_or("never".to_owned(), |r| {
            format!(
                "{} {} ({} stored)",
                r.started,
                r.status.name(),
                r.counts.stored
            )
        });
        println!(
            "{:<24} {:<16} {:<20} {:<10} {:<8} {last}",
            v.name,
            v.schedule,
            v.next_run.as_deref().unwrap_or("-"),
            v.validation,
            v.inputs.len()
        );
    }
    Ok(Outcome::Ok)
}

fn run_one(args: RunArgs) -> anyhow::Result<Outcome> {
    let config = config(&args.config)?;
    known(&config, &args.name)?;
    let exchange = &config.exchanges[&args.name];
    open_store(&config)?;
    let registry = load_for_data(
        &StructureArgs {
            structure: config.structures.clone(),
        },
        true,
    )?
    .context("no structures loaded")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let (pull, deliver) = {
        let _guard = runtime.enter();
        (source_pull(&config)?, delivery(&config, None)?)
    };
    let runner = Runner {
        registry: &registry,
        store: config.store.clone(),
        pull: Some(&pull),
        targets: deliver
            .iter()
            .map(|(n, d)| (n.clone(), d as &dyn Deliver))
            .collect(),
    };
    let record = runner.run(&args.name, exchange, Trigger::Manual)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&record)?);
    } else {
        print_record(&record);
    }
    match record.status {
        RunStatus::Ok => Ok(Outcome::Ok),
        RunStatus::Invalid => Ok(Outcome::Invalid),
        _ => bail!(
            "the run failed: {}",
            record.error.as_deref().unwrap_or("see the log")
        ),
    }
}

fn print_record(r: &RunRecord) {
    println!(
        "run {} of {} ({}): {}",
        r.id,
        r.exchange,
        r.trigger,
        r.status.name()
    );
    println!(
        "  started {}, ended {}",
        r.started,
        r.ended.as_deref().unwrap_or("-")
    );
    let c = &r.counts;
    println!(
        "  observations: {} pulled, {} valid, {} invalid, {} stored, {} pushed",
        c.pulled, c.valid, c.invalid, c.stored, c.pushed
    );
    if r.findings.errors + r.findings.warnings > 0 {
        println!(
            "  findings: {} error(s), {} warning(s)",
            r.findings.errors, r.findings.warnings
        );
        for line in &r.findings.first {
            println!("    {line}");
        }
    }
    if let Some(e) = &r.error {
        println!("  error: {e}");
    }
}

fn history(args: HistoryArgs) -> anyhow::Result<Outcome> {
    let config = config(&args.config)?;
    known(&config, &args.name)?;
    let store = open_store(&config)?;
    let runs = store.runs(Some(&args.name), args.limit)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&runs)?);
        return Ok(Outcome::Ok);
    }
    if runs.is_empty() {
        println!("{} has not run yet", args.name);
        return Ok(Outcome::Ok);
    }
    println!(
        "{:>6} {:<28} {:<10} {:<12} {:>7} {:>7} {:>7} {:>7} {:>7}  ERROR",
        "RUN", "STARTED", "TRIGGER", "STATUS", "PULLED", "VALID", "INVALID", "STORED", "PUSHED"
    );
    for r in &runs {
        let c = &r.counts;
        println!(
            "{:>6} {:<28} {:<10} {:<12} {:>7} {:>7} {:>7} {:>7} {:>7}  {}",
            r.id,
            r.started,
            r.trigger,
            r.status.name(),
            c.pulled,
            c.valid,
            c.invalid,
            c.stored,
            c.pushed,
            r.error.as_deref().unwrap_or("")
        );
    }
    Ok(Outcome::Ok)
}
