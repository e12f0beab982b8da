//! The model → SDMX-JSON 1.0 serde types.

use crate::model::{
    self, ArtefactClass, AttributeRelationship, DimensionKind, Item, LocalisedText,
    MaintainableMeta, MemberSelection, Representation, Structures, TextFormat, TimeRange,
    TimeRangeBound, UsageStatus,
};
use crate::structure::{MessageHeader, StructureError};

use super::types as j;

const FORMAT: &str = "SDMX-JSON 1.0";

fn texts(t: &LocalisedText) -> Option<j::Texts> {
    (!t.is_empty()).then(|| {
        t.iter()
            .map(|(l, v)| (l.to_owned(), v.to_owned()))
            .collect()
    })
}

fn best(t: &LocalisedText) -> Option<String> {
    t.best().map(str::to_owned)
}

fn none_if_empty<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

fn self_link(urn: String) -> Option<Vec<j::Link>> {
    Some(vec![j::Link {
        href: None,
        rel: Some("self".to_owned()),
        urn: Some(urn),
        link_type: None,
    }])
}

fn annotations(list: &[model::Annotation]) -> Option<Vec<j::Annotation>> {
    none_if_empty(
        list.iter()
            .map(|a| j::Annotation {
                id: a.id.clone(),
                title: a.title.clone(),
                annotation_type: a.annotation_type.clone(),
                text: best(&a.text),
                texts: texts(&a.text),
                links: a.url.as_ref().map(|u| {
                    vec![j::Link {
                        href: Some(u.clone()),
                        rel: Some("external".to_owned()),
                        urn: None,
                        link_type: None,
                    }]
                }),
            })
            .collect(),
    )
}

/// Fills the common maintainable fields of any artefact type.
macro_rules! common {
    ($t:ident, $m:expr, $class:expr, { $($field:ident : $value:expr),* $(,)? }) => {{
        let m: &MaintainableMeta = $m;
        j::$t {
            id: m.id.clone(),
            agency_id: m.agency.clone(),
            version: Some(m.version.clone()),
            uri: m.uri.clone(),
            valid_from: m.valid_from.clone(),
            valid_to: m.valid_to.clone(),
            is_external_reference: m.is_external_reference,
            is_final: m.is_final,
            name: best(&m.names),
            names: texts(&m.names),
            description: best(&m.descriptions),
            descriptions: texts(&m.descriptions),
            links: self_link(m.reference($class).urn()),
            annotations: annotations(&m.annotations),
            $($field: $value,)*
        }
    }};
}

macro_rules! item {
    ($t:ident, $i:expr, { $($field:ident : $value:expr),* $(,)? }) => {{
        let i: &Item = $i;
        j::$t {
            id: i.id.clone(),
            name: best(&i.names),
            names: texts(&i.names),
            description: best(&i.descriptions),
            descriptions: texts(&i.descriptions),
            parent: i.parent.clone(),
            links: None,
            annotations: annotations(&i.annotations),
            $($field: $value,)*
        }
    }};
}

fn contacts(list: &[model::Contact]) -> Option<Vec<j::Contact>> {
    none_if_empty(
        list.iter()
            .map(|c| j::Contact {
                name: best(&c.names),
                names: texts(&c.names),
                department: best(&c.department),
                departments: texts(&c.department),
                role: best(&c.role),
                roles: texts(&c.role),
                telephones: none_if_empty(c.telephones.clone()),
                uris: none_if_empty(c.uris.clone()),
                emails: none_if_empty(c.emails.clone()),
            })
            .collect(),
    )
}

/// A facet as a JSON number when it is one exactly, else as text (so `2.50`
/// survives a round trip).
fn num_text(s: &Option<String>) -> Option<j::NumText> {
    s.as_ref().map(|s| match s.parse::<serde_json::Number>() {
        Ok(n) if n.to_string() == *s => j::NumText::Number(n),
        _ => j::NumText::Text(s.clone()),
    })
}

