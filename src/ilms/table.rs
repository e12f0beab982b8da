//! Reading the inputs: the TOML table (`dsd/ilms.toml`) and the ILO TSV extracts.

use std::collections::HashSet;
use std::path::Path;

use indexmap::IndexMap;
use serde::Deserialize;

use super::{IlmsError, TABLE_PATH};

/// The parsed `dsd/ilms.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IlmsTable {
    /// Maintenance agency of every artefact (`ILO`).
    pub agency: String,
    /// Version of every artefact (`1.0`).
    pub version: String,
    /// Paths of the TSV inputs, relative to the project root.
    pub sources: SourcePaths,
    /// Unit kinds (`NB`, `RT`, `LC`) and the unit attributes they allow.
    pub units: IndexMap<String, UnitDef>,
    /// Source kinds (`lfs`, `census`, `admin`) and their descriptions.
    pub source_kinds: IndexMap<String, String>,
    /// Breakdown dimensions by id.
    pub breakdowns: IndexMap<String, BreakdownDef>,
    /// Codelists to generate (id → English name), in file order.
    pub codelists: IndexMap<String, String>,
    /// Fixed components and attributes.
    pub dsd: DsdDef,
    /// Data providers.
    pub reporting: Reporting,
    /// Indicators.
    pub ilms: IndicatorList,
}

/// Paths of the TSV inputs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourcePaths {
    /// `codelist, code, name_en, parent` rows.
    pub codelists: String,
    /// The CL_AREA table.
    pub areas: String,
}

/// What a unit kind allows for the unit attributes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitDef {
    /// `UNIT_MEASURE_TYPE` code.
    pub unit_measure_type: String,
    /// `UNIT_MEASURE` code.
    pub unit_measure: String,
    /// `UNIT_MULT` code.
    pub unit_mult: String,
    /// What it means, for documentation.
    pub name: String,
}

/// A breakdown dimension.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakdownDef {
    /// Its codelist.
    pub codelist: String,
    /// The concept's English name.
    pub name: String,
    /// The prefix every code of this breakdown starts with.
    pub prefix: String,
}

/// A fixed dimension or the measure.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentDef {
    /// Component and concept id.
    pub id: String,
    /// Concept name.
    pub name: String,
    /// Codelist, when coded.
    #[serde(default)]
    pub codelist: Option<String>,
}

/// Fixed components and attributes of every DSD.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DsdDef {
    /// Dimensions before the breakdowns.
    pub dimensions: Vec<ComponentDef>,
    /// The time dimension.
    pub time: ComponentDef,
    /// The primary measure.
    pub measure: ComponentDef,
    /// The attributes.
    pub attributes: Vec<AttributeDef>,
}

/// What an attribute is attached to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Attach {
    /// `"observation"`.
    Level(String),
    /// The dimensions the value depends on.
    Dimensions(Vec<String>),
}

/// An attribute.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeDef {
    /// Component and concept id.
    pub id: String,
    /// Concept name.
    pub name: String,
    /// Codelist, when coded.
    #[serde(default)]
    pub codelist: Option<String>,
    /// Maximum text length, for text attributes.
    #[serde(default)]
    pub max_length: Option<u64>,
    /// SDMX data type for uncoded non-text attributes (`Double`).
    #[serde(default, rename = "type")]
    pub data_type: Option<String>,
    /// Attachment.
    pub attach: Attach,
}

/// The providers section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reporting {
    /// The providers.
    pub providers: Vec<ProviderDef>,
}

/// A data provider.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderDef {
    /// Provider id (`PHL_PSA`).
    pub id: String,
    /// The member state (a CL_AREA code).
    pub area: String,
    /// English name.
    pub name: String,
    /// Source kinds whose dataflows it reports.
    pub reports: Vec<String>,
}

/// The indicators section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorList {
    /// The indicators, in table order.
    pub indicators: Vec<Indicator>,
}

