//! The database schema as ordered migrations; `PRAGMA user_version` records how
//! many have been applied.

use rusqlite::Connection;

/// Migration `i` (0-based) brings a database from version `i` to `i + 1`. Never
/// edit a released migration: append a new one.
pub const MIGRATIONS: &[&str] = &[
    // 1: dataflows, series, observations with history, dataset attributes, audit.
    "
    CREATE TABLE dataflows (
        id INTEGER PRIMARY KEY,
        flow TEXT NOT NULL UNIQUE,
        dimensions TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE series (
        id INTEGER PRIMARY KEY,
        dataflow_id INTEGER NOT NULL REFERENCES dataflows(id),
        series_key TEXT NOT NULL,
        attributes TEXT,
        updated_at INTEGER NOT NULL,
        UNIQUE (dataflow_id, series_key)
    );
    CREATE TABLE submissions (
        id INTEGER PRIMARY KEY,
        received_at INTEGER NOT NULL,
        who TEXT NOT NULL,
        message_id TEXT NOT NULL,
        sha256 TEXT,
        datasets INTEGER NOT NULL DEFAULT 0,
        series INTEGER NOT NULL DEFAULT 0,
        observations INTEGER NOT NULL DEFAULT 0,
        receipt TEXT
    );
    CREATE UNIQUE INDEX submissions_message ON submissions (message_id, sha256);
    -- One row per version of an observation: the live version has valid_to NULL;
    -- a deletion is a live row with deleted = 1 (kept for updatedAfter).
    CREATE TABLE observations (
        id INTEGER PRIMARY KEY,
        series_id INTEGER NOT NULL REFERENCES series(id),
        period TEXT NOT NULL,
        period_start INTEGER NOT NULL,
        period_end INTEGER NOT NULL,
        value TEXT,
        value_f64 REAL,
        measures TEXT,
        attributes TEXT,
        deleted INTEGER NOT NULL DEFAULT 0,
        valid_from INTEGER NOT NULL,
        valid_to INTEGER,
        submission_id INTEGER REFERENCES submissions(id)
    );
    CREATE UNIQUE INDEX observations_live ON observations (series_id, period) WHERE valid_to IS NULL;
    CREATE TABLE dataset_attributes (
        dataflow_id INTEGER NOT NULL REFERENCES dataflows(id),
        attribute TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (dataflow_id, attribute)
    );
    ",
    // 2: history and updatedAfter read versions of a series by time.
    "
    CREATE INDEX observations_versions ON observations (series_id, valid_from);
    ",
    // 3: the record of scheduled exchange runs, and the last content seen per
    // exchange input (an unchanged input is not moved again).
    "
    CREATE TABLE exchange_runs (
        id INTEGER PRIMARY KEY,
        exchange TEXT NOT NULL,
        trigger TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        status TEXT NOT NULL,
        pulled INTEGER NOT NULL DEFAULT 0,
        valid INTEGER NOT NULL DEFAULT 0,
        invalid INTEGER NOT NULL DEFAULT 0,
        stored INTEGER NOT NULL DEFAULT 0,
        pushed INTEGER NOT NULL DEFAULT 0,
        findings TEXT,
        error TEXT
    );
    CREATE INDEX exchange_runs_by_name ON exchange_runs (exchange, id);
    CREATE TABLE exchange_inputs (
        exchange TEXT NOT NULL,
        input TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        seen_at INTEGER NOT NULL,
        PRIMARY KEY (exchange, input)
    );
    ",
    // 4: what incremental pulls remember per source, dataflow and key: when the
    // last pull succeeded (the next one asks for updatedAfter it) and the
    // validators the source sent (ETag, Last-Modified) for a conditional GET.
    "
    CREATE TABLE pull_state (
        source TEXT NOT NULL,
        dataflow TEXT NOT NULL,
        key TEXT NOT NULL,
        last_success INTEGER NOT NULL,
        etag TEXT,
        last_modified TEXT,
        observations INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (source, dataflow, key)
    );
    ",
    // 5: the outbox of messages to push: stored before the first attempt,
    // one row per (target, content), with the collector's receipt once
    // acknowledged.
    "
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        target TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        name TEXT NOT NULL,
        media_type TEXT,
        bytes INTEGER NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        last_attempt_at INTEGER,
        next_attempt_at INTEGER NOT NULL,
        acknowledged_at INTEGER,
        http_status INTEGER,
        last_error TEXT,
        receipt TEXT,
        UNIQUE (target, sha256)
    );
    CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
    ",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings the database to [`SCHEMA_VERSION`], each migration in its own
/// transaction. Returns the version found, or `Err(found)` when the database is
/// newer than this build.
pub(crate) fn migrate(conn: &mut Connection) -> Result<Result<u32, u32>, rusqlite::Error> {
    let found: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Ok(Err(found));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as u32 + 1)?;
        tx.commit()?;
    }
    Ok(Ok(found))
}
