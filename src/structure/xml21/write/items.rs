//! Item schemes: codelists, concept schemes, agency and data provider schemes.

use super::common::{
    RepresentationOf, bool_text, item_body, maintainable_attrs, maintainable_body, representation,
};
use super::xml::{Attrs, Xml};
use crate::model::{
    AgencyScheme, ArtefactClass, Codelist, ConceptScheme, Contact, DataProviderScheme,
    LocalisedText, MaintainableMeta,
};

/// A `str:Codelist`.
pub(super) fn codelist(x: &mut Xml, c: &Codelist) {
    let mut attrs = maintainable_attrs(x, &c.meta, ArtefactClass::Codelist);
    if let Some(p) = c.is_partial {
        attrs.push(("isPartial", bool_text(p)));
    }
    x.start("str:Codelist", attrs);
    maintainable_body(x, &c.meta);
    for code in &c.codes {
        x.start("str:Code", vec![("id", code.id.as_str().into())]);
        item_body(x, code, true);
        x.end("str:Code");
    }
    x.end("str:Codelist");
}

/// A `str:ConceptScheme`.
pub(super) fn concept_scheme(x: &mut Xml, s: &ConceptScheme) {
    let attrs = maintainable_attrs(x, &s.meta, ArtefactClass::ConceptScheme);
    x.start("str:ConceptScheme", attrs);
    maintainable_body(x, &s.meta);
    for c in &s.concepts {
        x.start("str:Concept", vec![("id", c.item.id.as_str().into())]);
        item_body(x, &c.item, true);
        if let Some(r) = &c.core_representation {
            representation(x, "str:CoreRepresentation", r, RepresentationOf::Concept);
        }
        x.end("str:Concept");
    }
    x.end("str:ConceptScheme");
}

/// The attributes of an organisation scheme, whose id, version (`1.0`) and
/// `isFinal` (`false`) the 2.1 schema fixes: a final flag is written as `false`
/// (organisation schemes are never final in 2.1), other ids or versions are refused.
fn organisation_scheme_attrs<'a>(
    x: &mut Xml,
    meta: &'a MaintainableMeta,
    class: ArtefactClass,
    fixed_id: &str,
) -> Attrs<'a> {
    let mut attrs = maintainable_attrs(x, meta, class);
    if meta.id != fixed_id || meta.version.to_string() != "1.0" {
        x.fail(format!(
            "SDMX-ML 2.1 requires a {} to have id {fixed_id} and version 1.0",
            class.name()
        ));
    }
    for (k, v) in attrs.iter_mut() {
        if *k == "isFinal" {
            *v = bool_text(false);
        }
    }
    attrs
}

/// A `str:AgencyScheme`.
pub(super) fn agency_scheme(x: &mut Xml, s: &AgencyScheme) {
    let attrs = organisation_scheme_attrs(x, &s.meta, ArtefactClass::AgencyScheme, "AGENCIES");
    x.start("str:AgencyScheme", attrs);
    maintainable_body(x, &s.meta);
    for a in &s.agencies {
        x.start("str:Agency", vec![("id", a.item.id.as_str().into())]);
        item_body(x, &a.item, false);
        contacts(x, &a.contacts);
        x.end("str:Agency");
    }
    x.end("str:AgencyScheme");
}

/// A `str:DataProviderScheme`.
pub(super) fn provider_scheme(x: &mut Xml, s: &DataProviderScheme) {
    let attrs = organisation_scheme_attrs(
        x,
        &s.meta,
        ArtefactClass::DataProviderScheme,
        "DATA_PROVIDERS",
    );
    x.start("str:DataProviderScheme", attrs);
    maintainable_body(x, &s.meta);
    for p in &s.providers {
        x.start("str:DataProvider", vec![("id", p.item.id.as_str().into())]);
        item_body(x, &p.item, false);
        contacts(x, &p.contacts);
        x.end("str:DataProvider");
    }
    x.end("str:DataProviderScheme");
}

/// `str:Contact`s in schema order.
fn contacts(x: &mut Xml, contacts: &[Contact]) {
    let texts = |x: &mut Xml, name: &str, t: &LocalisedText| {
        for (lang, text) in t.iter() {
            x.leaf(name, vec![("xml:lang", lang.into())], text);
        }
    };
    for c in contacts {
        x.start("str:Contact", vec![]);
        texts(x, "com:Name", &c.names);
        texts(x, "str:Department", &c.department);
        texts(x, "str:Role", &c.role);
        for t in &c.telephones {
            x.leaf("str:Telephone", vec![], t);
        }
        for u in &c.uris {
            x.leaf("str:URI", vec![], u);
        }
        for e in &c.emails {
            x.leaf("str:Email", vec![], e);
        }
        x.end("str:Contact");
    }
}
