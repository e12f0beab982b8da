//! `sdmxgw structure convert`: read structures, write them in another format.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use sdmx_gateway::model::Structures;
use sdmx_gateway::structure::{MessageHeader, Registry, StructureFormat};

use super::{parse_format, print_warnings, report_errors};
use crate::cli::Outcome;

/// Arguments of `structure convert`.
#[derive(Args)]
pub struct ConvertArgs {
    /// The structure file or folder to read.
    #[arg(value_name = "IN")]
    input: PathBuf,
    /// Where to write; `-` for standard output.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    output: PathBuf,
    /// The output format: sdmx-ml-2.1, sdmx-ml-3.0 or sdmx-json.
    #[arg(long = "to", value_name = "FORMAT", value_parser = parse_format)]
    to: StructureFormat,
}

pub fn run(args: ConvertArgs) -> anyhow::Result<Outcome> {
    let structures = match Registry::load(std::slice::from_ref(&args.input)) {
        Ok((registry, warnings)) => {
            print_warnings(&warnings);
            registry.structures().clone()
        }
        Err(e) => {
            print_warnings(&e.warnings);
            if e.has_unreadable() {
                report_errors(&e);
                bail!("{} could not be read", args.input.display());
            }
            if !e.only_references() {
                report_errors(&e);
                eprintln!("nothing written: fix the errors above first");
                return Ok(Outcome::Invalid);
            }
            // A DSD converted without its codelists is normal: say so, go on.
            for err in &e.errors {
                eprintln!("warning: {err}");
            }
            e.partial.structures().clone()
        }
    };
    write(&structures, args.to, &args.output)?;
    Ok(Outcome::Ok)
}

/// Writes to standard output, or to a temporary file beside `out` that is then
/// renamed over it so that readers never see half a message.
fn write(structures: &Structures, format: StructureFormat, out: &Path) -> anyhow::Result<()> {
    let header = MessageHeader::default();
    if out.as_os_str() == "-" {
        let mut stdout = std::io::stdout().lock();
        format.write(structures, &header, &mut stdout)?;
        stdout.flush()?;
        return Ok(());
    }
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = out
        .file_name()
        .with_context(|| format!("{} is not a file name", out.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| -> anyhow::Result<()> {
        let file = std::fs::File::create(&tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        let mut w = std::io::BufWriter::new(file);
        format.write(structures, &header, &mut w)?;
        w.flush()?;
        w.get_ref().sync_all()?;
        std::fs::rename(&tmp, out)
            .with_context(|| format!("cannot move {} to {}", tmp.display(), out.display()))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
