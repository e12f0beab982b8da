use serde::{Deserialize, Serialize};

use super::LocalisedText;

/// An SDMX annotation: free-form, typed metadata attached to any identifiable
/// artefact (ILOSTAT uses them for `ORDER` and `IS_TOTAL` on codes).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annotation {
    /// Optional identifier of the annotation.
    pub id: Option<String>,
    /// Short title (often the value, e.g. `"10"` for an ORDER annotation).
    pub title: Option<String>,
    /// The annotation type, e.g. `ORDER`, `IS_TOTAL`.
    pub annotation_type: Option<String>,
    /// An optional link.
    pub url: Option<String>,
    /// Multilingual text.
    pub text: LocalisedText,
}

impl Annotation {
    /// An annotation with a type and a title, the shape ILOSTAT uses for ORDER/IS_TOTAL.
    pub fn typed(annotation_type: &str, title: impl Into<String>) -> Self {
        Annotation {
            annotation_type: Some(annotation_type.to_owned()),
            title: Some(title.into()),
            ..Default::default()
        }
    }

    /// The annotation's value: its title, else its English (or first) text.
    pub fn value(&self) -> Option<&str> {
        self.title.as_deref().or_else(|| self.text.best())
    }
}

/// Anything that carries annotations.
pub trait Annotable {
    /// The annotations, in source order.
    fn annotations(&self) -> &[Annotation];

    /// The first annotation of the given type.
    fn annotation(&self, annotation_type: &str) -> Option<&Annotation> {
        self.annotations()
            .iter()
            .find(|a| a.annotation_type.as_deref() == Some(annotation_type))
    }
}
