//! Two gateways on loopback: a Member State gateway maps its national tables
//! into its store and publishes them over SDMX REST; a collector gateway
//! pulls from it every two seconds. Each is killed (as in a crash) and
//! restarted in the middle; at the end the collector holds every observation
//! exactly once, equal to the Member State's, and its run history is
//! complete.

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

/// The Member State gateway's configuration: `tables` mapped into its store.
fn member_state_config(dir: &Path, tables: &[&str]) -> std::path::PathBuf {
    let list: Vec<String> = tables.iter().map(|t| format!("{:?}", mapping(t))).collect();
    let path = dir.join("ms.toml");
    std::fs::write(
        &path,
        format!(
            "store = {:?}\n\n[exchanges.publish]\nschedule = '*/3 * * * * *'\ntables = [{}]\nrun_at_start = true\n",
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
             [sources.ms]\nkind = 'sdmx-rest'\nurl = {member_state:?}\ntimeout_secs = 10\nretry = {{ max_attempts = 1 }}\n\n\
             [exchanges.collect]\nschedule = '*/2 * * * * *'\nvalidation = 'quarantine'\n\
             pulls = [{{ source = 'ms', dataflow = '{PHL}' }}, {{ source = 'ms', dataflow = '{THA}' }}]\n",
            dir.join("collector.db").display().to_string(),
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

fn bind_of(g: &Gateway) -> String {
    g.base.trim_start_matches("http://").to_owned()
}

#[test]
fn a_collector_pulls_from_a_member_state_across_restarts_of_both() {
    let dir = temp_dir("exchange-e2e");
    let ms_log = dir.join("ms.log");
    let col_log = dir.join("collector.log");

    // 1. The Member State publishes its deployments table.
    let ms_config = member_state_config(&dir, &["phl-deployments.toml"]);
    let ms = Gateway::start(&ms_config, &ms_log);
    let ms_bind = bind_of(&ms);
    wait_for(30, "the Member State's first run", || {
        (data(&ms, PHL).len() == 54).then_some(())
    });

    // 2. The collector pulls it.
    let col_config = collector_config(&dir, &ms.base);
    let col = Gateway::start(&col_config, &col_log);
    let col_bind = bind_of(&col);
    wait_for(30, "the collector's first pull", || {
        (data(&col, PHL).len() == 54).then_some(())
    });

    // 3. The Member State crashes; the collector's pulls fail meanwhile.
    drop(ms);
    wait_for(30, "a failed pull", || {
        runs(&col, "collect")
            .iter()
            .any(|r| r["status"] == "failed")
            .then_some(())
    });
    // It comes back with a second table.
    let ms_config = member_state_config(&dir, &["phl-deployments.toml", "tha-work-permits.toml"]);
    let ms = Gateway::start_on(&ms_config, &ms_log, &ms_bind);
    wait_for(30, "the Member State's second table", || {
        (data(&ms, THA).len() == 36).then_some(())
    });

    // 4. The collector crashes and comes back (on its port, with its store).
    drop(col);
    std::thread::sleep(Duration::from_millis(2500));
    let col = Gateway::start_on(&col_config, &col_log, &col_bind);
    wait_for(30, "the collector to catch up", || {
        (data(&col, THA).len() == 36).then_some(())
    });
    // A few more quiet runs.
    std::thread::sleep(Duration::from_millis(4500));

    // Every observation exactly once, equal to the Member State's.
    for flow in [PHL, THA] {
        assert_eq!(data(&col, flow), data(&ms, flow), "{flow}");
    }
    let db = rusqlite::Connection::open(dir.join("collector.db")).unwrap();
    let versions: i64 = db
        .query_row("SELECT COUNT(*) FROM observations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        versions,
        54 + 36,
        "an observation was written more than once"
    );

    // The run history is complete: every run ended; the failures name the
    // source; the restart caught up once.
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
    let stored: u64 = history.iter().map(|r| r["stored"].as_u64().unwrap()).sum();
    assert_eq!(stored, 54 + 36);
    // The Member State's own history survived its crash too: only its newest
    // run may still be going.
    let published = runs(&ms, "publish");
    assert!(published.iter().skip(1).all(|r| r["ended"].is_string()));
    assert!(
        published
            .iter()
            .any(|r| r["trigger"] == "start" && r["stored"].as_u64() == Some(36)),
        "the second start mapped the new table"
    );
}
