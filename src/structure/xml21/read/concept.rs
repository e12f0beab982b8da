//! `str:ConceptScheme`.

use roxmltree::Node;

use super::Ctx;
use super::common::{item, maintainable, representation};
use crate::model::{ArtefactClass, Concept, ConceptScheme};
use crate::structure::StructureError;
use crate::structure::xml_util::{child, children};
use crate::structure::xml21::STR;

/// Reads one concept scheme with its concepts and their core representations.
pub(super) fn read(ctx: &mut Ctx<'_>, node: Node<'_, '_>) -> Result<ConceptScheme, StructureError> {
    let (meta, label) = maintainable(ctx, node, ArtefactClass::ConceptScheme)?;
    let mut concepts = Vec::new();
    for c in children(node, STR, "Concept") {
        let item = item(ctx, c, &label)?;
        let here = format!("{label}.{}", item.id);
        let core_representation = match child(c, STR, "CoreRepresentation") {
            Some(r) => Some(representation(ctx, r, &here)?),
            None => None,
        };
        ctx.skip_unknown(c, &["Parent", "CoreRepresentation"], &here);
        concepts.push(Concept {
            item,
            core_representation,
        });
    }
    ctx.skip_unknown(node, &["Concept"], &label);
    Ok(ConceptScheme { meta, concepts })
}
