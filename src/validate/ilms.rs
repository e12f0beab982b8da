//! The ILMS consistency warnings: totals against their breakdowns, negative
//! counts, one classification version per series, UNIT_MULT against the unit of
//! the indicator.
//!
//! Memory: the total checks group observations by (series key minus the
//! breakdown dimension, period, classification prefix) and keep one small
//! accumulator per group (a running sum, a count, and the total with its place
//! once seen), judged at the end of the dataset: series may come in any order,
//! so no group can be closed earlier. At most [`IlmsOptions::max_groups`] groups
//! are open; beyond that the total checks stop for the dataset with one `W706`.
//! The version check keeps one entry per (series key minus the classification
//! dimension), under the same limit.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use crate::data::Position;

use super::report::Location;
use super::seen::{Mix, Prehashed};
use super::{IlmsOptions, Options, Rule, Schema};

/// A finding the ILMS checks raise: at the current event (`at: None`) or at a
/// remembered place.
#[derive(Debug)]
pub(crate) struct IlmsFinding {
    pub rule: Rule,
    pub message: String,
    pub component: Option<String>,
    pub value: Option<String>,
    pub at: Option<Location>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Sex,
    Classification,
}

/// One open group: kept small (24 bytes in the map), its total's details kept
/// apart (in [`Ilms::totals`]) and only once a total was seen.
#[derive(Debug)]
struct Acc {
    dim: u32,
    parts: u32,
    sex_mask: u8,
    sum: f64,
    /// 1 + the index of the group's latest total in [`Ilms::totals`]; 0: none.
    total: u32,
}

/// A group handed out for judgement at the end of a dataset.
#[derive(Debug)]
pub(crate) struct Group {
    dim: u32,
    parts: u32,
    sex_mask: u8,
    sum: f64,
    total: Total,
}

/// The total of a group and where it was (the source name is kept once, in
/// [`Ilms`]; the series label and period are shared between the totals that
/// have the same).
#[derive(Debug)]
struct Total {
    value: f64,
    code: Arc<str>,
    /// The group (its index in [`Ilms::accs`]).
    group: u32,
    series: Option<Arc<str>>,
    period: Option<Arc<str>>,
    dataset: Option<u64>,
    line: u64,
    column: u64,
    record: u64,
    positioned: bool,
}

/// The groups of a finished dataset, handed out one by one in the order their
/// totals came (see [`Ilms::end_dataset`]).
pub(crate) struct Closing {
    accs: Vec<Acc>,
    totals: std::iter::Enumerate<std::vec::IntoIter<Total>>,
}

impl Iterator for Closing {
    type Item = Group;

    fn next(&mut self) -> Option<Group> {
        for (i, total) in self.totals.by_ref() {
            // A total superseded by a later one of its group is skipped (the
            // group is judged with the latest, in that one's place).
            let Some(acc) = self.accs.get(total.group as usize) else {
                continue;
            };
            if acc.total as usize != i + 1 || acc.parts == 0 {
                continue;
            }
            return Some(Group {
                dim: acc.dim,
                parts: acc.parts,
                sex_mask: acc.sex_mask,
                sum: acc.sum,
                total,
            });
        }
        None
    }
}

