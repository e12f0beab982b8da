//! Data queries: resolve the dataflow, build the store query, and stream the
//! store reader through a format writer into the response body.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::{mpsc, oneshot};

use crate::data::{DataEvent, DataReader, DataSink, ObsDimension, StructureUse, Summary};
use crate::format::{self, DataFormat, WriteOptions};
use crate::model::{ArtefactClass, DataStructure, Dataflow};
use crate::store::{DataQuery, Detail, KeyFilter, SqliteStore, parse_timestamp};
use crate::structure::Registry;

use super::AppState;
use super::error::ApiError;

/// Finds a dataflow from a 1.5 flow reference (`ID`, `AGENCY,ID`,
/// `AGENCY,ID,VERSION`) or 2.x parts. A missing agency or a `latest`/`~`/`+`
/// version picks the highest version; a given agency or version must match.
pub fn resolve_flow<'r>(
    registry: &'r Registry,
    agency: Option<&str>,
    id: &str,
    version: Option<&str>,
) -> Result<(&'r Dataflow, &'r DataStructure), ApiError> {
    let agency = agency.filter(|a| !matches!(*a, "all" | "*"));
    let version = version.filter(|v| !matches!(*v, "latest" | "~" | "+" | "all" | "*"));
    let label = format!(
        "{}{id}{}",
        agency.map(|a| format!("{a}:")).unwrap_or_default(),
        version.map(|v| format!("({v})")).unwrap_or_default()
    );
    let flow = registry
        .structures()
        .dataflows
        .iter()
        .filter(|f| {
            f.meta.id == id
                && agency.is_none_or(|a| f.meta.agency == a)
                && version.is_none_or(|v| f.meta.version.to_string() == v)
        })
        .max_by(|a, b| a.meta.version.cmp(&b.meta.version))
        .ok_or_else(|| ApiError::no_results(format!("dataflow {label} is not served here")))?;
    let dsd = registry
        .structure_of(flow)
        .map_err(|e| ApiError::internal(format!("dataflow {label}: {e}")))?;
    Ok((flow, dsd))
}

/// Splits a 1.5 flow reference.
pub fn split_flow(flow: &str) -> (Option<&str>, &str, Option<&str>) {
    let parts: Vec<&str> = flow.split(',').collect();
    match parts.as_slice() {
        [id] => (None, id, None),
        [a, id] => (Some(a), id, None),
        [a, id, v, ..] => (Some(a), id, Some(v)),
        [] => (None, flow, None),
    }
}

/// The series-key dimension ids of a DSD (all but the time dimension).
pub fn key_dimensions(dsd: &DataStructure) -> Vec<String> {
    dsd.dimensions
        .iter()
        .filter(|d| d.kind != crate::model::DimensionKind::Time)
        .map(|d| d.id.clone())
        .collect()
}

