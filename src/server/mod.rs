//! The gateway server: SDMX REST structure, data, availability and schema
//! queries over the registry and the store, and `POST /data` for providers.

mod data;
pub mod error;
pub mod exchanges;
pub mod negotiate;
mod structures;
mod submit;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::config::Config;
use crate::data::ObsDimension;
use crate::store::{FlowDef, SqliteStore, Store};
use crate::structure::Registry;

use error::ApiError;

/// Request counters for `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Requests answered.
    pub requests: AtomicU64,
    /// Data queries answered with data.
    pub data_queries: AtomicU64,
    /// Submissions applied (or recognised as repeats).
    pub submissions: AtomicU64,
    /// Responses by status class (1xx…5xx).
    pub responses: [AtomicU64; 5],
}

/// What every handler shares.
pub struct AppState {
    /// The configuration.
    pub config: Config,
    /// The served structures.
    pub registry: Registry,
    /// The store connection submissions go through (one writer at a time).
    pub writer: Mutex<SqliteStore>,
    /// Counters.
    pub metrics: Metrics,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// Listening failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Serving failed.
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

/// Opens the store, registers every dataflow of the registry with it and
/// builds the shared state.
pub fn prepare(config: Config, registry: Registry) -> Result<Arc<AppState>, ServeError> {
    if let Some(dir) = config.store.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)?;
    }
    let mut store = SqliteStore::open(&config.store)?;
    for flow in &registry.structures().dataflows {
        let Ok(dsd) = registry.structure_of(flow) else {
            tracing::warn!(
                "dataflow {}: its DSD is not loaded; not served",
                flow.meta.id
            );
            continue;
        };
        let def = FlowDef {
            flow: flow
                .meta
                .reference(crate::model::ArtefactClass::Dataflow)
                .short(),
            dimensions: data::key_dimensions(dsd),
        };
        if let Err(e) = store.register_dataflow(&def) {
            tracing::warn!("{e}");
        }
    }
    Ok(Arc::new(AppState {
        config,
        registry,
        writer: Mutex::new(store),
        metrics: Metrics::default(),
    }))
}

/// The router with every endpoint and the body-limit, timeout and gzip layers.
pub fn router(state: Arc<AppState>) -> Router {
    let mut app = Router::new()
        .route("/health", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .route("/exchanges", get(exchanges::list))
        .route("/exchanges/{name}/runs", get(exchanges::runs))
        .route("/coverage", get(exchanges::coverage))
        .route(
            "/structure/{kind}/{agency}/{id}/{version}/{item}",
            get(structure_v2),
        )
        .route(
            "/structure/{kind}/{agency}/{id}/{version}",
            get(structure_v2),
        )
        .route("/structure/{kind}/{agency}/{id}", get(structure_v2))
        .route("/structure/{kind}/{agency}", get(structure_v2))
        .route("/structure/{kind}", get(structure_v2))
        .route("/structure", get(structure_v1))
        .route("/data", post(post_data))
        .route("/data/{flow}", get(data_any).post(post_data_flow))
        .route("/data/{flow}/{*rest}", get(data_any))
        .route("/availableconstraint/{flow}", get(avail_v1))
        .route("/availableconstraint/{flow}/{key}", get(avail_v1))
        .route(
            "/availableconstraint/{flow}/{key}/{provider}",
            get(avail_v1),
        )
        .route(
            "/availableconstraint/{flow}/{key}/{provider}/{component}",
            get(avail_v1),
        )
        .route("/availability/{*rest}", get(avail_v2))
        .route("/schema/{context}/{agency}/{id}", get(schema))
        .route("/schema/{context}/{agency}/{id}/{version}", get(schema));
    for r in structures::RESOURCES {
        app = app
            .route(&format!("/{r}"), get(structure_v1))
            .route(&format!("/{r}/{{agency}}"), get(structure_v1))
            .route(&format!("/{r}/{{agency}}/{{id}}"), get(structure_v1))
            .route(
                &format!("/{r}/{{agency}}/{{id}}/{{version}}"),
                get(structure_v1),
            )
            .route(
                &format!("/{r}/{{agency}}/{{id}}/{{version}}/{{item}}"),
                get(structure_v1),
            );
    }
    let limit = usize::try_from(state.config.body_limit).unwrap_or(usize::MAX);
    let timeout = Duration::from_secs(state.config.request_timeout_secs);
    app.fallback(fallback)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            count_and_gate,
        ))
        .layer(DefaultBodyLimit::disable())
        .layer(tower_http::limit::RequestBodyLimitLayer::new(limit))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