/// The state of the ILMS checks over one message.
#[derive(Debug)]
pub(crate) struct Ilms {
    opts: IlmsOptions,
    sex_on: bool,
    class_total_on: bool,
    negative_on: bool,
    version_on: bool,
    unit_mult_on: bool,
    limit_on: bool,
    total_dims: Vec<(usize, Kind)>,
    /// Per total dimension: its code's classification when the series key
    /// holds it, a hash of the series key without it, and (with the
    /// classification) the hash of the part of the group key the series fixes.
    series_class: Vec<Option<Class>>,
    series_hash: Vec<u64>,
    series_family: Vec<Option<u64>>,
    seed: Mix,
    /// The open groups, in the order they opened.
    accs: Vec<Acc>,
    /// Groups by a hash of their key (already a seeded hash): observations
    /// whose key holds more than the period, or past the bounds of `rows`.
    groups: HashMap<u64, u32, Prehashed>,
    /// The usual case, without hashing per observation: a series fixes a
    /// group's key but the period, so each (series key minus the total
    /// dimension, classification), its *family*, gets a row of groups indexed
    /// by period number. Rows by family hash, then each row's groups
    /// (`NO_GROUP` where none yet).
    rows: HashMap<u64, u32, Prehashed>,
    row_groups: Vec<Vec<u32>>,
    /// Cells in `row_groups` (bounded by [`MAX_ROW_CELLS`]).
    row_cells: usize,
    /// Per total dimension: the current series' row, when it has one.
    series_row: Vec<Option<u32>>,
    /// Period numbers: periods by text, texts by number.
    period_ids: HashMap<Box<str>, u32, Mix>,
    period_texts: Vec<Arc<str>>,
    /// The period number met at each position of the last series (series
    /// repeat their periods, so most observations find theirs here).
    recent_periods: Vec<u32>,
    /// The current observation's position in its series.
    obs_in_series: usize,
    /// Whether `last_label` is the current series' label (set by its first
    /// total; series labels are constant within a series).
    label_current: bool,
    /// The time dimension.
    time_dim: Option<usize>,
    /// The totals seen, in the order they came.
    totals: Vec<Total>,
    /// The last series label and period a total took (totals share them).
    last_label: Option<Arc<str>>,
    /// Periods of totals, shared (bounded by [`MAX_SHARED`]).
    periods: HashSet<Arc<str>, Mix>,
    /// Per dimension: its codes classified (bounded by [`MAX_SHARED`]).
    classes: Vec<HashMap<Box<str>, Class, Mix>>,
    versions: HashMap<u64, (String, bool)>,
    limit_hit: bool,
    /// The totals the last observation set (their position is patched in once
    /// the reader reports it), as indices in `totals`.
    pending: Vec<usize>,
    unit: Option<&'static str>,
    dataset_unit_mult: Option<String>,
    /// (dimension, classification) → how many first-level codes it has.
    candidates: Vec<(usize, Box<str>, u32)>,
    /// The input's name, for the positions of totals.
    source: Option<String>,
    pub out: Vec<IlmsFinding>,
}

/// The classification prefix of a code: up to the second underscore
/// (`ECO_ISIC4_A` → `ECO_ISIC4`).
pub fn version_prefix(code: &str) -> &str {
    match code.match_indices('_').nth(1) {
        Some((i, _)) => &code[..i],
        None => code,
    }
}

/// Whether a prefix names a versioned classification (`ECO_ISIC4`, `OCU_ISCO08`,
/// `EDU_ISCED11`, `STE_ICSE93`): letters then digits after the underscore.
/// Groupings such as `ECO_AGGREGATE` or `AGE_5YRBANDS` carry no version.
fn versioned(prefix: &str) -> bool {
    let Some((_, v)) = prefix.split_once('_') else {
        return false;
    };
    let letters = v.trim_end_matches(|c: char| c.is_ascii_digit());
    !letters.is_empty()
        && letters.len() < v.len()
        && letters.chars().all(|c| c.is_ascii_uppercase())
}

fn unit_of(text: &str) -> Option<&'static str> {
    if text.ends_with("_NB") {
        Some("NB")
    } else if text.ends_with("_RT") {
        Some("RT")
    } else {
        None
    }
}

fn hash_key<'a>(skip: usize, key: impl Iterator<Item = (usize, &'a str)>, extra: &[&str]) -> u64 {
    let mut h = DefaultHasher::new();
    skip.hash(&mut h);
    for (i, v) in key {
        if i != skip {
            i.hash(&mut h);
            v.hash(&mut h);
        }
    }
    for e in extra {
        e.hash(&mut h);
    }
    h.finish()
}

/// What a total check needs to know of one code of a total dimension.
#[derive(Debug, Clone)]
struct Class {
    is_total: bool,
    is_part: bool,
    /// The classification (`ECO_ISIC4`; `SEX` for sex).
    prefix: Arc<str>,
    code: Arc<str>,
    /// The part's bit in [`Acc::sex_mask`].
    sex_bit: u8,
}

fn classify(schema: &Schema, d: usize, kind: Kind, code: &str) -> Class {
    let spec = &schema.dimensions[d].spec;
    let (is_total, is_part, prefix) = match kind {
        Kind::Sex => (
            code == "SEX_T",
            matches!(code, "SEX_M" | "SEX_F" | "SEX_O"),
            "SEX",
        ),
        Kind::Classification => (
            spec.totals.contains(code),
            is_part(spec, code),
            version_prefix(code),
        ),
    };
    Class {
        is_total,
        is_part,
        prefix: prefix.into(),
        code: code.into(),
        sex_bit: match code {
            "SEX_M" => 1,
            "SEX_F" => 2,
            _ => 4,
        },
    }
}

