//! What a data query asks for: the SDMX REST key syntax and the query parameters,
//! and what availability and coverage answer.

use std::collections::BTreeSet;

use serde::Serialize;

use super::period::parse_period;
use super::time::Timestamp;

/// A query parameter that is not valid (REST error 140, HTTP 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The key is not in the `A+B..C` syntax.
    #[error("key {key:?}: {message}")]
    Key {
        /// The key as given.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// The key has a different number of positions than the dataflow has
    /// dimensions.
    #[error(
        "key {key:?} has {given} position(s) but dataflow {dataflow} has {expected} dimension(s) ({dimensions}): give one position per dimension, separated by '.'"
    )]
    KeyLength {
        /// The key as given.
        key: String,
        /// Positions given.
        given: usize,
        /// Dimensions of the dataflow.
        expected: usize,
        /// The dataflow.
        dataflow: String,
        /// The dimension ids, joined by `.`.
        dimensions: String,
    },
    /// `startPeriod` / `endPeriod` is not an SDMX time period.
    #[error(
        "{parameter}={value:?} is not an SDMX time period (use e.g. 2020, 2020-Q1, 2020-01 or 2020-01-31)"
    )]
    Period {
        /// `startPeriod` or `endPeriod`.
        parameter: &'static str,
        /// The value given.
        value: String,
    },
    /// `detail` is not one of the four values.
    #[error("detail={0:?}: use full, dataonly, serieskeysonly or nodata")]
    Detail(String),
}

/// Which values of each series-key dimension a query accepts, by position (the
/// REST key `A+B..C`). An empty set at a position (or no positions at all) is a
/// wildcard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyFilter {
    /// Allowed values per position; empty = any.
    pub positions: Vec<BTreeSet<String>>,
}

impl KeyFilter {
    /// Every series.
    pub fn all() -> Self {
        KeyFilter::default()
    }

    /// Parses the REST key: positions separated by `.`, values within a position
    /// by `+`; an empty position or `*` is a wildcard; `all`, `*` or an empty key
    /// match every series.
    pub fn parse(key: &str) -> Result<Self, QueryError> {
        let key_err = |message: String| QueryError::Key {
            key: key.to_owned(),
            message,
        };
        if key.is_empty() || key == "all" || key == "*" {
            return Ok(KeyFilter::all());
        }
        let mut positions = Vec::new();
        for (i, part) in key.split('.').enumerate() {
            let mut set = BTreeSet::new();
            if !(part.is_empty() || part == "*") {
                for v in part.split('+') {
                    if v.is_empty() {
                        return Err(key_err(format!(
                            "position {} has an empty value around '+'",
                            i + 1
                        )));
                    }
                    if !v.bytes().all(|b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'_' | b'@' | b'$' | b'-')
                    }) {
                        return Err(key_err(format!(
                            "{v:?} (position {}) is not a code id (letters, digits, _ @ $ -)",
                            i + 1
                        )));
                    }
                    set.insert(v.to_owned());
                }
            }
            positions.push(set);
        }
        Ok(KeyFilter { positions })
    }

    /// A filter from per-dimension value sets (REST 2.x `c[DIM]=A,B` filters):
    /// dimensions not named are wildcards.
    pub fn from_dimensions<'a>(
        dimensions: &[String],
        sets: impl IntoIterator<Item = (&'a str, BTreeSet<String>)>,
    ) -> Self {
        let mut positions = vec![BTreeSet::new(); dimensions.len()];
        for (dim, set) in sets {
            if let Some(i) = dimensions.iter().position(|d| d == dim) {
                positions[i] = set;
            }
        }
        KeyFilter { positions }
    }

    /// True when every position is a wildcard.
    pub fn is_all(&self) -> bool {
        self.positions.iter().all(BTreeSet::is_empty)
    }

    /// Checks the number of positions against the dataflow's dimensions.
    pub fn check(&self, dataflow: &str, dimensions: &[String]) -> Result<(), QueryError> {
        if self.positions.is_empty() || self.positions.len() == dimensions.len() {
            return Ok(());
        }
        Err(QueryError::KeyLength {
            key: self.to_string(),
            given: self.positions.len(),
            expected: dimensions.len(),
            dataflow: dataflow.to_owned(),
            dimensions: dimensions.join("."),
        })
    }

    /// Whether a series key (values in dimension order) passes.
    pub fn matches<'a>(&self, values: impl IntoIterator<Item = &'a str>) -> bool {
        values
            .into_iter()
            .zip(&self.positions)
            .all(|(v, set)| set.is_empty() || set.contains(v))
    }
}

impl std::fmt::Display for KeyFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.positions.is_empty() {
            return f.write_str("all");
        }
        let parts: Vec<String> = self
            .positions
            .iter()
            .map(|s| s.iter().cloned().collect::<Vec<_>>().join("+"))
            .collect();
        f.write_str(&parts.join("."))
    }
}

/// How much of the data a query returns (REST `detail`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub enum Detail {
    /// Everything.
    #[default]
    Full,
    /// Observations without attributes.
    DataOnly,
    /// Series keys only: no observations, no attributes.
    SeriesKeysOnly,
    /// Series keys and attributes, no observations.
    NoData,
}

impl Detail {
    /// Parses the REST value (`full`, `dataonly`, `serieskeysonly`, `nodata`).
    pub fn parse(s: &str) -> Result<Detail, QueryError> {
        Ok(match s {
            "full" => Detail::Full,
            "dataonly" => Detail::DataOnly,
            "serieskeysonly" => Detail::SeriesKeysOnly,
            "nodata" => Detail::NoData,
            other => return Err(QueryError::Detail(other.to_owned())),
        })
    }

