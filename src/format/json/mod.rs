//! SDMX-JSON 1.0 and 2.0 data messages (field guides of `sdmx-twg/sdmx-json`).
//!
//! SDMX-JSON puts the `structure` part (every dimension and attribute value,
//! which the datasets then refer to by index) before or beside the data, so
//! neither direction streams naturally:
//!
//! - The writer spools events to an anonymous temporary file while collecting
//!   the distinct value list of each component, then writes `structure` and
//!   replays the spool into `dataSets`, one series at a time. Memory holds only
//!   the distinct values (and the current dataset's group keys), never the
//!   observations; the spool costs disk about the size of the output.
//! - The reader parses the message into a `serde_json::Value` and walks it, so
//!   memory is a few times the file size: inputs above
//!   [`MAX_JSON_BYTES`] are refused with an error that says to use SDMX-CSV or
//!   SDMX-ML for large data.

mod reader;
mod stream;
mod writer;

use std::io::{BufRead, Write};

pub use reader::JsonReader;
pub use stream::JsonStreamReader;
pub use writer::JsonWriter;

use super::{DataFormat, ReadOptions, WriteOptions};
use crate::data::{Action, DataError, DataReader, DataSink};

/// The largest SDMX-JSON data message the reader accepts (128 MiB): it parses
/// the whole message in memory.
pub const MAX_JSON_BYTES: u64 = 128 * 1024 * 1024;

/// Opens a reader (the DSD is optional: SDMX-JSON describes itself).
pub fn open_reader<'a, R: BufRead + 'a>(
    format: DataFormat,
    input: R,
    opts: ReadOptions<'a>,
) -> Result<Box<dyn DataReader + 'a>, DataError> {
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
