//! A program's output as a feed: each line it writes to stdout is an event, stamped when
//! the server reads it (a serial console, a log tail, websocketd's `counter.py`). The
//! program sets the pace, so the feed has no rate. Every line matters: event semantics.

mod lines;
mod source;

use serde::{Deserialize, Serialize};

use super::{FeedKindSpec, FeedParams, FeedSource, Semantics, SourceContext};
use crate::issue::Issue;
pub use source::CommandSource;

/// The default `max_line_bytes`: a long log line, far from a runaway one.
pub const DEFAULT_MAX_LINE_BYTES: u64 = 64 * 1024;
/// The default `buffer_lines`: a burst the publisher catches up with, in bounded memory.
pub const DEFAULT_BUFFER_LINES: u64 = 10_000;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CommandSpec {
    /// The program and its arguments, run without a shell.
    pub command: Vec<String>,
    /// Longer lines are refused (skipped, counted and reported), not published.
    pub max_line_bytes: u64,
    /// Lines read and not yet published that the server holds; beyond them lines are
    /// dropped at the source, counted and reported.
    pub buffer_lines: u64,
}

impl CommandSpec {
    pub fn from_params(p: &mut FeedParams) -> Result<Self, Issue> {
        Ok(Self {
            command: p.words(
                "command",
                "a program and its arguments, like [\"python3\", \"scripts/console.py\"]",
            )?,
            max_line_bytes: p.count(
                "max_line_bytes",
                DEFAULT_MAX_LINE_BYTES,
                (1, 16 << 20),
                "bytes",
            )?,
            buffer_lines: p.count(
                "buffer_lines",
                DEFAULT_BUFFER_LINES,
                (1, 1_000_000),
                "lines",
            )?,
        })
    }

    /// The program as messages name it: its words, space-separated.
    pub fn program(&self) -> String {
        self.command.join(" ")
    }
}

impl FeedKindSpec for CommandSpec {
    fn semantics(&self) -> Semantics {
        Semantics::Events
    }

    fn rate(&self) -> Option<f64> {
        None
    }

    fn source(&self, context: &SourceContext) -> Box<dyn FeedSource> {
        Box::new(CommandSource::new(self.clone(), context.clone()))
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}
