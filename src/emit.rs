//! `wsbench emit`: the scenario's feed as JSON lines on stdout, one event a line, written as
//! each is published. It is the program a process-per-connection server (websocketd) runs
//! for each connection; its lines are the matched server's own event JSON (the same hub and
//! publisher), so both are measured on byte-identical events.
//!
//! Each process is one connection's whole publisher: its seq starts at 1 and the rate is
//! its own. With a record directory it writes, when it ends, the `ts` of every event it
//! wrote to `DIR/<pid>.ts`: how a run knows what each connection was sent.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use tokio::sync::broadcast::error::RecvError;

use crate::feed::{FeedSpec, Semantics, SourceContext};
use crate::scenario::Scenario;

/// The extension of a finished record (one being written has another: `files::write`).
const RECORD_EXTENSION: &str = "ts";

#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    #[error("the {kind} feed cannot be emitted as lines: {why}")]
    Unsupported { kind: &'static str, why: String },
    #[error("cannot start the feed: {0}")]
    Feed(std::io::Error),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    /// Whatever reads stdout did not keep up: the hub dropped events this process owed.
    #[error("fell {0} events behind the feed (stdout was not read fast enough)")]
    Behind(u64),
    #[error("cannot write stdout: {0}")]
    Stdout(std::io::Error),
    #[error("cannot write the record {}: {error}", path.display())]
    Record {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// Why `feed` cannot be emitted as one stream of lines per process, if it cannot: what it
/// needs besides (topics, clients that send or come and go, a state read by polls).
pub fn unsupported(feed: &FeedSpec) -> Option<EmitError> {
    let why = if feed.topics().is_some() {
        "each client subscribes to a topic of its own"
    } else if feed.sends().is_some() {
        "its clients send messages"
    } else if feed.client_sessions(0, 1).is_some() {
        "its clients come and go in sessions"
    } else if feed.semantics() == Semantics::State {
        "a state feed's final state is read with a poll"
    } else {
        return None;
    };
    Some(EmitError::Unsupported {
        kind: feed.kind_name(),
        why: why.into(),
    })
}

/// Emits `scenario`'s feed on stdout until stdin ends (the connection closed) or stdout
/// cannot be written, then records what was written in `record` (if given).
pub fn emit(scenario: &Scenario, record: Option<&Path>) -> Result<(), EmitError> {
    if let Some(error) = unsupported(&scenario.feed) {
        return Err(error);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(EmitError::Runtime)?;
    let mut written = Vec::new();
    let outcome = runtime.block_on(write_lines(scenario, &mut written));
    if let Some(dir) = record {
        write_record(dir, &written)?;
    }
    outcome
}

async fn write_lines(scenario: &Scenario, written: &mut Vec<u64>) -> Result<(), EmitError> {
    let hub = crate::server::new_hub(&scenario.serving());
    // Subscribed before the source starts, so that the first line is seq 1.
    let mut events = hub.subscribe();
    let context = SourceContext {
        seed: scenario.seed,
        stderr: None,
        start_ns: None,
    };
    scenario
        .feed
        .source(&context)
        .start(hub.clone())
        .map_err(EmitError::Feed)?;
    let mut stdin_closed = stdin_closed();
    let mut stdout = std::io::stdout().lock();
    let mut line = Vec::with_capacity(256);
    let outcome = loop {
        let event = tokio::select! {
            _ = &mut stdin_closed => break Ok(()),
            event = events.recv() => event,
        };
        let event = match event {
            Ok(event) => event,
            Err(RecvError::Lagged(missed)) => break Err(EmitError::Behind(missed)),
            Err(RecvError::Closed) => break Ok(()),
        };
        line.clear();
        line.extend_from_slice(&event.json);
        line.push(b'\n');
        // One write and a flush per event: the reader sends each line as it arrives.
        match stdout.write_all(&line).and_then(|()| stdout.flush()) {
            Ok(()) => written.push(event.ts_ns),
            // The connection's reader is gone: the end of this connection, not a failure.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => break Ok(()),
            Err(e) => break Err(EmitError::Stdout(e)),
        }
    };
    hub.stop();
    outcome
}

/// Resolves when stdin reaches its end: websocketd closes a process's stdin when its
/// connection closes. What a client sends arrives on stdin and is read and dropped.
fn stdin_closed() -> tokio::sync::oneshot::Receiver<()> {
    let (closed, receiver) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut sink = [0u8; 4096];
        let mut stdin = std::io::stdin().lock();
        while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
        let _ = closed.send(());
    });
    receiver
}

/// `DIR/<pid>.ts`, one `ts` a line, made whole under another name first so that a reader
/// never sees half of it.
fn write_record(dir: &Path, written: &[u64]) -> Result<(), EmitError> {
    let path = dir.join(format!("{}.{RECORD_EXTENSION}", std::process::id()));
    let text: String = written.iter().map(|ts| format!("{ts}\n")).collect();
    crate::files::write(&path, text.as_bytes()).map_err(|e| EmitError::Record {
        path,
        error: e.error,
    })
}

/// What the emitter processes recorded in a directory wrote, in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Emitted {
    /// Processes (connections) that recorded what they wrote.
    pub connections: u64,
    /// Events they wrote whose `ts` lies in `[from_ns, to_ns]`.
    pub events_in_window: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("cannot read {}: {error}", path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{}, line {line}: `{text}` is not a ts in nanoseconds", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        text: String,
    },
}

