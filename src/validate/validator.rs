//! The validator: a [`DataSink`] adapter that checks every event against a
//! [`Schema`] and passes it on to an inner sink.

use crate::data::{
    Action, CountSink, DataEvent, DataReader, DataSetHeader, DataSink, Flow, GroupKey, Header, Obs,
    ObsDimension, Position, SeriesKey, StructureUse, Summary, Values,
};
use crate::model::{ArtefactRef, AttachmentLevel, DimensionKind, UsageStatus};

use super::ids::IdCache;
use super::ilms::Ilms;
use super::report::{Finding, Location, Report};
use super::seen::Seen;
use super::time::TimePeriod;
use super::{Options, Rule, Schema};

/// Checks a stream of data events against a [`Schema`], collecting a
/// [`Report`], and forwards every event to an inner sink (a writer, the store),
/// so that any path that moves data can validate while it streams.
///
/// Feed it with [`validate`] to get file positions in the findings (plain
/// [`crate::data::pump`] works too, without them). Memory per message: the
/// duplicate check keeps each distinct series key once and one `u64` per
/// observation of the current dataset (about 20 bytes each in the set, so 2
/// million observations cost ~40 MB); the ILMS checks are bounded by
/// [`IlmsOptions::max_groups`](super::IlmsOptions).
///
/// Work that depends only on the series key (code and constraint checks, the
/// ILMS grouping) is done once per series; an observation costs its own
/// values' checks and a few hash lookups.
pub struct Validator<'s, S = CountSink> {
    schema: &'s Schema,
    opts: Options,
    inner: S,
    report: Report,
    unpositioned: usize,
    dataset: u64,
    action: Action,
    obs_dim: Option<String>,
    all_dims: bool,
    /// The current series key, in DSD order (its buffers reused from series
    /// to series).
    series_key: Values,
    series_label: Option<String>,
    /// The last series label's buffer, for the next series to reuse.
    label_spare: String,
    /// The duplicate check's number for the current series key.
    dup_series: Option<u32>,
    /// Dimensions an observation's key may hold (those the series key lacks).
    obs_dims: Vec<usize>,
    series_pos: Option<Position>,
    dataset_pos: Option<Position>,
    last_event: Last,
    freq: Option<String>,
    period: Option<String>,
    series_missing: Vec<usize>,
    dataset_missing: Vec<usize>,
    seen: Seen,
    /// Rules checked, by position in [`Rule::ALL`].
    enabled: u64,
    time_index: Option<usize>,
    /// Per attribute: the last value that passed its checks (values repeat).
    attr_ok: Vec<String>,
    found: Vec<usize>,
    ilms: Ilms,
    dims_scratch: Vec<(usize, usize)>,
    dataset_open: bool,
    header_structure: Option<StructureUse>,
    /// Each attribute's attachment level in the current dataset.
    levels: Vec<AttachmentLevel>,
    /// The mandatory observation-level attributes of the current dataset.
    obs_mandatory: Vec<usize>,
    /// The same at series level, and the dimensions a series key must hold
    /// (both fixed for a dataset).
    series_mandatory: Vec<usize>,
    series_expected: Vec<usize>,
    /// Index of the dimension at observation level, when it is one dimension.
    obs_dim_index: Option<usize>,
    /// The schema indices of the components of an observation's key, measures
    /// and attributes (resolved once per layout, not per observation).
    key_ids: IdCache,
    measure_ids: IdCache,
    attr_ids: IdCache,
    /// Index of the UNIT_MULT attribute (the ILMS checks read it).
    unit_mult_index: Option<usize>,
    /// The current observation's position in its series.
    obs_in_series: usize,
    /// Periods that passed every time check under FREQ `time_ok_freq`, by
    /// their observation's position in the series: series repeat their
    /// periods, so most observations find theirs here and skip the parse.
    time_ok: Vec<String>,
    time_ok_freq: Option<String>,
}

/// How many positions [`Validator::time_ok`] remembers.
const TIME_OK_POSITIONS: usize = 4_096;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Last {
    Other,
    DataSet,
    Series,
}

impl<'s> Validator<'s, CountSink> {
    /// A validator that only checks (its inner sink discards the events).
    pub fn new(schema: &'s Schema, opts: Options) -> Self {
        Validator::wrap(schema, opts, CountSink)
    }
}

