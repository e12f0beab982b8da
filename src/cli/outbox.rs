//! `sdmxgw outbox list|retry`: what is waiting to be pushed, and pushing it now.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use sdmx_gateway::push::{DeliverOptions, DeliveryReport, Outbox, Retry, Targets};
use sdmx_gateway::store::OutboxState;

use super::Outcome;
use super::io::progress_bar;
use super::push::{describe, outcome, report};
use super::serve::load_config;

/// `sdmxgw outbox …`
#[derive(Subcommand)]
pub enum OutboxCommand {
    /// List the messages in the outbox: pending, delivering (interrupted), acknowledged, failed.
    #[command(after_help = "Examples:\n  \
sdmxgw outbox list --config gateway.toml\n  \
sdmxgw outbox list --state failed --json | jq '.[].last_error'")]
    List(ListArgs),
    /// Deliver now: waiting and interrupted messages, one message (ID), or every
    /// unacknowledged one including those refused (--all).
    #[command(
        long_about = "Delivers outbox messages now, whatever their next-attempt time. Without \
arguments: every pending message and every one an earlier process left half-delivered (killed \
mid-upload). With an ID: that message, even if it failed (after fixing the token, say). With \
--all: every message not acknowledged, failed ones included. The same bytes are sent again; \
the collector recognises a repeat and applies it once.",
        after_help = "Examples:\n  \
sdmxgw outbox retry --config gateway.toml\n  \
sdmxgw outbox retry 12 --config gateway.toml\n  \
sdmxgw outbox retry --all --json\n\n\
Exit codes: 0 every message tried was acknowledged, 1 some were refused, 2 could not run, 3 \
some are still waiting (target unreachable)."
    )]
    Retry(RetryArgs),
}

/// Arguments of `outbox list`.
#[derive(Args)]
pub struct ListArgs {
    /// The gateway's configuration (default: the embedded default, as `serve`).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Only messages in this state: pending, delivering, acknowledged, failed.
    #[arg(long)]
    state: Option<String>,
    /// Print JSON (one object per message, receipts included).
    #[arg(long)]
    json: bool,
}

/// Arguments of `outbox retry`.
#[derive(Args)]
pub struct RetryArgs {
    /// The message to deliver (an id from `outbox list`).
    #[arg(conflicts_with = "all")]
    id: Option<i64>,
    /// Every unacknowledged message, failed ones included.
    #[arg(long)]
    all: bool,
    /// The gateway's configuration (default: the embedded default, as `serve`).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Print JSON (the messages tried, as they stand after).
    #[arg(long)]
    json: bool,
}

/// Runs an outbox subcommand.
pub fn run(cmd: OutboxCommand) -> anyhow::Result<Outcome> {
    match cmd {
        OutboxCommand::List(a) => list(a),
        OutboxCommand::Retry(a) => retry(a),
    }
}

fn list(args: ListArgs) -> anyhow::Result<Outcome> {
    let config = load_config(args.config.as_ref())?;
    let state = match &args.state {
        Some(s) => Some(OutboxState::parse(s).with_context(|| {
            format!("unknown state {s:?}: pending, delivering, acknowledged or failed")
        })?),
        None => None,
    };
    let outbox = Outbox::open(&config.store)?;
    let records = outbox.list(state)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&records)?);
        return Ok(Outcome::Ok);
    }
    if records.is_empty() {
        println!("the outbox is empty");
        return Ok(Outcome::Ok);
    }
    println!(
        "{:>5}  {:<14} {:<12} {:>8} {:>12}  {:<20}  name / last error",
        "id", "target", "state", "attempts", "bytes", "when"
    );
    for r in &records {
        let when = match r.state {
            OutboxState::Acknowledged => r.acknowledged.clone(),
            OutboxState::Pending | OutboxState::Delivering => r.next_attempt.clone(),
            OutboxState::Failed => r.last_attempt.clone(),
        }
        .unwrap_or_default();
        let when = match when.get(..19) {
            Some(s) => format!("{s}Z"),
            None => when,
        };
        let mut line = format!(
            "{:>5}  {:<14} {:<12} {:>8} {:>12}  {:<20}  {}",
            r.id,
            r.target,
            r.state.name(),
            r.attempts,
            r.bytes,
            when,
            r.name
        );
        if r.state != OutboxState::Acknowledged
            && let Some(e) = &r.last_error
        {
            let first = e.lines().next().unwrap_or_default();
            line.push_str(&format!(" — {first}"));
        }
        println!("{line}");
    }
    Ok(Outcome::Ok)
}

fn retry(args: RetryArgs) -> anyhow::Result<Outcome> {
    let config = load_config(args.config.as_ref())?;
    let targets = Targets::from_config(&config.targets)?;
    let outbox = Outbox::open(&config.store)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let bar = progress_bar(None);
    let opts = DeliverOptions {
        progress: Some(bar.clone()),
    };
    if let Some(id) = args.id {
        let record = outbox.get(id)?;
        if record.state == OutboxState::Acknowledged {
            if !args.json {
                println!("message {id} was already acknowledged; nothing to do");
            }
            return report(&record, args.json);
        }
        outbox.retry(Retry::One(id))?;
        let record = runtime.block_on(outbox.deliver(id, &targets, &opts))?;
        bar.finish_and_clear();
        return report(&record, args.json);
    }
    outbox.retry(if args.all { Retry::All } else { Retry::Waiting })?;
    let delivery = runtime.block_on(outbox.deliver_pending(&targets, &opts))?;
    bar.finish_and_clear();
    summarize(&delivery, args.json)
}

fn summarize(d: &DeliveryReport, json: bool) -> anyhow::Result<Outcome> {
    for s in &d.skipped {
        eprintln!("warning: {s}");
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&d.messages)?);
    } else if d.messages.is_empty() {
        println!("nothing to deliver");
    } else {
        for r in &d.messages {
            println!("{}", describe(r));
        }
        println!(
            "{} acknowledged, {} refused, {} still waiting",
            d.count(OutboxState::Acknowledged),
            d.count(OutboxState::Failed),
            d.count(OutboxState::Pending) + d.count(OutboxState::Delivering)
        );
    }
    let worst = d.messages.iter().map(|r| r.state).max_by_key(|s| match s {
        OutboxState::Acknowledged => 0,
        OutboxState::Pending | OutboxState::Delivering => 1,
        OutboxState::Failed => 2,
    });
    if !d.skipped.is_empty() && worst.is_none() {
        bail!("messages wait for targets that are not configured (see the warnings)");
    }
    Ok(worst.map_or(Outcome::Ok, outcome))
}
