use std::io::Write;
use std::path::Path;

use crate::model::Structures;

use super::{Location, StructureError, Warning, json10, xml21, xml30};

/// The structure message formats the gateway reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StructureFormat {
    /// SDMX-ML 2.1 `Structure` message.
    SdmxMl21,
    /// SDMX-ML 3.0 `Structure` message.
    SdmxMl30,
    /// SDMX-JSON 1.0 structure message (what ILOSTAT serves as JSON).
    SdmxJson10,
}

impl StructureFormat {
    /// The CLI name (`sdmx-ml-2.1`, `sdmx-ml-3.0`, `sdmx-json`).
    pub fn name(self) -> &'static str {
        match self {
            StructureFormat::SdmxMl21 => "sdmx-ml-2.1",
            StructureFormat::SdmxMl30 => "sdmx-ml-3.0",
            StructureFormat::SdmxJson10 => "sdmx-json",
        }
    }

    /// The media type SDMX REST uses for this format.
    pub fn media_type(self) -> &'static str {
        match self {
            StructureFormat::SdmxMl21 => "application/vnd.sdmx.structure+xml;version=2.1",
            StructureFormat::SdmxMl30 => "application/vnd.sdmx.structure+xml;version=3.0.0",
            StructureFormat::SdmxJson10 => "application/vnd.sdmx.structure+json;version=1.0.0",
        }
    }

    /// Recognises a message by its content: JSON by its first non-blank byte, XML by
    /// the namespace of the SDMX-ML message (2.1 `…/schemas/v2_1/message`, 3.0
    /// `…/schemas/v3_0/message`). `None` when it is neither.
    pub fn detect(text: &str) -> Option<StructureFormat> {
        let head = text.trim_start_matches('\u{feff}').trim_start();
        if head.starts_with('{') {
            return Some(StructureFormat::SdmxJson10);
        }
        if !head.starts_with('<') {
            return None;
        }
        // The root element and its namespace declarations sit in the first few KB.
        let mut end = head.len().min(16 * 1024);
        while !head.is_char_boundary(end) {
            end -= 1;
        }
        let window = &head[..end];
        if window.contains("sdmxml/schemas/v3_0/message") {
            Some(StructureFormat::SdmxMl30)
        } else if window.contains("sdmxml/schemas/v2_1/message") {
            Some(StructureFormat::SdmxMl21)
        } else {
            None
        }
    }

    /// Writes `structures` as one message in this format.
    pub fn write(
        self,
        structures: &Structures,
        header: &MessageHeader,
        out: &mut dyn Write,
    ) -> Result<(), StructureError> {
        match self {
            StructureFormat::SdmxMl21 => xml21::write(structures, header, out),
            StructureFormat::SdmxMl30 => xml30::write(structures, header, out),
            StructureFormat::SdmxJson10 => json10::write(structures, header, out),
        }
    }
}

impl std::str::FromStr for StructureFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "sdmx-ml-2.1" | "xml" | "sdmx-ml" => Ok(StructureFormat::SdmxMl21),
            "sdmx-ml-3.0" => Ok(StructureFormat::SdmxMl30),
            "sdmx-json" | "sdmx-json-1.0" | "json" => Ok(StructureFormat::SdmxJson10),
            other => Err(format!(
                "unknown structure format {other:?}: use sdmx-ml-2.1, sdmx-ml-3.0 or sdmx-json"
            )),
        }
    }
}

/// The header of a structure message the gateway writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageHeader {
    /// Message id (`IDType`).
    pub id: String,
    /// Test flag.
    pub test: bool,
    /// Preparation time, xs:dateTime text.
    pub prepared: String,
    /// Sender id.
    pub sender: String,
}

impl Default for MessageHeader {
    /// A header from the gateway with a fixed id and preparation time, so that
    /// written files are reproducible (the generator's output is compared in tests).
    fn default() -> Self {
        MessageHeader {
            id: "SDMXGW".to_owned(),
            test: false,
            prepared: "2026-01-01T00:00:00Z".to_owned(),
            sender: "SDMXGW".to_owned(),
        }
    }
}

/// What a structure reader returns: the artefacts and what it tolerated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadOutcome {
    /// The artefacts.
    pub structures: Structures,
    /// Tolerated oddities (skipped artefact types, unknown elements).
    pub warnings: Vec<Warning>,
}

/// Reads a structure message from text, detecting its format from the content.
/// `source` names the file (or URL) in errors.
pub fn read_structure_text(text: &str, source: &str) -> Result<ReadOutcome, StructureError> {
    match StructureFormat::detect(text) {
        Some(StructureFormat::SdmxMl21) => xml21::read(text, source),
        Some(StructureFormat::SdmxMl30) => xml30::read(text, source),
        Some(StructureFormat::SdmxJson10) => json10::read(text, source),
        None => Err(StructureError::NotAStructureMessage {
            location: Location::new(source, 1, 1),
            message: "expected an SDMX-ML 2.1 or 3.0 message (by its namespace) or SDMX-JSON"
                .to_owned(),
        }),
    }
}

/// Reads one structure file (SDMX-ML 2.1, 3.0 or SDMX-JSON, detected from content).
pub fn read_structure_file(path: &Path) -> Result<ReadOutcome, StructureError> {
    let bytes = std::fs::read(path).map_err(|source| StructureError::Io {
        path: path.to_owned(),
        source,
    })?;
    let source = path.display().to_string();
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let valid = &e.as_bytes()[..offset];
        let line = valid.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
        let column =
            (offset - valid.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1)) as u32 + 1;
        StructureError::Malformed {
            location: Location::new(source.clone(), line, column),
            what: "text",
            message: "invalid UTF-8; SDMX messages must be UTF-8 encoded".to_owned(),
        }
    })?;
    read_structure_text(&text, &source)
}
