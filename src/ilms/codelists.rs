//! The codelists: CL_AREA from the area table, the others from the ILO extract,
//! with ILOSTAT's `ORDER` and `IS_TOTAL` annotations.

use std::collections::HashSet;

use crate::model::{Annotation, Code, Codelist, MaintainableMeta, Version};

use super::{AreaRow, IlmsError, Inputs};

/// Builds every codelist listed in the table, in table order.
pub(crate) fn build(inputs: &Inputs, version: &Version) -> Result<Vec<Codelist>, IlmsError> {
    let t = &inputs.table;
    t.codelists
        .iter()
        .map(|(id, name)| {
            let (codes, file) = if id == "CL_AREA" {
                (area_codes(&inputs.areas), &t.sources.areas)
            } else {
                (extract_codes(inputs, id), &t.sources.codelists)
            };
            let invalid = |message: String| IlmsError::Invalid {
                file: file.clone(),
                subject: id.clone(),
                message,
            };
            if codes.is_empty() {
                return Err(invalid("no code found; add its rows to the TSV".to_owned()));
            }
            let mut ids = HashSet::new();
            for c in &codes {
                if !ids.insert(c.id.as_str()) {
                    return Err(invalid(format!("code {} is listed twice", c.id)));
                }
            }
            if let Some(c) = codes
                .iter()
                .find(|c| c.parent.as_ref().is_some_and(|p| !ids.contains(p.as_str())))
            {
                return Err(invalid(format!(
                    "code {} has parent {}, which is not a code of the list",
                    c.id,
                    c.parent.as_deref().unwrap_or_default()
                )));
            }
            let mut meta = MaintainableMeta::new(&t.agency, id, version.clone(), name);
            meta.is_final = Some(true);
            Ok(Codelist {
                meta,
                is_partial: None,
                codes,
            })
        })
        .collect()
}

/// ILOSTAT marks a classification's total (`SEX_T`, `ECO_ISIC4_TOTAL`).
fn is_total(code: &str) -> bool {
    code == "SEX_T" || code.ends_with("_TOTAL")
}

fn extract_codes(inputs: &Inputs, codelist: &str) -> Vec<Code> {
    inputs
        .codes
        .iter()
        .filter(|r| r.codelist == codelist)
        .enumerate()
        .map(|(i, r)| {
            let mut code = Code::new(&r.code, &r.name);
            code.parent = r.parent.clone();
            // The extract is in ILOSTAT's display order: ORDER keeps it.
            code.annotations
                .push(Annotation::typed("ORDER", (i + 1).to_string()));
            if is_total(&r.code) {
                code.annotations.push(Annotation::typed("IS_TOTAL", "true"));
            }
            code
        })
        .collect()
}

fn area_codes(areas: &[AreaRow]) -> Vec<Code> {
    let known: HashSet<&str> = areas.iter().map(|a| a.code.as_str()).collect();
    areas
        .iter()
        .map(|a| {
            let mut code = Code::new(&a.code, &a.name);
            // A country's ILO region is its parent when the region is itself a code.
            code.parent = a
                .region
                .clone()
                .filter(|r| known.contains(r.as_str()) && *r != a.code);
            let notes = [("ORDER", &a.order), ("ISO2", &a.iso2), ("M49", &a.m49)];
            for (kind, value) in notes {
                if let Some(v) = value {
                    code.annotations.push(Annotation::typed(kind, v.clone()));
                }
            }
            if a.is_group {
                code.annotations.push(Annotation::typed("IS_GROUP", "true"));
            }
            code
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::{IlmsTable, parse_areas, parse_codelist_rows};
    use super::*;
    use crate::model::Annotable;

    fn inputs(codes: &str, areas: &str) -> Inputs {
        let table = IlmsTable::parse(
            &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/dsd/ilms.toml"))
                .unwrap(),
            "ilms.toml",
        )
        .unwrap();
        let mut t = table;
        t.codelists.retain(|k, _| k == "CL_AREA" || k == "CL_ECO");
        Inputs {
            table: t,
            codes: parse_codelist_rows(&format!("codelist\tcode\tname_en\tparent\n{codes}"), "c")
                .unwrap(),
            areas: parse_areas(
                &format!(
                    "code\tname_en\tgroup\tilo_region\tiso2code\tm49code\torder\twb_income_group\n{areas}"
                ),
                "a",
            )
            .unwrap(),
        }
    }

    const AREAS: &str = "X40\tAsia and the Pacific\tY\t_Z\t\t\t4000\t_Z\nMMR\tMyanmar\tN\tX40\tMM\t104\t10765\tX03\nX84\tASEAN\tY\tX99\t\t\t6000\t_Z\n";

    #[test]
    fn annotates_order_totals_and_areas() {
        let i = inputs(
            "CL_ECO\tECO_ISIC4\tISIC4\t\nCL_ECO\tECO_ISIC4_TOTAL\tTotal\tECO_ISIC4\nCL_ECO\tECO_ISIC4_A\tA\tECO_ISIC4\nCL_SEX\tSEX_T\tTotal\t\n",
            AREAS,
        );
        let lists = build(&i, &Version::one()).unwrap();
        let area = &lists[0];
        assert_eq!(area.meta.id, "CL_AREA");
        let mmr = area.code("MMR").unwrap();
        assert_eq!(mmr.parent.as_deref(), Some("X40"));
        assert_eq!(mmr.annotation("ISO2").and_then(|a| a.value()), Some("MM"));
        assert_eq!(mmr.annotation("M49").and_then(|a| a.value()), Some("104"));
        assert_eq!(Codelist::order(mmr), Some(10765));
        // X99 is not a code: no dangling parent.
        assert_eq!(area.code("X84").unwrap().parent, None);
        let eco = &lists[1];
        assert_eq!(eco.codes.len(), 3, "rows of other codelists are ignored");
        assert!(Codelist::is_total(eco.code("ECO_ISIC4_TOTAL").unwrap()));
        assert!(!Codelist::is_total(eco.code("ECO_ISIC4_A").unwrap()));
        assert_eq!(Codelist::order(eco.code("ECO_ISIC4_A").unwrap()), Some(3));
    }

    #[test]
    fn refuses_empty_lists_dangling_parents_and_duplicates() {
        let e = build(&inputs("CL_SEX\tSEX_T\tTotal\t\n", AREAS), &Version::one())
            .unwrap_err()
            .to_string();
        assert!(e.contains("CL_ECO") && e.contains("no code found"), "{e}");
        let e = build(
            &inputs("CL_ECO\tECO_ISIC4_A\tA\tECO_ISIC4\n", AREAS),
            &Version::one(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("parent ECO_ISIC4"), "{e}");
        let e = build(
            &inputs("CL_ECO\tECO_X\tA\t\nCL_ECO\tECO_X\tB\t\n", AREAS),
            &Version::one(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("ECO_X is listed twice"), "{e}");
    }
}
