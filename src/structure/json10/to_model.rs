//! SDMX-JSON 1.0 serde types → the model.

use crate::model::{
    self, Agency, AgencyScheme, ArtefactClass, Attribute, AttributeRelationship, Codelist, Concept,
    ConceptScheme, ConstraintAttachment, ConstraintRole, ContentConstraint, CubeRegion, DataKey,
    DataKeySet, DataProvider, DataProviderScheme, DataStructure, Dataflow, Dimension,
    DimensionKind, Group, Item, LocalisedText, MaintainableMeta, Measure, MemberSelection,
    ProvisionAgreement, Representation, SelectionValue, Structures, TextFormat, TimeRange,
    TimeRangeBound, UsageStatus, Version,
};
use crate::structure::{Location, ReadOutcome, StructureError, Warning};

use super::types as j;

/// Conversion state: where the text is, for locating artefacts in errors.
struct Ctx<'t> {
    text: &'t str,
    source: &'t str,
    lang: String,
    warnings: Vec<Warning>,
}

impl Ctx<'_> {
    /// Where `"id"` first appears in the text: serde no longer knows positions
    /// once the message is parsed, so errors point at the artefact's id.
    fn locate(&self, id: &str) -> Location {
        let needle = format!("\"{id}\"");
        match self.text.find(&needle) {
            Some(at) => {
                let before = &self.text[..at];
                let line = before.matches('\n').count() + 1;
                let column = at - before.rfind('\n').map_or(0, |p| p + 1) + 1;
                Location::new(
                    self.source,
                    u32::try_from(line).unwrap_or(u32::MAX),
                    u32::try_from(column).unwrap_or(u32::MAX),
                )
            }
            None => Location::file(self.source),
        }
    }

    fn invalid(&self, id: &str, artefact: String, message: String) -> StructureError {
        StructureError::Invalid {
            location: self.locate(id),
            artefact,
            message,
        }
    }

    /// Localised texts from the `names` map, else the single best-language `name`.
    fn texts(&self, map: Option<j::Texts>, single: Option<String>) -> LocalisedText {
        match map {
            Some(m) if !m.is_empty() => LocalisedText(m.into_iter().collect()),
            _ => single
                .map(|s| LocalisedText(vec![(self.lang.clone(), s)]))
                .unwrap_or_default(),
        }
    }
}

