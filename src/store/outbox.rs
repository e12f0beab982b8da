//! The outbox table: messages waiting to be pushed to a target, their
//! attempts, and the receipt the target gave back.
//!
//! Not part of the [`super::Store`] trait: the outbox belongs to the gateway's
//! own database whatever holds the data. The payload files live beside the
//! database (see `crate::push::Outbox`); this module only keeps the rows.

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::sqlite::SqliteStore;
use super::time::{Timestamp, format_timestamp};
use super::{StoreError, sql};

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboxState {
    /// Waiting for its next attempt.
    Pending,
    /// An attempt started and has not ended (or the process died during it;
    /// the next delivery resumes it).
    Delivering,
    /// The target acknowledged it; the receipt is stored.
    Acknowledged,
    /// The target refused it for good (invalid, unauthorised); the error says why.
    Failed,
}

impl OutboxState {
    /// The word stored and shown.
    pub fn name(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Delivering => "delivering",
            OutboxState::Acknowledged => "acknowledged",
            OutboxState::Failed => "failed",
        }
    }

    /// Parses a stored or typed state name.
    pub fn parse(s: &str) -> Option<OutboxState> {
        Some(match s {
            "pending" => OutboxState::Pending,
            "delivering" => OutboxState::Delivering,
            "acknowledged" => OutboxState::Acknowledged,
            "failed" => OutboxState::Failed,
            _ => return None,
        })
    }
}

/// A message to add to the outbox.
#[derive(Debug, Clone)]
pub struct NewOutboxEntry<'a> {
    /// The target's name (`[targets.NAME]`).
    pub target: &'a str,
    /// Lowercase hex SHA-256 of the payload.
    pub sha256: &'a str,
    /// The file name the message came with (directory drops keep it).
    pub name: &'a str,
    /// The SDMX media type of the payload, when known.
    pub media_type: Option<&'a str>,
    /// The payload's size.
    pub bytes: u64,
}

/// One outbox row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxRecord {
    /// The message's id in the outbox.
    pub id: i64,
    /// The target's name.
    pub target: String,
    /// Lowercase hex SHA-256 of the payload (also the payload file's name).
    pub sha256: String,
    /// The file name the message came with.
    pub name: String,
    /// The SDMX media type sent as `Content-Type`.
    pub media_type: Option<String>,
    /// The payload's size in bytes.
    pub bytes: u64,
    /// Where it stands.
    pub state: OutboxState,
    /// Delivery attempts started so far.
    pub attempts: u32,
    /// When it was queued (RFC 3339).
    pub created: String,
    /// When the last attempt started.
    pub last_attempt: Option<String>,
    /// When the next attempt is due (pending messages).
    pub next_attempt: Option<String>,
    /// `next_attempt` in µs since the epoch.
    #[serde(skip)]
    pub next_attempt_at: Timestamp,
    /// When the target acknowledged it.
    pub acknowledged: Option<String>,
    /// The HTTP status of the last answer, if any.
    pub http_status: Option<u16>,
    /// Why the last attempt did not succeed.
    pub last_error: Option<String>,
    /// What the target answered on acknowledgement (a `SubmitDataResponse`, a
    /// manifest entry).
    pub receipt: Option<String>,
}

const COLUMNS: &str = "id, target, sha256, name, media_type, bytes, state, attempts, created_at,
     last_attempt_at, next_attempt_at, acknowledged_at, http_status, last_error, receipt";

fn record(r: &Row<'_>) -> rusqlite::Result<OutboxRecord> {
    let state: String = r.get(6)?;
    let state = OutboxState::parse(&state).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            6,
            rusqlite::types::Type::Text,
            format!("unknown outbox state {state:?}").into(),
        )
    })?;
    let next: Timestamp = r.get(10)?;
    Ok(OutboxRecord {
        id: r.get(0)?,
        target: r.get(1)?,
        sha256: r.get(2)?,
        name: r.get(3)?,
        media_type: r.get(4)?,
        bytes: r.get::<_, i64>(5)?.max(0) as u64,
        state,
        attempts: r.get::<_, i64>(7)?.clamp(0, u32::MAX as i64) as u32,
        created: format_timestamp(r.get(8)?),
        last_attempt: r.get::<_, Option<Timestamp>>(9)?.map(format_timestamp),
        next_attempt: matches!(state, OutboxState::Pending | OutboxState::Delivering)
            .then(|| format_timestamp(next)),
        next_attempt_at: next,
        acknowledged: r.get::<_, Option<Timestamp>>(11)?.map(format_timestamp),
        http_status: r
            .get::<_, Option<i64>>(12)?
            .and_then(|s| u16::try_from(s).ok()),
        last_error: r.get(13)?,
        receipt: r.get(14)?,
    })
}

