//! The streaming SDMX-ML data reader: generic and structure-specific, 2.1 and 3.0.
//!
//! Elements are recognised by local name (prefixes vary between producers); the
//! root's namespace tells 2.1 from 3.0. Every event reuses the same buffers, so a
//! steady stream of observations allocates nothing.

mod dataset;
mod header;

use std::collections::VecDeque;
use std::io::BufRead;

use super::scan::{MAX_TOKEN, ScanError, Scanner, Tag, Token};

use super::roles::Roles;
use crate::data::{
    Action, DataError, DataEvent, DataReader, DataSetHeader, GroupKey, Header, Obs, ObsDimension,
    Place, Position, SeriesKey, StructureUse, Values,
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
    scan: Scanner<R>,
    st: State<'a>,
}

/// Everything but the tokenizer, so that handlers can borrow a token from the
/// scanner while they update the state.
struct State<'a> {
    source: String,
    format: DataFormat,
    generic: bool,
    roles: Option<Roles>,
    structure_hint: Option<&'a StructureUse>,

    /// Open element names (qualified, as written); slots are reused.
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
        Ok(XmlDataReader {
            scan: Scanner::new(input),
            st: State {
                source: opts.source.to_owned(),
                format,
                generic,
                roles,
                structure_hint: opts.structure,
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
            },
        })
    }

    fn scan_error(&mut self, e: ScanError) -> DataError {
        let (offset, message) = match e {
            ScanError::Io(source) => {
                return DataError::Io {
                    context: format!("reading {}", self.st.source),
                    source,
                };
            }
            ScanError::Utf8 { offset } => (
                offset,
                "the text is not valid UTF-8: save the file as UTF-8 (SDMX-ML messages must be UTF-8)"
                    .to_owned(),
            ),
            ScanError::Syntax { offset, message } => (offset, format!("{message}: check that the file is XML and was fully downloaded")),
            ScanError::Truncated { offset } => (
                offset,
                match self.st.depth {
                    0 => "the file ends inside a tag: it was truncated; download or export it again"
                        .to_owned(),
                    d => format!(
                        "the file ends inside a tag within <{}>: it was truncated; download or export it again",
                        self.st.stack[d - 1]
                    ),
                },
            ),
            ScanError::TooLong { offset } => (
                offset,
                format!(
                    "one tag or text run is longer than {} MB: this is not an SDMX-ML data message (or it is damaged)",
                    MAX_TOKEN / (1024 * 1024)
                ),
            ),
        };
        let (line, column) = self.scan.position_of(offset);
        DataError::Malformed {
            position: Position {
                source: self.st.source.clone(),
                line,
                column,
                record: 0,
            },
            what: "XML",
            message,
        }
    }

    /// Gives an error raised by the state handlers (which do not know where
    /// they are) the current token's line and column.
    fn locate(&self, mut e: DataError) -> DataError {
        if let DataError::Malformed { position, .. }
        | DataError::Invalid { position, .. }
        | DataError::Doctype { position } = &mut e
            && position.line == 0
        {
            (position.line, position.column) = self.scan.token_position();
        }
        e
    }

    /// Reads XML until an event is ready (or the end).
    fn advance(&mut self) -> Result<Option<Ready>, DataError> {
        if let Some(r) = self.st.queue.pop_front() {
            return Ok(Some(r));
        }
        if self.st.finished {
            return Ok(None);
        }
        loop {
            let want_text = self.st.text_target.is_some();
            if let Err(e) = self.scan.advance(want_text) {
                return Err(self.scan_error(e));
            }
            let token = match self.scan.token() {
                Ok(t) => t,
                Err(e) => return Err(self.scan_error(e)),
            };
            let got = match self.st.step(token) {
                Ok(got) => got,
                Err(e) => return Err(self.locate(e)),
            };
            if let Some(r) = got {
                return Ok(Some(r));
            }
            if self.st.finished {
                return Ok(None);
            }
        }
    }
}

