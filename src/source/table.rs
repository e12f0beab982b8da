//! Pulling tables: a PX-Web API v1 table (metadata by GET, data by POSTing a
//! query, answered in json-stat2 or CSV) or a CSV/XLSX file over HTTP(S).
//! The response is spooled to a temporary file (tables are read whole by the
//! mapping layer anyway), a json-stat2 answer becomes a long CSV table, and
//! the source's mapping file maps it onto its dataflow.

use std::io::Write;
use std::path::{Path, PathBuf};

use reqwest::header;
use serde_json::{Value, json};
use tokio::runtime::Handle;

use crate::data::{DataSink, pump};
use crate::mapping::{self, Mapping, MappingError, TableFormat, Target};
use crate::structure::Registry;

use super::body::{BodyReader, NotData, classify_not_data};
use super::{
    Parts, PullReport, PullRequest, PxResponse, Source, SourceError, SourceKind, jsonstat,
    mapping_path,
};

/// The source's mapping file, parsed.
pub(super) fn load_spec(source: &Source) -> Result<Mapping, SourceError> {
    let path = mapping_path(source).ok_or_else(|| SourceError::Config {
        name: source.name.clone(),
        message: "no mapping file is configured".into(),
    })?;
    mapping::load_mapping(path).map_err(|e| SourceError::Config {
        name: source.name.clone(),
        message: format!("mapping {}: {e}", path.display()),
    })
}

pub(super) fn pull<S>(
    source: &Source,
    rt: &Handle,
    req: &PullRequest,
    registry: &Registry,
    parts: &mut Parts<'_, S>,
    report: &mut PullReport,
) -> Result<(), SourceError>
where
    S: DataSink + ?Sized,
    S::Error: std::fmt::Display,
{
    let name = &source.name;
    let key = req.key.trim();
    if !(key.is_empty() || key == "all" || key == "*") {
        return Err(SourceError::Config {
            name: name.clone(),
            message: format!(
                "a {} source is pulled whole (its mapping file decides the observations); give no key instead of {key:?}",
                source.config.kind.name()
            ),
        });
    }
    let spec = load_spec(source)?;
    if req.updated_after.is_some() {
        report
            .notes
            .push("tables have no updatedAfter: the whole table was pulled".into());
    }
    let suffix = match (source.config.kind, spec.input.format) {
        (_, Some(TableFormat::Xlsx)) => ".xlsx",
        (_, Some(TableFormat::Csv)) | (SourceKind::Pxweb, None) => ".csv",
        _ => {
            let path = source
                .config
                .url
                .split(['?', '#'])
                .next()
                .unwrap_or_default();
            let lower = path.to_ascii_lowercase();
            if [".xlsx", ".xlsm", ".xls", ".ods"]
                .iter()
                .any(|e| lower.ends_with(e))
            {
                ".xlsx"
            } else {
                ".csv"
            }
        }
    };
    let table = tempfile::Builder::new()
        .prefix("sdmxgw-pull-")
        .suffix(suffix)
        .tempfile()
        .map_err(|e| io_err(source, "cannot create a temporary file", e))?;
    let url = source.config.url.trim().to_owned();
    let fetched = match source.config.kind {
        SourceKind::Pxweb => fetch_pxweb(source, rt, &url, table.path(), report)?,
        _ => fetch_file(source, rt, req, &url, table.path(), report)?,
    };
    if !fetched {
        report.not_modified = true;
        return Ok(());
    }
    report.parts += 1;
    let (flow, dsd) = super::resolve(source, registry, &spec.dataflow)?;
    let target = Target::for_dataflow(registry, flow, dsd);
    let base: PathBuf = mapping_path(source)
        .and_then(Path::parent)
        .map(Path::to_owned)
        .unwrap_or_else(|| PathBuf::from("."));
    let data_err = |message: String| SourceError::Data {
        name: name.clone(),
        url: url.clone(),
        message,
    };
    let mut reader =
        mapping::map_table(&spec, &base, Some(table.path()), &target).map_err(|e| match e {
            MappingError::Cells(cells) => data_err(format!(
                "{} problem(s) mapping the table: {}; fix the mapping file or ask the provider",
                cells.len(),
                cells.join("; ")
            )),
            e => data_err(format!("mapping the table: {e}")),
        })?;
    pump(&mut reader, parts).map_err(|e| match reader.take_problems() {
        // Problems in the cells are found while streaming: list them all.
        Some(MappingError::Cells(cells)) => data_err(format!(
            "{} problem(s) mapping the table: {}; fix the mapping file or ask the provider",
            reader.problem_count(),
            cells.join("; ")
        )),
        _ => data_err(e.to_string()),
    })?;
    Ok(())
}

