//! Exchanges: what moves between statistics offices and collectors, when, and
//! what is still missing.
//!
//! An exchange (`[exchanges.NAME]` in `gateway.toml`) reads its inputs (mapped
//! national tables, pulls), passes each message through the validation
//! [`gate`] under its policy, stores what passes and hands it to its targets
//! ([`deliver`]); [`runner`] runs one exchange once and records the run,
//! [`scheduler`] runs them on their cron schedules beside the server, and
//! [`coverage`] tells which ILMS tables the store holds.

pub mod coverage;
pub mod deliver;
pub mod gate;
pub mod input;
pub mod pulls;
pub mod push;
pub mod runner;
pub mod scheduler;
pub mod view;

pub use deliver::{Deliver, Spooled};
pub use input::{Body, Input, Opened, Pull};
pub use runner::{Runner, Trigger};

/// Why an exchange (or one of its inputs) could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExchangeError {
    /// An input could not be read or mapped.
    #[error("{input}: {message}")]
    Input {
        /// The input (`table samples/mappings/x.toml`, `pull SRC FLOW KEY`).
        input: String,
        /// What went wrong and what to do.
        message: String,
    },
    /// The message's dataflow or its structures are not loaded.
    #[error("dataflow {dataflow}: {message}")]
    Structure {
        /// The dataflow.
        dataflow: String,
        /// What is missing.
        message: String,
    },
    /// No exchange of that name is configured.
    #[error("no exchange {0:?} is configured{1}")]
    Unknown(String, String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// Reading or writing the message failed.
    #[error(transparent)]
    Data(#[from] crate::data::DataError),
    /// A file operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Only a bug gets here.
    #[error("internal error: {0}")]
    Internal(String),
}
