//! The mapped observations as a stream of data events, one table row at a
//! time: a series per run of consecutive observations with the same series
//! key (a long table sorted by series gives each series once; a wide table a
//! series per row).

use std::collections::HashMap;

use crate::data::{
    Action, DataError, DataEvent, DataReader, DataSetHeader, Header, Obs, ObsDimension, Position,
    SeriesKey, Values,
};

use super::MappingError;
use super::build::{Plan, Problems, RowObs};
use super::table::{Row, RowSource, column_letters};

/// One dataset of mapped observations, read and mapped row by row as events
/// are asked for. Memory holds the current row, the periods of the current
/// series (to name both cells of a repeated observation) and the problems
/// found; never the table or its series. A key and period repeated in rows
/// far apart is left to the validator's duplicate check (`sdmxgw map` always
/// validates), which names the second cell through [`DataReader::position`].
pub struct MappedReader<'a> {
    source: String,
    plan: Plan<'a>,
    rows: Box<dyn RowSource + 'a>,
    row: Row,
    /// The first data row, read with the header.
    held: Option<Row>,
    header: Header,
    dataset: DataSetHeader,
    state: State,
    batch: Vec<RowObs>,
    next: usize,
    series: SeriesKey,
    series_key: Option<Vec<String>>,
    /// Period → its cell, for the current series.
    periods: HashMap<String, (u32, u32)>,
    obs: Obs,
    /// The cell of the last event.
    at: (u32, u32),
    problems: Problems,
    /// Problems of trailing rows that look like footnotes (one non-empty
    /// cell that does not map): dropped at the end of the table, reported if
    /// a data row follows.
    footnotes: Vec<String>,
    row_errors: Vec<String>,
}

impl std::fmt::Debug for MappedReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MappedReader")
            .field("source", &self.source)
            .field("plan", &self.plan)
            .field("problems", &self.problems.total)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Header,
    DataSet,
    Body,
    Failed,
    Done,
}

impl<'a> MappedReader<'a> {
    pub(super) fn new(
        source: String,
        plan: Plan<'a>,
        rows: Box<dyn RowSource + 'a>,
        held: Option<Row>,
        problems: Problems,
    ) -> Self {
        let header = Header {
            id: "SDMXGW-MAP".to_owned(),
            structure: Some(plan.usage.clone()),
            ..Header::default()
        };
        let dataset = DataSetHeader {
            structure: Some(plan.usage.clone()),
            action: Action::Information,
            dimension_at_observation: ObsDimension::Time,
            attributes: Values::new(),
            extra: Values::new(),
        };
        MappedReader {
            source,
            plan,
            rows,
            row: Row::default(),
            held,
            header,
            dataset,
            state: State::Header,
            batch: Vec::new(),
            next: 0,
            series: SeriesKey::default(),
            series_key: None,
            periods: HashMap::new(),
            obs: Obs::default(),
            at: (0, 0),
            problems,
            footnotes: Vec::new(),
            row_errors: Vec::new(),
        }
    }

    /// How many problems were found so far (more than [`Self::take_problems`]
    /// lists when there are over a thousand).
    pub fn problem_count(&self) -> usize {
        self.problems.total
    }

    /// The problems found in the cells, as one error, once the reader has
    /// ended with an error (or `None` when there were none). Each names its
    /// cell; past a thousand, a last line says how many more there were.
    pub fn take_problems(&mut self) -> Option<MappingError> {
        if self.problems.total == 0 {
            return None;
        }
        let mut list = std::mem::take(&mut self.problems.list);
        if self.problems.total > list.len() {
            list.push(format!(
                "… and {} more problem(s) not listed",
                self.problems.total - list.len()
            ));
        }
        Some(MappingError::Cells(list))
    }

    /// Reads and maps the next data row into the batch; `false` at the end of
    /// the data.
    fn read_row(&mut self) -> Result<bool, DataError> {
        let row = match self.held.take() {
            Some(r) => r,
            None => {
                let mut row = std::mem::take(&mut self.row);
                match self.rows.next_row(&mut row) {
                    Ok(true) => row,
                    Ok(false) => return Ok(false),
                    Err(e) => {
                        return Err(DataError::Invalid {
                            position: Position::source(self.source.clone()),
                            message: e.to_string(),
                        });
                    }
                }
            }
        };
        if self.plan.stops(&row) {
            self.row = row;
            return Ok(false);
        }
        let mut errors = std::mem::take(&mut self.row_errors);
        errors.clear();
        self.plan.map_row(&row, &mut self.batch, &mut errors);
        let filled = row.cells.iter().filter(|t| !t.is_empty()).count();
        if !errors.is_empty() && filled == 1 {
            self.footnotes.append(&mut errors);
            self.batch.clear();
        } else {
            for e in self.footnotes.drain(..).chain(errors.drain(..)) {
                self.problems.push(e);
            }
        }
        self.row_errors = errors;
        // Observations of one row with the same key form one series (a row
        // of years over sexes gives three series, not six).
        self.batch.sort_by(|a, b| a.key.cmp(&b.key));
        self.next = 0;
        self.row = row;
        Ok(true)
    }

