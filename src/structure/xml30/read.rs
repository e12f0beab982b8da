//! The SDMX-ML 3.0 structure reader (roxmltree over the whole message).

use std::str::FromStr;

use roxmltree::Node;

use crate::model::{
    Agency, AgencyScheme, Annotation, ArtefactClass, ArtefactRef, Attribute, AttributeRelationship,
    Codelist, Concept, ConceptScheme, ConstraintAttachment, ConstraintRole, Contact,
    ContentConstraint, CubeRegion, DataKey, DataKeySet, DataProvider, DataProviderScheme,
    DataStructure, Dataflow, Dimension, DimensionKind, Group, Item, ItemRef, LocalisedText,
    MaintainableMeta, Measure, MemberSelection, ProvisionAgreement, Representation, SelectionValue,
    Structures, TextFormat, TimeRange, TimeRangeBound, UsageStatus, Version,
};
use crate::structure::xml_util::{location, parse};
use crate::structure::{Location, ReadOutcome, StructureError, Warning};

use super::NS_MESSAGE;

const NS_XML: &str = "http://www.w3.org/XML/1998/namespace";

/// Reading state: the source name and the warnings gathered so far.
struct Ctx<'s> {
    source: &'s str,
    warnings: Vec<Warning>,
}

impl Ctx<'_> {
    fn loc(&self, node: Node<'_, '_>) -> Location {
        location(node, self.source)
    }

    fn warn(&mut self, node: Node<'_, '_>, message: String) {
        let location = self.loc(node);
        self.warnings.push(Warning { location, message });
    }

    fn invalid(&self, node: Node<'_, '_>, artefact: &str, message: String) -> StructureError {
        StructureError::Invalid {
            location: self.loc(node),
            artefact: artefact.to_owned(),
            message,
        }
    }
}

/// Element children of `node`.
fn elements<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(|n| n.is_element())
}

/// Element children of `node` with this local name.
fn children<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    elements(node).filter(move |n| n.tag_name().name() == name)
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> Option<Node<'a, 'i>> {
    children(node, name).next()
}

/// The text of an element, exactly as given (as the 2.1 reader keeps it, so
/// that converting between the two changes nothing).
fn text(node: Node<'_, '_>) -> String {
    node.text().unwrap_or("").to_owned()
}

fn child_text(node: Node<'_, '_>, name: &'static str) -> Option<String> {
    child(node, name).map(text)
}

pub(super) fn read(text: &str, source: &str) -> Result<ReadOutcome, StructureError> {
    let doc = parse(text, source)?;
    let root = doc.root_element();
    let mut ctx = Ctx {
        source,
        warnings: Vec::new(),
    };
    if root.tag_name().namespace() != Some(NS_MESSAGE) || root.tag_name().name() != "Structure" {
        return Err(StructureError::NotAStructureMessage {
            location: ctx.loc(root),
            message: format!(
                "the root element is {{{}}}{}; an SDMX-ML 3.0 structure message has {{{NS_MESSAGE}}}Structure",
                root.tag_name().namespace().unwrap_or(""),
                root.tag_name().name()
            ),
        });
    }
    let mut structures = Structures::default();
    let Some(body) = child(root, "Structures") else {
        ctx.warn(root, "the message has no Structures element".to_owned());
        return Ok(ReadOutcome {
            structures,
            warnings: ctx.warnings,
        });
    };
    for group in elements(body) {
        read_group(&mut ctx, group, &mut structures)?;
    }
    Ok(ReadOutcome {
        structures,
        warnings: ctx.warnings,
    })
}

