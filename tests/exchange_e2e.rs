//! Two gateways on loopback: a Member State gateway maps its national tables
//! into its store, publishes them over SDMX REST and pushes them to the
//! collector; the collector also pulls from it every two seconds. Each is
//! killed (as in a crash) and restarted in the middle; at the end the
//! collector holds every observation exactly once, equal to the Member
//! State's, every push was acknowledged, and the run history is complete.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::exchange_serve::{Gateway, wait_for};
use crate::util::{root, temp_dir};

const PHL: &str = "ILO:DF_MNA_OEMP_SEX_CDS_NB(1.0)";
const THA: &str = "ILO:DF_MST_NCTE_SEX_CCT_NB(1.0)";

fn mapping(name: &str) -> String {
    root()
        .join("samples/mappings")
        .join(name)
        .display()
        .to_string()
}

const TOKEN: &str = "ms-push-token";

/// A free loopback port (bound and released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The Member State gateway's configuration: `tables` mapped into its store
/// and pushed to the collector.
fn member_state_config(dir: &Path, tables: &[&str], collector: &str) -> std::path::PathBuf {
    let list: Vec<String> = tables.iter().map(|t| format!("{:?}", mapping(t))).collect();
    let path = dir.join("ms.toml");
    std::fs::write(
        &path,
        format!(
            "store = {:?}\n\n\
             [targets.collector]\nkind = 'sdmx-rest'\nurl = {collector:?}\ntimeout_secs = 10\n\
             auth = {{ type = 'bearer', token = '{TOKEN}' }}\nretry = {{ max_attempts = 1 }}\n\n\
             [exchanges.publish]\nschedule = '*/3 * * * * *'\ntables = [{}]\ntargets = ['collector']\nrun_at_start = true\n",
            dir.join("ms.db").display().to_string(),
            list.join(", ")
        ),
    )
    .unwrap();
    path
}

fn collector_config(dir: &Path, member_state: &str) -> std::path::PathBuf {
    let path = dir.join("collector.toml");
    std::fs::write(
        &path,
        format!(
            "store = {:?}\n\n\
             [[providers]]\nid = 'MS'\ntoken_sha256 = '{}'\nref_areas = ['PHL', 'THA']\ndataflows = ['*']\n\n\
             [sources.ms]\nkind = 'sdmx-rest'\nurl = {member_state:?}\ntimeout_secs = 10\nretry = {{ max_attempts = 1 }}\n\n\
             [exchanges.collect]\nschedule = '*/2 * * * * *'\nvalidation = 'quarantine'\n\
             pulls = [{{ source = 'ms', dataflow = '{PHL}' }}, {{ source = 'ms', dataflow = '{THA}' }}]\n",
            dir.join("collector.db").display().to_string(),
            sdmx_gateway::store::sha256_hex(TOKEN.as_bytes()),
        ),
    )
    .unwrap();
    path
}

/// Every observation of a dataflow as CSV lines (sorted), from a gateway's REST API.
fn data(g: &Gateway, flow: &str) -> BTreeSet<String> {
    let id = flow.split([':', '(']).nth(1).unwrap();
    let (status, _, body) = g.get(&format!("/data/{id}/all?format=csvfile"), None);
    if status == 404 {
        return BTreeSet::new();
    }
    assert_eq!(status, 200, "{body}");
    body.lines().skip(1).map(str::to_owned).collect()
}

fn runs(g: &Gateway, name: &str) -> Vec<Value> {
    g.json(&format!("/exchanges/{name}/runs?limit=1000"))
        .as_array()
        .unwrap()
        .clone()
}

