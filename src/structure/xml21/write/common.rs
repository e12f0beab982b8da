//! Pieces every artefact shares: identity attributes, names, annotations,
//! references and representations.

use std::borrow::Cow;

use super::xml::{Attrs, Xml};
use crate::model::{
    Annotation, ArtefactClass, ArtefactRef, Item, ItemRef, LocalisedText, MaintainableMeta,
    Representation, TextFormat, VersionReq,
};

/// The attributes of a maintainable artefact, in schema order.
pub(super) fn maintainable_attrs<'a>(
    x: &mut Xml,
    meta: &'a MaintainableMeta,
    class: ArtefactClass,
) -> Attrs<'a> {
    let urn = meta.reference(class).urn();
    x.artefact = urn.clone();
    let version = version_text(x, &VersionReq::Exact(meta.version.clone()));
    let mut a: Attrs<'_> = vec![("id", meta.id.as_str().into()), ("urn", urn.into())];
    if let Some(uri) = &meta.uri {
        a.push(("uri", uri.as_str().into()));
    }
    a.push(("agencyID", meta.agency.as_str().into()));
    a.push(("version", version.into()));
    if let Some(f) = meta.is_final {
        a.push(("isFinal", bool_text(f)));
    }
    if let Some(e) = meta.is_external_reference {
        a.push(("isExternalReference", bool_text(e)));
    }
    if let Some(v) = &meta.valid_from {
        a.push(("validFrom", v.as_str().into()));
    }
    if let Some(v) = &meta.valid_to {
        a.push(("validTo", v.as_str().into()));
    }
    a
}

/// A version as 2.1 writes it (`[0-9]+(\.[0-9]+)*`): 3.0 drafts (`1.0.0-draft`)
/// and version queries (`latest`, `1.0+.0`) have no 2.1 form and are refused.
fn version_text(x: &mut Xml, v: &VersionReq) -> String {
    match v {
        VersionReq::Exact(e) if e.extension().is_none() => e.to_string(),
        other => {
            x.fail(format!(
                "version {other} has no SDMX-ML 2.1 form (2.1 versions are numbers separated by dots)"
            ));
            other.to_string()
        }
    }
}

/// `true` / `false`.
pub(super) fn bool_text(b: bool) -> Cow<'static, str> {
    if b { "true".into() } else { "false".into() }
}

/// Annotations, names and descriptions of a nameable artefact. SDMX-ML 2.1 requires
/// a name: when the model has none (a source format without names) the id stands in.
pub(super) fn nameable(
    x: &mut Xml,
    id: &str,
    annotations: &[Annotation],
    names: &LocalisedText,
    descriptions: &LocalisedText,
) {
    write_annotations(x, annotations);
    if names.is_empty() {
        x.leaf("com:Name", vec![("xml:lang", "en".into())], id);
    }
    texts(x, "com:Name", names);
    texts(x, "com:Description", descriptions);
}

/// The identity children of a maintainable artefact.
pub(super) fn maintainable_body(x: &mut Xml, meta: &MaintainableMeta) {
    nameable(
        x,
        &meta.id,
        &meta.annotations,
        &meta.names,
        &meta.descriptions,
    );
}

/// The common children of an item; `Parent` follows when the item type allows it.
pub(super) fn item_body(x: &mut Xml, item: &Item, with_parent: bool) {
    nameable(
        x,
        &item.id,
        &item.annotations,
        &item.names,
        &item.descriptions,
    );
    if with_parent {
        if let Some(p) = &item.parent {
            x.start("str:Parent", vec![]);
            local_ref(x, p);
            x.end("str:Parent");
        }
    }
}

/// One element per language.
fn texts(x: &mut Xml, name: &str, t: &LocalisedText) {
    for (lang, text) in t.iter() {
        x.leaf(name, vec![("xml:lang", lang.into())], text);
    }
}

/// A `com:Annotations` block (nothing when there are none).
pub(super) fn write_annotations(x: &mut Xml, annotations: &[Annotation]) {
    if annotations.is_empty() {
        return;
    }
    x.start("com:Annotations", vec![]);
    for a in annotations {
        let attrs: Attrs<'_> = a.id.iter().map(|id| ("id", id.as_str().into())).collect();
        x.start("com:Annotation", attrs);
        if let Some(t) = &a.title {
            x.leaf("com:AnnotationTitle", vec![], t);
        }
        if let Some(t) = &a.annotation_type {
            x.leaf("com:AnnotationType", vec![], t);
        }
        if let Some(u) = &a.url {
            x.leaf("com:AnnotationURL", vec![], u);
        }
        texts(x, "com:AnnotationText", &a.text);
        x.end("com:Annotation");
    }
    x.end("com:Annotations");
}

/// `<Ref id="…"/>`: a reference within the same artefact.
pub(super) fn local_ref(x: &mut Xml, id: &str) {
    x.empty("Ref", vec![("id", id.into())]);
}

