//! `wsbench run`: every transport of a scenario, one after another, each against a fresh
//! server under test, measured the same way and written as it finishes. This module is
//! the orchestration: `entries` goes through the run's entries, `measure` measures one
//! (with `drain`, `workers` and the `disturbance` check); what they use lives in modules
//! of its own (`under_test`, `figures`, `console`, `output`, `shard`).

mod disturbance;
mod drain;
mod entries;
mod measure;
mod phases;
mod sweep_stop;
mod workers;

use std::path::PathBuf;

pub use crate::signals::StopSignal;

use crate::output::OutputError;
use crate::results::{Results, TransportResult};
use crate::scenario::{Overrides, Scenario, ScenarioError};
use crate::shard::{self, ShardSpec};
use crate::signals::StopSignals;
use crate::transport_kind::Transport;
use crate::under_test::{self as target, TargetError};

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error("stopped by {}", .0.name())]
    Stopped(StopSignal),
    /// The server under test failed: it did not start, died, or refused what the run asked.
    #[error(transparent)]
    UnderTest(#[from] TargetError),
    /// Someone but the run used the server's control plane during the entry's window.
    #[error("{transport}: the measurement was disturbed, so its figures are not kept: {what}")]
    Disturbed { transport: String, what: String },
    #[error("clients: {0}")]
    Clients(String),
    /// A scheduled entry (`--window-start`) whose start had passed.
    #[error("schedule: {0}")]
    Schedule(String),
    #[error(transparent)]
    Shard(#[from] shard::ShardError),
    #[error("{0}")]
    OpenFiles(String),
    /// The results directory could not be made or written (the file named); what was
    /// written before is kept.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// An entry's histogram log could not be encoded.
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

/// What to run: a scenario file and the command line's overrides of it.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub scenario: PathBuf,
    pub overrides: Overrides,
    pub repeat: Option<u32>,
    pub out: Option<PathBuf>,
    /// Remove wsbench's own files from `out` first instead of refusing it.
    pub force: bool,
    pub quiet: bool,
    /// Print the summary on stdout at the end: `Some(false)` the table, `Some(true)` the
    /// results record as JSON; `None` prints nothing (a caller that reads the outcome).
    pub summary: Option<bool>,
    /// The executable that serves (tests name the built binary); default: this one.
    pub server_exe: Option<PathBuf>,
    /// Run a sweep's higher-load points for a transport even after its load generator
    /// saturated at a lower one.
    pub sweep_past_saturation: bool,
    /// Whether to record the loopback floor (cached or measured); default: off.
    pub calibration: crate::calibrate::Policy,
    /// A server already running to measure instead of the matched server (`--target`).
    pub target: Option<target::TargetSpec>,
    /// The part of the clients this process drives (`--shard i/N`); `None`: all of them.
    pub shard: Option<ShardSpec>,
    /// The first entry's window on the wall clock, ns (`--window-start`): every shard of
    /// the run measures the same windows.
    pub window_start_ns: Option<u64>,
    /// The local address of the client sockets (`--bind`).
    pub bind: Option<std::net::IpAddr>,
    /// A server to start for each transport instead of the matched server (`--launch`).
    pub launch: Option<target::LaunchSpec>,
}

pub struct RunOutcome {
    pub results: Results,
    pub dir: PathBuf,
    /// The signal that stopped the run early; the results hold what was finished.
    pub stopped_by: Option<StopSignal>,
    /// What made the run fail part-way; the results hold what was finished.
    pub failure: Option<RunError>,
}

impl RunOptions {
    /// The scenario with the overrides applied and validated with the file: flags over
    /// file over defaults.
    pub fn scenario(&self) -> Result<Scenario, RunError> {
        Ok(Scenario::load_with(&self.scenario, &self.overrides)?)
    }

    /// Whether the shard and schedule flags fit together and with `scenario`.
    fn check_shard(&self, scenario: &Scenario) -> Result<(), shard::ShardError> {
        let fewest = scenario
            .sweep_points()
            .iter()
            .map(|(_, s)| s.clients.count)
            .min()
            .unwrap_or(scenario.clients.count);
        shard::check_flags(
            self.shard,
            self.window_start_ns.is_some(),
            self.target.is_some(),
            self.repeat,
            fewest,
        )
    }

    /// Whether the run keeps a shard's record (`shard.json`) for `wsbench merge`.
    fn records_shard(&self) -> bool {
        self.shard.is_some() || self.window_start_ns.is_some()
    }
}

/// Measures one transport of `scenario` against a target started from `launch`, as `wsbench
/// run` measures each, with no display and nothing written: for tests and for embedding.
pub fn measure_one<T: target::Target>(
    scenario: &Scenario,
    transport: Transport,
    launch: &T::Launch,
) -> Result<TransportResult, RunError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(RunError::Runtime)?;
    runtime.block_on(async {
        let signals = StopSignals::listen().map_err(RunError::Runtime)?;
        let observers = crate::console::Observers::default();
        let part = measure::Part::whole(scenario);
        measure::measure::<T>(scenario, transport, launch, &part, &observers, &signals)
            .await
            .map(|measured| measured.result)
    })
}

pub fn run(options: &RunOptions) -> Result<RunOutcome, RunError> {
    let scenario = options.scenario()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(RunError::Runtime)?;
    runtime.block_on(run_scenario(options, scenario))
}

async fn run_scenario(options: &RunOptions, scenario: Scenario) -> Result<RunOutcome, RunError> {
    options.check_shard(&scenario)?;
    let signals = StopSignals::listen().map_err(RunError::Runtime)?;
    let calibration = prepare_machine(options, &scenario)?;
    let mut run = entries::Run::begin(options, &scenario, calibration)?;
    run.measure_every_entry(&signals).await;
    Ok(run.end(&signals))
}

/// The machine made ready for the run: the loopback floor read or measured (before the
/// load generator is pinned: the floor is the whole machine's), the load generator pinned
/// to its CPUs, and the scenario's warnings said. The floor and what was said of it.
fn prepare_machine(
    options: &RunOptions,
    scenario: &Scenario,
) -> Result<(Option<crate::results::CalibrationRecord>, Option<String>), RunError> {
    if !options.quiet && options.calibration != crate::calibrate::Policy::Off {
        eprintln!("wsbench run: reading or measuring the loopback floor (wsbench calibrate)");
    }
    let calibration = crate::calibrate::for_run(&options.calibration);
    // The load generator's threads, started from here on, inherit its CPUs.
    if let Some(placement) = &scenario.cpus {
        crate::placement::pin_current_thread(&crate::placement::cpu_set(&placement.clients))
            .map_err(|e| RunError::Clients(format!("cannot pin the load generator: {e}")))?;
    }
    for warning in scenario.warnings() {
        eprintln!("wsbench run: warning: {warning}");
    }
    Ok(calibration)
}

/// The entries whose load generator was saturated, named with their sweep point, and the
/// `[frontier]` entries with their setting.
pub fn saturated_entries(results: &Results) -> Vec<String> {
    crate::analysis::generator_saturated(results)
        .into_iter()
        .map(|(_, name)| name)
        .collect()
}
