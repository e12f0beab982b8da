//! `sdmxgw serve` as a real process over loopback: POST data, query it back in
//! every format, and the error paths (401, 403, 404, 406, 413, 422).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use crate::util;

pub(crate) const FLOW: &str = "DF_MNA_OEMP_SEX_CDS_NB";
pub(crate) const PHL_TOKEN: &str = "phl-secret-token";
const THA_TOKEN: &str = "tha-secret-token";

pub(crate) fn sample() -> Vec<u8> {
    std::fs::read(util::root().join("samples/messages/phl-outflows-illustrative.csv")).unwrap()
}

fn sha(text: &str) -> String {
    sdmx_gateway::store::sha256_hex(text.as_bytes())
}

/// A running server, killed on drop.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) base: String,
    pub(crate) dir: PathBuf,
}

impl Server {
    pub(crate) fn start(name: &str, extra: &str) -> Server {
        let dir = util::temp_dir(&format!("server-{name}"));
        Server::start_in(dir, extra)
    }

    pub(crate) fn start_in(dir: PathBuf, extra: &str) -> Server {
        let config = format!(
            "store = {:?}\n{extra}\n[[providers]]\nid = \"PHL\"\ntoken_sha256 = \"{}\"\nref_areas = [\"PHL\"]\ndataflows = [\"{FLOW}\"]\n\n[[providers]]\nid = \"THA\"\ntoken_sha256 = \"{}\"\nref_areas = [\"THA\"]\ndataflows = [\"*\"]\n",
            dir.join("db/gateway.db").display().to_string(),
            sha(PHL_TOKEN),
            sha(THA_TOKEN)
        );
        let path = dir.join("gateway.toml");
        std::fs::write(&path, config).unwrap();
        let (child, base) = crate::util::spawn_serve("127.0.0.1:0", &path, Stdio::null());
        Server { child, base, dir }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) fn get(&self, path: &str, accept: Option<&str>) -> (u16, String, String) {
        let agent = agent();
        let mut req = agent.get(self.url(path));
        if let Some(a) = accept {
            req = req.header("Accept", a);
        }
        let mut resp = req.call().unwrap();
        let ct = content_type(&resp);
        let body = resp.body_mut().read_to_string().unwrap();
        (resp.status().as_u16(), ct, body)
    }