impl<'s, S: DataSink> Validator<'s, S> {
    /// A validator that forwards every event to `inner` after checking it.
    pub fn wrap(schema: &'s Schema, opts: Options, inner: S) -> Self {
        let ilms = Ilms::new(&opts);
        // `Rule` discriminants follow `Rule::ALL`.
        let enabled = Rule::ALL
            .iter()
            .filter(|r| opts.enabled(**r))
            .fold(0u64, |m, r| m | 1 << (*r as usize));
        let mut v = Validator {
            schema,
            opts,
            inner,
            report: Report::default(),
            unpositioned: 0,
            dataset: 0,
            action: Action::Merge,
            // Time at observation level until a dataset says otherwise.
            obs_dim: schema.time_dimension().map(str::to_owned),
            all_dims: false,
            series_key: Values::new(),
            series_label: None,
            label_spare: String::new(),
            dup_series: None,
            obs_dims: Vec::new(),
            series_pos: None,
            dataset_pos: None,
            last_event: Last::Other,
            freq: None,
            period: None,
            series_missing: Vec::new(),
            dataset_missing: Vec::new(),
            seen: Seen::default(),
            enabled,
            time_index: schema
                .dimensions
                .iter()
                .position(|d| d.kind == DimensionKind::Time),
            attr_ok: vec![String::new(); schema.attributes.len()],
            found: Vec::new(),
            ilms,
            dims_scratch: Vec::new(),
            dataset_open: false,
            header_structure: None,
            levels: Vec::new(),
            obs_mandatory: Vec::new(),
            series_mandatory: Vec::new(),
            series_expected: Vec::new(),
            obs_dim_index: None,
            key_ids: IdCache::default(),
            measure_ids: IdCache::default(),
            attr_ids: IdCache::default(),
            unit_mult_index: schema.attribute_index("UNIT_MULT"),
            obs_in_series: 0,
            time_ok: Vec::new(),
            time_ok_freq: None,
        };
        // What series need until a dataset says otherwise.
        v.series_expected = v.series_dims();
        v.series_mandatory = v.mandatory_at(AttachmentLevel::Series);
        v
    }

    /// The report so far.
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// The report and the inner sink.
    pub fn into_parts(self) -> (Report, S) {
        (self.report, self.inner)
    }

    /// The report.
    pub fn into_report(self) -> Report {
        self.report
    }

    /// Tells the validator where the reader is after the last event: the
    /// findings that event raised get this position.
    pub fn set_position(&mut self, pos: Position) {
        self.note_position(&pos);
    }

    /// Whether the last event left anything waiting for its position (most
    /// observations do not: asking the reader would be wasted work).
    fn wants_position(&self) -> bool {
        self.unpositioned < self.report.findings.len()
            || self.ilms.wants_position()
            || self.last_event != Last::Other
    }

    fn note_position(&mut self, pos: &Position) {
        for f in &mut self.report.findings[self.unpositioned..] {
            if f.location.position.is_none() {
                f.location.position = Some(pos.clone());
            }
        }
        self.unpositioned = self.report.findings.len();
        self.ilms.set_position(pos);
        let slot = match self.last_event {
            Last::Series => Some(&mut self.series_pos),
            Last::DataSet => Some(&mut self.dataset_pos),
            Last::Other => None,
        };
        match slot {
            Some(Some(p)) => p.clone_from(pos),
            Some(empty) => *empty = Some(pos.clone()),
            None => {}
        }
        self.last_event = Last::Other;
    }

    fn here(&self) -> Location {
        Location {
            position: None,
            dataset: (self.dataset > 0).then_some(self.dataset),
            series: self.series_label.clone(),
            period: self.period.clone(),
        }
    }

    fn emit(&mut self, rule: Rule, component: Option<&str>, value: Option<&str>, message: String) {
        let at = self.here();
        self.emit_at(rule, component, value, message, at);
    }

    fn emit_at(
        &mut self,
        rule: Rule,
        component: Option<&str>,
        value: Option<&str>,
        message: String,
        location: Location,
    ) {
        if !self.is_enabled(rule) {
            return;
        }
        let n = self.report.counts.entry(rule).or_insert(0);
        *n += 1;
        if *n as usize <= self.opts.keep_per_rule {
            let mut key = self.series_key.to_vec();
            if let (Some(t), Some(p)) = (self.schema.time_dimension(), &location.period) {
                key.push((t.to_owned(), p.clone()));
            }
            self.report.findings.push(Finding {
                rule,
                message,
                location,
                component: component.map(str::to_owned),
                value: value.map(str::to_owned),
                key,
            });
        }
    }

    fn is_enabled(&self, rule: Rule) -> bool {
        self.enabled & (1 << (rule as usize)) != 0
    }

    fn flush_ilms(&mut self) {
        if self.ilms.out.is_empty() {
            return;
        }
        for f in std::mem::take(&mut self.ilms.out) {
            let at = f.at.unwrap_or_else(|| self.here());
            self.emit_at(
                f.rule,
                f.component.as_deref(),
                f.value.as_deref(),
                f.message,
                at,
            );
        }
    }

