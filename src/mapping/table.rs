//! Reading a national table row by row ([`RowSource`]), keeping each cell's
//! place in the source so errors can name it (`Deployments!C14`, or a CSV row
//! and column). CSV files stream; a workbook sheet is loaded whole by calamine
//! (that is how it reads sheets) and handed out row by row.

use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, open_workbook_auto};

use super::MappingError;
use super::spec::{Input, TableFormat};

/// A table read into memory (a workbook sheet): rows of trimmed cell texts, with where row 0 and
/// column 0 sit in the source (0-based).
#[derive(Debug, Clone)]
pub struct Grid {
    /// Sheet name (XLSX) or file name (CSV), for cell references.
    pub source: String,
    /// True for a spreadsheet (A1-style references), false for CSV.
    pub sheet: bool,
    /// Source row of `rows[0]` (0-based).
    pub row0: u32,
    /// Source column of each row's first cell (0-based).
    pub col0: u32,
    /// The cells.
    pub rows: Vec<Vec<String>>,
}

/// Where a cell is, printed as `Sheet!C14` or `file.csv: row 14, column 3`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellRef {
    /// Sheet or file name.
    pub source: String,
    /// Spreadsheet (A1) style or CSV style.
    pub sheet: bool,
    /// 0-based row in the source.
    pub row: u32,
    /// 0-based column in the source.
    pub col: u32,
}

impl fmt::Display for CellRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.sheet {
            write!(
                f,
                "{}!{}{}",
                self.source,
                column_letters(self.col),
                self.row + 1
            )
        } else {
            write!(
                f,
                "{}: row {}, column {}",
                self.source,
                self.row + 1,
                self.col + 1
            )
        }
    }
}

/// `0` → `A`, `25` → `Z`, `26` → `AA`.
pub fn column_letters(col: u32) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Parses `C14` into 0-based (row, column).
pub fn parse_cell(s: &str) -> Option<(u32, u32)> {
    let s = s.trim();
    let split = s.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = s.split_at(split);
    if letters.is_empty() || !letters.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut col: u32 = 0;
    for c in letters.chars() {
        col = col
            .checked_mul(26)?
            .checked_add(c.to_ascii_uppercase() as u32 - 'A' as u32 + 1)?;
    }
    let row: u32 = digits.parse().ok()?;
    if row == 0 {
        return None;
    }
    Some((row - 1, col - 1))
}

/// Parses `A3:H40` into 0-based ((row, col), (row, col)), inclusive.
pub fn parse_range(s: &str) -> Option<((u32, u32), (u32, u32))> {
    let (a, b) = s.split_once(':')?;
    let a = parse_cell(a)?;
    let b = parse_cell(b)?;
    (a.0 <= b.0 && a.1 <= b.1).then_some((a, b))
}

impl Grid {
    /// The reference of the cell at grid position (`r`, `c`).
    pub fn cell_ref(&self, r: usize, c: usize) -> CellRef {
        CellRef {
            source: self.source.clone(),
            sheet: self.sheet,
            row: self.row0 + r as u32,
            col: self.col0 + c as u32,
        }
    }

    /// The text of the cell at a source position (0-based), if inside the grid.
    pub fn at_source(&self, row: u32, col: u32) -> Option<&str> {
        let r = row.checked_sub(self.row0)? as usize;
        let c = col.checked_sub(self.col0)? as usize;
        self.rows.get(r)?.get(c).map(String::as_str)
    }