impl State<'_> {
    /// The source, without line and column: [`XmlDataReader::locate`] adds
    /// them.
    fn here(&self) -> Position {
        Position::source(self.source.clone())
    }

    /// Handles one token; the event it completes, if any.
    fn step(&mut self, token: Token<'_>) -> Result<Option<Ready>, DataError> {
        Ok(match token {
            Token::Start(tag) => {
                let r = self.start(&tag)?;
                self.push(tag.name());
                r
            }
            Token::Empty(tag) => {
                let first = self.start(&tag)?;
                let second = self.end(local(tag.name()))?;
                match (first, second) {
                    (Some(a), Some(b)) => {
                        self.queue.push_back(b);
                        Some(a)
                    }
                    (a, b) => a.or(b),
                }
            }
            Token::End(name) => {
                self.close(name)?;
                self.end(local(name))?
            }
            Token::Text(t) => {
                if self.text_target.is_some() {
                    let mut text = std::mem::take(&mut self.text);
                    let r = unescape(t, &mut self.scratch).map(|t| text.push_str(t));
                    self.text = text;
                    r.map_err(|m| self.malformed(m))?;
                }
                None
            }
            Token::CData(t) => {
                if self.text_target.is_some() {
                    self.text.push_str(t);
                }
                None
            }
            Token::Comment | Token::Pi => None,
            Token::DocType => {
                return Err(DataError::Doctype {
                    position: self.here(),
                });
            }
            Token::Eof => {
                if self.depth > 0 {
                    let inside = self.stack[self.depth - 1].clone();
                    return Err(self.malformed(format!(
                        "the file ends inside <{inside}>: it was truncated; download or export it again"
                    )));
                }
                if !self.root_seen {
                    return Err(
                        self.malformed("no root element: the input is empty or not XML".to_owned())
                    );
                }
                self.finished = true;
                return Ok(None);
            }
        })
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

    fn push(&mut self, name: &str) {
        if let Some(slot) = self.stack.get_mut(self.depth) {
            slot.clear();
            slot.push_str(name);
        } else {
            self.stack.push(name.to_owned());
        }
        self.depth += 1;
    }

    /// Pops the element an end tag closes, which must be the one open.
    fn close(&mut self, name: &str) -> Result<(), DataError> {
        let Some(open) = self.depth.checked_sub(1).map(|d| &self.stack[d]) else {
            return Err(
                self.malformed(format!("</{name}> closes an element that was never opened"))
            );
        };
        if open != name {
            return Err(self.malformed(format!(
                "expected </{open}>, found </{name}>: the tags are mismatched"
            )));
        }
        self.depth -= 1;
        Ok(())
    }

    /// Handles a start tag at the current depth (before it is pushed).
    fn start(&mut self, e: &Tag<'_>) -> Result<Option<Ready>, DataError> {
        let name = local(e.name());
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
        Ok(self.advance()?.map(|r| self.st.ready(r)))
    }

    fn position(&self) -> Position {
        let mut pos = Position::default();
        self.position_into(&mut pos);
        pos
    }

    fn position_into(&self, pos: &mut Position) {
        if pos.source != self.st.source {
            pos.source.clone_from(&self.st.source);
        }
        (pos.line, pos.column) = self.scan.token_position();
        pos.record = 0;
    }

    fn place(&self) -> Place {
        let (line, column) = self.scan.token_position();
        Place {
            line,
            column,
            record: 0,
        }
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
    // A byte loop: names are short, and a char search costs more to set up.
    match name.bytes().rposition(|b| b == b':') {
        Some(i) => name.get(i + 1..).unwrap_or(name),
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
fn attr(e: &Tag<'_>, name: &str) -> Result<Option<String>, String> {
    for a in e.attrs() {
        if local(a.key) == name {
            let mut scratch = String::new();
            return unescape(a.raw, &mut scratch).map(|v| Some(v.to_owned()));
        }
    }
    Ok(None)
}

/// The `id` and `value` attributes of a generic component value, unescaped.
fn id_value(e: &Tag<'_>) -> Result<(Option<String>, Option<String>), String> {
    let mut id = None;
    let mut value = None;
    let mut scratch = String::new();
    for a in e.attrs() {
        let slot = match a.key {
            "id" => &mut id,
            "value" => &mut value,
            _ => continue,
        };
        *slot = Some(unescape(a.raw, &mut scratch)?.to_owned());
    }
    Ok((id, value))
}
