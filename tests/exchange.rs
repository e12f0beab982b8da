//! The exchange runner: each validation policy with asserted counts, store
//! contents and delivered messages; unchanged inputs; failing targets; mapped
//! tables.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use sdmx_gateway::config::{ExchangeConfig, Policy, PullSpec};
use sdmx_gateway::data::{CollectSink, pump};
use sdmx_gateway::exchange::{
    Body, Deliver, ExchangeError, Opened, Pull, Runner, Spooled, Trigger,
};
use sdmx_gateway::format::{ReadOptions, open_reader};
use sdmx_gateway::store::{DataQuery, RunStatus, SqliteStore, Store};
use sdmx_gateway::structure::Registry;

use crate::util::{root, temp_dir};

const FLOW: &str = "ILO:DF_MNA_OEMP_SEX_CDS_NB(1.0)";
const HEAD: &str = "DATAFLOW,REF_AREA,FREQ,MEASURE,SEX,CDS,TIME_PERIOD,OBS_VALUE,OBS_STATUS,UNIT_MEASURE_TYPE,UNIT_MEASURE,UNIT_MULT,SOURCE\n";

/// The shipped ILMS structures, loaded once.
pub fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(|| {
        let paths = [root().join("dsd"), root().join("codelists")];
        match Registry::load(&paths) {
            Ok((r, _)) => r,
            Err(e) => *e.partial,
        }
    })
}

fn row(sex: &str, year: u32, value: &str, status: &str) -> String {
    format!(
        "{FLOW},PHL,A,MNA_OEMP_NB,{sex},CDS_DES_TOTAL,{year},{value},{status},NB,PS,3,Illustrative\n"
    )
}

/// Eight observations: SEX_T all valid; SEX_M with one bad OBS_STATUS code
/// in 2020; SEX_X (not a code) in two observations.
fn mixed_message() -> String {
    let mut s = HEAD.to_owned();
    for (y, v) in [(2019, "921.3"), (2020, "1190.8"), (2021, "1193.6")] {
        s.push_str(&row("SEX_T", y, v, ""));
    }
    s.push_str(&row("SEX_M", 2019, "500.1", ""));
    s.push_str(&row("SEX_M", 2020, "600.2", "ZZ"));
    s.push_str(&row("SEX_M", 2021, "610.0", ""));
    s.push_str(&row("SEX_X", 2019, "1.0", ""));
    s.push_str(&row("SEX_X", 2020, "2.0", ""));
    s
}

fn valid_message() -> String {
    let mut s = HEAD.to_owned();
    for (y, v) in [(2019, "921.3"), (2020, "1190.8"), (2021, "1193.6")] {
        s.push_str(&row("SEX_T", y, v, ""));
    }
    s
}

/// Serves pulls from files: source name → file.
struct FilePull {
    files: Vec<(String, PathBuf)>,
}

impl Pull for FilePull {
    fn pull<'r>(
        &self,
        spec: &PullSpec,
        _registry: &'r Registry,
    ) -> Result<Opened<'r>, ExchangeError> {
        let (_, path) = self
            .files
            .iter()
            .find(|(n, _)| *n == spec.source)
            .ok_or_else(|| ExchangeError::Input {
                input: spec.source.clone(),
                message: "no such test source".into(),
            })?;
        let file = File::open(path).map_err(|e| ExchangeError::Io {
            context: path.display().to_string(),
            source: e,
        })?;
        Ok(Opened {
            dataflow: spec.dataflow.clone(),
            sha256: None,
            body: Body::File {
                file,
                source: path.display().to_string(),
                format: None,
            },
            remember: None,
        })
    }
}

/// Keeps every delivered message; fails while `fail` is set.
#[derive(Default)]
struct Keep {
    got: Mutex<Vec<(Spooled, Vec<u8>)>>,
    fail: Mutex<bool>,
}

impl Deliver for Keep {
    fn deliver(&self, message: &Spooled) -> Result<(), String> {
        if *self.fail.lock().unwrap() {
            return Err("the collector is down".into());
        }
        let bytes = std::fs::read(&message.path).map_err(|e| e.to_string())?;
        self.got.lock().unwrap().push((message.clone(), bytes));
        Ok(())
    }
}

