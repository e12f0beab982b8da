//! Mapping national tables (CSV, XLSX) onto a dataflow: a TOML mapping file
//! ([`Mapping`]) says where the table is, how it is laid out, which column gives
//! which component, how labels become codes and how cell text becomes values.
//! [`map_table`] applies it and returns a [`MappedReader`], a
//! [`DataReader`](crate::data::DataReader) any writer of `crate::format` consumes.
//!
//! Memory: tables are read row by row through a [`RowSource`] (a CSV file
//! streams from disk; a workbook sheet is loaded by calamine, which reads
//! sheets whole) and each row's observations are emitted before the next row
//! is read, so memory stays flat however long a CSV table is.
//!
//! Every problem in the cells (unknown label, not a number, duplicate
//! observation) is collected while reading and all are reported together:
//! the reader ends with an error and [`MappedReader::take_problems`] gives
//! them as [`MappingError::Cells`].

mod build;
mod codes;
mod questionnaire;
mod reader;
mod spec;
mod table;

use std::path::Path;

pub use build::{Target, map_rows, map_table};
pub use codes::{CodeResolver, normalise};
pub use questionnaire::{
    CODE_NAME_SEPARATOR, QuestionnaireColumn, questionnaire_mapping, write_questionnaire,
};
pub use reader::MappedReader;
pub use spec::{CodeMapSpec, Input, Layout, LayoutKind, Mapping, Note, TableFormat, ValueRules};
pub use table::{
    CellRef, Grid, Row, RowSource, column_letters, open_table, parse_cell, read_table,
    select_range, table_format,
};
pub use values::{CellValue, parse_value};

mod values;

/// Why a table could not be mapped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MappingError {
    /// The mapping file (or a file it names) is wrong or unreadable as a spec.
    #[error("{message}")]
    Spec {
        /// What is wrong and what to do.
        message: String,
    },
    /// A file could not be read.
    #[error("{context}: {source}")]
    Io {
        /// What was being read.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The table is a URL: the library maps local files; callers fetch first.
    #[error(
        "the table {0} is a URL: the library maps local files; fetch it first (`sdmxgw map` and `sdmxgw pull` do) or give its path as TABLE"
    )]
    Url(String),
    /// Problems in the cells, every one found.
    #[error("{} problem(s) in the table:\n{}", .0.len(), .0.join("\n"))]
    Cells(Vec<String>),
}

/// Reads and parses a mapping file.
pub fn load_mapping(path: &Path) -> Result<Mapping, MappingError> {
    let text = std::fs::read_to_string(path).map_err(|e| MappingError::Io {
        context: format!("cannot read the mapping file {}", path.display()),
        source: e,
    })?;
    toml::from_str(&text).map_err(|e| MappingError::Spec {
        message: format!("{}: {e}", path.display()),
    })
}
