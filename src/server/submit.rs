//! `POST /data`: the collector. The body goes to a temporary file (so a broken
//! upload stores nothing), is checked against the provider's rights, then
//! ingested in one transaction.

use std::io::{BufReader, Read, Write};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::config::Provider;
use crate::data::{DataError, DataSetHeader, DataSink, Flow, Obs, SeriesKey, pump};
use crate::format::{self, DataFormat, ReadOptions};
use crate::model::{ArtefactClass, DataStructure, Dataflow};
use crate::store::{ContentHash, IngestOutcome, Store, Submission, sha256_hex};
use crate::validate::{Options, Report, Schema, Validator, render, validate};

use super::AppState;
use super::error::{ApiError, xml_escape};

/// The provider whose bearer token the request carries.
pub fn authenticate<'c>(
    state: &'c AppState,
    headers: &HeaderMap,
) -> Result<&'c Provider, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| ApiError::unauthorized("an Authorization: Bearer token is required"))?;
    let hash = sha256_hex(token.trim().as_bytes());
    state
        .config
        .providers
        .iter()
        .find(|p| p.token_sha256 == hash)
        .ok_or_else(|| ApiError::unauthorized("the bearer token is not known to this gateway"))
}

/// Checks every dataset's dataflow and every series' `REF_AREA` against the
/// provider's rights.
struct RightsSink<'a> {
    provider: &'a Provider,
    flow: String,
    violations: Vec<String>,
}

impl RightsSink<'_> {
    fn area(&mut self, values: &crate::data::Values) {
        if let Some(area) = values.get("REF_AREA")
            && !self.provider.allows_area(area)
            && self.violations.len() < 20
        {
            let v = format!(
                "REF_AREA {area} is not among provider {}'s areas",
                self.provider.id
            );
            if !self.violations.contains(&v) {
                self.violations.push(v);
            }
        }
    }
}

impl DataSink for RightsSink<'_> {
    type Error = DataError;
    fn dataset(&mut self, d: &DataSetHeader) -> Result<Flow, DataError> {
        let flow = d
            .structure
            .as_ref()
            .filter(|s| s.reference().class == ArtefactClass::Dataflow)
            .map_or(self.flow.clone(), |s| s.reference().short());
        if !self.provider.allows_dataflow(&flow) {
            self.violations.push(format!(
                "provider {} may not submit to dataflow {flow}",
                self.provider.id
            ));
        }
        Ok(Flow::Continue)
    }
    fn series(&mut self, s: &SeriesKey) -> Result<Flow, DataError> {
        self.area(&s.key);
        Ok(Flow::Continue)
    }
    fn obs(&mut self, o: &Obs) -> Result<Flow, DataError> {
        self.area(&o.key);
        Ok(Flow::Continue)
    }
}

fn pick<'r>(
    state: &'r AppState,
    path_flow: Option<&str>,
    head: &[u8],
    format: DataFormat,
) -> Result<(&'r Dataflow, &'r DataStructure), ApiError> {
    let registry = &state.registry;
    if let Some(f) = path_flow {
        let (a, id, v) = super::data::split_flow(f);
        return super::data::resolve_flow(registry, a, id, v);
    }
    let hint = format::sniff_structure(head, format).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            100,
            "the message names no structure: POST to /data/{flow}",
        )
    })?;
    let r = hint.reference();
    let not_found = |e: crate::structure::StructureError| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            100,
            format!("{}: unknown structure: {e}", r.urn()),
        )
    };
    match r.class {
        ArtefactClass::Dataflow => {
            let flow = registry.dataflow(&r.short()).map_err(not_found)?;
            let dsd = registry
                .structure_of(flow)
                .map_err(|e| ApiError::internal(e.to_string()))?;
            Ok((flow, dsd))
        }
        ArtefactClass::ProvisionAgreement => {
            let pa = registry
                .provision_agreement(&r.short())
                .map_err(not_found)?;
            let flow = registry.dataflow(&pa.dataflow.short()).map_err(not_found)?;
            let dsd = registry
                .structure_of(flow)
                .map_err(|e| ApiError::internal(e.to_string()))?;
            Ok((flow, dsd))
        }
        _ => {
            let dsd = registry.data_structure(&r.short()).map_err(not_found)?;
            let flow = registry
                .structures()
                .dataflows
                .iter()
                .find(|f| {
                    f.structure
                        .as_ref()
                        .is_some_and(|s| s.agency == dsd.meta.agency && s.id == dsd.meta.id)
                })
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::NOT_FOUND,
                        100,
                        format!("no dataflow uses {}: POST to /data/{{flow}}", r.urn()),
                    )
                })?;
            Ok((flow, dsd))
        }
    }
}

