//! SDMX-ML 2.1 structure messages: the reader ([`read`]) and the writer ([`write`]).
//!
//! The reader keeps every artefact the model holds and tolerates, with a warning
//! naming file, line and column, what the standard allows but the gateway does not
//! use (category schemes, hierarchical codelists, structure sets, metadata
//! structures, data consumer schemes…). External-reference stubs
//! (`isExternalReference="true"`) are kept as they are, flagged in
//! [`MaintainableMeta::is_external_reference`](crate::model::MaintainableMeta), so
//! that the registry can report them if it cannot find the full artefact.

mod read;
mod write;

use std::io::Write;

use crate::model::Structures;

use super::{MessageHeader, ReadOutcome, StructureError};

/// The SDMX-ML 2.1 message namespace.
pub(crate) const MES: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message";
/// The SDMX-ML 2.1 structure namespace.
pub(crate) const STR: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure";
/// The SDMX-ML 2.1 common namespace.
pub(crate) const COM: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common";

/// Reads an SDMX-ML 2.1 structure message; `source` names the file in errors and
/// warnings.
pub fn read(text: &str, source: &str) -> Result<ReadOutcome, StructureError> {
    read::read(text, source)
}

/// Writes `s` as an SDMX-ML 2.1 structure message that validates against the
/// official schema.
pub fn write(s: &Structures, h: &MessageHeader, out: &mut dyn Write) -> Result<(), StructureError> {
    write::write(s, h, out)
}
