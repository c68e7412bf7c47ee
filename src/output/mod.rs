//! The results directory: chosen, locked and checked before the run so that a bad or busy
//! path fails in the first second, not after the benchmark; rewritten after each transport
//! so an interrupted run keeps what it measured.

mod lock;

use std::path::{Path, PathBuf};

use crate::export;
use crate::report::{CHARTS_DIR, HTML_FILE, MARKDOWN_FILE};
use crate::results::Results;
use lock::{Lock, LockError};

/// Where timestamped results directories go when `--out` is not given.
const RESULTS_ROOT: &str = "results";
/// Suffixes (`-2`, `-3`, ...) tried when runs start in the same second.
const MAX_SUFFIX: u32 = 1000;
/// Files named in a refusal; the rest are counted.
const NAMED_FILES: usize = 4;

/// A results directory another run owns: a usage error, reported before anything starts.
#[derive(Debug, thiserror::Error)]
pub enum OutputInUse {
    #[error(
        "{} already holds a wsbench run ({}); choose another --out, or add --force to remove \
         wsbench's own files from it first (other files are kept)",
        dir.display(), found
    )]
    Occupied { dir: PathBuf, found: String },
    #[error(
        "{} is being written by a running wsbench ({holder}, lock {LOCK}); choose another --out \
         (--force never takes a running run's directory)",
        dir.display(), LOCK = lock::LOCK_FILE
    )]
    Locked { dir: PathBuf, holder: String },
}

/// A results directory that could not be made, checked or written: the file named, and
/// what was written before it kept.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write results to {}: {error}", path.display())]
    Dir {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(transparent)]
    InUse(#[from] OutputInUse),
    /// A results file that could not be written whole (the file named).
    #[error(transparent)]
    Write(#[from] crate::files::WriteError),
    #[error(transparent)]
    Export(#[from] export::ExportError),
    /// A chart or report that could not be drawn or written, named.
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
    /// A record that could not be made into its file's bytes.
    #[error("cannot write {file}: {reason}")]
    Encode { file: &'static str, reason: String },
}

/// The record a shard of a run keeps beside its results, for `wsbench merge`.
pub const SHARD_FILE: &str = "shard.json";

pub struct OutputDir {
    pub path: PathBuf,
    /// Released when the run ends, after the report is written.
    _lock: Lock,
}

impl OutputDir {
    /// `--out DIR`, or a new `results/<scenario>-<UTC timestamp>/`. With `force`, wsbench's
    /// own files in `--out` are removed first; without it, a directory holding them is refused.
    pub fn create(
        out: Option<&Path>,
        slug: &str,
        started: &str,
        force: bool,
    ) -> Result<Self, OutputError> {
        Self::create_in(Path::new(RESULTS_ROOT), out, slug, started, force)
    }

    fn create_in(
        root: &Path,
        out: Option<&Path>,
        slug: &str,
        started: &str,
        force: bool,
    ) -> Result<Self, OutputError> {
        let path = match out {
            Some(path) => {
                std::fs::create_dir_all(path).map_err(io_error(path))?;
                path.to_owned()
            }
            None => fresh_dir(root, &default_name(slug, started))?,
        };
        let lock = Lock::acquire(&path).map_err(|e| match e {
            LockError::Held(pid) => OutputInUse::Locked {
                dir: path.clone(),
                holder: pid.map_or("its lock is being written".into(), |p| format!("pid {p}")),
            }
            .into(),
            LockError::Io(source) => io_error(&path.join(lock::LOCK_FILE))(source),
        })?;
        let found = own_files(&path)?;
        if !found.is_empty() && !force {
            return Err(OutputInUse::Occupied {
                dir: path.clone(),
                found: listing(&path, &found),
            }
            .into());
        }
        for file in &found {
            std::fs::remove_file(file).map_err(io_error(file))?;
        }
        // Only if empty: a user's file in charts/ keeps its directory.
        let _ = std::fs::remove_dir(path.join(CHARTS_DIR));
        let probe = path.join(".wsbench-write-test");
        std::fs::write(&probe, b"").map_err(io_error(&path))?;
        let _ = std::fs::remove_file(&probe);
        Ok(Self { path, _lock: lock })
    }

    /// Writes results.json, summary.csv, metrics.prom and the files given (a transport's histogram log,
    /// a shard's record), each whole or not at all (a failure keeps the version written
    /// after the transport before). Called after every transport: an interrupted run keeps
    /// what it measured.
    pub fn write(&self, results: &Results, files: &[(String, Vec<u8>)]) -> Result<(), OutputError> {
        for exporter in export::exporters() {
            export::write(&self.path, exporter.as_ref(), results)?;
        }
        for (name, bytes) in files {
            crate::files::write(&self.path.join(name), bytes)?;
        }
        Ok(())
    }

    /// The record is final: written, then its charts and reports. Those come last: one that
    /// cannot be written costs not the figures, but the run's success (exit 3, naming it).
    pub fn finish(&self, results: &Results) -> Result<(), OutputError> {
        self.write(results, &[])?;
        crate::report::render(results, &self.path, crate::report::ReportFormat::Both)?;
        Ok(())
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |error| OutputError::Dir {
        path: path.to_owned(),
        error,
    }
}

/// `<slug>-<timestamp without separators>`, like `ticker-20250102T030405Z`.
fn default_name(slug: &str, started: &str) -> String {
    let stamp: String = started
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    format!("{slug}-{stamp}")
}

/// Creates `root/name`, or `root/name-2`, `-3`...: `create_dir` fails on an existing
/// directory, so two runs started in the same second never share one.
fn fresh_dir(root: &Path, name: &str) -> Result<PathBuf, OutputError> {
    std::fs::create_dir_all(root).map_err(io_error(root))?;
    for n in 1..=MAX_SUFFIX {
        let path = match n {
            1 => root.join(name),
            n => root.join(format!("{name}-{n}")),
        };
        match std::fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io_error(&path)(e)),
        }
    }
    Err(io_error(&root.join(name))(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        format!("{MAX_SUFFIX} directories of that name exist already"),
    )))
}

/// The end of the name of a file holding a feed program's stderr for one transport's run.
pub const FEED_STDERR_SUFFIX: &str = ".stderr.log";

/// The files `wsbench run` and `wsbench report` write that are present in `dir`; the lock
/// is not among them (the caller holds it).
fn own_files(dir: &Path) -> Result<Vec<PathBuf>, OutputError> {
    let exported: Vec<String> = export::exporters()
        .iter()
        .map(|e| e.file_name().to_owned())
        .collect();
    let top = |name: &str| {
        exported.iter().any(|e| e == name)
            || crate::files::is_temporary(name)
            || name.ends_with(".hlog")
            || name.ends_with(FEED_STDERR_SUFFIX)
            || name == SHARD_FILE
            || [MARKDOWN_FILE, HTML_FILE].contains(&name)
    };
    let chart = |name: &str| {
        crate::files::is_temporary(name)
            || name.rsplit_once('.').is_some_and(|(stem, ext)| {
                ["svg", "png"].contains(&ext) && crate::plot::chart_names().any(|name| name == stem)
            })
    };
    let mut found = files_matching(dir, top)?;
    found.extend(files_matching(&dir.join(CHARTS_DIR), chart)?);
    Ok(found)
}

/// Regular files in `dir` whose name matches, sorted; none when `dir` does not exist.
fn files_matching(dir: &Path, wanted: impl Fn(&str) -> bool) -> Result<Vec<PathBuf>, OutputError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error(dir)(e)),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io_error(dir))?;
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if is_file && entry.file_name().to_str().is_some_and(&wanted) {
            found.push(entry.path());
        }
    }
    found.sort();
    Ok(found)
}

