//! Structure queries against an SDMX REST source: a dataflow and what it
//! references (DSD, codelists, concept schemes, constraints), negotiated like
//! data (406 → the next format) and checked by reading it before it is kept.

use reqwest::header;
use serde::Serialize;
use tokio::runtime::Handle;

use crate::structure::{StructureFormat, read_structure_text};

use super::body::is_no_results;
use super::{ApiVersion, Source, SourceError, SourceKind};

/// What a structure pull brought.
#[derive(Debug, Clone, Serialize)]
pub struct StructurePull {
    /// The URL that answered.
    pub url: String,
    /// The format it answered in (`sdmx-ml-2.1`, …).
    pub format: String,
    /// Formats refused with 406 before.
    pub refused_formats: Vec<String>,
    /// Artefacts read from the message.
    pub artefacts: usize,
    /// The message as received.
    #[serde(skip)]
    pub text: String,
}

/// The structure formats asked for, best first.
const FORMATS: [StructureFormat; 3] = [
    StructureFormat::SdmxMl21,
    StructureFormat::SdmxMl30,
    StructureFormat::SdmxJson10,
];

impl Source {
    /// Fetches dataflow `dataflow` (`AGENCY:ID(VERSION)`, `AGENCY:ID` or an id)
    /// with `references=all` from an SDMX REST source; the message is read
    /// (so a broken one is an error) and returned as received.
    pub fn pull_structures(
        &self,
        rt: &Handle,
        dataflow: &str,
    ) -> Result<StructurePull, SourceError> {
        let name = &self.name;
        if self.config.kind != SourceKind::SdmxRest {
            return Err(SourceError::Config {
                name: name.clone(),
                message: "structure queries need an sdmx-rest source".into(),
            });
        }
        let (agency, rest) = dataflow.split_once(':').unwrap_or(("", dataflow));
        let (id, version) = match rest.split_once('(') {
            Some((id, v)) => (id, v.trim_end_matches(')')),
            None => (rest, ""),
        };
        let base = self.config.url.trim().trim_end_matches('/');
        let url = match self.config.api {
            ApiVersion::V1 => format!(
                "{base}/dataflow/{}/{id}/{}?references=all",
                if agency.is_empty() { "all" } else { agency },
                if version.is_empty() {
                    "latest"
                } else {
                    version
                }
            ),
            ApiVersion::V2 => format!(
                "{base}/structure/dataflow/{}/{id}/{}?references=all",
                if agency.is_empty() { "*" } else { agency },
                if version.is_empty() { "~" } else { version }
            ),
        };
        let mut refused = Vec::new();
        for format in FORMATS {
            let client = &self.client;
            let response = rt.block_on(client.send(&url, || {
                client
                    .request(reqwest::Method::GET, &url)
                    .header(header::ACCEPT, format.media_type())
            }))?;
            let status = response.status().as_u16();
            let body = rt
                .block_on(response.text())
                .map_err(|e| SourceError::Body {
                    name: name.clone(),
                    url: url.clone(),
                    message: crate::transport::error_chain(&e),
                })?;
            if status == 406 {
                refused.push(format.name().to_owned());
                continue;
            }
            if !(200..300).contains(&status) {
                let hint = if status == 404 || is_no_results(body.as_bytes()) {
                    "the source does not know this dataflow; check its id, agency and version"
                } else {
                    "see the provider's message; retry later if it is a temporary problem"
                };
                return Err(SourceError::Status {
                    name: name.clone(),
                    url,
                    status,
                    detail: String::new(),
                    hint: hint.into(),
                });
            }
            if StructureFormat::detect(&body).is_none() {
                return Err(super::sdmx::not_data(self, &url, body.as_bytes()));
            }
            let read = read_structure_text(&body, &url).map_err(|e| SourceError::Data {
                name: name.clone(),
                url: url.clone(),
                message: format!("the structure message cannot be read: {e}"),
            })?;
            return Ok(StructurePull {
                format: StructureFormat::detect(&body)
                    .map(|f| f.name().to_owned())
                    .unwrap_or_default(),
                url,
                refused_formats: refused,
                artefacts: read.structures.len(),
                text: body,
            });
        }
        Err(SourceError::Status {
            name: name.clone(),
            url,
            status: 406,
            detail: format!(" to every structure format asked ({})", refused.join(", ")),
            hint: "the provider serves no structure format the gateway reads".into(),
        })
    }
}
