//! A run's entries, one after another: each point of a sweep, each transport in interleaved
//! repeats, measured against a fresh server under test, figured, and written to the
//! results directory before the next begins, so that an interrupted run keeps what it
//! measured.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use super::measure::{self, Measured, Part};
use super::sweep_stop::SweepStop;
use super::{RunError, RunOptions, RunOutcome};
use crate::ci;
use crate::console::{ConsoleSummary, Observers, Progress, RunObserver};
use crate::output::{FEED_STDERR_SUFFIX, OutputDir, OutputError, SHARD_FILE};
use crate::results::{CalibrationRecord, FrontierSetting, Results, SweepInfo, TransportResult};
use crate::scenario::{FrontierPoint, Scenario};
use crate::shard::{self, Schedule, ShardRecord, ShardSpec};
use crate::signals::StopSignals;
use crate::transport_kind::Transport;
use crate::under_test::{self as target, External, MatchedServer, WebsocketdLaunch};

/// What the run measures against, once for every entry.
enum UnderTest<'a> {
    /// The matched server, started from this executable for each entry.
    Matched(PathBuf),
    /// A server already running (`--target`).
    External(&'a target::TargetSpec),
    /// A server the run starts for each entry (`--launch`).
    Launched(WebsocketdLaunch),
}

/// A run under way: its record so far, where it is written, and what is left to say.
pub(super) struct Run<'a> {
    options: &'a RunOptions,
    scenario: &'a Scenario,
    /// The sweep's points (or the one run), then one per `[frontier]` point.
    points: Vec<(Option<f64>, Scenario)>,
    /// The `[frontier]` points, after the run's own in `points`, in order.
    frontier: Vec<FrontierPoint>,
    /// How many of `points` are the run's own.
    own_points: usize,
    repeat: u32,
    under_test: UnderTest<'a>,
    results: Results,
    dir: OutputDir,
    observers: Observers,
    /// Each entry's rounds, by (point, transport order): their median is the entry.
    rounds: BTreeMap<(usize, usize), Vec<TransportResult>>,
    failure: Option<RunError>,
    /// A target kept from entry to entry: the first entry, and whether that was said.
    first_measured: Option<(Transport, bool)>,
    record: Option<ShardRecord>,
    schedule: Option<Schedule>,
    sweep_stop: SweepStop,
}

/// One entry to measure: which point, which transport, which round of it.
struct Entry<'p> {
    index: usize,
    value: Option<f64>,
    /// A `[frontier]` entry's point; `None` for the run's own.
    frontier: Option<FrontierPoint>,
    point: &'p Scenario,
    transport: Transport,
    round: u32,
}

impl<'a> Run<'a> {
    /// Opens the results directory (refused at once when it is another run's), starts the
    /// record and its observers, and writes the record as it stands.
    pub fn begin(
        options: &'a RunOptions,
        scenario: &'a Scenario,
        calibration: (Option<CalibrationRecord>, Option<String>),
    ) -> Result<Self, RunError> {
        let Points {
            points,
            frontier,
            warning: frontier_warning,
        } = points_of(scenario, options);
        let most_clients = options
            .shard
            .unwrap_or(ShardSpec::WHOLE)
            .most_clients(points.iter().map(|(_, s)| s.clients.count));
        crate::server::ensure_open_files(most_clients, "wsbench run")
            .map_err(RunError::OpenFiles)?;
        let started = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
        let dir = OutputDir::create(
            options.out.as_deref(),
            &shard::dir_slug(&scenario.slug(), options.shard),
            &window_start_text(options.window_start_ns).unwrap_or_else(|| started.clone()),
            options.force,
        )?;
        let under_test = under_test(options)?;
        let repeat = options.repeat.unwrap_or(1).max(1);
        let mut results =
            first_record(options, scenario, &under_test, started, repeat, calibration);
        results.warnings.extend(frontier_warning);
        let observers = observers(options, &points, repeat, &dir);
        dir.write(&results, &[])?;
        Ok(Self {
            record: options
                .records_shard()
                .then(|| shard_record(options, &results)),
            schedule: options.window_start_ns.map(Schedule::new),
            sweep_stop: SweepStop::new(
                scenario.sweep.as_ref().map(|s| s.parameter),
                options.sweep_past_saturation,
            ),
            options,
            scenario,
            own_points: points.len() - frontier.len(),
            points,
            frontier,
            repeat,
            under_test,
            results,
            dir,
            observers,
            rounds: BTreeMap::new(),
            failure: None,
            first_measured: None,
        })
    }

