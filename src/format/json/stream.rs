//! The streaming SDMX-JSON reader: a small pull lexer walks the message; the
//! header and structure parts are parsed whole (they are small), each dataset's
//! `series` / `observations` maps are walked member by member, so memory holds one
//! series at a time. When `dataSets` comes before the structure (the indexes
//! cannot be resolved yet) it falls back to parsing the datasets in memory,
//! within the size limit.

use std::io::{BufRead, Read};

use serde::Deserialize;
use serde_json::{Map, Value};

use super::reader::{JsonReader, Structure, parse_structure};
use crate::data::{DataError, DataEvent, DataReader, Place, Position};
use crate::format::{DataFormat, ReadOptions};

/// Wraps the input, tracking line and column of every byte read (by the lexer
/// or by serde_json) and, when armed, refusing to read past a byte limit.
struct Counting<R> {
    inner: R,
    line: u64,
    column: u64,
    read: u64,
    limit: Option<u64>,
    exceeded: bool,
}

impl<R: BufRead> Counting<R> {
    fn peek(&mut self) -> std::io::Result<Option<u8>> {
        Ok(self.inner.fill_buf()?.first().copied())
    }

    fn bump(&mut self) -> std::io::Result<Option<u8>> {
        let b = self.peek()?;
        if let Some(b) = b {
            self.inner.consume(1);
            self.count(b)?;
        }
        Ok(b)
    }

    fn count(&mut self, b: u8) -> std::io::Result<()> {
        self.read += 1;
        if b == b'\n' {
            self.line += 1;
            self.column = 0;
        } else {
            self.column += 1;
        }
        if self.limit.is_some_and(|l| self.read > l) {
            self.exceeded = true;
            return Err(std::io::Error::other("size limit"));
        }
        Ok(())
    }
}

impl<R: BufRead> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let avail = self.inner.fill_buf()?;
            let n = avail.len().min(buf.len());
            buf[..n].copy_from_slice(&avail[..n]);
            n
        };
        self.inner.consume(n);
        for &b in &buf[..n] {
            self.count(b)?;
        }
        Ok(n)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    Header,
    NextDataSet,
    Groups,
    Series,
    SeriesObs,
    FlatObs,
    DataSetRest,
    AfterDataSets,
    Done,
}

/// Which map a dataset carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Series,
    Flat,
    None,
}

