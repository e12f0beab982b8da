//! The SDMX-ML 3.0 structure writer: element order follows the official 3.0
//! schemas (`SDMXStructure*.xsd`), so the output validates with `xmllint`.

use crate::model::{
    Annotation, ArtefactClass, ArtefactRef, AttributeRelationship, ConstraintRole, Contact,
    DataStructure, DimensionKind, Item, LocalisedText, MaintainableMeta, MemberSelection,
    Representation, Structures, TextFormat, TimeRange, TimeRangeBound, UsageStatus,
};
use crate::structure::{MessageHeader, StructureError};

use super::{NS_COMMON, NS_MESSAGE, NS_STRUCTURE};

const FORMAT: &str = "SDMX-ML 3.0";

/// Escapes text for element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// An indenting XML text builder.
struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn start_tag(&mut self, name: &str, attrs: &[(&str, String)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            self.out.push_str(&format!(" {k}=\"{}\"", esc(v)));
        }
    }

    fn open(&mut self, name: &str, attrs: &[(&str, String)]) {
        self.start_tag(name, attrs);
        self.out.push_str(">\n");
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth -= 1;
        self.indent();
        self.out.push_str(&format!("</{name}>\n"));
    }

    fn empty(&mut self, name: &str, attrs: &[(&str, String)]) {
        self.start_tag(name, attrs);
        self.out.push_str("/>\n");
    }

    fn leaf(&mut self, name: &str, attrs: &[(&str, String)], text: &str) {
        self.start_tag(name, attrs);
        self.out.push_str(&format!(">{}</{name}>\n", esc(text)));
    }

    fn texts(&mut self, name: &str, t: &LocalisedText) {
        for (lang, text) in t.iter() {
            self.leaf(name, &[("xml:lang", lang.to_owned())], text);
        }
    }
}

fn attr_opt<'a>(attrs: &mut Vec<(&'a str, String)>, name: &'a str, v: &Option<String>) {
    if let Some(v) = v {
        attrs.push((name, v.clone()));
    }
}

fn bool_text(b: bool) -> String {
    if b { "true" } else { "false" }.to_owned()
}