impl SqliteStore {
    /// Adds a message unless the same content is already queued for the
    /// target. Returns its id and whether it is new.
    pub fn outbox_add(
        &self,
        entry: &NewOutboxEntry<'_>,
        now: Timestamp,
    ) -> Result<(i64, bool), StoreError> {
        let added = self
            .conn()
            .execute(
                "INSERT INTO outbox (target, sha256, name, media_type, bytes, state, created_at, next_attempt_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6) ON CONFLICT (target, sha256) DO NOTHING",
                params![
                    entry.target,
                    entry.sha256,
                    entry.name,
                    entry.media_type,
                    entry.bytes as i64,
                    now
                ],
            )
            .map_err(sql("queue a message"))?;
        let id: i64 = self
            .conn()
            .query_row(
                "SELECT id FROM outbox WHERE target = ?1 AND sha256 = ?2",
                params![entry.target, entry.sha256],
                |r| r.get(0),
            )
            .map_err(sql("find a queued message"))?;
        Ok((id, added == 1))
    }

    /// One message by id.
    pub fn outbox_get(&self, id: i64) -> Result<Option<OutboxRecord>, StoreError> {
        self.conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"),
                [id],
                record,
            )
            .optional()
            .map_err(sql("read an outbox message"))
    }

    /// Every message (in one state when given), oldest first.
    pub fn outbox_list(&self, state: Option<OutboxState>) -> Result<Vec<OutboxRecord>, StoreError> {
        let mut st = self
            .conn()
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM outbox WHERE ?1 IS NULL OR state = ?1 ORDER BY id"
            ))
            .map_err(sql("list the outbox"))?;
        st.query_map([state.map(OutboxState::name)], record)
            .and_then(|rows| rows.collect())
            .map_err(sql("list the outbox"))
    }

    /// Messages to attempt now: pending ones whose time has come, and those an
    /// earlier process left `delivering`.
    pub fn outbox_due(&self, now: Timestamp) -> Result<Vec<OutboxRecord>, StoreError> {
        let mut st = self
            .conn()
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM outbox WHERE state IN ('pending', 'delivering')
                 AND next_attempt_at <= ?1 ORDER BY id"
            ))
            .map_err(sql("list due messages"))?;
        st.query_map([now], record)
            .and_then(|rows| rows.collect())
            .map_err(sql("list due messages"))
    }

    /// Records that an attempt starts (before the first byte leaves). `false`
    /// when the message is no longer waiting (acknowledged or failed meanwhile).
    pub fn outbox_begin_attempt(&self, id: i64, now: Timestamp) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .execute(
                "UPDATE outbox SET state = 'delivering', attempts = attempts + 1, last_attempt_at = ?2
                 WHERE id = ?1 AND state IN ('pending', 'delivering')",
                params![id, now],
            )
            .map_err(sql("record an attempt"))?;
        Ok(n == 1)
    }

    /// Records the target's acknowledgement and its receipt.
    pub fn outbox_acknowledge(
        &self,
        id: i64,
        now: Timestamp,
        http_status: Option<u16>,
        receipt: &str,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE outbox SET state = 'acknowledged', acknowledged_at = ?2, http_status = ?3,
                 receipt = ?4, last_error = NULL WHERE id = ?1",
                params![id, now, http_status, receipt],
            )
            .map_err(sql("record an acknowledgement"))?;
        Ok(())
    }

    /// Puts a message back to wait until `next` after a transient failure.
    pub fn outbox_postpone(
        &self,
        id: i64,
        next: Timestamp,
        http_status: Option<u16>,
        error: &str,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE outbox SET state = 'pending', next_attempt_at = ?2, http_status = ?3,
                 last_error = ?4 WHERE id = ?1 AND state != 'acknowledged'",
                params![id, next, http_status, error],
            )
            .map_err(sql("postpone a message"))?;
        Ok(())
    }

    /// Marks a message refused for good.
    pub fn outbox_fail(
        &self,
        id: i64,
        http_status: Option<u16>,
        error: &str,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE outbox SET state = 'failed', http_status = ?2, last_error = ?3
                 WHERE id = ?1 AND state != 'acknowledged'",
                params![id, http_status, error],
            )
            .map_err(sql("mark a message failed"))?;
        Ok(())
    }

    /// Makes a message (pending, interrupted or failed) due now. `false` when
    /// there is no such message or it is already acknowledged.
    pub fn outbox_requeue(&self, id: i64, now: Timestamp) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .execute(
                "UPDATE outbox SET state = 'pending', next_attempt_at = ?2
                 WHERE id = ?1 AND state != 'acknowledged'",
                params![id, now],
            )
            .map_err(sql("requeue a message"))?;
        Ok(n == 1)
    }

    /// Makes every unacknowledged message due now (failed ones too when
    /// `failed`); returns how many.
    pub fn outbox_requeue_all(&self, now: Timestamp, failed: bool) -> Result<usize, StoreError> {
        self.conn()
            .execute(
                "UPDATE outbox SET state = 'pending', next_attempt_at = ?1
                 WHERE state IN ('pending', 'delivering') OR (?2 AND state = 'failed')",
                params![now, failed],
            )
            .map_err(sql("requeue messages"))
    }

    /// Whether some message with this content still needs its payload file.
    pub fn outbox_payload_needed(&self, sha256: &str) -> Result<bool, StoreError> {
        self.conn()
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM outbox WHERE sha256 = ?1 AND state != 'acknowledged')",
                [sha256],
                |r| r.get(0),
            )
            .map_err(sql("look for queued payloads"))
    }
}