fn unprocessable(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, 422, message)
}

/// Handles a submission.
pub async fn submit(
    state: Arc<AppState>,
    path_flow: Option<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match submit_inner(state, path_flow, headers, body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn submit_inner(
    state: Arc<AppState>,
    path_flow: Option<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let provider = authenticate(&state, &headers)?.clone();
    // The whole body lands in a temporary file before anything is stored.
    let mut file = tempfile::tempfile().map_err(|e| ApiError::internal(e.to_string()))?;
    let mut hasher = Sha256::new();
    let mut stream = body.into_data_stream();
    use tokio_stream::StreamExt;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            let text = e.to_string();
            if text.contains("length limit") {
                ApiError::too_large(format!(
                    "the body is larger than this server's limit of {} bytes",
                    state.config.body_limit
                ))
            } else {
                ApiError::syntax(format!("the body could not be read: {text}"))
            }
        })?;
        hasher.update(&chunk);
        file.write_all(&chunk)
            .map_err(|e| ApiError::internal(e.to_string()))?;
    }
    let sha = hex(&hasher.finalize());
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("json"));
    let st = state.clone();
    tokio::task::spawn_blocking(move || {
        ingest(&st, &provider, path_flow.as_deref(), file, sha, wants_json)
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn ingest(
    state: &AppState,
    provider: &Provider,
    path_flow: Option<&str>,
    mut file: std::fs::File,
    sha: String,
    wants_json: bool,
) -> Result<Response, ApiError> {
    use std::io::Seek;
    let rewind = |f: &mut std::fs::File| {
        f.seek(std::io::SeekFrom::Start(0))
            .map_err(|e| ApiError::internal(e.to_string()))
    };
    rewind(&mut file)?;
    let mut head = vec![0u8; 16 * 1024];
    let n = read_up_to(&mut file, &mut head)?;
    head.truncate(n);
    let format = DataFormat::sniff(&head).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            415,
            "the body is not a data message this gateway reads (SDMX-ML 2.1/3.0 data, SDMX-CSV 1.0/2.0, SDMX-JSON 1.0/2.0)",
        )
    })?;
    let (flow, dsd) = pick(state, path_flow, &head, format)?;
    let usage = crate::data::StructureUse::Dataflow(flow.meta.reference(ArtefactClass::Dataflow));
    let flow_short = flow.meta.reference(ArtefactClass::Dataflow).short();
    let opts = ReadOptions {
        source: "request body",
        dsd: Some(dsd),
        structure: Some(&usage),
    };
    // Pass 1: the provider's rights and the validation engine; nothing is
    // stored unless both pass.
    let schema = Schema::from_registry(
        &state.registry,
        &flow.meta.reference(ArtefactClass::Dataflow).urn(),
        None,
    )
    .map_err(|e| ApiError::internal(format!("cannot prepare {flow_short} for validation: {e}")))?;
    rewind(&mut file)?;
    {
        let mut reader = format::open_reader(format, BufReader::new(&mut file), opts)
            .map_err(|e| unprocessable(e.to_string()))?;
        let rights = RightsSink {
            provider,
            flow: flow_short.clone(),
            violations: Vec::new(),
        };
        let vopts = Options {
            max_errors: Some(1000),
            ..Options::default()
        };
        let mut validator = Validator::wrap(&schema, vopts, rights);
        validate(&mut reader, &mut validator).map_err(|e| unprocessable(e.to_string()))?;
        let (report, rights) = validator.into_parts();
        if !rights.violations.is_empty() {
            return Err(ApiError::forbidden(rights.violations.join("; ")));
        }
        if !report.is_valid() {
            return Ok(findings_response(&report, &schema, wants_json));
        }
    }
    // Pass 2: one transaction.
    rewind(&mut file)?;
    let mut store = state
        .writer
        .lock()
        .map_err(|_| ApiError::internal("the store lock is poisoned"))?;
    let outcome = {
        let mut reader = format::open_reader(format, BufReader::new(&mut file), opts)
            .map_err(|e| unprocessable(e.to_string()))?;
        let mut sink = store
            .ingest(Submission {
                who: provider.id.clone(),
                dataflow: Some(flow_short.clone()),
                content: ContentHash::Known(sha),
            })
            .map_err(|e| ApiError::internal(e.to_string()))?;
        pump(&mut reader, &mut sink).map_err(|e| unprocessable(e.to_string()))?;
        sink.outcome()
            .cloned()
            .ok_or_else(|| ApiError::internal("the ingest finished without an outcome"))?
    };
    drop(store);
    let duplicate = matches!(outcome, IngestOutcome::Duplicate(_));
    let receipt = outcome.receipt();
    state
        .metrics
        .submissions
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    tracing::info!(who = %receipt.who, message = %receipt.message_id, duplicate, written = receipt.observations_written, "submission");
    if wants_json {
        let mut value =
            serde_json::to_value(receipt).map_err(|e| ApiError::internal(e.to_string()))?;
        if let Some(o) = value.as_object_mut() {
            o.insert("duplicate".into(), serde_json::Value::Bool(duplicate));
        }
        return Ok((
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            value.to_string(),
        )
            .into_response());
    }
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<mes:RegistryInterface xmlns:mes=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message\" xmlns:reg=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/registry\" xmlns:com=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common\">\n",
    );
    xml.push_str(&format!(
        "<mes:Header><mes:ID>{}</mes:ID><mes:Test>false</mes:Test><mes:Prepared>{}</mes:Prepared><mes:Sender id=\"SDMXGW\"/><mes:Receiver id=\"{}\"/></mes:Header>\n<mes:SubmitDataResponse submissionId=\"{}\" messageId=\"{}\" sha256=\"{}\" duplicate=\"{duplicate}\" observationsWritten=\"{}\" observationsDeleted=\"{}\" observationsUnchanged=\"{}\">\n",
        receipt.submission_id,
        receipt.stored_at_text,
        xml_escape(&receipt.who),
        receipt.submission_id,
        xml_escape(&receipt.message_id),
        receipt.sha256,
        receipt.observations_written,
        receipt.observations_deleted,
        receipt.observations_unchanged,
    ));
    for d in &receipt.datasets {
        xml.push_str(&format!(
            "<reg:SubmissionResult><reg:SubmittedStructure action=\"{}\"><reg:MaintainableObject><URN>{}</URN></reg:MaintainableObject></reg:SubmittedStructure><reg:StatusMessage status=\"Success\"><reg:MessageText code=\"200\"><com:Text xml:lang=\"en\">{} series, {} observations</com:Text></reg:MessageText></reg:StatusMessage></reg:SubmissionResult>\n",
            xml_escape(&d.action),
            xml_escape(&d.dataflow),
            d.series,
            d.observations
        ));
    }
    xml.push_str("</mes:SubmitDataResponse>\n</mes:RegistryInterface>\n");
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/xml")],
        xml,
    )
        .into_response())
}

