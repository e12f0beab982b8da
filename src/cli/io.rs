//! Input and output plumbing shared by the data subcommands: `-` for stdin and
//! stdout, a peek at the first bytes for format detection, a progress bar on
//! stderr, and output files that appear only once complete.

use std::fs::File;
use std::io::{self, BufWriter, Cursor, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tempfile::NamedTempFile;

/// How many bytes format and structure detection look at.
const HEAD: u64 = 64 * 1024;

/// An input file or stdin, with its first bytes kept for detection.
pub struct Input {
    name: String,
    head: Option<Vec<u8>>,
    rest: Box<dyn Read + Send>,
    progress: ProgressBar,
}

impl Input {
    /// Opens `path` (`-` is standard input).
    pub fn open(path: &str) -> anyhow::Result<Input> {
        let (name, rest, len): (String, Box<dyn Read + Send>, Option<u64>) = if path == "-" {
            ("<stdin>".to_owned(), Box::new(io::stdin()), None)
        } else {
            let file = File::open(path).with_context(|| format!("cannot open {path}"))?;
            let len = file.metadata().ok().map(|m| m.len());
            (path.to_owned(), Box::new(file), len)
        };
        Ok(Input {
            name,
            head: None,
            rest,
            progress: progress_bar(len),
        })
    }

    /// The name used in messages (the path, or `<stdin>`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The first bytes (up to 64 KiB), read once; reading later starts from the
    /// beginning again.
    pub fn head(&mut self) -> anyhow::Result<&[u8]> {
        if self.head.is_none() {
            let mut head = Vec::new();
            (&mut self.rest)
                .take(HEAD)
                .read_to_end(&mut head)
                .with_context(|| format!("cannot read {}", self.name))?;
            self.progress.inc(head.len() as u64);
            self.head = Some(head);
        }
        Ok(self.head.as_deref().unwrap_or_default())
    }

    /// A handle on the progress bar, to clear it when the work is done.
    pub fn progress(&self) -> ProgressBar {
        self.progress.clone()
    }

    /// The whole input from its first byte, advancing the progress bar.
    pub fn into_read(self) -> impl Read + Send {
        let head = Cursor::new(self.head.unwrap_or_default());
        head.chain(self.progress.wrap_read(self.rest))
    }
}

/// A byte-count bar on stderr; indicatif hides it when stderr is not a terminal,
/// so logs and pipes stay clean.
pub(super) fn progress_bar(len: Option<u64>) -> ProgressBar {
    let bar = match len {
        Some(len) => ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr()),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
    };
    let template = if len.is_some() {
        "{spinner} {bytes}/{total_bytes} {wide_bar} {bytes_per_sec} eta {eta}"
    } else {
        "{spinner} {bytes} read, {bytes_per_sec}"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}

/// An output that is complete or absent: a file is written to a temporary file
/// in the same folder and renamed over the target only by [`commit`](Self::commit);
/// dropped without commit (an error), it leaves nothing behind.
pub enum AtomicOutput {
    /// Standard output.
    Stdout(BufWriter<io::Stdout>),
    /// A file being written.
    File {
        /// The temporary file.
        tmp: BufWriter<NamedTempFile>,
        /// Where it goes on success.
        path: PathBuf,
    },
}

impl AtomicOutput {
    /// Prepares `path` (`-` is standard output).
    pub fn create(path: &str) -> anyhow::Result<AtomicOutput> {
        if path == "-" {
            return Ok(AtomicOutput::Stdout(BufWriter::with_capacity(
                256 * 1024,
                io::stdout(),
            )));
        }
        let path = PathBuf::from(path);
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => Path::new(".").to_owned(),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".sdmxgw-")
            .suffix(".part")
            .tempfile_in(&dir)
            .with_context(|| format!("cannot create a file in {}", dir.display()))?;
        Ok(AtomicOutput::File {
            tmp: BufWriter::with_capacity(256 * 1024, tmp),
            path,
        })
    }

    /// Where to write.
    pub fn writer(&mut self) -> &mut dyn Write {
        match self {
            AtomicOutput::Stdout(w) => w,
            AtomicOutput::File { tmp, .. } => tmp,
        }
    }

    /// Flushes and, for a file, renames it into place.
    pub fn commit(self) -> anyhow::Result<()> {
        match self {
            AtomicOutput::Stdout(mut w) => w.flush().context("cannot write to standard output"),
            AtomicOutput::File { tmp, path } => {
                let tmp = tmp
                    .into_inner()
                    .map_err(|e| e.into_error())
                    .with_context(|| format!("cannot write {}", path.display()))?;
                tmp.as_file()
                    .sync_all()
                    .with_context(|| format!("cannot write {}", path.display()))?;
                tmp.persist(&path)
                    .with_context(|| format!("cannot rename into {}", path.display()))?;
                Ok(())
            }
        }
    }
}
