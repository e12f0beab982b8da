//! The streaming SDMX-ML data reader: generic and structure-specific, 2.1 and 3.0.
//!
//! Elements are recognised by local name (prefixes vary between producers); the
//! root's namespace tells 2.1 from 3.0. Every event reuses the same buffers, so a
//! steady stream of observations allocates nothing.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::roles::{Role, Roles};
use crate::data::{
    Action, DataError, DataEvent, DataReader, DataSetHeader, GroupKey, Header, Obs, ObsDimension,
    Position, SeriesKey, StructureUse, Values,
};
use crate::format::{DataFormat, ReadOptions};
use crate::model::{ArtefactClass, ArtefactRef, VersionReq};

/// An event ready to hand out; its data lives in the reader's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ready {
    Header,
    DataSet,
    Group,
    Series,
    Obs,
    EndDataSet,
}

/// Which header element's text is being collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextTarget {
    Id,
    Test,
    Prepared,
    Action,
    /// 3.0 `common:Structure` etc. holding a URN, or 2.1 `URN`.
    StructureUrn,
}

/// Where generic `<Value id= value=/>` elements go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueTarget {
    None,
    DataSetAttrs,
    GroupKey,
    GroupAttrs,
    SeriesKey,
    SeriesAttrs,
    ObsKey,
    ObsAttrs,
}

/// One `message:Structure` of the header.
#[derive(Debug, Clone)]
struct HeaderStructure {
    id: String,
    structure: Option<StructureUse>,
    obs_dim: ObsDimension,
}

/// Reads SDMX-ML data messages as [`DataEvent`]s.
pub struct XmlDataReader<'a, R: BufRead> {
    xml: Reader<R>,
    buf: Vec<u8>,
    source: String,
    format: DataFormat,
    generic: bool,
    roles: Option<Roles>,
    structure_hint: Option<&'a StructureUse>,

    // Position of the current event and line bookkeeping.
    line: u64,
    line_start: u64,
    ev_line: u64,
    ev_col: u64,

    /// Open element local names; slots are reused.
    stack: Vec<String>,
    depth: usize,
    root_seen: bool,
    finished: bool,

    queue: VecDeque<Ready>,
    header: Header,
    header_done: bool,
    in_header: bool,
    structures: Vec<HeaderStructure>,
    structure_class: Option<ArtefactClass>,
    text_target: Option<TextTarget>,
    text: String,

    ds: DataSetHeader,
    in_dataset: bool,
    ds_emitted: bool,
    group: GroupKey,
    in_group: bool,
    series: SeriesKey,
    in_series: bool,
    series_emitted: bool,
    obs: Obs,
    in_obs: bool,
    target: ValueTarget,
    scratch: String,
    /// Role-lookup hints per element kind (Series, Group, Obs) and attribute position.
    hints: [Vec<u16>; 3],
}

impl<'a, R: BufRead> XmlDataReader<'a, R> {
    /// A reader of `format` over `input`; structure-specific formats need
    /// `opts.dsd`.
    pub fn new(format: DataFormat, input: R, opts: ReadOptions<'a>) -> Result<Self, DataError> {
        let generic = matches!(
            format,
            DataFormat::Generic21 | DataFormat::GenericTimeSeries21
        );
        if !generic && !is_xml(format) {
            return Err(DataError::Structure(format!(
                "{format} is not an SDMX-ML format"
            )));
        }
        let roles = match opts.dsd {
            Some(dsd) => Some(Roles::of(dsd)),
            None if generic => None,
            None => {
                return Err(DataError::Structure(format!(
                    "{}: reading {format} needs the data structure (DSD) to tell dimensions from attributes; pass it with --structure",
                    opts.source
                )));
            }
        };
        let mut xml = Reader::from_reader(input);
        let cfg = xml.config_mut();
        cfg.trim_text(false);
        cfg.check_end_names = true;
        cfg.expand_empty_elements = false;
        Ok(XmlDataReader {
            xml,
            buf: Vec::with_capacity(4096),
            source: opts.source.to_owned(),
            format,
            generic,
            roles,
            structure_hint: opts.structure,
            line: 1,
            line_start: 0,
            ev_line: 1,
            ev_col: 1,
            stack: Vec::new(),
            depth: 0,
            root_seen: false,
            finished: false,
            queue: VecDeque::with_capacity(4),
            header: Header {
                id: String::new(),
                prepared: String::new(),
                sender: String::new(),
                ..Header::default()
            },
            header_done: false,
            in_header: false,
            structures: Vec::new(),
            structure_class: None,
            text_target: None,
            text: String::new(),
            ds: empty_dataset(),
            in_dataset: false,
            ds_emitted: false,
            group: GroupKey::default(),
            in_group: false,
            series: SeriesKey::default(),
            in_series: false,
            series_emitted: false,
            obs: Obs::default(),
            in_obs: false,
            target: ValueTarget::None,
            scratch: String::new(),
            hints: Default::default(),
        })
    }

