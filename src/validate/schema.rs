//! The flattened, ready-to-validate view of a dataflow: for every component its
//! allowed codes, text format and attachment, plus the allowed constraints of the
//! cascade DSD → dataflow → provision agreement.

use std::collections::{HashMap, HashSet};

use crate::model::{
    ArtefactClass, ArtefactRef, AttachmentLevel, Codelist, ConceptScheme, ConstraintRole,
    ContentConstraint, DataStructure, Dataflow, DimensionKind, ItemRef, ProvisionAgreement,
    Representation, TextFormat, TimeRange, UsageStatus,
};
use crate::structure::{Registry, StructureError};

use super::format::ValueFormat;
use super::time::TimePeriod;

/// What one component accepts.
#[derive(Debug, Clone)]
pub struct ComponentSpec {
    /// Component id (`SEX`).
    pub id: String,
    /// The codelist enumerating it, when coded.
    pub codelist: Option<ArtefactRef>,
    /// Every code of the codelist (`None`: uncoded, or the codelist was not
    /// supplied, in which case codes are not checked).
    pub codes: Option<HashSet<String>>,
    /// The codes left after the constraints (`None`: no constraint restricts it).
    pub allowed: Option<HashSet<String>>,
    /// The text format of uncoded values.
    pub format: Option<ValueFormat>,
    /// Codes carrying an `IS_TOTAL` annotation.
    pub totals: HashSet<String>,
    /// Code → parent code, for codes with a parent.
    pub parents: HashMap<String, String>,
}

/// A dimension.
#[derive(Debug, Clone)]
pub struct DimensionSpec {
    /// What it accepts.
    pub spec: ComponentSpec,
    /// Kind (ordinary, measure, time).
    pub kind: DimensionKind,
}

/// An attribute.
#[derive(Debug, Clone)]
pub struct AttributeSpec {
    /// What it accepts.
    pub spec: ComponentSpec,
    /// Mandatory or conditional.
    pub usage: UsageStatus,
}

/// A measure.
#[derive(Debug, Clone)]
pub struct MeasureSpec {
    /// What it accepts.
    pub spec: ComponentSpec,
    /// Mandatory or conditional.
    pub usage: UsageStatus,
}

/// The plain model values a [`Schema`] is built from (what a registry lookup
/// returns; tests build them by hand).
#[derive(Debug, Clone, Copy)]
pub struct SchemaParts<'a> {
    /// The DSD.
    pub dsd: &'a DataStructure,
    /// The dataflow, when validating against one.
    pub dataflow: Option<&'a Dataflow>,
    /// The provision agreement, when validating against one.
    pub agreement: Option<&'a ProvisionAgreement>,
    /// Codelists (those the DSD's components and concepts reference; extra ones
    /// are ignored).
    pub codelists: &'a [&'a Codelist],
    /// Concept schemes, for concepts' core representations.
    pub concept_schemes: &'a [&'a ConceptScheme],
    /// The constraints of the cascade (only `Allowed` ones are used).
    pub constraints: &'a [&'a ContentConstraint],
}

/// The flattened structure a [`Validator`](super::Validator) checks data against.
#[derive(Debug, Clone)]
pub struct Schema {
    /// The DSD (attachment levels depend on the dimension at observation level,
    /// known per dataset).
    pub dsd: DataStructure,
    /// The DSD reference.
    pub structure: ArtefactRef,
    /// The dataflow reference, when validating against one.
    pub dataflow: Option<ArtefactRef>,
    /// The provision agreement reference.
    pub agreement: Option<ArtefactRef>,
    /// Every dimension, in key order (time last).
    pub dimensions: Vec<DimensionSpec>,
    /// Attributes.
    pub attributes: Vec<AttributeSpec>,
    /// Measures.
    pub measures: Vec<MeasureSpec>,
    /// The allowed constraints, checked on whole keys.
    pub constraints: Vec<ContentConstraint>,
    /// Allowed time span, first and last day numbers (see
    /// [`TimePeriod`](super::time::TimePeriod)), from the constraints' time ranges.
    pub time_window: (Option<i64>, Option<i64>),
    /// Patterns that could not be compiled (not checked), for the caller to warn.
    pub notes: Vec<String>,
}

