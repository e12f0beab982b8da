//! The streaming representation of a data message.
//!
//! A reader turns bytes into a sequence of [`DataEvent`]s (header, dataset, group,
//! series, observation, end of dataset); a [`DataSink`] consumes them. Events
//! borrow the reader's reused buffers, so a steady stream allocates nothing per
//! observation and no component ever holds a whole dataset. Validation, mapping,
//! the store, the server and push all plug into this stream.

mod event;
mod read_ahead;
mod sink;
mod values;

pub use event::{
    Action, DataEvent, DataSetHeader, GroupKey, Header, Obs, ObsDimension, Position, SeriesKey,
    StructureUse,
};
pub use read_ahead::read_ahead;
pub use sink::{
    CollectSink, Collected, CollectedDataSet, CountSink, DataReader, DataSink, FlatObs, Flow,
    Place, Summary, pump,
};
pub use values::Values;

/// Why a data message could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// The input is not well-formed (XML, CSV, JSON, UTF-8) or ends too early.
    #[error("{position}: malformed {what}: {message}")]
    Malformed {
        /// Where.
        position: Position,
        /// `XML`, `CSV`, `JSON` or `text`.
        what: &'static str,
        /// What is wrong and, where possible, what to do.
        message: String,
    },
    /// A DOCTYPE / entity declaration: refused, never expanded or fetched.
    #[error(
        "{position}: the message contains a DOCTYPE (entity declarations are refused for safety: SDMX messages never need one); remove it"
    )]
    Doctype {
        /// Where.
        position: Position,
    },
    /// Well-formed but not what the format requires (an observation outside any
    /// series, a component the DSD does not have, a CSV row with the wrong number
    /// of fields).
    #[error("{position}: {message}")]
    Invalid {
        /// Where.
        position: Position,
        /// What is wrong and what to do.
        message: String,
    },
    /// The format needs a DSD (structure-specific XML, labels) and none was given,
    /// or the message names a structure that was not supplied.
    #[error("{0}")]
    Structure(String),
    /// Reading or writing failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being read or written.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
}
