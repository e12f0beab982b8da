//! Validation of data messages against their structure.
//!
//! A [`Schema`] flattens a DSD, its codelists and the constraint cascade
//! (DSD → dataflow → provision agreement) into what checking needs; a
//! [`Validator`] is a [`DataSink`](crate::data::DataSink) adapter that checks each
//! event against it while passing the event on, so every path that moves data
//! (convert, map, the server, push) validates while streaming. Findings go into a
//! bounded [`Report`] (every finding counted, the first few per rule kept), which
//! [`render`] prints for people (text), programs (JSON) and spreadsheets
//! (SDMX-CSV with an error column). Rules and the JSON schema are documented in
//! `docs/validation-rules.md`.

mod format;
mod ids;
mod ilms;
mod options;
pub mod render;
mod report;
mod rules;
mod schema;
mod seen;
pub mod time;
mod validator;

pub use format::{ValueFormat, type_error};
pub use ilms::version_prefix;
pub use options::{IlmsOptions, Options};
pub use report::{Finding, Location, Report};
pub use rules::{Rule, Severity};
pub use schema::{AttributeSpec, ComponentSpec, DimensionSpec, MeasureSpec, Schema, SchemaParts};
pub use time::{PeriodError, PeriodKind, TimePeriod};
pub use validator::{Validator, validate};