fn io_err(source: &Source, context: &str, e: std::io::Error) -> SourceError {
    SourceError::Data {
        name: source.name.clone(),
        url: source.config.url.clone(),
        message: format!("{context}: {e}"),
    }
}

/// GETs a table file into `path`; `false` on 304.
fn fetch_file(
    source: &Source,
    rt: &Handle,
    req: &PullRequest,
    url: &str,
    path: &Path,
    report: &mut PullReport,
) -> Result<bool, SourceError> {
    let client = &source.client;
    report.requests.push(url.to_owned());
    let response = rt.block_on(client.send(url, || {
        let mut b = client.request(reqwest::Method::GET, url);
        if let Some(e) = &req.etag {
            b = b.header(header::IF_NONE_MATCH, e);
        }
        if let Some(m) = &req.last_modified {
            b = b.header(header::IF_MODIFIED_SINCE, m);
        }
        b
    }))?;
    if response.status().as_u16() == 304 {
        return Ok(false);
    }
    let response = ok_or_status(source, rt, url, response)?;
    let text = |h: header::HeaderName| {
        response
            .headers()
            .get(h)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    report.etag = text(header::ETAG);
    report.last_modified = text(header::LAST_MODIFIED);
    spool(source, rt, url, response, path, true)?;
    report.format = Some(if path.extension().is_some_and(|e| e == "xlsx") {
        "xlsx".into()
    } else {
        "csv".into()
    });
    Ok(true)
}

/// Reads the table's metadata, POSTs the query and leaves a CSV table in
/// `path`.
fn fetch_pxweb(
    source: &Source,
    rt: &Handle,
    url: &str,
    path: &Path,
    report: &mut PullReport,
) -> Result<bool, SourceError> {
    let client = &source.client;
    let name = &source.name;
    report.requests.push(format!("GET {url}"));
    let meta = rt.block_on(client.send(url, || client.request(reqwest::Method::GET, url)))?;
    let meta = ok_or_status(source, rt, url, meta)?;
    let meta_text = rt.block_on(meta.text()).map_err(|e| SourceError::Body {
        name: name.clone(),
        url: url.to_owned(),
        message: crate::transport::error_chain(&e),
    })?;
    let meta: Value = serde_json::from_str(&meta_text)
        .map_err(|_| super::sdmx::not_data(source, url, meta_text.as_bytes()))?;
    let variables = meta
        .get("variables")
        .and_then(Value::as_array)
        .ok_or_else(|| SourceError::Data {
            name: name.clone(),
            url: url.to_owned(),
            message: "the table metadata has no \"variables\": is url a PX-Web table (…/api/v1/LANG/DB/…/TABLE)?".into(),
        })?;
    let codes: Vec<&str> = variables
        .iter()
        .filter_map(|v| v.get("code").and_then(Value::as_str))
        .collect();
    for k in source.config.select.keys() {
        if !codes.contains(&k.as_str()) {
            return Err(SourceError::Config {
                name: name.clone(),
                message: format!(
                    "select names variable {k:?}, which table {url} does not have (it has {})",
                    codes.join(", ")
                ),
            });
        }
    }
    let query: Vec<Value> = codes
        .iter()
        .map(|code| {
            let selection = match source.config.select.get(*code) {
                Some(values) if !values.iter().any(|v| v == "*") => {
                    json!({"filter": "item", "values": values})
                }
                _ => json!({"filter": "all", "values": ["*"]}),
            };
            json!({"code": code, "selection": selection})
        })
        .collect();
    let format = source.config.response;
    let body = json!({"query": query, "response": {"format": format.name()}}).to_string();
    report.requests.push(format!("POST {url}"));
    let response = rt.block_on(client.send(url, || {
        client
            .request(reqwest::Method::POST, url)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.clone())
    }))?;
    let response = ok_or_status(source, rt, url, response)?;
    report.format = Some(format.name().to_owned());
    match format {
        PxResponse::Csv => spool(source, rt, url, response, path, true)?,
        PxResponse::JsonStat2 => {
            let raw = tempfile::NamedTempFile::new()
                .map_err(|e| io_err(source, "cannot create a temporary file", e))?;
            spool(source, rt, url, response, raw.path(), false)?;
            let doc = std::fs::read(raw.path())
                .map_err(|e| io_err(source, "cannot read the spooled response", e))?;
            if !doc.trim_ascii_start().starts_with(b"{") {
                return Err(super::sdmx::not_data(source, url, &doc));
            }
            let mut out = std::io::BufWriter::new(
                std::fs::File::create(path)
                    .map_err(|e| io_err(source, "cannot write the table", e))?,
            );
            jsonstat::jsonstat2_to_csv(&doc, &mut out).map_err(|e| SourceError::Data {
                name: name.clone(),
                url: url.to_owned(),
                message: format!("{e}"),
            })?;
            out.flush()
                .map_err(|e| io_err(source, "cannot write the table", e))?;
        }
    }
    Ok(true)
}

