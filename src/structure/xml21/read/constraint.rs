//! `str:ContentConstraint`: attachment, cube regions and data key sets.

use roxmltree::Node;

use super::Ctx;
use super::common::{item_ref, maintainable, maintainable_ref};
use crate::model::{
    ArtefactClass, ConstraintAttachment, ConstraintRole, ContentConstraint, CubeRegion, DataKey,
    DataKeySet, MemberSelection, SelectionValue, TimeRange, TimeRangeBound,
};
use crate::structure::StructureError;
use crate::structure::xml_util::{bool_attr, child, children, elements, required_attr, text};
use crate::structure::xml21::{COM, STR};

/// Reads one content constraint.
pub(super) fn read(
    ctx: &mut Ctx<'_>,
    node: Node<'_, '_>,
) -> Result<ContentConstraint, StructureError> {
    let (meta, label) = maintainable(ctx, node, ArtefactClass::ContentConstraint)?;
    // The schema's default type is Actual.
    let role = match node.attribute("type") {
        None | Some("Actual") => ConstraintRole::Actual,
        Some("Allowed") => ConstraintRole::Allowed,
        Some(other) => {
            return Err(ctx.err(
                node,
                &label,
                format!("type={other:?}: expected Allowed or Actual"),
            ));
        }
    };
    let attachment = match child(node, STR, "ConstraintAttachment") {
        Some(a) => attachment(ctx, a, &label)?,
        None => ConstraintAttachment::default(),
    };
    let mut data_key_sets = Vec::new();
    for ks in children(node, STR, "DataKeySet") {
        data_key_sets.push(key_set(ctx, ks, &label)?);
    }
    let mut cube_regions = Vec::new();
    for r in children(node, STR, "CubeRegion") {
        cube_regions.push(cube_region(ctx, r, &label)?);
    }
    ctx.skip_unknown(
        node,
        &["ConstraintAttachment", "DataKeySet", "CubeRegion"],
        &label,
    );
    Ok(ContentConstraint {
        meta,
        role,
        attachment,
        cube_regions,
        data_key_sets,
    })
}

/// The `ConstraintAttachment`.
fn attachment(
    ctx: &mut Ctx<'_>,
    node: Node<'_, '_>,
    label: &str,
) -> Result<ConstraintAttachment, StructureError> {
    let mut a = ConstraintAttachment::default();
    for c in elements(node) {
        match c.tag_name().name() {
            "DataStructure" => a.data_structures.push(maintainable_ref(
                ctx,
                c,
                ArtefactClass::DataStructure,
                label,
            )?),
            "Dataflow" => {
                a.dataflows
                    .push(maintainable_ref(ctx, c, ArtefactClass::Dataflow, label)?)
            }
            "ProvisionAgreement" => a.provision_agreements.push(maintainable_ref(
                ctx,
                c,
                ArtefactClass::ProvisionAgreement,
                label,
            )?),
            "DataProvider" => {
                a.data_provider = Some(item_ref(ctx, c, ArtefactClass::DataProviderScheme, label)?)
            }
            "SimpleDataSource" => a.simple_data_sources.push(text(c).to_owned()),
            other => ctx.warn(
                c,
                format!(
                    "skipped <{other}> in the attachment of {label}: the gateway does not use it"
                ),
            ),
        }
    }
    Ok(a)
}

/// One `DataKeySet`.
fn key_set(
    ctx: &mut Ctx<'_>,
    node: Node<'_, '_>,
    label: &str,
) -> Result<DataKeySet, StructureError> {
    let included = bool_attr(node, "isIncluded", ctx.source, label)?.ok_or_else(|| {
        ctx.err(
            node,
            label,
            "<DataKeySet> lacks the required attribute isIncluded; add it",
        )
    })?;
    let mut keys = Vec::new();
    for k in children(node, STR, "Key") {
        let mut values = Vec::new();
        for kv in children(k, COM, "KeyValue") {
            let id = required_attr(kv, "id", ctx.source, label)?;
            let value = child(kv, COM, "Value")
                .ok_or_else(|| ctx.err(kv, label, format!("key value {id} has no <Value>")))?;
            values.push((id.to_owned(), text(value).to_owned()));
        }
        ctx.skip_unknown(k, &["KeyValue"], label);
        keys.push(DataKey {
            include: true,
            values,
        });
    }
    ctx.skip_unknown(node, &["Key"], label);
    Ok(DataKeySet { included, keys })
}

/// One `CubeRegion`.
fn cube_region(
    ctx: &mut Ctx<'_>,
    node: Node<'_, '_>,
    label: &str,
) -> Result<CubeRegion, StructureError> {
    let include = bool_attr(node, "include", ctx.source, label)?.unwrap_or(true);
    let mut region = CubeRegion {
        include,
        key_values: Vec::new(),
        attributes: Vec::new(),
    };
    for c in elements(node) {
        match c.tag_name().name() {
            "KeyValue" => region.key_values.push(selection(ctx, c, label)?),
            "Attribute" => region.attributes.push(selection(ctx, c, label)?),
            other => ctx.warn(
                c,
                format!(
                    "skipped <{other}> in a cube region of {label}: the gateway does not use it"
                ),
            ),
        }
    }
    Ok(region)
}

/// A `KeyValue` / `Attribute` of a cube region: values or a time range.
fn selection(
    ctx: &mut Ctx<'_>,
    node: Node<'_, '_>,
    label: &str,
) -> Result<MemberSelection, StructureError> {
    let component = required_attr(node, "id", ctx.source, label)?.to_owned();
    let include = bool_attr(node, "include", ctx.source, label)?.unwrap_or(true);
    let mut values = Vec::new();
    for v in children(node, COM, "Value") {
        values.push(SelectionValue {
            value: text(v).to_owned(),
            cascade: bool_attr(v, "cascadeValues", ctx.source, label)?.unwrap_or(false),
            valid_from: None,
            valid_to: None,
        });
    }
    let time_range = match child(node, COM, "TimeRange") {
        Some(t) => Some(time_range(ctx, t, label)?),
        None => None,
    };
    ctx.skip_unknown(node, &["Value", "TimeRange"], label);
    Ok(MemberSelection {
        component,
        include,
        values,
        time_range,
    })
}

/// A `TimeRange`: before, after, or between two periods.
fn time_range(ctx: &Ctx<'_>, node: Node<'_, '_>, label: &str) -> Result<TimeRange, StructureError> {
    let bound = |name| -> Result<Option<TimeRangeBound>, StructureError> {
        child(node, COM, name)
            .map(|b| {
                Ok(TimeRangeBound {
                    period: text(b).to_owned(),
                    inclusive: bool_attr(b, "isInclusive", ctx.source, label)?.unwrap_or(true),
                })
            })
            .transpose()
    };
    if let Some(b) = bound("BeforePeriod")? {
        return Ok(TimeRange::Before(b));
    }
    if let Some(a) = bound("AfterPeriod")? {
        return Ok(TimeRange::After(a));
    }
    match (bound("StartPeriod")?, bound("EndPeriod")?) {
        (Some(start), Some(end)) => Ok(TimeRange::Between { start, end }),
        (Some(start), None) => Ok(TimeRange::After(start)),
        (None, Some(end)) => Ok(TimeRange::Before(end)),
        (None, None) => Err(ctx.err(
            node,
            label,
            "<TimeRange> gives no period; give BeforePeriod, AfterPeriod or StartPeriod/EndPeriod",
        )),
    }
}
