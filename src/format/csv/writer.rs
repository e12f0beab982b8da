use std::collections::HashMap;
use std::io::Write;

use super::{CsvOptions, KeyColumns, Labels, action_letter, structure_word};
use crate::data::{
    Action, DataError, DataSetHeader, DataSink, Flow, GroupKey, Header, Obs, SeriesKey,
    StructureUse, Summary, Values,
};
use crate::format::{DataFormat, WriteOptions};
use crate::model::{ArtefactClass, DataStructure, ItemRef, Representation, Structures};

/// One column of the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    /// 1.0 `DATAFLOW`.
    Dataflow,
    Structure,
    StructureId,
    StructureName,
    Action,
    SeriesKey,
    ObsKey,
    Dim(usize),
    Measure(usize),
    Attr(usize),
    /// labels=name: the name of the value in the preceding component column.
    Name(Component),
}

/// Where a column's value comes from while a series is written.
#[derive(Debug, Clone)]
enum Cell {
    /// Constant for the series: encoded bytes in `series_bytes[start..end]`.
    Fixed(usize, usize),
    /// Given by the observation (its key, measures or attributes) under `id`,
    /// else the encoded fallback `series_bytes[start..end]` (the series' or
    /// dataset's value of an attribute, or nothing).
    Obs(ObsPart, String, usize, usize),
}

/// Which part of an observation a [`Cell::Obs`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ObsPart {
    Key,
    Measure,
    Attribute,
}

/// Appends `value` as one SDMX-CSV field: quoted (quotes doubled) only when it
/// holds the separator, a quote or a line break, as the csv crate's
/// `QuoteStyle::Necessary` does.
fn push_field(row: &mut Vec<u8>, value: &[u8], delimiter: u8) {
    let needs_quotes = value
        .iter()
        .any(|&b| b == delimiter || b == b'"' || b == b'\n' || b == b'\r');
    if !needs_quotes {
        row.extend_from_slice(value);
        return;
    }
    row.push(b'"');
    for &b in value {
        if b == b'"' {
            row.push(b'"');
        }
        row.push(b);
    }
    row.push(b'"');
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Component {
    Dim(usize),
    Measure(usize),
    Attr(usize),
}

/// Streams events out as SDMX-CSV rows, one per observation.
pub struct CsvWriter<'a, W: Write> {
    format: DataFormat,
    out: std::io::BufWriter<W>,
    /// The field separator.
    delimiter: u8,
    /// The row being built (one `write_all` per row).
    row: Vec<u8>,
    /// Per column, where its value comes from for the current series (see
    /// [`Cell`]); rebuilt when a series starts, so an observation only looks up
    /// what it can change.
    cells: Vec<Cell>,
    /// Encoded bytes of the series-constant cells.
    series_bytes: Vec<u8>,
    /// Whether `cells` describe the current series.
    cells_valid: bool,
    /// Ids only, no per-observation key column: the fast path applies.
    fast: bool,
    dsd: &'a DataStructure,
    opts: WriteOptions<'a>,
    csv: CsvOptions<'a>,
    columns: Vec<Col>,
    header_written: bool,
    header_structure: Option<StructureUse>,
    structure: Option<StructureUse>,
    structure_text: String,
    structure_name: String,
    action: Action,
    dataset_attributes: Values,
    groups: Vec<GroupKey>,
    series: SeriesKey,
    /// Series attributes plus those of the groups the series belongs to.
    series_attributes: Values,
    scratch: String,
    code_names: CodeNames,
}

/// Code id → name per component, built once so that labelled rows cost a hash
/// lookup (empty unless labels are asked for with `names`).
#[derive(Default)]
struct CodeNames {
    dims: Vec<Option<HashMap<String, String>>>,
    measures: Vec<Option<HashMap<String, String>>>,
    attrs: Vec<Option<HashMap<String, String>>>,
}

