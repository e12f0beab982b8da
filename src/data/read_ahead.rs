//! Reading on a second core: a [`DataReader`] runs on its own thread, a batch of
//! events ahead of whoever consumes them.
//!
//! Validating, converting or storing a message costs more per observation than
//! parsing it, so on a machine with two cores the parse can be almost free: the
//! reader fills batches of owned events on one thread while the consumer works
//! through the previous batch on the calling thread. Batches are recycled, so a
//! steady stream still allocates nothing per observation, and only a few
//! batches exist at a time, so memory stays bounded whatever the message size.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::{
    DataError, DataEvent, DataReader, DataSetHeader, GroupKey, Header, Obs, Place, Position,
    SeriesKey, Values,
};

/// Events per batch: large enough that the hand-over between threads is rare,
/// small enough that a consumer that stops early waits for little extra reading.
const BATCH: usize = 1024;
/// Batches in circulation (one being filled, the others queued or being consumed).
const IN_FLIGHT: usize = 4;

/// Runs `reader` on a second thread and calls `f` on this one with a reader that
/// yields the same events, with the same positions, in the same order.
///
/// Falls back to calling `f` with `reader` itself when the machine has one core,
/// where a second thread could only add hand-over costs. When `f` returns
/// before the end of the message (a sink said [`super::Flow::Stop`]), the
/// reading thread finishes the batch it is filling and stops.
pub fn read_ahead<R, T>(mut reader: R, f: impl FnOnce(&mut dyn DataReader) -> T) -> T
where
    R: DataReader + Send,
{
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    if cores < 2 {
        return f(&mut reader);
    }
    let (full_tx, full_rx) = sync_channel::<Batch>(IN_FLIGHT);
    let (empty_tx, empty_rx) = sync_channel::<Batch>(IN_FLIGHT);
    for _ in 0..IN_FLIGHT {
        // Cannot fail: the channel has room for every batch and its receiver is alive.
        let _ = empty_tx.send(Batch::default());
    }
    std::thread::scope(|scope| {
        scope.spawn(move || produce(&mut reader, &empty_rx, &full_tx));
        let mut ahead = ReadAhead {
            full: full_rx,
            empty: empty_tx,
            current: None,
            next: 0,
            at: 0,
            finished: false,
            obs: Obs::default(),
        };
        // Dropping `ahead` (after `f`) closes both channels, which ends the
        // reading thread before the scope joins it.
        f(&mut ahead)
    })
}

/// The reading thread: fills recycled batches until the message ends, reading
/// fails or the consumer goes away.
fn produce<R: DataReader>(reader: &mut R, empty: &Receiver<Batch>, full: &SyncSender<Batch>) {
    let mut ids = LastIds::default();
    while let Ok(mut batch) = empty.recv() {
        batch.fill(reader, &mut ids);
        let last = batch.end.is_some();
        if full.send(batch).is_err() || last {
            return;
        }
    }
}

/// A run of events copied out of the reader, each with the place the reader
/// gave right after it.
///
/// Observations, the bulk of a message, are packed one after another: their
/// texts into one string, the counts and lengths into one array. Handing them
/// to another core then moves a few contiguous cache lines, which the
/// hardware prefetches, instead of the dozen scattered string buffers an
/// `Obs` owns; and the texts stay a `str`, so they need no UTF-8 check again. Series keys live in a pool whose slots are
/// refilled in place; the rare rest is cloned.
#[derive(Default)]
struct Batch {
    events: Vec<Kind>,
    texts: String,
    lengths: Vec<u32>,
    series: Vec<SeriesKey>,
    series_used: usize,
    /// Headers, datasets, groups: rare, so simply cloned.
    other: Vec<Other>,
    /// One per event, plus one for the end (where an error was found).
    places: Vec<Place>,
    /// The reader's source name (the same for every event).
    source: String,
    /// Set on the last batch: how the message ended.
    end: Option<Result<(), DataError>>,
}

/// Where an event is kept in its batch.
#[derive(Clone, Copy)]
enum Kind {
    /// Packed at these offsets of `texts` and `lengths`.
    Obs(usize, usize),
    Series(usize),
    Other(usize),
    EndDataSet,
}

/// An owned rare event.
enum Other {
    Header(Box<Header>),
    DataSet(Box<DataSetHeader>),
    Group(Box<GroupKey>),
    /// An observation with a text too long to pack (over 4 GiB: never, in
    /// practice).
    Obs(Box<Obs>),
}

