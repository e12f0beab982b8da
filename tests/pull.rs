//! Pulling over loopback: the real `sdmxgw serve` as a statistics office's
//! SDMX endpoint (1.5 and 2.x paths, into a file and into a second store,
//! 413 splitting), providers that misbehave (406, 503 + Retry-After, an SDMX
//! error in a 200, an HTML page, a body cut off), conditional and incremental
//! pulls, gzip, a PX-Web endpoint answering in OpenSTAT's shapes and a CSV
//! file over HTTP, both mapped.

use std::collections::BTreeSet;

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use sdmx_gateway::data::{CollectSink, FlatObs, StructureUse, pump};
use sdmx_gateway::format::{DataFormat, ReadOptions, WriteOptions, open_reader, open_writer};
use sdmx_gateway::model::ArtefactClass;
use sdmx_gateway::source::{
    PullRequest, Source, SourceConfig, SourceError, pull_into_store, pull_to_file,
};
use sdmx_gateway::store::{DataQuery, SqliteStore, Store};

use crate::exchange::registry;
use crate::util::{self, root, temp_dir};

const FLOW: &str = "ILO:DF_MNA_OEMP_SEX_CDS_NB(1.0)";
const TOKEN: &str = "phl-pull-token";

fn sample() -> Vec<u8> {
    std::fs::read(root().join("samples/messages/phl-outflows-illustrative.csv")).unwrap()
}

/// Every observation of a message in `format`, flattened.
fn flat(bytes: &[u8], format: DataFormat) -> Vec<FlatObs> {
    let reg = registry();
    let flow = reg.dataflow(FLOW).unwrap();
    let dsd = reg.structure_of(flow).unwrap();
    let usage = StructureUse::Dataflow(flow.meta.reference(ArtefactClass::Dataflow));
    let opts = ReadOptions {
        source: "test",
        dsd: Some(dsd),
        structure: Some(&usage),
    };
    let mut r = open_reader(format, bytes, opts).unwrap();
    let mut sink = CollectSink::default();
    pump(&mut r, &mut sink).unwrap();
    sink.collected.flat()
}

/// (key, value) of every observation, sorted: what must survive a pull.
fn values(obs: &[FlatObs]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = obs
        .iter()
        .map(|(key, measures, _)| {
            let k: Vec<String> = key.iter().map(|(_, v)| v.clone()).collect();
            let v = measures
                .iter()
                .find(|(m, _)| m == "OBS_VALUE")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            (k.join("."), v)
        })
        .collect();
    out.sort();
    out
}

fn sample_values() -> Vec<(String, String)> {
    values(&flat(&sample(), DataFormat::Csv10))
}

/// The sample in another format.
fn convert(to: DataFormat) -> Vec<u8> {
    let reg = registry();
    let flow = reg.dataflow(FLOW).unwrap();
    let dsd = reg.structure_of(flow).unwrap();
    let usage = StructureUse::Dataflow(flow.meta.reference(ArtefactClass::Dataflow));
    let bytes = sample();
    let mut r = open_reader(
        DataFormat::Csv10,
        &bytes[..],
        ReadOptions {
            source: "sample",
            dsd: Some(dsd),
            structure: Some(&usage),
        },
    )
    .unwrap();
    let mut out = Vec::new();
    {
        let mut w = open_writer(
            to,
            &mut out,
            WriteOptions {
                dsd: Some(dsd),
                structure: Some(&usage),
                dimension_at_observation: None,
            },
        )
        .unwrap();
        pump(&mut r, &mut w).unwrap();
    }
    out
}

