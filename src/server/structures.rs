//! Structure queries: select artefacts by type, agency, id and version, add
//! what `references` asks for, and write them in the negotiated format.

use std::collections::HashMap;

use crate::model::{ArtefactRef, ConstraintRole, DataStructure, MaintainableMeta, Structures};
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
    /// Content / data constraints; with a role, only those (`actualconstraint`,
    /// `allowedconstraint`).
    Constraint(Option<ConstraintRole>),
    /// Data provider schemes.
    DataProviderScheme,
    /// Agency schemes.
    AgencyScheme,
    /// Provision agreements.
    ProvisionAgreement,
    /// Every type (1.5 `/structure`, 2.x `/structure/*`).
    Any,
}

impl Kind {
    /// The kind named by a REST resource (1.5 and 2.x names).
    pub fn parse(resource: &str) -> Option<Kind> {
        Some(match resource {
            "dataflow" => Kind::Dataflow,
            "datastructure" => Kind::DataStructure,
            "codelist" => Kind::Codelist,
            "conceptscheme" => Kind::ConceptScheme,
            "contentconstraint" | "dataconstraint" => Kind::Constraint(None),
            "actualconstraint" => Kind::Constraint(Some(ConstraintRole::Actual)),
            "allowedconstraint" => Kind::Constraint(Some(ConstraintRole::Allowed)),
            "dataproviderscheme" => Kind::DataProviderScheme,
            "agencyscheme" => Kind::AgencyScheme,
            "provisionagreement" => Kind::ProvisionAgreement,
            "*" | "structure" => Kind::Any,
            _ => return None,
        })
    }

    /// Whether item queries (`…/{version}/{itemID}`) apply to this kind.
    pub fn is_item_scheme(self) -> bool {
        matches!(
            self,
            Kind::Codelist | Kind::ConceptScheme | Kind::AgencyScheme | Kind::DataProviderScheme
        )
    }
}

/// Structure and item-scheme types of SDMX REST 1.5 and 2.x that this gateway
/// does not serve: queries for them answer 501 (not 404), as the standard asks.
pub const UNSERVED: &[&str] = &[
    "metadatastructure",
    "metadataflow",
    "structureset",
    "process",
    "categorisation",
    "attachmentconstraint",
    "metadataconstraint",
    "categoryscheme",
    "hierarchicalcodelist",
    "hierarchy",
    "hierarchyassociation",
    "organisationscheme",
    "dataconsumerscheme",
    "organisationunitscheme",
    "transformationscheme",
    "rulesetscheme",
    "userdefinedoperatorscheme",
    "customtypescheme",
    "namepersonalisationscheme",
    "namealiasscheme",
    "vtlmappingscheme",
    "valuelist",
    "structuremap",
    "representationmap",
    "conceptschememap",
    "categoryschememap",
    "organisationschememap",
    "reportingtaxonomymap",
    "metadataproviderscheme",
    "reportingtaxonomy",
    "metadataprovisionagreement",
];

/// The 1.5 resources the server answers.
pub const RESOURCES: &[&str] = &[
    "dataflow",
    "datastructure",
    "codelist",
    "conceptscheme",
    "contentconstraint",
    "actualconstraint",
    "allowedconstraint",
    "dataproviderscheme",
    "agencyscheme",
    "provisionagreement",
];

/// The `references` values of the specifications (1.5 and 2.x) that name a
/// structure type: valid requests this gateway does not implement (501).
const TYPED_REFERENCES: &[&str] = &[
    "datastructure",
    "metadatastructure",
    "categoryscheme",
    "conceptscheme",
    "codelist",
    "hierarchicalcodelist",
    "hierarchy",
    "hierarchyassociation",
    "organisationscheme",
    "agencyscheme",
    "dataproviderscheme",
    "dataconsumerscheme",
    "organisationunitscheme",
    "dataflow",
    "metadataflow",
    "reportingtaxonomy",
    "provisionagreement",
    "structureset",
    "process",
    "categorisation",
    "contentconstraint",
    "actualconstraint",
    "allowedconstraint",
    "attachmentconstraint",
    "dataconstraint",
    "metadataconstraint",
    "transformationscheme",
    "rulesetscheme",
    "userdefinedoperatorscheme",
    "customtypescheme",
    "namepersonalisationscheme",
    "namealiasscheme",
    "valuelist",
    "structuremap",
    "representationmap",
    "conceptschememap",
    "categoryschememap",
    "organisationschememap",
    "reportingtaxonomymap",
    "ancestors",
];

/// `detail` values of the specifications other than `full`.
const OTHER_DETAILS: &[&str] = &[
    "allstubs",
    "referencestubs",
    "referencepartial",
    "allcompletestubs",
    "referencecompletestubs",
    "raw",
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

/// What `references` asks for, once checked.
#[derive(Debug, Clone, Copy, Default)]
struct References {
    children: bool,
    descendants: bool,
    parents: bool,
}

fn parse_references(value: &str) -> Result<References, ApiError> {
    let mut r = References::default();
    for v in value
        .split([',', '+'])
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        match v {
            "none" => {}
            "children" => r.children = true,
            "descendants" => r.descendants = true,
            "parents" | "parentsandsiblings" => r.parents = true,
            "all" => {
                r.descendants = true;
                r.parents = true;
            }
            t if TYPED_REFERENCES.contains(&t) => {
                return Err(ApiError::not_implemented(format!(
                    "references={t} is not supported: use none, parents, parentsandsiblings, children, descendants or all"
                )));
            }
            other => {
                return Err(ApiError::syntax(format!(
                    "references={other} is not a references value: use none, parents, parentsandsiblings, children, descendants or all"
                )));
            }
        }
    }
    Ok(r)
}

