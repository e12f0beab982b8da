//! Findings and the report that gathers them, bounded in memory: every finding
//! is counted, only the first few per rule are kept.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::data::{Position, Summary};

use super::{Rule, Severity};

/// Where a finding is: in the input (file line/column or CSV row, when the
/// reader's position is known) and in the data (dataset, series key, period).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The reader's position just after the event that raised the finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
    /// 1-based dataset number in the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset: Option<u64>,
    /// The series key, dimension values joined with `.` in DSD order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series: Option<String>,
    /// The observation's `TIME_PERIOD` (or other observation-level dimension value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if let Some(p) = &self.position {
            parts.push(p.to_string());
        }
        if let Some(d) = self.dataset {
            parts.push(format!("dataset {d}"));
        }
        if let Some(s) = &self.series {
            parts.push(format!("series {s}"));
        }
        if let Some(p) = &self.period {
            parts.push(format!("period {p}"));
        }
        f.write_str(&parts.join(", "))
    }
}

/// One broken rule at one place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The rule (serialised as its code).
    pub rule: Rule,
    /// One line saying what is wrong and, where possible, what to do.
    pub message: String,
    /// Where.
    pub location: Location,
    /// The component concerned (`SEX`, `OBS_VALUE`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    /// The offending value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The full key as `(dimension, value)` pairs (for the SDMX-CSV report).
    #[serde(skip)]
    pub key: Vec<(String, String)>,
}

impl Finding {
    /// The rule's severity.
    pub fn severity(&self) -> Severity {
        self.rule.severity()
    }
}

/// Everything validation found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    /// How many times each rule was broken (all of them, kept or not).
    pub counts: BTreeMap<Rule, u64>,
    /// The first findings of each rule (up to [`Options::keep_per_rule`](super::Options::keep_per_rule)),
    /// in the order found.
    pub findings: Vec<Finding>,
    /// What was read.
    pub summary: Summary,
    /// True when reading stopped before the end (`--max-errors`).
    pub stopped_early: bool,
}

impl Report {
    /// Number of errors found.
    pub fn errors(&self) -> u64 {
        self.count_of(Severity::Error)
    }

    /// Number of warnings found.
    pub fn warnings(&self) -> u64 {
        self.count_of(Severity::Warning)
    }

    fn count_of(&self, sev: Severity) -> u64 {
        self.counts
            .iter()
            .filter(|(r, _)| r.severity() == sev)
            .map(|(_, n)| n)
            .sum()
    }

    /// True when there is no error (warnings allowed).
    pub fn is_valid(&self) -> bool {
        self.errors() == 0
    }

    /// How many times `rule` was broken.
    pub fn count(&self, rule: Rule) -> u64 {
        self.counts.get(&rule).copied().unwrap_or(0)
    }

    /// The kept findings of one rule.
    pub fn of(&self, rule: Rule) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.rule == rule)
    }
}