pub(super) fn render(s: &Structures, h: &MessageHeader) -> Result<String, StructureError> {
    let mut x = Xml {
        out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
        depth: 0,
    };
    x.open(
        "mes:Structure",
        &[
            ("xmlns:mes", NS_MESSAGE.to_owned()),
            ("xmlns:str", NS_STRUCTURE.to_owned()),
            ("xmlns:com", NS_COMMON.to_owned()),
        ],
    );
    x.open("mes:Header", &[]);
    x.leaf("mes:ID", &[], &h.id);
    x.leaf("mes:Test", &[], &bool_text(h.test));
    x.leaf("mes:Prepared", &[], &h.prepared);
    x.empty("mes:Sender", &[("id", h.sender.clone())]);
    x.close("mes:Header");
    if !s.is_empty() {
        x.open("mes:Structures", &[]);
        // The order of the groups is the one StructuresType fixes (alphabetical).
        group(&mut x, "str:AgencySchemes", &s.agency_schemes, |x, a| {
            let mut attrs = meta_attrs(&a.meta, ArtefactClass::AgencyScheme);
            push_partial(&mut attrs, None);
            x.open("str:AgencyScheme", &attrs);
            meta_body(x, &a.meta);
            for ag in &a.agencies {
                organisation(x, "str:Agency", &ag.item, &ag.contacts);
            }
            x.close("str:AgencyScheme");
            Ok(())
        })?;
        group(&mut x, "str:Codelists", &s.codelists, |x, c| {
            let mut attrs = meta_attrs(&c.meta, ArtefactClass::Codelist);
            push_partial(&mut attrs, c.is_partial);
            x.open("str:Codelist", &attrs);
            meta_body(x, &c.meta);
            for code in &c.codes {
                item_open(x, "str:Code", code);
                item_body(x, code);
                x.close("str:Code");
            }
            x.close("str:Codelist");
            Ok(())
        })?;
        group(&mut x, "str:ConceptSchemes", &s.concept_schemes, |x, cs| {
            x.open(
                "str:ConceptScheme",
                &meta_attrs(&cs.meta, ArtefactClass::ConceptScheme),
            );
            meta_body(x, &cs.meta);
            for c in &cs.concepts {
                item_open(x, "str:Concept", &c.item);
                item_body(x, &c.item);
                if let Some(r) = &c.core_representation {
                    representation(x, "str:CoreRepresentation", r, &cs.meta.id)?;
                }
                x.close("str:Concept");
            }
            x.close("str:ConceptScheme");
            Ok(())
        })?;
        group(&mut x, "str:DataConstraints", &s.constraints, |x, c| {
            let mut attrs = meta_attrs(&c.meta, ArtefactClass::DataConstraint);
            attrs.push((
                "role",
                match c.role {
                    ConstraintRole::Allowed => "Allowed",
                    ConstraintRole::Actual => "Actual",
                }
                .to_owned(),
            ));
            x.open("str:DataConstraint", &attrs);
            meta_body(x, &c.meta);
            let a = &c.attachment;
            if !a.is_empty() {
                x.open("str:ConstraintAttachment", &[]);
                if let Some(p) = &a.data_provider {
                    x.leaf("str:DataProvider", &[], &p.urn());
                }
                for u in &a.simple_data_sources {
                    x.leaf("str:SimpleDataSource", &[], u);
                }
                for r in &a.data_structures {
                    x.leaf("str:DataStructure", &[], &r.urn());
                }
                for r in &a.dataflows {
                    x.leaf("str:Dataflow", &[], &r.urn());
                }
                for r in &a.provision_agreements {
                    x.leaf("str:ProvisionAgreement", &[], &r.urn());
                }
                x.close("str:ConstraintAttachment");
            }
            for ks in &c.data_key_sets {
                x.open("str:DataKeySet", &[("isIncluded", bool_text(ks.included))]);
                for k in &ks.keys {
                    let attrs = if k.include {
                        vec![]
                    } else {
                        vec![("include", bool_text(false))]
                    };
                    x.open("str:Key", &attrs);
                    for (id, v) in &k.values {
                        x.open("str:KeyValue", &[("id", id.clone())]);
                        x.leaf("str:Value", &[], v);
                        x.close("str:KeyValue");
                    }
                    x.close("str:Key");
                }
                x.close("str:DataKeySet");
            }
            for cr in &c.cube_regions {
                x.open("str:CubeRegion", &[("include", bool_text(cr.include))]);
                for kv in &cr.key_values {
                    selection(x, "str:KeyValue", kv);
                }
                for kv in &cr.attributes {
                    selection(x, "str:Component", kv);
                }
                x.close("str:CubeRegion");
            }
            x.close("str:DataConstraint");
            Ok(())
        })?;
        group(&mut x, "str:Dataflows", &s.dataflows, |x, d| {
            x.open(
                "str:Dataflow",
                &meta_attrs(&d.meta, ArtefactClass::Dataflow),
            );
            meta_body(x, &d.meta);
            if let Some(r) = &d.structure {
                x.leaf("str:Structure", &[], &r.urn());
            }
            x.close("str:Dataflow");
            Ok(())
        })?;
        group(
            &mut x,
            "str:DataProviderSchemes",
            &s.data_provider_schemes,
            |x, p| {
                x.open(
                    "str:DataProviderScheme",
                    &meta_attrs(&p.meta, ArtefactClass::DataProviderScheme),
                );
                meta_body(x, &p.meta);
                for dp in &p.providers {
                    organisation(x, "str:DataProvider", &dp.item, &dp.contacts);
                }
                x.close("str:DataProviderScheme");
                Ok(())
            },
        )?;
        group(&mut x, "str:DataStructures", &s.data_structures, |x, d| {
            data_structure(x, d)
        })?;
        group(
            &mut x,
            "str:ProvisionAgreements",
            &s.provision_agreements,
            |x, p| {
                x.open(
                    "str:ProvisionAgreement",
                    &meta_attrs(&p.meta, ArtefactClass::ProvisionAgreement),
                );
                meta_body(x, &p.meta);
                x.leaf("str:Dataflow", &[], &p.dataflow.urn());
                x.leaf("str:DataProvider", &[], &p.data_provider.urn());
                x.close("str:ProvisionAgreement");
                Ok(())
            },
        )?;
        x.close("mes:Structures");
    }
    x.close("mes:Structure");
    Ok(x.out)
}

fn group<T>(
    x: &mut Xml,
    name: &str,
    items: &[T],
    mut each: impl FnMut(&mut Xml, &T) -> Result<(), StructureError>,
) -> Result<(), StructureError> {
    if items.is_empty() {
        return Ok(());
    }
    x.open(name, &[]);
    for i in items {
        each(x, i)?;
    }
    x.close(name);
    Ok(())
}

