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
                location: value_location(text, &e.to_string(), location),
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

/// serde_json places a bad value's error after the value (often on the next
/// line); when the message quotes the value, point at the value itself.
fn value_location(text: &str, message: &str, at: Location) -> Location {
    let quoted = message
        .split_once('"')
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(inner, _)| format!("\"{inner}\""));
    let end = offset_of(text, at.line, at.column);
    let Some(found) = quoted.and_then(|q| text[..end].rfind(&q)) else {
        return at;
    };
    let before = &text[..found];
    let line = before.matches('\n').count() + 1;
    let column = found - before.rfind('\n').map_or(0, |p| p + 1) + 1;
    Location::new(
        at.file,
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

/// The byte offset of 1-based `line`:`column` (clamped to the text).
fn offset_of(text: &str, line: u32, column: u32) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line as usize {
            let mut end = (offset + column as usize).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            return end;
        }
        offset += l.len();
    }
    text.len()
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