    fn flow(&self, inner: Flow) -> Flow {
        match self.opts.max_errors {
            Some(max) if self.report.errors() >= max => Flow::Stop,
            _ => inner,
        }
    }

    fn mandatory_required(&self) -> bool {
        match self.action.effective() {
            Action::Delete => false,
            Action::Replace => true,
            _ => !self.opts.updates_only,
        }
    }

    fn check_structure(&mut self, used: &StructureUse, what: &str) {
        let schema = self.schema;
        let (target, class) = match used {
            StructureUse::Dataflow(_) => (schema.dataflow.as_ref(), "dataflow"),
            StructureUse::DataStructure(_) => (Some(&schema.structure), "DSD"),
            StructureUse::ProvisionAgreement(_) => {
                (schema.agreement.as_ref(), "provision agreement")
            }
        };
        let r = used.reference();
        let same = |t: &ArtefactRef| {
            t.agency == r.agency
                && t.id == r.id
                && match (t.version.exact(), r.version.exact()) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                }
        };
        // A dataflow reference checked against a DSD-only schema cannot be
        // judged; nor can an agreement when none was given.
        if let Some(t) = target
            && !same(t)
        {
            self.emit(
                Rule::StructureMismatch,
                None,
                Some(&r.short()),
                format!(
                    "the {what} names {class} {} but validation uses {}: pass --dataflow or the matching structures",
                    r.short(),
                    t.short()
                ),
            );
        }
    }

    /// Checks a value of dimension `i`; returns false when it broke a rule.
    fn check_dimension_value(&mut self, i: usize, value: &str) -> bool {
        let schema = self.schema;
        let d = &schema.dimensions[i];
        let id = d.spec.id.as_str();
        if d.kind == DimensionKind::Time {
            return self.check_time(id, value);
        }
        if let Some(codes) = &d.spec.codes {
            if !codes.contains(value) {
                let cl = d
                    .spec
                    .codelist
                    .as_ref()
                    .map(|c| c.short())
                    .unwrap_or_default();
                self.emit(
                    Rule::CodeNotInCodelist,
                    Some(id),
                    Some(value),
                    format!("{id} value {value:?} is not a code of {cl}"),
                );
                return false;
            }
        } else if let Some(f) = &d.spec.format
            && let Err((rule, msg)) = f.check(value, false)
        {
            self.emit(rule, Some(id), Some(value), format!("{id}: {msg}"));
            return false;
        }
        if let Some(allowed) = &d.spec.allowed
            && !allowed.contains(value)
        {
            self.emit(
                Rule::ConstraintKey,
                Some(id),
                Some(value),
                format!("{id} value {value:?} is not allowed by the constraints on this dataflow"),
            );
            return false;
        }
        true
    }

    fn check_time(&mut self, id: &str, value: &str) -> bool {
        if self.period.as_deref() != Some(value) {
            set_text(&mut self.period, Some(value));
        }
        // The verdict depends only on the period and FREQ.
        let k = self.obs_in_series;
        if self.time_ok_freq == self.freq && self.time_ok.get(k).is_some_and(|t| t == value) {
            return true;
        }
        let ok = self.check_time_uncached(id, value);
        if ok && k < TIME_OK_POSITIONS {
            if self.time_ok_freq != self.freq {
                self.time_ok.clear();
                self.time_ok_freq.clone_from(&self.freq);
            }
            if k >= self.time_ok.len() {
                self.time_ok.resize(k + 1, String::new());
            }
            self.time_ok[k].clear();
            self.time_ok[k].push_str(value);
        }
        ok
    }

    fn check_time_uncached(&mut self, id: &str, value: &str) -> bool {
        let p = match TimePeriod::parse(value) {
            Ok(p) => p,
            Err(e) => {
                self.emit(
                    Rule::TimeFormat,
                    Some(id),
                    Some(value),
                    format!("{id}: {e}"),
                );
                return false;
            }
        };
        let mut ok = true;
        let mismatch = self
            .freq
            .as_deref()
            .is_some_and(|f| p.matches_frequency(f) == Some(false));
        if mismatch {
            let freq = self.freq.clone().unwrap_or_default();
            self.emit(
                Rule::TimeFrequency,
                Some(id),
                Some(value),
                format!(
                    "{id} {value} is {} but FREQ is {freq}",
                    match p.frequency {
                        Some('A') => "annual",
                        Some('S') => "half-yearly",
                        Some('T') => "four-monthly",
                        Some('Q') => "quarterly",
                        Some('M') => "monthly",
                        Some('W') => "weekly",
                        Some('D') => "daily",
                        _ => "not of a standard frequency",
                    }
                ),
            );
            ok = false;
        }
        if !self.schema.period_allowed(&p) {
            self.emit(
                Rule::ConstraintTime,
                Some(id),
                Some(value),
                format!("{id} {value} lies outside the time range the constraints allow"),
            );
            ok = false;
        }
        ok
    }

    /// Checks a coded or formatted attribute value.
    fn check_attribute_value(&mut self, idx: usize, value: &str) {
        if value.is_empty() || self.attr_ok.get(idx).is_some_and(|ok| ok == value) {
            return;
        }
        // A value that passed once passes again: skip the lookups.
        if self.check_attribute_value_uncached(idx, value)
            && let Some(ok) = self.attr_ok.get_mut(idx)
        {
            ok.clear();
            ok.push_str(value);
        }
    }

    /// Checks an attribute value; false when it broke a rule.
    fn check_attribute_value_uncached(&mut self, idx: usize, value: &str) -> bool {
        let spec = &self.schema.attributes[idx].spec;
        let id = spec.id.as_str();
        if let Some(codes) = &spec.codes {
            if !codes.contains(value) {
                let cl = spec
                    .codelist
                    .as_ref()
                    .map(|c| c.short())
                    .unwrap_or_default();
                self.emit(
                    Rule::AttributeCode,
                    Some(id),
                    Some(value),
                    format!("{id} value {value:?} is not a code of {cl}"),
                );
                return false;
            } else if let Some(allowed) = &spec.allowed
                && !allowed.contains(value)
            {
                self.emit(
                    Rule::ConstraintKey,
                    Some(id),
                    Some(value),
                    format!("{id} value {value:?} is not allowed by the constraints"),
                );
                return false;
            }
        } else if let Some(f) = &spec.format
            && let Err((rule, msg)) = f.check(value, false)
        {
            self.emit(rule, Some(id), Some(value), format!("{id}: {msg}"));
            return false;
        }
        true
    }

    /// Checks the attributes given at `level` (`cached`: their indices are in
    /// `attr_ids`); leaves the indices of those found in `self.found`.
    fn check_attributes(&mut self, attrs: &Values, cached: bool, level: AttachmentLevel) {
        let mut found = std::mem::take(&mut self.found);
        found.clear();
        for (pos, (id, v)) in attrs.iter().enumerate() {
            let index = match self.attr_ids.cur.get(pos).filter(|_| cached) {
                Some(&i) => i,
                None => self.schema.attribute_index(id),
            };
            let Some(idx) = index else {
                self.emit(
                    Rule::UnknownComponent,
                    Some(id),
                    Some(v),
                    format!(
                        "{id} is not an attribute of {}",
                        self.schema.structure.short()
                    ),
                );
                continue;
            };
            let expected = self.level(idx);
            if level < expected {
                self.emit(
                    Rule::AttributeLevel,
                    Some(id),
                    Some(v),
                    format!(
                        "{id} is attached at {} level but given at {} level",
                        level_name(expected),
                        level_name(level)
                    ),
                );
            }
            self.check_attribute_value(idx, v);
            if !v.is_empty() {
                found.push(idx);
            }
        }
        self.found = found;
    }

    /// Attribute `idx`'s level in the current dataset (computed on the spot for
    /// events a reader sends before any dataset).
    fn level(&self, idx: usize) -> AttachmentLevel {
        self.levels.get(idx).copied().unwrap_or_else(|| {
            let obs_dim = if self.all_dims {
                None
            } else {
                self.obs_dim.as_deref()
            };
            self.schema.attachment_level(idx, obs_dim)
        })
    }

    fn mandatory_at(&self, level: AttachmentLevel) -> Vec<usize> {
        (0..self.schema.attributes.len())
            .filter(|&i| {
                self.schema.attributes[i].usage == UsageStatus::Mandatory && self.level(i) == level
            })
            .collect()
    }

    fn close_series(&mut self) {
        if self.series_label.is_none() {
            return;
        }
        let missing = std::mem::take(&mut self.series_missing);
        if self.mandatory_required() {
            for i in missing {
                let id = self.schema.attributes[i].spec.id.clone();
                let at = Location {
                    position: self.series_pos.clone(),
                    period: None,
                    ..self.here()
                };
                self.emit_at(
                    Rule::AttributeMissing,
                    Some(&id),
                    None,
                    format!("mandatory attribute {id} has no value for this series"),
                    at,
                );
            }
        }
        if let Some(label) = self.series_label.take() {
            self.label_spare = label;
        }
        self.series_key.clear();
    }

    fn close_dataset(&mut self) {
        self.dataset_open = false;
        self.close_series();
        self.flush_ilms();
        for group in self.ilms.end_dataset() {
            let (counts, kept, enabled) = (
                &self.report.counts,
                self.opts.keep_per_rule as u64,
                self.enabled,
            );
            let keep = |r: Rule| {
                enabled & (1 << (r as usize)) != 0 && counts.get(&r).copied().unwrap_or(0) < kept
            };
            if let Some(f) = self.ilms.judge(self.schema, group, keep) {
                let at = f.at.unwrap_or_else(|| self.here());
                self.emit_at(
                    f.rule,
                    f.component.as_deref(),
                    f.value.as_deref(),
                    f.message,
                    at,
                );
            }
        }
        let missing = std::mem::take(&mut self.dataset_missing);
        if self.mandatory_required() {
            for i in missing {
                let id = self.schema.attributes[i].spec.id.clone();
                let at = Location {
                    position: self.dataset_pos.clone(),
                    dataset: Some(self.dataset),
                    series: None,
                    period: None,
                };
                self.emit_at(
                    Rule::AttributeMissing,
                    Some(&id),
                    None,
                    format!("mandatory dataset attribute {id} has no value"),
                    at,
                );
            }
        }
        self.seen.clear();
    }

    /// Checks key values (dimension id, value) that must cover `expected`
    /// dimensions (`cached`: their indices are in `key_ids`); returns
    /// whether all were good.
    fn check_key(&mut self, key: &Values, cached: bool, expected: &[usize]) -> bool {
        let mut ok = true;
        let mut scratch = std::mem::take(&mut self.dims_scratch);
        scratch.clear();
        for (pos, (id, v)) in key.iter().enumerate() {
            let index = match self.key_ids.cur.get(pos).filter(|_| cached) {
                Some(&i) => i,
                None => self.schema.dimension_index(id),
            };
            match index {
                Some(i) => scratch.push((i, pos)),
                None => {
                    ok = false;
                    self.emit(
                        Rule::UnknownComponent,
                        Some(id),
                        Some(v),
                        format!(
                            "{id} is not a dimension of {}",
                            self.schema.structure.short()
                        ),
                    );
                }
            }
        }
        for &i in expected {
            if !scratch.iter().any(|(j, _)| *j == i) {
                ok = false;
                let id = self.schema.dimensions[i].spec.id.clone();
                self.emit(
                    Rule::DimensionMissing,
                    Some(&id),
                    None,
                    format!("the key has no value for dimension {id}"),
                );
            }
        }
        if let [(i, 0)] = scratch[..] {
            // The usual observation key: the period alone.
            if let Some((_, v)) = key.iter().next() {
                ok &= self.check_dimension_value(i, v);
            }
        } else {
            for &(i, pos) in &scratch {
                if let Some((_, v)) = key.iter().nth(pos) {
                    ok &= self.check_dimension_value(i, v);
                }
            }
        }
        self.dims_scratch = scratch;
        ok
    }

    fn check_combination(&mut self, pairs: &[(&str, &str)]) {
        if self.schema.constraints.is_empty() || self.schema.key_allowed(pairs) {
            return;
        }
        let key: Vec<&str> = pairs.iter().map(|(_, v)| *v).collect();
        self.emit(
            Rule::ConstraintKey,
            None,
            Some(&key.join(".")),
            format!(
                "the key {} lies outside the cube regions / key sets the constraints allow",
                key.join(".")
            ),
        );
    }

    fn series_dims(&self) -> Vec<usize> {
        (0..self.schema.dimensions.len())
            .filter(|&i| {
                let id = self.schema.dimensions[i].spec.id.as_str();
                !self.all_dims && Some(id) != self.obs_dim.as_deref()
            })
            .collect()
    }
}

