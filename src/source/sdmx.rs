//! Pulling from an SDMX REST API (1.5 and 2.x): URLs, content negotiation
//! with fallback on 406, conditional and incremental requests, errors hidden
//! in 200 bodies, and splitting a query the provider finds too large (413) by
//! key, then by period.

use std::io::BufReader;

use reqwest::header;
use tokio::runtime::Handle;

use crate::data::{DataSink, StructureUse, pump};
use crate::format::{self, DataFormat, ReadOptions};
use crate::model::{ArtefactClass, DataStructure, Dataflow, DimensionKind};
use crate::structure::Registry;

use super::body::{BodyReader, NotData, classify_not_data, is_no_results};
use super::{ApiVersion, Parts, PullReport, PullRequest, Source, SourceError, sink_error};

/// The formats asked for when the configuration names none: SDMX-CSV first
/// (the cheapest to read), then SDMX-ML, then SDMX-JSON, of the API's version.
pub(super) fn default_formats(api: ApiVersion) -> Vec<DataFormat> {
    match api {
        ApiVersion::V1 => vec![
            DataFormat::Csv10,
            DataFormat::StructureSpecific21,
            DataFormat::Generic21,
            DataFormat::Json10,
        ],
        ApiVersion::V2 => vec![
            DataFormat::Csv20,
            DataFormat::StructureSpecific30,
            DataFormat::Json20,
            DataFormat::StructureSpecific21,
            DataFormat::Csv10,
        ],
    }
}

/// A part of the query: the codes per key dimension (empty = all) and a
/// range of years (none = all time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Slice {
    pub(super) positions: Vec<Vec<String>>,
    pub(super) period: Option<(i32, i32)>,
}

/// How one request ended.
enum Outcome {
    /// Data read into the sink (or none there was).
    Done,
    /// 304: nothing changed since the last pull.
    NotModified,
    /// 413: ask for less.
    TooLarge,
}

/// Where the first year of a period split starts when the query gives none.
const FIRST_YEAR: i32 = 1900;

