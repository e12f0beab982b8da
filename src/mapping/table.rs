//! Reading a national table into a grid of cell texts, keeping each cell's
//! place in the source so errors can name it (`Deployments!C14`, or a CSV row
//! and column).

use std::fmt;
use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto};

use super::MappingError;
use super::spec::{Input, TableFormat};

/// A table read into memory: rows of trimmed cell texts, with where row 0 and
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

/// Reads the whole table at `path` (sheet, encoding, delimiter as `input` says;
/// the range is applied by [`select_range`]).
pub fn read_table(path: &Path, input: &Input) -> Result<Grid, MappingError> {
    let format = match input.format {
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
    };
    match format {
        TableFormat::Csv => read_csv(path, input),
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

fn read_csv(path: &Path, input: &Input) -> Result<Grid, MappingError> {
    let bytes = std::fs::read(path).map_err(|e| MappingError::Io {
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
    // `decode` honours a byte-order mark over the declared encoding, as browsers do.
    let (text, used, had_errors) = encoding.decode(&bytes);
    if had_errors {
        return Err(MappingError::Spec {
            message: format!(
                "{}: not valid {} text; set [input] encoding (e.g. \"windows-1252\")",
                path.display(),
                used.name()
            ),
        });
    }
    let delimiter = input.delimiter.unwrap_or(',');
    if !delimiter.is_ascii() {
        return Err(MappingError::Spec {
            message: format!("[input] delimiter {delimiter:?} must be one ASCII character"),
        });
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter as u8)
        .from_reader(text.as_bytes());
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| MappingError::Spec {
            message: format!("{}: row {}: malformed CSV: {e}", path.display(), i + 1),
        })?;
        // The csv crate skips blank lines; keep them so row numbers are line numbers.
        // (The crate's own line count drifts on CRLF, so lines are counted from
        // the record's byte offset.)
        // A CRLF record's offset may point at the previous line's `\n`.
        let line = rec.position().map_or(rows.len() + 1, |p| {
            let mut b = p.byte() as usize;
            while matches!(text.as_bytes().get(b), Some(b'\r' | b'\n')) {
                b += 1;
            }
            line_starts.partition_point(|&s| s <= b)
        });
        while rows.len() + 1 < line {
            rows.push(Vec::new());
        }
        rows.push(rec.iter().map(|c| c.trim().to_owned()).collect());
    }
    Ok(Grid {
        source: file_name(path),
        sheet: false,
        row0: 0,
        col0: 0,
        rows,
    })
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