/// The hash of the part of a group's key that the series key and the code of
/// the total dimension fix: `series` (see [`hash_pairs`]) and the classification.
fn family_hash(series: u64, prefix: &str, seed: Mix) -> u64 {
    let mut h = seed.build_hasher();
    h.write_u64(series);
    h.write(prefix.as_bytes());
    h.finish()
}

/// The hash of the part of a group's key that the observation adds: its key
/// pairs (dimension index, value) other than dimension `skip`, and the period.
fn obs_hash(obs_key: &[(usize, &str)], skip: usize, period: &str, seed: Mix) -> u64 {
    let mut h = seed.build_hasher();
    for &(i, v) in obs_key {
        if i != skip {
            h.write_usize(i);
            h.write(v.as_bytes());
        }
    }
    h.write_u64(u64::MAX);
    h.write(period.as_bytes());
    h.finish()
}

/// The group key: the two halves combined.
fn group_hash(family: u64, obs: u64, seed: Mix) -> u64 {
    let mut h = seed.build_hasher();
    h.write_u64(family);
    h.write_u64(obs);
    h.finish()
}

/// `cache` when it holds `text`, else a new shared copy (kept in `cache`).
fn shared(cache: &mut Option<Arc<str>>, text: &str) -> Arc<str> {
    match cache {
        Some(c) if **c == *text => Arc::clone(c),
        _ => {
            let a: Arc<str> = Arc::from(text);
            *cache = Some(Arc::clone(&a));
            a
        }
    }
}

/// How many periods, and codes per dimension, the ILMS checks remember.
const MAX_SHARED: usize = 10_000;

/// How many periods get a number (for the rows of groups); later ones are
/// grouped by hash.
const MAX_PERIODS: usize = 4_096;
/// How many cells all rows of groups may take together (4 bytes each).
const MAX_ROW_CELLS: usize = 2_000_000;
/// A row cell without a group.
const NO_GROUP: u32 = u32::MAX;

/// A shared copy of `text`, from `set` when there (else added while the set
/// is small).
fn intern(set: &mut HashSet<Arc<str>, Mix>, text: &str) -> Arc<str> {
    if let Some(a) = set.get(text) {
        return Arc::clone(a);
    }
    let a: Arc<str> = Arc::from(text);
    if set.len() < MAX_SHARED {
        set.insert(Arc::clone(&a));
    }
    a
}

/// A hash of `key` without dimension `skip` (and of `skip` itself).
fn hash_pairs<'a>(skip: usize, key: impl Iterator<Item = (usize, &'a str)>, seed: Mix) -> u64 {
    let mut h = seed.build_hasher();
    h.write_usize(skip);
    for (i, v) in key {
        if i != skip {
            h.write_usize(i);
            h.write(v.as_bytes());
            h.write_u8(0xFF);
        }
    }
    h.finish()
}

impl Ilms {
    pub fn new(opts: &Options) -> Ilms {
        Ilms {
            opts: opts.ilms.clone(),
            sex_on: opts.enabled(Rule::IlmsSexTotal),
            class_total_on: opts.enabled(Rule::IlmsClassificationTotal),
            negative_on: opts.enabled(Rule::IlmsNegative),
            version_on: opts.enabled(Rule::IlmsClassificationVersion),
            unit_mult_on: opts.enabled(Rule::IlmsUnitMult),
            limit_on: opts.enabled(Rule::IlmsLimit),
            total_dims: Vec::new(),
            series_class: Vec::new(),
            series_hash: Vec::new(),
            series_family: Vec::new(),
            seed: Mix::default(),
            accs: Vec::new(),
            groups: HashMap::default(),
            rows: HashMap::default(),
            row_groups: Vec::new(),
            row_cells: 0,
            series_row: Vec::new(),
            period_ids: HashMap::default(),
            period_texts: Vec::new(),
            recent_periods: Vec::new(),
            obs_in_series: 0,
            label_current: false,
            time_dim: None,
            totals: Vec::new(),
            last_label: None,
            periods: HashSet::default(),
            classes: Vec::new(),
            versions: HashMap::new(),
            limit_hit: false,
            pending: Vec::new(),
            unit: None,
            dataset_unit_mult: None,
            candidates: Vec::new(),
            source: None,
            out: Vec::new(),
        }
    }

