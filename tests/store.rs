//! The SQLite store: every dataset action, atomicity, idempotency, each query
//! parameter, availability, coverage and schema migration, on real database files.

use std::io::Read;

use sdmx_gateway::data::{
    Action, CollectSink, Collected, DataEvent, DataReader, DataSetHeader, Header, Obs, SeriesKey,
    Summary, Values, pump,
};
use sdmx_gateway::store::{
    ContentHash, DataQuery, Detail, FlowDef, HashingReader, IngestOutcome, IngestSink, KeyFilter,
    MIGRATIONS, SCHEMA_VERSION, SqliteStore, Store, StoreError, Submission, parse_timestamp,
    sha256_hex,
};

use crate::util;

const FLOW: &str = "ILO:DF_TEST(1.0)";

fn vals(pairs: &[(&str, &str)]) -> Values {
    pairs.iter().copied().collect()
}

/// One observation: period, optional OBS_VALUE, attributes.
struct O(
    &'static str,
    Option<&'static str>,
    &'static [(&'static str, &'static str)],
);

/// One series: key values (FREQ, REF_AREA, SEX; "" = omitted), attributes, observations.
struct S(
    [&'static str; 3],
    &'static [(&'static str, &'static str)],
    Vec<O>,
);

/// One dataset: action, dataset attributes, series.
struct D(Action, &'static [(&'static str, &'static str)], Vec<S>);

fn series_key(k: [&str; 3]) -> Values {
    let mut v = Values::new();
    for (d, x) in ["FREQ", "REF_AREA", "SEX"].iter().zip(k) {
        if !x.is_empty() {
            v.push(d, x);
        }
    }
    v
}

/// Feeds a message to `sink` event by event; `finish` only when `finish`.
fn feed(
    sink: &mut dyn IngestSink,
    message_id: &str,
    datasets: &[D],
    finish: bool,
) -> Result<(), StoreError> {
    sink.header(&Header {
        id: message_id.to_owned(),
        ..Header::default()
    })?;
    for D(action, attrs, series) in datasets {
        sink.dataset(&DataSetHeader {
            structure: None,
            action: *action,
            dimension_at_observation: Default::default(),
            attributes: vals(attrs),
            extra: Values::new(),
        })?;
        for S(key, sattrs, obs) in series {
            sink.series(&SeriesKey {
                key: series_key(*key),
                attributes: vals(sattrs),
            })?;
            for O(period, value, oattrs) in obs {
                let mut measures = Values::new();
                if let Some(v) = value {
                    measures.push("OBS_VALUE", v);
                }
                sink.obs(&Obs {
                    key: vals(&[("TIME_PERIOD", period)]),
                    measures,
                    attributes: vals(oattrs),
                })?;
            }
        }
        sink.end_dataset()?;
    }
    if finish {
        sink.finish(&Summary::default())?;
    }
    Ok(())
}

fn submission(hash: &str) -> Submission {
    Submission {
        who: "PH".into(),
        dataflow: Some(FLOW.into()),
        content: ContentHash::Known(hash.into()),
    }
}

/// Applies a message (its hash made from the message id) and returns the outcome.
fn apply(store: &mut SqliteStore, message_id: &str, datasets: &[D]) -> IngestOutcome {
    let mut sink = store
        .ingest(submission(&sha256_hex(message_id.as_bytes())))
        .unwrap();
    feed(sink.as_mut(), message_id, datasets, true).unwrap();
    sink.outcome().unwrap().clone()
}

fn open(name: &str) -> (SqliteStore, std::path::PathBuf) {
    let dir = util::temp_dir(&format!("store-{name}"));
    let path = dir.join("gateway.db");
    let mut store = SqliteStore::open(&path).unwrap();
    store
        .register_dataflow(&FlowDef {
            flow: FLOW.into(),
            dimensions: vec!["FREQ".into(), "REF_AREA".into(), "SEX".into()],
        })
        .unwrap();
    (store, path)
}

fn read(store: &SqliteStore, q: &DataQuery) -> Collected {
    let mut reader = store.query(q).unwrap();
    let mut sink = CollectSink::default();
    pump(&mut reader, &mut sink).unwrap();
    sink.collected
}

/// `(key, period, value, obs attributes)` of every observation of every dataset.
type Row = (String, String, Option<String>, Vec<(String, String)>);

fn rows(c: &Collected) -> Vec<Row> {
    let mut out = Vec::new();
    for (_, _, series) in &c.datasets {
        for (s, obs) in series {
            let key: Vec<&str> = s.key.iter().map(|(_, v)| v).collect();
            for o in obs {
                out.push((
                    key.join("."),
                    o.key.get("TIME_PERIOD").unwrap().to_owned(),
                    o.measures.get("OBS_VALUE").map(str::to_owned),
                    o.attributes.to_vec(),
                ));
            }
        }
    }
    out
}

fn live(store: &SqliteStore) -> Vec<(String, String, Option<String>)> {
    rows(&read(store, &DataQuery::dataflow(FLOW)))
        .into_iter()
        .map(|(k, p, v, _)| (k, p, v))
        .collect()
}

fn r(k: &str, p: &str, v: &str) -> (String, String, Option<String>) {
    (k.into(), p.into(), Some(v.into()))
}

fn base() -> Vec<D> {
    vec![D(
        Action::Merge,
        &[("UNIT_MULT", "0")],
        vec![
            S(
                ["A", "PH", "F"],
                &[("SOURCE", "LFS")],
                vec![
                    O("2019", Some("10"), &[("OBS_STATUS", "A")]),
                    O("2020", Some("11"), &[]),
                    O("2021", Some("12"), &[]),
                ],
            ),
            S(
                ["A", "TH", "M"],
                &[],
                vec![O("2020", Some("20"), &[]), O("2021", Some("21"), &[])],
            ),
        ],
    )]
}

#[test]
fn merge_stores_everything_and_reads_back_in_order() {
    let (mut store, path) = open("merge");
    let out = apply(&mut store, "M1", &base());
    let IngestOutcome::Applied(receipt) = out else {
        panic!("expected Applied")
    };
    assert_eq!(receipt.observations_written, 5);
    assert_eq!(receipt.series_created, 2);
    assert_eq!(receipt.datasets[0].observations, 5);
    assert_eq!(receipt.datasets[0].dataflow, FLOW);
    let c = read(&store, &DataQuery::dataflow(FLOW));
    assert_eq!(
        c.header
            .as_ref()
            .unwrap()
            .structure
            .as_ref()
            .unwrap()
            .reference()
            .short(),
        FLOW
    );
    let (ds, _, series) = &c.datasets[0];
    assert_eq!(
        ds.attributes.to_vec(),
        vec![("UNIT_MULT".into(), "0".into())]
    );
    assert_eq!(series[0].0.attributes.get("SOURCE"), Some("LFS"));
    assert_eq!(
        rows(&c),
        vec![
            (
                "A.PH.F".into(),
                "2019".into(),
                Some("10".into()),
                vec![("OBS_STATUS".into(), "A".into())]
            ),
            ("A.PH.F".into(), "2020".into(), Some("11".into()), vec![]),
            ("A.PH.F".into(), "2021".into(), Some("12".into()), vec![]),
            ("A.TH.M".into(), "2020".into(), Some("20".into()), vec![]),
            ("A.TH.M".into(), "2021".into(), Some("21".into()), vec![]),
        ]
    );
    // WAL mode, numeric value parsed, data survives reopening.
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let f: f64 = conn
        .query_row(
            "SELECT value_f64 FROM observations WHERE period = '2019'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(f, 10.0);
    drop(conn);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(live(&store).len(), 5);
}

#[test]
fn merge_updates_given_values_and_keeps_omitted_attributes() {
    let (mut store, _) = open("merge-update");
    apply(&mut store, "M1", &base());
    let out = apply(
        &mut store,
        "M2",
        &[D(
            Action::Append, // deprecated: applied as Merge
            &[],
            vec![S(
                ["A", "PH", "F"],
                &[("NOTE", "n")],
                vec![
                    O("2019", Some("15"), &[]),
                    O("2020", Some("11"), &[]),
                    O("2022", None, &[("OBS_STATUS", "M")]),
                ],
            )],
        )],
    );
    let r2 = out.receipt();
    assert_eq!((r2.observations_written, r2.observations_unchanged), (2, 1));
    let c = read(&store, &DataQuery::dataflow(FLOW));
    let all = rows(&c);
    assert_eq!(
        all[0],
        (
            "A.PH.F".into(),
            "2019".into(),
            Some("15".into()),
            vec![("OBS_STATUS".into(), "A".into())]
        )
    );
    assert_eq!(
        all[3],
        (
            "A.PH.F".into(),
            "2022".into(),
            None,
            vec![("OBS_STATUS".into(), "M".into())]
        )
    );
    // Series attributes merge too.
    let s = &c.datasets[0].2[0].0;
    assert_eq!(s.attributes.get("SOURCE"), Some("LFS"));
    assert_eq!(s.attributes.get("NOTE"), Some("n"));
}

#[test]
fn replace_replaces_whole_observations_only() {
    let (mut store, _) = open("replace");
    apply(&mut store, "M1", &base());
    apply(
        &mut store,
        "R1",
        &[D(
            Action::Replace,
            &[],
            vec![S(["A", "PH", "F"], &[], vec![O("2019", Some("9"), &[])])],
        )],
    );
    let all = rows(&read(&store, &DataQuery::dataflow(FLOW)));
    // The omitted OBS_STATUS is gone; the other observations of the series stay.
    assert_eq!(
        all[0],
        ("A.PH.F".into(), "2019".into(), Some("9".into()), vec![])
    );
    assert_eq!(all.len(), 5);
}

#[test]
fn delete_at_each_level() {
    let (mut store, _) = open("delete");
    apply(&mut store, "M1", &base());

    // One observation.
    apply(
        &mut store,
        "D1",
        &[D(
            Action::Delete,
            &[],
            vec![S(["A", "PH", "F"], &[], vec![O("2020", None, &[])])],
        )],
    );
    assert!(!live(&store).contains(&r("A.PH.F", "2020", "11")));
    assert_eq!(live(&store).len(), 4);

    // Only an attribute of an observation (any value marks it).
    apply(
        &mut store,
        "D2",
        &[D(
            Action::Delete,
            &[],
            vec![S(
                ["A", "PH", "F"],
                &[],
                vec![O("2019", None, &[("OBS_STATUS", "x")])],
            )],
        )],
    );
    let all = rows(&read(&store, &DataQuery::dataflow(FLOW)));
    assert_eq!(
        all[0],
        ("A.PH.F".into(), "2019".into(), Some("10".into()), vec![])
    );

    // Only a series attribute: the observations stay.
    apply(
        &mut store,
        "D3",
        &[D(
            Action::Delete,
            &[],
            vec![S(["A", "PH", "F"], &[("SOURCE", "x")], vec![])],
        )],
    );
    let c = read(&store, &DataQuery::dataflow(FLOW));
    assert!(c.datasets[0].2[0].0.attributes.is_empty());
    assert_eq!(live(&store).len(), 4);

    // A partial key (SEX omitted) without observations: every matching series.
    apply(
        &mut store,
        "D4",
        &[D(
            Action::Delete,
            &[],
            vec![S(["A", "TH", ""], &[], vec![])],
        )],
    );
    assert_eq!(
        live(&store),
        vec![r("A.PH.F", "2019", "10"), r("A.PH.F", "2021", "12")]
    );

    // Deleting what does not exist is no error.
    let out = apply(
        &mut store,
        "D5",
        &[D(
            Action::Delete,
            &[],
            vec![S(["A", "XX", "F"], &[], vec![O("1999", None, &[])])],
        )],
    );
    assert_eq!(out.receipt().observations_deleted, 0);

    // Dataset attributes only.
    apply(
        &mut store,
        "D6",
        &[D(Action::Delete, &[("UNIT_MULT", "x")], vec![])],
    );
    let c = read(&store, &DataQuery::dataflow(FLOW));
    assert!(c.datasets[0].0.attributes.is_empty());
    assert_eq!(live(&store).len(), 2);

    // An empty Delete dataset: everything.
    let out = apply(&mut store, "D7", &[D(Action::Delete, &[], vec![])]);
    assert_eq!(out.receipt().observations_deleted, 2);
    assert!(live(&store).is_empty());
    // No results: a header and no dataset.
    let c = read(&store, &DataQuery::dataflow(FLOW));
    assert!(c.header.is_some() && c.datasets.is_empty());
}

#[test]
fn delete_then_merge_in_one_message_replaces_a_series() {
    let (mut store, _) = open("delete-merge");
    apply(&mut store, "M1", &base());
    apply(
        &mut store,
        "DM",
        &[
            D(Action::Delete, &[], vec![S(["A", "PH", "F"], &[], vec![])]),
            D(
                Action::Merge,
                &[],
                vec![S(["A", "PH", "F"], &[], vec![O("2021", Some("99"), &[])])],
            ),
        ],
    );
    let now = live(&store);
    assert_eq!(
        now,
        vec![
            r("A.PH.F", "2021", "99"),
            r("A.TH.M", "2020", "20"),
            r("A.TH.M", "2021", "21")
        ]
    );
}

#[test]
fn a_message_is_all_or_nothing() {
    let (mut store, _) = open("atomic");
    apply(&mut store, "M1", &base());
    // Half a message, then the sink is dropped without finish.
    {
        let mut sink = store.ingest(submission("h1")).unwrap();
        feed(
            sink.as_mut(),
            "HALF",
            &[
                D(
                    Action::Merge,
                    &[],
                    vec![S(["A", "VN", "F"], &[], vec![O("2020", Some("1"), &[])])],
                ),
                D(Action::Delete, &[], vec![]),
            ],
            false,
        )
        .unwrap();
        assert!(sink.outcome().is_none());
    }
    assert_eq!(live(&store).len(), 5);
    // An error in the middle (an incomplete key in a Merge): nothing stays either.
    {
        let mut sink = store.ingest(submission("h2")).unwrap();
        let e = feed(
            sink.as_mut(),
            "BAD",
            &[D(
                Action::Merge,
                &[],
                vec![
                    S(["A", "VN", "F"], &[], vec![O("2020", Some("1"), &[])]),
                    S(["A", "", "F"], &[], vec![O("2020", Some("1"), &[])]),
                ],
            )],
            true,
        )
        .unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("REF_AREA") && text.contains("A.*.F"),
            "{text}"
        );
    }
    assert_eq!(live(&store).len(), 5);
    assert_eq!(store.submissions(10).unwrap().len(), 1);
    // The store still takes the next message.
    apply(
        &mut store,
        "M2",
        &[D(
            Action::Merge,
            &[],
            vec![S(["A", "VN", "F"], &[], vec![O("2020", Some("1"), &[])])],
        )],
    );
    assert_eq!(live(&store).len(), 6);
}

#[test]
fn the_same_message_twice_is_applied_once() {
    let (mut store, _) = open("idempotent");
    let first = apply(&mut store, "M1", &base());
    let IngestOutcome::Applied(receipt) = first else {
        panic!()
    };
    let hash = sha256_hex(b"M1");
    assert_eq!(
        store.submission_seen("M1", &hash).unwrap(),
        Some(receipt.clone())
    );
    assert_eq!(store.submission_seen("M1", "other").unwrap(), None);
    // Sent again, with a change that would otherwise apply: nothing happens.
    let again = apply(&mut store, "M1", &[D(Action::Delete, &[], vec![])]);
    assert_eq!(again, IngestOutcome::Duplicate(receipt));
    assert_eq!(live(&store).len(), 5);
    assert_eq!(store.submissions(10).unwrap().len(), 1);
    // The same message id with other content is a new submission.
    let mut sink = store.ingest(submission("different")).unwrap();
    feed(sink.as_mut(), "M1", &[D(Action::Delete, &[], vec![])], true).unwrap();
    assert!(matches!(sink.outcome(), Some(IngestOutcome::Applied(_))));
    drop(sink);
    assert!(live(&store).is_empty());
}

#[test]
fn the_hash_can_be_computed_while_the_body_streams() {
    let (mut store, _) = open("streamed-hash");
    let body = b"<message>pretend</message>".to_vec();
    let (mut reader, handle) = HashingReader::new(&body[..]);
    let mut sink = store
        .ingest(Submission {
            who: "PH".into(),
            dataflow: None,
            content: ContentHash::Streamed(handle),
        })
        .unwrap();
    let mut sink_body = Vec::new();
    reader.read_to_end(&mut sink_body).unwrap();
    // The dataflow comes from the dataset's structure reference here.
    sink.header(&Header {
        id: "S1".into(),
        ..Header::default()
    })
    .unwrap();
    let flow = sdmx_gateway::model::ArtefactRef::parse_short(
        sdmx_gateway::model::ArtefactClass::Dataflow,
        FLOW,
    )
    .unwrap();
    sink.dataset(&DataSetHeader {
        structure: Some(sdmx_gateway::data::StructureUse::Dataflow(flow)),
        action: Action::Merge,
        dimension_at_observation: Default::default(),
        attributes: Values::new(),
        extra: Values::new(),
    })
    .unwrap();
    sink.series(&SeriesKey {
        key: series_key(["A", "PH", "F"]),
        attributes: Values::new(),
    })
    .unwrap();
    sink.obs(&Obs {
        key: vals(&[("TIME_PERIOD", "2020")]),
        measures: vals(&[("OBS_VALUE", "3")]),
        attributes: Values::new(),
    })
    .unwrap();
    sink.finish(&Summary::default()).unwrap();
    assert_eq!(sink.outcome().unwrap().receipt().sha256, sha256_hex(&body));
    drop(sink);
    assert!(
        store
            .submission_seen("S1", &sha256_hex(&body))
            .unwrap()
            .is_some()
    );
}

#[test]
fn unknown_dataflows_and_bad_periods_are_refused() {
    let (mut store, _) = open("refused");
    let mut sub = submission("x");
    sub.dataflow = Some("ILO:NOPE(1.0)".into());
    let mut sink = store.ingest(sub).unwrap();
    let e = feed(sink.as_mut(), "U", &base(), true).unwrap_err();
    assert!(
        matches!(e, StoreError::UnknownDataflow(ref f) if f == "ILO:NOPE(1.0)"),
        "{e}"
    );
    drop(sink);
    let mut sink = store.ingest(submission("y")).unwrap();
    let e = feed(
        sink.as_mut(),
        "P",
        &[D(
            Action::Merge,
            &[],
            vec![S(["A", "PH", "F"], &[], vec![O("20X0", Some("1"), &[])])],
        )],
        true,
    )
    .unwrap_err();
    assert!(e.to_string().contains("20X0"), "{e}");
    drop(sink);
    let mut sink = store
        .ingest(Submission {
            dataflow: None,
            ..submission("z")
        })
        .unwrap();
    let e = feed(sink.as_mut(), "N", &base(), true).unwrap_err();
    assert!(matches!(e, StoreError::NoDataflow), "{e}");
}

fn many() -> Vec<D> {
    vec![D(
        Action::Merge,
        &[],
        vec![
            S(
                ["A", "PH", "F"],
                &[("SOURCE", "LFS")],
                vec![
                    O("2018", Some("1"), &[("OBS_STATUS", "A")]),
                    O("2019", Some("2"), &[]),
                    O("2020", Some("3"), &[]),
                    O("2021", Some("4"), &[]),
                ],
            ),
            S(["A", "PH", "M"], &[], vec![O("2020", Some("5"), &[])]),
            S(
                ["Q", "TH", "F"],
                &[],
                vec![O("2020-Q1", Some("6"), &[]), O("2020-Q4", Some("7"), &[])],
            ),
        ],
    )]
}

fn q() -> DataQuery {
    DataQuery::dataflow(FLOW)
}

fn periods(c: &Collected) -> Vec<String> {
    rows(c)
        .into_iter()
        .map(|(k, p, _, _)| format!("{k}:{p}"))
        .collect()
}

#[test]
fn key_filter_and_periods() {
    let (mut store, _) = open("query-key");
    apply(&mut store, "M1", &many());
    let by_key = |k: &str| {
        periods(&read(
            &store,
            &DataQuery {
                key: KeyFilter::parse(k).unwrap(),
                ..q()
            },
        ))
    };
    assert_eq!(by_key("A.PH.M"), vec!["A.PH.M:2020"]);
    assert_eq!(by_key(".TH+XX."), vec!["Q.TH.F:2020-Q1", "Q.TH.F:2020-Q4"]);
    assert_eq!(by_key("A..").len(), 5);
    assert_eq!(by_key("all").len(), 7);
    let e = store
        .query(&DataQuery {
            key: KeyFilter::parse("A.PH").unwrap(),
            ..q()
        })
        .err()
        .unwrap();
    assert!(e.to_string().contains("FREQ.REF_AREA.SEX"), "{e}");

    let range = |s: Option<&str>, e: Option<&str>| {
        periods(&read(
            &store,
            &DataQuery {
                start_period: s.map(Into::into),
                end_period: e.map(Into::into),
                ..q()
            },
        ))
    };
    // 2020-Q2 starts in April: annual 2020 overlaps it, 2020-Q1 does not.
    assert_eq!(
        range(Some("2020-Q2"), None),
        vec![
            "A.PH.F:2020",
            "A.PH.F:2021",
            "A.PH.M:2020",
            "Q.TH.F:2020-Q4"
        ]
    );
    assert_eq!(
        range(None, Some("2019")),
        vec!["A.PH.F:2018", "A.PH.F:2019"]
    );
    assert_eq!(range(Some("2019-06"), Some("2019-06")), vec!["A.PH.F:2019"]);
    assert!(
        store
            .query(&DataQuery {
                start_period: Some("June".into()),
                ..q()
            })
            .is_err()
    );
}

#[test]
fn first_and_last_n_observations() {
    let (mut store, _) = open("query-n");
    apply(&mut store, "M1", &many());
    let first = periods(&read(
        &store,
        &DataQuery {
            first_n: Some(1),
            ..q()
        },
    ));
    assert_eq!(first, vec!["A.PH.F:2018", "A.PH.M:2020", "Q.TH.F:2020-Q1"]);
    let last = periods(&read(
        &store,
        &DataQuery {
            last_n: Some(2),
            ..q()
        },
    ));
    assert_eq!(
        last,
        vec![
            "A.PH.F:2020",
            "A.PH.F:2021",
            "A.PH.M:2020",
            "Q.TH.F:2020-Q1",
            "Q.TH.F:2020-Q4"
        ]
    );
}

#[test]
fn detail_levels() {
    let (mut store, _) = open("query-detail");
    apply(
        &mut store,
        "M1",
        &[D(Action::Merge, &[("UNIT_MULT", "0")], many().remove(0).2)],
    );
    let get = |d| read(&store, &DataQuery { detail: d, ..q() });

    let full = get(Detail::Full);
    assert_eq!(
        full.datasets[0].2[0].0.attributes.get("SOURCE"),
        Some("LFS")
    );
    assert_eq!(
        rows(&full)[0].3,
        vec![("OBS_STATUS".to_string(), "A".to_string())]
    );

    let data = get(Detail::DataOnly);
    assert!(data.datasets[0].0.attributes.is_empty());
    assert!(data.datasets[0].2[0].0.attributes.is_empty());
    assert!(rows(&data)[0].3.is_empty());
    assert_eq!(rows(&data).len(), 7);

    let keys = get(Detail::SeriesKeysOnly);
    assert_eq!(keys.datasets[0].2.len(), 3);
    assert!(
        keys.datasets[0]
            .2
            .iter()
            .all(|(s, o)| o.is_empty() && s.attributes.is_empty())
    );

    let nodata = get(Detail::NoData);
    assert_eq!(nodata.datasets[0].2.len(), 3);
    assert!(nodata.datasets[0].2.iter().all(|(_, o)| o.is_empty()));
    assert_eq!(
        nodata.datasets[0].2[0].0.attributes.get("SOURCE"),
        Some("LFS")
    );
    assert_eq!(nodata.datasets[0].0.attributes.get("UNIT_MULT"), Some("0"));
}

#[test]
fn updated_after_reports_changes_and_deletions() {
    let (mut store, _) = open("query-updated");
    let first = apply(&mut store, "M1", &many());
    let t1 = first.receipt().stored_at;
    apply(
        &mut store,
        "M2",
        &[
            D(
                Action::Merge,
                &[],
                vec![S(["A", "PH", "F"], &[], vec![O("2021", Some("40"), &[])])],
            ),
            D(Action::Delete, &[], vec![S(["A", "PH", "M"], &[], vec![])]),
        ],
    );
    let c = read(
        &store,
        &DataQuery {
            updated_after: Some(t1),
            ..q()
        },
    );
    assert_eq!(c.datasets.len(), 2);
    assert_eq!(c.datasets[0].0.action, Action::Replace);
    assert_eq!(
        rows(&c)[0],
        ("A.PH.F".into(), "2021".into(), Some("40".into()), vec![])
    );
    assert_eq!(c.datasets[1].0.action, Action::Delete);
    assert_eq!(rows(&c)[1], ("A.PH.M".into(), "2020".into(), None, vec![]));
    assert_eq!(rows(&c).len(), 2);
    // Before the first submission: everything live, and the deletion.
    let all = read(
        &store,
        &DataQuery {
            updated_after: Some(t1 - 1),
            ..q()
        },
    );
    assert_eq!(rows(&all).len(), 7);
    // Text form as REST gives it.
    assert!(parse_timestamp(&first.receipt().stored_at_text) == Some(t1));
}

#[test]
fn include_history_replays_every_version() {
    let (mut store, _) = open("query-history");
    let a = apply(
        &mut store,
        "M1",
        &[D(
            Action::Merge,
            &[],
            vec![S(["A", "PH", "F"], &[], vec![O("2020", Some("1"), &[])])],
        )],
    );
    let b = apply(
        &mut store,
        "M2",
        &[D(
            Action::Merge,
            &[],
            vec![S(["A", "PH", "F"], &[], vec![O("2020", Some("2"), &[])])],
        )],
    );
    let c = apply(
        &mut store,
        "M3",
        &[D(
            Action::Delete,
            &[],
            vec![S(["A", "PH", "F"], &[], vec![O("2020", None, &[])])],
        )],
    );
    let h = read(
        &store,
        &DataQuery {
            include_history: true,
            ..q()
        },
    );
    let summary: Vec<(Action, String, Option<String>)> = h
        .datasets
        .iter()
        .map(|(d, _, s)| {
            (
                d.action,
                d.extra.get("validFromDate").unwrap().to_owned(),
                s[0].1[0].measures.get("OBS_VALUE").map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                Action::Replace,
                a.receipt().stored_at_text.clone(),
                Some("1".into())
            ),
            (
                Action::Replace,
                b.receipt().stored_at_text.clone(),
                Some("2".into())
            ),
            (Action::Delete, c.receipt().stored_at_text.clone(), None),
        ]
    );
    assert!(live(&store).is_empty());
}

#[test]
fn availability_and_coverage() {
    let (mut store, _) = open("availability");
    apply(&mut store, "M1", &many());
    let a = store.availability(&q()).unwrap();
    let dims: Vec<(String, Vec<String>)> = a
        .dimensions
        .iter()
        .map(|d| (d.dimension.clone(), d.values.iter().cloned().collect()))
        .collect();
    assert_eq!(
        dims,
        vec![
            ("FREQ".into(), vec!["A".into(), "Q".into()]),
            ("REF_AREA".into(), vec!["PH".into(), "TH".into()]),
            ("SEX".into(), vec!["F".into(), "M".into()]),
        ]
    );
    assert_eq!((a.series, a.observations), (3, 7));
    assert_eq!(a.time_start.as_deref(), Some("2018-01-01"));
    assert_eq!(a.time_end.as_deref(), Some("2021-12-31"));
    let th = store
        .availability(&DataQuery {
            key: KeyFilter::parse(".TH.").unwrap(),
            ..q()
        })
        .unwrap();
    assert_eq!(
        th.dimensions[1].values.iter().collect::<Vec<_>>(),
        vec!["TH"]
    );
    assert_eq!(th.time_end.as_deref(), Some("2020-12-31"));

    let cov: Vec<(Option<String>, i64, u64)> = store
        .coverage()
        .unwrap()
        .into_iter()
        .map(|r| (r.ref_area, r.year, r.observations))
        .collect();
    assert_eq!(
        cov,
        vec![
            (Some("PH".into()), 2018, 1),
            (Some("PH".into()), 2019, 1),
            (Some("PH".into()), 2020, 2),
            (Some("PH".into()), 2021, 1),
            (Some("TH".into()), 2020, 2),
        ]
    );
    assert_eq!(store.dataflows().unwrap()[0].flow, FLOW);
}

#[test]
fn an_old_database_is_migrated_and_a_newer_one_refused() {
    let dir = util::temp_dir("store-migrate");
    let path = dir.join("old.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO dataflows (flow, dimensions, created_at) VALUES (?1, '[\"FREQ\",\"REF_AREA\",\"SEX\"]', 0)",
            [FLOW],
        )
        .unwrap();
    }
    let mut store = SqliteStore::open(&path).unwrap();
    const { assert!(SCHEMA_VERSION >= 2) };
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    // The old dataflow row is still there and usable.
    apply(&mut store, "M1", &base());
    assert_eq!(live(&store).len(), 5);
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let index: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'observations_versions'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(index, 1);
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let e = SqliteStore::open(&path).unwrap_err();
    assert!(e.to_string().contains("schema version 99"), "{e}");
}

#[test]
fn other_connections_see_nothing_until_commit_and_are_not_blocked() {
    let (mut writer, path) = open("concurrent");
    apply(&mut writer, "M1", &base());
    let reader = SqliteStore::open(&path).unwrap();
    let mut sink = writer.ingest(submission("c1")).unwrap();
    feed(
        sink.as_mut(),
        "C1",
        &[D(Action::Delete, &[], vec![])],
        false,
    )
    .unwrap();
    // The writer has deleted everything inside its open transaction; a reader
    // on another connection still reads the committed data, without waiting.
    assert_eq!(live(&reader).len(), 5);
    sink.finish(&Summary::default()).unwrap();
    drop(sink);
    assert!(live(&reader).is_empty());
}

#[test]
fn other_dimensions_at_observation_level() {
    // dimensionAtObservation=SEX: the series key holds TIME_PERIOD, each
    // observation its SEX.
    let (mut store, _) = open("dim-at-obs");
    let mut sink = store.ingest(submission("d")).unwrap();
    sink.header(&Header::default()).unwrap();
    sink.dataset(&DataSetHeader {
        structure: None,
        action: Action::Merge,
        dimension_at_observation: sdmx_gateway::data::ObsDimension::Dimension("SEX".into()),
        attributes: Values::new(),
        extra: Values::new(),
    })
    .unwrap();
    sink.series(&SeriesKey {
        key: vals(&[("FREQ", "A"), ("REF_AREA", "PH"), ("TIME_PERIOD", "2020")]),
        attributes: Values::new(),
    })
    .unwrap();
    for (sex, v) in [("F", "1"), ("M", "2")] {
        sink.obs(&Obs {
            key: vals(&[("SEX", sex)]),
            measures: vals(&[("OBS_VALUE", v)]),
            attributes: Values::new(),
        })
        .unwrap();
    }
    sink.finish(&Summary::default()).unwrap();
    drop(sink);
    assert_eq!(
        live(&store),
        vec![r("A.PH.F", "2020", "1"), r("A.PH.M", "2020", "2")]
    );
    // AllDimensions: no series, every observation with its full key.
    let mut sink = store.ingest(submission("flat")).unwrap();
    sink.header(&Header::default()).unwrap();
    sink.dataset(&DataSetHeader {
        structure: None,
        action: Action::Merge,
        dimension_at_observation: sdmx_gateway::data::ObsDimension::AllDimensions,
        attributes: Values::new(),
        extra: Values::new(),
    })
    .unwrap();
    sink.obs(&Obs {
        key: vals(&[
            ("FREQ", "A"),
            ("REF_AREA", "TH"),
            ("SEX", "F"),
            ("TIME_PERIOD", "2021"),
        ]),
        measures: vals(&[("OBS_VALUE", "3")]),
        attributes: Values::new(),
    })
    .unwrap();
    sink.finish(&Summary::default()).unwrap();
    drop(sink);
    assert_eq!(
        live(&store),
        vec![
            r("A.PH.F", "2020", "1"),
            r("A.PH.M", "2020", "2"),
            r("A.TH.F", "2021", "3")
        ]
    );
    // A value with '.' would break the key: refused.
    let mut sink = store.ingest(submission("e")).unwrap();
    let e = feed(
        sink.as_mut(),
        "E",
        &[D(
            Action::Merge,
            &[],
            vec![S(["A", "P.H", "F"], &[], vec![])],
        )],
        true,
    )
    .unwrap_err();
    assert!(e.to_string().contains("cannot contain '.'"), "{e}");
}

#[test]
fn a_query_stream_pumps_into_another_store() {
    // The reader's events are a valid message: copying store to store through
    // `pump` keeps every value and attribute.
    let (mut a, _) = open("copy-a");
    apply(&mut a, "M1", &many());
    let (mut b, _) = open("copy-b");
    let mut reader = a.query(&q()).unwrap();
    let mut sink = b.ingest(submission("copy")).unwrap();
    let summary = pump(&mut reader, sink.as_mut()).unwrap();
    assert_eq!(summary.observations, 7);
    assert_eq!(sink.outcome().unwrap().receipt().observations_written, 7);
    drop(sink);
    drop(reader);
    assert_eq!(read(&a, &q()).flat(), read(&b, &q()).flat());
    assert_eq!(read(&b, &q()).flat().len(), 7);
}

/// Run only as the child of `a_killed_writer_leaves_nothing`: starts a large
/// ingest and aborts the process in the middle of its transaction.
#[test]
fn crash_helper() {
    let Ok(path) = std::env::var("SDMXGW_STORE_CRASH_DB") else {
        return;
    };
    let mut store = SqliteStore::open(&path).unwrap();
    let mut sink = store.ingest(submission("crash")).unwrap();
    sink.header(&Header::default()).unwrap();
    sink.dataset(&DataSetHeader {
        structure: None,
        action: Action::Merge,
        dimension_at_observation: Default::default(),
        attributes: Values::new(),
        extra: Values::new(),
    })
    .unwrap();
    for i in 0..20_000 {
        sink.series(&SeriesKey {
            key: vals(&[("FREQ", "M"), ("REF_AREA", &format!("R{i}")), ("SEX", "F")]),
            attributes: Values::new(),
        })
        .unwrap();
        sink.obs(&Obs {
            key: vals(&[("TIME_PERIOD", "2020-01")]),
            measures: vals(&[("OBS_VALUE", "1")]),
            attributes: Values::new(),
        })
        .unwrap();
    }
    std::fs::write(format!("{path}.reached"), "").unwrap();
    // Like kill -9: no destructor, no rollback, the WAL holds uncommitted pages.
    std::process::abort();
}

#[test]
fn a_killed_writer_leaves_nothing() {
    let (mut store, path) = open("crash");
    apply(&mut store, "M1", &base());
    drop(store);
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "store::crash_helper",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SDMXGW_STORE_CRASH_DB", &path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success(), "the helper must die mid-transaction");
    let reached = format!("{}.reached", path.display());
    assert!(
        std::path::Path::new(&reached).exists(),
        "the helper failed before its 20,000 uncommitted observations"
    );
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(live(&store).len(), 5);
    assert_eq!(store.submissions(10).unwrap().len(), 1);
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let partial: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM series WHERE series_key LIKE 'M.R%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(partial, 0);
}

#[test]
fn a_stream_reads_one_snapshot() {
    let (mut writer, path) = open("snapshot");
    apply(&mut writer, "M1", &base());
    let reader_store = SqliteStore::open(&path).unwrap();
    // Used through the trait object, as the server will.
    let store: &dyn Store = &reader_store;
    let mut reader = store.query(&q()).unwrap();
    assert!(matches!(
        reader.next_event().unwrap(),
        Some(DataEvent::Header(_))
    ));
    // Everything is deleted and committed while the stream is open.
    apply(&mut writer, "D", &[D(Action::Delete, &[], vec![])]);
    let mut sink = CollectSink::default();
    pump(&mut reader, &mut sink).unwrap();
    assert_eq!(rows(&sink.collected).len(), 5);
    drop(reader);
    // A new stream sees the deletion; two readers at once share one snapshot.
    let mut r1 = store.query(&q()).unwrap();
    let r2 = store.query(&q()).unwrap();
    drop(r2);
    let mut sink = CollectSink::default();
    pump(&mut r1, &mut sink).unwrap();
    assert!(sink.collected.datasets.is_empty());
}

#[test]
fn a_dataflow_with_data_keeps_its_dimensions() {
    let (mut store, _) = open("redefine");
    let same = FlowDef {
        flow: FLOW.into(),
        dimensions: vec!["FREQ".into(), "REF_AREA".into(), "SEX".into()],
    };
    let other = FlowDef {
        flow: FLOW.into(),
        dimensions: vec!["REF_AREA".into(), "FREQ".into(), "SEX".into()],
    };
    // Without data a dataflow may still change.
    store.register_dataflow(&other).unwrap();
    store.register_dataflow(&same).unwrap();
    apply(&mut store, "M1", &base());
    store.register_dataflow(&same).unwrap();
    let e = store.register_dataflow(&other).unwrap_err();
    assert!(matches!(e, StoreError::DimensionsChanged { .. }), "{e}");
    assert_eq!(store.dataflows().unwrap(), vec![same]);
}
