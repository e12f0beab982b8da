//! Applying a mapping: read the header rows, find the value columns, prepare
//! code resolvers and fixed values ([`Plan`]), then turn each data row into
//! observations as it is read ([`Plan::map_row`]).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::data::StructureUse;
use crate::model::{AttachmentLevel, Codelist, DataStructure, DimensionKind};

use super::MappingError;
use super::codes::{CodeResolver, normalise};
use super::reader::MappedReader;
use super::spec::{LayoutKind, Mapping, ValueRules};
use super::table::{CellRef, Row, RowSource, open_table, parse_cell};
use super::values::{CellValue, parse_value};

/// What the mapping writes into: the DSD, the structure the output names, and
/// the codelists of its coded components (by component id) to check codes
/// against and to match labels with code names.
#[derive(Debug)]
pub struct Target<'a> {
    /// The data structure.
    pub dsd: &'a DataStructure,
    /// The dataflow (or DSD) the output names.
    pub usage: StructureUse,
    /// Component id → codelist.
    pub codelists: HashMap<String, &'a Codelist>,
    /// Component id → the codes the dataflow's constraints allow (absent: any
    /// code of the codelist).
    pub allowed: HashMap<String, HashSet<String>>,
}

impl<'a> Target<'a> {
    /// The target for a dataflow: its DSD's codelists, and the codes the
    /// dataflow's constraints allow per dimension (the registry's cascade).
    pub fn for_dataflow(
        registry: &'a crate::structure::Registry,
        flow: &'a crate::model::Dataflow,
        dsd: &'a DataStructure,
    ) -> Target<'a> {
        let codelists = dsd
            .dimensions
            .iter()
            .map(|d| d.id.as_str())
            .chain(dsd.attributes.iter().map(|a| a.id.as_str()))
            .filter_map(|c| Some((c.to_owned(), registry.codelist_of(dsd, c)?)))
            .collect();
        let allowed = dsd
            .dimensions
            .iter()
            .filter_map(|d| {
                let codes = registry.allowed_codes(flow, &d.id, None).ok()?.codes?;
                Some((d.id.clone(), codes.into_iter().collect()))
            })
            .collect();
        Target {
            dsd,
            usage: StructureUse::Dataflow(
                flow.meta.reference(crate::model::ArtefactClass::Dataflow),
            ),
            codelists,
            allowed,
        }
    }
}

/// Reads the table (`table` overrides the mapping's, else the mapping's path is
/// taken relative to `base`, the mapping file's folder) and maps it.
///
/// The header rows are read (and the mapping checked against them) before this
/// returns; the data rows are read and mapped as the returned reader is
/// consumed. Problems in the cells do not stop the reading: every one is
/// collected and the reader ends with an error listing them (see
/// [`MappedReader::take_problems`]).
pub fn map_table<'a>(
    mapping: &Mapping,
    base: &Path,
    table: Option<&Path>,
    target: &Target<'a>,
) -> Result<MappedReader<'a>, MappingError> {
    let path: PathBuf = match table {
        Some(t) => t.to_owned(),
        None => {
            let t = mapping.table.trim();
            if t.starts_with("http://") || t.starts_with("https://") {
                return Err(MappingError::Url(t.to_owned()));
            }
            base.join(t)
        }
    };
    let rows = open_table(&path, &mapping.input)?;
    map_rows(mapping, base, rows, target, &path.display().to_string())
}

/// Maps the rows of any [`RowSource`] (a CSV file, a sheet, a table fetched
/// from an API) as `mapping` says; `source` names it in messages.
pub fn map_rows<'a>(
    mapping: &Mapping,
    base: &Path,
    mut rows: Box<dyn RowSource + 'a>,
    target: &Target<'a>,
    source: &str,
) -> Result<MappedReader<'a>, MappingError> {
    let (plan, first, problems) = Plan::new(mapping, base, rows.as_mut(), target, source)?;
    Ok(MappedReader::new(
        source.to_owned(),
        plan,
        rows,
        first,
        problems,
    ))
}

fn spec_err(message: String) -> MappingError {
    MappingError::Spec { message }
}

/// A value column and, per header row, the component, the header text and its cell.
type HeaderColumn = (usize, Vec<(String, String, CellRef)>);

/// At most this many problems are kept with their text; the rest are counted.
const MAX_PROBLEMS: usize = 1000;

/// The problems found so far: texts (bounded) and a count.
#[derive(Debug, Default)]
pub(super) struct Problems {
    pub(super) list: Vec<String>,
    pub(super) total: usize,
}

