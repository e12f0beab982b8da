//! The SDMX-JSON 1.0 structure message as serde types: what the reader accepts
//! and the writer emits. Unknown fields are ignored (the field guide asks
//! consumers to tolerate additions); `null` and absence mean the same.

use indexmap::IndexMap;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use crate::model::{ArtefactRef, DataType, ItemRef, Version};

/// Localised texts: language tag → text, in source order.
pub(super) type Texts = IndexMap<String, String>;

#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct Message {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Data>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Meta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<bool>,
    #[serde(default)]
    pub prepared: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_languages: Option<Vec<String>>,
    #[serde(default)]
    pub sender: Option<Party>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct Party {
    pub id: String,
}

/// Artefact arrays the gateway does not model: counted, then reported as skipped.
pub(super) type Skipped = Option<Vec<IgnoredAny>>;

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Data {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency_schemes: Option<Vec<AgencyScheme>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_provider_schemes: Option<Vec<DataProviderScheme>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codelists: Option<Vec<Codelist>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concept_schemes: Option<Vec<ConceptScheme>>,
    #[serde(
        default,
        alias = "dataStructureDefinitions",
        skip_serializing_if = "Option::is_none"
    )]
    pub data_structures: Option<Vec<DataStructure>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataflows: Option<Vec<Dataflow>>,
    #[serde(
        default,
        alias = "constraints",
        skip_serializing_if = "Option::is_none"
    )]
    pub content_constraints: Option<Vec<ContentConstraint>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provision_agreements: Option<Vec<ProvisionAgreement>>,
    /// Present only in SDMX-JSON data messages: tells them apart.
    #[serde(default, skip_serializing)]
    pub data_sets: Option<IgnoredAny>,
    #[serde(default, skip_serializing)]
    pub category_schemes: Skipped,
    #[serde(default, skip_serializing)]
    pub categorisations: Skipped,
    #[serde(default, skip_serializing)]
    pub hierarchical_codelists: Skipped,
    #[serde(default, skip_serializing)]
    pub metadata_structures: Skipped,
    #[serde(default, skip_serializing)]
    pub metadataflows: Skipped,
    #[serde(default, skip_serializing)]
    pub structure_sets: Skipped,
    #[serde(default, skip_serializing)]
    pub processes: Skipped,
    #[serde(default, skip_serializing)]
    pub reporting_taxonomies: Skipped,
    #[serde(default, skip_serializing)]
    pub data_consumer_schemes: Skipped,
    #[serde(default, skip_serializing)]
    pub organisation_unit_schemes: Skipped,
    #[serde(default, skip_serializing)]
    pub attachment_constraints: Skipped,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct Link {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "type")]
    pub link_type: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct Annotation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "type")]
    pub annotation_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub texts: Option<Texts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<Link>>,
}

/// Declares a maintainable artefact type: the common properties of the field
/// guide plus the artefact's own.
macro_rules! maintainable {
    ($name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty,)* }) => {
        #[derive(Debug, Default, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub(super) struct $name {
            pub id: String,
            #[serde(rename = "agencyID")]
            pub agency_id: String,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub version: Option<Version>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub uri: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub valid_from: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub valid_to: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub is_external_reference: Option<bool>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub is_final: Option<bool>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub name: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub names: Option<Texts>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub description: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub descriptions: Option<Texts>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub links: Option<Vec<Link>>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub annotations: Option<Vec<Annotation>>,
            $($(#[$fm])* pub $field: $ty,)*
        }
    };
}

/// Declares an item type: id, names, descriptions, parent, annotations plus its own.
macro_rules! item {
    ($name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty,)* }) => {
        #[derive(Debug, Default, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub(super) struct $name {
            pub id: String,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub name: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub names: Option<Texts>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub description: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub descriptions: Option<Texts>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub parent: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub links: Option<Vec<Link>>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub annotations: Option<Vec<Annotation>>,
            $($(#[$fm])* pub $field: $ty,)*
        }
    };
}

item!(Code {});

maintainable!(Codelist {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    is_partial: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    codes: Option<Vec<Code>>,
});