    /// Every entry, in order, until the last, a failure or a stop signal.
    pub async fn measure_every_entry(&mut self, signals: &StopSignals) {
        let points = std::mem::take(&mut self.points);
        'points: for (index, (value, point)) in points.iter().enumerate() {
            for (transport, round) in ci::repeat::interleaved_order(&point.transports, self.repeat)
            {
                let entry = Entry {
                    index,
                    value: *value,
                    frontier: index.checked_sub(self.own_points).map(|k| self.frontier[k]),
                    point,
                    transport,
                    round,
                };
                let outcome = self.measure_entry(&entry, signals).await;
                let recorded = match outcome {
                    Ok(None) => continue,
                    Ok(Some(measured)) => self.record_entry(&entry, measured),
                    Err(error) => Err(error),
                };
                match recorded {
                    Ok(()) => {}
                    Err(RunError::Stopped(_)) => break 'points,
                    Err(error) => {
                        self.failure = Some(error);
                        break 'points;
                    }
                }
            }
        }
        self.points = points;
    }

    /// One entry measured; `None` when it is skipped (a sweep past its saturation, a
    /// launched server that does not serve the transport), said once in the results.
    async fn measure_entry(
        &mut self,
        entry: &Entry<'_>,
        signals: &StopSignals,
    ) -> Result<Option<Measured>, RunError> {
        // Taken for skipped entries too: every shard keeps to the same clock.
        let part = Part {
            ids: self
                .options
                .shard
                .unwrap_or(ShardSpec::WHOLE)
                .clients(entry.point.clients.count),
            slot: self
                .schedule
                .as_mut()
                .map(|s| s.next(entry.point, entry.transport)),
            bind: self.options.bind,
        };
        if let Some(why) = self.sweep_stop.skip(entry.transport, entry.value) {
            if entry.round == 1 {
                self.results.warnings.push(why);
            }
            return Ok(None);
        }
        if let UnderTest::Launched(launch) = &self.under_test
            && let Some(why) = launch.not_served(entry.transport)
        {
            if entry.round == 1 && entry.index == 0 {
                self.results.warnings.push(why);
            }
            return Ok(None);
        }
        // The feed's program (if it runs one) writes its stderr beside the results.
        let mut served = entry.point.clone();
        served.feed_stderr = Some(self.dir.path.join(stderr_name(&self.log_name(entry))));
        let (transport, observers) = (entry.transport, &self.observers);
        let measured = match &self.under_test {
            UnderTest::External(spec) => {
                measure::measure::<External>(&served, transport, spec, &part, observers, signals)
                    .await
            }
            UnderTest::Launched(launch) => {
                let launched = measure::measure::<target::Websocketd>;
                launched(&served, transport, launch, &part, observers, signals).await
            }
            UnderTest::Matched(exe) => {
                let matched = measure::measure::<MatchedServer>;
                matched(&served, transport, exe, &part, observers, signals).await
            }
        };
        measured.map(Some)
    }

    /// Puts a measured entry in the record (the median of its rounds so far) and writes
    /// the record, its histogram log and, for a shard, its raw counts.
    fn record_entry(&mut self, entry: &Entry<'_>, measured: Measured) -> Result<(), RunError> {
        let log_name = self.log_name(entry);
        let mut result = measured.result;
        if let Some(warning) =
            reused_target_memory(self.options, &mut self.first_measured, entry.transport)
        {
            self.results.warnings.push(warning);
        }
        crate::calibrate::apply(&mut result, self.results.calibration.as_ref());
        result.sweep_value = entry.value;
        result.frontier = entry.frontier.map(|p| FrontierSetting {
            setting: p.setting(),
            value_s: p.value.as_secs_f64(),
        });
        self.sweep_stop.record(&result);
        if self.repeat > 1 && result.generator_saturated {
            self.results.warnings.push(format!(
                "{} (round {} of {}): the load generator was saturated ({}); the entry counts \
                 as saturated if most of its rounds were",
                result.transport,
                entry.round,
                self.repeat,
                result.generator_saturation.join("; ")
            ));
        }
        result.histogram_log = Some(log_name.clone());
        self.results.warnings.extend(measured.warnings);
        let order = entry
            .point
            .transports
            .iter()
            .position(|t| *t == entry.transport)
            .unwrap_or(0);
        self.rounds
            .entry((entry.index, order))
            .or_default()
            .push(result);
        // The run's own entries, then the frontier's: theirs are not the run's to rank.
        let (own, frontier): (Vec<_>, Vec<_>) = self
            .rounds
            .iter()
            .partition(|((index, _), _)| *index < self.own_points);
        let medians = |rounds: Vec<(_, &Vec<TransportResult>)>| {
            rounds
                .into_iter()
                .map(|(_, r)| ci::repeat::median(r))
                .collect()
        };
        self.results.transports = medians(own);
        self.results.frontier = medians(frontier);
        let mut files = vec![(log_name.clone(), measured.hlog)];
        if let Some(record) = &mut self.record {
            let mut raw = measured.raw;
            raw.log_name = log_name;
            raw.sweep_value = entry.value;
            record.entries.push(raw);
            let json = record.to_json().map_err(|e| OutputError::Encode {
                file: SHARD_FILE,
                reason: e.to_string(),
            })?;
            files.push((SHARD_FILE.into(), json));
        }
        self.dir.write(&self.results, &files)?;
        Ok(())
    }

    fn log_name(&self, entry: &Entry<'_>) -> String {
        let value = entry.value.map(|v| v.to_string());
        // `poll-interval-0.1.hlog` for a frontier entry of poll at 100 ms.
        let value = value.or_else(|| {
            let p = entry.frontier?;
            let key = p.transport.kind().frontier_setting()?.key;
            Some(format!("{key}-{}", p.value.as_secs_f64()))
        });
        log_name(entry.transport, value, entry.round, self.repeat)
    }

    /// The record made final (complete, with its assertions, unless the run was cut short)
    /// and written with its charts and reports; the outcome, with what cut it short.
    pub fn end(mut self, signals: &StopSignals) -> RunOutcome {
        let stopped_by = signals.received();
        if let Some(which) = stopped_by {
            self.results.warnings.push(format!(
                "the run was stopped by {} before it finished",
                which.name()
            ));
        }
        if let Some(error) = &self.failure {
            self.results
                .warnings
                .push(format!("the run failed: {error}"));
        }
        if stopped_by.is_none() && self.failure.is_none() {
            self.results.complete = true;
            self.results.finished_at =
                Some(humantime::format_rfc3339_seconds(SystemTime::now()).to_string());
            self.results.assertions = ci::evaluate(&self.scenario.asserts, &self.results);
        }
        // A file that could not be written fails a run that had not failed (exit 3, naming
        // it); after another failure it is said beside it.
        if let Err(error) = self.dir.finish(&self.results) {
            match &self.failure {
                None => self.failure = Some(error.into()),
                Some(_) => eprintln!("wsbench run: {error}"),
            }
        }
        self.observers.finished(&self.results);
        RunOutcome {
            results: self.results,
            dir: self.dir.path.clone(),
            stopped_by,
            failure: self.failure,
        }
    }
}

