//! Kernel receive timestamps on the client sockets: when the bytes of each read reached the
//! machine, taken by the kernel (`SO_TIMESTAMPNS`, a software stamp on CLOCK_REALTIME, the
//! clock events carry their publish instant on), so that latency ends where the transport
//! ends rather than when a busy load generator got round to parsing the bytes.
//!
//! A read is one `recvmsg` instead of one `read`: no extra syscall, no allocation. For TCP,
//! Linux hands back the stamp of the last segment the read consumed, i.e. when the last of
//! those bytes arrived.

use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::net::TcpStream;

/// The kernel's receive stamp of the latest read on one socket, shared between the socket
/// and the client that decodes its bytes.
///
/// Reading it when a message has just been decoded gives the stamp of the read that
/// completed that message: the clients' decoders (`client::http1`, the WebSocket frame
/// decoder) hand out every complete message a read brought before they read again, so the
/// latest read is the one that brought the message's last byte.
#[derive(Debug, Clone, Default)]
pub struct ReceiveStamp(Arc<AtomicU64>);

impl ReceiveStamp {
    /// Nanoseconds since the epoch, or `None` when the latest read came without a stamp.
    pub fn get(&self) -> Option<u64> {
        Some(self.0.load(Relaxed)).filter(|&ns| ns > 0)
    }

    fn set(&self, ns: Option<u64>) {
        self.0.store(ns.unwrap_or(0), Relaxed);
    }
}

