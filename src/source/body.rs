//! A response body read synchronously while it downloads: the format readers
//! are synchronous over `BufRead`, the HTTP client is async. Each `read` waits
//! for the next chunk on the runtime, so the body is never held whole.

use std::io::Read;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use tokio::runtime::Handle;

/// What the reader of a body reports as it goes (bytes so far, the announced
/// length).
pub type ProgressFn = Arc<dyn Fn(u64, Option<u64>) + Send + Sync>;

/// The first error reading a body hit, kept so that a format reader's error
/// (which only says "I/O error") can be told apart from bad content.
#[derive(Debug, Clone, Default)]
pub struct BodyFailure(Arc<Mutex<Option<String>>>);

impl BodyFailure {
    /// The error, if reading the body failed.
    pub fn get(&self) -> Option<String> {
        self.0.lock().ok().and_then(|g| g.clone())
    }

    fn set(&self, message: String) {
        if let Ok(mut g) = self.0.lock()
            && g.is_none()
        {
            *g = Some(message);
        }
    }
}

/// `Read` over a streaming response. Must be used outside an async context
/// (a plain thread or `spawn_blocking`) of a multi-threaded runtime.
pub struct BodyReader {
    response: reqwest::Response,
    rt: Handle,
    chunk: Bytes,
    done: bool,
    read: u64,
    total: Option<u64>,
    failure: BodyFailure,
    progress: Option<ProgressFn>,
}

impl BodyReader {
    /// Reads `response`'s body, waiting for chunks on `rt`.
    pub fn new(response: reqwest::Response, rt: Handle, progress: Option<ProgressFn>) -> Self {
        let total = response.content_length();
        BodyReader {
            response,
            rt,
            chunk: Bytes::new(),
            done: false,
            read: 0,
            total,
            failure: BodyFailure::default(),
            progress,
        }
    }

    /// Where a read failure is recorded.
    pub fn failure(&self) -> BodyFailure {
        self.failure.clone()
    }

    /// Reads up to `limit` bytes (fewer at the end of the body) without
    /// consuming them for later reads: the start of a body, to recognise it.
    pub fn head(&mut self, limit: usize) -> std::io::Result<Vec<u8>> {
        let mut head = Vec::new();
        while head.len() < limit {
            if self.chunk.is_empty() && !self.next_chunk()? {
                break;
            }
            head.extend_from_slice(&self.chunk);
            self.chunk = Bytes::new();
        }
        // Put it back: later reads start at the beginning again.
        self.chunk = Bytes::from(head.clone());
        Ok(head)
    }

    fn next_chunk(&mut self) -> std::io::Result<bool> {
        if self.done {
            return Ok(false);
        }
        match self.rt.block_on(self.response.chunk()) {
            Ok(Some(c)) => {
                self.read += c.len() as u64;
                if let Some(p) = &self.progress {
                    p(self.read, self.total);
                }
                self.chunk = c;
                Ok(true)
            }
            Ok(None) => {
                self.done = true;
                if let Some(total) = self.total
                    && self.read < total
                {
                    let m = format!("the connection closed after {} of {total} bytes", self.read);
                    self.failure.set(m.clone());
                    return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, m));
                }
                Ok(false)
            }
            Err(e) => {
                self.done = true;
                let m = format!(
                    "the connection failed after {} bytes: {}",
                    self.read,
                    crate::transport::error_chain(&e)
                );
                self.failure.set(m.clone());
                Err(std::io::Error::other(m))
            }
        }
    }
}

impl Read for BodyReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.chunk.is_empty() {
            if !self.next_chunk()? {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk[..n]);
        let _ = self.chunk.split_to(n);
        Ok(n)
    }
}

/// What the start of a body that is not a data message is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotData {
    /// An SDMX error message (SDMX-ML `Error` or SDMX-JSON `errors`), its text.
    SdmxError(String),
    /// An HTML page (a login, proxy or error page), its title.
    Html(String),
    /// Something else, its first characters.
    Other(String),
}

/// Recognises an SDMX error message or an HTML page from the start of a body.
pub fn classify_not_data(head: &[u8]) -> NotData {
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("<!doctype html") || lower.starts_with("<html") || lower.contains("<html")
    {
        let title = between(t, "<title>", "</title>")
            .or_else(|| between(t, "<h1>", "</h1>"))
            .unwrap_or_default();
        return NotData::Html(one_line(&title, 160));
    }
    if t.starts_with('<') && (t.contains(":Error") || t.contains("<Error")) {
        // <mes:ErrorMessage code="…"><com:Text>…</com:Text>
        let code = between(t, "code=\"", "\"").unwrap_or_default();
        let mut texts = Vec::new();
        let mut rest = t;
        while let Some(i) = rest.find("Text") {
            let after = &rest[i..];
            let Some(open_end) = after.find('>') else {
                break;
            };
            let body = &after[open_end + 1..];
            let Some(close) = body.find('<') else { break };
            let s = body[..close].trim();
            if !s.is_empty() {
                texts.push(s.to_owned());
            }
            rest = &body[close..];
        }
        let mut m = texts.join("; ");
        if !code.is_empty() {
            m = format!("code {code}: {m}");
        }
        return NotData::SdmxError(one_line(&m, 400));
    }
    if t.starts_with('{')
        && let Ok(v) = serde_json::from_str::<serde_json::Value>(t)
        && let Some(errors) = v.get("errors").and_then(|e| e.as_array())
    {
        let parts: Vec<String> = errors
            .iter()
            .map(|e| {
                let code = e.get("code").map(|c| c.to_string()).unwrap_or_default();
                let title = e
                    .get("title")
                    .or_else(|| e.get("detail"))
                    .map(|t| match t {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Object(m) => m
                            .values()
                            .next()
                            .and_then(|x| x.as_str())
                            .unwrap_or_default()
                            .to_owned(),
                        other => other.to_string(),
                    })
                    .unwrap_or_default();
                format!("code {code}: {title}")
            })
            .collect();
        return NotData::SdmxError(one_line(&parts.join("; "), 400));
    }
    NotData::Other(one_line(t, 160))
}

/// Whether a body (start) is an SDMX error message saying there is no data
/// (code 100, "NoResultsFound").
pub fn is_no_results(head: &[u8]) -> bool {
    match classify_not_data(head) {
        NotData::SdmxError(m) => {
            m.starts_with("code 100") || m.to_ascii_lowercase().contains("no results")
        }
        _ => false,
    }
}

fn between(text: &str, open: &str, close: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let i = lower.find(&open.to_ascii_lowercase())? + open.len();
    let j = lower[i..].find(&close.to_ascii_lowercase())? + i;
    Some(text[i..j].trim().to_owned())
}

fn one_line(s: &str, max: usize) -> String {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    joined.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_error_shapes() {
        let xml = br#"<?xml version="1.0"?><mes:Error xmlns:mes="x"><mes:ErrorMessage code="500"><com:Text xml:lang="en">Query failed: index down</com:Text></mes:ErrorMessage></mes:Error>"#;
        assert_eq!(
            classify_not_data(xml),
            NotData::SdmxError("code 500: Query failed: index down".into())
        );
        let json = br#"{"errors":[{"code":100,"title":"No results found"}]}"#;
        assert!(is_no_results(json));
        let html = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head></html>";
        assert_eq!(
            classify_not_data(html),
            NotData::Html("502 Bad Gateway".into())
        );
        assert!(matches!(classify_not_data(b"hello"), NotData::Other(_)));
        assert!(!is_no_results(xml));
    }
}
