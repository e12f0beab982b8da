//! Checking that every reference points at exactly one loaded artefact, and
//! remembering what the constraints constrain.

use std::collections::HashMap;

use crate::model::{
    Artefact, ArtefactClass, ArtefactRef, ContentConstraint, DataStructure, ItemRef,
    MemberSelection, Representation,
};
use crate::structure::{Location, StructureError, Warning};

use super::Registry;
use super::lookup::Miss;

/// What resolution learnt that lookups reuse.
#[derive(Debug, Default)]
pub(super) struct Links {
    /// URN of a DSD, dataflow, provision agreement or data provider → positions of
    /// the constraints attached to it.
    pub constraints_on: HashMap<String, Vec<usize>>,
}

/// Resolves every reference of every artefact, pushing one error per reference
/// that does not resolve, and returns the links the cascade needs.
pub(super) fn resolve(registry: &Registry, errors: &mut Vec<StructureError>) -> Links {
    let mut r = Resolver {
        registry,
        errors,
        links: Links::default(),
    };
    let s = registry.structures();
    for cs in &s.concept_schemes {
        let urn = cs.meta.reference(ArtefactClass::ConceptScheme).urn();
        for concept in &cs.concepts {
            let referrer = format!("{urn} concept {}", concept.item.id);
            r.representation(&referrer, concept.core_representation.as_ref());
        }
    }
    for dsd in &s.data_structures {
        let urn = dsd.meta.reference(ArtefactClass::DataStructure).urn();
        let components = dsd
            .dimensions
            .iter()
            .map(|d| ("dimension", &d.id, &d.concept, &d.representation, &d.roles))
            .chain(
                dsd.attributes
                    .iter()
                    .map(|a| ("attribute", &a.id, &a.concept, &a.representation, &a.roles)),
            )
            .chain(
                dsd.measures
                    .iter()
                    .map(|m| ("measure", &m.id, &m.concept, &m.representation, &m.roles)),
            );
        for (kind, id, concept, representation, roles) in components {
            let referrer = format!("{urn} {kind} {id}");
            if let Some(concept) = concept {
                r.item(&referrer, concept);
            }
            for role in roles {
                r.item(&referrer, role);
            }
            r.representation(&referrer, representation.as_ref());
        }
    }
    for df in &s.dataflows {
        if let Some(dsd) = &df.structure {
            r.artefact(&df.meta.reference(ArtefactClass::Dataflow).urn(), dsd);
        }
    }
    for pa in &s.provision_agreements {
        let urn = pa.meta.reference(ArtefactClass::ProvisionAgreement).urn();
        r.artefact(&urn, &pa.dataflow);
        r.item(&urn, &pa.data_provider);
    }
    for (at, c) in s.constraints.iter().enumerate() {
        let urn = c.meta.reference(ArtefactClass::ContentConstraint).urn();
        let a = &c.attachment;
        let targets = a
            .data_structures
            .iter()
            .chain(&a.dataflows)
            .chain(&a.provision_agreements);
        for target in targets {
            if let Some(found) = r.artefact(&urn, target) {
                let key = found.reference().urn();
                r.links.constraints_on.entry(key).or_default().push(at);
            }
        }
        if let Some(provider) = &a.data_provider {
            if r.item(&urn, provider) {
                let key = resolved_item_urn(registry, provider);
                r.links.constraints_on.entry(key).or_default().push(at);
            }
        }
    }
    r.links
}

/// Warns about constraints that select a component their DSD does not have, or
/// a code that is not in the component's codelist: such selections can never
/// match, which is almost always a typo in the constraint.
pub(super) fn check_constraints(registry: &Registry, warnings: &mut Vec<Warning>) {
    for c in &registry.structures().constraints {
        let urn = c.meta.reference(ArtefactClass::ContentConstraint).urn();
        let location = Location::file(registry.source_of(&urn).unwrap_or("<registry>"));
        let mut warn = |message: String| {
            warnings.push(Warning {
                location: location.clone(),
                message: format!("{urn}: {message}"),
            })
        };
        for dsd in constrained_structures(registry, c) {
            let dsd_urn = dsd.meta.reference(ArtefactClass::DataStructure).short();
            let selections = c.cube_regions.iter().flat_map(|r| {
                r.key_values
                    .iter()
                    .map(|s| (true, s))
                    .chain(r.attributes.iter().map(|s| (false, s)))
            });
            for (is_key, sel) in selections {
                check_selection(registry, dsd, &dsd_urn, is_key, sel, &mut warn);
            }
            for key in c.data_key_sets.iter().flat_map(|k| &k.keys) {
                for (dim, _) in &key.values {
                    if dsd.dimension(dim).is_none() {
                        warn(format!(
                            "a key set names dimension {dim}, which {dsd_urn} does not have"
                        ));
                    }
                }
            }
        }
    }
}

