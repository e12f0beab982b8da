//! The record of exchange runs: one row per run, written when it starts
//! (`running`) and completed when it ends, so a run cut short by a crash is
//! found and marked `interrupted` on the next start.
//!
//! Not part of the [`super::Store`] trait: the run log belongs to the
//! gateway's own database whatever holds the data.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::sqlite::SqliteStore;
use super::time::{Timestamp, format_timestamp};
use super::{StoreError, sql};

/// How a run ended (or that it has not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Still going (or the process died; see `Interrupted`).
    Running,
    /// Every input moved; nothing invalid held back.
    Ok,
    /// It ran, but invalid data was rejected or quarantined.
    Invalid,
    /// An input or a target failed; the error says which.
    Failed,
    /// The gateway stopped while it ran (found on the next start).
    Interrupted,
}

impl RunStatus {
    /// The word stored and shown.
    pub fn name(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Ok => "ok",
            RunStatus::Invalid => "invalid",
            RunStatus::Failed => "failed",
            RunStatus::Interrupted => "interrupted",
        }
    }

    fn parse(s: &str) -> Option<RunStatus> {
        Some(match s {
            "running" => RunStatus::Running,
            "ok" => RunStatus::Ok,
            "invalid" => RunStatus::Invalid,
            "failed" => RunStatus::Failed,
            "interrupted" => RunStatus::Interrupted,
            _ => return None,
        })
    }
}

/// What validation found in a run, in short.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingsSummary {
    /// Errors found (every one counted).
    pub errors: u64,
    /// Warnings found.
    pub warnings: u64,
    /// Count per rule code (`E301`).
    pub by_rule: BTreeMap<String, u64>,
    /// The first few findings as one line each.
    pub first: Vec<String>,
}

/// The counts a run ends with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunCounts {
    /// Observations read from the inputs.
    pub pulled: u64,
    /// Observations that passed validation (under the policy).
    pub valid: u64,
    /// Observations held back as invalid.
    pub invalid: u64,
    /// Observations written into the store (changed or new).
    pub stored: u64,
    /// Observations handed to targets (summed over targets).
    pub pushed: u64,
}

/// One recorded run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The run's id.
    pub id: i64,
    /// The exchange's name.
    pub exchange: String,
    /// What started it: `schedule`, `catch-up`, `start` or `manual`.
    pub trigger: String,
    /// When it started (µs since the epoch).
    pub started_at: Timestamp,
    /// `started_at` as RFC 3339.
    pub started: String,
    /// When it ended, if it did.
    pub ended: Option<String>,
    /// How it ended.
    pub status: RunStatus,
    /// Its counts.
    #[serde(flatten)]
    pub counts: RunCounts,
    /// What validation found.
    pub findings: FindingsSummary,
    /// Why it failed (or what failed, for a partial run).
    pub error: Option<String>,
}