fn check_detail(detail: &str) -> Result<(), ApiError> {
    match detail {
        "full" | "" => Ok(()),
        d if OTHER_DETAILS.contains(&d) => Err(ApiError::not_implemented(format!(
            "detail={d} is not supported: only detail=full"
        ))),
        d => Err(ApiError::syntax(format!(
            "detail={d} is not a structure detail value: use full"
        ))),
    }
}

/// Keeps only the items named by an item query (`all`/`*` keep every item);
/// schemes left without items are dropped.
fn filter_items(out: &mut Structures, items: &str) {
    if matches!(items, "all" | "*") {
        return;
    }
    let wanted: Vec<&str> = items.split([',', '+']).collect();
    let keep = |id: &str| wanted.contains(&id);
    for c in &mut out.codelists {
        c.codes.retain(|i| keep(&i.id));
        c.is_partial = Some(true);
    }
    out.codelists.retain(|c| !c.codes.is_empty());
    for c in &mut out.concept_schemes {
        c.concepts.retain(|i| keep(&i.item.id));
    }
    out.concept_schemes.retain(|c| !c.concepts.is_empty());
    for a in &mut out.agency_schemes {
        a.agencies.retain(|i| keep(&i.item.id));
    }
    out.agency_schemes.retain(|a| !a.agencies.is_empty());
    for p in &mut out.data_provider_schemes {
        p.providers.retain(|i| keep(&i.item.id));
    }
    out.data_provider_schemes
        .retain(|p| !p.providers.is_empty());
}

/// The artefacts a structure query selects.
pub struct Selection<'a> {
    /// The artefact type.
    pub kind: Kind,
    /// Agency (`all`, `*`, or a list).
    pub agency: &'a str,
    /// Id (`all`, `*`, or a list).
    pub id: &'a str,
    /// Version (`all`, `*`, `latest`, `~`, or a list).
    pub version: &'a str,
    /// Item ids for item-scheme queries.
    pub items: Option<&'a str>,
}

/// Answers a structure query with the message bytes.
pub fn query(
    registry: &Registry,
    sel: &Selection<'_>,
    params: &HashMap<String, String>,
    format: StructureFormat,
) -> Result<Vec<u8>, ApiError> {
    let Selection {
        kind,
        agency,
        id,
        version,
        items,
    } = *sel;
    check_detail(params.get("detail").map_or("full", String::as_str))?;
    if params.contains_key("asOf") {
        return Err(ApiError::not_implemented(
            "asOf is not supported: the gateway keeps only the current structures",
        ));
    }
    let refs = parse_references(params.get("references").map_or("none", String::as_str))?;
    let all = registry.structures();
    let mut out = Structures::default();
    let any = kind == Kind::Any;
    if any || kind == Kind::Dataflow {
        out.dataflows = select(&all.dataflows, |x| &x.meta, agency, id, version);
    }
    if any || kind == Kind::DataStructure {
        out.data_structures = select(&all.data_structures, |x| &x.meta, agency, id, version);
    }
    if any || kind == Kind::Codelist {
        out.codelists = select(&all.codelists, |x| &x.meta, agency, id, version);
    }
    if any || kind == Kind::ConceptScheme {
        out.concept_schemes = select(&all.concept_schemes, |x| &x.meta, agency, id, version);
    }
    if let Kind::Constraint(role) = kind {
        out.constraints = select(&all.constraints, |x| &x.meta, agency, id, version);
        if let Some(role) = role {
            out.constraints.retain(|c| c.role == role);
        }
    } else if any {
        out.constraints = select(&all.constraints, |x| &x.meta, agency, id, version);
    }
    if any || kind == Kind::DataProviderScheme {
        out.data_provider_schemes =
            select(&all.data_provider_schemes, |x| &x.meta, agency, id, version);
    }
    if any || kind == Kind::AgencyScheme {
        out.agency_schemes = select(&all.agency_schemes, |x| &x.meta, agency, id, version);
    }
    if any || kind == Kind::ProvisionAgreement {
        out.provision_agreements =
            select(&all.provision_agreements, |x| &x.meta, agency, id, version);
    }
    if let Some(items) = items {
        filter_items(&mut out, items);
    }
    if out == Structures::default() {
        let what = match items {
            Some(i) => format!(" with items {i}"),
            None => String::new(),
        };
        return Err(ApiError::no_results(format!(
            "no {kind:?} matches agency {agency}, id {id}, version {version}{what}"
        )));
    }
    let children = refs.children || refs.descendants;
    let parents = refs.parents;
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
        if kind != Kind::Dataflow || refs.descendants {
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