    fn here(&self) -> Position {
        Position {
            source: self.source.clone(),
            line: self.ev_line,
            column: self.ev_col,
            record: 0,
        }
    }

    fn invalid(&self, message: String) -> DataError {
        DataError::Invalid {
            position: self.here(),
            message,
        }
    }

    fn malformed(&self, message: String) -> DataError {
        DataError::Malformed {
            position: self.here(),
            what: "XML",
            message,
        }
    }

    fn ready(&self, r: Ready) -> DataEvent<'_> {
        match r {
            Ready::Header => DataEvent::Header(&self.header),
            Ready::DataSet => DataEvent::DataSet(&self.ds),
            Ready::Group => DataEvent::Group(&self.group),
            Ready::Series => DataEvent::Series(&self.series),
            Ready::Obs => DataEvent::Obs(&self.obs),
            Ready::EndDataSet => DataEvent::EndDataSet,
        }
    }

    /// Advances line/column bookkeeping over an event's raw text, which ends
    /// `closing` bytes before `end`.
    fn track(&mut self, raw: &str, end: u64, closing: u64) {
        // `rfind` runs memrchr; most tags hold no newline, so one fast scan.
        if let Some(last) = raw.rfind('\n') {
            let before = raw.as_bytes()[..last]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.line += before as u64 + 1;
            let raw_start = end.saturating_sub(closing + raw.len() as u64);
            self.line_start = raw_start + last as u64 + 1;
        }
    }

    fn xml_error(&mut self, e: quick_xml::Error) -> DataError {
        let at = self.xml.error_position();
        if at >= self.line_start {
            self.ev_col = at - self.line_start + 1;
        }
        let message = match &e {
            quick_xml::Error::Encoding(_) => {
                "the text is not valid UTF-8: save the file as UTF-8 (SDMX-ML messages must be UTF-8)"
                    .to_owned()
            }
            quick_xml::Error::Syntax(s) => {
                format!("{s}: the file is cut short or not XML; check that it was fully downloaded")
            }
            other => other.to_string(),
        };
        self.malformed(message)
    }

    /// Reads XML until an event is ready (or the end).
    fn advance(&mut self) -> Result<Option<Ready>, DataError> {
        if let Some(r) = self.queue.pop_front() {
            return Ok(Some(r));
        }
        if self.finished {
            return Ok(None);
        }
        let mut buf = std::mem::take(&mut self.buf);
        let result = self.advance_with(&mut buf);
        self.buf = buf;
        result
    }

    fn advance_with(&mut self, buf: &mut Vec<u8>) -> Result<Option<Ready>, DataError> {
        loop {
            buf.clear();
            let start = self.xml.buffer_position();
            self.ev_line = self.line;
            self.ev_col = start.saturating_sub(self.line_start) + 1;
            let event = match self.xml.read_event_into(buf) {
                Ok(e) => e,
                Err(e) => return Err(self.xml_error(e)),
            };
            let end = self.xml.buffer_position();
            let got = match event {
                Event::Start(e) => {
                    self.track(&e, end, 1);
                    let r = self.start(&e)?;
                    self.push(local(e.name().0));
                    r
                }
                Event::Empty(e) => {
                    self.track(&e, end, 2);
                    let first = self.start(&e)?;
                    let second = self.end(local(e.name().0))?;
                    match (first, second) {
                        (Some(a), Some(b)) => {
                            self.queue.push_back(b);
                            Some(a)
                        }
                        (a, b) => a.or(b),
                    }
                }
                Event::End(e) => {
                    self.track(&e, end, 1);
                    self.depth = self.depth.saturating_sub(1);
                    self.end(local(e.name().0))?
                }
                Event::Text(t) => {
                    self.track(&t, end, 0);
                    if self.text_target.is_some() {
                        self.text.push_str(&t.xml10_content());
                    }
                    None
                }
                Event::GeneralRef(r) => {
                    if self.text_target.is_some() {
                        let c = match r.resolve_char_ref() {
                            Ok(Some(c)) => c,
                            Ok(None) => match &*r {
                                "amp" => '&',
                                "lt" => '<',
                                "gt" => '>',
                                "quot" => '"',
                                "apos" => '\'',
                                other => {
                                    return Err(self.malformed(format!(
                                        "undefined entity &{other};: SDMX-ML only uses the five predefined XML entities"
                                    )));
                                }
                            },
                            Err(e) => return Err(self.malformed(e.to_string())),
                        };
                        self.text.push(c);
                    }
                    None
                }
                Event::CData(t) => {
                    self.track(&t, end, 3);
                    if self.text_target.is_some() {
                        self.text.push_str(&t);
                    }
                    None
                }
                Event::Comment(t) => {
                    self.track(&t, end, 3);
                    None
                }
                Event::PI(t) => {
                    self.track(&t, end, 2);
                    None
                }
                Event::Decl(t) => {
                    self.track(&t, end, 2);
                    None
                }
                Event::DocType(_) => {
                    return Err(DataError::Doctype {
                        position: self.here(),
                    });
                }
                Event::Eof => {
                    if self.depth > 0 {
                        let inside = self.stack[self.depth - 1].clone();
                        return Err(self.malformed(format!(
                            "the file ends inside <{inside}>: it was truncated; download or export it again"
                        )));
                    }
                    if !self.root_seen {
                        return Err(self.malformed(
                            "no root element: the input is empty or not XML".to_owned(),
                        ));
                    }
                    self.finished = true;
                    return Ok(None);
                }
            };
            if let Some(r) = got {
                return Ok(Some(r));
            }
            if self.finished {
                return Ok(None);
            }
        }
    }

    fn push(&mut self, name: &str) {
        if let Some(slot) = self.stack.get_mut(self.depth) {
            slot.clear();
            slot.push_str(name);
        } else {
            self.stack.push(name.to_owned());
        }
        self.depth += 1;
    }

    /// Handles a start tag at the current depth (before it is pushed).
    fn start(&mut self, e: &BytesStart<'_>) -> Result<Option<Ready>, DataError> {
        let name = local(e.name().0);
        match self.depth {
            0 => {
                self.root(e, name)?;
                Ok(None)
            }
            1 => match name {
                "Header" => {
                    self.in_header = true;
                    Ok(None)
                }
                "DataSet" => self.dataset_start(e),
                _ => Ok(None),
            },
            _ if self.in_header => {
                self.header_start(e, name)?;
                Ok(None)
            }
            _ if self.in_dataset => {
                if self.generic {
                    self.generic_start(e, name)
                } else {
                    self.ss_start(e, name)
                }
            }
            _ => Ok(None),
        }
    }

    fn root(&mut self, e: &BytesStart<'_>, name: &str) -> Result<(), DataError> {
        self.root_seen = true;
        let (want, also): (&str, &str) = match self.format {
            DataFormat::Generic21 | DataFormat::GenericTimeSeries21 => {
                ("GenericData", "GenericTimeSeriesData")
            }
            DataFormat::StructureSpecific21 | DataFormat::StructureSpecificTimeSeries21 => {
                ("StructureSpecificData", "StructureSpecificTimeSeriesData")
            }
            _ => ("StructureSpecificData", "StructureSpecificData"),
        };
        let v30 = self.format == DataFormat::StructureSpecific30;
        // The root's own namespace, found among its declarations.
        let prefix = e.name().0.split_once(':').map(|(p, _)| p);
        let mut ns_ok = true;
        for a in e.attributes().with_checks(false).flatten() {
            let key = a.key.0;
            let declares = match prefix {
                Some(p) => key.strip_prefix("xmlns:") == Some(p),
                None => key == "xmlns",
            };
            if declares {
                ns_ok = if v30 {
                    a.value.contains("/v3_0/")
                } else {
                    a.value.contains("/v2_1/")
                };
            }
        }
        if (name != want && name != also) || !ns_ok {
            let version = if v30 { "3.0" } else { "2.1" };
            return Err(self.invalid(format!(
                "the root element is <{}>, not an SDMX-ML {version} <{want}> message: check the file and the --format given",
                e.name().0
            )));
        }
        Ok(())
    }

    fn header_start(&mut self, e: &BytesStart<'_>, name: &str) -> Result<(), DataError> {
        match (self.depth, name) {
            (2, "ID") => self.begin_text(TextTarget::Id),
            (2, "Test") => self.begin_text(TextTarget::Test),
            (2, "Prepared") => self.begin_text(TextTarget::Prepared),
            (2, "DataSetAction") => self.begin_text(TextTarget::Action),
            (2, "Sender") | (2, "Receiver") => {
                let id = attr(e, "id")
                    .map_err(|m| self.malformed(m))?
                    .unwrap_or_default();
                if name == "Sender" {
                    self.header.sender = id;
                } else {
                    self.header.receiver = Some(id);
                }
            }
            (2, "Structure") => {
                let id = attr(e, "structureID")
                    .map_err(|m| self.malformed(m))?
                    .unwrap_or_default();
                let obs_dim = attr(e, "dimensionAtObservation")
                    .map_err(|m| self.malformed(m))?
                    .map(|d| ObsDimension::parse(&d))
                    .unwrap_or_default();
                self.structures.push(HeaderStructure {
                    id,
                    structure: None,
                    obs_dim,
                });
            }
            (3, "Structure") | (3, "StructureUsage") | (3, "ProvisionAgreement") => {
                self.structure_class = Some(match name {
                    "Structure" => ArtefactClass::DataStructure,
                    "StructureUsage" => ArtefactClass::Dataflow,
                    _ => ArtefactClass::ProvisionAgreement,
                });
                self.begin_text(TextTarget::StructureUrn);
            }
            (4, "Ref") => {
                self.text_target = None;
                let class = self.structure_class.unwrap_or(ArtefactClass::DataStructure);
                let agency = attr(e, "agencyID")
                    .map_err(|m| self.malformed(m))?
                    .unwrap_or_default();
                let id = attr(e, "id")
                    .map_err(|m| self.malformed(m))?
                    .unwrap_or_default();
                let version = match attr(e, "version").map_err(|m| self.malformed(m))? {
                    Some(v) => v.parse::<VersionReq>().map_err(|err| {
                        self.invalid(format!("structure reference version {v:?}: {err}"))
                    })?,
                    None => VersionReq::Latest,
                };
                let r = ArtefactRef {
                    class,
                    agency,
                    id,
                    version,
                };
                self.set_structure(r);
            }
            (4, "URN") => self.begin_text(TextTarget::StructureUrn),
            _ => {}
        }
        Ok(())
    }

    fn begin_text(&mut self, t: TextTarget) {
        self.text_target = Some(t);
        self.text.clear();
    }

    fn set_structure(&mut self, r: ArtefactRef) {
        let s = match r.class {
            ArtefactClass::Dataflow => StructureUse::Dataflow(r),
            ArtefactClass::ProvisionAgreement => StructureUse::ProvisionAgreement(r),
            _ => StructureUse::DataStructure(r),
        };
        if let Some(h) = self.structures.last_mut() {
            h.structure = Some(s);
        }
    }

    fn header_text_end(&mut self) -> Result<(), DataError> {
        let Some(t) = self.text_target.take() else {
            return Ok(());
        };
        let text = self.text.trim();
        match t {
            TextTarget::Id => self.header.id = text.to_owned(),
            TextTarget::Test => self.header.test = text == "true" || text == "1",
            TextTarget::Prepared => self.header.prepared = text.to_owned(),
            TextTarget::Action => {
                self.header.action = Some(Action::parse(text).ok_or_else(|| {
                    self.invalid(format!(
                        "unknown DataSetAction {text:?}: use Append, Replace, Delete or Information"
                    ))
                })?);
            }
            TextTarget::StructureUrn => {
                if !text.is_empty() {
                    let r: ArtefactRef = text
                        .parse()
                        .map_err(|e| self.invalid(format!("structure reference {text:?}: {e}")))?;
                    self.set_structure(r);
                }
            }
        }
        Ok(())
    }

    fn dataset_start(&mut self, e: &BytesStart<'_>) -> Result<Option<Ready>, DataError> {
        let mut ds = std::mem::replace(&mut self.ds, empty_dataset());
        ds.attributes.clear();
        ds.extra.clear();
        let mut action = None;
        let mut structure_ref = None;
        let mut obs_dim_attr = None;
        for a in e.attributes().with_checks(false) {
            let a = a.map_err(|err| self.malformed(err.to_string()))?;
            let key = a.key.0;
            if key.starts_with("xmlns") {
                continue;
            }
            let (prefixed, name) = match key.split_once(':') {
                Some((_, l)) => (true, l),
                None => (false, key),
            };
            let value = match unescape(&a.value, &mut self.scratch) {
                Ok(v) => v.to_owned(),
                Err(m) => return Err(self.malformed(m)),
            };
            if !prefixed && let Some(roles) = &self.roles {
                match roles.get(name) {
                    Some(Role::Attribute) => {
                        ds.attributes.push(name, &value);
                        continue;
                    }
                    Some(_) => {
                        return Err(self.invalid(format!(
                            "{name} on <DataSet> is a dimension or measure, not an attribute"
                        )));
                    }
                    None => {}
                }
            }
            match name {
                "type" | "schemaLocation" | "dataScope" => {}
                "structureRef" => structure_ref = Some(value),
                "action" => {
                    action = Some(Action::parse(&value).ok_or_else(|| {
                        self.invalid(format!(
                            "unknown dataset action {value:?}: use Append, Replace, Delete or Information (3.0 also Merge)"
                        ))
                    })?)
                }
                "dimensionAtObservation" => obs_dim_attr = Some(ObsDimension::parse(&value)),
                "setID" | "reportingBeginDate" | "reportingEndDate" | "validFromDate"
                | "validToDate" | "publicationYear" | "publicationPeriod" => {
                    ds.extra.push(name, &value)
                }
                _ if prefixed || self.generic => {}
                other => {
                    return Err(self.invalid(format!(
                        "<DataSet> has {other}=\"{value}\", which is not a component of the DSD: check that the data matches the structure given"
                    )));
                }
            }
        }
        let chosen = match &structure_ref {
            Some(r) => self.structures.iter().find(|s| &s.id == r),
            None => self.structures.first(),
        }
        .or(self.structures.first());
        ds.structure = chosen
            .and_then(|s| s.structure.clone())
            .or_else(|| self.structure_hint.cloned());
        ds.dimension_at_observation = obs_dim_attr
            .or_else(|| chosen.map(|s| s.obs_dim.clone()))
            .unwrap_or_default();
        ds.action = action.or(self.header.action).unwrap_or_default();
        self.ds = ds;
        self.in_dataset = true;
        self.ds_emitted = false;
        self.in_series = false;
        self.in_group = false;
        self.in_obs = false;
        self.target = ValueTarget::None;
        if !self.header_done {
            self.finish_header();
            if !self.generic {
                self.ds_emitted = true;
                self.queue.push_back(Ready::DataSet);
            }
            return Ok(Some(Ready::Header));
        }
        if self.generic {
            Ok(None)
        } else {
            self.ds_emitted = true;
            Ok(Some(Ready::DataSet))
        }
    }

    fn finish_header(&mut self) {
        self.header_done = true;
        self.header.structure = self
            .structures
            .first()
            .and_then(|s| s.structure.clone())
            .or_else(|| self.structure_hint.cloned());
    }

    /// Emits the dataset header before its first content in generic messages,
    /// whose dataset attributes come as child elements.
    fn ensure_dataset(&mut self) -> Option<Ready> {
        if self.ds_emitted {
            None
        } else {
            self.ds_emitted = true;
            Some(Ready::DataSet)
        }
    }

    fn ss_start(&mut self, e: &BytesStart<'_>, name: &str) -> Result<Option<Ready>, DataError> {
        match name {
            "Series" if !self.in_series && !self.in_group && self.depth == 2 => {
                self.in_series = true;
                self.series.key.clear();
                self.series.attributes.clear();
                self.ss_components(e, "Series")?;
                Ok(Some(Ready::Series))
            }
            "Group" if !self.in_series && self.depth == 2 => {
                self.in_group = true;
                self.group.key.clear();
                self.group.attributes.clear();
                self.group.group.clear();
                self.ss_components(e, "Group")?;
                Ok(None)
            }
            "Obs" if self.depth == 3 && self.in_series || self.depth == 2 => {
                self.obs_start_check()?;
                self.in_obs = true;
                self.obs.key.clear();
                self.obs.measures.clear();
                self.obs.attributes.clear();
                self.ss_components(e, "Obs")?;
                Ok(None)
            }
            // 3.0 array values: refuse rather than silently drop them.
            "Comp" => Err(self.invalid(format!(
                "<Comp> (an array-valued component{}) is not supported yet: convert the message without array values",
                attr(e, "id")
                    .ok()
                    .flatten()
                    .map(|i| format!(" {i}"))
                    .unwrap_or_default()
            ))),
            _ => Ok(None),
        }
    }

    fn obs_start_check(&self) -> Result<(), DataError> {
        if !self.in_series && self.ds.dimension_at_observation != ObsDimension::AllDimensions {
            return Err(self.invalid(format!(
                "an <Obs> outside any <Series>, but the dataset has dimensionAtObservation=\"{}\": observations must sit in a series unless it is AllDimensions",
                self.ds.dimension_at_observation.id()
            )));
        }
        Ok(())
    }

    /// Sorts the XML attributes of a structure-specific Series/Group/Obs into
    /// key, measures and attributes by their role in the DSD.
    fn ss_components(&mut self, e: &BytesStart<'_>, element: &str) -> Result<(), DataError> {
        let Some(roles) = self.roles.as_ref() else {
            return Ok(());
        };
        let hints = &mut self.hints[match element {
            "Series" => 0,
            "Group" => 1,
            _ => 2,
        }];
        let mut position = 0;
        for a in e.attributes().with_checks(false) {
            let a = match a {
                Ok(a) => a,
                Err(err) => return Err(self.malformed(err.to_string())),
            };
            let key = a.key.0;
            if let Some((_, l)) = key.split_once(':') {
                // xsi:type names the group in 2.1 when `type` is absent.
                if element == "Group" && l == "type" && self.group.group.is_empty() {
                    let t = a.value.rsplit(':').next().unwrap_or_default();
                    self.group.group.push_str(t);
                }
                continue;
            }
            if key.starts_with("xmlns") {
                continue;
            }
            if element == "Group" && key == "type" {
                self.group.group.clear();
                self.group.group.push_str(&a.value);
                continue;
            }
            let value = match unescape(&a.value, &mut self.scratch) {
                Ok(v) => v,
                Err(m) => return Err(self.malformed(m)),
            };
            if hints.len() <= position {
                hints.push(0);
            }
            let role = roles.get_hinted(key, &mut hints[position]);
            position += 1;
            let dest = match (element, role) {
                ("Series", Some(Role::Dimension)) => &mut self.series.key,
                ("Series", Some(Role::Attribute)) => &mut self.series.attributes,
                ("Group", Some(Role::Dimension)) => &mut self.group.key,
                ("Group", Some(Role::Attribute)) => &mut self.group.attributes,
                ("Obs", Some(Role::Dimension)) => &mut self.obs.key,
                ("Obs", Some(Role::Measure)) => &mut self.obs.measures,
                ("Obs", Some(Role::Attribute)) => &mut self.obs.attributes,
                (_, None) => {
                    let msg = format!(
                        "<{element}> has {key}=\"{value}\", but the DSD has no component {key}: check that the data matches the structure given"
                    );
                    return Err(self.invalid(msg));
                }
                (_, Some(_)) => {
                    let msg = format!(
                        "<{element}> has {key}=\"{value}\", a measure, which belongs on <Obs>"
                    );
                    return Err(self.invalid(msg));
                }
            };
            dest.push(key, value);
        }
        Ok(())
    }

    fn generic_start(
        &mut self,
        e: &BytesStart<'_>,
        name: &str,
    ) -> Result<Option<Ready>, DataError> {
        match name {
            "Attributes" => {
                self.target = if self.in_obs {
                    ValueTarget::ObsAttrs
                } else if self.in_series {
                    ValueTarget::SeriesAttrs
                } else if self.in_group {
                    ValueTarget::GroupAttrs
                } else {
                    ValueTarget::DataSetAttrs
                };
                Ok(None)
            }
            "SeriesKey" => {
                self.target = ValueTarget::SeriesKey;
                Ok(None)
            }
            "GroupKey" => {
                self.target = ValueTarget::GroupKey;
                Ok(None)
            }
            "ObsKey" => {
                self.target = ValueTarget::ObsKey;
                Ok(None)
            }
            "Value" | "ObsDimension" | "ObsValue" => {
                let (id, value) = id_value(e).map_err(|m| self.malformed(m))?;
                let value = value.unwrap_or_default();
                let (dest, id) = match name {
                    "ObsDimension" => (
                        Some(&mut self.obs.key),
                        id.unwrap_or(self.ds.dimension_at_observation.id().into()),
                    ),
                    "ObsValue" => (
                        Some(&mut self.obs.measures),
                        id.unwrap_or("OBS_VALUE".into()),
                    ),
                    _ => {
                        let Some(id) = id else {
                            return Err(self.invalid("a generic <Value> without id".to_owned()));
                        };
                        let dest = match self.target {
                            ValueTarget::None => None,
                            ValueTarget::DataSetAttrs => Some(&mut self.ds.attributes),
                            ValueTarget::GroupKey => Some(&mut self.group.key),
                            ValueTarget::GroupAttrs => Some(&mut self.group.attributes),
                            ValueTarget::SeriesKey => Some(&mut self.series.key),
                            ValueTarget::SeriesAttrs => Some(&mut self.series.attributes),
                            ValueTarget::ObsKey => Some(&mut self.obs.key),
                            ValueTarget::ObsAttrs => Some(&mut self.obs.attributes),
                        };
                        (dest, id)
                    }
                };
                if let Some(d) = dest {
                    d.push(&id, &value);
                }
                Ok(None)
            }
            "Group" if self.depth == 2 => {
                self.in_group = true;
                self.group.key.clear();
                self.group.attributes.clear();
                self.group.group = attr(e, "type")
                    .map_err(|m| self.malformed(m))?
                    .unwrap_or_default();
                Ok(self.ensure_dataset())
            }
            "Series" if self.depth == 2 => {
                self.in_series = true;
                self.series_emitted = false;
                self.series.key.clear();
                self.series.attributes.clear();
                Ok(self.ensure_dataset())
            }
            "Obs" if self.depth == 2 || (self.depth == 3 && self.in_series) => {
                self.obs_start_check()?;
                self.in_obs = true;
                self.obs.key.clear();
                self.obs.measures.clear();
                self.obs.attributes.clear();
                if self.in_series && !self.series_emitted {
                    self.series_emitted = true;
                    return Ok(Some(Ready::Series));
                }
                Ok(self.ensure_dataset())
            }
            _ => Ok(None),
        }
    }

    /// Handles an end tag (or the end of an empty element) at the depth it
    /// opened at.
    fn end(&mut self, name: &str) -> Result<Option<Ready>, DataError> {
        let depth = self.depth;
        if depth == 0 {
            self.finished = true;
            return Ok(None);
        }
        if self.in_header {
            if depth == 1 {
                self.in_header = false;
                self.finish_header();
                return Ok(Some(Ready::Header));
            }
            if self.text_target.is_some() && matches!(depth, 2..=4) {
                self.header_text_end()?;
            }
            return Ok(None);
        }
        if !self.in_dataset {
            return Ok(None);
        }
        if depth == 1 && name == "DataSet" {
            self.in_dataset = false;
            if let Some(r) = self.ensure_dataset() {
                self.queue.push_back(Ready::EndDataSet);
                return Ok(Some(r));
            }
            return Ok(Some(Ready::EndDataSet));
        }
        match name {
            "Attributes" | "SeriesKey" | "GroupKey" | "ObsKey" if self.generic => {
                self.target = ValueTarget::None;
                Ok(None)
            }
            "Obs" if self.in_obs => {
                self.in_obs = false;
                Ok(Some(Ready::Obs))
            }
            "Series" if self.in_series && depth == 2 => {
                self.in_series = false;
                if self.generic && !self.series_emitted {
                    self.series_emitted = true;
                    return Ok(Some(Ready::Series));
                }
                Ok(None)
            }
            "Group" if self.in_group && depth == 2 => {
                self.in_group = false;
                Ok(Some(Ready::Group))
            }
            _ => Ok(None),
        }
    }
}

