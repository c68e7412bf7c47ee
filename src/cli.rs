//! The command line: parses options and hands each command to the library.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::scenario::{self, Scenario};

/// Exit codes, part of the documented contract.
pub mod exit {
    /// All good.
    pub const OK: u8 = 0;
    /// An assertion failed or a regression was found.
    pub const FAILED_CHECK: u8 = 1;
    /// Usage or scenario error.
    pub const USAGE: u8 = 2;
    /// The run itself failed (server did not start, clients could not connect).
    pub const RUN_FAILED: u8 = 3;
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
    /// Check scenario files without running anything.
    Validate {
        /// Scenario files (TOML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Compare a run with a baseline; exits 1 when a metric regressed beyond the threshold.
    Compare(crate::ci::compare::CompareArgs),
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
    /// Scenario whose feed and server settings to serve.
    #[arg(long)]
    pub scenario: PathBuf,
    /// Address to listen on; port 0 takes a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Serve `POST /control/stop` (used by `wsbench run` to end the feed at the window's end).
    #[arg(long, hide = true)]
    pub control: bool,
}

pub fn main() -> ExitCode {
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
    match cli.command {
        Command::Serve(args) => serve(args),
        Command::Validate { files } => Ok(validate(&files)),
        Command::Compare(args) => Ok(compare(&args)),
        Command::Report { dir, format } => report(&dir, format),
    }
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

fn validate(files: &[PathBuf]) -> u8 {
    let mut code = exit::OK;
    for file in files {
        match Scenario::load(file) {
            Ok(scenario) => println!(
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
            ),
            Err(e) => {
                eprintln!("{e}");
                code = exit::USAGE;
            }
        }
    }
    code
}

fn compare(args: &crate::ci::compare::CompareArgs) -> u8 {
    match crate::ci::compare::run(args) {
        Ok(comparison) => {
            print!("{}", comparison.render(args.format));
            if comparison.regressions > 0 {
                exit::FAILED_CHECK
            } else {
                exit::OK
            }
        }
        Err(error) => {
            eprintln!("wsbench compare: {error}");
            exit::USAGE
        }
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<u8> {
    let scenario = Scenario::load(&scenario::resolve_path(&args.scenario))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        match crate::server::ensure_open_files(scenario.server.max_connections, "wsbench serve") {
            Ok(_) => {}
            Err(message) => eprintln!("wsbench serve: warning: {message}"),
        }
        let server = crate::server::Server::bind(&scenario, args.listen, args.control)?;
        println!("listening on http://{}", server.local_addr());
        use std::io::Write;
        std::io::stdout().flush().ok();
        let stop = server.shutdown_handle();
        tokio::spawn(async move {
            crate::server::termination_signal().await;
            let _ = stop.send(true);
        });
        server.run().await;
        Ok(exit::OK)
    })
}
