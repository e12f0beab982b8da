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

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasher, DefaultHasher, Hash, Hasher};

use crate::data::Position;

use super::report::Location;
use super::seen::Mix;
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

/// One open group: kept small (about 40 bytes in the map), with the total's
/// details boxed and only when a total was seen.
#[derive(Debug)]
struct Acc {
    dim: u32,
    parts: u32,
    sex_mask: u8,
    sum: f64,
    total: Option<Box<Total>>,
}

/// A group handed out for judgement at the end of a dataset.
#[derive(Debug)]
pub(crate) struct Group(Acc);

/// The total of a group and where it was (the source name is kept once, in
/// [`Ilms`]).
#[derive(Debug)]
struct Total {
    value: f64,
    code: Box<str>,
    seq: u64,
    series: Option<Box<str>>,
    period: Option<Box<str>>,
    dataset: Option<u64>,
    line: u64,
    column: u64,
    record: u64,
    positioned: bool,
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
    /// holds it, and a hash of the series key without it.
    series_class: Vec<Option<Class>>,
    series_hash: Vec<u64>,
    seed: Mix,
    groups: HashMap<u64, Acc, Mix>,
    versions: HashMap<u64, (String, bool)>,
    limit_hit: bool,
    seq: u64,
    /// The groups whose total the last observation set (its position is patched
    /// in once the reader reports it).
    pending: Vec<u64>,
    unit: Option<&'static str>,
    dataset_unit_mult: Option<String>,
    candidates: HashMap<(usize, String), u32>,
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
    prefix: Box<str>,
    code: Box<str>,
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
            seed: Mix::default(),
            groups: HashMap::default(),
            versions: HashMap::new(),
            limit_hit: false,
            seq: 0,
            pending: Vec::new(),
            unit: None,
            dataset_unit_mult: None,
            candidates: HashMap::new(),
            source: None,
            out: Vec::new(),
        }
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
        for ti in 0..self.total_dims.len() {
            let (d, kind) = self.total_dims[ti];
            let class = key
                .iter()
                .find(|(i, _)| *i == d)
                .map(|&(_, code)| classify(schema, d, kind, code));
            self.series_class.push(class);
            self.series_hash
                .push(hash_pairs(d, key.iter().copied(), self.seed));
        }
    }

    /// An observation: `obs_key` holds the (dimension index, value) pairs of its
    /// key that the series key (see [`Ilms::series_totals`]) lacks; `period` and
    /// `value` are its period and primary measure value.
    #[allow(clippy::too_many_arguments)]
    pub fn obs(
        &mut self,
        schema: &Schema,
        obs_key: &[(usize, &str)],
        period: Option<&str>,
        value: Option<&str>,
        unit_mult: Option<&str>,
        here: impl Fn() -> Location,
    ) {
        self.pending.clear();
        if let Some(u) = unit_mult {
            self.check_unit_mult(u);
        }
        let Some(x) = value.and_then(|v| v.trim().parse::<f64>().ok()) else {
            return;
        };
        if !x.is_finite() {
            return;
        }
        if self.negative_on && self.unit == Some("NB") && x < 0.0 {
            self.out.push(IlmsFinding {
                rule: Rule::IlmsNegative,
                message: format!("a count (NB indicator) is negative: {x}"),
                component: Some("OBS_VALUE".to_owned()),
                value: value.map(str::to_owned),
                at: None,
            });
        }
        let period = period.unwrap_or("");
        for ti in 0..self.total_dims.len() {
            let (d, kind) = self.total_dims[ti];
            let computed;
            let class = match self.series_class.get(ti) {
                Some(Some(c)) => c,
                _ => {
                    let Some(&(_, code)) = obs_key.iter().find(|(i, _)| *i == d) else {
                        continue;
                    };
                    computed = classify(schema, d, kind, code);
                    &computed
                }
            };
            if !class.is_total && !class.is_part {
                continue;
            }
            // The group: this dimension's classification, the rest of the key
            // (series part hashed once per series), and the period.
            let mut h = self.seed.build_hasher();
            h.write_u64(self.series_hash.get(ti).copied().unwrap_or_default());
            for &(i, v) in obs_key {
                if i != d {
                    h.write_usize(i);
                    h.write(v.as_bytes());
                }
            }
            h.write_u8(0xFF);
            h.write(period.as_bytes());
            h.write_u8(0xFF);
            h.write(class.prefix.as_bytes());
            let h = h.finish();
            let full = self.groups.len() >= self.opts.max_groups;
            let acc = match self.groups.entry(h) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => {
                    if full {
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
                        continue;
                    }
                    e.insert(Acc {
                        dim: d as u32,
                        total: None,
                        sum: 0.0,
                        parts: 0,
                        sex_mask: 0,
                    })
                }
            };
            if class.is_total {
                self.seq += 1;
                let at = here();
                acc.total = Some(Box::new(Total {
                    value: x,
                    code: class.code.clone(),
                    seq: self.seq,
                    series: at.series.map(String::into_boxed_str),
                    period: at.period.map(String::into_boxed_str),
                    dataset: at.dataset,
                    line: 0,
                    column: 0,
                    record: 0,
                    positioned: false,
                }));
                self.pending.push(h);
            } else {
                acc.sum += x;
                acc.parts += 1;
                acc.sex_mask |= class.sex_bit;
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
        for h in self.pending.drain(..) {
            if let Some(t) = self.groups.get_mut(&h).and_then(|acc| acc.total.as_mut()) {
                t.line = pos.line;
                t.column = pos.column;
                t.record = pos.record;
                t.positioned = true;
            }
        }
    }

    /// The dataset ends: the groups to judge, in the order their totals came.
    /// Judge them one by one with [`Ilms::judge`] so that only one message is
    /// built at a time.
    pub fn end_dataset(&mut self) -> Vec<Group> {
        let mut groups: Vec<Group> = std::mem::take(&mut self.groups)
            .into_values()
            .filter(|acc| acc.parts > 0 && acc.total.is_some())
            .map(Group)
            .collect();
        groups.sort_by_key(|g| g.0.total.as_ref().map_or(0, |t| t.seq));
        self.limit_hit = false;
        groups
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
        let acc = group.0;
        let t = acc.total?;
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
                series: t.series.map(String::from),
                period: t.period.map(String::from),
            }),
        })
    }

    fn candidate_parts(&mut self, schema: &Schema, dim: usize, prefix: &str) -> u32 {
        if let Some(n) = self.candidates.get(&(dim, prefix.to_owned())) {
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
        self.candidates.insert((dim, prefix.to_owned()), n);
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

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

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