/// One ILMS indicator.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// ILOSTAT indicator id (`MST_TEMP_SEX_ECO_CBR_NB`).
    pub id: String,
    /// English label.
    pub label: String,
    /// Breakdown dimensions, in key order.
    pub breakdowns: Vec<String>,
    /// The MEASURE code.
    pub measure: String,
    /// Unit kind (a key of `units`).
    pub unit: String,
    /// Usual source kind (a key of `source_kinds`).
    pub source: String,
}

impl Indicator {
    /// The dataflow id (`DF_<INDICATOR>`).
    pub fn dataflow_id(&self) -> String {
        format!("DF_{}", self.id)
    }

    /// The series key dimensions, `REF_AREA.FREQ.MEASURE.<breakdowns>`.
    pub fn key(&self) -> String {
        let mut parts = vec!["REF_AREA", "FREQ", "MEASURE"];
        parts.extend(self.breakdowns.iter().map(String::as_str));
        parts.join(".")
    }
}

/// A row of the codelist extract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRow {
    /// Codelist id.
    pub codelist: String,
    /// Code id.
    pub code: String,
    /// English name.
    pub name: String,
    /// Parent code id, if any.
    pub parent: Option<String>,
}

/// A row of the CL_AREA table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaRow {
    /// ISO3 or ILO aggregate code.
    pub code: String,
    /// English name.
    pub name: String,
    /// `Y` for aggregates.
    pub is_group: bool,
    /// ILO region code (`_Z` when none).
    pub region: Option<String>,
    /// ISO 3166 alpha-2.
    pub iso2: Option<String>,
    /// UN M49 numeric code.
    pub m49: Option<String>,
    /// ILOSTAT display order.
    pub order: Option<String>,
}

/// Everything the generator reads: the table and the TSV rows.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// The table.
    pub table: IlmsTable,
    /// Rows of the codelist extract.
    pub codes: Vec<CodeRow>,
    /// Rows of the CL_AREA table.
    pub areas: Vec<AreaRow>,
}

impl Inputs {
    /// Reads the table and its TSV inputs from the project root.
    pub fn load(root: &Path) -> Result<Inputs, IlmsError> {
        let table_text = read(root, TABLE_PATH)?;
        let table = IlmsTable::parse(&table_text, TABLE_PATH)?;
        let codes = parse_codelist_rows(
            &read(root, &table.sources.codelists)?,
            &table.sources.codelists,
        )?;
        let areas = parse_areas(&read(root, &table.sources.areas)?, &table.sources.areas)?;
        Ok(Inputs {
            table,
            codes,
            areas,
        })
    }
}

fn read(root: &Path, rel: &str) -> Result<String, IlmsError> {
    let path = root.join(rel);
    std::fs::read_to_string(&path).map_err(|cause| IlmsError::Io { path, cause })
}

