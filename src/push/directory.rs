//! Delivery into a folder a collector picks files from: each message is
//! written to a hidden temporary file in the folder, fsynced and renamed into
//! place (a reader never sees half a file), then listed with its SHA-256 in
//! `manifest.json` and `SHA256SUMS` (checkable with `sha256sum -c`), both
//! rewritten the same atomic way. A message delivered again — after a crash
//! between the rename and the manifest, or by a retry — is recognised by its
//! hash and never written twice.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Verdict, sync_dir};
use crate::store::{OutboxRecord, format_timestamp, now_micros};

/// The manifest's name in the target folder.
pub const MANIFEST: &str = "manifest.json";
/// The `sha256sum`-style list beside it.
pub const SHA256SUMS: &str = "SHA256SUMS";
const LOCK: &str = ".sdmxgw.lock";
/// A lock older than this was left by a process that died.
const STALE_LOCK: Duration = Duration::from_secs(120);

/// One delivered file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// The file's name in the folder.
    pub file: String,
    /// Lowercase hex SHA-256 of its content.
    pub sha256: String,
    /// Its size.
    pub bytes: u64,
    /// Its SDMX media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// When it was delivered (RFC 3339).
    pub delivered: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    files: Vec<ManifestEntry>,
}

/// Drops the payload into `dir`; the receipt is the manifest entry as JSON.
pub(super) fn drop_file(
    dir: &Path,
    payload: &Path,
    record: &OutboxRecord,
    progress: Option<&ProgressBar>,
) -> Verdict {
    match drop_inner(dir, payload, record, progress) {
        Ok(entry) => Verdict::Acknowledged {
            status: None,
            receipt: serde_json::to_string(&entry).unwrap_or_default(),
        },
        // A full disk, a missing mount, a lock held too long: all may pass.
        Err(error) => Verdict::Later {
            status: None,
            error,
            after: None,
        },
    }
}

fn drop_inner(
    dir: &Path,
    payload: &Path,
    record: &OutboxRecord,
    progress: Option<&ProgressBar>,
) -> Result<ManifestEntry, String> {
    let shown = dir.display();
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create folder {shown}: {e}"))?;
    let _lock = Lock::take(dir)?;
    let manifest_path = dir.join(MANIFEST);
    let mut manifest: Manifest = match std::fs::read(&manifest_path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            format!(
                "{}: not a manifest this gateway wrote ({e}); move it away",
                manifest_path.display()
            )
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Manifest::default(),
        Err(e) => return Err(format!("cannot read {}: {e}", manifest_path.display())),
    };
    let mut chosen = None;
    for name in candidate_names(&record.name, &record.sha256) {
        let path = dir.join(&name);
        if path.exists() {
            // The same content already there (an earlier attempt got this far)?
            if sha256_file(&path)? == record.sha256 {
                chosen = Some((name, false));
                break;
            }
            continue;
        }
        chosen = Some((name, true));
        break;
    }
    let Some((name, write)) = chosen else {
        return Err(format!(
            "{shown}: files named like {} with other content are in the way",
            record.name
        ));
    };
    if write {
        copy_atomically(payload, dir, &name, progress)?;
    }
    if let Some(e) = manifest
        .files
        .iter()
        .find(|e| e.file == name && e.sha256 == record.sha256)
    {
        return Ok(e.clone());
    }
    let entry = ManifestEntry {
        file: name.clone(),
        sha256: record.sha256.clone(),
        bytes: record.bytes,
        media_type: record.media_type.clone(),
        delivered: format_timestamp(now_micros()),
    };
    manifest.files.retain(|e| e.file != name);
    manifest.files.push(entry.clone());
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| e.to_string())?;
    let sums: String = manifest
        .files
        .iter()
        .map(|e| format!("{}  {}\n", e.sha256, e.file))
        .collect();
    write_atomically(dir, SHA256SUMS, sums.as_bytes())?;
    write_atomically(dir, MANIFEST, &json)?;
    Ok(entry)
}

