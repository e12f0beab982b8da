use std::io::{BufRead, Read};

use serde_json::Value;

use crate::data::{
    Action, DataError, DataEvent, DataReader, DataSetHeader, GroupKey, Header, Obs, ObsDimension,
    Place, Position, SeriesKey, StructureUse, Values,
};
use crate::format::{DataFormat, ReadOptions};
use crate::model::{ArtefactClass, ArtefactRef, DataStructure};

/// A dimension, measure or attribute of the message's `structure`.
#[derive(Debug, Default)]
struct Comp {
    id: String,
    /// `values` as text; `None` when the datasets carry values directly.
    values: Option<Vec<String>>,
    default: Option<String>,
    key_position: Option<usize>,
}

#[derive(Debug, Default)]
struct Levels {
    dataset: Vec<Comp>,
    group: Vec<Comp>,
    series: Vec<Comp>,
    observation: Vec<Comp>,
}

#[derive(Debug, Default)]
pub(crate) struct Structure {
    dims: Levels,
    attrs: Levels,
    /// `None`: no `measures` object, a single `OBS_VALUE`.
    measures: Option<Vec<Comp>>,
    usage: Option<StructureUse>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Header,
    NextDataSet,
    Groups,
    Series,
    Obs,
    Done,
}

/// Reads an SDMX-JSON 1.0/2.0 data message parsed whole into memory (see the
/// module documentation for the size bound), emitting the usual events.
pub struct JsonReader<'a> {
    source: String,
    dsd: Option<&'a DataStructure>,
    structures: Vec<Structure>,
    datasets: std::vec::IntoIter<Value>,
    state: State,
    header: Header,
    /// Current dataset and its parts.
    structure: usize,
    dataset: DataSetHeader,
    groups: Vec<(String, Value)>,
    group_i: usize,
    series: Vec<(String, Value)>,
    series_i: usize,
    observations: Vec<(String, Value)>,
    obs_i: usize,
    flat: bool,
    ds_index: usize,
    ds_count: usize,
    series_name: String,
    group: GroupKey,
    series_key: SeriesKey,
    obs: Obs,
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        // Multilingual and array values: kept as compact JSON text, since the
        // event model carries one string per component.
        other => Some(other.to_string()),
    }
}

fn value_text(v: &Value) -> String {
    v.get("id")
        .or_else(|| v.get("value"))
        .or_else(|| v.get("name"))
        .and_then(text_of)
        .unwrap_or_default()
}

fn comps(v: Option<&Value>) -> Vec<Comp> {
    let Some(Value::Array(items)) = v else {
        return Vec::new();
    };
    items
        .iter()
        .map(|c| Comp {
            id: c.get("id").and_then(Value::as_str).unwrap_or("").to_owned(),
            values: c
                .get("values")
                .and_then(Value::as_array)
                .map(|vs| vs.iter().map(value_text).collect()),
            default: c.get("default").and_then(text_of),
            key_position: c
                .get("keyPosition")
                .and_then(Value::as_u64)
                .map(|p| p as usize),
        })
        .collect()
}

fn levels(v: Option<&Value>) -> Levels {
    Levels {
        // Drafts of 1.0 (and the 1.0 `agri` sample) spell it `dataset`.
        dataset: comps(v.and_then(|v| v.get("dataSet").or_else(|| v.get("dataset")))),
        group: comps(v.and_then(|v| v.get("dimensionGroup"))),
        series: comps(v.and_then(|v| v.get("series"))),
        observation: comps(v.and_then(|v| v.get("observation"))),
    }
}

fn structure_use(links: Option<&Value>) -> Option<StructureUse> {
    let mut found = None;
    for l in links?.as_array()? {
        let Some(urn) = l.get("urn").and_then(Value::as_str) else {
            continue;
        };
        let Ok(r) = urn.parse::<ArtefactRef>() else {
            continue;
        };
        let s = match r.class {
            ArtefactClass::Dataflow => StructureUse::Dataflow(r),
            ArtefactClass::DataStructure => StructureUse::DataStructure(r),
            ArtefactClass::ProvisionAgreement => StructureUse::ProvisionAgreement(r),
            _ => continue,
        };
        // A dataflow says most; prefer it over the DSD.
        let is_flow = matches!(s, StructureUse::Dataflow(_));
        if found.is_none() || is_flow {
            found = Some(s);
        }
        if is_flow {
            break;
        }
    }
    found
}

