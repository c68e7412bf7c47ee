//! One server of several processes, read as one: what each process's `/stats` counts is
//! added up, and what the feed published, the same schedule in each, is checked to be the
//! same before it is taken once.

use super::stats::{ConnectionStats, ControlStats, PublisherStats, SlotStats, StatsReply};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupError {
    #[error("no process of the group answered")]
    Empty,
    /// The processes did not publish one feed: the window cannot be counted once.
    #[error(
        "the server's processes published different windows: process 0 {first}, process \
         {index} {other} (they must publish the same feed from the same start instant)"
    )]
    WindowsDiffer {
        index: usize,
        first: String,
        other: String,
    },
}

/// The replies of every process of a group, in process order, as one server's reply:
/// connections, requests, bytes and messages sum; the feed's window is the first process's,
/// once every other process is found to have published the same events in it; the
/// publisher's lateness is the worst process's.
pub fn sum_group(replies: Vec<StatsReply>) -> Result<StatsReply, GroupError> {
    let mut replies = replies.into_iter();
    let mut sum = replies.next().ok_or(GroupError::Empty)?;
    for (index, reply) in (1..).zip(replies) {
        if let (Some(first), Some(other)) = (&sum.window, &reply.window)
            && !first.same_events(other)
        {
            return Err(GroupError::WindowsDiffer {
                index,
                first: first.published(),
                other: other.published(),
            });
        }
        add_reply(&mut sum, reply);
    }
    if let Some(group) = &mut sum.group {
        group.index = None;
    }
    Ok(sum)
}

fn add_reply(sum: &mut StatsReply, reply: StatsReply) {
    sum.uptime_s = sum.uptime_s.max(reply.uptime_s);
    // Read a moment apart: the later reading has published more.
    sum.events_published = sum.events_published.max(reply.events_published);
    sum.last_seq = sum.last_seq.max(reply.last_seq);
    add_connections(&mut sum.connections, &reply.connections);
    add_publisher(&mut sum.publisher, reply.publisher);
    for (name, slot) in reply.transports {
        add_slot(sum.transports.entry(name).or_default(), &slot);
    }
    add_slot(&mut sum.other, &reply.other);
    if let (Some(window), Some(other)) = (&mut sum.window, reply.window) {
        window.late_events = window.late_events.max(other.late_events);
        window.max_late_us = window.max_late_us.max(other.max_late_us);
    }
    sum.control = match (sum.control.take(), reply.control) {
        (Some(mut control), Some(other)) => {
            add_control(&mut control, other);
            Some(control)
        }
        (one, other) => one.or(other),
    };
}

/// Every process is told the same marks and stop: a mark or a stop only one of them took
/// came from elsewhere, and is kept.
fn add_control(sum: &mut ControlStats, other: ControlStats) {
    sum.stopped_at_ns = match (sum.stopped_at_ns, other.stopped_at_ns) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    for mark in other.marks {
        if !sum.marks.iter().any(|m| m.at_ns == mark.at_ns) {
            sum.marks.push(mark);
        }
    }
    sum.marks.sort_by_key(|m| m.received_ns);
    sum.marks_total = sum
        .marks_total
        .max(other.marks_total)
        .max(sum.marks.len() as u64);
    sum.refused += other.refused;
}

fn add_connections(sum: &mut ConnectionStats, other: &ConnectionStats) {
    sum.open += other.open;
    sum.accepted += other.accepted;
    sum.reserved += other.reserved;
    sum.rejected += other.rejected;
    sum.accept_errors += other.accept_errors;
}

fn add_publisher(sum: &mut PublisherStats, other: PublisherStats) {
    sum.late_events = sum.late_events.max(other.late_events);
    sum.max_late_us = sum.max_late_us.max(other.max_late_us);
    sum.dropped_at_source += other.dropped_at_source;
    sum.skipped_at_source += other.skipped_at_source;
    sum.source_notes.extend(other.source_notes);
}

fn add_slot(sum: &mut SlotStats, other: &SlotStats) {
    sum.connections_open += other.connections_open;
    sum.requests += other.requests;
    sum.responses += other.responses;
    sum.errors += other.errors;
    sum.bytes_written += other.bytes_written;
    sum.writes += other.writes;
    sum.bytes_read += other.bytes_read;
    sum.streams_open += other.streams_open;
    sum.slow_consumer_disconnects += other.slow_consumer_disconnects;
    sum.head_timeouts += other.head_timeouts;
    sum.body_timeouts += other.body_timeouts;
    sum.messages_received += other.messages_received;
    sum.messages_published += other.messages_published;
    sum.messages_refused += other.messages_refused;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{ProcessGroup, WindowStats};

    fn process(index: u32, open: i64, written: u64, window: WindowStats) -> StatsReply {
        let mut reply = StatsReply {
            last_seq: 40 + u64::from(index),
            connections: ConnectionStats {
                open,
                accepted: open as u64 + 1,
                reserved: 1,
                ..Default::default()
            },
            window: Some(window),
            group: Some(ProcessGroup {
                index: Some(index),
                ports: vec![9001, 9002, 9003],
            }),
            ..Default::default()
        };
        reply.transports.insert(
            "ws".into(),
            SlotStats {
                bytes_written: written,
                streams_open: open,
                body_timeouts: u64::from(index),
                head_timeouts: 1,
                ..Default::default()
            },
        );
        reply
    }

    #[test]
    fn counters_sum_and_the_window_is_counted_once() {
        let window = |late| WindowStats::counted(11, 30, 20, late, late * 100);
        let replies = vec![
            process(0, 10, 1_000, window(0)),
            process(1, 12, 1_200, window(2)),
            process(2, 9, 900, window(1)),
        ];
        let sum = sum_group(replies).unwrap();
        assert_eq!(sum.connections.open, 31);
        assert_eq!(sum.connections.accepted, 34);
        assert_eq!(sum.connections.reserved, 3);
        assert_eq!(sum.transports["ws"].body_timeouts, 3);
        assert_eq!(sum.transports["ws"].head_timeouts, 3);
        assert_eq!(sum.transports["ws"].bytes_written, 3_100);
        assert_eq!(sum.transports["ws"].streams_open, 31);
        assert_eq!(sum.last_seq, 42);
        let window = sum.window.unwrap();
        assert_eq!(
            (window.first_seq, window.last_seq, window.events),
            (Some(11), Some(30), Some(20))
        );
        assert_eq!(
            (window.late_events, window.max_late_us),
            (Some(2), Some(200))
        );
        assert_eq!(sum.group.unwrap().index, None);
    }

    #[test]
    fn processes_that_published_different_windows_are_refused() {
        let replies = vec![
            process(0, 1, 1, WindowStats::counted(11, 30, 20, 0, 0)),
            process(1, 1, 1, WindowStats::counted(11, 30, 20, 0, 0)),
            process(2, 1, 1, WindowStats::counted(12, 31, 20, 0, 0)),
        ];
        let error = sum_group(replies).unwrap_err().to_string();
        assert_eq!(
            error,
            "the server's processes published different windows: process 0 seq 11 to 30 \
             (20 events), process 2 seq 12 to 31 (20 events) (they must publish the same feed \
             from the same start instant)"
        );
        assert_eq!(sum_group(Vec::new()), Err(GroupError::Empty));
    }
}
