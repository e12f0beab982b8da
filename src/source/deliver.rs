//! Where a pull goes: into the store (validated, one transaction, remembered
//! for the next incremental pull) or into a file in one SDMX format.

use std::io::Write;

use serde::Serialize;
use tokio::runtime::Handle;

use crate::data::{
    DataError, DataSetHeader, DataSink, Flow, GroupKey, Header, Obs, SeriesKey, Summary,
};
use crate::format::{self, DataFormat, WriteOptions};
use crate::model::{ArtefactClass, DimensionKind};
use crate::store::{
    ContentHash, FlowDef, IngestSink, Receipt, SqliteStore, Store, Submission, sha256_hex,
};
use crate::structure::Registry;
use crate::validate::{Options, Report, Schema, Validator};

use super::{PullReport, PullRequest, Source, SourceError};

/// What [`pull_into_store`] did.
#[derive(Debug, Serialize)]
pub struct StoredPull {
    /// The pull.
    pub pull: PullReport,
    /// What validation found (empty on 304).
    #[serde(skip)]
    pub validation: Report,
    /// The store's receipt, when the data was valid and stored.
    pub receipt: Option<Receipt>,
}

impl StoredPull {
    /// Whether the pulled data broke validation rules (and was not stored).
    pub fn invalid(&self) -> bool {
        !self.validation.is_valid()
    }
}

/// Holds back `finish` (the commit) until validation has passed.
struct Defer<S>(S);

impl<S: DataSink> DataSink for Defer<S> {
    type Error = S::Error;
    fn header(&mut self, h: &Header) -> Result<Flow, Self::Error> {
        self.0.header(h)
    }
    fn dataset(&mut self, d: &DataSetHeader) -> Result<Flow, Self::Error> {
        self.0.dataset(d)
    }
    fn group(&mut self, g: &GroupKey) -> Result<Flow, Self::Error> {
        self.0.group(g)
    }
    fn series(&mut self, s: &SeriesKey) -> Result<Flow, Self::Error> {
        self.0.series(s)
    }
    fn obs(&mut self, o: &Obs) -> Result<Flow, Self::Error> {
        self.0.obs(o)
    }
    fn end_dataset(&mut self) -> Result<Flow, Self::Error> {
        self.0.end_dataset()
    }
    fn finish(&mut self, _s: &Summary) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// Pulls into `store`: the events stream through the validator into one
/// store transaction, committed only when the pull completed and validation
/// found no error (a broken body or invalid data stores nothing). With
/// `incremental` and no `updated_after` in `req`, the pull asks for changes
/// since the last successful pull of the same source, dataflow and key, with
/// its ETag / Last-Modified; a successful pull is remembered for the next.
pub fn pull_into_store(
    source: &Source,
    rt: &Handle,
    req: &PullRequest,
    registry: &Registry,
    store: &mut SqliteStore,
    incremental: bool,
) -> Result<StoredPull, SourceError> {
    let (flow, dsd) = source.dataflow_of(req, registry)?;
    let reference = flow.meta.reference(ArtefactClass::Dataflow);
    let short = reference.short();
    let store_err = |e: crate::store::StoreError| SourceError::Data {
        name: source.name.clone(),
        url: source.config.url.clone(),
        message: format!("store: {e}"),
    };
    let mut req = req.clone();
    if incremental
        && req.updated_after.is_none()
        && let Some(state) = store
            .pull_state(&source.name, &short, &req.key)
            .map_err(store_err)?
    {
        req = req.since_state(&state);
    }
    store
        .register_dataflow(&FlowDef {
            flow: short.clone(),
            dimensions: dsd
                .dimensions
                .iter()
                .filter(|d| d.kind != DimensionKind::Time)
                .map(|d| d.id.clone())
                .collect(),
        })
        .map_err(store_err)?;
    let schema = Schema::from_registry(registry, &reference.urn(), None).map_err(|e| {
        SourceError::Structure {
            name: source.name.clone(),
            dataflow: short.clone(),
            message: format!("cannot prepare validation: {e}"),
        }
    })?;
    // Each pull is its own submission: the hash names the pull, not the body
    // (which streams and is not kept).
    let started = crate::store::now_micros();
    let id = sha256_hex(format!("{}\n{}\n{}\n{started}", source.name, short, req.key).as_bytes());
    let (report, validation, ingest) = {
        let ingest = store
            .ingest(Submission {
                who: format!("pull:{}", source.name),
                dataflow: Some(short.clone()),
                content: ContentHash::Known(id),
            })
            .map_err(store_err)?;
        let opts = Options {
            max_errors: Some(1000),
            ..Options::default()
        };
        let mut validator = Validator::wrap(&schema, opts, Defer(ingest));
        let report = source.pull(rt, &req, registry, &mut validator)?;
        let (validation, Defer(ingest)) = validator.into_parts();
        (report, validation, ingest)
    };
    if report.not_modified || !validation.is_valid() {
        drop(ingest);
        return Ok(StoredPull {
            pull: report,
            validation,
            receipt: None,
        });
    }
    let receipt = commit(ingest, &validation.summary).map_err(store_err)?;
    store.record_pull(&report.state()).map_err(store_err)?;
    Ok(StoredPull {
        pull: report,
        validation,
        receipt: Some(receipt),
    })
}

fn commit(
    mut ingest: Box<dyn IngestSink + '_>,
    summary: &Summary,
) -> Result<Receipt, crate::store::StoreError> {
    ingest.finish(summary)?;
    ingest
        .outcome()
        .map(|o| o.receipt().clone())
        .ok_or_else(|| {
            crate::store::StoreError::Sequence("the ingest finished without an outcome".into())
        })
}

/// Pulls into `out` as one message in `format` (no validation: validate the
/// file, or use [`pull_into_store`]). On 304 nothing is written and the
/// report says `not_modified`; on an error `out` may hold part of a message,
/// so write into a temporary file and keep it only on success.
pub fn pull_to_file<W: Write>(
    source: &Source,
    rt: &Handle,
    req: &PullRequest,
    registry: &Registry,
    format: DataFormat,
    out: W,
) -> Result<PullReport, SourceError> {
    let (flow, dsd) = source.dataflow_of(req, registry)?;
    let usage = crate::data::StructureUse::Dataflow(flow.meta.reference(ArtefactClass::Dataflow));
    let opts = WriteOptions {
        dsd: Some(dsd),
        structure: Some(&usage),
        dimension_at_observation: None,
    };
    let data_err = |e: DataError| SourceError::Data {
        name: source.name.clone(),
        url: source.config.url.clone(),
        message: e.to_string(),
    };
    let mut writer = format::open_writer(format, out, opts).map_err(data_err)?;
    source.pull(rt, req, registry, &mut writer)
}