impl SqliteStore {
    /// Records that a run started; returns its id.
    pub fn begin_run(
        &self,
        exchange: &str,
        trigger: &str,
        at: Timestamp,
    ) -> Result<i64, StoreError> {
        self.conn()
            .execute(
                "INSERT INTO exchange_runs (exchange, trigger, started_at, status) VALUES (?1, ?2, ?3, 'running')",
                params![exchange, trigger, at],
            )
            .map_err(sql("record a run"))?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Completes a run's record.
    pub fn finish_run(
        &self,
        id: i64,
        at: Timestamp,
        status: RunStatus,
        counts: &RunCounts,
        findings: &FindingsSummary,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let findings = serde_json::to_string(findings).map_err(|e| StoreError::Damaged {
            what: "run findings",
            message: e.to_string(),
        })?;
        self.conn()
            .execute(
                "UPDATE exchange_runs SET ended_at = ?2, status = ?3, pulled = ?4, valid = ?5,
                 invalid = ?6, stored = ?7, pushed = ?8, findings = ?9, error = ?10 WHERE id = ?1",
                params![
                    id,
                    at,
                    status.name(),
                    counts.pulled as i64,
                    counts.valid as i64,
                    counts.invalid as i64,
                    counts.stored as i64,
                    counts.pushed as i64,
                    findings,
                    error
                ],
            )
            .map_err(sql("complete a run record"))?;
        Ok(())
    }

    /// Marks every run still `running` as `interrupted` (call once at start,
    /// before any run begins); returns how many there were.
    pub fn interrupt_running(&self, at: Timestamp) -> Result<usize, StoreError> {
        self.conn()
            .execute(
                "UPDATE exchange_runs SET status = 'interrupted', ended_at = ?1,
                 error = 'the gateway stopped while the run was going' WHERE status = 'running'",
                [at],
            )
            .map_err(sql("mark interrupted runs"))
    }

    /// The runs of one exchange (all exchanges when `None`), newest first.
    pub fn runs(&self, exchange: Option<&str>, limit: u32) -> Result<Vec<RunRecord>, StoreError> {
        let mut st = self
            .conn()
            .prepare_cached(
                "SELECT id, exchange, trigger, started_at, ended_at, status, pulled, valid, invalid,
                 stored, pushed, findings, error FROM exchange_runs
                 WHERE ?1 IS NULL OR exchange = ?1 ORDER BY id DESC LIMIT ?2",
            )
            .map_err(sql("list runs"))?;
        let rows = st
            .query_map(params![exchange, limit], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                    r.get::<_, String>(5)?,
                    [
                        r.get::<_, i64>(6)?,
                        r.get::<_, i64>(7)?,
                        r.get::<_, i64>(8)?,
                        r.get::<_, i64>(9)?,
                        r.get::<_, i64>(10)?,
                    ],
                    r.get::<_, Option<String>>(11)?,
                    r.get::<_, Option<String>>(12)?,
                ))
            })
            .map_err(sql("list runs"))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, exchange, trigger, started_at, ended_at, status, n, findings, error) =
                row.map_err(sql("list runs"))?;
            let status = RunStatus::parse(&status).ok_or_else(|| StoreError::Damaged {
                what: "run status",
                message: status.clone(),
            })?;
            let findings = match findings {
                Some(text) => serde_json::from_str(&text).map_err(|e| StoreError::Damaged {
                    what: "run findings",
                    message: e.to_string(),
                })?,
                None => FindingsSummary::default(),
            };
            out.push(RunRecord {
                id,
                exchange,
                trigger,
                started_at,
                started: format_timestamp(started_at),
                ended: ended_at.map(format_timestamp),
                status,
                counts: RunCounts {
                    pulled: n[0] as u64,
                    valid: n[1] as u64,
                    invalid: n[2] as u64,
                    stored: n[3] as u64,
                    pushed: n[4] as u64,
                },
                findings,
                error,
            });
        }
        Ok(out)
    }

    /// When the exchange's latest run started, if it ever ran.
    pub fn last_run_start(&self, exchange: &str) -> Result<Option<Timestamp>, StoreError> {
        self.conn()
            .query_row(
                "SELECT MAX(started_at) FROM exchange_runs WHERE exchange = ?1",
                [exchange],
                |r| r.get(0),
            )
            .map_err(sql("find the last run"))
    }

    /// The content hash last moved for an exchange's input.
    pub fn input_seen(&self, exchange: &str, input: &str) -> Result<Option<String>, StoreError> {
        self.conn()
            .query_row(
                "SELECT sha256 FROM exchange_inputs WHERE exchange = ?1 AND input = ?2",
                [exchange, input],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql("look up an exchange input"))
    }

    /// Records that an input with this content was moved completely.
    pub fn record_input(
        &self,
        exchange: &str,
        input: &str,
        sha256: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "INSERT INTO exchange_inputs (exchange, input, sha256, seen_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (exchange, input) DO UPDATE SET sha256 = excluded.sha256, seen_at = excluded.seen_at",
                params![exchange, input, sha256, at],
            )
            .map_err(sql("record an exchange input"))?;
        Ok(())
    }
}
