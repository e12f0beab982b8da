//! `sdmxgw push FILE --to TARGET`: validate, queue in the outbox, deliver now.

use std::io::BufReader;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;

use sdmx_gateway::data::read_ahead;
use sdmx_gateway::format::{self, DataFormat, ReadOptions};
use sdmx_gateway::push::{DeliverOptions, Outbox, Targets, summarize_receipt};
use sdmx_gateway::store::{OutboxRecord, OutboxState};
use sdmx_gateway::validate::render;
use sdmx_gateway::validate::{Options, Schema, Validator, validate};

use super::Outcome;
use super::io::progress_bar;
use super::pick::pick_dsd;
use super::serve::load_config;
use super::structure::{StructureArgs, load_for_data};

/// Arguments of `sdmxgw push`.
#[derive(Args)]
#[command(
    long_about = "Pushes a data message to a target configured as [targets.NAME] in the \
gateway's configuration: an SDMX REST collector (POST {url}/data, any compliant one, \
`sdmxgw serve` included) or a folder a collector picks files from (atomic write, manifest \
with SHA-256 per file). The message is validated against the configured structures first: \
an invalid message is refused here and nothing is queued. A valid one is copied into the \
outbox (beside the store) before the first attempt, then delivered; a transfer cut short, \
a collector that is down, a killed process — the message stays in the outbox and `sdmxgw \
outbox retry` sends the same bytes again, which the collector applies once. A progress bar \
shows the upload on a terminal. See docs/push.md.",
    after_help = "Examples:\n  \
sdmxgw push phl.xml --to ilostat --config gateway.toml\n  \
sdmxgw push phl.csv --to dropbox --config gateway.toml --json\n  \
sdmxgw outbox list --config gateway.toml              # what is waiting, failed, acknowledged\n\n\
Exit codes: 0 acknowledged by the target (or already was), 1 refused (invalid message, or the \
collector said no: its findings are printed), 2 could not run, 3 queued but not delivered yet \
(the collector is unreachable or busy; retry with `sdmxgw outbox retry`)."
)]
pub struct PushArgs {
    /// The data message (any SDMX-ML, SDMX-CSV or SDMX-JSON flavour).
    file: PathBuf,
    /// The target: a [targets.NAME] of the configuration.
    #[arg(long, value_name = "TARGET")]
    to: String,
    /// The gateway's configuration (default: the embedded default, as `serve`).
    #[arg(long)]
    config: Option<PathBuf>,
    /// The dataflow, DSD or provision agreement to validate against; default:
    /// the one the message names.
    #[arg(long)]
    dataflow: Option<String>,
    /// Print the outcome as JSON (the outbox record) on stdout.
    #[arg(long)]
    json: bool,
}

/// Runs `sdmxgw push`.
pub fn run(args: PushArgs) -> anyhow::Result<Outcome> {
    let config = load_config(args.config.as_ref())?;
    let targets = Targets::from_config(&config.targets)?;
    targets.require(&args.to)?;
    let name = args.file.display().to_string();
    if let Some(report) = check(&args, &config.structures)? {
        eprintln!("{name}: refused, nothing was queued: the message breaks validation rules");
        eprint!("{report}");
        return Ok(Outcome::Invalid);
    }
    let outbox = Outbox::open(&config.store)?;
    let queued = outbox.enqueue(&args.file, &args.to)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let bar = progress_bar(None);
    let opts = DeliverOptions {
        progress: Some(bar.clone()),
    };
    let record = runtime.block_on(outbox.deliver(queued.id, &targets, &opts))?;
    bar.finish_and_clear();
    report(&record, args.json)
}