/// What a run measures, point by point.
struct Points {
    /// The sweep's points (or the run once), then one per `[frontier]` point.
    points: Vec<(Option<f64>, Scenario)>,
    /// The `[frontier]` points, after the run's own in `points`.
    frontier: Vec<FrontierPoint>,
    /// Why the frontier is left out, when it is.
    warning: Option<String>,
}

/// The points of the run: the sweep's (or the run once), then each `[frontier]` point of a
/// transport it measures; a shard leaves the frontier out, and says so.
fn points_of(scenario: &Scenario, options: &RunOptions) -> Points {
    let mut points = scenario.sweep_points();
    let extra = scenario.frontier_points();
    // `wsbench merge` rebuilds a run's entries from its shards' records, which know
    // nothing of a frontier: measuring it would spend the time and keep nothing.
    if !extra.is_empty() && options.records_shard() {
        let warning = "[frontier]: not measured in a sharded run (wsbench merge keeps the run's \
                       own entries only); run the scenario whole for the frontier";
        return Points {
            points,
            frontier: Vec::new(),
            warning: Some(warning.into()),
        };
    }
    let frontier = extra.iter().map(|(p, _)| *p).collect();
    points.extend(extra.into_iter().map(|(_, scenario)| (None, scenario)));
    Points {
        points,
        frontier,
        warning: None,
    }
}

