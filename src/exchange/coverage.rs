//! Coverage: for each dataflow × reporting country × year, does the store hold
//! the table, part of it, or nothing? This is the table of knowledge gaps the
//! ILMS collection exists to close (about a third of the tables never arrive).
//!
//! "Complete" is judged against the country's own fullest year for that
//! dataflow: a year holding at least as many observations as the best year is
//! complete, one holding fewer is partial, one holding none is missing. That
//! needs no guess about which breakdowns a country can produce (a census has
//! more than an administrative register) and shows a table that shrank.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::RangeInclusive;

use serde::Serialize;

use crate::model::ArtefactClass;
use crate::store::CoverageRow;
use crate::structure::Registry;

/// Every dataflow of the registry, `AGENCY:ID(VERSION)`, in registry order.
pub fn dataflows_of(registry: &Registry) -> Vec<String> {
    registry
        .structures()
        .dataflows
        .iter()
        .map(|d| d.meta.reference(ArtefactClass::Dataflow).short())
        .collect()
}

/// The ten ASEAN `REF_AREA` codes.
pub fn asean_areas() -> Vec<String> {
    ASEAN.iter().map(|(code, _)| (*code).to_owned()).collect()
}

/// The default years: the ten years up to last year (statistics for the
/// current year are not out yet); `from` and `to` override either end.
pub fn years(from: Option<i64>, to: Option<i64>) -> RangeInclusive<i64> {
    let last = to.unwrap_or_else(|| current_year() - 1);
    let first = from.unwrap_or(last - 9);
    first..=last
}

/// The current year (UTC).
pub fn current_year() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    // Mean Gregorian year in seconds; exact enough to pick a default year.
    1970 + (secs / 31_556_952) as i64
}

/// The ten ASEAN Member States (ISO 3166 alpha-3, as `REF_AREA` codes) and
/// their short names.
pub const ASEAN: [(&str, &str); 10] = [
    ("BRN", "Brunei Darussalam"),
    ("KHM", "Cambodia"),
    ("IDN", "Indonesia"),
    ("LAO", "Lao PDR"),
    ("MYS", "Malaysia"),
    ("MMR", "Myanmar"),
    ("PHL", "Philippines"),
    ("SGP", "Singapore"),
    ("THA", "Thailand"),
    ("VNM", "Viet Nam"),
];

/// How much of one table (dataflow × country × year) the store holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// At least as many observations as the country's fullest year.
    Complete,
    /// Some observations, fewer than the fullest year.
    Partial,
    /// None.
    Missing,
}

impl Status {
    /// The word used in CSV and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Status::Complete => "complete",
            Status::Partial => "partial",
            Status::Missing => "missing",
        }
    }
}

/// One cell of the coverage table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    /// The dataflow, `AGENCY:ID(VERSION)`.
    pub dataflow: String,
    /// The reporting country's `REF_AREA` code.
    pub ref_area: String,
    /// The year.
    pub year: i64,
    /// Observations stored for it.
    pub observations: u64,
    /// What that amounts to.
    pub status: Status,
}

/// The whole table: every dataflow × country × year asked for, in that order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// The years covered.
    pub years: Vec<i64>,
    /// The countries (`REF_AREA` codes), in column order.
    pub areas: Vec<String>,
    /// The dataflows, in row order.
    pub dataflows: Vec<String>,
    /// Every cell.
    pub cells: Vec<Cell>,
}

impl Coverage {
    /// Builds the table from the store's counts (`Store::coverage`); counts for
    /// other dataflows, countries or years are ignored.
    pub fn compute(
        dataflows: &[String],
        areas: &[String],
        years: RangeInclusive<i64>,
        rows: &[CoverageRow],
    ) -> Coverage {
        let mut counts: HashMap<(&str, &str, i64), u64> = HashMap::new();
        for row in rows {
            if let Some(area) = &row.ref_area {
                *counts
                    .entry((row.dataflow.as_str(), area.as_str(), row.year))
                    .or_default() += row.observations;
            }
        }
        let years: Vec<i64> = years.collect();
        let mut cells = Vec::with_capacity(dataflows.len() * areas.len() * years.len());
        for flow in dataflows {
            for area in areas {
                let of = |y: i64| counts.get(&(flow.as_str(), area.as_str(), y)).copied();
                let best = years.iter().filter_map(|&y| of(y)).max().unwrap_or(0);
                for &year in &years {
                    let observations = of(year).unwrap_or(0);
                    let status = match observations {
                        0 => Status::Missing,
                        n if n >= best => Status::Complete,
                        _ => Status::Partial,
                    };
                    cells.push(Cell {
                        dataflow: flow.clone(),
                        ref_area: area.clone(),
                        year,
                        observations,
                        status,
                    });
                }
            }
        }
        Coverage {
            years,
            areas: areas.to_vec(),
            dataflows: dataflows.to_vec(),
            cells,
        }
    }