impl CodeNames {
    fn build(dsd: &DataStructure, names: Option<&Structures>, labels: Labels) -> Self {
        let Some(names) = names.filter(|_| labels != Labels::Id) else {
            return CodeNames::default();
        };
        let table = |r: Option<&Representation>| -> Option<HashMap<String, String>> {
            let cl_ref = r?.enumeration.as_ref()?;
            let cl = names.codelists.iter().find(|cl| {
                cl.meta.agency == cl_ref.agency
                    && cl.meta.id == cl_ref.id
                    && cl_ref.version.matches(&cl.meta.version)
            })?;
            Some(
                cl.codes
                    .iter()
                    .filter_map(|c| Some((c.id.clone(), c.names.best()?.to_owned())))
                    .collect(),
            )
        };
        CodeNames {
            dims: dsd
                .dimensions
                .iter()
                .map(|d| table(d.representation.as_ref()))
                .collect(),
            measures: dsd
                .measures
                .iter()
                .map(|m| table(m.representation.as_ref()))
                .collect(),
            attrs: dsd
                .attributes
                .iter()
                .map(|a| table(a.representation.as_ref()))
                .collect(),
        }
    }
}

impl<'a, W: Write> CsvWriter<'a, W> {
    /// A writer for `format` (`Csv10` or `Csv20`); the DSD in `opts` is required
    /// (it fixes the columns).
    pub fn new(
        format: DataFormat,
        out: W,
        opts: WriteOptions<'a>,
        csv_opts: CsvOptions<'a>,
    ) -> Result<Self, DataError> {
        let dsd = opts.dsd.ok_or_else(|| {
            DataError::Structure(format!(
                "writing {format} needs the DSD (its dimensions, measures and attributes are the columns): pass --structure"
            ))
        })?;
        let v2 = match format {
            DataFormat::Csv10 => false,
            DataFormat::Csv20 => true,
            other => {
                return Err(DataError::Structure(format!(
                    "the SDMX-CSV writer cannot write {other}"
                )));
            }
        };
        let names = v2 && csv_opts.labels == Labels::Name;
        let mut columns = Vec::new();
        if v2 {
            columns.extend([Col::Structure, Col::StructureId]);
            if names {
                columns.push(Col::StructureName);
            }
            columns.push(Col::Action);
            if matches!(csv_opts.keys, KeyColumns::Series | KeyColumns::Both) {
                columns.push(Col::SeriesKey);
            }
            if matches!(csv_opts.keys, KeyColumns::Obs | KeyColumns::Both) {
                columns.push(Col::ObsKey);
            }
        } else {
            columns.push(Col::Dataflow);
        }
        let component = |c: Component, columns: &mut Vec<Col>| {
            columns.push(match c {
                Component::Dim(i) => Col::Dim(i),
                Component::Measure(i) => Col::Measure(i),
                Component::Attr(i) => Col::Attr(i),
            });
            if names {
                columns.push(Col::Name(c));
            }
        };
        for i in 0..dsd.dimensions.len() {
            component(Component::Dim(i), &mut columns);
        }
        // 1.0 has exactly one measure column, OBS_VALUE; a DSD without measures
        // still gets it (empty) so that 1.0 readers find it.
        if dsd.measures.is_empty() && !v2 {
            columns.push(Col::Measure(usize::MAX));
        }
        for i in 0..dsd.measures.len() {
            component(Component::Measure(i), &mut columns);
        }
        for i in 0..dsd.attributes.len() {
            component(Component::Attr(i), &mut columns);
        }
        let fast = csv_opts.labels == Labels::Id && !columns.contains(&Col::ObsKey);
        Ok(CsvWriter {
            format,
            out: std::io::BufWriter::with_capacity(64 * 1024, out),
            delimiter: csv_opts.delimiter,
            row: Vec::with_capacity(1024),
            cells: Vec::new(),
            series_bytes: Vec::new(),
            cells_valid: false,
            fast,
            dsd,
            opts,
            csv: csv_opts,
            columns,
            header_written: false,
            header_structure: None,
            structure: None,
            structure_text: String::new(),
            structure_name: String::new(),
            action: Action::Information,
            dataset_attributes: Values::new(),
            groups: Vec::new(),
            series: SeriesKey::default(),
            series_attributes: Values::new(),
            scratch: String::new(),
            code_names: CodeNames::build(dsd, csv_opts.names, csv_opts.labels),
        })
    }