/// Builds the store query from the flow, key and parameters.
pub fn build_query(
    flow: &Dataflow,
    dsd: &DataStructure,
    key: &str,
    params: &HashMap<String, String>,
    v2: bool,
) -> Result<DataQuery, ApiError> {
    let short = flow.meta.reference(ArtefactClass::Dataflow).short();
    let mut q = DataQuery::dataflow(short.clone());
    if v2 && key.contains(',') {
        return Err(ApiError::not_implemented(
            "several keys in one query are not supported: give one key, or use c[DIM]=A,B",
        ));
    }
    q.key = KeyFilter::parse(key).map_err(|e| ApiError::syntax(e.to_string()))?;
    let dims = key_dimensions(dsd);
    // REST 2.x: dimensions left off at the end of a key are wildcards.
    if v2 && !q.key.positions.is_empty() && q.key.positions.len() < dims.len() {
        q.key.positions.resize(dims.len(), Default::default());
    }
    // 2.x component filters: c[DIM]=A,B
    let mut sets = Vec::new();
    let mut time_filter = None;
    for (k, v) in params {
        if let Some(dim) = k.strip_prefix("c[").and_then(|r| r.strip_suffix(']')) {
            if dim == "TIME_PERIOD" {
                time_filter = Some(time_period_filter(v)?);
                continue;
            }
            if !dims.iter().any(|d| d == dim) {
                return Err(ApiError::semantic(format!(
                    "c[{dim}]: the dataflow has no dimension {dim}"
                )));
            }
            let set: std::collections::BTreeSet<String> = v
                .split([',', '+'])
                .map(|s| s.trim_start_matches("eq:").to_owned())
                .collect();
            sets.push((dim.to_owned(), set));
        }
    }
    if !sets.is_empty() {
        if !q.key.is_all() {
            return Err(ApiError::syntax(
                "give either a key or c[...] filters, not both",
            ));
        }
        q.key =
            KeyFilter::from_dimensions(&dims, sets.iter().map(|(d, s)| (d.as_str(), s.clone())));
    }
    if !q.key.is_all() {
        q.key
            .check(&short, &dims)
            .map_err(|e| ApiError::syntax(e.to_string()))?;
    }
    q.start_period = params.get("startPeriod").cloned();
    q.end_period = params.get("endPeriod").cloned();
    if let Some((start, end)) = time_filter {
        if start.is_some() && q.start_period.is_some() || end.is_some() && q.end_period.is_some() {
            return Err(ApiError::syntax(
                "give the period either as c[TIME_PERIOD] or as startPeriod/endPeriod, not both",
            ));
        }
        q.start_period = q.start_period.or(start);
        q.end_period = q.end_period.or(end);
    }
    if let Some(u) = params.get("updatedAfter") {
        q.updated_after =
            Some(parse_timestamp(u).ok_or_else(|| {
                ApiError::syntax(format!("updatedAfter={u} is not an xs:dateTime"))
            })?);
    }
    let number = |name: &str| -> Result<Option<u64>, ApiError> {
        params
            .get(name)
            .map(|v| match v.parse::<u64>() {
                Ok(n) => Ok(n),
                // More than the store can hold is as good as "all of them".
                Err(_) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => Ok(u64::MAX),
                Err(_) => Err(ApiError::syntax(format!(
                    "{name}={v} is not a positive integer"
                ))),
            })
            .transpose()
    };
    q.first_n = number("firstNObservations")?;
    q.last_n = number("lastNObservations")?;
    if let Some(d) = params.get("detail") {
        q.detail = Detail::parse(d).map_err(|e| ApiError::syntax(e.to_string()))?;
    }
    q.include_history = params.get("includeHistory").is_some_and(|v| v == "true");
    Ok(q)
}

/// The period bounds of a 2.x `c[TIME_PERIOD]` filter: `ge:`/`le:` bounds
/// joined by `+` (AND), or one `eq:` period. Other operators and OR lists
/// (`,`) are answered 501 rather than silently widened.
fn time_period_filter(value: &str) -> Result<(Option<String>, Option<String>), ApiError> {
    if value.contains(',') {
        return Err(ApiError::not_implemented(
            "c[TIME_PERIOD] with several alternatives (,) is not supported: give one range",
        ));
    }
    let (mut start, mut end) = (None, None);
    // `+` may arrive decoded as a space by form-style query parsing.
    for term in value.split(['+', ' ']).filter(|t| !t.is_empty()) {
        let (op, period) = match term.split_once(':') {
            Some((op, p)) if op.len() == 2 && op.bytes().all(|b| b.is_ascii_lowercase()) => (op, p),
            // A bare period (its time part may hold colons) means eq.
            _ => ("eq", term),
        };
        if period.is_empty() {
            return Err(ApiError::syntax(format!(
                "c[TIME_PERIOD]={value}: {term:?} names no period"
            )));
        }
        match op {
            "ge" => start = Some(period.to_owned()),
            "le" => end = Some(period.to_owned()),
            "eq" => {
                start = Some(period.to_owned());
                end = Some(period.to_owned());
            }
            "gt" | "lt" | "ne" | "co" | "nc" | "sw" | "ew" => {
                return Err(ApiError::not_implemented(format!(
                    "c[TIME_PERIOD] with the operator {op}: is not supported: use ge:, le: or eq:"
                )));
            }
            other => {
                return Err(ApiError::syntax(format!(
                    "c[TIME_PERIOD]={value}: unknown operator {other}:"
                )));
            }
        }
    }
    Ok((start, end))
}