    /// The classification of `code` of total dimension `d` (remembered: codes
    /// repeat from series to series).
    fn class_of(&mut self, schema: &Schema, d: usize, kind: Kind, code: &str) -> Class {
        if self.classes.len() <= d {
            self.classes.resize_with(d + 1, HashMap::default);
        }
        let known = &mut self.classes[d];
        if let Some(c) = known.get(code) {
            return c.clone();
        }
        let c = classify(schema, d, kind, code);
        if known.len() < MAX_SHARED {
            known.insert(code.into(), c.clone());
        }
        c
    }

    /// A dataset begins: decide which dimensions carry totals.
    pub fn dataset(&mut self, schema: &Schema, unit_mult: Option<&str>) {
        self.total_dims.clear();
        for (i, d) in schema.dimensions.iter().enumerate() {
            if d.spec.id == "SEX" {
                if self.sex_on {
                    self.total_dims.push((i, Kind::Sex));
                }
            } else if self.class_total_on && !d.spec.totals.is_empty() {
                self.total_dims.push((i, Kind::Classification));
            }
        }
        self.series_class.clear();
        self.series_hash.clear();
        self.series_family.clear();
        self.series_row.clear();
        self.time_dim = schema
            .dimensions
            .iter()
            .position(|d| d.kind == crate::model::DimensionKind::Time);
        self.limit_hit = false;
        // The unit comes from each series' MEASURE: a dataset-level UNIT_MULT is
        // checked against it series by series.
        self.unit = None;
        self.dataset_unit_mult = unit_mult.map(str::to_owned);
    }

    fn check_unit_mult(&mut self, value: &str) {
        let (Some(unit), true) = (self.unit, self.unit_mult_on) else {
            return;
        };
        let want = if unit == "NB" { "3" } else { "0" };
        if value != want {
            self.out.push(IlmsFinding {
                rule: Rule::IlmsUnitMult,
                message: format!(
                    "UNIT_MULT is {value} but the indicator is {} ({unit}): use UNIT_MULT {want}",
                    if unit == "NB" {
                        "a number published in thousands"
                    } else {
                        "a rate in percent"
                    }
                ),
                component: Some("UNIT_MULT".to_owned()),
                value: Some(value.to_owned()),
                at: None,
            });
        }
    }

    /// A series begins. `key` gives (dimension index, value) pairs.
    pub fn series(
        &mut self,
        schema: &Schema,
        key: &[(usize, &str)],
        unit_mult: Option<&str>,
        series_label: &str,
    ) {
        self.unit = key
            .iter()
            .find(|(i, _)| schema.dimensions[*i].spec.id == "MEASURE")
            .and_then(|(_, v)| unit_of(v))
            .or_else(|| schema.dataflow.as_ref().and_then(|d| unit_of(&d.id)))
            .or_else(|| unit_of(&schema.structure.id));
        if let Some(u) = unit_mult
            .map(str::to_owned)
            .or_else(|| self.dataset_unit_mult.clone())
        {
            self.check_unit_mult(&u);
        }
        if !self.version_on {
            return;
        }
        for &(i, v) in key {
            let id = schema.dimensions[i].spec.id.as_str();
            if matches!(id, "REF_AREA" | "FREQ" | "MEASURE") {
                continue;
            }
            let prefix = version_prefix(v);
            if !versioned(prefix) {
                continue;
            }
            // The series in the ILOSTAT sense: the key without this dimension.
            let h = hash_key(i, key.iter().copied(), &[]);
            let room = self.versions.len() < self.opts.max_groups;
            match self.versions.get_mut(&h) {
                Some((seen, reported)) if seen != prefix && !*reported => {
                    *reported = true;
                    let other = seen.clone();
                    self.out.push(IlmsFinding {
                        rule: Rule::IlmsClassificationVersion,
                        message: format!(
                            "series {series_label} uses {prefix} codes of {id} while the same series elsewhere uses {other}: report one classification version per series"
                        ),
                        component: Some(id.to_owned()),
                        value: Some(v.to_owned()),
                        at: None,
                    });
                }
                Some(_) => {}
                None if room => {
                    self.versions.insert(h, (prefix.to_owned(), false));
                }
                None => {}
            }
        }
    }

