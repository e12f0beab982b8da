//! SDMX-CSV 1.0 and 2.0 (field guides of the `sdmx-twg/sdmx-csv` repository).
//!
//! Both directions stream. The writer emits one row per observation as events
//! arrive; dataset, group and series attributes are replicated onto each row, as
//! the guides require (group keys of the current dataset are kept to do so; they
//! are few). The reader turns rows back into events and never holds the file.
//!
//! Reading rules:
//! - The DSD is required: it tells dimensions from measures and attributes and
//!   gives each attribute its level (dataset, series/group, observation).
//! - The separator is the character after `DATAFLOW` (1.0) or after
//!   `STRUCTURE` / `STRUCTURE[x]` (2.0); comma when there is none.
//! - Columns may come in any order. `SERIES_KEY`, `OBS_KEY`, `STRUCTURE_NAME`,
//!   1.0's customary `SERIESKEY`, and (with `STRUCTURE_NAME` present, i.e.
//!   `labels=name`) the name column after each component are read and ignored.
//!   Any other column that is not a DSD component is an error: silently dropping
//!   data is worse than asking.
//! - `ID: Name` labels are tolerated: headers are cut at the first `": "`, and so
//!   are values of dimensions and coded attributes (free text keeps its `": "`).
//! - Observation level is the DSD's time dimension; without one every dimension
//!   is at observation level (`AllDimensions`, no series events).
//! - Consecutive rows with the same series key make one series; a change of
//!   structure or action starts a new dataset. Dataset-level attributes are taken
//!   from a dataset's first row, series-level ones from a series' first row.
//! - A missing `ACTION` column or empty action means Information. Empty fields are
//!   absent values. Numbers are kept as written (a decimal comma stays a comma).
//! - Multi-valued 2.0 components (`ATTR[]`) travel as their raw text, sub-field
//!   separators included: the event model has one string per component.
//!
//! Writing: columns follow the DSD (dimensions, measures, attributes; 1.0 names
//! the measure `OBS_VALUE`), rows end with CRLF (RFC 4180), `Merge` is written
//! `A`. 2.0 array components (`maxOccurs` above 1) get an `ID[]` header and the
//! first header declares the sub-field separator (`STRUCTURE[;]`); their values
//! are written as given. [`CsvOptions`] chooses the separator, labels and key
//! columns.

mod reader;
mod writer;

use std::io::{BufRead, Write};

pub use reader::CsvReader;
pub use writer::CsvWriter;

use super::{DataFormat, ReadOptions, WriteOptions};
use crate::data::{Action, DataError, DataReader, DataSink, StructureUse};
use crate::model::{ArtefactClass, ArtefactRef, Structures};

/// How component headers and coded values are written (`labels` parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Labels {
    /// Ids only (the default).
    #[default]
    Id,
    /// `ID: Name` in one column.
    Both,
    /// 2.0 only: the id column followed by a column with the name.
    Name,
}

/// Which key columns a 2.0 message carries (`keys` parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyColumns {
    /// None (the default).
    #[default]
    None,
    /// `SERIES_KEY`.
    Series,
    /// `OBS_KEY`.
    Obs,
    /// `SERIES_KEY` and `OBS_KEY`.
    Both,
}

/// SDMX-CSV writing options beyond [`WriteOptions`].
#[derive(Debug, Clone, Copy)]
pub struct CsvOptions<'a> {
    /// Field separator (comma by default; the guides allow a locale separator such
    /// as `;`).
    pub delimiter: u8,
    /// Labels option.
    pub labels: Labels,
    /// Key columns (2.0 only; ignored for 1.0).
    pub keys: KeyColumns,
    /// Where component and code names come from when `labels` is not `Id`
    /// (concept schemes and codelists); without it the id stands in for the name.
    pub names: Option<&'a Structures>,
}

impl Default for CsvOptions<'_> {
    fn default() -> Self {
        CsvOptions {
            delimiter: b',',
            labels: Labels::Id,
            keys: KeyColumns::None,
            names: None,
        }
    }
}

/// Opens a reader (the separator is detected from the header row).
pub fn open_reader<'a, R: BufRead + Send + 'a>(
    format: DataFormat,
    input: R,
    opts: ReadOptions<'a>,
) -> Result<Box<dyn DataReader + Send + 'a>, DataError> {
    Ok(Box::new(CsvReader::new(format, input, opts)?))
}

/// Opens a writer with default [`CsvOptions`].
pub fn open_writer<'a, W: Write + 'a>(
    format: DataFormat,
    out: W,
    opts: WriteOptions<'a>,
) -> Result<Box<dyn DataSink<Error = DataError> + 'a>, DataError> {
    Ok(Box::new(CsvWriter::new(
        format,
        out,
        opts,
        CsvOptions::default(),
    )?))
}

/// The SDMX-CSV 2.0 letter for an action. `Merge` has no letter in 2.0 and is
/// written `A` (Append), which the 2.0 guide defines with Merge's meaning.
pub(crate) fn action_letter(action: Action) -> &'static str {
    match action {
        Action::Merge | Action::Append => "A",
        Action::Replace => "R",
        Action::Delete => "D",
        Action::Information => "I",
    }
}

/// The 2.0 `STRUCTURE` column word for a structure use.
pub(crate) fn structure_word(s: &StructureUse) -> &'static str {
    match s {
        StructureUse::Dataflow(_) => "dataflow",
        StructureUse::DataStructure(_) => "datastructure",
        StructureUse::ProvisionAgreement(_) => "dataprovision",
    }
}

/// Parses `AGENCY:ID(VERSION)` optionally followed by `: Name` (labels=both).
pub(crate) fn parse_structure(word: &str, id: &str) -> Option<StructureUse> {
    let id = id.split_once(": ").map_or(id, |(i, _)| i).trim();
    let (class, make): (ArtefactClass, fn(ArtefactRef) -> StructureUse) =
        match word.trim().to_ascii_lowercase().as_str() {
            "dataflow" => (ArtefactClass::Dataflow, StructureUse::Dataflow),
            "datastructure" => (ArtefactClass::DataStructure, StructureUse::DataStructure),
            "dataprovision" => (
                ArtefactClass::ProvisionAgreement,
                StructureUse::ProvisionAgreement,
            ),
            _ => return None,
        };
    ArtefactRef::parse_short(class, id).ok().map(make)
}
