//! The embedded SQLite store.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use super::query::{Availability, CoverageRow, DataQuery, DimensionValues};
use super::reader::StoreReader;
use super::time::now_micros;
use super::{
    DataReader, FlowDef, Ingest, IngestSink, Receipt, Store, StoreError, Submission, schema, sql,
};

/// The SQLite store: one connection (WAL mode, so readers on other connections
/// to the same file never wait for the writer).
pub struct SqliteStore {
    conn: Connection,
    /// Open [`StoreReader`]s: the first opens a read transaction (one snapshot
    /// for the whole stream), the last closes it.
    readers: std::cell::Cell<u32>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.conn.path())
            .finish()
    }
}

/// The id and dimension order of a registered dataflow.
pub(crate) fn flow_lookup(
    conn: &Connection,
    flow: &str,
) -> Result<Option<(i64, Vec<String>)>, StoreError> {
    let row: Option<(i64, String)> = conn
        .prepare_cached("SELECT id, dimensions FROM dataflows WHERE flow = ?1")
        .and_then(|mut s| {
            s.query_row([flow], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .map_err(sql("look up a dataflow"))?;
    row.map(|(id, dims)| {
        serde_json::from_str(&dims)
            .map(|d| (id, d))
            .map_err(|e| StoreError::Damaged {
                what: "dataflow dimensions",
                message: e.to_string(),
            })
    })
    .transpose()
}

/// A series as queries see it.
pub(crate) struct SeriesRow {
    pub(crate) id: i64,
    pub(crate) key: Vec<String>,
    pub(crate) attributes: Option<String>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, switches it to WAL and
    /// migrates it to the current schema. A database written by a newer build
    /// is refused rather than damaged.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let open_err = |message: String| StoreError::Open {
            path: path.display().to_string(),
            message,
        };
        let mut conn = Connection::open(path).map_err(|e| open_err(e.to_string()))?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(|e| open_err(e.to_string()))?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(|e| open_err(format!("cannot switch to WAL: {e}")))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(open_err(format!(
                "the journal mode stays {mode:?}, not WAL (is the file on a network share?)"
            )));
        }
        // WAL + NORMAL: a commit survives a process crash; only power loss may
        // lose the last transactions, never corrupt the file.
        // A 64 MiB page cache keeps the index pages of a large ingest in memory.
        conn.execute_batch(
            "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536;",
        )
        .map_err(|e| open_err(e.to_string()))?;
        conn.set_prepared_statement_cache_capacity(64);
        match schema::migrate(&mut conn).map_err(|e| open_err(format!("migration failed: {e}")))? {
            Ok(_) => {}
            Err(found) => {
                return Err(open_err(format!(
                    "schema version {found} is newer than this sdmxgw understands ({}); use a newer sdmxgw",
                    schema::SCHEMA_VERSION
                )));
            }
        }
        Ok(SqliteStore {
            conn,
            readers: std::cell::Cell::new(0),
        })
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        self.conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(sql("read the schema version"))
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Starts (or joins) the read transaction of the open readers.
    pub(crate) fn reader_opened(&self) -> Result<(), StoreError> {
        if self.readers.get() == 0 {
            self.conn
                .execute_batch("BEGIN")
                .map_err(sql("begin a read transaction"))?;
        }
        self.readers.set(self.readers.get() + 1);
        Ok(())
    }

    /// Ends the read transaction when the last reader closes.
    pub(crate) fn reader_closed(&self) {
        let n = self.readers.get().saturating_sub(1);
        self.readers.set(n);
        if n == 0 {
            // A read transaction has nothing to lose; an error here only means
            // it already ended.
            let _ = self.conn.execute_batch("COMMIT");
        }
    }

    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// Starts applying one message; see [`Ingest`].
    pub fn begin_ingest(&mut self, submission: Submission) -> Result<Ingest<'_>, StoreError> {
        Ingest::begin(self, submission)
    }

    /// A streaming reader over the data matching `query`; see [`StoreReader`].
    pub fn read(&self, query: &DataQuery) -> Result<StoreReader<'_>, StoreError> {
        StoreReader::new(self, query)
    }

    /// The dataflow's id and dimensions, or `UnknownDataflow`.
    pub(crate) fn flow(&self, flow: &str) -> Result<(i64, Vec<String>), StoreError> {
        flow_lookup(&self.conn, flow)?.ok_or_else(|| StoreError::UnknownDataflow(flow.to_owned()))
    }

    /// The series of a dataflow whose keys pass the query's key filter, by key.
    pub(crate) fn series_for(
        &self,
        flow_id: i64,
        query: &DataQuery,
    ) -> Result<Vec<SeriesRow>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT id, series_key, attributes FROM series WHERE dataflow_id = ?1 ORDER BY series_key",
            )
            .map_err(sql("list series"))?;
        let rows = st
            .query_map([flow_id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })
            .map_err(sql("list series"))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, key, attributes) = row.map_err(sql("list series"))?;
            if query.key.matches(key.split('.')) {
                out.push(SeriesRow {
                    id,
                    key: key.split('.').map(str::to_owned).collect(),
                    attributes,
                });
            }
        }
        Ok(out)
    }
}

fn ymd_text(v: i64) -> String {
    format!("{:04}-{:02}-{:02}", v / 10_000, v / 100 % 100, v % 100)
}

