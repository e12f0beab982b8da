//! Applying a data message to the SQLite store in one transaction, with the
//! Merge / Replace / Delete semantics of the SDMX REST data-maintenance draft.
//!
//! - Merge (and the deprecated Append, Information): provided values are
//!   inserted or updated; omitted observation attributes keep their values.
//! - Replace: at observation level the given observation replaces the stored
//!   one entirely (omitted attributes and measures are removed); series and
//!   dataset attributes are merged. Other observations of the series stay: a
//!   whole series is replaced by a Delete dataset with its key then a Replace.
//! - Delete: at the lowest level given. An empty Delete dataset deletes every
//!   observation of the dataflow; one with only dataset attributes deletes
//!   those attribute values; a series (partial keys allowed: missing or empty
//!   dimension values are wildcards) without observations deletes its
//!   observations, or only the series attributes it lists; an observation
//!   without values is deleted, one with values loses only those values.
//!
//! Nothing is overwritten: a change closes the live version (`valid_to`) and
//! adds a new one; a deletion adds a live tombstone row, so `updatedAfter` can
//! report it and `includeHistory` can replay every version.

use rusqlite::{
    Connection, ErrorCode, OptionalExtension, Transaction, TransactionBehavior, params,
};

use super::period::parse_period;
use super::sqlite::{SqliteStore, flow_lookup};
use super::time::{Timestamp, format_timestamp, now_micros};
use super::{
    ContentHash, DatasetReceipt, IngestOutcome, IngestSink, Receipt, StoreError, Submission, json,
    sql,
};
use crate::data::{
    Action, DataSetHeader, DataSink, Flow, GroupKey, Header, Obs, SeriesKey, Summary,
};

const TIME: &str = "TIME_PERIOD";
const OBS_VALUE: &str = "OBS_VALUE";

/// The dataset being applied.
struct DataSetState {
    flow: String,
    flow_id: i64,
    dims: Vec<String>,
    action: Action,
    had_content: bool,
    attributes: Vec<(String, String)>,
}

/// A Delete series waiting to learn whether observations follow.
struct PendingDelete {
    key: Vec<Option<String>>,
    attributes: Vec<String>,
    had_obs: bool,
}

/// The live version of an observation.
struct LiveRow {
    id: i64,
    value: Option<String>,
    measures: Option<String>,
    attributes: Option<String>,
    deleted: bool,
    valid_from: Timestamp,
}

/// One observation version to write.
struct NewObs<'v> {
    period: &'v str,
    start: i64,
    end: i64,
    value: Option<String>,
    measures: Option<String>,
    attributes: Option<String>,
}

/// A [`DataSink`] writing one message into a [`SqliteStore`]: everything in one
/// transaction, committed by `finish`; dropping it earlier (or after an error)
/// rolls everything back.
pub struct Ingest<'a> {
    tx: Option<Transaction<'a>>,
    submission: Submission,
    now: Timestamp,
    submission_id: i64,
    message_id: String,
    dataset: Option<DataSetState>,
    /// The current series key by dimension position (`None` = not given).
    series_key: Vec<Option<String>>,
    /// The current series key joined, when complete.
    series_text: Option<String>,
    /// `TIME_PERIOD` from the series key (another dimension at observation level).
    series_period: Option<String>,
    pending: Option<PendingDelete>,
    /// The last series resolved: key text, id, created by this ingest.
    cached: Option<(String, i64, bool)>,
    key_buf: String,
    receipts: Vec<DatasetReceipt>,
    written: u64,
    deleted: u64,
    unchanged: u64,
    series_created: u64,
    outcome: Option<IngestOutcome>,
}

