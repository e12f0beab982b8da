//! Shared XML plumbing for the SDMX-ML structure readers: safe parsing and
//! positions.

// Used by the SDMX-ML readers, which land next; keep the build warning-free until then.
#![allow(dead_code)]

use roxmltree::{Document, Node, ParsingOptions};

use super::{Location, StructureError};

/// Parses `text` with DTDs refused: a DOCTYPE is an error, so entities are never
/// expanded and nothing external is ever fetched.
pub(crate) fn parse<'a>(text: &'a str, source: &str) -> Result<Document<'a>, StructureError> {
    let opts = ParsingOptions {
        allow_dtd: false,
        ..ParsingOptions::default()
    };
    Document::parse_with_options(text, opts).map_err(|e| {
        let pos = e.pos();
        let location = Location::new(source, pos.row, pos.col);
        match e {
            roxmltree::Error::DtdDetected => StructureError::Doctype { location },
            other => StructureError::Malformed {
                location,
                what: "XML",
                message: other.to_string(),
            },
        }
    })
}

/// The location of `node` in `source`.
pub(crate) fn location(node: Node<'_, '_>, source: &str) -> Location {
    let pos = node.document().text_pos_at(node.range().start);
    Location::new(source, pos.row, pos.col)
}