pub(crate) fn parse_structure(v: &Value) -> Structure {
    Structure {
        dims: levels(v.get("dimensions")),
        attrs: levels(v.get("attributes")),
        measures: v.get("measures").map(|m| comps(m.get("observation"))),
        usage: structure_use(v.get("links")),
    }
}

fn take_map(v: Option<&mut Value>) -> Vec<(String, Value)> {
    match v {
        Some(Value::Object(m)) => std::mem::take(m).into_iter().collect(),
        _ => Vec::new(),
    }
}

impl<'a> JsonReader<'a> {
    /// Reads and parses the message (at most `limit` bytes).
    pub fn new<R: BufRead>(
        format: DataFormat,
        input: R,
        opts: ReadOptions<'a>,
        limit: u64,
    ) -> Result<Self, DataError> {
        let source = opts.source.to_owned();
        let mut bytes = Vec::new();
        input
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| DataError::Io {
                context: format!("reading {source}"),
                source: e,
            })?;
        if bytes.len() as u64 > limit {
            return Err(DataError::Invalid {
                position: Position::source(source),
                message: format!(
                    "the SDMX-JSON message is larger than the {limit}-byte limit: SDMX-JSON is read in memory, so large data must come as SDMX-CSV or SDMX-ML"
                ),
            });
        }
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        let root: Value = serde_json::from_slice(body).map_err(|e| DataError::Malformed {
            position: Position {
                source: source.clone(),
                line: e.line() as u64,
                column: e.column() as u64,
                record: 0,
            },
            what: "JSON",
            message: format!("{e} (is the file complete?)"),
        })?;
        drop(bytes);
        Self::from_root(format, root, opts)
    }

    /// A reader over a message already parsed into `root`.
    pub(crate) fn from_root(
        format: DataFormat,
        mut root: Value,
        opts: ReadOptions<'a>,
    ) -> Result<Self, DataError> {
        let source = opts.source.to_owned();
        let invalid = |m: String| DataError::Invalid {
            position: Position::source(source.clone()),
            message: m,
        };
        if !root.is_object() {
            return Err(invalid(
                "an SDMX-JSON data message is a JSON object".to_owned(),
            ));
        }
        let header_v = root
            .get("meta")
            .or_else(|| root.get("header"))
            .cloned()
            .unwrap_or(Value::Null);
        let has_data = root.get("data").is_some_and(Value::is_object);
        let data = if has_data {
            root.get_mut("data").unwrap_or(&mut Value::Null).take()
        } else {
            root.take()
        };
        let mut data = data;
        let structures: Vec<Structure> = match (data.get("structures"), data.get("structure")) {
            (Some(Value::Array(list)), _) => list.iter().map(parse_structure).collect(),
            (_, Some(s)) => vec![parse_structure(s)],
            _ => Vec::new(),
        };
        let datasets = match data.get_mut("dataSets").map(Value::take) {
            Some(Value::Array(list)) => list,
            _ => {
                let errors = root
                    .get("errors")
                    .or_else(|| data.get("errors"))
                    .map(|e| e.to_string())
                    .unwrap_or_default();
                return Err(invalid(format!(
                    "no dataSets array in this {format} message{}",
                    if errors.is_empty() {
                        String::new()
                    } else {
                        format!(" (it reports errors: {errors})")
                    }
                )));
            }
        };
        Self::from_parts(format, &header_v, structures, datasets, opts)
    }

    /// A reader over the message's parts: the header (`meta` or `header`), the
    /// parsed structures and the datasets still to read (empty when streaming).
    pub(crate) fn from_parts(
        format: DataFormat,
        header_v: &Value,
        structures: Vec<Structure>,
        datasets: Vec<Value>,
        opts: ReadOptions<'a>,
    ) -> Result<Self, DataError> {
        let source = opts.source.to_owned();
        if structures.is_empty() {
            return Err(DataError::Invalid {
                position: Position::source(source),
                message: format!(
                    "no structure in this {format} message: the datasets' indexes cannot be resolved"
                ),
            });
        }
        let header = Header {
            id: header_v
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or("UNKNOWN")
                .to_owned(),
            test: header_v
                .get("test")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            prepared: header_v
                .get("prepared")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            sender: header_v
                .pointer("/sender/id")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            receiver: header_v
                .pointer("/receivers/0/id")
                .or_else(|| header_v.pointer("/receiver/id"))
                .or_else(|| header_v.pointer("/receiver/0/id"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            structure: opts
                .structure
                .cloned()
                .or_else(|| structures[0].usage.clone()),
            action: None,
        };
        Ok(JsonReader {
            source,
            dsd: opts.dsd,
            structures,
            datasets: datasets.into_iter(),
            state: State::Header,
            header,
            structure: 0,
            dataset: DataSetHeader {
                structure: None,
                action: Action::Information,
                dimension_at_observation: ObsDimension::Time,
                attributes: Values::new(),
                extra: Values::new(),
            },
            groups: Vec::new(),
            group_i: 0,
            series: Vec::new(),
            series_i: 0,
            observations: Vec::new(),
            obs_i: 0,
            flat: false,
            ds_index: 0,
            ds_count: 0,
            series_name: String::new(),
            group: GroupKey::default(),
            series_key: SeriesKey::default(),
            obs: Obs::default(),
        })
    }

    fn invalid(&self, at: &str, message: String) -> DataError {
        DataError::Invalid {
            position: Position::source(self.source.clone()),
            message: format!("dataSets[{}]{at}: {message}", self.ds_index),
        }
    }

    fn st(&self) -> &Structure {
        &self.structures[self.structure]
    }

    /// Position of a dimension in the full key, for ordering keys.
    fn key_position(&self, id: &str) -> usize {
        if let Some(p) = self
            .dsd
            .and_then(|d| d.dimensions.iter().position(|x| x.id == id))
        {
            return p;
        }
        let s = self.st();
        s.dims
            .dataset
            .iter()
            .chain(&s.dims.series)
            .chain(&s.dims.observation)
            .find(|c| c.id == id)
            .and_then(|c| c.key_position)
            .unwrap_or(usize::MAX)
    }

    pub(crate) fn start_dataset(&mut self, mut ds: Value) -> Result<(), DataError> {
        self.ds_index = self.ds_count;
        self.ds_count += 1;
        self.structure = ds
            .get("structure")
            .and_then(Value::as_u64)
            .map_or(0, |i| i as usize);
        if self.structure >= self.structures.len() {
            return Err(self.invalid(
                "",
                format!(
                    "structure index {} but the message has {} structure(s)",
                    self.structure,
                    self.structures.len()
                ),
            ));
        }
        let action = match ds.get("action").and_then(Value::as_str) {
            None => Action::Information,
            Some(a) => Action::parse(a).ok_or_else(|| {
                self.invalid(
                    ".action",
                    format!("unknown action {a:?}: use Append, Replace, Delete or Information"),
                )
            })?,
        };
        self.dataset.action = action;
        self.dataset.structure = structure_use(ds.get("links"))
            .or_else(|| self.st().usage.clone())
            .or_else(|| self.header.structure.clone());
        let mut attrs = Values::new();
        let list = ds.get("attributes").cloned().unwrap_or(Value::Null);
        self.resolve_attrs(&list, 0, Level::DataSet, &mut attrs, ".attributes")?;
        self.dataset.attributes = attrs;
        self.dataset.extra.clear();
        for k in [
            "reportingBegin",
            "reportingEnd",
            "validFrom",
            "validTo",
            "publicationYear",
            "publicationPeriod",
        ] {
            if let Some(v) = ds.get(k).and_then(text_of) {
                self.dataset.extra.push(k, &v);
            }
        }
        self.flat = ds.get("observations").is_some() && ds.get("series").is_none();
        self.series = take_map(ds.get_mut("series"));
        self.series_i = 0;
        self.groups = take_map(ds.get_mut("dimensionGroupAttributes"));
        self.group_i = 0;
        if self.flat {
            self.observations = take_map(ds.get_mut("observations"));
            self.obs_i = 0;
            self.dataset.dimension_at_observation = ObsDimension::AllDimensions;
        } else {
            let obs = &self.st().dims.observation;
            self.dataset.dimension_at_observation = match obs.as_slice() {
                [one] if one.id != "TIME_PERIOD" => ObsDimension::Dimension(one.id.clone()),
                [_] | [] => ObsDimension::Time,
                _ => ObsDimension::AllDimensions,
            };
        }
        Ok(())
    }

    /// Resolves a list of attribute indexes/values of a level into `out`,
    /// applying defaults for omitted trailing entries.
    fn resolve_attrs(
        &self,
        list: &Value,
        skip: usize,
        level: Level,
        out: &mut Values,
        at: &str,
    ) -> Result<(), DataError> {
        let s = self.st();
        let comps = match level {
            Level::DataSet => &s.attrs.dataset,
            Level::Group => &s.attrs.group,
            Level::Series => &s.attrs.series,
            Level::Obs => &s.attrs.observation,
        };
        let items: &[Value] = list.as_array().map_or(&[], |a| a.as_slice());
        for (i, c) in comps.iter().enumerate() {
            match items.get(skip + i) {
                None => {
                    if let Some(d) = &c.default {
                        out.push(&c.id, d);
                    }
                }
                Some(Value::Null) => {}
                Some(v) => match &c.values {
                    Some(values) => {
                        let idx = v.as_u64().ok_or_else(|| {
                            self.invalid(
                                at,
                                format!("attribute {}: expected a value index, found {v}", c.id),
                            )
                        })?;
                        let text = values.get(idx as usize).ok_or_else(|| {
                            self.invalid(
                                at,
                                format!(
                                    "attribute {}: index {idx} but structure lists {} value(s)",
                                    c.id,
                                    values.len()
                                ),
                            )
                        })?;
                        out.push(&c.id, text);
                    }
                    None => {
                        if let Some(t) = text_of(v) {
                            out.push(&c.id, &t);
                        }
                    }
                },
            }
        }
        Ok(())
    }

    /// Resolves `i:j:k` against dimension lists into `out` (plus the
    /// dataset-level dimensions when `with_dataset`), in key order.
    fn resolve_key(
        &self,
        name: &str,
        series_level: bool,
        with_dataset: bool,
        out: &mut Values,
        at: &str,
    ) -> Result<(), DataError> {
        let s = self.st();
        let parts: Vec<&str> = if name.is_empty() {
            Vec::new()
        } else {
            name.split(':').collect()
        };
        let dims: Vec<&Comp> = if series_level {
            s.dims.series.iter().collect()
        } else if self.flat
            && !s.dims.series.is_empty()
            && parts.len() == s.dims.series.len() + s.dims.observation.len()
        {
            // A flat dataset under a structure that splits series and
            // observation dimensions: its keys span both, series first.
            s.dims.series.iter().chain(&s.dims.observation).collect()
        } else {
            s.dims.observation.iter().collect()
        };
        let mut pairs: Vec<(usize, &str, &str)> = Vec::new();
        if with_dataset {
            for c in &s.dims.dataset {
                if let Some(v) = c.values.as_ref().and_then(|v| v.first()) {
                    pairs.push((self.key_position(&c.id), &c.id, v));
                }
            }
        }
        if parts.len() != dims.len() {
            return Err(self.invalid(
                at,
                format!(
                    "key {name:?} has {} index(es) but the structure has {} dimension(s) at this level",
                    parts.len(),
                    dims.len()
                ),
            ));
        }
        for (p, c) in parts.iter().zip(dims) {
            let idx: usize = p
                .parse()
                .map_err(|_| self.invalid(at, format!("key {name:?}: {p:?} is not an index")))?;
            let v = c.values.as_ref().and_then(|v| v.get(idx)).ok_or_else(|| {
                self.invalid(
                    at,
                    format!(
                        "key {name:?}: dimension {} has no value with index {idx}",
                        c.id
                    ),
                )
            })?;
            pairs.push((self.key_position(&c.id), &c.id, v));
        }
        pairs.sort_by_key(|(p, _, _)| *p);
        out.clear();
        for (_, id, v) in pairs {
            out.push(id, v);
        }
        Ok(())
    }

    pub(crate) fn resolve_obs(&mut self, name: &str, value: &Value) -> Result<(), DataError> {
        let at = if self.flat {
            format!(".observations[{name:?}]")
        } else {
            format!(".series[{:?}].observations[{name:?}]", self.series_name)
        };
        let mut obs = std::mem::take(&mut self.obs);
        let r = self.fill_obs(name, value, &at, &mut obs);
        self.obs = obs;
        r
    }

    fn fill_obs(
        &self,
        name: &str,
        value: &Value,
        at: &str,
        obs: &mut Obs,
    ) -> Result<(), DataError> {
        self.resolve_key(name, false, self.flat, &mut obs.key, at)?;
        let items = value.as_array().ok_or_else(|| {
            self.invalid(at, format!("an observation is an array, found {value}"))
        })?;
        obs.measures.clear();
        let s = self.st();
        let n = match &s.measures {
            None => {
                if let Some(t) = items.first().and_then(text_of) {
                    // Without a `measures` list the value is the primary measure:
                    // the DSD's single measure when known, else OBS_VALUE.
                    let id = self
                        .dsd
                        .and_then(|d| match d.measures.as_slice() {
                            [one] => Some(one.id.as_str()),
                            _ => None,
                        })
                        .unwrap_or("OBS_VALUE");
                    obs.measures.push(id, &t);
                }
                1
            }
            Some(ms) => {
                for (i, m) in ms.iter().enumerate() {
                    let v = items.get(i).unwrap_or(&Value::Null);
                    let t = match (&m.values, v) {
                        (_, Value::Null) => None,
                        (Some(vals), Value::Number(n)) => {
                            n.as_u64().and_then(|i| vals.get(i as usize)).cloned()
                        }
                        _ => text_of(v),
                    };
                    if let Some(t) = t {
                        obs.measures.push(&m.id, &t);
                    }
                }
                ms.len()
            }
        };
        obs.attributes.clear();
        self.resolve_attrs(value, n, Level::Obs, &mut obs.attributes, at)?;
        Ok(())
    }
}

#[derive(Debug, Clone, Copy)]
enum Level {
    DataSet,
    Group,
    Series,
    Obs,
}

impl DataReader for JsonReader<'_> {
    fn next_event(&mut self) -> Result<Option<DataEvent<'_>>, DataError> {
        loop {
            match self.state {
                State::Header => {
                    self.state = State::NextDataSet;
                    return Ok(Some(DataEvent::Header(&self.header)));
                }
                State::NextDataSet => match self.datasets.next() {
                    None => {
                        self.state = State::Done;
                    }
                    Some(ds) => {
                        self.start_dataset(ds)?;
                        self.state = State::Groups;
                        return Ok(Some(DataEvent::DataSet(&self.dataset)));
                    }
                },
                State::Groups => {
                    if self.group_i < self.groups.len() {
                        let (name, value) = std::mem::take(&mut self.groups[self.group_i]);
                        self.group_i += 1;
                        self.fill_group(&name, &value)?;
                        return Ok(Some(DataEvent::Group(&self.group)));
                    }
                    self.state = if self.flat { State::Obs } else { State::Series };
                }
                State::Series => {
                    if self.series_i >= self.series.len() {
                        self.state = State::NextDataSet;
                        return Ok(Some(DataEvent::EndDataSet));
                    }
                    let (name, value) = std::mem::take(&mut self.series[self.series_i]);
                    self.series_i += 1;
                    self.fill_series(name, value)?;
                    self.state = State::Obs;
                    return Ok(Some(DataEvent::Series(&self.series_key)));
                }
                State::Obs => {
                    if self.obs_i >= self.observations.len() {
                        if self.flat {
                            self.state = State::NextDataSet;
                            return Ok(Some(DataEvent::EndDataSet));
                        }
                        self.state = State::Series;
                        continue;
                    }
                    let (name, value) = std::mem::take(&mut self.observations[self.obs_i]);
                    self.obs_i += 1;
                    self.resolve_obs(&name, &value)?;
                    return Ok(Some(DataEvent::Obs(&self.obs)));
                }
                State::Done => return Ok(None),
            }
        }
    }

    fn position(&self) -> Position {
        Position::source(self.source.clone())
    }

    fn place(&self) -> Place {
        Place::default()
    }
}

