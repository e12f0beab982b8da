//! What incremental pulls remember between runs: per source, dataflow and key,
//! when the last pull succeeded and the ETag / Last-Modified the source sent.
//!
//! Not part of the [`super::Store`] trait, like the run log: it belongs to the
//! gateway's own database.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::sqlite::SqliteStore;
use super::time::Timestamp;
use super::{StoreError, sql};

/// The memory of the last successful pull of one source / dataflow / key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PullState {
    /// The `[sources.NAME]`.
    pub source: String,
    /// The dataflow, `AGENCY:ID(VERSION)`.
    pub dataflow: String,
    /// The SDMX REST key (`all` for everything).
    pub key: String,
    /// When the last successful pull started (µs since the epoch); the next
    /// pull asks for `updatedAfter` this time.
    pub last_success: Timestamp,
    /// The `ETag` the source sent then (sent back as `If-None-Match`).
    pub etag: Option<String>,
    /// The `Last-Modified` it sent (sent back as `If-Modified-Since`).
    pub last_modified: Option<String>,
    /// Observations the pull brought.
    pub observations: u64,
}

impl SqliteStore {
    /// The state of the last successful pull of `source` / `dataflow` / `key`.
    pub fn pull_state(
        &self,
        source: &str,
        dataflow: &str,
        key: &str,
    ) -> Result<Option<PullState>, StoreError> {
        self.conn()
            .query_row(
                "SELECT last_success, etag, last_modified, observations FROM pull_state
                 WHERE source = ?1 AND dataflow = ?2 AND key = ?3",
                params![source, dataflow, key],
                |r| {
                    Ok(PullState {
                        source: source.to_owned(),
                        dataflow: dataflow.to_owned(),
                        key: key.to_owned(),
                        last_success: r.get(0)?,
                        etag: r.get(1)?,
                        last_modified: r.get(2)?,
                        observations: r.get::<_, i64>(3)?.max(0) as u64,
                    })
                },
            )
            .optional()
            .map_err(sql("read the pull state"))
    }

    /// Records a successful pull (replacing the previous record).
    pub fn record_pull(&self, state: &PullState) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "INSERT INTO pull_state (source, dataflow, key, last_success, etag, last_modified, observations)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (source, dataflow, key) DO UPDATE SET
                   last_success = excluded.last_success, etag = excluded.etag,
                   last_modified = excluded.last_modified, observations = excluded.observations",
                params![
                    state.source,
                    state.dataflow,
                    state.key,
                    state.last_success,
                    state.etag,
                    state.last_modified,
                    i64::try_from(state.observations).unwrap_or(i64::MAX)
                ],
            )
            .map(|_| ())
            .map_err(sql("record the pull state"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_and_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("s.db")).unwrap();
        assert!(store.pull_state("s", "F", "all").unwrap().is_none());
        let mut st = PullState {
            source: "s".into(),
            dataflow: "F".into(),
            key: "all".into(),
            last_success: 5,
            etag: Some("\"v1\"".into()),
            last_modified: None,
            observations: 3,
        };
        store.record_pull(&st).unwrap();
        assert_eq!(store.pull_state("s", "F", "all").unwrap(), Some(st.clone()));
        st.last_success = 9;
        st.etag = None;
        store.record_pull(&st).unwrap();
        assert_eq!(store.pull_state("s", "F", "all").unwrap(), Some(st));
        assert!(store.pull_state("s", "F", "PHL..").unwrap().is_none());
    }
}