/// Sets an optional text (the period, FREQ), reusing the string's allocation.
fn set_text(slot: &mut Option<String>, value: Option<&str>) {
    match (slot.as_mut(), value) {
        (Some(s), Some(v)) => {
            s.clear();
            s.push_str(v);
        }
        (None, Some(v)) => *slot = Some(v.to_owned()),
        (_, None) => *slot = None,
    }
}

fn level_name(l: AttachmentLevel) -> &'static str {
    match l {
        AttachmentLevel::DataSet => "dataset",
        AttachmentLevel::Group => "group",
        AttachmentLevel::Series => "series",
        AttachmentLevel::Observation => "observation",
    }
}

impl<S: DataSink> DataSink for Validator<'_, S> {
    type Error = S::Error;

    fn header(&mut self, h: &Header) -> Result<Flow, S::Error> {
        for (field, v) in [
            ("ID", &h.id),
            ("Prepared", &h.prepared),
            ("Sender", &h.sender),
        ] {
            if v.trim().is_empty() {
                self.emit(
                    Rule::HeaderField,
                    Some(field),
                    None,
                    format!("the header has no {field}, which the standard requires"),
                );
            }
        }
        if let Some(s) = &h.structure {
            self.check_structure(s, "header");
        }
        self.header_structure = h.structure.clone();
        let f = self.inner.header(h)?;
        Ok(self.flow(f))
    }

    fn dataset(&mut self, d: &DataSetHeader) -> Result<Flow, S::Error> {
        if self.dataset_open {
            // A reader that does not send EndDataSet.
            self.close_dataset();
        }
        self.dataset_open = true;
        self.dataset += 1;
        self.obs_in_series = 0;
        self.series_label = None;
        self.period = None;
        self.action = d.action;
        self.all_dims = d.dimension_at_observation == ObsDimension::AllDimensions;
        self.obs_dim = match &d.dimension_at_observation {
            ObsDimension::AllDimensions => None,
            ObsDimension::Time => self.schema.time_dimension().map(str::to_owned),
            ObsDimension::Dimension(x) => Some(x.clone()),
        };
        self.last_event = Last::DataSet;
        let obs_dim = if self.all_dims {
            None
        } else {
            self.obs_dim.as_deref()
        };
        self.levels = (0..self.schema.attributes.len())
            .map(|i| self.schema.attachment_level(i, obs_dim))
            .collect();
        self.obs_mandatory = self.mandatory_at(AttachmentLevel::Observation);
        self.series_mandatory = self.mandatory_at(AttachmentLevel::Series);
        self.obs_dim_index = obs_dim.and_then(|d| self.schema.dimension_index(d));
        self.series_expected = self.series_dims();
        // A dataset that repeats the header's structure was judged with the header.
        if let Some(s) = &d.structure
            && self.header_structure.as_ref() != Some(s)
        {
            self.check_structure(s, "dataset");
        }
        self.check_attributes(&d.attributes, false, AttachmentLevel::DataSet);
        self.dataset_missing = self.mandatory_at(AttachmentLevel::DataSet);
        let found = &self.found;
        self.dataset_missing.retain(|i| !found.contains(i));
        self.ilms
            .dataset(self.schema, d.attributes.get("UNIT_MULT"));
        // With every dimension at observation level, observations carry the
        // whole key; otherwise series set `obs_dims`.
        self.obs_dims = (0..self.schema.dimensions.len()).collect();
        self.dup_series = None;
        self.flush_ilms();
        let f = self.inner.dataset(d)?;
        Ok(self.flow(f))
    }

    fn group(&mut self, g: &GroupKey) -> Result<Flow, S::Error> {
        if !self.schema.dsd.groups.iter().any(|x| x.id == g.group) && !g.group.is_empty() {
            let group = g.group.clone();
            self.emit(
                Rule::UnknownComponent,
                Some(&group),
                None,
                format!(
                    "{group} is not a group of {}",
                    self.schema.structure.short()
                ),
            );
        }
        self.check_key(&g.key, false, &[]);
        self.check_attributes(&g.attributes, false, AttachmentLevel::Group);
        let f = self.inner.group(g)?;
        Ok(self.flow(f))
    }

    fn series(&mut self, s: &SeriesKey) -> Result<Flow, S::Error> {
        self.close_series();
        self.last_event = Last::Series;
        self.period = None;
        self.obs_in_series = 0;
        // The label and the key in DSD order, whatever order the reader used.
        let schema = self.schema;
        let mut label = std::mem::take(&mut self.label_spare);
        label.clear();
        for d in &schema.dimensions {
            if let Some(v) = s.key.get(&d.spec.id) {
                if !label.is_empty() {
                    label.push('.');
                }
                label.push_str(v);
                self.series_key.push(&d.spec.id, v);
            }
        }
        self.series_label = Some(label);
        set_text(&mut self.freq, s.key.get("FREQ"));
        let expected = std::mem::take(&mut self.series_expected);
        let ok = self.check_key(&s.key, false, &expected);
        self.series_expected = expected;
        if ok {
            let pairs: Vec<(&str, &str)> = s.key.iter().collect();
            self.check_combination(&pairs);
        }
        self.dup_series = None;
        self.check_attributes(&s.attributes, false, AttachmentLevel::Series);
        let found = &self.found;
        self.dataset_missing.retain(|i| !found.contains(i));
        self.series_missing.clear();
        self.series_missing
            .extend_from_slice(&self.series_mandatory);
        let found = &self.found;
        self.series_missing.retain(|i| !found.contains(i));
        let indexed: Vec<(usize, &str)> = s
            .key
            .iter()
            .filter_map(|(id, v)| Some((schema.dimension_index(id)?, v)))
            .collect();
        let label = self.series_label.as_deref().unwrap_or_default();
        self.ilms
            .series(schema, &indexed, s.attributes.get("UNIT_MULT"), label);
        // The series' part of every observation's key, in DSD order.
        let in_series: Vec<(usize, &str)> = schema
            .dimensions
            .iter()
            .enumerate()
            .filter_map(|(i, d)| Some((i, s.key.get(&d.spec.id)?)))
            .collect();
        self.ilms.series_totals(schema, &in_series);
        self.obs_dims.clear();
        self.obs_dims.extend(
            (0..schema.dimensions.len()).filter(|i| !in_series.iter().any(|(j, _)| j == i)),
        );
        self.flush_ilms();
        let f = self.inner.series(s)?;
        Ok(self.flow(f))
    }

    fn obs(&mut self, o: &Obs) -> Result<Flow, S::Error> {
        let schema = self.schema;
        // Component ids to indices, once per layout.
        self.key_ids
            .resolve(&o.key, |id| schema.dimension_index(id));
        self.measure_ids.resolve(&o.measures, |id| {
            schema.measures.iter().position(|m| m.spec.id == id)
        });
        self.attr_ids
            .resolve(&o.attributes, |id| schema.attribute_index(id));
        let time_id = self
            .time_index
            .map(|t| schema.dimensions[t].spec.id.as_str());
        let (time_pos, period) = match self.time_index {
            Some(t) => o
                .key
                .iter()
                .zip(&self.key_ids.cur)
                .enumerate()
                .find(|(_, (_, i))| **i == Some(t))
                .map_or((None, None), |(p, ((_, v), _))| (Some(p), Some(v))),
            None => (None, None),
        };
        set_text(&mut self.period, period);
        if self.all_dims {
            self.series_key.clear();
            set_text(&mut self.freq, o.key.get("FREQ"));
            let mut label = String::new();
            for d in &schema.dimensions {
                if d.kind == DimensionKind::Time {
                    continue;
                }
                if let Some(v) = o.key.get(&d.spec.id) {
                    if !label.is_empty() {
                        label.push('.');
                    }
                    label.push_str(v);
                    self.series_key.push(&d.spec.id, v);
                }
            }
            self.series_label = Some(label);
            let expected: Vec<usize> = (0..schema.dimensions.len()).collect();
            if self.check_key(&o.key, true, &expected) {
                let pairs: Vec<(&str, &str)> = o
                    .key
                    .iter()
                    .filter(|(id, _)| Some(*id) != time_id)
                    .collect();
                self.check_combination(&pairs);
            }
        } else {
            let expected = self.obs_dim_index;
            self.check_key(&o.key, true, expected.as_slice());
        }
        // Measures.
        let required = self.mandatory_required();
        // The primary measure's value (the ILMS checks read it too).
        let primary = self.measure_ids.find(&o.measures, 0);
        for (k, m) in schema.measures.iter().enumerate() {
            let id = m.spec.id.as_str();
            let given = if k == 0 {
                primary
            } else {
                self.measure_ids.find(&o.measures, k)
            };
            match given.filter(|v| !v.is_empty()) {
                None => {
                    if m.usage == UsageStatus::Mandatory && required {
                        self.emit(
                            Rule::MeasureMissing,
                            Some(id),
                            None,
                            format!("mandatory measure {id} has no value"),
                        );
                    }
                }
                Some(v) => {
                    if let Some(codes) = &m.spec.codes {
                        if !codes.contains(v) {
                            self.emit(
                                Rule::AttributeCode,
                                Some(id),
                                Some(v),
                                format!("{id} value {v:?} is not a code of its codelist"),
                            );
                        }
                    } else if let Some(f) = &m.spec.format
                        && let Err((rule, msg)) = f.check(v, true)
                    {
                        self.emit(rule, Some(id), Some(v), format!("{id}: {msg}"));
                    }
                }
            }
        }
        for (pos, (id, v)) in o.measures.iter().enumerate() {
            if self.measure_ids.cur.get(pos).is_some_and(Option::is_none) {
                self.emit(
                    Rule::UnknownComponent,
                    Some(id),
                    Some(v),
                    format!("{id} is not a measure of {}", schema.structure.short()),
                );
            }
        }
        // Attributes.
        self.check_attributes(&o.attributes, true, AttachmentLevel::Observation);
        let found = &self.found;
        self.series_missing.retain(|i| !found.contains(i));
        self.dataset_missing.retain(|i| !found.contains(i));
        if required {
            for k in 0..self.obs_mandatory.len() {
                let i = self.obs_mandatory[k];
                if !self.found.contains(&i) {
                    let id = schema.attributes[i].spec.id.as_str();
                    self.emit(
                        Rule::AttributeMissing,
                        Some(id),
                        None,
                        format!("mandatory attribute {id} has no value for this observation"),
                    );
                }
            }
        }
        // Duplicates: the same series and observation key twice in a dataset.
        if self.is_enabled(Rule::Duplicate) {
            let at = time_pos;
            let time = at.and_then(|a| o.key.iter().nth(a));
            let rest = o
                .key
                .iter()
                .enumerate()
                .filter(move |(j, _)| Some(*j) != at)
                .map(|(_, p)| p);
            let new = if self.all_dims {
                let series = self.seen.series(rest);
                self.seen.insert(series, time, std::iter::empty())
            } else {
                let series = match self.dup_series {
                    Some(n) => n,
                    None => {
                        let n = self.seen.series(self.series_key.iter());
                        self.dup_series = Some(n);
                        n
                    }
                };
                self.seen.insert(series, time, rest)
            };
            if !new {
                let key = o
                    .key
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                self.emit(
                    Rule::Duplicate,
                    None,
                    None,
                    format!("this series already has an observation for {key} in this dataset"),
                );
            }
        }
        // ILMS: the observation's part of the key (the series part was given
        // with the series), in DSD order.
        let mut inline = [(0usize, ""); 8];
        let mut n = 0;
        let mut spilled: Vec<(usize, &str)> = Vec::new();
        for &i in &self.obs_dims {
            if let Some(v) = self.key_ids.find(&o.key, i) {
                if n < inline.len() {
                    inline[n] = (i, v);
                    n += 1;
                } else {
                    if spilled.is_empty() {
                        spilled.extend_from_slice(&inline);
                    }
                    spilled.push((i, v));
                }
            }
        }
        let obs_part = if spilled.is_empty() {
            &inline[..n]
        } else {
            &spilled[..]
        };
        let at = (
            (self.dataset > 0).then_some(self.dataset),
            self.series_label.as_deref(),
            self.period.as_deref(),
        );
        let value = primary;
        let unit_mult = match self.unit_mult_index {
            Some(u) => self.attr_ids.find(&o.attributes, u),
            None => o.attributes.get("UNIT_MULT"),
        };
        self.ilms
            .obs(schema, obs_part, period, value, unit_mult, at);
        self.obs_in_series += 1;

        self.flush_ilms();
        let f = self.inner.obs(o)?;
        Ok(self.flow(f))
    }

    fn end_dataset(&mut self) -> Result<Flow, S::Error> {
        self.close_dataset();
        self.period = None;
        let f = self.inner.end_dataset()?;
        Ok(self.flow(f))
    }

    fn finish(&mut self, s: &Summary) -> Result<(), S::Error> {
        if self.dataset_open {
            self.close_dataset();
        }
        self.report.summary = *s;
        self.report.stopped_early = s.stopped_early;
        self.inner.finish(s)
    }
}