fn exchange(policy: Policy, targets: &[&str]) -> ExchangeConfig {
    let text = format!(
        "schedule = '* * * * *'\nvalidation = '{}'\ntargets = [{}]\npulls = [{{ source = 'msg', dataflow = '{FLOW}' }}]\n",
        policy.name(),
        targets
            .iter()
            .map(|t| format!("'{t}'"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    toml::from_str(&text).unwrap()
}

/// (series key, period) of every live observation of FLOW.
fn stored(db: &Path) -> BTreeSet<(String, String)> {
    let store = SqliteStore::open(db).unwrap();
    let mut reader = store.query(&DataQuery::dataflow(FLOW)).unwrap();
    let mut sink = CollectSink::default();
    pump(&mut reader, &mut sink).unwrap();
    keys(&sink)
}

fn keys(sink: &CollectSink) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (_, _, series) in &sink.collected.datasets {
        for (s, obs) in series {
            for o in obs {
                out.insert((
                    s.key.get("SEX").unwrap_or("?").to_owned(),
                    o.key.get("TIME_PERIOD").unwrap_or("?").to_owned(),
                ));
            }
        }
    }
    out
}

/// (sex, period) of every observation in a delivered message.
fn delivered(bytes: &[u8]) -> BTreeSet<(String, String)> {
    let reg = registry();
    let dsd = reg.structure_of(reg.dataflow(FLOW).unwrap()).unwrap();
    let format = sdmx_gateway::format::DataFormat::sniff(bytes).unwrap();
    let mut reader = open_reader(
        format,
        BufReader::new(bytes),
        ReadOptions {
            source: "delivered",
            dsd: Some(dsd),
            structure: None,
        },
    )
    .unwrap();
    let mut sink = CollectSink::default();
    pump(&mut reader, &mut sink).unwrap();
    keys(&sink)
}

fn set(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

struct Fixture {
    db: PathBuf,
    pull: FilePull,
    keep: Keep,
}

fn fixture(name: &str, message: &str) -> Fixture {
    let dir = temp_dir(&format!("exchange-{name}"));
    let msg = dir.join("message.csv");
    std::fs::write(&msg, message).unwrap();
    Fixture {
        db: dir.join("gateway.db"),
        pull: FilePull {
            files: vec![("msg".into(), msg)],
        },
        keep: Keep::default(),
    }
}

impl Fixture {
    fn runner(&self) -> Runner<'_> {
        Runner {
            registry: registry(),
            store: self.db.clone(),
            pull: Some(&self.pull),
            targets: vec![("out".into(), &self.keep as &dyn Deliver)],
        }
    }
}

#[test]
fn reject_policy_keeps_nothing_of_an_invalid_message() {
    let f = fixture("reject", &mixed_message());
    let run = f
        .runner()
        .run("x", &exchange(Policy::Reject, &["out"]), Trigger::Manual)
        .unwrap();
    assert_eq!(run.status, RunStatus::Invalid);
    assert_eq!(
        (
            run.counts.pulled,
            run.counts.valid,
            run.counts.invalid,
            run.counts.stored,
            run.counts.pushed
        ),
        (8, 0, 8, 0, 0)
    );
    assert!(run.findings.errors >= 2, "{:?}", run.findings);
    assert!(run.findings.first.iter().any(|l| l.contains("SEX_X")));
    assert!(stored(&f.db).is_empty());
    assert!(f.keep.got.lock().unwrap().is_empty());
}

#[test]
fn quarantine_policy_holds_back_invalid_observations_and_series() {
    let f = fixture("quarantine", &mixed_message());
    let run = f
        .runner()
        .run(
            "x",
            &exchange(Policy::Quarantine, &["out"]),
            Trigger::Manual,
        )
        .unwrap();
    assert_eq!(run.status, RunStatus::Invalid);
    assert_eq!(
        (
            run.counts.pulled,
            run.counts.valid,
            run.counts.invalid,
            run.counts.stored,
            run.counts.pushed
        ),
        (8, 5, 3, 5, 5)
    );
    let expected = set(&[
        ("SEX_T", "2019"),
        ("SEX_T", "2020"),
        ("SEX_T", "2021"),
        ("SEX_M", "2019"),
        ("SEX_M", "2021"),
    ]);
    assert_eq!(stored(&f.db), expected);
    let got = f.keep.got.lock().unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0.observations, 5);
    assert_eq!(delivered(&got[0].1), expected);
}

#[test]
fn warn_policy_passes_everything_and_records_findings() {
    let f = fixture("warn", &mixed_message());
    let run = f
        .runner()
        .run("x", &exchange(Policy::Warn, &["out"]), Trigger::Manual)
        .unwrap();
    assert_eq!(run.status, RunStatus::Ok);
    assert_eq!(
        (
            run.counts.pulled,
            run.counts.valid,
            run.counts.invalid,
            run.counts.stored,
            run.counts.pushed
        ),
        (8, 5, 3, 8, 8)
    );
    assert!(run.findings.errors >= 2);
    assert!(run.findings.by_rule.keys().any(|r| r.starts_with('E')));
    assert_eq!(stored(&f.db).len(), 8);
    assert_eq!(delivered(&f.keep.got.lock().unwrap()[0].1).len(), 8);
}

#[test]
fn an_unchanged_input_is_not_moved_again() {
    let f = fixture("unchanged", &valid_message());
    let x = exchange(Policy::Reject, &["out"]);
    let first = f.runner().run("x", &x, Trigger::Manual).unwrap();
    assert_eq!(first.status, RunStatus::Ok);
    assert_eq!((first.counts.stored, first.counts.pushed), (3, 3));
    let second = f.runner().run("x", &x, Trigger::Schedule).unwrap();
    assert_eq!(second.status, RunStatus::Ok);
    assert_eq!(
        (
            second.counts.pulled,
            second.counts.stored,
            second.counts.pushed
        ),
        (0, 0, 0)
    );
    assert_eq!(f.keep.got.lock().unwrap().len(), 1);
    let store = SqliteStore::open(&f.db).unwrap();
    let runs = store.runs(Some("x"), 10).unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].trigger, "schedule");
    assert_eq!(runs[1].trigger, "manual");
    assert!(runs.iter().all(|r| r.ended.is_some()));
}

