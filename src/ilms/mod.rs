//! The ILMS structure set: the ILO's International Labour Migration Statistics
//! dataflows, DSDs, codelists, concept scheme, providers and constraints, built in
//! code from one table (`dsd/ilms.toml`) and the ILO codelist extracts in
//! `codelists/source/`, then written as SDMX-ML 2.1 files.
//!
//! The inputs are read only when the files are (re)generated; at run time the
//! gateway loads the generated SDMX-ML like any other structure files.

mod codelists;
mod concepts;
mod constraints;
mod dataflows;
mod docs;
mod dsds;
mod generate;
mod providers;
mod table;

use std::path::PathBuf;

pub use docs::{DOC_PATH, indicators_markdown};
pub use generate::{
    FileStatus, GENERATED_FILES, GeneratedFile, IlmsSet, build, build_from, check, generate,
    render, write_files,
};
pub use table::{
    AreaRow, Attach, AttributeDef, BreakdownDef, CodeRow, IlmsTable, Indicator, Inputs,
    ProviderDef, UnitDef, parse_areas, parse_codelist_rows,
};

/// The agency of every ILMS artefact.
pub const AGENCY: &str = "ILO";

/// Where the table lives, relative to the project root.
pub const TABLE_PATH: &str = "dsd/ilms.toml";

/// Why the ILMS structure set could not be built or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IlmsError {
    /// An input or output file could not be read or written.
    #[error("{}: {cause}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error (not a `source()`: its text is already in the message).
        cause: std::io::Error,
    },
    /// The TOML table is not valid TOML or does not have the expected shape.
    #[error("{file}: {message}")]
    Toml {
        /// The table file.
        file: String,
        /// The parser's message (with line and column).
        message: String,
    },
    /// A row of a TSV input is malformed.
    #[error("{file}:{line}: {message}")]
    Row {
        /// The TSV file.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong and what to do.
        message: String,
    },
    /// The table is well-formed but inconsistent (an unknown codelist, a measure that
    /// does not match its indicator id, a duplicate id…).
    #[error("{file}: {subject}: {message}")]
    Invalid {
        /// The table (or TSV) file.
        file: String,
        /// The indicator, codelist or provider concerned.
        subject: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// The SDMX-ML writer refused the structures.
    #[error("writing {file}: {cause}")]
    Write {
        /// The generated file.
        file: String,
        /// The writer's error (its text is already in the message).
        cause: crate::structure::StructureError,
    },
}
