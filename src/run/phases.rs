//! One entry's clients through its phases: started, ramped until connected, warmed up, the
//! window measured, drained and joined. Each phase is a step of `measure::drive`.

use std::net::IpAddr;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use tokio::time::Instant;

use super::RunError;
use super::drain::{self, sleep_observed};
use super::workers::{self, WorkerOutput, Workers};
use crate::client::{Phase, Plan, RunControl, request_headers};
use crate::console::RunObserver;
use crate::feed::wall_clock_ns;
use crate::metrics::cpu::CpuSample;
use crate::metrics::machine_cpu::MachineCpu;
use crate::metrics::probe::{Answer, Probes};
use crate::results::Drain;
use crate::scenario::Scenario;
use crate::shard::{Slot, instant_at};
use crate::transport_kind::{RequestStyle, Transport};
use crate::under_test::Target;

/// How long to wait for every client to connect, beyond the ramp.
const CONNECT_GRACE: Duration = Duration::from_secs(15);

/// The clients of one entry, running.
pub struct Running {
    pub transport: Transport,
    pub control: Arc<RunControl>,
    workers: Workers,
    pub threads: usize,
    /// Clients this process drives.
    pub clients: u64,
}

/// Which of the run's clients this process drives, from which address, and when: the
/// whole run at once, or a shard's part on the schedule the shards share.
#[derive(Debug, Clone)]
pub struct Part {
    pub ids: Range<u64>,
    pub slot: Option<Slot>,
    pub bind: Option<IpAddr>,
}

impl Part {
    /// Every client of `scenario`, as soon as the target is ready.
    pub fn whole(scenario: &Scenario) -> Self {
        Self {
            ids: 0..scenario.clients.count,
            slot: None,
            bind: None,
        }
    }
}

/// What the window measured, read together the moment it closed.
pub struct Window {
    /// The clients' byte counters at its start and end.
    pub bytes: [(u64, u64); 2],
    pub server_cpu: Answer<CpuSample>,
    pub client_cpu: Answer<CpuSample>,
    pub machine_cpu: Answer<MachineCpu>,
    /// Its length, seconds, and its bounds on the wall clock, ns.
    pub seconds: f64,
    pub ns: (u64, u64),
    /// When it opened, seconds on the timeline's clock, and the timeline's seconds it spans.
    pub start_s: f64,
    pub timeline: Range<u64>,
}

impl Running {
    /// Starts the clients of `part` on their worker threads, against `target`.
    pub fn start(
        scenario: &Scenario,
        transport: Transport,
        part: &Part,
        target: &impl Target,
        probes: &Probes,
    ) -> Result<Self, RunError> {
        let dialect = target.dialect();
        let path = dialect.path(transport).ok_or_else(|| {
            RunError::Clients(format!(
                "the {} dialect has no {transport} transport",
                dialect.name()
            ))
        })?;
        let headers = |style| {
            let (profile, host) = (scenario.clients.headers, target.addr().to_string());
            request_headers(profile, style, &host, scenario.clients.cookie_bytes)
        };
        let plan = Plan {
            transport,
            side: crate::transport::client_side(transport),
            dialect,
            path,
            addr: target.addr(),
            headers: headers(transport.kind().request_style()),
            settings: scenario.transport.of(transport).clone(),
            key_field: scenario.feed.state_key_field(),
            seed: scenario.seed,
            sockets: probes.sockets.clone(),
            feed: scenario.feed.clone(),
            clients: scenario.clients.count,
            // What a page's `fetch()` sends, as its polls do.
            publish_headers: headers(RequestStyle::PAGE_FETCH),
            bind: part.bind,
        };
        let control = RunControl::new();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let ids = part.ids.clone();
        let workers = workers::start(plan, control.clone(), ids, scenario.clients.ramp, threads)
            .map_err(|e| RunError::Clients(format!("cannot start client threads: {e}")))?;
        Ok(Self {
            transport,
            control,
            workers,
            threads,
            clients: part.ids.end - part.ids.start,
        })
    }

