//! Applying a mapping to a grid: find the header and value columns, turn
//! labels into codes and cells into values, group observations by series.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::data::{
    Action, DataSetHeader, Header, Obs, ObsDimension, SeriesKey, StructureUse, Values,
};
use crate::model::{AttachmentLevel, Codelist, DataStructure, DimensionKind};

use super::MappingError;
use super::codes::{CodeResolver, normalise};
use super::reader::MappedReader;
use super::spec::{LayoutKind, Mapping};
use super::table::{CellRef, Grid, parse_cell, read_table, select_range};
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

/// A value column and, per header row, the component, the header text and its cell.
type ValueColumn = (usize, Vec<(String, String, CellRef)>);

/// Series key → series attributes and observations by period.
type Groups = BTreeMap<Vec<String>, (Vec<(String, String)>, BTreeMap<String, Pending>)>;

/// One observation before grouping.
struct Pending {
    cell: CellRef,
    value: Option<String>,
    attrs: Vec<(String, String)>,
}

/// Reads the table (`table` overrides the mapping's, else the mapping's path is
/// taken relative to `base`, the mapping file's folder) and maps it.
pub fn map_table(
    mapping: &Mapping,
    base: &Path,
    table: Option<&Path>,
    target: &Target<'_>,
) -> Result<MappedReader, MappingError> {
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
    let whole = read_table(&path, &mapping.input)?;
    let grid = select_range(&whole, &mapping.input)?;
    map_grid(
        mapping,
        base,
        &grid,
        &whole,
        target,
        &path.display().to_string(),
    )
}

fn spec_err(message: String) -> MappingError {
    MappingError::Spec { message }
}