/// Streams an SDMX-JSON 1.0/2.0 data message (see the module documentation).
pub struct JsonStreamReader<'a, R: BufRead> {
    input: Counting<R>,
    source: String,
    inner: JsonReader<'a>,
    /// The datasets were parsed in memory: `inner` does all the work.
    fallback: bool,
    st: St,
    first: bool,
    layout: Layout,
    /// Objects open around `dataSets` (1: the message, 2: also `data`).
    depth: u32,
    /// The in-memory fallback's byte limit.
    limit: u64,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl<'a, R: BufRead> JsonStreamReader<'a, R> {
    /// Reads up to the `dataSets` array (header and structure on the way).
    /// `limit` bounds what the fallback parses in memory.
    pub fn new(
        format: DataFormat,
        input: R,
        opts: ReadOptions<'a>,
        limit: u64,
    ) -> Result<Self, DataError> {
        let mut input = Counting {
            inner: input,
            line: 1,
            column: 0,
            read: 0,
            limit: None,
            exceeded: false,
        };
        let source = opts.source.to_owned();
        // A UTF-8 byte order mark.
        if input
            .inner
            .fill_buf()
            .map(|b| b.starts_with(b"\xEF\xBB\xBF"))
            .unwrap_or(false)
        {
            input.inner.consume(3);
        }
        let mut this = JsonStreamReader {
            input,
            source,
            // Replaced once the structure is known.
            inner: JsonReader::from_parts(
                format,
                &Value::Null,
                vec![Structure::default()],
                Vec::new(),
                opts,
            )?,
            fallback: false,
            st: St::Header,
            first: true,
            layout: Layout::None,
            depth: 1,
            limit,
        };
        this.scan_top(format, opts, limit)?;
        Ok(this)
    }

    fn malformed(&self, message: String) -> DataError {
        DataError::Malformed {
            position: Position {
                source: self.source.clone(),
                line: self.input.line,
                column: self.input.column + 1,
                record: 0,
            },
            what: "JSON",
            message,
        }
    }

    fn io(&self, e: std::io::Error) -> DataError {
        if self.input.exceeded {
            return self.too_big();
        }
        DataError::Io {
            context: format!("reading {}", self.source),
            source: e,
        }
    }

    fn too_big(&self) -> DataError {
        DataError::Invalid {
            position: Position::source(self.source.clone()),
            message: format!(
                "the SDMX-JSON message puts dataSets before the structure and they are larger than the {}-byte limit for reading them in memory: put the structure first, or use SDMX-CSV or SDMX-ML for large data",
                self.limit
            ),
        }
    }

    fn skip_ws(&mut self) -> Result<Option<u8>, DataError> {
        loop {
            match self.input.peek().map_err(|e| self.io(e))? {
                Some(b) if is_ws(b) => {
                    self.input.bump().map_err(|e| self.io(e))?;
                }
                other => return Ok(other),
            }
        }
    }

    fn expect(&mut self, want: u8) -> Result<(), DataError> {
        match self.skip_ws()? {
            Some(b) if b == want => {
                self.input.bump().map_err(|e| self.io(e))?;
                Ok(())
            }
            Some(b) => Err(self.malformed(format!(
                "expected '{}', found '{}'",
                want as char, b as char
            ))),
            None => Err(self.malformed(format!(
                "the message ends where '{}' was expected (is the file complete?)",
                want as char
            ))),
        }
    }

    /// Any JSON value. Scalars other than strings are read here: serde_json would
    /// look one byte past a number, and that byte would be lost.
    fn value(&mut self) -> Result<Value, DataError> {
        match self.skip_ws()? {
            Some(b'-' | b'0'..=b'9') => {
                let mut text = String::new();
                while let Some(b) = self.input.peek().map_err(|e| self.io(e))? {
                    if b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E') {
                        text.push(b as char);
                        self.input.bump().map_err(|e| self.io(e))?;
                    } else {
                        break;
                    }
                }
                serde_json::from_str::<serde_json::Number>(&text)
                    .map(Value::Number)
                    .map_err(|_| self.malformed(format!("{text:?} is not a number")))
            }
            Some(b't' | b'f' | b'n') => {
                let mut word = String::new();
                while let Some(b) = self.input.peek().map_err(|e| self.io(e))? {
                    if b.is_ascii_alphabetic() {
                        word.push(b as char);
                        self.input.bump().map_err(|e| self.io(e))?;
                    } else {
                        break;
                    }
                }
                match word.as_str() {
                    "true" => Ok(Value::Bool(true)),
                    "false" => Ok(Value::Bool(false)),
                    "null" => Ok(Value::Null),
                    _ => Err(self.malformed(format!("unexpected {word:?}"))),
                }
            }
            Some(_) => {
                let mut de = serde_json::Deserializer::from_reader(&mut self.input);
                match Value::deserialize(&mut de) {
                    Ok(v) => Ok(v),
                    Err(_) if self.input.exceeded => Err(self.too_big()),
                    Err(e) => Err(self.malformed(format!("{e} (is the file complete?)"))),
                }
            }
            None => Err(self.malformed(
                "the message ends where a value was expected (is the file complete?)".to_owned(),
            )),
        }
    }

    /// The next member name of an object being walked, or `None` at its end.
    fn member(&mut self) -> Result<Option<String>, DataError> {
        match self.skip_ws()? {
            Some(b'}') => {
                self.input.bump().map_err(|e| self.io(e))?;
                self.first = false;
                return Ok(None);
            }
            Some(b',') if !self.first => {
                self.input.bump().map_err(|e| self.io(e))?;
            }
            _ if self.first => {}
            Some(b) => {
                return Err(self.malformed(format!("expected ',' or '}}', found '{}'", b as char)));
            }
            None => {
                return Err(self.malformed(
                    "the message ends inside an object (is the file complete?)".to_owned(),
                ));
            }
        }
        self.first = false;
        match self.value()? {
            Value::String(k) => {
                self.expect(b':')?;
                Ok(Some(k))
            }
            other => Err(self.malformed(format!("expected a member name, found {other}"))),
        }
    }

    /// Walks the top-level object (and `data`) up to `dataSets`.
    fn scan_top(
        &mut self,
        format: DataFormat,
        opts: ReadOptions<'a>,
        limit: u64,
    ) -> Result<(), DataError> {
        match self.skip_ws()? {
            Some(b'{') => {}
            _ => {
                return Err(DataError::Invalid {
                    position: Position::source(self.source.clone()),
                    message: "an SDMX-JSON data message is a JSON object".to_owned(),
                });
            }
        }
        self.expect(b'{')?;
        self.first = true;
        let mut header = Value::Null;
        let mut structures: Vec<Structure> = Vec::new();
        let mut datasets: Option<Vec<Value>> = None;
        let mut errors = String::new();
        let mut depth = 1;
        loop {
            let Some(key) = self.member()? else {
                depth -= 1;
                if depth == 0 {
                    break;
                }
                continue;
            };
            match key.as_str() {
                "header" | "meta" => header = self.value()?,
                "structure" => structures = vec![parse_structure(&self.value()?)],
                "structures" => {
                    structures = match self.value()? {
                        Value::Array(list) => list.iter().map(parse_structure).collect(),
                        _ => Vec::new(),
                    }
                }
                "data" if depth == 1 => {
                    self.expect(b'{')?;
                    self.first = true;
                    depth += 1;
                }
                "dataSets" if !structures.is_empty() && datasets.is_none() => {
                    self.inner =
                        JsonReader::from_parts(format, &header, structures, Vec::new(), opts)?;
                    self.expect(b'[')?;
                    self.first = true;
                    self.st = St::Header;
                    self.depth = depth;
                    return Ok(());
                }
                "dataSets" => {
                    self.input.limit = Some(self.input.read.saturating_add(limit));
                    match self.value()? {
                        Value::Array(list) => datasets = Some(list),
                        _ => datasets = Some(Vec::new()),
                    }
                    self.input.limit = None;
                }
                "errors" => errors = self.value()?.to_string(),
                _ => {
                    self.value()?;
                }
            }
        }
        let Some(datasets) = datasets else {
            return Err(DataError::Invalid {
                position: Position::source(self.source.clone()),
                message: format!(
                    "no dataSets array in this {format} message{}",
                    if errors.is_empty() {
                        String::new()
                    } else {
                        format!(" (it reports errors: {errors})")
                    }
                ),
            });
        };
        self.inner = JsonReader::from_parts(format, &header, structures, datasets, opts)?;
        self.fallback = true;
        Ok(())
    }

    /// Reads a dataset's members up to its `series` or `observations` map.
    fn open_dataset(&mut self) -> Result<(), DataError> {
        self.first = true;
        let mut parts = Map::new();
        self.layout = Layout::None;
        while let Some(key) = self.member()? {
            match key.as_str() {
                "series" | "observations" => {
                    self.layout = if key == "series" {
                        Layout::Series
                    } else {
                        Layout::Flat
                    };
                    // Tells start_dataset the layout; the map itself is walked.
                    parts.insert(key, Value::Object(Map::new()));
                    self.expect(b'{')?;
                    self.first = true;
                    break;
                }
                _ => {
                    let v = self.value()?;
                    parts.insert(key, v);
                }
            }
        }
        self.inner.start_dataset(Value::Object(parts))
    }

    /// Reads a series' members; stops inside its `observations` map (true) or at
    /// its end (false).
    fn open_series(&mut self, name: String) -> Result<bool, DataError> {
        self.expect(b'{')?;
        self.first = true;
        let mut parts = Map::new();
        let mut has_obs = false;
        while let Some(key) = self.member()? {
            if key == "observations" {
                self.expect(b'{')?;
                self.first = true;
                has_obs = true;
                break;
            }
            let v = self.value()?;
            parts.insert(key, v);
        }
        self.inner.fill_series(name, Value::Object(parts))?;
        Ok(has_obs)
    }

    /// Reads what follows a map up to the end of the enclosing object, refusing
    /// members that should have come first.
    fn close_object(&mut self, what: &str) -> Result<(), DataError> {
        self.first = false;
        while let Some(key) = self.member()? {
            if key == "attributes" || key == "action" || key == "structure" {
                return Err(self.malformed(format!(
                    "{what} has \"{key}\" after its observations: the streaming reader needs it first"
                )));
            }
            self.value()?;
        }
        Ok(())
    }
}

