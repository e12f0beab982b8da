//! What every artefact shares: maintainable identity, names, annotations, items,
//! references (`<Ref …/>` or `<URN>`) and representations.

use roxmltree::Node;

use super::Ctx;
use crate::model::{
    Annotation, ArtefactClass, ArtefactRef, Item, ItemRef, LocalisedText, MaintainableMeta,
    Representation, TextFormat, Version, VersionReq,
};
use crate::structure::StructureError;
use crate::structure::xml_util::{
    bool_attr, child, child_local, children, lang, required_attr, text,
};
use crate::structure::xml21::{COM, STR};

/// Element names every identifiable/nameable artefact may carry.
pub(super) const NAMEABLE: &[&str] = &["Annotations", "Name", "Description"];

/// Reads the identity, names and annotations of a maintainable artefact of `class`.
/// Returns the metadata and a label (its URN) for errors about its content.
pub(super) fn maintainable(
    ctx: &Ctx<'_>,
    node: Node<'_, '_>,
    class: ArtefactClass,
) -> Result<(MaintainableMeta, String), StructureError> {
    let what = format!(
        "{} {}:{}",
        class.name(),
        node.attribute("agencyID").unwrap_or("?"),
        node.attribute("id").unwrap_or("?")
    );
    let id = required_attr(node, "id", ctx.source, &what)?;
    let agency = required_attr(node, "agencyID", ctx.source, &what)?;
    let version: Version = node
        .attribute("version")
        .unwrap_or("1.0")
        .parse()
        .map_err(|e| ctx.err(node, &what, format!("{e}")))?;
    let meta = MaintainableMeta {
        agency: agency.to_owned(),
        id: id.to_owned(),
        version,
        names: localised(node, "Name"),
        descriptions: localised(node, "Description"),
        annotations: annotations(node),
        is_final: bool_attr(node, "isFinal", ctx.source, &what)?,
        is_external_reference: bool_attr(node, "isExternalReference", ctx.source, &what)?,
        uri: node.attribute("uri").map(str::to_owned),
        valid_from: node.attribute("validFrom").map(str::to_owned),
        valid_to: node.attribute("validTo").map(str::to_owned),
    };
    let label = meta.reference(class).urn();
    Ok((meta, label))
}

/// `com:Name` / `com:Description` children as a multilingual text.
pub(super) fn localised(node: Node<'_, '_>, name: &'static str) -> LocalisedText {
    let mut t = LocalisedText::default();
    for n in children(node, COM, name) {
        t.set(lang(n), n.text().unwrap_or(""));
    }
    t
}

/// The annotations in a `com:Annotations` child.
pub(super) fn annotations(node: Node<'_, '_>) -> Vec<Annotation> {
    let Some(list) = child(node, COM, "Annotations") else {
        return Vec::new();
    };
    children(list, COM, "Annotation")
        .map(|a| {
            let mut text = LocalisedText::default();
            for t in children(a, COM, "AnnotationText") {
                text.set(lang(t), t.text().unwrap_or(""));
            }
            let field = |name| child(a, COM, name).map(|n| n.text().unwrap_or("").to_owned());
            Annotation {
                id: a.attribute("id").map(str::to_owned),
                title: field("AnnotationTitle"),
                annotation_type: field("AnnotationType"),
                url: field("AnnotationURL"),
                text,
            }
        })
        .collect()
}

/// Reads the common part of an item (code, concept, agency, provider): id, names,
/// descriptions, annotations and `Parent`.
pub(super) fn item(
    ctx: &Ctx<'_>,
    node: Node<'_, '_>,
    scheme: &str,
) -> Result<Item, StructureError> {
    let id = required_attr(node, "id", ctx.source, scheme)?;
    let parent = match child(node, STR, "Parent") {
        Some(p) => Some(local_ref_id(ctx, p, &format!("{scheme}.{id}"))?),
        None => None,
    };
    Ok(Item {
        id: id.to_owned(),
        names: localised(node, "Name"),
        descriptions: localised(node, "Description"),
        parent,
        annotations: annotations(node),
    })
}

/// The `Ref` or `URN` child of a reference element, or an error.
fn ref_or_urn<'a, 'i>(
    ctx: &Ctx<'_>,
    container: Node<'a, 'i>,
    label: &str,
) -> Result<Result<Node<'a, 'i>, &'a str>, StructureError> {
    if let Some(r) = child_local(container, "Ref") {
        return Ok(Ok(r));
    }
    if let Some(u) = child_local(container, "URN") {
        return Ok(Err(text(u)));
    }
    Err(ctx.err(
        container,
        label,
        format!(
            "<{}> holds neither <Ref> nor <URN>; give the referenced artefact",
            container.tag_name().name()
        ),
    ))
}

/// A `version` / `maintainableParentVersion` attribute, `1.0` when absent (the
/// schema default).
fn version_attr(
    ctx: &Ctx<'_>,
    node: Node<'_, '_>,
    name: &str,
    label: &str,
) -> Result<VersionReq, StructureError> {
    node.attribute(name)
        .unwrap_or("1.0")
        .parse()
        .map_err(|e| ctx.err(node, label, format!("{e}")))
}

