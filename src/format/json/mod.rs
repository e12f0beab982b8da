//! Placeholder: the json readers and writers are being built this session.

use std::io::{BufRead, Write};

use super::{DataFormat, ReadOptions, WriteOptions};
use crate::data::{DataError, DataReader, DataSink};

/// Opens a reader.
pub fn open_reader<'a, R: BufRead + 'a>(
    format: DataFormat,
    _input: R,
    _opts: ReadOptions<'a>,
) -> Result<Box<dyn DataReader + 'a>, DataError> {
    Err(DataError::Structure(format!(
        "{format} reading is not built yet"
    )))
}

/// Opens a writer.
pub fn open_writer<'a, W: Write + 'a>(
    format: DataFormat,
    _out: W,
    _opts: WriteOptions<'a>,
) -> Result<Box<dyn DataSink<Error = DataError> + 'a>, DataError> {
    Err(DataError::Structure(format!(
        "{format} writing is not built yet"
    )))
}
