//! Pull sources (`[sources.NAME]`): SDMX REST 1.5/2.x APIs, PX-Web tables and
//! table files over HTTP(S), each turned into a stream of data events.
//!
//! [`Source::pull`] is synchronous over the events (the format readers and the
//! validator are) while the HTTP client is async: it must be called outside an
//! async context — a plain thread or `tokio::task::spawn_blocking` — with a
//! handle to a multi-threaded runtime. The response body is read chunk by chunk
//! as the events are consumed; it is never held whole.
//!
//! [`Source::pull`] feeds any [`DataSink`]; [`pull_into_store`] validates and
//! stores a pull in one transaction and remembers it for the next incremental
//! pull; [`pull_to_file`] spools a pull into a file in one SDMX format.

mod body;
mod config;
mod deliver;
mod jsonstat;
mod sdmx;
mod structures;
mod table;

use std::path::Path;

use serde::Serialize;
use tokio::runtime::Handle;

use crate::data::{DataSetHeader, DataSink, Flow, GroupKey, Header, Obs, SeriesKey, Summary};
use crate::model::{ArtefactClass, DataStructure, Dataflow};
use crate::store::{PullState, Timestamp, format_timestamp, parse_timestamp};
use crate::structure::Registry;
use crate::transport::{HttpClient, TransportError};

pub use body::{BodyFailure, BodyReader, NotData, ProgressFn, classify_not_data};
pub use config::{ApiVersion, PxResponse, SourceConfig, SourceKind};
pub use deliver::{StoredPull, pull_into_store, pull_to_file};
pub use jsonstat::{JsonStatError, jsonstat2_to_csv};
pub use structures::StructurePull;

/// Why a pull failed. Every message names the source and, where there is
/// one, the URL, and says what the operator can do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The source's configuration cannot be used.
    #[error("source {name}: {message}")]
    Config {
        /// The source.
        name: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// No usable response (connection, retries exhausted).
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The provider answered with an error status.
    #[error("source {name}: {url} answered HTTP {status}{detail}; {hint}")]
    Status {
        /// The source.
        name: String,
        /// The URL.
        url: String,
        /// The status.
        status: u16,
        /// What the body said, as ": …" (or empty).
        detail: String,
        /// What to do.
        hint: String,
    },
    /// The provider sent an error (an SDMX error message, an HTML page,
    /// something that is no data message) where data was expected.
    #[error("source {name}: {url} sent {what} instead of data: {message}; {hint}")]
    NotData {
        /// The source.
        name: String,
        /// The URL.
        url: String,
        /// `an SDMX error message`, `an HTML page`, …
        what: String,
        /// Its text.
        message: String,
        /// What to do.
        hint: String,
    },
    /// The body broke off or could not be read; nothing of the pull was kept.
    #[error(
        "source {name}: reading the response of {url} failed: {message}; nothing of this pull was stored, retry it"
    )]
    Body {
        /// The source.
        name: String,
        /// The URL.
        url: String,
        /// What happened.
        message: String,
    },
    /// The data could not be read, mapped or taken by the sink.
    #[error("source {name}: {url}: {message}")]
    Data {
        /// The source.
        name: String,
        /// The URL.
        url: String,
        /// What is wrong.
        message: String,
    },
    /// The dataflow or its structures are not loaded.
    #[error("source {name}: dataflow {dataflow}: {message}")]
    Structure {
        /// The source.
        name: String,
        /// The dataflow asked for.
        dataflow: String,
        /// What is missing.
        message: String,
    },
}

/// What to pull.
#[derive(Debug, Clone, Default)]
pub struct PullRequest {
    /// The dataflow, `AGENCY:ID(VERSION)`, URN or id.
    pub dataflow: String,
    /// The SDMX REST key (`PHL..`, `PHL+THA..`, `all`).
    pub key: String,
    /// Only data changed after this time (`updatedAfter`, xs:dateTime).
    pub updated_after: Option<String>,
    /// The `ETag` of the last pull (sent as `If-None-Match`).
    pub etag: Option<String>,
    /// The `Last-Modified` of the last pull (sent as `If-Modified-Since`).
    pub last_modified: Option<String>,
}

impl PullRequest {
    /// A full pull of `dataflow` / `key`.
    pub fn new(dataflow: &str, key: &str) -> Self {
        PullRequest {
            dataflow: dataflow.to_owned(),
            key: if key.trim().is_empty() {
                "all".to_owned()
            } else {
                key.to_owned()
            },
            ..PullRequest::default()
        }
    }

    /// Makes the pull incremental from the last successful one: changes since
    /// it, and a conditional request with its validators.
    pub fn since_state(mut self, state: &PullState) -> Self {
        self.updated_after = Some(format_timestamp(state.last_success));
        self.etag = state.etag.clone();
        self.last_modified = state.last_modified.clone();
        self
    }
}