    pub(crate) fn post(&self, path: &str, token: Option<&str>, body: &[u8]) -> (u16, String) {
        let agent = agent();
        let mut req = agent.post(self.url(path));
        if let Some(t) = token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let mut resp = req.send(body).unwrap();
        let text = resp.body_mut().read_to_string().unwrap();
        (resp.status().as_u16(), text)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn content_type(resp: &ureq::http::Response<ureq::Body>) -> String {
    resp.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// Counts the observations of a data message with `sdmxgw convert --count`.
fn count_observations(dir: &Path, name: &str, body: &str) -> u64 {
    let file = dir.join(name);
    std::fs::write(&file, body).unwrap();
    let out = util::sdmxgw()
        .current_dir(util::root())
        .args(["convert", "--count", "--json", "--dataflow", FLOW])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["observations"].as_u64().unwrap()
}

pub(crate) fn error_code(body: &str) -> String {
    let start = body.find("code=\"").expect("an SDMX error message") + 6;
    body[start..start + body[start..].find('"').unwrap()].to_owned()
}

#[test]
fn post_then_query_back_in_every_format() {
    let s = Server::start("every-format", "");
    let (status, body) = s.post("/data", Some(PHL_TOKEN), &sample());
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("SubmitDataResponse"), "{body}");
    assert!(body.contains("observationsWritten=\"90\""), "{body}");
    let cases: &[(&str, Option<&str>, &str)] = &[
        ("", None, "application/vnd.sdmx.genericdata+xml;version=2.1"),
        (
            "?format=genericdata",
            None,
            "application/vnd.sdmx.genericdata+xml;version=2.1",
        ),
        (
            "?format=structurespecificdata",
            None,
            "application/vnd.sdmx.structurespecificdata+xml;version=2.1",
        ),
        (
            "?format=csvfile",
            None,
            "application/vnd.sdmx.data+csv;version=1.0.0",
        ),
        (
            "?format=jsondata",
            None,
            "application/vnd.sdmx.data+json;version=1.0.0",
        ),
        (
            "",
            Some("application/vnd.sdmx.data+csv;version=2.0.0"),
            "application/vnd.sdmx.data+csv;version=2.0.0",
        ),
        (
            "",
            Some("application/vnd.sdmx.data+json;version=2.0.0"),
            "application/vnd.sdmx.data+json;version=2.0.0",
        ),
        (
            "",
            Some("application/vnd.sdmx.data+xml;version=3.0.0"),
            "application/vnd.sdmx.data+xml;version=3.0.0",
        ),
        (
            "",
            Some("application/vnd.sdmx.structurespecificdata+xml;version=2.1"),
            "application/vnd.sdmx.structurespecificdata+xml;version=2.1",
        ),
    ];
    for (i, (query, accept, media)) in cases.iter().enumerate() {
        for path in [
            format!("/data/{FLOW}/all{query}"),
            format!("/data/dataflow/ILO/{FLOW}/1.0/*{query}"),
        ] {
            let (status, ct, body) = s.get(&path, *accept);
            assert_eq!(status, 200, "{path} {accept:?}: {body}");
            assert_eq!(ct, *media, "{path} {accept:?}");
            assert!(
                body.contains("921.3"),
                "{path} {accept:?}: a stored value is missing"
            );
            assert_eq!(
                count_observations(&s.dir, &format!("out{i}"), &body),
                90,
                "{path} {accept:?}"
            );
        }
    }
}

#[test]
fn data_query_parameters_select() {
    let s = Server::start("params", "");
    assert_eq!(s.post("/data", Some(PHL_TOKEN), &sample()).0, 200);
    let csv = |path: &str| {
        let (status, _, body) = s.get(path, Some("text/csv"));
        assert_eq!(status, 200, "{path}: {body}");
        body.lines().skip(1).map(str::to_owned).collect::<Vec<_>>()
    };
    // The sample: 18 series × 5 years (2019–2023).
    let rows = csv(&format!("/data/{FLOW}/PHL.A..SEX_T."));
    assert_eq!(rows.len(), 30, "{rows:?}");
    assert!(rows.iter().all(|r| r.contains(",SEX_T,")));
    let rows = csv(&format!("/data/{FLOW}/PHL.A..SEX_T+SEX_F.CDS_DES_TOTAL"));
    assert_eq!(rows.len(), 10, "{rows:?}");
    // 2.x without a version (latest), and the 1.5 flow with agency and version.
    assert_eq!(csv(&format!("/data/dataflow/ILO/{FLOW}")).len(), 90);
    assert_eq!(csv(&format!("/data/ILO,{FLOW},1.0/all")).len(), 90);
    let rows = csv(&format!("/data/{FLOW}/all?startPeriod=2022&endPeriod=2022"));
    assert_eq!(rows.len(), 18);
    assert!(rows.iter().all(|r| r.contains(",2022,")));
    let rows = csv(&format!("/data/{FLOW}/all?lastNObservations=1"));
    assert_eq!(rows.len(), 18);
    let rows = csv(&format!("/data/{FLOW}/all?firstNObservations=2"));
    assert_eq!(rows.len(), 36);
    let rows = csv(&format!(
        "/data/dataflow/ILO/{FLOW}/1.0/*?c[SEX]=SEX_M&c[CDS]=CDS_DES_TOTAL"
    ));
    assert_eq!(rows.len(), 5, "{rows:?}");
    assert_eq!(
        s.get(
            &format!("/data/{FLOW}/all?updatedAfter=2999-01-01T00:00:00Z"),
            None
        )
        .0,
        404
    );
    assert_eq!(
        csv(&format!(
            "/data/{FLOW}/all?updatedAfter=2000-01-01T00:00:00Z"
        ))
        .len(),
        90
    );
    let (status, _, _) = s.get(&format!("/data/{FLOW}/all?updatedAfter=yesterday"), None);
    assert_eq!(status, 400);
    for dim in ["AllDimensions", "TIME_PERIOD"] {
        let (status, _, body) = s.get(
            &format!("/data/{FLOW}/all?format=structurespecificdata&dimensionAtObservation={dim}"),
            None,
        );
        assert_eq!(status, 200, "{dim}: {body}");
        assert!(
            body.contains(&format!("dimensionAtObservation=\"{dim}\"")),
            "{dim}"
        );
        assert_eq!(
            count_observations(&s.dir, &format!("dao-{dim}"), &body),
            90,
            "{dim}"
        );
    }
    // A dimension the DSD lacks is a semantic error: 403 with code 150.
    let (status, _, body) = s.get(
        &format!("/data/{FLOW}/all?dimensionAtObservation=NOPE"),
        None,
    );
    assert_eq!((status, error_code(&body).as_str()), (403, "150"), "{body}");
    let (status, _, body) = s.get(&format!("/data/{FLOW}/all?detail=serieskeysonly"), None);
    assert_eq!(status, 200, "{body}");
    assert!(
        !body.contains("921.3"),
        "serieskeysonly returned observations"
    );
    // No results → 404 with code 100; a key of the wrong length → 400 code 140.
    let (status, _, body) = s.get(&format!("/data/{FLOW}/THA.A..."), None);
    assert_eq!((status, error_code(&body).as_str()), (404, "100"), "{body}");
    let (status, _, body) = s.get(&format!("/data/{FLOW}/PHL"), None);
    assert_eq!((status, error_code(&body).as_str()), (400, "140"), "{body}");
    let (status, _, body) = s.get(&format!("/data/{FLOW}/all?format=pdf"), None);
    assert_eq!(status, 406, "{body}");
    let (status, _, _) = s.get(&format!("/data/{FLOW}/all"), Some("image/png"));
    assert_eq!(status, 406);
    let (status, _, body) = s.get("/data/DF_NO_SUCH_FLOW/all", None);
    assert_eq!((status, error_code(&body).as_str()), (404, "100"), "{body}");
}

#[test]
fn query_over_the_limit_is_413() {
    let s = Server::start("limit", "max_observations = 10");
    assert_eq!(s.post("/data", Some(PHL_TOKEN), &sample()).0, 200);
    let (status, _, body) = s.get(&format!("/data/{FLOW}/all"), None);
    assert_eq!((status, error_code(&body).as_str()), (413, "413"), "{body}");
    // Two series × 5 years fit.
    let (status, _, body) = s.get(
        &format!("/data/{FLOW}/PHL.A..SEX_T+SEX_F.CDS_DES_TOTAL"),
        None,
    );
    assert_eq!(status, 200, "{body}");
}

#[test]
fn body_over_the_limit_is_413_and_nothing_stored() {
    let s = Server::start("body-limit", "body_limit = 2000");
    let (status, _) = s.post("/data", Some(PHL_TOKEN), &sample());
    assert_eq!(status, 413);
    assert_eq!(s.get(&format!("/data/{FLOW}/all"), None).0, 404);
    // Chunked (no Content-Length): the limit holds while streaming.
    let addr = s.base.strip_prefix("http://").unwrap().to_owned();
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    let body = sample();
    write!(
        conn,
        "POST /data HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {PHL_TOKEN}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n",
        body.len()
    )
    .unwrap();
    conn.write_all(&body).unwrap();
    conn.write_all(b"\r\n0\r\n\r\n").unwrap();
    let mut raw = String::new();
    conn.read_to_string(&mut raw).unwrap();
    assert!(raw.starts_with("HTTP/1.1 413"), "{raw}");
    assert_eq!(s.get(&format!("/data/{FLOW}/all"), None).0, 404);
}

#[test]
fn invalid_message_is_422_and_nothing_stored() {
    let s = Server::start("invalid", "");
    let text = String::from_utf8(sample()).unwrap();
    let mut bad: String = text.lines().take(40).collect::<Vec<_>>().join("\n");
    bad.push_str("\nILO:DF_MNA_OEMP_SEX_CDS_NB(1.0),PHL,A,MNA_OEMP_NB\n");
    let (status, body) = s.post("/data", Some(PHL_TOKEN), bad.as_bytes());
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("row 41"), "{body}");
    let (status, _, _) = s.get(&format!("/data/{FLOW}/all"), None);
    assert_eq!(status, 404, "the valid rows before the bad one were stored");
    // Readable but invalid: a value that is not a number, a code outside its
    // codelist. The findings come back; nothing is stored.
    let text = String::from_utf8(sample()).unwrap();
    let bad = text.replacen(",921.3,", ",abc,", 1);
    let (status, body) = s.post("/data", Some(PHL_TOKEN), bad.as_bytes());
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("abc"), "{body}");
    let bad = text.replacen("SEX_T,CDS_DES_TOTAL,2019", "SEX_Q,CDS_DES_TOTAL,2019", 1);
    let mut resp = agent()
        .post(s.url("/data"))
        .header("Authorization", &format!("Bearer {PHL_TOKEN}"))
        .header("Accept", "application/json")
        .send(bad.as_bytes())
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let report: serde_json::Value =
        serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
    assert!(report.to_string().contains("SEX_Q"), "{report}");
    assert_eq!(s.get(&format!("/data/{FLOW}/all"), None).0, 404);
    // Not a data message at all.
    let (status, _) = s.post("/data", Some(PHL_TOKEN), b"hello");
    assert_eq!(status, 415);
}

