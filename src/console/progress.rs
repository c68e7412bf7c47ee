//! The live display while a run goes: which transport of how many, its phase, elapsed /
//! planned, events delivered, current rate, errors, and the time left for the whole run.
//! A bar on a terminal; in a CI log (stderr not a terminal) a plain line per phase and about
//! every 10 s, with no control characters; nothing with `--quiet`.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::rate::RateWindow;
use crate::analysis::thousands;
use crate::client::RunControl;
use crate::scenario::Scenario;
use crate::transport_kind::Transport;
use crate::units::format_duration;

/// How often a plain progress line repeats within a phase.
const LINE_EVERY: Duration = Duration::from_secs(10);

use crate::client::Phase;

/// One transport's run as planned: its phases' lengths, in `Phase` order.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub transport: Transport,
    pub spans: [Duration; 4],
}

/// Every transport run of the whole run, in the order `run` measures them: sweep points,
/// then interleaved repeats.
pub fn schedule(points: &[(Option<f64>, Scenario)], repeat: u32) -> Vec<Step> {
    points
        .iter()
        .flat_map(|(_, point)| {
            crate::ci::repeat::interleaved_order(&point.transports, repeat)
                .into_iter()
                .map(|(transport, _)| Step {
                    transport,
                    spans: [
                        point.clients.ramp,
                        point.warmup,
                        point.duration,
                        point.drain_period(transport),
                    ],
                })
        })
        .collect()
}

/// Planned time from `elapsed` into `phase` of step `step` to the end of the last step.
/// Connecting can outlast its ramp; the estimate then counts it as over.
pub fn time_left(steps: &[Step], step: usize, phase: Phase, elapsed: Duration) -> Duration {
    let Some(current) = steps.get(step) else {
        return Duration::ZERO;
    };
    let index = phase as usize;
    let this_phase = current.spans[index].saturating_sub(elapsed);
    let later_phases: Duration = current.spans[index + 1..].iter().sum();
    let later_steps: Duration = steps[step + 1..].iter().flat_map(|s| s.spans).sum();
    this_phase + later_phases + later_steps
}

/// What one progress line says.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub transport: Transport,
    /// 1-based position of this transport run among `steps`.
    pub step: usize,
    pub steps: usize,
    pub phase: Phase,
    pub elapsed: Duration,
    pub span: Duration,
    pub connected: u64,
    pub clients: u64,
    pub delivered: u64,
    /// Deliveries per second since the previous display; none at a phase's first.
    pub rate: Option<f64>,
    pub errors: u64,
    pub left: Duration,
}

impl Snapshot {
    /// `ws 2/4 measuring`: the bar's prefix.
    fn head(&self) -> String {
        format!("{} {}", self.label(), self.phase.name())
    }

    fn label(&self) -> String {
        format!("{} {}/{}", self.transport, self.step, self.steps)
    }

    /// `10s/30s: 100/100 connected, 12,345 delivered, 2,000/s, 0 errors; run 1m20s left`.
    fn body(&self) -> String {
        let seconds = |d: Duration| format_duration(Duration::from_secs(d.as_secs()));
        // Rounded up: a run with 0.4 s to go is not over.
        let left = format_duration(Duration::from_secs(self.left.as_secs_f64().ceil() as u64));
        // The last tick of a phase lands a little past its end: still `1s/1s`.
        let time = if self.elapsed.as_secs() <= self.span.as_secs() {
            format!("{}/{}", seconds(self.elapsed), seconds(self.span))
        } else {
            seconds(self.elapsed)
        };
        let rate = self.rate.map_or(String::new(), |r| {
            format!("{}/s, ", thousands(r.round() as i64))
        });
        format!(
            "{time}: {}/{} connected, {} delivered, {rate}{} errors; run {left} left",
            thousands(self.connected as i64),
            thousands(self.clients as i64),
            thousands(self.delivered as i64),
            thousands(self.errors as i64),
        )
    }

    /// `[ws 2/4] measuring 10s/30s: ...`, as printed to a log.
    pub fn line(&self) -> String {
        format!("[{}] {} {}", self.label(), self.phase.name(), self.body())
    }
}

