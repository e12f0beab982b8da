//! SDMX errors as HTTP responses: an SDMX-ML 2.1 `Error` message with the
//! standard code, and the HTTP status the REST specification maps it to.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// An error answered to a client.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The SDMX error code (100 no results, 140 syntax, 406, 413, 500, …).
    pub code: u16,
    /// What went wrong and what to do.
    pub message: String,
}

impl ApiError {
    /// An error with this status and SDMX code.
    pub fn new(status: StatusCode, code: u16, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }
    /// 100 No results found (404).
    pub fn no_results(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, 100, message)
    }
    /// 140 Syntax error (400).
    pub fn syntax(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, 140, message)
    }
    /// 150 Semantic error (403): a well-formed query names what the
    /// structure does not have (REST 1.5's mapping; 2.x lists 403 as well).
    pub fn semantic(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, 150, message)
    }
    /// 406 Not acceptable.
    pub fn not_acceptable(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_ACCEPTABLE, 406, message)
    }
    /// 413 Request entity too large.
    pub fn too_large(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, 413, message)
    }
    /// 500 Internal server error.
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, 500, message)
    }
    /// 501 Not implemented.
    pub fn not_implemented(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_IMPLEMENTED, 501, message)
    }
    /// 401 Unauthorized (a bearer token is missing or unknown).
    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, 110, message)
    }
    /// 403 Forbidden (the token may not do this).
    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, 120, message)
    }
}

/// Escapes text for XML content and attributes.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<mes:Error xmlns:mes=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message\" xmlns:com=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common\">\n  <mes:ErrorMessage code=\"{}\">\n    <com:Text xml:lang=\"en\">{}</com:Text>\n  </mes:ErrorMessage>\n</mes:Error>\n",
            self.code,
            xml_escape(&self.message)
        );
        (
            self.status,
            [(
                header::CONTENT_TYPE,
                "application/vnd.sdmx.error+xml;version=2.1",
            )],
            body,
        )
            .into_response()
    }
}
