//! Scenario errors that say where the mistake is and what would be accepted.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("{path}: cannot read: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    /// A name that is neither a file nor a shipped scenario.
    #[error(
        "no scenario `{name}`: no file `{name}` or `scenarios/{name}.toml`, and no shipped \
         scenario of that name{}; shipped: {} (`wsbench scenarios` says what each is)",
        nearest.map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default(),
        super::shipped::names()
    )]
    NotFound {
        name: String,
        nearest: Option<&'static str>,
    },
    /// A command-line override that the file's validation refuses.
    #[error("{flag}: {key}: {message}")]
    Flag {
        /// The flag as given, like `--clients 0`.
        flag: String,
        key: String,
        message: String,
    },
    /// A mistake at a known place in the file.
    #[error("{path}:{line}:{column}: {key}: {message}", path = .path.display(), key = .key.as_deref().unwrap_or("(file)"))]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        /// Dotted key path, like `clients.count` or `assert[2].metric`.
        key: Option<String>,
        message: String,
    },
}

impl ScenarioError {
    pub fn key(&self) -> Option<&str> {
        match self {
            Self::Invalid { key, .. } => key.as_deref(),
            Self::Flag { key, .. } => Some(key),
            Self::Read { .. } | Self::NotFound { .. } => None,
        }
    }

    pub fn line(&self) -> Option<usize> {
        match self {
            Self::Invalid { line, .. } => Some(*line),
            Self::Read { .. } | Self::NotFound { .. } | Self::Flag { .. } => None,
        }
    }
}
