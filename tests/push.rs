//! `sdmxgw push` and `sdmxgw outbox` as real processes against a real
//! `sdmxgw serve` collector over loopback: delivery and receipts, refusals,
//! directory drops, a collector that is down and comes back, and a push killed
//! mid-upload — the collector always ends with exactly one copy.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::util;

const FLOW: &str = "DF_MNA_OEMP_SEX_CDS_NB";
const TOKEN: &str = "phl-push-token";

fn sample_path() -> PathBuf {
    util::root().join("samples/messages/phl-outflows-illustrative.csv")
}

fn sample() -> String {
    std::fs::read_to_string(sample_path()).unwrap()
}

fn sha(bytes: &[u8]) -> String {
    sdmx_gateway::store::sha256_hex(bytes)
}

/// A collector: `sdmxgw serve` with a PHL provider token, killed on drop.
struct Collector {
    child: Child,
    base: String,
    db: PathBuf,
}

impl Collector {
    fn start(dir: &Path, bind: &str) -> Collector {
        let db = dir.join("collector/gateway.db");
        let config = format!(
            "store = {:?}\n[[providers]]\nid = \"PHL\"\ntoken_sha256 = \"{}\"\nref_areas = [\"PHL\"]\ndataflows = [\"{FLOW}\"]\n",
            db.display().to_string(),
            sha(TOKEN.as_bytes())
        );
        let path = dir.join("collector.toml");
        std::fs::write(&path, config).unwrap();
        let (child, base) = crate::util::spawn_serve(bind, &path, Stdio::null());
        Collector { child, base, db }
    }

    fn addr(&self) -> String {
        self.base.strip_prefix("http://").unwrap().to_owned()
    }

