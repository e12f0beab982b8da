//! What a validation run checks and how much it keeps.

use std::collections::HashSet;

use super::Rule;

/// Tuning of the ILMS consistency warnings.
#[derive(Debug, Clone, PartialEq)]
pub struct IlmsOptions {
    /// Relative tolerance of the total checks (0.005 = 0.5 % of the total).
    pub relative_tolerance: f64,
    /// Absolute tolerance per part summed (rounding of published figures:
    /// values in thousands with three decimals are off by up to 0.0005 each).
    pub absolute_tolerance: f64,
    /// At most this many open groups (series key minus one dimension, and
    /// period) per dataset; beyond it the total checks stop with `W706`. A group
    /// costs about 30 bytes, plus about 100 once its total is seen, so the default
    /// bounds them near 15 MB.
    pub max_groups: usize,
}

impl Default for IlmsOptions {
    fn default() -> Self {
        IlmsOptions {
            relative_tolerance: 0.005,
            absolute_tolerance: 0.001,
            max_groups: 100_000,
        }
    }
}

/// Options of a validation run.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Rules not checked.
    pub disabled: HashSet<Rule>,
    /// Stop reading once this many errors were found (warnings do not count).
    pub max_errors: Option<u64>,
    /// How many findings of each rule the report keeps (all are counted).
    pub keep_per_rule: usize,
    /// The message only updates existing data: under a Merge (or Append /
    /// Information) action, mandatory attributes may then be omitted, as the
    /// standard allows for updates. (A Delete never needs them; a Replace always
    /// does.)
    pub updates_only: bool,
    /// ILMS checks tuning.
    pub ilms: IlmsOptions,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            disabled: HashSet::new(),
            max_errors: None,
            keep_per_rule: 20,
            updates_only: false,
            ilms: IlmsOptions::default(),
        }
    }
}

impl Options {
    /// Disables a rule by code (`E601`) or name (`duplicate-observation`); `ilms`
    /// disables every ILMS warning.
    pub fn disable(&mut self, rule: &str) -> Result<(), String> {
        if rule.eq_ignore_ascii_case("ilms") {
            self.disabled
                .extend(Rule::ALL.iter().copied().filter(|r| r.is_ilms()));
            return Ok(());
        }
        self.disabled.insert(rule.parse()?);
        Ok(())
    }

    /// Whether a rule is checked.
    pub fn enabled(&self, rule: Rule) -> bool {
        !self.disabled.contains(&rule)
    }
}
