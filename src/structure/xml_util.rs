//! Shared XML plumbing for the SDMX-ML structure readers: safe parsing, positions,
//! child lookup by namespace and attribute access with located errors.

use roxmltree::{Document, Node, ParsingOptions};

use super::{Location, StructureError};

/// The `xml:` namespace (for `xml:lang`).
pub(crate) const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

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
            roxmltree::Error::DtdDetected => StructureError::Doctype {
                location: text
                    .find("<!DOCTYPE")
                    .map_or(location, |at| offset_location(text, at, source)),
            },
            // roxmltree places these at 1:1; the problem is where the text stops.
            roxmltree::Error::UnexpectedEndOfStream | roxmltree::Error::UnclosedRootNode => {
                StructureError::Malformed {
                    location: offset_location(text, text.len(), source),
                    what: "XML",
                    message: format!("{e}: the file is truncated"),
                }
            }
            other => StructureError::Malformed {
                location,
                what: "XML",
                message: other.to_string(),
            },
        }
    })
}

/// The 1-based line and column of byte `offset` of `text`.
fn offset_location(text: &str, offset: usize, source: &str) -> Location {
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32 + 1;
    let column = before[before.rfind('\n').map_or(0, |p| p + 1)..]
        .chars()
        .count() as u32
        + 1;
    Location::new(source, line, column)
}

/// The location of `node` in `source`.
pub(crate) fn location(node: Node<'_, '_>, source: &str) -> Location {
    let pos = node.document().text_pos_at(node.range().start);
    Location::new(source, pos.row, pos.col)
}

/// Whether `node` is the element `ns`:`name`.
pub(crate) fn is(node: Node<'_, '_>, ns: &str, name: &str) -> bool {
    node.is_element() && node.tag_name().name() == name && node.tag_name().namespace() == Some(ns)
}

/// The element children of `node`.
pub(crate) fn elements<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(|c| c.is_element())
}

/// The element children `ns`:`name` of `node`.
pub(crate) fn children<'a, 'i>(
    node: Node<'a, 'i>,
    ns: &'static str,
    name: &'static str,
) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(move |c| is(*c, ns, name))
}

/// The first element child `ns`:`name` of `node`.
pub(crate) fn child<'a, 'i>(node: Node<'a, 'i>, ns: &str, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|c| is(*c, ns, name))
}

/// The first element child with local name `name`, whatever its namespace (SDMX-ML
/// 2.1 `Ref` and `URN` are unqualified; some producers qualify them anyway).
pub(crate) fn child_local<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

/// The trimmed text content of an element (empty when it has none).
pub(crate) fn text<'a>(node: Node<'a, '_>) -> &'a str {
    node.text().map(str::trim).unwrap_or("")
}

/// The `xml:lang` of a text element; SDMX-ML's schema default is `en`.
pub(crate) fn lang<'a>(node: Node<'a, '_>) -> &'a str {
    node.attribute((XML_NS, "lang")).unwrap_or("en")
}

/// Parses an `xs:boolean` attribute (`true`/`false`/`1`/`0`); `Ok(None)` when absent.
pub(crate) fn bool_attr(
    node: Node<'_, '_>,
    name: &str,
    source: &str,
    artefact: &str,
) -> Result<Option<bool>, StructureError> {
    match node.attribute(name) {
        None => Ok(None),
        Some("true") | Some("1") => Ok(Some(true)),
        Some("false") | Some("0") => Ok(Some(false)),
        Some(other) => Err(invalid(
            node,
            source,
            artefact,
            format!("attribute {name}={other:?} must be true or false"),
        )),
    }
}

/// The value of a required attribute, or an error naming it.
pub(crate) fn required_attr<'a>(
    node: Node<'a, '_>,
    name: &str,
    source: &str,
    artefact: &str,
) -> Result<&'a str, StructureError> {
    node.attribute(name).ok_or_else(|| {
        invalid(
            node,
            source,
            artefact,
            format!(
                "<{}> lacks the required attribute {name}; add it",
                node.tag_name().name()
            ),
        )
    })
}

/// An [`StructureError::Invalid`] located at `node`.
pub(crate) fn invalid(
    node: Node<'_, '_>,
    source: &str,
    artefact: &str,
    message: impl Into<String>,
) -> StructureError {
    StructureError::Invalid {
        location: location(node, source),
        artefact: artefact.to_owned(),
        message: message.into(),
    }
}