    /// Keeps only the cells of `range` (0-based, inclusive).
    fn crop(&mut self, range: ((u32, u32), (u32, u32))) {
        let ((r1, c1), (r2, c2)) = range;
        let rows = std::mem::take(&mut self.rows);
        self.rows = rows
            .into_iter()
            .enumerate()
            .filter(|(i, _)| {
                let r = self.row0 + *i as u32;
                r >= r1 && r <= r2
            })
            .map(|(_, row)| {
                (c1..=c2)
                    .map(|c| {
                        c.checked_sub(self.col0)
                            .and_then(|i| row.get(i as usize).cloned())
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .collect();
        self.row0 = self.row0.max(r1);
        self.col0 = c1;
    }
}

/// One row of a table as the mapping sees it: trimmed cell texts and where
/// they sit in the source.
#[derive(Debug, Clone, Default)]
pub struct Row {
    /// Source row (0-based; CSV: line number − 1).
    pub row: u32,
    /// Source column of `cells[0]` (0-based).
    pub col0: u32,
    /// The cells, trimmed.
    pub cells: Vec<String>,
}

impl Row {
    /// The text of cell `c` (relative to `col0`), empty past the end.
    pub fn get(&self, c: usize) -> &str {
        self.cells.get(c).map(String::as_str).unwrap_or("")
    }

    /// Whether every cell is empty.
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(String::is_empty)
    }

    /// Replaces the cells, reusing the strings' buffers (one row of a large
    /// table after another costs no allocation once warmed up).
    pub fn set_cells<'t>(&mut self, texts: impl Iterator<Item = &'t str>) {
        let mut n = 0;
        for t in texts {
            match self.cells.get_mut(n) {
                Some(s) => {
                    s.clear();
                    s.push_str(t.trim());
                }
                None => self.cells.push(t.trim().to_owned()),
            }
            n += 1;
        }
        self.cells.truncate(n);
    }
}

/// A table read one row at a time: a CSV file streamed from disk, a
/// spreadsheet sheet, or any other tabular source (a PX-Web json-stat2
/// response unpivoted into rows). The mapping reads the header rows first,
/// then maps each data row as it comes, so a source need never hold more than
/// its current row.
pub trait RowSource {
    /// The sheet (XLSX) or file name (CSV) that cell references name.
    fn name(&self) -> &str;
    /// True for A1-style references (`Sheet!C14`), false for CSV style
    /// (`file.csv: row 14, column 3`).
    fn a1(&self) -> bool;
    /// The source row where the table (or its `[input] range`) begins;
    /// `skip_rows` counts from here.
    fn first_row(&self) -> u32;
    /// Reads the next row that has at least one cell into `row`, `false` at
    /// the end. Rows are in source order.
    fn next_row(&mut self, row: &mut Row) -> Result<bool, MappingError>;
    /// The text of the cell at a source position (0-based) anywhere in the
    /// source, also outside the range (`[[notes]] cell`); `None` when empty.
    fn cell_text(&mut self, row: u32, col: u32) -> Result<Option<String>, MappingError>;
}

/// The table format of `path` as `input` says, else from its extension.
pub fn table_format(path: &Path, input: &Input) -> TableFormat {
    match input.format {
        Some(f) => f,
        None => match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("xlsx" | "xlsm" | "xls" | "ods") => TableFormat::Xlsx,
            _ => TableFormat::Csv,
        },
    }
}

/// Opens the table at `path` for reading row by row: a CSV file streams (only
/// the current row in memory), a workbook sheet is loaded by calamine and its
/// rows handed out one by one. The `[input] range` is applied.
pub fn open_table(path: &Path, input: &Input) -> Result<Box<dyn RowSource>, MappingError> {
    let range = match &input.range {
        Some(r) => Some(parse_range(r).ok_or_else(|| MappingError::Spec {
            message: format!("[input] range = {r:?} is not an A1-style range such as \"A3:H40\""),
        })?),
        None => None,
    };
    Ok(match table_format(path, input) {
        TableFormat::Csv => Box::new(CsvRows::open(path, input, range)?),
        TableFormat::Xlsx => {
            let whole = read_xlsx(path, input)?;
            let mut grid = whole.clone();
            if let Some(r) = range {
                grid.crop(r);
            }
            Box::new(SheetRows {
                grid,
                whole,
                next: 0,
            })
        }
    })
}

/// Reads the whole table at `path` into a grid (sheet, encoding, delimiter as
/// `input` says; the range is applied by [`select_range`]). Mapping does not
/// need this (it streams through [`open_table`]); it is for tools that want
/// the cells at once.
pub fn read_table(path: &Path, input: &Input) -> Result<Grid, MappingError> {
    match table_format(path, input) {
        TableFormat::Csv => {
            let mut rows = CsvRows::open(path, input, None)?;
            let mut grid = Grid {
                source: rows.name.clone(),
                sheet: false,
                row0: 0,
                col0: 0,
                rows: Vec::new(),
            };
            let mut row = Row::default();
            while rows.next_row(&mut row)? {
                while grid.rows.len() < row.row as usize {
                    grid.rows.push(Vec::new());
                }
                grid.rows.push(row.cells.clone());
            }
            Ok(grid)
        }
        TableFormat::Xlsx => read_xlsx(path, input),
    }
}

/// The part of `grid` that `[input] range` selects (all of it without one).
pub fn select_range(grid: &Grid, input: &Input) -> Result<Grid, MappingError> {
    let mut out = grid.clone();
    if let Some(range) = &input.range {
        let r = parse_range(range).ok_or_else(|| MappingError::Spec {
            message: format!(
                "[input] range = {range:?} is not an A1-style range such as \"A3:H40\""
            ),
        })?;
        out.crop(r);
    }
    Ok(out)
}

/// The rows of a loaded sheet, handed out one at a time.
struct SheetRows {
    grid: Grid,
    /// The whole sheet, for notes outside the range.
    whole: Grid,
    next: usize,
}

impl RowSource for SheetRows {
    fn name(&self) -> &str {
        &self.grid.source
    }
    fn a1(&self) -> bool {
        self.grid.sheet
    }
    fn first_row(&self) -> u32 {
        self.grid.row0
    }
    fn next_row(&mut self, row: &mut Row) -> Result<bool, MappingError> {
        while let Some(cells) = self.grid.rows.get(self.next) {
            let r = self.next;
            self.next += 1;
            if cells.iter().all(String::is_empty) {
                continue;
            }
            row.row = self.grid.row0 + r as u32;
            row.col0 = self.grid.col0;
            row.set_cells(cells.iter().map(String::as_str));
            return Ok(true);
        }
        Ok(false)
    }
    fn cell_text(&mut self, row: u32, col: u32) -> Result<Option<String>, MappingError> {
        Ok(self
            .whole
            .at_source(row, col)
            .filter(|t| !t.is_empty())
            .map(str::to_owned))
    }
}

/// A CSV file read record by record through a streaming decoder.
struct CsvRows {
    path: PathBuf,
    input: Input,
    name: String,
    reader: csv::Reader<Decoding<BufReader<File>>>,
    record: csv::ByteRecord,
    range: Option<((u32, u32), (u32, u32))>,
    /// `\n` seen before the current record (its 0-based line number).
    line: u32,
}

impl CsvRows {
    fn open(
        path: &Path,
        input: &Input,
        range: Option<((u32, u32), (u32, u32))>,
    ) -> Result<Self, MappingError> {
        let file = File::open(path).map_err(|e| MappingError::Io {
            context: format!("cannot read the table {}", path.display()),
            source: e,
        })?;
        let encoding = match &input.encoding {
            Some(label) => encoding_rs::Encoding::for_label(label.trim().as_bytes()).ok_or_else(
                || MappingError::Spec {
                    message: format!(
                        "[input] encoding = {label:?} is not an encoding name (try utf-8, windows-1252, utf-16le)"
                    ),
                },
            )?,
            None => encoding_rs::UTF_8,
        };
        let delimiter = input.delimiter.unwrap_or(',');
        if !delimiter.is_ascii() {
            return Err(MappingError::Spec {
                message: format!("[input] delimiter {delimiter:?} must be one ASCII character"),
            });
        }
        let decoding = Decoding::new(BufReader::with_capacity(64 * 1024, file), encoding);
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter as u8)
            .buffer_capacity(64 * 1024)
            .from_reader(decoding);
        Ok(CsvRows {
            path: path.to_owned(),
            input: input.clone(),
            name: file_name(path),
            reader,
            record: csv::ByteRecord::new(),
            range,
            line: 0,
        })
    }

