//! The command line: parses options and hands each command to the library.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::scenario::{self, Scenario};
use crate::server::ControlToken;
use crate::server::control::Handover;
use crate::transport_kind::Transport;

mod run_command;

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
        #[arg(long, value_enum, default_value = "both")]
        format: crate::report::ReportFormat,
    },
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Scenario whose feed and server settings to serve: a file, or the name of one under
    /// scenarios/ (`ticker` is scenarios/ticker.toml).
    #[arg(long, required_unless_present = "resolved")]
    pub scenario: Option<PathBuf>,
    /// Read the scenario, resolved and validated, as JSON from stdin (how `wsbench run`
    /// starts its server child: the scenario as data, not rebuilt from flags).
    #[arg(long, hide = true, conflicts_with_all = ["scenario", "seed", "rate", "max_connections", "processes"])]
    pub resolved: bool,
    /// Address to listen on; port 0 takes a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Serve the control plane (POST /control/stop, /control/mark) to the holder of a token
    /// printed at start (`control token: HEX`, sent as `Authorization: Bearer HEX`): what
    /// `wsbench run` uses to end the feed and mark its windows. Loopback addresses only,
    /// unless --allow-remote-control.
    #[arg(long)]
    pub control: bool,
    /// Serve --control on an address other hosts can reach (the token then crosses the
    /// network in clear text).
    #[arg(long, requires = "control")]
    pub allow_remote_control: bool,
    /// Override the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override the feed's rate, events per second.
    #[arg(long)]
    pub rate: Option<f64>,
    /// Override the scenario's connection cap.
    #[arg(long, value_parser = parse_count)]
    pub max_connections: Option<u64>,
    /// Serve with this many processes sharing the port (SO_REUSEPORT), each publishing
    /// the same feed from the same start instant: `server.processes`.
    #[arg(long, value_parser = parse_count)]
    pub processes: Option<u64>,
    /// One process of a group (started by `--processes`): its index.
    #[arg(long, hide = true, requires_all = ["member_ports", "feed_start_ns"])]
    pub member: Option<u32>,
    /// The group's own ports, by process index.
    #[arg(long, hide = true, value_delimiter = ',')]
    pub member_ports: Vec<u16>,
    /// The wall-clock instant (ns since the Unix epoch) the group's feed starts from.
    #[arg(long, hide = true)]
    pub feed_start_ns: Option<u64>,
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
        Command::Serve(args) => serve(args),
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

fn serve(args: ServeArgs) -> anyhow::Result<u8> {
    let mut handed_token = None;
    let mut scenario = match &args.scenario {
        Some(path) => {
            let overrides = scenario::Overrides {
                seed: args.seed,
                rate: args.rate,
                max_connections: args.max_connections,
                processes: args.processes,
                ..Default::default()
            };
            Scenario::load_with(&scenario::resolve_path(path)?, &overrides)?
        }
        None => {
            let handover: Handover<Scenario> = serde_json::from_reader(std::io::stdin().lock())
                .context("the resolved scenario on stdin is not valid")?;
            handed_token = handover.control_token;
            handover.scenario
        }
    };
    let control = match control_token(&args, handed_token) {
        Ok(control) => control,
        Err(refusal) => {
            eprintln!("wsbench serve: {refusal}");
            return Ok(exit::USAGE);
        }
    };
    // A group's processes leave saying it to the process that started them.
    let member = args.member.is_some();
    if !member {
        crate::server::warn_if_exposed(args.listen, args.control);
    }
    // A token this process made is told to whoever started it; a handed one is known.
    if let (Some(token), None) = (&control, &args.member)
        && !args.resolved
    {
        println!("control token: {}", token.as_str());
    }
    if !member && scenario.server.processes > 1 {
        return serve_processes(&args, &scenario, control);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let wanted = scenario.server.max_connections + 256;
        match crate::server::raise_open_files(wanted) {
            Ok(limit) if limit < wanted => {
                scenario.server.max_connections = limit.saturating_sub(256).max(1);
                // Each process of a group has the same limit: said by the first alone.
                if args.member.unwrap_or(0) == 0 {
                    eprintln!(
                        "wsbench serve: serving at most {} connections per process: the open-files \
                     hard limit is {limit} (raise it with `ulimit -Hn` to serve more)",
                        scenario.server.max_connections
                    );
                }
            }
            Ok(_) => {}
            Err(error) => eprintln!("wsbench serve: cannot raise the open-files limit: {error}"),
        }
        let server = match (args.member, args.feed_start_ns) {
            (Some(index), Some(feed_start_ns)) if (index as usize) < args.member_ports.len() => {
                let member = crate::server::Member {
                    shared: args.listen,
                    index,
                    ports: args.member_ports.clone(),
                    feed_start_ns,
                };
                crate::server::Server::bind_member(
                    scenario.serving(),
                    crate::transport::server_side,
                    &member,
                    control,
                )?
            }
            (Some(index), _) => anyhow::bail!(
                "--member {index}: the group has {} ports",
                args.member_ports.len()
            ),
            _ => crate::server::Server::bind(
                scenario.serving(),
                crate::transport::server_side,
                args.listen,
                control,
            )?,
        };
        println!("listening on http://{}", server.local_addr());
        use std::io::Write;
        std::io::stdout().flush().ok();
        let stop = server.shutdown_handle();
        tokio::spawn(async move {
            crate::server::termination_signal().await;
            let _ = stop.send(true);
        });
        server.run().await?;
        Ok(exit::OK)
    })
}

/// The control plane's token: the one handed over on stdin by the process that started
/// this one, or a fresh one; `None` without `--control`. Refused: a control plane on an
/// address other hosts reach, unless asked for by name.
fn control_token(args: &ServeArgs, handed: Option<String>) -> Result<Option<ControlToken>, String> {
    if !args.control {
        return Ok(None);
    }
    // A group's processes were started by one that checked.
    let exposed = !args.listen.ip().is_loopback() && args.member.is_none();
    if exposed && !args.allow_remote_control {
        return Err(format!(
            "--control on {}, which is not a loopback address, would let anyone who reaches it \
             try to stop the feed; listen on 127.0.0.1, or add --allow-remote-control",
            args.listen
        ));
    }
    match (handed, args.resolved) {
        (Some(text), _) => ControlToken::parse(&text)
            .map(Some)
            .map_err(|e| format!("the handed-over control token: {e}")),
        (None, true) => {
            Err("--control with --resolved needs the control token in the handover on stdin".into())
        }
        (None, false) => ControlToken::generate()
            .map(Some)
            .map_err(|e| e.to_string()),
    }
}

/// `serve` with `server.processes` > 1: this process starts and stops the others.
fn serve_processes(
    args: &ServeArgs,
    scenario: &Scenario,
    control: Option<ControlToken>,
) -> anyhow::Result<u8> {
    let exe = std::env::current_exe().context("cannot find this program to start its processes")?;
    let handover = Handover {
        scenario,
        control_token: control.as_ref().map(|t| t.as_str().to_string()),
    };
    let handover_json = serde_json::to_vec(&handover).context("cannot serialise the scenario")?;
    // One thread: the processes die with the thread that started them (PR_SET_PDEATHSIG).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let plan = crate::server::processes::GroupPlan {
        exe: &exe,
        handover_json: &handover_json,
        listen: args.listen,
        control: control.is_some(),
        processes: scenario.server.processes as u32,
    };
    runtime
        .block_on(crate::server::processes::serve(
            &plan,
            crate::server::termination_signal(),
        ))
        .context("wsbench serve")?;
    Ok(exit::OK)
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