async fn count_and_gate(
    State(state): State<Arc<AppState>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    state.metrics.requests.fetch_add(1, Ordering::Relaxed);
    let public = matches!(req.uri().path(), "/health" | "/metrics");
    if state.config.token_gated_reads
        && req.method() == axum::http::Method::GET
        && !public
        && let Err(e) = submit::authenticate(&state, req.headers())
    {
        state.metrics.responses[3].fetch_add(1, Ordering::Relaxed);
        return e.into_response();
    }
    let resp = next.run(req).await;
    let class = usize::from(resp.status().as_u16() / 100).clamp(1, 5) - 1;
    state.metrics.responses[class].fetch_add(1, Ordering::Relaxed);
    resp
}

/// Binds, prints the bound address on stdout (first line) and serves until
/// the process ends.
pub async fn serve(state: Arc<AppState>, bind: &str) -> Result<(), ServeError> {
    serve_until(state, bind, std::future::pending()).await
}

/// Like [`serve`], until `shutdown` completes; requests under way are
/// answered first.
pub async fn serve_until(
    state: Arc<AppState>,
    bind: &str,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let listener = listen(bind).await?;
    serve_listener(listener, state, shutdown).await
}

/// Binds the address and prints it on stdout (the first line, which scripts
/// and tests read).
pub async fn listen(bind: &str) -> Result<tokio::net::TcpListener, ServeError> {
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|source| ServeError::Bind {
            addr: bind.to_owned(),
            source,
        })?;
    let addr: SocketAddr = listener.local_addr()?;
    println!("listening on http://{addr}");
    use std::io::Write;
    std::io::stdout().flush()?;
    tracing::info!(%addr, "serving");
    Ok(listener)
}