impl JsonReader<'_> {
    /// The message header.
    pub(crate) fn header(&self) -> &Header {
        &self.header
    }

    /// The current dataset's header.
    pub(crate) fn dataset_header(&self) -> &DataSetHeader {
        &self.dataset
    }

    /// The group filled by [`JsonReader::next_group`].
    pub(crate) fn group_key(&self) -> &GroupKey {
        &self.group
    }

    /// The series filled by [`JsonReader::fill_series`].
    pub(crate) fn series_key(&self) -> &SeriesKey {
        &self.series_key
    }

    /// The observation filled by [`JsonReader::resolve_obs`].
    pub(crate) fn obs(&self) -> &Obs {
        &self.obs
    }

    /// Resolves a series member into the series key; its observations (if any
    /// were parsed with it) become the ones to read next.
    pub(crate) fn fill_series(&mut self, name: String, mut value: Value) -> Result<(), DataError> {
        let at = format!(".series[{name:?}]");
        let mut key = std::mem::take(&mut self.series_key);
        let r = self
            .resolve_key(&name, true, true, &mut key.key, &at)
            .and_then(|_| {
                key.attributes.clear();
                let list = value.get("attributes").cloned().unwrap_or(Value::Null);
                self.resolve_attrs(&list, 0, Level::Series, &mut key.attributes, &at)
            });
        self.series_key = key;
        r?;
        self.series_name = name;
        self.observations = take_map(value.get_mut("observations"));
        self.obs_i = 0;
        Ok(())
    }

    /// The next `dimensionGroupAttributes` entry of the current dataset into the
    /// group buffer; false when there is none left.
    pub(crate) fn next_group(&mut self) -> Result<bool, DataError> {
        if self.group_i >= self.groups.len() {
            return Ok(false);
        }
        let (name, value) = std::mem::take(&mut self.groups[self.group_i]);
        self.group_i += 1;
        self.fill_group(&name, &value)?;
        Ok(true)
    }

    /// A 2.0 `dimensionGroupAttributes` entry: `::4:0:` names a partial key over
    /// every dimension of the structure, in the order the structure lists them.
    fn fill_group(&mut self, name: &str, value: &Value) -> Result<(), DataError> {
        let mut group = std::mem::take(&mut self.group);
        let r = self.fill_group_into(name, value, &mut group);
        self.group = group;
        r
    }

    fn fill_group_into(
        &self,
        name: &str,
        value: &Value,
        group: &mut GroupKey,
    ) -> Result<(), DataError> {
        let at = format!(".dimensionGroupAttributes[{name:?}]");
        let s = self.st();
        let all: Vec<&Comp> = s
            .dims
            .dataset
            .iter()
            .chain(&s.dims.series)
            .chain(&s.dims.observation)
            .collect();
        // The official samples index group keys in the order the structure lists
        // the dimensions (dataSet, series, observation), not by key position.
        group.key.clear();
        group.attributes.clear();
        for (p, c) in name.split(':').zip(&all) {
            if p.is_empty() {
                continue;
            }
            let v = p
                .parse::<usize>()
                .ok()
                .and_then(|i| c.values.as_ref()?.get(i))
                .ok_or_else(|| {
                    self.invalid(
                        &at,
                        format!("dimension {}: {p:?} is not a value index", c.id),
                    )
                })?;
            group.key.push(&c.id, v);
        }
        self.resolve_attrs(value, 0, Level::Group, &mut group.attributes, &at)?;
        let dims: Vec<&str> = group.key.iter().map(|(d, _)| d).collect();
        group.group = self
            .dsd
            .and_then(|d| {
                d.groups.iter().find(|g| {
                    g.dimensions.len() == dims.len()
                        && g.dimensions.iter().all(|x| dims.contains(&x.as_str()))
                })
            })
            .map(|g| g.id.clone())
            .unwrap_or_default();
        Ok(())
    }
}
