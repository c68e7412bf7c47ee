//! A child process the runner started (the matched server, websocketd): reaped by a task
//! of its own so that its pid stays its own until it is known to have exited, its last
//! output kept to explain a death, and stopped politely, then not.

use std::collections::VecDeque;
use std::process::ExitStatus;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::watch;

/// Lines of the child's output kept to explain its death.
const TAIL_LINES: usize = 20;

pub struct ChildProcess {
    pid: u32,
    /// `Some` once the child has exited (and been reaped).
    exit: watch::Receiver<Option<ExitStatus>>,
    pub output: OutputTail,
}

impl ChildProcess {
    /// Watches `child` (whose pid is `pid`) until it exits.
    pub fn watch(mut child: tokio::process::Child, pid: u32) -> Self {
        let (exit_tx, exit) = watch::channel(None);
        tokio::spawn(async move {
            // The child is reaped here, so its pid stays its own until `exit` says otherwise.
            if let Ok(status) = child.wait().await {
                exit_tx.send_replace(Some(status));
            }
        });
        Self {
            pid,
            exit,
            output: OutputTail::default(),
        }
    }

    /// Resolves when the child has exited, with its status.
    pub async fn exited(&self) -> ExitStatus {
        let mut exit = self.exit.clone();
        match exit.wait_for(Option::is_some).await {
            Ok(status) => status.expect("waited for Some"),
            // The reaper is gone only when the runtime is: never while a run awaits this.
            Err(_) => std::future::pending().await,
        }
    }

    /// The exit status, if the child has exited already.
    pub fn exit_status(&self) -> Option<ExitStatus> {
        *self.exit.borrow()
    }

    fn signal(&self, signal: i32) {
        if self.exit_status().is_none() {
            // SAFETY: a signal to our own child, not yet reaped, so the pid is still its.
            unsafe {
                libc::kill(self.pid as i32, signal);
            }
        }
    }

    /// Signals every process of the child's group, which it leads (spawned with
    /// `process_group(0)`): its own children too, which may outlive it.
    pub fn signal_group(&self, signal: i32) {
        // SAFETY: the group's id is our child's pid; no other process takes a live group's id.
        unsafe {
            libc::kill(-(self.pid as i32), signal);
        }
    }

    pub fn kill(&self) {
        self.signal(libc::SIGKILL);
    }

    /// SIGTERM, then SIGKILL if it has not exited within `grace`.
    pub async fn terminate(&self, grace: Duration) {
        self.signal(libc::SIGTERM);
        if tokio::time::timeout(grace, self.exited()).await.is_err() {
            self.kill();
            let _ = tokio::time::timeout(Duration::from_secs(1), self.exited()).await;
        }
    }
}

/// The last lines the child wrote, read as they come: an unread pipe would block a
/// server that writes much, and the lines explain a server that dies.
#[derive(Clone, Default)]
pub struct OutputTail {
    lines: Arc<Mutex<VecDeque<String>>>,
    /// The tasks reading the streams: a dead child's last words arrive after its exit.
    readers: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl OutputTail {
    pub fn collect(&self, stream: impl AsyncRead + Unpin + Send + 'static) {
        let tail = self.lines.clone();
        let reader = tokio::spawn(async move {
            let mut lines = BufReader::new(stream).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let mut tail = tail.lock().unwrap_or_else(|e| e.into_inner());
                if tail.len() == TAIL_LINES {
                    tail.pop_front();
                }
                tail.push_back(line);
            }
        });
        self.readers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(reader);
    }

    /// Waits (briefly: a grandchild may hold the streams open) until the streams of an
    /// exited child are read to their end, so that the tail holds its last words.
    pub async fn settle(&self) {
        let readers = std::mem::take(&mut *self.readers.lock().unwrap_or_else(|e| e.into_inner()));
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            for reader in readers {
                let _ = reader.await;
            }
        })
        .await;
    }

    pub fn text(&self) -> String {
        let tail = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        if tail.is_empty() {
            "none".into()
        } else {
            tail.iter().cloned().collect::<Vec<_>>().join(" | ")
        }
    }
}