/// Serves on a bound listener until `shutdown` completes.
pub async fn serve_listener(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let m = &state.metrics;
    let mut text = format!(
        "# HELP sdmxgw_requests_total HTTP requests received.\n# TYPE sdmxgw_requests_total counter\nsdmxgw_requests_total {}\n# HELP sdmxgw_data_queries_total Data queries answered with data.\n# TYPE sdmxgw_data_queries_total counter\nsdmxgw_data_queries_total {}\n# HELP sdmxgw_submissions_total Submissions accepted.\n# TYPE sdmxgw_submissions_total counter\nsdmxgw_submissions_total {}\n",
        m.requests.load(Ordering::Relaxed),
        m.data_queries.load(Ordering::Relaxed),
        m.submissions.load(Ordering::Relaxed)
    );
    text.push_str("# HELP sdmxgw_responses_total HTTP responses by status class.\n# TYPE sdmxgw_responses_total counter\n");
    for (i, c) in m.responses.iter().enumerate() {
        text.push_str(&format!(
            "sdmxgw_responses_total{{class=\"{}xx\"}} {}\n",
            i + 1,
            c.load(Ordering::Relaxed)
        ));
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

fn accept(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok())
}

/// Answers what no route matches: 501 for the SDMX resources this gateway
/// does not implement (metadata, registrations, unserved structure types), 404
/// for anything else.
async fn fallback(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    if method != axum::http::Method::GET && method != axum::http::Method::HEAD {
        return method_not_allowed("the SDMX REST resources of this gateway are read with GET");
    }
    let first = uri.path().trim_matches('/').split('/').next().unwrap_or("");
    if matches!(first, "metadata" | "registration" | "subscription")
        || structures::UNSERVED.contains(&first)
    {
        return ApiError::not_implemented(format!(
            "/{first} queries are not supported by this gateway (see docs/server.md, Not supported)"
        ))
        .into_response();
    }
    ApiError::new(
        StatusCode::NOT_FOUND,
        100,
        format!("no such resource {}: see docs/server.md", uri.path()),
    )
    .into_response()
}

/// Boolean query parameters of the specifications must say `true` or `false`.
fn check_booleans(params: &HashMap<String, String>) -> Result<(), ApiError> {
    for name in ["includeHistory", "deletion", "explicitMeasure"] {
        if let Some(v) = params.get(name)
            && v != "true"
            && v != "false"
        {
            return Err(ApiError::syntax(format!(
                "{name}={v} is not a boolean: use true or false"
            )));
        }
    }
    Ok(())
}

/// 405 with the `Allow` header RFC 9110 requires.
fn method_not_allowed(message: &str) -> Response {
    let mut resp = ApiError::new(StatusCode::METHOD_NOT_ALLOWED, 405, message).into_response();
    resp.headers_mut().insert(
        header::ALLOW,
        axum::http::HeaderValue::from_static("GET, HEAD"),
    );
    resp
}

/// The structure kind a REST resource names: 501 for types of the standard
/// this gateway does not serve, 400 for names that are no type at all.
fn structure_kind(kind: &str) -> Result<structures::Kind, ApiError> {
    structures::Kind::parse(kind).ok_or_else(|| {
        if structures::UNSERVED.contains(&kind) {
            ApiError::not_implemented(format!(
                "structure type {kind} is not served by this gateway (see docs/server.md)"
            ))
        } else {
            ApiError::syntax(format!("{kind} is not an SDMX structure type"))
        }
    })
}

fn structure_response(
    state: &AppState,
    kind: structures::Kind,
    parts: &[String],
    params: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let format =
        negotiate::structure_format(params.get("format").map(String::as_str), accept(headers))?;
    let get = |i: usize, d: &'static str| parts.get(i).map_or(d, String::as_str);
    let items = parts.get(3).map(String::as_str);
    if items.is_some() && !(kind.is_item_scheme() || kind == structures::Kind::Any) {
        return Err(ApiError::syntax(format!(
            "item queries apply to item schemes (codelist, conceptscheme, agencyscheme, dataproviderscheme), not {kind:?}"
        )));
    }
    let sel = structures::Selection {
        kind,
        agency: get(0, "all"),
        id: get(1, "all"),
        version: get(2, "latest"),
        items,
    };
    let bytes = structures::query(&state.registry, &sel, params, format)?;
    Ok(([(header::CONTENT_TYPE, format.media_type())], bytes).into_response())
}

async fn structure_v1(
    State(state): State<Arc<AppState>>,
    uri: axum::http::Uri,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let segments: Vec<String> = uri
        .path()
        .trim_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect();
    let (kind, parts) = segments
        .split_first()
        .map_or(("", &[][..]), |(k, p)| (k.as_str(), p));
    structure_kind(kind)
        .and_then(|k| structure_response(&state, k, parts, &params, &headers))
        .unwrap_or_else(IntoResponse::into_response)
}

/// 2.x wildcards and version operators in the 1.5 spelling the selection uses.
fn v2_part(v: &str) -> String {
    match v {
        "*" => "all".to_owned(),
        "~" | "+" => "latest".to_owned(),
        v => v.to_owned(),
    }
}

async fn structure_v2(
    State(state): State<Arc<AppState>>,
    Path(path): Path<Vec<(String, String)>>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let kind = path.first().map(|(_, v)| v.clone()).unwrap_or_default();
    let mut parts: Vec<String> = path.iter().skip(1).map(|(_, v)| v2_part(v)).collect();
    // `/structure/{agency}/{id}/{version}` is the 1.5 "all structures"
    // resource; it has the shape of a 2.x query without a version.
    let result = if parts.len() == 2
        && structures::Kind::parse(&kind).is_none()
        && !structures::UNSERVED.contains(&kind.as_str())
    {
        parts.insert(0, kind);
        structure_response(&state, structures::Kind::Any, &parts, &params, &headers)
    } else {
        structure_kind(&kind).and_then(|k| structure_response(&state, k, &parts, &params, &headers))
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

fn data_format(
    params: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Result<crate::format::DataFormat, ApiError> {
    negotiate::data_format(params.get("format").map(String::as_str), accept(headers))
}

/// A 2.x context (`dataflow`, `*`), agency, id and version as a flow
/// reference; other contexts and several artefacts at once are not served.
fn v2_flow(segments: &[&str]) -> Result<(Option<String>, String, Option<String>), ApiError> {
    let context = segments.first().copied().unwrap_or("");
    match context {
        "dataflow" | "*" => {}
        "datastructure" | "provisionagreement" => {
            return Err(ApiError::not_implemented(format!(
                "the {context} context is not supported: query by dataflow"
            )));
        }
        other => {
            return Err(ApiError::syntax(format!(
                "{other} is not a data context: use dataflow"
            )));
        }
    }
    let agency = segments.get(1).copied().unwrap_or("*");
    let id = segments.get(2).copied().unwrap_or("");
    let version = segments.get(3).copied().unwrap_or("~");
    if [agency, id, version].iter().any(|p| p.contains(',')) || id == "*" {
        return Err(ApiError::not_implemented(
            "several dataflows in one data query are not supported: name one dataflow",
        ));
    }
    Ok((
        Some(agency.to_owned()),
        id.to_owned(),
        Some(version.to_owned()),
    ))
}

/// Parameters of 2.x data queries that this gateway does not implement;
/// `attributes` and `measures` only at their defaults.
fn unsupported_data_params(params: &HashMap<String, String>) -> Result<(), ApiError> {
    for name in ["offset", "limit", "sort", "asOf", "reportingYearStartDay"] {
        if params.contains_key(name) {
            return Err(ApiError::not_implemented(format!(
                "the {name} parameter is not supported"
            )));
        }
    }
    for (name, default) in [("attributes", "dsd"), ("measures", "all")] {
        if let Some(v) = params.get(name)
            && v != default
            && !(name == "attributes" && v == "all")
        {
            return Err(ApiError::not_implemented(format!(
                "{name}={v} is not supported: all attributes and measures are returned"
            )));
        }
    }
    Ok(())
}

async fn data_any(
    State(state): State<Arc<AppState>>,
    Path(path): Path<Vec<(String, String)>>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let rest = path
        .iter()
        .map(|(_, v)| v.as_str())
        .collect::<Vec<_>>()
        .join("/");
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let v2 = segments.len() >= 3
        && matches!(
            segments[0],
            "dataflow" | "datastructure" | "provisionagreement" | "*"
        );
    let query = if v2 {
        if segments.len() > 5 {
            Err(ApiError::no_results(format!(
                "no such resource /data/{rest}"
            )))
        } else {
            v2_flow(&segments).and_then(|flow| {
                unsupported_data_params(&params)?;
                let key = segments.get(4).map_or("*", |k| k).to_owned();
                Ok((flow, key))
            })
        }
    } else if segments.len() > 3 {
        Err(ApiError::no_results(format!(
            "no such resource /data/{rest}"
        )))
    } else {
        let flow = segments[0];
        let key = segments.get(1).map_or("all", |k| k).to_owned();
        match segments.get(2) {
            Some(pr) if !matches!(*pr, "all" | "*") => Err(ApiError::not_implemented(
                "a provider filter in data queries is not supported: use all",
            )),
            _ => {
                let (a, id, v) = data::split_flow(flow);
                Ok((
                    (a.map(str::to_owned), id.to_owned(), v.map(str::to_owned)),
                    key,
                ))
            }
        }
    };
    let query = check_booleans(&params).and(query);
    let (flow_ref, key) = match query {
        Ok(q) => q,
        Err(e) => return e.into_response(),
    };
    let format = match data_format(&params, &headers) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    data::respond(state, flow_ref, key, params, format, v2).await
}

fn path_map(path: Vec<(String, String)>) -> HashMap<String, String> {
    path.into_iter().collect()
}

/// Availability parameters: only `mode=exact` and `references=none`.
fn check_availability_params(params: &HashMap<String, String>) -> Result<(), ApiError> {
    match params.get("mode").map(String::as_str) {
        None | Some("exact") => {}
        Some("available") => {
            return Err(ApiError::not_implemented(
                "mode=available is not supported: use mode=exact",
            ));
        }
        Some(m) => {
            return Err(ApiError::syntax(format!(
                "mode={m}: use exact or available"
            )));
        }
    }
    if params.contains_key("reportingYearStartDay") {
        return Err(ApiError::not_implemented(
            "the reportingYearStartDay parameter is not supported",
        ));
    }
    for r in params
        .get("references")
        .map_or("none", String::as_str)
        .split(',')
    {
        match r {
            "" | "none" => {}
            "all" | "datastructure" | "conceptscheme" | "codelist" | "dataproviderscheme"
            | "dataflow" | "valuelist" => {
                return Err(ApiError::not_implemented(format!(
                    "references={r} is not supported on availability queries: use none"
                )));
            }
            other => return Err(ApiError::syntax(format!("references={other}: use none"))),
        }
    }
    Ok(())
}

async fn avail(
    state: Arc<AppState>,
    flow_ref: (Option<String>, String, Option<String>),
    key: String,
    params: HashMap<String, String>,
    v2: bool,
) -> Response {
    tokio::task::spawn_blocking(move || data::availability(&state, &flow_ref, &key, &params, v2))
        .await
        .unwrap_or_else(|e| Err(ApiError::internal(e.to_string())))
        .unwrap_or_else(IntoResponse::into_response)
}

async fn avail_v1(
    State(state): State<Arc<AppState>>,
    Path(path): Path<Vec<(String, String)>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let p = path_map(path);
    if let Some(pr) = p.get("provider")
        && !matches!(pr.as_str(), "all" | "*")
    {
        return ApiError::not_implemented(
            "a provider filter in availability queries is not supported: use all",
        )
        .into_response();
    }
    if let Err(e) = check_availability_params(&params) {
        return e.into_response();
    }
    let flow = p.get("flow").cloned().unwrap_or_default();
    let (a, id, v) = data::split_flow(&flow);
    let flow_ref = (a.map(str::to_owned), id.to_owned(), v.map(str::to_owned));
    let key = p.get("key").cloned().unwrap_or_else(|| "all".to_owned());
    avail(state, flow_ref, key, params, false).await
}

async fn avail_v2(
    State(state): State<Arc<AppState>>,
    Path(rest): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    if segments.len() < 3 || segments.len() > 6 {
        return ApiError::no_results(format!("no such resource /availability/{rest}"))
            .into_response();
    }
    if segments[0] == "*" {
        return ApiError::syntax("the availability context must be dataflow").into_response();
    }
    let flow_ref = match v2_flow(&segments) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    if let Err(e) = check_availability_params(&params) {
        return e.into_response();
    }
    let key = segments.get(4).map_or("*", |k| k).to_owned();
    avail(state, flow_ref, key, params, true).await
}

async fn schema(
    State(state): State<Arc<AppState>>,
    Path(path): Path<Vec<(String, String)>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let p = path_map(path);
    schema_inner(&state, &p, &params).unwrap_or_else(IntoResponse::into_response)
}

fn schema_inner(
    state: &AppState,
    p: &HashMap<String, String>,
    params: &HashMap<String, String>,
) -> Result<Response, ApiError> {
    let context = p.get("context").map_or("", String::as_str);
    let agency = p.get("agency").map(String::as_str);
    let id = p.get("id").map_or("", String::as_str);
    let version = p.get("version").map(String::as_str);
    check_booleans(params)?;
    if params.contains_key("asOf") {
        return Err(ApiError::not_implemented(
            "asOf is not supported: the gateway keeps only the current structures",
        ));
    }
    if params.get("deletion").is_some_and(|d| d == "true") {
        return Err(ApiError::not_implemented(
            "schemas for deletion messages are not supported",
        ));
    }
    let dsd = match context {
        "dataflow" => data::resolve_flow(&state.registry, agency, id, version)?.1,
        "datastructure" => {
            let version = version.filter(|v| !matches!(*v, "latest" | "~" | "+"));
            state
                .registry
                .structures()
                .data_structures
                .iter()
                .filter(|d| {
                    d.meta.id == id
                        && agency.is_none_or(|a| d.meta.agency == a)
                        && version.is_none_or(|v| d.meta.version.to_string() == v)
                })
                .max_by(|a, b| a.meta.version.cmp(&b.meta.version))
                .ok_or_else(|| {
                    ApiError::no_results(format!(
                        "datastructure {}:{id}({}) is not served here",
                        agency.unwrap_or("*"),
                        version.unwrap_or("latest")
                    ))
                })?
        }
        "metadatastructure"
        | "metadataflow"
        | "provisionagreement"
        | "metadataprovisionagreement" => {
            return Err(ApiError::not_implemented(format!(
                "schema context {context} is not supported: use dataflow or datastructure"
            )));
        }
        other => {
            return Err(ApiError::syntax(format!(
                "{other} is not a schema context: use dataflow or datastructure"
            )));
        }
    };
    let obs_dim = ObsDimension::parse(
        params
            .get("dimensionAtObservation")
            .map_or("TIME_PERIOD", String::as_str),
    );
    if let ObsDimension::Dimension(d) = &obs_dim
        && dsd.dimension(d).is_none()
    {
        return Err(ApiError::semantic(format!(
            "dimensionAtObservation={d}: the DSD has no such dimension"
        )));
    }
    let mut out = Vec::new();
    crate::format::xml::xsd::write_structure_specific_xsd(
        dsd,
        state.registry.structures(),
        &obs_dim,
        &mut out,
    )
    .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/vnd.sdmx.schema+xml;version=2.1",
        )],
        out,
    )
        .into_response())
}

async fn post_data(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    submit::submit(state, None, headers, body).await
}

async fn post_data_flow(
    State(state): State<Arc<AppState>>,
    Path(flow): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    submit::submit(state, Some(flow), headers, body).await
}