fn read_group(
    ctx: &mut Ctx<'_>,
    group: Node<'_, '_>,
    s: &mut Structures,
) -> Result<(), StructureError> {
    for node in elements(group) {
        match node.tag_name().name() {
            "Codelist" => s.codelists.push(codelist(ctx, node)?),
            "ConceptScheme" => s.concept_schemes.push(concept_scheme(ctx, node)?),
            "DataStructure" => s.data_structures.push(data_structure(ctx, node)?),
            "Dataflow" => s.dataflows.push(dataflow(ctx, node)?),
            "DataConstraint" => s.constraints.push(constraint(ctx, node)?),
            "AgencyScheme" => s.agency_schemes.push(agency_scheme(ctx, node)?),
            "DataProviderScheme" => s.data_provider_schemes.push(provider_scheme(ctx, node)?),
            "ProvisionAgreement" => s.provision_agreements.push(provision(ctx, node)?),
            "ValueList" => ctx.warn(
                node,
                format!(
                    "ValueList {} skipped: the gateway's model has no value lists (only codelists)",
                    describe(node)
                ),
            ),
            other => ctx.warn(
                node,
                format!(
                    "{other} {} skipped: the gateway does not use this artefact type",
                    describe(node)
                ),
            ),
        }
    }
    Ok(())
}

/// `AGENCY:ID(VERSION)` of a maintainable element, for messages.
fn describe(node: Node<'_, '_>) -> String {
    format!(
        "{}:{}({})",
        node.attribute("agencyID").unwrap_or("?"),
        node.attribute("id").unwrap_or("?"),
        node.attribute("version").unwrap_or("1.0")
    )
}

fn lang_text(node: Node<'_, '_>, out: &mut LocalisedText) {
    let lang = node.attribute((NS_XML, "lang")).unwrap_or("en");
    out.set(lang, node.text().unwrap_or(""));
}

fn names(node: Node<'_, '_>, element: &'static str) -> LocalisedText {
    let mut t = LocalisedText::default();
    for n in children(node, element) {
        lang_text(n, &mut t);
    }
    t
}

fn annotations(node: Node<'_, '_>) -> Vec<Annotation> {
    let Some(list) = child(node, "Annotations") else {
        return Vec::new();
    };
    children(list, "Annotation")
        .map(|a| Annotation {
            id: a.attribute("id").map(str::to_owned),
            title: child_text(a, "AnnotationTitle"),
            annotation_type: child_text(a, "AnnotationType"),
            url: child_text(a, "AnnotationURL"),
            text: names(a, "AnnotationText"),
        })
        .collect()
}

fn bool_attr(
    ctx: &Ctx<'_>,
    node: Node<'_, '_>,
    name: &str,
    artefact: &str,
) -> Result<Option<bool>, StructureError> {
    match node.attribute(name) {
        None => Ok(None),
        Some("true") | Some("1") => Ok(Some(true)),
        Some("false") | Some("0") => Ok(Some(false)),
        Some(v) => Err(ctx.invalid(
            node,
            artefact,
            format!("{name}={v:?} is not a boolean; use true or false"),
        )),
    }
}

fn required<'a>(
    ctx: &Ctx<'_>,
    node: Node<'a, '_>,
    name: &str,
    artefact: &str,
) -> Result<&'a str, StructureError> {
    node.attribute(name).ok_or_else(|| {
        ctx.invalid(
            node,
            artefact,
            format!(
                "<{}> has no {name} attribute; add it",
                node.tag_name().name()
            ),
        )
    })
}

fn meta(ctx: &Ctx<'_>, node: Node<'_, '_>) -> Result<MaintainableMeta, StructureError> {
    let what = describe(node);
    let agency = required(ctx, node, "agencyID", &what)?;
    let id = required(ctx, node, "id", &what)?;
    // An unversioned 3.0 artefact is addressed as version 1.0, as 2.1 defaults it.
    let version = match node.attribute("version") {
        None => Version::one(),
        Some(v) => Version::from_str(v).map_err(|e| ctx.invalid(node, &what, e.to_string()))?,
    };
    let names = names(node, "Name");
    if names.is_empty() {
        return Err(ctx.invalid(
            node,
            &what,
            "no Name: SDMX requires one; add <com:Name xml:lang=\"en\">".to_owned(),
        ));
    }
    Ok(MaintainableMeta {
        agency: agency.to_owned(),
        id: id.to_owned(),
        version,
        names,
        descriptions: self::names(node, "Description"),
        annotations: annotations(node),
        is_final: None,
        is_external_reference: bool_attr(ctx, node, "isExternalReference", &what)?,
        uri: node.attribute("uri").map(str::to_owned),
        valid_from: node.attribute("validFrom").map(str::to_owned),
        valid_to: node.attribute("validTo").map(str::to_owned),
    })
}