    fn start_series(&mut self, i: usize) {
        let o = &self.batch[i];
        self.series.key.clear();
        for (d, v) in self.plan.key_dims.iter().zip(&o.key) {
            self.series.key.push(d, v);
        }
        self.series.attributes.clear();
        for (id, v) in &o.series_attrs {
            self.series.attributes.set(id, v);
        }
        self.series_key = Some(o.key.clone());
        self.periods.clear();
        self.at = o.cell;
    }

    /// Fills the observation event from `batch[i]`; `false` when it repeats a
    /// period of the current series (a problem naming both cells).
    fn fill_obs(&mut self, i: usize) -> bool {
        let o = &self.batch[i];
        if let Some(prev) = self.periods.get(&o.period) {
            let msg = format!(
                "{}: a second value for the observation of {} already given at {}",
                self.plan.cell_ref(o.cell),
                o.period,
                self.plan.cell_ref(*prev)
            );
            self.problems.push(msg);
            return false;
        }
        self.periods.insert(o.period.clone(), o.cell);
        self.obs.key.clear();
        self.obs.key.push(&self.plan.time, &o.period);
        self.obs.measures.clear();
        if let Some(v) = &o.value {
            self.obs.measures.push(&self.plan.measure, v);
        }
        self.obs.attributes.clear();
        for (id, v) in &o.attrs {
            self.obs.attributes.set(id, v);
        }
        self.at = o.cell;
        true
    }
}

impl DataReader for MappedReader<'_> {
    fn next_event(&mut self) -> Result<Option<DataEvent<'_>>, DataError> {
        loop {
            match self.state {
                State::Header => {
                    self.state = State::DataSet;
                    return Ok(Some(DataEvent::Header(&self.header)));
                }
                State::DataSet => {
                    self.state = State::Body;
                    return Ok(Some(DataEvent::DataSet(&self.dataset)));
                }
                State::Body => {
                    if self.next < self.batch.len() {
                        let i = self.next;
                        if self.series_key.as_ref() != Some(&self.batch[i].key) {
                            self.start_series(i);
                            return Ok(Some(DataEvent::Series(&self.series)));
                        }
                        self.next += 1;
                        if self.fill_obs(i) {
                            return Ok(Some(DataEvent::Obs(&self.obs)));
                        }
                        continue;
                    }
                    match self.read_row() {
                        Ok(true) => continue,
                        Ok(false) => {
                            // Trailing footnote-like rows were footnotes.
                            self.footnotes.clear();
                            if self.problems.total > 0 {
                                self.state = State::Failed;
                                let shown = self.problems.list.len().min(20);
                                let mut message = format!(
                                    "{} problem(s) in the table:\n{}",
                                    self.problems.total,
                                    self.problems.list[..shown].join("\n")
                                );
                                if shown < self.problems.total {
                                    message.push_str("\n…");
                                }
                                return Err(DataError::Invalid {
                                    position: Position::source(self.source.clone()),
                                    message,
                                });
                            }
                            self.state = State::Done;
                            return Ok(Some(DataEvent::EndDataSet));
                        }
                        Err(e) => {
                            self.state = State::Failed;
                            return Err(e);
                        }
                    }
                }
                State::Failed | State::Done => return Ok(None),
            }
        }
    }

    fn position(&self) -> Position {
        let (row, col) = self.at;
        if self.state != State::Body {
            return Position::source(self.source.clone());
        }
        if self.plan.a1 {
            Position::source(format!(
                "{}!{}{}",
                self.plan.name,
                column_letters(col),
                row + 1
            ))
        } else {
            Position {
                source: self.plan.name.clone(),
                line: 0,
                column: u64::from(col) + 1,
                record: u64::from(row) + 1,
            }
        }
    }
}