impl<'a> Ingest<'a> {
    /// Starts a write transaction on `store` (waiting for another writer up to
    /// the busy timeout).
    pub(crate) fn begin(
        store: &'a mut SqliteStore,
        submission: Submission,
    ) -> Result<Self, StoreError> {
        let tx = store
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql("begin the ingest transaction"))?;
        let last: Option<i64> = tx
            .query_row("SELECT MAX(received_at) FROM submissions", [], |r| r.get(0))
            .map_err(sql("read the last submission time"))?;
        // Strictly increasing, so each submission is its own version in time.
        let now = now_micros().max(last.map_or(i64::MIN, |l| l + 1));
        tx.execute(
            "INSERT INTO submissions (received_at, who, message_id) VALUES (?1, ?2, '')",
            params![now, submission.who],
        )
        .map_err(sql("record the submission"))?;
        let submission_id = tx.last_insert_rowid();
        Ok(Ingest {
            tx: Some(tx),
            submission,
            now,
            submission_id,
            message_id: String::new(),
            dataset: None,
            series_key: Vec::new(),
            series_text: None,
            series_period: None,
            pending: None,
            cached: None,
            key_buf: String::new(),
            receipts: Vec::new(),
            written: 0,
            deleted: 0,
            unchanged: 0,
            series_created: 0,
            outcome: None,
        })
    }

    /// The outcome once `finish` succeeded.
    pub fn outcome(&self) -> Option<&IngestOutcome> {
        self.outcome.as_ref()
    }

    fn conn(&self) -> Result<&Connection, StoreError> {
        self.tx
            .as_deref()
            .ok_or_else(|| StoreError::Sequence("the ingest has already finished".into()))
    }

    fn current(&self) -> Result<&DataSetState, StoreError> {
        self.dataset.as_ref().ok_or_else(|| {
            StoreError::Sequence("a series or observation came before any dataset".into())
        })
    }

    fn invalid(&self, series: &str, message: impl Into<String>) -> StoreError {
        StoreError::Invalid {
            dataflow: self
                .dataset
                .as_ref()
                .map_or(String::new(), |d| d.flow.clone()),
            series: series.to_owned(),
            message: message.into(),
        }
    }

    /// The series id of a complete key, created when `create`.
    fn series_id(&mut self, key: &str, create: bool) -> Result<Option<(i64, bool)>, StoreError> {
        if let Some((k, id, new)) = &self.cached {
            if k == key {
                return Ok(Some((*id, *new)));
            }
        }
        let flow_id = self.current()?.flow_id;
        let now = self.now;
        let conn = self.conn()?;
        let found: Option<i64> = conn
            .prepare_cached("SELECT id FROM series WHERE dataflow_id = ?1 AND series_key = ?2")
            .and_then(|mut s| s.query_row(params![flow_id, key], |r| r.get(0)).optional())
            .map_err(sql("look up a series"))?;
        let (id, new) = match found {
            Some(id) => (id, false),
            None if create => {
                let id = conn
                    .prepare_cached(
                        "INSERT INTO series (dataflow_id, series_key, updated_at) VALUES (?1, ?2, ?3)",
                    )
                    .and_then(|mut s| s.insert(params![flow_id, key, now]))
                    .map_err(sql("create a series"))?;
                self.series_created += 1;
                (id, true)
            }
            None => return Ok(None),
        };
        self.cached = Some((key.to_owned(), id, new));
        Ok(Some((id, new)))
    }

    /// Ids of the dataflow's series matching a partial key.
    fn matching_series(&self, pattern: &[Option<String>]) -> Result<Vec<i64>, StoreError> {
        let flow_id = self.current()?.flow_id;
        let conn = self.conn()?;
        let mut st = conn
            .prepare_cached("SELECT id, series_key FROM series WHERE dataflow_id = ?1")
            .map_err(sql("list series"))?;
        let rows = st
            .query_map(params![flow_id], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(sql("list series"))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, key) = row.map_err(sql("list series"))?;
            let ok = key
                .split('.')
                .zip(pattern)
                .all(|(v, p)| p.as_deref().is_none_or(|p| p == v));
            if ok {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// Flushes a Delete series that had no observations.
    fn flush_pending(&mut self) -> Result<(), StoreError> {
        let Some(p) = self.pending.take() else {
            return Ok(());
        };
        if p.had_obs {
            return Ok(());
        }
        let ids = self.matching_series(&p.key)?;
        for id in ids {
            if p.attributes.is_empty() {
                self.delete_series(id)?;
            } else {
                self.remove_series_attributes(id, &p.attributes)?;
            }
        }
        Ok(())
    }

    fn remove_series_attributes(&mut self, id: i64, attrs: &[String]) -> Result<(), StoreError> {
        let conn = self.conn()?;
        let old: Option<String> = conn
            .query_row("SELECT attributes FROM series WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .map_err(sql("read series attributes"))?;
        let new = json::remove(old.as_deref(), attrs, "series attributes")?;
        if new != old {
            conn.execute(
                "UPDATE series SET attributes = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, new, self.now],
            )
            .map_err(sql("update series attributes"))?;
        }
        Ok(())
    }

    /// Tombstones every live observation of a series and clears its attributes.
    fn delete_series(&mut self, id: i64) -> Result<(), StoreError> {
        let (now, sub) = (self.now, self.submission_id);
        let conn = self.conn()?;
        let run = |q: &str, p: &[&dyn rusqlite::ToSql]| {
            conn.prepare_cached(q)
                .and_then(|mut s| s.execute(p))
                .map_err(sql("delete a series"))
        };
        // Mark, tombstone the marked, then close (or drop, when written by this
        // very submission) the marked versions.
        run(
            "UPDATE observations SET valid_to = -1 WHERE series_id = ?1 AND valid_to IS NULL AND deleted = 0",
            &[&id],
        )?;
        let n = run(
            "INSERT INTO observations (series_id, period, period_start, period_end, deleted, valid_from, submission_id)
             SELECT series_id, period, period_start, period_end, 1, ?2, ?3 FROM observations
             WHERE series_id = ?1 AND valid_to = -1",
            &[&id, &now, &sub],
        )?;
        run(
            "DELETE FROM observations WHERE series_id = ?1 AND valid_to = -1 AND valid_from = ?2",
            &[&id, &now],
        )?;
        run(
            "UPDATE observations SET valid_to = ?2 WHERE series_id = ?1 AND valid_to = -1",
            &[&id, &now],
        )?;
        run(
            "UPDATE series SET attributes = NULL, updated_at = ?2 WHERE id = ?1",
            &[&id, &now],
        )?;
        self.deleted += n as u64;
        Ok(())
    }

    fn live_row(conn: &Connection, sid: i64, period: &str) -> Result<Option<LiveRow>, StoreError> {
        conn.prepare_cached(
            "SELECT id, value, measures, attributes, deleted, valid_from FROM observations
             WHERE series_id = ?1 AND period = ?2 AND valid_to IS NULL",
        )
        .and_then(|mut s| {
            s.query_row(params![sid, period], |r| {
                Ok(LiveRow {
                    id: r.get(0)?,
                    value: r.get(1)?,
                    measures: r.get(2)?,
                    attributes: r.get(3)?,
                    deleted: r.get::<_, i64>(4)? != 0,
                    valid_from: r.get(5)?,
                })
            })
            .optional()
        })
        .map_err(sql("read an observation"))
    }

    fn insert_obs(
        conn: &Connection,
        sid: i64,
        o: &NewObs<'_>,
        deleted: bool,
        now: Timestamp,
        sub: i64,
    ) -> Result<(), rusqlite::Error> {
        let f64_value = o
            .value
            .as_deref()
            .and_then(|v| v.trim().parse::<f64>().ok());
        conn.prepare_cached(
            "INSERT INTO observations (series_id, period, period_start, period_end, value, value_f64,
             measures, attributes, deleted, valid_from, submission_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?
        .execute(params![
            sid,
            o.period,
            o.start,
            o.end,
            o.value,
            f64_value,
            o.measures,
            o.attributes,
            deleted as i64,
            now,
            sub
        ])?;
        Ok(())
    }

    /// Makes `o` the live version of its observation, superseding `old`.
    fn supersede(
        conn: &Connection,
        sid: i64,
        old: &LiveRow,
        o: &NewObs<'_>,
        deleted: bool,
        now: Timestamp,
        sub: i64,
    ) -> Result<(), StoreError> {
        if old.valid_from == now {
            // Written earlier in this same submission: one version, not two.
            conn.prepare_cached("DELETE FROM observations WHERE id = ?1")
                .and_then(|mut s| s.execute([old.id]))
                .map_err(sql("rewrite an observation"))?;
        } else {
            conn.prepare_cached("UPDATE observations SET valid_to = ?2 WHERE id = ?1")
                .and_then(|mut s| s.execute(params![old.id, now]))
                .map_err(sql("close an observation version"))?;
        }
        Self::insert_obs(conn, sid, o, deleted, now, sub).map_err(sql("write an observation"))
    }

    /// Builds the full key of an observation into `key_buf`; returns the missing
    /// dimension, if any.
    fn full_key(&mut self, o: &Obs) -> Result<Option<String>, StoreError> {
        self.key_buf.clear();
        if o.key.len() == 1 && o.key.get(TIME).is_some() {
            if let Some(t) = &self.series_text {
                self.key_buf.push_str(t);
                return Ok(None);
            }
        }
        let ds = self.current()?;
        let mut missing: Option<String> = None;
        let mut buf = String::new();
        for (i, dim) in ds.dims.iter().enumerate() {
            if i > 0 {
                buf.push('.');
            }
            let v = o
                .key
                .get(dim)
                .filter(|v| !v.is_empty())
                .or_else(|| self.series_key.get(i).and_then(|v| v.as_deref()));
            match v {
                Some(v) => buf.push_str(v),
                None => {
                    buf.push('*');
                    if missing.is_none() {
                        missing = Some(dim.clone());
                    }
                }
            }
        }
        self.key_buf = buf;
        Ok(missing)
    }

    fn obs_merge(&mut self, o: &Obs, replace: bool) -> Result<(), StoreError> {
        if let Some(dim) = self.full_key(o)? {
            let key = self.key_buf.clone();
            return Err(self.invalid(
                &key,
                format!("dimension {dim} has no value; a Merge or Replace observation needs its full key"),
            ));
        }
        let key = std::mem::take(&mut self.key_buf);
        let resolved = self.series_id(&key, true);
        self.key_buf = key;
        let Some((sid, new_series)) = resolved? else {
            return Ok(());
        };
        let series_period = self.series_period.clone();
        let period_text = o.key.get(TIME).or(series_period.as_deref());
        let Some(period) = period_text else {
            return Err(self.invalid(&self.key_buf.clone(), "an observation has no TIME_PERIOD"));
        };
        let Some(range) = parse_period(period) else {
            return Err(self.invalid(
                &self.key_buf.clone(),
                format!("TIME_PERIOD {period:?} is not an SDMX time period"),
            ));
        };
        let new = NewObs {
            period,
            start: range.start,
            end: range.end,
            value: o.measures.get(OBS_VALUE).map(str::to_owned),
            measures: json::encode(o.measures.iter().filter(|(k, _)| *k != OBS_VALUE)),
            attributes: json::encode(o.attributes.iter()),
        };
        let (now, sub) = (self.now, self.submission_id);
        let conn = self.conn()?;
        if new_series {
            match Self::insert_obs(conn, sid, &new, false, now, sub) {
                Ok(()) => {
                    self.written += 1;
                    return Ok(());
                }
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == ErrorCode::ConstraintViolation => {}
                Err(e) => return Err(sql("write an observation")(e)),
            }
        }
        let old = Self::live_row(conn, sid, period)?;
        let target = match &old {
            Some(old) if !old.deleted && !replace => NewObs {
                value: new.value.clone().or_else(|| old.value.clone()),
                measures: json::merge(
                    old.measures.as_deref(),
                    o.measures.iter().filter(|(k, _)| *k != OBS_VALUE),
                    "observation measures",
                )?,
                attributes: json::merge(
                    old.attributes.as_deref(),
                    o.attributes.iter(),
                    "observation attributes",
                )?,
                ..new
            },
            _ => new,
        };
        match old {
            None => {
                Self::insert_obs(conn, sid, &target, false, now, sub)
                    .map_err(sql("write an observation"))?;
                self.written += 1;
            }
            Some(old)
                if !old.deleted
                    && old.value == target.value
                    && old.measures == target.measures
                    && old.attributes == target.attributes =>
            {
                self.unchanged += 1;
            }
            Some(old) => {
                Self::supersede(conn, sid, &old, &target, false, now, sub)?;
                self.written += 1;
            }
        }
        Ok(())
    }

    fn obs_delete(&mut self, o: &Obs) -> Result<(), StoreError> {
        if let Some(p) = &mut self.pending {
            p.had_obs = true;
        }
        let missing = self.full_key(o)?;
        let key = self.key_buf.clone();
        let series_period = self.series_period.clone();
        let Some(period) = o.key.get(TIME).or(series_period.as_deref()) else {
            return Err(self.invalid(&key, "a Delete observation has no TIME_PERIOD"));
        };
        let ids: Vec<i64> = if missing.is_none() {
            self.series_id(&key, false)?
                .map(|(id, _)| id)
                .into_iter()
                .collect()
        } else {
            let pattern: Vec<Option<String>> = key
                .split('.')
                .map(|v| (v != "*").then(|| v.to_owned()))
                .collect();
            self.matching_series(&pattern)?
        };
        let whole = o.measures.is_empty() && o.attributes.is_empty();
        let (now, sub) = (self.now, self.submission_id);
        let conn = self.conn()?;
        let mut deleted = 0;
        let mut written = 0;
        for sid in ids {
            let Some(old) = Self::live_row(conn, sid, period)? else {
                continue;
            };
            if old.deleted {
                continue;
            }
            let (start, end) = parse_period(period).map_or((0, 0), |r| (r.start, r.end));
            let target = if whole {
                NewObs {
                    period,
                    start,
                    end,
                    value: None,
                    measures: None,
                    attributes: None,
                }
            } else {
                NewObs {
                    period,
                    start,
                    end,
                    value: if o.measures.get(OBS_VALUE).is_some() {
                        None
                    } else {
                        old.value.clone()
                    },
                    measures: json::remove(
                        old.measures.as_deref(),
                        &o.measures.iter().map(|(k, _)| k).collect::<Vec<_>>(),
                        "observation measures",
                    )?,
                    attributes: json::remove(
                        old.attributes.as_deref(),
                        &o.attributes.iter().map(|(k, _)| k).collect::<Vec<_>>(),
                        "observation attributes",
                    )?,
                }
            };
            if !whole
                && target.value == old.value
                && target.measures == old.measures
                && target.attributes == old.attributes
            {
                continue;
            }
            Self::supersede(conn, sid, &old, &target, whole, now, sub)?;
            if whole {
                deleted += 1;
            } else {
                written += 1;
            }
        }
        self.deleted += deleted;
        self.written += written;
        Ok(())
    }

    /// Ends the current dataset: an empty Delete dataset deletes the whole
    /// dataflow (or only the dataset attributes it lists).
    fn close_dataset(&mut self) -> Result<(), StoreError> {
        self.flush_pending()?;
        let Some(ds) = self.dataset.take() else {
            return Ok(());
        };
        if ds.action == Action::Delete && !ds.had_content {
            let conn = self.conn()?;
            if ds.attributes.is_empty() {
                conn.execute(
                    "DELETE FROM dataset_attributes WHERE dataflow_id = ?1",
                    [ds.flow_id],
                )
                .map_err(sql("delete dataset attributes"))?;
                let ids: Vec<i64> = {
                    let mut st = conn
                        .prepare_cached("SELECT id FROM series WHERE dataflow_id = ?1")
                        .map_err(sql("list series"))?;
                    st.query_map([ds.flow_id], |r| r.get(0))
                        .and_then(|rows| rows.collect())
                        .map_err(sql("list series"))?
                };
                self.dataset = Some(ds);
                for id in ids {
                    self.delete_series(id)?;
                }
                self.dataset = None;
            } else {
                for (a, _) in &ds.attributes {
                    conn.execute(
                        "DELETE FROM dataset_attributes WHERE dataflow_id = ?1 AND attribute = ?2",
                        params![ds.flow_id, a],
                    )
                    .map_err(sql("delete a dataset attribute"))?;
                }
            }
        }
        self.series_key.clear();
        self.series_text = None;
        self.series_period = None;
        self.cached = None;
        Ok(())
    }

    fn finish_inner(&mut self) -> Result<(), StoreError> {
        self.close_dataset()?;
        let sha = match &self.submission.content {
            ContentHash::Known(h) => h.clone(),
            ContentHash::Streamed(h) => h.hex(),
        };
        let conn = self.conn()?;
        let earlier: Option<String> = conn
            .query_row(
                "SELECT receipt FROM submissions WHERE message_id = ?1 AND sha256 = ?2 AND receipt IS NOT NULL",
                params![self.message_id, sha],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql("look for an earlier submission"))?;
        if let Some(text) = earlier {
            let receipt: Receipt =
                serde_json::from_str(&text).map_err(|e| StoreError::Damaged {
                    what: "submission receipt",
                    message: e.to_string(),
                })?;
            if let Some(tx) = self.tx.take() {
                tx.rollback()
                    .map_err(sql("roll back a repeated submission"))?;
            }
            self.outcome = Some(IngestOutcome::Duplicate(receipt));
            return Ok(());
        }
        let receipt = Receipt {
            submission_id: self.submission_id,
            message_id: self.message_id.clone(),
            sha256: sha,
            who: self.submission.who.clone(),
            stored_at: self.now,
            stored_at_text: format_timestamp(self.now),
            datasets: self.receipts.clone(),
            observations_written: self.written,
            observations_deleted: self.deleted,
            observations_unchanged: self.unchanged,
            series_created: self.series_created,
        };
        let text = serde_json::to_string(&receipt).map_err(|e| StoreError::Damaged {
            what: "submission receipt",
            message: e.to_string(),
        })?;
        let (series, observations) = receipt
            .datasets
            .iter()
            .fold((0, 0), |(s, o), d| (s + d.series, o + d.observations));
        conn.execute(
            "UPDATE submissions SET message_id = ?2, sha256 = ?3, datasets = ?4, series = ?5,
             observations = ?6, receipt = ?7 WHERE id = ?1",
            params![
                self.submission_id,
                receipt.message_id,
                receipt.sha256,
                receipt.datasets.len() as i64,
                series as i64,
                observations as i64,
                text
            ],
        )
        .map_err(sql("complete the submission record"))?;
        if let Some(tx) = self.tx.take() {
            tx.commit().map_err(sql("commit the submission"))?;
        }
        self.outcome = Some(IngestOutcome::Applied(receipt));
        Ok(())
    }

    fn note_series(&mut self, s: &SeriesKey) -> Result<(), StoreError> {
        self.flush_pending()?;
        let ds = self
            .dataset
            .as_mut()
            .ok_or_else(|| StoreError::Sequence("a series came before any dataset".into()))?;
        ds.had_content = true;
        if let Some(r) = self.receipts.last_mut() {
            r.series += 1;
        }
        let n = ds.dims.len();
        self.series_key.clear();
        self.series_key.resize(n, None);
        let mut text = String::new();
        let mut complete = true;
        for (i, dim) in ds.dims.iter().enumerate() {
            if i > 0 {
                text.push('.');
            }
            match s.key.get(dim).filter(|v| !v.is_empty()) {
                Some(v) => {
                    text.push_str(v);
                    self.series_key[i] = Some(v.to_owned());
                }
                None => {
                    text.push('*');
                    complete = false;
                }
            }
        }
        if let Some((id, _)) = s
            .key
            .iter()
            .find(|(id, _)| *id != TIME && !ds.dims.iter().any(|d| d == id))
        {
            let dims = ds.dims.join(", ");
            let id = id.to_owned();
            return Err(self.invalid(
                &text,
                format!("{id} is not a series dimension of this dataflow ({dims})"),
            ));
        }
        if let Some((id, v)) = s.key.iter().find(|(_, v)| v.contains('.')) {
            let message = format!("{id}={v:?}: a dimension value cannot contain '.'");
            return Err(self.invalid(&text, message));
        }
        self.series_period = s.key.get(TIME).map(str::to_owned);
        let action = ds.action;
        self.series_text = complete.then(|| text.clone());
        if action == Action::Delete {
            self.pending = Some(PendingDelete {
                key: self.series_key.clone(),
                attributes: s.attributes.iter().map(|(k, _)| k.to_owned()).collect(),
                had_obs: false,
            });
            return Ok(());
        }
        if !s.attributes.is_empty() && complete {
            let Some((sid, _)) = self.series_id(&text, true)? else {
                return Ok(());
            };
            let now = self.now;
            let conn = self.conn()?;
            let old: Option<String> = conn
                .prepare_cached("SELECT attributes FROM series WHERE id = ?1")
                .and_then(|mut st| st.query_row([sid], |r| r.get(0)))
                .map_err(sql("read series attributes"))?;
            let new = json::merge(old.as_deref(), s.attributes.iter(), "series attributes")?;
            if new != old {
                conn.prepare_cached(
                    "UPDATE series SET attributes = ?2, updated_at = ?3 WHERE id = ?1",
                )
                .and_then(|mut st| st.execute(params![sid, new, now]))
                .map_err(sql("update series attributes"))?;
            }
        }
        Ok(())
    }

    fn note_dataset(&mut self, d: &DataSetHeader) -> Result<(), StoreError> {
        self.close_dataset()?;
        let flow = match (&self.submission.dataflow, &d.structure) {
            (Some(f), _) => f.clone(),
            (None, Some(s)) => s.reference().short(),
            (None, None) => return Err(StoreError::NoDataflow),
        };
        let conn = self.conn()?;
        let Some((flow_id, dims)) = flow_lookup(conn, &flow)? else {
            return Err(StoreError::UnknownDataflow(flow));
        };
        let action = d.action.effective();
        let attributes = d.attributes.to_vec();
        if action != Action::Delete {
            let mut st = conn
                .prepare_cached(
                    "INSERT INTO dataset_attributes (dataflow_id, attribute, value, updated_at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (dataflow_id, attribute) DO UPDATE SET value = excluded.value,
                     updated_at = excluded.updated_at WHERE value <> excluded.value",
                )
                .map_err(sql("write dataset attributes"))?;
            for (a, v) in &attributes {
                st.execute(params![flow_id, a, v, self.now])
                    .map_err(sql("write dataset attributes"))?;
            }
        }
        self.receipts.push(DatasetReceipt {
            dataflow: flow.clone(),
            action: d.action.name().to_owned(),
            series: 0,
            observations: 0,
        });
        self.dataset = Some(DataSetState {
            flow,
            flow_id,
            dims,
            action,
            had_content: false,
            attributes,
        });
        Ok(())
    }
}

impl DataSink for Ingest<'_> {
    type Error = StoreError;

    fn header(&mut self, h: &Header) -> Result<Flow, StoreError> {
        self.message_id = h.id.clone();
        Ok(Flow::Continue)
    }

    fn dataset(&mut self, d: &DataSetHeader) -> Result<Flow, StoreError> {
        self.note_dataset(d)?;
        Ok(Flow::Continue)
    }

    fn group(&mut self, _g: &GroupKey) -> Result<Flow, StoreError> {
        // Group attributes are not stored yet (ILMS declares none).
        Ok(Flow::Continue)
    }

    fn series(&mut self, s: &SeriesKey) -> Result<Flow, StoreError> {
        self.note_series(s)?;
        Ok(Flow::Continue)
    }

    fn obs(&mut self, o: &Obs) -> Result<Flow, StoreError> {
        let ds = self
            .dataset
            .as_mut()
            .ok_or_else(|| StoreError::Sequence("an observation came before any dataset".into()))?;
        ds.had_content = true;
        let action = ds.action;
        if let Some(r) = self.receipts.last_mut() {
            r.observations += 1;
        }
        match action {
            Action::Delete => self.obs_delete(o)?,
            Action::Replace => self.obs_merge(o, true)?,
            _ => self.obs_merge(o, false)?,
        }
        Ok(Flow::Continue)
    }

    fn end_dataset(&mut self) -> Result<Flow, StoreError> {
        self.close_dataset()?;
        Ok(Flow::Continue)
    }

    fn finish(&mut self, _s: &Summary) -> Result<(), StoreError> {
        let r = self.finish_inner();
        if r.is_err() {
            // Drop the transaction now: nothing of this message stays.
            self.tx = None;
        }
        r
    }
}

impl IngestSink for Ingest<'_> {
    fn outcome(&self) -> Option<&IngestOutcome> {
        self.outcome.as_ref()
    }
}