    /// Applied submissions and live observations in the collector's store.
    fn counts(&self) -> (i64, i64) {
        let conn = rusqlite::Connection::open(&self.db).unwrap();
        let subs: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM submissions WHERE receipt IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let obs: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM observations WHERE valid_to IS NULL AND deleted = 0",
                [],
                |r| r.get(0),
            )
            .unwrap();
        (subs, obs)
    }

    fn csv(&self) -> String {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut resp = agent
            .get(format!("{}/data/{FLOW}/all?format=csvfile", self.base))
            .call()
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        resp.body_mut().read_to_string().unwrap()
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The pushing gateway's configuration: its own store (and outbox) and targets.
fn client_config(dir: &Path, targets: &str) -> PathBuf {
    let path = dir.join("client.toml");
    std::fs::write(
        &path,
        format!(
            "store = {:?}\n{targets}",
            dir.join("client/gateway.db").display().to_string()
        ),
    )
    .unwrap();
    path
}

fn rest_target(name: &str, addr: &str, token: &str) -> String {
    format!(
        "[targets.{name}]\nkind = \"sdmx-rest\"\nurl = \"http://{addr}\"\nauth = {{ type = \"bearer\", token = \"{token}\" }}\nretry = {{ max_attempts = 2, initial_delay_ms = 50 }}\n"
    )
}

fn run(config: &Path, args: &[&str]) -> Output {
    util::sdmxgw()
        .current_dir(util::root())
        .args(args)
        .arg("--config")
        .arg(config)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn outbox(config: &Path) -> Vec<serde_json::Value> {
    let o = run(config, &["outbox", "list", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn free_port() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

#[test]
fn push_to_serve_then_query_back_and_push_again() {
    let dir = util::temp_dir("push-serve");
    let c = Collector::start(&dir, "127.0.0.1:0");
    let config = client_config(&dir, &rest_target("ilo", &c.addr(), TOKEN));
    let s = sample_path();
    let o = run(
        &config,
        &["push", s.to_str().unwrap(), "--to", "ilo", "--json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["state"], "acknowledged");
    assert_eq!(v["http_status"], 200);
    assert_eq!(v["sha256"], sha(sample().as_bytes()));
    assert!(
        v["receipt"]
            .as_str()
            .unwrap()
            .contains("SubmitDataResponse")
    );
    assert!(
        v["summary"]
            .as_str()
            .unwrap()
            .contains("90 observations written"),
        "{v}"
    );
    let csv = c.csv();
    assert_eq!(csv.lines().count(), 91);
    assert!(csv.contains("921.3"));
    assert_eq!(c.counts(), (1, 90));
    // The payload is gone from the outbox once acknowledged; the receipt stays.
    let payloads: Vec<_> = std::fs::read_dir(dir.join("client/outbox"))
        .unwrap()
        .collect();
    assert!(payloads.is_empty(), "{payloads:?}");

    // The same file again: the same outbox message, nothing sent twice.
    let o = run(&config, &["push", s.to_str().unwrap(), "--to", "ilo"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("message 1 "));
    let rows = outbox(&config);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["attempts"], 1);
    assert_eq!(c.counts(), (1, 90));
    assert_eq!(
        std::fs::read_dir(dir.join("client/outbox"))
            .unwrap()
            .count(),
        0,
        "the copy made for an already delivered message was kept"
    );
}

#[test]
fn collector_that_already_applied_it_answers_with_the_original_receipt() {
    // As after a kill between the collector's commit and the outbox recording
    // the receipt: the re-send is recognised and applied once.
    let dir = util::temp_dir("push-already");
    let c = Collector::start(&dir, "127.0.0.1:0");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let resp = agent
        .post(format!("{}/data", c.base))
        .header("Authorization", &format!("Bearer {TOKEN}"))
        .send(sample().as_bytes())
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let config = client_config(&dir, &rest_target("ilo", &c.addr(), TOKEN));
    let o = run(
        &config,
        &["push", sample_path().to_str().unwrap(), "--to", "ilo"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("submission 1"), "{out}");
    assert!(out.contains("a repeat"), "{out}");
    assert_eq!(c.counts(), (1, 90));
}

#[test]
fn wrong_token_fails_with_a_clear_message_and_retry_after_fixing_it() {
    let dir = util::temp_dir("push-token");
    let c = Collector::start(&dir, "127.0.0.1:0");
    let config = client_config(&dir, &rest_target("ilo", &c.addr(), "not-the-token"));
    let o = run(
        &config,
        &["push", sample_path().to_str().unwrap(), "--to", "ilo"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("HTTP 401"), "{out}");
    assert!(
        out.contains("check the token in [targets.ilo].auth"),
        "{out}"
    );
    let rows = outbox(&config);
    assert_eq!(rows[0]["state"], "failed");
    assert_eq!(rows[0]["http_status"], 401);
    assert_eq!(c.counts(), (0, 0));

    // A refused message is not retried on its own…
    let o = run(&config, &["outbox", "retry"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("nothing to deliver"));
    // …but is once the token is fixed and it is asked for.
    let config = client_config(&dir, &rest_target("ilo", &c.addr(), TOKEN));
    let o = run(&config, &["outbox", "retry", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(outbox(&config)[0]["state"], "acknowledged");
    assert_eq!(c.counts(), (1, 90));
}

#[test]
fn invalid_file_is_refused_and_nothing_is_queued() {
    let dir = util::temp_dir("push-invalid");
    // No collector: nothing may even be attempted.
    let config = client_config(&dir, &rest_target("ilo", &free_port(), TOKEN));
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, sample().replacen(",SEX_T,", ",SEX_X,", 1)).unwrap();
    let o = run(&config, &["push", bad.to_str().unwrap(), "--to", "ilo"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("nothing was queued"), "{err}");
    assert!(err.contains("SEX_X"), "{err}");
    assert!(outbox(&config).is_empty());

    let junk = dir.join("notes.txt");
    std::fs::write(&junk, "just some notes\n").unwrap();
    let o = run(&config, &["push", junk.to_str().unwrap(), "--to", "ilo"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a data message"));
    assert!(outbox(&config).is_empty());

    let o = run(
        &config,
        &["push", sample_path().to_str().unwrap(), "--to", "nowhere"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no target \"nowhere\""), "{err}");
    assert!(err.contains("known: ilo"), "{err}");
    assert!(outbox(&config).is_empty());
}

#[test]
fn directory_drop_with_manifest_once() {
    let dir = util::temp_dir("push-directory");
    let drop_dir = dir.join("drop");
    let target = format!(
        "[targets.files]\nkind = \"directory\"\npath = {:?}\n",
        drop_dir.display().to_string()
    );
    let config = client_config(&dir, &target);
    let s = sample_path();
    let o = run(&config, &["push", s.to_str().unwrap(), "--to", "files"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let bytes = std::fs::read(&s).unwrap();
    let dropped = drop_dir.join("phl-outflows-illustrative.csv");
    assert_eq!(std::fs::read(&dropped).unwrap(), bytes);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(drop_dir.join("manifest.json")).unwrap()).unwrap();
    let files = manifest["files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["file"], "phl-outflows-illustrative.csv");
    assert_eq!(files[0]["sha256"], sha(&bytes));
    assert_eq!(files[0]["bytes"], bytes.len() as u64);
    assert_eq!(
        std::fs::read_to_string(drop_dir.join("SHA256SUMS")).unwrap(),
        format!("{}  phl-outflows-illustrative.csv\n", sha(&bytes))
    );

    // Another gateway (its own outbox) dropping the same message: recognised
    // by its hash, no second copy.
    let other = dir.join("other");
    std::fs::create_dir_all(&other).unwrap();
    let config2 = client_config(&other, &target);
    let o = run(&config2, &["push", s.to_str().unwrap(), "--to", "files"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // A different message with the same name goes beside it, hash-suffixed.
    let changed = dir.join("phl-outflows-illustrative.csv");
    std::fs::write(&changed, sample().replace("921.3", "921.4")).unwrap();
    let o = run(
        &config,
        &["push", changed.to_str().unwrap(), "--to", "files"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let mut names: Vec<String> = std::fs::read_dir(&drop_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let changed_sha = sha(&std::fs::read(&changed).unwrap());
    assert_eq!(
        names,
        [
            "SHA256SUMS".to_owned(),
            "manifest.json".to_owned(),
            format!("phl-outflows-illustrative-{}.csv", &changed_sha[..12]),
            "phl-outflows-illustrative.csv".to_owned(),
        ]
    );
    // sha256sum agrees with the list.
    if let Ok(check) = std::process::Command::new("sha256sum")
        .arg("-c")
        .arg("SHA256SUMS")
        .current_dir(&drop_dir)
        .output()
    {
        assert!(check.status.success(), "{check:?}");
    }
}

#[test]
fn collector_down_then_back_everything_arrives_once() {
    let dir = util::temp_dir("push-down");
    let addr = free_port();
    let config = client_config(&dir, &rest_target("ilo", &addr, TOKEN));
    let first = sample_path();
    let second = dir.join("revised.csv");
    std::fs::write(&second, sample().replace("921.3", "930.0")).unwrap();
    for f in [&first, &second] {
        let o = run(&config, &["push", f.to_str().unwrap(), "--to", "ilo"]);
        assert_eq!(o.status.code(), Some(3), "{}", text(&o));
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.contains("not delivered yet"), "{out}");
        assert!(out.contains("check that the service is up"), "{out}");
    }
    let rows = outbox(&config);
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["state"] == "pending"), "{rows:?}");
    // Retried while the collector is still down: still waiting.
    let o = run(&config, &["outbox", "retry"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));

    let c = Collector::start(&dir, &addr);
    let o = run(&config, &["outbox", "retry", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let tried: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(tried.len(), 2);
    assert!(tried.iter().all(|r| r["state"] == "acknowledged"));
    assert_eq!(c.counts(), (2, 90));
    assert!(c.csv().contains("930"), "the revision was applied last");
    // Again: nothing left, nothing applied twice.
    let o = run(&config, &["outbox", "retry", "--all"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(c.counts(), (2, 90));
}

/// A TCP proxy that counts the bytes sent upstream and, while `throttle` is
/// set, lets them through slowly (so a kill lands mid-body).
struct Proxy {
    addr: String,
    uploaded: Arc<AtomicU64>,
    throttle: Arc<AtomicBool>,
}

impl Proxy {
    fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let uploaded = Arc::new(AtomicU64::new(0));
        let throttle = Arc::new(AtomicBool::new(true));
        let (up, th) = (uploaded.clone(), throttle.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                let (mut c_read, mut s_write) =
                    (client.try_clone().unwrap(), server.try_clone().unwrap());
                let (mut s_read, mut c_write) = (server, client);
                let (up, th) = (up.clone(), th.clone());
                std::thread::spawn(move || {
                    let mut buf = vec![0u8; 16 * 1024];
                    loop {
                        let n = match c_read.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        if th.load(Ordering::SeqCst) {
                            std::thread::sleep(Duration::from_millis(10));
                        }
                        if s_write.write_all(&buf[..n]).is_err() {
                            break;
                        }
                        up.fetch_add(n as u64, Ordering::SeqCst);
                    }
                    let _ = s_write.shutdown(Shutdown::Write);
                });
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut s_read, &mut c_write);
                    let _ = c_write.shutdown(Shutdown::Both);
                });
            }
        });
        Proxy {
            addr,
            uploaded,
            throttle,
        }
    }
}

/// A valid message of `n` observations: the sample's 18 series over many years.
fn big_message(path: &Path, per_series: u32) -> u64 {
    let text = sample();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let series: Vec<&str> = lines.filter(|l| l.contains(",2019,")).collect();
    let mut out = format!("{header}\n");
    for s in &series {
        for year in 1000..1000 + per_series {
            out.push_str(&s.replace(",2019,", &format!(",{year},")));
            out.push('\n');
        }
    }
    std::fs::write(path, &out).unwrap();
    series.len() as u64 * per_series as u64
}

#[test]
fn push_killed_mid_upload_then_resumed_stores_exactly_one_copy() {
    let dir = util::temp_dir("push-kill");
    let c = Collector::start(&dir, "127.0.0.1:0");
    let proxy = Proxy::start(c.addr());
    let config = client_config(&dir, &rest_target("ilo", &proxy.addr, TOKEN));
    let big = dir.join("big.csv");
    let observations = big_message(&big, 3_000);
    let size = std::fs::metadata(&big).unwrap().len();

    let mut push = util::sdmxgw()
        .current_dir(util::root())
        .args(["push", big.to_str().unwrap(), "--to", "ilo", "--config"])
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while proxy.uploaded.load(Ordering::SeqCst) < size / 4 {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the upload never started"
        );
        assert!(push.try_wait().unwrap().is_none(), "push ended early");
        std::thread::sleep(Duration::from_millis(5));
    }
    push.kill().unwrap(); // SIGKILL: no cleanup runs
    push.wait().unwrap();
    let sent = proxy.uploaded.load(Ordering::SeqCst);
    assert!(
        sent < size,
        "the kill landed after the whole body ({sent} of {size})"
    );
    proxy.throttle.store(false, Ordering::SeqCst);

    let rows = outbox(&config);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["state"], "delivering", "{rows:?}");
    assert_eq!(rows[0]["attempts"], 1);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(c.counts(), (0, 0), "part of the cut upload was stored");

    // The restart resumes the interrupted message.
    let o = run(&config, &["outbox", "retry"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(c.counts(), (1, observations as i64));
    let rows = outbox(&config);
    assert_eq!(rows[0]["state"], "acknowledged");
    assert_eq!(rows[0]["attempts"], 2);

    // Pushing the file yet again changes nothing.
    let o = run(&config, &["push", big.to_str().unwrap(), "--to", "ilo"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(c.counts(), (1, observations as i64));
}
