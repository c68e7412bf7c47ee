//! One transport, measured: a fresh server, clients ramped, warm-up, the window, a drain.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use tokio::time::Instant;

use super::figures::{
    Collected, figure_warnings, fill, histogram_log, publisher_warning, source_warnings,
};
use super::observe::RunObserver;
use super::progress::Phase;
use super::target::Target;
use super::{RunError, workers};
use crate::client::{Plan, RunControl, request_headers};
use crate::feed::{Semantics, wall_clock_ns};
use crate::metrics::probe::{ProbeAnswers, Probes};
use crate::metrics::receive_stamp::StampingOn;
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

/// Measures one transport against a fresh target. A stop signal or the target's death
/// ends it early; either way the clients and the target are stopped before it returns.
pub async fn measure<T: Target>(
    scenario: &Scenario,
    transport: Transport,
    launch: &T::Launch,
    observer: &dyn RunObserver,
    signals: &StopSignals,
) -> Result<Measured, RunError> {
    let target = tokio::select! {
        biased;
        which = signals.wait() => return Err(RunError::Stopped(which)),
        target = T::start(launch, scenario) => target?,
    };
    let probes = target.probes();
    let outcome = async {
        target.check(transport).await?;
        let measured = drive(scenario, transport, &target, &probes, observer).await?;
        target.judge(&measured.result)?;
        Ok(measured)
    };
    let outcome = tokio::select! {
        biased;
        which = signals.wait() => Err(RunError::Stopped(which)),
        died = target.died(transport.name()) => Err(died),
        outcome = outcome => outcome,
    };
    // A request that failed because the target died is told as the death.
    let outcome = match outcome {
        Err(RunError::Control { .. } | RunError::Clients(_)) => {
            match tokio::time::timeout(Duration::from_millis(500), target.died(transport.name()))
                .await
            {
                Ok(died) => Err(died),
                Err(_) => outcome,
            }
        }
        other => other,
    };
    observer.transport_ended();
    target.stop().await;
    outcome
}

async fn drive(
    scenario: &Scenario,
    transport: Transport,
    target: &impl Target,
    probes: &Probes,
    observer: &dyn RunObserver,
) -> Result<Measured, RunError> {
    let clients = scenario.clients.count;
    let mut warnings = Vec::new();
    // Switched on before the clients connect (and the sleep gives the kernel its moment), so
    // their first events are stamped. A kernel that refuses is told by every client socket.
    let _stamping = StampingOn::new().ok();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let rss_idle = probes.server_memory.read().map(|rss| rss.current);
    let control = RunControl::new();
    // However `drive` ends (finished, or dropped on a signal), its clients stop.
    let _stop_clients = StopOnDrop(control.clone());
    let started_unix_s = wall_clock_ns() as f64 / 1e9;
    let dialect = target.dialect();
    let path = dialect.path(transport).ok_or_else(|| {
        RunError::Clients(format!(
            "the {} dialect has no {transport} transport",
            dialect.name()
        ))
    })?;
    let plan = Plan {
        transport,
        dialect,
        path,
        addr: target.addr(),
        headers: request_headers(
            scenario.clients.headers,
            transport,
            &target.addr().to_string(),
            scenario.clients.cookie_bytes,
        ),
        settings: scenario.transport.of(transport).clone(),
        key_field: scenario.feed.state_key_field(),
        seed: scenario.seed,
        sockets: probes.sockets.clone(),
        feed: scenario.feed.clone(),
        clients,
        // What a page's `fetch()` sends, as its polls do.
        publish_headers: request_headers(
            scenario.clients.headers,
            Transport::named("poll").unwrap_or(transport),
            &target.addr().to_string(),
            scenario.clients.cookie_bytes,
        ),
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
            target.addr(),
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
    let rss_connected = probes.server_memory.read().map(|rss| rss.current);

    let cpu_window = probes.open_window();
    let bytes0 = control.bytes.snapshot();
    let window_started = Instant::now();
    let window_start_ns = wall_clock_ns();
    control.start_window(window_start_ns);
    // The server counts the window's events exactly, however long the window lasts.
    target.mark_window_start(window_start_ns).await?;
    observer.phase(Phase::Measuring, &control, clients);
    sleep_observed(scenario.duration, observer, &control, clients).await;
    // The window's figures are read together, before anything else happens.
    let bytes1 = control.bytes.snapshot();
    let (server_cpu, client_cpu) = cpu_window.close(probes);
    let window_s = window_started.elapsed().as_secs_f64();
    let window_end_ns = wall_clock_ns();
    control.end_window(window_end_ns);
    let window_seconds = window_started.duration_since(control.started).as_secs()
        ..Instant::now().duration_since(control.started).as_secs() + 1;
    // No event is published after the window, so the drain only delivers what is in flight.
    target.stop_publishing().await?;

    observer.phase(Phase::Draining, &control, clients);
    let drain = super::drain::drain(
        scenario, transport, target, probes, observer, &control, clients,
    )
    .await?;
    control.stop();
    let output = tokio::task::spawn_blocking(move || workers.join())
        .await
        .map_err(|e| RunError::Clients(format!("a client worker failed: {e}")))?;

    let (window_start_ns, _) = control.window_ns();
    let stats = target.stats(window_start_ns, window_end_ns).await?;
    // After the clients closed: a stream per connection ends with its connection.
    let emitted = target.emitted(window_start_ns, window_end_ns).await?;
    let final_state = match scenario.feed.semantics() {
        Semantics::State => Some(target.final_state(scenario.feed.state_key_field()).await?),
        Semantics::Events => None,
    };
    let rss_peak = probes.server_memory.read().map(|rss| rss.peak);

    let mut result = TransportResult {
        transport,
        clients,
        server_addr: Some(target.addr().to_string()),
        header_profile: scenario.clients.headers.name().into(),
        window_s,
        window_start_s: Some(window_started.duration_since(control.started).as_secs_f64()),
        ..Default::default()
    };
    result.timeline = output.recorder.timeline.to_seconds(window_seconds);
    let server_bytes = probes.server_counters.bytes(&stats, transport.name());
    fill(
        &mut result,
        Collected {
            connected,
            window_bytes: [bytes0, bytes1],
            run_bytes: control.bytes.snapshot(),
            stats: &stats,
            final_state: final_state.as_ref(),
            tallies: &output.tallies,
            topic_of: &|id| scenario.feed.client_topic(id, clients),
            sends: scenario.feed.sends().is_some(),
            external: target.external(),
            emitted,
            recorder: &output.recorder,
            probes: ProbeAnswers {
                rss_idle,
                rss_connected,
                rss_peak,
                server_cpu,
                client_cpu,
                segments: output.recorder.segments.answer(),
                server_bytes,
            },
        },
    );
    let session_limit = (0..clients)
        .find_map(|id| scenario.feed.client_sessions(id, clients))
        .map(|sessions| sessions.limit);
    let topics = scenario.feed.topics().is_some();
    super::idle::fill(
        &mut result,
        &output.recorder.sessions,
        session_limit,
        topics,
    );
    result.drain = drain;
    let generator_limits = crate::analysis::generator_limits(&result, threads);
    result.generator_saturated = !generator_limits.is_empty();
    result.generator_saturation = generator_limits.iter().map(|l| l.to_string()).collect();
    warnings.extend(figure_warnings(&result));
    let scheduled = scenario.feed.rate().is_some();
    warnings.extend(publisher_warning(&stats, transport, scheduled));
    warnings.extend(source_warnings(&stats, transport));
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

pub(super) async fn sleep_observed(
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