/// A `Write` that hands 64 KiB chunks to the response body.
struct ChannelWriter {
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buf));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= 64 * 1024 {
            self.send()?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn dispatch<S: DataSink + ?Sized>(
    sink: &mut S,
    ev: DataEvent<'_>,
    summary: &mut Summary,
) -> Result<(), S::Error> {
    match ev {
        DataEvent::Header(h) => sink.header(h)?,
        DataEvent::DataSet(d) => {
            summary.datasets += 1;
            sink.dataset(d)?
        }
        DataEvent::Group(g) => sink.group(g)?,
        DataEvent::Series(s) => {
            summary.series += 1;
            sink.series(s)?
        }
        DataEvent::Obs(o) => {
            summary.observations += 1;
            sink.obs(o)?
        }
        DataEvent::EndDataSet => sink.end_dataset()?,
    };
    Ok(())
}

/// Runs a data query and streams the answer.
pub async fn respond(
    state: Arc<AppState>,
    flow_ref: (Option<String>, String, Option<String>),
    key: String,
    params: HashMap<String, String>,
    format: DataFormat,
    v2: bool,
) -> Response {
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    let (status_tx, status_rx) = oneshot::channel::<Result<(), ApiError>>();
    let st = state.clone();
    tokio::task::spawn_blocking(move || {
        let mut status_tx = Some(status_tx);
        let request = DataRequest {
            flow_ref: &flow_ref,
            key: &key,
            params: &params,
            format,
            v2,
        };
        let result = stream(&st, request, tx.clone(), &mut status_tx);
        if let Err(e) = result {
            match status_tx.take() {
                Some(s) => {
                    let _ = s.send(Err(e));
                }
                None => {
                    tracing::warn!("data stream broke off: {}", e.message);
                    let _ = tx.blocking_send(Err(std::io::Error::other(e.message)));
                }
            }
        }
    });
    match status_rx.await {
        Ok(Ok(())) => {
            state
                .metrics
                .data_queries
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let body = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx));
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, format.media_type())],
                body,
            )
                .into_response()
        }
        Ok(Err(e)) => e.into_response(),
        Err(_) => ApiError::internal("the query task ended unexpectedly").into_response(),
    }
}

/// What one data request asks for, as parsed from its path and parameters.
#[derive(Clone, Copy)]
struct DataRequest<'a> {
    flow_ref: &'a (Option<String>, String, Option<String>),
    key: &'a str,
    params: &'a HashMap<String, String>,
    format: DataFormat,
    v2: bool,
}

fn stream(
    state: &AppState,
    request: DataRequest<'_>,
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
    status: &mut Option<oneshot::Sender<Result<(), ApiError>>>,
) -> Result<(), ApiError> {
    let DataRequest {
        flow_ref,
        key,
        params,
        format,
        v2,
    } = request;
    let (flow, dsd) = resolve_flow(
        &state.registry,
        flow_ref.0.as_deref(),
        &flow_ref.1,
        flow_ref.2.as_deref(),
    )?;
    let query = build_query(flow, dsd, key, params, v2)?;
    let store =
        SqliteStore::open(&state.config.store).map_err(|e| ApiError::internal(e.to_string()))?;
    let store_err = |e: crate::store::StoreError| match e {
        crate::store::StoreError::Query(q) => ApiError::syntax(q.to_string()),
        other => ApiError::internal(other.to_string()),
    };
    let avail = crate::store::Store::availability(&store, &query).map_err(store_err)?;
    if avail.observations == 0 {
        return Err(ApiError::no_results(format!(
            "no data for {} with key {key}",
            query.dataflow
        )));
    }
    if avail.observations > state.config.max_observations {
        return Err(ApiError::too_large(format!(
            "the query matches {} observations, more than this server's limit of {}: narrow the key or the period",
            avail.observations, state.config.max_observations
        )));
    }
    let obs_dim = params
        .get("dimensionAtObservation")
        .map(|d| ObsDimension::parse(d));
    if let Some(ObsDimension::Dimension(d)) = &obs_dim {
        match dsd.dimension(d) {
            None => {
                return Err(ApiError::semantic(format!(
                    "dimensionAtObservation={d}: the DSD has no such dimension"
                )));
            }
            // The store streams time series; pivoting onto another dimension
            // would need the whole result in memory.
            Some(dim) if dim.kind != crate::model::DimensionKind::Time => {
                return Err(ApiError::not_implemented(format!(
                    "dimensionAtObservation={d} is not supported: use TIME_PERIOD or AllDimensions"
                )));
            }
            Some(_) => {}
        }
    }
    let usage = StructureUse::Dataflow(flow.meta.reference(ArtefactClass::Dataflow));
    let mut reader = store.read(&query).map_err(store_err)?;
    let mut out = ChannelWriter {
        tx,
        buf: Vec::new(),
    };
    let mut summary = Summary::default();
    {
        let opts = WriteOptions {
            dsd: Some(dsd),
            structure: Some(&usage),
            dimension_at_observation: obs_dim.as_ref(),
        };
        let mut writer = format::open_writer(format, &mut out, opts)
            .map_err(|e| ApiError::internal(e.to_string()))?;
        let mut first = true;
        loop {
            let ev = reader
                .next_event()
                .map_err(|e| ApiError::internal(e.to_string()))?;
            let Some(ev) = ev else { break };
            if first && !matches!(ev, DataEvent::Header(_)) {
                first = false;
            }
            dispatch(&mut *writer, ev, &mut summary)
                .map_err(|e| ApiError::internal(e.to_string()))?;
            if !first && let Some(s) = status.take() {
                let _ = s.send(Ok(()));
            }
        }
        if let Some(s) = status.take() {
            // Availability saw data but the reader gave none (a concurrent delete).
            let _ = s.send(Err(ApiError::no_results("no data")));
            return Ok(());
        }
        writer
            .finish(&summary)
            .map_err(|e| ApiError::internal(e.to_string()))?;
    }
    out.send().map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(())
}

