//! The live display while a run goes: transport, phase, elapsed / total, events delivered,
//! current rate, errors. Off with `--quiet` or when stdout is not a terminal.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::client::RunControl;
use crate::transport::Transport;

pub struct Progress {
    bar: Option<ProgressBar>,
    last: Mutex<(Instant, u64)>,
}

impl Progress {
    pub fn new(enabled: bool) -> Self {
        let bar = enabled.then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix:>18} [{bar:30}] {elapsed:>4}/{duration:<4} {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar
        });
        Self {
            bar,
            last: Mutex::new((Instant::now(), 0)),
        }
    }

    pub fn phase(&self, transport: Transport, phase: &str, span: Duration) {
        if let Some(bar) = &self.bar {
            bar.reset();
            bar.set_length(span.as_millis() as u64);
            bar.set_prefix(format!("{transport} {phase}"));
        }
    }

    pub fn tick(&self, control: &Arc<RunControl>, clients: u64) {
        let Some(bar) = &self.bar else { return };
        let delivered = control.delivered.load(Relaxed);
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let elapsed = last.0.elapsed().as_secs_f64().max(1e-3);
        let rate = delivered.saturating_sub(last.1) as f64 / elapsed;
        *last = (Instant::now(), delivered);
        bar.set_position(bar.elapsed().as_millis() as u64);
        bar.set_message(format!(
            "{}/{} connected, {} delivered, {:.0}/s, {} errors",
            control.connected.load(Relaxed),
            clients,
            delivered,
            rate,
            control.errors.load(Relaxed)
        ));
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
