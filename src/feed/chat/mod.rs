//! A chat room: rooms of `members` clients, each client sending messages at its own rate
//! and every member of its room receiving each one, the sender included (as Tornado's chat
//! demo writes each message to every waiter) unless `echo = false`. The clients are the feed: nothing is
//! published on a schedule; a message is published the moment the server takes it, over
//! the WebSocket it came on or from `POST /publish` (docs/PROTOCOL.md).

mod intake;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::intake::Intake;
use super::topics::TopicLimits;
use super::{FeedKindSpec, FeedParams, FeedSource, Semantics, SourceContext};
use crate::issue::Issue;
use crate::units::SETTING_MEMORY;
pub use intake::ChatIntake;

/// Each room's bounds: a burst of messages a slow poller can still catch up with, and ten
/// minutes of a busy room's publish instants (the ring and the log take memory only as
/// they fill).
const ROOM_LIMITS: TopicLimits = TopicLimits {
    max_topics: 10_000,
    history: 4096,
    max_lag: 4096,
    window_log: 1_000_000,
};

/// The longest text: a room's history of messages fits the memory one setting may take.
const MAX_TEXT_BYTES: u64 =
    SETTING_MEMORY / ROOM_LIMITS.history as u64 - CHAT_ENVELOPE_BYTES as u64;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChatSpec {
    /// Clients per room: client `id` is in room `room-<id / members>`.
    pub members: u64,
    /// Whether a sender receives its own messages like every other member (as Tornado's
    /// chat demo does); `false`: the server leaves them out of its stream and answers.
    pub echo: bool,
    /// Messages each client sends per second.
    pub send_rate: f64,
    /// How far a send may move from its even schedule, as a share of the interval (from
    /// the seed): 0 sends like a clock, 1 anywhere in the interval.
    pub jitter: f64,
    /// Characters of text in each message.
    pub text_bytes: u64,
    /// The largest message the server takes (413 beyond, over HTTP).
    pub max_body_bytes: u64,
    /// Messages per second one client may send (a bucket of as many, refilled at that
    /// rate); beyond it the server refuses (429 over HTTP). `None`: no limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_send_rate: Option<f64>,
}

impl ChatSpec {
    pub fn from_params(p: &mut FeedParams) -> Result<Self, Issue> {
        let spec = Self {
            members: p.count("members", 10, (1, 100_000), "clients per room")?,
            echo: p.flag("echo", true)?,
            send_rate: p.rate("send_rate", 1.0)?,
            jitter: p.fraction("jitter", 0.5)?,
            text_bytes: p.count(
                "text_bytes",
                64,
                (1, MAX_TEXT_BYTES),
                &format!(
                    "bytes (each room holds its last {} messages: at most {} GiB a room)",
                    ROOM_LIMITS.history,
                    SETTING_MEMORY >> 30
                ),
            )?,
            max_body_bytes: p.count("max_body_bytes", 4096, (64, 16 << 20), "bytes")?,
            max_send_rate: p.optional_rate("max_send_rate")?,
        };
        if spec.text_bytes + CHAT_ENVELOPE_BYTES as u64 > spec.max_body_bytes {
            return Err(Issue::new(
                "feed.text_bytes",
                format!(
                    "{} characters of text and the message around them exceed \
                     feed.max_body_bytes = {}: every message would be refused",
                    spec.text_bytes, spec.max_body_bytes
                ),
            ));
        }
        Ok(spec)
    }
}

/// The most a chat message takes beside its text, either way: `{"topic":T,"from":F,
/// "ts":NS,"text":""}` up, `{"seq":N,"ts":NS,"from":F,"text":""}` down, with room for the
/// longest topic and numbers.
const CHAT_ENVELOPE_BYTES: usize = 160;

/// The most an echo message takes beside its padding: `{"seq":N,"ts":NS,"pad":""}` with
/// 20-digit numbers.
const ECHO_ENVELOPE_BYTES: usize = 64;

/// What a client sends: how often, how much, and in which form.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SendPlan {
    pub rate: f64,
    pub jitter: f64,
    /// Characters of text (a chat) or padding (an echo) in each message.
    pub text_bytes: usize,
    /// A chat: whether the sender hears its own message too (`feed.echo`).
    pub hears_own: bool,
    pub form: SendForm,
}

impl SendPlan {
    /// The most bytes one message takes on the wire, its JSON around the text included.
    pub fn message_bytes(&self) -> usize {
        self.text_bytes
            + match self.form {
                SendForm::Chat => CHAT_ENVELOPE_BYTES,
                SendForm::Echo => ECHO_ENVELOPE_BYTES,
            }
    }

    /// The `[feed]` key that sets the message's size.
    pub fn size_key(&self) -> &'static str {
        match self.form {
            SendForm::Chat => "feed.text_bytes",
            SendForm::Echo => "feed.pad_bytes",
        }
    }
}

/// What a client's message is, and who receives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendForm {
    /// `{"topic":T,"from":F,"ts":NS,"text":"..."}`, published to every member of its room.
    Chat,
    /// `{"seq":N,"ts":NS,"pad":"..."}`, an event of the client's own numbering that the
    /// server sends back to that client only, byte for byte.
    Echo,
}

impl FeedKindSpec for ChatSpec {
    fn semantics(&self) -> Semantics {
        Semantics::Events
    }

    fn rate(&self) -> Option<f64> {
        None
    }

    fn topics(&self) -> Option<TopicLimits> {
        Some(ROOM_LIMITS)
    }

    fn client_topic(&self, id: u64, _clients: u64) -> Option<String> {
        Some(format!("room-{}", id / self.members))
    }

    fn sends(&self) -> Option<SendPlan> {
        Some(SendPlan {
            rate: self.send_rate,
            jitter: self.jitter,
            text_bytes: self.text_bytes as usize,
            hears_own: self.echo,
            form: SendForm::Chat,
        })
    }

    fn intake(&self) -> Option<Arc<dyn Intake>> {
        Some(Arc::new(ChatIntake::new(
            self.max_body_bytes as usize,
            self.max_send_rate,
        )))
    }

    fn source(&self, _context: &SourceContext) -> Box<dyn FeedSource> {
        Box::new(ClientsPublish)
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// The source of a feed whose clients are its publishers (a chat, an echo): their
/// messages are published or answered where they arrive, so there is nothing to run.
pub(in crate::feed) struct ClientsPublish;

impl FeedSource for ClientsPublish {
    fn start(self: Box<Self>, _hub: Arc<super::Hub>) -> std::io::Result<()> {
        Ok(())
    }
}
