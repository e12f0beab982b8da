//! The constraint cascade: which values a component of a dataflow may take once
//! the allowed content constraints attached to its DSD, the dataflow, and
//! optionally a provision agreement (and its data provider) are applied.
//!
//! Semantics (SDMX Technical Notes, "Constraints"): every constraint in the
//! cascade must hold, so the levels intersect; within one constraint a key is
//! allowed when it lies in one of the included cube regions (a component a region
//! does not list is unrestricted) and in none of the excluded ones; key sets work
//! the same way on whole or partial keys. Only `Allowed` constraints count:
//! `Actual` ones describe availability, not validity.

use std::collections::{BTreeSet, HashSet};

use indexmap::IndexSet;

use crate::model::{
    Artefact, ArtefactClass, ArtefactRef, Codelist, ConstraintRole, ContentConstraint, CubeRegion,
    DataStructure, Dataflow, MemberSelection, ProvisionAgreement, TimeRange, TimeRangeBound,
};
use crate::structure::{Location, StructureError};

use super::Registry;
use super::resolve::resolved_item_urn;

/// An interval of time periods, each end open when `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TimeWindow {
    /// The earliest period allowed.
    pub start: Option<TimeRangeBound>,
    /// The latest period allowed.
    pub end: Option<TimeRangeBound>,
}

impl TimeWindow {
    /// True when neither end is bounded.
    pub fn is_unbounded(&self) -> bool {
        self.start.is_none() && self.end.is_none()
    }

    /// Whether a reporting period (`2020`, `2020-Q3`, `2020-07`, `2020-07-15`…)
    /// falls in the window. Periods and bounds are compared by the day they start
    /// on, which is exact for the yearly, quarterly and monthly data the gateway
    /// exchanges. A period that cannot be read is let through: checking its
    /// format is the validator's job, not the constraint's.
    pub fn contains(&self, period: &str) -> bool {
        let Some((p, _)) = period_span(period) else {
            return true;
        };
        // An inclusive bound covers its whole period (`2020` up to 2020-12-31); an
        // exclusive start excludes it entirely.
        let after_start = self
            .start
            .as_ref()
            .is_none_or(|b| match period_span(&b.period) {
                Some((s, _)) if b.inclusive => p >= s,
                Some((_, e)) => p > e,
                None => true,
            });
        let before_end = self
            .end
            .as_ref()
            .is_none_or(|b| match period_span(&b.period) {
                Some((_, e)) if b.inclusive => p <= e,
                Some((s, _)) => p < s,
                None => true,
            });
        after_start && before_end
    }

    /// The window a constraint's time range describes.
    fn of(range: &TimeRange) -> TimeWindow {
        match range {
            TimeRange::Before(b) => TimeWindow {
                start: None,
                end: Some(b.clone()),
            },
            TimeRange::After(b) => TimeWindow {
                start: Some(b.clone()),
                end: None,
            },
            TimeRange::Between { start, end } => TimeWindow {
                start: Some(start.clone()),
                end: Some(end.clone()),
            },
        }
    }

    /// Narrows this window to its overlap with `other`.
    fn intersect(&mut self, other: &TimeWindow) {
        if let Some(s) = &other.start {
            if self.start.as_ref().is_none_or(|c| later(s, c)) {
                self.start = Some(s.clone());
            }
        }
        if let Some(e) = &other.end {
            if self.end.as_ref().is_none_or(|c| later(c, e)) {
                self.end = Some(e.clone());
            }
        }
    }

    /// Widens this window to cover `other` too (the hull of two regions).
    fn hull(&mut self, other: &TimeWindow) {
        self.start = match (&self.start, &other.start) {
            (Some(a), Some(b)) => Some(if later(a, b) { b.clone() } else { a.clone() }),
            _ => None,
        };
        self.end = match (&self.end, &other.end) {
            (Some(a), Some(b)) => Some(if later(a, b) { a.clone() } else { b.clone() }),
            _ => None,
        };
    }
}

/// Whether bound `a` lies after bound `b`.
fn later(a: &TimeRangeBound, b: &TimeRangeBound) -> bool {
    period_span(&a.period) > period_span(&b.period)
}