    /// The next record and its 0-based line, without the range applied.
    fn next_record(&mut self) -> Result<Option<u32>, MappingError> {
        let more = self.reader.read_byte_record(&mut self.record).map_err(|e| {
            let line = self.line + 1;
            match e.kind() {
                csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => {
                    MappingError::Spec {
                        message: format!(
                            "{}: near line {line}: {io}; set [input] encoding (e.g. \"windows-1252\")",
                            self.path.display()
                        ),
                    }
                }
                _ => MappingError::Spec {
                    message: format!(
                        "{}: row {line}: malformed CSV: {e}",
                        self.path.display()
                    ),
                },
            }
        })?;
        if !more {
            return Ok(None);
        }
        // The csv crate skips blank lines and, after a CRLF, may place a
        // record's start on the previous line's `\n`: the record's line is
        // the number of line feeds before its first byte that is not a line
        // break.
        let start = self.record.position().map_or(0, |p| p.byte());
        self.line = self.reader.get_mut().line_at(start);
        Ok(Some(self.line))
    }
}

impl RowSource for CsvRows {
    fn name(&self) -> &str {
        &self.name
    }
    fn a1(&self) -> bool {
        false
    }
    fn first_row(&self) -> u32 {
        self.range.map_or(0, |((r, _), _)| r)
    }
    fn next_row(&mut self, row: &mut Row) -> Result<bool, MappingError> {
        loop {
            let Some(line) = self.next_record()? else {
                return Ok(false);
            };
            let (c1, c2) = match self.range {
                Some(((r1, _), _)) if line < r1 => continue,
                Some((_, (r2, _))) if line > r2 => return Ok(false),
                Some(((_, c1), (_, c2))) => (c1 as usize, c2 as usize),
                None => (0, usize::MAX - 1),
            };
            let fields = self
                .record
                .iter()
                .skip(c1)
                .take(c2 - c1 + 1)
                .map(|f| std::str::from_utf8(f).unwrap_or(""));
            row.set_cells(fields);
            if self.range.is_some() {
                // A range is a rectangle: short rows are padded.
                row.cells.resize(c2 - c1 + 1, String::new());
            }
            if row.is_blank() {
                continue;
            }
            row.row = line;
            row.col0 = c1 as u32;
            return Ok(true);
        }
    }
    fn cell_text(&mut self, row: u32, col: u32) -> Result<Option<String>, MappingError> {
        // Notes sit anywhere in the file: read it once more up to that line.
        let mut again = CsvRows::open(&self.path, &self.input, None)?;
        while let Some(line) = again.next_record()? {
            if line == row {
                return Ok(again
                    .record
                    .get(col as usize)
                    .and_then(|f| std::str::from_utf8(f).ok())
                    .map(|t| t.trim().to_owned())
                    .filter(|t| !t.is_empty()));
            }
            if line > row {
                break;
            }
        }
        Ok(None)
    }
}