    fn io(e: impl Into<std::io::Error>) -> DataError {
        DataError::Io {
            context: "writing SDMX-CSV".to_owned(),
            source: e.into(),
        }
    }

    fn v2(&self) -> bool {
        self.format == DataFormat::Csv20
    }

    fn component_id(&self, c: Component) -> &str {
        match c {
            Component::Dim(i) => &self.dsd.dimensions[i].id,
            Component::Measure(usize::MAX) => "OBS_VALUE",
            Component::Measure(i) => &self.dsd.measures[i].id,
            Component::Attr(i) => &self.dsd.attributes[i].id,
        }
    }

    fn component_concept(&self, c: Component) -> Option<&ItemRef> {
        match c {
            Component::Dim(i) => self.dsd.dimensions[i].concept.as_ref(),
            Component::Measure(usize::MAX) => None,
            Component::Measure(i) => self.dsd.measures[i].concept.as_ref(),
            Component::Attr(i) => self.dsd.attributes[i].concept.as_ref(),
        }
    }

    fn representation(&self, c: Component) -> Option<&Representation> {
        match c {
            Component::Dim(i) => self.dsd.dimensions[i].representation.as_ref(),
            Component::Measure(usize::MAX) => None,
            Component::Measure(i) => self.dsd.measures[i].representation.as_ref(),
            Component::Attr(i) => self.dsd.attributes[i].representation.as_ref(),
        }
    }

    /// The localised name of a component (its concept's name), else its id.
    fn component_name(&self, c: Component) -> String {
        let id = self.component_id(c).to_owned();
        concept_name(self.csv.names, self.component_concept(c)).unwrap_or(id)
    }

    /// The name of a coded value, when the codelist is known.
    fn code_name(&self, c: Component, value: &str) -> Option<&str> {
        let table = match c {
            Component::Dim(i) => self.code_names.dims.get(i),
            Component::Measure(i) => self.code_names.measures.get(i),
            Component::Attr(i) => self.code_names.attrs.get(i),
        }?;
        table.as_ref()?.get(value).map(String::as_str)
    }

    fn is_coded(&self, c: Component) -> bool {
        matches!(c, Component::Dim(_))
            || self
                .representation(c)
                .is_some_and(|r| r.enumeration.is_some())
    }

    fn write_header(&mut self) -> Result<(), DataError> {
        if self.header_written {
            return Ok(());
        }
        self.header_written = true;
        let both = self.csv.labels == Labels::Both;
        for k in 0..self.columns.len() {
            let text = match self.columns[k] {
                Col::Dataflow => "DATAFLOW".to_owned(),
                Col::Structure => {
                    // 2.0 declares the sub-field separator when a column holds
                    // several values.
                    let multi = (0..self.dsd.measures.len())
                        .map(Component::Measure)
                        .chain((0..self.dsd.attributes.len()).map(Component::Attr))
                        .any(|c| self.is_multi_valued(c));
                    if multi {
                        format!("STRUCTURE[{}]", self.sub_separator())
                    } else {
                        "STRUCTURE".to_owned()
                    }
                }
                Col::StructureId => "STRUCTURE_ID".to_owned(),
                Col::StructureName => "STRUCTURE_NAME".to_owned(),
                Col::Action => "ACTION".to_owned(),
                Col::SeriesKey => "SERIES_KEY".to_owned(),
                Col::ObsKey => "OBS_KEY".to_owned(),
                Col::Name(c) => self.component_name(c),
                Col::Dim(i) => self.labelled_header(Component::Dim(i), both),
                Col::Measure(i) => self.labelled_header(Component::Measure(i), both),
                Col::Attr(i) => self.labelled_header(Component::Attr(i), both),
            };
            if k > 0 {
                self.row.push(self.delimiter);
            }
            push_field(&mut self.row, text.as_bytes(), self.delimiter);
        }
        self.end_row()
    }

