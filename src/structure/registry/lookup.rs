//! Finding artefacts by reference, URN, `AGENCY:ID(VERSION)` or bare id.

use crate::model::{
    Artefact, ArtefactClass, ArtefactRef, Codelist, ContentConstraint, DataStructure, Dataflow,
    ItemRef, ProvisionAgreement, VersionReq,
};
use crate::structure::StructureError;

use super::{Registry, stored_class};

/// Why a reference did not resolve to exactly one artefact.
pub(super) enum Miss {
    /// Nothing matches.
    None,
    /// Several artefacts match; their URNs.
    Many(Vec<String>),
}

/// The classes the registry stores, in the order lookups list candidates.
const STORED: [ArtefactClass; 8] = [
    ArtefactClass::AgencyScheme,
    ArtefactClass::DataProviderScheme,
    ArtefactClass::Codelist,
    ArtefactClass::ConceptScheme,
    ArtefactClass::DataStructure,
    ArtefactClass::Dataflow,
    ArtefactClass::ContentConstraint,
    ArtefactClass::ProvisionAgreement,
];

impl Registry {
    /// Resolves a reference to one artefact. The version may be a query: `~` /
    /// `latest` picks the highest version, `+` the highest stable one, `2.3+.1` the
    /// highest stable one from 2.3.1 within major 2 (see [`VersionReq`]); `*`
    /// resolves only when a single version is loaded.
    ///
    /// Errors: [`StructureError::NotFound`] naming the URN when nothing matches,
    /// [`StructureError::Ambiguous`] listing the candidates when several do.
    pub fn get(&self, reference: &ArtefactRef) -> Result<Artefact<'_>, StructureError> {
        self.locate(reference).map_err(|miss| match miss {
            Miss::None => StructureError::NotFound {
                query: reference.urn(),
            },
            Miss::Many(c) => StructureError::Ambiguous {
                referrer: "the lookup".to_owned(),
                target: reference.urn(),
                candidates: c.join(", "),
            },
        })
    }

    pub(super) fn locate(&self, reference: &ArtefactRef) -> Result<Artefact<'_>, Miss> {
        let class = stored_class(reference.class);
        let versions = self.index.versions(class, &reference.agency, &reference.id);
        let picked = reference.version.select(versions.iter().map(|(v, _)| v));
        match picked.as_slice() {
            [] => Err(Miss::None),
            [one] => versions
                .iter()
                .find(|(v, _)| v == *one)
                .and_then(|(_, at)| self.at(class, *at))
                .ok_or(Miss::None),
            many => Err(Miss::Many(
                many.iter()
                    .map(|v| {
                        ArtefactRef::new(
                            class,
                            reference.agency.clone(),
                            reference.id.clone(),
                            (*v).clone(),
                        )
                        .urn()
                    })
                    .collect(),
            )),
        }
    }

    /// Finds one artefact from what a user typed: a URN (an item or component URN
    /// finds the artefact that holds it), `AGENCY:ID(VERSION)` (the version may be a
    /// query such as `+`), `AGENCY:ID` (latest version), or a bare id. The short
    /// forms search every artefact type; a bare id must name one artefact only.
    ///
    /// Errors: [`StructureError::NotFound`], or [`StructureError::Ambiguous`]
    /// listing the URNs of the candidates so the user can pick one.
    pub fn find(&self, query: &str) -> Result<Artefact<'_>, StructureError> {
        self.find_in(&STORED, query)
    }

    /// Like [`Registry::find`], among artefacts of one class only (so a dataflow
    /// and its DSD may share an id).
    pub fn find_of(
        &self,
        class: ArtefactClass,
        query: &str,
    ) -> Result<Artefact<'_>, StructureError> {
        self.find_in(&[stored_class(class)], query)
    }

    fn find_in(
        &self,
        classes: &[ArtefactClass],
        query: &str,
    ) -> Result<Artefact<'_>, StructureError> {
        let query = query.trim();
        let not_found = || StructureError::NotFound {
            query: query.to_owned(),
        };
        let mut found: Vec<Artefact<'_>> = Vec::new();
        let mut many: Vec<String> = Vec::new();
        if query.starts_with("urn:") {
            let reference = match query.parse::<ArtefactRef>() {
                Ok(r) => r,
                Err(e) => match query.parse::<ItemRef>() {
                    Ok(item) => item.scheme,
                    Err(_) => {
                        return Err(StructureError::Invalid {
                            location: crate::structure::Location::file("<query>"),
                            artefact: query.to_owned(),
                            message: e.to_string(),
                        });
                    }
                },
            };
            if !classes.contains(&stored_class(reference.class)) {
                return Err(not_found());
            }
            return self.get(&reference).map_err(|e| match e {
                StructureError::NotFound { .. } => not_found(),
                e => e,
            });
        } else if query.contains(':') {
            for &class in classes {
                let Ok(reference) = ArtefactRef::parse_short(class, query) else {
                    continue;
                };
                match self.locate(&reference) {
                    Ok(a) => found.push(a),
                    Err(Miss::Many(c)) => many.extend(c),
                    Err(Miss::None) => {}
                }
            }
        } else {
            let (id, version) = split_version(query);
            for &(class, at) in self.index.with_id(id) {
                if !classes.contains(&class) {
                    continue;
                }
                if let Some(a) = self.at(class, at) {
                    if version
                        .as_ref()
                        .is_none_or(|v| v.matches(&a.meta().version))
                    {
                        found.push(a);
                    }
                }
            }
        }
        if found.len() == 1 && many.is_empty() {
            return Ok(found[0]);
        }
        many.extend(found.iter().map(|a| a.reference().urn()));
        match many.len() {
            0 => Err(not_found()),
            _ => Err(StructureError::Ambiguous {
                referrer: "the query".to_owned(),
                target: query.to_owned(),
                candidates: many.join(", "),
            }),
        }
    }

    /// The dataflow a query names (see [`Registry::find`] for the forms).
    pub fn dataflow(&self, query: &str) -> Result<&Dataflow, StructureError> {
        match self.find_of(ArtefactClass::Dataflow, query)? {
            Artefact::Dataflow(d) => Ok(d),
            _ => unreachable!("find_of returns the class asked for"),
        }
    }

    /// The DSD a query names.
    pub fn data_structure(&self, query: &str) -> Result<&DataStructure, StructureError> {
        match self.find_of(ArtefactClass::DataStructure, query)? {
            Artefact::DataStructure(d) => Ok(d),
            _ => unreachable!("find_of returns the class asked for"),
        }
    }

    /// The codelist a query names.
    pub fn codelist(&self, query: &str) -> Result<&Codelist, StructureError> {
        match self.find_of(ArtefactClass::Codelist, query)? {
            Artefact::Codelist(c) => Ok(c),
            _ => unreachable!("find_of returns the class asked for"),
        }
    }

    /// The provision agreement a query names.
    pub fn provision_agreement(&self, query: &str) -> Result<&ProvisionAgreement, StructureError> {
        match self.find_of(ArtefactClass::ProvisionAgreement, query)? {
            Artefact::ProvisionAgreement(p) => Ok(p),
            _ => unreachable!("find_of returns the class asked for"),
        }
    }

    /// The constraint a query names.
    pub fn constraint(&self, query: &str) -> Result<&ContentConstraint, StructureError> {
        match self.find_of(ArtefactClass::ContentConstraint, query)? {
            Artefact::Constraint(c) => Ok(c),
            _ => unreachable!("find_of returns the class asked for"),
        }
    }

    /// The DSD that structures a dataflow.
    pub fn structure_of(&self, dataflow: &Dataflow) -> Result<&DataStructure, StructureError> {
        let referrer = dataflow.meta.reference(ArtefactClass::Dataflow).urn();
        let Some(reference) = &dataflow.structure else {
            return Err(StructureError::Invalid {
                location: crate::structure::Location::file(
                    self.source_of(&referrer).unwrap_or_default(),
                ),
                artefact: referrer,
                message: "the dataflow names no data structure (an external-reference stub?)"
                    .to_owned(),
            });
        };
        match self.locate(reference) {
            Ok(Artefact::DataStructure(d)) => Ok(d),
            Ok(_) | Err(Miss::None) => Err(StructureError::Dangling {
                referrer,
                target: reference.urn(),
            }),
            Err(Miss::Many(c)) => Err(StructureError::Ambiguous {
                referrer,
                target: reference.urn(),
                candidates: c.join(", "),
            }),
        }
    }
}

/// Splits `ID(VERSION)` into the id and the version query.
fn split_version(query: &str) -> (&str, Option<VersionReq>) {
    if let Some((id, rest)) = query.split_once('(') {
        if let Some(v) = rest.strip_suffix(')').and_then(|v| v.parse().ok()) {
            return (id, Some(v));
        }
    }
    (query, None)
}
