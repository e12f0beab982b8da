//! Streaming stored data out as [`DataEvent`]s, one series in memory at a time.

use rusqlite::{Connection, params};

use super::json;
use super::query::DataQuery;
use super::sqlite::{SeriesRow, SqliteStore};
use super::time::{Timestamp, format_timestamp, now_micros};
use super::{StoreError, sql};
use crate::data::{
    Action, DataError, DataEvent, DataReader, DataSetHeader, Header, Obs, ObsDimension, Position,
    SeriesKey, StructureUse, Values,
};
use crate::model::{ArtefactClass, ArtefactRef};

/// Which observation versions a dataset of the answer holds.
#[derive(Debug, Clone, Copy)]
enum Pass {
    /// Live observations (changed after `updatedAfter`, when given).
    Live,
    /// Live deletions after `updatedAfter`, as a Delete dataset.
    Deleted,
    /// Every version stored at one time (`includeHistory`).
    Version { at: Timestamp, deleted: bool },
}

struct ObsRow {
    period: String,
    value: Option<String>,
    measures: Option<String>,
    attributes: Option<String>,
}

/// A [`DataReader`] over a query's result: a header, then one dataset per
/// non-empty pass (live data; with `updatedAfter` a `Delete` dataset for
/// deletions; with `includeHistory` one dataset per stored version, its
/// `validFromDate` in `extra`). A header followed by the end means no results.
pub struct StoreReader<'a> {
    store: &'a SqliteStore,
    conn: &'a Connection,
    query: DataQuery,
    bounds: (Option<i64>, Option<i64>),
    dims: Vec<String>,
    series: Vec<SeriesRow>,
    dataset_attributes: Vec<(String, String)>,
    passes: Vec<Pass>,
    pass: usize,
    next_series: usize,
    rows: Vec<ObsRow>,
    row: usize,
    header_sent: bool,
    dataset_open: bool,
    series_pending: bool,
    header: Header,
    dataset: DataSetHeader,
    series_key: SeriesKey,
    obs: Obs,
}

impl std::fmt::Debug for StoreReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreReader")
            .field("query", &self.query)
            .finish_non_exhaustive()
    }
}

