//! A chat message, checked and published: `{"topic":"room-3","from":17,"ts":SENT_NS,
//! "text":"..."}` becomes the room's event `{"seq":N,"ts":SENT_NS,"from":17,"text":"..."}`,
//! so that latency runs from the sender's send instant.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use serde::Deserialize;

use crate::feed::Hub;
use crate::feed::intake::{Accepted, Intake, Refusal};

#[derive(Debug)]
pub struct ChatIntake {
    max_body: usize,
    max_send_rate: Option<f64>,
    /// Each sender's bucket, for `max_send_rate`.
    buckets: Mutex<HashMap<u64, Bucket>>,
}

#[derive(Debug, Deserialize)]
struct Message<'a> {
    #[serde(borrow)]
    topic: Cow<'a, str>,
    from: u64,
    ts: u64,
    #[serde(borrow)]
    text: Cow<'a, str>,
}

/// A token bucket: `rate` tokens a second, holding at most `rate` (and at least one).
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl ChatIntake {
    pub fn new(max_body: usize, max_send_rate: Option<f64>) -> Self {
        Self {
            max_body,
            max_send_rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token from `from`'s bucket, or says it sends too fast.
    fn admit(&self, from: u64, now: Instant) -> Result<(), Refusal> {
        let Some(rate) = self.max_send_rate else {
            return Ok(());
        };
        let capacity = rate.max(1.0);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let bucket = buckets.entry(from).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let refilled = now.saturating_duration_since(bucket.at).as_secs_f64() * rate;
        bucket.tokens = (bucket.tokens + refilled).min(capacity);
        bucket.at = now;
        if bucket.tokens < 1.0 {
            return Err(Refusal::TooFast { from, rate });
        }
        bucket.tokens -= 1.0;
        Ok(())
    }
}

impl Intake for ChatIntake {
    fn max_body(&self) -> usize {
        self.max_body
    }

    fn accept(&self, hub: &Hub, body: &[u8]) -> Result<Accepted, Refusal> {
        if body.len() > self.max_body {
            return Err(Refusal::TooBig {
                size: body.len(),
                limit: self.max_body,
            });
        }
        let message: Message =
            serde_json::from_slice(body).map_err(|e| Refusal::Malformed(e.to_string()))?;
        if message.ts == 0 {
            return Err(Refusal::Malformed(
                "`ts` must be the send instant, nanoseconds since the Unix epoch".into(),
            ));
        }
        let room = hub.topic(&message.topic)?;
        self.admit(message.from, Instant::now())?;
        let text =
            serde_json::to_string(&message.text).map_err(|e| Refusal::Malformed(e.to_string()))?;
        let fields = format!("\"from\":{},\"text\":{text}", message.from);
        let event = room
            .publish_sent(message.ts, message.from, &fields)
            .ok_or(Refusal::Stopped)?;
        Ok(Accepted {
            topic: message.topic.into_owned(),
            seq: event.seq,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::feed::{Since, TopicError};

    fn rooms() -> Arc<Hub> {
        crate::feed::topics::small_root(2)
    }

    #[test]
    fn a_message_is_published_on_its_room_with_the_senders_instant() {
        let hub = rooms();
        let intake = ChatIntake::new(256, None);
        let body = br#"{"topic":"room-1","from":7,"ts":1234,"text":"hi \"all\""}"#;
        let accepted = intake.accept(&hub, body).unwrap();
        assert_eq!((accepted.topic.as_str(), accepted.seq), ("room-1", 1));
        let Since::Events(events) = hub.topic("room-1").unwrap().since(Some(0)) else {
            panic!("the room holds the message");
        };
        assert_eq!(
            &events[0].json[..],
            br#"{"seq":1,"ts":1234,"from":7,"text":"hi \"all\""}"#
        );
    }

    #[test]
    fn each_refusal_has_its_status() {
        let hub = rooms();
        let intake = ChatIntake::new(80, None);
        let status = |body: &[u8]| intake.accept(&hub, body).unwrap_err().status().as_u16();
        assert_eq!(status(b"not json"), 400);
        assert_eq!(
            status(br#"{"topic":"room-1","from":7,"text":"no ts"}"#),
            400
        );
        assert_eq!(status(br#"{"topic":"a b","from":1,"ts":1,"text":""}"#), 400);
        assert_eq!(status(&[b' '; 81]), 413);
        for room in ["r1", "r2"] {
            let body = format!(r#"{{"topic":"{room}","from":1,"ts":1,"text":""}}"#);
            intake.accept(&hub, body.as_bytes()).unwrap();
        }
        assert_eq!(
            intake
                .accept(&hub, br#"{"topic":"r3","from":1,"ts":1,"text":""}"#)
                .unwrap_err(),
            Refusal::Topic(TopicError::TooMany(2))
        );
        hub.stop();
        assert_eq!(status(br#"{"topic":"r1","from":1,"ts":1,"text":""}"#), 503);
    }

    #[test]
    fn a_sender_past_its_rate_is_refused_until_its_bucket_refills() {
        let intake = ChatIntake::new(256, Some(2.0));
        let start = Instant::now();
        assert!(intake.admit(9, start).is_ok());
        assert!(intake.admit(9, start).is_ok());
        assert_eq!(
            intake.admit(9, start),
            Err(Refusal::TooFast { from: 9, rate: 2.0 })
        );
        assert!(intake.admit(10, start).is_ok(), "buckets are per sender");
        assert!(intake.admit(9, start + Duration::from_millis(500)).is_ok());
        assert!(intake.admit(9, start + Duration::from_millis(500)).is_err());
    }
}
