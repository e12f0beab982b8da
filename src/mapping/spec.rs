//! The mapping file: how one national table becomes observations of one
//! dataflow. TOML, one file per source table; unknown keys are refused so that a
//! typo is an error, not a silently ignored rule. See `docs/mapping.md`.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::Deserialize;

/// A whole mapping file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// The target dataflow (`AGENCY:ID(VERSION)`, URN or id).
    pub dataflow: String,
    /// The input table: a path relative to the mapping file, or a URL.
    pub table: String,
    /// How to read the table.
    #[serde(default)]
    pub input: Input,
    /// Long or wide.
    #[serde(default)]
    pub layout: Layout,
    /// Header label of a table column → component id (`"Destination" = "CDS"`).
    #[serde(default)]
    pub columns: IndexMap<String, String>,
    /// Component id → fixed value for every observation (`REF_AREA = "PHL"`).
    #[serde(default)]
    pub constants: IndexMap<String, String>,
    /// Component id → how national labels become codes.
    #[serde(default)]
    pub codes: BTreeMap<String, CodeMapSpec>,
    /// How cell text becomes a value and a status.
    #[serde(default)]
    pub values: ValueRules,
    /// Table notes carried into `NOTE_*` (or any text) attributes.
    #[serde(default)]
    pub notes: Vec<Note>,
}

/// Which reader and its options.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// `csv` or `xlsx`; default: from the table's extension.
    pub format: Option<TableFormat>,
    /// CSV field delimiter (one character; default `,`).
    pub delimiter: Option<char>,
    /// CSV text encoding, any WHATWG label (`utf-8`, `windows-1252`, `utf-16le`…);
    /// default: UTF-8, or what a byte-order mark says.
    pub encoding: Option<String>,
    /// XLSX sheet name; default: the first sheet.
    pub sheet: Option<String>,
    /// Cell range to read, A1-style (`A3:H40`); default: the whole sheet or file.
    pub range: Option<String>,
    /// Rows to skip at the top of the range, before the header (titles).
    #[serde(default)]
    pub skip_rows: usize,
    /// Number of header rows (default 1; wide tables may have two, e.g. year over sex).
    pub header_rows: Option<usize>,
    /// A row whose first non-empty cell starts with one of these ends the data
    /// (footnotes, `Source:` lines).
    #[serde(default)]
    pub stop_at: Vec<String>,
}

/// The table formats a mapping reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TableFormat {
    /// Delimited text.
    Csv,
    /// An Excel workbook (also xls/ods, through calamine).
    Xlsx,
}

/// Where the observation values are.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    /// `long` (one value column) or `wide` (one value column per year, sex…).
    #[serde(default)]
    pub kind: LayoutKind,
    /// Long: the header label of the value column (default: the column mapped to
    /// `OBS_VALUE` in `[columns]`).
    pub value: Option<String>,
    /// Wide: the component each header row gives to the value columns, top row
    /// first (`["TIME_PERIOD"]`, or `["TIME_PERIOD", "SEX"]` with two header rows).
    #[serde(default)]
    pub header_components: Vec<String>,
}

/// Long or wide.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LayoutKind {
    /// One row per observation.
    #[default]
    Long,
    /// Several observations per row; the headers of the value columns carry
    /// component values (unpivoted).
    Wide,
}

/// National labels → codes for one component.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeMapSpec {
    /// A two-column CSV file (`label,code`, header row first), relative to the
    /// mapping file.
    pub file: Option<String>,
    /// Inline labels → codes; matched ignoring case and spacing.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// How cell text becomes a value.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueRules {
    /// The table counts units (persons) and the dataflow wants 10^`unit_mult`:
    /// values are divided by 10^`unit_mult` and `UNIT_MULT` is set to it.
    pub unit_mult: Option<u8>,
    /// Cell text meaning "no value" → the `OBS_STATUS` to report instead.
    #[serde(default = "default_markers")]
    pub markers: BTreeMap<String, String>,
    /// A suffix after the number → `OBS_STATUS` (`"p" = "P"` provisional, `"e" = "E"` estimate).
    #[serde(default = "default_suffixes")]
    pub suffixes: BTreeMap<String, String>,
    /// Thousands separator removed before parsing (default `,`).
    #[serde(default = "default_thousands")]
    pub thousands: String,
}

impl Default for ValueRules {
    fn default() -> Self {
        ValueRules {
            unit_mult: None,
            markers: default_markers(),
            suffixes: default_suffixes(),
            thousands: default_thousands(),
        }
    }
}

// ILO CL_OBS_STATUS: N = not available, X = not applicable, C = confidential.
fn default_markers() -> BTreeMap<String, String> {
    [
        ("-", "N"),
        ("..", "N"),
        ("n.a.", "N"),
        ("x", "X"),
        ("c", "C"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect()
}

fn default_suffixes() -> BTreeMap<String, String> {
    [("p", "P"), ("e", "E")]
        .into_iter()
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect()
}

fn default_thousands() -> String {
    ",".to_owned()
}

/// A note carried into an attribute of every observation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    /// The attribute (`NOTE_SOURCE`, `NOTE_INDICATOR`, `NOTE_CLASSIF`…).
    pub attribute: String,
    /// The note text.
    pub text: Option<String>,
    /// Or the cell holding it (A1-style, in the table's sheet or CSV grid).
    pub cell: Option<String>,
}
