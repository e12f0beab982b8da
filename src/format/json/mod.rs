//! SDMX-JSON 1.0 and 2.0 data messages (field guides of `sdmx-twg/sdmx-json`).
//!
//! SDMX-JSON puts the `structure` part (every dimension and attribute value,
//! which the datasets then refer to by index) before or beside the data, so
//! neither direction streams naturally:
//!
//! - The writer spools events to an anonymous temporary file while collecting
//!   the distinct value list of each component, then writes `structure` and
//!   replays the spool into `dataSets`, one series at a time. Memory holds the
//!   distinct values, the current dataset's group keys and series keys (see
//!   below), never the observations; the spool costs disk about the size of the
//!   output. (The alternative, value lists built up front from the DSD's
//!   codelists, was not taken: the writer gets a DSD, not its codelists, and
//!   time periods and uncoded values have no list at all.)
//! - The reader ([`JsonStreamReader`], what [`open_reader`] returns) walks the
//!   message with a pull lexer: the header and structure parts are parsed whole
//!   (they hold one entry per distinct value), then each dataset's `series` or
//!   `observations` map is read member by member, so memory holds one series'
//!   members at a time, not the dataset. Members of a dataset or series that
//!   come after its observations (`attributes`, `action`) cannot be applied any
//!   more and are refused with a clear error. When `dataSets` comes before the
//!   structure (indexes cannot be resolved yet) the datasets are parsed in memory
//!   instead, up to [`MAX_JSON_BYTES`]; larger ones are refused with an error
//!   that says to put the structure first or use SDMX-CSV/SDMX-ML.
//!   [`JsonReader`] is the in-memory reader the fallback uses.
//!
//! Writing details: component and value names are their ids (the events carry
//! no names); every dimension is listed at series or observation level (none is
//! lifted to dataset level); group attributes are replicated onto the series the
//! group covers; a measure is written as a JSON number only when that number
//! prints back to the same text (`7`, `10.5`), else as a string (`"1.50"`), so
//! values survive a round trip; `Merge` is written `Append`. The flat layout
//! (`observations` directly in the dataset) is used when the caller asks for
//! `AllDimensions`, observations arrive outside a series, or a series key comes
//! back within a dataset (unsorted or cross-sectional input: JSON would keep
//! only one member of that name). The writer remembers the series keys of the
//! current dataset for that check: memory grows with the number of series, not
//! observations.
//!
//! Reading details: both the 1.0 (`header`, `structure`, `dataSets` at the top,
//! or under `data`) and 2.0 (`meta`, `data.structures`, `data.dataSets`) shapes;
//! series and flat layouts; dataset-level dimensions are merged into every key;
//! omitted attribute entries take the component's `default`; 2.0
//! `dimensionGroupAttributes` become group events; annotations are skipped; the
//! value without a `measures` list is the DSD's single measure (else
//! `OBS_VALUE`). The DSD is optional. Errors inside the data name the JSON path
//! (`dataSets[0].series["0:5"]`); syntax errors and truncation name line and
//! column.

mod reader;
mod stream;
mod writer;

use std::io::{BufRead, Write};

pub use reader::JsonReader;
pub use stream::JsonStreamReader;
pub use writer::JsonWriter;

use super::{DataFormat, ReadOptions, WriteOptions};
use crate::data::{Action, DataError, DataReader, DataSink};

/// The largest `dataSets` part (128 MiB) read in memory: by [`JsonReader`], and
/// by [`JsonStreamReader`] when the datasets come before the structure.
pub const MAX_JSON_BYTES: u64 = 128 * 1024 * 1024;

/// Opens a reader (the DSD is optional: SDMX-JSON describes itself).
pub fn open_reader<'a, R: BufRead + Send + 'a>(
    format: DataFormat,
    input: R,
    opts: ReadOptions<'a>,
) -> Result<Box<dyn DataReader + Send + 'a>, DataError> {
    Ok(Box::new(JsonStreamReader::new(
        format,
        input,
        opts,
        MAX_JSON_BYTES,
    )?))
}

/// Opens a writer.
pub fn open_writer<'a, W: Write + 'a>(
    format: DataFormat,
    out: W,
    opts: WriteOptions<'a>,
) -> Result<Box<dyn DataSink<Error = DataError> + 'a>, DataError> {
    Ok(Box::new(JsonWriter::new(format, out, opts)?))
}

/// The action word SDMX-JSON 1.0/2.0 allow; `Merge` is written `Append`, its
/// closest 2.x meaning.
pub(crate) fn action_word(a: Action) -> &'static str {
    match a {
        Action::Merge | Action::Append => "Append",
        Action::Replace => "Replace",
        Action::Delete => "Delete",
        Action::Information => "Information",
    }
}
