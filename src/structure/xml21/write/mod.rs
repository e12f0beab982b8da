//! The SDMX-ML 2.1 structure writer: the message and its `Structures` in the order
//! the schema requires, one submodule per artefact kind.
//!
//! What 2.1 cannot say is refused with [`StructureError::Unsupported`] (several
//! measures, a constraint attached to several kinds of target, an excluded key
//! inside a key set, draft or wildcard versions, organisation schemes with another
//! id or version than the fixed ones). A few 3.0 details are dropped because 2.1
//! has no place for them and they do not change what data is valid: an attribute's
//! `MeasureRelationship`, the `Dataflow` attribute relationship (written as
//! `None`, one value per dataset) and validity dates on selected values. To stay
//! schema-valid, a nameless item is named by its id, a time dimension without a
//! format gets `ObservationalTimePeriod`, and organisation schemes are never final.

mod common;
mod constraint;
mod dsd;
mod items;
mod xml;

use std::io::Write;

use self::common::{maintainable_attrs, maintainable_body, wrapped_item_ref, wrapped_ref};
use self::xml::Xml;
use super::{COM, MES, STR};
use crate::model::{ArtefactClass, Structures};
use crate::structure::{MessageHeader, StructureError};

/// Writes a whole message.
pub(super) fn write(
    s: &Structures,
    h: &MessageHeader,
    out: &mut dyn Write,
) -> Result<(), StructureError> {
    let mut x = Xml::default();
    x.buf
        .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.start(
        "mes:Structure",
        vec![
            ("xmlns:mes", MES.into()),
            ("xmlns:str", STR.into()),
            ("xmlns:com", COM.into()),
        ],
    );
    header(&mut x, h);
    x.start("mes:Structures", vec![]);
    body(&mut x, s)?;
    x.end("mes:Structures");
    x.end("mes:Structure");
    if let Some(problem) = x.problem {
        return Err(problem);
    }
    out.write_all(x.buf.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// The `mes:Header`.
fn header(x: &mut Xml, h: &MessageHeader) {
    x.start("mes:Header", vec![]);
    x.leaf("mes:ID", vec![], &h.id);
    x.leaf("mes:Test", vec![], if h.test { "true" } else { "false" });
    x.leaf("mes:Prepared", vec![], &h.prepared);
    x.empty("mes:Sender", vec![("id", h.sender.as_str().into())]);
    x.end("mes:Header");
}

/// The artefact containers in schema order, each only when it has content.
fn body(x: &mut Xml, s: &Structures) -> Result<(), StructureError> {
    if !s.agency_schemes.is_empty() || !s.data_provider_schemes.is_empty() {
        x.start("str:OrganisationSchemes", vec![]);
        for a in &s.agency_schemes {
            items::agency_scheme(x, a);
        }
        for p in &s.data_provider_schemes {
            items::provider_scheme(x, p);
        }
        x.end("str:OrganisationSchemes");
    }
    if !s.dataflows.is_empty() {
        x.start("str:Dataflows", vec![]);
        for d in &s.dataflows {
            let attrs = maintainable_attrs(x, &d.meta, ArtefactClass::Dataflow);
            x.start("str:Dataflow", attrs);
            maintainable_body(x, &d.meta);
            if let Some(r) = &d.structure {
                wrapped_ref(x, "str:Structure", r);
            }
            x.end("str:Dataflow");
        }
        x.end("str:Dataflows");
    }
    if !s.codelists.is_empty() {
        x.start("str:Codelists", vec![]);
        for c in &s.codelists {
            items::codelist(x, c);
        }
        x.end("str:Codelists");
    }
    if !s.concept_schemes.is_empty() {
        x.start("str:Concepts", vec![]);
        for c in &s.concept_schemes {
            items::concept_scheme(x, c);
        }
        x.end("str:Concepts");
    }
    if !s.data_structures.is_empty() {
        x.start("str:DataStructures", vec![]);
        for d in &s.data_structures {
            dsd::write(x, d)?;
        }
        x.end("str:DataStructures");
    }
    if !s.constraints.is_empty() {
        x.start("str:Constraints", vec![]);
        for c in &s.constraints {
            constraint::write(x, c)?;
        }
        x.end("str:Constraints");
    }
    if !s.provision_agreements.is_empty() {
        x.start("str:ProvisionAgreements", vec![]);
        for p in &s.provision_agreements {
            let attrs = maintainable_attrs(x, &p.meta, ArtefactClass::ProvisionAgreement);
            x.start("str:ProvisionAgreement", attrs);
            maintainable_body(x, &p.meta);
            wrapped_ref(x, "str:StructureUsage", &p.dataflow);
            wrapped_item_ref(x, "str:DataProvider", &p.data_provider);
            x.end("str:ProvisionAgreement");
        }
        x.end("str:ProvisionAgreements");
    }
    Ok(())
}