/// Keeps the kernel's receive stamping switched on while it lives: an unbound UDP socket
/// that asks for stamps. The first socket to ask switches stamping on for the whole machine
/// only a moment later (Linux defers it to a work queue), and the last to close switches it
/// off; a run holds one of these from before its clients connect, so that their first
/// events are stamped too and nothing toggles between transports.
#[derive(Debug)]
pub struct StampingOn(#[allow(dead_code)] std::os::fd::OwnedFd);

impl StampingOn {
    pub fn new() -> io::Result<Self> {
        // SAFETY: plain socket(2); the descriptor is owned at once.
        let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a fresh descriptor nobody else owns.
        let owned = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
        enable_stamps(fd)?;
        Ok(Self(owned))
    }
}

/// Asks the kernel to stamp what arrives on `fd` (`SO_TIMESTAMPNS`).
fn enable_stamps(fd: RawFd) -> io::Result<()> {
    let on: libc::c_int = 1;
    // SAFETY: a valid socket, and a c_int option value of the size given.
    let status = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_TIMESTAMPNS,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if status == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// A TCP stream whose reads also take the kernel's receive stamp. Writes go straight through.
#[derive(Debug)]
pub struct StampedTcp {
    inner: TcpStream,
    stamp: ReceiveStamp,
}

impl StampedTcp {
    /// Wraps `stream`; its reads carry a stamp only once `enable_stamps` succeeded.
    pub fn wrap(stream: TcpStream) -> Self {
        Self {
            inner: stream,
            stamp: ReceiveStamp::default(),
        }
    }

    /// Asks the kernel to stamp every segment that arrives on this socket. On error (an old
    /// or restricted kernel) reads still work, without stamps.
    pub fn enable_stamps(&self) -> io::Result<()> {
        enable_stamps(self.inner.as_raw_fd())
    }

    /// The handle the decoding client reads the latest stamp from.
    pub fn receive_stamp(&self) -> ReceiveStamp {
        self.stamp.clone()
    }

    pub fn get_ref(&self) -> &TcpStream {
        &self.inner
    }
}

impl AsRawFd for StampedTcp {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl AsyncRead for StampedTcp {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        let fd = this.inner.as_raw_fd();
        loop {
            ready!(this.inner.poll_read_ready(cx))?;
            // SAFETY: recvmsg only writes initialised bytes into the slice, and we mark
            // as filled only the `n` it reports.
            let unfilled = unsafe { buf.unfilled_mut() };
            let room = unfilled.len();
            let mut drained = None;
            let read = this.inner.try_io(Interest::READABLE, || {
                let (n, stamp) = receive(fd, unfilled)?;
                // A read that left room took everything queued: the socket is drained, so
                // its readiness is cleared now (by answering WouldBlock to `try_io`),
                // rather than by one more `recvmsg` that would find nothing. What arrives
                // later raises readiness again. tokio's own TcpStream reads do the same.
                if n > 0 && n < room {
                    drained = Some((n, stamp));
                    return Err(io::ErrorKind::WouldBlock.into());
                }
                Ok((n, stamp))
            });
            match (read, drained) {
                (_, Some((n, stamp))) | (Ok((n, stamp)), None) => {
                    // SAFETY: the kernel wrote `n` bytes.
                    unsafe { buf.assume_init(n) };
                    buf.advance(n);
                    // End of stream brings no bytes, so it keeps the last stamp.
                    if n > 0 {
                        this.stamp.set(stamp);
                    }
                    return Poll::Ready(Ok(()));
                }
                // Readiness was cleared: wait for the next.
                (Err(e), None) if e.kind() == io::ErrorKind::WouldBlock => continue,
                (Err(e), None) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for StampedTcp {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// Room for one `SCM_TIMESTAMPNS` message (a 16-byte header and a 16-byte timespec) and
/// then some, aligned for `cmsghdr`.
type ControlBuffer = [u64; 8];

/// One `recvmsg` into `buf`: the bytes read and the kernel's receive stamp, if it gave one.
fn receive(fd: RawFd, buf: &mut [MaybeUninit<u8>]) -> io::Result<(usize, Option<u64>)> {
    let mut control: ControlBuffer = [0; 8];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: a zeroed msghdr is valid (no name, no buffers) until we point it at ours.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = std::mem::size_of::<ControlBuffer>() as _;
    // SAFETY: msg points at live buffers of the lengths it states.
    let n = unsafe { libc::recvmsg(fd, &mut msg, 0) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((n as usize, stamp_of(&msg)))
}

/// The `SCM_TIMESTAMPNS` control message of a received `msg`, in ns since the epoch.
fn stamp_of(msg: &libc::msghdr) -> Option<u64> {
    // SAFETY: msg was filled by recvmsg; the CMSG macros stay within msg_controllen.
    let mut cmsg = unsafe { libc::CMSG_FIRSTHDR(msg) };
    while !cmsg.is_null() {
        // SAFETY: non-null headers from CMSG_FIRSTHDR/NXTHDR lie inside the buffer.
        let header = unsafe { &*cmsg };
        if header.cmsg_level == libc::SOL_SOCKET && header.cmsg_type == libc::SCM_TIMESTAMPNS {
            // SAFETY: the kernel put a timespec after this header; it may be unaligned.
            let ts: libc::timespec =
                unsafe { std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast()) };
            let ns = (ts.tv_sec as u64)
                .saturating_mul(1_000_000_000)
                .saturating_add(ts.tv_nsec as u64);
            return Some(ns).filter(|&ns| ns > 0);
        }
        // SAFETY: as above.
        cmsg = unsafe { libc::CMSG_NXTHDR(msg, cmsg) };
    }
    None
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;
    use crate::feed::wall_clock_ns;
    use crate::metrics::counting::{ByteCounters, CountingStream};

    /// A loopback pair: our stamped, counted client end and the server's plain end.
    async fn pair(enable: bool) -> (CountingStream<StampedTcp>, TcpStream, Arc<ByteCounters>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let stamped = StampedTcp::wrap(client);
        if enable {
            stamped.enable_stamps().unwrap();
        }
        let counters = ByteCounters::new();
        (
            CountingStream::new(stamped, counters.clone()),
            server,
            counters,
        )
    }

    /// Exchanges single bytes until the kernel stamps them: it switches stamping on for the
    /// machine a moment after the first socket asks. Bounded: a kernel that never stamps
    /// fails the test.
    async fn wait_for_stamping(client: &mut CountingStream<StampedTcp>, server: &mut TcpStream) {
        let stamp = client.get_ref().receive_stamp();
        for _ in 0..200 {
            server.write_all(b"w").await.unwrap();
            let mut one = [0u8; 1];
            client.read_exact(&mut one).await.unwrap();
            if stamp.get().is_some() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        panic!("the kernel never stamped a read");
    }

    #[tokio::test]
    async fn a_read_carries_the_kernel_stamp_from_before_the_application_saw_it() {
        let _on = StampingOn::new().unwrap();
        let (mut client, mut server, counters) = pair(true).await;
        let stamp = client.get_ref().receive_stamp();
        assert_eq!(stamp.get(), None, "nothing read yet");
        wait_for_stamping(&mut client, &mut server).await;
        let warm_up = client.bytes_down();

        server.write_all(b"0123456789").await.unwrap();
        let mut got = [0u8; 10];
        client.read_exact(&mut got).await.unwrap();
        let app_ns = wall_clock_ns();

        assert_eq!(&got, b"0123456789");
        let kernel_ns = stamp.get().expect("the kernel stamped the read");
        assert!(kernel_ns <= app_ns, "{kernel_ns} > {app_ns}");
        // Counting is unchanged: every byte once, on the connection and in the sink.
        assert_eq!((client.bytes_down(), client.bytes_up()), (warm_up + 10, 0));
        client.write_all(b"abc").await.unwrap();
        assert_eq!(counters.snapshot(), (warm_up + 10, 3));
        let mut back = [0u8; 3];
        server.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"abc");
    }

    #[tokio::test]
    async fn without_stamps_enabled_reads_work_and_carry_none() {
        let (mut client, mut server, counters) = pair(false).await;
        let stamp = client.get_ref().receive_stamp();
        server.write_all(b"hello").await.unwrap();
        drop(server);
        let mut got = Vec::new();
        client.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"hello");
        assert_eq!(stamp.get(), None);
        assert_eq!(counters.snapshot(), (5, 0));
    }

    #[tokio::test]
    async fn end_of_stream_keeps_the_last_stamp() {
        let _on = StampingOn::new().unwrap();
        let (mut client, mut server, _) = pair(true).await;
        let stamp = client.get_ref().receive_stamp();
        wait_for_stamping(&mut client, &mut server).await;
        let first = stamp.get();
        drop(server);
        let mut rest = Vec::new();
        client.read_to_end(&mut rest).await.unwrap();
        assert!(first.is_some() && rest.is_empty());
        assert_eq!(stamp.get(), first);
    }
}