impl Store for SqliteStore {
    fn register_dataflow(&mut self, flow: &FlowDef) -> Result<(), StoreError> {
        // Stored keys are positional: another dimension order would misread them.
        if let Some((id, dims)) = flow_lookup(&self.conn, &flow.flow)? {
            let has_series: bool = self
                .conn
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM series WHERE dataflow_id = ?1)",
                    [id],
                    |r| r.get(0),
                )
                .map_err(sql("look for series"))?;
            if has_series && dims != flow.dimensions {
                return Err(StoreError::DimensionsChanged {
                    flow: flow.flow.clone(),
                    stored: dims.join("."),
                    given: flow.dimensions.join("."),
                });
            }
        }
        let dims = serde_json::to_string(&flow.dimensions).map_err(|e| StoreError::Damaged {
            what: "dataflow dimensions",
            message: e.to_string(),
        })?;
        self.conn
            .execute(
                "INSERT INTO dataflows (flow, dimensions, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (flow) DO UPDATE SET dimensions = excluded.dimensions",
                params![flow.flow, dims, now_micros()],
            )
            .map_err(sql("register a dataflow"))?;
        Ok(())
    }

    fn dataflows(&self) -> Result<Vec<FlowDef>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT flow FROM dataflows ORDER BY flow")
            .map_err(sql("list dataflows"))?;
        let flows: Vec<String> = st
            .query_map([], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .map_err(sql("list dataflows"))?;
        flows
            .into_iter()
            .map(|flow| {
                let (_, dimensions) = self.flow(&flow)?;
                Ok(FlowDef { flow, dimensions })
            })
            .collect()
    }

    fn submission_seen(
        &self,
        message_id: &str,
        sha256: &str,
    ) -> Result<Option<Receipt>, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT receipt FROM submissions WHERE message_id = ?1 AND sha256 = ?2 AND receipt IS NOT NULL",
                params![message_id, sha256],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql("look up a submission"))?;
        text.map(|t| {
            serde_json::from_str(&t).map_err(|e| StoreError::Damaged {
                what: "submission receipt",
                message: e.to_string(),
            })
        })
        .transpose()
    }

    fn submissions(&self, limit: u32) -> Result<Vec<Receipt>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT receipt FROM submissions WHERE receipt IS NOT NULL ORDER BY id DESC LIMIT ?1",
            )
            .map_err(sql("list submissions"))?;
        let texts: Vec<String> = st
            .query_map([limit], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .map_err(sql("list submissions"))?;
        texts
            .iter()
            .map(|t| {
                serde_json::from_str(t).map_err(|e| StoreError::Damaged {
                    what: "submission receipt",
                    message: e.to_string(),
                })
            })
            .collect()
    }

    fn ingest(&mut self, submission: Submission) -> Result<Box<dyn IngestSink + '_>, StoreError> {
        Ok(Box::new(self.begin_ingest(submission)?))
    }

    fn query(&self, query: &DataQuery) -> Result<Box<dyn DataReader + '_>, StoreError> {
        Ok(Box::new(self.read(query)?))
    }

    fn availability(&self, query: &DataQuery) -> Result<Availability, StoreError> {
        let (flow_id, dims) = self.flow(&query.dataflow)?;
        query.key.check(&query.dataflow, &dims)?;
        let (start, end) = query.period_bounds()?;
        let mut values: Vec<BTreeSet<String>> = vec![BTreeSet::new(); dims.len()];
        let (mut series, mut observations) = (0, 0);
        let (mut first, mut last): (Option<i64>, Option<i64>) = (None, None);
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT COUNT(*), MIN(period_start), MAX(period_end) FROM observations
                 WHERE series_id = ?1 AND valid_to IS NULL AND deleted = 0
                 AND (?2 IS NULL OR period_end >= ?2) AND (?3 IS NULL OR period_start <= ?3)
                 AND (?4 IS NULL OR valid_from > ?4)",
            )
            .map_err(sql("count observations"))?;
        for s in self.series_for(flow_id, query)? {
            let (n, lo, hi): (i64, Option<i64>, Option<i64>) = st
                .query_row(params![s.id, start, end, query.updated_after], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .map_err(sql("count observations"))?;
            if n == 0 {
                continue;
            }
            series += 1;
            observations += n as u64;
            for (set, v) in values.iter_mut().zip(s.key) {
                set.insert(v);
            }
            first = match (first, lo) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            last = last.max(hi);
        }
        Ok(Availability {
            dataflow: query.dataflow.clone(),
            dimensions: dims
                .into_iter()
                .zip(values)
                .map(|(dimension, values)| DimensionValues { dimension, values })
                .collect(),
            time_start: first.map(ymd_text),
            time_end: last.map(ymd_text),
            series,
            observations,
        })
    }

    fn coverage(&self) -> Result<Vec<CoverageRow>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT d.flow, s.series_key, o.period_start / 10000, COUNT(*)
                 FROM observations o JOIN series s ON s.id = o.series_id
                 JOIN dataflows d ON d.id = s.dataflow_id
                 WHERE o.valid_to IS NULL AND o.deleted = 0
                 GROUP BY s.id, o.period_start / 10000",
            )
            .map_err(sql("count coverage"))?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })
            .map_err(sql("count coverage"))?;
        let mut area_pos: HashMap<String, Option<usize>> = HashMap::new();
        let mut counts: BTreeMap<(String, Option<String>, i64), u64> = BTreeMap::new();
        for row in rows {
            let (flow, key, year, n) = row.map_err(sql("count coverage"))?;
            let pos = match area_pos.get(&flow) {
                Some(p) => *p,
                None => {
                    let (_, dims) = self.flow(&flow)?;
                    let p = dims.iter().position(|d| d == "REF_AREA");
                    area_pos.insert(flow.clone(), p);
                    p
                }
            };
            let area = pos.and_then(|p| key.split('.').nth(p)).map(str::to_owned);
            *counts.entry((flow, area, year)).or_default() += n as u64;
        }
        Ok(counts
            .into_iter()
            .map(|((dataflow, ref_area, year), observations)| CoverageRow {
                dataflow,
                ref_area,
                year,
                observations,
            })
            .collect())
    }
}