pub(super) fn convert(
    message: j::Message,
    text: &str,
    source: &str,
) -> Result<ReadOutcome, StructureError> {
    let lang = message
        .meta
        .as_ref()
        .and_then(|m| m.content_languages.as_ref())
        .and_then(|l| l.first().cloned())
        .unwrap_or_else(|| "en".to_owned());
    let mut ctx = Ctx {
        text,
        source,
        lang,
        warnings: Vec::new(),
    };
    let mut s = Structures::default();
    let Some(data) = message.data else {
        return Err(StructureError::NotAStructureMessage {
            location: Location::new(source, 1, 1),
            message: "an SDMX-JSON structure message has a \"data\" object holding the artefacts"
                .to_owned(),
        });
    };
    if data.data_sets.is_some() {
        return Err(StructureError::NotAStructureMessage {
            location: ctx.locate("dataSets"),
            message:
                "this is an SDMX-JSON data message (it has \"dataSets\"); give a structure message"
                    .to_owned(),
        });
    }
    for (name, skipped) in [
        ("categorySchemes", &data.category_schemes),
        ("categorisations", &data.categorisations),
        ("hierarchicalCodelists", &data.hierarchical_codelists),
        ("metadataStructures", &data.metadata_structures),
        ("metadataflows", &data.metadataflows),
        ("structureSets", &data.structure_sets),
        ("processes", &data.processes),
        ("reportingTaxonomies", &data.reporting_taxonomies),
        ("dataConsumerSchemes", &data.data_consumer_schemes),
        ("organisationUnitSchemes", &data.organisation_unit_schemes),
        ("attachmentConstraints", &data.attachment_constraints),
    ] {
        if let Some(list) = skipped.as_ref().filter(|l| !l.is_empty()) {
            let location = ctx.locate(name);
            ctx.warnings.push(Warning {
                location,
                message: format!(
                    "{} {name} skipped: the gateway does not use this artefact type",
                    list.len()
                ),
            });
        }
    }
    for a in data.agency_schemes.unwrap_or_default() {
        let meta = meta(&ctx, ArtefactClass::AgencyScheme, &a)?;
        let agencies = a
            .agencies
            .unwrap_or_default()
            .into_iter()
            .map(|mut o| {
                let contacts = contacts(&ctx, o.contacts.take().unwrap_or_default());
                Agency {
                    item: org_item(&ctx, o),
                    contacts,
                }
            })
            .collect();
        s.agency_schemes.push(AgencyScheme { meta, agencies });
    }
    for p in data.data_provider_schemes.unwrap_or_default() {
        let meta = meta(&ctx, ArtefactClass::DataProviderScheme, &p)?;
        let providers = p
            .data_providers
            .unwrap_or_default()
            .into_iter()
            .map(|mut o| {
                let contacts = contacts(&ctx, o.contacts.take().unwrap_or_default());
                DataProvider {
                    item: org_item(&ctx, o),
                    contacts,
                }
            })
            .collect();
        s.data_provider_schemes
            .push(DataProviderScheme { meta, providers });
    }
    for c in data.codelists.unwrap_or_default() {
        let meta = meta(&ctx, ArtefactClass::Codelist, &c)?;
        let codes = c
            .codes
            .unwrap_or_default()
            .into_iter()
            .map(|code| Item {
                id: code.id,
                names: ctx.texts(code.names, code.name),
                descriptions: ctx.texts(code.descriptions, code.description),
                parent: code.parent,
                annotations: annotations(&ctx, code.annotations),
            })
            .collect();
        s.codelists.push(Codelist {
            meta,
            is_partial: c.is_partial,
            codes,
        });
    }
    for cs in data.concept_schemes.unwrap_or_default() {
        let meta = meta(&ctx, ArtefactClass::ConceptScheme, &cs)?;
        let concepts = cs
            .concepts
            .unwrap_or_default()
            .into_iter()
            .map(|c| Concept {
                core_representation: c.core_representation.map(representation),
                item: Item {
                    id: c.id,
                    names: ctx.texts(c.names, c.name),
                    descriptions: ctx.texts(c.descriptions, c.description),
                    parent: c.parent,
                    annotations: annotations(&ctx, c.annotations),
                },
            })
            .collect();
        s.concept_schemes.push(ConceptScheme { meta, concepts });
    }
    for d in data.data_structures.unwrap_or_default() {
        let dsd = data_structure(&mut ctx, d)?;
        s.data_structures.push(dsd);
    }
    for df in data.dataflows.unwrap_or_default() {
        let meta = meta(&ctx, ArtefactClass::Dataflow, &df)?;
        s.dataflows.push(Dataflow {
            meta,
            structure: df.structure,
        });
    }
    for c in data.content_constraints.unwrap_or_default() {
        let cc = constraint(&ctx, c)?;
        s.constraints.push(cc);
    }
    for p in data.provision_agreements.unwrap_or_default() {
        let meta = meta(&ctx, ArtefactClass::ProvisionAgreement, &p)?;
        let urn = meta.reference(ArtefactClass::ProvisionAgreement).urn();
        let (Some(dataflow), Some(data_provider)) = (p.dataflow, p.data_provider) else {
            return Err(ctx.invalid(
                &p.id,
                urn,
                "a provision agreement needs \"dataflow\" and \"dataProvider\" URNs".to_owned(),
            ));
        };
        s.provision_agreements.push(ProvisionAgreement {
            meta,
            dataflow,
            data_provider,
        });
    }
    Ok(ReadOutcome {
        structures: s,
        warnings: ctx.warnings,
    })
}

/// Access to the common maintainable fields of every artefact type.
trait Common {
    fn common(&self) -> CommonRef<'_>;
}

struct CommonRef<'a> {
    id: &'a str,
    agency: &'a str,
    version: &'a Option<Version>,
    uri: &'a Option<String>,
    valid_from: &'a Option<String>,
    valid_to: &'a Option<String>,
    is_external_reference: Option<bool>,
    is_final: Option<bool>,
    name: &'a Option<String>,
    names: &'a Option<j::Texts>,
    description: &'a Option<String>,
    descriptions: &'a Option<j::Texts>,
    annotations: &'a Option<Vec<j::Annotation>>,
}