/// The file's own name, then the name with the hash's first 12 digits added
/// (when another file of that name is in the way).
fn candidate_names(name: &str, sha256: &str) -> [String; 2] {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let clean = clean.trim_start_matches('.').to_owned();
    let clean = if clean.is_empty() || clean == MANIFEST || clean == SHA256SUMS {
        format!("message-{clean}")
    } else {
        clean
    };
    let short = &sha256[..sha256.len().min(12)];
    let with_hash = match clean.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem}-{short}.{ext}"),
        _ => format!("{clean}-{short}"),
    };
    [clean, with_hash]
}

fn sha256_file(path: &Path) -> Result<String, String> {
    let mut f = File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

fn temp_in(dir: &Path) -> Result<tempfile::NamedTempFile, String> {
    let tmp = tempfile::Builder::new()
        .prefix(".sdmxgw-")
        .suffix(".part")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot write into {}: {e}", dir.display()))?;
    // A temporary file is private; the collector picking the drop up is
    // usually another user.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = tmp
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    Ok(tmp)
}

fn copy_atomically(
    payload: &Path,
    dir: &Path,
    name: &str,
    progress: Option<&ProgressBar>,
) -> Result<(), String> {
    let mut src =
        File::open(payload).map_err(|e| format!("cannot read {}: {e}", payload.display()))?;
    let mut tmp = temp_in(dir)?;
    let fail = |e: std::io::Error| format!("cannot write {}: {e}", dir.join(name).display());
    let mut buf = vec![0u8; 256 * 1024];
    if let Some(bar) = progress {
        bar.set_position(0);
    }
    loop {
        let n = src
            .read(&mut buf)
            .map_err(|e| format!("cannot read {}: {e}", payload.display()))?;
        if n == 0 {
            break;
        }
        tmp.write_all(&buf[..n]).map_err(fail)?;
        if let Some(bar) = progress {
            bar.inc(n as u64);
        }
    }
    tmp.as_file().sync_all().map_err(fail)?;
    // No clobbering: a file that appeared meanwhile is not overwritten.
    tmp.persist_noclobber(dir.join(name))
        .map_err(|e| fail(e.error))?;
    sync_dir(dir);
    Ok(())
}

fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), String> {
    let mut tmp = temp_in(dir)?;
    let fail = |e: std::io::Error| format!("cannot write {}: {e}", dir.join(name).display());
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(dir.join(name)).map_err(|e| fail(e.error))?;
    sync_dir(dir);
    Ok(())
}

/// Mutual exclusion between gateways writing one folder: a lock file created
/// exclusively, removed on drop; a stale one (its writer died) is taken over.
struct Lock(PathBuf);

impl Lock {
    fn take(dir: &Path) -> Result<Lock, String> {
        let path = dir.join(LOCK);
        let start = Instant::now();
        loop {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    let _ = writeln!(f, "{}", std::process::id());
                    return Ok(Lock(path));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let stale = std::fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| SystemTime::now().duration_since(t).ok())
                        .is_some_and(|age| age > STALE_LOCK);
                    if stale {
                        let _ = std::fs::remove_file(&path);
                        continue;
                    }
                    if start.elapsed() > Duration::from_secs(30) {
                        return Err(format!(
                            "{} is held by another writer; remove it if no gateway is writing there",
                            path.display()
                        ));
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => return Err(format!("cannot lock {}: {e}", dir.display())),
            }
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let sha = "0123456789abcdef";
        assert_eq!(
            candidate_names("phl data.xml", sha),
            [
                "phl_data.xml".to_owned(),
                "phl_data-0123456789ab.xml".to_owned()
            ]
        );
        assert_eq!(candidate_names("..x", sha)[0], "x");
        assert_eq!(
            candidate_names("manifest.json", sha)[0],
            "message-manifest.json"
        );
        assert_eq!(candidate_names("noext", sha)[1], "noext-0123456789ab");
    }
}
