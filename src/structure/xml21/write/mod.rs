//! The SDMX-ML 2.1 structure writer.

use std::io::Write;

use crate::model::Structures;
use crate::structure::{MessageHeader, StructureError};

/// Writes a whole message.
pub(super) fn write(
    _s: &Structures,
    _h: &MessageHeader,
    _out: &mut dyn Write,
) -> Result<(), StructureError> {
    Err(StructureError::Unsupported {
        artefact: "structures".to_owned(),
        format: "sdmx-ml-2.1",
        message: "writer not built yet".to_owned(),
    })
}
