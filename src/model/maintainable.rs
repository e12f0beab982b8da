use serde::{Deserialize, Serialize};

use super::{Annotable, Annotation, ArtefactClass, ArtefactRef, LocalisedText, Version};

/// What every maintainable artefact carries: identity (agency, id, version),
/// names, descriptions, annotations and the optional 2.1 flags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintainableMeta {
    /// The maintenance agency, e.g. `ILO`.
    pub agency: String,
    /// The artefact id, e.g. `CL_SEX`.
    pub id: String,
    /// The version (`1.0`, `1.0.0`).
    pub version: Version,
    /// Multilingual names (at least one is required by SDMX-ML).
    pub names: LocalisedText,
    /// Multilingual descriptions.
    #[serde(default, skip_serializing_if = "LocalisedText::is_empty")]
    pub descriptions: LocalisedText,
    /// Annotations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<Annotation>,
    /// SDMX 2.1 `isFinal` (absent in 3.0, where stability comes from the version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_final: Option<bool>,
    /// `isExternalReference`: only a stub here, the full artefact lives elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_external_reference: Option<bool>,
    /// Optional `uri` attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Optional `validFrom` (xs:dateTime text as given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// Optional `validTo` (xs:dateTime text as given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<String>,
}

impl MaintainableMeta {
    /// Metadata with an English name and nothing optional.
    pub fn new(agency: &str, id: &str, version: Version, name: &str) -> Self {
        MaintainableMeta {
            agency: agency.to_owned(),
            id: id.to_owned(),
            version,
            names: LocalisedText::en(name),
            descriptions: LocalisedText::default(),
            annotations: Vec::new(),
            is_final: None,
            is_external_reference: None,
            uri: None,
            valid_from: None,
            valid_to: None,
        }
    }

    /// A reference to this artefact as the given class.
    pub fn reference(&self, class: ArtefactClass) -> ArtefactRef {
        ArtefactRef::new(
            class,
            self.agency.clone(),
            self.id.clone(),
            self.version.clone(),
        )
    }
}

/// An item of an item scheme: a code, a concept's common part, an agency or a
/// data provider's common part.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// The item id, unique within its scheme.
    pub id: String,
    /// Multilingual names.
    pub names: LocalisedText,
    /// Multilingual descriptions.
    #[serde(default, skip_serializing_if = "LocalisedText::is_empty")]
    pub descriptions: LocalisedText,
    /// The parent item's id, within the same scheme (codes and concepts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Annotations (ILOSTAT: `ORDER`, `IS_TOTAL`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<Annotation>,
}

impl Item {
    /// An item with an English name.
    pub fn new(id: &str, name: &str) -> Self {
        Item {
            id: id.to_owned(),
            names: LocalisedText::en(name),
            ..Default::default()
        }
    }
}

impl Annotable for Item {
    fn annotations(&self) -> &[Annotation] {
        &self.annotations
    }
}

impl Annotable for MaintainableMeta {
    fn annotations(&self) -> &[Annotation] {
        &self.annotations
    }
}
