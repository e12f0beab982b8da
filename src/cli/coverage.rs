//! `sdmxgw coverage`: which ILMS tables the store holds, per country and year.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;

use sdmx_gateway::exchange::coverage::{self, Coverage};
use sdmx_gateway::store::{SqliteStore, Store};

use super::Outcome;
use super::structure::{StructureArgs, load_for_data};

/// Arguments of `sdmxgw coverage`.
#[derive(Args)]
#[command(
    long_about = "Shows, for every dataflow × reporting country × year, whether the store holds \
the table (complete), part of it (partial) or nothing (missing) — the table of knowledge gaps. \
A year is complete when it holds at least as many observations as the country's fullest year \
for that dataflow.\n\n\
Dataflows come from the loaded structures (default: the shipped ILMS set); countries default \
to the ten ASEAN Member States.",
    after_help = "Examples:\n  \
sdmxgw coverage\n  \
sdmxgw coverage --from 2010 --to 2023 --csv > coverage.csv\n  \
sdmxgw coverage --area PHL --area THA --json | jq '.cells[] | select(.status == \"missing\")'"
)]
pub struct CoverageArgs {
    /// The gateway's SQLite store.
    #[arg(long, default_value = "data/gateway.db")]
    store: PathBuf,
    #[command(flatten)]
    structures: StructureArgs,
    /// First year (default: ten years before the last).
    #[arg(long)]
    from: Option<i64>,
    /// Last year (default: last year).
    #[arg(long)]
    to: Option<i64>,
    /// A reporting country's REF_AREA code; repeat for several (default: ASEAN).
    #[arg(long = "area", value_name = "CODE")]
    areas: Vec<String>,
    /// Print JSON (every cell, for programs).
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// Print CSV (every cell, for spreadsheets).
    #[arg(long)]
    csv: bool,
}

/// Runs `sdmxgw coverage`.
pub fn run(args: CoverageArgs) -> anyhow::Result<Outcome> {
    if !args.store.exists() {
        bail!(
            "no store at {}: start the gateway (sdmxgw serve) or name the store with --store",
            args.store.display()
        );
    }
    let store = SqliteStore::open(&args.store)
        .with_context(|| format!("cannot open the store {}", args.store.display()))?;
    let registry = load_for_data(&args.structures, true)?.context("no structures loaded")?;
    let dataflows = coverage::dataflows_of(&registry);
    let areas: Vec<String> = if args.areas.is_empty() {
        coverage::asean_areas()
    } else {
        args.areas.clone()
    };
    let range = coverage::years(args.from, args.to);
    let (first, last) = (*range.start(), *range.end());
    if first > last {
        bail!("--from {first} is after --to {last}");
    }
    let rows = store.coverage()?;
    let coverage = Coverage::compute(&dataflows, &areas, first..=last, &rows);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&coverage)?);
    } else if args.csv {
        print!("{}", coverage.to_csv());
    } else {
        print!("{}", coverage.to_table());
    }
    Ok(Outcome::Ok)
}
