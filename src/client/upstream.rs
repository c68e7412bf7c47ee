//! What a chat or echo client sends: a message at each of its instants (an even schedule at
//! the feed's `send_rate`, each instant moved later by up to `jitter` of the interval, from
//! the seed), each carrying its send instant as `ts`, so that a receiver's latency runs from
//! the sender's send. Sending stops when the window ends: the drain only delivers.
//! A WebSocket client sends on its own socket; the others `POST /publish` on a kept-alive
//! connection of their own, as a page's `fetch()` does beside its EventSource or poll.
//! An echo's message is an event of the client's own numbering (`seq` from 1), so that the
//! echo is read as one and accounted against what the client sent.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::{Phase, RunControl};
use crate::feed::rng::Rng;
use crate::feed::{SendForm, SendPlan, wall_clock_ns};
use crate::units::MAX_DURATION;

pub struct Sender {
    form: Form,
    interval: Duration,
    jitter: f64,
    rng: Rng,
    /// The even instant of the next message, before its jitter.
    slot: Instant,
    due: Instant,
    /// The message's text: the same characters every time, drawn once from the seed.
    text: String,
    body: Vec<u8>,
    /// Whether the message in `body` was stamped during the window.
    body_in_window: bool,
    control: Arc<RunControl>,
    /// Messages sent during the window: written to the socket, not only due.
    pub sent_in_window: u64,
    /// An echo: the first and last `seq` sent during the window, what the server owes back.
    pub sent_window: Option<(u64, u64)>,
}

/// A message's form and what it carries beside its instant and text.
enum Form {
    Chat {
        topic: Arc<str>,
        from: u64,
    },
    /// The client's own numbering; `seq` is the last one sent.
    Echo {
        seq: u64,
    },
}

impl Sender {
    /// A sender of `plan`'s messages; `None` for a chat client without a room.
    pub fn new(
        plan: SendPlan,
        topic: Option<Arc<str>>,
        from: u64,
        mut rng: Rng,
        control: Arc<RunControl>,
    ) -> Option<Self> {
        let form = match plan.form {
            SendForm::Chat => Form::Chat {
                topic: topic?,
                from,
            },
            SendForm::Echo => Form::Echo { seq: 0 },
        };
        // At most the longest duration taken, as a validated rate gives: any rate then
        // keeps every instant below within what an `Instant` holds.
        let interval = Duration::try_from_secs_f64(1.0 / plan.rate)
            .map_or(MAX_DURATION, |interval| interval.min(MAX_DURATION));
        const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyz ";
        let text = (0..plan.text_bytes)
            .map(|_| LETTERS[rng.below(LETTERS.len() as u64) as usize] as char)
            .collect();
        // Clients start at a random phase of the interval, so that a room's sends spread.
        let slot = Instant::now() + interval.mul_f64(rng.unit());
        let mut sender = Self {
            form,
            interval,
            jitter: plan.jitter,
            rng,
            slot,
            due: slot,
            text,
            body: Vec::new(),
            body_in_window: false,
            control,
            sent_in_window: 0,
            sent_window: None,
        };
        sender.due = sender.jittered(slot);
        Some(sender)
    }

    fn jittered(&mut self, slot: Instant) -> Instant {
        slot + self.interval.mul_f64(self.jitter * self.rng.unit())
    }

    /// Waits for the next message's instant and returns its body, stamped now; never
    /// returns once the window has ended. Cancelling the wait loses no message. The message
    /// counts once the caller has written it ([`Sender::written`]): one that never reached
    /// a socket was not sent, and an echo's number is reused by the next message.
    pub async fn next(&mut self) -> &[u8] {
        loop {
            if self.control.phase() == Phase::Draining {
                std::future::pending::<()>().await;
            }
            tokio::time::sleep_until(self.due).await;
            if self.control.phase() != Phase::Draining {
                break;
            }
        }
        self.slot += self.interval;
        self.due = self.jittered(self.slot);
        self.body_in_window = self.control.phase() == Phase::Measuring;
        match &self.form {
            Form::Chat { topic, from } => {
                render(&mut self.body, topic, *from, wall_clock_ns(), &self.text)
            }
            Form::Echo { seq } => render_echo(&mut self.body, seq + 1, wall_clock_ns(), &self.text),
        }
        &self.body
    }

    /// Counts the message [`Sender::next`] returned, now that it was written to the socket.
    pub fn written(&mut self) {
        if self.body_in_window {
            self.sent_in_window += 1;
        }
        if let Form::Echo { seq } = &mut self.form {
            *seq += 1;
            if self.body_in_window {
                let first = self.sent_window.map_or(*seq, |(first, _)| first);
                self.sent_window = Some((first, *seq));
            }
        }
    }
}

