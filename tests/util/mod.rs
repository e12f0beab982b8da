//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file under `tests/fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

/// A fresh temporary directory under `target/test-tmp/`, removed and recreated.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = root().join("target/test-tmp").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The `sdmxgw` binary built for these tests.
pub fn sdmxgw() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sdmxgw"))
}

/// An environment variable the interop tests need; `scripts/test.sh` sets it up.
/// Panics (the test fails, it is never skipped) when it is missing.
pub fn need_env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the interop tests through scripts/test.sh, which installs xmllint, the official XSDs and the Python peers")
    })
}

/// Validates `file` with `xmllint` against the official SDMX-ML 2.1 message schema;
/// panics with xmllint's output when it does not validate.
pub fn xmllint_21(file: &Path) {
    xmllint(
        file,
        &Path::new(&need_env("SDMXGW_XSD21_DIR")).join("SDMXMessage.xsd"),
    );
}

/// Validates `file` with `xmllint` against the official SDMX-ML 3.0 message schema.
pub fn xmllint_30(file: &Path) {
    xmllint(
        file,
        &Path::new(&need_env("SDMXGW_XSD30_DIR")).join("SDMXMessage.xsd"),
    );
}

/// Validates `file` against `schema` with `xmllint --nonet`.
pub fn xmllint(file: &Path, schema: &Path) {
    let out = Command::new(need_env("SDMXGW_XMLLINT"))
        .args(["--noout", "--nonet", "--schema"])
        .arg(schema)
        .arg(file)
        .output()
        .expect("xmllint runs");
    assert!(
        out.status.success(),
        "{} does not validate against {}:\n{}",
        file.display(),
        schema.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Starts `sdmxgw serve --bind BIND --config CONFIG` from the project root and
/// waits for its "listening on URL" line; returns the process and that URL.
pub fn spawn_serve(
    bind: &str,
    config: &Path,
    stderr: std::process::Stdio,
) -> (std::process::Child, String) {
    let config = config.to_str().expect("UTF-8 config path");
    spawn_serve_in(&root(), &["--bind", bind, "--config", config], stderr)
}

/// Starts `sdmxgw serve ARGS…` in `dir` and waits for its "listening on URL"
/// line; returns the process and that URL.
pub fn spawn_serve_in(
    dir: &Path,
    args: &[&str],
    stderr: std::process::Stdio,
) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    let mut child = sdmxgw()
        .current_dir(dir)
        .arg("serve")
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (child, base)
}
