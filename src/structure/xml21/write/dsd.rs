//! `str:DataStructure`.

use super::common::{
    RepresentationOf, item_ref, local_ref, maintainable_attrs, maintainable_body, maintainable_ref,
    representation, write_annotations,
};
use super::xml::{Attrs, Xml};
use crate::model::{
    Annotation, ArtefactClass, AttributeRelationship, DataStructure, DataType, DimensionKind,
    ItemRef, Representation, TextFormat, UsageStatus,
};
use crate::structure::StructureError;

/// Writes one DSD.
pub(super) fn write(x: &mut Xml, d: &DataStructure) -> Result<(), StructureError> {
    let urn = d.meta.reference(ArtefactClass::DataStructure).urn();
    let attrs = maintainable_attrs(x, &d.meta, ArtefactClass::DataStructure);
    x.start("str:DataStructure", attrs);
    maintainable_body(x, &d.meta);
    if d.dimensions.is_empty() && d.attributes.is_empty() && d.measures.is_empty() {
        // An external-reference stub: no components.
        x.end("str:DataStructure");
        return Ok(());
    }
    if d.measures.len() > 1 {
        return Err(unsupported(
            &urn,
            "SDMX-ML 2.1 allows one primary measure; this DSD has several (a 3.0 measure list)",
        ));
    }
    x.start("str:DataStructureComponents", vec![]);
    x.start(
        "str:DimensionList",
        vec![("id", "DimensionDescriptor".into())],
    );
    for dim in &d.dimensions {
        let name = match dim.kind {
            DimensionKind::Dimension => "str:Dimension",
            DimensionKind::Measure => "str:MeasureDimension",
            DimensionKind::Time => "str:TimeDimension",
        };
        let attrs: Attrs<'_> = vec![
            ("id", dim.id.as_str().into()),
            ("position", dim.position.to_string().into()),
        ];
        let roles: &[ItemRef] = if dim.kind == DimensionKind::Time {
            &[]
        } else {
            &dim.roles
        };
        // 2.1 requires the time dimension's text format; sources that leave it out
        // (other formats) mean the standard one.
        let time_default;
        let mut rep = dim.representation.as_ref();
        if dim.kind == DimensionKind::Time
            && rep.is_none_or(|r| r.text_format.is_none() && r.enumeration.is_none())
        {
            time_default = Representation::text(TextFormat::of(DataType::ObservationalTimePeriod));
            rep = Some(&time_default);
        }
        component(
            x,
            &urn,
            name,
            attrs,
            &dim.annotations,
            dim.concept.as_ref(),
            rep,
            roles,
        )?;
        x.end(name);
    }
    x.end("str:DimensionList");
    for g in &d.groups {
        x.start("str:Group", vec![("id", g.id.as_str().into())]);
        write_annotations(x, &g.annotations);
        match &g.attachment_constraint {
            Some(c) => {
                x.start("str:AttachmentConstraint", vec![]);
                maintainable_ref(x, c, false);
                x.end("str:AttachmentConstraint");
            }
            None => {
                for dim in &g.dimensions {
                    x.start("str:GroupDimension", vec![]);
                    x.start("str:DimensionReference", vec![]);
                    local_ref(x, dim);
                    x.end("str:DimensionReference");
                    x.end("str:GroupDimension");
                }
            }
        }
        x.end("str:Group");
    }
    if !d.attributes.is_empty() {
        let measure = d.measures.first().map_or("OBS_VALUE", |m| m.id.as_str());
        x.start(
            "str:AttributeList",
            vec![("id", "AttributeDescriptor".into())],
        );
        for a in &d.attributes {
            let status = match a.usage {
                UsageStatus::Mandatory => "Mandatory",
                UsageStatus::Conditional => "Conditional",
            };
            let attrs: Attrs<'_> = vec![
                ("id", a.id.as_str().into()),
                ("assignmentStatus", status.into()),
            ];
            component(
                x,
                &urn,
                "str:Attribute",
                attrs,
                &a.annotations,
                a.concept.as_ref(),
                a.representation.as_ref(),
                &a.roles,
            )?;
            relationship(x, &a.relationship, measure);
            x.end("str:Attribute");
        }
        x.end("str:AttributeList");
    }
    let Some(m) = d.measures.first() else {
        return Err(unsupported(
            &urn,
            "SDMX-ML 2.1 requires a primary measure; this DSD has none",
        ));
    };
    x.start("str:MeasureList", vec![("id", "MeasureDescriptor".into())]);
    component(
        x,
        &urn,
        "str:PrimaryMeasure",
        vec![("id", m.id.as_str().into())],
        &m.annotations,
        m.concept.as_ref(),
        m.representation.as_ref(),
        &[],
    )?;
    x.end("str:PrimaryMeasure");
    x.end("str:MeasureList");
    x.end("str:DataStructureComponents");
    x.end("str:DataStructure");
    Ok(())
}

/// Opens a component and writes what every component has; the caller adds the
/// rest and closes it.
#[allow(clippy::too_many_arguments)]
fn component(
    x: &mut Xml,
    urn: &str,
    name: &str,
    attrs: Attrs<'_>,
    annotations: &[Annotation],
    concept: Option<&ItemRef>,
    rep: Option<&Representation>,
    roles: &[ItemRef],
) -> Result<(), StructureError> {
    let Some(concept) = concept else {
        let id = attrs
            .first()
            .map(|(_, v)| v.to_string())
            .unwrap_or_default();
        return Err(unsupported(
            urn,
            &format!("component {id} has no concept, which SDMX-ML 2.1 requires"),
        ));
    };
    x.start(name, attrs);
    write_annotations(x, annotations);
    x.start("str:ConceptIdentity", vec![]);
    item_ref(x, concept);
    x.end("str:ConceptIdentity");
    if let Some(r) = rep {
        let of = if name == "str:TimeDimension" {
            RepresentationOf::Time
        } else {
            RepresentationOf::Component
        };
        representation(x, "str:LocalRepresentation", r, of);
    }
    for role in roles {
        x.start("str:ConceptRole", vec![]);
        item_ref(x, role);
        x.end("str:ConceptRole");
    }
    Ok(())
}

/// An `AttributeRelationship`.
fn relationship(x: &mut Xml, r: &AttributeRelationship, measure: &str) {
    x.start("str:AttributeRelationship", vec![]);
    let wrapped = |x: &mut Xml, name: &str, id: &str| {
        x.start(name, vec![]);
        local_ref(x, id);
        x.end(name);
    };
    match r {
        AttributeRelationship::None | AttributeRelationship::Dataflow => {
            x.empty("str:None", vec![]);
        }
        AttributeRelationship::Observation => wrapped(x, "str:PrimaryMeasure", measure),
        AttributeRelationship::Group(g) => wrapped(x, "str:Group", g),
        AttributeRelationship::Dimensions {
            dimensions,
            attachment_groups,
        } => {
            for d in dimensions {
                wrapped(x, "str:Dimension", d);
            }
            for g in attachment_groups {
                wrapped(x, "str:AttachmentGroup", g);
            }
        }
    }
    x.end("str:AttributeRelationship");
}

/// The writer's refusal for something 2.1 cannot say.
pub(super) fn unsupported(urn: &str, message: &str) -> StructureError {
    StructureError::Unsupported {
        artefact: urn.to_owned(),
        format: "sdmx-ml-2.1",
        message: message.to_owned(),
    }
}
