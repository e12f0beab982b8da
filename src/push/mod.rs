//! Pushing messages to collectors exactly once: the [`Outbox`] and the
//! [`Targets`] it delivers to.
//!
//! A message is copied into the outbox (a payload file beside the database,
//! written atomically, and a row in the `outbox` table) *before* the first
//! attempt. Each attempt is recorded before a byte leaves; an acknowledgement
//! stores the collector's receipt; a refusal (invalid, unauthorised) marks the
//! message failed with the collector's reason; anything transient leaves it
//! pending with a next-attempt time. A process killed at any moment leaves the
//! row pending or `delivering`, and the next delivery sends the same bytes
//! again: the collector recognises a repeated message by its id and content
//! hash (`sdmxgw serve` answers with the original receipt), and a directory
//! target by the file's SHA-256, so nothing is applied twice.

mod directory;
mod queue;
mod receipt;
mod rest;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use indexmap::IndexMap;
use indicatif::ProgressBar;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::TargetConfig;
use crate::format::DataFormat;
use crate::store::{
    NewOutboxEntry, OutboxRecord, OutboxState, SqliteStore, StoreError, Timestamp, now_micros,
};
use crate::transport::{HttpClient, TransportError};

pub use queue::QueueDeliver;
pub use receipt::summarize as summarize_receipt;

/// The first wait after a transient failure; it doubles per attempt.
const FIRST_RETRY: Duration = Duration::from_secs(30);
/// The longest wait between two delivery attempts of one message.
const LONGEST_RETRY: Duration = Duration::from_secs(3600);

/// Why the outbox could not do what was asked (delivery failures are not
/// errors: they are recorded on the message).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PushError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, naming the file.
        context: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not an SDMX data message.
    #[error(
        "{0}: not a data message this gateway reads (SDMX-ML 2.1/3.0 data, SDMX-CSV 1.0/2.0, SDMX-JSON 1.0/2.0)"
    )]
    NotData(String),
    /// No `[targets.NAME]` of that name.
    #[error("no target {name:?} is configured{known}; add [targets.{name}] to the config")]
    UnknownTarget {
        /// The name asked for.
        name: String,
        /// ", known: a, b" or empty.
        known: String,
    },
    /// A target's settings cannot be used (bad header, missing secret).
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// No message with that id.
    #[error("the outbox holds no message {0}; see `sdmxgw outbox list`")]
    NoSuchMessage(i64),
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> PushError {
    let context = context.into();
    move |source| PushError::Io { context, source }
}

/// A target ready to deliver to.
#[derive(Debug)]
enum Target {
    Rest { client: HttpClient, url: String },
    Directory { path: PathBuf },
}

/// The configured targets with their HTTP clients built (secrets resolved), by name.
#[derive(Debug, Default)]
pub struct Targets {
    map: IndexMap<String, Target>,
}

impl Targets {
    /// Builds every target; a missing secret or a bad header is an error naming
    /// the target, so it shows at start-up rather than at the first delivery.
    pub fn from_config(config: &IndexMap<String, TargetConfig>) -> Result<Targets, PushError> {
        let mut map = IndexMap::new();
        for (name, t) in config {
            let target = match t {
                TargetConfig::SdmxRest(r) => Target::Rest {
                    client: HttpClient::new(name, &r.http)?,
                    url: r.data_url(),
                },
                TargetConfig::Directory(d) => Target::Directory {
                    path: d.path.clone(),
                },
            };
            map.insert(name.clone(), target);
        }
        Ok(Targets { map })
    }

    /// The target names, in config order.
    pub fn names(&self) -> Vec<&str> {
        self.map.keys().map(String::as_str).collect()
    }

    /// Fails unless `name` is configured.
    pub fn require(&self, name: &str) -> Result<(), PushError> {
        if self.map.contains_key(name) {
            return Ok(());
        }
        Err(unknown_target(name, &self.names()))
    }
}

/// The error for a target name that is not configured.
pub fn unknown_target(name: &str, known: &[&str]) -> PushError {
    PushError::UnknownTarget {
        name: name.to_owned(),
        known: if known.is_empty() {
            " (none is)".to_owned()
        } else {
            format!(", known: {}", known.join(", "))
        },
    }
}