impl IlmsTable {
    /// Parses and checks the table; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<IlmsTable, IlmsError> {
        let table: IlmsTable = toml::from_str(text).map_err(|e| IlmsError::Toml {
            file: file.to_owned(),
            message: e.to_string(),
        })?;
        table.check(file)?;
        Ok(table)
    }

    /// Consistency rules the TOML shape cannot express.
    fn check(&self, file: &str) -> Result<(), IlmsError> {
        let invalid = |subject: &str, message: String| IlmsError::Invalid {
            file: file.to_owned(),
            subject: subject.to_owned(),
            message,
        };
        if self.version.parse::<crate::model::Version>().is_err() {
            return Err(invalid(
                "version",
                format!("{:?} is not an SDMX version", self.version),
            ));
        }
        for (id, b) in &self.breakdowns {
            if !self.codelists.contains_key(&b.codelist) {
                return Err(invalid(
                    id,
                    format!("codelist {} is not listed in [codelists]", b.codelist),
                ));
            }
        }
        for a in &self.dsd.attributes {
            let kinds = [
                a.codelist.is_some(),
                a.max_length.is_some(),
                a.data_type.is_some(),
            ];
            if kinds.iter().filter(|k| **k).count() != 1 {
                return Err(invalid(
                    &a.id,
                    "give exactly one of codelist, max_length or type".to_owned(),
                ));
            }
            if let Some(cl) = &a.codelist {
                if !self.codelists.contains_key(cl) {
                    return Err(invalid(
                        &a.id,
                        format!("codelist {cl} is not listed in [codelists]"),
                    ));
                }
            }
            if let Some(t) = &a.data_type {
                if t.parse::<crate::model::DataType>().is_err() {
                    return Err(invalid(&a.id, format!("{t:?} is not an SDMX data type")));
                }
            }
            if let Attach::Level(l) = &a.attach {
                if l != "observation" {
                    return Err(invalid(
                        &a.id,
                        format!("attach {l:?}: use \"observation\" or a list of dimension ids"),
                    ));
                }
            }
        }
        let mut seen = HashSet::new();
        for ind in &self.ilms.indicators {
            if !seen.insert(ind.id.as_str()) {
                return Err(invalid(&ind.id, "indicator listed twice".to_owned()));
            }
            self.check_indicator(ind)
                .map_err(|message| invalid(&ind.id, message))?;
        }
        let mut seen = HashSet::new();
        for p in &self.reporting.providers {
            if !seen.insert(p.id.as_str()) {
                return Err(invalid(&p.id, "provider listed twice".to_owned()));
            }
            if let Some(k) = p
                .reports
                .iter()
                .find(|k| !self.source_kinds.contains_key(*k))
            {
                return Err(invalid(
                    &p.id,
                    format!("reports {k:?}, which is not a key of [source_kinds]"),
                ));
            }
        }
        Ok(())
    }

    /// ILO's id grammar: `<TOPIC>_<VAR>_<breakdowns…>_<UNIT>`, MEASURE `<TOPIC>_<VAR>_<UNIT>`.
    fn check_indicator(&self, ind: &Indicator) -> Result<(), String> {
        let parts: Vec<&str> = ind.id.split('_').collect();
        if parts.len() < 4 {
            return Err("an indicator id is <TOPIC>_<VAR>_<breakdowns>_<UNIT>".to_owned());
        }
        let (topic, var, unit) = (parts[0], parts[1], parts[parts.len() - 1]);
        let in_id = &parts[2..parts.len() - 1];
        if in_id
            != ind
                .breakdowns
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
        {
            return Err(format!(
                "breakdowns {:?} do not match the id's {in_id:?}",
                ind.breakdowns
            ));
        }
        let measure = format!("{topic}_{var}_{unit}");
        if ind.measure != measure {
            return Err(format!("measure {} should be {measure}", ind.measure));
        }
        if let Some(b) = ind
            .breakdowns
            .iter()
            .find(|b| !self.breakdowns.contains_key(*b))
        {
            return Err(format!("breakdown {b} is not defined in [breakdowns]"));
        }
        if !self.units.contains_key(&ind.unit) {
            return Err(format!("unit {:?} is not a key of [units]", ind.unit));
        }
        if !self.source_kinds.contains_key(&ind.source) {
            return Err(format!(
                "source {:?} is not a key of [source_kinds]",
                ind.source
            ));
        }
        Ok(())
    }
}

/// Splits a TSV into rows of fields after checking its header; yields (line, fields).
fn tsv_rows<'a>(
    text: &'a str,
    file: &'a str,
    header: &'a [&'a str],
) -> Result<impl Iterator<Item = (usize, Vec<&'a str>)> + 'a, IlmsError> {
    let mut lines = text.lines().enumerate();
    let first = lines.next().map(|(_, l)| l).unwrap_or_default();
    let got: Vec<&str> = first.trim_start_matches('\u{feff}').split('\t').collect();
    if got != header {
        return Err(IlmsError::Row {
            file: file.to_owned(),
            line: 1,
            message: format!("expected the header {:?}, found {got:?}", header.join("\t")),
        });
    }
    Ok(lines
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l.split('\t').collect())))
}

fn width_error(file: &str, line: usize, want: usize, got: usize) -> IlmsError {
    IlmsError::Row {
        file: file.to_owned(),
        line,
        message: format!("expected {want} tab-separated fields, found {got}"),
    }
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty() && s != "_Z").then(|| s.to_owned())
}