/// The first and last day of a period as `YYYY-MM-DD` text, which orders like the
/// dates: `2020` → 2020-01-01..2020-12-31, `2020-Q3` → 2020-07-01..2020-09-31
/// (every month ends on day 31 here: no period starts between a month's true end
/// and 31, so comparisons are unaffected), `2020-07-15T…` → that day.
fn period_span(period: &str) -> Option<(String, String)> {
    let (year, first, last, day) = period_parts(period)?;
    match day {
        Some(d) => {
            let date = format!("{year}-{first:02}-{d:02}");
            Some((date.clone(), date))
        }
        None => Some((
            format!("{year}-{first:02}-01"),
            format!("{year}-{last:02}-31"),
        )),
    }
}

/// Year, first month, last month and (for dates) the day of a period.
fn period_parts(period: &str) -> Option<(&str, u32, u32, Option<u32>)> {
    let p = period.trim();
    let year = p
        .get(..4)
        .filter(|y| y.bytes().all(|b| b.is_ascii_digit()))?;
    let rest = &p[4..];
    let number = |s: &str| s.parse::<u32>().ok();
    let parts = match rest.strip_prefix('-') {
        None if rest.is_empty() => (1, 12, None),
        None => return None,
        Some(r) => {
            let r = r.split(['T', 'Z', '+']).next().unwrap_or(r);
            if let Some(a) = r.strip_prefix('A') {
                number(a).filter(|n| *n == 1).map(|_| (1, 12, None))?
            } else if let Some(s) = r.strip_prefix('S') {
                let s = number(s).filter(|n| (1..=2).contains(n))?;
                (s * 6 - 5, s * 6, None)
            } else if let Some(q) = r.strip_prefix('Q') {
                let q = number(q).filter(|n| (1..=4).contains(n))?;
                (q * 3 - 2, q * 3, None)
            } else if let Some(m) = r.strip_prefix('M') {
                let m = number(m).filter(|n| (1..=12).contains(n))?;
                (m, m, None)
            } else if let Some(w) = r.strip_prefix('W') {
                // Weeks are placed in the month their first day falls in, roughly.
                let w = number(w).filter(|n| (1..=53).contains(n))?;
                let m = ((w - 1) * 7 / 31 + 1).min(12);
                (m, m, None)
            } else {
                let mut pieces = r.split('-');
                let m = pieces
                    .next()
                    .and_then(number)
                    .filter(|n| (1..=12).contains(n))?;
                match pieces.next() {
                    Some(d) => (m, m, Some(number(d).filter(|n| (1..=31).contains(n))?)),
                    None => (m, m, None),
                }
            }
        }
    };
    Some((year, parts.0, parts.1, parts.2))
}

/// The values one component may take after the cascade.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AllowedValues {
    /// The component id (`SEX`).
    pub component: String,
    /// The codelist that enumerates the component (resolved to an exact version;
    /// for a 2.1 measure dimension, the concept scheme), or `None` for an uncoded
    /// component.
    pub codelist: Option<ArtefactRef>,
    /// The allowed codes in codelist order, or `None` when any value is allowed
    /// (an uncoded component no constraint enumerates).
    pub codes: Option<IndexSet<String>>,
    /// Values excluded when `codes` is `None` (an uncoded component with an
    /// exclusion); empty otherwise.
    pub excluded: BTreeSet<String>,
    /// The allowed time periods (for the time dimension; unbounded elsewhere).
    pub time: TimeWindow,
}

impl AllowedValues {
    /// Whether `value` is allowed for this component. Time periods are checked
    /// against [`AllowedValues::time`].
    pub fn allows(&self, value: &str) -> bool {
        let listed = match &self.codes {
            Some(codes) => codes.contains(value),
            None => !self.excluded.contains(value),
        };
        listed && (self.time.is_unbounded() || self.time.contains(value))
    }
}

