//! Whether the load generator kept up. When it did not, the figures describe wsbench's
//! limit on this machine, not the transport's cost: the entry is marked
//! `generator_saturated`, the verdict does not rank it and `wsbench run` says so in its
//! exit status.

use std::fmt;

use crate::results::TransportResult;
use crate::units::thousands;

/// Share of the machine's cores above which a process counts as saturating it.
pub const CPU_SATURATION: f64 = 0.9;

/// Share of the window's scheduled polls that may go out late before the generator counts
/// as unable to keep its schedule (one late poll is a hiccup, not a verdict).
pub const LATE_POLL_SHARE: f64 = 0.01;

/// The generator's own delay (kernel receive stamp to the instant it decoded the event)
/// beyond which, at the median, it counts as behind: the events waited in its sockets, and
/// the backpressure that builds then delays what the server can send.
pub const GENERATOR_DELAY_LIMIT_US: f64 = 10_000.0;

/// One way the load generator fell behind.
#[derive(Debug, Clone, PartialEq)]
pub enum GeneratorLimit {
    /// It used `cores` of the `of` cores it could run on.
    Cpu { cores: f64, of: usize },
    /// Window events were still unread in its sockets when the drain gave up.
    Unread(u64),
    /// The drain gave up with `bytes` the server wrote still unread, no connection cut.
    Backlog { bytes: u64, seconds: f64 },
    /// Half the events waited longer than `GENERATOR_DELAY_LIMIT_US` in its sockets.
    Delay { p50_us: f64 },
    /// `late` of the window's `of` requests were scheduled polls sent more than 5 ms late.
    LatePolls { late: u64, of: u64 },
}

impl fmt::Display for GeneratorLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cpu { cores, of } => write!(
                f,
                "load generator at {cores:.2} of its {of} cores (limit {:.0}%)",
                CPU_SATURATION * 100.0
            ),
            Self::Unread(n) => write!(
                f,
                "{} events still unread in the load generator's sockets when the drain gave up",
                thousands(*n as i64)
            ),
            Self::Backlog { bytes, seconds } => write!(
                f,
                "{} bytes the server wrote were still unread after a {seconds:.1} s drain",
                thousands(*bytes as i64)
            ),
            Self::Delay { p50_us } => write!(
                f,
                "the load generator read events {:.1} ms after the kernel received them \
                 (p50; limit {:.0} ms)",
                p50_us / 1000.0,
                GENERATOR_DELAY_LIMIT_US / 1000.0
            ),
            Self::LatePolls { late, of } => write!(
                f,
                "{} of {} polls went out more than 5 ms after they were due",
                thousands(*late as i64),
                thousands(*of as i64)
            ),
        }
    }
}

/// How the load generator fell behind in `r`, given the cores it could run on (0 when
/// unknown: CPU is then not judged); empty when it kept up.
pub fn generator_limits(r: &TransportResult, cores: usize) -> Vec<GeneratorLimit> {
    let mut limits = Vec::new();
    if let Some(client) = r.cpu.client_cores
        && cores > 0
        && client >= CPU_SATURATION * cores as f64
    {
        limits.push(GeneratorLimit::Cpu {
            cores: client,
            of: cores,
        });
    }
    match (r.events.unread_at_stop, &r.drain) {
        (Some(unread), _) if unread > 0 => limits.push(GeneratorLimit::Unread(unread)),
        // Bytes written to a connection that was then cut are never read: that is the
        // connection's loss, counted as such, not a backlog.
        (_, drain) if r.errors.disconnect == 0 => {
            if let Some(bytes) = drain.unread_bytes.filter(|b| *b > 0) {
                limits.push(GeneratorLimit::Backlog {
                    bytes,
                    seconds: drain.seconds,
                })
            }
        }
        _ => {}
    }
    if let Some(delay) = &r.generator_delay_us
        && delay.p50 > GENERATOR_DELAY_LIMIT_US
    {
        limits.push(GeneratorLimit::Delay { p50_us: delay.p50 });
    }
    let polls = r.requests.total;
    if r.requests.late_polls > 0 && r.requests.late_polls as f64 > LATE_POLL_SHARE * polls as f64 {
        limits.push(GeneratorLimit::LatePolls {
            late: r.requests.late_polls,
            of: polls,
        });
    }
    limits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generator_that_kept_up_has_no_limit() {
        let mut r = TransportResult::default();
        r.cpu.client_cores = Some(0.8);
        r.events.unread_at_stop = Some(0);
        r.drain.unread_bytes = Some(0);
        r.requests.total = 1000;
        r.requests.late_polls = 10;
        assert!(generator_limits(&r, 1).is_empty());
        assert!(generator_limits(&TransportResult::default(), 2).is_empty());
    }

    #[test]
    fn each_way_of_falling_behind_is_named() {
        let mut r = TransportResult::default();
        r.cpu.client_cores = Some(0.95);
        r.events.unread_at_stop = Some(2_700);
        r.drain.unread_bytes = Some(81_000);
        r.requests.total = 1000;
        r.requests.late_polls = 11;
        assert_eq!(
            generator_limits(&r, 1),
            vec![
                GeneratorLimit::Cpu { cores: 0.95, of: 1 },
                GeneratorLimit::Unread(2_700),
                GeneratorLimit::LatePolls { late: 11, of: 1000 },
            ]
        );
        assert_eq!(
            generator_limits(&r, 1)[1].to_string(),
            "2,700 events still unread in the load generator's sockets when the drain gave up"
        );
        assert_eq!(
            generator_limits(&r, 0).len(),
            2,
            "cores unknown: no CPU verdict"
        );
    }

    #[test]
    fn a_generator_reading_late_is_behind_even_when_it_caught_up_in_the_drain() {
        let mut r = TransportResult::default();
        r.events.unread_at_stop = Some(0);
        r.drain.unread_bytes = Some(0);
        r.generator_delay_us = Some(crate::results::Latency {
            p50: 10_000.0,
            ..Default::default()
        });
        assert!(
            generator_limits(&r, 2).is_empty(),
            "at the limit is not beyond it"
        );
        r.generator_delay_us.as_mut().unwrap().p50 = 2_785_279.0;
        let limits = generator_limits(&r, 2);
        assert_eq!(
            limits,
            vec![GeneratorLimit::Delay {
                p50_us: 2_785_279.0
            }]
        );
        assert_eq!(
            limits[0].to_string(),
            "the load generator read events 2785.3 ms after the kernel received them \
             (p50; limit 10 ms)"
        );
    }

    #[test]
    fn a_drain_that_gave_up_is_a_backlog_unless_a_connection_was_cut() {
        let mut r = TransportResult::default();
        r.events.unread_at_stop = Some(0);
        r.drain.unread_bytes = Some(1_234);
        r.drain.seconds = 10.0;
        assert_eq!(
            generator_limits(&r, 2),
            vec![GeneratorLimit::Backlog {
                bytes: 1_234,
                seconds: 10.0
            }]
        );
        r.errors.disconnect = 1;
        assert!(generator_limits(&r, 2).is_empty());
        r.drain.unread_bytes = None;
        r.errors.disconnect = 0;
        assert!(
            generator_limits(&r, 2).is_empty(),
            "not measured is not saturated"
        );
    }
}