/// Decodes a byte stream of any WHATWG encoding into UTF-8 as it is read (a
/// byte-order mark wins over the declared encoding, as browsers do; text that
/// is not valid in the encoding is an `InvalidData` error, never replaced),
/// noting where line breaks fall so that CSV records get their line numbers.
struct Decoding<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    encoding: &'static encoding_rs::Encoding,
    raw: Vec<u8>,
    raw_pos: usize,
    raw_len: usize,
    raw_offset: u64,
    eof: bool,
    done: bool,
    out: Vec<u8>,
    out_pos: usize,
    /// Decoded bytes handed out so far.
    offset: u64,
    /// Positions of `\r` and `\n` handed out but not yet passed by a record
    /// (the CSV reader's buffer ahead of the current record: bounded).
    breaks: std::collections::VecDeque<(u64, bool)>,
    /// Line feeds before `breaks[0]`.
    lines: u32,
}

impl<R: Read> Decoding<R> {
    fn new(inner: R, encoding: &'static encoding_rs::Encoding) -> Self {
        Decoding {
            inner,
            decoder: encoding.new_decoder(),
            encoding,
            raw: vec![0; 64 * 1024],
            raw_pos: 0,
            raw_len: 0,
            raw_offset: 0,
            eof: false,
            done: false,
            out: Vec::with_capacity(64 * 1024 + 16),
            out_pos: 0,
            offset: 0,
            breaks: std::collections::VecDeque::new(),
            lines: 0,
        }
    }

