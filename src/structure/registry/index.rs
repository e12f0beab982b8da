//! Adding artefacts to the registry: one copy per URN, and the maps lookups use.

use std::collections::HashMap;

use crate::model::{
    AgencyScheme, Artefact, ArtefactClass, Codelist, ConceptScheme, ContentConstraint,
    DataProviderScheme, DataStructure, Dataflow, MaintainableMeta, ProvisionAgreement, Structures,
    Version,
};
use crate::structure::StructureError;

use super::Registry;

/// Where each artefact sits in [`Structures`], by identity and by bare id, and
/// which file it came from.
#[derive(Debug, Default)]
pub(super) struct Index {
    /// (class, agency, id) → every loaded version with its position in its list.
    by_key: HashMap<(ArtefactClass, String, String), Vec<(Version, usize)>>,
    /// id → every artefact with that id, of any class or agency.
    by_id: HashMap<String, Vec<(ArtefactClass, usize)>>,
    /// URN → the file it was loaded from.
    sources: HashMap<String, String>,
}

impl Index {
    /// The versions loaded for a class, agency and id.
    pub fn versions(&self, class: ArtefactClass, agency: &str, id: &str) -> &[(Version, usize)] {
        self.by_key
            .get(&(class, agency.to_owned(), id.to_owned()))
            .map_or(&[], Vec::as_slice)
    }

    /// Every artefact with this id.
    pub fn with_id(&self, id: &str) -> &[(ArtefactClass, usize)] {
        self.by_id.get(id).map_or(&[], Vec::as_slice)
    }

    /// The file an artefact came from.
    pub fn source_of(&self, urn: &str) -> Option<&str> {
        self.sources.get(urn).map(String::as_str)
    }
}

/// A maintainable artefact type stored in [`Structures`].
trait Stored: PartialEq + Sized {
    const CLASS: ArtefactClass;
    fn meta(&self) -> &MaintainableMeta;
    fn list(s: &mut Structures) -> &mut Vec<Self>;
    /// A `referencepartial` codelist holds only some codes of the full one.
    fn is_partial(&self) -> bool {
        false
    }
}

macro_rules! stored {
    ($($ty:ty => $class:ident, $field:ident;)*) => {$(
        impl Stored for $ty {
            const CLASS: ArtefactClass = ArtefactClass::$class;
            fn meta(&self) -> &MaintainableMeta {
                &self.meta
            }
            fn list(s: &mut Structures) -> &mut Vec<Self> {
                &mut s.$field
            }
        }
    )*};
}

impl Stored for Codelist {
    const CLASS: ArtefactClass = ArtefactClass::Codelist;
    fn meta(&self) -> &MaintainableMeta {
        &self.meta
    }
    fn list(s: &mut Structures) -> &mut Vec<Self> {
        &mut s.codelists
    }
    fn is_partial(&self) -> bool {
        self.is_partial == Some(true)
    }
}

stored! {
    AgencyScheme => AgencyScheme, agency_schemes;
    DataProviderScheme => DataProviderScheme, data_provider_schemes;
    ConceptScheme => ConceptScheme, concept_schemes;
    DataStructure => DataStructure, data_structures;
    Dataflow => Dataflow, dataflows;
    ContentConstraint => ContentConstraint, constraints;
    ProvisionAgreement => ProvisionAgreement, provision_agreements;
}

impl Registry {
    /// Adds every artefact of one source. An artefact whose URN is already loaded
    /// is dropped when identical (the same codelist shipped in two messages is
    /// normal) and reported as a conflict naming both files otherwise.
    pub(super) fn add(&mut self, source: &str, s: Structures, errors: &mut Vec<StructureError>) {
        self.add_all(source, s.agency_schemes, errors);
        self.add_all(source, s.data_provider_schemes, errors);
        self.add_all(source, s.codelists, errors);
        self.add_all(source, s.concept_schemes, errors);
        self.add_all(source, s.data_structures, errors);
        self.add_all(source, s.dataflows, errors);
        self.add_all(source, s.constraints, errors);
        self.add_all(source, s.provision_agreements, errors);
    }

    fn add_all<T: Stored>(
        &mut self,
        source: &str,
        items: Vec<T>,
        errors: &mut Vec<StructureError>,
    ) {
        for item in items {
            let meta = item.meta();
            let urn = meta.reference(T::CLASS).urn();
            let key = (T::CLASS, meta.agency.clone(), meta.id.clone());
            let list = T::list(&mut self.structures);
            let versions = self.index.by_key.entry(key).or_default();
            if let Some((_, at)) = versions.iter().find(|(v, _)| *v == meta.version) {
                let existing = &mut list[*at];
                if *existing == item || item.is_partial() {
                    // A copy, or a partial view of what is loaded: keep the full one.
                } else if existing.is_partial() {
                    *existing = item;
                    self.index.sources.insert(urn, source.to_owned());
                } else {
                    errors.push(StructureError::Conflict {
                        first: self.index.sources.get(&urn).cloned().unwrap_or_default(),
                        second: source.to_owned(),
                        urn,
                    });
                }
                continue;
            }
            let at = list.len();
            versions.push((meta.version.clone(), at));
            self.index
                .by_id
                .entry(meta.id.clone())
                .or_default()
                .push((T::CLASS, at));
            self.index.sources.insert(urn, source.to_owned());
            list.push(item);
        }
    }

    /// The artefact of `class` at position `at` of its list.
    pub(super) fn at(&self, class: ArtefactClass, at: usize) -> Option<Artefact<'_>> {
        let s = &self.structures;
        Some(match class {
            ArtefactClass::AgencyScheme => Artefact::AgencyScheme(s.agency_schemes.get(at)?),
            ArtefactClass::DataProviderScheme => {
                Artefact::DataProviderScheme(s.data_provider_schemes.get(at)?)
            }
            ArtefactClass::Codelist => Artefact::Codelist(s.codelists.get(at)?),
            ArtefactClass::ConceptScheme => Artefact::ConceptScheme(s.concept_schemes.get(at)?),
            ArtefactClass::DataStructure => Artefact::DataStructure(s.data_structures.get(at)?),
            ArtefactClass::Dataflow => Artefact::Dataflow(s.dataflows.get(at)?),
            ArtefactClass::ContentConstraint => Artefact::Constraint(s.constraints.get(at)?),
            ArtefactClass::ProvisionAgreement => {
                Artefact::ProvisionAgreement(s.provision_agreements.get(at)?)
            }
            _ => return None,
        })
    }
}
