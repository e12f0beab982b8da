//! `str:Codelist`.

use roxmltree::Node;

use super::Ctx;
use super::common::{item, maintainable};
use crate::model::{ArtefactClass, Codelist};
use crate::structure::StructureError;
use crate::structure::xml_util::{bool_attr, children};
use crate::structure::xml21::STR;

/// Reads one codelist with its codes.
pub(super) fn read(ctx: &mut Ctx<'_>, node: Node<'_, '_>) -> Result<Codelist, StructureError> {
    let (meta, label) = maintainable(ctx, node, ArtefactClass::Codelist)?;
    let mut codes = Vec::new();
    for c in children(node, STR, "Code") {
        codes.push(item(ctx, c, &label)?);
        ctx.skip_unknown(c, &["Parent"], &label);
    }
    ctx.skip_unknown(node, &["Code"], &label);
    Ok(Codelist {
        is_partial: bool_attr(node, "isPartial", ctx.source, &label)?,
        meta,
        codes,
    })
}
