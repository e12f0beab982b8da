//! SDMX-ML data messages: 2.1 GenericData, 2.1 StructureSpecificData (and the two
//! 2.1 time-series variants, read only), 3.0 StructureSpecificData. Reading (with
//! the tokenizer in `scan`) and writing (with quick-xml) stream over
//! [`crate::data`] events; no dataset is ever held whole.

mod reader;
mod roles;
mod scan;
mod writer;
pub mod xsd;

use std::io::{BufRead, Write};

use super::{DataFormat, ReadOptions, WriteOptions};
use crate::data::{DataError, DataReader, DataSink};

pub use reader::XmlDataReader;
pub use writer::XmlDataWriter;

/// Opens a streaming reader for an SDMX-ML `format` over `input`.
pub fn open_reader<'a, R: BufRead + Send + 'a>(
    format: DataFormat,
    input: R,
    opts: ReadOptions<'a>,
) -> Result<Box<dyn DataReader + Send + 'a>, DataError> {
    Ok(Box::new(XmlDataReader::new(format, input, opts)?))
}

/// Opens a streaming writer for an SDMX-ML `format` onto `out`.
pub fn open_writer<'a, W: Write + 'a>(
    format: DataFormat,
    out: W,
    opts: WriteOptions<'a>,
) -> Result<Box<dyn DataSink<Error = DataError> + 'a>, DataError> {
    Ok(Box::new(XmlDataWriter::new(format, out, opts)?))
}

/// The SDMX-ML 2.1 namespaces.
pub(crate) mod ns21 {
    /// Message.
    pub const MESSAGE: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message";
    /// Common.
    pub const COMMON: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common";
    /// Generic data.
    pub const GENERIC: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic";
    /// Structure-specific data.
    pub const SS: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific";
}

/// The SDMX-ML 3.0 namespaces.
pub(crate) mod ns30 {
    /// Message.
    pub const MESSAGE: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message";
    /// Common.
    pub const COMMON: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/common";
    /// Structure-specific data.
    pub const SS: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/data/structurespecific";
}
