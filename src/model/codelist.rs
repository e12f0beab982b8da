use serde::{Deserialize, Serialize};

use super::{Annotable, Item, MaintainableMeta};

/// A code of a codelist (`SEX_F`, `CCT_CTZ_PHL`).
pub type Code = Item;

/// A codelist: the allowed values of a coded component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Codelist {
    /// Identity, names and annotations.
    pub meta: MaintainableMeta,
    /// `isPartial`: only some codes are present (e.g. a `referencepartial` answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_partial: Option<bool>,
    /// The codes, in source order.
    pub codes: Vec<Code>,
}

impl Codelist {
    /// The code with this id.
    pub fn code(&self, id: &str) -> Option<&Code> {
        self.codes.iter().find(|c| c.id == id)
    }

    /// Whether the code's `IS_TOTAL` annotation says it is a total.
    pub fn is_total(code: &Code) -> bool {
        code.annotation("IS_TOTAL")
            .and_then(|a| a.value())
            .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
    }

    /// The code's `ORDER` annotation as a number.
    pub fn order(code: &Code) -> Option<i64> {
        code.annotation("ORDER")
            .and_then(|a| a.value())
            .and_then(|v| v.trim().parse().ok())
    }
}
