use serde::{Deserialize, Serialize};

use super::{ArtefactRef, Item, ItemRef, LocalisedText, MaintainableMeta};

/// A contact of an organisation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Name of the person or function.
    #[serde(default, skip_serializing_if = "LocalisedText::is_empty")]
    pub names: LocalisedText,
    /// Department.
    #[serde(default, skip_serializing_if = "LocalisedText::is_empty")]
    pub department: LocalisedText,
    /// Role.
    #[serde(default, skip_serializing_if = "LocalisedText::is_empty")]
    pub role: LocalisedText,
    /// Telephone numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub telephones: Vec<String>,
    /// E-mail addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<String>,
    /// Web addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uris: Vec<String>,
}

/// A maintenance agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    /// Id, names and annotations.
    #[serde(flatten)]
    pub item: Item,
    /// Contacts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
}

/// A data provider (a statistics office, a labour ministry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataProvider {
    /// Id, names and annotations.
    #[serde(flatten)]
    pub item: Item,
    /// Contacts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
}

/// An agency scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgencyScheme {
    /// Identity (id is always `AGENCIES`).
    pub meta: MaintainableMeta,
    /// The agencies.
    pub agencies: Vec<Agency>,
}

/// A data provider scheme (id is always `DATA_PROVIDERS`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataProviderScheme {
    /// Identity.
    pub meta: MaintainableMeta,
    /// The providers.
    pub providers: Vec<DataProvider>,
}

impl DataProviderScheme {
    /// The provider with this id.
    pub fn provider(&self, id: &str) -> Option<&DataProvider> {
        self.providers.iter().find(|p| p.item.id == id)
    }
}

/// A provision agreement: this data provider reports this dataflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisionAgreement {
    /// Identity.
    pub meta: MaintainableMeta,
    /// The dataflow reported.
    pub dataflow: ArtefactRef,
    /// The provider reporting it.
    pub data_provider: ItemRef,
}