fn push_partial(attrs: &mut Vec<(&str, String)>, partial: Option<bool>) {
    if let Some(p) = partial {
        attrs.push(("isPartial", bool_text(p)));
    }
}

fn meta_attrs(m: &MaintainableMeta, class: ArtefactClass) -> Vec<(&'static str, String)> {
    let mut a = vec![("urn", m.reference(class).urn())];
    attr_opt(&mut a, "uri", &m.uri);
    if let Some(e) = m.is_external_reference {
        a.push(("isExternalReference", bool_text(e)));
    }
    a.push(("agencyID", m.agency.clone()));
    a.push(("id", m.id.clone()));
    // Organisation schemes are unversioned in 3.0 (the attribute is prohibited).
    if !matches!(
        class,
        ArtefactClass::AgencyScheme | ArtefactClass::DataProviderScheme
    ) {
        a.push(("version", m.version.to_string()));
    }
    attr_opt(&mut a, "validFrom", &m.valid_from);
    attr_opt(&mut a, "validTo", &m.valid_to);
    a
}

fn annotations(x: &mut Xml, list: &[Annotation]) {
    if list.is_empty() {
        return;
    }
    x.open("com:Annotations", &[]);
    for a in list {
        let mut attrs = Vec::new();
        attr_opt(&mut attrs, "id", &a.id);
        x.open("com:Annotation", &attrs);
        if let Some(t) = &a.title {
            x.leaf("com:AnnotationTitle", &[], t);
        }
        if let Some(t) = &a.annotation_type {
            x.leaf("com:AnnotationType", &[], t);
        }
        if let Some(u) = &a.url {
            x.leaf("com:AnnotationURL", &[], u);
        }
        x.texts("com:AnnotationText", &a.text);
        x.close("com:Annotation");
    }
    x.close("com:Annotations");
}

fn meta_body(x: &mut Xml, m: &MaintainableMeta) {
    annotations(x, &m.annotations);
    x.texts("com:Name", &m.names);
    x.texts("com:Description", &m.descriptions);
}

fn item_open(x: &mut Xml, name: &str, item: &Item) {
    x.open(name, &[("id", item.id.clone())]);
}

fn item_body(x: &mut Xml, item: &Item) {
    annotations(x, &item.annotations);
    x.texts("com:Name", &item.names);
    x.texts("com:Description", &item.descriptions);
    if let Some(p) = &item.parent {
        x.leaf("str:Parent", &[], p);
    }
}

fn organisation(x: &mut Xml, name: &str, item: &Item, contacts: &[Contact]) {
    item_open(x, name, item);
    item_body(x, item);
    for c in contacts {
        x.open("str:Contact", &[]);
        x.texts("com:Name", &c.names);
        x.texts("str:Department", &c.department);
        x.texts("str:Role", &c.role);
        for t in &c.telephones {
            x.leaf("str:Telephone", &[], t);
        }
        for u in &c.uris {
            x.leaf("str:URI", &[], u);
        }
        for e in &c.emails {
            x.leaf("str:Email", &[], e);
        }
        x.close("str:Contact");
    }
    x.close(name);
}

fn text_format_attrs(t: &TextFormat) -> Vec<(&'static str, String)> {
    let mut a = Vec::new();
    if let Some(d) = t.data_type {
        a.push(("textType", d.name().to_owned()));
    }
    if let Some(b) = t.is_sequence {
        a.push(("isSequence", bool_text(b)));
    }
    attr_opt(&mut a, "interval", &t.interval);
    attr_opt(&mut a, "startValue", &t.start_value);
    attr_opt(&mut a, "endValue", &t.end_value);
    attr_opt(&mut a, "timeInterval", &t.time_interval);
    attr_opt(&mut a, "startTime", &t.start_time);
    attr_opt(&mut a, "endTime", &t.end_time);
    if let Some(v) = t.min_length {
        a.push(("minLength", v.to_string()));
    }
    if let Some(v) = t.max_length {
        a.push(("maxLength", v.to_string()));
    }
    attr_opt(&mut a, "minValue", &t.min_value);
    attr_opt(&mut a, "maxValue", &t.max_value);
    if let Some(v) = t.decimals {
        a.push(("decimals", v.to_string()));
    }
    attr_opt(&mut a, "pattern", &t.pattern);
    if let Some(b) = t.is_multilingual {
        a.push(("isMultiLingual", bool_text(b)));
    }
    a
}

