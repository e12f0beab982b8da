//! The delivery seam: after validation an exchange writes each message that
//! passed into a spool file and hands it to every target through [`Deliver`]
//! (implemented by the push targets, `[targets.NAME]`).

use std::path::PathBuf;

use crate::format::DataFormat;

/// A message written for delivery.
#[derive(Debug, Clone)]
pub struct Spooled {
    /// The file holding it (removed after every target took it).
    pub path: PathBuf,
    /// Its format.
    pub format: DataFormat,
    /// The dataflow, `AGENCY:ID(VERSION)`.
    pub dataflow: String,
    /// The message id written in its header (unique per content).
    pub message_id: String,
    /// The observations it holds.
    pub observations: u64,
}

/// Hands messages to one target.
pub trait Deliver: Send + Sync {
    /// Delivers (or durably queues) the message; returns when the target, or
    /// its outbox, holds it. The file may be removed once this returns.
    fn deliver(&self, message: &Spooled) -> Result<(), String>;

    /// Tries again what waits for this target (a run that had nothing new to
    /// deliver still gives earlier messages their chance).
    fn retry_waiting(&self) -> Result<(), String> {
        Ok(())
    }
}

/// The format messages are spooled in: SDMX-ML 2.1 structure-specific, which
/// every SDMX collector reads.
pub const SPOOL_FORMAT: DataFormat = DataFormat::StructureSpecific21;
