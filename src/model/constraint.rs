use serde::{Deserialize, Serialize};

use super::{ArtefactRef, ItemRef, MaintainableMeta};

/// Whether a constraint says what may be reported or what is available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConstraintRole {
    /// What data may be reported (validation uses these).
    Allowed,
    /// What data exists (availability answers).
    Actual,
}

/// What a content constraint is attached to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConstraintAttachment {
    /// Data structure definitions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_structures: Vec<ArtefactRef>,
    /// Dataflows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dataflows: Vec<ArtefactRef>,
    /// Provision agreements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provision_agreements: Vec<ArtefactRef>,
    /// A data provider (2.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_provider: Option<ItemRef>,
    /// Simple data source URLs (2.1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub simple_data_sources: Vec<String>,
}

impl ConstraintAttachment {
    /// True when nothing is attached.
    pub fn is_empty(&self) -> bool {
        self.data_structures.is_empty()
            && self.dataflows.is_empty()
            && self.provision_agreements.is_empty()
            && self.data_provider.is_none()
            && self.simple_data_sources.is_empty()
    }
}

/// One value in a member selection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectionValue {
    /// The code or value (3.0 allows `%` wildcards).
    pub value: String,
    /// `cascadeValues`: the children of the code are selected too.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cascade: bool,
    /// 3.0 `validFrom`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// 3.0 `validTo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<String>,
}

impl SelectionValue {
    /// A plain value.
    pub fn new(value: impl Into<String>) -> Self {
        SelectionValue {
            value: value.into(),
            cascade: false,
            valid_from: None,
            valid_to: None,
        }
    }
}

/// One end of a time range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeRangeBound {
    /// The period (xs:date/dateTime/gYear… text as given).
    pub period: String,
    /// Whether the bound itself is included.
    pub inclusive: bool,
}

/// A time range in a cube region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimeRange {
    /// Periods before a bound.
    Before(TimeRangeBound),
    /// Periods after a bound.
    After(TimeRangeBound),
    /// Periods between two bounds.
    Between {
        /// Start.
        start: TimeRangeBound,
        /// End.
        end: TimeRangeBound,
    },
}

/// The values selected for one component in a cube region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberSelection {
    /// The component id.
    pub component: String,
    /// `include` (false: the values are excluded).
    pub include: bool,
    /// The values, when selected by value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<SelectionValue>,
    /// The time range, when selected by time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_range: Option<TimeRange>,
}

/// A cube region: for each component listed, the values allowed (or excluded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CubeRegion {
    /// `include` (false: the region is excluded).
    pub include: bool,
    /// Selections of dimension values (`KeyValue`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_values: Vec<MemberSelection>,
    /// Selections of attribute values (`Attribute` in 2.1, `Component` in 3.0).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<MemberSelection>,
}

/// One key of a key set: dimension id → value, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataKey {
    /// `include` on 3.0 keys (default true).
    pub include: bool,
    /// The dimension values.
    pub values: Vec<(String, String)>,
}

/// A set of full or partial keys, included or excluded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataKeySet {
    /// `isIncluded`.
    pub included: bool,
    /// The keys.
    pub keys: Vec<DataKey>,
}

/// A content constraint (2.1) / data constraint (3.0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentConstraint {
    /// Identity, names and annotations.
    pub meta: MaintainableMeta,
    /// Allowed or actual.
    pub role: ConstraintRole,
    /// What it constrains.
    pub attachment: ConstraintAttachment,
    /// Cube regions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cube_regions: Vec<CubeRegion>,
    /// Key sets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_key_sets: Vec<DataKeySet>,
}