fn check_selection(
    registry: &Registry,
    dsd: &DataStructure,
    dsd_urn: &str,
    is_key: bool,
    sel: &MemberSelection,
    warn: &mut impl FnMut(String),
) {
    let exists = if is_key {
        dsd.dimension(&sel.component).is_some()
    } else {
        dsd.attribute(&sel.component).is_some() || dsd.measure(&sel.component).is_some()
    };
    let what = if is_key { "dimension" } else { "attribute" };
    if !exists {
        warn(format!(
            "selects {what} {}, which {dsd_urn} does not have",
            sel.component
        ));
        return;
    }
    let Some(codelist) = registry.codelist_of(dsd, &sel.component) else {
        return;
    };
    if codelist.is_partial == Some(true) {
        return; // only some codes are at hand
    }
    for v in &sel.values {
        if !v.value.contains('%') && codelist.code(&v.value).is_none() {
            warn(format!(
                "selects {} for {what} {}, which is not a code of {}",
                v.value,
                sel.component,
                codelist.meta.reference(ArtefactClass::Codelist).short()
            ));
        }
    }
}

/// The DSDs a constraint applies to, through whatever it is attached to.
fn constrained_structures<'r>(
    registry: &'r Registry,
    c: &ContentConstraint,
) -> Vec<&'r DataStructure> {
    let mut out: Vec<&DataStructure> = Vec::new();
    let a = &c.attachment;
    let mut add = |d: &'r DataStructure| {
        if !out.iter().any(|x| std::ptr::eq(*x, d)) {
            out.push(d);
        }
    };
    for r in &a.data_structures {
        if let Ok(Artefact::DataStructure(d)) = registry.locate(r) {
            add(d);
        }
    }
    let dataflows = a
        .dataflows
        .iter()
        .cloned()
        .chain(
            a.provision_agreements
                .iter()
                .filter_map(|p| match registry.locate(p) {
                    Ok(Artefact::ProvisionAgreement(pa)) => Some(pa.dataflow.clone()),
                    _ => None,
                }),
        );
    for df in dataflows {
        if let Ok(Artefact::Dataflow(df)) = registry.locate(&df) {
            if let Ok(d) = registry.structure_of(df) {
                add(d);
            }
        }
    }
    out
}

/// The URN of an item with its scheme's version resolved, so that every way of
/// referring to one data provider gives one key.
pub(super) fn resolved_item_urn(registry: &Registry, item: &ItemRef) -> String {
    match registry.locate(&item.scheme) {
        Ok(scheme) => scheme.reference().item(item.item_id.clone()).urn(),
        Err(_) => item.urn(),
    }
}

struct Resolver<'r, 'e> {
    registry: &'r Registry,
    errors: &'e mut Vec<StructureError>,
    links: Links,
}

impl<'r> Resolver<'r, '_> {
    /// Resolves a reference to a maintainable artefact.
    fn artefact(&mut self, referrer: &str, target: &ArtefactRef) -> Option<Artefact<'r>> {
        match self.registry.locate(target) {
            Ok(a) => Some(a),
            Err(miss) => {
                self.miss(referrer, target.urn(), miss);
                None
            }
        }
    }

    /// Resolves a reference to an item: its scheme, then the item in it. True
    /// when both are found.
    fn item(&mut self, referrer: &str, target: &ItemRef) -> bool {
        // The error names the item (`…Concept=ILO:CS_X(1.0).AGE`): that is what
        // was referred to, even when its whole scheme is missing.
        let scheme = match self.registry.locate(&target.scheme) {
            Ok(scheme) => scheme,
            Err(miss) => {
                self.miss(referrer, target.urn(), miss);
                return false;
            }
        };
        let id = target.item_id.as_str();
        if scheme.meta().is_external_reference == Some(true) {
            // A stub: its items live elsewhere and cannot be checked here.
            return true;
        }
        let present = match scheme {
            Artefact::Codelist(c) => c.code(id).is_some(),
            Artefact::ConceptScheme(c) => c.concept(id).is_some(),
            Artefact::AgencyScheme(a) => a.agencies.iter().any(|x| x.item.id == id),
            Artefact::DataProviderScheme(p) => p.provider(id).is_some(),
            // Components inside a DSD: checked where the DSD is read.
            _ => true,
        };
        if !present {
            self.errors.push(StructureError::Dangling {
                referrer: referrer.to_owned(),
                target: scheme.reference().item(id).urn(),
            });
        }
        present
    }

    fn representation(&mut self, referrer: &str, r: Option<&Representation>) {
        if let Some(e) = r.and_then(|r| r.enumeration.as_ref()) {
            self.artefact(referrer, e);
        }
    }

    fn miss(&mut self, referrer: &str, target: String, miss: Miss) {
        self.errors.push(match miss {
            Miss::None => StructureError::Dangling {
                referrer: referrer.to_owned(),
                target,
            },
            Miss::Many(c) => StructureError::Ambiguous {
                referrer: referrer.to_owned(),
                target,
                candidates: c.join(", "),
            },
        });
    }
}
