//! SDMX-ML 3.0 structure messages: reader and writer.
//!
//! 3.0 differs from 2.1 mainly in references (URNs as element text instead of
//! `Ref` elements), in the DSD (a measure list, attribute `usage`,
//! `MeasureRelationship`), in constraints (`DataConstraint` with a `role`) and in
//! versions (semantic `1.0.0`, while legacy `1.0` stays allowed).

use std::io::Write;

use crate::model::Structures;

use super::{MessageHeader, ReadOutcome, StructureError};

mod read;
mod write;

/// The SDMX-ML 3.0 message namespace.
pub const NS_MESSAGE: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message";
/// The SDMX-ML 3.0 structure namespace.
pub const NS_STRUCTURE: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/structure";
/// The SDMX-ML 3.0 common namespace.
pub const NS_COMMON: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/common";

/// Reads an SDMX-ML 3.0 structure message; `source` names the file in errors.
pub fn read(text: &str, source: &str) -> Result<ReadOutcome, StructureError> {
    read::read(text, source)
}

/// Writes `structures` as one SDMX-ML 3.0 structure message.
pub fn write(
    structures: &Structures,
    header: &MessageHeader,
    out: &mut dyn Write,
) -> Result<(), StructureError> {
    let text = write::render(structures, header)?;
    out.write_all(text.as_bytes())?;
    Ok(())
}
