//! `sdmxgw structure list`: one line per artefact.

use std::io::Write;

use clap::{Args, ValueEnum};
use sdmx_gateway::model::{Artefact, ArtefactClass};
use serde_json::json;

use super::{StructureArgs, load_lenient, table};
use crate::cli::Outcome;

/// Artefact types `--type` can select.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TypeFilter {
    /// Codelists.
    Codelist,
    /// Concept schemes.
    Conceptscheme,
    /// Data structure definitions.
    #[value(alias = "dsd")]
    Datastructure,
    /// Dataflows.
    Dataflow,
    /// Content / data constraints.
    Constraint,
    /// Agency schemes.
    Agencyscheme,
    /// Data provider schemes.
    Dataproviderscheme,
    /// Provision agreements.
    Provisionagreement,
}

impl TypeFilter {
    fn class(self) -> ArtefactClass {
        match self {
            TypeFilter::Codelist => ArtefactClass::Codelist,
            TypeFilter::Conceptscheme => ArtefactClass::ConceptScheme,
            TypeFilter::Datastructure => ArtefactClass::DataStructure,
            TypeFilter::Dataflow => ArtefactClass::Dataflow,
            TypeFilter::Constraint => ArtefactClass::ContentConstraint,
            TypeFilter::Agencyscheme => ArtefactClass::AgencyScheme,
            TypeFilter::Dataproviderscheme => ArtefactClass::DataProviderScheme,
            TypeFilter::Provisionagreement => ArtefactClass::ProvisionAgreement,
        }
    }
}

/// Arguments of `structure list`.
#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    structure: StructureArgs,
    /// Only artefacts of this type.
    #[arg(long = "type", value_name = "TYPE")]
    kind: Option<TypeFilter>,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(args: ListArgs) -> anyhow::Result<Outcome> {
    let loaded = load_lenient(args.structure)?;
    let registry = &loaded.registry;
    let wanted = args.kind.map(TypeFilter::class);
    let artefacts: Vec<Artefact<'_>> = registry
        .structures()
        .iter()
        .filter(|a| wanted.is_none_or(|c| a.class() == c))
        .collect();
    let mut out = std::io::stdout().lock();
    if args.json {
        let rows: Vec<_> = artefacts
            .iter()
            .map(|a| {
                let meta = a.meta();
                let urn = a.reference().urn();
                json!({
                    "type": a.class().name(),
                    "urn": urn,
                    "agency": meta.agency,
                    "id": meta.id,
                    "version": meta.version.to_string(),
                    "name": meta.names.best(),
                    "items": items(a),
                    "file": registry.source_of(&urn),
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
    } else {
        let rows: Vec<Vec<String>> = artefacts
            .iter()
            .map(|a| {
                let meta = a.meta();
                vec![
                    a.class().name().to_owned(),
                    a.reference().short(),
                    items(a).map_or_else(String::new, |n| n.to_string()),
                    meta.names.best().unwrap_or("").to_owned(),
                ]
            })
            .collect();
        table::write(&mut out, &["TYPE", "ARTEFACT", "ITEMS", "NAME"], &rows)?;
    }
    out.flush()?;
    Ok(if loaded.failed {
        Outcome::Invalid
    } else {
        Outcome::Ok
    })
}

/// The number of items of a scheme (codes, concepts, …) or components of a DSD.
fn items(a: &Artefact<'_>) -> Option<usize> {
    Some(match a {
        Artefact::Codelist(c) => c.codes.len(),
        Artefact::ConceptScheme(c) => c.concepts.len(),
        Artefact::AgencyScheme(s) => s.agencies.len(),
        Artefact::DataProviderScheme(s) => s.providers.len(),
        Artefact::DataStructure(d) => d.dimensions.len() + d.attributes.len() + d.measures.len(),
        _ => return None,
    })
}