    /// A series begins (or, with all dimensions at observation level, a new
    /// key): remembers what every total check needs from the series key `key`
    /// (dimension index, value), so that observations only add their own part.
    pub fn series_totals(&mut self, schema: &Schema, key: &[(usize, &str)]) {
        self.series_class.clear();
        self.series_hash.clear();
        self.series_family.clear();
        self.series_row.clear();
        self.obs_in_series = 0;
        self.label_current = false;
        for ti in 0..self.total_dims.len() {
            let (d, kind) = self.total_dims[ti];
            let class = key
                .iter()
                .find(|(i, _)| *i == d)
                .map(|&(_, code)| self.class_of(schema, d, kind, code));
            let hash = hash_pairs(d, key.iter().copied(), self.seed);
            let family = class
                .as_ref()
                .map(|c| family_hash(hash, &c.prefix, self.seed));
            let counted = class.as_ref().is_some_and(|c| c.is_total || c.is_part);
            let row = family.filter(|_| counted).and_then(|f| self.row_of(f));
            self.series_row.push(row);
            self.series_family.push(family);
            self.series_class.push(class);
            self.series_hash.push(hash);
        }
    }

    /// The row of groups of `family`, new if need be (none once there are as
    /// many rows as groups may be open: such families are grouped by hash).
    fn row_of(&mut self, family: u64) -> Option<u32> {
        if let Some(&row) = self.rows.get(&family) {
            return Some(row);
        }
        let row = u32::try_from(self.row_groups.len()).ok()?;
        if self.row_groups.len() >= self.opts.max_groups {
            return None;
        }
        self.rows.insert(family, row);
        self.row_groups.push(Vec::new());
        Some(row)
    }

    /// The number of `period`, if it has one. The choice is stable within a
    /// dataset (numbers are only added), so a group is always found the same way.
    fn period_id(&mut self, period: &str) -> Option<u32> {
        let k = self.obs_in_series;
        if let Some(&id) = self.recent_periods.get(k)
            && self
                .period_texts
                .get(id as usize)
                .is_some_and(|t| **t == *period)
        {
            return Some(id);
        }
        let id = match self.period_ids.get(period) {
            Some(&id) => id,
            None if self.period_texts.len() < MAX_PERIODS => {
                let id = u32::try_from(self.period_texts.len()).ok()?;
                self.period_ids.insert(period.into(), id);
                self.period_texts.push(period.into());
                id
            }
            None => return None,
        };
        let known = self.recent_periods.len();
        match self.recent_periods.get_mut(k) {
            Some(slot) => *slot = id,
            None if k == known && k < MAX_PERIODS => self.recent_periods.push(id),
            None => {}
        }
        Some(id)
    }

    /// The index in `accs` of the group at `fast` (row, period number) when it
    /// fits the rows, else of the group whose key hashes to `hash()`; opened
    /// when new, unless too many are open.
    fn open_group(
        &mut self,
        fast: Option<(u32, u32)>,
        hash: impl FnOnce() -> u64,
        dim: usize,
    ) -> Option<u32> {
        if let Some((row, period)) = fast
            && let Some(cells) = self.row_groups.get_mut(row as usize)
        {
            let p = period as usize;
            // Rows only grow, and only while the budget lasts, so a cell refused
            // once is refused for the rest of the dataset: its group is always
            // found by hash.
            let room = p < cells.len() || self.row_cells + (p + 1 - cells.len()) <= MAX_ROW_CELLS;
            if room {
                if p >= cells.len() {
                    if cells.capacity() == 0 {
                        // Rows of one dataset usually span the same periods.
                        cells.reserve_exact(self.period_texts.len().clamp(p + 1, 32.max(p + 1)));
                    }
                    self.row_cells += p + 1 - cells.len();
                    cells.resize(p + 1, NO_GROUP);
                }
                if cells[p] != NO_GROUP {
                    return Some(cells[p]);
                }
                let i = self.new_group(dim)?;
                self.row_groups[row as usize][p] = i;
                return Some(i);
            }
        }
        let h = hash();
        if let Some(&i) = self.groups.get(&h) {
            return Some(i);
        }
        let i = self.new_group(dim)?;
        self.groups.insert(h, i);
        Some(i)
    }

    /// A new, empty group, or none (and one `W706`) when too many are open.
    fn new_group(&mut self, dim: usize) -> Option<u32> {
        let i = u32::try_from(self.accs.len())
            .ok()
            .filter(|_| self.accs.len() < self.opts.max_groups);
        if i.is_none() {
            if !self.limit_hit && self.limit_on {
                self.out.push(IlmsFinding {
                    rule: Rule::IlmsLimit,
                    message: format!(
                        "more than {} groups are open: the total checks stop for this dataset",
                        self.opts.max_groups
                    ),
                    component: None,
                    value: None,
                    at: None,
                });
            }
            self.limit_hit = true;
            return None;
        }
        self.accs.push(Acc {
            dim: dim as u32,
            total: 0,
            sum: 0.0,
            parts: 0,
            sex_mask: 0,
        });
        i
    }

