//! TCP segments of the client sockets, from Linux `TCP_INFO`, summed over the sockets.

use std::os::fd::RawFd;

use super::{Answer, ProbeError, SocketProbe};
use crate::metrics::tcpinfo;

/// Segments of one socket, or of many summed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Segments {
    pub sent: u64,
    pub received: u64,
}

impl Segments {
    /// Segments between `earlier` and this reading.
    pub fn since(&self, earlier: &Segments) -> Segments {
        Segments {
            sent: self.sent.saturating_sub(earlier.sent),
            received: self.received.saturating_sub(earlier.received),
        }
    }
}

/// Reads `TCP_INFO` (Linux 4.2 or later).
#[derive(Debug, Clone, Copy)]
pub struct TcpInfo;

impl SocketProbe for TcpInfo {
    fn segments(&self, fd: RawFd) -> Answer<Segments> {
        let (sent, received) = tcpinfo::segments(fd)
            .map_err(|e| ProbeError::Failed(format!("TCP_INFO of a client socket: {e}")))?;
        Ok(Segments { sent, received })
    }
}

/// The window's segments over every client socket. One socket that could not be read
/// makes the sum an undercount, so the sum is then not measured.
// Serialised whole in a shard's record (`wsbench merge` adds them as workers' are added).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct SegmentSum {
    sum: Segments,
    failed: u64,
    first_failure: Option<ProbeError>,
}

impl SegmentSum {
    pub fn add(&mut self, answer: Answer<Segments>) {
        match answer {
            Ok(segments) => {
                self.sum.sent += segments.sent;
                self.sum.received += segments.received;
            }
            Err(error) => {
                self.failed += 1;
                self.first_failure.get_or_insert(error);
            }
        }
    }

    pub fn merge(&mut self, other: &SegmentSum) {
        self.add(Ok(other.sum));
        self.failed += other.failed;
        if let Some(error) = &other.first_failure {
            self.first_failure.get_or_insert_with(|| error.clone());
        }
    }

    pub fn answer(&self) -> Answer<Segments> {
        match &self.first_failure {
            None => Ok(self.sum),
            Some(ProbeError::Absent(reason)) => Err(ProbeError::Absent(reason.clone())),
            Some(ProbeError::Failed(reason)) => {
                let sockets = if self.failed == 1 {
                    "socket"
                } else {
                    "sockets"
                };
                Err(ProbeError::Failed(format!(
                    "{} {sockets} unread, first: {reason}",
                    self.failed
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_sockets_until_one_fails() {
        let mut a = SegmentSum::default();
        a.add(Ok(Segments {
            sent: 3,
            received: 4,
        }));
        let mut b = SegmentSum::default();
        b.add(Ok(Segments {
            sent: 10,
            received: 20,
        }));
        a.merge(&b);
        assert_eq!(
            a.answer(),
            Ok(Segments {
                sent: 13,
                received: 24
            })
        );
        b.add(Err(ProbeError::Failed(
            "TCP_INFO of a client socket: EBADF".into(),
        )));
        b.add(Err(ProbeError::Failed("later".into())));
        a.merge(&b);
        assert_eq!(
            a.answer(),
            Err(ProbeError::Failed(
                "2 sockets unread, first: TCP_INFO of a client socket: EBADF".into()
            ))
        );
    }

    #[test]
    fn a_non_socket_is_an_error_naming_tcp_info() {
        use std::os::fd::AsRawFd;
        let file = std::fs::File::open("/proc/self/stat").unwrap();
        let error = TcpInfo.segments(file.as_raw_fd()).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("TCP_INFO of a client socket: ")
        );
    }
}