#[test]
fn tokens_and_rights() {
    let s = Server::start("auth", "");
    let (status, body) = s.post("/data", None, &sample());
    assert_eq!(status, 401, "{body}");
    let (status, _) = s.post("/data", Some("wrong-token"), &sample());
    assert_eq!(status, 401);
    // THA may submit to any dataflow, but only THA data.
    let (status, body) = s.post("/data", Some(THA_TOKEN), &sample());
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("REF_AREA PHL"), "{body}");
    assert_eq!(s.get(&format!("/data/{FLOW}/all"), None).0, 404);
    // PHL may submit PHL data, but only to its dataflow.
    let (status, body) = s.post("/data/DF_MNA_OEMP_SEX_CDS_NB", Some(PHL_TOKEN), &sample());
    assert_eq!(status, 200, "{body}");
    let other: String = String::from_utf8(sample())
        .unwrap()
        .replace("PHL,A,", "THA,A,");
    let (status, _) = s.post("/data", Some(PHL_TOKEN), other.as_bytes());
    assert_eq!(status, 403);
    let (_, _, body) = s.get(&format!("/data/{FLOW}/THA....?format=csvfile"), None);
    assert!(!body.contains("THA,A"), "another state's data was stored");
}

#[test]
fn reads_can_be_token_gated() {
    let s = Server::start("gated", "token_gated_reads = true");
    assert_eq!(s.get("/dataflow", None).0, 401);
    assert_eq!(s.get("/health", None).0, 200);
    let mut resp = agent()
        .get(s.url("/dataflow"))
        .header("Authorization", &format!("Bearer {THA_TOKEN}"))
        .call()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.body_mut().read_to_string().unwrap().contains(FLOW));
}

