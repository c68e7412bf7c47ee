//! The command line: parses options and hands each command to the library.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::scenario::{self, Scenario};
use crate::transport_kind::Transport;

mod run_command;
mod serve;

pub use serve::ServeArgs;

/// Exit codes, part of the documented contract.
pub mod exit {
    /// All good.
    pub const OK: u8 = 0;
    /// An assertion failed or a regression was found.
    pub const FAILED_CHECK: u8 = 1;
    /// Usage or scenario error.
    pub const USAGE: u8 = 2;
    /// The run itself failed (server did not start, clients could not connect), or wsbench
    /// hit a bug: a panic on any thread (`internal_error`).
    pub const RUN_FAILED: u8 = 3;
    /// The load generator was saturated on at least one entry (`generator_saturated` in
    /// results.json): its figures measure wsbench, not the transport. `--allow-saturated`
    /// accepts such a run.
    pub const GENERATOR_SATURATED: u8 = 4;
    /// A signal stopped a run (128 + its number: 130 SIGINT, 143 SIGTERM, 129 SIGHUP); its
    /// results directory keeps what was measured.
    pub fn stopped_by(signal: crate::run::StopSignal) -> u8 {
        signal.exit_status()
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "wsbench",
    version,
    about = "Benchmarks short polling, long polling, SSE and WebSocket on the same feed"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the matched server standalone.
    Serve(ServeArgs),
    /// Print a scenario's feed on stdout as JSON lines, one event a line as it is published:
    /// the program a process-per-connection server runs for each connection
    /// (`websocketd --port=8080 wsbench emit ticker`; `wsbench run --launch websocketd`).
    Emit(EmitArgs),
    /// List the scenarios that ship with wsbench (built in: `wsbench run NAME` from any
    /// directory), one line each.
    Scenarios,
    /// Check scenario files without running anything.
    Validate {
        /// Scenario files (TOML), or names of ones under scenarios/.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run a scenario over every transport it lists and report what each costs.
    Run(Box<RunArgs>),
    /// Record a baseline for `wsbench compare`: the scenario run as `run` runs it, each
    /// transport several times interleaved (--repeat, 5 unless given, at least 3), so that
    /// its timed figures (latency, CPU, memory) keep their rounds and can be gated; --out
    /// names the directory to commit. Compare on the machine it was made on.
    Baseline(Box<RunArgs>),
    /// Compare a run with a baseline; exits 1 when a metric regressed beyond the threshold.
    Compare(crate::ci::compare::CompareArgs),
    /// Measure this machine's loopback floor (CPU per message of the kernel's TCP path) and
    /// cache it for runs ($WSBENCH_CALIBRATION, else $XDG_CACHE_HOME or ~/.cache/wsbench/).
    Calibrate(CalibrateArgs),
    /// Merge the results directories of a run's shards (`run --shard i/N`) into the run's:
    /// counts and bytes summed, histograms added, percentiles from the merged histograms.
    Merge(MergeArgs),
    /// Redraw the charts and reports of a results directory from its results.json.
    Report {
        /// A results directory written by `wsbench run`.
        dir: PathBuf,
        /// Which reports to write into DIR: md (report.md), html (report.html) or both; the
        /// charts under DIR/charts are redrawn in every case.
        #[arg(long, value_enum, default_value = "both")]
        format: crate::report::ReportFormat,
    },
}

#[derive(Debug, clap::Args)]
pub struct EmitArgs {
    /// Scenario whose feed to emit: a file, or the name of one under scenarios/.
    #[arg(required_unless_present = "resolved")]
    pub scenario: Option<PathBuf>,
    /// Read the scenario, resolved and validated, as JSON from this file (how `wsbench run
    /// --launch` hands it to every emitter process).
    #[arg(long, hide = true, value_name = "FILE", conflicts_with_all = ["scenario", "seed", "rate"])]
    pub resolved: Option<PathBuf>,
    /// When it ends, write the `ts` of every event it wrote to DIR/<pid>.ts.
    #[arg(long, hide = true, value_name = "DIR")]
    pub record: Option<PathBuf>,
    /// Override the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override the feed's rate, events per second (per process: each connection's own).
    #[arg(long)]
    pub rate: Option<f64>,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file, or the name of one under scenarios/ (`ticker` is scenarios/ticker.toml).
    pub scenario: PathBuf,
    /// Measurement window, like 30s.
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Warm-up before the window, like 3s.
    #[arg(long, value_parser = parse_duration)]
    pub warmup: Option<Duration>,
    /// How long the clients take to connect, spread evenly, like 20s: `clients.ramp`.
    #[arg(long, value_parser = parse_duration)]
    pub ramp: Option<Duration>,
    /// Number of clients, like 100 or 10k.
    #[arg(long, value_parser = parse_count)]
    pub clients: Option<u64>,
    /// Override the feed's rate, events per second: `feed.rate`, checked as the file's is.
    #[arg(long, value_name = "EVENTS_PER_S")]
    pub rate: Option<f64>,
    // The accepted names come from the transport registry.
    #[arg(long, value_delimiter = ',', help = transports_help())]
    pub transports: Option<Vec<Transport>>,
    /// Results directory (default: results/<scenario>-<UTC timestamp>/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Reuse an --out that holds another run: remove wsbench's own files from it first
    /// (results, logs, charts, reports); other files stay. A running run's is never taken.
    #[arg(long)]
    pub force: bool,
    /// Print results.json to stdout instead of the table, with `results_dir` added (progress
    /// stays on stderr unless --quiet).
    #[arg(long)]
    pub json: bool,
    /// No progress display.
    #[arg(long)]
    pub quiet: bool,
    /// Write the assertions' outcomes and each entry's load-generator verdict as JUnit XML
    /// to FILE (GitLab, Jenkins and GitHub test reports read it).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Override the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Pin the server and the load generator to disjoint CPUs, like server=0,clients=1.
    #[arg(long, value_parser = crate::placement::Placement::parse_flag)]
    pub cpus: Option<crate::placement::Placement>,
    /// Run each transport N times, interleaved; figures are medians.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub repeat: Option<u32>,
    /// Exit 0 (not 4) when the load generator was saturated; the results still say so.
    #[arg(long)]
    pub allow_saturated: bool,
    /// Keep raising a sweep's load past the first point where the load generator saturated
    /// (by default a transport's sweep stops there).
    #[arg(long)]
    pub sweep_past_saturation: bool,
    /// Measure a server already running at this base URL (http://127.0.0.1:9000) instead of
    /// starting the matched server. Latency runs from each event's `ts`: the server must
    /// share this machine's clock (same host, or synchronised clocks).
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// How the target names and frames the transports: wsbench (the default,
    /// docs/PROTOCOL.md) or nchan (nginx with Nchan: wsbench publishes the feed to its /pub
    /// and subscribes at /sub/TRANSPORT; docs/NCHAN.md).
    #[arg(long, requires = "target", value_name = "NAME")]
    pub dialect: Option<String>,
    /// The target's process, whose CPU and memory are then read from /proc with its
    /// descendants' (nginx's master and workers, `wsbench serve --processes`); without it
    /// they are not measured.
    #[arg(long, requires = "target", value_name = "PID")]
    pub target_pid: Option<u32>,
    /// Run the INDEX-th of COUNT equal parts of the clients (0/3, 1/3, 2/3), each keeping
    /// its id, seed and ramp offset in the whole run; needs --target and --window-start.
    #[arg(long, value_name = "INDEX/COUNT", conflicts_with = "shard_from_env")]
    pub shard: Option<String>,
    /// As --shard, the index read from $JOB_COMPLETION_INDEX (a Kubernetes Indexed Job's pod).
    #[arg(long, value_name = "COUNT", value_parser = clap::value_parser!(u64))]
    pub shard_from_env: Option<u64>,
    /// The first window's start, a UTC instant (2026-12-02T17:00:00Z): every shard given it
    /// measures the same windows; needs --target.
    #[arg(long, value_name = "RFC3339")]
    pub window_start: Option<String>,
    /// Bind the client sockets to this local address (127.0.0.2, or a machine's address),
    /// so that shards on one machine each have their own ephemeral ports.
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<std::net::IpAddr>,
    /// Start this server for each transport instead of the matched server, on a free
    /// loopback port, and stop it after. websocketd: `websocketd --address=127.0.0.1
    /// wsbench emit`, a process per connection (each its own seq from 1, the rate per
    /// connection), WebSocket only; its CPU and memory are its whole process tree's.
    #[arg(long, value_enum, value_name = "NAME", conflicts_with = "target")]
    pub launch: Option<crate::under_test::Launched>,
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The shards' results directories (all N of one run).
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Where to write the merged results directory.
    #[arg(long)]
    pub out: PathBuf,
    /// Reuse an --out that holds another run (its wsbench files are removed first).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, clap::Args)]
pub struct CalibrateArgs {
    /// Loopback connections the messages are spread over, like 1000 or 10k. Runs use only
    /// a cached calibration of the default, 1000.
    #[arg(long, value_parser = parse_count, default_value = "1000")]
    pub connections: u64,
    /// Measurement per mode (one message per write, then batched), like 2s.
    #[arg(long, value_parser = parse_duration, default_value = "2s")]
    pub duration: Duration,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    crate::units::parse_duration(text)
}

fn parse_count(text: &str) -> Result<u64, String> {
    crate::units::parse_count(text)
}

pub fn main() -> ExitCode {
    // Before the command line is read: its `--transports` are names in the registry.
    crate::transport::install();
    // Before anything runs: a panic on any thread ends the process with RUN_FAILED.
    crate::internal_error::install_hook(exit::RUN_FAILED);
    crate::signals::ignore_file_size_limit_signal();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("wsbench: {error:#}");
            let code = if error.downcast_ref::<scenario::ScenarioError>().is_some() {
                exit::USAGE
            } else {
                exit::RUN_FAILED
            };
            ExitCode::from(code)
        }
    }
}

pub fn run(cli: Cli) -> anyhow::Result<u8> {
    crate::transport::install();
    match cli.command {
        Command::Serve(args) => serve::serve(args),
        Command::Emit(args) => emit(&args),
        Command::Validate { files } => Ok(validate(&files)),
        Command::Scenarios => Ok(list_scenarios()),
        Command::Run(args) => Ok(run_command::run_command(*args)),
        Command::Baseline(args) => Ok(baseline(*args)),
        Command::Compare(args) => Ok(compare(&args)),
        Command::Calibrate(args) => calibrate(&args),
        Command::Merge(args) => Ok(merge(&args)),
        Command::Report { dir, format } => report(&dir, format),
    }
}

fn merge(args: &MergeArgs) -> u8 {
    match crate::shard::merge(&args.dirs, &args.out, args.force) {
        Ok(results) => {
            print!("{}", crate::console::render(&results));
            println!("merged into {}", args.out.display());
            exit::OK
        }
        Err(error) => {
            eprintln!("wsbench merge: {error}");
            match error.is_usage() {
                true => exit::USAGE,
                false => exit::RUN_FAILED,
            }
        }
    }
}

fn calibrate(args: &CalibrateArgs) -> anyhow::Result<u8> {
    use crate::calibrate::{self, Policy};
    if args.connections == 0 || args.duration.is_zero() {
        eprintln!("wsbench calibrate: --connections and --duration must be above 0");
        return Ok(exit::USAGE);
    }
    let (warmup, _) = calibrate::STANDALONE;
    let calibration = calibrate::measure(args.connections as usize, (warmup, args.duration))
        .context("wsbench calibrate")?;
    print!("{}", calibrate::render(&calibration));
    match Policy::from_env() {
        Policy::Cache(path) if args.connections as usize == calibrate::DEFAULT_CONNECTIONS => {
            calibrate::write(&path, &calibration).context("wsbench calibrate")?;
            println!("cached for runs (until a day old): {}", path.display());
        }
        Policy::Cache(_) => println!(
            "not cached: runs compare with a floor over {} connections",
            calibrate::DEFAULT_CONNECTIONS
        ),
        Policy::Off => println!("not cached: WSBENCH_CALIBRATION=off"),
    }
    Ok(exit::OK)
}

fn report(dir: &std::path::Path, format: crate::report::ReportFormat) -> anyhow::Result<u8> {
    match crate::report::render_dir(dir, format) {
        Ok(files) => {
            for file in files {
                println!("{}", file.display());
            }
            Ok(exit::OK)
        }
        Err(e) if e.is_usage() => {
            eprintln!("wsbench: {e}");
            Ok(exit::USAGE)
        }
        Err(e) => Err(e.into()),
    }
}

fn list_scenarios() -> u8 {
    let shipped = scenario::shipped::SHIPPED;
    let width = shipped.iter().map(|s| s.name.len()).max().unwrap_or(0);
    for scenario in shipped {
        println!("{:width$}  {}", scenario.name, scenario.description());
    }
    println!(
        "\nRun one with `wsbench run NAME` from any directory; a file of your own is a path \
         (start from a copy: docs/SCENARIOS.md)."
    );
    exit::OK
}

fn validate(files: &[PathBuf]) -> u8 {
    let mut code = exit::OK;
    for file in files {
        match scenario::resolve_path(file).and_then(|path| Scenario::load(&path)) {
            Ok(scenario) => {
                for warning in scenario.warnings() {
                    eprintln!("{}: warning: {warning}", file.display());
                }
                println!(
                    "{}: ok ({} feed, {} clients, transports {})",
                    file.display(),
                    scenario.feed.kind_name(),
                    scenario.clients.count,
                    scenario
                        .transports
                        .iter()
                        .map(|t| t.name())
                        .collect::<Vec<_>>()
                        .join(",")
                )
            }
            Err(e) => {
                eprintln!("{e}");
                code = exit::USAGE;
            }
        }
    }
    code
}

fn compare(args: &crate::ci::compare::CompareArgs) -> u8 {
    let comparison = match crate::ci::compare::run(args) {
        Ok(comparison) => comparison,
        Err(error) => {
            eprintln!("wsbench compare: {error}");
            return exit::USAGE;
        }
    };
    print!("{}", comparison.render(args.format));
    if let Some(path) = &args.junit {
        let suite = crate::ci::junit::compare_suite(&comparison, &args.baseline, &args.current);
        if let Err(error) = crate::ci::junit::write(path, &[suite]) {
            eprintln!("wsbench compare: --junit: {error}");
            return exit::USAGE;
        }
    }
    match comparison.regressions {
        0 => exit::OK,
        _ => exit::FAILED_CHECK,
    }
}

/// Rounds a baseline's timed figures are recorded over unless `--repeat` says otherwise:
/// enough for a change that orders every round to be significant at `compare`'s default.
pub const BASELINE_REPEAT: u32 = 5;

/// `wsbench baseline`: `run` with repeats and a named directory.
fn baseline(mut args: RunArgs) -> u8 {
    let minimum = crate::ci::compare::MIN_ROUNDS as u32;
    match args.repeat {
        None => args.repeat = Some(BASELINE_REPEAT),
        Some(n) if n < minimum => {
            eprintln!(
                "wsbench baseline: --repeat {n}: a baseline needs at least {minimum} rounds, \
                 or compare cannot gate its timed figures; give {BASELINE_REPEAT}, or more"
            );
            return exit::USAGE;
        }
        Some(_) => {}
    }
    let Some(out) = args.out.clone() else {
        eprintln!(
            "wsbench baseline: --out DIR is required: the directory to commit and compare with \
             (`wsbench compare DIR RUN`)"
        );
        return exit::USAGE;
    };
    let status = run_command::run_command(args);
    if status == exit::OK {
        eprintln!(
            "wsbench baseline: recorded in {}; compare a run with it: wsbench compare {} RUN \
             (made on {}: timed figures compare on this machine only)",
            out.display(),
            out.display(),
            crate::metrics::machine::machine().hostname
        );
    }
    status
}

fn emit(args: &EmitArgs) -> anyhow::Result<u8> {
    let scenario: Scenario = match (&args.resolved, &args.scenario) {
        (Some(file), _) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            serde_json::from_str(&text)
                .with_context(|| format!("{} is not a resolved scenario", file.display()))?
        }
        (None, path) => {
            let overrides = scenario::Overrides {
                seed: args.seed,
                rate: args.rate,
                ..Default::default()
            };
            let path = path.as_deref().unwrap_or(std::path::Path::new(""));
            Scenario::load_with(&scenario::resolve_path(path)?, &overrides)?
        }
    };
    crate::emit::emit(&scenario, args.record.as_deref()).context("wsbench emit")?;
    Ok(exit::OK)
}

fn transports_help() -> String {
    format!(
        "Transports to run, comma-separated: {}.",
        Transport::names().join(",")
    )
}
