//! Running one exchange once: each input is read as a stream of events, goes
//! through the validation [`Gate`], into the store (one transaction per
//! message) and a spool file handed to each target; the run is recorded in
//! the store's `exchange_runs`.

use std::io::BufWriter;
use std::path::PathBuf;

use crate::config::ExchangeConfig;
use crate::data::{
    DataError, DataReader, DataSetHeader, DataSink, Flow, GroupKey, Header, Obs, SeriesKey,
    StructureUse, Summary,
};
use crate::format::{self, WriteOptions};
use crate::model::{ArtefactClass, DataStructure};
use crate::store::{
    ContentHash, FindingsSummary, FlowDef, IngestOutcome, IngestSink, RunCounts, RunRecord,
    RunStatus, SqliteStore, Store, Submission, now_micros,
};
use crate::structure::Registry;
use crate::validate::{Report, Schema, Severity};

use super::ExchangeError;
use super::deliver::{Deliver, SPOOL_FORMAT, Spooled};
use super::gate::{Gate, run_gate};
use super::input::{Body, Input, Opened, Pull, open_table};

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The schedule fired.
    Schedule,
    /// The schedule fired while the gateway was down; run once on restart.
    CatchUp,
    /// `run_at_start`.
    Start,
    /// `sdmxgw exchange run` or `POST /exchanges/{name}/run`.
    Manual,
}

impl Trigger {
    /// The word recorded.
    pub fn name(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::CatchUp => "catch-up",
            Trigger::Start => "start",
            Trigger::Manual => "manual",
        }
    }
}

/// Everything a run needs besides the exchange's own settings.
pub struct Runner<'a> {
    /// The structures messages are read and validated with.
    pub registry: &'a Registry,
    /// The store's database file.
    pub store: PathBuf,
    /// The pull sources, when any are configured.
    pub pull: Option<&'a dyn Pull>,
    /// The delivery targets by name.
    pub targets: Vec<(String, &'a dyn Deliver)>,
}

/// What one input did.
#[derive(Default)]
struct InputResult {
    counts: RunCounts,
    invalid: bool,
    error: Option<String>,
}

