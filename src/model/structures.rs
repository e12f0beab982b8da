use serde::{Deserialize, Serialize};

use super::{
    AgencyScheme, ArtefactClass, ArtefactRef, Codelist, ConceptScheme, ContentConstraint,
    DataProviderScheme, DataStructure, Dataflow, MaintainableMeta, ProvisionAgreement,
};

/// The artefacts of one or more structure messages, grouped by type. Readers produce
/// it, writers consume it, the registry merges many of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Structures {
    /// Agency schemes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agency_schemes: Vec<AgencyScheme>,
    /// Data provider schemes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_provider_schemes: Vec<DataProviderScheme>,
    /// Codelists.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codelists: Vec<Codelist>,
    /// Concept schemes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub concept_schemes: Vec<ConceptScheme>,
    /// Data structure definitions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_structures: Vec<DataStructure>,
    /// Dataflows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dataflows: Vec<Dataflow>,
    /// Content (2.1) / data (3.0) constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<ContentConstraint>,
    /// Provision agreements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provision_agreements: Vec<ProvisionAgreement>,
}

/// A borrowed view of any one artefact, for code that walks all of them.
#[derive(Debug, Clone, Copy)]
pub enum Artefact<'a> {
    /// An agency scheme.
    AgencyScheme(&'a AgencyScheme),
    /// A data provider scheme.
    DataProviderScheme(&'a DataProviderScheme),
    /// A codelist.
    Codelist(&'a Codelist),
    /// A concept scheme.
    ConceptScheme(&'a ConceptScheme),
    /// A DSD.
    DataStructure(&'a DataStructure),
    /// A dataflow.
    Dataflow(&'a Dataflow),
    /// A constraint.
    Constraint(&'a ContentConstraint),
    /// A provision agreement.
    ProvisionAgreement(&'a ProvisionAgreement),
}

impl<'a> Artefact<'a> {
    /// The artefact's class (constraints report as 2.1 `ContentConstraint`).
    pub fn class(&self) -> ArtefactClass {
        match self {
            Artefact::AgencyScheme(_) => ArtefactClass::AgencyScheme,
            Artefact::DataProviderScheme(_) => ArtefactClass::DataProviderScheme,
            Artefact::Codelist(_) => ArtefactClass::Codelist,
            Artefact::ConceptScheme(_) => ArtefactClass::ConceptScheme,
            Artefact::DataStructure(_) => ArtefactClass::DataStructure,
            Artefact::Dataflow(_) => ArtefactClass::Dataflow,
            Artefact::Constraint(_) => ArtefactClass::ContentConstraint,
            Artefact::ProvisionAgreement(_) => ArtefactClass::ProvisionAgreement,
        }
    }

    /// Identity, names and annotations.
    pub fn meta(&self) -> &'a MaintainableMeta {
        match self {
            Artefact::AgencyScheme(a) => &a.meta,
            Artefact::DataProviderScheme(a) => &a.meta,
            Artefact::Codelist(a) => &a.meta,
            Artefact::ConceptScheme(a) => &a.meta,
            Artefact::DataStructure(a) => &a.meta,
            Artefact::Dataflow(a) => &a.meta,
            Artefact::Constraint(a) => &a.meta,
            Artefact::ProvisionAgreement(a) => &a.meta,
        }
    }

    /// A reference to this artefact.
    pub fn reference(&self) -> ArtefactRef {
        self.meta().reference(self.class())
    }
}

impl Structures {
    /// Every artefact, grouped by type in a fixed order (schemes first, the order
    /// SDMX-ML 2.1 requires inside `Structures`).
    pub fn iter(&self) -> impl Iterator<Item = Artefact<'_>> {
        self.agency_schemes
            .iter()
            .map(Artefact::AgencyScheme)
            .chain(
                self.data_provider_schemes
                    .iter()
                    .map(Artefact::DataProviderScheme),
            )
            .chain(self.codelists.iter().map(Artefact::Codelist))
            .chain(self.concept_schemes.iter().map(Artefact::ConceptScheme))
            .chain(self.data_structures.iter().map(Artefact::DataStructure))
            .chain(self.dataflows.iter().map(Artefact::Dataflow))
            .chain(self.constraints.iter().map(Artefact::Constraint))
            .chain(
                self.provision_agreements
                    .iter()
                    .map(Artefact::ProvisionAgreement),
            )
    }

    /// Number of artefacts of every type together.
    pub fn len(&self) -> usize {
        self.agency_schemes.len()
            + self.data_provider_schemes.len()
            + self.codelists.len()
            + self.concept_schemes.len()
            + self.data_structures.len()
            + self.dataflows.len()
            + self.constraints.len()
            + self.provision_agreements.len()
    }

    /// True when there is no artefact at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Moves every artefact of `other` into `self` (no duplicate check: the
    /// registry does that).
    pub fn extend(&mut self, other: Structures) {
        self.agency_schemes.extend(other.agency_schemes);
        self.data_provider_schemes
            .extend(other.data_provider_schemes);
        self.codelists.extend(other.codelists);
        self.concept_schemes.extend(other.concept_schemes);
        self.data_structures.extend(other.data_structures);
        self.dataflows.extend(other.dataflows);
        self.constraints.extend(other.constraints);
        self.provision_agreements.extend(other.provision_agreements);
    }
}
