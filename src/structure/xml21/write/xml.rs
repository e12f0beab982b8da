//! A minimal indenting XML emitter: the writer only needs elements, attributes
//! and escaped text, and builds the whole message in memory (structure messages
//! are small).

use crate::structure::StructureError;

/// Attributes of one element, in output order.
pub(super) type Attrs<'a> = Vec<(&'static str, std::borrow::Cow<'a, str>)>;

/// The text being built, and the first thing found that SDMX-ML 2.1 cannot say
/// (reported once the message is complete, so the emitting code stays linear).
#[derive(Default)]
pub(super) struct Xml {
    /// The document so far.
    pub buf: String,
    depth: usize,
    /// The URN of the artefact being written, for errors.
    pub artefact: String,
    /// The first problem found.
    pub problem: Option<StructureError>,
}

impl Xml {
    /// Records a problem with the current artefact (the first one wins).
    pub fn fail(&mut self, message: String) {
        if self.problem.is_none() {
            self.problem = Some(StructureError::Unsupported {
                artefact: self.artefact.clone(),
                format: "sdmx-ml-2.1",
                message,
            });
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.buf.push('\t');
        }
    }

    fn tag(&mut self, name: &str, attrs: &Attrs<'_>) {
        self.indent();
        self.buf.push('<');
        self.buf.push_str(name);
        for (k, v) in attrs {
            self.buf.push(' ');
            self.buf.push_str(k);
            self.buf.push_str("=\"");
            escape(&mut self.buf, v, true);
            self.buf.push('"');
        }
    }

    /// Opens an element that will hold children.
    pub fn start(&mut self, name: &str, attrs: Attrs<'_>) {
        self.tag(name, &attrs);
        self.buf.push_str(">\n");
        self.depth += 1;
    }

    /// Closes the element opened last.
    pub fn end(&mut self, name: &str) {
        self.depth -= 1;
        self.indent();
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push_str(">\n");
    }

    /// An element without content.
    pub fn empty(&mut self, name: &str, attrs: Attrs<'_>) {
        self.tag(name, &attrs);
        self.buf.push_str("/>\n");
    }

    /// An element holding only text.
    pub fn leaf(&mut self, name: &str, attrs: Attrs<'_>, text: &str) {
        self.tag(name, &attrs);
        self.buf.push('>');
        escape(&mut self.buf, text, false);
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push_str(">\n");
    }
}

/// Escapes markup characters; in attributes also quotes and the whitespace that
/// attribute normalisation would otherwise turn into spaces.
fn escape(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' if attribute => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            '\t' if attribute => out.push_str("&#x9;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_attributes() {
        let mut x = Xml::default();
        x.leaf("a", vec![("v", "x\"<&\n".into())], "1 < 2 & \"q\"");
        assert_eq!(
            x.buf,
            "<a v=\"x&quot;&lt;&amp;&#xA;\">1 &lt; 2 &amp; \"q\"</a>\n"
        );
    }
}