/// Parses the codelist extract (`codelist, code, name_en, parent`).
pub fn parse_codelist_rows(text: &str, file: &str) -> Result<Vec<CodeRow>, IlmsError> {
    const HEADER: &[&str] = &["codelist", "code", "name_en", "parent"];
    let mut rows = Vec::new();
    for (line, f) in tsv_rows(text, file, HEADER)? {
        if f.len() != HEADER.len() {
            return Err(width_error(file, line, HEADER.len(), f.len()));
        }
        if f[0].trim().is_empty() || f[1].trim().is_empty() || f[2].trim().is_empty() {
            return Err(IlmsError::Row {
                file: file.to_owned(),
                line,
                message: "codelist, code and name_en must not be empty".to_owned(),
            });
        }
        rows.push(CodeRow {
            codelist: f[0].trim().to_owned(),
            code: f[1].trim().to_owned(),
            name: f[2].trim().to_owned(),
            parent: Some(f[3].trim())
                .filter(|p| !p.is_empty())
                .map(str::to_owned),
        });
    }
    Ok(rows)
}

/// Parses the CL_AREA table (`code, name_en, group, ilo_region, iso2code, m49code,
/// order, wb_income_group`).
pub fn parse_areas(text: &str, file: &str) -> Result<Vec<AreaRow>, IlmsError> {
    const HEADER: &[&str] = &[
        "code",
        "name_en",
        "group",
        "ilo_region",
        "iso2code",
        "m49code",
        "order",
        "wb_income_group",
    ];
    let mut rows = Vec::new();
    for (line, f) in tsv_rows(text, file, HEADER)? {
        if f.len() != HEADER.len() {
            return Err(width_error(file, line, HEADER.len(), f.len()));
        }
        let group = match f[2].trim() {
            "Y" => true,
            "N" => false,
            other => {
                return Err(IlmsError::Row {
                    file: file.to_owned(),
                    line,
                    message: format!("group must be Y or N, found {other:?}"),
                });
            }
        };
        if f[0].trim().is_empty() || f[1].trim().is_empty() {
            return Err(IlmsError::Row {
                file: file.to_owned(),
                line,
                message: "code and name_en must not be empty".to_owned(),
            });
        }
        rows.push(AreaRow {
            code: f[0].trim().to_owned(),
            name: f[1].trim().to_owned(),
            is_group: group,
            region: non_empty(f[3]),
            iso2: non_empty(f[4]),
            m49: non_empty(f[5]),
            order: non_empty(f[6]),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINI: &str = r#"
agency = "ILO"
version = "1.0"
[sources]
codelists = "c.tsv"
areas = "a.tsv"
[units]
NB = { unit_measure_type = "NB", unit_measure = "PS", unit_mult = "3", name = "n" }
[source_kinds]
lfs = "Labour force survey"
[breakdowns]
SEX = { codelist = "CL_SEX", name = "Sex", prefix = "SEX_" }
[codelists]
CL_SEX = "Sex"
[dsd]
dimensions = [{ id = "REF_AREA", name = "Area", codelist = "CL_AREA" }]
time = { id = "TIME_PERIOD", name = "Time" }
measure = { id = "OBS_VALUE", name = "Value" }
attributes = [{ id = "NOTE", name = "Note", max_length = 10, attach = "observation" }]
[reporting]
providers = [{ id = "P", area = "PHL", name = "P", reports = ["lfs"] }]
[ilms]
indicators = [
  { id = "MST_TEMP_SEX_NB", label = "L", breakdowns = ["SEX"], measure = "MST_TEMP_NB", unit = "NB", source = "lfs" },
]
"#;

    fn err(text: &str) -> String {
        IlmsTable::parse(text, "t.toml").unwrap_err().to_string()
    }

    #[test]
    fn parses_a_minimal_table() {
        let t = IlmsTable::parse(MINI, "t.toml").unwrap();
        assert_eq!(t.ilms.indicators[0].key(), "REF_AREA.FREQ.MEASURE.SEX");
        assert_eq!(t.ilms.indicators[0].dataflow_id(), "DF_MST_TEMP_SEX_NB");
        assert_eq!(
            t.dsd.attributes[0].attach,
            Attach::Level("observation".into())
        );
    }

    #[test]
    fn rejects_a_measure_that_does_not_follow_the_id() {
        let e = err(&MINI.replace("measure = \"MST_TEMP_NB\"", "measure = \"MST_TEMP_RT\""));
        assert!(
            e.contains("MST_TEMP_SEX_NB") && e.contains("should be MST_TEMP_NB"),
            "{e}"
        );
    }

    #[test]
    fn rejects_breakdowns_that_do_not_follow_the_id() {
        let e = err(&MINI.replace("breakdowns = [\"SEX\"]", "breakdowns = [\"AGE\"]"));
        assert!(e.contains("do not match"), "{e}");
    }

    #[test]
    fn rejects_unknown_units_sources_and_codelists() {
        assert!(err(&MINI.replace("unit = \"NB\"", "unit = \"XX\"")).contains("unit \"XX\""));
        assert!(err(&MINI.replace("source = \"lfs\" }", "source = \"web\" }")).contains("\"web\""));
        assert!(
            err(&MINI.replace("codelist = \"CL_SEX\", name", "codelist = \"CL_X\", name"))
                .contains("CL_X is not listed")
        );
        assert!(err(&MINI.replace("reports = [\"lfs\"]", "reports = [\"x\"]")).contains("reports"));
    }

    #[test]
    fn rejects_duplicates_bad_attributes_and_unknown_keys() {
        let line = MINI
            .lines()
            .find(|l| l.contains("MST_TEMP_SEX_NB"))
            .unwrap();
        let twice = MINI.replace(line, &format!("{line}\n{line}"));
        assert!(err(&twice).contains("listed twice"));
        assert!(
            err(&MINI.replace("max_length = 10", "max_length = 10, type = \"Double\""))
                .contains("exactly one")
        );
        assert!(
            err(&MINI.replace("attach = \"observation\"", "attach = \"series\""))
                .contains("attach")
        );
        assert!(
            err(&MINI.replace("agency = \"ILO\"", "agency = \"ILO\"\nextra = 1"))
                .contains("t.toml")
        );
    }

    #[test]
    fn parses_codelist_rows_and_reports_bad_lines() {
        let rows = parse_codelist_rows(
            "codelist\tcode\tname_en\tparent\nCL_SEX\tSEX_T\tTotal\t\nCL_ECO\tECO_ISIC4_A\tA\tECO_ISIC4\n",
            "c.tsv",
        )
        .unwrap();
        assert_eq!(rows[0].parent, None);
        assert_eq!(rows[1].parent.as_deref(), Some("ECO_ISIC4"));
        let e = parse_codelist_rows("codelist\tcode\tname_en\tparent\nCL_SEX\tSEX_T\n", "c.tsv")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "c.tsv:2: expected 4 tab-separated fields, found 2");
        let e = parse_codelist_rows("code\tname\n", "c.tsv")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("c.tsv:1: expected the header"), "{e}");
    }

    #[test]
    fn parses_areas_with_optional_fields() {
        let h = "code\tname_en\tgroup\tilo_region\tiso2code\tm49code\torder\twb_income_group\n";
        let rows = parse_areas(
            &format!(
                "{h}MMR\tMyanmar\tN\tX40\tMM\t104\t10765\tX03\nX84\tASEAN\tY\t_Z\t\t\t6000\t_Z\n"
            ),
            "a.tsv",
        )
        .unwrap();
        assert_eq!(rows[0].iso2.as_deref(), Some("MM"));
        assert_eq!(rows[0].region.as_deref(), Some("X40"));
        assert!(rows[1].is_group && rows[1].region.is_none() && rows[1].m49.is_none());
        let e = parse_areas(&format!("{h}X\tY\tQ\t\t\t\t\t\n"), "a.tsv")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "a.tsv:2: group must be Y or N, found \"Q\"");
    }
}