enum Display {
    Off,
    Bar(ProgressBar),
    Lines,
}

/// Where the run is: set at each phase, read at each tick.
struct State {
    /// Index into the schedule; `None` before the first transport.
    step: Option<usize>,
    phase: Phase,
    phase_started: Instant,
    /// When the last display was made.
    shown: Option<Instant>,
    /// The delivered counts of the phase's displays, for the rate.
    rates: RateWindow,
}

pub struct Progress {
    display: Display,
    steps: Vec<Step>,
    state: Mutex<State>,
}

impl Progress {
    pub fn new(quiet: bool, steps: Vec<Step>) -> Self {
        let display = if quiet {
            Display::Off
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{prefix:>22} [{bar:30}] {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            Display::Bar(bar)
        } else {
            Display::Lines
        };
        Self {
            display,
            steps,
            state: Mutex::new(State {
                step: None,
                phase: Phase::Connecting,
                phase_started: Instant::now(),
                shown: None,
                rates: RateWindow::default(),
            }),
        }
    }

    /// A phase of the current transport begins; `Connecting` begins the next transport.
    /// Shown at once from `control`, the current transport's counters, so that nothing
    /// of the previous transport lingers.
    pub fn phase(&self, phase: Phase, control: &Arc<RunControl>, clients: u64) {
        {
            let mut state = self.lock();
            if phase == Phase::Connecting {
                state.step = Some(state.step.map_or(0, |s| s + 1));
            }
            state.phase = phase;
            state.phase_started = Instant::now();
            state.shown = None;
            state.rates.clear();
        }
        if let Display::Bar(bar) = &self.display {
            bar.reset();
            bar.set_length(self.span(phase).as_millis() as u64);
        }
        let quiet_phase = phase != Phase::Connecting && self.span(phase).is_zero();
        self.show(control, clients, !quiet_phase);
    }

    pub fn tick(&self, control: &Arc<RunControl>, clients: u64) {
        let due = match &self.display {
            Display::Off => false,
            Display::Bar(_) => true,
            Display::Lines => self
                .lock()
                .shown
                .is_none_or(|at| at.elapsed() >= LINE_EVERY),
        };
        if due {
            self.show(control, clients, true);
        }
    }

    pub fn finish(&self) {
        if let Display::Bar(bar) = &self.display {
            bar.finish_and_clear();
        }
    }

    fn show(&self, control: &Arc<RunControl>, clients: u64, print: bool) {
        let snapshot = self.snapshot(control, clients);
        match &self.display {
            Display::Off => {}
            Display::Bar(bar) => {
                bar.set_position(snapshot.elapsed.as_millis() as u64);
                bar.set_prefix(snapshot.head());
                bar.set_message(snapshot.body());
                // Each setter draws at most 20 times a second, so the first of a burst would
                // show alone (a new prefix beside the old message): draw the whole state.
                bar.force_draw();
            }
            Display::Lines if print => eprintln!("{}", snapshot.line()),
            Display::Lines => {}
        }
    }

    /// The figures now; the next rate is measured from here.
    fn snapshot(&self, control: &Arc<RunControl>, clients: u64) -> Snapshot {
        let delivered = control.delivered.load(Relaxed);
        let mut state = self.lock();
        let now = Instant::now();
        let rate = state.rates.sample(now, delivered);
        state.shown = Some(now);
        let step = state.step.unwrap_or(0);
        let elapsed = now.duration_since(state.phase_started);
        Snapshot {
            transport: self
                .steps
                .get(step)
                .map_or(Transport::default(), |s| s.transport),
            step: step + 1,
            steps: self.steps.len(),
            phase: state.phase,
            elapsed,
            span: self.span_of(step, state.phase),
            connected: control.connected.load(Relaxed),
            clients,
            delivered,
            rate,
            errors: control.errors.load(Relaxed),
            left: time_left(&self.steps, step, state.phase, elapsed),
        }
    }

    fn span(&self, phase: Phase) -> Duration {
        let step = self.lock().step.unwrap_or(0);
        self.span_of(step, phase)
    }

    fn span_of(&self, step: usize, phase: Phase) -> Duration {
        self.steps
            .get(step)
            .map_or(Duration::ZERO, |s| s.spans[phase as usize])
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl super::observe::RunObserver for Progress {
    fn phase(&self, phase: Phase, control: &Arc<RunControl>, clients: u64) {
        Progress::phase(self, phase, control, clients);
    }

    fn tick(&self, control: &Arc<RunControl>, clients: u64) {
        Progress::tick(self, control, clients);
    }

    fn transport_ended(&self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn steps() -> Vec<Step> {
        ["poll", "ws"]
            .into_iter()
            .filter_map(Transport::named)
            .map(|transport| Step {
                transport,
                spans: [secs(1), secs(3), secs(30), secs(2)],
            })
            .collect()
    }

    fn snapshot() -> Snapshot {
        Snapshot {
            transport: Transport::named("ws").unwrap(),
            step: 2,
            steps: 4,
            phase: Phase::Measuring,
            elapsed: Duration::from_millis(10_700),
            span: secs(30),
            connected: 100,
            clients: 100,
            delivered: 12_345,
            rate: Some(1999.6),
            errors: 0,
            left: Duration::from_millis(79_200),
        }
    }

    #[test]
    fn a_plain_line_says_where_the_run_is_without_control_characters() {
        let line = snapshot().line();
        assert_eq!(
            line,
            "[ws 2/4] measuring 10s/30s: 100/100 connected, 12,345 delivered, 2,000/s, \
             0 errors; run 1m20s left"
        );
        assert!(!line.chars().any(char::is_control), "{line:?}");
    }

    #[test]
    fn a_phase_start_has_no_rate_and_an_overlong_phase_no_plan() {
        let start = Snapshot {
            phase: Phase::Connecting,
            elapsed: secs(17),
            span: secs(1),
            connected: 3,
            delivered: 0,
            rate: None,
            left: secs(3723),
            ..snapshot()
        };
        assert_eq!(
            start.line(),
            "[ws 2/4] connecting 17s: 3/100 connected, 0 delivered, 0 errors; run 1h2m3s left"
        );
    }

    #[test]
    fn time_left_sums_the_remaining_phases_of_every_remaining_transport() {
        let steps = steps();
        // Both transports whole: 2 × (1 + 3 + 30 + 2).
        assert_eq!(time_left(&steps, 0, Phase::Connecting, secs(0)), secs(72));
        // 10 s into the first window: 20 + 2 left of it, 36 for the second transport.
        assert_eq!(time_left(&steps, 0, Phase::Measuring, secs(10)), secs(58));
        // Connecting past its ramp counts that phase as over.
        assert_eq!(time_left(&steps, 1, Phase::Connecting, secs(9)), secs(35));
        assert_eq!(time_left(&steps, 1, Phase::Draining, secs(5)), secs(0));
        assert_eq!(time_left(&steps, 2, Phase::Draining, secs(0)), secs(0));
    }

    #[test]
    fn the_schedule_lists_every_point_and_repeat_in_run_order() {
        let text = "name = \"s\"\nduration = \"5s\"\nwarmup = \"1s\"\n\
                    transports = [\"poll\", \"ws\"]\n[feed]\nkind = \"ticker\"\n\
                    [clients]\ncount = 2\nramp = \"2s\"\n[transport.poll]\ninterval = \"500ms\"\n";
        let scenario = Scenario::parse(text, std::path::Path::new("s.toml")).unwrap();
        let points = vec![(None, scenario.clone()), (None, scenario)];
        let steps = schedule(&points, 2);
        let order: Vec<_> = steps.iter().map(|s| s.transport).collect();
        let [poll, ws] = ["poll", "ws"].map(|name| Transport::named(name).unwrap());
        assert_eq!(order, [poll, ws, poll, ws, poll, ws, poll, ws]);
        assert_eq!(
            steps[0].spans,
            [secs(2), secs(1), secs(5), Duration::from_millis(1500)]
        );
        assert_eq!(steps[1].spans[3], secs(1));
    }
}
