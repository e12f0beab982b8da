//! Exchanges in a running gateway and on the command line: `sdmxgw serve`
//! runs them (at start, on schedule, catching up once after downtime, marking
//! runs cut short), `GET /exchanges`, `/exchanges/{name}/runs` and
//! `/coverage` report them, `sdmxgw exchange list|run|history` work on the
//! same store, and configuration mistakes are named.

use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use sdmx_gateway::store::{FindingsSummary, RunCounts, RunStatus, SqliteStore, now_micros};
use serde_json::Value;

use crate::util::{root, sdmxgw, temp_dir};

/// A gateway process, killed on drop.
pub struct Gateway {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Gateway {
    /// Starts `sdmxgw serve --config CONFIG` on a free port (stderr to `log`).
    pub fn start(config: &Path, log: &Path) -> Gateway {
        Gateway::start_on(config, log, "127.0.0.1:0")
    }

    /// Starts on a given address (to restart on the same port).
    pub fn start_on(config: &Path, log: &Path, bind: &str) -> Gateway {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        let (child, base) = crate::util::spawn_serve(bind, config, log.into());
        Gateway { child, base }
    }

    /// GET → (status, content type, body).
    pub fn get(&self, path: &str, accept: Option<&str>) -> (u16, String, String) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut req = agent.get(format!("{}{path}", self.base));
        if let Some(a) = accept {
            req = req.header("Accept", a);
        }
        let mut resp = req.call().unwrap();
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let body = resp.body_mut().read_to_string().unwrap();
        (resp.status().as_u16(), ct, body)
    }

    /// GET a JSON document that must answer 200.
    pub fn json(&self, path: &str) -> Value {
        let (status, ct, body) = self.get(path, None);
        assert_eq!(status, 200, "{path}: {body}");
        assert!(ct.starts_with("application/json"), "{ct}");
        serde_json::from_str(&body).unwrap()
    }

