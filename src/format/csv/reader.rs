use std::io::BufRead;

use super::parse_structure;
use crate::data::{
    Action, DataError, DataEvent, DataReader, DataSetHeader, Header, Obs, ObsDimension, Place,
    Position, SeriesKey, StructureUse, Values,
};
use crate::format::{DataFormat, ReadOptions};
use crate::model::{AttachmentLevel, DataStructure, DimensionKind};

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Dataflow,
    Structure,
    StructureId,
    Action,
    /// A column read and ignored (key columns, labels=name columns).
    Skip,
    Dim(usize),
    Measure(usize),
    Attr(usize),
}

/// Where an attribute's value goes in the event stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    DataSet,
    Series,
    Obs,
}

/// Streams SDMX-CSV 1.0/2.0 rows as events. Consecutive rows with the same
/// structure, action and series key make one series; a change of structure or
/// action starts a new dataset.
pub struct CsvReader<'a, R: BufRead> {
    source: String,
    dsd: &'a DataStructure,
    rdr: csv::Reader<R>,
    record: csv::ByteRecord,
    roles: Vec<Role>,
    /// Whether coded values may carry `ID: Name` labels.
    labelled: bool,
    /// Whether dimension columns follow DSD order (keys then need no sorting).
    dims_in_order: bool,
    /// The dimension at observation level (None: all dimensions).
    obs_dim: Option<usize>,
    levels: Vec<Level>,
    v2: bool,
    default_structure: Option<StructureUse>,
    row: u64,
    line: u64,
    header: Header,
    header_sent: bool,
    done: bool,
    in_dataset: bool,
    dataset_key: String,
    scratch_key: String,
    dataset: DataSetHeader,
    series: SeriesKey,
    next_key: Values,
    series_scratch: Values,
    has_series: bool,
    obs: Obs,
    pending_end: bool,
    pending_dataset: bool,
    pending_series: bool,
    pending_obs: bool,
}

fn peek_delimiter<R: BufRead>(input: &mut R) -> Result<(bool, u8), std::io::Error> {
    let head = input.fill_buf()?;
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let head = head.strip_prefix(b"\"").unwrap_or(head);
    let (v2, rest) = if let Some(r) = head.strip_prefix(b"DATAFLOW") {
        (false, r)
    } else if let Some(r) = head.strip_prefix(b"STRUCTURE") {
        // `STRUCTURE[;]` declares the sub-field separator; skip the bracket term.
        let r = match r.strip_prefix(b"[") {
            Some(b) => b.iter().position(|&c| c == b']').map_or(b, |i| &b[i + 1..]),
            None => r,
        };
        (true, r)
    } else {
        return Ok((true, b','));
    };
    let rest = rest.strip_prefix(b"\"").unwrap_or(rest);
    let delim = match rest.first() {
        Some(&c) if c != b'\r' && c != b'\n' && !c.is_ascii_alphanumeric() && c != b'_' => c,
        _ => b',',
    };
    Ok((v2, delim))
}

