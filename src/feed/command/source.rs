//! Runs the feed's program and publishes its lines, on two threads. The reader stamps
//! each line as it is read and hands it over through a bounded buffer (a full one drops the
//! line, counted: a flood never grows the server). The supervisor publishes what the
//! reader hands over, and kills the program when the hub stops; it spawned the program and
//! lives as long as it does, so that the program dies with the server however the server
//! ends (see `die_with_parent`).

use std::fs::File;
use std::io;
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::time::{Duration, Instant};

use super::CommandSpec;
use super::lines::{Line, Lines};
use crate::child::{describe_exit, die_with_parent};
use crate::feed::{FeedSource, Hub, SourceContext, wall_clock_ns};

/// How often the supervisor looks whether the hub has stopped while the program is quiet.
const STOP_CHECK: Duration = Duration::from_millis(50);

/// The environment variable that hands the run's seed to the program, for programs that
/// make up their output (`scripts/console.py`).
pub const SEED_ENV: &str = "WSBENCH_SEED";

pub struct CommandSource {
    spec: CommandSpec,
    context: SourceContext,
}

/// A line read and stamped, waiting to be published.
struct Pending {
    ts_ns: u64,
    read_at: Instant,
    fields: String,
}

/// Why publishing ended.
enum Ended {
    /// The hub stopped: the server is done with the program.
    Stopped,
    /// The program closed its stdout after `published` lines.
    OutputClosed { published: u64 },
}

impl CommandSource {
    pub fn new(spec: CommandSpec, context: SourceContext) -> Self {
        Self { spec, context }
    }

    fn spawn(&self) -> io::Result<Child> {
        let program = self.spec.program();
        let stderr = match &self.context.stderr {
            Some(path) => Stdio::from(File::create(path).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!(
                        "cannot create {} for the stderr of `{program}`: {e}",
                        path.display()
                    ),
                )
            })?),
            None => Stdio::inherit(),
        };
        let parent = std::process::id();
        let mut command = Command::new(&self.spec.command[0]);
        command
            .args(&self.spec.command[1..])
            .env(SEED_ENV, self.context.seed.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr);
        // SAFETY: between fork and exec only async-signal-safe calls (prctl, getppid).
        unsafe {
            command.pre_exec(move || die_with_parent(parent));
        }
        command.spawn().map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot start feed.command `{program}`: {e}"),
            )
        })
    }

    /// On the supervisor thread: spawns the program, says whether it started, publishes
    /// its lines until the hub stops or the output ends, and never leaves it running.
    fn supervise(self, hub: Arc<Hub>, started: SyncSender<io::Result<()>>) {
        let mut child = match self.spawn() {
            Ok(child) => child,
            Err(error) => {
                let _ = started.send(Err(error));
                return;
            }
        };
        let stdout = child.stdout.take().expect("stdout is piped");
        let (lines_tx, lines_rx) = sync_channel(self.spec.buffer_lines as usize);
        let reader = {
            let hub = hub.clone();
            let spec = self.spec.clone();
            std::thread::Builder::new()
                .name("wsbench-command-reader".into())
                .spawn(move || read(stdout, &spec, &lines_tx, &hub))
        };
        if let Err(error) = reader {
            let _ = child.kill();
            let _ = child.wait();
            let _ = started.send(Err(error));
            return;
        }
        let _ = started.send(Ok(()));
        if let Ended::OutputClosed { published } = publish(&hub, &lines_rx) {
            self.report_end(&hub, &mut child, published);
        }
        // Killed, then reaped: the reader sees the end of the output and ends too.
        let _ = child.kill();
        let _ = child.wait();
    }

    /// The program closed its output while the server still served: waits for it to exit
    /// (or for the hub to stop) and says how it ended.
    fn report_end(&self, hub: &Hub, child: &mut Child, published: u64) {
        let program = self.spec.program();
        let how = loop {
            match child.try_wait() {
                Ok(Some(status)) => break describe_exit(&status),
                Ok(None) if hub.is_stopped() => return,
                Ok(None) => std::thread::sleep(STOP_CHECK),
                Err(e) => break format!("could not be waited for ({e})"),
            }
        };
        let note = format!(
            "feed.command `{program}` {how} after {published} lines: nothing more was published"
        );
        eprintln!("wsbench serve: {note}");
        hub.report_source(|report| report.note(note));
    }
}

