//! Finding and reading the structure files the user named.

use std::path::{Path, PathBuf};

use crate::model::Structures;
use crate::structure::{Location, StructureError, Warning, read_structure_file};

/// What reading the files produced: the structures of each file that could be
/// read, the readers' warnings, and one error per file that could not.
#[derive(Debug, Default)]
pub(super) struct ReadFiles {
    pub sources: Vec<(String, Structures)>,
    pub warnings: Vec<Warning>,
    pub errors: Vec<StructureError>,
}

/// Reads every named file, and every `*.xml` / `*.json` file under every named
/// folder (recursively, in name order so that results do not depend on the file
/// system). A named file is read whatever its extension: the user chose it.
pub(super) fn read_paths(paths: &[PathBuf]) -> ReadFiles {
    let mut out = ReadFiles::default();
    for path in paths {
        let mut files = Vec::new();
        if let Err(e) = collect(path, true, &mut files) {
            out.errors.push(e);
        } else if files.is_empty() {
            out.warnings.push(Warning {
                location: Location::file(path.display().to_string()),
                message: "no *.xml or *.json structure file in this folder".to_owned(),
            });
        }
        for file in files {
            match read_structure_file(&file) {
                Ok(read) => {
                    out.warnings.extend(read.warnings);
                    out.sources
                        .push((file.display().to_string(), read.structures));
                }
                Err(e) => out.errors.push(e),
            }
        }
    }
    out
}

fn collect(path: &Path, named: bool, files: &mut Vec<PathBuf>) -> Result<(), StructureError> {
    let io = |source| StructureError::Io {
        path: path.to_owned(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        let mut entries = std::fs::read_dir(path)
            .map_err(io)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(io)?;
        entries.sort();
        for entry in entries {
            let hidden = entry
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if !hidden {
                collect(&entry, false, files)?;
            }
        }
    } else if named || is_structure_file(path) {
        files.push(path.to_owned());
    }
    Ok(())
}

fn is_structure_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xml") || e.eq_ignore_ascii_case("json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_path_is_an_io_error_naming_it() {
        let read = read_paths(&[PathBuf::from("/nonexistent/sdmxgw/x.xml")]);
        assert_eq!(read.errors.len(), 1);
        let msg = read.errors[0].to_string();
        assert!(msg.contains("/nonexistent/sdmxgw/x.xml"), "{msg}");
        assert!(matches!(read.errors[0], StructureError::Io { .. }));
    }

    #[test]
    fn an_empty_folder_is_a_warning() {
        let dir = std::env::temp_dir().join(format!("sdmxgw-empty-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let read = read_paths(std::slice::from_ref(&dir));
        assert!(read.errors.is_empty());
        assert_eq!(read.warnings.len(), 1);
        assert!(read.warnings[0].to_string().contains("no *.xml or *.json"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn folders_yield_only_xml_and_json_files_sorted() {
        let dir = std::env::temp_dir().join(format!("sdmxgw-load-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        for f in ["b.xml", "a.JSON", "notes.txt", ".hidden.xml", "sub/c.xml"] {
            std::fs::write(dir.join(f), "x").unwrap();
        }
        let mut files = Vec::new();
        collect(&dir, true, &mut files).unwrap();
        let names: Vec<String> = files
            .iter()
            .map(|f| f.strip_prefix(&dir).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["a.JSON", "b.xml", "sub/c.xml"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
