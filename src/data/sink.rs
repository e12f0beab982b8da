use super::{DataError, DataEvent, DataSetHeader, GroupKey, Header, Obs, Position, SeriesKey};

/// A source of [`DataEvent`]s: one per call, `None` at the end of the message.
///
/// Like quick-xml's `read_event_into`, each event borrows the reader's internal
/// buffers and is valid until the next call.
pub trait DataReader {
    /// The next event, or `None` when the message is complete.
    fn next_event(&mut self) -> Result<Option<DataEvent<'_>>, DataError>;

    /// Where the reader is (for errors found by whoever consumes the events).
    fn position(&self) -> Position;

    /// Writes [`DataReader::position`] into `pos`, reusing its allocation
    /// (callers that want the position after every event).
    fn position_into(&self, pos: &mut Position) {
        *pos = self.position();
    }

    /// The line, column and record of [`DataReader::position`], without the
    /// source name, which does not change (for callers that note where every
    /// event was, such as [`super::read_ahead`]).
    fn place(&self) -> Place {
        let p = self.position();
        Place {
            line: p.line,
            column: p.column,
            record: p.record,
        }
    }
}

/// Where an event was, within a known source: the numeric part of a [`Position`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Place {
    /// 1-based line, 0 when unknown.
    pub line: u64,
    /// 1-based column, 0 when unknown.
    pub column: u64,
    /// 1-based CSV record, 0 when not CSV.
    pub record: u64,
}

impl<R: DataReader + ?Sized> DataReader for Box<R> {
    fn next_event(&mut self) -> Result<Option<DataEvent<'_>>, DataError> {
        (**self).next_event()
    }

    fn position(&self) -> Position {
        (**self).position()
    }

    fn position_into(&self, pos: &mut Position) {
        (**self).position_into(pos)
    }

    fn place(&self) -> Place {
        (**self).place()
    }
}

/// Whether a sink wants more events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Keep going.
    Continue,
    /// Stop reading (e.g. `--max-errors` reached); what was seen still counts.
    Stop,
}

/// A consumer of data events: a writer, the validator, the store.
pub trait DataSink {
    /// The sink's error; reading errors convert into it.
    type Error: From<DataError>;

    /// The message header.
    fn header(&mut self, _h: &Header) -> Result<Flow, Self::Error> {
        Ok(Flow::Continue)
    }
    /// A dataset begins.
    fn dataset(&mut self, _d: &DataSetHeader) -> Result<Flow, Self::Error> {
        Ok(Flow::Continue)
    }
    /// A group key.
    fn group(&mut self, _g: &GroupKey) -> Result<Flow, Self::Error> {
        Ok(Flow::Continue)
    }
    /// A series begins.
    fn series(&mut self, s: &SeriesKey) -> Result<Flow, Self::Error>;
    /// An observation.
    fn obs(&mut self, o: &Obs) -> Result<Flow, Self::Error>;
    /// The current dataset ends.
    fn end_dataset(&mut self) -> Result<Flow, Self::Error> {
        Ok(Flow::Continue)
    }
    /// The message is complete (or reading stopped early); flush what is buffered.
    fn finish(&mut self, _s: &Summary) -> Result<(), Self::Error> {
        Ok(())
    }
}

impl<S: DataSink + ?Sized> DataSink for Box<S> {
    type Error = S::Error;
    fn header(&mut self, h: &Header) -> Result<Flow, Self::Error> {
        (**self).header(h)
    }
    fn dataset(&mut self, d: &DataSetHeader) -> Result<Flow, Self::Error> {
        (**self).dataset(d)
    }
    fn group(&mut self, g: &GroupKey) -> Result<Flow, Self::Error> {
        (**self).group(g)
    }
    fn series(&mut self, s: &SeriesKey) -> Result<Flow, Self::Error> {
        (**self).series(s)
    }
    fn obs(&mut self, o: &Obs) -> Result<Flow, Self::Error> {
        (**self).obs(o)
    }
    fn end_dataset(&mut self) -> Result<Flow, Self::Error> {
        (**self).end_dataset()
    }
    fn finish(&mut self, s: &Summary) -> Result<(), Self::Error> {
        (**self).finish(s)
    }
}

/// Counts of what went through a [`pump`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Datasets.
    pub datasets: u64,
    /// Groups.
    pub groups: u64,
    /// Series.
    pub series: u64,
    /// Observations.
    pub observations: u64,
    /// True when the sink asked to stop before the end of the input.
    pub stopped_early: bool,
}

