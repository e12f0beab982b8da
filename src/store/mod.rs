//! The durable data store: observations with their history, dataset and series
//! attributes, and an audit record per accepted submission.
//!
//! The server and the exchange pipeline talk to the narrow [`Store`] trait so that a
//! server database can be added later; [`SqliteStore`] is the embedded default
//! (SQLite in WAL mode, schema migrations by `user_version`). Writing is a
//! [`crate::data::DataSink`] ([`Ingest`]) that applies a whole message in one
//! transaction; reading is a [`crate::data::DataReader`] ([`StoreReader`]) that
//! streams one series at a time, so any format writer can serve a query without
//! holding its result.

mod hash;
mod ingest;
mod json;
mod outbox;
mod period;
mod pull_state;
mod query;
mod reader;
mod runs;
mod schema;
mod sqlite;
mod time;

use serde::{Deserialize, Serialize};

use crate::data::{DataError, DataReader, DataSink};

pub use hash::{HashHandle, HashingReader, sha256_hex};
pub use ingest::Ingest;
pub use outbox::{NewOutboxEntry, OutboxRecord, OutboxState};
pub use period::{PeriodRange, parse_period};
pub use pull_state::PullState;
pub use query::{
    Availability, CoverageRow, DataQuery, Detail, DimensionValues, KeyFilter, QueryError,
};
pub use reader::StoreReader;
pub use runs::{FindingsSummary, RunCounts, RunRecord, RunStatus};
pub use schema::{MIGRATIONS, SCHEMA_VERSION};
pub use sqlite::SqliteStore;
pub use time::{Timestamp, format_timestamp, now_micros, parse_timestamp};

/// A dataflow the store accepts data for, with the order of its series-key
/// dimensions (every DSD dimension except `TIME_PERIOD`, in DSD order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowDef {
    /// The dataflow in short form, `AGENCY:ID(VERSION)` (what
    /// [`crate::model::ArtefactRef::short`] gives).
    pub flow: String,
    /// Series-key dimension ids in DSD order.
    pub dimensions: Vec<String>,
}

/// How the content hash of a submission is known.
#[derive(Debug, Clone)]
pub enum ContentHash {
    /// Already computed (lowercase hex SHA-256 of the body).
    Known(String),
    /// Computed while the body streams through a [`HashingReader`]; read when
    /// the ingest finishes.
    Streamed(HashHandle),
}

/// Who submits what: the context an [`Ingest`] needs besides the events.
#[derive(Debug, Clone)]
pub struct Submission {
    /// The authenticated submitter (data provider id or token name).
    pub who: String,
    /// The dataflow every dataset goes to; `None` = each dataset's (or the
    /// header's) structure reference in short form.
    pub dataflow: Option<String>,
    /// The SHA-256 of the message body, for idempotency and audit.
    pub content: ContentHash,
}

/// What one dataset of a submission did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetReceipt {
    /// The dataflow, short form.
    pub dataflow: String,
    /// The action as written in the message (`Merge`, `Append`, `Replace`, …).
    pub action: String,
    /// Series events seen.
    pub series: u64,
    /// Observation events seen.
    pub observations: u64,
}

/// The record of an applied submission, returned again for a repeated one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The submission's id in the store.
    pub submission_id: i64,
    /// The message id from the header.
    pub message_id: String,
    /// Lowercase hex SHA-256 of the body.
    pub sha256: String,
    /// The submitter.
    pub who: String,
    /// When it was stored (µs since the Unix epoch; also the observations'
    /// `valid_from`).
    pub stored_at: Timestamp,
    /// `stored_at` as RFC 3339 UTC.
    pub stored_at_text: String,
    /// Each dataset in message order.
    pub datasets: Vec<DatasetReceipt>,
    /// Observation versions written (inserted or changed).
    pub observations_written: u64,
    /// Observations deleted.
    pub observations_deleted: u64,
    /// Observations given that were already stored unchanged.
    pub observations_unchanged: u64,
    /// Series created.
    pub series_created: u64,
}

/// The result of an ingest once `finish` has run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestOutcome {
    /// The message was applied and committed.
    Applied(Receipt),
    /// The same message (id and content hash) was applied before; nothing was
    /// changed and this is the original receipt.
    Duplicate(Receipt),
}

