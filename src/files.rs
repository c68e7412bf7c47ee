//! Files written whole or not at all. Every file wsbench leaves for people and scripts to
//! read (results, reports, charts, histogram logs, the calibration cache) is written under
//! a temporary name beside its own and renamed over it once whole: a full disk, a file
//! size limit or a stopped process never leaves part of a file under the name of a whole
//! one, and what was there before stays until the new file replaces it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A file that could not be written, named by its final path.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {error}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    pub error: std::io::Error,
}

/// Writes `bytes` to `path` whole, or leaves `path` as it was and no temporary file.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let temporary = temporary(path);
    // Beside `path`: a rename is atomic only within one file system.
    let written = std::fs::write(&temporary, bytes).and_then(|()| {
        // No fsync: a crash of the machine may lose the file, never half of it.
        std::fs::rename(&temporary, path)
    });
    written.map_err(|error| {
        let _ = std::fs::remove_file(&temporary);
        WriteError {
            path: path.to_owned(),
            error,
        }
    })
}

/// `.NAME.PID-N.tmp` beside `path`: hidden, and unique to this process and this write, so
/// that no other reader or writer of the directory takes it for a file of its own.
fn temporary(path: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.{}-{n}{TEMPORARY_END}", std::process::id()))
}

const TEMPORARY_END: &str = ".tmp";

/// Whether a file's name is one `write` gives a file being written: left only by a process
/// killed at that moment.
pub fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(TEMPORARY_END)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_file_is_replaced_whole_and_no_temporary_file_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.json");
        write(&path, b"first").unwrap();
        write(&path, b"second, longer").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second, longer");
        assert_eq!(names(dir.path()), ["results.json"]);
        let named = temporary(&path);
        assert!(is_temporary(&named.file_name().unwrap().to_string_lossy()));
        assert_eq!(named.parent(), Some(dir.path()));
        assert!(!is_temporary("results.json") && !is_temporary("notes.tmp"));
    }

    #[test]
    fn a_failed_write_names_the_file_and_keeps_what_was_there() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the file should go: the rename fails after the write.
        let path = dir.path().join("report.md");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("mine"), "kept").unwrap();
        let error = write(&path, b"text").unwrap_err();
        assert_eq!(error.path, path);
        assert!(
            error
                .to_string()
                .starts_with(&format!("cannot write {}: ", path.display())),
            "{error}"
        );
        assert_eq!(
            names(dir.path()),
            ["report.md"],
            "the temporary file is gone"
        );
        assert_eq!(std::fs::read_to_string(path.join("mine")).unwrap(), "kept");
        // A directory that is not there: nothing written at all.
        let missing = dir.path().join("no/such/dir/results.json");
        assert!(
            write(&missing, b"x")
                .unwrap_err()
                .to_string()
                .contains("no/such/dir")
        );
    }
}