    /// An observation: `obs_key` holds the (dimension index, value) pairs of its
    /// key that the series key (see [`Ilms::series_totals`]) lacks; `period` and
    /// `value` are its period and primary measure value; `at` says where it is
    /// in the data (dataset, series label, period), for the totals.
    #[allow(clippy::too_many_arguments)]
    pub fn obs(
        &mut self,
        schema: &Schema,
        obs_key: &[(usize, &str)],
        period: Option<&str>,
        value: Option<&str>,
        unit_mult: Option<&str>,
        at: (Option<u64>, Option<&str>, Option<&str>),
    ) {
        self.pending.clear();
        if let Some(u) = unit_mult {
            self.check_unit_mult(u);
        }
        let Some(x) = value.and_then(parse_number) else {
            return;
        };
        if !x.is_finite() {
            return;
        }
        if x < 0.0 && self.negative_on && self.unit == Some("NB") {
            self.out.push(IlmsFinding {
                rule: Rule::IlmsNegative,
                message: format!("a count (NB indicator) is negative: {x}"),
                component: Some("OBS_VALUE".to_owned()),
                value: value.map(str::to_owned),
                at: None,
            });
        }
        let period = period.unwrap_or("");
        // The usual key (the period alone) finds its groups by row and
        // period number instead of by hash.
        let plain = matches!(obs_key, [(t, p)] if Some(*t) == self.time_dim
            && (std::ptr::eq(*p, period) || *p == period));
        let period_id = if plain && self.series_row.iter().any(Option::is_some) {
            self.period_id(period)
        } else {
            None
        };
        self.obs_in_series += 1;
        // The observation's half of the group key, shared by the total
        // dimensions its key does not hold.
        let mut common: Option<u64> = None;
        for ti in 0..self.total_dims.len() {
            let (d, kind) = self.total_dims[ti];
            let computed;
            let (class, family) = match (self.series_class.get(ti), self.series_family.get(ti)) {
                (Some(Some(c)), Some(Some(f))) => (c, *f),
                _ => {
                    let Some(&(_, code)) = obs_key.iter().find(|(i, _)| *i == d) else {
                        continue;
                    };
                    computed = self.class_of(schema, d, kind, code);
                    let series = self.series_hash.get(ti).copied().unwrap_or_default();
                    (&computed, family_hash(series, &computed.prefix, self.seed))
                }
            };
            if !class.is_total && !class.is_part {
                continue;
            }
            let (is_total, sex_bit) = (class.is_total, class.sex_bit);
            let code = is_total.then(|| Arc::clone(&class.code));
            let fast = period_id.and_then(|p| Some((self.series_row.get(ti).copied()??, p)));
            let seed = self.seed;
            // The group: this dimension's classification, the rest of the key
            // and the period.
            let mut hash = || {
                let own = if obs_key.iter().any(|(i, _)| *i == d) {
                    obs_hash(obs_key, d, period, seed)
                } else {
                    *common.get_or_insert_with(|| obs_hash(obs_key, usize::MAX, period, seed))
                };
                group_hash(family, own, seed)
            };
            let Some(g) = self.open_group(fast, &mut hash, d) else {
                continue;
            };
            let Some(acc) = self.accs.get_mut(g as usize) else {
                continue;
            };
            if let Some(code) = code {
                // Past 4 billion totals (more than memory holds) a group keeps
                // its earlier total.
                let Ok(n) = u32::try_from(self.totals.len() + 1) else {
                    continue;
                };
                acc.total = n;
                let (dataset, label, at_period) = at;
                // With the usual key the label is the series' own: no need
                // to compare it again for each total.
                let series = match (&self.last_label, label) {
                    (Some(l), Some(_)) if plain && self.label_current => Some(Arc::clone(l)),
                    (_, Some(l)) => {
                        self.label_current = plain;
                        Some(shared(&mut self.last_label, l))
                    }
                    (_, None) => None,
                };
                let numbered = period_id
                    .and_then(|p| self.period_texts.get(p as usize))
                    .filter(|t| at_period.is_some_and(|a| std::ptr::eq(a, period) || &***t == a));
                let at_period = match numbered {
                    Some(t) => Some(Arc::clone(t)),
                    None => at_period.map(|p| intern(&mut self.periods, p)),
                };
                self.totals.push(Total {
                    value: x,
                    code,
                    group: g,
                    series,
                    period: at_period,
                    dataset,
                    line: 0,
                    column: 0,
                    record: 0,
                    positioned: false,
                });
                self.pending.push(self.totals.len() - 1);
            } else {
                acc.sum += x;
                acc.parts += 1;
                acc.sex_mask |= sex_bit;
            }
            // SEX_O is optional: T, M and F make the breakdown complete, unless O
            // may still come; judge at the end of the dataset to include it.
        }
    }