    /// Ends the row in `row` with CRLF (the field guides' terminator) and writes it.
    fn end_row(&mut self) -> Result<(), DataError> {
        self.row.extend_from_slice(b"\r\n");
        let r = self.out.write_all(&self.row).map_err(Self::io);
        self.row.clear();
        r
    }

    /// Works out, once per series, which columns are constant and encodes them.
    fn build_cells(&mut self) {
        let mut cells = Vec::with_capacity(self.columns.len());
        let mut bytes = std::mem::take(&mut self.series_bytes);
        bytes.clear();
        let delimiter = self.delimiter;
        let fixed = |bytes: &mut Vec<u8>, v: &str| {
            let start = bytes.len();
            push_field(bytes, v.as_bytes(), delimiter);
            (start, bytes.len())
        };
        for &col in &self.columns {
            let cell = match col {
                Col::Dataflow | Col::StructureId => {
                    let (a, b) = fixed(&mut bytes, &self.structure_text);
                    Cell::Fixed(a, b)
                }
                Col::Structure => {
                    let word = self.structure.as_ref().map_or("dataflow", structure_word);
                    let (a, b) = fixed(&mut bytes, word);
                    Cell::Fixed(a, b)
                }
                Col::StructureName => {
                    let (a, b) = fixed(&mut bytes, &self.structure_name);
                    Cell::Fixed(a, b)
                }
                Col::Action => {
                    let (a, b) = fixed(&mut bytes, action_letter(self.action));
                    Cell::Fixed(a, b)
                }
                Col::SeriesKey => {
                    let mut key = String::new();
                    self.key_text(&Obs::default(), false, &mut key);
                    let (a, b) = fixed(&mut bytes, &key);
                    Cell::Fixed(a, b)
                }
                Col::Dim(i) => {
                    let id = &self.dsd.dimensions[i].id;
                    match self.series.key.get(id) {
                        Some(v) => {
                            let (a, b) = fixed(&mut bytes, v);
                            Cell::Fixed(a, b)
                        }
                        None => Cell::Obs(ObsPart::Key, id.clone(), 0, 0),
                    }
                }
                Col::Measure(i) => {
                    let id = if i == usize::MAX {
                        "OBS_VALUE".to_owned()
                    } else {
                        self.dsd.measures[i].id.clone()
                    };
                    Cell::Obs(ObsPart::Measure, id, 0, 0)
                }
                Col::Attr(i) => {
                    let id = &self.dsd.attributes[i].id;
                    let fallback = self
                        .series_attributes
                        .get(id)
                        .or_else(|| self.dataset_attributes.get(id))
                        .unwrap_or("");
                    let (a, b) = fixed(&mut bytes, fallback);
                    Cell::Obs(ObsPart::Attribute, id.clone(), a, b)
                }
                // Not on the fast path (labels, OBS_KEY).
                Col::ObsKey | Col::Name(_) => Cell::Fixed(0, 0),
            };
            cells.push(cell);
        }
        self.cells = cells;
        self.series_bytes = bytes;
        self.cells_valid = true;
    }

    /// One row from the per-series cells: only observation-level values are
    /// looked up.
    fn fast_row(&mut self, o: &Obs) -> Result<(), DataError> {
        if !self.cells_valid {
            self.build_cells();
        }
        for (k, cell) in self.cells.iter().enumerate() {
            if k > 0 {
                self.row.push(self.delimiter);
            }
            match cell {
                Cell::Fixed(a, b) => self.row.extend_from_slice(&self.series_bytes[*a..*b]),
                Cell::Obs(part, id, a, b) => {
                    let values = match part {
                        ObsPart::Key => &o.key,
                        ObsPart::Measure => &o.measures,
                        ObsPart::Attribute => &o.attributes,
                    };
                    match values.get(id) {
                        Some(v) => push_field(&mut self.row, v.as_bytes(), self.delimiter),
                        None => self.row.extend_from_slice(&self.series_bytes[*a..*b]),
                    }
                }
            }
        }
        self.end_row()
    }

