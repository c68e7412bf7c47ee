//! TCP segment and byte counts of one socket from Linux `TCP_INFO`: socket byte counts
//! miss the IP and TCP headers and the bare ACKs, and at small messages those dominate.

use std::io;
use std::mem::{offset_of, size_of};
use std::os::fd::RawFd;

/// IPv4 header 20 + TCP header 20 + the timestamps option 12, which Linux sends on every
/// segment by default.
pub const WIRE_HEADER_BYTES_PER_SEGMENT: u64 = 52;

/// Linux `struct tcp_info` (linux/tcp.h) up to `tcpi_segs_in`, which arrived in 4.2.
/// Later kernels append fields; asking for this size gets this prefix.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
struct TcpInfo {
    state: u8,
    ca_state: u8,
    retransmits: u8,
    probes: u8,
    backoff: u8,
    options: u8,
    wscale: u8,
    rate_flags: u8,
    rto: u32,
    ato: u32,
    snd_mss: u32,
    rcv_mss: u32,
    unacked: u32,
    sacked: u32,
    lost: u32,
    retrans: u32,
    fackets: u32,
    last_data_sent: u32,
    last_ack_sent: u32,
    last_data_recv: u32,
    last_ack_recv: u32,
    pmtu: u32,
    rcv_ssthresh: u32,
    rtt: u32,
    rttvar: u32,
    snd_ssthresh: u32,
    snd_cwnd: u32,
    advmss: u32,
    reordering: u32,
    rcv_rtt: u32,
    rcv_space: u32,
    total_retrans: u32,
    pacing_rate: u64,
    max_pacing_rate: u64,
    bytes_acked: u64,
    bytes_received: u64,
    segs_out: u32,
    segs_in: u32,
}

// The offsets the kernel's layout puts these at; a wrong field order fails the build.
const _: () = assert!(offset_of!(TcpInfo, rto) == 8);
const _: () = assert!(offset_of!(TcpInfo, total_retrans) == 100);
const _: () = assert!(offset_of!(TcpInfo, pacing_rate) == 104);
const _: () = assert!(offset_of!(TcpInfo, bytes_acked) == 120);
const _: () = assert!(offset_of!(TcpInfo, segs_out) == 136);
const _: () = assert!(size_of::<TcpInfo>() == 144);

/// Counters of one TCP socket since it opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TcpCounters {
    /// Segments sent, ACK-only and retransmitted ones included.
    pub segs_out: u64,
    /// Segments received, ACK-only ones included.
    pub segs_in: u64,
    /// Bytes of ours the peer acknowledged.
    pub bytes_acked: u64,
    /// Bytes received in order.
    pub bytes_received: u64,
}

pub fn counters(fd: RawFd) -> io::Result<TcpCounters> {
    let mut info = TcpInfo::default();
    let mut len = size_of::<TcpInfo>() as libc::socklen_t;
    // SAFETY: `info` is a plain C struct of `len` bytes; the kernel writes at most `len`.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&mut info as *mut TcpInfo).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    if (len as usize) < size_of::<TcpInfo>() {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("TCP_INFO gave {len} bytes; segment counts need Linux 4.2 or later"),
        ));
    }
    Ok(TcpCounters {
        segs_out: info.segs_out.into(),
        segs_in: info.segs_in.into(),
        bytes_acked: info.bytes_acked,
        bytes_received: info.bytes_received,
    })
}

/// `(segs_out, segs_in)` of a TCP socket.
pub fn segments(fd: RawFd) -> io::Result<(u64, u64)> {
    counters(fd).map(|c| (c.segs_out, c.segs_in))
}

/// Bytes on the wire: socket bytes plus the headers of every segment, either direction.
pub fn wire_estimate(socket_bytes: u64, segments: u64) -> u64 {
    socket_bytes + segments * WIRE_HEADER_BYTES_PER_SEGMENT
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::AsRawFd;

    use super::*;

    #[test]
    fn counts_a_loopback_transfer() {
        const N: usize = 10_000;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut sender = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut receiver, _) = listener.accept().unwrap();

        sender.write_all(&[7u8; N]).unwrap();
        let mut got = vec![0u8; N];
        receiver.read_exact(&mut got).unwrap();

        let (segs_out, _) = segments(sender.as_raw_fd()).unwrap();
        let theirs = counters(receiver.as_raw_fd()).unwrap();
        assert!(segs_out >= 1, "{segs_out}");
        assert!(theirs.segs_in >= 1);
        assert_eq!(theirs.bytes_received, N as u64);
        assert_eq!(counters(sender.as_raw_fd()).unwrap().bytes_received, 0);
    }

    #[test]
    fn a_non_socket_is_an_error() {
        let file = std::fs::File::open("/proc/self/stat").unwrap();
        assert!(counters(file.as_raw_fd()).is_err());
    }

    #[test]
    fn wire_estimate_adds_headers_per_segment() {
        assert_eq!(wire_estimate(1000, 3), 1000 + 3 * 52);
    }
}
