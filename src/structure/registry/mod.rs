//! The registry: every artefact of a set of structure files, indexed and with
//! every reference between them resolved.
//!
//! [`Registry::load`] reads any mix of files and folders (SDMX-ML 2.1, 3.0 and
//! SDMX-JSON, detected by content), refuses two different artefacts with the same
//! URN, and checks that every reference (concept → codelist, DSD → concepts and
//! codelists, dataflow → DSD, constraint → what it constrains, provision agreement →
//! provider and dataflow) points at exactly one loaded artefact. It collects every
//! problem rather than stopping at the first, so one run tells the user all that is
//! wrong.
//!
//! Once loaded, the registry answers lookups ([`Registry::find`], [`Registry::get`])
//! and the question validators ask: which values may a dimension of a dataflow take
//! once the constraint cascade DSD → dataflow → provision agreement is applied
//! ([`Registry::allowed_codes`], [`Registry::allowed_region`]).

mod cascade;
mod index;
mod load;
mod lookup;
mod resolve;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::PathBuf;

use crate::model::{ArtefactClass, ContentConstraint, Structures};

use super::{StructureError, Warning};

pub use cascade::{AllowedRegion, AllowedValues, TimeWindow};

use index::Index;
use resolve::Links;

/// The folders [`Registry::load`] reads when the user names none: the project's
/// `dsd/` (DSDs, dataflows, constraints, agreements) and `codelists/`.
pub const DEFAULT_DIRS: [&str; 2] = ["dsd", "codelists"];

/// The loaded, resolved structures.
#[derive(Debug, Default)]
pub struct Registry {
    structures: Structures,
    index: Index,
    links: Links,
}

/// Everything wrong with a set of structure files, and what could be loaded anyway.
#[derive(Debug)]
pub struct RegistryErrors {
    /// Every problem: unreadable or malformed files, conflicting duplicates,
    /// dangling and ambiguous references.
    pub errors: Vec<StructureError>,
    /// What the readers tolerated.
    pub warnings: Vec<Warning>,
    /// The artefacts that could be read, indexed despite the errors (references
    /// that failed to resolve are simply absent from the cascade). Useful to report
    /// counts or to convert files that reference artefacts not at hand.
    pub partial: Box<Registry>,
}

impl RegistryErrors {
    /// True when some input could not be read at all (a missing path, an I/O
    /// failure), as opposed to read and found invalid. The CLI exits 2 then.
    pub fn has_unreadable(&self) -> bool {
        self.errors
            .iter()
            .any(|e| matches!(e, StructureError::Io { .. }))
    }

    /// True when every error is a reference that did not resolve (the files
    /// themselves were read and are consistent).
    pub fn only_references(&self) -> bool {
        self.errors.iter().all(|e| {
            matches!(
                e,
                StructureError::Dangling { .. } | StructureError::Ambiguous { .. }
            )
        })
    }
}

impl fmt::Display for RegistryErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.len();
        write!(
            f,
            "{n} error{} in the structures",
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.errors {
            write!(f, "\n  {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RegistryErrors {}

/// How many artefacts of each type a registry holds (what `structure check` prints).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Codelists.
    pub codelists: usize,
    /// Codes over all codelists.
    pub codes: usize,
    /// Concept schemes.
    pub conceptschemes: usize,
    /// Concepts over all concept schemes.
    pub concepts: usize,
    /// Data structure definitions.
    pub datastructures: usize,
    /// Dataflows.
    pub dataflows: usize,
    /// Content / data constraints.
    pub constraints: usize,
    /// Agency schemes.
    pub agencyschemes: usize,
    /// Data provider schemes.
    pub dataproviderschemes: usize,
    /// Provision agreements.
    pub provisionagreements: usize,
}

impl Registry {
    /// Loads every structure file named by `paths` (files, or folders searched
    /// recursively for `*.xml` and `*.json`), then indexes and resolves them.
    ///
    /// On success returns the registry and the warnings: what the readers
    /// tolerated, and constraints that select components or codes their DSD does
    /// not define (ignored, as the standard's cascade would). Otherwise returns
    /// every error found (a file that cannot be read, a malformed message, the same
    /// URN defined twice with different content, a dangling or ambiguous reference),
    /// each naming the file or the referring artefact and the missing URN.
    pub fn load(paths: &[PathBuf]) -> Result<(Registry, Vec<Warning>), RegistryErrors> {
        let read = load::read_paths(paths);
        Self::build(read.sources, read.warnings, read.errors)
    }

    /// Builds a registry from structures already in memory, each with the name of
    /// where it came from (used in duplicate-URN errors). Same checks as
    /// [`Registry::load`].
    pub fn from_structures(
        sources: impl IntoIterator<Item = (String, Structures)>,
    ) -> Result<Registry, RegistryErrors> {
        Self::build(sources.into_iter().collect(), Vec::new(), Vec::new()).map(|(r, _)| r)
    }

    fn build(
        sources: Vec<(String, Structures)>,
        mut warnings: Vec<Warning>,
        mut errors: Vec<StructureError>,
    ) -> Result<(Registry, Vec<Warning>), RegistryErrors> {
        let mut registry = Registry::default();
        for (source, structures) in sources {
            registry.add(&source, structures, &mut errors);
        }
        registry.links = resolve::resolve(&registry, &mut errors);
        resolve::check_constraints(&registry, &mut warnings);
        if errors.is_empty() {
            Ok((registry, warnings))
        } else {
            Err(RegistryErrors {
                errors,
                warnings,
                partial: Box::new(registry),
            })
        }
    }

    /// Every artefact loaded (duplicates removed), grouped by type.
    pub fn structures(&self) -> &Structures {
        &self.structures
    }

    /// The file an artefact was loaded from, by its URN.
    pub fn source_of(&self, urn: &str) -> Option<&str> {
        self.index.source_of(urn)
    }

    /// The constraints (allowed and actual) attached to the artefact with this
    /// exact URN: a DSD, a dataflow, a provision agreement or a data provider.
    pub fn constraints_on(&self, urn: &str) -> Vec<&ContentConstraint> {
        self.links
            .constraints_on
            .get(urn)
            .into_iter()
            .flatten()
            .filter_map(|&at| self.structures.constraints.get(at))
            .collect()
    }

    /// How many artefacts of each type are loaded.
    pub fn counts(&self) -> Counts {
        let s = &self.structures;
        Counts {
            codelists: s.codelists.len(),
            codes: s.codelists.iter().map(|c| c.codes.len()).sum(),
            conceptschemes: s.concept_schemes.len(),
            concepts: s.concept_schemes.iter().map(|c| c.concepts.len()).sum(),
            datastructures: s.data_structures.len(),
            dataflows: s.dataflows.len(),
            constraints: s.constraints.len(),
            agencyschemes: s.agency_schemes.len(),
            dataproviderschemes: s.data_provider_schemes.len(),
            provisionagreements: s.provision_agreements.len(),
        }
    }
}

/// The class under which an artefact is stored: 3.0 `DataConstraint` references
/// name what the model keeps as `ContentConstraint`, and `ValueList`s live with
/// the codelists.
pub(crate) fn stored_class(class: ArtefactClass) -> ArtefactClass {
    match class {
        ArtefactClass::DataConstraint => ArtefactClass::ContentConstraint,
        ArtefactClass::ValueList => ArtefactClass::Codelist,
        c => c,
    }
}