impl<R: BufRead> DataReader for XmlDataReader<'_, R> {
    fn next_event(&mut self) -> Result<Option<DataEvent<'_>>, DataError> {
        Ok(self.advance()?.map(|r| self.ready(r)))
    }

    fn position(&self) -> Position {
        self.here()
    }
}

fn is_xml(format: DataFormat) -> bool {
    matches!(
        format,
        DataFormat::Generic21
            | DataFormat::GenericTimeSeries21
            | DataFormat::StructureSpecific21
            | DataFormat::StructureSpecificTimeSeries21
            | DataFormat::StructureSpecific30
    )
}

fn empty_dataset() -> DataSetHeader {
    DataSetHeader {
        structure: None,
        action: Action::default(),
        dimension_at_observation: ObsDimension::default(),
        attributes: Values::new(),
        extra: Values::new(),
    }
}

/// The local part of a qualified name.
fn local(name: &str) -> &str {
    match name.rfind(':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// Unescapes an attribute value only when it holds a reference, using `scratch`
/// so the common case borrows.
fn unescape<'v>(raw: &'v str, scratch: &'v mut String) -> Result<&'v str, String> {
    if !raw.contains('&') {
        return Ok(raw);
    }
    let un = quick_xml::escape::unescape(raw).map_err(|e| e.to_string())?;
    scratch.clear();
    scratch.push_str(&un);
    Ok(scratch.as_str())
}

/// An attribute value by local name, unescaped and owned (header fields).
fn attr(e: &BytesStart<'_>, name: &str) -> Result<Option<String>, String> {
    for a in e.attributes().with_checks(false) {
        let a = a.map_err(|err| err.to_string())?;
        if local(a.key.0) == name {
            let v = quick_xml::escape::unescape(&a.value).map_err(|err| err.to_string())?;
            return Ok(Some(v.into_owned()));
        }
    }
    Ok(None)
}

/// The `id` and `value` attributes of a generic component value, borrowed
/// unless they hold references.
type IdValue<'e> = (Option<Cow<'e, str>>, Option<Cow<'e, str>>);

fn id_value<'e>(e: &'e BytesStart<'_>) -> Result<IdValue<'e>, String> {
    let mut id = None;
    let mut value = None;
    for a in e.attributes().with_checks(false) {
        let a = a.map_err(|err| err.to_string())?;
        let slot = match a.key.0 {
            "id" => &mut id,
            "value" => &mut value,
            _ => continue,
        };
        *slot = Some(match a.value {
            Cow::Borrowed(b) => quick_xml::escape::unescape(b).map_err(|err| err.to_string())?,
            Cow::Owned(o) => Cow::Owned(
                quick_xml::escape::unescape(&o)
                    .map_err(|err| err.to_string())?
                    .into_owned(),
            ),
        });
    }
    Ok((id, value))
}