/// `--window-start` as the record's start: every shard names its directory alike.
fn window_start_text(window_start_ns: Option<u64>) -> Option<String> {
    window_start_ns.map(|ns| {
        let at = std::time::UNIX_EPOCH + Duration::from_nanos(ns);
        humantime::format_rfc3339_seconds(at).to_string()
    })
}

fn under_test(options: &RunOptions) -> Result<UnderTest<'_>, RunError> {
    let exe = target::server_exe(options.server_exe.as_deref())?;
    Ok(match (&options.target, &options.launch) {
        (Some(spec), _) => UnderTest::External(spec),
        (None, Some(spec)) => UnderTest::Launched(match spec.server {
            target::Launched::Websocketd => WebsocketdLaunch {
                program: spec.program.clone(),
                emitter: exe,
            },
        }),
        (None, None) => UnderTest::Matched(exe),
    })
}

/// The record before any entry: the scenario as run, the machine, what it measures against.
fn first_record(
    options: &RunOptions,
    scenario: &Scenario,
    under_test: &UnderTest<'_>,
    started_at: String,
    repeat: u32,
    (calibration, calibration_warning): (Option<CalibrationRecord>, Option<String>),
) -> Results {
    Results {
        schema: crate::results::SCHEMA.into(),
        wsbench_version: env!("CARGO_PKG_VERSION").into(),
        complete: false,
        started_at,
        finished_at: None,
        machine: crate::metrics::machine::machine(),
        scenario: serde_json::to_value(scenario).unwrap_or_default(),
        overrides: options.overrides.by_flag(),
        sweep: scenario.sweep.as_ref().map(|s| SweepInfo {
            parameter: s.parameter.name().into(),
            values: s.values.clone(),
        }),
        repeat,
        transports: Vec::new(),
        frontier: Vec::new(),
        assertions: Vec::new(),
        warnings: scenario
            .warnings()
            .into_iter()
            .chain(calibration_warning)
            .collect(),
        calibration,
        target: match under_test {
            UnderTest::External(spec) => Some(spec.record()),
            UnderTest::Launched(launch) => Some(launch.record()),
            UnderTest::Matched(_) => None,
        },
        provenance: Some(crate::results::Provenance::of_this_process()),
    }
}

fn observers(
    options: &RunOptions,
    points: &[(Option<f64>, Scenario)],
    repeat: u32,
    dir: &OutputDir,
) -> Observers {
    let schedule = crate::console::schedule(points, repeat);
    let observers = Observers::default().with(Progress::new(options.quiet, schedule));
    match options.summary {
        Some(json) => observers.with(ConsoleSummary {
            json,
            dir: dir.path.clone(),
        }),
        None => observers,
    }
}

/// A shard's record, with no entry yet: what `wsbench merge` checks the shards agree on.
fn shard_record(options: &RunOptions, results: &Results) -> ShardRecord {
    ShardRecord {
        format: shard::FORMAT.into(),
        wsbench_version: results.wsbench_version.clone(),
        shard: options.shard.unwrap_or(ShardSpec::WHOLE),
        window_start_ns: options.window_start_ns.unwrap_or(0),
        scenario: results.scenario.clone(),
        target: options.target.as_ref().map(|t| t.url.clone()),
        target_pid: options.target.as_ref().and_then(|t| t.pid),
        host: results.machine.hostname.clone(),
        entries: Vec::new(),
    }
}

fn log_name(transport: Transport, value: Option<String>, round: u32, repeat: u32) -> String {
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
    format!("{stem}{FEED_STDERR_SUFFIX}")
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
