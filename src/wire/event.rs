//! Reads what a client needs from an event: `seq`, `ts` and, for state feeds, the key.
//! Only those fields are decoded; the rest of the payload is skipped unparsed.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

#[derive(Debug, Clone, PartialEq)]
pub struct EventHead {
    pub seq: u64,
    pub ts_ns: u64,
    /// The state key's value as text (`"T0042"` → `T0042`), for state feeds.
    pub key: Option<String>,
}

/// Parses one event object; `key_field` names the state key (`train`), if any.
pub fn parse_event(json: &[u8], key_field: Option<&str>) -> Result<EventHead, String> {
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    HeadSeed { key_field }
        .deserialize(&mut deserializer)
        .map_err(|e| format!("malformed event: {e}"))
}

/// The events of a poll answer `{"seq":N,"events":[...]}`, each as its raw JSON text.
pub fn poll_events(body: &[u8]) -> Result<Vec<&RawValue>, String> {
    #[derive(serde::Deserialize)]
    struct PollBody<'a> {
        #[serde(borrow)]
        events: Vec<&'a RawValue>,
    }
    serde_json::from_slice::<PollBody>(body)
        .map(|b| b.events)
        .map_err(|e| format!("malformed poll answer: {e}"))
}

struct HeadSeed<'k> {
    key_field: Option<&'k str>,
}

impl<'de> DeserializeSeed<'de> for HeadSeed<'_> {
    type Value = EventHead;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<EventHead, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for HeadSeed<'_> {
    type Value = EventHead;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an event object with `seq` and `ts`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EventHead, A::Error> {
        let (mut seq, mut ts, mut key) = (None, None, None);
        while let Some(name) = map.next_key::<std::borrow::Cow<str>>()? {
            match name.as_ref() {
                "seq" => seq = Some(map.next_value::<u64>()?),
                "ts" => ts = Some(map.next_value::<u64>()?),
                field if Some(field) == self.key_field => {
                    key = Some(match map.next_value::<serde_json::Value>()? {
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    });
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(EventHead {
            seq: seq.ok_or_else(|| de::Error::missing_field("seq"))?,
            ts_ns: ts.ok_or_else(|| de::Error::missing_field("ts"))?,
            key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_seq_ts_and_key_in_any_order() {
        let head = parse_event(
            br#"{"train":"T0042","left":3,"ts":77,"seq":5}"#,
            Some("train"),
        )
        .unwrap();
        assert_eq!(
            head,
            EventHead {
                seq: 5,
                ts_ns: 77,
                key: Some("T0042".into())
            }
        );
        let head = parse_event(br#"{"seq":1,"ts":2,"sym":"A","px":1.5}"#, None).unwrap();
        assert_eq!(head.key, None);
        assert!(
            parse_event(br#"{"ts":2}"#, None)
                .unwrap_err()
                .contains("seq")
        );
    }

    #[test]
    fn poll_answers_keep_each_event_raw() {
        let body = br#"{"seq":3,"events":[{"seq":2,"ts":1},{"seq":3,"ts":1,"x":[1,2]}]}"#;
        let events = poll_events(body).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[1].get(), r#"{"seq":3,"ts":1,"x":[1,2]}"#);
    }
}
