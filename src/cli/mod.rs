//! The command-line interface: one file per subcommand.
//!
//! Exit codes: 0 success; 1 the input was read but is invalid (findings); 2 the
//! command could not run (unreadable input, bad arguments, I/O failure); 3 a
//! message is queued in the outbox but not delivered yet.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod convert;
mod coverage;
mod exchange;
mod ilms;
mod io;
mod map;
mod outbox;
mod pick;
mod pull;
mod push;
mod schema;
mod serve;
mod structure;
mod template;
mod validate;

/// What a subcommand concluded, mapped to the exit code.
pub enum Outcome {
    /// Everything was fine (exit 0).
    Ok,
    /// The input was read and has problems (exit 1).
    Invalid,
    /// Queued but not delivered yet: the target is unreachable or busy (exit 3).
    Pending,
}

#[derive(Parser)]
#[command(
    name = "sdmxgw",
    version,
    about = "sdmx-gateway: map, pull, validate, store, serve and push official statistics in SDMX",
    long_about = "sdmx-gateway exchanges official statistics in SDMX. It ships the ILO's \
International Labour Migration Statistics (ILMS) structures and works on them by default.\n\n\
Exit codes: 0 success, 1 invalid input (findings reported), 2 could not run, 3 queued in \
the outbox but not delivered yet (push, outbox retry).\n\
Logs go to stderr; set RUST_LOG=debug for more."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load, check, list, show and convert structure messages (DSDs, codelists, dataflows…).
    #[command(subcommand)]
    Structure(structure::StructureCommand),
    /// Stream a data message from one SDMX format into another (or just count it).
    Convert(convert::ConvertArgs),
    /// Map a national table (CSV, XLSX) onto a dataflow with a mapping file.
    Map(map::MapArgs),
    /// Write an Excel questionnaire for a dataflow (read back with `map`).
    Template(template::TemplateArgs),
    /// Show which dataflows × countries × years the store holds (the gaps).
    Coverage(coverage::CoverageArgs),
    /// Check a data message against its structure (codes, constraints, attributes, values,
    /// time, duplicates, ILMS consistency) and report every problem.
    Validate(validate::ValidateArgs),
    /// Write the DSD-specific XML schema for structure-specific data of a dataflow.
    Schema(schema::SchemaArgs),
    /// Work on the shipped ILMS structure set (generate the SDMX-ML files from dsd/ilms.toml).
    #[command(subcommand)]
    Ilms(ilms::IlmsCommand),
    /// List the scheduled exchanges, run one now, or show its run history.
    #[command(subcommand)]
    Exchange(exchange::ExchangeCommand),
    /// Pull data from a configured source (SDMX REST, PX-Web, table files) into a file or the store.
    Pull(pull::PullArgs),
    /// Push a data message to a target (SDMX REST collector or folder) through the outbox.
    Push(push::PushArgs),
    /// List the outbox of messages to push, or deliver them now.
    #[command(subcommand)]
    Outbox(outbox::OutboxCommand),
    /// Serve SDMX REST (structures, data, availability, schemas) and accept POST /data.
    Serve(serve::ServeArgs),
}

/// Parses the arguments, runs the subcommand and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // The gateway logs its exchanges; one-shot commands only warn.
    let default_filter = match cli.command {
        Command::Serve(_) => "warn,sdmx_gateway=info,sdmxgw=info",
        _ => "warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default_filter.into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Structure(c) => structure::run(c),
        Command::Ilms(c) => ilms::run(c),
        Command::Convert(a) => convert::run(a),
        Command::Validate(a) => validate::run(a),
        Command::Schema(a) => schema::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Pull(a) => pull::run(a),
        Command::Push(a) => push::run(a),
        Command::Outbox(c) => outbox::run(c),
        Command::Map(a) => map::run(a),
        Command::Template(a) => template::run(a),
        Command::Coverage(a) => coverage::run(a),
        Command::Exchange(c) => exchange::run(c),
    };
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Invalid) => ExitCode::from(1),
        Ok(Outcome::Pending) => ExitCode::from(3),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
