use serde::{Deserialize, Serialize};

use super::{Annotation, ArtefactRef, ItemRef, MaintainableMeta, Representation};

/// Which kind of dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DimensionKind {
    /// An ordinary key dimension.
    Dimension,
    /// 2.1 `MeasureDimension` (its values are concepts of a scheme); 3.0 dimension
    /// with the MEASURE role.
    Measure,
    /// The time dimension (`TIME_PERIOD`).
    Time,
}

/// A dimension of a DSD.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dimension {
    /// Component id (`REF_AREA`).
    pub id: String,
    /// 1-based position in the key; the time dimension comes last.
    pub position: u32,
    /// Kind of dimension.
    pub kind: DimensionKind,
    /// The concept it takes its meaning from.
    pub concept: Option<ItemRef>,
    /// Local representation (overrides the concept's core representation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub representation: Option<Representation>,
    /// Concept roles (`ConceptRole` references).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<ItemRef>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<Annotation>,
}

/// Whether a value must be given for an attribute or measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UsageStatus {
    /// 2.1 `Mandatory` / 3.0 `mandatory`.
    Mandatory,
    /// 2.1 `Conditional` / 3.0 `optional`.
    Conditional,
}

/// What an attribute is attached to, as the DSD declares it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AttributeRelationship {
    /// 2.1 `None`: one value per dataset. (3.0 `Dataflow` maps here too.)
    None,
    /// 3.0 `Dataflow`: a value per dataflow.
    Dataflow,
    /// Attached to these dimensions (series or partial key), optionally also to groups.
    Dimensions {
        /// The dimension ids.
        dimensions: Vec<String>,
        /// 2.1 `AttachmentGroup` ids.
        attachment_groups: Vec<String>,
    },
    /// Attached to a group.
    Group(String),
    /// 2.1 `PrimaryMeasure` / 3.0 `Observation`: one value per observation.
    Observation,
}

/// The level at which an attribute's value appears in a data message, once the
/// dimension at observation level is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AttachmentLevel {
    /// On the dataset.
    DataSet,
    /// On a group.
    Group,
    /// On the series.
    Series,
    /// On each observation.
    Observation,
}

/// A data attribute of a DSD.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribute {
    /// Component id (`OBS_STATUS`).
    pub id: String,
    /// The concept.
    pub concept: Option<ItemRef>,
    /// Local representation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub representation: Option<Representation>,
    /// Mandatory or conditional.
    pub usage: UsageStatus,
    /// What it is attached to.
    pub relationship: AttributeRelationship,
    /// 3.0 `MeasureRelationship`: the measures it qualifies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measures: Vec<String>,
    /// Concept roles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<ItemRef>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<Annotation>,
}

/// A measure: 2.1's single primary measure (`OBS_VALUE`) or one of 3.0's measures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measure {
    /// Component id (`OBS_VALUE`).
    pub id: String,
    /// The concept.
    pub concept: Option<ItemRef>,
    /// Local representation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub representation: Option<Representation>,
    /// 3.0 `usage`; 2.1 primary measures are conditional.
    pub usage: UsageStatus,
    /// Concept roles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<ItemRef>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<Annotation>,
}

/// A group: a named subset of dimensions to which attributes can attach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Group id.
    pub id: String,
    /// Dimension ids of the group.
    pub dimensions: Vec<String>,
    /// 2.1 `AttachmentConstraint` reference instead of dimensions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment_constraint: Option<ArtefactRef>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<Annotation>,
}

/// A data structure definition (DSD).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataStructure {
    /// Identity, names and annotations.
    pub meta: MaintainableMeta,
    /// Every dimension, in position order, the time dimension (if any) last.
    pub dimensions: Vec<Dimension>,
    /// Attributes, in source order.
    pub attributes: Vec<Attribute>,
    /// Measures: one primary measure in 2.1, zero or more in 3.0.
    pub measures: Vec<Measure>,
    /// Groups.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
    /// 3.0 reference to a metadata structure, kept for round trips.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_structure: Option<ArtefactRef>,
}

impl DataStructure {
    /// The dimension with this id.
    pub fn dimension(&self, id: &str) -> Option<&Dimension> {
        self.dimensions.iter().find(|d| d.id == id)
    }

    /// The attribute with this id.
    pub fn attribute(&self, id: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.id == id)
    }

    /// The measure with this id.
    pub fn measure(&self, id: &str) -> Option<&Measure> {
        self.measures.iter().find(|m| m.id == id)
    }

    /// The time dimension, if the DSD has one.
    pub fn time_dimension(&self) -> Option<&Dimension> {
        self.dimensions
            .iter()
            .find(|d| d.kind == DimensionKind::Time)
    }

    /// The dimensions that make up a series key with time at observation level:
    /// every dimension except the time dimension, in position order.
    pub fn key_dimensions(&self) -> impl Iterator<Item = &Dimension> {
        self.dimensions
            .iter()
            .filter(|d| d.kind != DimensionKind::Time)
    }

    /// Where an attribute's value appears when `obs_dimension` is the dimension at
    /// observation level (`None` = all dimensions at observation level).
    pub fn attachment_level(
        &self,
        attribute: &Attribute,
        obs_dimension: Option<&str>,
    ) -> AttachmentLevel {
        match &attribute.relationship {
            AttributeRelationship::None | AttributeRelationship::Dataflow => {
                AttachmentLevel::DataSet
            }
            AttributeRelationship::Observation => AttachmentLevel::Observation,
            AttributeRelationship::Group(_) => AttachmentLevel::Group,
            AttributeRelationship::Dimensions {
                dimensions,
                attachment_groups,
            } => {
                let Some(obs_dim) = obs_dimension else {
                    return AttachmentLevel::Observation;
                };
                if dimensions.iter().any(|d| d == obs_dim) {
                    return AttachmentLevel::Observation;
                }
                let series_dims = self.dimensions.iter().filter(|d| d.id != obs_dim).count();
                if dimensions.len() >= series_dims {
                    AttachmentLevel::Series
                } else if !attachment_groups.is_empty()
                    || self.groups.iter().any(|g| {
                        g.dimensions.len() == dimensions.len()
                            && g.dimensions.iter().all(|d| dimensions.contains(d))
                    })
                {
                    AttachmentLevel::Group
                } else {
                    // A partial key with no group: SDMX-ML carries it on the series.
                    AttachmentLevel::Series
                }
            }
        }
    }
}