fn representation(
    x: &mut Xml,
    name: &str,
    r: &Representation,
    owner: &str,
) -> Result<(), StructureError> {
    let mut attrs = Vec::new();
    if let Some(m) = r.min_occurs {
        attrs.push(("minOccurs", m.to_string()));
    }
    if r.max_unbounded {
        attrs.push(("maxOccurs", "unbounded".to_owned()));
    } else if let Some(m) = r.max_occurs {
        attrs.push(("maxOccurs", m.to_string()));
    }
    x.open(name, &attrs);
    match (&r.enumeration, &r.text_format) {
        (Some(e), _) => {
            enumeration(x, e, owner)?;
            if let Some(f) = &r.enumeration_format {
                x.empty("str:EnumerationFormat", &text_format_attrs(f));
            }
        }
        (None, Some(t)) => x.empty("str:TextFormat", &text_format_attrs(t)),
        // An empty representation is not allowed: fall back to the default text type.
        (None, None) => x.empty("str:TextFormat", &[]),
    }
    x.close(name);
    Ok(())
}

fn enumeration(x: &mut Xml, e: &ArtefactRef, owner: &str) -> Result<(), StructureError> {
    if !matches!(e.class, ArtefactClass::Codelist | ArtefactClass::ValueList) {
        return Err(StructureError::Unsupported {
            artefact: owner.to_owned(),
            format: FORMAT,
            message: format!(
                "a representation enumerated by {} (SDMX-ML 3.0 only allows codelists and value lists)",
                e.urn()
            ),
        });
    }
    x.leaf("str:Enumeration", &[], &e.urn());
    Ok(())
}

fn usage_text(u: UsageStatus) -> String {
    match u {
        UsageStatus::Mandatory => "mandatory",
        UsageStatus::Conditional => "optional",
    }
    .to_owned()
}

fn data_structure(x: &mut Xml, d: &DataStructure) -> Result<(), StructureError> {
    let urn = d.meta.reference(ArtefactClass::DataStructure).urn();
    let unsupported = |message: String| StructureError::Unsupported {
        artefact: urn.clone(),
        format: FORMAT,
        message,
    };
    x.open(
        "str:DataStructure",
        &meta_attrs(&d.meta, ArtefactClass::DataStructure),
    );
    meta_body(x, &d.meta);
    x.open("str:DataStructureComponents", &[]);
    x.open(
        "str:DimensionList",
        &[("id", "DimensionDescriptor".to_owned())],
    );
    // The schema wants every Dimension before the TimeDimension.
    let mut dims: Vec<_> = d.dimensions.iter().collect();
    dims.sort_by_key(|dim| (dim.kind == DimensionKind::Time, dim.position));
    for dim in dims {
        let (name, attrs) = match dim.kind {
            DimensionKind::Dimension => (
                "str:Dimension",
                vec![
                    ("id", dim.id.clone()),
                    ("position", dim.position.to_string()),
                ],
            ),
            DimensionKind::Time => ("str:TimeDimension", vec![("id", dim.id.clone())]),
            DimensionKind::Measure => {
                return Err(unsupported(format!(
                    "measure dimension {} (SDMX 3.0 has no measure dimension; use several measures instead)",
                    dim.id
                )));
            }
        };
        x.open(name, &attrs);
        annotations(x, &dim.annotations);
        concept_identity(x, &dim.concept, &dim.id, &urn)?;
        if let Some(r) = &dim.representation {
            representation(x, "str:LocalRepresentation", r, &urn)?;
        }
        if dim.kind == DimensionKind::Dimension {
            for role in &dim.roles {
                x.leaf("str:ConceptRole", &[], &role.urn());
            }
        }
        x.close(name);
    }
    x.close("str:DimensionList");
    for g in &d.groups {
        if g.attachment_constraint.is_some() || g.dimensions.is_empty() {
            return Err(unsupported(format!(
                "group {} is defined by an attachment constraint, which SDMX 3.0 does not have",
                g.id
            )));
        }
        x.open("str:Group", &[("id", g.id.clone())]);
        annotations(x, &g.annotations);
        for dim in &g.dimensions {
            x.open("str:GroupDimension", &[]);
            x.leaf("str:DimensionReference", &[], dim);
            x.close("str:GroupDimension");
        }
        x.close("str:Group");
    }
    if !d.attributes.is_empty() {
        x.open(
            "str:AttributeList",
            &[("id", "AttributeDescriptor".to_owned())],
        );
        for a in &d.attributes {
            x.open(
                "str:Attribute",
                &[("id", a.id.clone()), ("usage", usage_text(a.usage))],
            );
            annotations(x, &a.annotations);
            concept_identity(x, &a.concept, &a.id, &urn)?;
            if let Some(r) = &a.representation {
                representation(x, "str:LocalRepresentation", r, &urn)?;
            }
            for role in &a.roles {
                x.leaf("str:ConceptRole", &[], &role.urn());
            }
            x.open("str:AttributeRelationship", &[]);
            match &a.relationship {
                AttributeRelationship::None | AttributeRelationship::Dataflow => {
                    x.empty("str:Dataflow", &[]);
                }
                AttributeRelationship::Dimensions {
                    dimensions,
                    attachment_groups,
                } => {
                    if !attachment_groups.is_empty() {
                        return Err(unsupported(format!(
                            "attribute {} has 2.1 attachment groups, which SDMX 3.0 does not have",
                            a.id
                        )));
                    }
                    for dim in dimensions {
                        x.leaf("str:Dimension", &[], dim);
                    }
                }
                AttributeRelationship::Group(g) => x.leaf("str:Group", &[], g),
                AttributeRelationship::Observation => x.empty("str:Observation", &[]),
            }
            x.close("str:AttributeRelationship");
            if !a.measures.is_empty() {
                x.open("str:MeasureRelationship", &[]);
                for m in &a.measures {
                    x.leaf("str:Measure", &[], m);
                }
                x.close("str:MeasureRelationship");
            }
            x.close("str:Attribute");
        }
        x.close("str:AttributeList");
    }
    if !d.measures.is_empty() {
        x.open("str:MeasureList", &[("id", "MeasureDescriptor".to_owned())]);
        for m in &d.measures {
            x.open(
                "str:Measure",
                &[("id", m.id.clone()), ("usage", usage_text(m.usage))],
            );
            annotations(x, &m.annotations);
            concept_identity(x, &m.concept, &m.id, &urn)?;
            if let Some(r) = &m.representation {
                representation(x, "str:LocalRepresentation", r, &urn)?;
            }
            for role in &m.roles {
                x.leaf("str:ConceptRole", &[], &role.urn());
            }
            x.close("str:Measure");
        }
        x.close("str:MeasureList");
    }
    x.close("str:DataStructureComponents");
    if let Some(m) = &d.metadata_structure {
        x.leaf("str:Metadata", &[], &m.urn());
    }
    x.close("str:DataStructure");
    Ok(())
}