fn matches_ref(r: &ArtefactRef, agency: &str, id: &str, version: &crate::model::Version) -> bool {
    r.agency == agency && r.id == id && r.version.matches(version)
}

impl Schema {
    /// Builds the schema from model values (see [`SchemaParts`]).
    pub fn from_parts(parts: SchemaParts<'_>) -> Schema {
        let dsd = parts.dsd;
        let constraints: Vec<ContentConstraint> = parts
            .constraints
            .iter()
            .filter(|c| c.role == ConstraintRole::Allowed)
            .map(|c| (*c).clone())
            .collect();
        let mut notes = Vec::new();
        let mut spec = |id: &str, concept: &Option<ItemRef>, local: &Option<Representation>| {
            let rep = local
                .clone()
                .or_else(|| core_representation(concept, parts));
            let codelist_ref = rep.as_ref().and_then(|r| r.enumeration.clone());
            let codelist = codelist_ref
                .as_ref()
                .filter(|r| r.class != ArtefactClass::ConceptScheme)
                .and_then(|r| {
                    parts
                        .codelists
                        .iter()
                        .find(|c| matches_ref(r, &c.meta.agency, &c.meta.id, &c.meta.version))
                        .copied()
                });
            let format = rep
                .as_ref()
                .filter(|r| r.enumeration.is_none())
                .and_then(|r| r.text_format.as_ref())
                .map(|tf| {
                    let (f, problem) = ValueFormat::new(tf);
                    if let Some(p) = problem {
                        notes.push(format!("{id}: {p}"));
                    }
                    f
                });
            let totals = codelist
                .map(|cl| {
                    cl.codes
                        .iter()
                        .filter(|c| Codelist::is_total(c))
                        .map(|c| c.id.clone())
                        .collect()
                })
                .unwrap_or_default();
            let parents = codelist
                .map(|cl| {
                    cl.codes
                        .iter()
                        .filter_map(|c| Some((c.id.clone(), c.parent.clone()?)))
                        .collect()
                })
                .unwrap_or_default();
            // A 2.1 measure dimension is enumerated by a concept scheme.
            let scheme_codes = codelist_ref
                .as_ref()
                .filter(|r| r.class == ArtefactClass::ConceptScheme)
                .and_then(|r| {
                    parts
                        .concept_schemes
                        .iter()
                        .find(|cs| matches_ref(r, &cs.meta.agency, &cs.meta.id, &cs.meta.version))
                })
                .map(|cs| cs.concepts.iter().map(|c| c.item.id.clone()).collect());
            ComponentSpec {
                id: id.to_owned(),
                codes: codelist
                    .map(|cl| cl.codes.iter().map(|c| c.id.clone()).collect())
                    .or(scheme_codes),
                allowed: allowed_by(&constraints, id),
                codelist: codelist_ref,
                format,
                totals,
                parents,
            }
        };
        let dimensions = dsd
            .dimensions
            .iter()
            .map(|d| {
                let mut s = spec(&d.id, &d.concept, &d.representation);
                if d.kind == DimensionKind::Time && s.format.is_none() {
                    s.format = Some(ValueFormat::new(&TextFormat::default()).0);
                }
                DimensionSpec {
                    spec: s,
                    kind: d.kind,
                }
            })
            .collect();
        let attributes = dsd
            .attributes
            .iter()
            .map(|a| AttributeSpec {
                spec: spec(&a.id, &a.concept, &a.representation),
                usage: a.usage,
            })
            .collect();
        let measures = dsd
            .measures
            .iter()
            .map(|m| MeasureSpec {
                spec: spec(&m.id, &m.concept, &m.representation),
                usage: m.usage,
            })
            .collect();
        let time_window = time_window(&constraints);
        Schema {
            structure: dsd.meta.reference(ArtefactClass::DataStructure),
            dataflow: parts
                .dataflow
                .map(|d| d.meta.reference(ArtefactClass::Dataflow)),
            agreement: parts
                .agreement
                .map(|a| a.meta.reference(ArtefactClass::ProvisionAgreement)),
            dsd: dsd.clone(),
            dimensions,
            attributes,
            measures,
            constraints,
            time_window,
            notes,
        }
    }

