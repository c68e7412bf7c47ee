//! `wsbench serve`: the matched server alone, one process or a group sharing the port.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;

use super::{exit, parse_count};
use crate::scenario::{self, Scenario};
use crate::server::ControlToken;
use crate::server::control::Handover;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Scenario whose feed and server settings to serve: a file, or the name of one under
    /// scenarios/ (`ticker` is scenarios/ticker.toml), as `run` and `emit` take it.
    #[arg(required_unless_present_any = ["resolved", "scenario_flag"])]
    pub scenario: Option<PathBuf>,
    /// The same as SCENARIO, the form earlier versions took.
    #[arg(long = "scenario", value_name = "FILE", conflicts_with = "scenario")]
    pub scenario_flag: Option<PathBuf>,
    /// Read the scenario, resolved and validated, as JSON from stdin (how `wsbench run`
    /// starts its server child: the scenario as data, not rebuilt from flags).
    #[arg(long, hide = true, conflicts_with_all = ["scenario", "scenario_flag", "seed", "rate", "max_connections", "processes"])]
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

pub(super) fn serve(args: ServeArgs) -> anyhow::Result<u8> {
    let mut handed_token = None;
    let mut scenario = match args.scenario.as_ref().or(args.scenario_flag.as_ref()) {
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
