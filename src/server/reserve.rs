//! Connections over `server.max_connections`. A cap full of clients, stalled or idle ones
//! included, must not lock out whoever watches or steers the server: beyond it, up to
//! `RESERVE` more connections are taken, each for one request with a short head deadline,
//! and answered only for `GET /stats` and `POST /control/*`; anything else gets a 503.
//! With the reserve full too, a connection is closed at accept, unanswered.

use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use http::{Method, Request, Response, StatusCode};

use super::response::{self, Body};
use super::stats::ServerStats;

/// Connections the reserve holds at once.
pub const RESERVE: i64 = 16;

/// A reserve connection's head deadline (`server.head_timeout` when that is shorter): how
/// long an idle client over the cap can hold a place in the reserve.
pub const RESERVE_HEAD_TIMEOUT: Duration = Duration::from_secs(5);

/// How a connection just accepted is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Under the cap: whatever it asks for.
    Regular,
    /// Over the cap: one request, `/stats` or control.
    Reserve,
    /// Closed at once.
    Refused,
}

/// Admits a connection just accepted, and counts it in `/stats`.
pub fn admit(stats: &ServerStats, max_connections: u64) -> Admission {
    let reserved = stats.reserve_live.load(Relaxed);
    let regular = stats.connections_live.load(Relaxed) - reserved;
    let (admission, counter) = if (regular.max(0) as u64) < max_connections {
        (Admission::Regular, &stats.connections_accepted)
    } else if reserved < RESERVE {
        (Admission::Reserve, &stats.connections_reserved)
    } else {
        (Admission::Refused, &stats.connections_rejected)
    };
    counter.fetch_add(1, Relaxed);
    admission
}

/// Whether the reserve answers `req`.
pub fn serves<B>(req: &Request<B>) -> bool {
    let path = req.uri().path();
    match *req.method() {
        Method::GET => path == "/stats",
        Method::POST => path.starts_with("/control/"),
        _ => false,
    }
}

/// The reserve's answer to anything else: refused, as the cap would have.
pub fn refuse(stats: &ServerStats) -> Response<Body> {
    stats.connections_rejected.fetch_add(1, Relaxed);
    response::error(
        StatusCode::SERVICE_UNAVAILABLE,
        "the server holds server.max_connections connections; over them it answers only \
         GET /stats and POST /control/*",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_cap_a_bounded_reserve_then_refusal() {
        let stats = ServerStats::default();
        let mut seen = Vec::new();
        for _ in 0..2 + RESERVE + 2 {
            let admission = admit(&stats, 2);
            // What the tag of a connection that is served counts while it lives.
            if admission != Admission::Refused {
                stats.connections_live.fetch_add(1, Relaxed);
            }
            if admission == Admission::Reserve {
                stats.reserve_live.fetch_add(1, Relaxed);
            }
            seen.push(admission);
        }
        let count = |a| seen.iter().filter(|&&s| s == a).count() as i64;
        assert_eq!(
            (
                count(Admission::Regular),
                count(Admission::Reserve),
                count(Admission::Refused)
            ),
            (2, RESERVE, 2)
        );
        assert_eq!(&seen[..2], [Admission::Regular; 2]);
        assert_eq!(
            (
                stats.connections_accepted.load(Relaxed),
                stats.connections_reserved.load(Relaxed),
                stats.connections_rejected.load(Relaxed)
            ),
            (2, RESERVE as u64, 2)
        );
        // A regular connection that closes frees its place for a regular one again.
        stats.connections_live.fetch_sub(1, Relaxed);
        assert_eq!(admit(&stats, 2), Admission::Regular);
    }

    #[test]
    fn the_reserve_answers_stats_and_control_only() {
        let request = |method: Method, path: &str| {
            Request::builder()
                .method(method)
                .uri(path)
                .body(())
                .unwrap()
        };
        for served in [
            request(Method::GET, "/stats?from_ns=1&to_ns=2"),
            request(Method::POST, "/control/stop"),
            request(Method::POST, "/control/mark?at_ns=5"),
        ] {
            assert!(serves(&served), "{served:?}");
        }
        for refused in [
            request(Method::GET, "/poll"),
            request(Method::GET, "/ws"),
            request(Method::POST, "/publish"),
            request(Method::POST, "/stats"),
            request(Method::GET, "/control/stop"),
            request(Method::GET, "/"),
        ] {
            assert!(!serves(&refused), "{refused:?}");
        }
    }
}