/// Sums the finished records in `dir` over `[from_ns, to_ns]`.
pub fn emitted(dir: &Path, from_ns: u64, to_ns: u64) -> Result<Emitted, RecordError> {
    let read_error = |path: &Path, error| RecordError::Read {
        path: path.to_owned(),
        error,
    };
    let mut emitted = Emitted::default();
    for entry in std::fs::read_dir(dir).map_err(|e| read_error(dir, e))? {
        let path = entry.map_err(|e| read_error(dir, e))?.path();
        if path.extension().and_then(|e| e.to_str()) != Some(RECORD_EXTENSION) {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|e| read_error(&path, e))?;
        for (index, line) in text.lines().enumerate() {
            let ts: u64 = line.parse().map_err(|_| RecordError::Parse {
                path: path.clone(),
                line: index + 1,
                text: line.into(),
            })?;
            emitted.events_in_window += u64::from((from_ns..=to_ns).contains(&ts));
        }
        emitted.connections += 1;
    }
    Ok(emitted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_summed_over_the_window_and_parts_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("11.ts"), "100\n200\n300\n").unwrap();
        std::fs::write(dir.path().join("12.ts"), "150\n250\n").unwrap();
        std::fs::write(dir.path().join("13.ts"), "").unwrap();
        std::fs::write(dir.path().join("14.ts.part"), "200\n").unwrap();
        // One being written by `write_record` is hidden under a name of its own.
        std::fs::write(dir.path().join(".15.ts.15-0.tmp"), "200\n").unwrap();
        assert_eq!(
            emitted(dir.path(), 150, 250).unwrap(),
            Emitted {
                connections: 3,
                events_in_window: 3
            }
        );
        write_record(dir.path(), &[160, 400]).unwrap();
        assert_eq!(
            emitted(dir.path(), 150, 250).unwrap(),
            Emitted {
                connections: 4,
                events_in_window: 4
            }
        );
    }

    #[test]
    fn a_bad_record_names_its_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("7.ts");
        std::fs::write(&path, "100\nx\n").unwrap();
        let error = emitted(dir.path(), 0, u64::MAX).unwrap_err().to_string();
        assert_eq!(
            error,
            format!("{}, line 2: `x` is not a ts in nanoseconds", path.display())
        );
    }

    #[test]
    fn feeds_that_need_more_than_a_stream_are_refused_with_why() {
        let tickets = crate::scenario::Scenario::load(Path::new("scenarios/tickets.toml")).unwrap();
        let error = unsupported(&tickets.feed).map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some(
                "the tickets feed cannot be emitted as lines: a state feed's final state is \
                 read with a poll"
            )
        );
        let chat = crate::scenario::Scenario::load(Path::new("scenarios/chat.toml")).unwrap();
        assert!(unsupported(&chat.feed).is_some());
        let ticker = crate::scenario::Scenario::load(Path::new("scenarios/ticker.toml")).unwrap();
        assert!(unsupported(&ticker.feed).is_none());
    }
}
