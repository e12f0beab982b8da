//! One integration test binary (one link step, shared fixtures) that gathers the
//! test modules.

mod util;

mod cli_structure;
mod ilms;
mod json10;
mod registry;
mod store;
mod xml21;
mod xml30;
