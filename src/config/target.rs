//! `[targets.NAME]`: where `sdmxgw push` and exchanges deliver messages — an
//! SDMX REST collector (`POST /data`) or a folder a collector picks files from.

use std::path::PathBuf;

use indexmap::IndexMap;
use serde::Deserialize;

use crate::transport::HttpSettings;

/// One delivery target, chosen by `kind`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TargetConfig {
    /// An SDMX REST collector: each message is `POST`ed to `{url}/data`.
    SdmxRest(Box<RestTarget>),
    /// A folder: each message is written atomically and listed with its
    /// SHA-256 in the folder's manifest.
    Directory(DirectoryTarget),
}

/// `kind = "sdmx-rest"`.
#[derive(Debug, Clone, Deserialize)]
pub struct RestTarget {
    /// The base URL of the collector's SDMX REST API; messages go to `{url}/data`.
    pub url: String,
    /// Connection settings: auth, headers, user_agent, timeouts, rate limit, retry.
    #[serde(flatten)]
    pub http: HttpSettings,
    /// Keys neither field above knows (refused by [`TargetConfig::check`], so a
    /// typo does not go unnoticed).
    #[serde(flatten)]
    pub unknown: IndexMap<String, toml::Value>,
}

/// `kind = "directory"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryTarget {
    /// The folder messages are dropped into (created if missing).
    pub path: PathBuf,
}

impl RestTarget {
    /// The submission endpoint, `{url}/data`.
    pub fn data_url(&self) -> String {
        format!("{}/data", self.url.trim_end_matches('/'))
    }
}

impl TargetConfig {
    /// The kind, as written in the file.
    pub fn kind(&self) -> &'static str {
        match self {
            TargetConfig::SdmxRest(_) => "sdmx-rest",
            TargetConfig::Directory(_) => "directory",
        }
    }

    /// Checks what serde cannot: unknown keys of a REST target, the URL's scheme.
    pub fn check(&self) -> Result<(), String> {
        match self {
            TargetConfig::SdmxRest(t) => {
                if let Some(key) = t.unknown.keys().next() {
                    return Err(format!(
                        "unknown key {key:?} (a sdmx-rest target takes url, auth, headers, user_agent, timeout_secs, connect_timeout_secs, rate_limit_per_sec, retry)"
                    ));
                }
                if !(t.url.starts_with("http://") || t.url.starts_with("https://")) {
                    return Err(format!(
                        "url {:?} must start with http:// or https://",
                        t.url
                    ));
                }
                Ok(())
            }
            TargetConfig::Directory(d) => {
                if d.path.as_os_str().is_empty() {
                    return Err("path is empty: name the folder to drop messages into".into());
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<IndexMap<String, TargetConfig>, String> {
        #[derive(Deserialize)]
        struct F {
            targets: IndexMap<String, TargetConfig>,
        }
        toml::from_str::<F>(text)
            .map(|f| f.targets)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn rest_target_with_settings() {
        let t = parse(
            r#"
            [targets.ilo]
            kind = "sdmx-rest"
            url = "https://collector.example.org/rest/"
            auth = { type = "bearer", token = { env = "ILO_TOKEN" } }
            timeout_secs = 900
            rate_limit_per_sec = 2.0
            retry = { max_attempts = 3 }
            "#,
        )
        .unwrap();
        let TargetConfig::SdmxRest(r) = &t["ilo"] else {
            panic!("not rest")
        };
        assert_eq!(r.data_url(), "https://collector.example.org/rest/data");
        assert_eq!(r.http.timeout_secs, 900);
        assert_eq!(r.http.retry.max_attempts, 3);
        assert!(t["ilo"].check().is_ok());
    }

    #[test]
    fn typos_and_bad_urls_are_refused() {
        let t = parse("[targets.x]\nkind = \"sdmx-rest\"\nurl = \"http://h\"\ntimeout_sec = 3\n")
            .unwrap();
        assert!(t["x"].check().unwrap_err().contains("timeout_sec"));
        let t = parse("[targets.x]\nkind = \"sdmx-rest\"\nurl = \"ftp://h\"\n").unwrap();
        assert!(t["x"].check().unwrap_err().contains("http://"));
        assert!(parse("[targets.x]\nkind = \"directory\"\npath = \"a\"\nurl = \"b\"\n").is_err());
        assert!(parse("[targets.x]\nkind = \"ftp\"\n").is_err());
    }
}
