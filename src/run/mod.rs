//! `wsbench run`: every transport of a scenario, one after another, each against a fresh
//! matched server in a child process, measured the same way and written as it finishes.

mod disturbance;
mod drain;
mod measure;
mod observe;
mod output;
mod progress;
pub mod shard;
mod sweep_stop;
mod table;
mod workers;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

pub use crate::signals::StopSignal;
pub use table::render as render_table;

use crate::ci;
use crate::dialect::{Dialect, Websocketd};
use crate::results::{Results, SweepInfo, TransportResult};
use crate::scenario::{Overrides, Scenario, ScenarioError, SweepParameter};
use crate::signals::StopSignals;
use crate::transport_kind::Transport;
use crate::under_test::{self as target, External, MatchedServer, TargetError, WebsocketdLaunch};
use observe::{Observers, RunObserver};
use output::OutputDir;
use progress::Progress;

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
    #[error("cannot write results to {}: {source}", path.display())]
    OutputDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write results: {0}")]
    Output(String),
    /// A results file that could not be written whole (the file named); what was written
    /// before it is kept.
    #[error(transparent)]
    Write(#[from] crate::files::WriteError),
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
    /// A chart or report that could not be drawn or written, named.
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
    #[error(transparent)]
    InUse(#[from] output::OutputInUse),
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
    pub shard: Option<shard::ShardSpec>,
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
        let fewest = sweep_points(scenario)
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
        let observers = Observers::default();
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
    // Before the load generator is pinned: the floor is the whole machine's.
    if !options.quiet && options.calibration != crate::calibrate::Policy::Off {
        eprintln!("wsbench run: reading or measuring the loopback floor (wsbench calibrate)");
    }
    let (calibration, calibration_warning) = crate::calibrate::for_run(&options.calibration);
    // The load generator's threads, started from here on, inherit its CPUs.
    if let Some(placement) = &scenario.cpus {
        crate::placement::pin_current_thread(&crate::placement::cpu_set(&placement.clients))
            .map_err(|e| RunError::Clients(format!("cannot pin the load generator: {e}")))?;
    }
    for warning in scenario.warnings() {
        eprintln!("wsbench run: warning: {warning}");
    }
    let points = sweep_points(&scenario);
    let most_clients = options
        .shard
        .unwrap_or(shard::ShardSpec::WHOLE)
        .most_clients(points.iter().map(|(_, s)| s.clients.count));
    crate::server::ensure_open_files(most_clients, "wsbench run").map_err(RunError::OpenFiles)?;
    let started = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let dir = OutputDir::create(
        options.out.as_deref(),
        &shard::dir_slug(&scenario.slug(), options.shard),
        &options.window_start_ns.map_or_else(
            || started.clone(),
            |ns| {
                let at = std::time::UNIX_EPOCH + Duration::from_nanos(ns);
                humantime::format_rfc3339_seconds(at).to_string()
            },
        ),
        options.force,
    )?;
    let exe = target::server_exe(options.server_exe.as_deref())?;
    let launch = options.launch.as_ref().map(|spec| match spec.server {
        target::Launched::Websocketd => WebsocketdLaunch {
            program: spec.program.clone(),
            emitter: exe.clone(),
        },
    });
    let repeat = options.repeat.unwrap_or(1).max(1);
    let mut results = Results {
        schema: crate::results::SCHEMA.into(),
        wsbench_version: env!("CARGO_PKG_VERSION").into(),
        complete: false,
        started_at: started,
        finished_at: None,
        machine: crate::metrics::machine::machine(),
        scenario: serde_json::to_value(&scenario).unwrap_or_default(),
        overrides: options.overrides.by_flag(),
        sweep: scenario.sweep.as_ref().map(|s| SweepInfo {
            parameter: s.parameter.name().into(),
            values: s.values.clone(),
        }),
        repeat,
        transports: Vec::new(),
        assertions: Vec::new(),
        warnings: scenario
            .warnings()
            .into_iter()
            .chain(calibration_warning)
            .collect(),
        calibration,
        target: options
            .target
            .as_ref()
            .map(target::TargetSpec::record)
            .or_else(|| launch.as_ref().map(WebsocketdLaunch::record)),
    };
    let dir_path = dir.path.clone();
    let mut observers = Observers::default()
        .with(Progress::new(
            options.quiet,
            progress::schedule(&points, repeat),
        ))
        .with(dir);
    if let Some(json) = options.summary {
        observers = observers.with(table::ConsoleSummary {
            json,
            dir: dir_path.clone(),
        });
    }
    observers.recorded(&results, None)?;

    let mut runs: BTreeMap<(usize, usize), Vec<TransportResult>> = BTreeMap::new();
    let mut failure = None;
    let mut first_measured = None;
    let spec = options.shard.unwrap_or(shard::ShardSpec::WHOLE);
    let mut schedule = options.window_start_ns.map(shard::Schedule::new);
    let mut record = options.records_shard().then(|| shard::ShardRecord {
        format: shard::FORMAT.into(),
        wsbench_version: results.wsbench_version.clone(),
        shard: spec,
        window_start_ns: options.window_start_ns.unwrap_or(0),
        scenario: results.scenario.clone(),
        target: options.target.as_ref().map(|t| t.url.clone()),
        target_pid: options.target.as_ref().and_then(|t| t.pid),
        host: results.machine.hostname.clone(),
        entries: Vec::new(),
    });
    let mut sweep_stop = sweep_stop::SweepStop::new(
        scenario.sweep.as_ref().map(|s| s.parameter),
        options.sweep_past_saturation,
    );
    'points: for (index, (value, point)) in points.iter().enumerate() {
        for (transport, round) in ci::repeat::interleaved_order(&point.transports, repeat) {
            // Taken for skipped entries too: every shard keeps to the same clock.
            let part = measure::Part {
                ids: spec.clients(point.clients.count),
                slot: schedule.as_mut().map(|s| s.next(point, transport)),
                bind: options.bind,
            };
            if let Some(why) = sweep_stop.skip(transport, *value) {
                if round == 1 {
                    results.warnings.push(why);
                }
                continue;
            }
            // A launched server that does not serve a transport: said once, not an error.
            if launch.is_some() && Websocketd.path(transport).is_none() {
                if round == 1 && index == 0 {
                    results.warnings.push(format!(
                        "{transport}: not served: websocketd serves WebSocket only (ws)"
                    ));
                }
                continue;
            }
            let log_name = log_name(transport, *value, round, repeat);
            // The feed's program (if it runs one) writes its stderr beside the results.
            let mut served = point.clone();
            served.feed_stderr = Some(dir_path.join(stderr_name(&log_name)));
            let measured = match match (&options.target, &launch) {
                (Some(spec), _) => {
                    measure::measure::<External>(
                        &served, transport, spec, &part, &observers, &signals,
                    )
                    .await
                }
                (None, Some(launch)) => {
                    measure::measure::<target::Websocketd>(
                        &served, transport, launch, &part, &observers, &signals,
                    )
                    .await
                }
                (None, None) => {
                    measure::measure::<MatchedServer>(
                        &served, transport, &exe, &part, &observers, &signals,
                    )
                    .await
                }
            } {
                Ok(measured) => measured,
                Err(RunError::Stopped(_)) => break 'points,
                Err(error) => {
                    failure = Some(error);
                    break 'points;
                }
            };
            let mut result = measured.result;
            if let Some(warning) = reused_target_memory(options, &mut first_measured, transport) {
                results.warnings.push(warning);
            }
            crate::calibrate::apply(&mut result, results.calibration.as_ref());
            result.sweep_value = *value;
            sweep_stop.record(&result);
            result.histogram_log = Some(log_name.clone());
            results.warnings.extend(measured.warnings);
            let order = point
                .transports
                .iter()
                .position(|t| *t == transport)
                .unwrap_or(0);
            runs.entry((index, order)).or_default().push(result);
            results.transports = runs
                .values()
                .map(|r| {
                    if r.len() == 1 {
                        r[0].clone()
                    } else {
                        ci::repeat::median(r)
                    }
                })
                .collect();
            observers.recorded(&results, Some(&(log_name.clone(), measured.hlog)))?;
            if let Some(record) = &mut record {
                let mut raw = measured.raw;
                raw.log_name = log_name;
                raw.sweep_value = *value;
                record.entries.push(raw);
                let bytes = record
                    .to_json()
                    .map_err(|e| RunError::Output(format!("{}: {e}", shard::SHARD_FILE)))?;
                observers.recorded(&results, Some(&(shard::SHARD_FILE.into(), bytes)))?;
            }
        }
    }
    let stopped_by = signals.received();
    let interrupted = stopped_by.is_some() || failure.is_some();
    if let Some(which) = stopped_by {
        results.warnings.push(format!(
            "the run was stopped by {} before it finished",
            which.name()
        ));
    }
    if let Some(error) = &failure {
        results.warnings.push(format!("the run failed: {error}"));
    }
    if !interrupted {
        results.complete = true;
        results.finished_at =
            Some(humantime::format_rfc3339_seconds(SystemTime::now()).to_string());
        results.assertions = ci::evaluate(&scenario.asserts, &results);
    }
    // A file that could not be written fails a run that had not failed (exit 3, naming
    // it); after another failure it is said beside it.
    if let Err(error) = observers.finished(&results) {
        match &failure {
            None => failure = Some(error),
            Some(_) => eprintln!("wsbench run: {error}"),
        }
    }
    Ok(RunOutcome {
        results,
        dir: dir_path,
        stopped_by,
        failure,
    })
}