impl Runner<'_> {
    /// Runs exchange `name` once and records the run; returns the record.
    /// Errors of single inputs or targets are recorded in the run (status
    /// `failed`), not returned; only a store that cannot record is an error.
    pub fn run(
        &self,
        name: &str,
        exchange: &ExchangeConfig,
        trigger: Trigger,
    ) -> Result<RunRecord, ExchangeError> {
        let mut store = SqliteStore::open(&self.store)?;
        let id = store.begin_run(name, trigger.name(), now_micros())?;
        tracing::info!(
            exchange = name,
            trigger = trigger.name(),
            "exchange run started"
        );
        let inputs = exchange
            .tables
            .iter()
            .cloned()
            .map(Input::Table)
            .chain(exchange.pulls.iter().cloned().map(Input::Pull));
        let mut counts = RunCounts::default();
        let mut findings = FindingsSummary::default();
        let (mut invalid, mut errors) = (false, Vec::new());
        for input in inputs {
            let label = input.label();
            let r = match self.one(name, exchange, &input, &mut store, &mut findings) {
                Ok(r) => r,
                // An input error names the input already.
                Err(ExchangeError::Input { message, .. }) => InputResult {
                    error: Some(message),
                    ..InputResult::default()
                },
                Err(e) => InputResult {
                    error: Some(e.to_string()),
                    ..InputResult::default()
                },
            };
            counts.pulled += r.counts.pulled;
            counts.valid += r.counts.valid;
            counts.invalid += r.counts.invalid;
            counts.stored += r.counts.stored;
            counts.pushed += r.counts.pushed;
            invalid |= r.invalid;
            if let Some(e) = r.error {
                tracing::warn!(exchange = name, input = %label, "the input failed: {e}");
                errors.push(format!("{label}: {e}"));
            }
        }
        for target in &exchange.targets {
            if let Some((_, d)) = self.targets.iter().find(|(n, _)| n == target)
                && let Err(e) = d.retry_waiting()
            {
                tracing::warn!(exchange = name, target = %target, "waiting messages: {e}");
            }
        }
        let status = if !errors.is_empty() {
            RunStatus::Failed
        } else if invalid {
            RunStatus::Invalid
        } else {
            RunStatus::Ok
        };
        let error = (!errors.is_empty()).then(|| errors.join("; "));
        store.finish_run(
            id,
            now_micros(),
            status,
            &counts,
            &findings,
            error.as_deref(),
        )?;
        tracing::info!(
            exchange = name,
            status = status.name(),
            pulled = counts.pulled,
            valid = counts.valid,
            invalid = counts.invalid,
            stored = counts.stored,
            pushed = counts.pushed,
            "exchange run finished"
        );
        store
            .runs(Some(name), 1)?
            .into_iter()
            .next()
            .ok_or_else(|| ExchangeError::Internal("the run record vanished".into()))
    }

    fn open<'r>(&'r self, input: &Input) -> Result<Opened<'r>, ExchangeError> {
        match input {
            Input::Table(path) => open_table(path, self.registry),
            Input::Pull(spec) => match self.pull {
                Some(p) => p.pull(spec, self.registry),
                None => Err(ExchangeError::Input {
                    input: input.label(),
                    message: format!("no pull source {:?} is available", spec.source),
                }),
            },
        }
    }

    fn one(
        &self,
        name: &str,
        exchange: &ExchangeConfig,
        input: &Input,
        store: &mut SqliteStore,
        findings: &mut FindingsSummary,
    ) -> Result<InputResult, ExchangeError> {
        let label = input.label();
        let opened = self.open(input)?;
        let (dataflow, body, remember) = (opened.dataflow, opened.body, opened.remember);
        if matches!(body, Body::Unchanged) {
            tracing::info!(exchange = name, input = %label, "the source has nothing new");
            return Ok(InputResult::default());
        }
        let (sha256, mut body) = match (opened.sha256, body) {
            (Some(sha), body) => (sha, body),
            (
                None,
                Body::File {
                    mut file,
                    source,
                    format,
                },
            ) => (
                hash_file(&mut file, &source)?,
                Body::File {
                    file,
                    source,
                    format,
                },
            ),
            (None, Body::Events(_) | Body::Unchanged) => {
                return Err(ExchangeError::Internal(format!(
                    "{label}: an event stream came without its content hash"
                )));
            }
        };
        if store.input_seen(name, &label)?.as_deref() == Some(sha256.as_str()) {
            tracing::info!(exchange = name, input = %label, "unchanged since the last run");
            return Ok(InputResult::default());
        }
        let structure_err = |message: String| ExchangeError::Structure {
            dataflow: dataflow.clone(),
            message,
        };
        let flow = self
            .registry
            .dataflow(&dataflow)
            .map_err(|e| structure_err(e.to_string()))?;
        let dsd = self
            .registry
            .structure_of(flow)
            .map_err(|e| structure_err(e.to_string()))?;
        let reference = flow.meta.reference(ArtefactClass::Dataflow);
        let flow_short = reference.short();
        let schema = Schema::from_registry(self.registry, &reference.urn(), None)
            .map_err(|e| structure_err(e.to_string()))?;
        if exchange.store {
            store.register_dataflow(&FlowDef {
                flow: flow_short.clone(),
                dimensions: key_dimensions(dsd),
            })?;
        }
        let message_id = format!("SDMXGW-{name}-{}", &sha256[..16]);
        let usage = StructureUse::Dataflow(reference);
        let spool = if exchange.targets.is_empty() {
            None
        } else {
            Some(
                tempfile::NamedTempFile::new().map_err(|e| ExchangeError::Io {
                    context: "cannot create a spool file".into(),
                    source: e,
                })?,
            )
        };
        let (gate_counts, report, outcome) = {
            let writer = match &spool {
                Some(f) => {
                    let file = f.reopen().map_err(|e| ExchangeError::Io {
                        context: format!("cannot open the spool file {}", f.path().display()),
                        source: e,
                    })?;
                    Some(format::open_writer(
                        SPOOL_FORMAT,
                        BufWriter::new(file),
                        WriteOptions {
                            dsd: Some(dsd),
                            structure: Some(&usage),
                            dimension_at_observation: None,
                        },
                    )?)
                }
                None => None,
            };
            let ingest = if exchange.store {
                Some(store.ingest(Submission {
                    who: format!("exchange:{name}"),
                    dataflow: Some(flow_short.clone()),
                    content: ContentHash::Known(sha256.clone()),
                })?)
            } else {
                None
            };
            let outputs = Outputs {
                message_id: message_id.clone(),
                store: ingest,
                spool: writer,
            };
            let mut reader = open_body(&mut body, dsd, &usage)?;
            let mut gate = Gate::new(exchange.validation, &schema, outputs);
            run_gate(&mut reader, &mut gate)?;
            let (counts, report, outputs) = gate.into_parts();
            let outcome = outputs.store.as_ref().and_then(|s| s.outcome().cloned());
            (counts, report, outcome)
        };
        summarise(&report, &schema, findings);
        let mut result = InputResult {
            counts: RunCounts {
                pulled: gate_counts.read,
                valid: gate_counts.read - gate_counts.invalid,
                invalid: gate_counts.invalid,
                stored: match &outcome {
                    Some(IngestOutcome::Applied(r)) => r.observations_written,
                    _ => 0,
                },
                pushed: 0,
            },
            invalid: gate_counts.rejected
                || (exchange.validation == crate::config::Policy::Quarantine
                    && gate_counts.invalid > 0),
            error: None,
        };
        if gate_counts.rejected {
            tracing::warn!(
                exchange = name,
                input = %label,
                errors = report.errors(),
                "the message is invalid; nothing of it was stored or delivered"
            );
            return Ok(result);
        }
        if let Some(file) = spool {
            let spooled = Spooled {
                path: file.path().to_owned(),
                format: SPOOL_FORMAT,
                dataflow: flow_short,
                message_id,
                observations: gate_counts.passed,
            };
            let mut failed = Vec::new();
            for target in &exchange.targets {
                let Some((_, deliver)) = self.targets.iter().find(|(n, _)| n == target) else {
                    failed.push(format!("target {target} is not available"));
                    continue;
                };
                match deliver.deliver(&spooled) {
                    Ok(()) => result.counts.pushed += gate_counts.passed,
                    Err(e) => failed.push(format!("target {target}: {e}")),
                }
            }
            if !failed.is_empty() {
                result.error = Some(failed.join("; "));
                return Ok(result);
            }
        }
        store.record_input(name, &label, &sha256, now_micros())?;
        if let Some(state) = remember {
            store.record_pull(&state)?;
        }
        Ok(result)
    }
}

