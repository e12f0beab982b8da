//! `str:DataStructure`: dimensions, attributes, the primary measure and groups.

use roxmltree::Node;

use super::Ctx;
use super::common::{
    annotations, item_ref, local_ref_id, maintainable, maintainable_ref, representation,
};
use crate::model::{
    ArtefactClass, Attribute, AttributeRelationship, DataStructure, Dimension, DimensionKind,
    Group, ItemRef, Measure, Representation, UsageStatus,
};
use crate::structure::StructureError;
use crate::structure::xml_util::{child, children, elements, is};
use crate::structure::xml21::STR;

/// The parts every component shares.
struct Component {
    id: String,
    concept: Option<ItemRef>,
    representation: Option<Representation>,
    roles: Vec<ItemRef>,
}

/// Reads what every component has; the id defaults to the concept's id, as the
/// schema allows.
fn component(
    ctx: &mut Ctx<'_>,
    node: Node<'_, '_>,
    label: &str,
) -> Result<Component, StructureError> {
    let concept = match child(node, STR, "ConceptIdentity") {
        Some(c) => Some(item_ref(ctx, c, ArtefactClass::ConceptScheme, label)?),
        None => None,
    };
    let id = match (node.attribute("id"), &concept) {
        (Some(id), _) => id.to_owned(),
        (None, Some(c)) => c.item_id.clone(),
        (None, None) => {
            return Err(ctx.err(
                node,
                label,
                format!(
                    "<{}> has neither an id nor a ConceptIdentity; add an id",
                    node.tag_name().name()
                ),
            ));
        }
    };
    let here = format!("{label}.{id}");
    let representation = match child(node, STR, "LocalRepresentation") {
        Some(r) => Some(representation(ctx, r, &here)?),
        None => None,
    };
    let roles = children(node, STR, "ConceptRole")
        .map(|r| item_ref(ctx, r, ArtefactClass::ConceptScheme, &here))
        .collect::<Result<_, _>>()?;
    ctx.skip_unknown(
        node,
        &[
            "Annotations",
            "ConceptIdentity",
            "LocalRepresentation",
            "ConceptRole",
            "AttributeRelationship",
        ],
        &here,
    );
    Ok(Component {
        id,
        concept,
        representation,
        roles,
    })
}

/// Reads one DSD.
pub(super) fn read(ctx: &mut Ctx<'_>, node: Node<'_, '_>) -> Result<DataStructure, StructureError> {
    let (meta, label) = maintainable(ctx, node, ArtefactClass::DataStructure)?;
    let mut dsd = DataStructure {
        meta,
        dimensions: Vec::new(),
        attributes: Vec::new(),
        measures: Vec::new(),
        groups: Vec::new(),
        metadata_structure: None,
    };
    ctx.skip_unknown(node, &["DataStructureComponents"], &label);
    let Some(components) = child(node, STR, "DataStructureComponents") else {
        return Ok(dsd);
    };
    for part in elements(components) {
        match part.tag_name().name() {
            "DimensionList" if is(part, STR, "DimensionList") => {
                dimensions(ctx, part, &label, &mut dsd)?
            }
            "Group" if is(part, STR, "Group") => dsd.groups.push(group(ctx, part, &label)?),
            "AttributeList" if is(part, STR, "AttributeList") => {
                for a in elements(part) {
                    if is(a, STR, "Attribute") {
                        dsd.attributes.push(attribute(ctx, a, &label)?);
                    } else if a.tag_name().name() != "Annotations" {
                        ctx.warn(
                            a,
                            format!(
                                "skipped <{}> in {label}: the gateway does not use it",
                                a.tag_name().name()
                            ),
                        );
                    }
                }
            }
            "MeasureList" if is(part, STR, "MeasureList") => {
                for m in children(part, STR, "PrimaryMeasure") {
                    let c = component(ctx, m, &label)?;
                    dsd.measures.push(Measure {
                        id: c.id,
                        concept: c.concept,
                        representation: c.representation,
                        usage: UsageStatus::Conditional,
                        roles: c.roles,
                        annotations: annotations(m),
                    });
                }
                ctx.skip_unknown(part, &["Annotations", "PrimaryMeasure"], &label);
            }
            "Annotations" => {}
            other => ctx.warn(
                part,
                format!("skipped <{other}> in {label}: the gateway does not use it"),
            ),
        }
    }
    Ok(dsd)
}