macro_rules! impl_common {
    ($($t:ident),*) => {$(
        impl Common for j::$t {
            fn common(&self) -> CommonRef<'_> {
                CommonRef {
                    id: &self.id,
                    agency: &self.agency_id,
                    version: &self.version,
                    uri: &self.uri,
                    valid_from: &self.valid_from,
                    valid_to: &self.valid_to,
                    is_external_reference: self.is_external_reference,
                    is_final: self.is_final,
                    name: &self.name,
                    names: &self.names,
                    description: &self.description,
                    descriptions: &self.descriptions,
                    annotations: &self.annotations,
                }
            }
        }
    )*};
}

impl_common!(
    AgencyScheme,
    DataProviderScheme,
    Codelist,
    ConceptScheme,
    DataStructure,
    Dataflow,
    ContentConstraint,
    ProvisionAgreement
);

fn meta(
    ctx: &Ctx<'_>,
    class: ArtefactClass,
    a: &impl Common,
) -> Result<MaintainableMeta, StructureError> {
    let c = a.common();
    let version = c.version.clone().unwrap_or_else(Version::one);
    let short = format!("{}:{}({version})", c.agency, c.id);
    if !crate::model::ArtefactRef::parse_short(class, &short).is_ok_and(|r| r.id == c.id) {
        return Err(ctx.invalid(
            c.id,
            format!("{class} {short}"),
            "\"id\" and \"agencyID\" must be SDMX identifiers (letters, digits, _ @ $ -)"
                .to_owned(),
        ));
    }
    let names = ctx.texts(c.names.clone(), c.name.clone());
    if names.is_empty() {
        return Err(ctx.invalid(
            c.id,
            format!("{class} {short}"),
            "no \"name\" or \"names\": SDMX requires a name; add one".to_owned(),
        ));
    }
    Ok(MaintainableMeta {
        agency: c.agency.to_owned(),
        id: c.id.to_owned(),
        version,
        names,
        descriptions: ctx.texts(c.descriptions.clone(), c.description.clone()),
        annotations: annotations(ctx, c.annotations.clone()),
        is_final: c.is_final,
        is_external_reference: c.is_external_reference,
        uri: c.uri.clone(),
        valid_from: c.valid_from.clone(),
        valid_to: c.valid_to.clone(),
    })
}

fn annotations(ctx: &Ctx<'_>, list: Option<Vec<j::Annotation>>) -> Vec<model::Annotation> {
    list.unwrap_or_default()
        .into_iter()
        .map(|a| model::Annotation {
            id: a.id,
            title: a.title,
            annotation_type: a.annotation_type,
            url: a.links.and_then(|l| l.into_iter().find_map(|l| l.href)),
            text: ctx.texts(a.texts, a.text),
        })
        .collect()
}

fn org_item(ctx: &Ctx<'_>, o: j::Organisation) -> Item {
    Item {
        id: o.id,
        names: ctx.texts(o.names, o.name),
        descriptions: ctx.texts(o.descriptions, o.description),
        parent: o.parent,
        annotations: annotations(ctx, o.annotations),
    }
}

fn contacts(ctx: &Ctx<'_>, list: Vec<j::Contact>) -> Vec<model::Contact> {
    list.into_iter()
        .map(|c| model::Contact {
            names: ctx.texts(c.names, c.name),
            department: ctx.texts(c.departments, c.department),
            role: ctx.texts(c.roles, c.role),
            telephones: c.telephones.unwrap_or_default(),
            emails: c.emails.unwrap_or_default(),
            uris: c.uris.unwrap_or_default(),
        })
        .collect()
}

fn num_text(n: j::NumText) -> String {
    match n {
        j::NumText::Number(n) => n.to_string(),
        j::NumText::Text(t) => t,
    }
}

fn text_format(t: j::TextFormat) -> TextFormat {
    TextFormat {
        data_type: t.text_type,
        is_sequence: t.is_sequence,
        interval: t.interval.map(num_text),
        start_value: t.start_value.map(num_text),
        end_value: t.end_value.map(num_text),
        time_interval: t.time_interval,
        start_time: t.start_time,
        end_time: t.end_time,
        min_length: t.min_length,
        max_length: t.max_length,
        min_value: t.min_value.map(num_text),
        max_value: t.max_value.map(num_text),
        decimals: t.decimals,
        pattern: t.pattern,
        is_multilingual: t.is_multi_lingual,
    }
}