impl FeedSource for CommandSource {
    /// Returns once the program has started, or with why it could not.
    fn start(self: Box<Self>, hub: Arc<Hub>) -> io::Result<()> {
        let (started_tx, started_rx) = sync_channel(1);
        std::thread::Builder::new()
            .name("wsbench-command".into())
            .spawn(move || self.supervise(hub, started_tx))?;
        started_rx
            .recv()
            .unwrap_or_else(|_| Err(io::Error::other("the command's thread ended unannounced")))
    }
}

/// Publishes the lines handed over until the hub stops or the reader ends.
fn publish(hub: &Hub, lines: &Receiver<Pending>) -> Ended {
    let mut published = 0;
    loop {
        match lines.recv_timeout(STOP_CHECK) {
            Ok(line) => {
                // Time spent in the buffer is lateness: the hub counts it like a schedule's.
                let late = line.read_at.elapsed();
                if hub
                    .publish_late(line.ts_ns, late, None, &line.fields)
                    .is_none()
                {
                    return Ended::Stopped;
                }
                published += 1;
            }
            Err(RecvTimeoutError::Timeout) if hub.is_stopped() => return Ended::Stopped,
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) if hub.is_stopped() => return Ended::Stopped,
            Err(RecvTimeoutError::Disconnected) => return Ended::OutputClosed { published },
        }
    }
}

/// Counts a line that cannot be an event, and says why the first time (`warned`).
fn refuse(hub: &Hub, warned: &mut bool, note: String) {
    hub.report_source(|report| {
        report.skipped += 1;
        if !std::mem::replace(warned, true) {
            report.note(format!(
                "{note}: skipped (the first such line; all are counted)"
            ));
        }
    });
}

/// On the reader thread: reads lines, stamps each when it is read and hands it over;
/// refuses and reports lines that cannot be events. Ends with the output, or when the
/// supervisor is gone.
fn read(stdout: ChildStdout, spec: &CommandSpec, lines: &SyncSender<Pending>, hub: &Hub) {
    let program = spec.program();
    let mut input = Lines::new(stdout, spec.max_line_bytes as usize);
    let (mut warned_long, mut warned_utf8, mut warned_flood) = (false, false, false);
    loop {
        let line = match input.next_line() {
            Ok(Some(line)) => line,
            Ok(None) => return,
            Err(e) => {
                hub.report_source(|r| {
                    r.note(format!("cannot read the output of `{program}`: {e}"))
                });
                return;
            }
        };
        let fields = match line {
            Line::Text(text) => {
                let escaped = serde_json::to_string(text).unwrap_or_default();
                format!("\"line\":{escaped}")
            }
            Line::TooLong { number, bytes } => {
                let note = format!(
                    "feed.command `{program}` wrote line {number} of {bytes} bytes, over \
                     feed.max_line_bytes ({})",
                    spec.max_line_bytes
                );
                refuse(hub, &mut warned_long, note);
                continue;
            }
            Line::NotUtf8 {
                number,
                line_offset,
                output_offset,
            } => {
                let note = format!(
                    "feed.command `{program}` wrote invalid UTF-8 on line {number} at byte \
                     {line_offset} of the line (byte {output_offset} of its output)"
                );
                refuse(hub, &mut warned_utf8, note);
                continue;
            }
        };
        let pending = Pending {
            ts_ns: wall_clock_ns(),
            read_at: Instant::now(),
            fields,
        };
        match lines.try_send(pending) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => hub.report_source(|report| {
                report.dropped += 1;
                if !std::mem::replace(&mut warned_flood, true) {
                    report.note(format!(
                        "feed.command `{program}` wrote faster than the server publishes: \
                         lines beyond feed.buffer_lines ({}) waiting were dropped (all are \
                         counted)",
                        spec.buffer_lines
                    ));
                }
            }),
            Err(TrySendError::Disconnected(_)) => return,
        }
    }
}