impl Batch {
    /// Reads up to [`BATCH`] events.
    fn fill<R: DataReader + ?Sized>(&mut self, reader: &mut R, ids: &mut LastIds) {
        self.events.clear();
        self.places.clear();
        self.other.clear();
        self.texts.clear();
        self.lengths.clear();
        self.series_used = 0;
        while self.events.len() < BATCH {
            match reader.next_event() {
                Ok(Some(event)) => self.put(event, ids),
                Ok(None) => self.end = Some(Ok(())),
                Err(e) => self.end = Some(Err(e)),
            }
            self.places.push(reader.place());
            if self.end.is_some() {
                break;
            }
        }
        let mut pos = Position::default();
        reader.position_into(&mut pos);
        self.source = pos.source;
    }

    /// Copies `event` into the batch.
    fn put(&mut self, event: DataEvent<'_>, ids: &mut LastIds) {
        let kind = match event {
            DataEvent::Obs(o) => {
                let at = (self.texts.len(), self.lengths.len());
                let packed = [&o.key, &o.measures, &o.attributes]
                    .into_iter()
                    .zip(&mut ids.0)
                    .all(|(v, last)| pack(&mut self.texts, &mut self.lengths, v, last));
                if packed {
                    Kind::Obs(at.0, at.1)
                } else {
                    self.texts.truncate(at.0);
                    self.lengths.truncate(at.1);
                    // The consumer's observation is not refilled from this one.
                    *ids = LastIds::default();
                    self.other(Other::Obs(Box::new(o.clone())))
                }
            }
            DataEvent::Series(s) => {
                let i = self.series_used;
                self.series_used += 1;
                match self.series.get_mut(i) {
                    Some(to) => {
                        to.key.copy_from(&s.key);
                        to.attributes.copy_from(&s.attributes);
                    }
                    None => self.series.push(s.clone()),
                }
                Kind::Series(i)
            }
            DataEvent::Header(h) => self.other(Other::Header(Box::new(h.clone()))),
            DataEvent::DataSet(d) => self.other(Other::DataSet(Box::new(d.clone()))),
            DataEvent::Group(g) => self.other(Other::Group(Box::new(g.clone()))),
            DataEvent::EndDataSet => Kind::EndDataSet,
        };
        self.events.push(kind);
    }

    fn other(&mut self, event: Other) -> Kind {
        self.other.push(event);
        Kind::Other(self.other.len() - 1)
    }
}

/// The ids of the last packed observation's key, measures and attributes:
/// an observation with the same ids (the usual case) is packed without them,
/// and the consumer keeps the ids it already holds.
#[derive(Default)]
struct LastIds([Vec<String>; 3]);

/// Marks a list packed without its ids (they are the last observation's).
const SAME_IDS: u32 = u32::MAX;

/// Appends `values`: their texts to `texts`, their count and the length of
/// each text to `lengths` (the ids left out, and the count preceded by
/// [`SAME_IDS`], when they are those of `last`, which is then updated);
/// false when a count or length exceeds `u32`.
fn pack(
    texts: &mut String,
    lengths: &mut Vec<u32>,
    values: &Values,
    last: &mut Vec<String>,
) -> bool {
    let Ok(n) = u32::try_from(values.len()) else {
        return false;
    };
    if n == SAME_IDS {
        return false;
    }
    let same = n > 0
        && values.len() == last.len()
        && values.iter().zip(last.iter()).all(|((id, _), l)| id == l);
    if same {
        lengths.push(SAME_IDS);
    } else {
        last.clear();
        last.extend(values.iter().map(|(id, _)| id.to_owned()));
    }
    lengths.push(n);
    for (id, value) in values.iter() {
        let texts_of = if same {
            [None, Some(value)]
        } else {
            [Some(id), Some(value)]
        };
        for text in texts_of.into_iter().flatten() {
            let Ok(len) = u32::try_from(text.len()) else {
                return false;
            };
            lengths.push(len);
            texts.push_str(text);
        }
    }
    true
}