fn representation(r: j::Representation) -> Representation {
    let (max_occurs, max_unbounded) = match r.max_occurs {
        Some(j::NumText::Text(t)) if t == "unbounded" => (None, true),
        Some(n) => (num_text(n).parse().ok(), false),
        None => (None, false),
    };
    Representation {
        enumeration: r.enumeration,
        text_format: r.text_format.map(text_format),
        enumeration_format: r.enumeration_format.map(text_format),
        min_occurs: r.min_occurs,
        max_occurs,
        max_unbounded,
    }
}

fn data_structure(ctx: &mut Ctx<'_>, d: j::DataStructure) -> Result<DataStructure, StructureError> {
    let meta = meta(ctx, ArtefactClass::DataStructure, &d)?;
    let urn = meta.reference(ArtefactClass::DataStructure).urn();
    let mut dsd = DataStructure {
        meta,
        dimensions: Vec::new(),
        attributes: Vec::new(),
        measures: Vec::new(),
        groups: Vec::new(),
        metadata_structure: None,
    };
    let Some(comps) = d.data_structure_components else {
        return Ok(dsd);
    };
    if let Some(list) = comps.dimension_list {
        let mut all: Vec<(j::Component, Option<DimensionKind>)> = Vec::new();
        all.extend(
            list.dimensions
                .unwrap_or_default()
                .into_iter()
                .map(|c| (c, None)),
        );
        all.extend(
            list.measure_dimensions
                .unwrap_or_default()
                .into_iter()
                .map(|c| (c, Some(DimensionKind::Measure))),
        );
        all.extend(
            list.time_dimensions
                .unwrap_or_default()
                .into_iter()
                .chain(list.time_dimension)
                .map(|c| (c, Some(DimensionKind::Time))),
        );
        for (c, listed) in all {
            let kind = match (listed, c.component_type.as_deref()) {
                (Some(k), _) => k,
                (None, Some("TimeDimension")) => DimensionKind::Time,
                (None, Some("MeasureDimension")) => DimensionKind::Measure,
                (None, _) => DimensionKind::Dimension,
            };
            let position = c
                .position
                .unwrap_or_else(|| u32::try_from(dsd.dimensions.len() + 1).unwrap_or(u32::MAX));
            dsd.dimensions.push(Dimension {
                id: c.id,
                position,
                kind,
                concept: c.concept_identity,
                representation: c.local_representation.map(representation),
                roles: c.concept_roles.unwrap_or_default(),
                annotations: annotations(ctx, c.annotations),
            });
        }
        // Positions decide the key order, whatever order the lists came in.
        dsd.dimensions
            .sort_by_key(|d| (d.kind == DimensionKind::Time, d.position));
    }
    for g in comps.groups.unwrap_or_default() {
        dsd.groups.push(Group {
            id: g.id,
            dimensions: g.group_dimensions.unwrap_or_default(),
            attachment_constraint: g.attachment_constraint,
            annotations: annotations(ctx, g.annotations),
        });
    }
    if let Some(list) = comps.attribute_list {
        for a in list.attributes.unwrap_or_default() {
            let usage = match a.assignment_status.as_deref() {
                Some("Mandatory") => UsageStatus::Mandatory,
                Some("Conditional") | None => UsageStatus::Conditional,
                Some(other) => {
                    return Err(ctx.invalid(
                        &a.id,
                        format!("{urn} attribute {}", a.id),
                        format!("assignmentStatus {other:?}: use Mandatory or Conditional"),
                    ));
                }
            };
            let relationship = match a.attribute_relationship {
                None => AttributeRelationship::None,
                Some(r) => {
                    if let Some(dims) = r.dimensions {
                        AttributeRelationship::Dimensions {
                            dimensions: dims,
                            attachment_groups: r.attachment_groups.unwrap_or_default(),
                        }
                    } else if let Some(g) = r.group {
                        AttributeRelationship::Group(g)
                    } else if r.primary_measure.is_some() || r.observation.is_some() {
                        AttributeRelationship::Observation
                    } else {
                        AttributeRelationship::None
                    }
                }
            };
            dsd.attributes.push(Attribute {
                id: a.id,
                concept: a.concept_identity,
                representation: a.local_representation.map(representation),
                usage,
                relationship,
                measures: a.measure_relationship.unwrap_or_default(),
                roles: a.concept_roles.unwrap_or_default(),
                annotations: annotations(ctx, a.annotations),
            });
        }
    }
    if let Some(m) = comps.measure_list.and_then(|l| l.primary_measure) {
        dsd.measures.push(Measure {
            id: m.id,
            concept: m.concept_identity,
            representation: m.local_representation.map(representation),
            usage: match m.assignment_status.as_deref() {
                Some("Mandatory") => UsageStatus::Mandatory,
                _ => UsageStatus::Conditional,
            },
            roles: m.concept_roles.unwrap_or_default(),
            annotations: annotations(ctx, m.annotations),
        });
    }
    Ok(dsd)
}