/// 422 with the validation findings: the JSON report on request,
/// else an SDMX-ML 2.1 Error message with one text per finding.
fn findings_response(report: &Report, schema: &Schema, wants_json: bool) -> Response {
    let mut out = Vec::new();
    if wants_json {
        if render::json(report, schema, &mut out).is_ok() {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                [(header::CONTENT_TYPE, "application/json")],
                out,
            )
                .into_response();
        }
        out.clear();
    }
    let _ = render::text(report, &mut out);
    let text = String::from_utf8_lossy(&out);
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<mes:Error xmlns:mes=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message\" xmlns:com=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common\">\n  <mes:ErrorMessage code=\"422\">\n",
    );
    xml.push_str(&format!(
        "    <com:Text xml:lang=\"en\">the message is invalid ({} error(s)); nothing was stored</com:Text>\n",
        report.errors()
    ));
    for line in text.lines().filter(|l| !l.trim().is_empty()).take(500) {
        xml.push_str(&format!(
            "    <com:Text xml:lang=\"en\">{}</com:Text>\n",
            xml_escape(line)
        ));
    }
    xml.push_str("  </mes:ErrorMessage>\n</mes:Error>\n");
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        [(
            header::CONTENT_TYPE,
            "application/vnd.sdmx.error+xml;version=2.1",
        )],
        xml,
    )
        .into_response()
}

fn read_up_to(file: &mut std::fs::File, buf: &mut [u8]) -> Result<usize, ApiError> {
    let mut n = 0;
    while n < buf.len() {
        let got = file
            .read(&mut buf[n..])
            .map_err(|e| ApiError::internal(e.to_string()))?;
        if got == 0 {
            break;
        }
        n += got;
    }
    Ok(n)
}
