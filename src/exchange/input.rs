//! The inputs of an exchange: mapped national tables, and pulls through the
//! [`Pull`] seam (implemented by the pull sources).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::config::PullSpec;
use crate::data::{DataReader, DataSink, Flow, Obs, SeriesKey};
use crate::mapping::{self, MappingError, Target};
use crate::model::ArtefactClass;
use crate::structure::Registry;

use super::ExchangeError;

/// One message ready to move: for which dataflow, its content hash and its
/// body.
pub struct Opened<'a> {
    /// The dataflow, `AGENCY:ID(VERSION)`.
    pub dataflow: String,
    /// Lowercase hex SHA-256 identifying the content (an unchanged input is
    /// not moved again); `None` = the runner hashes a file body.
    pub sha256: Option<String>,
    /// The message.
    pub body: Body<'a>,
    /// What an incremental pull remembers once the message was moved
    /// completely (stored and delivered), so the next pull asks only for
    /// what changed after it.
    pub remember: Option<crate::store::PullState>,
}

/// A message's content.
pub enum Body<'a> {
    /// Events read as they are needed (a mapped table).
    Events(Box<dyn DataReader + 'a>),
    /// A data message in a file (a pulled response, spooled), read with the
    /// format's streaming reader.
    File {
        /// The open file (an unnamed temporary file is fine), at any position.
        file: std::fs::File,
        /// Names the message in errors (the URL it came from).
        source: String,
        /// Its format; `None` = detect from the content.
        format: Option<crate::format::DataFormat>,
    },
    /// The source said nothing changed since the last pull (HTTP 304).
    Unchanged,
}

/// Fetches pulled data: the seam the pull sources (`[sources.NAME]`) fill.
pub trait Pull: Send + Sync {
    /// Pulls `spec.dataflow` / `spec.key` from `spec.source` as one message.
    /// `registry` resolves the dataflow and its DSD for reading.
    fn pull<'r>(
        &self,
        spec: &PullSpec,
        registry: &'r Registry,
    ) -> Result<Opened<'r>, ExchangeError>;
}

/// One input of an exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A mapping file whose table is mapped.
    Table(PathBuf),
    /// A pull from a source.
    Pull(PullSpec),
}

impl Input {
    /// A stable name for the input (run records, logs, the last-seen table).
    pub fn label(&self) -> String {
        match self {
            Input::Table(p) => format!("table {}", p.display()),
            Input::Pull(p) => format!("pull {} {} {}", p.source, p.dataflow, p.key),
        }
    }
}

/// Maps the table of a mapping file (as `sdmxgw map` does: the dataflow's
/// codelists and constraints decide the codes).
pub fn open_table<'r>(path: &Path, registry: &'r Registry) -> Result<Opened<'r>, ExchangeError> {
    let spec = mapping::load_mapping(path).map_err(|e| ExchangeError::Input {
        input: format!("table {}", path.display()),
        message: e.to_string(),
    })?;
    let base = path
        .parent()
        .map(Path::to_owned)
        .unwrap_or_else(|| PathBuf::from("."));
    let err = |message: String| ExchangeError::Input {
        input: format!("table {}", path.display()),
        message,
    };
    let flow = registry.dataflow(&spec.dataflow).map_err(|e| {
        err(format!(
            "dataflow {} is not among the loaded structures: {e}",
            spec.dataflow
        ))
    })?;
    let dsd = registry
        .structure_of(flow)
        .map_err(|e| err(format!("the DSD of {} is not loaded: {e}", spec.dataflow)))?;
    let reference = flow.meta.reference(ArtefactClass::Dataflow);
    let target = Target::for_dataflow(registry, flow, dsd);
    let map = || {
        mapping::map_table(&spec, &base, None, &target).map_err(|e| match e {
            MappingError::Cells(cells) => err(format!(
                "{} problem(s) in the table: {}",
                cells.len(),
                cells.join("; ")
            )),
            e => err(e.to_string()),
        })
    };
    // The mapped events identify the content (the table, the mapping file and
    // its code maps together); mapping again is cheap, tables are small.
    let mut hasher = HashSink::default();
    let mut first = map()?;
    crate::data::pump(&mut first, &mut hasher).map_err(|e| match first.take_problems() {
        // Problems in the cells are found while streaming: list them all.
        Some(MappingError::Cells(cells)) => err(format!(
            "{} problem(s) in the table: {}",
            first.problem_count(),
            cells.join("; ")
        )),
        _ => err(e.to_string()),
    })?;
    Ok(Opened {
        dataflow: reference.short(),
        sha256: Some(hasher.hex()),
        body: Body::Events(Box::new(map()?)),
        remember: None,
    })
}

/// Hashes the series and observations of a message (keys, values, attributes).
#[derive(Default)]
struct HashSink {
    hasher: Sha256,
}

impl HashSink {
    fn hex(self) -> String {
        self.hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn values(&mut self, tag: u8, values: &crate::data::Values) {
        self.hasher.update([tag]);
        for (k, v) in values.iter() {
            self.hasher.update(k.as_bytes());
            self.hasher.update([0]);
            self.hasher.update(v.as_bytes());
            self.hasher.update([0]);
        }
    }
}

impl DataSink for HashSink {
    type Error = crate::data::DataError;
    fn dataset(&mut self, d: &crate::data::DataSetHeader) -> Result<Flow, Self::Error> {
        self.hasher.update(d.action.name().as_bytes());
        self.values(b'd', &d.attributes);
        Ok(Flow::Continue)
    }
    fn series(&mut self, s: &SeriesKey) -> Result<Flow, Self::Error> {
        self.values(b's', &s.key);
        self.values(b'a', &s.attributes);
        Ok(Flow::Continue)
    }
    fn obs(&mut self, o: &Obs) -> Result<Flow, Self::Error> {
        self.values(b'o', &o.key);
        self.values(b'm', &o.measures);
        self.values(b'a', &o.attributes);
        Ok(Flow::Continue)
    }
}
