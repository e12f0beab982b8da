//! `[sources.NAME]`: where data is pulled from and how to talk to it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use indexmap::IndexMap;
use serde::Deserialize;

use crate::transport::HttpSettings;

/// One source of data. The connection settings (`auth`, `headers`,
/// `user_agent`, `timeout_secs`, `connect_timeout_secs`, `rate_limit_per_sec`,
/// `retry`) sit in the same table as the fields below.
#[derive(Debug, Clone, Deserialize)]
pub struct SourceConfig {
    /// What the source speaks.
    pub kind: SourceKind,
    /// `sdmx-rest`: the API's base URL (the part before `/data`); `pxweb`: the
    /// table's URL (`…/api/v1/en/DB/…/TABLE.px`); `file`: the table file's URL.
    pub url: String,
    /// `sdmx-rest`: the REST API version, `"1.5"` or `"2"` (default `"2"`).
    #[serde(default)]
    pub api: ApiVersion,
    /// `sdmx-rest`: the data formats to ask for, best first (names as in
    /// `sdmxgw convert --to`); a format the provider refuses with 406 is
    /// skipped. Default: the SDMX-CSV, SDMX-ML and SDMX-JSON of the API version.
    #[serde(default)]
    pub formats: Vec<String>,
    /// `sdmx-rest`: the most requests one pull may make when the provider
    /// answers 413 and the query is split (by key, then by period).
    #[serde(default = "max_requests")]
    pub max_requests: usize,
    /// `pxweb` and `file`: the mapping file (`docs/mapping.md`) that turns the
    /// table into observations of its dataflow; relative to the working
    /// directory.
    pub mapping: Option<PathBuf>,
    /// `pxweb`: the response format to ask for, `json-stat2` (default) or
    /// `csv`.
    #[serde(default)]
    pub response: PxResponse,
    /// `pxweb`: the values to select per variable code (`["*"]` = all);
    /// variables not named here are selected whole.
    #[serde(default)]
    pub select: IndexMap<String, Vec<String>>,
    /// Connection settings.
    #[serde(flatten)]
    pub http: HttpSettings,
    /// Anything else: refused when the source is built (a typo must not be
    /// ignored silently; serde cannot deny unknown fields next to `flatten`).
    #[serde(flatten)]
    pub unknown: BTreeMap<String, toml::Value>,
}

fn max_requests() -> usize {
    64
}

/// What a source speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// An SDMX REST API (1.5 or 2.x).
    SdmxRest,
    /// A PX-Web API v1 table (PSA OpenSTAT, GSO).
    Pxweb,
    /// A CSV or XLSX file over HTTP(S).
    File,
}

impl SourceKind {
    /// The word used in the configuration.
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::SdmxRest => "sdmx-rest",
            SourceKind::Pxweb => "pxweb",
            SourceKind::File => "file",
        }
    }
}

/// The SDMX REST API version of a source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum ApiVersion {
    /// SDMX REST 1.5 (`/data/AGENCY,ID,VERSION/KEY`).
    #[serde(rename = "1.5")]
    V1,
    /// SDMX REST 2.x (`/data/dataflow/AGENCY/ID/VERSION/*?c[DIM]=…`).
    #[default]
    #[serde(rename = "2")]
    V2,
}

/// The PX-Web response format asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum PxResponse {
    /// JSON-stat 2.0.
    #[default]
    #[serde(rename = "json-stat2")]
    JsonStat2,
    /// Comma-separated text.
    #[serde(rename = "csv")]
    Csv,
}

impl PxResponse {
    /// The `response.format` value PX-Web expects.
    pub fn name(self) -> &'static str {
        match self {
            PxResponse::JsonStat2 => "json-stat2",
            PxResponse::Csv => "csv",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_flattened_http_settings_and_keeps_unknown_fields() {
        let c: SourceConfig = toml::from_str(
            r#"
            kind = "sdmx-rest"
            url = "https://example.org/rest"
            api = "1.5"
            formats = ["sdmx-csv-1.0"]
            timeout_secs = 7
            auth = { type = "bearer", token = { env = "X" } }
            retry = { max_attempts = 2 }
            urll = "typo"
            "#,
        )
        .unwrap();
        assert_eq!(c.kind, SourceKind::SdmxRest);
        assert_eq!(c.api, ApiVersion::V1);
        assert_eq!(c.http.timeout_secs, 7);
        assert_eq!(c.max_requests, 64);
        assert!(c.unknown.contains_key("urll"), "{:?}", c.unknown);
        assert!(!c.unknown.contains_key("timeout_secs"));
    }
}
