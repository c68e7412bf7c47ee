//! The results directory: created before the run so a bad path fails in the first second,
//! rewritten after each transport so an interrupted run keeps what it measured.

use std::path::{Path, PathBuf};

use super::RunError;
use crate::export;
use crate::results::Results;

pub struct OutputDir {
    pub path: PathBuf,
}

impl OutputDir {
    /// `--out DIR`, or `results/<scenario>-<UTC timestamp>/`.
    pub fn create(out: Option<&Path>, slug: &str, started: &str) -> Result<Self, RunError> {
        let path = match out {
            Some(path) => path.to_owned(),
            None => {
                let stamp: String = started
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric())
                    .collect();
                PathBuf::from("results").join(format!("{slug}-{stamp}"))
            }
        };
        let unwritable = |source: std::io::Error| RunError::OutputDir {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(&path).map_err(unwritable)?;
        let probe = path.join(".wsbench-write-test");
        std::fs::write(&probe, b"").map_err(unwritable)?;
        let _ = std::fs::remove_file(&probe);
        Ok(Self { path })
    }

    /// Writes results.json, summary.csv and the histogram logs given.
    pub fn write(&self, results: &Results, logs: &[(String, Vec<u8>)]) -> Result<(), RunError> {
        for exporter in export::exporters() {
            export::write(&self.path, exporter.as_ref(), results)
                .map_err(|e| RunError::Output(e.to_string()))?;
        }
        for (name, bytes) in logs {
            let path = self.path.join(name);
            std::fs::write(&path, bytes).map_err(|source| RunError::OutputDir { path, source })?;
        }
        Ok(())
    }
}