#[test]
fn same_message_twice_is_applied_once() {
    let s = Server::start("idempotent", "");
    let (status, first) = s.post("/data", Some(PHL_TOKEN), &sample());
    assert_eq!(status, 200, "{first}");
    let (status, second) = s.post("/data", Some(PHL_TOKEN), &sample());
    assert_eq!(status, 200, "{second}");
    let id = |b: &str| {
        let i = b.find("submissionId=\"").unwrap() + 14;
        b[i..i + b[i..].find('"').unwrap()].to_owned()
    };
    assert_eq!(id(&first), id(&second));
    assert!(first.contains("duplicate=\"false\""));
    assert!(second.contains("duplicate=\"true\""), "{second}");
    let (_, _, body) = s.get(&format!("/data/{FLOW}/all?format=csvfile"), None);
    assert_eq!(body.lines().count(), 91);
}

/// A valid SDMX-CSV message of `years` × 18 series (~150 bytes a row): the
/// sample's series with years from 1000 on (four-digit years only, so that
/// every row passes validation and a partial store could not hide behind a
/// refusal).
fn big_valid_message(years: u64) -> (String, u64) {
    let text = String::from_utf8(sample()).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let series: Vec<&str> = lines.filter(|l| l.contains(",2019,")).collect();
    assert_eq!(series.len(), 18);
    assert!(years <= 9000);
    let mut big = format!("{header}\n");
    for year in 1000..1000 + years {
        for row in &series {
            big.push_str(&row.replace(",2019,", &format!(",{year},")));
            big.push('\n');
        }
    }
    (big, years * 18)
}