/// The SHA-256 of a file body; leaves the file at its start.
fn hash_file(file: &mut std::fs::File, source: &str) -> Result<String, ExchangeError> {
    use sha2::{Digest, Sha256};
    use std::io::{Seek, SeekFrom};
    let io = |e| ExchangeError::Io {
        context: format!("cannot read {source}"),
        source: e,
    };
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = std::io::Read::read(file, &mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The reader of a body: the events as they are, or the file's format reader.
fn open_body<'b>(
    body: &'b mut Body<'_>,
    dsd: &'b DataStructure,
    usage: &'b StructureUse,
) -> Result<Box<dyn DataReader + 'b>, ExchangeError> {
    use std::io::{BufReader, Read, Seek, SeekFrom};
    match body {
        Body::Events(reader) => Ok(Box::new(Borrowed(&mut **reader))),
        Body::Unchanged => Err(ExchangeError::Internal(
            "an unchanged body has no events".into(),
        )),
        Body::File {
            file,
            source,
            format,
        } => {
            let io = |e| ExchangeError::Io {
                context: format!("cannot read {source}"),
                source: e,
            };
            let format = match format {
                Some(f) => *f,
                None => {
                    file.seek(SeekFrom::Start(0)).map_err(io)?;
                    let mut head = Vec::with_capacity(16 * 1024);
                    (&mut *file)
                        .take(16 * 1024)
                        .read_to_end(&mut head)
                        .map_err(io)?;
                    crate::format::DataFormat::sniff(&head).ok_or_else(|| ExchangeError::Input {
                        input: source.clone(),
                        message:
                            "not a data message this gateway reads (SDMX-ML, SDMX-CSV, SDMX-JSON)"
                                .into(),
                    })?
                }
            };
            file.seek(SeekFrom::Start(0)).map_err(io)?;
            Ok(format::open_reader(
                format,
                BufReader::new(&mut *file),
                crate::format::ReadOptions {
                    source: source.as_str(),
                    dsd: Some(dsd),
                    structure: Some(usage),
                },
            )?)
        }
    }
}