    /// How many cells have each status: (complete, partial, missing).
    pub fn totals(&self) -> (usize, usize, usize) {
        let count = |s: Status| self.cells.iter().filter(|c| c.status == s).count();
        (
            count(Status::Complete),
            count(Status::Partial),
            count(Status::Missing),
        )
    }

    /// Long-form CSV: `DATAFLOW,REF_AREA,YEAR,OBSERVATIONS,STATUS`.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("DATAFLOW,REF_AREA,YEAR,OBSERVATIONS,STATUS\r\n");
        for c in &self.cells {
            // Dataflow references hold no comma or quote, so no quoting is needed.
            let _ = write!(
                out,
                "{},{},{},{},{}\r\n",
                c.dataflow,
                c.ref_area,
                c.year,
                c.observations,
                c.status.name()
            );
        }
        out
    }

    /// A terminal table: one row per dataflow, one column per country; each cell
    /// shows one mark per year (`#` complete, `+` partial, `.` missing).
    pub fn to_table(&self) -> String {
        let width = self
            .dataflows
            .iter()
            .map(|d| d.len())
            .max()
            .unwrap_or(8)
            .max(8);
        let col = self.years.len().max(3);
        let mut out = String::new();
        let _ = write!(out, "{:width$}", "DATAFLOW");
        for a in &self.areas {
            let _ = write!(out, " {a:col$}");
        }
        out.push('\n');
        let mut cells = self.cells.iter();
        for flow in &self.dataflows {
            let _ = write!(out, "{flow:width$}");
            for _ in &self.areas {
                let marks: String = (&mut cells)
                    .take(self.years.len())
                    .map(|c| match c.status {
                        Status::Complete => '#',
                        Status::Partial => '+',
                        Status::Missing => '.',
                    })
                    .collect();
                let _ = write!(out, " {marks:col$}");
            }
            out.push('\n');
        }
        let (complete, partial, missing) = self.totals();
        let (first, last) = (
            self.years.first().copied().unwrap_or_default(),
            self.years.last().copied().unwrap_or_default(),
        );
        let _ = writeln!(
            out,
            "\nyears {first}–{last}, one mark per year: # complete, + partial, . missing\n\
             {complete} complete, {partial} partial, {missing} missing of {} tables",
            self.cells.len()
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(flow: &str, area: &str, year: i64, n: u64) -> CoverageRow {
        CoverageRow {
            dataflow: flow.to_owned(),
            ref_area: Some(area.to_owned()),
            year,
            observations: n,
        }
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn judges_each_year_against_the_countrys_fullest_year() {
        let rows = vec![
            row("ILO:DF_A(1.0)", "PHL", 2020, 30),
            row("ILO:DF_A(1.0)", "PHL", 2021, 12),
            row("ILO:DF_A(1.0)", "PHL", 2022, 30),
            row("ILO:DF_A(1.0)", "THA", 2021, 4),
            // Outside the table: ignored.
            row("ILO:DF_A(1.0)", "FRA", 2021, 99),
            row("ILO:DF_B(1.0)", "PHL", 2021, 99),
            row("ILO:DF_A(1.0)", "PHL", 2019, 99),
        ];
        let c = Coverage::compute(
            &strings(&["ILO:DF_A(1.0)"]),
            &strings(&["PHL", "THA", "VNM"]),
            2020..=2022,
            &rows,
        );
        let status: Vec<(&str, i64, Status)> = c
            .cells
            .iter()
            .map(|c| (c.ref_area.as_str(), c.year, c.status))
            .collect();
        assert_eq!(
            status,
            vec![
                ("PHL", 2020, Status::Complete),
                ("PHL", 2021, Status::Partial),
                ("PHL", 2022, Status::Complete),
                ("THA", 2020, Status::Missing),
                ("THA", 2021, Status::Complete),
                ("THA", 2022, Status::Missing),
                ("VNM", 2020, Status::Missing),
                ("VNM", 2021, Status::Missing),
                ("VNM", 2022, Status::Missing),
            ]
        );
        assert_eq!(c.totals(), (3, 1, 5));
        let csv = c.to_csv();
        assert!(csv.starts_with("DATAFLOW,REF_AREA,YEAR,OBSERVATIONS,STATUS\r\n"));
        assert!(csv.contains("ILO:DF_A(1.0),PHL,2021,12,partial\r\n"));
        let table = c.to_table();
        assert!(table.contains("ILO:DF_A(1.0) #+# .#. ..."), "{table}");
        assert!(table.contains("3 complete, 1 partial, 5 missing of 9 tables"));
    }
}
