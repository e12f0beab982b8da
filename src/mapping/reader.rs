//! The mapped observations as a stream of data events.

use crate::data::{
    DataError, DataEvent, DataReader, DataSetHeader, Header, Obs, Position, SeriesKey,
};

/// One dataset of mapped observations, grouped by series (see the module note
/// on memory).
#[derive(Debug)]
pub struct MappedReader {
    pub(super) source: String,
    pub(super) header: Header,
    pub(super) dataset: DataSetHeader,
    pub(super) series: Vec<(SeriesKey, Vec<Obs>)>,
    state: State,
}

#[derive(Debug, Clone, Copy)]
enum State {
    Header,
    DataSet,
    Series(usize),
    Obs(usize, usize),
    End,
    Done,
}

impl MappedReader {
    pub(super) fn new(
        source: String,
        header: Header,
        dataset: DataSetHeader,
        series: Vec<(SeriesKey, Vec<Obs>)>,
    ) -> Self {
        MappedReader {
            source,
            header,
            dataset,
            series,
            state: State::Header,
        }
    }

    /// Number of series and observations that will be emitted.
    pub fn counts(&self) -> (usize, usize) {
        (
            self.series.len(),
            self.series.iter().map(|(_, o)| o.len()).sum(),
        )
    }
}

impl DataReader for MappedReader {
    fn next_event(&mut self) -> Result<Option<DataEvent<'_>>, DataError> {
        loop {
            match self.state {
                State::Header => {
                    self.state = State::DataSet;
                    return Ok(Some(DataEvent::Header(&self.header)));
                }
                State::DataSet => {
                    self.state = State::Series(0);
                    return Ok(Some(DataEvent::DataSet(&self.dataset)));
                }
                State::Series(i) => {
                    if i >= self.series.len() {
                        self.state = State::End;
                        continue;
                    }
                    self.state = State::Obs(i, 0);
                    return Ok(Some(DataEvent::Series(&self.series[i].0)));
                }
                State::Obs(i, j) => {
                    if j >= self.series[i].1.len() {
                        self.state = State::Series(i + 1);
                        continue;
                    }
                    self.state = State::Obs(i, j + 1);
                    return Ok(Some(DataEvent::Obs(&self.series[i].1[j])));
                }
                State::End => {
                    self.state = State::Done;
                    return Ok(Some(DataEvent::EndDataSet));
                }
                State::Done => return Ok(None),
            }
        }
    }

    fn position(&self) -> Position {
        Position::source(self.source.clone())
    }
}