impl<R: BufRead> DataReader for JsonStreamReader<'_, R> {
    fn next_event(&mut self) -> Result<Option<DataEvent<'_>>, DataError> {
        if self.fallback {
            return self.inner.next_event();
        }
        loop {
            match self.st {
                St::Header => {
                    self.st = St::NextDataSet;
                    return Ok(Some(DataEvent::Header(self.inner.header())));
                }
                St::NextDataSet => {
                    match self.skip_ws()? {
                        Some(b']') => {
                            self.input.bump().map_err(|e| self.io(e))?;
                            self.st = St::AfterDataSets;
                            continue;
                        }
                        Some(b',') if !self.first => {
                            self.input.bump().map_err(|e| self.io(e))?;
                        }
                        _ => {}
                    }
                    self.first = false;
                    self.expect(b'{')?;
                    self.open_dataset()?;
                    self.st = St::Groups;
                    return Ok(Some(DataEvent::DataSet(self.inner.dataset_header())));
                }
                St::Groups => {
                    if self.inner.next_group()? {
                        return Ok(Some(DataEvent::Group(self.inner.group_key())));
                    }
                    self.st = match self.layout {
                        Layout::Series => St::Series,
                        Layout::Flat => St::FlatObs,
                        Layout::None => {
                            // The dataset object ended without a map.
                            self.first = false;
                            self.st = St::NextDataSet;
                            return Ok(Some(DataEvent::EndDataSet));
                        }
                    };
                }
                St::Series => match self.member()? {
                    None => self.st = St::DataSetRest,
                    Some(name) => {
                        self.st = if self.open_series(name)? {
                            St::SeriesObs
                        } else {
                            self.first = false;
                            St::Series
                        };
                        return Ok(Some(DataEvent::Series(self.inner.series_key())));
                    }
                },
                St::SeriesObs | St::FlatObs => match self.member()? {
                    None => {
                        if self.st == St::SeriesObs {
                            self.close_object("a series")?;
                            self.first = false;
                            self.st = St::Series;
                        } else {
                            self.st = St::DataSetRest;
                        }
                    }
                    Some(name) => {
                        let v = self.value()?;
                        self.inner.resolve_obs(&name, &v)?;
                        return Ok(Some(DataEvent::Obs(self.inner.obs())));
                    }
                },
                St::DataSetRest => {
                    self.close_object("a dataset")?;
                    self.first = false;
                    self.st = St::NextDataSet;
                    return Ok(Some(DataEvent::EndDataSet));
                }
                St::AfterDataSets => {
                    // The rest of `data` and of the message: read to check it is
                    // complete, values skipped.
                    self.first = false;
                    while self.depth > 0 {
                        match self.member()? {
                            None => {
                                self.depth -= 1;
                                self.first = false;
                            }
                            Some(_) => {
                                self.value()?;
                            }
                        }
                    }
                    self.st = St::Done;
                }
                St::Done => return Ok(None),
            }
        }
    }

    fn position(&self) -> Position {
        Position {
            source: self.source.clone(),
            line: self.input.line,
            column: self.input.column + 1,
            record: 0,
        }
    }

    fn place(&self) -> Place {
        Place {
            line: self.input.line,
            column: self.input.column + 1,
            record: 0,
        }
    }
}
