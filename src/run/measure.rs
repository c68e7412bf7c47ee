//! One transport, measured: a fresh server, clients ramped, warm-up, the window, a drain.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use tokio::time::Instant;

use super::child::{ServeCommand, ServerChild};
use super::figures::{
    bytes, cpu_figures, cross_check, events, figure_warnings, histogram_log, publisher_warning, tcp,
};
use super::observe::RunObserver;
use super::progress::Phase;
use super::{RunError, workers};
use crate::client::{Plan, RunControl, poll_events, request_headers};
use crate::feed::{Semantics, wall_clock_ns};
use crate::metrics::{cpu, latency, memory};
use crate::results::*;
use crate::scenario::Scenario;
use crate::signals::StopSignals;
use crate::transport::Transport;

/// How long to wait for every client to connect, beyond the ramp.
const CONNECT_GRACE: Duration = Duration::from_secs(15);

/// A transport's figures and its histogram log intervals.
pub struct Measured {
    pub result: TransportResult,
    pub hlog: Vec<u8>,
    pub warnings: Vec<String>,
}

/// Measures one transport against a fresh server child. A stop signal or the child's
/// death ends it early; either way the clients and the child are stopped before it returns.
pub async fn measure(
    scenario: &Scenario,
    transport: Transport,
    serve: &ServeCommand<'_>,
    observer: &dyn RunObserver,
    signals: &StopSignals,
) -> Result<Measured, RunError> {
    let server = tokio::select! {
        biased;
        which = signals.wait() => return Err(RunError::Stopped(which)),
        server = ServerChild::spawn(serve) => server?,
    };
    let outcome = tokio::select! {
        biased;
        which = signals.wait() => Err(RunError::Stopped(which)),
        status = server.exited() => Err(server.exited_error(transport.name(), &status)),
        outcome = drive(scenario, transport, &server, observer) => outcome,
    };
    // A control request that failed because the server died is told as the death.
    let outcome = match outcome {
        Err(RunError::Control { .. } | RunError::Clients(_)) => {
            match tokio::time::timeout(Duration::from_millis(500), server.exited()).await {
                Ok(status) => Err(server.exited_error(transport.name(), &status)),
                Err(_) => outcome,
            }
        }
        other => other,
    };
    observer.transport_ended();
    server.stop().await;
    outcome
}

