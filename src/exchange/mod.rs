//! Exchanges: what moves between statistics offices and collectors, and what is
//! still missing. This module holds the coverage table; scheduling comes with
//! the exchanges issue.

pub mod coverage;