/// A reader lent out for one run.
struct Borrowed<'a, 'r>(&'a mut (dyn DataReader + 'r));

impl DataReader for Borrowed<'_, '_> {
    fn next_event(&mut self) -> Result<Option<crate::data::DataEvent<'_>>, DataError> {
        self.0.next_event()
    }
    fn position(&self) -> crate::data::Position {
        self.0.position()
    }
}

fn key_dimensions(dsd: &DataStructure) -> Vec<String> {
    dsd.dimensions
        .iter()
        .filter(|d| d.kind != crate::model::DimensionKind::Time)
        .map(|d| d.id.clone())
        .collect()
}

/// Adds a message's findings to the run's summary.
fn summarise(report: &Report, schema: &Schema, into: &mut FindingsSummary) {
    let _ = schema;
    into.errors += report.errors();
    into.warnings += report.warnings();
    for (rule, n) in &report.counts {
        *into.by_rule.entry(rule.code().to_owned()).or_default() += n;
    }
    for f in report
        .findings
        .iter()
        .filter(|f| f.severity() == Severity::Error)
        .chain(
            report
                .findings
                .iter()
                .filter(|f| f.severity() != Severity::Error),
        )
    {
        if into.first.len() >= 10 {
            break;
        }
        into.first
            .push(format!("{} {}: {}", f.rule.code(), f.location, f.message));
    }
}

/// The store and the spool writer side by side, behind the gate.
struct Outputs<'a> {
    message_id: String,
    store: Option<Box<dyn IngestSink + 'a>>,
    spool: Option<Box<dyn DataSink<Error = DataError> + 'a>>,
}

impl DataSink for Outputs<'_> {
    type Error = ExchangeError;

    fn header(&mut self, h: &Header) -> Result<Flow, ExchangeError> {
        // The message id names the content, so a target that sees the same
        // message again recognises it.
        let mut h = h.clone();
        h.id = self.message_id.clone();
        if let Some(s) = &mut self.store {
            s.header(&h)?;
        }
        if let Some(w) = &mut self.spool {
            w.header(&h)?;
        }
        Ok(Flow::Continue)
    }

    fn dataset(&mut self, d: &DataSetHeader) -> Result<Flow, ExchangeError> {
        if let Some(s) = &mut self.store {
            s.dataset(d)?;
        }
        if let Some(w) = &mut self.spool {
            w.dataset(d)?;
        }
        Ok(Flow::Continue)
    }

    fn group(&mut self, g: &GroupKey) -> Result<Flow, ExchangeError> {
        if let Some(s) = &mut self.store {
            s.group(g)?;
        }
        if let Some(w) = &mut self.spool {
            w.group(g)?;
        }
        Ok(Flow::Continue)
    }

    fn series(&mut self, k: &SeriesKey) -> Result<Flow, ExchangeError> {
        if let Some(s) = &mut self.store {
            s.series(k)?;
        }
        if let Some(w) = &mut self.spool {
            w.series(k)?;
        }
        Ok(Flow::Continue)
    }

    fn obs(&mut self, o: &Obs) -> Result<Flow, ExchangeError> {
        if let Some(s) = &mut self.store {
            s.obs(o)?;
        }
        if let Some(w) = &mut self.spool {
            w.obs(o)?;
        }
        Ok(Flow::Continue)
    }

    fn end_dataset(&mut self) -> Result<Flow, ExchangeError> {
        if let Some(s) = &mut self.store {
            s.end_dataset()?;
        }
        if let Some(w) = &mut self.spool {
            w.end_dataset()?;
        }
        Ok(Flow::Continue)
    }

    fn finish(&mut self, sum: &Summary) -> Result<(), ExchangeError> {
        // The spool first: if it cannot be written, the store is not committed.
        if let Some(w) = &mut self.spool {
            w.finish(sum)?;
        }
        if let Some(s) = &mut self.store {
            s.finish(sum)?;
        }
        Ok(())
    }
}