/// A reference to a maintainable artefact held in `container` (its `Ref` or
/// `URN`); `default_class` applies when the `Ref` names no class.
pub(super) fn maintainable_ref(
    ctx: &Ctx<'_>,
    container: Node<'_, '_>,
    default_class: ArtefactClass,
    label: &str,
) -> Result<ArtefactRef, StructureError> {
    match ref_or_urn(ctx, container, label)? {
        Err(urn) => urn
            .parse()
            .map_err(|e| ctx.err(container, label, format!("{e}"))),
        Ok(r) => {
            let class = match r.attribute("class") {
                None => default_class,
                Some(c) => ArtefactClass::from_name(c)
                    .filter(|c| c.is_maintainable())
                    .ok_or_else(|| {
                        ctx.err(
                            r,
                            label,
                            format!("Ref class={c:?} is not a maintainable artefact class"),
                        )
                    })?,
            };
            Ok(ArtefactRef {
                class,
                agency: required_attr(r, "agencyID", ctx.source, label)?.to_owned(),
                id: required_attr(r, "id", ctx.source, label)?.to_owned(),
                version: version_attr(ctx, r, "version", label)?,
            })
        }
    }
}

/// A reference to an item (concept, data provider…) held in `container`;
/// `default_scheme` is the scheme class when the `Ref` names no class.
pub(super) fn item_ref(
    ctx: &Ctx<'_>,
    container: Node<'_, '_>,
    default_scheme: ArtefactClass,
    label: &str,
) -> Result<ItemRef, StructureError> {
    match ref_or_urn(ctx, container, label)? {
        Err(urn) => urn
            .parse()
            .map_err(|e| ctx.err(container, label, format!("{e}"))),
        Ok(r) => {
            let scheme_class = match r.attribute("class") {
                None => default_scheme,
                Some(c) => ArtefactClass::from_name(c)
                    .and_then(ArtefactClass::scheme_class)
                    .ok_or_else(|| {
                        ctx.err(r, label, format!("Ref class={c:?} is not an item class (Concept, Code, DataProvider…)"))
                    })?,
            };
            Ok(ItemRef {
                scheme: ArtefactRef {
                    class: scheme_class,
                    agency: required_attr(r, "agencyID", ctx.source, label)?.to_owned(),
                    id: required_attr(r, "maintainableParentID", ctx.source, label)?.to_owned(),
                    version: version_attr(ctx, r, "maintainableParentVersion", label)?,
                },
                item_id: required_attr(r, "id", ctx.source, label)?.to_owned(),
            })
        }
    }
}

/// The id of a local reference (`<Ref id="FREQ"/>`: a parent code, a dimension of
/// the same DSD); a URN gives its last dotted part.
pub(super) fn local_ref_id(
    ctx: &Ctx<'_>,
    container: Node<'_, '_>,
    label: &str,
) -> Result<String, StructureError> {
    match ref_or_urn(ctx, container, label)? {
        Ok(r) => Ok(required_attr(r, "id", ctx.source, label)?.to_owned()),
        Err(urn) => urn
            .rsplit_once(").")
            .map(|(_, id)| id.rsplit('.').next().unwrap_or(id).to_owned())
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                ctx.err(
                    container,
                    label,
                    format!("URN {urn:?} names no component or item"),
                )
            }),
    }
}

/// A `CoreRepresentation` / `LocalRepresentation`: enumeration and/or text format.
pub(super) fn representation(
    ctx: &mut Ctx<'_>,
    node: Node<'_, '_>,
    label: &str,
) -> Result<Representation, StructureError> {
    let mut rep = Representation::default();
    if let Some(e) = child(node, STR, "Enumeration") {
        rep.enumeration = Some(maintainable_ref(ctx, e, ArtefactClass::Codelist, label)?);
    }
    if let Some(t) = child(node, STR, "TextFormat") {
        rep.text_format = Some(text_format(ctx, t, label)?);
    }
    if let Some(t) = child(node, STR, "EnumerationFormat") {
        rep.enumeration_format = Some(text_format(ctx, t, label)?);
    }
    ctx.skip_unknown(
        node,
        &["Enumeration", "TextFormat", "EnumerationFormat"],
        label,
    );
    Ok(rep)
}

/// A `TextFormat` / `EnumerationFormat` element's facets.
pub(super) fn text_format(
    ctx: &Ctx<'_>,
    node: Node<'_, '_>,
    label: &str,
) -> Result<TextFormat, StructureError> {
    let s = |name| node.attribute(name).map(str::to_owned);
    let num = |name: &str| -> Result<Option<u64>, StructureError> {
        node.attribute(name)
            .map(|v| {
                v.trim().parse().map_err(|_| {
                    ctx.err(
                        node,
                        label,
                        format!("facet {name}={v:?} must be a non-negative integer"),
                    )
                })
            })
            .transpose()
    };
    let data_type = node
        .attribute("textType")
        .map(|t| t.parse().map_err(|e: String| ctx.err(node, label, e)))
        .transpose()?;
    let decimals = num("decimals")?
        .map(|d| u32::try_from(d).map_err(|_| ctx.err(node, label, "facet decimals is too large")))
        .transpose()?;
    Ok(TextFormat {
        data_type,
        is_sequence: bool_attr(node, "isSequence", ctx.source, label)?,
        interval: s("interval"),
        start_value: s("startValue"),
        end_value: s("endValue"),
        time_interval: s("timeInterval"),
        start_time: s("startTime"),
        end_time: s("endTime"),
        min_length: num("minLength")?,
        max_length: num("maxLength")?,
        min_value: s("minValue"),
        max_value: s("maxValue"),
        decimals,
        pattern: s("pattern"),
        is_multilingual: bool_attr(node, "isMultiLingual", ctx.source, label)?,
    })
}
