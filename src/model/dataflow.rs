use serde::{Deserialize, Serialize};

use super::{ArtefactRef, MaintainableMeta};

/// A dataflow: what is exchanged (`ILO:DF_MST_TEMP_SEX_ECO_CBR_NB(1.0)`), structured
/// by one DSD.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dataflow {
    /// Identity, names and annotations.
    pub meta: MaintainableMeta,
    /// The data structure definition (absent only in external-reference stubs).
    pub structure: Option<ArtefactRef>,
}