/// The entries whose load generator was saturated, named with their sweep point.
pub fn saturated_entries(results: &Results) -> Vec<String> {
    results
        .transports
        .iter()
        .filter(|t| t.generator_saturated)
        .map(|t| match t.sweep_value {
            Some(value) => format!("{} at {value}", t.transport),
            None => t.transport.to_string(),
        })
        .collect()
}

fn log_name(transport: Transport, value: Option<f64>, round: u32, repeat: u32) -> String {
    let mut name = transport.name().to_string();
    if let Some(value) = value {
        name.push_str(&format!("-{value}"));
    }
    if repeat > 1 {
        name.push_str(&format!("-r{round}"));
    }
    name + ".hlog"
}

/// `sse.stderr.log` for `sse.hlog`: where the feed's program writes its stderr.
fn stderr_name(log_name: &str) -> String {
    let stem = log_name.strip_suffix(".hlog").unwrap_or(log_name);
    format!("{stem}{}", output::FEED_STDERR_SUFFIX)
}

/// The scenario at each sweep point (or once, without a sweep).
fn sweep_points(scenario: &Scenario) -> Vec<(Option<f64>, Scenario)> {
    let Some(sweep) = &scenario.sweep else {
        return vec![(None, scenario.clone())];
    };
    sweep
        .values
        .iter()
        .map(|&value| {
            let mut point = scenario.clone();
            match sweep.parameter {
                SweepParameter::Clients => point.clients.count = value as u64,
                SweepParameter::Rate => {
                    if let Ok(feed) = point.feed.with_rate(value) {
                        point.feed = feed;
                    }
                }
                SweepParameter::PollInterval => {
                    let interval = Duration::from_secs_f64(value);
                    point.transport.set_flat(sweep.parameter.name(), interval);
                }
                SweepParameter::Coalesce => {
                    point.server.coalesce = Duration::from_nanos((value * 1e6).round() as u64);
                }
            }
            (Some(value), point)
        })
        .collect()
}

