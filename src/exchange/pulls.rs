//! The pull sources (`[sources.NAME]`, [`crate::source`]) behind the
//! exchange's [`Pull`] seam: each pull is spooled into a temporary file in
//! SDMX-ML 2.1 structure-specific and read back by the runner, so the
//! response is never held in memory and validation sees a complete message.
//! Pulls are incremental: the last successful pull of a source / dataflow /
//! key (recorded only once its message was stored and delivered) gives
//! `updatedAfter` and the conditional-request validators of the next.

use std::io::BufWriter;
use std::path::PathBuf;

use tokio::runtime::Handle;

use crate::config::PullSpec;
use crate::format::DataFormat;
use crate::model::ArtefactClass;
use crate::source::{PullRequest, Source, pull_to_file};
use crate::store::SqliteStore;
use crate::structure::Registry;

use super::ExchangeError;
use super::input::{Body, Opened, Pull};

/// The configured sources, pulled with a runtime's HTTP client.
pub struct SourcePull {
    /// The sources by name.
    pub sources: Vec<Source>,
    /// A multi-threaded runtime (pulls are made from blocking threads).
    pub runtime: Handle,
    /// The store whose pull state makes pulls incremental.
    pub store: PathBuf,
}

impl Pull for SourcePull {
    fn pull<'r>(
        &self,
        spec: &PullSpec,
        registry: &'r Registry,
    ) -> Result<Opened<'r>, ExchangeError> {
        let input = || format!("pull {} {} {}", spec.source, spec.dataflow, spec.key);
        let err = |message: String| ExchangeError::Input {
            input: input(),
            message,
        };
        let source = self
            .sources
            .iter()
            .find(|s| s.name() == spec.source)
            .ok_or_else(|| err(format!("no source {:?} is configured", spec.source)))?;
        let mut req = PullRequest::new(&spec.dataflow, &spec.key);
        let (flow, _) = source
            .dataflow_of(&req, registry)
            .map_err(|e| err(e.to_string()))?;
        let dataflow = flow.meta.reference(ArtefactClass::Dataflow).short();
        let store = SqliteStore::open(&self.store)?;
        if let Some(state) = store.pull_state(source.name(), &dataflow, &req.key)? {
            req = req.since_state(&state);
        }
        drop(store);
        let file = tempfile::tempfile().map_err(|e| ExchangeError::Io {
            context: "cannot create a spool file for a pull".into(),
            source: e,
        })?;
        let writer = file.try_clone().map_err(|e| ExchangeError::Io {
            context: "cannot open the pull's spool file".into(),
            source: e,
        })?;
        let report = {
            let mut out = BufWriter::new(writer);
            let report = pull_to_file(source, &self.runtime, &req, registry, SPOOL, &mut out)
                .map_err(|e| err(e.to_string()))?;
            std::io::Write::flush(&mut out).map_err(|e| ExchangeError::Io {
                context: "cannot write the pull's spool file".into(),
                source: e,
            })?;
            report
        };
        if report.not_modified {
            return Ok(Opened {
                dataflow,
                sha256: None,
                body: Body::Unchanged,
                remember: Some(report.state()),
            });
        }
        let url = report
            .requests
            .last()
            .cloned()
            .unwrap_or_else(|| source.config().url.clone());
        Ok(Opened {
            dataflow,
            sha256: None,
            body: Body::File {
                file,
                source: format!("{} (spooled)", url),
                format: Some(SPOOL),
            },
            remember: Some(report.state()),
        })
    }
}

const SPOOL: DataFormat = DataFormat::StructureSpecific21;