fn selection(s: j::Selection) -> MemberSelection {
    let bound = |p: j::Period| TimeRangeBound {
        period: p.period,
        inclusive: p.is_inclusive,
    };
    let time_range = s.time_range.and_then(|t| {
        if let Some(b) = t.before_period {
            Some(TimeRange::Before(bound(b)))
        } else if let Some(a) = t.after_period {
            Some(TimeRange::After(bound(a)))
        } else {
            match (t.start_period, t.end_period) {
                (Some(s), Some(e)) => Some(TimeRange::Between {
                    start: bound(s),
                    end: bound(e),
                }),
                (Some(s), None) => Some(TimeRange::After(bound(s))),
                (None, Some(e)) => Some(TimeRange::Before(bound(e))),
                (None, None) => None,
            }
        }
    });
    MemberSelection {
        component: s.id,
        include: s.include.unwrap_or(true),
        values: s
            .values
            .unwrap_or_default()
            .into_iter()
            .map(|v| match v {
                j::Value::Plain(v) => SelectionValue::new(v),
                j::Value::Detailed(d) => SelectionValue {
                    value: d.value,
                    cascade: d.cascade_values.unwrap_or(false),
                    valid_from: d.valid_from,
                    valid_to: d.valid_to,
                },
            })
            .collect(),
        time_range,
    }
}

fn constraint(ctx: &Ctx<'_>, c: j::ContentConstraint) -> Result<ContentConstraint, StructureError> {
    let meta = meta(ctx, ArtefactClass::ContentConstraint, &c)?;
    let role = match c.constraint_type.as_deref() {
        Some("Allowed") => ConstraintRole::Allowed,
        Some("Actual") => ConstraintRole::Actual,
        other => {
            return Err(ctx.invalid(
                &c.id,
                meta.reference(ArtefactClass::ContentConstraint).urn(),
                format!(
                    "\"type\": {other:?}; a content constraint needs \"Allowed\" or \"Actual\""
                ),
            ));
        }
    };
    let attachment = c
        .constraint_attachment
        .map(|a| ConstraintAttachment {
            data_structures: a.data_structures.unwrap_or_default(),
            dataflows: a.dataflows.unwrap_or_default(),
            provision_agreements: a.provision_agreements.unwrap_or_default(),
            data_provider: a.data_provider,
            simple_data_sources: a.simple_data_sources.unwrap_or_default(),
        })
        .unwrap_or_default();
    Ok(ContentConstraint {
        meta,
        role,
        attachment,
        cube_regions: c
            .cube_regions
            .unwrap_or_default()
            .into_iter()
            .map(|r| CubeRegion {
                include: r.is_included.unwrap_or(true),
                key_values: r
                    .key_values
                    .unwrap_or_default()
                    .into_iter()
                    .map(selection)
                    .collect(),
                attributes: r
                    .attributes
                    .unwrap_or_default()
                    .into_iter()
                    .map(selection)
                    .collect(),
            })
            .collect(),
        data_key_sets: c
            .data_key_sets
            .unwrap_or_default()
            .into_iter()
            .map(|ks| DataKeySet {
                included: ks.is_included,
                keys: ks
                    .keys
                    .into_iter()
                    .map(|k| DataKey {
                        include: k.include.unwrap_or(true),
                        values: k
                            .key_values
                            .into_iter()
                            .map(|kv| (kv.id, kv.value))
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
    })
}