/// A target whose memory is read (`--target-pid`) keeps running from one entry to the
/// next: said once, at the second entry measured, since from there on its per-connection
/// memory understates. `first_measured`: the first entry's transport, and whether it was said.
fn reused_target_memory(
    options: &RunOptions,
    first_measured: &mut Option<(Transport, bool)>,
    transport: Transport,
) -> Option<String> {
    options.target.as_ref().and_then(|t| t.pid)?;
    match first_measured {
        None => {
            *first_measured = Some((transport, false));
            None
        }
        Some((_, true)) => None,
        Some((first, said)) => {
            *said = true;
            Some(format!(
                "server memory: the target kept running from the first entry ({first}) on; \
                 later entries reuse memory that earlier connections freed, so their RSS per \
                 connection understates what a fresh server needs (measure memory with one \
                 transport and one client count per run)"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_target_whose_memory_is_read_is_said_to_understate_once() {
        let ws = Transport::named("ws").unwrap();
        let sse = Transport::named("sse").unwrap();
        let with_pid = |pid| RunOptions {
            target: Some(target::TargetSpec::parse("http://127.0.0.1:9000", None, pid).unwrap()),
            ..Default::default()
        };
        let options = with_pid(Some(42));
        let mut first = None;
        let said: Vec<_> = [sse, ws, sse, ws]
            .into_iter()
            .map(|t| reused_target_memory(&options, &mut first, t))
            .collect();
        assert_eq!(said[0], None);
        assert!(said[1].as_deref().unwrap().contains("first entry (sse)"));
        assert_eq!((said[2].as_ref(), said[3].as_ref()), (None, None));
        // Memory not read, or a server started per entry: nothing to say.
        let mut first = None;
        for t in [sse, ws] {
            assert_eq!(reused_target_memory(&with_pid(None), &mut first, t), None);
            assert_eq!(
                reused_target_memory(&RunOptions::default(), &mut first, t),
                None
            );
        }
    }
}
