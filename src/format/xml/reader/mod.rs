//! The streaming SDMX-ML data reader: generic and structure-specific, 2.1 and 3.0.
//!
//! Elements are recognised by local name (prefixes vary between producers); the
//! root's namespace tells 2.1 from 3.0. Every event reuses the same buffers, so a
//! steady stream of observations allocates nothing.

mod attrs;
mod dataset;
mod header;

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::roles::Roles;
use crate::data::{
    Action, DataError, DataEvent, DataReader, DataSetHeader, GroupKey, Header, Obs, ObsDimension,
    Position, SeriesKey, StructureUse, Values,
};
use crate::format::{DataFormat, ReadOptions};
use crate::model::ArtefactClass;

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

/// A structure-specific element carrying components as XML attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum El {
    Series = 0,
    Group = 1,
    Obs = 2,
}

impl El {
    fn name(self) -> &'static str {
        match self {
            El::Series => "Series",
            El::Group => "Group",
            El::Obs => "Obs",
        }
    }
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

    fn position_into(&self, pos: &mut Position) {
        if pos.source != self.source {
            pos.source.clone_from(&self.source);
        }
        pos.line = self.ev_line;
        pos.column = self.ev_col;
        pos.record = 0;
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
