//! Structure queries: select artefacts by type, agency, id and version, add
//! what `references` asks for, and write them in the negotiated format.

use std::collections::HashMap;

use crate::model::{ArtefactRef, DataStructure, MaintainableMeta, Structures};
use crate::structure::{MessageHeader, Registry};

use super::error::ApiError;
use super::negotiate::StructureFormat;

/// The artefact types of the structure resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Dataflows.
    Dataflow,
    /// Data structure definitions.
    DataStructure,
    /// Codelists.
    Codelist,
    /// Concept schemes.
    ConceptScheme,
    /// Content / data constraints.
    Constraint,
    /// Data provider schemes.
    DataProviderScheme,
    /// Agency schemes.
    AgencyScheme,
    /// Provision agreements.
    ProvisionAgreement,
}

impl Kind {
    /// The kind named by a REST resource (1.5 and 2.x names).
    pub fn parse(resource: &str) -> Option<Kind> {
        Some(match resource {
            "dataflow" => Kind::Dataflow,
            "datastructure" => Kind::DataStructure,
            "codelist" => Kind::Codelist,
            "conceptscheme" => Kind::ConceptScheme,
            "contentconstraint" | "dataconstraint" => Kind::Constraint,
            "dataproviderscheme" => Kind::DataProviderScheme,
            "agencyscheme" => Kind::AgencyScheme,
            "provisionagreement" => Kind::ProvisionAgreement,
            _ => return None,
        })
    }
}

/// The 1.5 resources the server answers.
pub const RESOURCES: &[&str] = &[
    "dataflow",
    "datastructure",
    "codelist",
    "conceptscheme",
    "contentconstraint",
    "dataproviderscheme",
    "agencyscheme",
    "provisionagreement",
];

fn part_matches(pattern: &str, value: &str) -> bool {
    pattern == "all" || pattern == "*" || pattern.split([',', '+']).any(|p| p == value)
}

/// Keeps the artefacts of `items` that match agency, id and version
/// (`all`/`*` wildcards, `latest`/`~` for the highest version of each).
fn select<T: Clone>(
    items: &[T],
    meta: impl Fn(&T) -> &MaintainableMeta,
    agency: &str,
    id: &str,
    version: &str,
) -> Vec<T> {
    let matching: Vec<&T> = items
        .iter()
        .filter(|t| {
            let m = meta(t);
            part_matches(agency, &m.agency)
                && part_matches(id, &m.id)
                && (matches!(version, "latest" | "~" | "all" | "*")
                    || version
                        .split([',', '+'])
                        .any(|v| v == m.version.to_string()))
        })
        .collect();
    if matches!(version, "latest" | "~") {
        let mut best: HashMap<(String, String), &T> = HashMap::new();
        for t in matching {
            let m = meta(t);
            let key = (m.agency.clone(), m.id.clone());
            match best.get(&key) {
                Some(b) if meta(b).version >= m.version => {}
                _ => {
                    best.insert(key, t);
                }
            }
        }
        let mut out: Vec<&T> = best.into_values().collect();
        out.sort_by_key(|t| (meta(t).agency.clone(), meta(t).id.clone()));
        out.into_iter().cloned().collect()
    } else {
        matching.into_iter().cloned().collect()
    }
}

fn same(m: &MaintainableMeta, r: &ArtefactRef) -> bool {
    m.agency == r.agency && m.id == r.id && {
        let v = r.version.to_string();
        v.is_empty() || v == m.version.to_string() || v.contains('+') || v.contains('*')
    }
}

fn push_unique<T: Clone>(out: &mut Vec<T>, item: &T, meta: impl Fn(&T) -> &MaintainableMeta) {
    let m = meta(item);
    if !out
        .iter()
        .any(|o| meta(o).agency == m.agency && meta(o).id == m.id && meta(o).version == m.version)
    {
        out.push(item.clone());
    }
}