fn concept_identity(
    x: &mut Xml,
    concept: &Option<crate::model::ItemRef>,
    component: &str,
    urn: &str,
) -> Result<(), StructureError> {
    match concept {
        Some(c) => {
            x.leaf("str:ConceptIdentity", &[], &c.urn());
            Ok(())
        }
        None => Err(StructureError::Unsupported {
            artefact: urn.to_owned(),
            format: FORMAT,
            message: format!("component {component} has no concept identity, which 3.0 requires"),
        }),
    }
}

fn selection(x: &mut Xml, name: &str, s: &MemberSelection) {
    let mut attrs = vec![("id", s.component.clone())];
    if !s.include {
        attrs.push(("include", bool_text(false)));
    }
    if s.values.is_empty() && s.time_range.is_none() {
        x.empty(name, &attrs);
        return;
    }
    x.open(name, &attrs);
    for v in &s.values {
        let mut a = Vec::new();
        if v.cascade {
            a.push(("cascadeValues", bool_text(true)));
        }
        attr_opt(&mut a, "validFrom", &v.valid_from);
        attr_opt(&mut a, "validTo", &v.valid_to);
        x.leaf("str:Value", &a, &v.value);
    }
    if let Some(t) = &s.time_range {
        x.open("str:TimeRange", &[]);
        let bound = |x: &mut Xml, n: &str, b: &TimeRangeBound| {
            x.leaf(n, &[("isInclusive", bool_text(b.inclusive))], &b.period);
        };
        match t {
            TimeRange::Before(b) => bound(x, "str:BeforePeriod", b),
            TimeRange::After(b) => bound(x, "str:AfterPeriod", b),
            TimeRange::Between { start, end } => {
                bound(x, "str:StartPeriod", start);
                bound(x, "str:EndPeriod", end);
            }
        }
        x.close("str:TimeRange");
    }
    x.close(name);
}
