//! The validation gate of an exchange: checks every event with the
//! [`Validator`] and lets through what the exchange's [`Policy`] allows.
//!
//! - `reject`: everything streams on, but the downstream `finish` (the store's
//!   commit, the spool's flush) is called only when the message has no error,
//!   so an invalid message leaves nothing behind.
//! - `quarantine`: one series is held at a time; when it closes, the errors
//!   located in it decide: an error on an observation drops that observation,
//!   an error on the series (its key, a missing series attribute) drops the
//!   series. An error located on neither (the header, a dataset attribute)
//!   concerns the whole message, which is then held back as under `reject`.
//!   Findings are all kept for this, so memory grows with the number of errors.
//! - `warn`: everything passes; findings are only recorded, and observations
//!   are counted invalid as under `quarantine`.

use std::collections::HashSet;

use crate::config::Policy;
use crate::data::{
    DataEvent, DataReader, DataSetHeader, DataSink, Flow, GroupKey, Header, Obs, SeriesKey, Summary,
};
use crate::validate::{Options, Report, Schema, Severity, Validator};

/// What went through the gate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GateCounts {
    /// Observations read.
    pub read: u64,
    /// Observations found invalid (held back, except under `warn`).
    pub invalid: u64,
    /// Observations passed downstream.
    pub passed: u64,
    /// True when the whole message was held back.
    pub rejected: bool,
}

/// A series held under `quarantine` until it closes.
struct Held {
    key: SeriesKey,
    label: String,
    dataset: u64,
    obs: Vec<Obs>,
}

/// The gate: a [`DataSink`] in front of `out`.
pub struct Gate<'s, O> {
    policy: Policy,
    schema: &'s Schema,
    validator: Validator<'s>,
    out: O,
    held: Option<Held>,
    /// Findings already judged by quarantine.
    judged: usize,
    dataset: u64,
    counts: GateCounts,
}

impl<'s, O: DataSink> Gate<'s, O> {
    /// A gate applying `policy` with `schema` in front of `out`.
    pub fn new(policy: Policy, schema: &'s Schema, out: O) -> Self {
        let opts = Options {
            // Every error is attributed to its series or observation.
            keep_per_rule: if policy != Policy::Reject {
                usize::MAX
            } else {
                Options::default().keep_per_rule
            },
            ..Options::default()
        };
        Gate {
            policy,
            schema,
            validator: Validator::new(schema, opts),
            out,
            held: None,
            judged: 0,
            dataset: 0,
            counts: GateCounts::default(),
        }
    }

    /// The counts, the validation report and the downstream sink.
    pub fn into_parts(self) -> (GateCounts, Report, O) {
        (self.counts, self.validator.into_report(), self.out)
    }

    fn label(&self, key: &SeriesKey) -> String {
        let mut label = String::new();
        for d in &self.schema.dimensions {
            if let Some(v) = key.key.get(&d.spec.id) {
                if !label.is_empty() {
                    label.push('.');
                }
                label.push_str(v);
            }
        }
        label
    }

    /// Decides the held series from the errors located in it.
    fn release(&mut self) -> Result<(), O::Error> {
        let Some(held) = self.held.take() else {
            return Ok(());
        };
        let mut whole = false;
        let mut periods: HashSet<&str> = HashSet::new();
        let findings = &self.validator.report().findings;
        for f in &findings[self.judged.min(findings.len())..] {
            if f.severity() != Severity::Error
                || f.location.dataset != Some(held.dataset)
                || f.location.series.as_deref() != Some(held.label.as_str())
            {
                continue;
            }
            match &f.location.period {
                Some(p) => {
                    periods.insert(p.as_str());
                }
                None => whole = true,
            }
        }
        let time = self.schema.time_dimension();
        let series_time = time.and_then(|t| held.key.key.get(t));
        let good: Vec<&Obs> = if whole {
            Vec::new()
        } else {
            held.obs
                .iter()
                .filter(|o| {
                    let p = time.and_then(|t| o.key.get(t)).or(series_time);
                    !p.is_some_and(|p| periods.contains(p))
                })
                .collect()
        };
        self.counts.invalid += (held.obs.len() - good.len()) as u64;
        if self.policy == Policy::Warn {
            self.out.series(&held.key)?;
            for o in &held.obs {
                self.out.obs(o)?;
            }
            return Ok(());
        }
        let forward = if held.obs.is_empty() {
            !whole
        } else {
            !good.is_empty()
        };
        if forward {
            self.out.series(&held.key)?;
            for o in good {
                self.counts.passed += 1;
                self.out.obs(o)?;
            }
        }
        Ok(())
    }