/// Validates the file; `Some(text report)` when it is invalid.
fn check(args: &PushArgs, structures: &[PathBuf]) -> anyhow::Result<Option<String>> {
    let name = args.file.display().to_string();
    let mut head = vec![0u8; 64 * 1024];
    let file = std::fs::File::open(&args.file).with_context(|| format!("cannot open {name}"))?;
    let n = read_head(&file, &mut head).with_context(|| format!("cannot read {name}"))?;
    head.truncate(n);
    let format = DataFormat::sniff(&head).with_context(|| {
        format!(
            "{name}: not a data message this gateway reads (SDMX-ML 2.1/3.0 data, SDMX-CSV \
             1.0/2.0, SDMX-JSON 1.0/2.0)"
        )
    })?;
    let hint = format::sniff_structure(&head, format);
    let structure_args = StructureArgs {
        structure: structures.to_vec(),
    };
    let Some(registry) = load_for_data(&structure_args, true)? else {
        bail!("push validates against structures, and none are configured");
    };
    let Some(chosen) = pick_dsd(Some(&registry), args.dataflow.as_deref(), hint.as_ref())? else {
        bail!("{name}: the message names no structure: give --dataflow");
    };
    let schema = Schema::from_registry(&registry, &chosen.usage.reference().urn(), None)
        .with_context(|| format!("cannot prepare {}", chosen.usage.reference().short()))?;
    let file = std::fs::File::open(&args.file).with_context(|| format!("cannot open {name}"))?;
    let opts = ReadOptions {
        source: &name,
        dsd: Some(chosen.dsd),
        structure: Some(&chosen.usage),
    };
    let reader = format::open_reader(format, BufReader::new(file), opts)
        .with_context(|| format!("cannot read {name} as {format}"))?;
    let mut validator = Validator::new(&schema, Options::default());
    // Parsing runs a batch ahead on a second core while this one validates.
    read_ahead(reader, |r| validate(r, &mut validator))
        .with_context(|| format!("{name}: refused, nothing was queued: it cannot be read"))?;
    let report = validator.into_report();
    if report.is_valid() {
        return Ok(None);
    }
    let mut out = Vec::new();
    render::text(&report, &mut out)?;
    Ok(Some(String::from_utf8_lossy(&out).into_owned()))
}

fn read_head(mut file: &std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    use std::io::Read;
    let mut n = 0;
    while n < buf.len() {
        let got = file.read(&mut buf[n..])?;
        if got == 0 {
            break;
        }
        n += got;
    }
    Ok(n)
}

/// Prints where a message stands and maps it to the exit code.
pub fn report(record: &OutboxRecord, json: bool) -> anyhow::Result<Outcome> {
    if json {
        let mut v = serde_json::to_value(record)?;
        if let (Some(o), Some(r)) = (v.as_object_mut(), &record.receipt) {
            o.insert("summary".into(), summarize_receipt(r).into());
        }
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!("{}", describe(record));
    }
    Ok(outcome(record.state))
}

/// One paragraph about a message, for people.
pub fn describe(r: &OutboxRecord) -> String {
    match r.state {
        OutboxState::Acknowledged => format!(
            "message {} ({}) acknowledged by {}: {}",
            r.id,
            r.name,
            r.target,
            r.receipt
                .as_deref()
                .map(summarize_receipt)
                .unwrap_or_default()
        ),
        OutboxState::Failed => format!(
            "message {} ({}) refused by {} after {} attempt(s):\n{}",
            r.id,
            r.name,
            r.target,
            r.attempts,
            r.last_error.as_deref().unwrap_or("no reason given")
        ),
        OutboxState::Pending | OutboxState::Delivering => format!(
            "message {} ({}) is queued for {}, not delivered yet ({} attempt(s)): {}\nnext attempt at {}; `sdmxgw outbox retry {}` tries now",
            r.id,
            r.name,
            r.target,
            r.attempts,
            r.last_error.as_deref().unwrap_or("not attempted yet"),
            r.next_attempt.as_deref().unwrap_or("?"),
            r.id
        ),
    }
}

/// The exit code a message's state calls for.
pub fn outcome(state: OutboxState) -> Outcome {
    match state {
        OutboxState::Acknowledged => Outcome::Ok,
        OutboxState::Failed => Outcome::Invalid,
        OutboxState::Pending | OutboxState::Delivering => Outcome::Pending,
    }
}