fn item(ctx: &Ctx<'_>, node: Node<'_, '_>, scheme: &str) -> Result<Item, StructureError> {
    let id = required(ctx, node, "id", scheme)?;
    Ok(Item {
        id: id.to_owned(),
        names: names(node, "Name"),
        descriptions: names(node, "Description"),
        parent: child_text(node, "Parent"),
        annotations: annotations(node),
    })
}

/// Parses the URN in an element's text as a reference to a maintainable artefact.
fn artefact_ref(
    ctx: &Ctx<'_>,
    node: Node<'_, '_>,
    artefact: &str,
) -> Result<ArtefactRef, StructureError> {
    let urn = text(node);
    ArtefactRef::from_str(urn.trim())
        .map_err(|e| ctx.invalid(node, artefact, format!("<{}>: {e}", node.tag_name().name())))
}

fn item_ref(ctx: &Ctx<'_>, node: Node<'_, '_>, artefact: &str) -> Result<ItemRef, StructureError> {
    let urn = text(node);
    ItemRef::from_str(urn.trim())
        .map_err(|e| ctx.invalid(node, artefact, format!("<{}>: {e}", node.tag_name().name())))
}

fn codelist(ctx: &mut Ctx<'_>, node: Node<'_, '_>) -> Result<Codelist, StructureError> {
    let meta = meta(ctx, node)?;
    let what = meta.reference(ArtefactClass::Codelist).urn();
    let codes = children(node, "Code")
        .map(|c| item(ctx, c, &what))
        .collect::<Result<Vec<_>, _>>()?;
    for ext in children(node, "CodelistExtension") {
        let base = child_text(ext, "Codelist").unwrap_or_default();
        ctx.warn(
            ext,
            format!(
                "{what} extends {base}: codelist extensions are not resolved, only the {} code(s) listed inline are loaded",
                codes.len()
            ),
        );
    }
    Ok(Codelist {
        is_partial: bool_attr(ctx, node, "isPartial", &what)?,
        meta,
        codes,
    })
}

fn concept_scheme(ctx: &mut Ctx<'_>, node: Node<'_, '_>) -> Result<ConceptScheme, StructureError> {
    let meta = meta(ctx, node)?;
    let what = meta.reference(ArtefactClass::ConceptScheme).urn();
    let concepts = children(node, "Concept")
        .map(|c| {
            Ok(Concept {
                item: item(ctx, c, &what)?,
                core_representation: child(c, "CoreRepresentation")
                    .map(|r| representation(ctx, r, &what))
                    .transpose()?,
            })
        })
        .collect::<Result<Vec<_>, StructureError>>()?;
    Ok(ConceptScheme { meta, concepts })
}

fn parse_attr<T: FromStr>(
    ctx: &Ctx<'_>,
    node: Node<'_, '_>,
    name: &str,
    artefact: &str,
) -> Result<Option<T>, StructureError> {
    node.attribute(name)
        .map(|v| {
            v.parse::<T>().map_err(|_| {
                ctx.invalid(
                    node,
                    artefact,
                    format!("{name}={v:?} is not a valid number"),
                )
            })
        })
        .transpose()
}