#[allow(clippy::too_many_arguments)]
pub(super) fn pull<S>(
    source: &Source,
    rt: &Handle,
    req: &PullRequest,
    registry: &Registry,
    flow: &Dataflow,
    dsd: &DataStructure,
    parts: &mut Parts<'_, S>,
    report: &mut PullReport,
) -> Result<(), SourceError>
where
    S: DataSink + ?Sized,
    S::Error: std::fmt::Display,
{
    let dims: Vec<&str> = dsd
        .dimensions
        .iter()
        .filter(|d| d.kind != DimensionKind::Time)
        .map(|d| d.id.as_str())
        .collect();
    let positions = parse_key(&req.key, dims.len()).map_err(|m| SourceError::Config {
        name: source.name.clone(),
        message: format!("key {:?}: {m}", req.key),
    })?;
    let codes_of = |i: usize| -> Option<Vec<String>> {
        let allowed = registry.allowed_codes(flow, dims[i], None).ok()?;
        Some(allowed.codes?.into_iter().collect())
    };
    let this_year = current_year();
    let mut fmt_idx = 0usize;
    let mut stack = vec![Slice {
        positions,
        period: None,
    }];
    let mut requests = 0usize;
    let mut split = false;
    while let Some(slice) = stack.pop() {
        if requests >= source.config.max_requests {
            return Err(SourceError::Config {
                name: source.name.clone(),
                message: format!(
                    "the provider keeps answering 413 (too large) after {requests} requests of a split query; pull a narrower key or raise max_requests"
                ),
            });
        }
        let conditional = !split;
        let outcome = fetch(
            source,
            rt,
            req,
            flow,
            dsd,
            &dims,
            &slice,
            conditional,
            &mut fmt_idx,
            &mut requests,
            parts,
            report,
        )?;
        match outcome {
            Outcome::Done => {}
            Outcome::NotModified => {
                report.not_modified = true;
                return Ok(());
            }
            Outcome::TooLarge => {
                let url = report.requests.last().cloned().unwrap_or_default();
                let Some((a, b)) = split_slice(&slice, &codes_of, this_year) else {
                    return Err(SourceError::Status {
                        name: source.name.clone(),
                        url,
                        status: 413,
                        detail: String::new(),
                        hint: "the query is too large even for one series and one year; ask the provider to raise its limit".into(),
                    });
                };
                split = true;
                report.etag = None;
                report.last_modified = None;
                report.notes.push(format!("413 on {url}: split"));
                // Depth first, in order: the first half is read first.
                stack.push(b);
                stack.push(a);
            }
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn fetch<S>(
    source: &Source,
    rt: &Handle,
    req: &PullRequest,
    flow: &Dataflow,
    dsd: &DataStructure,
    dims: &[&str],
    slice: &Slice,
    conditional: bool,
    fmt_idx: &mut usize,
    requests: &mut usize,
    parts: &mut Parts<'_, S>,
    report: &mut PullReport,
) -> Result<Outcome, SourceError>
where
    S: DataSink + ?Sized,
    S::Error: std::fmt::Display,
{
    let name = &source.name;
    loop {
        let Some(&want) = source.formats.get(*fmt_idx) else {
            let url = report.requests.last().cloned().unwrap_or_default();
            return Err(SourceError::Status {
                name: name.clone(),
                url,
                status: 406,
                detail: format!(
                    " to every format asked ({})",
                    report.refused_formats.join(", ")
                ),
                hint: "set formats = [...] in the source to formats the provider offers".into(),
            });
        };
        let url = build_url(source, flow, dims, slice, req.updated_after.as_deref())?;
        *requests += 1;
        report.requests.push(url.clone());
        let client = &source.client;
        let response = rt.block_on(client.send(&url, || {
            let mut b = client
                .request(reqwest::Method::GET, &url)
                .header(header::ACCEPT, want.media_type());
            if conditional {
                if let Some(e) = &req.etag {
                    b = b.header(header::IF_NONE_MATCH, e);
                }
                if let Some(m) = &req.last_modified {
                    b = b.header(header::IF_MODIFIED_SINCE, m);
                }
            }
            b
        }))?;
        let status = response.status().as_u16();
        let header_text = |h: header::HeaderName| {
            response
                .headers()
                .get(h)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        match status {
            304 => return Ok(Outcome::NotModified),
            406 => {
                tracing::info!(source = %name, %url, format = want.name(), "406: trying the next format");
                report.refused_formats.push(want.name().to_owned());
                *fmt_idx += 1;
                continue;
            }
            413 => return Ok(Outcome::TooLarge),
            200..=299 => {}
            _ => {
                let body = rt.block_on(response.text()).unwrap_or_default();
                if status == 404 && is_no_results(body.as_bytes()) {
                    report.parts += 1;
                    report.notes.push(format!("no results for {url}"));
                    return Ok(Outcome::Done);
                }
                let hint = match status {
                    401 | 403 => {
                        "check the source's auth settings (token, key, user) and what the provider allows"
                    }
                    404 => "check the dataflow, the key and the source's url",
                    400 => {
                        "the provider refused the query; check the key (one position per dimension) and since"
                    }
                    _ => "see the provider's message; retry later if it is a temporary problem",
                };
                return Err(SourceError::Status {
                    name: name.clone(),
                    url,
                    status,
                    detail: describe_body(body.as_bytes()),
                    hint: hint.into(),
                });
            }
        }
        if conditional {
            report.etag = header_text(header::ETAG);
            report.last_modified = header_text(header::LAST_MODIFIED);
        }
        let mut body = BodyReader::new(response, rt.clone(), source.progress.clone());
        let failure = body.failure();
        let head = body.head(8 * 1024).map_err(|e| SourceError::Body {
            name: name.clone(),
            url: url.clone(),
            message: failure.get().unwrap_or_else(|| e.to_string()),
        })?;
        let Some(format) = DataFormat::sniff(&head) else {
            if is_no_results(&head) {
                report.parts += 1;
                report.notes.push(format!("no results for {url}"));
                return Ok(Outcome::Done);
            }
            return Err(not_data(source, &url, &head));
        };
        report.format = Some(format.name().to_owned());
        report.parts += 1;
        let usage = StructureUse::Dataflow(flow.meta.reference(ArtefactClass::Dataflow));
        let opts = ReadOptions {
            source: &url,
            dsd: Some(dsd),
            structure: Some(&usage),
        };
        let mut reader =
            format::open_reader(format, BufReader::with_capacity(64 * 1024, body), opts)
                .map_err(|e| sink_error(source, &url, &failure, e.to_string()))?;
        pump(&mut reader, parts).map_err(|e| sink_error(source, &url, &failure, e.to_string()))?;
        return Ok(Outcome::Done);
    }
}

/// The error for a 200 body that is no data message.
pub(super) fn not_data(source: &Source, url: &str, head: &[u8]) -> SourceError {
    let (what, message, hint) = match classify_not_data(head) {
        NotData::SdmxError(m) => (
            "an SDMX error message",
            m,
            "the provider could not answer the query; check the dataflow and key, or retry later",
        ),
        NotData::Html(title) => (
            "an HTML page",
            if title.is_empty() {
                "(no title)".to_owned()
            } else {
                title
            },
            "the URL may lead to a web page, a login or a proxy error rather than the SDMX API; check url in the source's config",
        ),
        NotData::Other(start) => (
            "something that is not an SDMX data message",
            if start.is_empty() {
                "an empty body".to_owned()
            } else {
                start
            },
            "check that url is the SDMX REST base URL and that the provider serves SDMX-ML, SDMX-CSV or SDMX-JSON",
        ),
    };
    SourceError::NotData {
        name: source.name.clone(),
        url: url.to_owned(),
        what: what.into(),
        message,
        hint: hint.into(),
    }
}

fn describe_body(body: &[u8]) -> String {
    match classify_not_data(body) {
        NotData::SdmxError(m) => format!(" ({m})"),
        NotData::Html(t) if !t.is_empty() => format!(" (an HTML page: {t})"),
        NotData::Html(_) => " (an HTML page)".to_owned(),
        NotData::Other(s) if !s.is_empty() => format!(" ({s})"),
        NotData::Other(_) => String::new(),
    }
}

/// The codes per key dimension of a REST key (`all` = every one empty).
pub(super) fn parse_key(key: &str, dims: usize) -> Result<Vec<Vec<String>>, String> {
    let key = key.trim();
    if key.is_empty() || key == "all" || key == "*" {
        return Ok(vec![Vec::new(); dims]);
    }
    let parts: Vec<&str> = key.split('.').collect();
    if parts.len() != dims {
        return Err(format!(
            "the dataflow has {dims} key dimensions but the key has {} positions; give one position per dimension, e.g. {}",
            parts.len(),
            vec!["*"; dims].join(".").replace('*', "")
        ));
    }
    Ok(parts
        .iter()
        .map(|p| {
            p.split(['+', ','])
                .map(str::trim)
                .filter(|c| !c.is_empty() && *c != "*")
                .map(str::to_owned)
                .collect()
        })
        .collect())
}

/// Halves a slice: the first dimension with several codes (given or, for a
/// wildcard, from the dataflow's allowed codes), else its years.
pub(super) fn split_slice(
    slice: &Slice,
    codes_of: &dyn Fn(usize) -> Option<Vec<String>>,
    this_year: i32,
) -> Option<(Slice, Slice)> {
    for i in 0..slice.positions.len() {
        let values = if slice.positions[i].is_empty() {
            match codes_of(i) {
                Some(c) if c.len() > 1 => c,
                _ => continue,
            }
        } else {
            slice.positions[i].clone()
        };
        if values.len() > 1 {
            let mid = values.len() / 2;
            let (mut a, mut b) = (slice.clone(), slice.clone());
            a.positions[i] = values[..mid].to_vec();
            b.positions[i] = values[mid..].to_vec();
            return Some((a, b));
        }
    }
    let (start, end) = slice.period.unwrap_or((FIRST_YEAR, this_year));
    if end > start {
        let mid = start + (end - start) / 2;
        let (mut a, mut b) = (slice.clone(), slice.clone());
        a.period = Some((start, mid));
        b.period = Some((mid + 1, end));
        return Some((a, b));
    }
    None
}

fn current_year() -> i32 {
    let ts = crate::store::now_micros();
    crate::store::format_timestamp(ts)[..4]
        .parse()
        .unwrap_or(2100)
}

/// The data URL of a slice.
pub(super) fn build_url(
    source: &Source,
    flow: &Dataflow,
    dims: &[&str],
    slice: &Slice,
    updated_after: Option<&str>,
) -> Result<String, SourceError> {
    let base = source.config.url.trim().trim_end_matches('/');
    let r = flow.meta.reference(ArtefactClass::Dataflow);
    let version = r.version.to_string();
    let mut params: Vec<(String, String)> = Vec::new();
    let path = match source.config.api {
        ApiVersion::V1 => {
            let key = if slice.positions.iter().all(Vec::is_empty) {
                "all".to_owned()
            } else {
                slice
                    .positions
                    .iter()
                    .map(|p| p.join("+"))
                    .collect::<Vec<_>>()
                    .join(".")
            };
            if let Some((a, b)) = slice.period {
                params.push(("startPeriod".into(), a.to_string()));
                params.push(("endPeriod".into(), b.to_string()));
            }
            format!("{base}/data/{},{},{version}/{key}", r.agency, r.id)
        }
        ApiVersion::V2 => {
            // 2.x: the selection as component filters, the key a wildcard.
            for (d, codes) in dims.iter().zip(&slice.positions) {
                if !codes.is_empty() {
                    params.push((format!("c[{d}]"), codes.join(",")));
                }
            }
            if let Some((a, b)) = slice.period {
                params.push(("c[TIME_PERIOD]".into(), format!("ge:{a}+le:{b}")));
            }
            format!("{base}/data/dataflow/{}/{}/{version}/*", r.agency, r.id)
        }
    };
    if let Some(u) = updated_after {
        params.push(("updatedAfter".into(), u.to_owned()));
    }
    let mut url = reqwest::Url::parse(&path).map_err(|e| SourceError::Config {
        name: source.name.clone(),
        message: format!("url {base:?} does not make a valid data URL ({e}); check url"),
    })?;
    if !params.is_empty() {
        url.query_pairs_mut().extend_pairs(params);
    }
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn keys_parse_per_position() {
        assert_eq!(parse_key("all", 3).unwrap(), vec![Vec::<String>::new(); 3]);
        assert_eq!(
            parse_key("PHL+THA..A", 3).unwrap(),
            vec![s(&["PHL", "THA"]), vec![], s(&["A"])]
        );
        let e = parse_key("PHL.A", 3).unwrap_err();
        assert!(e.contains("3 key dimensions"), "{e}");
    }

    #[test]
    fn splits_by_key_first_then_by_years() {
        let codes = |i: usize| (i == 1).then(|| s(&["M", "F", "T"]));
        let slice = Slice {
            positions: vec![s(&["PHL"]), vec![]],
            period: None,
        };
        let (a, b) = split_slice(&slice, &codes, 2026).unwrap();
        assert_eq!(a.positions[1], s(&["M"]));
        assert_eq!(b.positions[1], s(&["F", "T"]));
        // One code left everywhere: years.
        let (c, d) = split_slice(&a, &codes, 2026).unwrap();
        assert_eq!(c.period, Some((1900, 1963)));
        assert_eq!(d.period, Some((1964, 2026)));
        let one = Slice {
            positions: vec![s(&["PHL"]), s(&["M"])],
            period: Some((2020, 2020)),
        };
        assert!(split_slice(&one, &codes, 2026).is_none());
    }
}