impl IngestOutcome {
    /// The receipt, either way.
    pub fn receipt(&self) -> &Receipt {
        match self {
            IngestOutcome::Applied(r) | IngestOutcome::Duplicate(r) => r,
        }
    }
}

/// A sink that writes a message into a store and tells how it went.
pub trait IngestSink: DataSink<Error = StoreError> {
    /// The outcome, once `finish` succeeded; `None` before (nothing is committed
    /// until then).
    fn outcome(&self) -> Option<&IngestOutcome>;
}

/// The store interface the server and pipeline use; narrow so that other
/// databases can implement it.
pub trait Store: Send {
    /// Declares (or updates the dimension order of) a dataflow data may be
    /// stored for.
    fn register_dataflow(&mut self, flow: &FlowDef) -> Result<(), StoreError>;
    /// Every registered dataflow.
    fn dataflows(&self) -> Result<Vec<FlowDef>, StoreError>;
    /// The receipt of an earlier submission with this message id and content
    /// hash, if any.
    fn submission_seen(
        &self,
        message_id: &str,
        sha256: &str,
    ) -> Result<Option<Receipt>, StoreError>;
    /// The latest submissions, newest first.
    fn submissions(&self, limit: u32) -> Result<Vec<Receipt>, StoreError>;
    /// A sink applying one message in one transaction: nothing is visible
    /// until its `finish` succeeds, and nothing at all if it is dropped before.
    fn ingest(&mut self, submission: Submission) -> Result<Box<dyn IngestSink + '_>, StoreError>;
    /// A streaming reader over the stored data matching `query`. The stream is
    /// a header and then only non-empty datasets: a header followed by the end
    /// means no results.
    fn query(&self, query: &DataQuery) -> Result<Box<dyn DataReader + '_>, StoreError>;
    /// The distinct values per dimension (and the time range) of the data
    /// matching `query`, for `availableconstraint`.
    fn availability(&self, query: &DataQuery) -> Result<Availability, StoreError>;
    /// Live observation counts per dataflow × `REF_AREA` × year.
    fn coverage(&self) -> Result<Vec<CoverageRow>, StoreError>;
}

/// Why the store could not do something.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database file could not be opened or migrated.
    #[error("store {path}: {message}")]
    Open {
        /// The database file.
        path: String,
        /// What went wrong and what to do.
        message: String,
    },
    /// A database operation failed.
    #[error("store: {context}: {source}")]
    Sqlite {
        /// What the store was doing.
        context: &'static str,
        /// The SQLite error.
        source: rusqlite::Error,
    },
    /// Data for a dataflow that was never registered.
    #[error(
        "dataflow {0} is not known to the store: register it (its DSD's dimensions) before storing data for it"
    )]
    UnknownDataflow(String),
    /// A dataflow with stored data was registered again with other dimensions.
    #[error(
        "dataflow {flow} holds data keyed by {stored}; it cannot be re-registered with dimensions {given}: use a new dataflow version"
    )]
    DimensionsChanged {
        /// The dataflow.
        flow: String,
        /// The stored dimension order, joined by `.`.
        stored: String,
        /// The order given now.
        given: String,
    },
    /// A dataset names no structure and the submission gives no dataflow.
    #[error(
        "a dataset names no structure and the submission gives no dataflow: say which dataflow the data is for"
    )]
    NoDataflow,
    /// The data cannot be stored as given.
    #[error("dataflow {dataflow}, series {series}: {message}")]
    Invalid {
        /// The dataflow.
        dataflow: String,
        /// The series key (dimension values joined by `.`, `*` for missing).
        series: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// An event came out of order (an observation before any dataset).
    #[error("{0}")]
    Sequence(String),
    /// A query parameter is not valid.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// Reading the message failed.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A stored JSON value could not be read (a damaged database).
    #[error("store: damaged {what}: {message}")]
    Damaged {
        /// Which column.
        what: &'static str,
        /// The parse error.
        message: String,
    },
}

/// Wraps a SQLite error with what the store was doing.
pub(crate) fn sql(context: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |source| StoreError::Sqlite { context, source }
}