#[test]
fn killed_during_a_large_post_stores_nothing() {
    let dir = util::temp_dir("server-kill");
    let mut s = Server::start_in(dir.clone(), "");
    // A valid message of ~8 MB, half of it sent.
    let (big, _) = big_valid_message(3000);
    let addr = s.base.strip_prefix("http://").unwrap().to_owned();
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        conn,
        "POST /data HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {PHL_TOKEN}\r\nContent-Length: {}\r\n\r\n",
        big.len()
    )
    .unwrap();
    conn.write_all(&big.as_bytes()[..big.len() / 2]).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    s.child.kill().unwrap();
    s.child.wait().unwrap();
    drop(conn);
    let s2 = Server::start_in(dir, "");
    let (status, _, body) = s2.get(&format!("/data/{FLOW}/all"), None);
    assert_eq!(
        status, 404,
        "part of the interrupted message was stored: {body}"
    );
    // The store still works after the kill.
    assert_eq!(s2.post("/data", Some(PHL_TOKEN), &sample()).0, 200);
    assert_eq!(s2.get(&format!("/data/{FLOW}/all"), None).0, 200);
}

/// The observation count of an availability answer (0 when nothing is stored).
fn stored_observations(s: &Server) -> u64 {
    let (status, _, body) = s.get(&format!("/availableconstraint/{FLOW}"), None);
    if status == 404 {
        return 0;
    }
    assert_eq!(status, 200, "{body}");
    let start = body.find("<com:AnnotationTitle>").unwrap() + "<com:AnnotationTitle>".len();
    body[start..start + body[start..].find('<').unwrap()]
        .parse()
        .unwrap()
}

#[test]
fn killed_after_the_upload_stores_all_or_nothing() {
    let dir = util::temp_dir("server-kill-ingest");
    let mut s = Server::start_in(dir.clone(), "");
    let (big, rows) = big_valid_message(300);
    let addr = s.base.strip_prefix("http://").unwrap().to_owned();
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        conn,
        "POST /data HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {PHL_TOKEN}\r\nContent-Length: {}\r\n\r\n",
        big.len()
    )
    .unwrap();
    conn.write_all(big.as_bytes()).unwrap();
    // The whole body is in; the server is validating or inside the ingest
    // transaction when it dies.
    std::thread::sleep(std::time::Duration::from_millis(400));
    s.child.kill().unwrap();
    s.child.wait().unwrap();
    drop(conn);
    let s2 = Server::start_in(dir, "");
    let stored = stored_observations(&s2);
    assert!(
        stored == 0 || stored == rows,
        "a killed submission left {stored} of {rows} observations"
    );
    // The message itself is valid: sent again and left alone, all of it is stored.
    let (status, body) = s2.post("/data", Some(PHL_TOKEN), big.as_bytes());
    assert_eq!(status, 200, "{body}");
    assert_eq!(stored_observations(&s2), rows);
}

