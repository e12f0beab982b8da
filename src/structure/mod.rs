//! Structure messages in and out, and the registry that resolves references
//! between the artefacts they carry.
//!
//! Readers take the whole message text (structure messages are small enough to
//! hold; data messages stream instead, see the data layer) and return
//! [`Structures`](crate::model::Structures) plus warnings for tolerated oddities.
//! Every error names the file, line and column and, where known, the artefact.

mod error;
mod format;
pub mod json10;
pub mod registry;
pub mod xml21;
pub mod xml30;
mod xml_util;

pub use error::{Location, StructureError, Warning};
pub use format::{
    MessageHeader, ReadOutcome, StructureFormat, read_structure_file, read_structure_text,
};
pub use registry::Registry;