impl Problems {
    pub(super) fn push(&mut self, p: String) {
        self.total += 1;
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(p);
        }
    }
}

/// One observation of the row being mapped.
#[derive(Debug)]
pub(super) struct RowObs {
    /// Key dimension values, in DSD order.
    pub(super) key: Vec<String>,
    pub(super) series_attrs: Vec<(String, String)>,
    pub(super) period: String,
    pub(super) value: Option<String>,
    pub(super) attrs: Vec<(String, String)>,
    /// Source row and column of the value cell.
    pub(super) cell: (u32, u32),
}

/// Everything decided before the first data row: which column gives what,
/// the value columns and what their headers say, the fixed values, resolvers.
pub(super) struct Plan<'a> {
    pub(super) time: String,
    pub(super) measure: String,
    pub(super) key_dims: Vec<String>,
    /// Sheet or file name, and whether references are A1-style.
    pub(super) name: String,
    pub(super) a1: bool,
    pub(super) usage: StructureUse,
    dsd: &'a DataStructure,
    col_components: Vec<(usize, String)>,
    /// Value column → its header-given (component, code).
    value_cols: Vec<(usize, Vec<(String, String)>)>,
    fixed: Vec<(String, String)>,
    resolvers: HashMap<String, CodeResolver<'a>>,
    allowed: HashMap<String, HashSet<String>>,
    /// Attribute id → attached to the observation (else to the series).
    obs_level: HashMap<String, bool>,
    values: ValueRules,
    stop: Vec<String>,
    /// Labels already resolved, per component (the same few labels repeat
    /// down a long table).
    memo: HashMap<String, HashMap<String, String>>,
    row_vals: Vec<(String, String)>,
}

impl std::fmt::Debug for Plan<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("name", &self.name)
            .field("columns", &self.col_components)
            .field("value_cols", &self.value_cols.len())
            .finish_non_exhaustive()
    }
}