/// `<Ref …/>` to a maintainable artefact. `with_class` is false where the schema
/// fixes a class the model does not name (attachment constraints).
pub(super) fn maintainable_ref(x: &mut Xml, r: &ArtefactRef, with_class: bool) {
    let mut a: Attrs<'_> = vec![
        ("agencyID", r.agency.as_str().into()),
        ("id", r.id.as_str().into()),
        ("version", version_text(x, &r.version).into()),
    ];
    if with_class {
        a.push(("class", r.class.name().into()));
        a.push(("package", r.class.package().into()));
    }
    x.empty("Ref", a);
}

/// `<Ref …/>` to an item (concept, data provider) of a scheme.
pub(super) fn item_ref(x: &mut Xml, r: &ItemRef) {
    let class = r.scheme.class.item_class().unwrap_or(r.scheme.class);
    let version = version_text(x, &r.scheme.version);
    x.empty(
        "Ref",
        vec![
            ("agencyID", r.scheme.agency.as_str().into()),
            ("maintainableParentID", r.scheme.id.as_str().into()),
            ("maintainableParentVersion", version.into()),
            ("id", r.item_id.as_str().into()),
            ("class", class.name().into()),
            ("package", class.package().into()),
        ],
    );
}

/// A wrapper element holding one `Ref`.
pub(super) fn wrapped_ref(x: &mut Xml, name: &str, r: &ArtefactRef) {
    x.start(name, vec![]);
    maintainable_ref(x, r, true);
    x.end(name);
}

/// A wrapper element holding one item `Ref`.
pub(super) fn wrapped_item_ref(x: &mut Xml, name: &str, r: &ItemRef) {
    x.start(name, vec![]);
    item_ref(x, r);
    x.end(name);
}

/// Where a representation sits: the 2.1 schema allows fewer facets on DSD
/// components than on concepts, and fewer still on the time dimension.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum RepresentationOf {
    /// A concept's core representation: every facet.
    Concept,
    /// A dimension, attribute or measure: no `isMultiLingual`, and no `decimals` on
    /// an enumeration format.
    Component,
    /// The time dimension: only the type and the start and end times.
    Time,
}

/// A representation element (`CoreRepresentation`, `LocalRepresentation`): the
/// schema allows either a text format or an enumeration with its format, so a
/// representation with neither is left out. Facets the schema prohibits where the
/// representation sits (only 3.0 sources carry them) are dropped.
pub(super) fn representation(x: &mut Xml, name: &str, rep: &Representation, of: RepresentationOf) {
    if rep.enumeration.is_none() && rep.text_format.is_none() {
        return;
    }
    x.start(name, vec![]);
    match &rep.enumeration {
        Some(e) => {
            wrapped_ref(x, "str:Enumeration", e);
            if let Some(f) = &rep.enumeration_format {
                let mut f = f.clone();
                if of != RepresentationOf::Concept {
                    f.decimals = None;
                    f.is_multilingual = None;
                }
                text_format(x, "str:EnumerationFormat", &f);
            }
        }
        None => {
            if let Some(f) = &rep.text_format {
                let f = match of {
                    RepresentationOf::Concept => f.clone(),
                    RepresentationOf::Component => TextFormat {
                        is_multilingual: None,
                        ..f.clone()
                    },
                    RepresentationOf::Time => TextFormat {
                        data_type: f.data_type,
                        start_time: f.start_time.clone(),
                        end_time: f.end_time.clone(),
                        ..TextFormat::default()
                    },
                };
                text_format(x, "str:TextFormat", &f);
            }
        }
    }
    x.end(name);
}

/// A `TextFormat` / `EnumerationFormat` with its facets.
fn text_format(x: &mut Xml, name: &str, f: &TextFormat) {
    let mut a: Attrs<'static> = Vec::new();
    let mut put = |k: &'static str, v: Option<String>| {
        if let Some(v) = v {
            a.push((k, Cow::Owned(v)));
        }
    };
    let s = |v: &Option<String>| v.clone();
    let n = |v: Option<u64>| v.map(|n| n.to_string());
    put("textType", f.data_type.map(|t| t.name().to_owned()));
    put(
        "isSequence",
        f.is_sequence.map(|b| bool_text(b).into_owned()),
    );
    put("interval", s(&f.interval));
    put("startValue", s(&f.start_value));
    put("endValue", s(&f.end_value));
    put("timeInterval", s(&f.time_interval));
    put("startTime", s(&f.start_time));
    put("endTime", s(&f.end_time));
    put("minLength", n(f.min_length));
    put("maxLength", n(f.max_length));
    put("minValue", s(&f.min_value));
    put("maxValue", s(&f.max_value));
    put("decimals", n(f.decimals.map(u64::from)));
    put("pattern", s(&f.pattern));
    put(
        "isMultiLingual",
        f.is_multilingual.map(|b| bool_text(b).into_owned()),
    );
    x.empty(name, a);
}