/// The allowed values of every dimension of a dataflow, plus what is needed to
/// check combinations of them (a cube region may allow `SEX_F` only with
/// `AGE_Y15-64`, which per-dimension sets cannot express).
#[derive(Debug, Clone)]
pub struct AllowedRegion<'a> {
    /// The DSD of the dataflow.
    pub structure: &'a DataStructure,
    /// Every dimension, in key order (the time dimension last).
    pub dimensions: Vec<AllowedValues>,
    /// The allowed constraints applied, from the DSD level down.
    pub constraints: Vec<&'a ContentConstraint>,
    codelists: Vec<(String, &'a Codelist)>,
}

impl AllowedRegion<'_> {
    /// The allowed values of one dimension.
    pub fn dimension(&self, id: &str) -> Option<&AllowedValues> {
        self.dimensions.iter().find(|d| d.component == id)
    }

    /// Whether a (full or partial) key, given as `(dimension id, value)` pairs, is
    /// allowed: every value is allowed for its dimension and the combination lies
    /// in the cube regions and key sets of every constraint of the cascade.
    pub fn allows_key(&self, key: &[(&str, &str)]) -> bool {
        let values_ok = key
            .iter()
            .all(|(dim, v)| self.dimension(dim).is_none_or(|a| a.allows(v)));
        values_ok
            && self
                .constraints
                .iter()
                .all(|c| self.constraint_allows(c, key))
    }

    fn constraint_allows(&self, c: &ContentConstraint, key: &[(&str, &str)]) -> bool {
        let region_has = |r: &CubeRegion| {
            r.key_values.iter().all(|sel| {
                key.iter()
                    .find(|(d, _)| *d == sel.component)
                    .is_none_or(|(_, v)| {
                        sel.time_range.is_some() || self.selection_matches(sel, v) == sel.include
                    })
            })
        };
        let included: Vec<&CubeRegion> = c.cube_regions.iter().filter(|r| r.include).collect();
        if !included.is_empty() && !included.iter().any(|r| region_has(r)) {
            return false;
        }
        let excluded = c
            .cube_regions
            .iter()
            .filter(|r| !r.include && !r.key_values.is_empty());
        for r in excluded {
            let hits = r.key_values.iter().all(|sel| {
                sel.time_range.is_none()
                    && key
                        .iter()
                        .find(|(d, _)| *d == sel.component)
                        .is_some_and(|(_, v)| self.selection_matches(sel, v) == sel.include)
            });
            if hits {
                return false;
            }
        }
        let key_matches = |k: &crate::model::DataKey| {
            k.values.iter().all(|(d, v)| {
                key.iter()
                    .find(|(kd, _)| kd == d)
                    .is_none_or(|(_, kv)| kv == v)
            })
        };
        let mut any_included = false;
        let mut in_included = false;
        for set in &c.data_key_sets {
            for k in &set.keys {
                if set.included && k.include {
                    any_included = true;
                    in_included |= key_matches(k);
                } else if k
                    .values
                    .iter()
                    .all(|(d, _)| key.iter().any(|(kd, _)| kd == d))
                    && key_matches(k)
                {
                    return false;
                }
            }
        }
        !any_included || in_included
    }

    fn selection_matches(&self, sel: &MemberSelection, value: &str) -> bool {
        let codelist = self
            .codelists
            .iter()
            .find(|(c, _)| *c == sel.component)
            .map(|(_, cl)| *cl);
        sel.values.iter().any(|sv| {
            if matches_value(&sv.value, value) {
                return true;
            }
            if !sv.cascade {
                return false;
            }
            // cascadeValues: a descendant of the selected code matches too.
            let Some(cl) = codelist else { return false };
            let mut current = cl.code(value).and_then(|c| c.parent.as_deref());
            let mut steps = 0;
            while let Some(parent) = current {
                if parent == sv.value {
                    return true;
                }
                steps += 1;
                if steps > cl.codes.len() {
                    break; // a cycle in the parents: nothing more to find
                }
                current = cl.code(parent).and_then(|c| c.parent.as_deref());
            }
            false
        })
    }
}

