use std::fmt;

use serde::Serialize;

use crate::model::ArtefactRef;

use super::Values;

/// Where in the input an event or error is: the source name and, as the format
/// allows, line and column (XML, JSON) or record number (CSV, 1-based, header = 1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Position {
    /// File name, URL or `<stdin>`.
    pub source: String,
    /// 1-based line, 0 when unknown.
    pub line: u64,
    /// 1-based column, 0 when unknown.
    pub column: u64,
    /// 1-based CSV record (the header row is 1), 0 when not CSV.
    pub record: u64,
}

impl Position {
    /// A position naming only the source.
    pub fn source(source: impl Into<String>) -> Self {
        Position {
            source: source.into(),
            ..Default::default()
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)?;
        if self.record > 0 {
            write!(f, ": row {}", self.record)?;
            if self.column > 0 {
                write!(f, ", column {}", self.column)?;
            }
            Ok(())
        } else if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
            Ok(())
        } else {
            Ok(())
        }
    }
}

/// What a dataset asks the receiver to do with its content.
///
/// SDMX 2.1/3.0 say Append/Replace/Delete/Information; SDMX 3.1 (and the draft
/// REST data-maintenance API) say Merge/Replace/Delete with Append and
/// Information deprecated to Merge. The original word is kept so that writers can
/// emit what the target format allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
pub enum Action {
    /// Add or update observations and attributes (3.1 `Merge`).
    #[default]
    Merge,
    /// 2.1 `Append`: incremental update (processed as Merge).
    Append,
    /// Replace at observation level.
    Replace,
    /// Delete series, observations or attribute values.
    Delete,
    /// For information only (processed as Merge by collectors).
    Information,
}

impl Action {
    /// The word SDMX-ML and SDMX-JSON use (`Append`, `Replace`, …).
    pub fn name(self) -> &'static str {
        match self {
            Action::Merge => "Merge",
            Action::Append => "Append",
            Action::Replace => "Replace",
            Action::Delete => "Delete",
            Action::Information => "Information",
        }
    }

    /// How a collector applies it: Append and Information become Merge.
    pub fn effective(self) -> Action {
        match self {
            Action::Append | Action::Information => Action::Merge,
            a => a,
        }
    }

    /// Parses an action word or SDMX-CSV letter (`I`, `A`, `M`, `R`, `D`),
    /// case-insensitively.
    pub fn parse(s: &str) -> Option<Action> {
        Some(match s.to_ascii_lowercase().as_str() {
            "merge" | "m" => Action::Merge,
            "append" | "a" => Action::Append,
            "replace" | "r" => Action::Replace,
            "delete" | "d" => Action::Delete,
            "information" | "i" => Action::Information,
            _ => return None,
        })
    }
}

/// Which dimension sits at observation level.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Default)]
pub enum ObsDimension {
    /// `TIME_PERIOD` (the default when the DSD has a time dimension).
    #[default]
    Time,
    /// Another dimension, by id.
    Dimension(String),
    /// `AllDimensions`: a flat list of observations, each with its full key.
    AllDimensions,
}

impl ObsDimension {
    /// The id written in `dimensionAtObservation`.
    pub fn id(&self) -> &str {
        match self {
            ObsDimension::Time => "TIME_PERIOD",
            ObsDimension::Dimension(d) => d,
            ObsDimension::AllDimensions => "AllDimensions",
        }
    }

    /// Parses a `dimensionAtObservation` value.
    pub fn parse(s: &str) -> ObsDimension {
        match s {
            "TIME_PERIOD" => ObsDimension::Time,
            "AllDimensions" => ObsDimension::AllDimensions,
            other => ObsDimension::Dimension(other.to_owned()),
        }
    }
}

/// How the data refers to its structure.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum StructureUse {
    /// A dataflow (`StructureUsage`, SDMX-CSV `dataflow`).
    Dataflow(ArtefactRef),
    /// A DSD directly.
    DataStructure(ArtefactRef),
    /// A provision agreement.
    ProvisionAgreement(ArtefactRef),
}

impl StructureUse {
    /// The referenced artefact.
    pub fn reference(&self) -> &ArtefactRef {
        match self {
            StructureUse::Dataflow(r)
            | StructureUse::DataStructure(r)
            | StructureUse::ProvisionAgreement(r) => r,
        }
    }
}

/// The message header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Header {
    /// Message id.
    pub id: String,
    /// Test message.
    pub test: bool,
    /// Preparation time (xs:dateTime text).
    pub prepared: String,
    /// Sender id.
    pub sender: String,
    /// Receiver id.
    pub receiver: Option<String>,
    /// The structure the datasets use, when the header names one.
    pub structure: Option<StructureUse>,
    /// Header-level `DataSetAction`, inherited by datasets that state none.
    pub action: Option<Action>,
}

impl Default for Header {
    fn default() -> Self {
        Header {
            id: "SDMXGW".to_owned(),
            test: false,
            prepared: "2026-01-01T00:00:00Z".to_owned(),
            sender: "SDMXGW".to_owned(),
            receiver: None,
            structure: None,
            action: None,
        }
    }
}

/// The start of a dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataSetHeader {
    /// The structure it uses (from the dataset, else the header).
    pub structure: Option<StructureUse>,
    /// The action (from the dataset, else the header, else Information in SDMX-CSV
    /// 1.0/2.0 and Merge elsewhere).
    pub action: Action,
    /// Which dimension is at observation level.
    pub dimension_at_observation: ObsDimension,
    /// Dataset-level attributes.
    pub attributes: Values,
    /// `validFromDate`, `validToDate`, `reportingBeginDate`… (kept as given).
    pub extra: Values,
}

/// A group key with its attributes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct GroupKey {
    /// The group id (from the DSD).
    pub group: String,
    /// The group's dimension values.
    pub key: Values,
    /// Group-level attributes.
    pub attributes: Values,
}

/// The start of a series: its key (every dimension except the one at observation
/// level, in DSD order) and series-level attributes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct SeriesKey {
    /// Dimension values.
    pub key: Values,
    /// Series-level attributes.
    pub attributes: Values,
}

/// One observation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Obs {
    /// The observation-level dimension values (usually just `TIME_PERIOD`; every
    /// dimension for `AllDimensions`).
    pub key: Values,
    /// Measure values (`OBS_VALUE` in 2.1; several measures in 3.0). A measure
    /// absent here was not given.
    pub measures: Values,
    /// Observation-level attributes.
    pub attributes: Values,
}

/// One step of a data message, borrowing the reader's buffers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataEvent<'a> {
    /// The header (once, first).
    Header(&'a Header),
    /// A dataset begins.
    DataSet(&'a DataSetHeader),
    /// A group key with its attributes.
    Group(&'a GroupKey),
    /// A series begins; the observations that follow belong to it.
    Series(&'a SeriesKey),
    /// An observation, in the current series (or flat, for `AllDimensions`).
    Obs(&'a Obs),
    /// The current dataset ends.
    EndDataSet,
}
