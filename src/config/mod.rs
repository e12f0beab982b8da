//! The gateway server's configuration (`gateway.toml`): where it listens, where
//! its store and structures are, its limits, and who may submit what.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;

mod exchange;
mod target;

pub use exchange::{ExchangeConfig, Policy, PullSpec, Schedule};
pub use target::{DirectoryTarget, RestTarget, TargetConfig};

/// The whole configuration file. Every field has a default, so an empty file
/// serves the shipped structures on `127.0.0.1:8080`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The address to listen on (`HOST:PORT`; port 0 picks a free one).
    pub bind: String,
    /// The SQLite database file of the store (its folder is created).
    pub store: PathBuf,
    /// Structure files or folders to serve (empty = the shipped `dsd/` and
    /// `codelists/`).
    pub structures: Vec<PathBuf>,
    /// The largest request body accepted, in bytes (larger → 413).
    pub body_limit: u64,
    /// Seconds a request may take before it is answered with 408/503.
    pub request_timeout_secs: u64,
    /// The most observations one data query may return (more → 413).
    pub max_observations: u64,
    /// Whether reads (structures, data, availability) need a provider token.
    pub token_gated_reads: bool,
    /// The data providers allowed to submit data.
    pub providers: Vec<Provider>,
    /// Scheduled exchanges (`[exchanges.NAME]`), in file order.
    pub exchanges: IndexMap<String, ExchangeConfig>,
    /// Where data is pulled from (`[sources.NAME]`), in file order.
    pub sources: IndexMap<String, crate::source::SourceConfig>,
    /// Where `push` and exchanges deliver (`[targets.NAME]`), in file order.
    pub targets: IndexMap<String, TargetConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: "127.0.0.1:8080".to_owned(),
            store: PathBuf::from("data/gateway.db"),
            structures: Vec::new(),
            body_limit: 256 * 1024 * 1024,
            request_timeout_secs: 300,
            max_observations: 5_000_000,
            token_gated_reads: false,
            providers: Vec::new(),
            exchanges: IndexMap::new(),
            sources: IndexMap::new(),
            targets: IndexMap::new(),
        }
    }
}

/// One data provider and what its token may submit.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// The provider id (written as the submitter in the store's audit record).
    pub id: String,
    /// Lowercase hex SHA-256 of the bearer token (`printf %s TOKEN | sha256sum`),
    /// so the file holds no secret.
    pub token_sha256: String,
    /// The `REF_AREA` codes it may submit (`*` = any).
    pub ref_areas: Vec<String>,
    /// The dataflows it may submit to: `AGENCY:ID(VERSION)` or ids (`*` = any).
    pub dataflows: Vec<String>,
}

impl Provider {
    /// Whether the provider may submit data for this `REF_AREA`.
    pub fn allows_area(&self, area: &str) -> bool {
        self.ref_areas.iter().any(|a| a == "*" || a == area)
    }

    /// Whether the provider may submit to this dataflow (`AGENCY:ID(VERSION)`).
    pub fn allows_dataflow(&self, flow: &str) -> bool {
        let id = flow
            .split_once(':')
            .map_or(flow, |(_, rest)| rest.split('(').next().unwrap_or(rest));
        self.dataflows
            .iter()
            .any(|d| d == "*" || d == flow || d == id)
    }
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this configuration.
    #[error("config {path}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// The parse error, with line and column.
        message: String,
    },
}

impl Config {
    /// Reads and checks a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Config::parse(&text, &path.display().to_string())
    }

    /// Parses configuration text (`source` names it in errors).
    pub fn parse(text: &str, source: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Invalid {
            path: source.to_owned(),
            message: e.to_string(),
        })?;
        for p in &config.providers {
            let ok = p.token_sha256.len() == 64
                && p.token_sha256
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if !ok {
                return Err(ConfigError::Invalid {
                    path: source.to_owned(),
                    message: format!(
                        "provider {}: token_sha256 must be 64 lowercase hex digits (printf %s TOKEN | sha256sum)",
                        p.id
                    ),
                });
            }
        }
        for (name, t) in &config.targets {
            t.check().map_err(|message| ConfigError::Invalid {
                path: source.to_owned(),
                message: format!("target {name}: {message}"),
            })?;
        }
        config.check_exchanges(source)?;
        Ok(config)
    }

    /// The names of the defined `[sources.NAME]`.
    pub fn source_names(&self) -> Vec<&str> {
        self.sources.keys().map(String::as_str).collect()
    }

    /// The names of the defined `[targets.NAME]`.
    pub fn target_names(&self) -> Vec<&str> {
        self.targets.keys().map(String::as_str).collect()
    }

    /// Checks every exchange's schedule, inputs and references.
    fn check_exchanges(&self, source: &str) -> Result<(), ConfigError> {
        let (sources, targets) = (self.source_names(), self.target_names());
        for (name, x) in &self.exchanges {
            x.check(&sources, &targets)
                .map_err(|message| ConfigError::Invalid {
                    path: source.to_owned(),
                    message: format!("exchange {name}: {message}"),
                })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_gives_defaults() {
        let c = Config::parse("", "t").unwrap();
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert!(c.providers.is_empty());
    }

    #[test]
    fn shipped_example_parses() {
        let c =
            Config::parse(include_str!("../../samples/config/gateway.toml"), "example").unwrap();
        assert_eq!(c.providers.len(), 2);
        assert_eq!(c.sources.len(), 4);
        for (name, source) in &c.sources {
            crate::source::Source::from_config(name, source)
                .unwrap_or_else(|e| panic!("shipped source {name}: {e}"));
        }
        assert_eq!(
            c.providers[0].token_sha256,
            crate::store::sha256_hex(b"change-me-phl")
        );
        assert_eq!(c.target_names(), ["ilostat", "dropbox"]);
        let TargetConfig::SdmxRest(t) = &c.targets["ilostat"] else {
            panic!("ilostat is a REST target")
        };
        assert_eq!(t.data_url(), "https://collector.example.org/sdmx/data");
        assert_eq!(t.http.headers["X-Reporting-Country"], "PHL");
        assert_eq!(t.http.timeout_secs, 900);
    }

    #[test]
    fn unknown_field_is_refused() {
        let e = Config::parse("bnd = 'x'", "t").unwrap_err();
        assert!(e.to_string().contains("bnd"), "{e}");
    }

    #[test]
    fn bad_hash_is_refused() {
        let text = "[[providers]]\nid='P'\ntoken_sha256='abc'\nref_areas=['PHL']\ndataflows=['*']";
        assert!(Config::parse(text, "t").is_err());
    }

    #[test]
    fn provider_rights() {
        let p = Provider {
            id: "P".into(),
            token_sha256: String::new(),
            ref_areas: vec!["PHL".into()],
            dataflows: vec!["DF_A".into()],
        };
        assert!(p.allows_area("PHL"));
        assert!(!p.allows_area("THA"));
        assert!(p.allows_dataflow("ILO:DF_A(1.0)"));
        assert!(!p.allows_dataflow("ILO:DF_B(1.0)"));
    }
}