fn text_format(
    ctx: &Ctx<'_>,
    node: Node<'_, '_>,
    artefact: &str,
) -> Result<TextFormat, StructureError> {
    let s = |n: &str| node.attribute(n).map(str::to_owned);
    Ok(TextFormat {
        data_type: node
            .attribute("textType")
            .map(|t| {
                t.parse()
                    .map_err(|e: String| ctx.invalid(node, artefact, e))
            })
            .transpose()?,
        is_sequence: bool_attr(ctx, node, "isSequence", artefact)?,
        interval: s("interval"),
        start_value: s("startValue"),
        end_value: s("endValue"),
        time_interval: s("timeInterval"),
        start_time: s("startTime"),
        end_time: s("endTime"),
        min_length: parse_attr(ctx, node, "minLength", artefact)?,
        max_length: parse_attr(ctx, node, "maxLength", artefact)?,
        min_value: s("minValue"),
        max_value: s("maxValue"),
        decimals: parse_attr(ctx, node, "decimals", artefact)?,
        pattern: s("pattern"),
        is_multilingual: bool_attr(ctx, node, "isMultiLingual", artefact)?,
    })
}

fn representation(
    ctx: &Ctx<'_>,
    node: Node<'_, '_>,
    artefact: &str,
) -> Result<Representation, StructureError> {
    let (max_occurs, max_unbounded) = match node.attribute("maxOccurs") {
        Some("unbounded") => (None, true),
        _ => (parse_attr(ctx, node, "maxOccurs", artefact)?, false),
    };
    Ok(Representation {
        enumeration: child(node, "Enumeration")
            .map(|e| artefact_ref(ctx, e, artefact))
            .transpose()?,
        text_format: child(node, "TextFormat")
            .map(|t| text_format(ctx, t, artefact))
            .transpose()?,
        enumeration_format: child(node, "EnumerationFormat")
            .map(|t| text_format(ctx, t, artefact))
            .transpose()?,
        min_occurs: parse_attr(ctx, node, "minOccurs", artefact)?,
        max_occurs,
        max_unbounded,
    })
}

/// The concept, representation and roles every component carries.
type ComponentParts = (Option<ItemRef>, Option<Representation>, Vec<ItemRef>);

fn component_parts(
    ctx: &Ctx<'_>,
    node: Node<'_, '_>,
    artefact: &str,
) -> Result<ComponentParts, StructureError> {
    Ok((
        child(node, "ConceptIdentity")
            .map(|c| item_ref(ctx, c, artefact))
            .transpose()?,
        child(node, "LocalRepresentation")
            .map(|r| representation(ctx, r, artefact))
            .transpose()?,
        children(node, "ConceptRole")
            .map(|r| item_ref(ctx, r, artefact))
            .collect::<Result<_, _>>()?,
    ))
}

fn usage(ctx: &Ctx<'_>, node: Node<'_, '_>, artefact: &str) -> Result<UsageStatus, StructureError> {
    match node.attribute("usage") {
        None | Some("optional") => Ok(UsageStatus::Conditional),
        Some("mandatory") => Ok(UsageStatus::Mandatory),
        Some(v) => Err(ctx.invalid(
            node,
            artefact,
            format!("usage={v:?}: use mandatory or optional"),
        )),
    }
}