#[test]
fn a_failing_target_fails_the_run_and_is_retried_next_run() {
    let f = fixture("target-down", &valid_message());
    *f.keep.fail.lock().unwrap() = true;
    let x = exchange(Policy::Reject, &["out"]);
    let run = f.runner().run("x", &x, Trigger::Manual).unwrap();
    assert_eq!(run.status, RunStatus::Failed);
    let error = run.error.unwrap();
    assert!(
        error.contains("target out") && error.contains("collector is down"),
        "{error}"
    );
    // Stored all the same (the store is one of the outputs).
    assert_eq!(run.counts.stored, 3);
    *f.keep.fail.lock().unwrap() = false;
    let again = f.runner().run("x", &x, Trigger::Schedule).unwrap();
    assert_eq!(again.status, RunStatus::Ok);
    // The store recognises the message (nothing new written); the target gets it.
    assert_eq!((again.counts.stored, again.counts.pushed), (0, 3));
    assert_eq!(f.keep.got.lock().unwrap().len(), 1);
    assert_eq!(stored(&f.db).len(), 3);
}

#[test]
fn an_unreadable_input_fails_the_run_naming_it() {
    let f = fixture("bad-input", "this is not SDMX\n");
    let run = f
        .runner()
        .run("x", &exchange(Policy::Reject, &["out"]), Trigger::Manual)
        .unwrap();
    assert_eq!(run.status, RunStatus::Failed);
    let error = run.error.unwrap();
    assert!(error.contains("pull msg"), "{error}");
}

#[test]
fn mapped_tables_are_mapped_validated_and_stored() {
    let dir = temp_dir("exchange-tables");
    let db = dir.join("gateway.db");
    let x: ExchangeConfig = toml::from_str(&format!(
        "schedule = '* * * * *'\ntables = [{:?}, {:?}]\n",
        root()
            .join("samples/mappings/phl-deployments.toml")
            .display()
            .to_string(),
        root()
            .join("samples/mappings/tha-work-permits.toml")
            .display()
            .to_string()
    ))
    .unwrap();
    let runner = Runner {
        registry: registry(),
        store: db.clone(),
        pull: None,
        targets: Vec::new(),
    };
    let run = runner.run("tables", &x, Trigger::Start).unwrap();
    assert_eq!(run.status, RunStatus::Ok, "{:?}", run.error);
    assert!(run.counts.pulled > 0);
    assert_eq!(run.counts.stored, run.counts.pulled);
    assert_eq!(run.counts.invalid, 0);
    let store = SqliteStore::open(&db).unwrap();
    let areas: BTreeSet<String> = store
        .coverage()
        .unwrap()
        .into_iter()
        .filter_map(|r| r.ref_area)
        .collect();
    assert_eq!(
        areas,
        ["PHL", "THA"].iter().map(|s| s.to_string()).collect()
    );
    let total: u64 = store
        .coverage()
        .unwrap()
        .iter()
        .map(|r| r.observations)
        .sum();
    assert_eq!(total, run.counts.stored);
}

#[test]
fn the_scheduler_never_overlaps_a_run_and_waits_for_it_on_shutdown() {
    use sdmx_gateway::exchange::scheduler::{RunFn, Scheduler};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let exchanges: indexmap::IndexMap<String, ExchangeConfig> =
        toml::from_str("[slow]\nschedule = '* * * * * *'\ntables = ['unused.toml']\n").unwrap();
    let now = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let (n, m, d) = (now.clone(), most.clone(), done.clone());
    let run: Arc<RunFn> = Arc::new(move |_name: &str, _x: &ExchangeConfig, _t: Trigger| {
        let going = n.fetch_add(1, Ordering::SeqCst) + 1;
        m.fetch_max(going, Ordering::SeqCst);
        std::thread::sleep(std::time::Duration::from_millis(2500));
        n.fetch_sub(1, Ordering::SeqCst);
        d.fetch_add(1, Ordering::SeqCst);
        Err(ExchangeError::Internal("test run".into()))
    });
    let scheduler = Scheduler::new(&exchanges, |_| None, run).unwrap();
    let stats = scheduler.stats()[0].1.clone();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (tx, rx) = tokio::sync::watch::channel(false);
        let handle = scheduler.spawn(rx);
        tokio::time::sleep(std::time::Duration::from_millis(5500)).await;
        tx.send(true).unwrap();
        handle.await.unwrap();
    });
    assert_eq!(most.load(Ordering::SeqCst), 1, "two runs overlapped");
    let started = stats.started.load(Ordering::SeqCst);
    assert!(started >= 2, "started {started}");
    assert!(stats.skipped.load(Ordering::SeqCst) >= 2);
    // Shutdown waited for the run that was going.
    assert_eq!(now.load(Ordering::SeqCst), 0);
    assert_eq!(done.load(Ordering::SeqCst) as u64, started);
}
