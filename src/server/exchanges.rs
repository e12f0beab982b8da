//! JSON about the gateway's own work: the configured exchanges with their
//! last run (`GET /exchanges`), an exchange's run history
//! (`GET /exchanges/{name}/runs`) and the coverage of the ILMS tables
//! (`GET /coverage`, CSV for `Accept: text/csv` or `format=csv`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::exchange::coverage::{self, Coverage};
use crate::exchange::view::views;
use crate::store::{SqliteStore, Store};

use super::AppState;

/// An error answered as `{"error": "..."}`.
struct JsonError(StatusCode, String);

impl IntoResponse for JsonError {
    fn into_response(self) -> Response {
        (
            self.0,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::json!({ "error": self.1 }).to_string(),
        )
            .into_response()
    }
}

fn json_error(status: StatusCode, message: impl Into<String>) -> Response {
    JsonError(status, message.into()).into_response()
}

fn json<T: Serialize>(value: &T) -> Response {
    match serde_json::to_string_pretty(value) {
        Ok(text) => ([(header::CONTENT_TYPE, "application/json")], text).into_response(),
        Err(e) => json_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

fn open_store(state: &AppState) -> Result<SqliteStore, JsonError> {
    SqliteStore::open(&state.config.store)
        .map_err(|e| JsonError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

/// `GET /exchanges`.
pub async fn list(State(state): State<Arc<AppState>>) -> Response {
    tokio::task::spawn_blocking(move || match views(&state.config) {
        Ok(v) => json(&v),
        Err(e) => json_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    })
    .await
    .unwrap_or_else(|e| json_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

/// `GET /exchanges/{name}/runs?limit=N` (newest first, default 100).
pub async fn runs(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if !state.config.exchanges.contains_key(&name) {
        return json_error(
            StatusCode::NOT_FOUND,
            format!("no exchange {name:?} is configured: GET /exchanges lists them"),
        );
    }
    let limit = match params.get("limit").map(|l| l.parse::<u32>()) {
        None => 100,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            return json_error(StatusCode::BAD_REQUEST, "limit must be a whole number");
        }
    };
    tokio::task::spawn_blocking(move || {
        let store = match open_store(&state) {
            Ok(s) => s,
            Err(r) => return r.into_response(),
        };
        match store.runs(Some(&name), limit) {
            Ok(r) => json(&r),
            Err(e) => json_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        }
    })
    .await
    .unwrap_or_else(|e| json_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

/// `GET /coverage?from=&to=&area=` — JSON, or CSV for `Accept: text/csv` /
/// `format=csv`.
pub async fn coverage(
    State(state): State<Arc<AppState>>,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let year = |k: &str| -> Result<Option<i64>, JsonError> {
        get(k)
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    JsonError(
                        StatusCode::BAD_REQUEST,
                        format!("{k} must be a year, not {v:?}"),
                    )
                })
            })
            .transpose()
    };
    let (from, to) = match (year("from"), year("to")) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(r), _) | (_, Err(r)) => return r.into_response(),
    };
    let years = coverage::years(from, to);
    if years.start() > years.end() || years.end() - years.start() > 200 {
        return json_error(
            StatusCode::BAD_REQUEST,
            "from must be before to, at most 200 years apart",
        );
    }
    let mut areas: Vec<String> = params
        .iter()
        .filter(|(k, _)| k == "area")
        .map(|(_, v)| v.clone())
        .collect();
    if areas.is_empty() {
        areas = coverage::asean_areas();
    }
    let csv = match get("format") {
        Some("csv") => true,
        Some("json") => false,
        Some(other) => {
            return json_error(
                StatusCode::NOT_ACCEPTABLE,
                format!("format {other:?}: coverage comes as json or csv"),
            );
        }
        None => headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/csv")),
    };
    tokio::task::spawn_blocking(move || {
        let store = match open_store(&state) {
            Ok(s) => s,
            Err(r) => return r.into_response(),
        };
        let rows = match store.coverage() {
            Ok(r) => r,
            Err(e) => return json_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        };
        let table = Coverage::compute(
            &coverage::dataflows_of(&state.registry),
            &areas,
            years,
            &rows,
        );
        if csv {
            (
                [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
                table.to_csv(),
            )
                .into_response()
        } else {
            json(&table)
        }
    })
    .await
    .unwrap_or_else(|e| json_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}
