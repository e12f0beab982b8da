//! National labels → codes: the mapping's own labels first, then a code id,
//! then a code's name in the codelist, all compared ignoring case and spacing.

use std::collections::HashMap;
use std::path::Path;

use crate::model::Codelist;

use super::MappingError;
use super::spec::CodeMapSpec;

/// Lower case with runs of white space made one space and the ends trimmed, so
/// "MYANMAR", " Myanmar " and "myanmar" meet.
pub fn normalise(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// How one component's labels resolve.
#[derive(Debug, Default)]
pub struct CodeResolver<'c> {
    labels: HashMap<String, String>,
    codelist: Option<&'c Codelist>,
    names: HashMap<String, String>,
    ids: HashMap<String, String>,
}

impl<'c> CodeResolver<'c> {
    /// Builds the resolver from the mapping's `[codes.X]` (file paths relative to
    /// `base`) and the component's codelist, when loaded.
    pub fn new(
        spec: Option<&CodeMapSpec>,
        base: &Path,
        codelist: Option<&'c Codelist>,
    ) -> Result<Self, MappingError> {
        let mut labels = HashMap::new();
        if let Some(spec) = spec {
            if let Some(file) = &spec.file {
                let path = base.join(file);
                let mut r = csv::ReaderBuilder::new()
                    .flexible(true)
                    .from_path(&path)
                    .map_err(|e| MappingError::Spec {
                        message: format!("cannot read the code map {}: {e}", path.display()),
                    })?;
                for (i, rec) in r.records().enumerate() {
                    let rec = rec.map_err(|e| MappingError::Spec {
                        message: format!("{}: row {}: {e}", path.display(), i + 2),
                    })?;
                    match (rec.get(0), rec.get(1)) {
                        (Some(l), Some(c)) if !c.trim().is_empty() => {
                            labels.insert(normalise(l), c.trim().to_owned());
                        }
                        _ => {
                            return Err(MappingError::Spec {
                                message: format!(
                                    "{}: row {}: expected two columns, label and code",
                                    path.display(),
                                    i + 2
                                ),
                            });
                        }
                    }
                }
            }
            for (l, c) in &spec.labels {
                labels.insert(normalise(l), c.clone());
            }
        }
        let mut names = HashMap::new();
        let mut ids = HashMap::new();
        if let Some(cl) = codelist {
            for code in &cl.codes {
                ids.insert(code.id.to_lowercase(), code.id.clone());
                for (_, name) in code.names.iter() {
                    names
                        .entry(normalise(name))
                        .or_insert_with(|| code.id.clone());
                }
            }
        }
        Ok(CodeResolver {
            labels,
            codelist,
            names,
            ids,
        })
    }

    /// Whether labels of this component are translated or checked at all.
    pub fn is_coded(&self) -> bool {
        self.codelist.is_some() || !self.labels.is_empty()
    }

    /// The code for `label`, or `None` when nothing matches.
    pub fn resolve(&self, label: &str) -> Option<String> {
        // Questionnaire cells hold "CODE — Name": the code decides.
        let label = match label.split_once(super::CODE_NAME_SEPARATOR) {
            Some((code, _)) if self.codelist.is_some() => code,
            _ => label,
        };
        let n = normalise(label);
        if let Some(c) = self.labels.get(&n) {
            return Some(c.clone());
        }
        let Some(_) = self.codelist else {
            // No codelist to check against: a label the map does not know is kept
            // only when no map was given.
            return self.labels.is_empty().then(|| label.trim().to_owned());
        };
        self.ids.get(&n).or_else(|| self.names.get(&n)).cloned()
    }

    /// Whether a code (after mapping) is in the codelist (true without one).
    pub fn in_codelist(&self, code: &str) -> bool {
        self.codelist.is_none_or(|cl| cl.code(code).is_some())
    }

    /// The three codes whose names (or ids) are closest to `label`, as
    /// `CODE (Name)`.
    pub fn closest(&self, label: &str) -> Vec<String> {
        let n = normalise(label);
        let mut scored: Vec<(f64, String)> = match self.codelist {
            Some(cl) => cl
                .codes
                .iter()
                .map(|c| {
                    let name = c.names.best().unwrap_or("");
                    let score = strsim::jaro_winkler(&n, &normalise(name))
                        .max(strsim::jaro_winkler(&n, &c.id.to_lowercase()));
                    (score, format!("{} ({name})", c.id))
                })
                .collect(),
            None => self
                .labels
                .iter()
                .map(|(l, c)| (strsim::jaro_winkler(&n, l), format!("{c} ({l})")))
                .collect(),
        };
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        scored.into_iter().take(3).map(|(_, s)| s).collect()
    }
}