item!(Concept {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    core_representation: Option<Representation>,
});

maintainable!(ConceptScheme {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    is_partial: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    concepts: Option<Vec<Concept>>,
});

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub names: Option<Texts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub departments: Option<Texts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Texts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telephones: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uris: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emails: Option<Vec<String>>,
}

item!(Organisation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    contacts: Option<Vec<Contact>>,
});

maintainable!(AgencyScheme {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    is_partial: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agencies: Option<Vec<Organisation>>,
});

maintainable!(DataProviderScheme {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    is_partial: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    data_providers: Option<Vec<Organisation>>,
});

/// A facet that SDMX-JSON gives as a number but the model keeps as text.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub(super) enum NumText {
    Number(serde_json::Number),
    Text(String),
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TextFormat {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_type: Option<DataType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_sequence: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<NumText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_value: Option<NumText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_value: Option<NumText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_interval: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_value: Option<NumText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_value: Option<NumText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimals: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_multi_lingual: Option<bool>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Representation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enumeration: Option<ArtefactRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_format: Option<TextFormat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enumeration_format: Option<TextFormat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_occurs: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_occurs: Option<NumText>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Component {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "type")]
    pub component_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute_relationship: Option<AttributeRelationship>,
    /// Not in SDMX-JSON 1.0: the 3.0 measure relationship, kept for round trips.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure_relationship: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concept_identity: Option<ItemRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concept_roles: Option<Vec<ItemRef>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_representation: Option<Representation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<Link>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Vec<Annotation>>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AttributeRelationship {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub none: Option<IgnoredAnyObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataflow: Option<IgnoredAnyObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment_groups: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_measure: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observation: Option<IgnoredAnyObject>,
}

/// An empty marker object (`"none": {}`).
#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct IgnoredAnyObject {}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DimensionList {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<Vec<Component>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure_dimensions: Option<Vec<Component>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_dimensions: Option<Vec<Component>>,
    /// Some services give the single time dimension as an object.
    #[serde(default, skip_serializing)]
    pub time_dimension: Option<Component>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AttributeList {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Vec<Component>>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct MeasureList {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_measure: Option<Component>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GroupJson {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_dimensions: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment_constraint: Option<ArtefactRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Vec<Annotation>>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Components {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute_list: Option<AttributeList>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimension_list: Option<DimensionList>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<GroupJson>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure_list: Option<MeasureList>,
}

maintainable!(DataStructure {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    data_structure_components: Option<Components>,
});

maintainable!(Dataflow {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    structure: Option<ArtefactRef>,
});

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ConstraintAttachment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_provider: Option<ItemRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simple_data_sources: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_structures: Option<Vec<ArtefactRef>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataflows: Option<Vec<ArtefactRef>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provision_agreements: Option<Vec<ArtefactRef>>,
}

/// A selected value: a plain string, or an object when it cascades or is dated.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub(super) enum Value {
    Plain(String),
    Detailed(DetailedValue),
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DetailedValue {
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cascade_values: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Period {
    pub period: String,
    #[serde(default = "yes")]
    pub is_inclusive: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TimeRangeJson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_period: Option<Period>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_period: Option<Period>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_period: Option<Period>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_period: Option<Period>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Selection {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_range: Option<TimeRangeJson>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CubeRegion {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_included: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_values: Option<Vec<Selection>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Vec<Selection>>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct KeyValue {
    pub id: String,
    pub value: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Key {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include: Option<bool>,
    #[serde(default)]
    pub key_values: Vec<KeyValue>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DataKeySet {
    #[serde(default = "yes")]
    pub is_included: bool,
    #[serde(default)]
    pub keys: Vec<Key>,
}

maintainable!(ContentConstraint {
    #[serde(rename = "type", default)]
    constraint_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    constraint_attachment: Option<ConstraintAttachment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cube_regions: Option<Vec<CubeRegion>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    data_key_sets: Option<Vec<DataKeySet>>,
});

maintainable!(ProvisionAgreement {
    #[serde(default)]
    dataflow: Option<ArtefactRef>,
    #[serde(default)]
    data_provider: Option<ItemRef>,
});
