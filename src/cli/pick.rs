//! Choosing the DSD a data command works with: `--dataflow`, else what the
//! message names, else the only DSD loaded.

use anyhow::{Context, bail};

use sdmx_gateway::data::StructureUse;
use sdmx_gateway::model::{ArtefactClass, DataStructure};
use sdmx_gateway::structure::Registry;

/// The DSD chosen for a data message, and the structure (dataflow, DSD or
/// provision agreement) the output should name.
pub struct ChosenDsd<'r> {
    /// The data structure definition.
    pub dsd: &'r DataStructure,
    /// What the message uses.
    pub usage: StructureUse,
}

/// Picks the DSD: `arg` (a dataflow, DSD or provision agreement: URN,
/// `AGENCY:ID(VERSION)` or id) wins; else the structure the message names
/// (`hint`); else the only DSD loaded. `None` when there is no registry or
/// nothing to go on.
pub fn pick_dsd<'r>(
    registry: Option<&'r Registry>,
    arg: Option<&str>,
    hint: Option<&StructureUse>,
) -> anyhow::Result<Option<ChosenDsd<'r>>> {
    let Some(registry) = registry else {
        return Ok(None);
    };
    if let Some(query) = arg {
        return by_query(registry, query).map(Some);
    }
    if let Some(hint) = hint {
        let r = hint.reference();
        let query = r.short();
        let chosen = match r.class {
            ArtefactClass::Dataflow => by_dataflow(registry, &query),
            ArtefactClass::ProvisionAgreement => by_agreement(registry, &query),
            _ => by_dsd(registry, &query),
        };
        if chosen.is_err()
            && let Some(only) = only_dsd(registry)
        {
            tracing::info!(
                "the message names {}, which is not loaded; using the only DSD loaded",
                r.urn()
            );
            return Ok(Some(only));
        }
        return chosen
            .with_context(|| {
                format!(
                    "the message names {} but the loaded structures do not hold it: load it with \
                     --structure, or give --dataflow",
                    r.urn()
                )
            })
            .map(Some);
    }
    Ok(only_dsd(registry))
}

fn only_dsd(registry: &Registry) -> Option<ChosenDsd<'_>> {
    match registry.structures().data_structures.as_slice() {
        [dsd] => Some(ChosenDsd {
            dsd,
            usage: StructureUse::DataStructure(dsd.meta.reference(ArtefactClass::DataStructure)),
        }),
        _ => None,
    }
}

fn by_query<'r>(registry: &'r Registry, query: &str) -> anyhow::Result<ChosenDsd<'r>> {
    let as_dataflow = by_dataflow(registry, query);
    if as_dataflow.is_ok() {
        return as_dataflow;
    }
    if let Ok(c) = by_dsd(registry, query) {
        return Ok(c);
    }
    if let Ok(c) = by_agreement(registry, query) {
        return Ok(c);
    }
    match as_dataflow {
        Err(e) => Err(e.context(format!(
            "--dataflow {query}: no dataflow, DSD or provision agreement of that name is loaded"
        ))),
        Ok(_) => bail!("--dataflow {query}: not found"),
    }
}

fn by_dataflow<'r>(registry: &'r Registry, query: &str) -> anyhow::Result<ChosenDsd<'r>> {
    let flow = registry.dataflow(query)?;
    Ok(ChosenDsd {
        dsd: registry.structure_of(flow)?,
        usage: StructureUse::Dataflow(flow.meta.reference(ArtefactClass::Dataflow)),
    })
}

fn by_dsd<'r>(registry: &'r Registry, query: &str) -> anyhow::Result<ChosenDsd<'r>> {
    let dsd = registry.data_structure(query)?;
    Ok(ChosenDsd {
        dsd,
        usage: StructureUse::DataStructure(dsd.meta.reference(ArtefactClass::DataStructure)),
    })
}

fn by_agreement<'r>(registry: &'r Registry, query: &str) -> anyhow::Result<ChosenDsd<'r>> {
    let pa = registry.provision_agreement(query)?;
    let flow = registry.dataflow(&pa.dataflow.short())?;
    Ok(ChosenDsd {
        dsd: registry.structure_of(flow)?,
        usage: StructureUse::ProvisionAgreement(
            pa.meta.reference(ArtefactClass::ProvisionAgreement),
        ),
    })
}