/// What [`Outbox::enqueue`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Enqueued {
    /// The message's id in the outbox.
    pub id: i64,
    /// `false` when the same content was already queued for the target (the
    /// existing message is reused, never a second one).
    pub new: bool,
    /// Where it stands now.
    pub state: OutboxState,
}

/// Which messages [`Outbox::retry`] makes due now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// One message (pending, interrupted or failed).
    One(i64),
    /// Every pending and interrupted message.
    Waiting,
    /// Every message not acknowledged, failed ones included.
    All,
}

/// Options of a delivery run.
#[derive(Debug, Clone, Default)]
pub struct DeliverOptions {
    /// A bar advanced by the bytes sent (the caller decides where it draws).
    pub progress: Option<ProgressBar>,
}

/// What one delivery run did: each message attempted, as it stands after.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DeliveryReport {
    /// The messages attempted, in order.
    pub messages: Vec<OutboxRecord>,
    /// Messages left alone because their target is not configured.
    pub skipped: Vec<String>,
}

impl DeliveryReport {
    /// How many are in `state`.
    pub fn count(&self, state: OutboxState) -> usize {
        self.messages.iter().filter(|m| m.state == state).count()
    }
}

/// The outbox: payload files in a folder beside the database, rows in it.
#[derive(Debug)]
pub struct Outbox {
    db: Mutex<SqliteStore>,
    dir: PathBuf,
}

/// How an attempt ended, before it is recorded.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// The target took it; `receipt` is what it answered.
    Acknowledged {
        status: Option<u16>,
        receipt: String,
    },
    /// The target refused it for good.
    Refused { status: Option<u16>, error: String },
    /// Try again later.
    Later {
        status: Option<u16>,
        error: String,
        after: Option<Duration>,
    },
}