    fn labelled_header(&self, c: Component, both: bool) -> String {
        // 1.0 calls the (single) measure column OBS_VALUE.
        let id = if !self.v2() && matches!(c, Component::Measure(_)) && self.dsd.measures.len() <= 1
        {
            "OBS_VALUE".to_owned()
        } else {
            self.component_id(c).to_owned()
        };
        let id = if self.v2() && self.is_multi_valued(c) {
            format!("{id}[]")
        } else {
            id
        };
        if both {
            format!("{id}: {}", self.component_name(c))
        } else {
            id
        }
    }

    /// A 3.0 array component (`maxOccurs` above 1): its values are written as
    /// given, sub-fields already joined by the separator.
    fn is_multi_valued(&self, c: Component) -> bool {
        self.representation(c)
            .is_some_and(|r| r.max_unbounded || r.max_occurs.is_some_and(|m| m > 1))
    }

    /// `;` unless that is the field separator, then `|`.
    fn sub_separator(&self) -> char {
        if self.csv.delimiter == b';' { '|' } else { ';' }
    }

    fn value<'v>(&'v self, c: Component, o: &'v Obs) -> Option<&'v str> {
        match c {
            Component::Dim(i) => {
                let id = &self.dsd.dimensions[i].id;
                o.key.get(id).or_else(|| self.series.key.get(id))
            }
            Component::Measure(usize::MAX) => o.measures.get("OBS_VALUE"),
            Component::Measure(i) => o.measures.get(&self.dsd.measures[i].id),
            Component::Attr(i) => {
                let id = &self.dsd.attributes[i].id;
                o.attributes
                    .get(id)
                    .or_else(|| self.series_attributes.get(id))
                    .or_else(|| self.dataset_attributes.get(id))
            }
        }
    }

    fn key_text(&self, o: &Obs, with_obs: bool, out: &mut String) {
        let mut first = true;
        for d in &self.dsd.dimensions {
            let v = match self.series.key.get(&d.id) {
                Some(v) => v,
                None if with_obs => o.key.get(&d.id).unwrap_or(""),
                None => continue,
            };
            if !first {
                out.push('.');
            }
            first = false;
            out.push_str(v);
        }
    }

    fn resolve_structure(&mut self, d: &DataSetHeader) {
        let s = d
            .structure
            .clone()
            .or_else(|| self.opts.structure.cloned())
            .or_else(|| self.header_structure.clone())
            .unwrap_or_else(|| {
                StructureUse::DataStructure(self.dsd.meta.reference(ArtefactClass::DataStructure))
            });
        let r = s.reference();
        self.structure_text = r.short();
        self.structure_name = self
            .csv
            .names
            .and_then(|n| {
                n.dataflows
                    .iter()
                    .map(|f| &f.meta)
                    .chain(n.data_structures.iter().map(|d| &d.meta))
                    .chain(n.provision_agreements.iter().map(|p| &p.meta))
                    .find(|m| m.agency == r.agency && m.id == r.id && r.version.matches(&m.version))
            })
            .and_then(|m| m.names.best())
            .unwrap_or(&r.id)
            .to_owned();
        if self.csv.labels == Labels::Both {
            self.structure_text = format!("{}: {}", self.structure_text, self.structure_name);
        }
        self.structure = Some(s);
    }
}

fn concept_name(names: Option<&Structures>, concept: Option<&ItemRef>) -> Option<String> {
    let names = names?;
    let c = concept?;
    let scheme = names.concept_schemes.iter().find(|s| {
        s.meta.agency == c.scheme.agency
            && s.meta.id == c.scheme.id
            && c.scheme.version.matches(&s.meta.version)
    })?;
    scheme
        .concept(&c.item_id)?
        .item
        .names
        .best()
        .map(str::to_owned)
}

