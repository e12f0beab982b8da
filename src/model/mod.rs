//! The SDMX information model: identifiers, URNs and versions, and the structural
//! artefacts (codelists, concept schemes, data structures, dataflows, constraints,
//! organisation schemes, provision agreements).
//!
//! This module knows nothing of XML, JSON, HTTP or storage: readers and writers in
//! [`crate::structure`] translate messages to and from these types.

mod annotation;
mod codelist;
mod concept;
mod constraint;
mod dataflow;
mod dsd;
mod maintainable;
mod organisation;
mod representation;
mod structures;
mod text;
mod urn;
mod version;

pub use annotation::{Annotable, Annotation};
pub use codelist::{Code, Codelist};
pub use concept::{Concept, ConceptScheme};
pub use constraint::{
    ConstraintAttachment, ConstraintRole, ContentConstraint, CubeRegion, DataKey, DataKeySet,
    MemberSelection, SelectionValue, TimeRange, TimeRangeBound,
};
pub use dataflow::Dataflow;
pub use dsd::{
    AttachmentLevel, Attribute, AttributeRelationship, DataStructure, Dimension, DimensionKind,
    Group, Measure, UsageStatus,
};
pub use maintainable::{Item, MaintainableMeta};
pub use organisation::{
    Agency, AgencyScheme, Contact, DataProvider, DataProviderScheme, ProvisionAgreement,
};
pub use representation::{DataType, Representation, TextFormat};
pub use structures::{Artefact, Structures};
pub use text::LocalisedText;
pub use urn::{ArtefactClass, ArtefactRef, ItemRef, UrnError, parse_urn};
pub use version::{Version, VersionError, VersionReq};