#[test]
fn structure_queries() {
    let s = Server::start("structures", "");
    let (status, ct, body) = s.get("/dataflow", None);
    assert_eq!(status, 200);
    assert_eq!(ct, "application/vnd.sdmx.structure+xml;version=2.1");
    assert!(body.contains(&format!("id=\"{FLOW}\"")), "{body}");
    assert!(!body.contains("<str:Codelist "));
    let (status, _, body) = s.get(
        &format!("/dataflow/ILO/{FLOW}/latest?references=descendants"),
        None,
    );
    assert_eq!(status, 200);
    assert!(body.contains("<str:DataStructure "), "DSD missing");
    assert!(body.contains("<str:Codelist "), "codelists missing");
    assert!(body.contains("<str:ConceptScheme "), "concepts missing");
    let (_, _, body) = s.get(
        &format!("/dataflow/ILO/{FLOW}/1.0?references=children"),
        None,
    );
    assert!(body.contains("<str:DataStructure ") && !body.contains("<str:Codelist "));
    let (status, ct, body) = s.get(
        "/codelist/all/all/latest",
        Some("application/vnd.sdmx.structure+json;version=1.0.0"),
    );
    assert_eq!(status, 200);
    assert!(ct.contains("structure+json"));
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(
        v["data"]["codelists"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );
    let (status, ct, body) = s.get(
        &format!("/structure/dataflow/ILO/{FLOW}/~"),
        Some("application/vnd.sdmx.structure+xml;version=3.0.0"),
    );
    assert_eq!(status, 200, "{body}");
    assert!(ct.contains("version=3.0.0"));
    assert!(body.contains("schemas/v3_0/"));
    let (status, _, body) = s.get("/dataflow/ILO/DF_NOPE", None);
    assert_eq!((status, error_code(&body).as_str()), (404, "100"));
    let (status, _, _) = s.get("/datastructure/ILO/all/all?detail=allstubs", None);
    assert_eq!(status, 501);
    for path in [
        "/conceptscheme",
        "/contentconstraint",
        "/dataproviderscheme",
        "/datastructure/ILO",
    ] {
        assert_eq!(s.get(path, None).0, 200, "{path}");
    }
}

#[test]
fn availability_schema_health_metrics_gzip() {
    let s = Server::start("availability", "");
    assert_eq!(s.post("/data", Some(PHL_TOKEN), &sample()).0, 200);
    let (status, _, body) = s.get(&format!("/availableconstraint/{FLOW}/PHL.A..SEX_T."), None);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<com:Value>SEX_T</com:Value>"));
    assert!(!body.contains("<com:Value>SEX_F</com:Value>"));
    assert!(body.contains("2019") && body.contains("2023"));
    let (status, _, body) = s.get(&format!("/availability/dataflow/ILO/{FLOW}/1.0/*"), None);
    assert_eq!(status, 200);
    assert!(body.contains("<com:Value>SEX_F</com:Value>"));
    let (status, _, body) = s.get(&format!("/schema/dataflow/ILO/{FLOW}/1.0"), None);
    assert_eq!(status, 200);
    assert!(body.contains("xs:schema"), "{body}");
    assert!(body.contains("SEX_T"));
    assert_eq!(s.get("/health", None).0, 200);
    let (status, ct, body) = s.get("/metrics", None);
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/plain"));
    assert!(body.contains("sdmxgw_submissions_total 1"), "{body}");
    // The POST and the queries above answered 2xx; nothing failed.
    assert!(
        body.contains("sdmxgw_responses_total{class=\"2xx\"} 5"),
        "{body}"
    );
    assert!(
        body.contains("sdmxgw_responses_total{class=\"5xx\"} 0"),
        "{body}"
    );
    // gzip on request, checked on the raw bytes.
    let addr = s.base.strip_prefix("http://").unwrap().to_owned();
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        conn,
        "GET /data/{FLOW}/all HTTP/1.1\r\nHost: {addr}\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw).unwrap();
    let head = String::from_utf8_lossy(&raw[..raw.len().min(400)]).to_ascii_lowercase();
    assert!(head.contains("content-encoding: gzip"), "{head}");
}

/// The OBS_VALUE of every SEX_T row of the sample, by `CDS|TIME_PERIOD`, read
/// from the CSV itself (not through the gateway).
fn sample_totals() -> std::collections::BTreeMap<String, f64> {
    let mut reader =
        csv::Reader::from_path(util::root().join("samples/messages/phl-outflows-illustrative.csv"))
            .unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (sex, cds, time, value) = (col("SEX"), col("CDS"), col("TIME_PERIOD"), col("OBS_VALUE"));
    reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| &r[sex] == "SEX_T")
        .map(|r| {
            (
                format!("{}|{}", &r[cds], &r[time]),
                r[value].parse().unwrap(),
            )
        })
        .collect()
}

/// Runs a Python peer script and parses the JSON object it prints last.
fn python_json(script: &str) -> serde_json::Value {
    let out = std::process::Command::new(util::need_env("SDMXGW_PYTHON"))
        .args(["-c", script])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.lines().last().unwrap_or("")).unwrap()
}