impl<W: Write> DataSink for CsvWriter<'_, W> {
    type Error = DataError;

    fn header(&mut self, h: &Header) -> Result<Flow, DataError> {
        self.header_structure = h.structure.clone();
        if let Some(a) = h.action {
            self.action = a;
        }
        Ok(Flow::Continue)
    }

    fn dataset(&mut self, d: &DataSetHeader) -> Result<Flow, DataError> {
        self.write_header()?;
        self.resolve_structure(d);
        self.action = d.action;
        self.dataset_attributes.copy_from(&d.attributes);
        self.groups.clear();
        self.series = SeriesKey::default();
        self.series_attributes.clear();
        self.cells_valid = false;
        Ok(Flow::Continue)
    }

    fn group(&mut self, g: &GroupKey) -> Result<Flow, DataError> {
        // Groups are few (one per partial key with attributes); their attributes
        // are replicated onto the rows of the series they cover.
        self.groups.push(g.clone());
        Ok(Flow::Continue)
    }

    fn series(&mut self, s: &SeriesKey) -> Result<Flow, DataError> {
        self.series.key.copy_from(&s.key);
        self.series.attributes.copy_from(&s.attributes);
        self.series_attributes.copy_from(&s.attributes);
        for g in &self.groups {
            if g.key.iter().all(|(d, v)| s.key.get(d) == Some(v)) {
                for (a, v) in g.attributes.iter() {
                    if self.series_attributes.get(a).is_none() {
                        self.series_attributes.push(a, v);
                    }
                }
            }
        }
        self.cells_valid = false;
        Ok(Flow::Continue)
    }

    fn obs(&mut self, o: &Obs) -> Result<Flow, DataError> {
        if self.structure.is_none() {
            return Err(DataError::Invalid {
                position: Default::default(),
                message:
                    "an observation arrived before any dataset: the event stream is out of order"
                        .to_owned(),
            });
        }
        if self.fast {
            self.fast_row(o)?;
            return Ok(Flow::Continue);
        }
        let both = self.csv.labels == Labels::Both;
        // One reused buffer: a row allocates nothing once warmed up.
        let mut buf = std::mem::take(&mut self.scratch);
        for k in 0..self.columns.len() {
            buf.clear();
            let col = self.columns[k];
            match col {
                Col::Dataflow | Col::StructureId => buf.push_str(&self.structure_text),
                Col::Structure => {
                    buf.push_str(self.structure.as_ref().map_or("dataflow", structure_word))
                }
                Col::StructureName => buf.push_str(&self.structure_name),
                Col::Action => buf.push_str(action_letter(self.action)),
                Col::SeriesKey => self.key_text(o, false, &mut buf),
                Col::ObsKey => self.key_text(o, true, &mut buf),
                Col::Name(c) => match self.value(c, o) {
                    Some(v) if !v.is_empty() && self.is_coded(c) => {
                        if let Some(n) = self.code_name(c, v) {
                            buf.push_str(n);
                        } else if matches!(c, Component::Dim(_)) {
                            buf.push_str(v);
                        }
                    }
                    _ => {}
                },
                Col::Dim(i) | Col::Measure(i) | Col::Attr(i) => {
                    let c = match col {
                        Col::Dim(_) => Component::Dim(i),
                        Col::Measure(_) => Component::Measure(i),
                        _ => Component::Attr(i),
                    };
                    match self.value(c, o) {
                        Some(v) if both && !v.is_empty() && self.is_coded(c) => {
                            buf.push_str(v);
                            buf.push_str(": ");
                            match self.code_name(c, v) {
                                Some(n) => buf.push_str(n),
                                None => buf.push_str(v),
                            }
                        }
                        Some(v) => buf.push_str(v),
                        None => {}
                    }
                }
            }
            if k > 0 {
                self.row.push(self.delimiter);
            }
            push_field(&mut self.row, buf.as_bytes(), self.delimiter);
        }
        self.scratch = buf;
        self.end_row()?;
        Ok(Flow::Continue)
    }

    fn finish(&mut self, _s: &Summary) -> Result<(), DataError> {
        self.write_header()?;
        self.out.flush().map_err(Self::io)
    }
}
