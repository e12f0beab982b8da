//! Allowed content constraints, one per dataflow: MEASURE fixed to the indicator's
//! measure, each breakdown restricted to its own classification, and the unit
//! attributes fixed by the indicator's unit kind.

use std::collections::HashSet;

use crate::model::{
    ConstraintAttachment, ConstraintRole, ContentConstraint, CubeRegion, MaintainableMeta,
    MemberSelection, SelectionValue, Version,
};

use super::dataflows::dataflow_ref;
use super::{IlmsError, IlmsTable, Indicator, TABLE_PATH};
use crate::model::Codelist;

/// The constraint id for an indicator.
pub(crate) fn constraint_id(ind: &Indicator) -> String {
    format!("CR_A_{}", ind.dataflow_id())
}

/// The codes a breakdown accepts: those of its codelist that start with its prefix,
/// less the classification headings (`ECO_ISIC4`), which are parents, never values.
pub(crate) fn breakdown_codes<'a>(list: &'a Codelist, prefix: &str) -> Vec<&'a str> {
    let parents: HashSet<&str> = list
        .codes
        .iter()
        .filter_map(|c| c.parent.as_deref())
        .collect();
    list.codes
        .iter()
        .map(|c| c.id.as_str())
        .filter(|id| id.starts_with(prefix) && !parents.contains(id))
        .collect()
}

fn select(component: &str, values: &[&str]) -> MemberSelection {
    MemberSelection {
        component: component.to_owned(),
        include: true,
        values: values.iter().map(|v| SelectionValue::new(*v)).collect(),
        time_range: None,
    }
}

/// Builds the allowed constraint of an indicator's dataflow.
pub(crate) fn build(
    t: &IlmsTable,
    ind: &Indicator,
    codelists: &[Codelist],
    version: &Version,
) -> Result<ContentConstraint, IlmsError> {
    let invalid = |message: String| IlmsError::Invalid {
        file: TABLE_PATH.to_owned(),
        subject: ind.id.clone(),
        message,
    };
    let list = |id: &str| {
        codelists
            .iter()
            .find(|c| c.meta.id == id)
            .ok_or_else(|| invalid(format!("codelist {id} is not generated")))
    };
    let has = |cl: &str, code: &str| -> Result<(), IlmsError> {
        if list(cl)?.code(code).is_none() {
            return Err(invalid(format!("{code} is not a code of {cl}")));
        }
        Ok(())
    };
    has("CL_MEASURE", &ind.measure)?;
    let mut key_values = vec![select("MEASURE", &[ind.measure.as_str()])];
    for b in &ind.breakdowns {
        let def = t
            .breakdowns
            .get(b)
            .ok_or_else(|| invalid(format!("breakdown {b} is not defined")))?;
        let codes = breakdown_codes(list(&def.codelist)?, &def.prefix);
        if codes.is_empty() {
            return Err(invalid(format!(
                "{} has no code starting {} for breakdown {b}",
                def.codelist, def.prefix
            )));
        }
        key_values.push(select(b, &codes));
    }
    let unit = t
        .units
        .get(&ind.unit)
        .ok_or_else(|| invalid(format!("unit {} is not defined", ind.unit)))?;
    let fixed = [
        (
            "UNIT_MEASURE_TYPE",
            "CL_UNIT_MEASURE_TYPE",
            &unit.unit_measure_type,
        ),
        ("UNIT_MEASURE", "CL_UNIT_MEASURE", &unit.unit_measure),
        ("UNIT_MULT", "CL_UNIT_MULT", &unit.unit_mult),
    ];
    let mut attributes = Vec::new();
    for (attr, cl, code) in fixed {
        has(cl, code)?;
        attributes.push(select(attr, &[code.as_str()]));
    }
    let id = constraint_id(ind);
    let mut meta = MaintainableMeta::new(
        &t.agency,
        &id,
        version.clone(),
        &format!("Allowed content of {}", ind.dataflow_id()),
    );
    meta.is_final = Some(true);
    Ok(ContentConstraint {
        meta,
        role: ConstraintRole::Allowed,
        attachment: ConstraintAttachment {
            dataflows: vec![dataflow_ref(t, ind, version)],
            ..Default::default()
        },
        cube_regions: vec![CubeRegion {
            include: true,
            key_values,
            attributes,
        }],
        data_key_sets: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Code, MaintainableMeta};

    #[test]
    fn breakdown_codes_keep_the_prefix_and_drop_headings() {
        let mut heading_child = Code::new("ECO_ISIC4_A", "A");
        heading_child.parent = Some("ECO_ISIC4".into());
        let list = Codelist {
            meta: MaintainableMeta::new("ILO", "CL_ECO", Version::one(), "Eco"),
            is_partial: None,
            codes: vec![
                Code::new("ECO_ISIC4", "ISIC4"),
                heading_child,
                Code::new("_Z", "Not applicable"),
                Code::new("CDS_DES_PHL", "wrong list"),
            ],
        };
        assert_eq!(breakdown_codes(&list, "ECO_"), ["ECO_ISIC4_A"]);
        assert_eq!(breakdown_codes(&list, "CDS_DES_"), ["CDS_DES_PHL"]);
    }
}
