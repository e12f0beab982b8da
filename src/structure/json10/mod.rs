//! Placeholder replaced by the json10 reader and writer (work in progress this session).

use std::io::Write;

use crate::model::Structures;

use super::{Location, MessageHeader, ReadOutcome, StructureError};

/// Reads a message.
pub fn read(_text: &str, source: &str) -> Result<ReadOutcome, StructureError> {
    Err(StructureError::NotAStructureMessage {
        location: Location::file(source),
        message: "json10 reader not built yet".to_owned(),
    })
}

/// Writes a message.
pub fn write(
    _s: &Structures,
    _h: &MessageHeader,
    _out: &mut dyn Write,
) -> Result<(), StructureError> {
    Err(StructureError::Unsupported {
        artefact: "structures".to_owned(),
        format: "json10",
        message: "writer not built yet".to_owned(),
    })
}