fn data_structure(ctx: &mut Ctx<'_>, node: Node<'_, '_>) -> Result<DataStructure, StructureError> {
    let meta = meta(ctx, node)?;
    let what = meta.reference(ArtefactClass::DataStructure).urn();
    let mut dsd = DataStructure {
        meta,
        dimensions: Vec::new(),
        attributes: Vec::new(),
        measures: Vec::new(),
        groups: Vec::new(),
        metadata_structure: child(node, "Metadata")
            .map(|m| artefact_ref(ctx, m, &what))
            .transpose()?,
    };
    let Some(comps) = child(node, "DataStructureComponents") else {
        return Ok(dsd);
    };
    if let Some(list) = child(comps, "DimensionList") {
        for d in elements(list) {
            let kind = match d.tag_name().name() {
                "Dimension" => DimensionKind::Dimension,
                "TimeDimension" => DimensionKind::Time,
                "Annotations" | "Link" => continue,
                other => {
                    ctx.warn(d, format!("{what}: <{other}> in DimensionList skipped"));
                    continue;
                }
            };
            let id = required(ctx, d, "id", &what)?.to_owned();
            let (concept, representation, roles) = component_parts(ctx, d, &what)?;
            let position = match parse_attr::<u32>(ctx, d, "position", &what)? {
                Some(p) => p,
                None => u32::try_from(dsd.dimensions.len() + 1).unwrap_or(u32::MAX),
            };
            dsd.dimensions.push(Dimension {
                id,
                position,
                kind,
                concept,
                representation,
                roles,
                annotations: annotations(d),
            });
        }
    }
    for g in children(comps, "Group") {
        dsd.groups.push(Group {
            id: required(ctx, g, "id", &what)?.to_owned(),
            dimensions: children(g, "GroupDimension")
                .filter_map(|gd| child_text(gd, "DimensionReference"))
                .collect(),
            attachment_constraint: None,
            annotations: annotations(g),
        });
    }
    if let Some(list) = child(comps, "AttributeList") {
        for a in elements(list) {
            match a.tag_name().name() {
                "Attribute" => {
                    let attribute = attribute(ctx, a, &what)?;
                    dsd.attributes.push(attribute);
                }
                "Annotations" | "Link" => {}
                other => ctx.warn(a, format!("{what}: <{other}> in AttributeList skipped")),
            }
        }
    }
    if let Some(list) = child(comps, "MeasureList") {
        for m in children(list, "Measure") {
            let (concept, representation, roles) = component_parts(ctx, m, &what)?;
            dsd.measures.push(Measure {
                id: required(ctx, m, "id", &what)?.to_owned(),
                concept,
                representation,
                usage: usage(ctx, m, &what)?,
                roles,
                annotations: annotations(m),
            });
        }
    }
    Ok(dsd)
}

fn attribute(ctx: &mut Ctx<'_>, a: Node<'_, '_>, what: &str) -> Result<Attribute, StructureError> {
    let id = required(ctx, a, "id", what)?.to_owned();
    let (concept, representation, roles) = component_parts(ctx, a, what)?;
    let relationship = match child(a, "AttributeRelationship") {
        None => {
            ctx.warn(
                a,
                format!(
                    "{what}: attribute {id} has no AttributeRelationship; read as dataset level"
                ),
            );
            AttributeRelationship::None
        }
        Some(rel) => {
            let dims: Vec<String> = children(rel, "Dimension").map(text).collect();
            if !dims.is_empty() {
                AttributeRelationship::Dimensions {
                    dimensions: dims,
                    attachment_groups: Vec::new(),
                }
            } else if let Some(g) = child(rel, "Group") {
                AttributeRelationship::Group(text(g))
            } else if child(rel, "Observation").is_some() {
                AttributeRelationship::Observation
            } else {
                // `<Dataflow/>` (a value per dataflow) is what 2.1's `None` became;
                // an empty relationship is not schema-valid but common in samples.
                if child(rel, "Dataflow").is_none() {
                    ctx.warn(
                        rel,
                        format!(
                            "{what}: attribute {id} has an empty AttributeRelationship; read as dataset level (<Dataflow/>)"
                        ),
                    );
                }
                AttributeRelationship::None
            }
        }
    };
    let measures = child(a, "MeasureRelationship")
        .map(|m| children(m, "Measure").map(text).collect())
        .unwrap_or_default();
    Ok(Attribute {
        id,
        concept,
        representation,
        usage: usage(ctx, a, what)?,
        relationship,
        measures,
        roles,
        annotations: annotations(a),
    })
}