    /// Until every client is connected, or the grace period (on a schedule, the window)
    /// is over; how many did. None at all is an error: there is nothing to measure.
    pub async fn ramp(
        self,
        scenario: &Scenario,
        part: &Part,
        target: &impl Target,
        observer: &dyn RunObserver,
    ) -> Result<(Self, u64), RunError> {
        let deadline = match &part.slot {
            Some(slot) => instant_at(slot.window_start_ns),
            None => Instant::now() + scenario.clients.ramp + CONNECT_GRACE,
        };
        let (control, clients) = (&self.control, self.clients);
        observer.phase(Phase::Connecting, control, clients);
        while control.connected.load(Relaxed) < clients && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
            observer.tick(control, clients);
        }
        let connected = control.connected.load(Relaxed);
        if connected > 0 {
            return Ok((self, connected));
        }
        let transport = self.transport;
        self.join().await?;
        Err(RunError::Clients(format!(
            "no {transport} client could connect to {} within {}s",
            target.addr(),
            (scenario.clients.ramp + CONNECT_GRACE).as_secs()
        )))
    }

    /// The warm-up, to the window's start.
    pub async fn warm_up(&self, scenario: &Scenario, part: &Part, observer: &dyn RunObserver) {
        self.control.start_warm_up();
        observer.phase(Phase::WarmUp, &self.control, self.clients);
        let warmup = match &part.slot {
            Some(slot) => instant_at(slot.window_start_ns) - Instant::now(),
            None => scenario.warmup,
        };
        sleep_observed(warmup, observer, &self.control, self.clients).await;
    }

    /// The measurement window: its start marked on the target, its figures read together
    /// at its end, and the target told to stop publishing (so that the drain only
    /// delivers what is in flight).
    pub async fn window(
        &self,
        scenario: &Scenario,
        part: &Part,
        target: &impl Target,
        probes: &Probes,
        observer: &dyn RunObserver,
    ) -> Result<Window, RunError> {
        let control = &self.control;
        let cpu_window = probes.open_window();
        let bytes0 = control.bytes.snapshot();
        let started = Instant::now();
        // On a schedule the window is the schedule's, to the ns, in every shard alike.
        let start_ns = part.slot.map_or_else(wall_clock_ns, |s| s.window_start_ns);
        control.start_window(start_ns);
        // The server counts the window's events exactly, however long the window lasts.
        target.mark_window_start(start_ns).await?;
        observer.phase(Phase::Measuring, control, self.clients);
        let duration = match &part.slot {
            Some(slot) => instant_at(slot.window_end_ns) - Instant::now(),
            None => scenario.duration,
        };
        sleep_observed(duration, observer, control, self.clients).await;
        let bytes1 = control.bytes.snapshot();
        let cpu = cpu_window.close(probes);
        let (seconds, end_ns) = match &part.slot {
            Some(slot) => (
                (slot.window_end_ns - slot.window_start_ns) as f64 / 1e9,
                slot.window_end_ns,
            ),
            None => (started.elapsed().as_secs_f64(), wall_clock_ns()),
        };
        control.end_window(end_ns);
        let timeline = started.duration_since(control.started).as_secs()
            ..Instant::now().duration_since(control.started).as_secs() + 1;
        target.stop_publishing().await?;
        Ok(Window {
            bytes: [bytes0, bytes1],
            server_cpu: cpu.server,
            client_cpu: cpu.client,
            machine_cpu: cpu.machine,
            seconds,
            ns: (control.window_ns().0, end_ns),
            start_s: started.duration_since(control.started).as_secs_f64(),
            timeline,
        })
    }

    /// The drain, then the clients stopped and joined: what they counted.
    pub async fn drain(
        self,
        scenario: &Scenario,
        target: &impl Target,
        probes: &Probes,
        observer: &dyn RunObserver,
    ) -> Result<(Drain, WorkerOutput), RunError> {
        let (control, clients) = (&self.control, self.clients);
        let transport = self.transport;
        observer.phase(Phase::Draining, control, clients);
        let drain = drain::drain(
            scenario, transport, target, probes, observer, control, clients,
        )
        .await?;
        let output = self.join().await?;
        // Their counts are missing: figures without them would blame the transport for our bug.
        if output.panicked > 0 {
            return Err(RunError::Clients(format!(
                "{} of {clients} {transport} clients ended in a panic, a wsbench bug (the panic \
                 is on stderr); their counts are missing, so this entry's figures would not be \
                 true",
                output.panicked
            )));
        }
        Ok((drain, output))
    }

    /// Stops the clients and waits for their threads: what they counted.
    async fn join(self) -> Result<WorkerOutput, RunError> {
        self.control.stop();
        let workers = self.workers;
        tokio::task::spawn_blocking(move || workers.join())
            .await
            .map_err(|e| RunError::Clients(format!("a client worker failed: {e}")))
    }
}

/// However an entry ends (finished, or dropped on a signal), its clients stop.
pub struct StopOnDrop(pub Arc<RunControl>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.stop();
    }
}
