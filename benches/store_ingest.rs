//! Throughput of the SQLite store: a fresh ingest, a merge that changes every
//! value (the update path with history), the same merge again (nothing
//! changes), and a streaming read of everything.
//!
//! `cargo bench --bench store_ingest [-- OBSERVATIONS]` (default 1,000,000).

use std::time::Instant;

use sdmx_gateway::data::{
    Action, CountSink, DataSetHeader, Header, Obs, SeriesKey, Summary, Values, pump,
};
use sdmx_gateway::store::{
    ContentHash, DataQuery, FlowDef, IngestSink, SqliteStore, Store, Submission,
};

const FLOW: &str = "ILO:DF_BENCH(1.0)";
const PER_SERIES: usize = 120;

/// Writes `total` observations (monthly series of `PER_SERIES` months) into `sink`.
fn feed(sink: &mut dyn IngestSink, id: &str, total: usize, bump: u32) {
    let mut s = SeriesKey::default();
    let mut o = Obs::default();
    sink.header(&Header {
        id: id.into(),
        ..Header::default()
    })
    .unwrap();
    sink.dataset(&DataSetHeader {
        structure: None,
        action: Action::Merge,
        dimension_at_observation: Default::default(),
        attributes: Values::new(),
        extra: Values::new(),
    })
    .unwrap();
    let series = total.div_ceil(PER_SERIES);
    let mut n = 0;
    for i in 0..series {
        s.key.clear();
        s.key.push("FREQ", "M");
        s.key.push("REF_AREA", &format!("A{:03}", i % 500));
        s.key.push("SEX", ["F", "M", "T"][i % 3]);
        s.key.push("CLASSIF", &format!("C{}", i / 1500));
        sink.series(&s).unwrap();
        for m in 0..PER_SERIES {
            if n == total {
                break;
            }
            o.key.clear();
            o.key.push(
                "TIME_PERIOD",
                &format!("{}-{:02}", 2000 + m / 12, m % 12 + 1),
            );
            o.measures.clear();
            o.measures
                .push("OBS_VALUE", &format!("{}.5", n as u32 + bump));
            o.attributes.clear();
            if m % 10 == 0 {
                o.attributes.push("OBS_STATUS", "E");
            }
            sink.obs(&o).unwrap();
            n += 1;
        }
    }
    sink.end_dataset().unwrap();
    sink.finish(&Summary::default()).unwrap();
}

fn main() {
    let total: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path().join("bench.db")).unwrap();
    store
        .register_dataflow(&FlowDef {
            flow: FLOW.into(),
            dimensions: ["FREQ", "REF_AREA", "SEX", "CLASSIF"]
                .map(String::from)
                .to_vec(),
        })
        .unwrap();
    let sub = |h: &str| Submission {
        who: "bench".into(),
        dataflow: Some(FLOW.into()),
        content: ContentHash::Known(h.into()),
    };

    let t = Instant::now();
    let mut sink = store.ingest(sub("h1")).unwrap();
    feed(sink.as_mut(), "B1", total, 0);
    drop(sink);
    let fresh = t.elapsed().as_secs_f64();
    println!(
        "fresh ingest: {total} observations in {fresh:.2} s = {:.0} obs/s",
        total as f64 / fresh
    );

    let t = Instant::now();
    let mut sink = store.ingest(sub("h2")).unwrap();
    feed(sink.as_mut(), "B2", total, 1);
    drop(sink);
    let update = t.elapsed().as_secs_f64();
    println!(
        "merge changing every value (history kept): {total} observations in {update:.2} s = {:.0} obs/s",
        total as f64 / update
    );

    let t = Instant::now();
    let mut sink = store.ingest(sub("h3")).unwrap();
    feed(sink.as_mut(), "B3", total, 1);
    drop(sink);
    let same = t.elapsed().as_secs_f64();
    println!(
        "merge of unchanged values (new message id): {total} observations in {same:.2} s = {:.0} obs/s",
        total as f64 / same
    );

    let t = Instant::now();
    let mut reader = store.query(&DataQuery::dataflow(FLOW)).unwrap();
    let summary = pump(&mut reader, &mut CountSink).unwrap();
    let read = t.elapsed().as_secs_f64();
    assert_eq!(summary.observations as usize, total);
    println!(
        "streaming read: {} observations in {read:.2} s = {:.0} obs/s",
        summary.observations,
        summary.observations as f64 / read
    );
}
