//! The HTTP client that pull sources and push targets share: authentication,
//! extra headers, User-Agent, timeouts, a rate limit and retries with
//! exponential backoff that honour `Retry-After`.
//!
//! Callers build a fresh request for every attempt (a body stream cannot be
//! replayed), and get back the first response that is not worth retrying —
//! 404, 406, 413 and friends are theirs to interpret.

mod auth;
mod rate;
mod retry;

use std::time::{Duration, SystemTime};

use backon::Retryable;
use indexmap::IndexMap;
use serde::Deserialize;

pub use auth::{Auth, Secret};
pub use rate::RateLimiter;
pub use retry::{RetryPolicy, parse_retry_after, status_is_transient};

/// The User-Agent sent when a source or target names none.
pub const DEFAULT_USER_AGENT: &str = concat!("sdmx-gateway/", env!("CARGO_PKG_VERSION"));

/// Connection settings of one source or target, flattened into its
/// `[sources.NAME]` / `[targets.NAME]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct HttpSettings {
    /// Credentials.
    pub auth: Auth,
    /// Extra headers sent with every request.
    pub headers: IndexMap<String, String>,
    /// The User-Agent (statistics offices like to know who calls).
    pub user_agent: Option<String>,
    /// Seconds a whole request (connect, send, read the body) may take.
    pub timeout_secs: u64,
    /// Seconds to establish a connection.
    pub connect_timeout_secs: u64,
    /// The most requests per second (none = unlimited).
    pub rate_limit_per_sec: Option<f64>,
    /// Retries of transient failures.
    pub retry: RetryPolicy,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            auth: Auth::None,
            headers: IndexMap::new(),
            user_agent: None,
            timeout_secs: 300,
            connect_timeout_secs: 15,
            rate_limit_per_sec: None,
            retry: RetryPolicy::default(),
        }
    }
}

/// Why a request to a source or target failed. Every message names the
/// endpoint and the URL and says what the operator can do.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The settings cannot be used (bad header, missing secret variable).
    #[error("{endpoint}: {message}")]
    Config {
        /// The source or target name.
        endpoint: String,
        /// What is wrong.
        message: String,
    },
    /// No response: connection refused, DNS, TLS, timeout, dropped connection.
    #[error(
        "{endpoint}: request to {url} failed after {attempts} attempt(s): {message}; check that the service is up and the URL in the config is right, then retry"
    )]
    Unreachable {
        /// The source or target name.
        endpoint: String,
        /// The URL.
        url: String,
        /// Attempts made.
        attempts: usize,
        /// The underlying error, with its causes.
        message: String,
    },
    /// The service kept answering with a transient error status.
    #[error(
        "{endpoint}: {url} answered {status} after {attempts} attempt(s){snippet}; the service is overloaded or down, try again later or raise retry.max_attempts"
    )]
    Unavailable {
        /// The source or target name.
        endpoint: String,
        /// The URL.
        url: String,
        /// The last status.
        status: u16,
        /// Attempts made.
        attempts: usize,
        /// The start of the last response body, prefixed with ": " (or empty).
        snippet: String,
    },
}

/// The outcome of one attempt, kept whole so the retry loop can decide.
enum Attempt {
    Transport(reqwest::Error),
    Transient {
        status: u16,
        retry_after: Option<Duration>,
        snippet: String,
    },
}

/// An HTTP client for one named source or target.
#[derive(Debug)]
pub struct HttpClient {
    name: String,
    client: reqwest::Client,
    auth: auth::ResolvedAuth,
    retry: RetryPolicy,
    limiter: Option<RateLimiter>,
}