/// Moves every event from `reader` to `sink`, then calls `finish`.
pub fn pump<R: DataReader + ?Sized, S: DataSink + ?Sized>(
    reader: &mut R,
    sink: &mut S,
) -> Result<Summary, S::Error> {
    let mut summary = Summary::default();
    loop {
        let flow = match reader.next_event()? {
            None => break,
            Some(DataEvent::Header(h)) => sink.header(h)?,
            Some(DataEvent::DataSet(d)) => {
                summary.datasets += 1;
                sink.dataset(d)?
            }
            Some(DataEvent::Group(g)) => {
                summary.groups += 1;
                sink.group(g)?
            }
            Some(DataEvent::Series(s)) => {
                summary.series += 1;
                sink.series(s)?
            }
            Some(DataEvent::Obs(o)) => {
                summary.observations += 1;
                sink.obs(o)?
            }
            Some(DataEvent::EndDataSet) => sink.end_dataset()?,
        };
        if flow == Flow::Stop {
            summary.stopped_early = true;
            break;
        }
    }
    sink.finish(&summary)?;
    Ok(summary)
}

/// A sink that only counts (the `convert --count` path and benchmarks).
#[derive(Debug, Default)]
pub struct CountSink;

impl DataSink for CountSink {
    type Error = DataError;
    fn series(&mut self, _s: &SeriesKey) -> Result<Flow, DataError> {
        Ok(Flow::Continue)
    }
    fn obs(&mut self, _o: &Obs) -> Result<Flow, DataError> {
        Ok(Flow::Continue)
    }
}

/// One dataset as [`Collected`] keeps it: header, groups, and each series with
/// its observations.
pub type CollectedDataSet = (DataSetHeader, Vec<GroupKey>, Vec<(SeriesKey, Vec<Obs>)>);

/// One observation flattened for comparison: full key, measures, attributes.
pub type FlatObs = (
    Vec<(String, String)>,
    Vec<(String, String)>,
    Vec<(String, String)>,
);

/// Everything a message held, owned: for tests and small messages only (it holds
/// the whole message, which streaming code must never do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Collected {
    /// The header.
    pub header: Option<Header>,
    /// Each dataset with its groups and series, each series with its observations.
    pub datasets: Vec<CollectedDataSet>,
}

impl Collected {
    /// Every observation as a flat record: full key (series + observation
    /// dimensions, sorted by id), measures and all attributes that apply (dataset,
    /// series, observation), for comparing messages across formats.
    pub fn flat(&self) -> Vec<FlatObs> {
        let mut out = Vec::new();
        for (ds, _groups, series) in &self.datasets {
            for (s, observations) in series {
                for o in observations {
                    let mut key: Vec<_> = s.key.to_vec();
                    key.extend(o.key.to_vec());
                    key.sort();
                    let mut attrs: Vec<_> = ds.attributes.to_vec();
                    attrs.extend(s.attributes.to_vec());
                    attrs.extend(o.attributes.to_vec());
                    attrs.sort();
                    let mut measures = o.measures.to_vec();
                    measures.sort();
                    out.push((key, measures, attrs));
                }
            }
        }
        out.sort();
        out
    }
}

/// A sink that keeps everything (see [`Collected`]); observations outside any
/// series (`AllDimensions`) go into a series with an empty key.
#[derive(Debug, Default)]
pub struct CollectSink {
    /// What was collected.
    pub collected: Collected,
}

impl DataSink for CollectSink {
    type Error = DataError;
    fn header(&mut self, h: &Header) -> Result<Flow, DataError> {
        self.collected.header = Some(h.clone());
        Ok(Flow::Continue)
    }
    fn dataset(&mut self, d: &DataSetHeader) -> Result<Flow, DataError> {
        self.collected
            .datasets
            .push((d.clone(), Vec::new(), Vec::new()));
        Ok(Flow::Continue)
    }
    fn group(&mut self, g: &GroupKey) -> Result<Flow, DataError> {
        if let Some(ds) = self.collected.datasets.last_mut() {
            ds.1.push(g.clone());
        }
        Ok(Flow::Continue)
    }
    fn series(&mut self, s: &SeriesKey) -> Result<Flow, DataError> {
        if let Some(ds) = self.collected.datasets.last_mut() {
            ds.2.push((s.clone(), Vec::new()));
        }
        Ok(Flow::Continue)
    }
    fn obs(&mut self, o: &Obs) -> Result<Flow, DataError> {
        if let Some(ds) = self.collected.datasets.last_mut() {
            if ds.2.is_empty() {
                ds.2.push((SeriesKey::default(), Vec::new()));
            }
            if let Some(series) = ds.2.last_mut() {
                series.1.push(o.clone());
            }
        }
        Ok(Flow::Continue)
    }
}
