use std::fmt;
use std::path::PathBuf;

/// Where in a file something was found: file name, 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    /// The file (or other source name, e.g. `<stdin>` or a URL).
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: u32,
    /// 1-based column (0 when unknown).
    pub column: u32,
}

impl Location {
    /// A location in `file` at `line`:`column`.
    pub fn new(file: impl Into<String>, line: u32, column: u32) -> Self {
        Location {
            file: file.into(),
            line,
            column,
        }
    }

    /// A location naming only the file.
    pub fn file(file: impl Into<String>) -> Self {
        Location::new(file, 0, 0)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{}", self.file),
            (l, 0) => write!(f, "{}:{l}", self.file),
            (l, c) => write!(f, "{}:{l}:{c}", self.file),
        }
    }
}

/// Something a reader tolerated but the user should know about (an element the
/// gateway does not use, an artefact type it skips).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    /// Where.
    pub location: Location,
    /// What, in one line.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: warning: {}", self.location, self.message)
    }
}

/// Why structures could not be read, written or resolved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StructureError {
    /// The file could not be opened or read.
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The text is not well-formed XML or JSON (or not UTF-8).
    #[error("{location}: malformed {what}: {message}")]
    Malformed {
        /// Where.
        location: Location,
        /// `XML` or `JSON`.
        what: &'static str,
        /// The parser's message.
        message: String,
    },
    /// A DOCTYPE / entity declaration: refused, never expanded or fetched.
    #[error(
        "{location}: the message contains a DOCTYPE (entity declarations are refused for safety: SDMX messages never need one); remove it"
    )]
    Doctype {
        /// Where.
        location: Location,
    },
    /// Not a structure message this reader handles (wrong root or namespace).
    #[error("{location}: not an SDMX structure message: {message}")]
    NotAStructureMessage {
        /// Where.
        location: Location,
        /// What was found instead.
        message: String,
    },
    /// Well-formed, but an artefact is invalid (missing id, bad version, bad reference).
    #[error("{location}: {artefact}: {message}")]
    Invalid {
        /// Where.
        location: Location,
        /// The artefact concerned (URN or a description).
        artefact: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// Two artefacts with the same URN and different content.
    #[error(
        "{urn} is defined twice with different content: {first} and {second}; keep one of them"
    )]
    Conflict {
        /// The URN.
        urn: String,
        /// Where the first was loaded from.
        first: String,
        /// Where the second was loaded from.
        second: String,
    },
    /// A reference that resolves to nothing.
    #[error(
        "{referrer} refers to {target}, which is not loaded; add the file that defines it (--structure)"
    )]
    Dangling {
        /// The referring artefact (URN, with the component or item concerned).
        referrer: String,
        /// The URN of what is missing.
        target: String,
    },
    /// A reference that resolves to more than one artefact.
    #[error(
        "{referrer} refers to {target}, which matches several artefacts: {candidates}; give the exact version"
    )]
    Ambiguous {
        /// The referring artefact.
        referrer: String,
        /// The reference as given.
        target: String,
        /// The candidates' URNs.
        candidates: String,
    },
    /// A lookup by name from the CLI or API found nothing.
    #[error("no artefact matches {query}")]
    NotFound {
        /// The query as given.
        query: String,
    },
    /// The writer does not support something in the model.
    #[error("cannot write {artefact} as {format}: {message}")]
    Unsupported {
        /// The artefact.
        artefact: String,
        /// The target format.
        format: &'static str,
        /// Why.
        message: String,
    },
    /// Writing failed.
    #[error("write failed: {0}")]
    Write(#[from] std::io::Error),
}