fn count(db: &Path, sql: &str) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_collector_pulls_and_receives_pushes_across_restarts_of_both() {
    let dir = temp_dir("exchange-e2e");
    let (ms_log, col_log) = (dir.join("ms.log"), dir.join("collector.log"));
    let (ms_bind, col_bind) = (
        format!("127.0.0.1:{}", free_port()),
        format!("127.0.0.1:{}", free_port()),
    );
    let col_config = collector_config(&dir, &format!("http://{ms_bind}"));
    let ms_phl = member_state_config(
        &dir,
        &["phl-deployments.toml"],
        &format!("http://{col_bind}"),
    );

    // 1. The collector starts first: its pulls fail until the Member State is up.
    let col = Gateway::start_on(&col_config, &col_log, &col_bind);
    wait_for(30, "a failed pull", || {
        runs(&col, "collect")
            .iter()
            .any(|r| r["status"] == "failed")
            .then_some(())
    });

    // 2. The Member State maps, stores and pushes its deployments table.
    let ms = Gateway::start_on(&ms_phl, &ms_log, &ms_bind);
    wait_for(30, "the pushed table at the collector", || {
        (data(&col, PHL).len() == 54).then_some(())
    });
    let first = &runs(&ms, "publish")[0];
    assert_eq!(first["pushed"].as_u64(), Some(54), "{first}");

    // 3. Both crash. The Member State comes back with a second table while
    //    the collector is down: the push waits in its outbox.
    drop(col);
    drop(ms);
    let ms_both = member_state_config(
        &dir,
        &["phl-deployments.toml", "tha-work-permits.toml"],
        &format!("http://{col_bind}"),
    );
    let ms = Gateway::start_on(&ms_both, &ms_log, &ms_bind);
    wait_for(30, "the Member State's second table", || {
        (data(&ms, THA).len() == 36).then_some(())
    });
    wait_for(30, "a push waiting in the outbox", || {
        (count(
            &dir.join("ms.db"),
            "SELECT COUNT(*) FROM outbox WHERE state != 'acknowledged'",
        ) > 0)
            .then_some(())
    });

    // 4. The collector comes back (its port, its store) after missing at
    //    least one scheduled run: it catches up once with a pull, and the
    //    waiting push is delivered.
    std::thread::sleep(Duration::from_millis(2500));
    let col = Gateway::start_on(&col_config, &col_log, &col_bind);
    wait_for(30, "the collector to catch up", || {
        (data(&col, THA).len() == 36).then_some(())
    });
    wait_for(30, "every push acknowledged", || {
        (count(
            &dir.join("ms.db"),
            "SELECT COUNT(*) FROM outbox WHERE state != 'acknowledged'",
        ) == 0)
            .then_some(())
    });
    // A few more quiet runs.
    std::thread::sleep(Duration::from_millis(4500));

    // Every observation exactly once, equal to the Member State's.
    for flow in [PHL, THA] {
        assert_eq!(data(&col, flow), data(&ms, flow), "{flow}");
    }
    let col_db = dir.join("collector.db");
    assert_eq!(
        count(&col_db, "SELECT COUNT(*) FROM observations"),
        54 + 36,
        "an observation was written more than once"
    );
    // Both pushed messages were received (each applied once) from the Member State.
    assert_eq!(
        count(
            &dir.join("ms.db"),
            "SELECT COUNT(*) FROM outbox WHERE state = 'acknowledged'"
        ),
        2
    );
    assert!(
        count(
            &col_db,
            "SELECT COUNT(*) FROM submissions WHERE who = 'MS' AND receipt IS NOT NULL"
        ) >= 1
    );

    // The run history is complete: every run ended; the failures name the
    // source; the restart caught up once; the pulls stored what the pushes
    // had not.
    let history = runs(&col, "collect");
    assert!(history.len() >= 4, "{} runs", history.len());
    for r in &history {
        assert!(r["ended"].is_string(), "a run never ended: {r}");
        let status = r["status"].as_str().unwrap();
        assert!(
            ["ok", "failed", "interrupted"].contains(&status),
            "unexpected status {status}: {r}"
        );
        if status == "failed" {
            assert!(r["error"].as_str().unwrap().contains("pull ms"), "{r}");
        }
    }
    let ids: Vec<i64> = history.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] == w[1] + 1),
        "runs missing: {ids:?}"
    );
    assert_eq!(
        history
            .iter()
            .filter(|r| r["trigger"] == "catch-up")
            .count(),
        1,
        "exactly one catch-up after the collector's restart"
    );
    // The Member State's own history survived its crash too: only its newest
    // run may still be going.
    let published = runs(&ms, "publish");
    assert!(published.iter().skip(1).all(|r| r["ended"].is_string()));
    assert!(
        published
            .iter()
            .any(|r| r["trigger"] == "start" && r["pushed"].as_u64() == Some(36)),
        "the second start mapped and pushed the new table"
    );
}
