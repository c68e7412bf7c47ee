//! Reports beside the results: `report.md` for GitHub and a self-contained `report.html`,
//! with the charts in `charts/`. `wsbench run` calls `render` after each run;
//! `wsbench report DIR` calls `render_dir` to redraw everything from a saved `results.json`.
//!
//! For a sweep, the headline table, verdicts and single-run charts are those of the
//! largest swept value; the sweep table and chart cover every point.

mod chat;
mod compression;
mod content;
mod doc;
mod echo;
mod floor;
mod hlog;
mod html;
mod idle;
mod lubbers;
mod markdown;
mod verdict;
mod weighed;

use std::path::{Path, PathBuf};

use crate::plot::{self, PlotError};
use crate::results::{READABLE, Results, readable};

pub const RESULTS_FILE: &str = "results.json";
pub const CHARTS_DIR: &str = "charts";
pub const MARKDOWN_FILE: &str = "report.md";
pub const HTML_FILE: &str = "report.html";

/// Which reports to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// `report.md` only.
    Md,
    /// `report.html` only.
    Html,
    /// Both.
    Both,
}

impl ReportFormat {
    fn markdown(self) -> bool {
        matches!(self, Self::Md | Self::Both)
    }

    fn html(self) -> bool {
        matches!(self, Self::Html | Self::Both)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot read {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{path} is not a wsbench results file: {error}")]
    Parse {
        path: PathBuf,
        error: serde_json::Error,
    },
    #[error(
        "{path} has schema `{found}`; this wsbench reads `{}`",
        READABLE.join("`, `")
    )]
    Schema { path: PathBuf, found: String },
    #[error(transparent)]
    Plot(#[from] PlotError),
    #[error(transparent)]
    Write(#[from] crate::files::WriteError),
}

impl ReportError {
    /// The directory given holds no readable results: the user's to fix, not a failure.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Self::Read { .. } | Self::Parse { .. } | Self::Schema { .. }
        )
    }
}

/// Reads `dir/results.json` and writes its charts and the chosen reports into `dir`.
/// Returns every file written: charts first, then the reports.
pub fn render_dir(dir: &Path, format: ReportFormat) -> Result<Vec<PathBuf>, ReportError> {
    // Its results name transports: a library user that starts here has them installed.
    crate::transport::install();
    let results = load(dir)?;
    render(&results, dir, format)
}

/// Reads and checks `dir/results.json`.
pub fn load(dir: &Path) -> Result<Results, ReportError> {
    let path = dir.join(RESULTS_FILE);
    let text = std::fs::read_to_string(&path).map_err(|error| ReportError::Read {
        path: path.clone(),
        error,
    })?;
    let results: Results = serde_json::from_str(&text).map_err(|error| ReportError::Parse {
        path: path.clone(),
        error,
    })?;
    if !readable(&results.schema) {
        return Err(ReportError::Schema {
            path,
            found: results.schema,
        });
    }
    Ok(results)
}

/// Writes the charts of `results` into `dir/charts` and the chosen reports into `dir`.
/// Interval logs named by the entries and present in `dir` refine the latency curves.
pub fn render(
    results: &Results,
    dir: &Path,
    format: ReportFormat,
) -> Result<Vec<PathBuf>, ReportError> {
    let mut results = results.clone();
    let notes = hlog::refine_percentiles(&mut results, dir);
    results.warnings.extend(notes);
    let results = &results;
    let charts = plot::render_charts(results, &dir.join(CHARTS_DIR))?;
    let refs: Vec<_> = charts
        .iter()
        .map(|c| content::ChartRef::relative(c, dir))
        .collect();
    let blocks = content::build(results, &refs);
    let mut written: Vec<PathBuf> = charts
        .iter()
        .flat_map(|c| [c.svg.clone(), c.png.clone()])
        .collect();
    if format.markdown() {
        written.push(write(&dir.join(MARKDOWN_FILE), &markdown::render(&blocks))?);
    }
    if format.html() {
        let mut svgs = Vec::new();
        for chart in &charts {
            let svg = std::fs::read_to_string(&chart.svg).map_err(|error| ReportError::Read {
                path: chart.svg.clone(),
                error,
            })?;
            svgs.push((chart.name.clone(), svg));
        }
        written.push(write(&dir.join(HTML_FILE), &html::render(&blocks, &svgs))?);
    }
    Ok(written)
}

fn write(path: &Path, text: &str) -> Result<PathBuf, ReportError> {
    crate::files::write(path, text.as_bytes())?;
    Ok(path.to_owned())
}
