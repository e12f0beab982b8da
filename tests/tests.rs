//! One integration test binary (one link step, shared fixtures) that gathers the
//! test modules.

mod util;

mod cli_convert;
mod cli_coverage;
mod cli_structure;
mod conformance;
mod data_csv;
mod data_dsd;
mod data_json;
mod data_xml;
mod exchange;
mod exchange_e2e;
mod exchange_serve;
mod ilms;
mod interop;
mod json10;
mod mapping;
mod pull;
mod push;
mod registry;
mod server;
mod store;
mod transport;
mod validate;
mod xml21;
mod xml30;