impl HttpClient {
    /// Builds the client; fails on a bad header or a missing secret.
    pub fn new(name: &str, settings: &HttpSettings) -> Result<Self, TransportError> {
        let config_err = |message: String| TransportError::Config {
            endpoint: name.to_owned(),
            message,
        };
        let mut headers = reqwest::header::HeaderMap::new();
        for (k, v) in &settings.headers {
            let key = reqwest::header::HeaderName::from_bytes(k.as_bytes())
                .map_err(|e| config_err(format!("header name {k:?}: {e}")))?;
            let value = reqwest::header::HeaderValue::from_str(v)
                .map_err(|e| config_err(format!("header {k}: {e}")))?;
            headers.insert(key, value);
        }
        let client = reqwest::Client::builder()
            .user_agent(
                settings
                    .user_agent
                    .clone()
                    .unwrap_or_else(|| DEFAULT_USER_AGENT.to_owned()),
            )
            .default_headers(headers)
            .timeout(Duration::from_secs(settings.timeout_secs.max(1)))
            .connect_timeout(Duration::from_secs(settings.connect_timeout_secs.max(1)))
            .build()
            .map_err(|e| config_err(format!("cannot build HTTP client: {e}")))?;
        Ok(HttpClient {
            name: name.to_owned(),
            client,
            auth: settings.auth.resolve(name)?,
            retry: settings.retry.clone(),
            limiter: settings.rate_limit_per_sec.and_then(RateLimiter::new),
        })
    }

    /// The source or target name, for messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A request with this endpoint's credentials applied; pass it back to
    /// [`HttpClient::send`] from a closure so each attempt gets a fresh one.
    pub fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        self.auth.apply(self.client.request(method, url))
    }

    /// Sends the request `make` builds, retrying connection failures and
    /// transient statuses (408, 425, 429, 5xx but 501) with backoff and
    /// `Retry-After`. Returns the first response that is not transient.
    pub async fn send<F>(&self, url: &str, make: F) -> Result<reqwest::Response, TransportError>
    where
        F: Fn() -> reqwest::RequestBuilder,
    {
        let mut attempts = 0usize;
        let max_delay = self.retry.max_delay();
        let result = (|| async {
            if let Some(limiter) = &self.limiter {
                limiter.acquire().await;
            }
            let response = make().send().await.map_err(Attempt::Transport)?;
            let status = response.status().as_u16();
            if !status_is_transient(status) {
                return Ok(response);
            }
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, SystemTime::now()));
            let body = response.text().await.unwrap_or_default();
            Err(Attempt::Transient {
                status,
                retry_after,
                snippet: snippet(&body),
            })
        })
        .retry(self.retry.backoff())
        .when(|a| match a {
            // A request that cannot be built will not build next time either.
            Attempt::Transport(e) => !e.is_builder(),
            Attempt::Transient { .. } => true,
        })
        .adjust(|a, planned| match (a, planned) {
            (
                Attempt::Transient {
                    retry_after: Some(wait),
                    ..
                },
                Some(_),
            ) => Some((*wait).min(max_delay)),
            (_, planned) => planned,
        })
        .notify(|a, wait| {
            attempts += 1;
            let why = match a {
                Attempt::Transport(e) => error_chain(e),
                Attempt::Transient { status, .. } => format!("HTTP {status}"),
            };
            tracing::warn!(endpoint = %self.name, %url, %why, ?wait, "retrying");
        })
        .await;
        let attempts = attempts + 1;
        result.map_err(|a| match a {
            Attempt::Transport(e) => TransportError::Unreachable {
                endpoint: self.name.clone(),
                url: url.to_owned(),
                attempts,
                message: error_chain(&e),
            },
            Attempt::Transient {
                status, snippet, ..
            } => TransportError::Unavailable {
                endpoint: self.name.clone(),
                url: url.to_owned(),
                status,
                attempts,
                snippet,
            },
        })
    }
}

/// The error and its causes on one line (reqwest's own message is terse:
/// "error sending request" hides "connection refused").
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = c.source();
    }
    out
}

/// The first 200 characters of a body, on one line, as ": …" for messages.
fn snippet(body: &str) -> String {
    let one_line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.is_empty() {
        return String::new();
    }
    let cut: String = one_line.chars().take(200).collect();
    format!(": {cut}")
}
