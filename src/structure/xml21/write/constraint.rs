//! `str:ContentConstraint`.

use super::common::{
    bool_text, maintainable_attrs, maintainable_body, wrapped_item_ref, wrapped_ref,
};
use super::dsd::unsupported;
use super::xml::{Attrs, Xml};
use crate::model::{
    ArtefactClass, ConstraintAttachment, ConstraintRole, ContentConstraint, MemberSelection,
    TimeRange, TimeRangeBound,
};
use crate::structure::StructureError;

/// Writes one content constraint.
pub(super) fn write(x: &mut Xml, c: &ContentConstraint) -> Result<(), StructureError> {
    let urn = c.meta.reference(ArtefactClass::ContentConstraint).urn();
    let mut attrs = maintainable_attrs(x, &c.meta, ArtefactClass::ContentConstraint);
    let role = match c.role {
        ConstraintRole::Allowed => "Allowed",
        ConstraintRole::Actual => "Actual",
    };
    attrs.push(("type", role.into()));
    x.start("str:ContentConstraint", attrs);
    maintainable_body(x, &c.meta);
    if !c.attachment.is_empty() {
        attachment(x, &c.attachment, &urn)?;
    }
    for ks in &c.data_key_sets {
        x.start(
            "str:DataKeySet",
            vec![("isIncluded", bool_text(ks.included))],
        );
        for k in &ks.keys {
            if !k.include {
                // A 3.0 key excluded inside its set has no 2.1 form.
                x.fail("a data key set holds an excluded key (SDMX 3.0); 2.1 keys are always included: move it to a set with isIncluded=false".to_owned());
            }
            x.start("str:Key", vec![]);
            for (id, value) in &k.values {
                x.start("com:KeyValue", vec![("id", id.as_str().into())]);
                x.leaf("com:Value", vec![], value);
                x.end("com:KeyValue");
            }
            x.end("str:Key");
        }
        x.end("str:DataKeySet");
    }
    for r in &c.cube_regions {
        x.start("str:CubeRegion", vec![("include", bool_text(r.include))]);
        for s in &r.key_values {
            selection(x, "com:KeyValue", s);
        }
        for s in &r.attributes {
            selection(x, "com:Attribute", s);
        }
        x.end("str:CubeRegion");
    }
    x.end("str:ContentConstraint");
    Ok(())
}

/// The attachment: the schema allows one kind of target per constraint.
fn attachment(x: &mut Xml, a: &ConstraintAttachment, urn: &str) -> Result<(), StructureError> {
    let kinds = [
        a.data_provider.is_some(),
        !a.simple_data_sources.is_empty(),
        !a.data_structures.is_empty(),
        !a.dataflows.is_empty(),
        !a.provision_agreements.is_empty(),
    ];
    if kinds.iter().filter(|k| **k).count() > 1 {
        return Err(unsupported(
            urn,
            "SDMX-ML 2.1 attaches a constraint to one kind of target (DSDs, dataflows, provision agreements, a provider or data sources); split it",
        ));
    }
    x.start("str:ConstraintAttachment", vec![]);
    if let Some(p) = &a.data_provider {
        wrapped_item_ref(x, "str:DataProvider", p);
    }
    for s in &a.simple_data_sources {
        x.leaf("str:SimpleDataSource", vec![], s);
    }
    for r in &a.data_structures {
        wrapped_ref(x, "str:DataStructure", r);
    }
    for r in &a.dataflows {
        wrapped_ref(x, "str:Dataflow", r);
    }
    for r in &a.provision_agreements {
        wrapped_ref(x, "str:ProvisionAgreement", r);
    }
    x.end("str:ConstraintAttachment");
    Ok(())
}

/// A `KeyValue` / `Attribute` of a cube region.
fn selection(x: &mut Xml, name: &str, s: &MemberSelection) {
    let mut attrs: Attrs<'_> = vec![("id", s.component.as_str().into())];
    if !s.include {
        attrs.push(("include", bool_text(false)));
    }
    x.start(name, attrs);
    for v in &s.values {
        let attrs: Attrs<'_> = if v.cascade {
            vec![("cascadeValues", bool_text(true))]
        } else {
            vec![]
        };
        x.leaf("com:Value", attrs, &v.value);
    }
    if let Some(t) = &s.time_range {
        x.start("com:TimeRange", vec![]);
        let bound = |x: &mut Xml, name: &str, b: &TimeRangeBound| {
            x.leaf(
                name,
                vec![("isInclusive", bool_text(b.inclusive))],
                &b.period,
            );
        };
        match t {
            TimeRange::Before(b) => bound(x, "com:BeforePeriod", b),
            TimeRange::After(b) => bound(x, "com:AfterPeriod", b),
            TimeRange::Between { start, end } => {
                bound(x, "com:StartPeriod", start);
                bound(x, "com:EndPeriod", end);
            }
        }
        x.end("com:TimeRange");
    }
    x.end(name);
}