impl Outbox {
    /// Opens the outbox of the gateway whose database is `store` (migrating
    /// it); payloads go to the `outbox/` folder beside it.
    pub fn open(store: &Path) -> Result<Outbox, PushError> {
        let parent = match store.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent)
            .map_err(io(format!("cannot create {}", parent.display())))?;
        let db = SqliteStore::open(store)?;
        let dir = parent.join("outbox");
        std::fs::create_dir_all(&dir).map_err(io(format!("cannot create {}", dir.display())))?;
        remove_stale_copies(&dir);
        Ok(Outbox {
            db: Mutex::new(db),
            dir,
        })
    }

    /// The folder holding the payloads.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn db(&self) -> std::sync::MutexGuard<'_, SqliteStore> {
        // A panic while holding the lock left no half-done SQL (each call is
        // one statement), so the store is still usable.
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn payload(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}.msg"))
    }

    /// Queues the file at `path` for `target`: copies it into the outbox
    /// (fsynced) and records it, before any attempt. The same content queued
    /// again for the same target reuses the existing message; a failed one is
    /// made due again (queuing it again is asking for a retry).
    pub fn enqueue(&self, path: &Path, target: &str) -> Result<Enqueued, PushError> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "message".to_owned());
        let file =
            std::fs::File::open(path).map_err(io(format!("cannot open {}", path.display())))?;
        self.enqueue_reader(&path.display().to_string(), &name, file, target)
    }

    /// Queues the file at `path` under another file name (what directory
    /// targets write and listings show), e.g. for a spool file.
    pub fn enqueue_named(
        &self,
        path: &Path,
        name: &str,
        target: &str,
    ) -> Result<Enqueued, PushError> {
        let file =
            std::fs::File::open(path).map_err(io(format!("cannot open {}", path.display())))?;
        self.enqueue_reader(&path.display().to_string(), name, file, target)
    }

    /// Queues a message held in memory (`name` is its file name for
    /// directory targets and listings).
    pub fn enqueue_bytes(
        &self,
        name: &str,
        bytes: &[u8],
        target: &str,
    ) -> Result<Enqueued, PushError> {
        self.enqueue_reader(name, name, bytes, target)
    }

    fn enqueue_reader(
        &self,
        shown: &str,
        name: &str,
        mut input: impl Read,
        target: &str,
    ) -> Result<Enqueued, PushError> {
        let mut tmp = tempfile::Builder::new()
            .prefix(".incoming-")
            .tempfile_in(&self.dir)
            .map_err(io(format!("cannot write into {}", self.dir.display())))?;
        let mut hasher = Sha256::new();
        let mut head = Vec::new();
        let mut bytes = 0u64;
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = input
                .read(&mut buf)
                .map_err(io(format!("cannot read {shown}")))?;
            if n == 0 {
                break;
            }
            if head.len() < 16 * 1024 {
                head.extend_from_slice(&buf[..n.min(16 * 1024 - head.len())]);
            }
            hasher.update(&buf[..n]);
            tmp.write_all(&buf[..n])
                .map_err(io(format!("cannot copy {shown} into the outbox")))?;
            bytes += n as u64;
        }
        let format =
            DataFormat::sniff(&head).ok_or_else(|| PushError::NotData(shown.to_owned()))?;
        let sha256: String = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        tmp.as_file()
            .sync_all()
            .map_err(io(format!("cannot flush the copy of {shown}")))?;
        let dest = self.payload(&sha256);
        if dest.exists() {
            // The same bytes are already queued (perhaps for another target).
            drop(tmp);
        } else {
            tmp.persist(&dest)
                .map_err(|e| e.error)
                .map_err(io(format!("cannot store {}", dest.display())))?;
            sync_dir(&self.dir);
        }
        let db = self.db();
        let now = now_micros();
        let (id, new) = db.outbox_add(
            &NewOutboxEntry {
                target,
                sha256: &sha256,
                name,
                media_type: Some(format.media_type()),
                bytes,
            },
            now,
        )?;
        let mut record = db.outbox_get(id)?.ok_or(PushError::NoSuchMessage(id))?;
        if !new && record.state == OutboxState::Failed {
            db.outbox_requeue(id, now)?;
            record.state = OutboxState::Pending;
        }
        if !new {
            tracing::info!(id, target, "the same message is already in the outbox");
            // Delivered before: the payload just copied in is not needed.
            if record.state == OutboxState::Acknowledged && !db.outbox_payload_needed(&sha256)? {
                let _ = std::fs::remove_file(self.payload(&sha256));
            }
        }
        Ok(Enqueued {
            id,
            new,
            state: record.state,
        })
    }

    /// One message.
    pub fn get(&self, id: i64) -> Result<OutboxRecord, PushError> {
        self.db()
            .outbox_get(id)?
            .ok_or(PushError::NoSuchMessage(id))
    }

    /// Every message (in one state when given), oldest first.
    pub fn list(&self, state: Option<OutboxState>) -> Result<Vec<OutboxRecord>, PushError> {
        Ok(self.db().outbox_list(state)?)
    }

    /// Makes messages due now; returns how many. An acknowledged message
    /// cannot be retried.
    pub fn retry(&self, which: Retry) -> Result<usize, PushError> {
        let db = self.db();
        let now = now_micros();
        match which {
            Retry::One(id) => {
                let record = db.outbox_get(id)?.ok_or(PushError::NoSuchMessage(id))?;
                if record.state == OutboxState::Acknowledged {
                    return Ok(0);
                }
                Ok(usize::from(db.outbox_requeue(id, now)?))
            }
            Retry::Waiting => Ok(db.outbox_requeue_all(now, false)?),
            Retry::All => Ok(db.outbox_requeue_all(now, true)?),
        }
    }

    /// Delivers every message that is due (and any an earlier process left
    /// half-delivered), one after the other.
    pub async fn deliver_pending(
        &self,
        targets: &Targets,
        opts: &DeliverOptions,
    ) -> Result<DeliveryReport, PushError> {
        let due = self.db().outbox_due(now_micros())?;
        let mut report = DeliveryReport::default();
        for record in due {
            if !targets.map.contains_key(&record.target) {
                report.skipped.push(format!(
                    "message {} waits: target {} is not configured",
                    record.id, record.target
                ));
                continue;
            }
            report
                .messages
                .push(self.attempt(record, targets, opts).await?);
        }
        Ok(report)
    }

    /// Delivers one message now, whatever its next-attempt time (an
    /// acknowledged or failed one is returned as it is).
    pub async fn deliver(
        &self,
        id: i64,
        targets: &Targets,
        opts: &DeliverOptions,
    ) -> Result<OutboxRecord, PushError> {
        let record = self.get(id)?;
        if matches!(
            record.state,
            OutboxState::Acknowledged | OutboxState::Failed
        ) {
            return Ok(record);
        }
        targets.require(&record.target)?;
        self.attempt(record, targets, opts).await
    }

    async fn attempt(
        &self,
        record: OutboxRecord,
        targets: &Targets,
        opts: &DeliverOptions,
    ) -> Result<OutboxRecord, PushError> {
        let id = record.id;
        let Some(target) = targets.map.get(&record.target) else {
            return Err(unknown_target(&record.target, &targets.names()));
        };
        if !self.db().outbox_begin_attempt(id, now_micros())? {
            return self.get(id);
        }
        let payload = self.payload(&record.sha256);
        let verdict = if !payload.is_file() {
            Verdict::Refused {
                status: None,
                error: format!(
                    "the payload {} is missing from the outbox; push the file again",
                    payload.display()
                ),
            }
        } else {
            match target {
                Target::Rest { client, url } => {
                    rest::post(client, url, &payload, &record, opts.progress.as_ref()).await
                }
                Target::Directory { path } => {
                    let (dir, src, rec) = (path.clone(), payload.clone(), record.clone());
                    let progress = opts.progress.clone();
                    tokio::task::spawn_blocking(move || {
                        directory::drop_file(&dir, &src, &rec, progress.as_ref())
                    })
                    .await
                    .unwrap_or_else(|e| Verdict::Later {
                        status: None,
                        error: format!("the copy into the folder stopped: {e}"),
                        after: None,
                    })
                }
            }
        };
        self.record(&record, verdict)?;
        self.get(id)
    }

    fn record(&self, record: &OutboxRecord, verdict: Verdict) -> Result<(), PushError> {
        let db = self.db();
        let id = record.id;
        match verdict {
            Verdict::Acknowledged { status, receipt } => {
                db.outbox_acknowledge(id, now_micros(), status, &receipt)?;
                tracing::info!(id, target = %record.target, "acknowledged");
                if !db.outbox_payload_needed(&record.sha256)? {
                    let p = self.payload(&record.sha256);
                    if let Err(e) = std::fs::remove_file(&p) {
                        tracing::warn!("cannot remove {}: {e}", p.display());
                    }
                }
            }
            Verdict::Refused { status, error } => {
                tracing::info!(id, target = %record.target, %error, "refused");
                db.outbox_fail(id, status, &error)?;
            }
            Verdict::Later {
                status,
                error,
                after,
            } => {
                let wait = after
                    .unwrap_or_else(|| backoff(record.attempts + 1))
                    .min(LONGEST_RETRY);
                let next = now_micros() + wait.as_micros() as Timestamp;
                tracing::info!(id, target = %record.target, %error, ?wait, "will retry");
                db.outbox_postpone(id, next, status, &error)?;
            }
        }
        Ok(())
    }
}

/// The wait before attempt `attempt + 1`: 30 s, 1 min, 2 min, … up to an hour.
fn backoff(attempt: u32) -> Duration {
    let doublings = attempt.saturating_sub(1).min(16);
    (FIRST_RETRY * 2u32.pow(doublings)).min(LONGEST_RETRY)
}

/// Removes half-copied payloads a killed process left (`.incoming-*` older
/// than an hour: a younger one may be another process's copy in progress).
fn remove_stale_copies(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let stale = e.file_name().to_string_lossy().starts_with(".incoming-")
            && e.metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > Duration::from_secs(3600));
        if stale {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Makes a rename in `dir` durable (best effort: not every platform can
/// fsync a folder).
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(1), Duration::from_secs(30));
        assert_eq!(backoff(2), Duration::from_secs(60));
        assert_eq!(backoff(4), Duration::from_secs(240));
        assert_eq!(backoff(100), LONGEST_RETRY);
    }
}