/// The `DimensionList`: dimensions in position order, time last.
fn dimensions(
    ctx: &mut Ctx<'_>,
    list: Node<'_, '_>,
    label: &str,
    dsd: &mut DataStructure,
) -> Result<(), StructureError> {
    for (index, d) in elements(list).enumerate() {
        let kind = match d.tag_name().name() {
            "Dimension" => DimensionKind::Dimension,
            "MeasureDimension" => DimensionKind::Measure,
            "TimeDimension" => DimensionKind::Time,
            "Annotations" => continue,
            other => {
                ctx.warn(
                    d,
                    format!("skipped <{other}> in {label}: the gateway does not use it"),
                );
                continue;
            }
        };
        let c = component(ctx, d, label)?;
        let position = match d.attribute("position") {
            None => index as u32 + 1,
            Some(p) => p.trim().parse().map_err(|_| {
                ctx.err(
                    d,
                    &format!("{label}.{}", c.id),
                    format!("position={p:?} must be a positive integer"),
                )
            })?,
        };
        dsd.dimensions.push(Dimension {
            id: c.id,
            position,
            kind,
            concept: c.concept,
            representation: c.representation,
            roles: c.roles,
            annotations: annotations(d),
        });
    }
    // Time comes last whatever its position says; the others by position.
    dsd.dimensions
        .sort_by_key(|d| (d.kind == DimensionKind::Time, d.position));
    Ok(())
}

/// One `Attribute` with its assignment status and relationship.
fn attribute(
    ctx: &mut Ctx<'_>,
    node: Node<'_, '_>,
    label: &str,
) -> Result<Attribute, StructureError> {
    let c = component(ctx, node, label)?;
    let here = format!("{label}.{}", c.id);
    let usage = match node.attribute("assignmentStatus") {
        Some("Mandatory") => UsageStatus::Mandatory,
        Some("Conditional") => UsageStatus::Conditional,
        other => {
            return Err(ctx.err(
                node,
                &here,
                format!("assignmentStatus={other:?}: expected Mandatory or Conditional"),
            ));
        }
    };
    let relationship = match child(node, STR, "AttributeRelationship") {
        None => AttributeRelationship::None,
        Some(r) => relationship(ctx, r, &here)?,
    };
    Ok(Attribute {
        id: c.id,
        concept: c.concept,
        representation: c.representation,
        usage,
        relationship,
        measures: Vec::new(),
        roles: c.roles,
        annotations: annotations(node),
    })
}

/// An `AttributeRelationship`.
fn relationship(
    ctx: &mut Ctx<'_>,
    node: Node<'_, '_>,
    label: &str,
) -> Result<AttributeRelationship, StructureError> {
    if child(node, STR, "None").is_some() {
        return Ok(AttributeRelationship::None);
    }
    if child(node, STR, "PrimaryMeasure").is_some() {
        return Ok(AttributeRelationship::Observation);
    }
    if let Some(g) = child(node, STR, "Group") {
        if child(node, STR, "Dimension").is_none() {
            return Ok(AttributeRelationship::Group(local_ref_id(ctx, g, label)?));
        }
    }
    let dimensions = children(node, STR, "Dimension")
        .map(|d| local_ref_id(ctx, d, label))
        .collect::<Result<Vec<_>, _>>()?;
    let attachment_groups = children(node, STR, "AttachmentGroup")
        .map(|d| local_ref_id(ctx, d, label))
        .collect::<Result<Vec<_>, _>>()?;
    if dimensions.is_empty() {
        return Err(ctx.err(
            node,
            label,
            "AttributeRelationship names no None, Dimension, Group or PrimaryMeasure; give one",
        ));
    }
    ctx.skip_unknown(node, &["Dimension", "AttachmentGroup"], label);
    Ok(AttributeRelationship::Dimensions {
        dimensions,
        attachment_groups,
    })
}

/// One `Group`: dimension references or an attachment constraint.
fn group(ctx: &mut Ctx<'_>, node: Node<'_, '_>, label: &str) -> Result<Group, StructureError> {
    let id = node.attribute("id").ok_or_else(|| {
        ctx.err(
            node,
            label,
            "<Group> lacks the required attribute id; add it",
        )
    })?;
    let here = format!("{label}.{id}");
    let mut dimensions = Vec::new();
    for gd in children(node, STR, "GroupDimension") {
        let r = child(gd, STR, "DimensionReference")
            .ok_or_else(|| ctx.err(gd, &here, "<GroupDimension> lacks its DimensionReference"))?;
        dimensions.push(local_ref_id(ctx, r, &here)?);
    }
    let attachment_constraint = match child(node, STR, "AttachmentConstraint") {
        Some(a) => Some(maintainable_ref(
            ctx,
            a,
            ArtefactClass::ContentConstraint,
            &here,
        )?),
        None => None,
    };
    ctx.skip_unknown(
        node,
        &["Annotations", "GroupDimension", "AttachmentConstraint"],
        &here,
    );
    Ok(Group {
        id: id.to_owned(),
        dimensions,
        attachment_constraint,
        annotations: annotations(node),
    })
}