/// The response when it is a success; else the error naming the status and
/// what the body said.
fn ok_or_status(
    source: &Source,
    rt: &Handle,
    url: &str,
    response: reqwest::Response,
) -> Result<reqwest::Response, SourceError> {
    let status = response.status().as_u16();
    if (200..300).contains(&status) {
        return Ok(response);
    }
    let body = rt.block_on(response.text()).unwrap_or_default();
    let detail = match classify_not_data(body.as_bytes()) {
        NotData::SdmxError(m) => format!(" ({m})"),
        NotData::Html(t) => format!(" (an HTML page: {t})"),
        NotData::Other(s) if !s.is_empty() => format!(" ({s})"),
        NotData::Other(_) => String::new(),
    };
    let hint = match status {
        401 | 403 => {
            "check the source's auth settings; PX-Web answers 403 when a query selects too many cells: narrow select"
        }
        404 => "check the source's url (the table may have moved)",
        400 => "the provider refused the query; check select against the table's variables",
        _ => "see the provider's message; retry later if it is a temporary problem",
    };
    Err(SourceError::Status {
        name: source.name.clone(),
        url: url.to_owned(),
        status,
        detail,
        hint: hint.into(),
    })
}

/// Streams a body into `path`; an HTML page where a table was expected is an
/// error.
fn spool(
    source: &Source,
    rt: &Handle,
    url: &str,
    response: reqwest::Response,
    path: &Path,
    check_html: bool,
) -> Result<(), SourceError> {
    let mut body = BodyReader::new(response, rt.clone(), source.progress.clone());
    let failure = body.failure();
    let body_err = |e: std::io::Error| SourceError::Body {
        name: source.name.clone(),
        url: url.to_owned(),
        message: failure.get().unwrap_or_else(|| e.to_string()),
    };
    let head = body.head(4096).map_err(body_err)?;
    if check_html && matches!(classify_not_data(&head), NotData::Html(_)) {
        return Err(super::sdmx::not_data(source, url, &head));
    }
    let mut file = std::fs::File::create(path)
        .map_err(|e| io_err(source, "cannot write the spooled table", e))?;
    std::io::copy(&mut body, &mut file).map_err(body_err)?;
    Ok(())
}