    /// Whether observations are returned.
    pub fn observations(self) -> bool {
        matches!(self, Detail::Full | Detail::DataOnly)
    }

    /// Whether attributes are returned.
    pub fn attributes(self) -> bool {
        matches!(self, Detail::Full | Detail::NoData)
    }
}

/// A data query against the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataQuery {
    /// The dataflow, short form `AGENCY:ID(VERSION)`.
    pub dataflow: String,
    /// Which series.
    pub key: KeyFilter,
    /// `startPeriod`: observations whose period ends on or after its start.
    pub start_period: Option<String>,
    /// `endPeriod`: observations whose period starts on or before its end.
    pub end_period: Option<String>,
    /// `updatedAfter`: only what changed after this time, deletions included
    /// (as a `Delete` dataset).
    pub updated_after: Option<Timestamp>,
    /// `firstNObservations`, per series.
    pub first_n: Option<u64>,
    /// `lastNObservations`, per series.
    pub last_n: Option<u64>,
    /// `detail`.
    pub detail: Detail,
    /// `includeHistory`: every version, one dataset per stored version with its
    /// `validFromDate`.
    pub include_history: bool,
}

impl DataQuery {
    /// Every live observation of a dataflow.
    pub fn dataflow(flow: impl Into<String>) -> Self {
        DataQuery {
            dataflow: flow.into(),
            ..Default::default()
        }
    }

    /// The `YYYYMMDD` bounds of `startPeriod` / `endPeriod`.
    pub(crate) fn period_bounds(&self) -> Result<(Option<i64>, Option<i64>), QueryError> {
        let bound = |p: &Option<String>, parameter: &'static str, start: bool| {
            p.as_deref()
                .map(|v| {
                    parse_period(v)
                        .map(|r| if start { r.start } else { r.end })
                        .ok_or_else(|| QueryError::Period {
                            parameter,
                            value: v.to_owned(),
                        })
                })
                .transpose()
        };
        Ok((
            bound(&self.start_period, "startPeriod", true)?,
            bound(&self.end_period, "endPeriod", false)?,
        ))
    }
}

/// The values one dimension takes in the data a query matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DimensionValues {
    /// The dimension id.
    pub dimension: String,
    /// Its distinct values, sorted.
    pub values: BTreeSet<String>,
}

/// What data exists for a query (REST `availableconstraint` / `availability`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Availability {
    /// The dataflow.
    pub dataflow: String,
    /// Per series-key dimension, in DSD order.
    pub dimensions: Vec<DimensionValues>,
    /// The earliest period (by its start), if any data.
    pub time_start: Option<String>,
    /// The latest period (by its end), if any data.
    pub time_end: Option<String>,
    /// Matching series.
    pub series: u64,
    /// Matching observations.
    pub observations: u64,
}

/// Live observations of one dataflow, `REF_AREA` and year.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct CoverageRow {
    /// The dataflow.
    pub dataflow: String,
    /// The `REF_AREA` value; `None` when the dataflow has no such dimension.
    pub ref_area: Option<String>,
    /// The year the period starts in.
    pub year: i64,
    /// Observations.
    pub observations: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(v: &[&str]) -> BTreeSet<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_rest_keys() {
        let k = KeyFilter::parse("A+B..C").unwrap();
        assert_eq!(k.positions, vec![set(&["A", "B"]), set(&[]), set(&["C"])]);
        assert!(k.matches(["B", "X", "C"]));
        assert!(!k.matches(["D", "X", "C"]));
        assert!(!k.matches(["A", "X", "D"]));
        assert_eq!(k.to_string(), "A+B..C");
        assert!(KeyFilter::parse("all").unwrap().is_all());
        assert!(KeyFilter::parse("").unwrap().is_all());
        assert!(KeyFilter::parse("*.*").unwrap().is_all());
        assert_eq!(KeyFilter::parse("*.*").unwrap().positions.len(), 2);
    }

    #[test]
    fn rejects_bad_keys_and_lengths() {
        assert!(matches!(
            KeyFilter::parse("A++B"),
            Err(QueryError::Key { .. })
        ));
        assert!(matches!(
            KeyFilter::parse("A.B C"),
            Err(QueryError::Key { .. })
        ));
        let dims = vec!["FREQ".to_string(), "REF_AREA".to_string()];
        let k = KeyFilter::parse("A.B.C").unwrap();
        let e = k.check("ILO:DF(1.0)", &dims).unwrap_err();
        assert!(e.to_string().contains("FREQ.REF_AREA"), "{e}");
        assert!(KeyFilter::parse("A.B").unwrap().check("x", &dims).is_ok());
        assert!(KeyFilter::all().check("x", &dims).is_ok());
    }

    #[test]
    fn filter_from_named_dimensions() {
        let dims = vec!["FREQ".to_string(), "REF_AREA".to_string()];
        let k =
            KeyFilter::from_dimensions(&dims, [("REF_AREA", set(&["PH"])), ("NOPE", set(&["X"]))]);
        assert!(k.matches(["A", "PH"]));
        assert!(!k.matches(["A", "TH"]));
    }

    #[test]
    fn detail_and_period_parameters() {
        assert_eq!(Detail::parse("nodata").unwrap(), Detail::NoData);
        assert!(Detail::parse("most").is_err());
        let mut q = DataQuery::dataflow("X");
        q.start_period = Some("2020-Q2".into());
        q.end_period = Some("2021".into());
        assert_eq!(q.period_bounds().unwrap(), (Some(20200401), Some(20211231)));
        q.end_period = Some("soon".into());
        assert!(matches!(
            q.period_bounds(),
            Err(QueryError::Period {
                parameter: "endPeriod",
                ..
            })
        ));
    }
}