    /// Whether a total waits for its position.
    pub fn wants_position(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The reader's position after the last observation: where its total is.
    pub fn set_position(&mut self, pos: &Position) {
        if self.pending.is_empty() {
            return;
        }
        if self.source.as_deref() != Some(pos.source.as_str()) {
            self.source = Some(pos.source.clone());
        }
        for i in self.pending.drain(..) {
            if let Some(t) = self.totals.get_mut(i) {
                t.line = pos.line;
                t.column = pos.column;
                t.record = pos.record;
                t.positioned = true;
            }
        }
    }

    /// The dataset ends: the groups to judge (those with a total and parts),
    /// in the order their totals came. Judge them one by one with
    /// [`Ilms::judge`] so that only one message is built at a time.
    pub fn end_dataset(&mut self) -> Closing {
        self.limit_hit = false;
        self.pending.clear();
        self.last_label = None;

        self.groups.clear();
        self.rows.clear();
        self.row_groups.clear();
        self.row_cells = 0;
        self.series_row.clear();
        Closing {
            accs: std::mem::take(&mut self.accs),
            totals: std::mem::take(&mut self.totals).into_iter().enumerate(),
        }
    }

    /// The warning a group deserves, if any.
    /// `keep` tells whether a finding of a rule would be kept in the report: when
    /// not, it is only counted, and its message is not built.
    pub fn judge(
        &mut self,
        schema: &Schema,
        group: Group,
        keep: impl Fn(Rule) -> bool,
    ) -> Option<IlmsFinding> {
        let acc = group;
        let t = acc.total;
        let (total, dim) = (t.value, acc.dim as usize);
        let tol = (self.opts.absolute_tolerance * acc.parts as f64)
            .max(self.opts.relative_tolerance * total.abs());
        let diff = total - acc.sum;
        let spec = &schema.dimensions[dim].spec;
        let sex = spec.id == "SEX";
        let (rule, complete) = if sex {
            (Rule::IlmsSexTotal, acc.sex_mask & 3 == 3)
        } else {
            let prefix = version_prefix(&t.code);
            let n = self.candidate_parts(schema, dim, prefix);
            (Rule::IlmsClassificationTotal, acc.parts >= n)
        };
        let bad = if complete {
            diff.abs() > tol
        } else {
            -diff > tol
        };
        if !bad {
            return None;
        }
        if !keep(rule) {
            return Some(IlmsFinding {
                rule,
                message: String::new(),
                component: None,
                value: None,
                at: Some(Location::default()),
            });
        }
        let parts_text = if sex {
            let names = ["SEX_M", "SEX_F", "SEX_O"];
            let text: Vec<&str> = names
                .iter()
                .enumerate()
                .filter(|(i, _)| acc.sex_mask & (1 << i) != 0)
                .map(|(_, n)| *n)
                .collect();
            text.join(" + ")
        } else {
            format!(
                "the {} {}_* codes reported",
                acc.parts,
                version_prefix(&t.code)
            )
        };
        let position = t.positioned.then(|| Position {
            source: self.source.clone().unwrap_or_default(),
            line: t.line,
            column: t.column,
            record: t.record,
        });
        Some(IlmsFinding {
            rule,
            message: format!(
                "{} = {total} but {parts_text} sum to {} (difference {}, tolerance {})",
                t.code,
                round(acc.sum),
                round(diff),
                round(tol)
            ),
            component: Some(spec.id.clone()),
            value: Some(t.code.to_string()),
            at: Some(Location {
                position,
                dataset: t.dataset,
                series: t.series.as_deref().map(str::to_owned),
                period: t.period.as_deref().map(str::to_owned),
            }),
        })
    }

    fn candidate_parts(&mut self, schema: &Schema, dim: usize, prefix: &str) -> u32 {
        if let Some((_, _, n)) = self
            .candidates
            .iter()
            .find(|(d, p, _)| *d == dim && **p == *prefix)
        {
            return *n;
        }
        let spec = &schema.dimensions[dim].spec;
        let codes = spec.allowed.as_ref().or(spec.codes.as_ref());
        let n = codes
            .map(|cs| {
                cs.iter()
                    .filter(|c| version_prefix(c) == prefix && is_part(spec, c))
                    .count() as u32
            })
            .unwrap_or(u32::MAX);
        self.candidates.push((dim, prefix.into(), n));
        n
    }
}

/// Whether a code is a first-level part of a breakdown: not a total, and its
/// parent (if any) is a total or a heading such as `ECO_ISIC4` (a code with no
/// second underscore, which names the classification rather than a category).
fn is_part(spec: &super::ComponentSpec, code: &str) -> bool {
    !spec.totals.contains(code)
        && version_prefix(code) != code
        && spec
            .parents
            .get(code)
            .is_none_or(|p| spec.totals.contains(p) || version_prefix(p) == p)
}

/// `text.trim().parse::<f64>()`, without the general parser for the usual
/// plain decimals (`12345.678`): up to 15 significant digits and 22 decimals
/// make an exact integer divided by an exact power of ten, which IEEE division
/// rounds correctly, as the general parser does.
fn parse_number(text: &str) -> Option<f64> {
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    let b = text.as_bytes();
    let (negative, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    let mut mantissa: u64 = 0;
    let (mut count, mut decimals, mut dot) = (0usize, 0usize, false);
    for &c in digits {
        if c.is_ascii_digit() {
            count += 1;
            if count > 15 {
                return text.trim().parse().ok();
            }
            mantissa = mantissa * 10 + u64::from(c - b'0');
            decimals += usize::from(dot);
        } else if c == b'.' && !dot {
            dot = true;
        } else {
            return text.trim().parse().ok();
        }
    }
    if count == 0 || decimals >= POW10.len() {
        return text.trim().parse().ok();
    }
    // Below 10^15 < 2^53: exact as a double.
    let x = mantissa as f64 / POW10[decimals];
    Some(if negative { -x } else { x })
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain-decimal fast path gives the very double the general parser does.
    #[test]
    fn numbers_parse_as_the_standard_parser_does() {
        let mut inputs: Vec<String> = [
            "0",
            "-0",
            "+0",
            "0.0",
            "-0.0",
            ".5",
            "5.",
            "-.5",
            ".",
            "-",
            "+",
            "",
            " 1",
            "1 ",
            "1e3",
            "1E-3",
            "inf",
            "NaN",
            "-inf",
            "1.2.3",
            "1..2",
            "0.1",
            "0.2",
            "0.3",
            "123456789012345",
            "1234567890123456",
            "12345678901234567890",
            "0.000000000000001",
            "1.0000000000000000000001",
            "0.0000000000000000000001",
            "0.00000000000000000000001",
            "999999999999999",
            "999999999999999.9",
            "526.300",
            "8534.352",
            "12069.490",
            "-15931.856",
            "+305.395",
            "1_0",
            "0x10",
            "٣",
            "1,5",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // A spread of values with every number of decimals.
        let mut seed = 0x1234_5678_9abc_def0u64;
        for _ in 0..20_000 {
            seed = super::super::seen::fmix(seed);
            let digits = (seed % 16) as usize + 1;
            let int = seed >> 8;
            let text = format!("{:0width$}", int % 10u64.pow(digits as u32), width = digits);
            let dot = ((seed >> 4) % (digits as u64 + 1)) as usize;
            let sign = ["", "-", "+"][((seed >> 40) % 3) as usize];
            inputs.push(format!("{sign}{}.{}", &text[..dot], &text[dot..]));
            inputs.push(format!("{sign}{text}"));
        }
        for s in &inputs {
            let want = s.trim().parse::<f64>().ok();
            let got = parse_number(s);
            assert_eq!(
                got.map(f64::to_bits),
                want.map(f64::to_bits),
                "{s:?}: {got:?} vs {want:?}"
            );
        }
    }

    #[test]
    fn prefixes_and_versions() {
        assert_eq!(version_prefix("ECO_ISIC4_A"), "ECO_ISIC4");
        assert_eq!(version_prefix("SEX_T"), "SEX_T");
        assert!(versioned("ECO_ISIC4"));
        assert!(versioned("OCU_ISCO08"));
        assert!(!versioned("ECO_AGGREGATE"));
        assert!(!versioned("AGE_5YRBANDS"));
        assert!(!versioned("SEX_T"));
        assert_eq!(unit_of("MST_TEMP_NB"), Some("NB"));
        assert_eq!(unit_of("DF_UNE_DEAP_SEX_AGE_RT"), Some("RT"));
        assert_eq!(unit_of("EXR"), None);
    }
}
