//! Excel questionnaires: a workbook generated for one dataflow (instructions,
//! a data sheet with drop-down lists fed from a hidden codes sheet) that
//! `sdmxgw map` reads back without a mapping file.
//!
//! Layout of the `Data` sheet: `B1` the dataflow, `B2` the unit multiplier,
//! row 4 the component ids, data from row 5. Coded cells hold `CODE — Name`
//! (code and name together); reading keeps the part before ` — `.

use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto};
use indexmap::IndexMap;
use rust_xlsxwriter::{DataValidation, Format, Formula, Workbook};

use super::MappingError;
use super::spec::{Input, Layout, LayoutKind, Mapping, ValueRules};
use super::table::column_letters;

/// The separator between code and name in questionnaire cells.
pub const CODE_NAME_SEPARATOR: &str = " — ";

/// One column of the questionnaire's data sheet.
#[derive(Debug, Clone)]
pub struct QuestionnaireColumn {
    /// Component id (`SEX`, `TIME_PERIOD`, `OBS_VALUE`, `OBS_STATUS`).
    pub id: String,
    /// Its name, for the instructions.
    pub name: String,
    /// Allowed codes with names; empty for a free (uncoded) column.
    pub codes: Vec<(String, String)>,
}

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> MappingError {
    MappingError::Spec {
        message: format!("cannot write the questionnaire: {e}"),
    }
}

/// How many data rows carry drop-down validation.
const DATA_ROWS: u32 = 2000;

/// Writes a questionnaire for `dataflow` to `path`.
pub fn write_questionnaire(
    path: &Path,
    dataflow: &str,
    title: &str,
    unit_mult: Option<u8>,
    columns: &[QuestionnaireColumn],
) -> Result<(), MappingError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let units = match unit_mult {
        Some(0) | None => "units as stated by the indicator".to_owned(),
        Some(3) => "thousands (UNIT_MULT 3): write 1.5 for 1,500 persons".to_owned(),
        Some(m) => format!("units of 10^{m} (UNIT_MULT {m})"),
    };

    let ins = wb.add_worksheet();
    ins.set_name("Instructions").map_err(xlsx_err)?;
    ins.set_column_width(0, 110).map_err(xlsx_err)?;
    let mut lines = vec![
        format!("Questionnaire for {dataflow}: {title}"),
        String::new(),
        "Fill the sheet \"Data\", one observation per row from row 5. Do not change rows 1 to 4.".to_owned(),
        "Coded columns offer a drop-down list: choose \"CODE — Name\"; typing the code alone also works.".to_owned(),
        format!("Values (OBS_VALUE) are in {units}."),
        "TIME_PERIOD is the year (2024). Leave OBS_VALUE empty and set OBS_STATUS when a figure is not available.".to_owned(),
        "Read it back with: sdmxgw map questionnaire.xlsx -o data.xml --to sdmx-ml-2.1-ss".to_owned(),
        String::new(),
        "Columns:".to_owned(),
    ];
    for c in columns {
        lines.push(format!("  {}: {}", c.id, c.name));
    }
    for (i, l) in lines.iter().enumerate() {
        if i == 0 {
            ins.write_string_with_format(0, 0, l, &bold)
                .map_err(xlsx_err)?;
        } else {
            ins.write_string(i as u32, 0, l).map_err(xlsx_err)?;
        }
    }

    let data = wb.add_worksheet();
    data.set_name("Data").map_err(xlsx_err)?;
    data.write_string_with_format(0, 0, "Dataflow", &bold)
        .map_err(xlsx_err)?;
    data.write_string(0, 1, dataflow).map_err(xlsx_err)?;
    data.write_string_with_format(1, 0, "UNIT_MULT", &bold)
        .map_err(xlsx_err)?;
    if let Some(m) = unit_mult {
        data.write_number(1, 1, f64::from(m)).map_err(xlsx_err)?;
    }
    data.write_string(1, 2, format!("Values in {units}"))
        .map_err(xlsx_err)?;
    for (i, c) in columns.iter().enumerate() {
        let col = i as u16;
        data.write_string_with_format(3, col, &c.id, &bold)
            .map_err(xlsx_err)?;
        data.set_column_width(col, if c.codes.is_empty() { 14 } else { 36 })
            .map_err(xlsx_err)?;
        if !c.codes.is_empty() {
            let letter = column_letters(i as u32);
            let formula = format!("=Codes!${letter}$2:${letter}${}", c.codes.len() + 1);
            let dv = DataValidation::new().allow_list_formula(Formula::new(formula));
            data.add_data_validation(4, col, 4 + DATA_ROWS, col, &dv)
                .map_err(xlsx_err)?;
        }
    }

    let codes = wb.add_worksheet();
    codes.set_name("Codes").map_err(xlsx_err)?;
    for (i, c) in columns.iter().enumerate() {
        let col = i as u16;
        codes.write_string(0, col, &c.id).map_err(xlsx_err)?;
        for (r, (code, name)) in c.codes.iter().enumerate() {
            codes
                .write_string(
                    1 + r as u32,
                    col,
                    format!("{code}{CODE_NAME_SEPARATOR}{name}"),
                )
                .map_err(xlsx_err)?;
        }
    }
    codes.set_hidden(true);
    wb.save(path).map_err(xlsx_err)
}

/// The mapping that reads a filled questionnaire back, or `None` when `path` is
/// not one (no `Data` sheet with `Dataflow` in `A1`).
pub fn questionnaire_mapping(path: &Path) -> Result<Option<Mapping>, MappingError> {
    let Ok(mut wb) = open_workbook_auto(path) else {
        return Ok(None);
    };
    let Ok(range) = wb.worksheet_range("Data") else {
        return Ok(None);
    };
    let text = |r: u32, c: u32| -> String {
        match range.get_value((r, c)) {
            Some(Data::String(s)) => s.trim().to_owned(),
            Some(Data::Float(f)) => format!("{f}"),
            Some(Data::Int(i)) => i.to_string(),
            _ => String::new(),
        }
    };
    if text(0, 0) != "Dataflow" || text(0, 1).is_empty() {
        return Ok(None);
    }
    let mut columns = IndexMap::new();
    let mut c = 0;
    loop {
        let id = text(3, c);
        if id.is_empty() {
            break;
        }
        columns.insert(id.clone(), id);
        c += 1;
    }
    let mut constants = IndexMap::new();
    let mult = text(1, 1);
    if !mult.is_empty() {
        constants.insert("UNIT_MULT".to_owned(), mult);
    }
    Ok(Some(Mapping {
        dataflow: text(0, 1),
        table: path.display().to_string(),
        input: Input {
            format: Some(super::spec::TableFormat::Xlsx),
            sheet: Some("Data".to_owned()),
            range: None,
            skip_rows: 3,
            header_rows: Some(1),
            ..Input::default()
        },
        layout: Layout {
            kind: LayoutKind::Long,
            value: None,
            header_components: Vec::new(),
        },
        columns,
        constants,
        codes: Default::default(),
        values: ValueRules::default(),
        notes: Vec::new(),
    }))
}