/// What a pull did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PullReport {
    /// The source.
    pub source: String,
    /// The dataflow, `AGENCY:ID(VERSION)`.
    pub dataflow: String,
    /// The key asked for.
    pub key: String,
    /// When the pull started (µs since the epoch): the next incremental pull
    /// asks for changes after it.
    pub started_at: Timestamp,
    /// Every URL requested, in order.
    pub requests: Vec<String>,
    /// Formats the provider refused with 406, in the order asked.
    pub refused_formats: Vec<String>,
    /// The format the data came in.
    pub format: Option<String>,
    /// Responses whose data was read (more than one after a 413 split).
    pub parts: usize,
    /// Series read.
    pub series: u64,
    /// Observations read.
    pub observations: u64,
    /// The source said nothing changed (304): no events were produced.
    pub not_modified: bool,
    /// The `ETag` of the response (single-request pulls).
    pub etag: Option<String>,
    /// The `Last-Modified` of the response (single-request pulls).
    pub last_modified: Option<String>,
    /// The `updatedAfter` sent, if any.
    pub updated_after: Option<String>,
    /// Things worth knowing (a part with no results, a split).
    pub notes: Vec<String>,
}

impl PullReport {
    /// The state to remember for the next incremental pull.
    pub fn state(&self) -> PullState {
        PullState {
            source: self.source.clone(),
            dataflow: self.dataflow.clone(),
            key: self.key.clone(),
            last_success: self.started_at,
            etag: self.etag.clone(),
            last_modified: self.last_modified.clone(),
            observations: self.observations,
        }
    }
}

/// A configured source, ready to pull.
pub struct Source {
    name: String,
    config: SourceConfig,
    client: HttpClient,
    formats: Vec<crate::format::DataFormat>,
    progress: Option<ProgressFn>,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("name", &self.name)
            .field("kind", &self.config.kind)
            .field("url", &self.config.url)
            .finish()
    }
}

impl Source {
    /// Builds a source from its `[sources.NAME]` table: checks the fields its
    /// kind needs, the formats and the credentials.
    pub fn from_config(name: &str, config: &SourceConfig) -> Result<Source, SourceError> {
        let err = |message: String| SourceError::Config {
            name: name.to_owned(),
            message,
        };
        if let Some(k) = config.unknown.keys().next() {
            return Err(err(format!(
                "unknown field {k:?}; see the commented example in samples/config/gateway.toml"
            )));
        }
        let url = config.url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(err(format!(
                "url = {url:?} is not an http:// or https:// URL"
            )));
        }
        let mut formats = Vec::new();
        for f in &config.formats {
            formats.push(
                f.parse()
                    .map_err(|e: String| err(format!("formats: {e}")))?,
            );
        }
        match config.kind {
            SourceKind::SdmxRest => {
                if config.mapping.is_some() {
                    return Err(err(
                        "mapping is for pxweb and file sources; an sdmx-rest source sends SDMX"
                            .into(),
                    ));
                }
                if formats.is_empty() {
                    formats = sdmx::default_formats(config.api);
                }
            }
            SourceKind::Pxweb | SourceKind::File => {
                if config.mapping.is_none() {
                    return Err(err(format!(
                        "a {} source needs mapping = \"path/to/mapping.toml\" (docs/mapping.md) to turn its table into observations",
                        config.kind.name()
                    )));
                }
            }
        }
        Ok(Source {
            name: name.to_owned(),
            config: config.clone(),
            client: HttpClient::new(name, &config.http)?,
            formats,
            progress: None,
        })
    }

    /// Reports download progress (bytes so far, announced length) to `f`.
    pub fn with_progress(mut self, f: ProgressFn) -> Self {
        self.progress = Some(f);
        self
    }

    /// The source's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its configuration.
    pub fn config(&self) -> &SourceConfig {
        &self.config
    }

    /// The dataflow a pull of this source produces: the request's for SDMX
    /// REST, the mapping file's for tables (the request must then name the
    /// same dataflow or none).
    pub fn dataflow_of<'r>(
        &self,
        req: &PullRequest,
        registry: &'r Registry,
    ) -> Result<(&'r Dataflow, &'r DataStructure), SourceError> {
        let wanted = match self.config.kind {
            SourceKind::SdmxRest => req.dataflow.clone(),
            SourceKind::Pxweb | SourceKind::File => {
                let spec = table::load_spec(self)?;
                if !req.dataflow.is_empty() {
                    let a = resolve(self, registry, &req.dataflow)?;
                    let b = resolve(self, registry, &spec.dataflow)?;
                    if a.0.meta.reference(ArtefactClass::Dataflow)
                        != b.0.meta.reference(ArtefactClass::Dataflow)
                    {
                        return Err(SourceError::Config {
                            name: self.name.clone(),
                            message: format!(
                                "its mapping file maps onto {}, not {}: pull that dataflow",
                                spec.dataflow, req.dataflow
                            ),
                        });
                    }
                }
                spec.dataflow
            }
        };
        resolve(self, registry, &wanted)
    }

    /// Pulls `req` into `sink`: the header once, each part's datasets, then
    /// `finish` once. On 304 (not modified) the sink gets no events at all and
    /// the report says `not_modified`. A failure may leave the sink with part
    /// of the events: a store sink must not commit then (see
    /// [`pull_into_store`]).
    pub fn pull<S>(
        &self,
        rt: &Handle,
        req: &PullRequest,
        registry: &Registry,
        sink: &mut S,
    ) -> Result<PullReport, SourceError>
    where
        S: DataSink + ?Sized,
        S::Error: std::fmt::Display,
    {
        let (flow, dsd) = self.dataflow_of(req, registry)?;
        let mut report = PullReport {
            source: self.name.clone(),
            dataflow: flow.meta.reference(ArtefactClass::Dataflow).short(),
            key: req.key.clone(),
            started_at: crate::store::now_micros(),
            updated_after: req.updated_after.clone(),
            ..PullReport::default()
        };
        if let Some(u) = &req.updated_after
            && parse_timestamp(u).is_none()
        {
            return Err(SourceError::Config {
                name: self.name.clone(),
                message: format!(
                    "since {u:?} is not an xs:dateTime such as 2026-01-31T00:00:00Z or a date such as 2026-01-31"
                ),
            });
        }
        let mut parts = Parts {
            inner: sink,
            header_sent: false,
            total: Summary::default(),
        };
        match self.config.kind {
            SourceKind::SdmxRest => {
                sdmx::pull(self, rt, req, registry, flow, dsd, &mut parts, &mut report)?
            }
            SourceKind::Pxweb | SourceKind::File => {
                table::pull(self, rt, req, registry, &mut parts, &mut report)?
            }
        }
        if !report.not_modified {
            let total = parts.total;
            report.series = total.series;
            report.observations = total.observations;
            parts.inner.finish(&total).map_err(|e| SourceError::Data {
                name: self.name.clone(),
                url: self.config.url.clone(),
                message: e.to_string(),
            })?;
        }
        Ok(report)
    }
}