/// Maps an already read grid.
fn map_grid(
    mapping: &Mapping,
    base: &Path,
    grid: &Grid,
    whole: &Grid,
    target: &Target<'_>,
    source: &str,
) -> Result<MappedReader, MappingError> {
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
    let known = |c: &str| c == measure || dsd.dimension(c).is_some() || dsd.attribute(c).is_some();
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

    // Header and data rows.
    let skip = mapping.input.skip_rows;
    let header_rows = mapping.input.header_rows.unwrap_or(1).max(1);
    if grid.rows.len() < skip + header_rows {
        return Err(spec_err(format!(
            "{source}: the table has {} row(s), fewer than skip_rows ({skip}) + header_rows ({header_rows})",
            grid.rows.len()
        )));
    }
    let width = grid.rows.iter().map(Vec::len).max().unwrap_or(0);
    let cell = |r: usize, c: usize| -> &str {
        grid.rows
            .get(r)
            .and_then(|row| row.get(c))
            .map(String::as_str)
            .unwrap_or("")
    };
    let last_header = skip + header_rows - 1;
    // A column's name: its last header cell, else the nearest one above.
    let names: Vec<String> = (0..width)
        .map(|c| {
            (skip..=last_header)
                .rev()
                .map(|r| cell(r, c))
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
    let mut col_components: Vec<(usize, String)> = Vec::new();
    for (label, comp) in &mapping.columns {
        match find_col(label) {
            Some(c) => col_components.push((c, comp.clone())),
            None => {
                return Err(spec_err(format!(
                    "[columns] names {label:?} but the header ({}) has no such column; it has {}",
                    grid.cell_ref(last_header, 0),
                    header_list()
                )));
            }
        }
    }

    // Value columns, with what their header cells say.
    let mut value_cols: Vec<ValueColumn> = Vec::new();
    match mapping.layout.kind {
        LayoutKind::Long => {
            let c = match &mapping.layout.value {
                Some(label) => find_col(label).ok_or_else(|| {
                    spec_err(format!(
                        "[layout] value = {label:?} but the header ({}) has no such column; it has {}",
                        grid.cell_ref(last_header, 0),
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
                    let r = skip + i;
                    let t = cell(r, c);
                    // Merged header cells hold their text in the first column only.
                    if !t.is_empty() {
                        carry[i] = (t.to_owned(), c);
                    } else if i + 1 == header_rows {
                        carry[i] = (String::new(), c);
                    }
                    vals.push((
                        comp.clone(),
                        carry[i].0.clone(),
                        grid.cell_ref(r, carry[i].1),
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
    let mut resolvers: HashMap<String, CodeResolver<'_>> = HashMap::new();
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

    let mut errors: Vec<String> = Vec::new();
    let resolve = |comp: &str,
                   label: &str,
                   at: &dyn std::fmt::Display,
                   errors: &mut Vec<String>|
     -> Option<String> {
        let Some(r) = resolvers.get(comp) else {
            return Some(label.trim().to_owned());
        };
        if !r.is_coded() {
            return Some(label.trim().to_owned());
        }
        match r.resolve(label) {
            Some(code)
                if r.in_codelist(&code)
                    && target.allowed.get(comp).is_some_and(|a| !a.contains(&code)) =>
            {
                errors.push(format!(
                    "{at}: {label:?} is {code}, which the constraints of {} do not allow for {comp}",
                    dsd.meta.id
                ));
                None
            }
            Some(code) if r.in_codelist(&code) => Some(code),
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
    };

    // Constants and notes.
    let mut fixed: Vec<(String, String)> = Vec::new();
    for (comp, v) in &mapping.constants {
        if comp == &measure {
            return Err(spec_err(format!(
                "[constants] cannot set the measure {measure}"
            )));
        }
        if let Some(code) = resolve(comp, v, &format!("[constants] {comp}"), &mut errors) {
            fixed.push((comp.clone(), code));
        }
    }
    if let Some(m) = mapping.values.unit_mult {
        fixed.push(("UNIT_MULT".to_owned(), m.to_string()));
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
                let t = whole.at_source(r, col).unwrap_or("");
                if t.is_empty() {
                    return Err(spec_err(format!("[[notes]] cell {c} of {source} is empty")));
                }
                t.to_owned()
            }
            _ => {
                return Err(spec_err(format!(
                    "[[notes]] for {} needs exactly one of text or cell",
                    note.attribute
                )));
            }
        };
        fixed.push((note.attribute.clone(), text));
    }

    // Header-given values resolve once, errors naming the header cell.
    let mut col_header_vals: Vec<(usize, Vec<(String, String)>)> = Vec::new();
    for (c, vals) in &value_cols {
        let mut resolved = Vec::new();
        for (comp, label, at) in vals {
            if let Some(code) = resolve(comp, label, at, &mut errors) {
                resolved.push((comp.clone(), code));
            }
        }
        col_header_vals.push((*c, resolved));
    }

    let key_dims: Vec<&str> = dsd
        .dimensions
        .iter()
        .filter(|d| d.kind != DimensionKind::Time)
        .map(|d| d.id.as_str())
        .collect();
    let level = |attr: &str| {
        dsd.attribute(attr)
            .map(|a| dsd.attachment_level(a, Some(&time)))
            .unwrap_or(AttachmentLevel::Observation)
    };

    let stop: Vec<String> = mapping.input.stop_at.iter().map(|s| normalise(s)).collect();
    let mut groups: Groups = BTreeMap::new();
    let mut comps: Vec<(String, String)> = Vec::new();
    for r in (last_header + 1)..grid.rows.len() {
        let row = &grid.rows[r];
        let Some(first) = row.iter().find(|t| !t.is_empty()) else {
            continue;
        };
        if stop
            .iter()
            .any(|s| normalise(first).starts_with(s.as_str()))
        {
            break;
        }
        let mut row_ok = true;
        let mut row_vals: Vec<(String, String)> = Vec::new();
        for (c, comp) in &col_components {
            let label = cell(r, *c);
            if label.is_empty() {
                // An attribute may be left empty; a dimension may not.
                if dsd.dimension(comp).is_none() {
                    continue;
                }
                errors.push(format!(
                    "{}: empty cell where {comp} is expected",
                    grid.cell_ref(r, *c)
                ));
                row_ok = false;
                continue;
            }
            match resolve(comp, label, &grid.cell_ref(r, *c), &mut errors) {
                Some(code) => row_vals.push((comp.clone(), code)),
                None => row_ok = false,
            }
        }
        for (c, header_vals) in &col_header_vals {
            let at = grid.cell_ref(r, *c);
            let (value, status) = match parse_value(cell(r, *c), &mapping.values) {
                // An empty value with a status given in its own column is a
                // reported "no value" (questionnaires); otherwise no observation.
                Ok(CellValue::Empty) if row_vals.iter().any(|(c, _)| c == "OBS_STATUS") => {
                    (None, None)
                }
                Ok(CellValue::Empty) => continue,
                Ok(CellValue::Number(v, s)) => (Some(v), s),
                Ok(CellValue::Missing(s)) => (None, Some(s)),
                Err(e) => {
                    errors.push(format!("{at}: {e}"));
                    continue;
                }
            };
            if !row_ok {
                continue;
            }
            comps.clear();
            comps.extend(fixed.iter().cloned());
            comps.extend(row_vals.iter().cloned());
            comps.extend(header_vals.iter().cloned());
            if let Some(s) = status {
                comps.push(("OBS_STATUS".to_owned(), s));
            }
            let get = |id: &str| {
                comps
                    .iter()
                    .rev()
                    .find(|(c, _)| c == id)
                    .map(|(_, v)| v.clone())
            };
            let key: Vec<String> = key_dims
                .iter()
                .map(|d| get(d).unwrap_or_default())
                .collect();
            let Some(period) = get(&time) else {
                continue;
            };
            let mut series_attrs = Vec::new();
            let mut obs_attrs = Vec::new();
            for (c, v) in &comps {
                if dsd.attribute(c).is_none() {
                    continue;
                }
                match level(c) {
                    AttachmentLevel::Observation => obs_attrs.push((c.clone(), v.clone())),
                    _ => series_attrs.push((c.clone(), v.clone())),
                }
            }
            let entry = groups
                .entry(key)
                .or_insert_with(|| (series_attrs, BTreeMap::new()));
            if let Some(prev) = entry.1.get(&period) {
                errors.push(format!(
                    "{at}: a second value for the observation of {} already given at {}",
                    period, prev.cell
                ));
                continue;
            }
            entry.1.insert(
                period,
                Pending {
                    cell: at,
                    value,
                    attrs: obs_attrs,
                },
            );
        }
    }
    if !errors.is_empty() {
        return Err(MappingError::Cells(errors));
    }

    let series = groups
        .into_iter()
        .map(|(key, (attrs, obs))| {
            let mut k = Values::new();
            for (d, v) in key_dims.iter().zip(&key) {
                k.push(d, v);
            }
            let mut a = Values::new();
            for (id, v) in &attrs {
                a.set(id, v);
            }
            let observations = obs
                .into_iter()
                .map(|(period, p)| {
                    let mut o = Obs::default();
                    o.key.push(&time, &period);
                    if let Some(v) = &p.value {
                        o.measures.push(&measure, v);
                    }
                    for (id, v) in &p.attrs {
                        o.attributes.set(id, v);
                    }
                    o
                })
                .collect();
            (
                SeriesKey {
                    key: k,
                    attributes: a,
                },
                observations,
            )
        })
        .collect();
    let header = Header {
        id: "SDMXGW-MAP".to_owned(),
        structure: Some(target.usage.clone()),
        ..Header::default()
    };
    let dataset = DataSetHeader {
        structure: Some(target.usage.clone()),
        action: Action::Information,
        dimension_at_observation: ObsDimension::Time,
        attributes: Values::new(),
        extra: Values::new(),
    };
    Ok(MappedReader::new(
        source.to_owned(),
        header,
        dataset,
        series,
    ))
}
