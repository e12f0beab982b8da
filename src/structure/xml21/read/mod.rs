//! The SDMX-ML 2.1 structure reader: one submodule per artefact kind, sharing the
//! context ([`Ctx`]) that carries the source name and the warnings.

mod codelist;
mod common;
mod concept;
mod constraint;
mod dataflow;
mod dsd;
mod organisation;

use std::collections::HashMap;

use roxmltree::Node;

use super::{MES, STR};
use crate::model::{ArtefactClass, Structures};
use crate::structure::xml_util::{self, elements, is};
use crate::structure::{Location, ReadOutcome, StructureError, Warning};

/// What every artefact reader needs: where the text came from (for locations) and
/// where to put warnings.
pub(super) struct Ctx<'s> {
    /// The file name (or URL) used in locations.
    pub source: &'s str,
    /// Tolerated oddities so far.
    pub warnings: Vec<Warning>,
}

impl Ctx<'_> {
    /// An invalid-artefact error located at `node`.
    pub fn err(
        &self,
        node: Node<'_, '_>,
        artefact: &str,
        message: impl Into<String>,
    ) -> StructureError {
        xml_util::invalid(node, self.source, artefact, message)
    }

    /// Records a warning located at `node`.
    pub fn warn(&mut self, node: Node<'_, '_>, message: impl Into<String>) {
        self.warnings.push(Warning {
            location: xml_util::location(node, self.source),
            message: message.into(),
        });
    }

    /// Warns about every element child of `node` whose local name is neither in
    /// `known` nor one of the annotations, names and descriptions every nameable
    /// element has: the standard allows it, the gateway does not keep it.
    pub fn skip_unknown(&mut self, node: Node<'_, '_>, known: &[&str], within: &str) {
        for c in elements(node) {
            let name = c.tag_name().name();
            if !known.contains(&name) && !common::NAMEABLE.contains(&name) {
                self.warn(
                    c,
                    format!("skipped <{name}> in {within}: the gateway does not use it"),
                );
            }
        }
    }
}

/// Reads a whole message.
pub(super) fn read(text: &str, source: &str) -> Result<ReadOutcome, StructureError> {
    let doc = xml_util::parse(text, source)?;
    let root = doc.root_element();
    if !is(root, MES, "Structure") {
        let ns = root.tag_name().namespace().unwrap_or("no namespace");
        return Err(StructureError::NotAStructureMessage {
            location: xml_util::location(root, source),
            message: format!(
                "the root element is <{}> in {ns}; expected <Structure> in {MES}",
                root.tag_name().name()
            ),
        });
    }
    let mut ctx = Ctx {
        source,
        warnings: Vec::new(),
    };
    let mut acc = Accumulator::default();
    for part in elements(root) {
        match (part.tag_name().namespace(), part.tag_name().name()) {
            (Some(MES), "Header") | (Some(MES), "Footer") => {}
            (Some(MES), "Structures") => read_structures(&mut ctx, part, &mut acc)?,
            (_, name) => ctx.warn(
                part,
                format!(
                    "skipped <{name}> in the message: not part of an SDMX-ML 2.1 structure message"
                ),
            ),
        }
    }
    Ok(ReadOutcome {
        structures: acc.structures,
        warnings: ctx.warnings,
    })
}

/// The artefacts read so far and where each URN was first seen (byte offset and
/// index in its list), to refuse two different definitions of one URN within a
/// message. Offsets become line and column only on conflict: computing them is a
/// scan from the start of the text.
#[derive(Default)]
struct Accumulator {
    structures: Structures,
    seen: HashMap<String, (usize, usize)>,
}

