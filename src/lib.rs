//! sdmx-gateway: exchange official statistics in SDMX.
//!
//! The library behind the `sdmxgw` command. Data flows one way: source → reader →
//! event stream → validator → store / writer → target. The modules follow that
//! flow; each depends only on those listed before it:
//!
//! - [`model`]: the SDMX information model (URNs, versions, codelists, DSDs, …);
//! - [`structure`]: structure messages in and out (SDMX-ML 2.1/3.0, SDMX-JSON)
//!   and the [`structure::Registry`] that resolves references;
//! - [`data`]: the streaming event model of data messages ([`data::DataReader`],
//!   [`data::DataSink`], [`data::pump`]);
//! - [`format`]: SDMX-ML, SDMX-CSV and SDMX-JSON data readers and writers;
//! - [`ilms`]: the ILMS structure set, generated from one readable table;
//! - [`mapping`]: national tables (CSV, XLSX) mapped onto a dataflow;
//! - [`validate`]: checks data events against their structure ([`validate::Validator`]);
//! - [`store`]: the durable data store (SQLite): ingest, history, queries.
//! - [`transport`]: the HTTP client shared by pull sources and push targets.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod config;
pub mod data;
pub mod exchange;
pub mod format;
pub mod ilms;
pub mod mapping;
pub mod model;
pub mod push;
pub mod server;
pub mod source;
pub mod store;
pub mod structure;
pub mod transport;
pub mod validate;