    /// Builds the schema for a dataflow, a DSD or a provision agreement of a
    /// loaded registry, applying the constraint cascade. `reference` is anything
    /// [`Registry::find`] accepts (URN, `AGENCY:ID(VERSION)`, id).
    pub fn from_registry(
        registry: &Registry,
        reference: &str,
        agreement: Option<&str>,
    ) -> Result<Schema, StructureError> {
        use crate::model::Artefact;
        let mut pa = match agreement {
            Some(q) => Some(registry.provision_agreement(q)?),
            None => None,
        };
        let (dataflow, dsd) = match registry.find(reference)? {
            Artefact::Dataflow(df) => (Some(df), registry.structure_of(df)?),
            Artefact::DataStructure(d) => (None, d),
            Artefact::ProvisionAgreement(p) => {
                pa = Some(p);
                let df = registry.dataflow(&p.dataflow.urn())?;
                (Some(df), registry.structure_of(df)?)
            }
            other => {
                return Err(StructureError::NotFound {
                    query: format!(
                        "{reference} (it is a {}, not a dataflow, DSD or provision agreement)",
                        other.class()
                    ),
                });
            }
        };
        let constraints: Vec<&ContentConstraint> = match dataflow {
            Some(df) => registry.allowed_region(df, pa)?.constraints,
            None => registry
                .constraints_on(&dsd.meta.reference(ArtefactClass::DataStructure).urn())
                .into_iter()
                .filter(|c| c.role == ConstraintRole::Allowed)
                .collect(),
        };
        let ids = dsd
            .dimensions
            .iter()
            .map(|d| d.id.as_str())
            .chain(dsd.attributes.iter().map(|a| a.id.as_str()))
            .chain(dsd.measures.iter().map(|m| m.id.as_str()));
        let mut codelists: Vec<&Codelist> = Vec::new();
        for id in ids {
            if let Some(cl) = registry.codelist_of(dsd, id)
                && !codelists.iter().any(|c| std::ptr::eq(*c, cl))
            {
                codelists.push(cl);
            }
        }
        let schemes: Vec<&ConceptScheme> = registry.structures().concept_schemes.iter().collect();
        let mut schema = Schema::from_parts(SchemaParts {
            dsd,
            dataflow,
            agreement: pa,
            codelists: &codelists,
            concept_schemes: &schemes,
            constraints: &constraints,
        });
        // The registry resolved each component's codelist (version queries
        // included); use its answer even when the DSD's reference is inexact.
        for d in &mut schema.dimensions {
            fill_codes(registry, dsd, &mut d.spec);
        }
        for a in &mut schema.attributes {
            fill_codes(registry, dsd, &mut a.spec);
        }
        Ok(schema)
    }

    /// The dimension with this id.
    pub fn dimension(&self, id: &str) -> Option<&DimensionSpec> {
        self.dimensions.iter().find(|d| d.spec.id == id)
    }

    /// Index of the dimension with this id.
    pub fn dimension_index(&self, id: &str) -> Option<usize> {
        self.dimensions.iter().position(|d| d.spec.id == id)
    }

    /// Index of the attribute with this id.
    pub fn attribute_index(&self, id: &str) -> Option<usize> {
        self.attributes.iter().position(|a| a.spec.id == id)
    }