impl Accumulator {
    /// Adds `item` unless an identical one with the same URN is already there.
    fn add<T: PartialEq>(
        ctx: &mut Ctx<'_>,
        seen: &mut HashMap<String, (usize, usize)>,
        list: &mut Vec<T>,
        node: Node<'_, '_>,
        urn: String,
        item: T,
    ) -> Result<(), StructureError> {
        if let Some((first, index)) = seen.get(&urn) {
            if list.get(*index) == Some(&item) {
                ctx.warn(
                    node,
                    format!("{urn} is defined twice with the same content; kept once"),
                );
                return Ok(());
            }
            let pos = node.document().text_pos_at(*first);
            return Err(StructureError::Conflict {
                urn,
                first: Location::new(ctx.source, pos.row, pos.col).to_string(),
                second: xml_util::location(node, ctx.source).to_string(),
            });
        }
        seen.insert(urn, (node.range().start, list.len()));
        list.push(item);
        Ok(())
    }
}

/// Reads `<mes:Structures>`: one container per artefact kind.
fn read_structures(
    ctx: &mut Ctx<'_>,
    node: Node<'_, '_>,
    acc: &mut Accumulator,
) -> Result<(), StructureError> {
    let s = &mut acc.structures;
    let seen = &mut acc.seen;
    for container in elements(node) {
        if container.tag_name().namespace() != Some(STR) {
            ctx.warn(
                container,
                format!(
                    "skipped <{}> in Structures: not in the SDMX-ML 2.1 structure namespace",
                    container.tag_name().name()
                ),
            );
            continue;
        }
        let container_name = container.tag_name().name();
        for a in elements(container) {
            let name = a.tag_name().name();
            let known = a.tag_name().namespace() == Some(STR);
            match (container_name, name) {
                ("Codelists", "Codelist") if known => {
                    let c = codelist::read(ctx, a)?;
                    let urn = c.meta.reference(ArtefactClass::Codelist).urn();
                    Accumulator::add(ctx, seen, &mut s.codelists, a, urn, c)?;
                }
                ("Concepts", "ConceptScheme") if known => {
                    let c = concept::read(ctx, a)?;
                    let urn = c.meta.reference(ArtefactClass::ConceptScheme).urn();
                    Accumulator::add(ctx, seen, &mut s.concept_schemes, a, urn, c)?;
                }
                ("DataStructures", "DataStructure") if known => {
                    let d = dsd::read(ctx, a)?;
                    let urn = d.meta.reference(ArtefactClass::DataStructure).urn();
                    Accumulator::add(ctx, seen, &mut s.data_structures, a, urn, d)?;
                }
                ("Dataflows", "Dataflow") if known => {
                    let d = dataflow::read(ctx, a)?;
                    let urn = d.meta.reference(ArtefactClass::Dataflow).urn();
                    Accumulator::add(ctx, seen, &mut s.dataflows, a, urn, d)?;
                }
                ("Constraints", "ContentConstraint") if known => {
                    let c = constraint::read(ctx, a)?;
                    let urn = c.meta.reference(ArtefactClass::ContentConstraint).urn();
                    Accumulator::add(ctx, seen, &mut s.constraints, a, urn, c)?;
                }
                ("OrganisationSchemes", "AgencyScheme") if known => {
                    let o = organisation::read_agency_scheme(ctx, a)?;
                    let urn = o.meta.reference(ArtefactClass::AgencyScheme).urn();
                    Accumulator::add(ctx, seen, &mut s.agency_schemes, a, urn, o)?;
                }
                ("OrganisationSchemes", "DataProviderScheme") if known => {
                    let o = organisation::read_provider_scheme(ctx, a)?;
                    let urn = o.meta.reference(ArtefactClass::DataProviderScheme).urn();
                    Accumulator::add(ctx, seen, &mut s.data_provider_schemes, a, urn, o)?;
                }
                ("ProvisionAgreements", "ProvisionAgreement") if known => {
                    if let Some(p) = organisation::read_provision_agreement(ctx, a)? {
                        let urn = p.meta.reference(ArtefactClass::ProvisionAgreement).urn();
                        Accumulator::add(ctx, seen, &mut s.provision_agreements, a, urn, p)?;
                    }
                }
                _ => {
                    let id = a.attribute("id").unwrap_or("?");
                    let agency = a.attribute("agencyID").unwrap_or("?");
                    ctx.warn(a, format!("skipped {name} {agency}:{id} in {container_name}: the gateway does not use this artefact type"));
                }
            }
        }
    }
    Ok(())
}