/// Reads what [`pack`] wrote at `at` (offsets in `texts` and `lengths`) into
/// `into`, moving `at` past it. A list packed without its ids keeps the ids
/// `into` holds (those of the last observation).
fn unpack(texts: &str, lengths: &[u32], at: &mut (usize, usize), into: &mut Values) -> Option<()> {
    let mut n = *lengths.get(at.1)?;
    at.1 += 1;
    if n == SAME_IDS {
        n = *lengths.get(at.1)?;
        at.1 += 1;
        if into.len() != n as usize {
            return None;
        }
        for i in 0..n as usize {
            let value = take(texts, lengths, at)?;
            if !into.set_value(i, value) {
                return None;
            }
        }
        return Some(());
    }
    into.clear();
    for _ in 0..n {
        let id = take(texts, lengths, at)?;
        let value = take(texts, lengths, at)?;
        into.push(id, value);
    }
    Some(())
}

fn take<'t>(texts: &'t str, lengths: &[u32], at: &mut (usize, usize)) -> Option<&'t str> {
    let len = *lengths.get(at.1)? as usize;
    at.1 += 1;
    let text = texts.get(at.0..at.0 + len)?;
    at.0 += len;
    Some(text)
}

/// The consumer's side: a [`DataReader`] over the batches the reading thread sends.
struct ReadAhead {
    full: Receiver<Batch>,
    empty: SyncSender<Batch>,
    current: Option<Batch>,
    /// The next event of `current` to hand out.
    next: usize,
    /// The index in `current.positions` of the position to report.
    at: usize,
    /// The message has ended (or failed): every later call says so.
    finished: bool,
    /// The current observation, unpacked on this core.
    obs: Obs,
}

fn series_at(pool: &[SeriesKey], k: usize) -> Result<&SeriesKey, DataError> {
    pool.get(k).ok_or_else(lost)
}

/// An event the batch should hold but does not: only a bug gets here.
fn lost() -> DataError {
    DataError::Structure("an event was lost between threads (a bug: please report it)".into())
}

