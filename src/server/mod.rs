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
            "/structure/{kind}/{agency}/{id}/{version}",
            get(structure_v2),
        )
        .route("/structure/{kind}/{agency}/{id}", get(structure_v2))
        .route("/structure/{kind}/{agency}", get(structure_v2))
        .route("/structure/{kind}", get(structure_v2))
        .route("/data", post(post_data))
        .route("/data/{flow}", get(data_v1).post(post_data_flow))
        .route("/data/{flow}/{key}", get(data_v1))
        .route("/data/{flow}/{key}/{provider}", get(data_v1))
        .route("/data/dataflow/{agency}/{id}", get(data_v2))
        .route("/data/dataflow/{agency}/{id}/{version}", get(data_v2))
        .route("/data/dataflow/{agency}/{id}/{version}/{key}", get(data_v2))
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
        .route(
            "/availability/dataflow/{agency}/{id}/{version}",
            get(avail_v2),
        )
        .route(
            "/availability/dataflow/{agency}/{id}/{version}/{key}",
            get(avail_v2),
        )
        .route(
            "/availability/dataflow/{agency}/{id}/{version}/{key}/{component}",
            get(avail_v2),
        )
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
            );
    }
    let limit = usize::try_from(state.config.body_limit).unwrap_or(usize::MAX);
    let timeout = Duration::from_secs(state.config.request_timeout_secs);
    app.fallback(|| async {
        ApiError::new(
            StatusCode::NOT_FOUND,
            100,
            "no such resource: see docs/server.md",
        )
        .into_response()
    })
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

fn structure_response(
    state: &AppState,
    kind: &str,
    parts: &[String],
    params: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let kind = structures::Kind::parse(kind)
        .ok_or_else(|| ApiError::not_implemented(format!("structure type {kind} is not served")))?;
    let format =
        negotiate::structure_format(params.get("format").map(String::as_str), accept(headers))?;
    let get = |i: usize, d: &'static str| parts.get(i).map_or(d, String::as_str);
    let bytes = structures::query(
        &state.registry,
        kind,
        get(0, "all"),
        get(1, "all"),
        get(2, "latest"),
        params,
        format,
    )?;
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
    structure_response(&state, kind, parts, &params, &headers)
        .unwrap_or_else(IntoResponse::into_response)
}

async fn structure_v2(
    State(state): State<Arc<AppState>>,
    Path(path): Path<Vec<(String, String)>>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let kind = path.first().map(|(_, v)| v.clone()).unwrap_or_default();
    let parts: Vec<String> = path
        .iter()
        .skip(1)
        .map(|(_, v)| {
            if v == "*" {
                "all".to_owned()
            } else if v == "~" {
                "latest".to_owned()
            } else {
                v.clone()
            }
        })
        .collect();
    structure_response(&state, &kind, &parts, &params, &headers)
        .unwrap_or_else(IntoResponse::into_response)
}

fn path_map(path: Vec<(String, String)>) -> HashMap<String, String> {
    path.into_iter().collect()
}

async fn data_v1(
    State(state): State<Arc<AppState>>,
    Path(path): Path<Vec<(String, String)>>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let p = path_map(path);
    let flow = p.get("flow").cloned().unwrap_or_default();
    let key = p.get("key").cloned().unwrap_or_else(|| "all".to_owned());
    if let Some(pr) = p.get("provider")
        && !matches!(pr.as_str(), "all" | "*")
    {
        return ApiError::not_implemented(
            "a provider filter in data queries is not supported: use all",
        )
        .into_response();
    }
    let format =
        match negotiate::data_format(params.get("format").map(String::as_str), accept(&headers)) {
            Ok(f) => f,
            Err(e) => return e.into_response(),
        };
    let (a, id, v) = data::split_flow(&flow);
    let flow_ref = (a.map(str::to_owned), id.to_owned(), v.map(str::to_owned));
    data::respond(state, flow_ref, key, params, format).await
}

async fn data_v2(
    State(state): State<Arc<AppState>>,
    Path(path): Path<Vec<(String, String)>>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let p = path_map(path);
    let key = p.get("key").cloned().unwrap_or_else(|| "*".to_owned());
    let format =
        match negotiate::data_format(params.get("format").map(String::as_str), accept(&headers)) {
            Ok(f) => f,
            Err(e) => return e.into_response(),
        };
    let flow_ref = (
        p.get("agency").cloned(),
        p.get("id").cloned().unwrap_or_default(),
        p.get("version").cloned(),
    );
    data::respond(state, flow_ref, key, params, format).await
}

async fn avail(
    state: Arc<AppState>,
    flow_ref: (Option<String>, String, Option<String>),
    key: String,
    params: HashMap<String, String>,
) -> Response {
    tokio::task::spawn_blocking(move || data::availability(&state, &flow_ref, &key, &params))
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
    let flow = p.get("flow").cloned().unwrap_or_default();
    let (a, id, v) = data::split_flow(&flow);
    let flow_ref = (a.map(str::to_owned), id.to_owned(), v.map(str::to_owned));
    let key = p.get("key").cloned().unwrap_or_else(|| "all".to_owned());
    avail(state, flow_ref, key, params).await
}

async fn avail_v2(
    State(state): State<Arc<AppState>>,
    Path(path): Path<Vec<(String, String)>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let p = path_map(path);
    let flow_ref = (
        p.get("agency").cloned(),
        p.get("id").cloned().unwrap_or_default(),
        p.get("version").cloned(),
    );
    let key = p.get("key").cloned().unwrap_or_else(|| "*".to_owned());
    avail(state, flow_ref, key, params).await
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
    let dsd = match context {
        "dataflow" => data::resolve_flow(&state.registry, agency, id, version)?.1,
        "datastructure" => {
            let q = match (agency, version.filter(|v| *v != "latest")) {
                (Some(a), Some(v)) => format!("{a}:{id}({v})"),
                (Some(a), None) => format!("{a}:{id}"),
                _ => id.to_owned(),
            };
            state
                .registry
                .data_structure(&q)
                .map_err(|e| ApiError::no_results(format!("datastructure {q}: {e}")))?
        }
        other => {
            return Err(ApiError::not_implemented(format!(
                "schema context {other} is not supported: use dataflow or datastructure"
            )));
        }
    };
    let obs_dim = ObsDimension::parse(
        params
            .get("dimensionAtObservation")
            .map_or("TIME_PERIOD", String::as_str),
    );
    let mut out = Vec::new();
    crate::format::xml::xsd::write_structure_specific_xsd(
        dsd,
        state.registry.structures(),
        &obs_dim,
        &mut out,
    )
    .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "application/xml")], out).into_response())
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