    /// The measure with this id.
    pub fn measure(&self, id: &str) -> Option<&MeasureSpec> {
        self.measures.iter().find(|m| m.spec.id == id)
    }

    /// The id of the time dimension (`TIME_PERIOD`), if any.
    pub fn time_dimension(&self) -> Option<&str> {
        self.dimensions
            .iter()
            .find(|d| d.kind == DimensionKind::Time)
            .map(|d| d.spec.id.as_str())
    }

    /// Where attribute `index` belongs when `obs_dimension` is at observation
    /// level (`None`: all dimensions).
    pub fn attachment_level(&self, index: usize, obs_dimension: Option<&str>) -> AttachmentLevel {
        self.dsd
            .attachment_level(&self.dsd.attributes[index], obs_dimension)
    }

    /// Whether a (partial) key is allowed by every constraint: in one of its
    /// included cube regions (a component a region does not list is free), in
    /// none of its excluded ones, and matching its key sets.
    pub fn key_allowed(&self, key: &[(&str, &str)]) -> bool {
        self.constraints
            .iter()
            .all(|c| constraint_allows(self, c, key))
    }

    /// Whether a period (first and last day) lies in the allowed time window.
    pub fn period_allowed(&self, p: &TimePeriod) -> bool {
        self.time_window.0.is_none_or(|s| p.start >= s)
            && self.time_window.1.is_none_or(|e| p.end <= e)
    }

    fn codelist_parents(&self, component: &str) -> Option<&HashMap<String, String>> {
        self.dimensions
            .iter()
            .find(|d| d.spec.id == component)
            .map(|d| &d.spec.parents)
    }
}

fn fill_codes(registry: &Registry, dsd: &DataStructure, spec: &mut ComponentSpec) {
    if spec.codes.is_none()
        && let Some(cl) = registry.codelist_of(dsd, &spec.id)
    {
        spec.codes = Some(cl.codes.iter().map(|c| c.id.clone()).collect());
        spec.totals = cl
            .codes
            .iter()
            .filter(|c| Codelist::is_total(c))
            .map(|c| c.id.clone())
            .collect();
        spec.parents = cl
            .codes
            .iter()
            .filter_map(|c| Some((c.id.clone(), c.parent.clone()?)))
            .collect();
    }
}

fn core_representation(
    concept: &Option<ItemRef>,
    parts: SchemaParts<'_>,
) -> Option<Representation> {
    let c = concept.as_ref()?;
    let scheme = parts
        .concept_schemes
        .iter()
        .find(|s| matches_ref(&c.scheme, &s.meta.agency, &s.meta.id, &s.meta.version))?;
    scheme.concept(&c.item_id)?.core_representation.clone()
}

/// The codes of `component` the constraints allow, when some constraint lists
/// them: the union over a constraint's included cube regions that select the
/// component (one that does not leaves it free), minus values excluded alone,
/// intersected across constraints.
fn allowed_by(constraints: &[ContentConstraint], component: &str) -> Option<HashSet<String>> {
    let mut result: Option<HashSet<String>> = None;
    for c in constraints {
        let included: Vec<_> = c.cube_regions.iter().filter(|r| r.include).collect();
        if included.is_empty() {
            continue;
        }
        let mut union: HashSet<String> = HashSet::new();
        let mut free = false;
        for r in included {
            match r
                .key_values
                .iter()
                .chain(r.attributes.iter())
                .find(|s| s.component == component && s.time_range.is_none())
            {
                Some(sel)
                    if sel.include
                        && !sel
                            .values
                            .iter()
                            .any(|v| v.value.contains('%') || v.cascade) =>
                {
                    union.extend(sel.values.iter().map(|v| v.value.clone()));
                }
                _ => free = true,
            }
        }
        if free {
            continue;
        }
        result = Some(match result {
            Some(prev) => prev.intersection(&union).cloned().collect(),
            None => union,
        });
    }
    result
}