fn source(name: &str, toml_text: &str) -> Source {
    let cfg: SourceConfig = toml::from_str(toml_text).unwrap();
    Source::from_config(name, &cfg).unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn stored_values(db: &Path) -> Vec<(String, String)> {
    let store = SqliteStore::open(db).unwrap();
    let mut r = store.query(&DataQuery::dataflow(FLOW)).unwrap();
    let mut sink = CollectSink::default();
    pump(&mut r, &mut sink).unwrap();
    values(&sink.collected.flat())
}

// ---------------------------------------------------------------------------
// The real `sdmxgw serve` as the provider.

struct Serve {
    child: Child,
    base: String,
}

impl Serve {
    fn start(dir: &Path, extra: &str) -> Serve {
        let config = format!(
            "store = {:?}\n{extra}\n[[providers]]\nid = \"PHL\"\ntoken_sha256 = \"{}\"\nref_areas = [\"PHL\"]\ndataflows = [\"*\"]\n",
            dir.join("provider.db").display().to_string(),
            sdmx_gateway::store::sha256_hex(TOKEN.as_bytes()),
        );
        let path = dir.join("provider.toml");
        std::fs::write(&path, config).unwrap();
        let (child, base) = crate::util::spawn_serve("127.0.0.1:0", &path, Stdio::null());
        let s = Serve { child, base };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut resp = agent
            .post(format!("{}/data", s.base))
            .header("Authorization", &format!("Bearer {TOKEN}"))
            .send(&sample()[..])
            .unwrap();
        let text = resp.body_mut().read_to_string().unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{text}");
        s
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn pull_cli(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = util::sdmxgw()
        .current_dir(root())
        .arg("pull")
        .arg("--config")
        .arg(dir.join("gateway.toml"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_pulls_from_serve_over_1_5_into_a_file_and_over_2_into_a_store_then_incrementally() {
    let dir = temp_dir("pull-serve");
    let serve = Serve::start(&dir, "");
    let db = dir.join("second.db");
    std::fs::write(
        dir.join("gateway.toml"),
        format!(
            "store = {:?}\n\n[sources.office15]\nkind = \"sdmx-rest\"\nurl = \"{}\"\napi = \"1.5\"\n\n[sources.office2]\nkind = \"sdmx-rest\"\nurl = \"{}/\"\napi = \"2\"\nuser_agent = \"pull-test\"\n",
            db.display().to_string(),
            serve.base,
            serve.base
        ),
    )
    .unwrap();

    // 1.5 into a file, SDMX-ML 2.1 structure-specific.
    let out = dir.join("phl.xml");
    let (code, stdout, stderr) = pull_cli(
        &dir,
        &[
            "office15",
            "DF_MNA_OEMP_SEX_CDS_NB",
            "PHL....",
            "-o",
            out.to_str().unwrap(),
            "--to",
            "sdmx-ml-2.1-ss",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["pull"]["observations"], 90);
    let url = summary["pull"]["requests"][0].as_str().unwrap();
    assert!(
        url.contains("/data/ILO,DF_MNA_OEMP_SEX_CDS_NB,1.0/PHL...."),
        "{url}"
    );
    let written = std::fs::read(&out).unwrap();
    assert_eq!(
        values(&flat(&written, DataFormat::StructureSpecific21)),
        sample_values()
    );

    // 2.x into a second store.
    let (code, stdout, stderr) = pull_cli(
        &dir,
        &[
            "office2",
            "DF_MNA_OEMP_SEX_CDS_NB",
            "PHL....",
            "--store",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["pull"]["observations"], 90);
    assert_eq!(summary["receipt"]["observations_written"], 90);
    let url = summary["pull"]["requests"][0].as_str().unwrap();
    assert!(
        url.contains("/data/dataflow/ILO/DF_MNA_OEMP_SEX_CDS_NB/1.0/*?c%5BREF_AREA%5D=PHL"),
        "{url}"
    );
    assert!(summary["pull"]["updated_after"].is_null());
    assert_eq!(stored_values(&db), sample_values());

    // Again: only what changed since (nothing), the store unchanged.
    let (code, stdout, stderr) = pull_cli(
        &dir,
        &[
            "office2",
            "DF_MNA_OEMP_SEX_CDS_NB",
            "PHL....",
            "--store",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(summary["pull"]["updated_after"].is_string(), "{summary}");
    assert!(
        summary["pull"]["requests"][0]
            .as_str()
            .unwrap()
            .contains("updatedAfter="),
        "{summary}"
    );
    assert_eq!(summary["pull"]["observations"], 0);
    assert_eq!(stored_values(&db), sample_values());
    let store = SqliteStore::open(&db).unwrap();
    // One submission for the first pull; the empty one committed nothing new.
    assert!(store.submissions(10).unwrap().len() <= 2);
}

#[test]
fn structures_are_pulled_over_1_5_and_2_and_read_before_they_are_kept() {
    let dir = temp_dir("pull-dsd");
    let serve = Serve::start(&dir, "");
    std::fs::write(
        dir.join("gateway.toml"),
        format!(
            "[sources.office15]\nkind = \"sdmx-rest\"\nurl = \"{0}\"\napi = \"1.5\"\n\n[sources.office2]\nkind = \"sdmx-rest\"\nurl = \"{0}\"\n",
            serve.base
        ),
    )
    .unwrap();
    for (source, path) in [
        (
            "office15",
            "/dataflow/ILO/DF_MNA_OEMP_SEX_CDS_NB/1.0?references=all",
        ),
        (
            "office2",
            "/structure/dataflow/ILO/DF_MNA_OEMP_SEX_CDS_NB/1.0?references=all",
        ),
    ] {
        let out = dir.join(format!("{source}.xml"));
        let (code, stdout, stderr) = pull_cli(
            &dir,
            &[source, FLOW, "--dsd", "-o", out.to_str().unwrap(), "--json"],
        );
        assert_eq!(code, 0, "{stderr}");
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(v["url"], format!("{}{path}", serve.base));
        assert_eq!(v["format"], "sdmx-ml-2.1");
        // The dataflow, its DSD and the codelists it uses at least.
        assert!(v["artefacts"].as_u64().unwrap() >= 5, "{v}");
        // What was written is what sdmxgw reads as structures.
        let check = util::sdmxgw()
            .args(["structure", "list", "--type", "dataflow", "--structure"])
            .arg(&out)
            .output()
            .unwrap();
        let listed = String::from_utf8_lossy(&check.stdout);
        assert!(listed.contains("DF_MNA_OEMP_SEX_CDS_NB"), "{listed}");
    }
    // An unknown dataflow: the error names the source, the URL and what to do.
    let (code, _, stderr) = pull_cli(&dir, &["office15", "ILO:DF_NOPE(1.0)", "--dsd"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("source office15")
            && stderr.contains("/dataflow/ILO/DF_NOPE/1.0")
            && stderr.contains("check its id"),
        "{stderr}"
    );
}

#[test]
fn cli_names_an_unknown_source_and_refuses_a_bad_since() {
    let dir = temp_dir("pull-cli-errors");
    std::fs::write(
        dir.join("gateway.toml"),
        "[sources.office]\nkind = \"sdmx-rest\"\nurl = \"http://127.0.0.1:9/\"\nretry = { max_attempts = 2, initial_delay_ms = 10 }\n",
    )
    .unwrap();
    let (code, _, stderr) = pull_cli(&dir, &["nope", "DF_MNA_OEMP_SEX_CDS_NB"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no source \"nope\" (configured: office)"),
        "{stderr}"
    );
    let (code, _, stderr) = pull_cli(
        &dir,
        &["office", "DF_MNA_OEMP_SEX_CDS_NB", "--since", "yesterday"],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("--since \"yesterday\""), "{stderr}");
    // Nothing listens on port 9: the error names the source and the URL.
    let (code, _, stderr) = pull_cli(
        &dir,
        &["office", "DF_MNA_OEMP_SEX_CDS_NB", "-o", "/dev/null"],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("office") && stderr.contains("http://127.0.0.1:9/data/"),
        "{stderr}"
    );
}

#[test]
fn too_large_queries_split_by_key_then_by_period_and_every_observation_arrives_once() {
    let dir = temp_dir("pull-413");
    let serve = Serve::start(&dir, "max_observations = 4");
    let rt = runtime();
    let src = source(
        "office",
        &format!(
            "kind = \"sdmx-rest\"\nurl = \"{}\"\napi = \"1.5\"\nmax_requests = 200\n",
            serve.base
        ),
    );
    let key = "PHL.A.MNA_OEMP_NB.SEX_T+SEX_M.CDS_DES_TOTAL+CDS_DES_SAU";
    let mut sink = CollectSink::default();
    let report = src
        .pull(
            rt.handle(),
            &PullRequest::new(FLOW, key),
            registry(),
            &mut sink,
        )
        .unwrap();
    let got = sink.collected.flat();
    let got_values = values(&got);
    let unique: BTreeSet<_> = got_values.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        got_values.len(),
        "an observation arrived twice"
    );
    let want: Vec<_> = sample_values()
        .into_iter()
        .filter(|(k, _)| {
            (k.contains("SEX_T") || k.contains("SEX_M"))
                && (k.contains("CDS_DES_TOTAL") || k.contains("CDS_DES_SAU"))
        })
        .collect();
    assert_eq!(want.len(), 20);
    assert_eq!(got_values, want);
    // First the whole key (413), then halves by key, then by years.
    assert!(
        report.requests[0].ends_with(&format!("/{key}")),
        "{:?}",
        report.requests[0]
    );
    let periods: Vec<&String> = report
        .requests
        .iter()
        .filter(|u| u.contains("startPeriod"))
        .collect();
    assert!(!periods.is_empty(), "{:?}", report.requests);
    for u in &periods {
        let path = u.split('?').next().unwrap();
        assert!(
            !path.contains('+'),
            "period split before the key was single: {u}"
        );
    }
    assert!(
        report
            .requests
            .iter()
            .any(|u| !u.contains("startPeriod") && u.matches('+').count() == 1)
    );
    assert!(report.parts > 4, "{report:?}");
    assert_eq!(report.observations, 20);
    assert!(report.etag.is_none());
}

// ---------------------------------------------------------------------------
// Misbehaving providers: one in-process axum server, one scenario per path
// prefix, every request recorded.

#[derive(Debug, Clone)]
struct Seen {
    path: String,
    query: String,
    accept: String,
    if_none_match: Option<String>,
    if_modified_since: Option<String>,
    accept_encoding: String,
    at: Instant,
    body: String,
}

#[derive(Clone)]
struct Fake {
    seen: Arc<Mutex<Vec<Seen>>>,
    csv: Arc<Vec<u8>>,
    xml: Arc<Vec<u8>>,
}

impl Fake {
    fn seen(&self, prefix: &str) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.path.starts_with(prefix))
            .cloned()
            .collect()
    }
}

fn h(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn fake(State(f): State<Fake>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    // Nested routers see their own path; the scenario is in the original one.
    let path = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or_else(|| parts.uri.path().to_owned(), |u| u.path().to_owned());
    let seen = Seen {
        path: path.clone(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        accept: h(&parts.headers, header::ACCEPT).unwrap_or_default(),
        if_none_match: h(&parts.headers, header::IF_NONE_MATCH),
        if_modified_since: h(&parts.headers, header::IF_MODIFIED_SINCE),
        accept_encoding: h(&parts.headers, header::ACCEPT_ENCODING).unwrap_or_default(),
        at: Instant::now(),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let count = {
        let mut all = f.seen.lock().unwrap();
        all.push(seen.clone());
        all.iter()
            .filter(|s| s.path.starts_with(&path[..5]))
            .count()
    };
    let csv_ct = "application/vnd.sdmx.data+csv;version=1.0.0";
    let scenario = path.split('/').nth(1).unwrap_or_default();
    match scenario {
        "s406" => {
            if seen.accept.contains("csv") {
                (StatusCode::NOT_ACCEPTABLE, "csv is not offered").into_response()
            } else if seen.accept.contains("structurespecificdata") {
                (
                    [(header::CONTENT_TYPE, "application/xml")],
                    f.xml.as_ref().clone(),
                )
                    .into_response()
            } else {
                StatusCode::NOT_ACCEPTABLE.into_response()
            }
        }
        "s503" => {
            if count == 1 {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::RETRY_AFTER, "1")],
                    "busy",
                )
                    .into_response()
            } else {
                ([(header::CONTENT_TYPE, csv_ct)], f.csv.as_ref().clone()).into_response()
            }
        }
        "serr" => (
            [(header::CONTENT_TYPE, "application/xml")],
            "<?xml version=\"1.0\"?><mes:Error xmlns:mes=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message\" xmlns:com=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common\"><mes:ErrorMessage code=\"500\"><com:Text xml:lang=\"en\">Database connection lost</com:Text></mes:ErrorMessage></mes:Error>",
        )
            .into_response(),
        "html" => (
            [(header::CONTENT_TYPE, "text/html")],
            "<!DOCTYPE html><html><head><title>Scheduled maintenance</title></head><body>Back soon</body></html>",
        )
            .into_response(),
        "drop" => {
            // Announce the whole body, send half, then fail the stream: the
            // connection is cut mid-body.
            let half = f.csv[..f.csv.len() / 2].to_vec();
            let len = f.csv.len();
            let stream = futures_stream(half);
            Response::builder()
                .header(header::CONTENT_TYPE, csv_ct)
                .header(header::CONTENT_LENGTH, len)
                .body(Body::from_stream(stream))
                .unwrap()
        }
        "etag" => {
            if seen.if_none_match.as_deref() == Some("\"v1\"") {
                return StatusCode::NOT_MODIFIED.into_response();
            }
            (
                [
                    (header::CONTENT_TYPE, csv_ct),
                    (header::ETAG, "\"v1\""),
                    (header::LAST_MODIFIED, "Wed, 21 Oct 2026 07:28:00 GMT"),
                ],
                f.csv.as_ref().clone(),
            )
                .into_response()
        }
        "gzip" => ([(header::CONTENT_TYPE, csv_ct)], f.csv.as_ref().clone()).into_response(),
        "files" => {
            let file = path.rsplit('/').next().unwrap_or_default();
            (
                [(header::CONTENT_TYPE, "application/octet-stream")],
                std::fs::read(root().join("samples/tables").join(file)).unwrap_or_default(),
            )
                .into_response()
        }
        "pxweb" if seen.body.contains("\"format\":\"csv\"") => (
            [(header::CONTENT_TYPE, "text/csv")],
            std::fs::read(root().join("samples/tables/phl-deployments-illustrative.csv")).unwrap(),
        )
            .into_response(),
        "pxweb" => {
            let file = if parts.method == axum::http::Method::GET {
                "openstat-ofw-meta.json"
            } else {
                "openstat-ofw-jsonstat2.json"
            };
            (
                [(header::CONTENT_TYPE, "application/json")],
                std::fs::read(util::fixture(&format!("pxweb/{file}"))).unwrap(),
            )
                .into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

fn futures_stream(
    half: Vec<u8>,
) -> impl tokio_stream::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send {
    // The half goes out with the headers; the failure comes a moment later.
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    tokio::spawn(async move {
        let _ = tx.send(Ok(bytes::Bytes::from(half))).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let _ = tx.send(Err(std::io::Error::other("cut"))).await;
    });
    tokio_stream::wrappers::ReceiverStream::new(rx)
}

/// Starts the fake provider on `rt`; returns its base URL and its record.
fn start_fake(rt: &tokio::runtime::Runtime) -> (String, Fake) {
    let f = Fake {
        seen: Arc::default(),
        csv: Arc::new(sample()),
        xml: Arc::new(convert(DataFormat::StructureSpecific21)),
    };
    let gzip = Router::new()
        .fallback(fake)
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(f.clone());
    let app = Router::new()
        .nest("/gzip", gzip)
        .fallback(fake)
        .with_state(f.clone());
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    rt.spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{addr}"), f)
}

fn rest(base: &str, scenario: &str, extra: &str) -> Source {
    source(
        scenario,
        &format!(
            "kind = \"sdmx-rest\"\nurl = \"{base}/{scenario}\"\napi = \"1.5\"\n{}\n{extra}",
            if extra.contains("retry") {
                ""
            } else {
                "retry = { max_attempts = 3, initial_delay_ms = 10 }"
            }
        ),
    )
}

#[test]
fn a_refused_format_falls_back_to_the_next() {
    let rt = runtime();
    let (base, f) = start_fake(&rt);
    let src = rest(&base, "s406", "");
    let mut sink = CollectSink::default();
    let report = src
        .pull(
            rt.handle(),
            &PullRequest::new(FLOW, "all"),
            registry(),
            &mut sink,
        )
        .unwrap();
    let accepts: Vec<String> = f.seen("/s406").iter().map(|s| s.accept.clone()).collect();
    assert_eq!(
        accepts,
        vec![
            DataFormat::Csv10.media_type().to_owned(),
            DataFormat::StructureSpecific21.media_type().to_owned()
        ]
    );
    assert_eq!(report.refused_formats, vec!["sdmx-csv-1.0"]);
    assert_eq!(report.format.as_deref(), Some("sdmx-ml-2.1-ss"));
    assert_eq!(values(&sink.collected.flat()), sample_values());

    // Refused in every format asked: the error says so and what to do.
    let src = rest(
        &base,
        "s406",
        "formats = [\"sdmx-csv-1.0\", \"sdmx-json-1.0\"]",
    );
    let e = src
        .pull(
            rt.handle(),
            &PullRequest::new(FLOW, "all"),
            registry(),
            &mut CollectSink::default(),
        )
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("source s406") && e.contains("406") && e.contains("formats = ["),
        "{e}"
    );
    // Structures: every format refused, each asked once.
    let e = rest(&base, "s406", "")
        .pull_structures(rt.handle(), FLOW)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("every structure format asked (sdmx-ml-2.1, sdmx-ml-3.0, sdmx-json)"),
        "{e}"
    );
    assert_eq!(
        f.seen("/s406/dataflow/ILO/DF_MNA_OEMP_SEX_CDS_NB/1.0")
            .len(),
        3
    );
}

#[test]
fn a_503_with_retry_after_is_waited_out() {
    let rt = runtime();
    let (base, f) = start_fake(&rt);
    let src = rest(&base, "s503", "");
    let mut sink = CollectSink::default();
    let report = src
        .pull(
            rt.handle(),
            &PullRequest::new(FLOW, "all"),
            registry(),
            &mut sink,
        )
        .unwrap();
    let seen = f.seen("/s503");
    assert_eq!(seen.len(), 2);
    let waited = seen[1].at - seen[0].at;
    assert!(
        waited >= Duration::from_millis(900),
        "waited {waited:?}, not Retry-After"
    );
    assert_eq!(report.observations, 90);
}

#[test]
fn an_sdmx_error_in_a_200_and_an_html_page_are_errors_naming_source_and_url() {
    let rt = runtime();
    let (base, _f) = start_fake(&rt);
    let e = rest(&base, "serr", "")
        .pull(
            rt.handle(),
            &PullRequest::new(FLOW, "all"),
            registry(),
            &mut CollectSink::default(),
        )
        .unwrap_err();
    assert!(matches!(e, SourceError::NotData { .. }), "{e:?}");
    let m = e.to_string();
    assert!(m.contains("source serr"), "{m}");
    assert!(
        m.contains(&format!(
            "{base}/serr/data/ILO,DF_MNA_OEMP_SEX_CDS_NB,1.0/all"
        )),
        "{m}"
    );
    assert!(
        m.contains("an SDMX error message") && m.contains("Database connection lost"),
        "{m}"
    );

    let m = rest(&base, "html", "")
        .pull(
            rt.handle(),
            &PullRequest::new(FLOW, "all"),
            registry(),
            &mut CollectSink::default(),
        )
        .unwrap_err()
        .to_string();
    assert!(
        m.contains("source html") && m.contains(&format!("{base}/html/data/")),
        "{m}"
    );
    assert!(
        m.contains("an HTML page") && m.contains("Scheduled maintenance"),
        "{m}"
    );
    assert!(m.contains("check url"), "{m}");
}

#[test]
fn a_body_cut_mid_way_is_an_error_and_nothing_is_stored() {
    let rt = runtime();
    let (base, _f) = start_fake(&rt);
    let dir = temp_dir("pull-drop");
    let db = dir.join("s.db");
    let mut store = SqliteStore::open(&db).unwrap();
    let src = rest(&base, "drop", "retry = { max_attempts = 1 }");
    let e = pull_into_store(
        &src,
        rt.handle(),
        &PullRequest::new(FLOW, "all"),
        registry(),
        &mut store,
        true,
    )
    .unwrap_err();
    assert!(matches!(e, SourceError::Body { .. }), "{e:?}");
    let m = e.to_string();
    assert!(
        m.contains("source drop") && m.contains("nothing of this pull was stored"),
        "{m}"
    );
    drop(store);
    assert!(stored_values(&db).is_empty());
    let store = SqliteStore::open(&db).unwrap();
    assert!(store.submissions(10).unwrap().is_empty());
    assert!(store.pull_state("drop", FLOW, "all").unwrap().is_none());
}

#[test]
fn a_second_pull_is_conditional_and_incremental_and_304_changes_nothing() {
    let rt = runtime();
    let (base, f) = start_fake(&rt);
    let dir = temp_dir("pull-etag");
    let db = dir.join("s.db");
    let mut store = SqliteStore::open(&db).unwrap();
    let src = rest(&base, "etag", "");
    let req = PullRequest::new(FLOW, "all");
    let first = pull_into_store(&src, rt.handle(), &req, registry(), &mut store, true).unwrap();
    assert_eq!(first.receipt.as_ref().unwrap().observations_written, 90);
    assert_eq!(first.pull.etag.as_deref(), Some("\"v1\""));
    let state = store.pull_state("etag", FLOW, "all").unwrap().unwrap();
    assert_eq!(state.last_success, first.pull.started_at);

    let second = pull_into_store(&src, rt.handle(), &req, registry(), &mut store, true).unwrap();
    assert!(second.pull.not_modified);
    assert!(second.receipt.is_none());
    let seen = f.seen("/etag");
    assert_eq!(seen.len(), 2);
    assert!(seen[0].if_none_match.is_none() && !seen[0].query.contains("updatedAfter"));
    assert_eq!(seen[1].if_none_match.as_deref(), Some("\"v1\""));
    assert_eq!(
        seen[1].if_modified_since.as_deref(),
        Some("Wed, 21 Oct 2026 07:28:00 GMT")
    );
    let sent = sdmx_gateway::store::format_timestamp(state.last_success);
    assert!(
        seen[1]
            .query
            .contains(&format!("updatedAfter={}", sent.replace(':', "%3A"))),
        "{} vs {sent}",
        seen[1].query
    );
    // Nothing changed: one submission, the same data, the state kept.
    assert_eq!(store.submissions(10).unwrap().len(), 1);
    assert_eq!(
        store.pull_state("etag", FLOW, "all").unwrap().unwrap(),
        state
    );
    drop(store);
    assert_eq!(stored_values(&db), sample_values());
}

#[test]
fn gzip_bodies_are_decoded_as_they_stream() {
    let rt = runtime();
    let (base, f) = start_fake(&rt);
    let src = rest(&base, "gzip", "");
    let mut sink = CollectSink::default();
    let report = src
        .pull(
            rt.handle(),
            &PullRequest::new(FLOW, "all"),
            registry(),
            &mut sink,
        )
        .unwrap();
    assert!(f.seen("/gzip")[0].accept_encoding.contains("gzip"));
    assert_eq!(report.observations, 90);
    assert_eq!(values(&sink.collected.flat()), sample_values());
}

#[test]
fn a_pxweb_table_is_queried_in_json_stat2_and_mapped_onto_ilms() {
    let rt = runtime();
    let (base, f) = start_fake(&rt);
    let mapping = root().join("samples/mappings/phl-openstat-ofw.toml");
    let src = source(
        "psa",
        &format!(
            "kind = \"pxweb\"\nurl = \"{base}/pxweb/api/v1/en/DB/LFS/OFW2.px\"\nmapping = {:?}\nselect = {{ Year = [\"2022\", \"2023\"] }}\n",
            mapping.display().to_string()
        ),
    );
    let mut sink = CollectSink::default();
    let report = src
        .pull(
            rt.handle(),
            &PullRequest::new("", "all"),
            registry(),
            &mut sink,
        )
        .unwrap();
    assert_eq!(report.dataflow, FLOW);
    let seen = f.seen("/pxweb");
    assert_eq!(seen.len(), 2, "GET metadata, POST query");
    let query: serde_json::Value = serde_json::from_str(&seen[1].body).unwrap();
    assert_eq!(query["response"]["format"], "json-stat2");
    let q = query["query"].as_array().unwrap();
    assert_eq!(q.len(), 3);
    assert_eq!(q[0]["code"], "Sex");
    assert_eq!(q[0]["selection"]["filter"], "all");
    assert_eq!(
        q[2]["selection"],
        serde_json::json!({"filter": "item", "values": ["2022", "2023"]})
    );
    let got = values(&sink.collected.flat());
    assert_eq!(got.len(), 24);
    let find = |key: &str| got.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    // Key order: sorted component ids (CDS, FREQ, MEASURE, REF_AREA, SEX, TIME_PERIOD).
    assert_eq!(
        find("CDS_DES_TOTAL.A.MNA_OEMP_NB.PHL.SEX_T.2023"),
        Some("2163.3")
    );
    assert_eq!(
        find("CDS_DES_SAU.A.MNA_OEMP_NB.PHL.SEX_F.2022"),
        Some("276.7")
    );
    // The missing Hong Kong 2023 values (".." in json-stat status) carry OBS_STATUS N.
    let hk: Vec<_> = sink
        .collected
        .flat()
        .into_iter()
        .filter(|(k, _, _)| {
            k.iter().any(|(_, v)| v == "CDS_DES_HKG") && k.iter().any(|(_, v)| v == "2023")
        })
        .collect();
    assert_eq!(hk.len(), 3);
    for (_, measures, attrs) in &hk {
        assert!(measures.iter().all(|(_, v)| v.is_empty()), "{measures:?}");
        assert!(
            attrs.contains(&("OBS_STATUS".to_owned(), "N".to_owned())),
            "{attrs:?}"
        );
    }

    // A select naming a variable the table lacks is refused, naming both.
    let src = source(
        "psa",
        &format!(
            "kind = \"pxweb\"\nurl = \"{base}/pxweb/api/v1/en/DB/LFS/OFW2.px\"\nmapping = {:?}\nselect = {{ Region = [\"NCR\"] }}\n",
            mapping.display().to_string()
        ),
    );
    let m = src
        .pull(
            rt.handle(),
            &PullRequest::new("", "all"),
            registry(),
            &mut CollectSink::default(),
        )
        .unwrap_err()
        .to_string();
    assert!(
        m.contains("\"Region\"") && m.contains("Sex, Place of Work, Year"),
        "{m}"
    );
}

#[test]
fn a_csv_file_over_http_is_mapped_and_stored() {
    let rt = runtime();
    let (base, _f) = start_fake(&rt);
    let mapping = root().join("samples/mappings/phl-deployments.toml");
    let src = source(
        "phl-table",
        &format!(
            "kind = \"file\"\nurl = \"{base}/files/phl-deployments-illustrative.csv\"\nmapping = {:?}\n",
            mapping.display().to_string()
        ),
    );
    // Into a file first: the same observations `sdmxgw map` makes.
    let dir = temp_dir("pull-file");
    let mut out = Vec::new();
    let report = pull_to_file(
        &src,
        rt.handle(),
        &PullRequest::new(FLOW, "all"),
        registry(),
        DataFormat::Csv10,
        &mut out,
    )
    .unwrap();
    let mapped = util::sdmxgw()
        .current_dir(root())
        .args(["map", "--mapping"])
        .arg(&mapping)
        .output()
        .unwrap();
    assert!(mapped.status.success());
    assert_eq!(
        values(&flat(&out, DataFormat::Csv10)),
        values(&flat(&mapped.stdout, DataFormat::Csv10))
    );
    assert!(report.observations > 0);
    // And into a store.
    let db = dir.join("s.db");
    let mut store = SqliteStore::open(&db).unwrap();
    let stored = pull_into_store(
        &src,
        rt.handle(),
        &PullRequest::new("", "all"),
        registry(),
        &mut store,
        false,
    )
    .unwrap();
    assert_eq!(
        stored.receipt.unwrap().observations_written,
        report.observations
    );
    // A key on a table source is refused: the mapping decides.
    let m = src
        .pull(
            rt.handle(),
            &PullRequest::new(FLOW, "PHL...."),
            registry(),
            &mut CollectSink::default(),
        )
        .unwrap_err()
        .to_string();
    assert!(m.contains("pulled whole"), "{m}");
}

#[test]
fn sources_refuse_unknown_fields_and_missing_mappings() {
    let cfg: SourceConfig =
        toml::from_str("kind = \"sdmx-rest\"\nurl = \"https://x.org/rest\"\nformat = \"csv\"\n")
            .unwrap();
    let e = Source::from_config("x", &cfg).unwrap_err().to_string();
    assert!(e.contains("unknown field \"format\""), "{e}");
    let cfg: SourceConfig =
        toml::from_str("kind = \"pxweb\"\nurl = \"https://x.org/api\"\n").unwrap();
    let e = Source::from_config("psa", &cfg).unwrap_err().to_string();
    assert!(e.contains("source psa") && e.contains("mapping ="), "{e}");
    let cfg: SourceConfig =
        toml::from_str("kind = \"file\"\nurl = \"ftp://x.org/t.csv\"\nmapping = \"m.toml\"\n")
            .unwrap();
    assert!(
        Source::from_config("f", &cfg)
            .unwrap_err()
            .to_string()
            .contains("http")
    );
}

#[test]
fn a_recorded_json_stat2_answer_becomes_a_long_table() {
    // Statistics Finland's answer: 3 years × 3 sexes × 10 age groups × 1 content.
    let doc = std::fs::read(util::fixture("pxweb/response_fi.json")).unwrap();
    let mut out = Vec::new();
    let rows = sdmx_gateway::source::jsonstat2_to_csv(&doc, &mut out).unwrap();
    assert_eq!(rows, 90);
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "År,Vuosi code,Kön,Sukupuoli code,Ålder,Ikä code,Uppgifter,Tiedot code,value,status"
    );
    // Row-major: the last dimension varies fastest; values in document order.
    assert_eq!(
        lines[1],
        "2020,2020,Totalt,SSS,20 - 24,20-24,Befolkning 31.12.,vaesto,308410,"
    );
    assert_eq!(
        lines[2],
        "2020,2020,Totalt,SSS,25 - 29,25-29,Befolkning 31.12.,vaesto,352990,"
    );
    assert!(
        lines[11].starts_with("2020,2020,Män,1,20 - 24,"),
        "{}",
        lines[11]
    );
    assert_eq!(lines.len(), 91);
}

#[test]
fn an_xlsx_file_over_http_is_mapped() {
    let rt = runtime();
    let (base, _f) = start_fake(&rt);
    let mapping = root().join("samples/mappings/tha-work-permits.toml");
    let src = source(
        "tha-table",
        &format!(
            "kind = \"file\"\nurl = \"{base}/files/tha-work-permits-illustrative.xlsx\"\nmapping = {:?}\n",
            mapping.display().to_string()
        ),
    );
    let mut sink = CollectSink::default();
    let report = src
        .pull(
            rt.handle(),
            &PullRequest::new("", "all"),
            registry(),
            &mut sink,
        )
        .unwrap();
    assert_eq!(report.format.as_deref(), Some("xlsx"));
    assert_eq!(report.dataflow, "ILO:DF_MST_NCTE_SEX_CCT_NB(1.0)");
    // The same observations `sdmxgw map` makes from the file itself.
    let mapped = util::sdmxgw()
        .current_dir(root())
        .args(["map", "--mapping"])
        .arg(&mapping)
        .output()
        .unwrap();
    assert!(mapped.status.success());
    let got = sink.collected.flat();
    assert_eq!(got.len(), 36);
    let reg = registry();
    let flow = reg.dataflow("ILO:DF_MST_NCTE_SEX_CCT_NB(1.0)").unwrap();
    let dsd = reg.structure_of(flow).unwrap();
    let usage = StructureUse::Dataflow(flow.meta.reference(ArtefactClass::Dataflow));
    let mut r = open_reader(
        DataFormat::Csv10,
        &mapped.stdout[..],
        ReadOptions {
            source: "map",
            dsd: Some(dsd),
            structure: Some(&usage),
        },
    )
    .unwrap();
    let mut want = CollectSink::default();
    pump(&mut r, &mut want).unwrap();
    assert_eq!(values(&got), values(&want.collected.flat()));
}

#[test]
fn a_pxweb_csv_answer_is_mapped_as_it_comes() {
    let rt = runtime();
    let (base, f) = start_fake(&rt);
    // The CSV answer here is the Philippine-style wide table; its mapping reads it.
    let mapping = root().join("samples/mappings/phl-deployments.toml");
    let src = source(
        "psa-csv",
        &format!(
            "kind = \"pxweb\"\nurl = \"{base}/pxweb/api/v1/en/DB/LFS/OFW2.px\"\nresponse = \"csv\"\nmapping = {:?}\n",
            mapping.display().to_string()
        ),
    );
    let mut sink = CollectSink::default();
    let report = src
        .pull(
            rt.handle(),
            &PullRequest::new(FLOW, "all"),
            registry(),
            &mut sink,
        )
        .unwrap();
    assert_eq!(report.format.as_deref(), Some("csv"));
    let post: serde_json::Value =
        serde_json::from_str(&f.seen("/pxweb").last().unwrap().body).unwrap();
    assert_eq!(post["response"]["format"], "csv");
    let mapped = util::sdmxgw()
        .current_dir(root())
        .args(["map", "--mapping"])
        .arg(&mapping)
        .output()
        .unwrap();
    assert!(mapped.status.success());
    assert_eq!(
        values(&sink.collected.flat()),
        values(&flat(&mapped.stdout, DataFormat::Csv10))
    );
}
