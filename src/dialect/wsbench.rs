//! The matched server's own dialect (docs/PROTOCOL.md): each transport at the path its
//! registry line gives, events as JSON objects with `seq` and `ts`, poll answers as
//! `{"seq":N,"events":[...]}`.

use serde_json::value::RawValue;

use super::Dialect;
use crate::transport_kind::Transport;
use crate::wire::{EventHead, parse_event, poll_events};

pub struct Wsbench;

/// `GET /poll` without `since` answers the latest event of every key.
const STATE_PATH: &str = "/poll";

impl Dialect for Wsbench {
    fn name(&self) -> &'static str {
        "wsbench"
    }

    fn path(&self, transport: Transport) -> Option<&'static str> {
        Some(transport.path())
    }

    /// The matched server writes every event as `{"seq":N,"ts":N,...}`: those two integers
    /// are read directly, which is most of a client's work per event. A state feed (whose
    /// key is wanted) or any other layout goes through the full JSON parse.
    fn event_head(&self, event: &[u8], key_field: Option<&str>) -> Result<EventHead, String> {
        match key_field {
            None => leading_seq_and_ts(event).map_or_else(|| parse_event(event, None), Ok),
            Some(_) => parse_event(event, key_field),
        }
    }

    fn poll_events<'b>(&self, body: &'b [u8]) -> Result<Vec<&'b RawValue>, String> {
        poll_events(body)
    }

    fn state_path(&self) -> Option<&'static str> {
        Some(STATE_PATH)
    }
}

/// `seq` and `ts` of an object that starts `{"seq":N,"ts":N` followed by `,` or `}` and ends
/// with `}`; `None` for anything else, which the full parse then judges.
fn leading_seq_and_ts(event: &[u8]) -> Option<EventHead> {
    if event.last() != Some(&b'}') {
        return None;
    }
    let rest = event.strip_prefix(b"{\"seq\":")?;
    let (seq, rest) = leading_integer(rest)?;
    let rest = rest.strip_prefix(b",\"ts\":")?;
    let (ts_ns, rest) = leading_integer(rest)?;
    matches!(rest.first(), Some(b',' | b'}')).then_some(EventHead {
        seq,
        ts_ns,
        key: None,
    })
}

/// A JSON non-negative integer that fits a u64 (no leading zeros, as JSON says), and what
/// follows it.
fn leading_integer(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || (digits > 1 && bytes[0] == b'0') {
        return None;
    }
    let mut value: u64 = 0;
    for &digit in &bytes[..digits] {
        value = value
            .checked_mul(10)?
            .checked_add(u64::from(digit - b'0'))?;
    }
    Some((value, &bytes[digits..]))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn head(event: &str) -> Result<EventHead, String> {
        Wsbench.event_head(event.as_bytes(), None)
    }

    #[test]
    fn the_fast_path_reads_the_matched_servers_layout() {
        let fast = leading_seq_and_ts(br#"{"seq":12,"ts":1700000000123456789,"sym":"A"}"#);
        assert_eq!(
            fast,
            Some(EventHead {
                seq: 12,
                ts_ns: 1_700_000_000_123_456_789,
                key: None
            })
        );
        assert!(leading_seq_and_ts(br#"{"seq":0,"ts":0}"#).is_some());
    }

    #[test]
    fn other_layouts_fall_back_to_the_full_parse() {
        for other in [
            r#"{"ts":2,"seq":1}"#,
            r#"{ "seq":1,"ts":2}"#,
            r#"{"seq":01,"ts":2}"#,
            r#"{"seq":1.5,"ts":2}"#,
            r#"{"seq":18446744073709551616,"ts":2}"#,
            r#"{"seq":1,"ts":2"#,
            r#"{"seq":1,"ts":2x}"#,
        ] {
            assert_eq!(leading_seq_and_ts(other.as_bytes()), None, "{other}");
            assert_eq!(head(other), parse_event(other.as_bytes(), None), "{other}");
        }
        assert_eq!(head(r#"{"ts":2,"seq":1}"#).unwrap().seq, 1);
        // A state feed's key needs the full parse.
        let keyed = Wsbench
            .event_head(br#"{"seq":1,"ts":2,"train":"T1"}"#, Some("train"))
            .unwrap();
        assert_eq!(keyed.key.as_deref(), Some("T1"));
    }

    proptest! {
        #[test]
        fn the_fast_path_agrees_with_serde(seq: u64, ts: u64, px in 0u32..1_000_000) {
            let event = format!(r#"{{"seq":{seq},"ts":{ts},"px":{px}}}"#);
            prop_assert_eq!(leading_seq_and_ts(event.as_bytes()), parse_event(event.as_bytes(), None).ok());
        }
    }
}