fn dataflow(ctx: &Ctx<'_>, node: Node<'_, '_>) -> Result<Dataflow, StructureError> {
    let meta = meta(ctx, node)?;
    let what = meta.reference(ArtefactClass::Dataflow).urn();
    Ok(Dataflow {
        structure: child(node, "Structure")
            .map(|s| artefact_ref(ctx, s, &what))
            .transpose()?,
        meta,
    })
}

fn constraint(ctx: &mut Ctx<'_>, node: Node<'_, '_>) -> Result<ContentConstraint, StructureError> {
    let meta = meta(ctx, node)?;
    let what = meta.reference(ArtefactClass::DataConstraint).urn();
    let role = match node.attribute("role") {
        Some("Allowed") => ConstraintRole::Allowed,
        Some("Actual") => ConstraintRole::Actual,
        other => {
            return Err(ctx.invalid(
                node,
                &what,
                format!("role={other:?}: a DataConstraint needs role=\"Allowed\" or \"Actual\""),
            ));
        }
    };
    let mut attachment = ConstraintAttachment::default();
    if let Some(att) = child(node, "ConstraintAttachment") {
        for n in elements(att) {
            match n.tag_name().name() {
                "DataStructure" => attachment
                    .data_structures
                    .push(artefact_ref(ctx, n, &what)?),
                "Dataflow" => attachment.dataflows.push(artefact_ref(ctx, n, &what)?),
                "ProvisionAgreement" => attachment
                    .provision_agreements
                    .push(artefact_ref(ctx, n, &what)?),
                "DataProvider" => attachment.data_provider = Some(item_ref(ctx, n, &what)?),
                "SimpleDataSource" => attachment.simple_data_sources.push(text(n)),
                other => ctx.warn(
                    n,
                    format!("{what}: <{other}> in ConstraintAttachment skipped"),
                ),
            }
        }
    }
    let mut data_key_sets = Vec::new();
    for ks in children(node, "DataKeySet") {
        let included = bool_attr(ctx, ks, "isIncluded", &what)?.unwrap_or(true);
        let mut keys = Vec::new();
        for k in children(ks, "Key") {
            keys.push(DataKey {
                include: bool_attr(ctx, k, "include", &what)?.unwrap_or(true),
                values: children(k, "KeyValue")
                    .map(|kv| {
                        (
                            kv.attribute("id").unwrap_or("").to_owned(),
                            child_text(kv, "Value").unwrap_or_default(),
                        )
                    })
                    .collect(),
            });
        }
        data_key_sets.push(DataKeySet { included, keys });
    }
    let mut cube_regions = Vec::new();
    for cr in children(node, "CubeRegion") {
        cube_regions.push(CubeRegion {
            include: bool_attr(ctx, cr, "include", &what)?.unwrap_or(true),
            key_values: children(cr, "KeyValue")
                .map(|kv| selection(ctx, kv, &what))
                .collect::<Result<_, _>>()?,
            attributes: children(cr, "Component")
                .map(|kv| selection(ctx, kv, &what))
                .collect::<Result<_, _>>()?,
        });
    }
    Ok(ContentConstraint {
        meta,
        role,
        attachment,
        cube_regions,
        data_key_sets,
    })
}

fn selection(
    ctx: &mut Ctx<'_>,
    node: Node<'_, '_>,
    what: &str,
) -> Result<MemberSelection, StructureError> {
    let mut values = Vec::new();
    for v in children(node, "Value") {
        let cascade = match v.attribute("cascadeValues") {
            None | Some("false") => false,
            Some("true") => true,
            Some("excluderoot") => {
                ctx.warn(
                    v,
                    format!(
                        "{what}: cascadeValues=\"excluderoot\" read as true (the root is kept)"
                    ),
                );
                true
            }
            Some(o) => {
                return Err(ctx.invalid(
                    v,
                    what,
                    format!("cascadeValues={o:?}: use true, false or excluderoot"),
                ));
            }
        };
        values.push(SelectionValue {
            value: text(v),
            cascade,
            valid_from: v.attribute("validFrom").map(str::to_owned),
            valid_to: v.attribute("validTo").map(str::to_owned),
        });
    }
    Ok(MemberSelection {
        component: required(ctx, node, "id", what)?.to_owned(),
        include: bool_attr(ctx, node, "include", what)?.unwrap_or(true),
        values,
        time_range: child(node, "TimeRange")
            .map(|t| time_range(ctx, t, what))
            .transpose()?,
    })
}