impl<'a> Plan<'a> {
    /// Reads the header rows from `rows` and prepares the mapping; returns the
    /// first data row if it was read, and the problems found in constants and
    /// header cells (reported with those of the data rows).
    fn new(
        mapping: &Mapping,
        base: &Path,
        rows: &mut (dyn RowSource + 'a),
        target: &Target<'a>,
        source: &str,
    ) -> Result<(Self, Option<Row>, Problems), MappingError> {
        let dsd = target.dsd;
        let time = dsd
            .time_dimension()
            .map(|d| d.id.clone())
            .ok_or_else(|| spec_err(format!("{}: the DSD has no time dimension", dsd.meta.id)))?;
        let measure = dsd
            .measures
            .first()
            .map(|m| m.id.clone())
            .unwrap_or_else(|| "OBS_VALUE".to_owned());
        let known =
            |c: &str| c == measure || dsd.dimension(c).is_some() || dsd.attribute(c).is_some();
        let all_components = || {
            dsd.dimensions
                .iter()
                .map(|d| d.id.as_str())
                .chain(dsd.attributes.iter().map(|a| a.id.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        for c in mapping
            .columns
            .values()
            .chain(mapping.constants.keys())
            .chain(mapping.layout.header_components.iter())
            .chain(mapping.codes.keys())
            .chain(mapping.notes.iter().map(|n| &n.attribute))
        {
            if !known(c) {
                return Err(spec_err(format!(
                    "the mapping names component {c}, which {} does not have; it has {}",
                    dsd.meta.id,
                    all_components()
                )));
            }
        }

        // The header rows (blank ones stay empty); the first row after them
        // is the first data row, kept for the reader.
        let skip = mapping.input.skip_rows as u32;
        let header_rows = mapping.input.header_rows.unwrap_or(1).max(1);
        let header_start = rows.first_row() + skip;
        let header_end = header_start + header_rows as u32;
        let mut header: Vec<Vec<String>> = vec![Vec::new(); header_rows];
        let mut col0 = None;
        let mut first = None;
        let mut last_seen = None;
        let mut row = Row::default();
        while rows.next_row(&mut row)? {
            last_seen = Some(row.row);
            col0.get_or_insert(row.col0);
            if row.row < header_start {
                continue;
            }
            if row.row < header_end {
                header[(row.row - header_start) as usize] = row.cells.clone();
                continue;
            }
            first = Some(std::mem::take(&mut row));
            break;
        }
        if last_seen.is_none_or(|r| r + 1 < header_end) {
            let seen = last_seen.map_or(0, |r| r + 1 - rows.first_row().min(r + 1));
            return Err(spec_err(format!(
                "{source}: the table has {seen} row(s), fewer than skip_rows ({skip}) + header_rows ({header_rows})",
            )));
        }
        let col0 = col0.unwrap_or(0);
        let name = rows.name().to_owned();
        let a1 = rows.a1();
        let at = |r: u32, c: usize| CellRef {
            source: name.clone(),
            sheet: a1,
            row: r,
            col: col0 + c as u32,
        };
        let width = header.iter().map(Vec::len).max().unwrap_or(0);
        let cell =
            |i: usize, c: usize| -> &str { header[i].get(c).map(String::as_str).unwrap_or("") };
        let last_header = header_rows - 1;
        // A column's name: its last header cell, else the nearest one above.
        let names: Vec<String> = (0..width)
            .map(|c| {
                (0..=last_header)
                    .rev()
                    .map(|i| cell(i, c))
                    .find(|t| !t.is_empty())
                    .unwrap_or("")
                    .to_owned()
            })
            .collect();
        let find_col = |label: &str| names.iter().position(|n| normalise(n) == normalise(label));
        let header_list = || {
            names
                .iter()
                .filter(|n| !n.is_empty())
                .map(|n| format!("{n:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let header_ref = at(header_end - 1, 0);
        let mut col_components: Vec<(usize, String)> = Vec::new();
        for (label, comp) in &mapping.columns {
            match find_col(label) {
                Some(c) => col_components.push((c, comp.clone())),
                None => {
                    return Err(spec_err(format!(
                        "[columns] names {label:?} but the header ({header_ref}) has no such column; it has {}",
                        header_list()
                    )));
                }
            }
        }

        // Value columns, with what their header cells say.
        let mut value_cols: Vec<HeaderColumn> = Vec::new();
        match mapping.layout.kind {
            LayoutKind::Long => {
                let c = match &mapping.layout.value {
                    Some(label) => find_col(label).ok_or_else(|| {
                        spec_err(format!(
                            "[layout] value = {label:?} but the header ({header_ref}) has no such column; it has {}",
                            header_list()
                        ))
                    })?,
                    None => col_components
                        .iter()
                        .find(|(_, comp)| *comp == measure)
                        .map(|(c, _)| *c)
                        .ok_or_else(|| {
                            spec_err(format!(
                                "a long layout needs its value column: map one to {measure} in [columns] or give [layout] value"
                            ))
                        })?,
                };
                col_components.retain(|(cc, _)| *cc != c);
                value_cols.push((c, Vec::new()));
            }
            LayoutKind::Wide => {
                let comps = &mapping.layout.header_components;
                if comps.len() != header_rows {
                    return Err(spec_err(format!(
                        "a wide layout needs one header component per header row: header_rows = {header_rows} but [layout] header_components has {}",
                        comps.len()
                    )));
                }
                let mapped: Vec<usize> = col_components.iter().map(|(c, _)| *c).collect();
                let mut carry: Vec<(String, usize)> = vec![(String::new(), 0); header_rows];
                for c in 0..width {
                    let mut vals = Vec::new();
                    for (i, comp) in comps.iter().enumerate() {
                        let t = cell(i, c);
                        // Merged header cells hold their text in the first column only.
                        if !t.is_empty() {
                            carry[i] = (t.to_owned(), c);
                        } else if i + 1 == header_rows {
                            carry[i] = (String::new(), c);
                        }
                        vals.push((
                            comp.clone(),
                            carry[i].0.clone(),
                            at(header_start + i as u32, carry[i].1),
                        ));
                    }
                    if mapped.contains(&c) || vals.iter().any(|(_, v, _)| v.is_empty()) {
                        continue;
                    }
                    value_cols.push((c, vals));
                }
                if value_cols.is_empty() {
                    return Err(spec_err(format!(
                        "{source}: no value columns: every header column is mapped in [columns]"
                    )));
                }
            }
        }

        // Every key dimension needs a source.
        let given: Vec<&str> = col_components
            .iter()
            .map(|(_, c)| c.as_str())
            .chain(mapping.constants.keys().map(String::as_str))
            .chain(mapping.layout.header_components.iter().map(String::as_str))
            .collect();
        let missing: Vec<&str> = dsd
            .dimensions
            .iter()
            .map(|d| d.id.as_str())
            .filter(|d| !given.contains(d))
            .collect();
        if !missing.is_empty() {
            return Err(spec_err(format!(
                "nothing in the mapping gives dimension(s) {}: add a column in [columns], a value in [constants] or a header component",
                missing.join(", ")
            )));
        }

        // Resolvers for every component that is coded or has a map.
        let mut resolvers: HashMap<String, CodeResolver<'a>> = HashMap::new();
        for comp in given
            .iter()
            .copied()
            .chain(mapping.notes.iter().map(|n| n.attribute.as_str()))
        {
            if comp == time || comp == measure || resolvers.contains_key(comp) {
                continue;
            }
            let r = CodeResolver::new(
                mapping.codes.get(comp),
                base,
                target.codelists.get(comp).copied(),
            )?;
            resolvers.insert(comp.to_owned(), r);
        }
        let obs_level = dsd
            .attributes
            .iter()
            .map(|a| {
                (
                    a.id.clone(),
                    dsd.attachment_level(a, Some(&time)) == AttachmentLevel::Observation,
                )
            })
            .collect();
        let key_dims = dsd
            .dimensions
            .iter()
            .filter(|d| d.kind != DimensionKind::Time)
            .map(|d| d.id.clone())
            .collect();
        let mut plan = Plan {
            time,
            measure,
            key_dims,
            name,
            a1,
            usage: target.usage.clone(),
            dsd,
            col_components,
            value_cols: Vec::new(),
            fixed: Vec::new(),
            resolvers,
            allowed: target.allowed.clone(),
            obs_level,
            values: mapping.values.clone(),
            stop: mapping.input.stop_at.iter().map(|s| normalise(s)).collect(),
            memo: HashMap::new(),
            row_vals: Vec::new(),
        };

        // Constants and notes.
        let mut problems = Problems::default();
        let mut errors = Vec::new();
        for (comp, v) in &mapping.constants {
            if comp == &plan.measure {
                return Err(spec_err(format!(
                    "[constants] cannot set the measure {}",
                    plan.measure
                )));
            }
            if let Some(code) = plan.resolve(comp, v, &format!("[constants] {comp}"), &mut errors) {
                plan.fixed.push((comp.clone(), code));
            }
        }
        if let Some(m) = mapping.values.unit_mult {
            plan.fixed.push(("UNIT_MULT".to_owned(), m.to_string()));
        }
        for note in &mapping.notes {
            let text = match (&note.text, &note.cell) {
                (Some(t), None) => t.clone(),
                (None, Some(c)) => {
                    let (r, col) = parse_cell(c).ok_or_else(|| {
                        spec_err(format!(
                            "[[notes]] cell = {c:?} is not an A1 cell reference"
                        ))
                    })?;
                    // Notes often sit below the range read, so the whole sheet is searched.
                    rows.cell_text(r, col)?.ok_or_else(|| {
                        spec_err(format!("[[notes]] cell {c} of {source} is empty"))
                    })?
                }
                _ => {
                    return Err(spec_err(format!(
                        "[[notes]] for {} needs exactly one of text or cell",
                        note.attribute
                    )));
                }
            };
            plan.fixed.push((note.attribute.clone(), text));
        }

        // Header-given values resolve once, errors naming the header cell.
        for (c, vals) in value_cols {
            let mut resolved = Vec::new();
            for (comp, label, at) in vals {
                if let Some(code) = plan.resolve(&comp, &label, &at, &mut errors) {
                    resolved.push((comp, code));
                }
            }
            plan.value_cols.push((c, resolved));
        }
        for e in errors {
            problems.push(e);
        }
        Ok((plan, first, problems))
    }

    /// The reference of a source cell.
    pub(super) fn cell_ref(&self, (row, col): (u32, u32)) -> CellRef {
        CellRef {
            source: self.name.clone(),
            sheet: self.a1,
            row,
            col,
        }
    }

    /// Whether `row` ends the data (`[input] stop_at`).
    pub(super) fn stops(&self, row: &Row) -> bool {
        let Some(first) = row.cells.iter().find(|t| !t.is_empty()) else {
            return false;
        };
        !self.stop.is_empty() && {
            let n = normalise(first);
            self.stop.iter().any(|s| n.starts_with(s.as_str()))
        }
    }

    /// The code for `label` of component `comp`, or `None` with the problem
    /// (naming `at`) pushed to `errors`.
    fn resolve(
        &mut self,
        comp: &str,
        label: &str,
        at: &dyn std::fmt::Display,
        errors: &mut Vec<String>,
    ) -> Option<String> {
        let Some(r) = self.resolvers.get(comp) else {
            return Some(label.trim().to_owned());
        };
        if !r.is_coded() {
            return Some(label.trim().to_owned());
        }
        if let Some(code) = self.memo.get(comp).and_then(|m| m.get(label)) {
            return Some(code.clone());
        }
        let dsd_id = &self.dsd.meta.id;
        match r.resolve(label) {
            Some(code)
                if r.in_codelist(&code)
                    && self.allowed.get(comp).is_some_and(|a| !a.contains(&code)) =>
            {
                errors.push(format!(
                    "{at}: {label:?} is {code}, which the constraints of {dsd_id} do not allow for {comp}",
                ));
                None
            }
            Some(code) if r.in_codelist(&code) => {
                let memo = self.memo.entry(comp.to_owned()).or_default();
                // Bounded: a column of free labels must not grow without end.
                if memo.len() < 10_000 {
                    memo.insert(label.to_owned(), code.clone());
                }
                Some(code)
            }
            Some(code) => {
                errors.push(format!(
                    "{at}: {label:?} maps to {code}, which is not a {comp} code; closest: {}",
                    r.closest(&code).join(", ")
                ));
                None
            }
            None => {
                errors.push(format!(
                    "{at}: {label:?} is not a known {comp} label; closest codes: {}; add it under [codes.{comp}.labels]",
                    r.closest(label).join(", ")
                ));
                None
            }
        }
    }

    /// Maps one data row: its observations into `out` (in column order), its
    /// problems into `errors`.
    pub(super) fn map_row(&mut self, row: &Row, out: &mut Vec<RowObs>, errors: &mut Vec<String>) {
        out.clear();
        let mut row_vals = std::mem::take(&mut self.row_vals);
        row_vals.clear();
        let mut row_ok = true;
        let cell = |c: usize| (row.row, row.col0 + c as u32);
        for i in 0..self.col_components.len() {
            let (c, comp) = &self.col_components[i];
            let (c, comp) = (*c, comp.clone());
            let label = row.get(c);
            if label.is_empty() {
                // An attribute may be left empty; a dimension may not.
                if self.dsd.dimension(&comp).is_none() {
                    continue;
                }
                errors.push(format!(
                    "{}: empty cell where {comp} is expected",
                    self.cell_ref(cell(c))
                ));
                row_ok = false;
                continue;
            }
            let at = self.cell_ref(cell(c));
            match self.resolve(&comp, label, &at, errors) {
                Some(code) => row_vals.push((comp, code)),
                None => row_ok = false,
            }
        }
        let has_status = row_vals.iter().any(|(c, _)| c == "OBS_STATUS");
        for (c, header_vals) in &self.value_cols {
            let (value, status) = match parse_value(row.get(*c), &self.values) {
                // An empty value with a status given in its own column is a
                // reported "no value" (questionnaires); otherwise no observation.
                Ok(CellValue::Empty) if has_status => (None, None),
                Ok(CellValue::Empty) => continue,
                Ok(CellValue::Number(v, s)) => (Some(v), s),
                Ok(CellValue::Missing(s)) => (None, Some(s)),
                Err(e) => {
                    errors.push(format!("{}: {e}", self.cell_ref(cell(*c))));
                    continue;
                }
            };
            if !row_ok {
                continue;
            }
            let mut comps: Vec<(&str, &str)> = Vec::with_capacity(16);
            comps.extend(self.fixed.iter().map(|(a, b)| (a.as_str(), b.as_str())));
            comps.extend(row_vals.iter().map(|(a, b)| (a.as_str(), b.as_str())));
            comps.extend(header_vals.iter().map(|(a, b)| (a.as_str(), b.as_str())));
            if let Some(s) = &status {
                comps.push(("OBS_STATUS", s));
            }
            // Later sources win: a column over a constant, a status suffix over a column.
            let get = |id: &str| comps.iter().rev().find(|(c, _)| *c == id).map(|(_, v)| *v);
            let Some(period) = get(&self.time) else {
                continue;
            };
            let key = self
                .key_dims
                .iter()
                .map(|d| get(d).unwrap_or_default().to_owned())
                .collect();
            let mut series_attrs: Vec<(String, String)> = Vec::new();
            let mut attrs: Vec<(String, String)> = Vec::new();
            for (i, (id, v)) in comps.iter().enumerate() {
                let Some(&at_obs) = self.obs_level.get(*id) else {
                    continue;
                };
                // Only the last value of each attribute counts.
                if comps[i + 1..].iter().any(|(later, _)| later == id) {
                    continue;
                }
                let list = if at_obs {
                    &mut attrs
                } else {
                    &mut series_attrs
                };
                list.push(((*id).to_owned(), (*v).to_owned()));
            }
            out.push(RowObs {
                key,
                series_attrs,
                period: period.to_owned(),
                value,
                attrs,
                cell: cell(*c),
            });
        }
        self.row_vals = row_vals;
    }
}