    /// Whether any kept error concerns neither a series nor an observation.
    fn message_level_error(&self) -> bool {
        self.validator
            .report()
            .findings
            .iter()
            .any(|f| f.severity() == Severity::Error && f.location.series.is_none())
    }
}

impl<O: DataSink> DataSink for Gate<'_, O> {
    type Error = O::Error;

    fn header(&mut self, h: &Header) -> Result<Flow, O::Error> {
        let _ = self.validator.header(h);
        self.out.header(h)?;
        Ok(Flow::Continue)
    }

    fn dataset(&mut self, d: &DataSetHeader) -> Result<Flow, O::Error> {
        // The validator closes a dataset left open (its last series) first.
        let _ = self.validator.dataset(d);
        self.release()?;
        self.dataset += 1;
        self.out.dataset(d)?;
        Ok(Flow::Continue)
    }

    fn group(&mut self, g: &GroupKey) -> Result<Flow, O::Error> {
        let _ = self.validator.group(g);
        self.out.group(g)?;
        Ok(Flow::Continue)
    }

    fn series(&mut self, s: &SeriesKey) -> Result<Flow, O::Error> {
        let mark = self.validator.report().findings.len();
        // The validator closes the previous series (its missing attributes)
        // before it checks this one.
        let _ = self.validator.series(s);
        if self.policy != Policy::Reject {
            self.release()?;
            self.judged = mark;
            self.held = Some(Held {
                key: s.clone(),
                label: self.label(s),
                dataset: self.dataset,
                obs: Vec::new(),
            });
            return Ok(Flow::Continue);
        }
        self.out.series(s)?;
        Ok(Flow::Continue)
    }

    fn obs(&mut self, o: &Obs) -> Result<Flow, O::Error> {
        self.counts.read += 1;
        let errors = self.validator.report().errors();
        let mark = self.validator.report().findings.len();
        let _ = self.validator.obs(o);
        let own_error = self.validator.report().errors() > errors;
        match (self.policy, &mut self.held) {
            (Policy::Reject, _) => {
                self.counts.passed += 1;
                self.out.obs(o)?;
            }
            (_, Some(held)) => held.obs.push(o.clone()),
            (policy, None) => {
                // An observation outside any series (AllDimensions) is judged alone.
                if own_error {
                    self.counts.invalid += 1;
                }
                if !own_error || policy == Policy::Warn {
                    self.counts.passed += 1;
                    self.out.obs(o)?;
                }
                self.judged = mark;
            }
        }
        Ok(Flow::Continue)
    }

    fn end_dataset(&mut self) -> Result<Flow, O::Error> {
        let _ = self.validator.end_dataset();
        self.release()?;
        self.out.end_dataset()?;
        Ok(Flow::Continue)
    }

    fn finish(&mut self, s: &Summary) -> Result<(), O::Error> {
        let _ = self.validator.finish(s);
        self.release()?;
        let reject = match self.policy {
            Policy::Reject => !self.validator.report().is_valid(),
            Policy::Quarantine => self.message_level_error(),
            Policy::Warn => false,
        };
        if reject {
            self.counts.rejected = true;
            self.counts.invalid = self.counts.read;
            self.counts.passed = 0;
            // Without `finish` downstream nothing is committed or flushed.
            return Ok(());
        }
        if self.policy == Policy::Warn {
            self.counts.passed = self.counts.read;
        }
        self.out.finish(s)
    }
}

/// Moves every event of `reader` through `gate`, telling the validator the
/// reader's position after each event (so findings carry line or row).
pub fn run_gate<R: DataReader + ?Sized, O: DataSink>(
    reader: &mut R,
    gate: &mut Gate<'_, O>,
) -> Result<Summary, O::Error> {
    let mut summary = Summary::default();
    loop {
        match reader.next_event()? {
            None => break,
            Some(DataEvent::Header(h)) => gate.header(h)?,
            Some(DataEvent::DataSet(d)) => {
                summary.datasets += 1;
                gate.dataset(d)?
            }
            Some(DataEvent::Group(g)) => {
                summary.groups += 1;
                gate.group(g)?
            }
            Some(DataEvent::Series(s)) => {
                summary.series += 1;
                gate.series(s)?
            }
            Some(DataEvent::Obs(o)) => {
                summary.observations += 1;
                gate.obs(o)?
            }
            Some(DataEvent::EndDataSet) => gate.end_dataset()?,
        };
        gate.validator.set_position(reader.position());
    }
    gate.finish(&summary)?;
    Ok(summary)
}