/// Adds the codelists and concept schemes a DSD uses.
fn add_dsd_children(all: &Structures, dsd: &DataStructure, out: &mut Structures) {
    let mut refs: Vec<&ArtefactRef> = Vec::new();
    let mut schemes: Vec<&ArtefactRef> = Vec::new();
    for d in &dsd.dimensions {
        refs.extend(
            d.representation
                .as_ref()
                .and_then(|r| r.enumeration.as_ref()),
        );
        schemes.extend(d.concept.as_ref().map(|c| &c.scheme));
    }
    for a in &dsd.attributes {
        refs.extend(
            a.representation
                .as_ref()
                .and_then(|r| r.enumeration.as_ref()),
        );
        schemes.extend(a.concept.as_ref().map(|c| &c.scheme));
    }
    for m in &dsd.measures {
        refs.extend(
            m.representation
                .as_ref()
                .and_then(|r| r.enumeration.as_ref()),
        );
        schemes.extend(m.concept.as_ref().map(|c| &c.scheme));
    }
    for r in refs {
        for c in all.codelists.iter().filter(|c| same(&c.meta, r)) {
            push_unique(&mut out.codelists, c, |c| &c.meta);
        }
        for c in all.concept_schemes.iter().filter(|c| same(&c.meta, r)) {
            push_unique(&mut out.concept_schemes, c, |c| &c.meta);
        }
    }
    for r in schemes {
        for c in all.concept_schemes.iter().filter(|c| same(&c.meta, r)) {
            push_unique(&mut out.concept_schemes, c, |c| &c.meta);
        }
    }
}

/// Answers a structure query with the message bytes.
pub fn query(
    registry: &Registry,
    kind: Kind,
    agency: &str,
    id: &str,
    version: &str,
    params: &HashMap<String, String>,
    format: StructureFormat,
) -> Result<Vec<u8>, ApiError> {
    let detail = params.get("detail").map_or("full", String::as_str);
    if detail != "full" {
        return Err(ApiError::not_implemented(format!(
            "detail={detail} is not supported: only detail=full"
        )));
    }
    let references = params.get("references").map_or("none", String::as_str);
    if !matches!(
        references,
        "none" | "children" | "descendants" | "all" | "parents" | "parentsandsiblings"
    ) {
        return Err(ApiError::not_implemented(format!(
            "references={references} is not supported: use none, parents, children, descendants or all"
        )));
    }
    let all = registry.structures();
    let mut out = Structures::default();
    match kind {
        Kind::Dataflow => out.dataflows = select(&all.dataflows, |x| &x.meta, agency, id, version),
        Kind::DataStructure => {
            out.data_structures = select(&all.data_structures, |x| &x.meta, agency, id, version)
        }
        Kind::Codelist => out.codelists = select(&all.codelists, |x| &x.meta, agency, id, version),
        Kind::ConceptScheme => {
            out.concept_schemes = select(&all.concept_schemes, |x| &x.meta, agency, id, version)
        }
        Kind::Constraint => {
            out.constraints = select(&all.constraints, |x| &x.meta, agency, id, version)
        }
        Kind::DataProviderScheme => {
            out.data_provider_schemes =
                select(&all.data_provider_schemes, |x| &x.meta, agency, id, version)
        }
        Kind::AgencyScheme => {
            out.agency_schemes = select(&all.agency_schemes, |x| &x.meta, agency, id, version)
        }
        Kind::ProvisionAgreement => {
            out.provision_agreements =
                select(&all.provision_agreements, |x| &x.meta, agency, id, version)
        }
    }
    if out == Structures::default() {
        return Err(ApiError::no_results(format!(
            "no {kind:?} matches agency {agency}, id {id}, version {version}"
        )));
    }
    let children = matches!(references, "children" | "descendants" | "all");
    let parents = matches!(references, "parents" | "parentsandsiblings" | "all");
    if children {
        let flows = out.dataflows.clone();
        for f in &flows {
            if let Some(s) = &f.structure {
                for d in all.data_structures.iter().filter(|d| same(&d.meta, s)) {
                    push_unique(&mut out.data_structures, d, |d| &d.meta);
                }
            }
        }
        // Children of a dataflow stop at the DSD; descendants go on.
        if kind != Kind::Dataflow || references != "children" {
            let dsds = out.data_structures.clone();
            for d in &dsds {
                add_dsd_children(all, d, &mut out);
            }
        }
    }
    if parents {
        let dsds = out.data_structures.clone();
        for d in &dsds {
            for f in all
                .dataflows
                .iter()
                .filter(|f| f.structure.as_ref().is_some_and(|s| same(&d.meta, s)))
            {
                push_unique(&mut out.dataflows, f, |f| &f.meta);
            }
        }
    }
    let header = MessageHeader {
        id: format!("SDMXGW-{}", crate::store::now_micros()),
        prepared: crate::store::format_timestamp(crate::store::now_micros()),
        ..MessageHeader::default()
    };
    let mut bytes = Vec::new();
    let written = match format {
        StructureFormat::Xml21 => crate::structure::xml21::write(&out, &header, &mut bytes),
        StructureFormat::Xml30 => crate::structure::xml30::write(&out, &header, &mut bytes),
        StructureFormat::Json10 => crate::structure::json10::write(&out, &header, &mut bytes),
    };
    written.map_err(|e| ApiError::internal(format!("cannot write the structures: {e}")))?;
    Ok(bytes)
}