impl<'a> StoreReader<'a> {
    pub(crate) fn new(store: &'a SqliteStore, query: &DataQuery) -> Result<Self, StoreError> {
        let (flow_id, dims) = store.flow(&query.dataflow)?;
        query.key.check(&query.dataflow, &dims)?;
        let bounds = query.period_bounds()?;
        let conn = store.conn();
        store.reader_opened()?;
        // From here on `Drop` ends the read transaction, also on early return.
        let guard = ReadGuard(store);
        let series = store.series_for(flow_id, query)?;
        let dataset_attributes: Vec<(String, String)> = conn
            .prepare_cached(
                "SELECT attribute, value FROM dataset_attributes WHERE dataflow_id = ?1 ORDER BY attribute",
            )
            .and_then(|mut s| {
                s.query_map([flow_id], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect()
            })
            .map_err(sql("read dataset attributes"))?;
        let passes = if query.include_history {
            let mut st = conn
                .prepare_cached(
                    "SELECT DISTINCT o.valid_from, o.deleted FROM observations o
                     JOIN series s ON s.id = o.series_id WHERE s.dataflow_id = ?1
                     AND (?2 IS NULL OR o.valid_from > ?2) ORDER BY 1, 2",
                )
                .map_err(sql("list versions"))?;
            st.query_map(params![flow_id, query.updated_after], |r| {
                Ok(Pass::Version {
                    at: r.get(0)?,
                    deleted: r.get::<_, i64>(1)? != 0,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(sql("list versions"))?
        } else if query.updated_after.is_some() {
            vec![Pass::Live, Pass::Deleted]
        } else {
            vec![Pass::Live]
        };
        let structure = ArtefactRef::parse_short(ArtefactClass::Dataflow, &query.dataflow)
            .ok()
            .map(StructureUse::Dataflow);
        let header = Header {
            id: format!("IREF{}", now_micros()),
            prepared: format_timestamp(now_micros()),
            structure: structure.clone(),
            ..Header::default()
        };
        let dataset = DataSetHeader {
            structure,
            action: Action::Information,
            dimension_at_observation: ObsDimension::Time,
            attributes: Values::new(),
            extra: Values::new(),
        };
        std::mem::forget(guard);
        Ok(StoreReader {
            store,
            conn,
            query: query.clone(),
            bounds,
            dims,
            series,
            dataset_attributes,
            passes,
            pass: 0,
            next_series: 0,
            rows: Vec::new(),
            row: 0,
            header_sent: false,
            dataset_open: false,
            series_pending: false,
            header,
            dataset,
            series_key: SeriesKey::default(),
            obs: Obs::default(),
        })
    }

    /// The observations of one series for one pass, after the period filters
    /// and first/last N.
    fn fetch(&self, series_id: i64, pass: Pass) -> Result<Vec<ObsRow>, StoreError> {
        let (deleted, at) = match pass {
            Pass::Live => (false, None),
            Pass::Deleted => (true, None),
            Pass::Version { at, deleted } => (deleted, Some(at)),
        };
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT period, value, measures, attributes FROM observations
                 WHERE series_id = ?1
                 AND (?2 IS NULL OR period_end >= ?2) AND (?3 IS NULL OR period_start <= ?3)
                 AND (?4 IS NULL OR valid_from > ?4) AND deleted = ?5
                 AND (CASE WHEN ?6 IS NULL THEN valid_to IS NULL ELSE valid_from = ?6 END)
                 ORDER BY period_start, period_end, period",
            )
            .map_err(sql("read observations"))?;
        let mut rows: Vec<ObsRow> = st
            .query_map(
                params![
                    series_id,
                    self.bounds.0,
                    self.bounds.1,
                    self.query.updated_after,
                    deleted as i64,
                    at
                ],
                |r| {
                    Ok(ObsRow {
                        period: r.get(0)?,
                        value: r.get(1)?,
                        measures: r.get(2)?,
                        attributes: r.get(3)?,
                    })
                },
            )
            .and_then(|rows| rows.collect())
            .map_err(sql("read observations"))?;
        if let Some(n) = self.query.first_n {
            rows.truncate(usize::try_from(n).unwrap_or(usize::MAX));
        }
        if let Some(n) = self.query.last_n {
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            if rows.len() > n {
                rows.drain(..rows.len() - n);
            }
        }
        Ok(rows)
    }

    fn set_dataset(&mut self, pass: Pass) {
        let d = &mut self.dataset;
        d.action = match pass {
            Pass::Live if self.query.updated_after.is_some() => Action::Replace,
            Pass::Live => Action::Information,
            Pass::Deleted | Pass::Version { deleted: true, .. } => Action::Delete,
            Pass::Version { .. } => Action::Replace,
        };
        d.attributes.clear();
        if self.query.detail.attributes() && !matches!(d.action, Action::Delete) {
            for (k, v) in &self.dataset_attributes {
                d.attributes.push(k, v);
            }
        }
        d.extra.clear();
        if let Pass::Version { at, .. } = pass {
            d.extra.push("validFromDate", &format_timestamp(at));
        }
    }

    fn set_series(&mut self, index: usize, pass: Pass) -> Result<(), StoreError> {
        let s = &self.series[index];
        self.series_key.key.clear();
        for (d, v) in self.dims.iter().zip(&s.key) {
            self.series_key.key.push(d, v);
        }
        self.series_key.attributes.clear();
        let deleting = matches!(pass, Pass::Deleted | Pass::Version { deleted: true, .. });
        if self.query.detail.attributes() && !deleting {
            for (k, v) in json::decode(s.attributes.as_deref(), "series attributes")? {
                self.series_key.attributes.push(&k, &v);
            }
        }
        Ok(())
    }

    fn set_obs(&mut self) -> Result<(), StoreError> {
        let r = &self.rows[self.row];
        let o = &mut self.obs;
        o.key.clear();
        o.key.push("TIME_PERIOD", &r.period);
        o.measures.clear();
        o.attributes.clear();
        if let Some(v) = &r.value {
            o.measures.push("OBS_VALUE", v);
        }
        for (k, v) in json::decode(r.measures.as_deref(), "observation measures")? {
            o.measures.push(&k, &v);
        }
        if self.query.detail.attributes() {
            for (k, v) in json::decode(r.attributes.as_deref(), "observation attributes")? {
                o.attributes.push(&k, &v);
            }
        }
        Ok(())
    }

    /// Advances the state machine; returns which event to emit.
    fn step(&mut self) -> Result<Option<Emit>, StoreError> {
        if !self.header_sent {
            self.header_sent = true;
            return Ok(Some(Emit::Header));
        }
        loop {
            if self.series_pending {
                self.series_pending = false;
                if !self.query.detail.observations() {
                    self.rows.clear();
                }
                return Ok(Some(Emit::Series));
            }
            if self.row < self.rows.len() {
                self.set_obs()?;
                self.row += 1;
                return Ok(Some(Emit::Obs));
            }
            let Some(&pass) = self.passes.get(self.pass) else {
                return Ok(None);
            };
            if self.next_series >= self.series.len() {
                self.pass += 1;
                self.next_series = 0;
                if self.dataset_open {
                    self.dataset_open = false;
                    return Ok(Some(Emit::EndDataSet));
                }
                continue;
            }
            let index = self.next_series;
            self.next_series += 1;
            let rows = self.fetch(self.series[index].id, pass)?;
            if rows.is_empty() {
                continue;
            }
            self.rows = rows;
            self.row = 0;
            self.set_series(index, pass)?;
            self.series_pending = true;
            if !self.dataset_open {
                self.dataset_open = true;
                self.set_dataset(pass);
                return Ok(Some(Emit::DataSet));
            }
        }
    }
}

/// Ends the read transaction if building the reader fails.
struct ReadGuard<'a>(&'a SqliteStore);

impl Drop for ReadGuard<'_> {
    fn drop(&mut self) {
        self.0.reader_closed();
    }
}

impl Drop for StoreReader<'_> {
    fn drop(&mut self) {
        self.store.reader_closed();
    }
}

enum Emit {
    Header,
    DataSet,
    Series,
    Obs,
    EndDataSet,
}

impl DataReader for StoreReader<'_> {
    fn next_event(&mut self) -> Result<Option<DataEvent<'_>>, DataError> {
        let emit = self.step().map_err(|e| DataError::Io {
            context: format!("reading the store for {}", self.query.dataflow),
            source: std::io::Error::other(e.to_string()),
        })?;
        Ok(emit.map(|e| match e {
            Emit::Header => DataEvent::Header(&self.header),
            Emit::DataSet => DataEvent::DataSet(&self.dataset),
            Emit::Series => DataEvent::Series(&self.series_key),
            Emit::Obs => DataEvent::Obs(&self.obs),
            Emit::EndDataSet => DataEvent::EndDataSet,
        }))
    }

    fn position(&self) -> Position {
        Position::source(format!("store:{}", self.query.dataflow))
    }
}