fn text_format(t: &TextFormat) -> j::TextFormat {
    j::TextFormat {
        text_type: t.data_type,
        is_sequence: t.is_sequence,
        interval: num_text(&t.interval),
        start_value: num_text(&t.start_value),
        end_value: num_text(&t.end_value),
        time_interval: t.time_interval.clone(),
        start_time: t.start_time.clone(),
        end_time: t.end_time.clone(),
        min_length: t.min_length,
        max_length: t.max_length,
        min_value: num_text(&t.min_value),
        max_value: num_text(&t.max_value),
        decimals: t.decimals,
        pattern: t.pattern.clone(),
        is_multi_lingual: t.is_multilingual,
    }
}

fn representation(r: &Representation) -> j::Representation {
    j::Representation {
        enumeration: r.enumeration.clone(),
        text_format: r.text_format.as_ref().map(text_format),
        enumeration_format: r.enumeration_format.as_ref().map(text_format),
        min_occurs: r.min_occurs,
        max_occurs: if r.max_unbounded {
            Some(j::NumText::Text("unbounded".to_owned()))
        } else {
            r.max_occurs.map(|m| j::NumText::Number(m.into()))
        },
    }
}

fn component(
    id: &str,
    concept: &Option<model::ItemRef>,
    rep: &Option<Representation>,
    roles: &[model::ItemRef],
    ann: &[model::Annotation],
) -> j::Component {
    j::Component {
        id: id.to_owned(),
        concept_identity: concept.clone(),
        concept_roles: none_if_empty(roles.to_vec()),
        local_representation: rep.as_ref().map(representation),
        annotations: annotations(ann),
        ..Default::default()
    }
}

fn status(u: UsageStatus) -> String {
    match u {
        UsageStatus::Mandatory => "Mandatory",
        UsageStatus::Conditional => "Conditional",
    }
    .to_owned()
}

fn data_structure(d: &model::DataStructure) -> Result<j::DataStructure, StructureError> {
    let urn = d.meta.reference(ArtefactClass::DataStructure).urn();
    if d.measures.len() > 1 {
        return Err(StructureError::Unsupported {
            artefact: urn,
            format: FORMAT,
            message: format!(
                "{} measures; SDMX-JSON 1.0 has a single primary measure (write SDMX-ML 3.0 instead)",
                d.measures.len()
            ),
        });
    }
    let mut dims = Vec::new();
    let mut times = Vec::new();
    for dim in &d.dimensions {
        let mut c = component(
            &dim.id,
            &dim.concept,
            &dim.representation,
            &dim.roles,
            &dim.annotations,
        );
        c.position = Some(dim.position);
        c.component_type = Some(
            match dim.kind {
                DimensionKind::Dimension => "Dimension",
                DimensionKind::Measure => "MeasureDimension",
                DimensionKind::Time => "TimeDimension",
            }
            .to_owned(),
        );
        if dim.kind == DimensionKind::Time {
            times.push(c);
        } else {
            dims.push(c);
        }
    }
    let attributes = d
        .attributes
        .iter()
        .map(|a| {
            let mut c = component(
                &a.id,
                &a.concept,
                &a.representation,
                &a.roles,
                &a.annotations,
            );
            c.assignment_status = Some(status(a.usage));
            let mut rel = j::AttributeRelationship::default();
            match &a.relationship {
                AttributeRelationship::None | AttributeRelationship::Dataflow => {
                    rel.none = Some(j::IgnoredAnyObject {});
                }
                AttributeRelationship::Dimensions {
                    dimensions,
                    attachment_groups,
                } => {
                    rel.dimensions = Some(dimensions.clone());
                    rel.attachment_groups = none_if_empty(attachment_groups.clone());
                }
                AttributeRelationship::Group(g) => rel.group = Some(g.clone()),
                AttributeRelationship::Observation => {
                    rel.primary_measure = Some(
                        d.measures
                            .first()
                            .map_or_else(|| "OBS_VALUE".to_owned(), |m| m.id.clone()),
                    );
                }
            }
            c.attribute_relationship = Some(rel);
            c.measure_relationship = none_if_empty(a.measures.clone());
            c
        })
        .collect::<Vec<_>>();
    let primary = d.measures.first().map(|m| {
        let mut c = component(
            &m.id,
            &m.concept,
            &m.representation,
            &m.roles,
            &m.annotations,
        );
        // 1.0 has no usage on the primary measure: only a mandatory one is marked.
        if m.usage == UsageStatus::Mandatory {
            c.assignment_status = Some(status(m.usage));
        }
        c
    });
    Ok(
        common!(DataStructure, &d.meta, ArtefactClass::DataStructure, {
            data_structure_components: Some(j::Components {
                attribute_list: (!attributes.is_empty()).then(|| j::AttributeList {
                    id: Some("AttributeDescriptor".to_owned()),
                    attributes: Some(attributes),
                }),
                dimension_list: Some(j::DimensionList {
                    id: Some("DimensionDescriptor".to_owned()),
                    dimensions: Some(dims),
                    measure_dimensions: None,
                    time_dimensions: none_if_empty(times),
                    time_dimension: None,
                }),
                groups: none_if_empty(
                    d.groups
                        .iter()
                        .map(|g| j::GroupJson {
                            id: g.id.clone(),
                            group_dimensions: none_if_empty(g.dimensions.clone()),
                            attachment_constraint: g.attachment_constraint.clone(),
                            annotations: annotations(&g.annotations),
                        })
                        .collect(),
                ),
                measure_list: primary.map(|p| j::MeasureList {
                    id: Some("MeasureDescriptor".to_owned()),
                    primary_measure: Some(p),
                }),
            }),
        }),
    )
}