/// `{"topic":T,"from":F,"ts":NS,"text":"..."}` into `out` (cleared first). The topic is a
/// checked name and the text plain letters: neither needs escaping.
fn render(out: &mut Vec<u8>, topic: &str, from: u64, ts_ns: u64, text: &str) {
    out.clear();
    out.extend_from_slice(b"{\"topic\":\"");
    out.extend_from_slice(topic.as_bytes());
    out.extend_from_slice(b"\",\"from\":");
    out.extend_from_slice(itoa::Buffer::new().format(from).as_bytes());
    out.extend_from_slice(b",\"ts\":");
    out.extend_from_slice(itoa::Buffer::new().format(ts_ns).as_bytes());
    out.extend_from_slice(b",\"text\":\"");
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(b"\"}");
}

/// `{"seq":N,"ts":NS,"pad":"..."}` into `out` (cleared first): an event as the wsbench
/// protocol frames one, so that its echo is read by the same code as any event.
fn render_echo(out: &mut Vec<u8>, seq: u64, ts_ns: u64, pad: &str) {
    out.clear();
    out.extend_from_slice(b"{\"seq\":");
    out.extend_from_slice(itoa::Buffer::new().format(seq).as_bytes());
    out.extend_from_slice(b",\"ts\":");
    out.extend_from_slice(itoa::Buffer::new().format(ts_ns).as_bytes());
    out.extend_from_slice(b",\"pad\":\"");
    out.extend_from_slice(pad.as_bytes());
    out.extend_from_slice(b"\"}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_the_json_the_feed_takes() {
        let mut out = b"old".to_vec();
        render(
            &mut out,
            "room-2",
            17,
            1_763_700_000_000_000_001,
            "hi there",
        );
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"topic":"room-2","from":17,"ts":1_763_700_000_000_000_001u64,"text":"hi there"})
        );
    }

    #[tokio::test(start_paused = true)]
    async fn sends_follow_the_schedule_and_stop_with_the_window() {
        let control = RunControl::new();
        let plan = SendPlan {
            rate: 10.0,
            jitter: 0.5,
            text_bytes: 5,
            form: SendForm::Chat,
            hears_own: true,
        };
        let mut sender =
            Sender::new(plan, Some("room-0".into()), 3, Rng::new(1), control.clone()).unwrap();
        let start = Instant::now();
        let mut instants = Vec::new();
        for _ in 0..4 {
            sender.next().await;
            sender.written();
            instants.push(start.elapsed());
        }
        control.start_window(wall_clock_ns());
        sender.next().await;
        assert_eq!(sender.sent_in_window, 0, "due is not sent");
        sender.written();
        assert_eq!(sender.sent_in_window, 1);
        // Message k lies in its interval's first half: [k, k + 0.5) × 100 ms after a phase
        // below one interval.
        for pair in instants.windows(2) {
            let gap = pair[1] - pair[0];
            assert!(gap > Duration::from_millis(50) && gap < Duration::from_millis(150));
        }
        control.end_window(wall_clock_ns());
        let more = tokio::time::timeout(Duration::from_secs(5), sender.next()).await;
        assert!(more.is_err(), "nothing is sent after the window");
    }

    #[tokio::test(start_paused = true)]
    async fn an_echo_numbers_its_messages_and_remembers_those_of_the_window() {
        let control = RunControl::new();
        let plan = SendPlan {
            rate: 10.0,
            jitter: 0.0,
            text_bytes: 3,
            hears_own: true,
            form: SendForm::Echo,
        };
        let mut sender = Sender::new(plan, None, 3, Rng::new(1), control.clone()).unwrap();
        let first: serde_json::Value = serde_json::from_slice(sender.next().await).unwrap();
        sender.written();
        assert_eq!(first["seq"], 1);
        assert_eq!(first["pad"].as_str().map(str::len), Some(3));
        assert!(first["ts"].as_u64().is_some_and(|ts| ts > 0));
        control.start_window(wall_clock_ns());
        for _ in 0..3 {
            sender.next().await;
            sender.written();
        }
        // A message whose write failed (a cut connection) was not sent: its number is
        // reused, so that the server is owed back only what reached it.
        let unwritten: serde_json::Value = serde_json::from_slice(sender.next().await).unwrap();
        let retried: serde_json::Value = serde_json::from_slice(sender.next().await).unwrap();
        assert_eq!((&unwritten["seq"], &retried["seq"]), (&5.into(), &5.into()));
        sender.written();
        control.end_window(wall_clock_ns());
        assert_eq!(
            (sender.sent_in_window, sender.sent_window),
            (4, Some((2, 5)))
        );
        let chat = SendPlan {
            form: SendForm::Chat,
            ..plan
        };
        assert!(
            Sender::new(chat, None, 3, Rng::new(1), control).is_none(),
            "a chat message needs its room"
        );
    }
}