/// Asserts that a peer's `{"CDS|TIME": value}` map holds exactly the stored values.
fn assert_totals(who: &str, got: &serde_json::Value) {
    let want = sample_totals();
    assert_eq!(want.len(), 30);
    let got = got.as_object().unwrap_or_else(|| panic!("{who}: {got}"));
    assert_eq!(got.len(), want.len(), "{who}: {got:?}");
    for (k, v) in &want {
        let g = got.get(k).and_then(serde_json::Value::as_f64);
        assert_eq!(g, Some(*v), "{who}: {k}");
    }
}

/// sdmx1's Client against the running server: list dataflows, read a DSD,
/// fetch data with a key, and find the stored values.
#[test]
#[ignore = "needs Python with sdmx1 (SDMXGW_PYTHON)"]
fn interop_sdmx1_client() {
    let s = Server::start("sdmx1", "");
    assert_eq!(s.post("/data", Some(PHL_TOKEN), &sample()).0, 200);
    let script = format!(
        r#"
import json, sdmx
sdmx.add_source({{"id": "GW", "url": "{base}", "name": "gw"}})
c = sdmx.Client("GW")
flows = c.dataflow(agency_id="ILO")
assert "{FLOW}" in flows.dataflow, list(flows.dataflow)
assert len(flows.dataflow) == 60, len(flows.dataflow)
m = c.dataflow("{FLOW}", agency_id="ILO", params={{"references": "descendants"}})
dsd = m.dataflow["{FLOW}"].structure
dsd = m.structure[dsd.id]
dims = [d.id for d in dsd.dimensions.components]
assert dims == ["REF_AREA", "FREQ", "MEASURE", "SEX", "CDS", "TIME_PERIOD"], dims
assert "SEX_T" in dsd.dimensions.get("SEX").local_representation.enumerated
d = c.data("{FLOW}", key="PHL.A..SEX_T.", dsd=dsd)
s = sdmx.to_pandas(d)
out = {{}}
for idx, v in s.items():
    k = dict(zip(s.index.names, idx))
    assert k["SEX"] == "SEX_T" and k["REF_AREA"] == "PHL", k
    out[k["CDS"] + "|" + str(k["TIME_PERIOD"])] = float(v)
print(json.dumps(out))
"#,
        base = s.base
    );
    assert_totals("sdmx1 Client", &python_json(&script));
}

/// pysdmx reads the server's answers by URL: structures (the DSD with its
/// codelists) and the data of a key in every format it reads.
#[test]
#[ignore = "needs Python with pysdmx (SDMXGW_PYTHON)"]
fn interop_pysdmx_reads_server_responses() {
    let s = Server::start("pysdmx", "");
    assert_eq!(s.post("/data", Some(PHL_TOKEN), &sample()).0, 200);
    let script = format!(
        r#"
import json
from pysdmx.io import read_sdmx
m = read_sdmx("{base}/dataflow/ILO/{FLOW}/latest?references=all", validate=True)
dsds = m.get_data_structure_definitions()
assert len(dsds) == 1, dsds
dims = [c.id for c in dsds[0].components.dimensions]
assert dims == ["REF_AREA", "FREQ", "MEASURE", "SEX", "CDS", "TIME_PERIOD"], dims
sex = next(c for c in dsds[0].components.dimensions if c.id == "SEX")
assert "SEX_T" in [code.id for code in sex.enumeration.codes], sex
result = {{}}
for fmt in ["genericdata", "structurespecificdata", "csvfile", "csvfile-2.0"]:
    msg = read_sdmx("{base}/data/{FLOW}/PHL.A..SEX_T.?format=" + fmt, validate=fmt.endswith("data"))
    rows = [r for ds in msg.data for r in ds.data.to_dict("records")]
    out = {{}}
    for r in rows:
        assert r["SEX"] == "SEX_T", r
        out[r["CDS"] + "|" + str(r["TIME_PERIOD"])] = float(r["OBS_VALUE"])
    result[fmt] = out
print(json.dumps(result))
"#,
        base = s.base
    );
    let got = python_json(&script);
    for fmt in [
        "genericdata",
        "structurespecificdata",
        "csvfile",
        "csvfile-2.0",
    ] {
        assert_totals(&format!("pysdmx on {fmt}"), &got[fmt]);
    }
}