impl<'a, R: BufRead> CsvReader<'a, R> {
    /// Opens a reader: detects the separator, reads and maps the header row.
    pub fn new(format: DataFormat, mut input: R, opts: ReadOptions<'a>) -> Result<Self, DataError> {
        let source = opts.source.to_owned();
        let dsd = opts.dsd.ok_or_else(|| {
            DataError::Structure(format!(
                "{source}: reading {format} needs the DSD to tell dimensions from measures and attributes: pass --structure"
            ))
        })?;
        let (v2, delim) = peek_delimiter(&mut input).map_err(|e| DataError::Io {
            context: format!("reading {source}"),
            source: e,
        })?;
        let rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delim)
            .from_reader(input);
        let obs_dim = dsd
            .dimensions
            .iter()
            .position(|d| d.kind == DimensionKind::Time);
        let obs_dim_id = obs_dim.map(|i| dsd.dimensions[i].id.as_str());
        let levels = dsd
            .attributes
            .iter()
            .map(|a| match dsd.attachment_level(a, obs_dim_id) {
                AttachmentLevel::DataSet => Level::DataSet,
                AttachmentLevel::Observation => Level::Obs,
                AttachmentLevel::Group | AttachmentLevel::Series => Level::Series,
            })
            .collect();
        let header = Header {
            structure: opts.structure.cloned(),
            ..Header::default()
        };
        let mut r = CsvReader {
            source,
            dsd,
            rdr,
            record: csv::ByteRecord::new(),
            roles: Vec::new(),
            labelled: false,
            dims_in_order: true,
            obs_dim,
            levels,
            v2,
            default_structure: opts.structure.cloned(),
            row: 0,
            line: 0,
            header,
            header_sent: false,
            done: false,
            in_dataset: false,
            dataset_key: String::new(),
            scratch_key: String::new(),
            dataset: DataSetHeader {
                structure: None,
                action: Action::Information,
                dimension_at_observation: match obs_dim {
                    Some(_) => ObsDimension::Time,
                    None => ObsDimension::AllDimensions,
                },
                attributes: Values::new(),
                extra: Values::new(),
            },
            series: SeriesKey::default(),
            next_key: Values::new(),
            series_scratch: Values::new(),
            has_series: false,
            obs: Obs::default(),
            pending_end: false,
            pending_dataset: false,
            pending_series: false,
            pending_obs: false,
        };
        r.read_header()?;
        Ok(r)
    }

    fn pos(&self, column: usize) -> Position {
        Position {
            source: self.source.clone(),
            line: self.line,
            column: column as u64,
            record: self.row,
        }
    }

    fn invalid(&self, column: usize, message: String) -> DataError {
        DataError::Invalid {
            position: self.pos(column),
            message,
        }
    }

    /// Reads the next record; false at the end.
    fn read_record(&mut self) -> Result<bool, DataError> {
        match self.rdr.read_byte_record(&mut self.record) {
            Ok(more) => {
                if more {
                    let p = self.record.position();
                    self.row = p.map_or(self.row + 1, |p| p.record() + 1);
                    self.line = p.map_or(0, |p| p.line());
                }
                Ok(more)
            }
            Err(e) => {
                let (row, line) = e
                    .position()
                    .map_or((self.row + 1, 0), |p| (p.record() + 1, p.line()));
                self.row = row;
                self.line = line;
                Err(DataError::Malformed {
                    position: self.pos(0),
                    what: "CSV",
                    message: e.to_string(),
                })
            }
        }
    }

    fn field(&self, i: usize) -> Result<&str, DataError> {
        field_of(&self.record, i).map_err(|e| DataError::Malformed {
            position: self.pos(i + 1),
            what: "text",
            message: format!(
                "invalid UTF-8 at byte {} of field {}: SDMX-CSV must be UTF-8; re-encode the file",
                e.valid_up_to(),
                i + 1
            ),
        })
    }

    fn read_header(&mut self) -> Result<(), DataError> {
        if !self.read_record()? {
            return Err(DataError::Malformed {
                position: Position::source(self.source.clone()),
                what: "CSV",
                message: "the file is empty: SDMX-CSV needs a header row".to_owned(),
            });
        }
        let dsd = self.dsd;
        let mut roles = Vec::with_capacity(self.record.len());
        let names_mode = (0..self.record.len())
            .any(|i| self.field(i).is_ok_and(|f| f.trim() == "STRUCTURE_NAME"));
        let mut skip_next = false;
        let mut labelled = false;
        for i in 0..self.record.len() {
            let raw = self.field(i)?.trim_start_matches('\u{feff}').trim();
            if skip_next {
                // labels=name: the name column after a component column.
                skip_next = false;
                roles.push(Role::Skip);
                continue;
            }
            labelled |= raw.contains(": ");
            let id = raw.split_once(": ").map_or(raw, |(i, _)| i);
            let id = id.split_once('[').map_or(id, |(i, _)| i);
            let role = match id {
                "DATAFLOW" if !self.v2 => Role::Dataflow,
                "STRUCTURE" if self.v2 => Role::Structure,
                "STRUCTURE_ID" if self.v2 => Role::StructureId,
                "ACTION" if self.v2 => Role::Action,
                "STRUCTURE_NAME" | "SERIES_KEY" | "OBS_KEY" | "SERIESKEY" => Role::Skip,
                _ => {
                    let role = if let Some(d) = dsd.dimensions.iter().position(|d| d.id == id) {
                        Role::Dim(d)
                    } else if let Some(m) = dsd.measures.iter().position(|m| m.id == id) {
                        Role::Measure(m)
                    } else if !self.v2 && id == "OBS_VALUE" {
                        // 1.0 names the measure column OBS_VALUE whatever its id.
                        Role::Measure(if dsd.measures.len() == 1 {
                            0
                        } else {
                            usize::MAX
                        })
                    } else if let Some(a) = dsd.attributes.iter().position(|a| a.id == id) {
                        Role::Attr(a)
                    } else {
                        return Err(self.invalid(
                            i + 1,
                            format!(
                                "unknown column {raw:?}: it is neither a dimension, a measure nor an attribute of {} (nor an SDMX-CSV {} column); remove the column or pass the DSD the data uses",
                                dsd.meta.reference(crate::model::ArtefactClass::DataStructure).short(),
                                if self.v2 { "2.0" } else { "1.0" },
                            ),
                        ));
                    };
                    skip_next = names_mode;
                    role
                }
            };
            if role != Role::Skip && roles.contains(&role) {
                return Err(self.invalid(i + 1, format!("column {raw:?} appears twice; keep one")));
            }
            roles.push(role);
        }
        let first_needed = if self.v2 {
            Role::Structure
        } else {
            Role::Dataflow
        };
        if roles.first() != Some(&first_needed) {
            return Err(self.invalid(
                1,
                format!(
                    "the first column must be {}",
                    if self.v2 { "STRUCTURE" } else { "DATAFLOW" }
                ),
            ));
        }
        if self.v2 && !roles.contains(&Role::StructureId) {
            return Err(self.invalid(
                0,
                "SDMX-CSV 2.0 needs a STRUCTURE_ID column after STRUCTURE".to_owned(),
            ));
        }
        let dims: Vec<usize> = roles
            .iter()
            .filter_map(|r| match r {
                Role::Dim(d) => Some(*d),
                _ => None,
            })
            .collect();
        self.dims_in_order = dims.windows(2).all(|w| w[0] < w[1]);
        self.roles = roles;
        self.labelled = labelled;
        Ok(())
    }

    /// Turns the current record into pending events.
    fn process_row(&mut self) -> Result<(), DataError> {
        if self.record.len() != self.roles.len() {
            return Err(self.invalid(
                0,
                format!(
                    "row {} has {} fields but the header has {}: check separators and quoting in this row",
                    self.row,
                    self.record.len(),
                    self.roles.len()
                ),
            ));
        }
        // Dataset identity: structure word, structure id and action.
        let mut key = std::mem::take(&mut self.scratch_key);
        key.clear();
        let mut word_len = 0;
        let mut action = Action::Information;
        for i in 0..self.roles.len() {
            match self.roles[i] {
                Role::Structure => {
                    let f = self.field(i)?.trim();
                    key.insert_str(0, f);
                    word_len = f.len();
                }
                Role::Dataflow | Role::StructureId => {
                    let f = self.field(i)?.trim();
                    key.push_str(f);
                }
                Role::Action => {
                    let a = self.field(i)?.trim();
                    if !a.is_empty() {
                        action = Action::parse(a).ok_or_else(|| {
                            self.invalid(
                                i + 1,
                                format!(
                                    "unknown ACTION {a:?}: use I (information), A (append), R (replace) or D (delete)"
                                ),
                            )
                        })?;
                    }
                }
                _ => {}
            }
        }
        key.push('|');
        key.push_str(action.name());
        let new_dataset = !self.in_dataset || key != self.dataset_key;
        if new_dataset {
            let word = if self.v2 {
                &key[..word_len]
            } else {
                "dataflow"
            };
            let id = key[word_len..].rsplit_once('|').map_or("", |(id, _)| id);
            let structure = if id.is_empty() {
                self.default_structure.clone()
            } else {
                let col = self
                    .roles
                    .iter()
                    .position(|r| matches!(r, Role::Dataflow | Role::StructureId))
                    .map_or(0, |c| c + 1);
                Some(parse_structure(word, id).ok_or_else(|| {
                    self.invalid(
                        col,
                        format!(
                            "{word:?} {id:?} is not a structure reference: expected dataflow, datastructure or dataprovision and AGENCY:ID(VERSION)"
                        ),
                    )
                })?)
            };
            self.pending_end = self.in_dataset;
            self.in_dataset = true;
            self.pending_dataset = true;
            self.dataset.structure = structure;
            self.dataset.action = action;
            self.dataset.attributes.clear();
            std::mem::swap(&mut self.dataset_key, &mut key);
        }
        self.scratch_key = key;

        // Components.
        let mut next_key = std::mem::take(&mut self.next_key);
        next_key.clear();
        self.obs.key.clear();
        self.obs.measures.clear();
        self.obs.attributes.clear();
        let mut series_attrs = std::mem::take(&mut self.series_scratch);
        series_attrs.clear();
        let mut bad_field = None;
        for i in 0..self.roles.len() {
            let role = self.roles[i];
            let raw = match field_of(&self.record, i) {
                Ok(f) => f,
                Err(_) => {
                    bad_field = Some(i);
                    break;
                }
            };
            if raw.is_empty() {
                continue;
            }
            let v = component_value(self.dsd, self.labelled, role, raw);
            match role {
                Role::Dim(d) => {
                    let id = &self.dsd.dimensions[d].id;
                    if self.obs_dim.is_none() || self.obs_dim == Some(d) {
                        self.obs.key.push(id, v);
                    } else {
                        next_key.push(id, v);
                    }
                }
                Role::Measure(m) => {
                    let id = self.dsd.measures.get(m).map_or("OBS_VALUE", |m| &m.id);
                    self.obs.measures.push(id, v);
                }
                Role::Attr(a) => {
                    let id = &self.dsd.attributes[a].id;
                    match self.levels[a] {
                        Level::Obs => self.obs.attributes.push(id, v),
                        Level::Series => series_attrs.push(id, v),
                        Level::DataSet => {
                            if new_dataset {
                                self.dataset.attributes.push(id, v);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(i) = bad_field {
            self.next_key = next_key;
            self.series_scratch = series_attrs;
            return self.field(i).map(|_| ());
        }
        if self.obs_dim.is_some() {
            // Keys in DSD order whatever the column order.
            if !self.dims_in_order {
                sort_by_dsd(&mut next_key, self.dsd);
            }
            if new_dataset || !self.has_series || next_key != self.series.key {
                std::mem::swap(&mut self.series.key, &mut next_key);
                self.series.attributes.copy_from(&series_attrs);
                self.has_series = true;
                self.pending_series = true;
            }
        } else {
            if !self.dims_in_order {
                sort_by_dsd(&mut self.obs.key, self.dsd);
            }
            // All dimensions at observation level: series-level attributes
            // travel with each observation.
            for (a, v) in series_attrs.iter() {
                self.obs.attributes.push(a, v);
            }
        }
        self.next_key = next_key;
        self.series_scratch = series_attrs;
        self.pending_obs = true;
        Ok(())
    }
}

/// The value of a component field, without an `ID: Name` label (only coded
/// components carry one; free text may legitimately contain `": "`).
fn component_value<'s>(dsd: &DataStructure, labelled: bool, role: Role, raw: &'s str) -> &'s str {
    let coded = match role {
        Role::Dim(_) => true,
        Role::Attr(a) => dsd.attributes[a]
            .representation
            .as_ref()
            .is_some_and(|r| r.enumeration.is_some()),
        _ => false,
    };
    if labelled && coded {
        raw.split_once(": ").map_or(raw, |(v, _)| v)
    } else {
        raw
    }
}

fn field_of(record: &csv::ByteRecord, i: usize) -> Result<&str, std::str::Utf8Error> {
    std::str::from_utf8(record.get(i).unwrap_or_default())
}

/// Reorders `values` so that dimension pairs follow DSD order.
fn sort_by_dsd(values: &mut Values, dsd: &DataStructure) {
    let mut pairs = values.to_vec();
    pairs.sort_by_key(|(id, _)| dim_pos(dsd, id));
    values.clear();
    for (i, v) in &pairs {
        values.push(i, v);
    }
}

fn dim_pos(dsd: &DataStructure, id: &str) -> usize {
    dsd.dimensions
        .iter()
        .position(|d| d.id == id)
        .unwrap_or(usize::MAX)
}

impl<R: BufRead> DataReader for CsvReader<'_, R> {
    fn next_event(&mut self) -> Result<Option<DataEvent<'_>>, DataError> {
        loop {
            if !self.header_sent {
                self.header_sent = true;
                return Ok(Some(DataEvent::Header(&self.header)));
            }
            if self.pending_end {
                self.pending_end = false;
                return Ok(Some(DataEvent::EndDataSet));
            }
            if self.pending_dataset {
                self.pending_dataset = false;
                return Ok(Some(DataEvent::DataSet(&self.dataset)));
            }
            if self.pending_series {
                self.pending_series = false;
                return Ok(Some(DataEvent::Series(&self.series)));
            }
            if self.pending_obs {
                self.pending_obs = false;
                return Ok(Some(DataEvent::Obs(&self.obs)));
            }
            if self.done {
                return Ok(None);
            }
            if self.read_record()? {
                self.process_row()?;
            } else {
                self.done = true;
                if self.in_dataset {
                    self.in_dataset = false;
                    self.pending_end = true;
                } else {
                    // A header without rows is an empty dataset.
                    self.dataset.structure = self.default_structure.clone();
                    self.pending_dataset = true;
                    self.pending_end = true;
                }
                // EndDataSet must follow DataSet: swap the order for the empty case.
                if self.pending_dataset {
                    self.pending_dataset = false;
                    self.pending_end = true;
                    return Ok(Some(DataEvent::DataSet(&self.dataset)));
                }
            }
        }
    }

    fn position(&self) -> Position {
        self.pos(0)
    }

    fn position_into(&self, pos: &mut Position) {
        if pos.source != self.source {
            pos.source.clone_from(&self.source);
        }
        pos.line = self.line;
        pos.column = 0;
        pos.record = self.row;
    }

    fn place(&self) -> Place {
        Place {
            line: self.line,
            column: 0,
            record: self.row,
        }
    }
}