/// Answers `/availableconstraint` and `/availability` as SDMX-JSON-like
/// plain JSON or an SDMX-ML 2.1 structure message with a ContentConstraint.
pub fn availability(
    state: &AppState,
    flow_ref: &(Option<String>, String, Option<String>),
    key: &str,
    params: &HashMap<String, String>,
    v2: bool,
) -> Result<Response, ApiError> {
    let (flow, dsd) = resolve_flow(
        &state.registry,
        flow_ref.0.as_deref(),
        &flow_ref.1,
        flow_ref.2.as_deref(),
    )?;
    let query = build_query(flow, dsd, key, params, v2)?;
    let store =
        SqliteStore::open(&state.config.store).map_err(|e| ApiError::internal(e.to_string()))?;
    let avail = crate::store::Store::availability(&store, &query)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    if avail.observations == 0 {
        return Err(ApiError::no_results(format!(
            "no data for {} with key {key}",
            query.dataflow
        )));
    }
    let r = flow.meta.reference(ArtefactClass::Dataflow);
    let mut xml = String::new();
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<mes:Structure xmlns:mes=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message\" xmlns:str=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure\" xmlns:com=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common\">\n");
    xml.push_str(&format!(
        "<mes:Header><mes:ID>SDMXGW-AVAIL</mes:ID><mes:Test>false</mes:Test><mes:Prepared>{}</mes:Prepared><mes:Sender id=\"SDMXGW\"/></mes:Header>\n<mes:Structures><str:Constraints>\n",
        crate::store::format_timestamp(crate::store::now_micros())
    ));
    xml.push_str(&format!(
        "<str:ContentConstraint id=\"CC_AVAILABILITY\" agencyID=\"SDMXGW\" version=\"1.0\" isFinal=\"false\" type=\"Actual\">\n<com:Name xml:lang=\"en\">Data availability</com:Name>\n<com:Annotations><com:Annotation id=\"obs_count\"><com:AnnotationTitle>{}</com:AnnotationTitle><com:AnnotationType>sdmx_metrics</com:AnnotationType></com:Annotation></com:Annotations>\n<str:ConstraintAttachment><str:Dataflow><Ref id=\"{}\" version=\"{}\" agencyID=\"{}\" package=\"datastructure\" class=\"Dataflow\"/></str:Dataflow></str:ConstraintAttachment>\n<str:CubeRegion include=\"true\">\n",
        avail.observations, r.id, flow.meta.version, r.agency
    ));
    for d in &avail.dimensions {
        xml.push_str(&format!(
            "<com:KeyValue id=\"{}\">",
            super::error::xml_escape(&d.dimension)
        ));
        for v in &d.values {
            xml.push_str(&format!(
                "<com:Value>{}</com:Value>",
                super::error::xml_escape(v)
            ));
        }
        xml.push_str("</com:KeyValue>\n");
    }
    if let (Some(s), Some(e)) = (&avail.time_start, &avail.time_end) {
        xml.push_str(&format!("<com:KeyValue id=\"TIME_PERIOD\"><com:TimeRange><com:StartPeriod isInclusive=\"true\">{s}</com:StartPeriod><com:EndPeriod isInclusive=\"true\">{e}</com:EndPeriod></com:TimeRange></com:KeyValue>\n"));
    }
    xml.push_str("</str:CubeRegion>\n</str:ContentConstraint>\n</str:Constraints></mes:Structures>\n</mes:Structure>\n");
    Ok((
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "application/vnd.sdmx.structure+xml;version=2.1",
        )],
        xml,
    )
        .into_response())
}