fn time_range(ctx: &Ctx<'_>, node: Node<'_, '_>, what: &str) -> Result<TimeRange, StructureError> {
    let bound = |n: Node<'_, '_>| -> Result<TimeRangeBound, StructureError> {
        Ok(TimeRangeBound {
            period: text(n),
            inclusive: bool_attr(ctx, n, "isInclusive", what)?.unwrap_or(true),
        })
    };
    if let Some(b) = child(node, "BeforePeriod") {
        return Ok(TimeRange::Before(bound(b)?));
    }
    if let Some(a) = child(node, "AfterPeriod") {
        return Ok(TimeRange::After(bound(a)?));
    }
    match (child(node, "StartPeriod"), child(node, "EndPeriod")) {
        (Some(s), Some(e)) => Ok(TimeRange::Between {
            start: bound(s)?,
            end: bound(e)?,
        }),
        _ => Err(ctx.invalid(
            node,
            what,
            "TimeRange needs BeforePeriod, AfterPeriod or StartPeriod and EndPeriod".to_owned(),
        )),
    }
}

fn contacts(node: Node<'_, '_>) -> Vec<Contact> {
    children(node, "Contact")
        .map(|c| {
            let all = |name: &'static str| children(c, name).map(text).collect::<Vec<_>>();
            Contact {
                names: names(c, "Name"),
                department: names(c, "Department"),
                role: names(c, "Role"),
                telephones: all("Telephone"),
                emails: all("Email"),
                uris: all("URI"),
            }
        })
        .collect()
}

fn agency_scheme(ctx: &Ctx<'_>, node: Node<'_, '_>) -> Result<AgencyScheme, StructureError> {
    let meta = meta(ctx, node)?;
    let what = meta.reference(ArtefactClass::AgencyScheme).urn();
    let agencies = children(node, "Agency")
        .map(|a| {
            Ok(Agency {
                item: item(ctx, a, &what)?,
                contacts: contacts(a),
            })
        })
        .collect::<Result<_, StructureError>>()?;
    Ok(AgencyScheme { meta, agencies })
}

fn provider_scheme(
    ctx: &Ctx<'_>,
    node: Node<'_, '_>,
) -> Result<DataProviderScheme, StructureError> {
    let meta = meta(ctx, node)?;
    let what = meta.reference(ArtefactClass::DataProviderScheme).urn();
    let providers = children(node, "DataProvider")
        .map(|a| {
            Ok(DataProvider {
                item: item(ctx, a, &what)?,
                contacts: contacts(a),
            })
        })
        .collect::<Result<_, StructureError>>()?;
    Ok(DataProviderScheme { meta, providers })
}

fn provision(ctx: &Ctx<'_>, node: Node<'_, '_>) -> Result<ProvisionAgreement, StructureError> {
    let meta = meta(ctx, node)?;
    let what = meta.reference(ArtefactClass::ProvisionAgreement).urn();
    let missing = |name: &str| {
        ctx.invalid(
            node,
            &what,
            format!("a provision agreement needs a {name} element"),
        )
    };
    let dataflow = child(node, "Dataflow").ok_or_else(|| missing("Dataflow"))?;
    let provider = child(node, "DataProvider").ok_or_else(|| missing("DataProvider"))?;
    Ok(ProvisionAgreement {
        dataflow: artefact_ref(ctx, dataflow, &what)?,
        data_provider: item_ref(ctx, provider, &what)?,
        meta,
    })
}