    /// Stops it with SIGTERM and waits for it to exit.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.child.wait().unwrap()
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `f` every 100 ms until it gives `Some`, failing after `secs`.
pub fn wait_for<T>(secs: u64, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn sample(rel: &str) -> String {
    root().join("samples").join(rel).display().to_string()
}

/// A copy of the Philippine sample whose last year column is `2023-13`, not a
/// period: its 18 observations break the time-format rule, 36 are fine.
fn bad_year_mapping(dir: &Path) -> PathBuf {
    let table =
        std::fs::read(root().join("samples/tables/phl-deployments-illustrative.csv")).unwrap();
    // The table is windows-1252; only its (ASCII) header line changes.
    let header = b"Destination,Sex,2021,2022,2023";
    let at = table
        .windows(header.len())
        .position(|w| w == header)
        .unwrap();
    let mut out = table[..at].to_vec();
    out.extend_from_slice(b"Destination,Sex,2021,2022,2023-13");
    out.extend_from_slice(&table[at + header.len()..]);
    std::fs::write(dir.join("bad-year.csv"), out).unwrap();
    let mapping = std::fs::read_to_string(root().join("samples/mappings/phl-deployments.toml"))
        .unwrap()
        .replace("../tables/phl-deployments-illustrative.csv", "bad-year.csv");
    let path = dir.join("bad-year.toml");
    std::fs::write(&path, mapping).unwrap();
    path
}

fn write_config(dir: &Path, exchanges: &str) -> PathBuf {
    let path = dir.join("gateway.toml");
    std::fs::write(
        &path,
        format!(
            "store = {:?}\n{exchanges}",
            dir.join("gateway.db").display().to_string()
        ),
    )
    .unwrap();
    path
}

fn runs(g: &Gateway, name: &str) -> Vec<Value> {
    g.json(&format!("/exchanges/{name}/runs"))
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn serve_runs_exchanges_at_start_and_reports_them_as_json() {
    let dir = temp_dir("exchange-serve");
    let bad = bad_year_mapping(&dir);
    let config = write_config(
        &dir,
        &format!(
            "[exchanges.phl]\nschedule = '0 0 1 1 *'\ntables = [{:?}]\nrun_at_start = true\n\n\
             [exchanges.tha]\nschedule = '0 0 1 1 *'\ntimezone = 'Asia/Bangkok'\ntables = [{:?}]\nrun_at_start = true\n\n\
             [exchanges.bad]\nschedule = '0 0 1 1 *'\ntables = [{:?}]\nvalidation = 'quarantine'\nrun_at_start = true\n",
            sample("mappings/phl-deployments.toml"),
            sample("mappings/tha-work-permits.toml"),
            bad.display().to_string()
        ),
    );
    let g = Gateway::start(&config, &dir.join("serve.log"));
    for name in ["phl", "tha", "bad"] {
        wait_for(30, name, || {
            runs(&g, name)
                .first()
                .filter(|r| r["ended"].is_string())
                .cloned()
        });
    }
    let phl = &runs(&g, "phl")[0];
    assert_eq!(phl["status"], "ok");
    assert_eq!(phl["trigger"], "start");
    assert_eq!(
        (phl["pulled"].as_u64(), phl["valid"].as_u64()),
        (Some(54), Some(54))
    );
    let bad = &runs(&g, "bad")[0];
    // Both hold the 2021 and 2022 figures; whichever ran second found them
    // stored already, so together they wrote each observation once.
    assert_eq!(
        phl["stored"].as_u64().unwrap() + bad["stored"].as_u64().unwrap(),
        54
    );
    assert_eq!(bad["status"], "invalid");
    assert_eq!(
        (
            bad["pulled"].as_u64(),
            bad["valid"].as_u64(),
            bad["invalid"].as_u64()
        ),
        (Some(54), Some(36), Some(18))
    );
    assert_eq!(bad["findings"]["errors"].as_u64(), Some(18));
    assert!(
        bad["findings"]["first"][0]
            .as_str()
            .unwrap()
            .contains("2023-13")
    );

    let list = g.json("/exchanges");
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["phl", "tha", "bad"]);
    assert_eq!(list[1]["timezone"], "Asia/Bangkok");
    assert_eq!(list[2]["validation"], "quarantine");
    assert_eq!(list[0]["last_run"]["status"], "ok");
    assert!(
        list[0]["next_run"]
            .as_str()
            .unwrap()
            .ends_with("-01-01T00:00:00Z")
    );

    // Coverage: JSON by default, CSV on request.
    let cov = g.json("/coverage?from=2021&to=2024&area=PHL&area=THA");
    assert_eq!(cov["areas"], serde_json::json!(["PHL", "THA"]));
    let cells = cov["cells"].as_array().unwrap();
    let cell = |flow: &str, area: &str, year: i64| {
        cells
            .iter()
            .find(|c| c["dataflow"] == flow && c["ref_area"] == area && c["year"] == year)
            .unwrap_or_else(|| panic!("no cell {flow} {area} {year}"))
            .clone()
    };
    let phl_flow = "ILO:DF_MNA_OEMP_SEX_CDS_NB(1.0)";
    assert_eq!(cell(phl_flow, "PHL", 2021)["status"], "complete");
    assert_eq!(cell(phl_flow, "PHL", 2021)["observations"], 18);
    assert_eq!(cell(phl_flow, "PHL", 2024)["status"], "missing");
    assert_eq!(cell(phl_flow, "THA", 2022)["status"], "missing");
    let (status, ct, csv) = g.get("/coverage?from=2021&to=2023&area=PHL", Some("text/csv"));
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/csv"), "{ct}");
    assert!(csv.starts_with("DATAFLOW,REF_AREA,YEAR,OBSERVATIONS,STATUS\r\n"));
    assert!(
        csv.contains("ILO:DF_MNA_OEMP_SEX_CDS_NB(1.0),PHL,2022,18,complete\r\n"),
        "{csv}"
    );
    let (_, ct, _) = g.get("/coverage?format=csv&area=PHL", None);
    assert!(ct.starts_with("text/csv"));

    // Errors.
    let (status, ct, body) = g.get("/exchanges/nope/runs", None);
    assert_eq!(status, 404);
    assert!(ct.starts_with("application/json"));
    assert!(body.contains("nope"), "{body}");
    assert_eq!(g.get("/coverage?from=twenty", None).0, 400);
    assert_eq!(g.get("/exchanges/phl/runs?limit=x", None).0, 400);
    assert_eq!(g.get("/coverage?format=xml", None).0, 406);
    // A graceful stop exits 0.
    assert!(g.stop().success());
}

#[test]
fn a_missed_run_is_caught_up_once_and_a_cut_short_run_is_marked() {
    let dir = temp_dir("exchange-catch-up");
    let config = write_config(
        &dir,
        &format!(
            "[exchanges.hourly]\nschedule = '0 * * * *'\ntables = [{:?}]\n\n\
             [exchanges.yearly]\nschedule = '0 0 1 1 *'\ntables = [{:?}]\n",
            sample("mappings/phl-deployments.toml"),
            sample("mappings/tha-work-permits.toml"),
        ),
    );
    {
        // The gateway last ran `hourly` two hours ago (so at least one run was
        // missed) and died while `yearly` was running.
        let store = SqliteStore::open(dir.join("gateway.db")).unwrap();
        let two_hours_ago = now_micros() - 2 * 3600 * 1_000_000;
        let id = store
            .begin_run("hourly", "schedule", two_hours_ago)
            .unwrap();
        store
            .finish_run(
                id,
                two_hours_ago + 1000,
                RunStatus::Ok,
                &RunCounts::default(),
                &FindingsSummary::default(),
                None,
            )
            .unwrap();
        store
            .begin_run("yearly", "schedule", now_micros() - 1000)
            .unwrap();
    }
    let g = Gateway::start(&config, &dir.join("serve.log"));
    let latest = wait_for(30, "the catch-up run", || {
        let r = runs(&g, "hourly");
        (r.len() == 2 && r[0]["ended"].is_string()).then(|| r[0].clone())
    });
    assert_eq!(latest["trigger"], "catch-up");
    assert_eq!(latest["stored"].as_u64(), Some(54));
    let yearly = runs(&g, "yearly");
    assert_eq!(
        yearly.len(),
        1,
        "the yearly schedule did not fire: no catch-up"
    );
    assert_eq!(yearly[0]["status"], "interrupted");
    assert!(yearly[0]["error"].as_str().unwrap().contains("stopped"));
    // Once: a second start right away finds nothing missed.
    g.stop();
    let g = Gateway::start(&config, &dir.join("serve.log"));
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(runs(&g, "hourly").len(), 2);
}

#[test]
fn exchange_cli_lists_runs_and_shows_history() {
    let dir = temp_dir("exchange-cli");
    let bad = bad_year_mapping(&dir);
    let config = write_config(
        &dir,
        &format!(
            "[exchanges.phl]\nschedule = '30 6 * * 1'\ntimezone = 'Asia/Manila'\ntables = [{:?}]\n\n\
             [exchanges.bad]\nschedule = '0 0 1 1 *'\ntables = [{:?}]\nvalidation = 'quarantine'\n",
            sample("mappings/phl-deployments.toml"),
            bad.display().to_string()
        ),
    );
    let cli = |args: &[&str]| {
        let out = sdmxgw()
            .current_dir(root())
            .args(args)
            .arg("--config")
            .arg(&config)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, _) = cli(&["exchange", "list"]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("phl") && out.contains("30 6 * * 1") && out.contains("never"),
        "{out}"
    );

    let (code, out, err) = cli(&["exchange", "run", "phl", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let run: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(run["trigger"], "manual");
    assert_eq!(run["status"], "ok");
    assert_eq!(run["stored"].as_u64(), Some(54));
    // Again: the table did not change, nothing moves.
    let (code, out, _) = cli(&["exchange", "run", "phl"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("0 pulled"), "{out}");
    // Invalid data held back: exit 1, findings shown.
    let (code, out, _) = cli(&["exchange", "run", "bad"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("18 invalid") && out.contains("2023-13"),
        "{out}"
    );

    let (code, out, _) = cli(&["exchange", "history", "phl", "--json"]);
    assert_eq!(code, Some(0));
    let history: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["stored"].as_u64(), Some(54));
    assert_eq!(history[0]["pulled"].as_u64(), Some(0));
    let (_, out, _) = cli(&["exchange", "history", "phl"]);
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(out.lines().next().unwrap().contains("STATUS"));

    let (_, out, _) = cli(&["exchange", "list", "--json"]);
    let list: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(list[0]["last_run"]["trigger"], "manual");
    assert_eq!(list[1]["last_run"]["status"], "invalid");

    let (code, _, err) = cli(&["exchange", "run", "nope"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("\"nope\"") && err.contains("phl, bad"),
        "{err}"
    );
}

#[test]
fn configuration_mistakes_name_the_exchange() {
    let dir = temp_dir("exchange-config");
    for (text, expected) in [
        (
            "[exchanges.x]\nschedule = 'often'\ntables = ['a.toml']\n",
            "exchange x: schedule \"often\"",
        ),
        (
            "[exchanges.x]\nschedule = '* * * * *'\ntimezone = 'Asia/Nowhere'\ntables = ['a.toml']\n",
            "Asia/Nowhere",
        ),
        (
            "[exchanges.x]\nschedule = '* * * * *'\npulls = [{ source = 'nosuch', dataflow = 'DF' }]\n",
            "exchange x: it pulls from source \"nosuch\"",
        ),
        (
            "[exchanges.x]\nschedule = '* * * * *'\ntables = ['a.toml']\ntargets = ['ilo']\n",
            "exchange x: it delivers to target \"ilo\"",
        ),
        (
            "[exchanges.x]\nschedule = '* * * * *'\n",
            "exchange x: it has no input",
        ),
        (
            "[exchanges.x]\nschedule = '* * * * *'\ntables = ['a.toml']\nvalidation = 'lenient'\n",
            "lenient",
        ),
    ] {
        let path = dir.join("bad.toml");
        std::fs::write(&path, text).unwrap();
        let out = sdmxgw()
            .current_dir(root())
            .args(["serve", "--bind", "127.0.0.1:0", "--config"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{text}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{text}: {err}");
        assert!(err.contains("bad.toml"), "{err}");
    }
}

#[test]
fn the_embedded_default_maps_the_sample_tables() {
    // The shipped default parses and names the four sample tables.
    let dir = temp_dir("exchange-default");
    let out = sdmxgw()
        .current_dir(&dir)
        .args(["exchange", "list", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = list.iter().map(|x| x["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "phl-deployments",
            "tha-work-permits",
            "mys-lfs-employed",
            "vnm-contract-workers"
        ]
    );
    assert_eq!(list[0]["schedule"], "* * * * *");
    // Run from elsewhere, the tables are found in the source tree.
    assert!(
        list[0]["inputs"][0]
            .as_str()
            .unwrap()
            .ends_with("samples/mappings/phl-deployments.toml")
    );
    assert!(dir.join("data/gateway.db").exists());
}

#[test]
fn the_embedded_default_delivers_the_sample_tables_to_itself() {
    // `sdmxgw serve` without --config, from an empty folder: the sample
    // tables are mapped and delivered to the gateway's own POST /data.
    let dir = temp_dir("exchange-default-serve");
    let log = std::fs::File::create(dir.join("serve.log")).unwrap();
    let (child, base) = crate::util::spawn_serve_in(&dir, &["--bind", "127.0.0.1:0"], log.into());
    let g = Gateway { child, base };
    for (name, n) in [
        ("phl-deployments", 54),
        ("tha-work-permits", 36),
        ("mys-lfs-employed", 63),
        ("vnm-contract-workers", 60),
    ] {
        let run = wait_for(60, name, || {
            runs(&g, name)
                .first()
                .filter(|r| r["ended"].is_string())
                .cloned()
        });
        assert_eq!(run["status"], "ok", "{run}");
        assert_eq!(run["pushed"].as_u64(), Some(n), "{run}");
        assert_eq!(run["stored"].as_u64(), Some(0), "{run}");
    }
    let (status, _, csv) = g.get("/data/DF_MNA_OEMP_SEX_CDS_NB/PHL....?format=csvfile", None);
    assert_eq!(status, 200, "{csv}");
    assert_eq!(csv.lines().count(), 1 + 54);
    // The log shows the runs and then the coverage table.
    wait_for(30, "the coverage table in the log", || {
        let log = std::fs::read_to_string(dir.join("serve.log")).unwrap();
        (log.contains("exchange run finished") && log.contains(" complete, 0 partial, "))
            .then_some(())
    });
}