    /// The 0-based line of the first byte at or after `byte` that is not a
    /// line break; forgets the breaks before it.
    fn line_at(&mut self, byte: u64) -> u32 {
        let mut b = byte;
        while let Some(&(pos, lf)) = self.breaks.front() {
            if pos < b {
                self.breaks.pop_front();
                self.lines += u32::from(lf);
            } else if pos == b {
                // A break at the record's start belongs to the line before.
                self.breaks.pop_front();
                self.lines += u32::from(lf);
                b += 1;
            } else {
                break;
            }
        }
        self.lines
    }

    fn refill(&mut self) -> std::io::Result<()> {
        self.out.clear();
        self.out_pos = 0;
        while self.out.is_empty() && !self.done {
            if self.raw_pos == self.raw_len && !self.eof {
                self.raw_offset += self.raw_len as u64;
                self.raw_len = self.inner.read(&mut self.raw)?;
                self.raw_pos = 0;
                self.eof = self.raw_len == 0;
            }
            let cap = self.out.capacity();
            self.out.resize(cap, 0);
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.raw[self.raw_pos..self.raw_len],
                &mut self.out,
                self.eof,
            );
            self.out.truncate(written);
            if let encoding_rs::DecoderResult::Malformed(bad, _) = result {
                let at = self.raw_offset + (self.raw_pos + read) as u64 - u64::from(bad);
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("not valid {} text (byte {at})", self.encoding.name()),
                ));
            }
            self.raw_pos += read;
            if self.eof && matches!(result, encoding_rs::DecoderResult::InputEmpty) {
                self.done = true;
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for Decoding<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.out_pos == self.out.len() {
            self.refill()?;
        }
        let n = buf.len().min(self.out.len() - self.out_pos);
        let chunk = &self.out[self.out_pos..self.out_pos + n];
        buf[..n].copy_from_slice(chunk);
        for (i, &b) in chunk.iter().enumerate() {
            if b == b'\n' || b == b'\r' {
                self.breaks.push_back((self.offset + i as u64, b == b'\n'));
            }
        }
        self.out_pos += n;
        self.offset += n as u64;
        Ok(n)
    }
}

fn read_xlsx(path: &Path, input: &Input) -> Result<Grid, MappingError> {
    let mut book = open_workbook_auto(path).map_err(|e| MappingError::Spec {
        message: format!("{}: cannot open the workbook: {e}", path.display()),
    })?;
    let names = book.sheet_names();
    let sheet = match &input.sheet {
        Some(s) => {
            if !names.iter().any(|n| n == s) {
                return Err(MappingError::Spec {
                    message: format!(
                        "{}: there is no sheet {s:?}; the workbook has {}",
                        path.display(),
                        names
                            .iter()
                            .map(|n| format!("{n:?}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
            s.clone()
        }
        None => names.first().cloned().ok_or_else(|| MappingError::Spec {
            message: format!("{}: the workbook has no sheet", path.display()),
        })?,
    };
    let range = book
        .worksheet_range(&sheet)
        .map_err(|e| MappingError::Spec {
            message: format!("{}: cannot read sheet {sheet:?}: {e}", path.display()),
        })?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let rows = range
        .rows()
        .map(|r| r.iter().map(cell_text).collect())
        .collect();
    Ok(Grid {
        source: sheet,
        sheet: true,
        row0,
        col0,
        rows,
    })
}

/// A cell as text: whole floats without `.0` (Excel stores 2019 as 2019.0).
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => dt.to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1_references() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(2), "C");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(parse_cell("C14"), Some((13, 2)));
        assert_eq!(parse_cell("aa1"), Some((0, 26)));
        assert_eq!(parse_cell("14"), None);
        assert_eq!(parse_range("A3:H40"), Some(((2, 0), (39, 7))));
        assert_eq!(parse_range("H40:A3"), None);
    }
}