fn period(b: &TimeRangeBound) -> j::Period {
    j::Period {
        period: b.period.clone(),
        is_inclusive: b.inclusive,
    }
}

fn selection(s: &MemberSelection) -> j::Selection {
    j::Selection {
        id: s.component.clone(),
        include: (!s.include).then_some(false),
        values: none_if_empty(
            s.values
                .iter()
                .map(|v| {
                    if !v.cascade && v.valid_from.is_none() && v.valid_to.is_none() {
                        j::Value::Plain(v.value.clone())
                    } else {
                        j::Value::Detailed(j::DetailedValue {
                            value: v.value.clone(),
                            cascade_values: v.cascade.then_some(true),
                            valid_from: v.valid_from.clone(),
                            valid_to: v.valid_to.clone(),
                        })
                    }
                })
                .collect(),
        ),
        time_range: s.time_range.as_ref().map(|t| {
            let mut r = j::TimeRangeJson::default();
            match t {
                TimeRange::Before(b) => r.before_period = Some(period(b)),
                TimeRange::After(b) => r.after_period = Some(period(b)),
                TimeRange::Between { start, end } => {
                    r.start_period = Some(period(start));
                    r.end_period = Some(period(end));
                }
            }
            r
        }),
    }
}

pub(super) fn convert(s: &Structures, h: &MessageHeader) -> Result<j::Message, StructureError> {
    let data = j::Data {
        agency_schemes: none_if_empty(
            s.agency_schemes
                .iter()
                .map(|a| {
                    common!(AgencyScheme, &a.meta, ArtefactClass::AgencyScheme, {
                        is_partial: None,
                        agencies: Some(a.agencies.iter().map(|ag| item!(Organisation, &ag.item, {
                            contacts: contacts(&ag.contacts),
                        })).collect()),
                    })
                })
                .collect(),
        ),
        data_provider_schemes: none_if_empty(
            s.data_provider_schemes
                .iter()
                .map(|p| {
                    common!(DataProviderScheme, &p.meta, ArtefactClass::DataProviderScheme, {
                        is_partial: None,
                        data_providers: Some(p.providers.iter().map(|dp| item!(Organisation, &dp.item, {
                            contacts: contacts(&dp.contacts),
                        })).collect()),
                    })
                })
                .collect(),
        ),
        codelists: none_if_empty(
            s.codelists
                .iter()
                .map(|c| {
                    common!(Codelist, &c.meta, ArtefactClass::Codelist, {
                        is_partial: c.is_partial,
                        codes: Some(c.codes.iter().map(|code| item!(Code, code, {})).collect()),
                    })
                })
                .collect(),
        ),
        concept_schemes: none_if_empty(
            s.concept_schemes
                .iter()
                .map(|cs| {
                    common!(ConceptScheme, &cs.meta, ArtefactClass::ConceptScheme, {
                        is_partial: None,
                        concepts: Some(cs.concepts.iter().map(|c| item!(Concept, &c.item, {
                            core_representation: c.core_representation.as_ref().map(representation),
                        })).collect()),
                    })
                })
                .collect(),
        ),
        data_structures: none_if_empty(
            s.data_structures
                .iter()
                .map(data_structure)
                .collect::<Result<_, _>>()?,
        ),
        dataflows: none_if_empty(
            s.dataflows
                .iter()
                .map(|d| {
                    common!(Dataflow, &d.meta, ArtefactClass::Dataflow, {
                        structure: d.structure.clone(),
                    })
                })
                .collect(),
        ),
        content_constraints: none_if_empty(
            s.constraints
                .iter()
                .map(|c| {
                    let a = &c.attachment;
                    common!(ContentConstraint, &c.meta, ArtefactClass::ContentConstraint, {
                        constraint_type: Some(match c.role {
                            model::ConstraintRole::Allowed => "Allowed",
                            model::ConstraintRole::Actual => "Actual",
                        }.to_owned()),
                        constraint_attachment: (!a.is_empty()).then(|| j::ConstraintAttachment {
                            data_provider: a.data_provider.clone(),
                            simple_data_sources: none_if_empty(a.simple_data_sources.clone()),
                            data_structures: none_if_empty(a.data_structures.clone()),
                            dataflows: none_if_empty(a.dataflows.clone()),
                            provision_agreements: none_if_empty(a.provision_agreements.clone()),
                        }),
                        cube_regions: none_if_empty(c.cube_regions.iter().map(|r| j::CubeRegion {
                            is_included: Some(r.include),
                            key_values: none_if_empty(r.key_values.iter().map(selection).collect()),
                            attributes: none_if_empty(r.attributes.iter().map(selection).collect()),
                        }).collect()),
                        data_key_sets: none_if_empty(c.data_key_sets.iter().map(|ks| j::DataKeySet {
                            is_included: ks.included,
                            keys: ks.keys.iter().map(|k| j::Key {
                                include: (!k.include).then_some(false),
                                key_values: k.values.iter().map(|(id, v)| j::KeyValue {
                                    id: id.clone(),
                                    value: v.clone(),
                                }).collect(),
                            }).collect(),
                        }).collect()),
                    })
                })
                .collect(),
        ),
        provision_agreements: none_if_empty(
            s.provision_agreements
                .iter()
                .map(|p| {
                    common!(ProvisionAgreement, &p.meta, ArtefactClass::ProvisionAgreement, {
                        dataflow: Some(p.dataflow.clone()),
                        data_provider: Some(p.data_provider.clone()),
                    })
                })
                .collect(),
        ),
        ..Default::default()
    };
    Ok(j::Message {
        meta: Some(j::Meta {
            schema: Some(
                "https://raw.githubusercontent.com/sdmx-twg/sdmx-json/develop/structure-message/tools/schemas/1.0/sdmx-json-structure-schema.json"
                    .to_owned(),
            ),
            id: Some(h.id.clone()),
            test: Some(h.test),
            prepared: Some(h.prepared.clone()),
            content_languages: None,
            sender: Some(j::Party {
                id: h.sender.clone(),
            }),
        }),
        data: Some(data),
    })
}
