//! `str:Dataflow`.

use roxmltree::Node;

use super::Ctx;
use super::common::{maintainable, maintainable_ref};
use crate::model::{ArtefactClass, Dataflow};
use crate::structure::StructureError;
use crate::structure::xml_util::child;
use crate::structure::xml21::STR;

/// Reads one dataflow and its DSD reference (absent only in external stubs).
pub(super) fn read(ctx: &mut Ctx<'_>, node: Node<'_, '_>) -> Result<Dataflow, StructureError> {
    let (meta, label) = maintainable(ctx, node, ArtefactClass::Dataflow)?;
    let structure = match child(node, STR, "Structure") {
        Some(s) => Some(maintainable_ref(
            ctx,
            s,
            ArtefactClass::DataStructure,
            &label,
        )?),
        None => None,
    };
    ctx.skip_unknown(node, &["Structure"], &label);
    Ok(Dataflow { meta, structure })
}