fn resolve<'r>(
    source: &Source,
    registry: &'r Registry,
    dataflow: &str,
) -> Result<(&'r Dataflow, &'r DataStructure), SourceError> {
    let err = |message: String| SourceError::Structure {
        name: source.name.clone(),
        dataflow: dataflow.to_owned(),
        message,
    };
    let flow = registry.dataflow(dataflow).map_err(|e| {
        err(format!(
            "not among the loaded structures ({e}); load its DSD with --structures or in the config"
        ))
    })?;
    let dsd = registry
        .structure_of(flow)
        .map_err(|e| err(format!("its DSD is not loaded: {e}")))?;
    Ok((flow, dsd))
}

/// Joins the parts of a split pull into one message for the caller's sink:
/// the header passes once, `finish` is held back and the counts summed.
pub(crate) struct Parts<'s, S: ?Sized> {
    pub(crate) inner: &'s mut S,
    header_sent: bool,
    pub(crate) total: Summary,
}

impl<S: DataSink + ?Sized> DataSink for Parts<'_, S> {
    type Error = S::Error;
    fn header(&mut self, h: &Header) -> Result<Flow, Self::Error> {
        if self.header_sent {
            return Ok(Flow::Continue);
        }
        self.header_sent = true;
        self.inner.header(h)
    }
    fn dataset(&mut self, d: &DataSetHeader) -> Result<Flow, Self::Error> {
        self.inner.dataset(d)
    }
    fn group(&mut self, g: &GroupKey) -> Result<Flow, Self::Error> {
        self.inner.group(g)
    }
    fn series(&mut self, s: &SeriesKey) -> Result<Flow, Self::Error> {
        self.inner.series(s)
    }
    fn obs(&mut self, o: &Obs) -> Result<Flow, Self::Error> {
        self.inner.obs(o)
    }
    fn end_dataset(&mut self) -> Result<Flow, Self::Error> {
        self.inner.end_dataset()
    }
    fn finish(&mut self, s: &Summary) -> Result<(), Self::Error> {
        self.total.datasets += s.datasets;
        self.total.groups += s.groups;
        self.total.series += s.series;
        self.total.observations += s.observations;
        self.total.stopped_early |= s.stopped_early;
        Ok(())
    }
}

/// Turns a sink error into a source error, telling a broken body apart.
pub(crate) fn sink_error(
    source: &Source,
    url: &str,
    failure: &BodyFailure,
    message: String,
) -> SourceError {
    match failure.get() {
        Some(m) => SourceError::Body {
            name: source.name.clone(),
            url: url.to_owned(),
            message: m,
        },
        None => SourceError::Data {
            name: source.name.clone(),
            url: url.to_owned(),
            message,
        },
    }
}

/// Reads every `[sources.NAME]` of a configuration.
pub fn sources_from_config(
    sources: &indexmap::IndexMap<String, SourceConfig>,
) -> Result<Vec<Source>, SourceError> {
    sources
        .iter()
        .map(|(n, c)| Source::from_config(n, c))
        .collect()
}

/// A mapping path resolved against the working directory.
pub(crate) fn mapping_path(source: &Source) -> Option<&Path> {
    source.config.mapping.as_deref()
}
