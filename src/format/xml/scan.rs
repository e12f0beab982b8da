//! A streaming XML tokenizer for SDMX-ML data messages.
//!
//! quick-xml is the general-purpose tokenizer, and the benchmark's ceiling;
//! this one does less and so goes faster on the data body, where millions of
//! `<Obs …/>` tags are nearly all the work: it reads the attributes of a tag in
//! the same pass that finds its end (quick-xml finds the end, copies the tag,
//! and the attribute iterator scans it again), scans straight out of its own
//! buffer, and can skip the whitespace between elements without handing it
//! out. The differential tests at the bottom hold it to quick-xml's tokens on
//! well-formed input.
//!
//! It is deliberately strict and small: no DTD (a DOCTYPE is handed out so the
//! caller can refuse it; entities are never expanded or fetched), UTF-8 only,
//! and one token may not exceed [`MAX_TOKEN`] bytes, so memory stays bounded
//! whatever the input. Checking that end tags match is the caller's job (it
//! keeps the stack of open elements anyway).

use std::cell::Cell;
use std::io::{self, Read};

use memchr::{memchr, memchr3, memmem, memrchr};

/// The largest single token (a tag, a text run, a comment) accepted; beyond it
/// the input is refused rather than buffered without bound.
pub(crate) const MAX_TOKEN: usize = 64 * 1024 * 1024;

/// Read size: larger than the `BufReader`s callers wrap their input in, so
/// reads bypass their buffer instead of being copied twice.
const CHUNK: usize = 1024 * 1024;

/// What went wrong, at which byte offset of the input.
#[derive(Debug)]
pub(crate) enum ScanError {
    /// Not well-formed XML (the message says what was expected).
    Syntax {
        /// Byte offset of the problem.
        offset: u64,
        /// What is wrong.
        message: String,
    },
    /// Bytes that are not UTF-8.
    Utf8 {
        /// Byte offset of the first bad byte.
        offset: u64,
    },
    /// The input ends inside a tag, comment, CDATA section or PI.
    Truncated {
        /// Byte offset where the unfinished token starts.
        offset: u64,
    },
    /// One token larger than [`MAX_TOKEN`].
    TooLong {
        /// Byte offset where the token starts.
        offset: u64,
    },
    /// Reading failed.
    Io(io::Error),
}

/// One attribute of a tag: offsets into the tag's text.
#[derive(Debug, Clone, Copy)]
struct Span {
    key: (u32, u32),
    value: (u32, u32),
    amp: bool,
}

/// A start or empty-element tag.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tag<'a> {
    text: &'a str,
    name: &'a str,
    spans: &'a [Span],
}

/// One attribute: its qualified name and its raw value (entity references not
/// yet replaced; `amp` tells whether there are any).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Attr<'a> {
    /// Qualified name as written.
    pub key: &'a str,
    /// Value as written, without the quotes.
    pub raw: &'a str,
    /// True when the value holds a `&` reference.
    pub amp: bool,
}

impl<'a> Tag<'a> {
    /// The qualified element name as written.
    pub(crate) fn name(&self) -> &'a str {
        self.name
    }

    /// The attributes, in document order.
    pub(crate) fn attrs(&self) -> impl Iterator<Item = Attr<'a>> + 'a {
        let text = self.text;
        self.spans.iter().map(move |s| Attr {
            key: text.get(s.key.0 as usize..s.key.1 as usize).unwrap_or(""),
            raw: text
                .get(s.value.0 as usize..s.value.1 as usize)
                .unwrap_or(""),
            amp: s.amp,
        })
    }
}

