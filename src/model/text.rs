use serde::{Deserialize, Serialize};

/// A text in several languages (names, descriptions, annotation texts), kept in the
/// order the source gave them so that read → write → read is identical.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalisedText(pub Vec<(String, String)>);

impl LocalisedText {
    /// A text with one English value.
    pub fn en(text: impl Into<String>) -> Self {
        LocalisedText(vec![("en".to_owned(), text.into())])
    }

    /// True when no language has a value.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds (or replaces) the value for `lang`.
    pub fn set(&mut self, lang: impl Into<String>, text: impl Into<String>) {
        let lang = lang.into();
        let text = text.into();
        match self.0.iter_mut().find(|(l, _)| *l == lang) {
            Some(slot) => slot.1 = text,
            None => self.0.push((lang, text)),
        }
    }

    /// The value in `lang`, if present.
    pub fn get(&self, lang: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(l, _)| l == lang)
            .map(|(_, t)| t.as_str())
    }

    /// The English value, else the first one: what a terminal table shows.
    pub fn best(&self) -> Option<&str> {
        self.get("en")
            .or_else(|| self.0.first().map(|(_, t)| t.as_str()))
    }

    /// Iterates over `(language, text)` pairs.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(l, t)| (l.as_str(), t.as_str()))
    }
}