fn time_window(constraints: &[ContentConstraint]) -> (Option<i64>, Option<i64>) {
    let (mut start, mut end): (Option<i64>, Option<i64>) = (None, None);
    for c in constraints {
        for r in c.cube_regions.iter().filter(|r| r.include) {
            for sel in &r.key_values {
                let Some(tr) = &sel.time_range else { continue };
                let bound_start = |b: &crate::model::TimeRangeBound| {
                    TimePeriod::parse(&b.period)
                        .ok()
                        .map(|p| if b.inclusive { p.start } else { p.end + 1 })
                };
                let bound_end = |b: &crate::model::TimeRangeBound| {
                    TimePeriod::parse(&b.period)
                        .ok()
                        .map(|p| if b.inclusive { p.end } else { p.start - 1 })
                };
                let (s, e) = match tr {
                    TimeRange::Before(b) => (None, bound_end(b)),
                    TimeRange::After(b) => (bound_start(b), None),
                    TimeRange::Between { start, end } => (bound_start(start), bound_end(end)),
                };
                if let Some(s) = s {
                    start = Some(start.map_or(s, |x: i64| x.max(s)));
                }
                if let Some(e) = e {
                    end = Some(end.map_or(e, |x: i64| x.min(e)));
                }
            }
        }
    }
    (start, end)
}

fn selection_matches(schema: &Schema, sel: &crate::model::MemberSelection, value: &str) -> bool {
    sel.values.iter().any(|sv| {
        if wildcard(&sv.value, value) {
            return true;
        }
        if !sv.cascade {
            return false;
        }
        let Some(parents) = schema.codelist_parents(&sel.component) else {
            return false;
        };
        let mut current = parents.get(value);
        let mut steps = 0;
        while let Some(p) = current {
            if *p == sv.value {
                return true;
            }
            steps += 1;
            if steps > parents.len() {
                break; // a cycle in the parents
            }
            current = parents.get(p);
        }
        false
    })
}

/// `%` (SDMX 3.0) matches any run of characters.
fn wildcard(pattern: &str, value: &str) -> bool {
    if !pattern.contains('%') {
        return pattern == value;
    }
    let parts: Vec<&str> = pattern.split('%').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !value.starts_with(first) || value.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &value[first.len()..];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

fn constraint_allows(schema: &Schema, c: &ContentConstraint, key: &[(&str, &str)]) -> bool {
    let value_of = |d: &str| key.iter().find(|(k, _)| *k == d).map(|(_, v)| *v);
    let region_has = |r: &crate::model::CubeRegion| {
        r.key_values.iter().all(|sel| {
            sel.time_range.is_some()
                || value_of(&sel.component)
                    .is_none_or(|v| selection_matches(schema, sel, v) == sel.include)
        })
    };
    let included: Vec<_> = c.cube_regions.iter().filter(|r| r.include).collect();
    if !included.is_empty() && !included.iter().any(|r| region_has(r)) {
        return false;
    }
    for r in c
        .cube_regions
        .iter()
        .filter(|r| !r.include && !r.key_values.is_empty())
    {
        let hits = r.key_values.iter().all(|sel| {
            sel.time_range.is_none()
                && value_of(&sel.component)
                    .is_some_and(|v| selection_matches(schema, sel, v) == sel.include)
        });
        if hits {
            return false;
        }
    }
    let key_matches = |k: &crate::model::DataKey| {
        k.values
            .iter()
            .all(|(d, v)| value_of(d).is_none_or(|kv| kv == v))
    };
    let mut any_included = false;
    let mut in_included = false;
    for set in &c.data_key_sets {
        for k in &set.keys {
            if set.included && k.include {
                any_included = true;
                in_included |= key_matches(k);
            } else if k.values.iter().all(|(d, _)| value_of(d).is_some()) && key_matches(k) {
                return false;
            }
        }
    }
    !any_included || in_included
}