/// Whether a selection value (3.0 allows `%` for any run of characters) matches.
fn matches_value(pattern: &str, value: &str) -> bool {
    if !pattern.contains('%') {
        return pattern == value;
    }
    let parts: Vec<&str> = pattern.split('%').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !value.starts_with(first) || value.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &value[first.len()..];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// A set of values: either exactly these, or anything except these.
#[derive(Debug, Clone)]
enum Set {
    Only(HashSet<String>),
    AnyExcept(HashSet<String>),
}

impl Set {
    fn any() -> Set {
        Set::AnyExcept(HashSet::new())
    }

    fn union(self, other: Set) -> Set {
        match (self, other) {
            (Set::Only(a), Set::Only(b)) => Set::Only(&a | &b),
            (Set::AnyExcept(e), Set::Only(o)) | (Set::Only(o), Set::AnyExcept(e)) => {
                Set::AnyExcept(&e - &o)
            }
            (Set::AnyExcept(a), Set::AnyExcept(b)) => Set::AnyExcept(&a & &b),
        }
    }

    fn intersect(self, other: Set) -> Set {
        match (self, other) {
            (Set::Only(a), Set::Only(b)) => Set::Only(&a & &b),
            (Set::AnyExcept(e), Set::Only(o)) | (Set::Only(o), Set::AnyExcept(e)) => {
                Set::Only(&o - &e)
            }
            (Set::AnyExcept(a), Set::AnyExcept(b)) => Set::AnyExcept(&a | &b),
        }
    }

    fn subtract(self, values: HashSet<String>) -> Set {
        match self {
            Set::Only(a) => Set::Only(&a - &values),
            Set::AnyExcept(e) => Set::AnyExcept(&e | &values),
        }
    }
}

impl Registry {
    /// The values `component` (a dimension or attribute id) of `dataflow` may
    /// take: the codes of its codelist (the component's own representation, else
    /// its concept's core representation), narrowed by every allowed constraint
    /// attached to the DSD, then the dataflow, then, when given, the provision
    /// agreement and its data provider. For the time dimension, `time` carries
    /// the allowed range.
    ///
    /// Errors: the dataflow's DSD is not loaded, the DSD has no such component,
    /// or the agreement is for another dataflow.
    pub fn allowed_codes(
        &self,
        dataflow: &Dataflow,
        component: &str,
        agreement: Option<&ProvisionAgreement>,
    ) -> Result<AllowedValues, StructureError> {
        let dsd = self.structure_of(dataflow)?;
        let constraints = self.cascade(dataflow, dsd, agreement)?;
        let exists = dsd.dimension(component).is_some() || dsd.attribute(component).is_some();
        if !exists {
            return Err(self.invalid(
                dsd.meta.reference(ArtefactClass::DataStructure),
                format!(
                    "has no dimension or attribute {component}; its dimensions are {}",
                    dsd.dimensions
                        .iter()
                        .map(|d| d.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        Ok(self.values_of(dsd, component, &constraints))
    }

    /// The allowed values of every dimension of `dataflow` after the cascade (see
    /// [`Registry::allowed_codes`]), with the constraints applied so that whole
    /// keys can be checked ([`AllowedRegion::allows_key`]).
    pub fn allowed_region<'a>(
        &'a self,
        dataflow: &Dataflow,
        agreement: Option<&ProvisionAgreement>,
    ) -> Result<AllowedRegion<'a>, StructureError> {
        let dsd = self.structure_of(dataflow)?;
        let constraints = self.cascade(dataflow, dsd, agreement)?;
        let dimensions = dsd
            .dimensions
            .iter()
            .map(|d| self.values_of(dsd, &d.id, &constraints))
            .collect();
        let codelists = dsd
            .dimensions
            .iter()
            .filter_map(|d| Some((d.id.clone(), self.codelist_of(dsd, &d.id)?)))
            .collect();
        Ok(AllowedRegion {
            structure: dsd,
            dimensions,
            constraints,
            codelists,
        })
    }

    /// The codelist enumerating a component of a DSD: the component's local
    /// representation, else its concept's core representation. `None` for an
    /// uncoded component or one whose codelist is not loaded.
    pub fn codelist_of(&self, dsd: &DataStructure, component: &str) -> Option<&Codelist> {
        match self.enumeration_of(dsd, component) {
            Some(Artefact::Codelist(cl)) => Some(cl),
            _ => None,
        }
    }

    /// What enumerates a component: a codelist, or for a 2.1 measure dimension a
    /// concept scheme.
    fn enumeration_of(&self, dsd: &DataStructure, component: &str) -> Option<Artefact<'_>> {
        let (concept, local) = if let Some(d) = dsd.dimension(component) {
            (&d.concept, &d.representation)
        } else if let Some(a) = dsd.attribute(component) {
            (&a.concept, &a.representation)
        } else if let Some(m) = dsd.measure(component) {
            (&m.concept, &m.representation)
        } else {
            return None;
        };
        let enumeration = match local.as_ref().and_then(|r| r.enumeration.as_ref()) {
            Some(e) => e.clone(),
            None => {
                let concept = concept.as_ref()?;
                let Ok(Artefact::ConceptScheme(cs)) = self.locate(&concept.scheme) else {
                    return None;
                };
                cs.concept(&concept.item_id)?
                    .core_representation
                    .as_ref()?
                    .enumeration
                    .clone()?
            }
        };
        self.locate(&enumeration).ok()
    }

    /// The allowed constraints of the cascade, DSD level first.
    fn cascade<'a>(
        &'a self,
        dataflow: &Dataflow,
        dsd: &DataStructure,
        agreement: Option<&ProvisionAgreement>,
    ) -> Result<Vec<&'a ContentConstraint>, StructureError> {
        let df_urn = dataflow.meta.reference(ArtefactClass::Dataflow).urn();
        let mut targets = vec![
            dsd.meta.reference(ArtefactClass::DataStructure).urn(),
            df_urn.clone(),
        ];
        if let Some(pa) = agreement {
            let pa_ref = pa.meta.reference(ArtefactClass::ProvisionAgreement);
            let for_this = matches!(
                self.locate(&pa.dataflow),
                Ok(Artefact::Dataflow(d)) if d.meta.reference(ArtefactClass::Dataflow).urn() == df_urn
            );
            if !for_this {
                return Err(self.invalid(
                    pa_ref,
                    format!(
                        "is an agreement for {}, not for {df_urn}; give an agreement for this dataflow",
                        pa.dataflow.urn()
                    ),
                ));
            }
            targets.push(pa_ref.urn());
            targets.push(resolved_item_urn(self, &pa.data_provider));
        }
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for target in &targets {
            for &at in self.links.constraints_on.get(target).into_iter().flatten() {
                let c = &self.structures.constraints[at];
                if c.role == ConstraintRole::Allowed && seen.insert(at) {
                    out.push(c);
                }
            }
        }
        Ok(out)
    }

    fn values_of(
        &self,
        dsd: &DataStructure,
        component: &str,
        constraints: &[&ContentConstraint],
    ) -> AllowedValues {
        let enumeration = self.enumeration_of(dsd, component);
        // The values in enumeration order: codes, or a measure dimension's concepts.
        let order: Option<Vec<&str>> = match enumeration {
            Some(Artefact::Codelist(cl)) => Some(cl.codes.iter().map(|c| c.id.as_str()).collect()),
            Some(Artefact::ConceptScheme(cs)) => {
                Some(cs.concepts.iter().map(|c| c.item.id.as_str()).collect())
            }
            _ => None,
        };
        let codelist = match enumeration {
            Some(Artefact::Codelist(cl)) => Some(cl),
            _ => None,
        };
        let mut set = match &order {
            Some(ids) => Set::Only(ids.iter().map(|id| (*id).to_owned()).collect()),
            None => Set::any(),
        };
        let mut time = TimeWindow::default();
        for c in constraints {
            let (projection, window) = project(c, component, codelist);
            set = set.intersect(projection);
            if let Some(w) = window {
                time.intersect(&w);
            }
        }
        let (codes, excluded) = match set {
            Set::Only(only) => {
                let ordered: IndexSet<String> = match &order {
                    Some(ids) => ids
                        .iter()
                        .filter(|id| only.contains(**id))
                        .map(|id| (*id).to_owned())
                        .collect(),
                    None => only
                        .into_iter()
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect(),
                };
                (Some(ordered), BTreeSet::new())
            }
            Set::AnyExcept(e) => (None, e.into_iter().collect()),
        };
        AllowedValues {
            component: component.to_owned(),
            codelist: enumeration.map(|e| e.reference()),
            codes,
            excluded,
            time,
        }
    }

    fn invalid(&self, artefact: ArtefactRef, message: String) -> StructureError {
        let urn = artefact.urn();
        StructureError::Invalid {
            location: Location::file(self.source_of(&urn).unwrap_or("<registry>")),
            artefact: urn,
            message,
        }
    }
}

/// What one constraint allows for one component: the value set and, when every
/// included region bounds the time, the time window.
fn project(
    c: &ContentConstraint,
    component: &str,
    codelist: Option<&Codelist>,
) -> (Set, Option<TimeWindow>) {
    let selection = |r: &CubeRegion| -> Option<MemberSelection> {
        r.key_values
            .iter()
            .chain(&r.attributes)
            .find(|s| s.component == component)
            .cloned()
    };
    let mut set: Option<Set> = None;
    let mut window: Option<TimeWindow> = None;
    let mut every_region_timed = true;
    for region in c.cube_regions.iter().filter(|r| r.include) {
        let sel = selection(region);
        let part = match &sel {
            Some(s) if s.time_range.is_none() && s.include => Set::Only(expand(s, codelist)),
            Some(s) if s.time_range.is_none() => Set::AnyExcept(expand(s, codelist)),
            _ => Set::any(),
        };
        set = Some(match set {
            Some(acc) => acc.union(part),
            None => part,
        });
        match sel.as_ref().and_then(|s| s.time_range.as_ref()) {
            Some(range) => {
                let w = TimeWindow::of(range);
                match &mut window {
                    Some(acc) => acc.hull(&w),
                    None => window = Some(w),
                }
            }
            None => every_region_timed = false,
        }
    }
    let mut set = set.unwrap_or_else(Set::any);
    for region in c.cube_regions.iter().filter(|r| !r.include) {
        // An excluded region removes codes only when it restricts this component
        // alone; otherwise it removes combinations, which allows_key checks.
        if let [only] = region.key_values.as_slice() {
            if only.component == component && only.include && only.time_range.is_none() {
                set = set.subtract(expand(only, codelist));
            }
        }
    }
    let mut keys: Option<Set> = None;
    for ks in &c.data_key_sets {
        for key in &ks.keys {
            let value = key.values.iter().find(|(d, _)| d == component);
            if ks.included && key.include {
                let part = match value {
                    Some((_, v)) => Set::Only(HashSet::from([v.clone()])),
                    None => Set::any(),
                };
                keys = Some(match keys {
                    Some(acc) => acc.union(part),
                    None => part,
                });
            } else if let (Some((_, v)), 1) = (value, key.values.len()) {
                set = set.subtract(HashSet::from([v.clone()]));
            }
        }
    }
    if let Some(keys) = keys {
        set = set.intersect(keys);
    }
    let window = window.filter(|_| every_region_timed);
    (set, window)
}

/// The values a selection names, with `%` wildcards and `cascadeValues`
/// expanded against the codelist when there is one.
fn expand(sel: &MemberSelection, codelist: Option<&Codelist>) -> HashSet<String> {
    let mut out = HashSet::new();
    for sv in &sel.values {
        match codelist {
            Some(cl) if sv.value.contains('%') => out.extend(
                cl.codes
                    .iter()
                    .filter(|c| matches_value(&sv.value, &c.id))
                    .map(|c| c.id.clone()),
            ),
            _ => {
                out.insert(sv.value.clone());
            }
        }
        if sv.cascade {
            if let Some(cl) = codelist {
                let mut frontier = vec![sv.value.clone()];
                while let Some(parent) = frontier.pop() {
                    for child in cl
                        .codes
                        .iter()
                        .filter(|c| c.parent.as_deref() == Some(&parent))
                    {
                        if out.insert(child.id.clone()) {
                            frontier.push(child.id.clone());
                        }
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_spans_order_mixed_frequencies() {
        let span = |p: &str| period_span(p).map(|(a, b)| format!("{a}..{b}"));
        assert_eq!(span("2020").as_deref(), Some("2020-01-01..2020-12-31"));
        assert_eq!(span("2020-Q3").as_deref(), Some("2020-07-01..2020-09-31"));
        assert_eq!(span("2020-S2").as_deref(), Some("2020-07-01..2020-12-31"));
        assert_eq!(span("2020-M11").as_deref(), Some("2020-11-01..2020-11-31"));
        assert_eq!(span("2020-11").as_deref(), Some("2020-11-01..2020-11-31"));
        assert_eq!(
            span("2020-11-05").as_deref(),
            Some("2020-11-05..2020-11-05")
        );
        assert_eq!(
            span("2020-11-05T10:00:00Z").as_deref(),
            Some("2020-11-05..2020-11-05")
        );
        assert_eq!(span("2020-A1").as_deref(), Some("2020-01-01..2020-12-31"));
        assert_eq!(span("20x0"), None);
        assert_eq!(span("2020-Q5"), None);
        assert_eq!(span("2020-13"), None);
    }

    #[test]
    fn windows_include_and_exclude_bounds() {
        let bound = |p: &str, inclusive| TimeRangeBound {
            period: p.to_owned(),
            inclusive,
        };
        let w = TimeWindow {
            start: Some(bound("2010", true)),
            end: Some(bound("2015-12-31", false)),
        };
        assert!(w.contains("2010"));
        assert!(w.contains("2015-Q4"));
        assert!(!w.contains("2009-12"));
        assert!(!w.contains("2016"));
        assert!(w.contains("2015-12"));
        assert!(!w.contains("2015-12-31"), "exclusive end");
        let inclusive_year = TimeWindow {
            start: None,
            end: Some(bound("2020", true)),
        };
        assert!(inclusive_year.contains("2020-Q4"));
        assert!(!inclusive_year.contains("2021-01"));
        let open_start = TimeWindow {
            start: Some(bound("2010", false)),
            end: None,
        };
        assert!(!open_start.contains("2010"));
        assert!(!open_start.contains("2010-02"));
        assert!(open_start.contains("2011"));
        let after_day = TimeWindow {
            start: Some(bound("2010-01-31", false)),
            end: None,
        };
        assert!(after_day.contains("2010-02"));
    }

    #[test]
    fn wildcards_match_runs_of_characters() {
        assert!(matches_value("CCT_%", "CCT_CTZ_PHL"));
        assert!(matches_value("%_PHL", "CCT_CTZ_PHL"));
        assert!(matches_value("C%Z%L", "CCT_CTZ_PHL"));
        assert!(!matches_value("CBR_%", "CCT_CTZ_PHL"));
        assert!(!matches_value("A%A", "A"));
        assert!(matches_value("SEX_F", "SEX_F"));
        assert!(!matches_value("SEX_F", "SEX_M"));
    }

    #[test]
    fn set_algebra_keeps_exclusions() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<HashSet<_>>();
        let only = |v: &[&str]| Set::Only(s(v));
        let except = |v: &[&str]| Set::AnyExcept(s(v));
        let as_only = |x: Set| match x {
            Set::Only(o) => o,
            Set::AnyExcept(_) => panic!("expected a finite set"),
        };
        assert_eq!(
            as_only(only(&["a", "b"]).intersect(except(&["b"]))),
            s(&["a"])
        );
        assert_eq!(as_only(only(&["a"]).union(only(&["b"]))), s(&["a", "b"]));
        match except(&["a", "b"]).union(only(&["a"])) {
            Set::AnyExcept(e) => assert_eq!(e, s(&["b"])),
            Set::Only(_) => panic!("expected a co-finite set"),
        }
        match except(&["a"]).intersect(except(&["b"])) {
            Set::AnyExcept(e) => assert_eq!(e, s(&["a", "b"])),
            Set::Only(_) => panic!("expected a co-finite set"),
        }
        assert_eq!(as_only(only(&["a", "b"]).subtract(s(&["a"]))), s(&["b"]));
    }
}