impl DataReader for ReadAhead {
    fn next_event(&mut self) -> Result<Option<DataEvent<'_>>, DataError> {
        if self.finished {
            return Ok(None);
        }
        // Move to the next batch while this one is spent and the message goes on.
        while self
            .current
            .as_ref()
            .is_none_or(|b| self.next >= b.events.len() && b.end.is_none())
        {
            if let Some(spent) = self.current.take() {
                // The reading thread may already be gone (it ended); then the
                // batch is simply dropped.
                let _ = self.empty.send(spent);
            }
            let batch = self.full.recv().map_err(|_| {
                DataError::Structure(
                    "the reading thread stopped before the end of the message".into(),
                )
            })?;
            self.current = Some(batch);
            self.next = 0;
        }
        let Some(batch) = self.current.as_mut() else {
            return Ok(None);
        };
        if let Some(&kind) = batch.events.get(self.next) {
            self.at = self.next;
            self.next += 1;
            let event = match kind {
                Kind::Obs(text_at, length_at) => {
                    let o = &mut self.obs;
                    let (t, l) = (batch.texts.as_str(), batch.lengths.as_slice());
                    let mut at = (text_at, length_at);
                    let unpacked = unpack(t, l, &mut at, &mut o.key)
                        .and_then(|()| unpack(t, l, &mut at, &mut o.measures))
                        .and_then(|()| unpack(t, l, &mut at, &mut o.attributes));
                    if unpacked.is_none() {
                        return Err(DataError::Structure(
                            "an observation was garbled between threads (a bug: please report it)"
                                .into(),
                        ));
                    }
                    DataEvent::Obs(&self.obs)
                }
                Kind::Series(k) => DataEvent::Series(series_at(&batch.series, k)?),
                Kind::Other(k) => match batch.other.get(k) {
                    Some(Other::Header(h)) => DataEvent::Header(h),
                    Some(Other::DataSet(d)) => DataEvent::DataSet(d),
                    Some(Other::Group(g)) => DataEvent::Group(g),
                    Some(Other::Obs(o)) => DataEvent::Obs(o),
                    None => return Err(lost()),
                },
                Kind::EndDataSet => DataEvent::EndDataSet,
            };
            return Ok(Some(event));
        }
        // The last batch: its last place is where the message ended.
        self.at = batch.events.len();
        self.finished = true;
        batch.end.take().unwrap_or(Ok(())).map(|()| None)
    }

    fn position(&self) -> Position {
        let mut pos = Position::default();
        self.position_into(&mut pos);
        pos
    }

    fn position_into(&self, pos: &mut Position) {
        let place = self.place();
        if let Some(batch) = &self.current
            && pos.source != batch.source
        {
            pos.source.clone_from(&batch.source);
        }
        pos.line = place.line;
        pos.column = place.column;
        pos.record = place.record;
    }

    fn place(&self) -> Place {
        self.current
            .as_ref()
            .and_then(|b| b.places.get(self.at))
            .copied()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A reader of `len` scripted events (a series every seventh), failing at
    /// `fail_at`, whose position is the number of events read so far.
    struct Script {
        len: usize,
        next: usize,
        fail_at: Option<usize>,
        obs: Obs,
        series: SeriesKey,
        header: Header,
        read: Arc<AtomicUsize>,
    }

    fn script(len: usize, fail_at: Option<usize>) -> Script {
        Script {
            len,
            next: 0,
            fail_at,
            obs: Obs::default(),
            series: SeriesKey::default(),
            header: Header {
                id: "H".into(),
                ..Header::default()
            },
            read: Arc::default(),
        }
    }

    impl DataReader for Script {
        fn next_event(&mut self) -> Result<Option<DataEvent<'_>>, DataError> {
            let n = self.next;
            if Some(n) == self.fail_at {
                return Err(DataError::Invalid {
                    position: self.position(),
                    message: format!("broken at {n}"),
                });
            }
            if n >= self.len {
                return Ok(None);
            }
            self.next += 1;
            self.read.fetch_add(1, Ordering::Relaxed);
            let text = n.to_string();
            Ok(Some(match n {
                0 => DataEvent::Header(&self.header),
                _ if n + 1 == self.len => DataEvent::EndDataSet,
                _ if n % 7 == 1 => {
                    self.series.key = [("REF_AREA", text.as_str())].into_iter().collect();
                    DataEvent::Series(&self.series)
                }
                _ => {
                    self.obs.key.clear();
                    self.obs.key.push("TIME_PERIOD", &text);
                    self.obs.measures.clear();
                    // Observations of different shapes, so that reused slots
                    // must shrink and grow.
                    if n % 3 == 0 {
                        self.obs.measures.push("OBS_VALUE", &text);
                    }
                    // Runs of the same ids, broken now and then.
                    self.obs.attributes.clear();
                    if n % 10 < 6 {
                        self.obs.attributes.push("OBS_STATUS", &text);
                        self.obs.attributes.push("DECIMALS", "1");
                    } else if n % 10 < 8 {
                        self.obs.attributes.push("DECIMALS", &text);
                        self.obs.attributes.push("OBS_STATUS", "A");
                    }
                    DataEvent::Obs(&self.obs)
                }
            }))
        }

        fn position(&self) -> Position {
            Position {
                source: "script".into(),
                line: self.next as u64,
                column: 1,
                record: 0,
            }
        }
    }

    /// Every event (as text) with the position after it, then how it ended
    /// and the position there.
    fn drain(r: &mut dyn DataReader) -> (Vec<(String, Position)>, Result<(), String>, Position) {
        let mut seen = Vec::new();
        loop {
            match r.next_event() {
                Ok(Some(e)) => {
                    let text = format!("{e:?}");
                    seen.push((text, r.position()));
                }
                Ok(None) => return (seen, Ok(()), r.position()),
                Err(e) => return (seen, Err(e.to_string()), r.position()),
            }
        }
    }

    #[test]
    fn hands_over_the_same_events_and_positions_across_batches() {
        for (len, fail_at) in [
            (3 * BATCH + 5, None),
            (2 * BATCH, Some(BATCH + 17)),
            (1, None),
        ] {
            let direct = drain(&mut script(len, fail_at));
            let ahead = read_ahead(script(len, fail_at), |r| {
                let got = drain(r);
                // Asking again after the end keeps saying it ended.
                assert!(matches!(r.next_event(), Ok(None)));
                got
            });
            assert_eq!(ahead, direct, "len {len}, failing at {fail_at:?}");
            assert_eq!(ahead.1.is_err(), fail_at.is_some());
        }
    }

    #[test]
    fn a_consumer_that_stops_early_ends_the_reading_thread() {
        let reader = script(usize::MAX, None);
        let read = Arc::clone(&reader.read);
        let first = read_ahead(reader, |r| {
            let mut n = 0;
            while n < 10 && r.next_event().is_ok() {
                n += 1;
            }
            n
        });
        assert_eq!(first, 10);
        // The thread stopped after at most the batches in circulation.
        assert!(read.load(Ordering::Relaxed) <= (IN_FLIGHT + 1) * BATCH);
    }
}