/// Moves every event from `reader` through `validator` (like [`crate::data::pump`]),
/// telling it the reader's position after each event so that findings carry
/// file line and column or CSV row.
pub fn validate<R: DataReader + ?Sized, S: DataSink>(
    reader: &mut R,
    validator: &mut Validator<'_, S>,
) -> Result<Summary, S::Error> {
    let mut summary = Summary::default();
    let mut pos = Position::default();
    loop {
        let flow = match reader.next_event()? {
            None => break,
            Some(DataEvent::Header(h)) => validator.header(h)?,
            Some(DataEvent::DataSet(d)) => {
                summary.datasets += 1;
                validator.dataset(d)?
            }
            Some(DataEvent::Group(g)) => {
                summary.groups += 1;
                validator.group(g)?
            }
            Some(DataEvent::Series(s)) => {
                summary.series += 1;
                validator.series(s)?
            }
            Some(DataEvent::Obs(o)) => {
                summary.observations += 1;
                validator.obs(o)?
            }
            Some(DataEvent::EndDataSet) => validator.end_dataset()?,
        };
        if validator.wants_position() {
            reader.position_into(&mut pos);
            validator.note_position(&pos);
        }
        if flow == Flow::Stop {
            summary.stopped_early = true;
            break;
        }
    }
    validator.finish(&summary)?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The enabled-rules mask indexes rules by discriminant.
    #[test]
    fn rule_discriminants_follow_all() {
        assert!(Rule::ALL.len() <= 64);
        for (i, r) in Rule::ALL.iter().enumerate() {
            assert_eq!(*r as usize, i, "{r:?}");
        }
    }
}
