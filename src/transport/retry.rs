//! Retry policy: which failures are worth another attempt, and when.

use std::time::{Duration, SystemTime};

use backon::ExponentialBuilder;
use serde::Deserialize;

/// How often and how patiently to retry (`[sources.X.retry]`, `[targets.X.retry]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: usize,
    /// The first wait, in milliseconds; it doubles at each retry, with jitter.
    pub initial_delay_ms: u64,
    /// The longest wait between two attempts, in seconds (a `Retry-After`
    /// longer than this is cut to it).
    pub max_delay_secs: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            initial_delay_ms: 500,
            max_delay_secs: 60,
        }
    }
}

impl RetryPolicy {
    /// The backoff schedule: exponential with jitter, so that many gateways
    /// retrying one collector do not all come back at the same instant.
    pub fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(self.initial_delay_ms))
            .with_max_delay(self.max_delay())
            .with_max_times(self.max_attempts.saturating_sub(1))
            .with_jitter()
    }

    /// The cap on any single wait.
    pub fn max_delay(&self) -> Duration {
        Duration::from_secs(self.max_delay_secs.max(1))
    }
}

/// Whether an HTTP status means "try again later" rather than "this request is wrong".
pub fn status_is_transient(status: u16) -> bool {
    matches!(status, 408 | 425 | 429 | 500 | 502 | 503 | 504)
}

/// Parses a `Retry-After` value: delay seconds or an HTTP date.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:40 GMT", now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:30 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn transient_statuses() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(status_is_transient(s), "{s}");
        }
        for s in [200, 400, 401, 403, 404, 406, 413, 422, 501] {
            assert!(!status_is_transient(s), "{s}");
        }
    }
}
