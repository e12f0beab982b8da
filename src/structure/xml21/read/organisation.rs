//! Organisation schemes (agencies, data providers) and provision agreements.

use roxmltree::Node;

use super::Ctx;
use super::common::{item, item_ref, localised, maintainable, maintainable_ref};
use crate::model::{
    Agency, AgencyScheme, ArtefactClass, Contact, DataProvider, DataProviderScheme,
    ProvisionAgreement,
};
use crate::structure::StructureError;
use crate::structure::xml_util::{child, children, elements, text};
use crate::structure::xml21::STR;

/// The `Contact`s of an organisation.
fn contacts(ctx: &mut Ctx<'_>, node: Node<'_, '_>, label: &str) -> Vec<Contact> {
    let mut out = Vec::new();
    for c in children(node, STR, "Contact") {
        let mut contact = Contact {
            names: localised(c, "Name"),
            ..Contact::default()
        };
        for part in elements(c) {
            match part.tag_name().name() {
                "Name" => {}
                "Department" => contact
                    .department
                    .set(crate::structure::xml_util::lang(part), text(part)),
                "Role" => contact
                    .role
                    .set(crate::structure::xml_util::lang(part), text(part)),
                "Telephone" => contact.telephones.push(text(part).to_owned()),
                "Email" => contact.emails.push(text(part).to_owned()),
                "URI" => contact.uris.push(text(part).to_owned()),
                other => ctx.warn(
                    part,
                    format!(
                        "skipped <{other}> in a contact of {label}: the gateway does not use it"
                    ),
                ),
            }
        }
        out.push(contact);
    }
    out
}

/// Reads an `AgencyScheme`.
pub(super) fn read_agency_scheme(
    ctx: &mut Ctx<'_>,
    node: Node<'_, '_>,
) -> Result<AgencyScheme, StructureError> {
    let (meta, label) = maintainable(ctx, node, ArtefactClass::AgencyScheme)?;
    let mut agencies = Vec::new();
    for a in children(node, STR, "Agency") {
        let item = item(ctx, a, &label)?;
        let contacts = contacts(ctx, a, &label);
        ctx.skip_unknown(a, &["Contact"], &label);
        agencies.push(Agency { item, contacts });
    }
    ctx.skip_unknown(node, &["Agency"], &label);
    Ok(AgencyScheme { meta, agencies })
}

/// Reads a `DataProviderScheme`.
pub(super) fn read_provider_scheme(
    ctx: &mut Ctx<'_>,
    node: Node<'_, '_>,
) -> Result<DataProviderScheme, StructureError> {
    let (meta, label) = maintainable(ctx, node, ArtefactClass::DataProviderScheme)?;
    let mut providers = Vec::new();
    for a in children(node, STR, "DataProvider") {
        let item = item(ctx, a, &label)?;
        let contacts = contacts(ctx, a, &label);
        ctx.skip_unknown(a, &["Contact"], &label);
        providers.push(DataProvider { item, contacts });
    }
    ctx.skip_unknown(node, &["DataProvider"], &label);
    Ok(DataProviderScheme { meta, providers })
}

/// Reads a `ProvisionAgreement`. An external-reference stub without its dataflow
/// or provider cannot be represented: it is skipped with a warning.
pub(super) fn read_provision_agreement(
    ctx: &mut Ctx<'_>,
    node: Node<'_, '_>,
) -> Result<Option<ProvisionAgreement>, StructureError> {
    let (meta, label) = maintainable(ctx, node, ArtefactClass::ProvisionAgreement)?;
    let usage = child(node, STR, "StructureUsage");
    let provider = child(node, STR, "DataProvider");
    let (Some(usage), Some(provider)) = (usage, provider) else {
        if meta.is_external_reference == Some(true) {
            ctx.warn(
                node,
                format!(
                    "skipped the external-reference stub {label}: it names no dataflow or provider"
                ),
            );
            return Ok(None);
        }
        return Err(ctx.err(
            node,
            &label,
            "a provision agreement needs a StructureUsage (the dataflow) and a DataProvider",
        ));
    };
    let dataflow = maintainable_ref(ctx, usage, ArtefactClass::Dataflow, &label)?;
    let data_provider = item_ref(ctx, provider, ArtefactClass::DataProviderScheme, &label)?;
    ctx.skip_unknown(node, &["StructureUsage", "DataProvider"], &label);
    Ok(Some(ProvisionAgreement {
        meta,
        dataflow,
        data_provider,
    }))
}