async fn drive(
    scenario: &Scenario,
    transport: Transport,
    server: &ServerChild,
    observer: &dyn RunObserver,
) -> Result<Measured, RunError> {
    let clients = scenario.clients.count;
    let mut warnings = Vec::new();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let rss_idle = memory::rss_bytes(server.pid).unwrap_or(0);
    let control = RunControl::new();
    // However `drive` ends (finished, or dropped on a signal), its clients stop.
    let _stop_clients = StopOnDrop(control.clone());
    let started_unix_s = wall_clock_ns() as f64 / 1e9;
    let plan = Plan {
        transport,
        addr: server.addr,
        headers: request_headers(
            scenario.clients.headers,
            transport,
            &server.addr.to_string(),
            scenario.clients.cookie_bytes,
        ),
        settings: scenario.transport.of(transport).clone(),
        key_field: scenario.feed.state_key_field(),
        seed: scenario.seed,
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = workers::start(
        plan,
        control.clone(),
        clients,
        scenario.clients.ramp,
        threads,
    )
    .map_err(|e| RunError::Clients(format!("cannot start client threads: {e}")))?;

    // Ramp: until every client is connected, or the grace period is over.
    let deadline = Instant::now() + scenario.clients.ramp + CONNECT_GRACE;
    observer.phase(Phase::Connecting, &control, clients);
    while control.connected.load(Relaxed) < clients && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
        observer.tick(&control, clients);
    }
    let connected = control.connected.load(Relaxed);
    if connected == 0 {
        control.stop();
        let _ = tokio::task::spawn_blocking(move || workers.join()).await;
        return Err(RunError::Clients(format!(
            "no {transport} client could connect to {} within {}s",
            server.addr,
            (scenario.clients.ramp + CONNECT_GRACE).as_secs()
        )));
    }
    if connected < clients {
        warnings.push(format!(
            "{transport}: only {connected} of {clients} clients connected"
        ));
    }

    observer.phase(Phase::WarmUp, &control, clients);
    sleep_observed(scenario.warmup, observer, &control, clients).await;
    let rss_connected = memory::rss_bytes(server.pid).unwrap_or(0);

    let server_cpu0 = cpu::sample(server.pid).ok();
    let client_cpu0 = cpu::sample_self().ok();
    let bytes0 = control.bytes.snapshot();
    let window_started = Instant::now();
    let window_start_ns = wall_clock_ns();
    control.start_window(window_start_ns);
    // The server counts the window's events exactly, however long the window lasts.
    server
        .post(&format!("/control/mark?at_ns={window_start_ns}"))
        .await?;
    observer.phase(Phase::Measuring, &control, clients);
    sleep_observed(scenario.duration, observer, &control, clients).await;
    // The window's figures are read together, before anything else happens.
    let bytes1 = control.bytes.snapshot();
    let server_cpu = cpu::sample(server.pid)
        .ok()
        .zip(server_cpu0)
        .map(|(b, a)| b.since(&a));
    let client_cpu = cpu::sample_self()
        .ok()
        .zip(client_cpu0)
        .map(|(b, a)| b.since(&a));
    let window_s = window_started.elapsed().as_secs_f64();
    let window_end_ns = wall_clock_ns();
    control.end_window(window_end_ns);
    let window_seconds = window_started.duration_since(control.started).as_secs()
        ..Instant::now().duration_since(control.started).as_secs() + 1;
    // No event is published after the window, so the drain only delivers what is in flight.
    server.post("/control/stop").await?;

    let drain = scenario.drain_period(transport);
    observer.phase(Phase::Draining, &control, clients);
    sleep_observed(drain, observer, &control, clients).await;
    control.stop();
    let output = tokio::task::spawn_blocking(move || workers.join())
        .await
        .map_err(|e| RunError::Clients(format!("a client worker failed: {e}")))?;

    let (window_start_ns, _) = control.window_ns();
    let (_, stats) = server
        .get(&format!(
            "/stats?from_ns={window_start_ns}&to_ns={window_end_ns}"
        ))
        .await?;
    let stats: serde_json::Value = serde_json::from_str(&stats).map_err(|e| RunError::Control {
        request: "GET /stats".into(),
        reason: e.to_string(),
    })?;
    let final_state = match scenario.feed.semantics() {
        Semantics::State => Some(final_state(server, scenario.feed.state_key_field()).await?),
        Semantics::Events => None,
    };
    let peak_rss = memory::peak_rss_bytes(server.pid).unwrap_or(0);

    let mut result = TransportResult {
        transport: transport.name().into(),
        clients,
        server_addr: Some(server.addr.to_string()),
        header_profile: format!("{:?}", scenario.clients.headers).to_lowercase(),
        window_s,
        window_start_s: Some(window_started.duration_since(control.started).as_secs_f64()),
        ..Default::default()
    };
    result.events = events(
        &stats,
        &output.tallies,
        clients,
        final_state.as_ref(),
        &output.recorder,
    )?;
    result.latency_us = latency::summarize(&output.recorder.latency);
    result.percentiles = latency::percentile_curve(&output.recorder.latency);
    if final_state.is_some() {
        result.staleness_us = Some(latency::summarize(&output.recorder.staleness));
    }
    result.timeline = output.recorder.timeline.to_seconds(window_seconds);
    result.bytes = bytes(bytes0, bytes1, &output.recorder, window_s);
    result.tcp = tcp(&result.bytes, &output.recorder);
    result.requests = Requests {
        total: output.recorder.requests,
        empty: output.recorder.empty,
        errors: output.recorder.status_errors,
    };
    result.errors = output.recorder.errors.clone();
    result.cpu = cpu_figures(server_cpu, client_cpu, result.events.delivered, window_s);
    result.memory = Memory {
        server_peak_rss_bytes: peak_rss,
        server_rss_idle_bytes: rss_idle,
        server_rss_connected_bytes: rss_connected,
        // Divided by the clients that connected: the others hold no server memory.
        server_rss_per_conn_bytes: rss_connected.saturating_sub(rss_idle) as f64 / connected as f64,
    };
    let (client_down, client_up) = control.bytes.snapshot();
    result.cross_check = cross_check(&stats, transport, client_down, client_up);
    warnings.extend(figure_warnings(&result));
    warnings.extend(publisher_warning(&stats, transport));
    let hlog = histogram_log(started_unix_s, &output.recorder)?;
    Ok(Measured {
        result,
        hlog,
        warnings,
    })
}

struct StopOnDrop(Arc<RunControl>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.stop();
    }
}

async fn sleep_observed(
    span: Duration,
    observer: &dyn RunObserver,
    control: &Arc<RunControl>,
    clients: u64,
) {
    let end = Instant::now() + span;
    while Instant::now() < end {
        tokio::time::sleep_until((Instant::now() + Duration::from_millis(250)).min(end)).await;
        observer.tick(control, clients);
    }
}

/// The latest seq per key, from `GET /poll` (the whole state) after the drain.
async fn final_state(
    server: &ServerChild,
    key_field: Option<&str>,
) -> Result<HashMap<String, u64>, RunError> {
    let (status, body) = server.get("/poll").await?;
    let mut state = HashMap::new();
    if status != 200 {
        return Ok(state);
    }
    let bad = |reason: String| RunError::Control {
        request: "GET /poll".into(),
        reason,
    };
    for event in poll_events(body.as_bytes()).map_err(bad)? {
        let head = crate::client::parse_event(event.get().as_bytes(), key_field).map_err(bad)?;
        if let Some(key) = head.key {
            state.insert(key, head.seq);
        }
    }
    Ok(state)
}