/// One token.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Token<'a> {
    /// `<name …>`.
    Start(Tag<'a>),
    /// `<name …/>`.
    Empty(Tag<'a>),
    /// `</name>`, with the qualified name.
    End(&'a str),
    /// Character data as written (references not replaced).
    Text(&'a str),
    /// The content of a CDATA section.
    CData(&'a str),
    /// A comment.
    Comment,
    /// A processing instruction or the XML declaration.
    Pi,
    /// `<!DOCTYPE`: the caller refuses it.
    DocType,
    /// The end of the input.
    Eof,
}

/// What [`Scanner::advance`] found; the token itself is read with
/// [`Scanner::token`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Start,
    Empty,
    End,
    Text,
    CData,
    Comment,
    Pi,
    DocType,
    Eof,
}

/// The streaming tokenizer over `R`.
pub(crate) struct Scanner<R> {
    input: R,
    buf: Vec<u8>,
    /// Unconsumed bytes are `buf[pos..end]`.
    pos: usize,
    end: usize,
    eof: bool,
    /// Absolute offset of `buf[0]`.
    base: u64,
    started: bool,
    spans: Vec<Span>,
    /// The current token: kind and `buf[tok..tok_end]`, with the bounds of the
    /// slice that the token hands out (name, text, content).
    kind: Kind,
    tok: usize,
    tok_end: usize,
    inner: (usize, usize),
    /// Lines counted so far: counted lazily, only when a position is asked
    /// for (errors, findings), since reading and converting never need one.
    lines: Cell<LineMark>,
}

/// The line (1-based) and the absolute offset where it starts, at buffer
/// index `at`.
#[derive(Debug, Clone, Copy)]
struct LineMark {
    at: usize,
    line: u64,
    line_start: u64,
}

/// Newlines in `bytes`. Every byte of the input passes through here, so the
/// count is kept in bytes per 255-byte block, which the compiler vectorises.
fn newlines(bytes: &[u8]) -> u64 {
    bytes
        .chunks(255)
        .map(|c| u64::from(c.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n'))))
        .sum()
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

/// Ends a name: white space, `/`, `>`, `=` and the characters never in one.
fn ends_name(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\n' | b'\r' | b'\t' | b'/' | b'>' | b'=' | b'<' | b'"' | b'\''
    )
}

/// A parse step that may need more bytes.
enum Step {
    /// A token of this kind and length, with its inner slice.
    Done(Kind, usize, (usize, usize)),
    /// The token does not end inside the buffer.
    More,
}

impl<R: Read> Scanner<R> {
    /// A scanner over `input`.
    pub(crate) fn new(input: R) -> Self {
        Scanner {
            input,
            buf: vec![0; CHUNK],
            pos: 0,
            end: 0,
            eof: false,
            base: 0,
            started: false,
            spans: Vec::new(),
            kind: Kind::Eof,
            tok: 0,
            tok_end: 0,
            inner: (0, 0),
            lines: Cell::new(LineMark {
                at: 0,
                line: 1,
                line_start: 0,
            }),
        }
    }

    /// The line mark moved forward to buffer index `idx` (never backward).
    fn mark_at(&self, idx: usize) -> LineMark {
        let mut m = self.lines.get();
        if idx > m.at {
            let bytes = &self.buf[m.at..idx];
            if let Some(last) = memrchr(b'\n', bytes) {
                m.line += newlines(&bytes[..=last]);
                m.line_start = self.base + (m.at + last + 1) as u64;
            }
            m.at = idx;
            self.lines.set(m);
        }
        m
    }

    /// Line and column (1-based, column in bytes) where the current token starts.
    pub(crate) fn token_position(&self) -> (u64, u64) {
        let m = self.mark_at(self.tok);
        let start = self.base + self.tok as u64;
        (m.line, start.saturating_sub(m.line_start) + 1)
    }

    /// Line and column of an absolute `offset` at or after the current
    /// token's start (where errors point); other offsets give the token's
    /// position.
    pub(crate) fn position_of(&self, offset: u64) -> (u64, u64) {
        let m = self.mark_at(self.tok);
        let from = self.base + m.at as u64;
        if offset < from {
            return self.token_position();
        }
        let to = usize::try_from(offset - self.base)
            .unwrap_or(usize::MAX)
            .clamp(m.at, self.end);
        let bytes = &self.buf[m.at..to];
        let line_start = match memrchr(b'\n', bytes) {
            Some(i) => from + i as u64 + 1,
            None => m.line_start,
        };
        (
            m.line + newlines(bytes),
            offset.saturating_sub(line_start) + 1,
        )
    }

    /// Moves to the next token. Text is handed out only when `want_text`;
    /// otherwise it is checked (UTF-8) and skipped.
    pub(crate) fn advance(&mut self, want_text: bool) -> Result<(), ScanError> {
        loop {
            if self.pos == self.end || self.buf[self.pos] != b'<' {
                if self.pos == self.end && self.eof {
                    self.set(Kind::Eof, 0, (0, 0));
                    return Ok(());
                }
                if !want_text {
                    // The indentation between elements: skipped in place,
                    // without a vector search or a token.
                    let mut i = self.pos;
                    while i < self.end && is_ws(self.buf[i]) {
                        i += 1;
                    }
                    if i < self.end && self.buf[i] == b'<' {
                        self.pos = i;
                        continue;
                    }
                }
                // Text runs up to the next '<' (or the end of the input).
                let avail = &self.buf[self.pos..self.end];
                let len = match memchr(b'<', avail) {
                    Some(i) => i,
                    None if self.eof => avail.len(),
                    None => {
                        self.fill()?;
                        continue;
                    }
                };
                if len == 0 {
                    continue;
                }
                let text = &avail[..len];
                if !text.is_ascii() && std::str::from_utf8(text).is_err() {
                    let bad = std::str::from_utf8(text)
                        .err()
                        .map_or(0, |e| e.valid_up_to());
                    let offset = self.base + (self.pos + bad) as u64;
                    self.set(Kind::Text, len, (0, len));
                    return Err(ScanError::Utf8 { offset });
                }
                self.set(Kind::Text, len, (0, len));
                if want_text {
                    return Ok(());
                }
                continue;
            }
            let step = self.markup()?;
            match step {
                Step::Done(kind, len, inner) => {
                    // `token` checks the UTF-8, once, as it hands the token out.
                    self.set(kind, len, inner);
                    return Ok(());
                }
                Step::More if self.eof => {
                    self.set(Kind::Eof, 0, (0, 0));
                    return Err(ScanError::Truncated {
                        offset: self.base + self.pos as u64,
                    });
                }
                Step::More => self.fill()?,
            }
        }
    }

    /// The current token; its bytes are checked to be UTF-8 here.
    pub(crate) fn token(&self) -> Result<Token<'_>, ScanError> {
        let bytes = &self.buf[self.tok..self.tok_end];
        let text = std::str::from_utf8(bytes).map_err(|e| ScanError::Utf8 {
            offset: self.base + (self.tok + e.valid_up_to()) as u64,
        })?;
        let inner = text.get(self.inner.0..self.inner.1).unwrap_or("");
        Ok(match self.kind {
            Kind::Start | Kind::Empty => {
                let tag = Tag {
                    text,
                    name: inner,
                    spans: &self.spans,
                };
                if self.kind == Kind::Start {
                    Token::Start(tag)
                } else {
                    Token::Empty(tag)
                }
            }
            Kind::End => Token::End(inner),
            Kind::Text => Token::Text(inner),
            Kind::CData => Token::CData(inner),
            Kind::Comment => Token::Comment,
            Kind::Pi => Token::Pi,
            Kind::DocType => Token::DocType,
            Kind::Eof => Token::Eof,
        })
    }

    /// Records the token at `pos` of `len` bytes and moves past it, keeping
    /// the line count.
    fn set(&mut self, kind: Kind, len: usize, inner: (usize, usize)) {
        self.kind = kind;
        self.tok = self.pos;
        self.tok_end = self.pos + len;
        self.inner = inner;
        self.pos = self.tok_end;
    }

    /// Reads more input, keeping the unconsumed bytes; grows the buffer only
    /// for a token longer than it.
    fn fill(&mut self) -> Result<(), ScanError> {
        if self.pos > 0 {
            // Count the lines of what is dropped while it is still there.
            let mut m = self.mark_at(self.pos);
            m.at = 0;
            self.lines.set(m);
            self.buf.copy_within(self.pos..self.end, 0);
            self.base += self.pos as u64;
            self.end -= self.pos;
            self.tok = 0;
            self.tok_end = 0;
            self.pos = 0;
        }
        if self.end == self.buf.len() {
            if self.buf.len() >= MAX_TOKEN {
                return Err(ScanError::TooLong { offset: self.base });
            }
            let grown = (self.buf.len() * 2).min(MAX_TOKEN);
            self.buf.resize(grown, 0);
        }
        loop {
            match self.input.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => {
                    self.end += n;
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(ScanError::Io(e)),
            }
        }
        if !self.started && (self.end >= 3 || self.eof) {
            self.started = true;
            // A UTF-8 byte-order mark is allowed and ignored.
            if self.buf[..self.end].starts_with(b"\xEF\xBB\xBF") {
                self.pos = 3;
                self.lines.set(LineMark {
                    at: 0,
                    line: 1,
                    line_start: 3,
                });
            }
        } else if !self.started {
            // Too few bytes to tell whether there is a BOM: read on first.
            return self.fill();
        }
        Ok(())
    }

    fn syntax(&self, at: usize, message: impl Into<String>) -> ScanError {
        ScanError::Syntax {
            offset: self.base + (self.pos + at) as u64,
            message: message.into(),
        }
    }

    /// Parses the markup at `pos` (which holds `<`).
    fn markup(&mut self) -> Result<Step, ScanError> {
        let s = &self.buf[self.pos..self.end];
        let Some(&second) = s.get(1) else {
            return Ok(Step::More);
        };
        match second {
            b'/' => {
                let Some(gt) = memchr(b'>', s) else {
                    return Ok(Step::More);
                };
                let mut name_end = gt;
                while name_end > 2 && is_ws(s[name_end - 1]) {
                    name_end -= 1;
                }
                let name = &s[2..name_end];
                if name.is_empty() || name.iter().any(|b| ends_name(*b)) {
                    return Err(self.syntax(2, "an end tag must be </name>"));
                }
                Ok(Step::Done(Kind::End, gt + 1, (2, name_end)))
            }
            b'!' => self.declaration(),
            b'?' => match memmem::find(&s[2..], b"?>") {
                Some(i) => Ok(Step::Done(Kind::Pi, i + 4, (2, i + 2))),
                None => Ok(Step::More),
            },
            _ => self.tag(),
        }
    }

    /// `<!--`, `<![CDATA[` or `<!DOCTYPE` at `pos`.
    fn declaration(&mut self) -> Result<Step, ScanError> {
        let s = &self.buf[self.pos..self.end];
        for (open, close, kind) in [
            (&b"<!--"[..], &b"-->"[..], Kind::Comment),
            (&b"<![CDATA["[..], &b"]]>"[..], Kind::CData),
        ] {
            if s.starts_with(open) {
                return Ok(match memmem::find(&s[open.len()..], close) {
                    Some(i) => Step::Done(
                        kind,
                        open.len() + i + close.len(),
                        (open.len(), open.len() + i),
                    ),
                    None => Step::More,
                });
            }
        }
        if s.starts_with(b"<!DOCTYPE") {
            return Ok(Step::Done(Kind::DocType, 9, (0, 0)));
        }
        let could_be = [&b"<!--"[..], b"<![CDATA[", b"<!DOCTYPE"]
            .iter()
            .any(|p| s.len() < p.len() && p.starts_with(s));
        if could_be {
            return Ok(Step::More);
        }
        Err(self.syntax(
            0,
            "unknown markup after <!: expected a comment <!-- -->, a CDATA section or a DOCTYPE",
        ))
    }

    /// A start or empty-element tag at `pos`, its attributes parsed on the way.
    fn tag(&mut self) -> Result<Step, ScanError> {
        let s = &self.buf[self.pos..self.end];
        let n = s.len();
        let mut i = 1;
        while i < n && !ends_name(s[i]) {
            i += 1;
        }
        if i >= n {
            return Ok(Step::More);
        }
        if i == 1 {
            return Err(self.syntax(1, "expected an element name after <"));
        }
        let name = (1, i);
        self.spans.clear();
        loop {
            let ws_from = i;
            while i < n && is_ws(s[i]) {
                i += 1;
            }
            if i >= n {
                return Ok(Step::More);
            }
            match s[i] {
                b'>' => return Ok(Step::Done(Kind::Start, i + 1, name)),
                b'/' => {
                    return match s.get(i + 1) {
                        None => Ok(Step::More),
                        Some(b'>') => Ok(Step::Done(Kind::Empty, i + 2, name)),
                        Some(_) => Err(self.syntax(i + 1, "expected > after / in a tag")),
                    };
                }
                _ if i == ws_from => {
                    return Err(self.syntax(
                        i,
                        "attributes must be separated by white space (a quote or name is out of place)",
                    ));
                }
                _ => {}
            }
            let key_start = i;
            while i < n && !ends_name(s[i]) {
                i += 1;
            }
            let key_end = i;
            while i < n && is_ws(s[i]) {
                i += 1;
            }
            if i >= n {
                return Ok(Step::More);
            }
            if key_end == key_start || s[i] != b'=' {
                return Err(self.syntax(i, "expected name=\"value\" in a tag"));
            }
            i += 1;
            while i < n && is_ws(s[i]) {
                i += 1;
            }
            let Some(&quote) = s.get(i) else {
                return Ok(Step::More);
            };
            if quote != b'"' && quote != b'\'' {
                return Err(self.syntax(i, "an attribute value must be in quotes"));
            }
            i += 1;
            let value_start = i;
            let mut amp = false;
            // Values are mostly codes and numbers: a few bytes, where a plain
            // loop beats setting up a vector search.
            let short = (i + 16).min(n);
            while i < short && s[i] != quote && s[i] != b'<' && s[i] != b'&' {
                i += 1;
            }
            loop {
                let Some(j) = memchr3(quote, b'<', b'&', &s[i..]) else {
                    return Ok(Step::More);
                };
                i += j;
                match s[i] {
                    b'<' => {
                        return Err(self.syntax(i, "< is not allowed in an attribute value"));
                    }
                    b'&' => {
                        amp = true;
                        i += 1;
                    }
                    _ => break,
                }
            }
            let (Ok(a), Ok(b), Ok(c), Ok(d)) = (
                u32::try_from(key_start),
                u32::try_from(key_end),
                u32::try_from(value_start),
                u32::try_from(i),
            ) else {
                return Err(ScanError::TooLong {
                    offset: self.base + self.pos as u64,
                });
            };
            self.spans.push(Span {
                key: (a, b),
                value: (c, d),
                amp,
            });
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tokens as owned strings, for comparing with quick-xml.
    #[derive(Debug, PartialEq)]
    enum T {
        Start(String, Vec<(String, String)>),
        Empty(String, Vec<(String, String)>),
        End(String),
        Text(String),
        CData(String),
        Comment,
        Pi,
        DocType,
    }

    fn attrs(tag: &Tag<'_>) -> Vec<(String, String)> {
        tag.attrs()
            .map(|a| (a.key.to_owned(), a.raw.to_owned()))
            .collect()
    }

    /// Reads `xml` through a reader that hands out `chunk` bytes at a time,
    /// so every token boundary meets a buffer boundary somewhere.
    fn ours(xml: &[u8], chunk: usize) -> Result<Vec<T>, ScanError> {
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                let n = self.1.min(self.0.len()).min(out.len());
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut s = Scanner::new(Trickle(xml, chunk));
        let mut out = Vec::new();
        loop {
            s.advance(true)?;
            out.push(match s.token()? {
                Token::Start(t) => T::Start(t.name().to_owned(), attrs(&t)),
                Token::Empty(t) => T::Empty(t.name().to_owned(), attrs(&t)),
                Token::End(n) => T::End(n.to_owned()),
                Token::Text(t) => T::Text(t.to_owned()),
                Token::CData(t) => T::CData(t.to_owned()),
                Token::Comment => T::Comment,
                Token::Pi => T::Pi,
                Token::DocType => T::DocType,
                Token::Eof => break,
            });
        }
        // Adjacent text tokens (split by a buffer boundary) are one run.
        let mut merged: Vec<T> = Vec::new();
        for t in out {
            match (merged.last_mut(), t) {
                (Some(T::Text(a)), T::Text(b)) => a.push_str(&b),
                (_, t) => merged.push(t),
            }
        }
        Ok(merged)
    }

    /// What a test reports when it cannot go on.
    type Outcome = Result<(), String>;

    fn text_of<E: std::fmt::Debug>(e: E) -> String {
        format!("{e:?}")
    }

    /// Advances through the tokens of `s` without text, calling `each` on
    /// every one until the end.
    fn each_tag<R: Read>(
        s: &mut Scanner<R>,
        mut each: impl FnMut(&Scanner<R>),
    ) -> Result<(), ScanError> {
        loop {
            s.advance(false)?;
            if matches!(s.token(), Ok(Token::Eof)) {
                return Ok(());
            }
            each(s);
        }
    }

    /// quick-xml's tokens, or its first error.
    fn try_theirs(xml: &[u8]) -> Result<Vec<T>, String> {
        use quick_xml::events::Event;
        let mut r = quick_xml::Reader::from_reader(xml);
        r.config_mut().trim_text(false);
        let mut out: Vec<T> = Vec::new();
        let mut buf = Vec::new();
        let text = |out: &mut Vec<T>, s: &str| match out.last_mut() {
            Some(T::Text(a)) => a.push_str(s),
            _ => out.push(T::Text(s.to_owned())),
        };
        loop {
            let tag_attrs = |e: &quick_xml::events::BytesStart<'_>| {
                e.attributes()
                    .map(|a| {
                        let a = a.map_err(|e| e.to_string())?;
                        Ok((a.key.0.to_owned(), a.value.into_owned()))
                    })
                    .collect::<Result<Vec<_>, String>>()
            };
            match r.read_event_into(&mut buf).map_err(|e| e.to_string())? {
                Event::Start(e) => out.push(T::Start(e.name().0.to_owned(), tag_attrs(&e)?)),
                Event::Empty(e) => out.push(T::Empty(e.name().0.to_owned(), tag_attrs(&e)?)),
                Event::End(e) => out.push(T::End(e.name().0.to_owned())),
                Event::Text(t) => text(&mut out, &t),
                Event::GeneralRef(g) => text(&mut out, &format!("&{};", &*g)),
                Event::CData(t) => out.push(T::CData(t.to_string())),
                Event::Comment(_) => out.push(T::Comment),
                Event::PI(_) | Event::Decl(_) => out.push(T::Pi),
                Event::DocType(_) => out.push(T::DocType),
                Event::Eof => break,
            }
            buf.clear();
        }
        Ok(out)
    }

    const DOC: &str = "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<!-- a comment with <tags> and -- dashes? no: one dash - here -->\n\
<m:Root xmlns:m=\"urn:x\" a='single \"quoted\"'>\n\
  <m:Header><m:ID>R &amp; D &#233;t&#xE9;</m:ID><![CDATA[<raw> & ]]]></m:Header>\n\
  <Series\tREF_AREA = \"TH\"\r\n   SEX=\"SEX_F\" NOTE=\"a &lt; b &gt; c\">\n\
    <Obs TIME_PERIOD=\"2020\" OBS_VALUE=\"1.5\"/>\n\
    <Obs TIME_PERIOD=\"2021\" OBS_VALUE=\"é€\" />\n\
  </Series >\n\
  <?pi some data?>\n\
</m:Root>\n";

    #[test]
    fn agrees_with_quick_xml_whatever_the_buffer_boundaries() -> Outcome {
        let want = try_theirs(DOC.trim_start_matches('\u{feff}').as_bytes())?;
        assert!(want.len() > 20);
        for chunk in [1, 2, 3, 7, 64, 4096] {
            let got = ours(DOC.as_bytes(), chunk).map_err(text_of)?;
            assert_eq!(got, want, "chunk {chunk}");
        }
        Ok(())
    }

    #[test]
    fn agrees_with_quick_xml_on_every_xml_data_fixture() -> Outcome {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/data");
        let mut files = Vec::new();
        let mut todo = vec![dir];
        while let Some(d) = todo.pop() {
            for e in std::fs::read_dir(&d).map_err(text_of)? {
                let p = e.map_err(text_of)?.path();
                if p.is_dir() {
                    todo.push(p);
                } else if p.extension().is_some_and(|x| x == "xml") {
                    files.push(p);
                }
            }
        }
        assert!(files.len() >= 5, "{files:?}");
        for f in files {
            let bytes = std::fs::read(&f).map_err(text_of)?;
            if roxmltree::Document::parse(std::str::from_utf8(&bytes).unwrap_or("<")).is_err() {
                continue; // broken on purpose
            }
            let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
            assert_eq!(
                ours(bytes, 997).map_err(text_of)?,
                try_theirs(bytes)?,
                "{}",
                f.display()
            );
        }
        Ok(())
    }

    #[test]
    fn skips_text_unless_asked() -> Outcome {
        let mut s = Scanner::new(&b"<a>\n  <b/> x </a>"[..]);
        let mut kinds = Vec::new();
        each_tag(&mut s, |s| kinds.push(s.kind)).map_err(text_of)?;
        assert_eq!(kinds, [Kind::Start, Kind::Empty, Kind::End]);
        Ok(())
    }

    fn error(xml: &[u8]) -> ScanError {
        let mut s = Scanner::new(xml);
        loop {
            match s.advance(true) {
                Err(e) => return e,
                Ok(()) if matches!(s.token(), Ok(Token::Eof)) => panic!("no error in {xml:?}"),
                Ok(()) => {
                    if let Err(e) = s.token() {
                        return e;
                    }
                }
            }
        }
    }

    #[test]
    fn refuses_what_is_not_well_formed() {
        for (xml, want) in [
            (&b"<a b=\"1\"c=\"2\"/>"[..], "separated by white space"),
            (b"<a b=1/>", "in quotes"),
            (b"<a b/>", "name=\"value\""),
            (b"<a =\"1\"/>", "name=\"value\""),
            (b"<a b=\"x<y\"/>", "< is not allowed"),
            (b"<a/ >", "expected >"),
            (b"< a/>", "element name"),
            (b"<a></ >", "end tag"),
            (b"<a></a b>", "end tag"),
            (b"<a><!ELEMENT x></a>", "unknown markup"),
        ] {
            match error(xml) {
                ScanError::Syntax { message, .. } => {
                    assert!(message.contains(want), "{xml:?}: {message}")
                }
                other => panic!("{xml:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn finds_truncation_bad_utf8_and_oversized_tokens() {
        let doc = DOC.as_bytes();
        // Every cut of the document either reads to a clean end or stops
        // with a truncation (or bad UTF-8 when the cut splits the BOM).
        for cut in 1..doc.len() {
            let mut s = Scanner::new(&doc[..cut]);
            loop {
                match s.advance(true) {
                    Ok(()) if matches!(s.token(), Ok(Token::Eof)) => break,
                    Ok(()) => {}
                    Err(ScanError::Truncated { .. }) => break,
                    Err(ScanError::Utf8 { offset: 0 }) if cut < 3 => break,
                    Err(e) => panic!("cut {cut}: {e:?}"),
                }
            }
        }
        assert!(matches!(
            error(b"<a>\xff</a>"),
            ScanError::Utf8 { offset: 3 }
        ));
        assert!(matches!(
            error(b"<a b=\"\xc3\"/>"),
            ScanError::Utf8 { offset: 6 }
        ));
        assert!(matches!(error(b"<a"), ScanError::Truncated { offset: 0 }));
        assert!(matches!(
            error(b"<x/><!-- never closed"),
            ScanError::Truncated { offset: 4 }
        ));
        let huge = [&b"<a v=\""[..], &vec![b'x'; MAX_TOKEN]].concat();
        assert!(matches!(error(&huge), ScanError::TooLong { .. }));
    }

    #[test]
    fn knows_the_line_and_column_of_each_token() -> Outcome {
        let mut s = Scanner::new(&b"<a>\n  <b\n c=\"1\"/>\r\n<d/></a>"[..]);
        let mut at = Vec::new();
        each_tag(&mut s, |s| at.push(s.token_position())).map_err(text_of)?;
        assert_eq!(at, [(1, 1), (2, 3), (4, 1), (4, 5)]);
        let mut s = Scanner::new(&b"<a>\n  <b\n c=1/>"[..]);
        s.advance(false).map_err(text_of)?;
        let Err(ScanError::Syntax { offset, .. }) = s.advance(false) else {
            panic!("error expected")
        };
        assert_eq!(s.position_of(offset), (3, 4));
        Ok(())
    }

    /// Random damage to a document never panics the scanner, and where
    /// quick-xml still reads the damaged document, the scanner either gives
    /// the same tokens or refuses it (it is stricter about attribute syntax).
    #[test]
    fn damaged_documents_give_the_same_tokens_or_an_error() {
        let doc = DOC.trim_start_matches('\u{feff}').as_bytes();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let alphabet = b"<>/=\"' &;!?-[]xA:\n\xff\xc3";
        let mut same = 0;
        for _ in 0..3000 {
            let mut d = doc.to_vec();
            for _ in 0..1 + next() % 3 {
                let at = (next() as usize) % d.len();
                let b = alphabet[(next() as usize) % alphabet.len()];
                match next() % 3 {
                    0 => d[at] = b,
                    1 => d.insert(at, b),
                    _ => {
                        d.remove(at);
                    }
                }
            }
            match (ours(&d, 61), try_theirs(&d)) {
                (Ok(a), Ok(b)) if !b.contains(&T::DocType) => {
                    assert_eq!(a, b, "{}", String::from_utf8_lossy(&d));
                    same += 1;
                }
                _ => {}
            }
        }
        assert!(same > 100, "only {same} damaged documents compared");
    }
}
