//! SDMX-JSON 1.0 structure messages (what ILOSTAT serves as JSON): reader and
//! writer.
//!
//! The message is `{"meta": {...}, "data": {"codelists": [...], ...}}` with
//! multilingual `names` maps, URN references and `links`. serde does the parsing,
//! so malformed JSON and wrongly typed fields fail with serde_json's line and
//! column. Artefact types the model does not carry (category schemes,
//! categorisations…) are skipped with a warning.

use std::io::Write;

use crate::model::Structures;

use super::{Location, MessageHeader, ReadOutcome, StructureError};

mod from_model;
mod to_model;
mod types;

/// Reads an SDMX-JSON 1.0 structure message; `source` names the file in errors.
pub fn read(text: &str, source: &str) -> Result<ReadOutcome, StructureError> {
    let text = text.trim_start_matches('\u{feff}');
    let message: types::Message = serde_json::from_str(text).map_err(|e| {
        let location = Location::new(
            source,
            u32::try_from(e.line()).unwrap_or(u32::MAX),
            u32::try_from(e.column()).unwrap_or(u32::MAX),
        );
        match e.classify() {
            serde_json::error::Category::Data => StructureError::Invalid {
                location,
                artefact: "SDMX-JSON structure message".to_owned(),
                message: strip_position(&e.to_string()),
            },
            _ => StructureError::Malformed {
                location,
                what: "JSON",
                message: strip_position(&e.to_string()),
            },
        }
    })?;
    to_model::convert(message, text, source)
}

/// serde_json appends " at line L column C", which the location already says.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// Writes `structures` as one SDMX-JSON 1.0 structure message (pretty-printed).
pub fn write(
    structures: &Structures,
    header: &MessageHeader,
    out: &mut dyn Write,
) -> Result<(), StructureError> {
    let message = from_model::convert(structures, header)?;
    serde_json::to_writer_pretty(&mut *out, &message).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}
