//! Delivery to an SDMX REST collector: `POST {url}/data` with the payload
//! streamed from the outbox file, and the answer read as a verdict.

use std::path::Path;
use std::time::{Duration, SystemTime};

use indicatif::ProgressBar;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use tokio_stream::StreamExt;

use super::Verdict;
use super::receipt::{collector_message, one_line};
use crate::store::OutboxRecord;
use crate::transport::{HttpClient, TransportError, parse_retry_after};

/// The largest answer kept as a receipt or an error.
const MAX_ANSWER: usize = 4 * 1024 * 1024;

/// Sends the message (the same bytes on every attempt, so the collector can
/// tell a repeat) and judges the answer.
pub(super) async fn post(
    client: &HttpClient,
    url: &str,
    payload: &Path,
    record: &OutboxRecord,
    progress: Option<&ProgressBar>,
) -> Verdict {
    let media = record
        .media_type
        .clone()
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    if let Some(bar) = progress {
        bar.set_length(record.bytes);
        bar.set_message(record.name.clone());
    }
    let make = || {
        if let Some(bar) = progress {
            bar.set_position(0);
        }
        let body = match std::fs::File::open(payload) {
            Ok(file) => {
                let bar = progress.cloned();
                let stream = tokio_util::io::ReaderStream::with_capacity(
                    tokio::fs::File::from_std(file),
                    64 * 1024,
                )
                .map(move |chunk| {
                    if let (Ok(c), Some(bar)) = (&chunk, &bar) {
                        bar.inc(c.len() as u64);
                    }
                    chunk
                });
                reqwest::Body::wrap_stream(stream)
            }
            // Reported by the send as a transport error naming the file.
            Err(e) => {
                let e = std::io::Error::new(e.kind(), format!("{}: {e}", payload.display()));
                reqwest::Body::wrap_stream(tokio_stream::once(Err::<Vec<u8>, _>(e)))
            }
        };
        client
            .request(reqwest::Method::POST, url)
            .header(CONTENT_TYPE, media.as_str())
            .header(CONTENT_LENGTH, record.bytes)
            .body(body)
    };
    let response = match client.send(url, make).await {
        Ok(r) => r,
        Err(e @ TransportError::Config { .. }) => {
            return Verdict::Refused {
                status: None,
                error: e.to_string(),
            };
        }
        Err(e @ TransportError::Unavailable { status, .. }) => {
            return Verdict::Later {
                status: Some(status),
                error: e.to_string(),
                after: None,
            };
        }
        Err(e) => {
            return Verdict::Later {
                status: None,
                error: e.to_string(),
                after: None,
            };
        }
    };
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, SystemTime::now()));
    let body = match read_capped(response).await {
        Ok(b) => b,
        // The collector answered but the answer broke off: whether it applied
        // the message is unknown, so send it again (a repeat is harmless).
        Err(e) => {
            return Verdict::Later {
                status: Some(status),
                error: format!(
                    "{}: {url} answered {status} but the answer broke off: {e}; the message will be sent again",
                    client.name()
                ),
                after: None,
            };
        }
    };
    judge(client.name(), url, status, &body, retry_after)
}

async fn read_capped(mut response: reqwest::Response) -> Result<String, String> {
    let mut out = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| crate::transport::error_chain(&e))?
    {
        if out.len() < MAX_ANSWER {
            out.extend_from_slice(&chunk[..chunk.len().min(MAX_ANSWER - out.len())]);
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// What an answer means for the message.
fn judge(
    target: &str,
    url: &str,
    status: u16,
    body: &str,
    retry_after: Option<Duration>,
) -> Verdict {
    let said = || {
        let m = collector_message(body);
        if m.is_empty() {
            String::new()
        } else {
            format!(": {m}")
        }
    };
    match status {
        200..=299 => Verdict::Acknowledged {
            status: Some(status),
            receipt: body.to_owned(),
        },
        401 | 403 => Verdict::Refused {
            status: Some(status),
            error: format!(
                "{target}: the collector refused the credentials or the rights (HTTP {status}){}; check the token in [targets.{target}].auth and what the collector lets it submit, then `sdmxgw outbox retry`",
                one_line(&said(), 500)
            ),
        },
        422 | 400 => Verdict::Refused {
            status: Some(status),
            error: format!(
                "{target}: the collector found the message invalid (HTTP {status}){}",
                said()
            ),
        },
        404 => Verdict::Refused {
            status: Some(status),
            error: format!(
                "{target}: {url} answered 404{}; the collector does not know the message's dataflow, or the url in [targets.{target}] is wrong",
                one_line(&said(), 500)
            ),
        },
        413 => Verdict::Refused {
            status: Some(status),
            error: format!(
                "{target}: the message is larger than the collector accepts (HTTP 413){}; split it",
                one_line(&said(), 500)
            ),
        },
        // "Already busy with data for the same scope": nothing was applied.
        409 => Verdict::Later {
            status: Some(status),
            error: format!(
                "{target}: the collector is busy with the same scope (HTTP 409){}",
                one_line(&said(), 500)
            ),
            after: retry_after,
        },
        s if crate::transport::status_is_transient(s) => Verdict::Later {
            status: Some(status),
            error: format!(
                "{target}: {url} answered {status}{}",
                one_line(&said(), 500)
            ),
            after: retry_after,
        },
        _ => Verdict::Refused {
            status: Some(status),
            error: format!(
                "{target}: {url} answered {status}{}",
                one_line(&said(), 500)
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(v: &Verdict) -> &'static str {
        match v {
            Verdict::Acknowledged { .. } => "ack",
            Verdict::Refused { .. } => "refused",
            Verdict::Later { .. } => "later",
        }
    }

    #[test]
    fn statuses() {
        for (s, k) in [
            (200, "ack"),
            (201, "ack"),
            (401, "refused"),
            (403, "refused"),
            (404, "refused"),
            (413, "refused"),
            (422, "refused"),
            (501, "refused"),
            (409, "later"),
            (429, "later"),
            (503, "later"),
        ] {
            assert_eq!(kind(&judge("t", "u", s, "", None)), k, "{s}");
        }
        let Verdict::Refused { error, .. } = judge("ilo", "u", 401, "", None) else {
            panic!()
        };
        assert!(error.contains("[targets.ilo].auth"), "{error}");
    }
}