/// `results.json, ws.hlog, charts/latency.svg and 5 more`.
fn listing(dir: &Path, files: &[PathBuf]) -> String {
    let names: Vec<String> = files
        .iter()
        .take(NAMED_FILES)
        .map(|f| f.strip_prefix(dir).unwrap_or(f).display().to_string())
        .collect();
    match files.len().saturating_sub(NAMED_FILES) {
        0 => names.join(", "),
        more => format!("{} and {more} more", names.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STARTED: &str = "2025-01-02T03:04:05Z";

    #[test]
    fn default_directories_of_the_same_second_differ() {
        let root = tempfile::tempdir().unwrap();
        let create = || OutputDir::create_in(root.path(), None, "ticker", STARTED, false);
        let (first, second, third) = (create().unwrap(), create().unwrap(), create().unwrap());
        assert_eq!(first.path, root.path().join("ticker-20250102T030405Z"));
        assert_eq!(second.path, root.path().join("ticker-20250102T030405Z-2"));
        assert_eq!(third.path, root.path().join("ticker-20250102T030405Z-3"));
    }

    #[test]
    fn own_files_are_wsbench_outputs_only() {
        let dir = tempfile::tempdir().unwrap();
        let charts = dir.path().join(CHARTS_DIR);
        std::fs::create_dir(&charts).unwrap();
        for name in [
            "results.json",
            "summary.csv",
            "metrics.prom",
            "ws-r2.hlog",
            "report.md",
            "notes.md",
            ".results.json.4242-0.tmp",
            ".notes.md",
        ] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        for name in ["timeline.png", "latency.svg", "mine.png", "timeline.txt"] {
            std::fs::write(charts.join(name), "x").unwrap();
        }
        let found = own_files(dir.path()).unwrap();
        // A temporary file a killed run left is its; a hidden file of the user's is not.
        assert_eq!(
            listing(dir.path(), &found),
            ".results.json.4242-0.tmp, metrics.prom, report.md, results.json and 4 more"
        );
        assert_eq!(
            found[6..],
            [charts.join("latency.svg"), charts.join("timeline.png")]
        );
    }

    #[test]
    fn an_occupied_out_is_refused_and_forced_clean() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("results.json"), "{}").unwrap();
        std::fs::write(out.join("notes.md"), "mine").unwrap();
        let create = |force| OutputDir::create_in(dir.path(), Some(&out), "x", STARTED, force);
        let refused = create(false).err().expect("refused");
        assert!(
            matches!(&refused, OutputError::InUse(OutputInUse::Occupied { found, .. }) if found == "results.json"),
            "{refused}"
        );
        assert!(refused.to_string().contains("--force"), "{refused}");
        assert!(
            !out.join(lock::LOCK_FILE).exists(),
            "a refusal keeps no lock"
        );
        let taken = create(true).unwrap();
        assert!(!out.join("results.json").exists());
        assert_eq!(
            std::fs::read_to_string(out.join("notes.md")).unwrap(),
            "mine"
        );
        let busy = create(true).err().expect("a live lock is never forced");
        assert!(
            matches!(busy, OutputError::InUse(OutputInUse::Locked { .. })),
            "{busy}"
        );
        drop(taken);
        assert!(!out.join(lock::LOCK_FILE).exists());
    }
}
